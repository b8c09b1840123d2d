//! Sinks: each configured destination gets a buffer and a task that batches, exports, retries
//! and acknowledges.
//!
//! ```text
//!  submit ──► buffer (memory: bounded by records; or disk) ──► batch (size/age) ──► export
//!                                                      ▲                          │
//!                                                      └── retry (backoff, Retry-After) ◄┘
//! ```
//!
//! An OTLP sink keeps up to `max_in_flight` requests in flight: each is built, encoded and
//! compressed once (off the async threads when large) and sent on its own task, so a sink uses
//! several cores and waits on several round trips at once. Their records may reach the
//! destination out of order, but receipts resolve in the order the records were submitted
//! (and the disk buffer commits in order), so checkpoints and webhook answers mean what they
//! did with one request in flight. `max_in_flight: 1`, and the JSON-lines sinks, keep strict
//! order. A request is retried until the destination accepts it, refuses it for good
//! (non-retryable status or partial success: the refused records go to the dead letters), or
//! the shutdown deadline passes (then it stays on disk, or is counted as abandoned).

pub mod lines;
pub mod otlp;
pub mod retry;

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::ack::Ack;
use super::buffer::{AppendOutcome, DiskBuffer, DiskBufferOptions, FsyncPolicy};
use super::config::{BatchConfig, FsyncName, QueueConfig, RetryConfig, SinkConfig, WhenFull};
use super::dead_letter::SharedDeadLetters;
use super::stats::{add, SinkStats};
use crate::otel::encode::{request_to_vec, resource_logs_to_vec, EncodedRecords, RequestPart};
use crate::otel::wire;
use lines::JsonLinesWriter;
use otlp::EncodedRequest;
use retry::Backoff;

/// Records from one source submission, all with the same resource and scope.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordBatch {
    /// The resource: the pipeline's, or the one an OTLP sender gave.
    pub resource: Arc<Resource>,
    /// The instrumentation scope (audit-otel's when `None`).
    pub scope: Option<Arc<InstrumentationScope>>,
    /// The records, encoded.
    pub records: EncodedRecords,
}

/// What one export attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    /// Accepted, except `refused` records (partial success).
    Accepted {
        /// Records the destination refused for good.
        refused: u64,
        /// Its explanation.
        message: Option<String>,
    },
    /// Try again later.
    Retryable {
        /// Why (status, not data).
        reason: String,
        /// How long the destination asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Refused for good.
    Fatal {
        /// Why (status, not data).
        reason: String,
        /// Nothing more can be written here (a closed stdout): stop the pipeline.
        closed: bool,
    },
}

/// A destination's transport.
pub enum Exporter {
    /// JSON lines to stdout or a file.
    Lines(JsonLinesWriter),
    /// OTLP over gRPC or HTTP.
    Otlp(otlp::OtlpClient),
}

/// An exporter shared by the tasks of the requests in flight.
enum SharedExporter {
    Lines(Mutex<JsonLinesWriter>),
    Otlp(otlp::OtlpClient),
}

/// A request ready to send: its protobuf encoding (for dead letters and the JSON-lines
/// writer), its record count and, for OTLP, its encoding for the wire, made once for every
/// attempt.
struct Prepared {
    raw: Vec<u8>,
    records: u64,
    /// `None` for the JSON-lines writer; an error when the request cannot be encoded.
    encoded: Option<Result<EncodedRequest, String>>,
}

impl Prepared {
    /// The request as prost messages (decoded from its encoding: for the slow paths).
    fn request(&self) -> ExportLogsServiceRequest {
        use prost::Message;
        ExportLogsServiceRequest::decode(&self.raw[..]).unwrap_or_default()
    }
}

impl SharedExporter {
    fn new(exporter: Exporter) -> SharedExporter {
        match exporter {
            Exporter::Lines(w) => SharedExporter::Lines(Mutex::new(w)),
            Exporter::Otlp(c) => SharedExporter::Otlp(c),
        }
    }

    /// Encodes assembled requests for the wire (CPU work: callers run it on a blocking thread,
    /// so several requests in flight encode on several cores).
    fn prepare(&self, requests: Vec<(Vec<u8>, u64)>) -> Vec<Prepared> {
        requests
            .into_iter()
            .map(|(raw, records)| {
                let encoded = match self {
                    SharedExporter::Lines(_) => None,
                    SharedExporter::Otlp(client) => Some(client.encode_protobuf(&raw)),
                };
                Prepared {
                    raw,
                    records,
                    encoded,
                }
            })
            .collect()
    }

    /// Sends one prepared request.
    async fn export(&self, prepared: &Prepared) -> ExportOutcome {
        match (self, &prepared.encoded) {
            (SharedExporter::Lines(w), _) => {
                let req = prepared.request();
                let written = tokio::task::block_in_place(|| match w.lock() {
                    Ok(mut w) => w.write(&req),
                    Err(_) => Err(std::io::Error::other("an earlier write panicked")),
                });
                match written {
                    Ok(()) => ExportOutcome::Accepted {
                        refused: 0,
                        message: None,
                    },
                    Err(e) => ExportOutcome::Fatal {
                        closed: e.kind() == std::io::ErrorKind::BrokenPipe,
                        reason: e.to_string(),
                    },
                }
            }
            (SharedExporter::Otlp(c), Some(Ok(encoded))) => match c.send_encoded(encoded).await {
                otlp::SendOutcome::Accepted { rejected, message } => ExportOutcome::Accepted {
                    refused: rejected.max(0) as u64,
                    message,
                },
                otlp::SendOutcome::Retryable {
                    reason,
                    retry_after,
                } => ExportOutcome::Retryable {
                    reason,
                    retry_after,
                },
                otlp::SendOutcome::Fatal { reason } => ExportOutcome::Fatal {
                    reason,
                    closed: false,
                },
            },
            (SharedExporter::Otlp(_), Some(Err(reason))) => ExportOutcome::Fatal {
                reason: reason.clone(),
                closed: false,
            },
            (SharedExporter::Otlp(_), None) => ExportOutcome::Fatal {
                reason: "the request was not encoded".into(),
                closed: false,
            },
        }
    }
}

/// A configured sink, opened: its exporter and delivery settings.
pub struct OpenedSink {
    /// Name for logs and metrics.
    pub name: String,
    /// The transport.
    pub exporter: Exporter,
    /// Batching.
    pub batch: BatchConfig,
    /// Buffering.
    pub queue: QueueConfig,
    /// Retries.
    pub retry: RetryConfig,
    /// Requests sent at once (1: strict order).
    pub max_in_flight: usize,
}

/// A short name for a configured sink, for logs and metrics.
pub fn name(cfg: &SinkConfig) -> String {
    match cfg {
        SinkConfig::Stdout { .. } => "stdout".into(),
        SinkConfig::File { path, .. } => format!("file:{}", path.display()),
        SinkConfig::Otlp(o) => format!("otlp:{}", o.endpoint),
    }
}

/// Opens a configured sink.
pub fn open(cfg: &SinkConfig) -> std::io::Result<OpenedSink> {
    let name = name(cfg);
    let (exporter, batch, queue, retry, max_in_flight) = match cfg {
        SinkConfig::Stdout { batch_size } => (
            Exporter::Lines(JsonLinesWriter::stdout(*batch_size)),
            BatchConfig::default(),
            QueueConfig::default(),
            RetryConfig::default(),
            1,
        ),
        SinkConfig::File { path, batch_size } => (
            Exporter::Lines(JsonLinesWriter::file(path, *batch_size)?),
            BatchConfig::default(),
            QueueConfig::default(),
            RetryConfig::default(),
            1,
        ),
        SinkConfig::Otlp(o) => (
            Exporter::Otlp(
                otlp::OtlpClient::new(o)
                    .map_err(|e| std::io::Error::other(format!("sink {name}: {e}")))?,
            ),
            o.batch,
            o.queue.clone(),
            o.retry,
            o.max_in_flight.max(1),
        ),
    };
    Ok(OpenedSink {
        name,
        exporter,
        batch,
        queue,
        retry,
        max_in_flight,
    })
}

/// What the task needs besides its sink.
pub(crate) struct SinkContext {
    pub stats: Arc<SinkStats>,
    pub dead: SharedDeadLetters,
    /// Fired when sources are done: deliver what is queued, then stop.
    pub closing: CancellationToken,
    /// Fired when the drain deadline passes: stop retrying.
    pub abandon: CancellationToken,
    /// Fired by a sink that can take nothing more (closed stdout): stop the pipeline.
    pub stop_pipeline: CancellationToken,
}

struct Work {
    batch: Arc<RecordBatch>,
    ack: Ack,
    _permit: Option<OwnedSemaphorePermit>,
}

/// The submitting side of a sink.
#[derive(Clone)]
pub(crate) struct SinkHandle {
    mode: Mode,
    when_full: WhenFull,
    stats: Arc<SinkStats>,
}

#[derive(Clone)]
enum Mode {
    /// A bounded in-memory queue: `room` holds one permit per record.
    Memory {
        tx: mpsc::UnboundedSender<Work>,
        room: Arc<Semaphore>,
        capacity: u32,
    },
    /// A disk buffer: a batch is safe once appended.
    Disk(Arc<DiskBuffer>),
}

impl SinkHandle {
    /// Hands a batch to the sink, waiting for room (`block`) or dropping it (`drop`).
    pub(crate) async fn enqueue(&self, batch: Arc<RecordBatch>, ack: Ack) {
        match &self.mode {
            Mode::Memory { tx, room, capacity } => {
                let n = (batch.records.len() as u32).clamp(1, *capacity);
                let permit = match self.when_full {
                    WhenFull::Block => room.clone().acquire_many_owned(n).await.ok(),
                    WhenFull::Drop => match room.clone().try_acquire_many_owned(n) {
                        Ok(p) => Some(p),
                        Err(_) => {
                            add(&self.stats.dropped, batch.records.len() as u64);
                            ack.lost();
                            return;
                        }
                    },
                };
                if permit.is_none() {
                    return; // closed: the ack settles as lost when dropped
                }
                let len = batch.records.len() as i64;
                if tx
                    .send(Work {
                        batch,
                        ack,
                        _permit: permit,
                    })
                    .is_ok()
                {
                    self.stats.queue_delta(len);
                }
            }
            Mode::Disk(buffer) => self.append_to_disk(buffer, &batch, ack).await,
        }
    }

    async fn append_to_disk(&self, buffer: &Arc<DiskBuffer>, batch: &RecordBatch, ack: Ack) {
        let n = batch.records.len();
        let entry = encode_entry(batch);
        let entry = Arc::new(entry);
        loop {
            let (b, e) = (buffer.clone(), entry.clone());
            let space = buffer.space_notify();
            let notified = space.notified();
            let outcome = tokio::task::spawn_blocking(move || b.append(&[&e[..]])).await;
            match outcome {
                Ok(Ok(AppendOutcome::Appended { .. })) => {
                    self.stats.queue_delta(n as i64);
                    ack.safe();
                    return;
                }
                Ok(Ok(AppendOutcome::Full)) => match self.when_full {
                    WhenFull::Drop => {
                        add(&self.stats.dropped, n as u64);
                        ack.lost();
                        return;
                    }
                    WhenFull::Block => {
                        // Wait for a commit to free space (or look again shortly).
                        let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
                    }
                },
                Ok(Err(e)) => {
                    add(&self.stats.dropped, n as u64);
                    tracing::error!(error = %e, records = n, "Cannot append to the disk buffer; the batch is dropped.");
                    ack.lost();
                    return;
                }
                Err(_) => {
                    ack.lost();
                    return;
                }
            }
        }
    }
}

/// A batch as a disk-buffer entry: one protobuf `ResourceLogs`.
fn encode_entry(batch: &RecordBatch) -> Vec<u8> {
    let (resource, scope) = encode_resource_and_scope(batch);
    resource_logs_to_vec(&RequestPart {
        resource: &resource,
        scope: &scope,
        records: batch.records.iter().collect(),
    })
}

/// A batch's resource and scope, encoded.
fn encode_resource_and_scope(batch: &RecordBatch) -> (Vec<u8>, Vec<u8>) {
    use prost::Message;
    let resource = batch.resource.encode_to_vec();
    let scope = match &batch.scope {
        Some(s) => s.encode_to_vec(),
        None => audit_scope_bytes().to_vec(),
    };
    (resource, scope)
}

/// audit-otel's instrumentation scope, encoded once.
fn audit_scope_bytes() -> &'static [u8] {
    use prost::Message;
    static SCOPE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SCOPE.get_or_init(|| audit_scope().encode_to_vec())
}

/// Requests of at most `max` records each, assembled from encoded records in order; records
/// of consecutive calls with the same resource and scope (the same slices) share a
/// `ResourceLogs`.
struct Assembler<'a> {
    max: usize,
    parts: Vec<RequestPart<'a>>,
    count: usize,
    done: Vec<(Vec<u8>, u64)>,
}

impl<'a> Assembler<'a> {
    fn new(max: usize) -> Assembler<'a> {
        Assembler {
            max: max.max(1),
            parts: Vec::new(),
            count: 0,
            done: Vec::new(),
        }
    }

    fn push(&mut self, resource: &'a [u8], scope: &'a [u8], record: &'a [u8]) {
        if self.count == self.max {
            self.flush();
        }
        let same = |a: &[u8], b: &[u8]| std::ptr::eq(a, b);
        match self.parts.last_mut() {
            Some(p) if same(p.resource, resource) && same(p.scope, scope) => p.records.push(record),
            _ => self.parts.push(RequestPart {
                resource,
                scope,
                records: vec![record],
            }),
        }
        self.count += 1;
    }

    fn flush(&mut self) {
        if self.count > 0 {
            self.done
                .push((request_to_vec(&self.parts), self.count as u64));
            self.parts.clear();
            self.count = 0;
        }
    }

    fn finish(mut self) -> Vec<(Vec<u8>, u64)> {
        self.flush();
        self.done
    }
}

/// Starts a sink's task; returns its handle and the task.
pub(crate) fn spawn(
    sink: OpenedSink,
    ctx: SinkContext,
) -> std::io::Result<(SinkHandle, tokio::task::JoinHandle<()>)> {
    let when_full = sink.queue.when_full;
    if let Some(disk) = sink.queue.disk.clone() {
        let fsync = match disk.fsync {
            FsyncName::Always => FsyncPolicy::Always,
            FsyncName::Interval => FsyncPolicy::EveryMillis(1000),
            FsyncName::Never => FsyncPolicy::Never,
        };
        let mut opts = DiskBufferOptions::new(&disk.dir);
        opts.max_bytes = disk.max_bytes;
        opts.segment_bytes =
            (disk.max_bytes / 16).clamp(1, DiskBufferOptions::DEFAULT_SEGMENT_BYTES);
        opts.fsync = fsync;
        let (buffer, report) = DiskBuffer::open(opts)
            .map_err(|e| std::io::Error::other(format!("sink {}: {e}", sink.name)))?;
        if report.corrupted_entries > 0 || report.corrupted_regions > 0 {
            add(
                &ctx.stats.corrupted,
                report.corrupted_entries.max(report.corrupted_regions),
            );
            tracing::error!(
                sink = %sink.name,
                entries = report.corrupted_entries,
                regions = report.corrupted_regions,
                "The disk buffer had corrupted entries; they were skipped."
            );
        }
        if report.pending_entries > 0 {
            tracing::info!(
                sink = %sink.name,
                batches = report.pending_entries,
                "Resuming delivery of what the disk buffer holds from before."
            );
        }
        let buffer = Arc::new(buffer);
        let handle = SinkHandle {
            mode: Mode::Disk(buffer.clone()),
            when_full,
            stats: ctx.stats.clone(),
        };
        let (deliverer, batch, max_in_flight) = Deliverer::new(sink, ctx);
        let task = tokio::spawn(run_disk(deliverer, batch, max_in_flight, buffer));
        return Ok((handle, task));
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let capacity = sink.queue.max_records.clamp(1, u32::MAX as usize >> 4) as u32;
    let handle = SinkHandle {
        mode: Mode::Memory {
            tx,
            room: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
        },
        when_full,
        stats: ctx.stats.clone(),
    };
    let (deliverer, batch, max_in_flight) = Deliverer::new(sink, ctx);
    let task = tokio::spawn(run(deliverer, batch, max_in_flight, rx));
    Ok((handle, task))
}

/// What the tasks of a sink's requests share: the exporter, the settings and the counters.
struct Deliverer {
    name: String,
    exporter: SharedExporter,
    retry: RetryConfig,
    /// Largest request, in records.
    max_records: usize,
    /// Whether undelivered records stay in a disk buffer (not abandoned).
    disk: bool,
    ctx: SinkContext,
}

impl Deliverer {
    fn new(sink: OpenedSink, ctx: SinkContext) -> (Arc<Deliverer>, BatchConfig, usize) {
        let deliverer = Deliverer {
            name: sink.name,
            exporter: SharedExporter::new(sink.exporter),
            retry: sink.retry,
            max_records: sink.batch.max_records.max(1),
            disk: sink.queue.disk.is_some(),
            ctx,
        };
        (Arc::new(deliverer), sink.batch, sink.max_in_flight.max(1))
    }
}

/// Requests in flight, each on its own task, settled in the order they started.
struct InFlight<T> {
    tasks: VecDeque<tokio::task::JoinHandle<T>>,
    max: usize,
}

impl<T: Send + 'static> InFlight<T> {
    fn new(max: usize) -> InFlight<T> {
        InFlight {
            tasks: VecDeque::with_capacity(max),
            max,
        }
    }

    fn has_room(&self) -> bool {
        self.tasks.len() < self.max
    }

    fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn start(&mut self, request: impl Future<Output = T> + Send + 'static) {
        self.tasks.push_back(tokio::spawn(request));
    }

    /// The oldest request's result once it has settled (`None` if its task panicked); never
    /// resolves while nothing is in flight. Cancel-safe: dropped early, the request stays.
    async fn oldest(&mut self) -> Option<T> {
        let Some(task) = self.tasks.front_mut() else {
            return std::future::pending().await;
        };
        let settled = task.await;
        self.tasks.pop_front();
        settled.ok()
    }
}

/// The disk-buffered sink: read entries, send (up to `max_in_flight` requests at once),
/// commit in order on success; what is left at the deadline stays on disk for the next start.
async fn run_disk(
    d: Arc<Deliverer>,
    batch: BatchConfig,
    max_in_flight: usize,
    buffer: Arc<DiskBuffer>,
) {
    let data = buffer.notify();
    let mut in_flight = InFlight::new(max_in_flight);
    let max_age = Duration::from_millis(batch.max_age_ms.max(10));
    loop {
        if !in_flight.has_room() {
            let settled = in_flight.oldest().await;
            if !commit_settled(&d, &buffer, settled).await {
                return;
            }
            continue;
        }
        let notified = data.notified();
        let b = buffer.clone();
        let entries = match tokio::task::spawn_blocking(move || b.read(64, 4 * 1024 * 1024)).await {
            Ok(Ok(e)) => e,
            Ok(Err(e)) => {
                tracing::error!(sink = %d.name, error = %e, "Cannot read the disk buffer; retrying.");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(_) => return,
        };
        let stats = buffer.stats();
        let corrupted = stats.corrupted_skipped;
        let seen = crate::pipeline::stats::get(&d.ctx.stats.corrupted);
        if corrupted > seen {
            add(&d.ctx.stats.corrupted, corrupted - seen);
        }
        if entries.is_empty() {
            let closing = d.ctx.closing.is_cancelled();
            if closing && in_flight.is_empty() {
                return;
            }
            tokio::select! {
                settled = in_flight.oldest() => {
                    if !commit_settled(&d, &buffer, settled).await {
                        return;
                    }
                }
                _ = notified => {}
                _ = d.ctx.closing.cancelled(), if !closing => {}
                _ = tokio::time::sleep(max_age) => {}
            }
            continue;
        }
        let last = entries.last().map(|(id, _)| *id).unwrap_or_default();
        let task = d.clone();
        in_flight.start(async move {
            let prep = task.clone();
            let assembled = tokio::task::spawn_blocking(move || {
                let mut corrupted = 0u64;
                let mut views = Vec::with_capacity(entries.len());
                for (_, bytes) in &entries {
                    match wire::resource_logs(bytes) {
                        Ok(v) => views.push(v),
                        Err(_) => corrupted += 1,
                    }
                }
                let mut asm = Assembler::new(prep.max_records);
                for v in &views {
                    for s in &v.scopes {
                        for r in &s.records {
                            asm.push(v.resource.unwrap_or(&[]), s.scope.unwrap_or(&[]), r);
                        }
                    }
                }
                let requests = asm.finish();
                (prep.exporter.prepare(requests), corrupted)
            })
            .await;
            let (prepared, corrupted) = assembled.unwrap_or_default();
            if corrupted > 0 {
                add(&task.ctx.stats.corrupted, corrupted);
                tracing::error!(sink = %task.name, entries = corrupted, "Disk-buffer entries do not decode; skipped.");
            }
            let n = prepared.iter().map(|p| p.records).sum::<u64>();
            (last, n, send_all(&task, prepared).await)
        });
    }
}

/// Commits what the oldest request in flight delivered; `false` when the sink must stop (the
/// deadline passed: what is not committed stays on disk).
async fn commit_settled(
    d: &Deliverer,
    buffer: &Arc<DiskBuffer>,
    settled: Option<(super::buffer::EntryId, u64, Settled)>,
) -> bool {
    match settled {
        Some((last, n, Settled::Done(_))) => {
            d.ctx.stats.queue_delta(-(n as i64));
            let b = buffer.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || b.commit(last)).await {
                tracing::error!(sink = %d.name, error = %e, "Cannot record delivery in the disk buffer; some records may be sent again after a restart.");
            }
            true
        }
        Some((_, _, Settled::Abandoned)) | None => {
            buffer.rewind();
            tracing::warn!(
                sink = %d.name,
                batches = buffer.pending_entries(),
                "Shutdown deadline passed; undelivered records stay in the disk buffer and are sent after a restart."
            );
            false
        }
    }
}

/// The in-memory sink: batch by size and age, send up to `max_in_flight` requests at once,
/// resolve receipts in submission order.
async fn run(
    d: Arc<Deliverer>,
    batch: BatchConfig,
    max_in_flight: usize,
    mut rx: mpsc::UnboundedReceiver<Work>,
) {
    let max_records = d.max_records;
    let max_age = Duration::from_millis(batch.max_age_ms);
    let mut pending: Vec<Work> = Vec::new();
    let mut pending_records = 0usize;
    let mut first_at = Instant::now();
    let mut closing = false;
    let mut in_flight = InFlight::new(max_in_flight);
    loop {
        if closing {
            // Sources are done: take what they queued, then end once it is delivered.
            while pending_records < max_records {
                let Ok(w) = rx.try_recv() else { break };
                pending_records += w.batch.records.len();
                pending.push(w);
            }
            if pending.is_empty() && in_flight.is_empty() {
                break;
            }
        }
        let ready = !pending.is_empty()
            && (closing || pending_records >= max_records || first_at.elapsed() >= max_age);
        if ready && in_flight.has_room() {
            pending_records = 0;
            in_flight.start(deliver(d.clone(), std::mem::take(&mut pending)));
            continue;
        }
        let wait = if pending.is_empty() || ready {
            Duration::from_secs(3600)
        } else {
            max_age.saturating_sub(first_at.elapsed())
        };
        tokio::select! {
            biased;
            settled = in_flight.oldest() => {
                if let Some((works, safe)) = settled {
                    for w in works {
                        if safe {
                            w.ack.safe();
                        } else {
                            w.ack.lost();
                        }
                    }
                }
            }
            w = rx.recv(), if !closing && !ready => match w {
                Some(w) => {
                    if pending.is_empty() {
                        first_at = Instant::now();
                    }
                    pending_records += w.batch.records.len();
                    pending.push(w);
                }
                None => closing = true,
            },
            _ = d.ctx.closing.cancelled(), if !closing => closing = true,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// The instrumentation scope of records audit-otel made.
pub fn audit_scope() -> InstrumentationScope {
    crate::otel::proto::audit_scope()
}

/// Sends the records of queued batches; returns them (their acks settle in order) and whether
/// all of them are safe.
async fn deliver(d: Arc<Deliverer>, works: Vec<Work>) -> (Vec<Work>, bool) {
    let n: usize = works.iter().map(|w| w.batch.records.len()).sum();
    d.ctx.stats.queue_delta(-(n as i64));
    let batches: Vec<Arc<RecordBatch>> = works.iter().map(|w| w.batch.clone()).collect();
    let prep = d.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let heads: Vec<(Vec<u8>, Vec<u8>)> = group_heads(&batches);
        let mut asm = Assembler::new(prep.max_records);
        let mut head = 0;
        for (i, b) in batches.iter().enumerate() {
            if i > 0 && !same_group(&batches[i - 1], b) {
                head += 1;
            }
            let (resource, scope) = &heads[head];
            for r in b.records.iter() {
                asm.push(resource, scope, r);
            }
        }
        prep.exporter.prepare(asm.finish())
    })
    .await;
    let safe = match prepared {
        Ok(prepared) => matches!(send_all(&d, prepared).await, Settled::Done(true)),
        Err(_) => false,
    };
    (works, safe)
}

/// Whether two batches share a resource and a scope (the same ones, not equal ones).
fn same_group(a: &RecordBatch, b: &RecordBatch) -> bool {
    Arc::ptr_eq(&a.resource, &b.resource)
        && match (&a.scope, &b.scope) {
            (None, None) => true,
            (Some(x), Some(y)) => Arc::ptr_eq(x, y),
            _ => false,
        }
}

/// The encoded resource and scope of each run of batches that share them.
fn group_heads(batches: &[Arc<RecordBatch>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut heads = Vec::new();
    for (i, b) in batches.iter().enumerate() {
        if i == 0 || !same_group(&batches[i - 1], b) {
            heads.push(encode_resource_and_scope(b));
        }
    }
    heads
}

/// How a request ended.
enum Settled {
    /// Sent: `true` when every record was accepted, `false` when some were refused (and
    /// dead-lettered).
    Done(bool),
    /// The shutdown deadline passed first.
    Abandoned,
}

/// Sends prepared requests one after another, in order.
async fn send_all(d: &Deliverer, prepared: Vec<Prepared>) -> Settled {
    let mut all = true;
    for p in prepared {
        match send_until_settled(d, &p).await {
            Settled::Done(ok) => all &= ok,
            Settled::Abandoned => return Settled::Abandoned,
        }
    }
    Settled::Done(all)
}

/// Sends until accepted, refused for good, or abandoned; returns whether the records are
/// settled without loss (accepted, with any partial refusal dead-lettered).
async fn send_until_settled(d: &Deliverer, prepared: &Prepared) -> Settled {
    let ctx = &d.ctx;
    let n = prepared.records;
    let mut backoff = Backoff::new(&d.retry);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let started = Instant::now();
        add(&ctx.stats.requests, 1);
        let outcome = tokio::select! {
            o = d.exporter.export(prepared) => o,
            _ = ctx.abandon.cancelled() => return abandon(d, n),
        };
        ctx.stats.observe_latency(started.elapsed());
        match outcome {
            ExportOutcome::Accepted { refused, message } => {
                let refused = refused.min(n);
                add(&ctx.stats.exported, n - refused);
                if refused > 0 {
                    add(&ctx.stats.refused, refused);
                    tracing::warn!(
                        sink = %d.name,
                        refused,
                        message = message.as_deref().unwrap_or(""),
                        "The destination refused part of a batch (partial success); the batch is in the dead letters."
                    );
                    ctx.dead.write_refused(
                        &d.name,
                        "partial_success",
                        refused,
                        &prepared.request(),
                    );
                }
                if attempt > 1 {
                    tracing::info!(sink = %d.name, attempts = attempt, "Export succeeded after retries.");
                }
                return Settled::Done(refused == 0);
            }
            ExportOutcome::Fatal { reason, closed } => {
                if closed {
                    tracing::info!(sink = %d.name, "The destination was closed; stopping.");
                    ctx.stop_pipeline.cancel();
                    return Settled::Done(false);
                }
                add(&ctx.stats.refused, n);
                tracing::error!(
                    sink = %d.name,
                    records = n,
                    reason = %reason,
                    "The destination refused a batch for good; it is in the dead letters."
                );
                ctx.dead
                    .write_refused(&d.name, "export_refused", n, &prepared.request());
                return Settled::Done(false);
            }
            ExportOutcome::Retryable {
                reason,
                retry_after,
            } => {
                add(&ctx.stats.retries, 1);
                let wait = backoff.next(retry_after);
                if attempt == 1 || attempt % 10 == 0 {
                    tracing::warn!(
                        sink = %d.name,
                        attempt,
                        reason = %reason,
                        retry_in_ms = wait.as_millis() as u64,
                        "Export failed; retrying."
                    );
                }
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = ctx.abandon.cancelled() => return abandon(d, n),
                }
            }
        }
    }
}

fn abandon(d: &Deliverer, n: u64) -> Settled {
    if !d.disk {
        add(&d.ctx.stats.abandoned, n);
        tracing::error!(
            sink = %d.name,
            records = n,
            "Shutdown deadline passed with records undelivered and no disk buffer: they are lost."
        );
    }
    Settled::Abandoned
}
