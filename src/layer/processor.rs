//! The export side of the layer: an OpenTelemetry SDK `LogProcessor` that never loses an audit
//! record silently.
//!
//! ```text
//!  emitting threads ──emit──► bounded queue ──► worker thread ──► LogExporter (OTLP gRPC/HTTP, …)
//!                    (Block: wait up to       (batches by size    (retries with backoff; a
//!                     `max_block`, then count  and age; owns a     record that still fails
//!                     a drop; Drop: count)     tokio runtime)      is counted, never hidden)
//! ```
//!
//! Audit events from the layer enter the queue *unbuilt* ([`Pending`]: the fields and the
//! serialized payload as captured, its time and trace context); the worker sorts, decodes,
//! redacts and maps them (the shared core) into SDK records. So the emitting thread pays for
//! capturing the fields, serializing the payload once and a queue push, not for redaction. Unredacted events exist only in this process's memory, between the emitter and
//! the worker; nothing leaves the process before the core has redacted it.
//!
//! The SDK's `BatchLogProcessor` drops records when its queue (2,048 by default) is full and
//! says so once. For an audit trail that is the wrong default: here the emitter waits (the
//! `Block` policy, default) up to a bound, and every record that is dropped or fails to export is
//! counted in [`ExportStats`]. `shutdown` (or dropping the layer's guard) flushes what is queued.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, SendTimeoutError, Sender, TryRecvError, TrySendError};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{
    LogBatch, LogExporter, LogProcessor, SdkLogRecord, SdkLoggerProvider,
};
use opentelemetry_sdk::Resource;

/// What happens when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullPolicy {
    /// The emitting thread waits up to `max_block` for room, then the record is dropped and
    /// counted. The default: audit events are worth a short wait.
    Block {
        /// Longest wait per record.
        max_block: Duration,
    },
    /// The record is dropped at once and counted.
    Drop,
}

/// Queue and batching settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// Records the queue holds (default 8,192).
    pub capacity: usize,
    /// Records per export call (default 512).
    pub max_batch: usize,
    /// Longest a record waits for its batch to fill (default 200 ms).
    pub max_batch_age: Duration,
    /// What happens when the queue is full (default: block up to 10 s).
    pub when_full: FullPolicy,
    /// Export attempts per batch before its records count as failed (default 4).
    pub max_attempts: u32,
    /// First retry delay, doubled after each failure (default 100 ms).
    pub retry_backoff: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity: 8192,
            max_batch: 512,
            max_batch_age: Duration::from_millis(200),
            when_full: FullPolicy::Block {
                max_block: Duration::from_secs(10),
            },
            max_attempts: 4,
            retry_backoff: Duration::from_millis(100),
        }
    }
}

/// Counters of the export side.
#[derive(Debug, Default)]
struct Counters {
    queued: AtomicU64,
    exported: AtomicU64,
    dropped_full: AtomicU64,
    failed: AtomicU64,
    retries: AtomicU64,
    payload_errors: AtomicU64,
}

/// A snapshot of the export counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Records accepted into the queue.
    pub queued: u64,
    /// Records the exporter accepted.
    pub exported: u64,
    /// Records dropped because the queue was full.
    pub dropped_full: u64,
    /// Records whose export failed after every attempt.
    pub failed: u64,
    /// Export attempts that were retried.
    pub retries: u64,
    /// Events whose structured payload could not be carried: its `Serialize` failed or
    /// announced wrong lengths, it has no JSON form (a map keyed by maps), or it never reached
    /// the layer (a hand-written `audit.payload` field). They are exported with a
    /// `payload_error` key in place of the payload.
    pub payload_errors: u64,
    /// Records waiting in the queue now.
    pub queue_depth: u64,
}

/// An audit event captured by the layer, built into a record on the worker thread.
pub(crate) struct Pending {
    /// The event as captured (not yet sorted, decoded or redacted).
    pub capture: super::capture::Capture,
    /// Its sequence number in this process.
    pub seq: i64,
    /// When it was observed.
    pub observed_unix_nano: u64,
    /// The active span's context, when the event carries no trace of its own.
    pub trace: Option<(
        opentelemetry::trace::TraceId,
        opentelemetry::trace::SpanId,
        opentelemetry::trace::TraceFlags,
    )>,
}

/// Builds a pending event into a record (redaction and mapping happen here); the flag says its
/// payload could not be carried (see [`ExportStats::payload_errors`]).
pub(crate) type BuildFn = Arc<dyn Fn(Pending) -> (SdkLogRecord, bool) + Send + Sync>;

pub(crate) enum Msg {
    Record(Box<(SdkLogRecord, InstrumentationScope)>),
    Pending(Box<Pending>),
    Bind(BuildFn, InstrumentationScope),
    Resource(Resource),
    Flush(Sender<()>),
    Shutdown(Sender<()>),
}

/// The sending side of the queue, shared by the processor and the layer.
#[derive(Clone)]
pub(crate) struct Submitter {
    tx: Sender<Msg>,
    worker_thread: std::thread::Thread,
    max_batch: usize,
    policy: FullPolicy,
    counters: Arc<Counters>,
}

impl Submitter {
    /// Queues a message per the full-queue policy; counts it as queued or dropped.
    pub(crate) fn submit(&self, msg: Msg) {
        let sent = match self.policy {
            FullPolicy::Drop => self.tx.try_send(msg).is_ok(),
            FullPolicy::Block { max_block } => match self.tx.try_send(msg) {
                Ok(()) => true,
                Err(TrySendError::Full(msg)) => {
                    self.worker_thread.unpark();
                    match self.tx.send_timeout(msg, max_block) {
                        Ok(()) => true,
                        Err(SendTimeoutError::Timeout(_) | SendTimeoutError::Disconnected(_)) => {
                            false
                        }
                    }
                }
                Err(TrySendError::Disconnected(_)) => false,
            },
        };
        if self.tx.len() >= self.max_batch {
            self.worker_thread.unpark();
        }
        if sent {
            self.counters.queued.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counters.dropped_full.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Tells the worker how to build pending events. Sent before any event.
    pub(crate) fn bind(&self, build: BuildFn, scope: InstrumentationScope) {
        let _ = self.tx.send(Msg::Bind(build, scope));
        self.worker_thread.unpark();
    }
}

/// The `LogProcessor` of the audit layer. Generic over the exporter only at construction.
pub struct AuditExportProcessor {
    tx: Sender<Msg>,
    /// The worker, to wake when a batch is ready (it does not wake per record).
    worker_thread: std::thread::Thread,
    max_batch: usize,
    policy: FullPolicy,
    counters: Arc<Counters>,
    worker: Mutex<Option<JoinHandle<()>>>,
    empty: SdkLogRecord,
}

impl fmt::Debug for AuditExportProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditExportProcessor")
            .field("policy", &self.policy)
            .field("stats", &self.stats())
            .finish()
    }
}

/// A cheap handle on the counters, kept by the layer's guard.
#[derive(Debug, Clone)]
pub struct StatsHandle {
    counters: Arc<Counters>,
    tx: Sender<Msg>,
}

impl StatsHandle {
    /// A snapshot of the counters.
    pub fn get(&self) -> ExportStats {
        snapshot(&self.counters, &self.tx)
    }
}

fn snapshot(c: &Counters, tx: &Sender<Msg>) -> ExportStats {
    ExportStats {
        queued: c.queued.load(Ordering::Relaxed),
        exported: c.exported.load(Ordering::Relaxed),
        dropped_full: c.dropped_full.load(Ordering::Relaxed),
        failed: c.failed.load(Ordering::Relaxed),
        retries: c.retries.load(Ordering::Relaxed),
        payload_errors: c.payload_errors.load(Ordering::Relaxed),
        queue_depth: tx.len() as u64,
    }
}

impl AuditExportProcessor {
    /// Starts the worker thread. `make_exporter` runs on that thread, inside its tokio runtime
    /// (exporters such as OTLP/gRPC need one to be built).
    pub fn new<E, F>(config: QueueConfig, make_exporter: F) -> std::io::Result<AuditExportProcessor>
    where
        E: LogExporter + 'static,
        F: FnOnce() -> Result<E, String> + Send + 'static,
    {
        let (tx, rx) = bounded::<Msg>(config.capacity.max(1));
        let counters = Arc::new(Counters::default());
        let (ready_tx, ready_rx) = bounded::<Result<(), String>>(1);
        let worker_counters = counters.clone();
        let handle = std::thread::Builder::new()
            .name("audit-otel-export".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start the export runtime: {e}")));
                        return;
                    }
                };
                let exporter = {
                    let _enter = rt.enter();
                    make_exporter()
                };
                match exporter {
                    Ok(exporter) => {
                        let _ = ready_tx.send(Ok(()));
                        Worker {
                            rx,
                            exporter,
                            rt,
                            config,
                            counters: worker_counters,
                        }
                        .run();
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = handle.join();
                return Err(std::io::Error::other(e));
            }
            Err(_) => {
                return Err(std::io::Error::other(
                    "the export thread ended before it was ready",
                ))
            }
        }
        Ok(AuditExportProcessor {
            tx,
            worker_thread: handle.thread().clone(),
            max_batch: config.max_batch.max(1),
            policy: config.when_full,
            counters,
            worker: Mutex::new(Some(handle)),
            empty: empty_record(),
        })
    }

    /// The queue's sending side, for the layer.
    pub(crate) fn submitter(&self) -> Submitter {
        Submitter {
            tx: self.tx.clone(),
            worker_thread: self.worker_thread.clone(),
            max_batch: self.max_batch,
            policy: self.policy,
            counters: self.counters.clone(),
        }
    }

    /// A handle on the counters.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle {
            counters: self.counters.clone(),
            tx: self.tx.clone(),
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ExportStats {
        snapshot(&self.counters, &self.tx)
    }

    fn control(&self, make: impl FnOnce(Sender<()>) -> Msg, timeout: Duration) -> OTelSdkResult {
        let (done_tx, done_rx) = bounded(1);
        self.worker_thread.unpark();
        self.tx
            .send_timeout(make(done_tx), timeout)
            .map_err(|_| OTelSdkError::Timeout(timeout))?;
        self.worker_thread.unpark();
        done_rx
            .recv_timeout(timeout)
            .map_err(|_| OTelSdkError::Timeout(timeout))
    }
}

/// An empty SDK record, to swap with the one being emitted instead of deep-cloning it.
fn empty_record() -> SdkLogRecord {
    use opentelemetry::logs::{Logger, LoggerProvider};
    let provider = SdkLoggerProvider::builder().build();
    let record = provider.logger("audit-otel").create_log_record();
    let _ = provider.shutdown();
    record
}

impl LogProcessor for AuditExportProcessor {
    fn emit(&self, data: &mut SdkLogRecord, instrumentation: &InstrumentationScope) {
        let record = std::mem::replace(data, self.empty.clone());
        self.submitter()
            .submit(Msg::Record(Box::new((record, instrumentation.clone()))));
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.control(Msg::Flush, Duration::from_secs(60))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let Some(handle) = self
            .worker
            .lock()
            .map_err(|_| OTelSdkError::AlreadyShutdown)?
            .take()
        else {
            return Err(OTelSdkError::AlreadyShutdown);
        };
        let r = self.control(Msg::Shutdown, timeout);
        if r.is_ok() {
            let _ = handle.join();
        }
        r
    }

    fn set_resource(&mut self, resource: &Resource) {
        let _ = self.tx.send(Msg::Resource(resource.clone()));
        self.worker_thread.unpark();
    }
}

struct Worker<E: LogExporter> {
    rx: Receiver<Msg>,
    exporter: E,
    rt: tokio::runtime::Runtime,
    config: QueueConfig,
    counters: Arc<Counters>,
}

impl<E: LogExporter> Worker<E> {
    /// Drains the queue, exports full batches, and sleeps (parked) until a batch is due: the
    /// emitters wake it only when a batch is ready, never per record.
    fn run(mut self) {
        let mut batch: Vec<(SdkLogRecord, InstrumentationScope)> =
            Vec::with_capacity(self.config.max_batch);
        let mut oldest: Option<Instant> = None;
        let mut build: Option<(BuildFn, InstrumentationScope)> = None;
        loop {
            loop {
                let item = match self.rx.try_recv() {
                    Ok(Msg::Record(r)) => Some(*r),
                    Ok(Msg::Pending(p)) => match &build {
                        // A bug in redaction or mapping must cost one event, counted, not the
                        // export thread and everything queued behind it.
                        Some((f, scope)) => match catch_unwind(AssertUnwindSafe(|| f(*p))) {
                            Ok((record, payload_failed)) => {
                                if payload_failed {
                                    self.counters.payload_errors.fetch_add(1, Ordering::Relaxed);
                                }
                                Some((record, scope.clone()))
                            }
                            Err(_) => {
                                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                                tracing::error!(target: "audit_otel::export", "Building an audit record panicked; the event is counted as failed.");
                                None
                            }
                        },
                        None => {
                            // Not reachable: the layer binds before it emits.
                            self.counters.failed.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                    },
                    Ok(Msg::Bind(f, scope)) => {
                        build = Some((f, scope));
                        None
                    }
                    Ok(other) => {
                        match other {
                            Msg::Resource(res) => self.exporter.set_resource(&res),
                            Msg::Flush(done) => {
                                self.export(&mut batch);
                                oldest = None;
                                let _ = done.send(());
                            }
                            Msg::Shutdown(done) => {
                                self.export(&mut batch);
                                let _ = self.exporter.shutdown();
                                let _ = done.send(());
                                return;
                            }
                            Msg::Record(_) | Msg::Pending(_) | Msg::Bind(..) => {}
                        }
                        None
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.export(&mut batch);
                        let _ = self.exporter.shutdown();
                        return;
                    }
                };
                if let Some(r) = item {
                    oldest.get_or_insert_with(Instant::now);
                    batch.push(r);
                    if batch.len() >= self.config.max_batch {
                        self.export(&mut batch);
                        oldest = None;
                    }
                }
            }
            let wait = match oldest {
                Some(t) if t.elapsed() >= self.config.max_batch_age => {
                    self.export(&mut batch);
                    oldest = None;
                    continue;
                }
                Some(t) => self.config.max_batch_age - t.elapsed(),
                None => self.config.max_batch_age,
            };
            std::thread::park_timeout(wait);
        }
    }

    fn export(&mut self, batch: &mut Vec<(SdkLogRecord, InstrumentationScope)>) {
        if batch.is_empty() {
            return;
        }
        let n = batch.len() as u64;
        let refs: Vec<(&SdkLogRecord, &InstrumentationScope)> =
            batch.iter().map(|b| (&b.0, &b.1)).collect();
        let mut delay = self.config.retry_backoff;
        let mut attempt = 1;
        loop {
            let result = self.rt.block_on(self.exporter.export(LogBatch::new(&refs)));
            match result {
                Ok(()) => {
                    self.counters.exported.fetch_add(n, Ordering::Relaxed);
                    break;
                }
                Err(e) if attempt < self.config.max_attempts => {
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(target: "audit_otel::export", attempt, error = %e, "Export failed; retrying.");
                    std::thread::sleep(delay);
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                Err(e) => {
                    self.counters.failed.fetch_add(n, Ordering::Relaxed);
                    tracing::warn!(target: "audit_otel::export", records = n, attempts = attempt, error = %e, "Export failed; records counted as failed.");
                    break;
                }
            }
        }
        drop(refs);
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
    use opentelemetry_sdk::logs::InMemoryLogExporter;

    use super::*;
    use crate::layer::capture::Capture;

    #[test]
    fn a_panicking_build_costs_one_counted_event_and_the_worker_goes_on() {
        let exporter = InMemoryLogExporter::default();
        let processor =
            AuditExportProcessor::new(QueueConfig::default(), move || Ok(exporter)).unwrap();
        let logger = SdkLoggerProvider::builder().build().logger("test");
        processor.submitter().bind(
            Arc::new(move |p: Pending| {
                assert!(p.seq != 1, "a bug while building event 1");
                let mut record = logger.create_log_record();
                record.set_body(p.seq.into());
                (record, false)
            }),
            InstrumentationScope::builder("test").build(),
        );
        for seq in 1..=3 {
            processor.submitter().submit(Msg::Pending(Box::new(Pending {
                capture: Capture::new(),
                seq,
                observed_unix_nano: 0,
                trace: None,
            })));
        }
        processor.force_flush().unwrap();
        let stats = processor.stats();
        assert_eq!((stats.exported, stats.failed), (2, 1), "{stats:?}");
        processor.shutdown().unwrap();
    }
}
