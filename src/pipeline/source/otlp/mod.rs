//! `type: otlp` (source): an OTLP logs receiver, the processor's input as a sidecar. It owns
//! the two servers (`grpc`: `LogsService/Export` on tonic; `http`: `POST /v1/logs` on
//! axum), the classification and redaction of each received record ([`classify`]), the
//! conversion of a request into ordered batches ([`request`]), and the answers to senders.
//!
//! ```yaml
//! sources:
//!   - type: otlp
//!     grpc_listen: 127.0.0.1:4317   # null turns OTLP/gRPC off
//!     http_listen: 127.0.0.1:4318   # null turns OTLP/HTTP off
//!     non_audit: pass               # or drop
//!     max_message_bytes: 4194304
//!     accept_timeout_ms: 2000
//! ```
//!
//! Each record is one of three kinds: an audit event sent as the body (mapped by the core,
//! exactly as events from the other sources), a record audit-otel mapped already (re-redacted,
//! passed), or an ordinary application log (redacted with the value rules and passed, or dropped
//! with `non_audit: drop`). See [`classify`] for the rules and [`request`] for what each
//! becomes. The sender's resource is kept (`service.name` of the app); records made here carry
//! audit-otel's instrumentation scope, passed records the sender's.
//!
//! # Answers
//!
//! A request is answered after its records are in every sink's buffer, not when they are
//! exported: what waits for room in the buffers waits at most `accept_timeout_ms`, then the
//! sender is told to retry (gRPC `UNAVAILABLE` with `RetryInfo`, HTTP `503` with
//! `Retry-After`), as the OTLP specification asks of a receiver under back-pressure; the
//! dedup claims of events not handed over are given back so that the retry is not taken for a
//! re-delivery. Records that look like audit events but are malformed are rejected
//! (counted, dead-lettered, logged without values) and reported as a partial success
//! (`rejected_log_records`, with a message naming the error kinds, never values); senders do
//! not retry those.
//!
//! Classification and mapping run on blocking threads, at most one request per core at a
//! time; a request that cannot start within `accept_timeout_ms` is told to retry as well.
//! Refusals (`415`, `413`, `400`, retry later) are counted in `refused_requests`.
//!
//! Positions in logs and dead letters count records received by this source since start
//! (1-based), across both transports.

pub mod classify;
mod grpc;
mod http;
pub mod request;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::SourceError;
use crate::otel::wire;
use crate::pipeline::config::{NonAudit, OtlpSourceConfig};
use crate::pipeline::ingest::SourceContext;
use crate::pipeline::stats::add;

/// What senders are told to wait before retrying when the pipeline has no room.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(1);

/// How long the servers may finish requests in flight after a shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

const BUSY_MESSAGE: &str =
    "the processor's buffers are full (accept_timeout_ms passed); retry later";
const INTERNAL_MESSAGE: &str = "the processor failed to handle the request";

/// Why a request was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// No room in the pipeline in time: retry later.
    Busy,
    /// Not a valid `ExportLogsServiceRequest` (the message names what, never values).
    Undecodable(String),
    /// The request's processing failed (a bug): not retryable by design, logged.
    Internal,
}

/// What both servers share.
pub(crate) struct Receiver {
    ctx: SourceContext,
    non_audit: NonAudit,
    accept_timeout: Duration,
    /// Position of the next record received.
    next_position: AtomicU64,
    /// Bounds the CPU given to classification and mapping (one blocking thread per core).
    workers: Semaphore,
}

impl Receiver {
    /// A receiver feeding `ctx`.
    pub(crate) fn new(cfg: &OtlpSourceConfig, ctx: SourceContext) -> Receiver {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Receiver {
            ctx,
            non_audit: cfg.non_audit,
            accept_timeout: Duration::from_millis(cfg.accept_timeout_ms),
            next_position: AtomicU64::new(1),
            workers: Semaphore::new(cores),
        }
    }

    /// The source's context.
    pub(crate) fn ctx(&self) -> &SourceContext {
        &self.ctx
    }

    /// Handles one export request: classify, map, redact, then hand the records to the
    /// pipeline within `accept_timeout_ms`. `transport` names the transport in logs.
    pub(crate) async fn export(
        self: &Arc<Self>,
        raw: Bytes,
        transport: &'static str,
    ) -> Result<ExportLogsServiceResponse, Refused> {
        let n = match wire::request(&raw) {
            Ok(view) => request::count_records(&view),
            Err(e) => return Err(self.undecodable(transport, e.to_string())),
        };
        if n == 0 {
            return Ok(ExportLogsServiceResponse::default());
        }
        // Every core busy with other requests for a whole accept timeout is back-pressure too;
        // nothing has been done yet, so the sender simply retries.
        let slot = tokio::time::timeout(self.accept_timeout, self.workers.acquire()).await;
        let Ok(Ok(slot)) = slot else {
            self.busy(transport, n, 0, 0);
            return Err(Refused::Busy);
        };
        let first = self.next_position.fetch_add(n, Ordering::Relaxed);
        let prepared = {
            let this = self.clone();
            tokio::task::spawn_blocking(move || {
                request::prepare(&this.ctx, this.non_audit, &raw, first)
            })
            .await
        };
        drop(slot);
        let prepared = match prepared {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(self.undecodable(transport, e.to_string())),
            Err(e) => {
                // Not the panic's message: it could quote data.
                tracing::error!(
                    source = self.ctx.name(),
                    transport,
                    panicked = e.is_panic(),
                    "Handling an OTLP request failed."
                );
                return Err(Refused::Internal);
            }
        };
        let request::Prepared {
            batches,
            claims,
            rejected,
            rejected_kinds,
        } = prepared;
        let batch_count = batches.len();
        let mut submitted = 0usize;
        let handed = tokio::time::timeout(self.accept_timeout, async {
            for batch in batches {
                // The receipt resolves when the records are safe at every sink; the sender is
                // answered once they are in the buffers (a disk buffer makes that durable).
                drop(self.ctx.submit_batch(batch).await);
                submitted += 1;
            }
        })
        .await;
        if handed.is_err() {
            for c in claims.into_iter().skip(submitted) {
                for claim in c {
                    self.ctx.release(Some(claim));
                }
            }
            self.busy(transport, n, submitted, batch_count);
            return Err(Refused::Busy);
        }
        let partial_success = (rejected > 0).then(|| {
            let kinds = rejected_kinds
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            ExportLogsPartialSuccess {
                rejected_log_records: i64::try_from(rejected).unwrap_or(i64::MAX),
                error_message: format!(
                    "{rejected} of {n} log records look like audit events but are malformed ({kinds}); they were dead-lettered by the processor"
                ),
            }
        });
        Ok(ExportLogsServiceResponse { partial_success })
    }
}

impl Receiver {
    /// Counts and logs a request that does not decode.
    fn undecodable(&self, transport: &'static str, message: String) -> Refused {
        add(&self.ctx.stats().refused_requests, 1);
        tracing::warn!(
            source = self.ctx.name(),
            transport,
            reason = "undecodable",
            "Refused an OTLP request."
        );
        Refused::Undecodable(message)
    }

    /// Counts and logs a request answered with "retry later".
    fn busy(&self, transport: &'static str, records: u64, handed_over: usize, batches: usize) {
        add(&self.ctx.stats().refused_requests, 1);
        tracing::warn!(
            source = self.ctx.name(),
            transport,
            records,
            batches_handed_over = handed_over,
            batches,
            "No room in the pipeline within accept_timeout_ms; the sender was told to retry."
        );
    }
}

/// Runs the source until shutdown. Fails when an address cannot be bound or a server stops.
pub async fn run(cfg: OtlpSourceConfig, ctx: SourceContext) -> Result<(), SourceError> {
    let fail = |message: String| SourceError {
        source_name: ctx.name().to_owned(),
        message,
    };
    if cfg.grpc_listen.is_none() && cfg.http_listen.is_none() {
        return Err(fail(
            "`grpc_listen` and `http_listen` are both null: nothing to listen on; set at least one (defaults 127.0.0.1:4317 and 127.0.0.1:4318)".into(),
        ));
    }
    let grpc_listener = bind(cfg.grpc_listen, "grpc_listen", "OTLP/gRPC")
        .await
        .map_err(&fail)?;
    let http_listener = bind(cfg.http_listen, "http_listen", "OTLP/HTTP")
        .await
        .map_err(&fail)?;
    // Both addresses are bound: senders can connect (the servers accept once spawned below).
    ctx.mark_ready();
    let max = cfg.max_message_bytes.max(1);
    let receiver = Arc::new(Receiver::new(&cfg, ctx.clone()));
    let stop = ctx.shutdown().child_token();
    let mut servers = tokio::task::JoinSet::new();
    let mut grpc_addr = None;
    let mut http_addr = None;
    if let Some(listener) = grpc_listener {
        let addr = listener.local_addr().ok();
        grpc_addr = addr;
        let svc = grpc::service(receiver.clone(), max);
        let incoming =
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
        let stop = stop.clone();
        servers.spawn(async move {
            tonic::transport::Server::builder()
                .add_service(svc)
                .serve_with_incoming_shutdown(incoming, stop.cancelled_owned())
                .await
                .map_err(|e| format!("the OTLP/gRPC server on {addr:?} failed: {e}"))
        });
    }
    if let Some(listener) = http_listener {
        let addr = listener.local_addr().ok();
        http_addr = addr;
        let router = http::router(receiver.clone(), max);
        let stop = stop.clone();
        servers.spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
                .map_err(|e| format!("the OTLP/HTTP server on {addr:?} failed: {e}"))
        });
    }
    tracing::info!(
        source = ctx.name(),
        grpc = ?grpc_addr,
        http = ?http_addr,
        non_audit = ?cfg.non_audit,
        "OTLP receiver listening."
    );
    let outcome = tokio::select! {
        biased;
        _ = stop.cancelled() => Ok(()),
        Some(done) = servers.join_next() => match done {
            // A server ends by itself only on shutdown (which may have just fired).
            Ok(Ok(())) if stop.is_cancelled() => Ok(()),
            Ok(Ok(())) => Err("an OTLP server stopped unexpectedly".to_owned()),
            Ok(Err(message)) => Err(message),
            Err(e) => Err(format!("an OTLP server task ended abnormally: {e}")),
        },
    };
    stop.cancel();
    // Let requests in flight finish (they may still hand records to the sinks).
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while servers.join_next().await.is_some() {}
    })
    .await;
    servers.abort_all();
    outcome.map_err(fail)
}

/// Binds an optional address; the error names the configuration field.
async fn bind(
    addr: Option<SocketAddr>,
    field: &str,
    what: &str,
) -> Result<Option<TcpListener>, String> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    TcpListener::bind(addr).await.map(Some).map_err(|e| {
        format!(
            "`{field}`: cannot listen on {addr} for {what}: {e}; change `{field}` of this source (or set it to null to turn {what} off)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::AuditCore;
    use crate::generate::{Generator, GeneratorOptions, Mix};
    use crate::otel::proto::json_to_any;
    use crate::pipeline::config::{DeadLetterConfig, DeadLetterContent};
    use crate::pipeline::dead_letter::{DeadLetters, SharedDeadLetters};
    use crate::pipeline::dedup::DedupWindow;
    use crate::pipeline::ingest::Shared;
    use crate::pipeline::stats::{get, SourceStats};
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;

    /// Dead letters omitted, into a scratch file.
    fn dead_letters(core: &Arc<AuditCore>) -> SharedDeadLetters {
        SharedDeadLetters::new(
            DeadLetters::open(&DeadLetterConfig {
                path: Some(std::env::temp_dir().join(format!(
                    "audit-otel-otlp-unit-{}.ndjson",
                    std::process::id()
                ))),
                content: DeadLetterContent::Omitted,
            })
            .unwrap(),
            core.clone(),
            Arc::new(AtomicU64::new(0)),
        )
    }

    /// A context with no sinks (submissions settle at once).
    fn context() -> SourceContext {
        let core = Arc::new(AuditCore::default());
        context_with(core, Vec::new())
    }

    fn context_with(
        core: Arc<AuditCore>,
        sinks: Vec<crate::pipeline::sink::SinkHandle>,
    ) -> SourceContext {
        let dead = dead_letters(&core);
        let stats = Arc::new(SourceStats::new("otlp"));
        let shared = Arc::new(Shared {
            core,
            sinks,
            dead,
            dedup: Some(DedupWindow::new(1000)),
            resource: Arc::new(crate::otel::proto::resource(&[(
                "service.name".into(),
                "audit-otel".into(),
            )])),
            max_event_bytes: 256 * 1024,
            workers: 1,
        });
        SourceContext::new(shared, stats, tokio_util::sync::CancellationToken::new())
    }

    /// A writer that blocks on every write until the gate's sender is dropped.
    struct Gate(std::sync::mpsc::Receiver<()>);

    impl std::io::Write for Gate {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.recv();
            Ok(b.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn text(s: &str) -> LogRecord {
        LogRecord {
            body: Some(AnyValue {
                value: Some(any_value::Value::StringValue(s.to_owned())),
            }),
            ..LogRecord::default()
        }
    }

    /// An encoded request, as the servers hand it over.
    fn request(resource_name: &str, records: Vec<LogRecord>) -> Bytes {
        use prost::Message;
        let req = ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(Resource {
                    attributes: vec![KeyValue {
                        key: "service.name".into(),
                        value: Some(AnyValue {
                            value: Some(any_value::Value::StringValue(resource_name.into())),
                        }),
                        ..KeyValue::default()
                    }],
                    ..Resource::default()
                }),
                scope_logs: vec![ScopeLogs {
                    log_records: records,
                    ..ScopeLogs::default()
                }],
                schema_url: String::new(),
            }],
        };
        Bytes::from(req.encode_to_vec())
    }

    fn cfg(non_audit: NonAudit) -> OtlpSourceConfig {
        OtlpSourceConfig {
            grpc_listen: None,
            http_listen: None,
            non_audit,
            max_message_bytes: 1 << 20,
            accept_timeout_ms: 1000,
        }
    }

    #[test]
    fn a_request_becomes_ordered_runs_with_the_senders_resource() {
        let ctx = context();
        let mut g = Generator::new(GeneratorOptions {
            mix: Mix::Uniform,
            ..GeneratorOptions::default()
        });
        let mut line = Vec::new();
        g.write_line(&mut line);
        let event = String::from_utf8(line).unwrap();
        let kv_event = json_to_any(g.next_event());
        let records = vec![
            text(&event),
            LogRecord {
                body: Some(kv_event),
                ..LogRecord::default()
            },
            text("plain one"),
            text(r#"{"id":"x","type":"user.authenticated","payload":{}}"#),
            text("plain two"),
            text(&event), // a re-delivery
        ];
        let p = request::prepare(&ctx, NonAudit::Pass, &request("shop", records), 1).unwrap();
        let kinds: Vec<(Option<()>, usize)> = p
            .batches
            .iter()
            .map(|b| (b.scope.as_ref().map(|_| ()), b.records.len()))
            .collect();
        // [2 mapped] [plain one, plain two]: the rejected record leaves no gap between the two
        // plain ones, the duplicate adds nothing.
        assert_eq!(kinds, vec![(None, 2), (Some(()), 2)]);
        assert!(p.batches.iter().all(|b| b.resource.attributes[0]
            .value
            .as_ref()
            .is_some_and(|v| v.value == Some(any_value::Value::StringValue("shop".into())))));
        assert_eq!(p.rejected, 1);
        assert_eq!(p.rejected_kinds.get("missing_field"), Some(&1));
        assert_eq!(p.claims[0].len(), 2);
        assert_eq!(get(&ctx.stats().received), 6);
        assert_eq!(get(&ctx.stats().duplicates), 1);
        assert_eq!(get(&ctx.stats().rejected), 1);
    }

    #[test]
    fn non_audit_drop_is_counted() {
        let ctx = context();
        let p = request::prepare(
            &ctx,
            NonAudit::Drop,
            &request("shop", vec![text("a"), text("b")]),
            1,
        )
        .unwrap();
        assert!(p.batches.is_empty());
        assert_eq!(get(&ctx.stats().non_audit_dropped), 2);
    }

    #[tokio::test]
    async fn an_undecodable_request_is_refused_and_its_claims_given_back() {
        let ctx = context();
        let rx = Arc::new(Receiver::new(&cfg(NonAudit::Pass), ctx.clone()));
        let mut g = Generator::new(GeneratorOptions::default());
        let mut line = Vec::new();
        g.write_line(&mut line);
        let event = String::from_utf8(line).unwrap();
        // A valid request with a garbage record appended after the event's.
        let mut raw = request("shop", vec![text(&event)]).to_vec();
        let mut bad = request("shop", vec![]).to_vec();
        bad.extend_from_slice(&[0x0a, 0x03, 0x12, 0x01, 0x12]);
        raw.extend_from_slice(&bad);
        let e = rx.export(Bytes::from(raw), "test").await.unwrap_err();
        assert!(
            matches!(e, Refused::Undecodable(ref m) if m.contains("ExportLogsServiceRequest") || m.contains("protobuf")),
            "{e:?}"
        );
        assert_eq!(get(&ctx.stats().refused_requests), 1);
        assert_eq!(get(&ctx.stats().accepted), 0);
        // The event's id was given back: the corrected request is no duplicate.
        rx.export(request("shop", vec![text(&event)]), "test")
            .await
            .unwrap();
        assert_eq!(get(&ctx.stats().duplicates), 0);
        assert_eq!(get(&ctx.stats().accepted), 1);
        assert_eq!(
            rx.export(Bytes::from_static(b"\xff\xff\xff"), "test")
                .await
                .map(|_| ()),
            Err(Refused::Undecodable("invalid protobuf message".into()))
        );
    }

    #[tokio::test]
    async fn partial_success_names_kinds_not_values() {
        let ctx = context();
        let rx = Arc::new(Receiver::new(&cfg(NonAudit::Pass), ctx.clone()));
        let secret =
            r#"{"id":"s","type":"user.authenticated","context":{"timestamp":"bob@example.com"}}"#;
        let resp = rx
            .export(request("shop", vec![text(secret), text("ok")]), "test")
            .await
            .unwrap();
        let ps = resp.partial_success.expect("partial success");
        assert_eq!(ps.rejected_log_records, 1);
        assert!(!ps.error_message.contains("bob@"), "{}", ps.error_message);
        assert!(ps.error_message.contains("1 of 2"), "{}", ps.error_message);
        assert_eq!(get(&ctx.stats().accepted), 1);

        let ok = rx
            .export(request("shop", vec![text("fine")]), "test")
            .await
            .unwrap();
        assert_eq!(ok.partial_success, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_pipeline_answers_retry_later_and_gives_claims_back() {
        use crate::pipeline::config::{BatchConfig, QueueConfig, RetryConfig};
        use crate::pipeline::sink::{self, lines::JsonLinesWriter, Exporter, OpenedSink};
        use crate::pipeline::stats::SinkStats;
        use tokio_util::sync::CancellationToken;

        let core = Arc::new(AuditCore::default());
        let (open_gate, gate) = std::sync::mpsc::channel::<()>();
        let closing = CancellationToken::new();
        let (handle, task) = sink::spawn(
            OpenedSink {
                name: "gate".into(),
                exporter: Exporter::Lines(JsonLinesWriter::new(Box::new(Gate(gate)), 1)),
                batch: BatchConfig {
                    max_records: 1,
                    max_age_ms: 0,
                },
                queue: QueueConfig {
                    max_records: 1,
                    ..QueueConfig::default()
                },
                retry: RetryConfig::default(),
                max_in_flight: 1,
            },
            sink::SinkContext {
                stats: Arc::new(SinkStats::new("gate")),
                dead: dead_letters(&core),
                closing: closing.clone(),
                abandon: CancellationToken::new(),
                stop_pipeline: CancellationToken::new(),
            },
        )
        .expect("a memory-buffered sink starts");
        let ctx = context_with(core, vec![handle]);
        let mut c = cfg(NonAudit::Pass);
        c.accept_timeout_ms = 200;
        let rx = Arc::new(Receiver::new(&c, ctx.clone()));
        let mut g = Generator::new(GeneratorOptions::default());
        let mut line = Vec::new();
        g.write_line(&mut line);
        let event = String::from_utf8(line).unwrap();

        // The only slot of the buffer: taken by a record the sink cannot write yet.
        rx.export(request("shop", vec![text("first")]), "test")
            .await
            .expect("room for one");
        // No room: retry later, and the event's id is not remembered.
        assert_eq!(
            rx.export(request("shop", vec![text(&event)]), "test").await,
            Err(Refused::Busy)
        );
        assert_eq!(get(&ctx.stats().refused_requests), 1);
        drop(open_gate);
        // The retry is accepted, not taken for a re-delivery.
        rx.export(request("shop", vec![text(&event)]), "test")
            .await
            .expect("room again");
        assert_eq!(get(&ctx.stats().duplicates), 0);
        closing.cancel();
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the sink drains")
            .unwrap();
    }

    #[tokio::test]
    async fn a_taken_address_names_the_field() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let mut c = cfg(NonAudit::Pass);
        c.http_listen = Some(addr);
        let e = run(c, context()).await.unwrap_err();
        assert!(e.message.contains("`http_listen`"), "{e}");
        assert!(e.message.contains(&addr.to_string()), "{e}");
        let e = run(cfg(NonAudit::Pass), context()).await.unwrap_err();
        assert!(e.message.contains("both null"), "{e}");
    }
}
