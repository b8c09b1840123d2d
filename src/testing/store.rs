//! State shared by both servers and every handle: the behaviour, the store and the counters.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use tokio::sync::watch;

use super::types::{count_records, Behavior, Received, ReceiverStats, Transport, TransportStats};

/// Locks, ignoring poisoning (a panicking test thread must not wedge the receiver).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepted requests and records so far, for waiters.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub(crate) requests: usize,
    pub(crate) records: usize,
}

#[derive(Default)]
struct Counters {
    requests_accepted: AtomicU64,
    requests_rejected: AtomicU64,
    records_accepted: AtomicU64,
    records_rejected: AtomicU64,
    payload_bytes: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> TransportStats {
        TransportStats {
            requests_accepted: self.requests_accepted.load(Ordering::Relaxed),
            requests_rejected: self.requests_rejected.load(Ordering::Relaxed),
            records_accepted: self.records_accepted.load(Ordering::Relaxed),
            records_rejected: self.records_rejected.load(Ordering::Relaxed),
            payload_bytes: self.payload_bytes.load(Ordering::Relaxed),
        }
    }
}

fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

/// A decoded request on its way in.
pub(crate) struct Incoming {
    pub(crate) transport: Transport,
    pub(crate) request: ExportLogsServiceRequest,
    pub(crate) compressed: bool,
    pub(crate) headers: HeaderMap,
    pub(crate) payload_bytes: usize,
}

/// Why a request was refused, in both protocols' terms.
#[derive(Debug)]
pub(crate) struct Rejection {
    pub(crate) grpc: tonic::Code,
    pub(crate) http: StatusCode,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) message: String,
}

impl Rejection {
    pub(crate) fn bad_request(message: String) -> Self {
        Rejection {
            grpc: tonic::Code::InvalidArgument,
            http: StatusCode::BAD_REQUEST,
            retry_after: None,
            message,
        }
    }
}

enum Verdict {
    Accept { reject_last: usize },
    Reject(Rejection),
}

pub(crate) struct Shared {
    behavior: Mutex<Behavior>,
    requests: Mutex<Vec<Received>>,
    record_count: AtomicUsize,
    counts: watch::Sender<Counts>,
    store_requests: bool,
    pub(crate) max_message_size: usize,
    transports: [Counters; 3],
    unsupported: AtomicU64,
    pub(crate) grpc_wire_bytes: Arc<AtomicU64>,
    pub(crate) http_wire_bytes: Arc<AtomicU64>,
}

impl Shared {
    pub(crate) fn new(behavior: Behavior, store_requests: bool, max_message_size: usize) -> Self {
        Shared {
            behavior: Mutex::new(behavior),
            requests: Mutex::new(Vec::new()),
            record_count: AtomicUsize::new(0),
            counts: watch::Sender::new(Counts::default()),
            store_requests,
            max_message_size,
            transports: Default::default(),
            unsupported: AtomicU64::new(0),
            grpc_wire_bytes: Arc::default(),
            http_wire_bytes: Arc::default(),
        }
    }

    pub(crate) fn behavior(&self) -> Behavior {
        lock(&self.behavior).clone()
    }

    pub(crate) fn set_behavior(&self, behavior: Behavior) {
        *lock(&self.behavior) = behavior;
    }

    /// Decides the fate of one request, consuming failure budgets.
    fn decide(&self) -> (Option<Duration>, Verdict) {
        let mut behavior = lock(&self.behavior);
        match &mut *behavior {
            Behavior::Accept => (None, Verdict::Accept { reject_last: 0 }),
            Behavior::Delay(d) => (Some(*d), Verdict::Accept { reject_last: 0 }),
            Behavior::PartialSuccess { rejected } => (
                None,
                Verdict::Accept {
                    reject_last: *rejected,
                },
            ),
            Behavior::RejectAll => (
                None,
                Verdict::Reject(Rejection::bad_request(
                    "rejected by the OTLP test receiver (Behavior::RejectAll)".to_owned(),
                )),
            ),
            Behavior::FailNext { n: 0, .. } | Behavior::Throttle { n: 0, .. } => {
                *behavior = Behavior::Accept;
                (None, Verdict::Accept { reject_last: 0 })
            }
            Behavior::FailNext { n, retry_after } => {
                *n -= 1;
                let rejection = Rejection {
                    grpc: tonic::Code::Unavailable,
                    http: StatusCode::SERVICE_UNAVAILABLE,
                    retry_after: *retry_after,
                    message: format!(
                        "OTLP test receiver unavailable (Behavior::FailNext, {n} more to fail)"
                    ),
                };
                if *n == 0 {
                    *behavior = Behavior::Accept;
                }
                (None, Verdict::Reject(rejection))
            }
            Behavior::Throttle { n, retry_after } => {
                *n -= 1;
                let rejection = Rejection {
                    grpc: tonic::Code::ResourceExhausted,
                    http: StatusCode::TOO_MANY_REQUESTS,
                    retry_after: *retry_after,
                    message: format!(
                        "OTLP test receiver throttling (Behavior::Throttle, {n} more to throttle)"
                    ),
                };
                if *n == 0 {
                    *behavior = Behavior::Accept;
                }
                (None, Verdict::Reject(rejection))
            }
        }
    }

    /// Applies the behaviour to a decoded request: stores what is accepted, counts everything.
    pub(crate) async fn export(
        &self,
        incoming: Incoming,
    ) -> Result<ExportLogsServiceResponse, Rejection> {
        let received_at = Instant::now();
        let (delay, verdict) = self.decide();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let Incoming {
            transport,
            mut request,
            compressed,
            headers,
            payload_bytes,
        } = incoming;
        let counters = &self.transports[transport.index()];
        add(&counters.payload_bytes, payload_bytes);
        let total = count_records(&request);
        match verdict {
            Verdict::Reject(rejection) => {
                add(&counters.requests_rejected, 1);
                add(&counters.records_rejected, total);
                Err(rejection)
            }
            Verdict::Accept { reject_last } => {
                let rejected = drop_last_records(&mut request, reject_last);
                let accepted = total - rejected;
                add(&counters.requests_accepted, 1);
                add(&counters.records_accepted, accepted);
                add(&counters.records_rejected, rejected);
                self.store(
                    Received {
                        transport,
                        request,
                        compressed,
                        headers,
                        received_at,
                    },
                    accepted,
                );
                let partial_success = (rejected > 0).then(|| ExportLogsPartialSuccess {
                    rejected_log_records: rejected as i64,
                    error_message: format!(
                        "the OTLP test receiver rejected the last {rejected} log record(s) of \
                         this request (Behavior::PartialSuccess)"
                    ),
                });
                Ok(ExportLogsServiceResponse { partial_success })
            }
        }
    }

    fn store(&self, received: Received, records: usize) {
        let mut requests = lock(&self.requests);
        if self.store_requests {
            requests.push(received);
        }
        // Updated under the store lock so that counts and contents always agree.
        let count = self.record_count.fetch_add(records, Ordering::AcqRel) + records;
        self.counts.send_modify(|c| {
            c.requests += 1;
            c.records = count;
        });
    }

    /// Counts a request that could not be decoded.
    pub(crate) fn undecodable(&self, transport: Transport, payload_bytes: usize) {
        let counters = &self.transports[transport.index()];
        add(&counters.requests_rejected, 1);
        add(&counters.payload_bytes, payload_bytes);
    }

    pub(crate) fn unsupported_media_type(&self) {
        add(&self.unsupported, 1);
    }

    pub(crate) fn with_requests<R>(&self, f: impl FnOnce(&[Received]) -> R) -> R {
        f(&lock(&self.requests))
    }

    pub(crate) fn record_count(&self) -> usize {
        self.record_count.load(Ordering::Acquire)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Counts> {
        self.counts.subscribe()
    }

    pub(crate) fn clear(&self) {
        let mut requests = lock(&self.requests);
        *requests = Vec::new();
        self.record_count.store(0, Ordering::Release);
        self.counts.send_replace(Counts::default());
    }

    pub(crate) fn stats(&self) -> ReceiverStats {
        ReceiverStats {
            grpc: self.transports[Transport::Grpc.index()].snapshot(),
            http_protobuf: self.transports[Transport::HttpProtobuf.index()].snapshot(),
            http_json: self.transports[Transport::HttpJson.index()].snapshot(),
            http_unsupported_media_type: self.unsupported.load(Ordering::Relaxed),
            grpc_wire_bytes: self.grpc_wire_bytes.load(Ordering::Relaxed),
            http_wire_bytes: self.http_wire_bytes.load(Ordering::Relaxed),
        }
    }
}

/// Removes the last `n` log records of a request (in resource → scope → record order),
/// returning how many were removed (fewer if the request has fewer).
fn drop_last_records(request: &mut ExportLogsServiceRequest, mut n: usize) -> usize {
    let mut dropped = 0;
    for scope_logs in request
        .resource_logs
        .iter_mut()
        .rev()
        .flat_map(|rl| rl.scope_logs.iter_mut().rev())
    {
        if n == 0 {
            break;
        }
        let take = n.min(scope_logs.log_records.len());
        scope_logs
            .log_records
            .truncate(scope_logs.log_records.len() - take);
        n -= take;
        dropped += take;
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};

    fn request(shape: &[&[usize]]) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: shape
                .iter()
                .map(|scopes| ResourceLogs {
                    scope_logs: scopes
                        .iter()
                        .map(|&n| ScopeLogs {
                            log_records: (0..n)
                                .map(|i| LogRecord {
                                    time_unix_nano: i as u64,
                                    ..LogRecord::default()
                                })
                                .collect(),
                            ..ScopeLogs::default()
                        })
                        .collect(),
                    ..ResourceLogs::default()
                })
                .collect(),
        }
    }

    fn shape(r: &ExportLogsServiceRequest) -> Vec<Vec<usize>> {
        r.resource_logs
            .iter()
            .map(|rl| rl.scope_logs.iter().map(|s| s.log_records.len()).collect())
            .collect()
    }

    #[test]
    fn drops_from_the_end_across_scopes_and_resources() {
        let mut r = request(&[&[2, 3], &[1, 2]]);
        assert_eq!(drop_last_records(&mut r, 4), 4);
        assert_eq!(shape(&r), vec![vec![2, 2], vec![0, 0]]);
        assert_eq!(drop_last_records(&mut r, 0), 0);
        assert_eq!(drop_last_records(&mut r, 10), 4);
        assert_eq!(count_records(&r), 0);
    }

    #[tokio::test]
    async fn fail_next_budget_then_accept() {
        let shared = Shared::new(
            Behavior::FailNext {
                n: 2,
                retry_after: None,
            },
            true,
            1 << 20,
        );
        let incoming = || Incoming {
            transport: Transport::Grpc,
            request: request(&[&[3]]),
            compressed: false,
            headers: HeaderMap::new(),
            payload_bytes: 10,
        };
        assert!(shared.export(incoming()).await.is_err());
        assert!(shared.export(incoming()).await.is_err());
        assert_eq!(shared.behavior(), Behavior::Accept);
        assert!(shared.export(incoming()).await.is_ok());
        assert_eq!(shared.record_count(), 3);
        let stats = shared.stats().grpc;
        assert_eq!((stats.requests_accepted, stats.requests_rejected), (1, 2));
        assert_eq!((stats.records_accepted, stats.records_rejected), (3, 6));
        assert_eq!(stats.payload_bytes, 30);
    }
}
