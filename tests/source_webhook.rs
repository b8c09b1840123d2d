//! The webhook source end to end: real HTTP/1.1 requests (written by hand on a TCP stream, so
//! every header and framing choice is explicit) against a real pipeline with a file sink and a
//! dead-letter file, signed the way the platform signs them (HMAC-SHA256 of the body, hex, in
//! `x-authgear-body-signature`).

#![cfg(feature = "processor")]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::otel::proto::any_to_json;
use audit_otel::pipeline::config::PipelineConfig;
use audit_otel::pipeline::stats::SourceStats;
use audit_otel::pipeline::{Pipeline, RunError, RunHandle, RunSummary};
use common::Oracle;
use hmac::{Hmac, Mac};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PATH: &str = "/hooks/authgear";
const SIGNATURE: &str = "x-authgear-body-signature";

// === helpers ===

fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A generator of events stamped now (or at the generator's default, 2025-06-02, when `fresh`
/// is false).
fn generator(seed: u64, mix: Mix, fresh: bool) -> Generator {
    let mut o = GeneratorOptions {
        seed,
        mix,
        ..GeneratorOptions::default()
    };
    if fresh {
        o.start_time_unix = now_secs() - 60;
    }
    Generator::new(o)
}

fn next_line(g: &mut Generator) -> Vec<u8> {
    let mut line = Vec::new();
    g.write_line(&mut line);
    line
}

/// A tiny valid event.
fn small_event(id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id,
        "seq": 1,
        "type": "user.signed_out",
        "payload": {},
        "context": {"timestamp": now_secs(), "triggered_by": "user", "user_id": "u1"},
    }))
    .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP response.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// `POST` with `Content-Length` and `Connection: close`.
fn post(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: audit-otel\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Writes a request, reads the response to the end of the connection.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write request");
    read_reply(&mut s).await
}

async fn read_reply(s: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut raw))
        .await
        .expect("a response within 20 s")
        .expect("read response");
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

// === the harness ===

struct Harness {
    dir: PathBuf,
    addr: SocketAddr,
    secret: Vec<u8>,
    handle: RunHandle,
    run: tokio::task::JoinHandle<Result<RunSummary, RunError>>,
}

/// What a finished run left behind.
struct Outcome {
    summary: RunSummary,
    records: Vec<LogRecord>,
    sink_bytes: Vec<u8>,
    dead: Vec<Value>,
    dead_bytes: Vec<u8>,
}

fn test_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("audit-otel-webhook-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn yaml(dir: &Path, port: u16, source_extra: &str, sink_path: &Path) -> String {
    format!(
        r#"
name: webhook-test
sources:
  - type: webhook
    listen: "127.0.0.1:{port}"
    path: "{PATH}"
    secret: {{ file: "{secret}" }}
{source_extra}
sinks:
  - type: file
    path: "{sink}"
dead_letter:
  path: "{dead}"
shutdown:
  drain_timeout_secs: 10
"#,
        secret = dir.join("secret").display(),
        sink = sink_path.display(),
        dead = dir.join("dead.ndjson").display(),
    )
}

impl Harness {
    /// Starts a pipeline with one webhook source; `source_extra` is more YAML for the source,
    /// indented by four spaces.
    async fn start(name: &str, source_extra: &str) -> Harness {
        let dir = test_dir(name);
        let sink = dir.join("out.ndjson");
        Self::start_in(dir, source_extra, &sink).await
    }

    async fn start_in(dir: PathBuf, source_extra: &str, sink: &Path) -> Harness {
        let secret = format!("whsec-{}-0123456789abcdef", dir.display()).into_bytes();
        std::fs::write(dir.join("secret"), [secret.as_slice(), b"\n"].concat()).unwrap();
        let port = free_port();
        let cfg = PipelineConfig::from_yaml(&yaml(&dir, port, source_extra, sink), "test")
            .expect("valid pipeline");
        let pipeline = Pipeline::build(cfg).expect("pipeline builds");
        let handle = RunHandle::new();
        let h = handle.clone();
        let run = tokio::spawn(async move { pipeline.run_with(h).await });
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if run.is_finished() {
                panic!("the pipeline ended before listening: {:?}", run.await);
            }
            if TcpStream::connect(addr).await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "the webhook never listened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Harness {
            dir,
            addr,
            secret,
            handle,
            run,
        }
    }

    fn stats(&self) -> Arc<SourceStats> {
        self.handle.stats.get().expect("running").sources[0].clone()
    }

    /// A signed delivery.
    async fn deliver(&self, body: &[u8]) -> Reply {
        let sig = sign(&self.secret, body);
        exchange(self.addr, &post(PATH, &[(SIGNATURE, &sig)], body)).await
    }

    async fn stop(self) -> Outcome {
        self.handle.shutdown.cancel();
        let summary = self
            .run
            .await
            .expect("run task")
            .expect("the run ends cleanly");
        let sink_bytes = std::fs::read(self.dir.join("out.ndjson")).unwrap_or_default();
        let records = records_of(&sink_bytes);
        let dead_bytes = std::fs::read(self.dir.join("dead.ndjson")).unwrap_or_default();
        let dead = dead_bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("dead letters are JSON"))
            .collect();
        let _ = std::fs::remove_dir_all(&self.dir);
        Outcome {
            summary,
            records,
            sink_bytes,
            dead,
            dead_bytes,
        }
    }
}

/// Every record in OTLP/JSON lines.
fn records_of(bytes: &[u8]) -> Vec<LogRecord> {
    let mut out = Vec::new();
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let req: ExportLogsServiceRequest =
            serde_json::from_slice(line).expect("sink lines are OTLP/JSON");
        for rl in req.resource_logs {
            for sl in rl.scope_logs {
                out.extend(sl.log_records);
            }
        }
    }
    out
}

fn attrs(rec: &LogRecord) -> BTreeMap<String, Value> {
    rec.attributes
        .iter()
        .map(|kv| (kv.key.clone(), any_to_json(kv.value.as_ref().unwrap())))
        .collect()
}

fn uids(records: &[LogRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| attrs(r)["log.record.uid"].as_str().unwrap().to_owned())
        .collect()
}

fn get(c: &std::sync::atomic::AtomicU64) -> u64 {
    c.load(std::sync::atomic::Ordering::Relaxed)
}

fn exported(summary: &RunSummary) -> u64 {
    summary.exported.iter().map(|(_, n)| n).sum()
}

// === tests ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_deliveries_are_exported_mapped_and_redacted() {
    let h = Harness::start("signed", "").await;
    let mut g = generator(3, Mix::Uniform, true);
    let mut sent = Vec::new();
    for _ in 0..60 {
        let body = next_line(&mut g);
        let r = h.deliver(&body).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body, r#"{"status":"accepted"}"#);
        assert_eq!(r.headers["content-type"], "application/json");
        sent.push(serde_json::from_slice::<Value>(&body).unwrap());
    }
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    assert!(oracle.len() > 50, "the events carry planted PII");
    let stats = h.stats();
    let out = h.stop().await;

    assert_eq!(out.summary.received, 60);
    assert_eq!(out.summary.rejected, 0);
    assert_eq!(get(&stats.refused_requests), 0);
    assert_eq!(get(&stats.accepted), 60);
    assert_eq!(exported(&out.summary), 60);
    assert_eq!(out.records.len(), 60);
    let by_id: BTreeMap<String, &LogRecord> = out
        .records
        .iter()
        .map(|r| (attrs(r)["log.record.uid"].as_str().unwrap().to_owned(), r))
        .collect();
    assert_eq!(by_id.len(), 60, "each event once");
    for event in &sent {
        let id = event["id"].as_str().unwrap();
        let ty = event["type"].as_str().unwrap();
        let rec = by_id
            .get(id)
            .unwrap_or_else(|| panic!("event {id} not exported"));
        let a = attrs(rec);
        assert_eq!(rec.event_name, ty, "EventName is the catalog's dotted type");
        assert_eq!(a["event.action"], ty);
        assert_eq!(
            a["audit.activity_type"],
            ty.replace('.', "_").to_ascii_uppercase()
        );
        assert_eq!(a["audit.seq"], event["seq"]);
        assert_eq!(
            rec.time_unix_nano,
            event["context"]["timestamp"].as_u64().unwrap() * 1_000_000_000
        );
        if let Some(ip) = event["context"]["ip_address"].as_str() {
            let redacted = a["client.address"].as_str().unwrap();
            assert_ne!(redacted, ip, "the IP address is pseudonymized");
        }
    }
    oracle.assert_clean("the sink", &out.sink_bytes);
    assert!(out.dead.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_missigned_deliveries_get_401_and_nothing_is_kept() {
    let h = Harness::start("unsigned", "").await;
    let mut g = generator(5, Mix::Realistic, true);
    let body = next_line(&mut g);
    let other = next_line(&mut g);
    let good = sign(&h.secret, &body);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no signature", post(PATH, &[], &body)),
        (
            "well-formed but wrong",
            post(PATH, &[(SIGNATURE, &"0".repeat(64))], &body),
        ),
        (
            "signature of another body",
            post(PATH, &[(SIGNATURE, &sign(&h.secret, &other))], &body),
        ),
        (
            "signed with another secret",
            post(PATH, &[(SIGNATURE, &sign(b"another-secret", &body))], &body),
        ),
        (
            "not hex",
            post(PATH, &[(SIGNATURE, "not-a-signature")], &body),
        ),
        ("truncated", post(PATH, &[(SIGNATURE, &good[..40])], &body)),
        (
            "the body changed after signing",
            post(PATH, &[(SIGNATURE, &good)], &[&body[..], b" "].concat()),
        ),
    ];
    for (what, req) in &cases {
        let r = exchange(h.addr, req).await;
        assert_eq!(r.status, 401, "{what}: {r:?}");
        assert!(
            r.body == r#"{"error":"bad signature"}"#
                || r.body == r#"{"error":"missing signature"}"#,
            "{what}: {}",
            r.body
        );
    }
    // The same delivery, correctly signed in upper-case hex, is accepted.
    let upper = good.to_ascii_uppercase();
    let r = exchange(h.addr, &post(PATH, &[(SIGNATURE, &upper)], &body)).await;
    assert_eq!(r.status, 200, "{r:?}");

    let stats = h.stats();
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    let out = h.stop().await;
    assert_eq!(get(&stats.refused_requests), cases.len() as u64);
    assert_eq!(out.summary.received, 1, "only the signed delivery counts");
    assert_eq!(out.summary.rejected, 0);
    assert_eq!(out.summary.dead_letters, 0);
    assert!(out.dead.is_empty(), "unsigned bodies are not dead-lettered");
    assert_eq!(
        uids(&out.records),
        vec![serde_json::from_slice::<Value>(&body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()]
    );
    oracle.assert_clean("the sink", &out.sink_bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_delivery_is_answered_200_and_exported_once() {
    let h = Harness::start("replay", "").await;
    let mut g = generator(8, Mix::Realistic, true);
    let body = next_line(&mut g);
    let first = h.deliver(&body).await;
    let second = h.deliver(&body).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, r#"{"status":"accepted"}"#);
    assert_eq!(
        second.status, 200,
        "a replay is not an error for the platform"
    );
    assert_eq!(second.body, r#"{"status":"duplicate"}"#);
    let stats = h.stats();
    let out = h.stop().await;
    assert_eq!(out.summary.received, 2);
    assert_eq!(out.summary.duplicates, 1);
    assert_eq!(get(&stats.duplicates), 1);
    assert_eq!(out.records.len(), 1);
    assert_eq!(exported(&out.summary), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_event_gets_400_and_a_dead_letter() {
    let h = Harness::start("stale", "    max_event_age_secs: 3600").await;
    // Stamped 2025-06-02: far older than an hour.
    let mut old = generator(13, Mix::Realistic, false);
    let stale = next_line(&mut old);
    let r = h.deliver(&stale).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.body, r#"{"error":"stale event"}"#);
    // A fresh one passes.
    let mut fresh = generator(13, Mix::Realistic, true);
    let ok = next_line(&mut fresh);
    let r = h.deliver(&ok).await;
    assert_eq!(r.status, 200, "{r:?}");
    // The stale event was not claimed: nothing about it is a duplicate later.
    let oracle = Oracle::new(
        old.planted()
            .iter()
            .chain(fresh.planted())
            .map(|(_, v)| v.as_str()),
    );
    let out = h.stop().await;
    assert_eq!(out.summary.received, 2);
    assert_eq!(out.summary.rejected, 1);
    assert_eq!(out.summary.rejected_by_kind.get("stale_event"), Some(&1));
    assert_eq!(out.records.len(), 1);
    assert_eq!(out.dead.len(), 1);
    let d = &out.dead[0];
    assert_eq!(d["error_kind"], "stale_event");
    assert_eq!(d["line"], 1, "the position is the delivery number");
    assert!(d["source"].as_str().unwrap().starts_with("webhook:"));
    assert!(d["error"].as_str().unwrap().contains("max_event_age_secs"));
    oracle.assert_clean("the dead letters", &out.dead_bytes);
    oracle.assert_clean("the sink", &out.sink_bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_413_without_being_read_whole() {
    let h = Harness::start("oversized", "    max_body_bytes: 2048").await;
    let mut big: Value = serde_json::from_slice(&small_event("big-1")).unwrap();
    big["payload"]["note"] = "x".repeat(4000).into();
    let big = serde_json::to_vec(&big).unwrap();
    let sig = sign(&h.secret, &big);

    // Declared too large by Content-Length.
    let r = exchange(h.addr, &post(PATH, &[(SIGNATURE, &sig)], &big)).await;
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(r.body, r#"{"error":"body too large"}"#);

    // A 10 GB body announced with `Expect: 100-continue`: refused before a byte of it is sent.
    let mut s = TcpStream::connect(h.addr).await.unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: audit-otel\r\nContent-Length: 10000000000\r\nExpect: 100-continue\r\n{SIGNATURE}: {sig}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let r = read_reply(&mut s).await;
    assert_eq!(r.status, 413, "{r:?}");

    // Chunked, no Content-Length: counted while reading.
    let mut req = format!(
        "POST {PATH} HTTP/1.1\r\nHost: audit-otel\r\nTransfer-Encoding: chunked\r\n{SIGNATURE}: {sig}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.chunks(1500) {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let r = exchange(h.addr, &req).await;
    assert_eq!(r.status, 413, "{r:?}");

    // A small chunked delivery is fine.
    let small = small_event("small-1");
    let sig = sign(&h.secret, &small);
    let mut req = format!(
        "POST {PATH} HTTP/1.1\r\nHost: audit-otel\r\nTransfer-Encoding: chunked\r\n{SIGNATURE}: {sig}\r\nConnection: close\r\n\r\n{:x}\r\n",
        small.len()
    )
    .into_bytes();
    req.extend_from_slice(&small);
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    let r = exchange(h.addr, &req).await;
    assert_eq!(r.status, 200, "{r:?}");

    let stats = h.stats();
    let out = h.stop().await;
    assert_eq!(get(&stats.refused_requests), 3);
    assert_eq!(
        out.summary.received, 1,
        "oversized bodies are refused, not received"
    );
    assert!(out.dead.is_empty());
    assert_eq!(uids(&out.records), vec!["small-1".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_malformed_event_gets_400_and_a_redacted_dead_letter() {
    let h = Harness::start("malformed", "").await;
    let mut g = generator(21, Mix::Realistic, true);
    let full = next_line(&mut g);
    let truncated = full[..full.len() * 2 / 3].to_vec();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (truncated, "invalid_json"),
        (b"[1,2,3]".to_vec(), "not_an_object"),
        (
            br#"{"id":"m-1","payload":{},"context":{"timestamp":1}}"#.to_vec(),
            "missing_field",
        ),
        (Vec::new(), "empty"),
    ];
    for (body, kind) in &cases {
        let r = h.deliver(body).await;
        assert_eq!(r.status, 400, "{kind}: {r:?}");
        assert_eq!(
            r.body,
            format!(r#"{{"error":"invalid event","kind":"{kind}"}}"#)
        );
    }
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    let out = h.stop().await;
    assert_eq!(out.summary.received, cases.len() as u64);
    assert_eq!(out.summary.rejected, cases.len() as u64);
    assert!(out.records.is_empty());
    assert_eq!(out.dead.len(), cases.len());
    for (d, (_, kind)) in out.dead.iter().zip(&cases) {
        assert_eq!(d["error_kind"], *kind);
    }
    assert!(
        out.dead[0]["input"].as_str().is_some_and(|s| !s.is_empty()),
        "the truncated event is kept, redacted"
    );
    oracle.assert_clean("the dead letters", &out.dead_bytes);
}

/// How many connections may be open at once without running out of descriptors (the client
/// and the server share this process).
fn connection_budget(wanted: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(4096);
    wanted.min(soft.saturating_sub(200) / 2).max(16)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_500_concurrent_deliveries_arrives_exactly_once() {
    let h = Arc::new(Harness::start("burst", "").await);
    let mut g = generator(34, Mix::Realistic, true);
    let bodies: Vec<Vec<u8>> = (0..500).map(|_| next_line(&mut g)).collect();
    let ids: HashSet<String> = bodies
        .iter()
        .map(|b| {
            serde_json::from_slice::<Value>(b).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 500);
    let gate = Arc::new(tokio::sync::Semaphore::new(connection_budget(500)));
    let start = Arc::new(tokio::sync::Barrier::new(bodies.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let (h, gate, start) = (h.clone(), gate.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            let _permit = gate.acquire().await.unwrap();
            h.deliver(&body).await.status
        });
    }
    let mut statuses = BTreeMap::new();
    while let Some(s) = tasks.join_next().await {
        *statuses.entry(s.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(statuses, BTreeMap::from([(200u16, 500)]));
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    let h = Arc::into_inner(h).expect("no request left");
    let stats = h.stats();
    let out = h.stop().await;
    assert_eq!(out.summary.received, 500);
    assert_eq!(out.summary.duplicates, 0);
    assert_eq!(get(&stats.refused_requests), 0);
    let got = uids(&out.records);
    assert_eq!(got.len(), 500, "exactly once");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), ids);
    oracle.assert_clean("the sink", &out.sink_bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_paths_and_methods_are_refused() {
    let h = Harness::start("routes", "").await;
    let body = small_event("r-1");
    let sig = sign(&h.secret, &body);
    let r = exchange(h.addr, &post("/elsewhere", &[(SIGNATURE, &sig)], &body)).await;
    assert_eq!(r.status, 404);
    let r = exchange(
        h.addr,
        &post(&format!("{PATH}/"), &[(SIGNATURE, &sig)], &body),
    )
    .await;
    assert_eq!(r.status, 404, "the path is matched exactly");
    for method in ["GET", "PUT", "DELETE"] {
        let req = format!(
            "{method} {PATH} HTTP/1.1\r\nHost: audit-otel\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let r = exchange(h.addr, req.as_bytes()).await;
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.headers["allow"], "POST");
    }
    // A query string does not change the path.
    let r = exchange(
        h.addr,
        &post(
            &format!("{PATH}?source=authgear"),
            &[(SIGNATURE, &sig)],
            &body,
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let out = h.stop().await;
    assert_eq!(out.summary.received, 1);
    assert_eq!(out.records.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_address_stops_the_pipeline_with_an_error_naming_listen() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = test_dir("taken");
    std::fs::write(dir.join("secret"), "s3cret-s3cret").unwrap();
    let text = yaml(&dir, addr.port(), "", &dir.join("out.ndjson"));
    let pipeline = Pipeline::build(PipelineConfig::from_yaml(&text, "test").unwrap()).unwrap();
    let err = tokio::time::timeout(Duration::from_secs(30), pipeline.run_with(RunHandle::new()))
        .await
        .expect("the run ends")
        .expect_err("cannot listen");
    let msg = err.to_string();
    assert!(msg.contains(&format!("cannot listen on {addr}")), "{msg}");
    assert!(msg.contains("change `listen`"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_secret_stops_the_pipeline_with_an_error_naming_secret() {
    let dir = test_dir("nosecret");
    let text = yaml(&dir, free_port(), "", &dir.join("out.ndjson")).replace(
        &format!("{{ file: \"{}\" }}", dir.join("secret").display()),
        "{ env: AUDIT_OTEL_TEST_WEBHOOK_SECRET_NEVER_SET }",
    );
    assert!(text.contains("NEVER_SET"));
    let pipeline = Pipeline::build(PipelineConfig::from_yaml(&text, "test").unwrap()).unwrap();
    let err = tokio::time::timeout(Duration::from_secs(30), pipeline.run_with(RunHandle::new()))
        .await
        .expect("the run ends")
        .expect_err("no secret");
    let msg = err.to_string();
    assert!(msg.contains("`secret`"), "{msg}");
    assert!(
        msg.contains("AUDIT_OTEL_TEST_WEBHOOK_SECRET_NEVER_SET"),
        "{msg}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sink that stops taking records: the file sink writes into a FIFO that nobody reads until
/// told to. Once the pipe, the sink's write buffer and the sink's queue (2048 records by default) are
/// full, deliveries wait `accept_timeout_ms` and get 503 with `Retry-After`; their event ids are
/// released, so the same delivery is accepted once there is room again.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_buffer_gets_503_with_retry_after_and_releases_the_event_id() {
    let dir = test_dir("full");
    let fifo = dir.join("out.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    // The reader opens the FIFO (so the sink can open it) and reads only when told to.
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::open(&reader_path).expect("open the FIFO");
        let _ = go_rx.recv();
        let mut all = Vec::new();
        f.read_to_end(&mut all).expect("read the FIFO");
        all
    });
    let h = Harness::start_in(dir, "    accept_timeout_ms: 200", &fifo).await;

    let budget = connection_budget(32);
    let mut accepted = Vec::new();
    let mut refused: Vec<(String, Vec<u8>)> = Vec::new();
    let mut next = 0u64;
    let started = Instant::now();
    while refused.is_empty() {
        assert!(
            next < 20_000,
            "no 503 after {next} deliveries: the sink never filled up"
        );
        let mut wave = tokio::task::JoinSet::new();
        for _ in 0..budget {
            next += 1;
            let id = format!("full-{next}");
            let body = small_event(&id);
            let sig = sign(&h.secret, &body);
            let addr = h.addr;
            wave.spawn(async move {
                let r = exchange(addr, &post(PATH, &[(SIGNATURE, &sig)], &body)).await;
                (id, body, r)
            });
        }
        while let Some(done) = wave.join_next().await {
            let (id, body, r) = done.unwrap();
            match r.status {
                200 => accepted.push(id),
                503 => {
                    assert_eq!(r.headers["retry-after"], "1");
                    assert_eq!(r.body, r#"{"error":"busy, retry later"}"#);
                    refused.push((id, body));
                }
                other => panic!("unexpected {other}: {r:?}"),
            }
        }
    }
    let sink_stats = h.handle.stats.get().unwrap().sinks[0].clone();
    eprintln!(
        "{} accepted before the first 503, in {:?}; the sink exported {} and queues {}",
        accepted.len(),
        started.elapsed(),
        get(&sink_stats.exported),
        sink_stats.queued.load(std::sync::atomic::Ordering::Relaxed),
    );
    assert!(
        accepted.len() >= 2048,
        "the queue holds its default 2048 records first"
    );
    let stats = h.stats();
    assert_eq!(get(&stats.refused_requests), refused.len() as u64);

    // Room again: the retried delivery is accepted, not taken for a duplicate.
    go_tx.send(()).unwrap();
    let (retry_id, retry_body) = refused[0].clone();
    let r = tokio::time::timeout(Duration::from_secs(60), h.deliver(&retry_body))
        .await
        .expect("answered once the sink drains");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, r#"{"status":"accepted"}"#);
    accepted.push(retry_id);

    let out = h.stop().await;
    let sink = reader.join().unwrap();
    let got = uids(&records_of(&sink));
    assert_eq!(got.len(), accepted.len(), "every accepted delivery, once");
    assert_eq!(
        got.into_iter().collect::<HashSet<_>>(),
        accepted.into_iter().collect::<HashSet<_>>()
    );
    assert_eq!(out.summary.duplicates, 0);
}
