//! Throughput of the processor, side by side with the rotel collector, in one run: the same
//! generated audit events, the same in-process OTLP receiver, the same sender.
//!
//! ```text
//! cargo build --release                     # the audit-otel binary measured here
//! bash tests/interop/setup.sh               # rotel (optional: without it, (c) is skipped)
//! cargo run --release --features testing --example throughput -- --events 1000000 [--skip-rotel] [--json]
//! ```
//!
//! (`--features testing` is needed because the example uses `audit_otel::testing`.) The three
//! paths:
//!
//! - **(a) file**: the `audit-otel` binary runs a temporary pipeline, `type: file` source (an
//!   NDJSON file of the N events) → parse, redact, map → OTLP/gRPC sink (batches of 512)
//!   to the receiver. Timed from spawning the process until the receiver has N records.
//! - **(b) sidecar**: the binary runs the shipped `pipelines/sidecar.yaml` (OTLP receiver →
//!   redaction → OTLP/gRPC sink, batches of 512), its addresses set through the
//!   `AUDIT_OTEL_*` variables. Once `/readyz` answers, the sender pushes the N events as OTLP
//!   log records (the event JSON as a string body) in pre-encoded requests of `--batch`
//!   records over `--streams` concurrent gRPC connections. Timed from the first request until
//!   the receiver has N records.
//! - **(c) rotel**: `rotel-agent start` forwarding OTLP → OTLP/gRPC (gzip, its default) to the
//!   receiver, `--disable-batching` (its batch splitting loses resources and drops large
//!   requests in 0.0.1-alpha10), fed by the same sender with the same requests, timed the same
//!   way. It only forwards: no parsing, redaction or mapping.
//!
//! Options change what is measured: `--paths` picks the paths, `--pipeline` gives (b) another
//! pipeline file, `--cpus 0-3` pins audit-otel and rotel to those cores (`taskset`), and
//! `--compression`, `--compression-level`, `--max-in-flight` and `--workers` set (a)'s sink and
//! pipeline (`--compression` reaches (b) through `AUDIT_OTEL_EXPORT_COMPRESSION`).
//!
//! For each path it reports events/s, MiB/s of input (the events' JSON bytes, newlines not
//! counted), the peak RSS (`VmHWM` of `/proc/<pid>/status`, sampled every 20 ms and read once
//! more after the last record arrived) and the CPU time (user + system, `/proc/<pid>/stat`,
//! from its start until the last record arrived) of the forwarding process; then the ratios
//! ours/rotel for (b) and (a). CPU time per event depends less on what else runs on the
//! machine than events/s does. The receiver counts records without storing them
//! (`store_requests(false)`).
//!
//! Everything is deterministic except timing: events come from
//! `audit_otel::generate::Generator` (realistic mix, `--seed`, default 42). The sender, the
//! receiver and the process under test share the machine, so absolute numbers depend on its
//! cores and load (printed with the results); compare paths within one run.
//!
//! rotel is looked for in `$ROTEL_BIN`, then the `rotel` wheel of `$INTEROP_PYTHON`, of the venv
//! `tests/interop/setup.sh` creates, and of `python3`; when none is found (or with
//! `--skip-rotel`) (c) is skipped, saying why. The binary is `target/<profile>/audit-otel` next
//! to this example (or `$AUDIT_OTEL_BIN`).
//!
//! Exit status: 0 when every path that ran delivered all N events (timings never fail it, so
//! CI can run a small `--events 20000` as a smoke test), 1 when some did not, 2 when the
//! measurement could not be set up (binary missing, and so on).

#[path = "../tests/interop/tools.rs"]
mod tools;

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit_otel::generate::{Generator, GeneratorOptions, LineKind};
use audit_otel::testing::{OtlpReceiver, RawCodec};
use clap::Parser;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::bytes::Bytes;
use prost::Message;
use serde_json::json;
use tonic::codegen::http::uri::PathAndQuery;

/// The pseudonymization key the processor runs with (any 16+ bytes).
const HMAC_KEY: &str = "throughput-example-key-0123456789";
const EXPORT_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
/// A path fails when its record count has not moved for this long.
const STALL: Duration = Duration::from_secs(60);

#[derive(Parser, Debug)]
#[command(about = "Throughput of audit-otel (file and sidecar paths) and rotel, side by side")]
struct Args {
    /// Events to push through each path.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Generator seed (same seed, same events).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Records per OTLP request sent to (b) and (c).
    #[arg(long, default_value_t = 512)]
    batch: usize,
    /// Concurrent gRPC connections of the sender.
    #[arg(long, default_value_t = 4)]
    streams: usize,
    /// Do not run rotel.
    #[arg(long)]
    skip_rotel: bool,
    /// One JSON object on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Longest a path may take (default 120 s + 1 s per 2,000 events).
    #[arg(long)]
    timeout_secs: Option<u64>,
    /// The pipeline file of (b) (default: the shipped `pipelines/sidecar.yaml`); it is given
    /// the `AUDIT_OTEL_*` variables of the shipped one.
    #[arg(long)]
    pipeline: Option<PathBuf>,
    /// Pins the processes under test (audit-otel and rotel) to these cores (`taskset -c`
    /// syntax: `0`, `0-3`, `0,2`). The sender and receiver are not pinned.
    #[arg(long)]
    cpus: Option<String>,
    /// Compression of the OTLP sinks of (a), and of (b) through `AUDIT_OTEL_EXPORT_COMPRESSION`:
    /// gzip, zstd or none (default: the sink's default).
    #[arg(long)]
    compression: Option<String>,
    /// Compression level of (a)'s sink (default: the algorithm's default).
    #[arg(long)]
    compression_level: Option<i32>,
    /// `max_in_flight` of (a)'s sink (default: the sink's default).
    #[arg(long)]
    max_in_flight: Option<usize>,
    /// `workers` of (a)'s pipeline (default: the cores audit-otel may use).
    #[arg(long)]
    workers: Option<usize>,
    /// The paths to run, comma-separated: file, sidecar, rotel (default: all three).
    #[arg(long, default_value = "file,sidecar,rotel", value_delimiter = ',')]
    paths: Vec<String>,
}

impl Args {
    fn runs(&self, path: &str) -> bool {
        self.paths.iter().any(|p| p.trim() == path)
    }
}

/// The events, as an NDJSON file (a) and as pre-encoded OTLP requests (b, c).
struct Workload {
    ndjson: PathBuf,
    requests: Arc<Vec<Bytes>>,
    events: usize,
    input_bytes: u64,
    generate_secs: f64,
}

fn string_value(s: String) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(any_value::Value::StringValue(s)),
    })
}

fn app_request(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: string_value("login-service".into()),
                    ..KeyValue::default()
                }],
                ..Resource::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "throughput-sender".into(),
                    ..InstrumentationScope::default()
                }),
                log_records: records,
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    }
}

fn workload(args: &Args, dir: &Path) -> Result<Workload, String> {
    let started = Instant::now();
    let mut generator = Generator::new(GeneratorOptions {
        seed: args.seed,
        ..GeneratorOptions::default()
    });
    let ndjson = dir.join("events.ndjson");
    let file = std::fs::File::create(&ndjson).map_err(|e| format!("{}: {e}", ndjson.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let batch = args.batch.max(1);
    let mut requests = Vec::with_capacity(args.events / batch + 1);
    let mut records = Vec::with_capacity(batch);
    let mut input_bytes = 0u64;
    let mut line = Vec::with_capacity(4096);
    for _ in 0..args.events {
        line.clear();
        let LineKind::Event { .. } = generator.write_line(&mut line) else {
            return Err("the generator wrote a malformed line with malformed_rate 0".into());
        };
        input_bytes += line.len() as u64;
        out.write_all(&line)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| format!("{}: {e}", ndjson.display()))?;
        let body = String::from_utf8(line.clone())
            .map_err(|_| "the generator wrote invalid UTF-8".to_owned())?;
        records.push(LogRecord {
            severity_number: 9,
            severity_text: "INFO".into(),
            body: string_value(body),
            ..LogRecord::default()
        });
        if records.len() == batch {
            let full = std::mem::replace(&mut records, Vec::with_capacity(batch));
            requests.push(Bytes::from(app_request(full).encode_to_vec()));
        }
    }
    if !records.is_empty() {
        requests.push(Bytes::from(app_request(records).encode_to_vec()));
    }
    out.flush()
        .map_err(|e| format!("{}: {e}", ndjson.display()))?;
    Ok(Workload {
        ndjson,
        requests: Arc::new(requests),
        events: args.events,
        input_bytes,
        generate_secs: started.elapsed().as_secs_f64(),
    })
}

/// The outcome of one path.
#[derive(Debug, Default)]
struct PathResult {
    key: &'static str,
    label: &'static str,
    /// Seconds until the receiver had every record (or until it gave up).
    secs: f64,
    received: usize,
    peak_rss_kib: Option<u64>,
    /// CPU seconds (user + system) of the forwarding process, start to last record.
    cpu_secs: Option<f64>,
    exit_code: Option<i32>,
    /// Seconds until the sender had every request acknowledged (b, c).
    send_secs: Option<f64>,
    retries: u64,
    rejected: u64,
    error: Option<String>,
}

impl PathResult {
    fn ok(&self, n: usize) -> bool {
        self.error.is_none() && self.received >= n
    }

    fn events_per_sec(&self, n: usize) -> f64 {
        if self.secs > 0.0 {
            n as f64 / self.secs
        } else {
            0.0
        }
    }

    fn mib_per_sec(&self, bytes: u64) -> f64 {
        if self.secs > 0.0 {
            bytes as f64 / (1024.0 * 1024.0) / self.secs
        } else {
            0.0
        }
    }

    fn json(&self, w: &Workload) -> serde_json::Value {
        json!({
            "path": self.label,
            "ok": self.ok(w.events),
            "seconds": round3(self.secs),
            "received": self.received,
            "events_per_sec": self.ok(w.events).then(|| self.events_per_sec(w.events).round()),
            "mib_per_sec": self.ok(w.events).then(|| round3(self.mib_per_sec(w.input_bytes))),
            "peak_rss_kib": self.peak_rss_kib,
            "cpu_seconds": self.cpu_secs.map(round3),
            "cpu_us_per_event": self.cpu_secs.map(|c| (c * 1e6 / w.events as f64).round()),
            "exit_code": self.exit_code,
            "sender_acked_seconds": self.send_secs.map(round3),
            "sender_retries": self.retries,
            "rejected_records": self.rejected,
            "error": self.error,
        })
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Samples `VmHWM` (keeping the largest value) and the CPU time of a process every 20 ms.
struct Sampler {
    pid: u32,
    peak: Arc<AtomicU64>,
    cpu_ticks: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let peak = Arc::new(AtomicU64::new(0));
        let cpu_ticks = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, c, s) = (peak.clone(), cpu_ticks.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                sample(pid, &p, &c);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Sampler {
            pid,
            peak,
            cpu_ticks,
            stop,
            thread,
        }
    }

    /// One last sample (if the process still exists), then (peak RSS KiB, CPU seconds).
    fn finish(self) -> (Option<u64>, Option<f64>) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        sample(self.pid, &self.peak, &self.cpu_ticks);
        let peak = Some(self.peak.load(Ordering::Relaxed)).filter(|&k| k > 0);
        let ticks = self.cpu_ticks.load(Ordering::Relaxed);
        let cpu = (ticks > 0).then(|| ticks as f64 / tools::clock_ticks_per_sec() as f64);
        (peak, cpu)
    }
}

fn sample(pid: u32, peak: &AtomicU64, cpu_ticks: &AtomicU64) {
    if let Some(kib) = tools::vm_hwm_kib(pid) {
        peak.fetch_max(kib, Ordering::Relaxed);
    }
    if let Some(ticks) = tools::cpu_ticks(pid) {
        cpu_ticks.fetch_max(ticks, Ordering::Relaxed);
    }
}

/// Waits until `rx` has `n` records; `Ok(seconds since start)`. `check` is called between
/// waits (is the process alive, did the sender fail?).
fn wait_delivery(
    rx: &OtlpReceiver,
    n: usize,
    start: Instant,
    timeout: Duration,
    mut check: impl FnMut() -> Result<(), String>,
) -> Result<f64, String> {
    let mut last = (0usize, Instant::now());
    loop {
        if rx.wait_for_records_blocking(n, Duration::from_millis(100)) {
            return Ok(start.elapsed().as_secs_f64());
        }
        check()?;
        let count = rx.record_count();
        if count != last.0 {
            last = (count, Instant::now());
        } else if last.1.elapsed() > STALL {
            return Err(format!(
                "stalled: {count} of {n} records after {STALL:?} without progress"
            ));
        }
        if start.elapsed() > timeout {
            return Err(format!("timeout: {count} of {n} records after {timeout:?}"));
        }
    }
}

/// A check that fails once `child` has exited with an error, or exited without delivering
/// everything (after a second's grace for records in flight).
fn child_check<'a>(
    child: &'a mut Child,
    rx: &'a OtlpReceiver,
    n: usize,
    what: &'a str,
    log: &'a Path,
) -> impl FnMut() -> Result<(), String> + 'a {
    let mut exited_at: Option<Instant> = None;
    move || {
        if let Ok(Some(status)) = child.try_wait() {
            if !status.success() {
                return Err(format!(
                    "{what} exited with {status}:\n{}",
                    tools::tail(log, 20)
                ));
            }
            let t = *exited_at.get_or_insert_with(Instant::now);
            if t.elapsed() > Duration::from_secs(1) {
                return Err(format!(
                    "{what} exited ({status}) after delivering {} of {n}:\n{}",
                    rx.record_count(),
                    tools::tail(log, 20)
                ));
            }
        }
        Ok(())
    }
}

fn receiver() -> Result<OtlpReceiver, String> {
    OtlpReceiver::builder()
        .store_requests(false)
        .start_blocking()
        .map_err(|e| format!("cannot start the OTLP receiver: {e}"))
}

/// Records settle: a little more time to see duplicates, then the final count.
fn settle(rx: &OtlpReceiver) -> usize {
    std::thread::sleep(Duration::from_millis(300));
    rx.record_count()
}

fn audit_otel(
    bin: &Path,
    pipeline: &Path,
    env: &[(&str, String)],
    log: &Path,
    cpus: Option<&str>,
) -> Result<Child, String> {
    let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    // `taskset -c LIST program` execs the program: same pid, every thread on those cores.
    let mut cmd = match cpus {
        Some(list) => {
            let mut c = Command::new("taskset");
            c.args(["-c", list]).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["run", "--pipeline"])
        .arg(pipeline)
        .env("AUDIT_OTEL_HMAC_KEY", HMAC_KEY)
        // The allocator settings of the container image (see the Dockerfile): return freed
        // memory to the OS at once instead of keeping it for reuse. Unless the caller set them.
        .env(
            "MIMALLOC_ARENA_EAGER_COMMIT",
            std::env::var("MIMALLOC_ARENA_EAGER_COMMIT").unwrap_or_else(|_| "0".into()),
        )
        .env(
            "MIMALLOC_PURGE_DELAY",
            std::env::var("MIMALLOC_PURGE_DELAY").unwrap_or_else(|_| "0".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))
}

/// (a): file source → core → OTLP/gRPC sink.
fn run_file(bin: &Path, b: &Bench<'_>) -> Result<PathResult, String> {
    let (w, dir, timeout, args) = (b.w, b.dir, b.timeout, b.args);
    let rx = receiver()?;
    let pipeline = dir.join("file-throughput.yaml");
    let mut sink_options = String::new();
    if let Some(c) = &args.compression {
        sink_options.push_str(&format!("    compression: {c}\n"));
    }
    if let Some(l) = args.compression_level {
        sink_options.push_str(&format!("    compression_level: {l}\n"));
    }
    if let Some(n) = args.max_in_flight {
        sink_options.push_str(&format!("    max_in_flight: {n}\n"));
    }
    let workers = args
        .workers
        .map(|n| format!("workers: {n}\n"))
        .unwrap_or_default();
    let yaml = format!(
        "name: throughput-file\n\
         {workers}\
         sources:\n  - type: file\n    path: {path}\n\
         sinks:\n  - type: otlp\n    endpoint: {endpoint}\n    protocol: grpc\n{sink_options}\
         \x20   batch:\n      max_records: 512\n      max_age_ms: 200\n\
         \x20   queue:\n      max_records: 2048\n      when_full: block\n\
         resource:\n  service.name: audit-otel\n\
         redaction:\n  pseudonymization:\n    key_env: AUDIT_OTEL_HMAC_KEY\n    key_id: k1\n",
        path = serde_json::to_string(&w.ndjson.display().to_string()).map_err(|e| e.to_string())?,
        endpoint = rx.grpc_endpoint(),
    );
    std::fs::write(&pipeline, yaml).map_err(|e| format!("{}: {e}", pipeline.display()))?;
    let log = dir.join("audit-otel-file.log");
    let start = Instant::now();
    let mut child = audit_otel(bin, &pipeline, &[], &log, args.cpus.as_deref())?;
    let sampler = Sampler::start(child.id());
    let n = w.events;
    let waited = wait_delivery(
        &rx,
        n,
        start,
        timeout,
        child_check(&mut child, &rx, n, "audit-otel (file)", &log),
    );
    let (peak_rss_kib, cpu_secs) = sampler.finish();
    let mut result = PathResult {
        key: "file",
        label: "(a) audit-otel file -> redact -> OTLP",
        peak_rss_kib,
        cpu_secs,
        ..PathResult::default()
    };
    match waited {
        Ok(secs) => result.secs = secs,
        Err(e) => {
            result.secs = start.elapsed().as_secs_f64();
            result.error = Some(e);
        }
    }
    result.received = settle(&rx);
    result.exit_code = tools::terminate(&mut child, Duration::from_secs(30));
    Ok(result)
}

/// What the sender saw.
#[derive(Default)]
struct SendTotals {
    retries: AtomicU64,
    rejected: AtomicU64,
    failure: Mutex<Option<String>>,
    done_secs: Mutex<Option<f64>>,
}

/// Answers after which OTLP senders retry.
fn retryable(code: tonic::Code) -> bool {
    use tonic::Code::*;
    matches!(
        code,
        Cancelled
            | DeadlineExceeded
            | ResourceExhausted
            | Aborted
            | OutOfRange
            | Unavailable
            | DataLoss
    )
}

/// One connection: takes the next request until none is left; retries retryable answers
/// every 50 ms, up to 10 minutes per request.
async fn send_stream(
    addr: SocketAddr,
    requests: Arc<Vec<Bytes>>,
    next: Arc<AtomicUsize>,
    totals: Arc<SendTotals>,
) -> Result<(), String> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let mut client = tonic::client::Grpc::new(channel);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(body) = requests.get(i) else {
            return Ok(());
        };
        let mut attempts = 0u32;
        loop {
            client
                .ready()
                .await
                .map_err(|e| format!("gRPC channel to {addr}: {e}"))?;
            let call = client.unary(
                tonic::Request::new(body.clone()),
                PathAndQuery::from_static(EXPORT_PATH),
                RawCodec,
            );
            match call.await {
                Ok(answer) => {
                    let answer = ExportLogsServiceResponse::decode(answer.into_inner())
                        .map_err(|e| format!("undecodable answer from {addr}: {e}"))?;
                    if let Some(p) = answer.partial_success {
                        let rejected = u64::try_from(p.rejected_log_records).unwrap_or(0);
                        totals.rejected.fetch_add(rejected, Ordering::Relaxed);
                    }
                    break;
                }
                Err(status) if retryable(status.code()) && attempts < 12_000 => {
                    attempts += 1;
                    totals.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(status) => {
                    return Err(format!(
                        "export to {addr} failed: {:?} {}",
                        status.code(),
                        status.message()
                    ))
                }
            }
        }
    }
}

/// Starts the sender on `rt`: `streams` connections sharing the requests. Failures and the
/// time of the last acknowledgement land in `totals`.
fn start_sender(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    requests: Arc<Vec<Bytes>>,
    streams: usize,
    start: Instant,
) -> Arc<SendTotals> {
    let totals = Arc::new(SendTotals::default());
    let next = Arc::new(AtomicUsize::new(0));
    let t = totals.clone();
    rt.spawn(async move {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..streams.max(1) {
            set.spawn(send_stream(addr, requests.clone(), next.clone(), t.clone()));
        }
        while let Some(done) = set.join_next().await {
            let failure = match done {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(e) => format!("sender task: {e}"),
            };
            t.failure.lock().unwrap().get_or_insert(failure);
            set.abort_all();
            return;
        }
        *t.done_secs.lock().unwrap() = Some(start.elapsed().as_secs_f64());
    });
    totals
}

fn sender_check(totals: &SendTotals) -> Result<(), String> {
    match totals.failure.lock().unwrap().clone() {
        Some(e) => Err(format!("sender: {e}")),
        None => Ok(()),
    }
}

/// What every path needs.
struct Bench<'a> {
    args: &'a Args,
    w: &'a Workload,
    rt: &'a tokio::runtime::Runtime,
    dir: &'a Path,
    timeout: Duration,
}

/// Sends the workload to `addr` and waits for the receiver; fills the timing fields.
fn push_and_wait(
    b: &Bench<'_>,
    rx: &OtlpReceiver,
    addr: SocketAddr,
    result: &mut PathResult,
    mut check: impl FnMut() -> Result<(), String>,
) {
    let start = Instant::now();
    let totals = start_sender(b.rt, addr, b.w.requests.clone(), b.args.streams, start);
    let waited = wait_delivery(rx, b.w.events, start, b.timeout, || {
        sender_check(&totals)?;
        check()
    });
    match waited {
        Ok(secs) => result.secs = secs,
        Err(e) => {
            result.secs = start.elapsed().as_secs_f64();
            result.error = Some(e);
        }
    }
    result.send_secs = *totals.done_secs.lock().unwrap();
    result.retries = totals.retries.load(Ordering::Relaxed);
    result.rejected = totals.rejected.load(Ordering::Relaxed);
}

/// (b): the shipped sidecar pipeline, fed over OTLP/gRPC.
fn run_sidecar(bin: &Path, b: &Bench<'_>) -> Result<PathResult, String> {
    let rx = receiver()?;
    let [grpc, http, admin] = tools::free_addrs::<3>();
    let pipeline = sidecar_pipeline(b.args);
    let log = b.dir.join("audit-otel-sidecar.log");
    let mut env = vec![
        ("AUDIT_OTEL_GRPC_LISTEN", grpc.to_string()),
        ("AUDIT_OTEL_HTTP_LISTEN", http.to_string()),
        ("AUDIT_OTEL_ADMIN_LISTEN", admin.to_string()),
        ("AUDIT_OTEL_EXPORT_ENDPOINT", rx.grpc_endpoint()),
    ];
    if let Some(c) = &b.args.compression {
        env.push(("AUDIT_OTEL_EXPORT_COMPRESSION", c.clone()));
    }
    let mut child = audit_otel(bin, &pipeline, &env, &log, b.args.cpus.as_deref())?;
    tools::wait_readyz(&mut child, admin, Duration::from_secs(30), &log)?;
    let sampler = Sampler::start(child.id());
    let mut result = PathResult {
        key: "sidecar",
        label: "(b) audit-otel OTLP -> redact -> OTLP",
        ..PathResult::default()
    };
    let n = b.w.events;
    push_and_wait(
        b,
        &rx,
        grpc,
        &mut result,
        child_check(&mut child, &rx, n, "audit-otel (sidecar)", &log),
    );
    (result.peak_rss_kib, result.cpu_secs) = sampler.finish();
    result.received = settle(&rx);
    result.exit_code = tools::terminate(&mut child, Duration::from_secs(30));
    if result.exit_code != Some(0) && result.error.is_none() {
        result.error = Some(format!(
            "audit-otel did not stop cleanly on SIGTERM ({:?}):\n{}",
            result.exit_code,
            tools::tail(&log, 20)
        ));
    }
    Ok(result)
}

/// (c): rotel forwarding OTLP → OTLP, fed by the same sender.
fn run_rotel(rotel_bin: &Path, b: &Bench<'_>) -> Result<PathResult, String> {
    let rx = receiver()?;
    let mut rotel = tools::Rotel::start(rotel_bin, &rx.grpc_endpoint(), "grpc", &[], b.dir)?;
    if let Some(list) = &b.args.cpus {
        // Every thread rotel has started (it is up and idle now); later ones inherit.
        pin_running(rotel.child.id(), list)?;
    }
    let sampler = Sampler::start(rotel.child.id());
    let mut result = PathResult {
        key: "rotel",
        label: "(c) rotel OTLP -> OTLP (no redaction)",
        ..PathResult::default()
    };
    let n = b.w.events;
    let log = rotel.log.clone();
    let grpc = rotel.grpc;
    push_and_wait(
        b,
        &rx,
        grpc,
        &mut result,
        child_check(&mut rotel.child, &rx, n, "rotel", &log),
    );
    (result.peak_rss_kib, result.cpu_secs) = sampler.finish();
    result.received = settle(&rx);
    result.exit_code = rotel.terminate(Duration::from_secs(10));
    Ok(result)
}

/// The pipeline of (b): `--pipeline`, or the shipped sidecar pipeline (found from the source
/// tree this example was built in, so it runs from any folder).
fn sidecar_pipeline(args: &Args) -> PathBuf {
    args.pipeline
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/sidecar.yaml"))
}

/// Pins every thread of a running process to a core list (`taskset -a -p -c`).
fn pin_running(pid: u32, list: &str) -> Result<(), String> {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", list, &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("--cpus needs taskset (util-linux): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("taskset -a -p -c {list} {pid} failed ({status})"))
    }
}

/// The cores in a `taskset -c` list (`0-3,6` is 5), for the report.
fn count_cpus(list: &str) -> Result<usize, String> {
    let bad = || format!("--cpus {list:?}: give cores as taskset -c does, e.g. 0-3 or 0,2");
    let mut n = 0;
    for part in list.split(',').map(str::trim) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (usize, usize) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
        if b < a {
            return Err(bad());
        }
        n += b - a + 1;
    }
    Ok(n)
}

/// `target/<profile>/audit-otel` next to this example, or `$AUDIT_OTEL_BIN`.
fn audit_otel_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("AUDIT_OTEL_BIN") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("$AUDIT_OTEL_BIN={} is not a file", p.display()))
        };
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this example: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    let bin = profile_dir.join("audit-otel");
    if bin.is_file() {
        Ok(bin)
    } else {
        let build = if cfg!(debug_assertions) {
            "cargo build"
        } else {
            "cargo build --release"
        };
        Err(format!(
            "the audit-otel binary is not at {}: build it first with `{build}` (or set AUDIT_OTEL_BIN)",
            bin.display()
        ))
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn ratio(ours: f64, theirs: f64) -> Option<f64> {
    (ours > 0.0 && theirs > 0.0).then(|| (ours / theirs * 100.0).round() / 100.0)
}

struct Ratios {
    key: &'static str,
    events_per_sec: Option<f64>,
    peak_rss: Option<f64>,
    cpu: Option<f64>,
}

fn ratios(results: &[PathResult], w: &Workload) -> Vec<Ratios> {
    let Some(rotel) = results.iter().find(|r| r.key == "rotel" && r.ok(w.events)) else {
        return Vec::new();
    };
    ["sidecar", "file"]
        .iter()
        .filter_map(|k| results.iter().find(|r| r.key == *k && r.ok(w.events)))
        .map(|ours| Ratios {
            key: ours.key,
            events_per_sec: ratio(
                ours.events_per_sec(w.events),
                rotel.events_per_sec(w.events),
            ),
            peak_rss: ratio(
                ours.peak_rss_kib.unwrap_or(0) as f64,
                rotel.peak_rss_kib.unwrap_or(0) as f64,
            ),
            cpu: ratio(ours.cpu_secs.unwrap_or(0.0), rotel.cpu_secs.unwrap_or(0.0)),
        })
        .collect()
}

fn print_table(
    args: &Args,
    w: &Workload,
    results: &[PathResult],
    skipped: &Option<String>,
    load: &str,
) {
    let mib_in = w.input_bytes as f64 / (1024.0 * 1024.0);
    println!(
        "audit-otel throughput: {} events (seed {}, realistic mix), {:.1} MiB of event JSON (avg {} B/event), generated in {:.1} s",
        w.events,
        args.seed,
        mib_in,
        w.input_bytes / (w.events.max(1) as u64),
        w.generate_secs
    );
    println!(
        "sender: {} gRPC streams, {} pre-encoded requests of <= {} records; receiver: in-process, counting only; {} CPUs{}, load average at start {}{}",
        args.streams,
        w.requests.len(),
        args.batch,
        cpus(),
        args.cpus
            .as_deref()
            .map(|l| format!(" (processes under test pinned to {l})"))
            .unwrap_or_default(),
        load,
        if cfg!(debug_assertions) { "; DEBUG BUILD (numbers meaningless)" } else { "" }
    );
    println!();
    println!(
        "{:<42} {:>9} {:>7} {:>7} {:>12} {:>6} {:>10} {:>17}",
        "path", "events/s", "MiB/s", "time s", "peak RSS MiB", "CPU s", "CPU us/ev", "arrived"
    );
    for r in results {
        let ok = r.ok(w.events);
        println!(
            "{:<42} {:>9} {:>7} {:>7.2} {:>12} {:>6} {:>10} {:>17}",
            r.label,
            if ok {
                format!("{:.0}", r.events_per_sec(w.events))
            } else {
                "-".into()
            },
            if ok {
                format!("{:.1}", r.mib_per_sec(w.input_bytes))
            } else {
                "-".into()
            },
            r.secs,
            mib(r.peak_rss_kib),
            r.cpu_secs.map_or("-".into(), |c| format!("{c:.1}")),
            r.cpu_secs
                .map_or("-".into(), |c| format!("{:.1}", c * 1e6 / w.events as f64)),
            format!("{}/{}", r.received, w.events),
        );
    }
    if let Some(why) = skipped {
        println!("(c) rotel skipped: {why}");
    }
    for r in results {
        if let Some(s) = r.send_secs {
            println!(
                "    {}: sender had every request acknowledged after {s:.2} s ({} retries, {} records rejected)",
                r.key, r.retries, r.rejected
            );
        }
        if let Some(e) = &r.error {
            println!("    {} FAILED: {e}", r.key);
        }
        if r.received > w.events {
            println!(
                "    {}: {} records more than sent (duplicates)",
                r.key,
                r.received - w.events
            );
        }
    }
    let rs = ratios(results, w);
    if !rs.is_empty() {
        println!();
        for r in rs {
            let x = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.2}x"));
            println!(
                "ours/rotel, {}: {} events/s, {} peak RSS, {} CPU time",
                r.key,
                x(r.events_per_sec),
                x(r.peak_rss),
                x(r.cpu),
            );
        }
    }
}

fn print_json(
    args: &Args,
    w: &Workload,
    results: &[PathResult],
    skipped: &Option<String>,
    load: &str,
) {
    let mut paths = serde_json::Map::new();
    for r in results {
        paths.insert(r.key.into(), r.json(w));
    }
    let mut ratio_map = serde_json::Map::new();
    for r in ratios(results, w) {
        ratio_map.insert(
            r.key.into(),
            json!({"events_per_sec": r.events_per_sec, "peak_rss": r.peak_rss, "cpu_seconds": r.cpu}),
        );
    }
    let out = json!({
        "events": w.events,
        "seed": args.seed,
        "mix": "realistic",
        "input_bytes": w.input_bytes,
        "batch": args.batch,
        "streams": args.streams,
        "requests": w.requests.len(),
        "cpus": cpus(),
        "pinned_cpus": args.cpus,
        "compression": args.compression,
        "compression_level": args.compression_level,
        "max_in_flight": args.max_in_flight,
        "workers": args.workers,
        "load_average_at_start": load,
        "release_build": !cfg!(debug_assertions),
        "ok": results.iter().all(|r| r.ok(w.events)),
        "paths": paths,
        "rotel_skipped": skipped,
        "ours_over_rotel": ratio_map,
    });
    println!("{out}");
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("throughput: {e}");
            ExitCode::from(2)
        }
    }
}

/// Progress on stderr (stdout carries the results).
fn note(msg: impl AsRef<str>) {
    eprintln!("throughput: {}", msg.as_ref());
}

fn run(args: &Args) -> Result<bool, String> {
    if args.events == 0 {
        return Err("--events must be at least 1".into());
    }
    let bin = audit_otel_bin()?;
    if let Some(list) = &args.cpus {
        count_cpus(list)?;
    }
    for p in &args.paths {
        if !["file", "sidecar", "rotel"].contains(&p.trim()) {
            return Err(format!(
                "--paths: {p:?} is not a path; give file, sidecar and/or rotel"
            ));
        }
    }
    let sidecar = sidecar_pipeline(args);
    if !sidecar.is_file() {
        return Err(format!("--pipeline: {} is not a file", sidecar.display()));
    }
    let rotel = if args.skip_rotel || !args.runs("rotel") {
        Err("--skip-rotel".to_owned())
    } else {
        tools::find_rotel()
    };
    let load = load_average();
    let dir = std::env::temp_dir().join(format!("audit-otel-throughput-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let timeout = Duration::from_secs(
        args.timeout_secs
            .unwrap_or(120 + (args.events / 2000) as u64),
    );
    note(format!(
        "generating {} events (seed {})",
        args.events, args.seed
    ));
    let w = workload(args, &dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("throughput-sender")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the sender runtime: {e}"))?;

    let bench = Bench {
        args,
        w: &w,
        rt: &rt,
        dir: &dir,
        timeout,
    };
    let mut results = Vec::new();
    if args.runs("file") {
        note(format!("(a) file path: {}", bin.display()));
        results.push(run_file(&bin, &bench)?);
    }
    if args.runs("sidecar") {
        note(format!("(b) sidecar path: {}", sidecar.display()));
        results.push(run_sidecar(&bin, &bench)?);
    }
    let skipped = match &rotel {
        Ok(rotel_bin) => {
            note(format!("(c) rotel: {}", rotel_bin.display()));
            results.push(run_rotel(rotel_bin, &bench)?);
            None
        }
        Err(why) => {
            note(format!("(c) rotel skipped: {why}"));
            Some(why.clone())
        }
    };
    rt.shutdown_timeout(Duration::from_secs(1));

    if args.json {
        print_json(args, &w, &results, &skipped, &load);
    } else {
        print_table(args, &w, &results, &skipped, &load);
    }
    let ok = results.iter().all(|r| r.ok(w.events));
    if ok {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        note(format!("logs kept in {}", dir.display()));
    }
    Ok(ok)
}
