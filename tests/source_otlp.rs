//! End-to-end tests of the OTLP receiver source (`type: otlp`): real OTLP requests over gRPC
//! (tonic's client, with and without gzip) and HTTP (protobuf and JSON, with and without gzip)
//! into a running pipeline with a file sink and a dead-letter file, checking what arrives.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::otel::proto::json_to_any;
use audit_otel::pipeline::config::PipelineConfig;
use audit_otel::pipeline::stats::PipelineStats;
use audit_otel::pipeline::{Pipeline, RunError, RunHandle, RunSummary};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use serde_json::Value;
use tonic::codec::CompressionEncoding;

use common::Oracle;

// ---------------------------------------------------------------------------------------------
// Harness

static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "audit-otel-source-otlp-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Running {
    dir: PathBuf,
    grpc: SocketAddr,
    http: SocketAddr,
    handle: RunHandle,
    task: tokio::task::JoinHandle<Result<RunSummary, RunError>>,
}

/// What the pipeline wrote.
struct Finished {
    summary: RunSummary,
    stats: Arc<PipelineStats>,
    /// Every record written by the file sink, with its resource and scope, in file order.
    records: Vec<(Resource, InstrumentationScope, LogRecord)>,
    /// The sink file's bytes.
    output: Vec<u8>,
    /// The dead-letter lines.
    dead: Vec<Value>,
    dead_bytes: Vec<u8>,
}

async fn start(source_extra: &str) -> Running {
    let dir = temp_dir();
    let grpc: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let http: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let yaml = format!(
        r#"
name: otlp-source-test
sources:
  - type: otlp
    grpc_listen: "{grpc}"
    http_listen: "{http}"
{source_extra}
resource:
  service.name: audit-otel-under-test
sinks:
  - type: file
    path: {out}
dead_letter:
  path: {dead}
shutdown:
  drain_timeout_secs: 10
"#,
        out = dir.join("out.ndjson").display(),
        dead = dir.join("dead.ndjson").display(),
    );
    let cfg = PipelineConfig::from_yaml(&yaml, "test").expect("valid pipeline");
    let pipeline = Pipeline::build(cfg).expect("pipeline builds");
    let handle = RunHandle::new();
    let h = handle.clone();
    let task = tokio::spawn(async move { pipeline.run_with(h).await });
    let running = Running {
        dir,
        grpc,
        http,
        handle,
        task,
    };
    running.wait_listening().await;
    running
}

impl Running {
    async fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        for addr in [self.grpc, self.http] {
            loop {
                if tokio::net::TcpStream::connect(addr).await.is_ok() {
                    break;
                }
                assert!(!self.task.is_finished(), "the pipeline ended early");
                assert!(Instant::now() < deadline, "{addr} never listened");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        // `/readyz` says yes once the source has said its servers listen.
        while !self.handle.stats.get().is_some_and(|s| s.is_ready()) {
            assert!(Instant::now() < deadline, "the pipeline never became ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stats(&self) -> Arc<PipelineStats> {
        self.handle.stats.get().expect("running").clone()
    }

    async fn grpc_client(&self, gzip: bool) -> LogsServiceClient<tonic::transport::Channel> {
        let c = LogsServiceClient::connect(format!("http://{}", self.grpc))
            .await
            .expect("gRPC connects")
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20);
        if gzip {
            c.send_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Gzip)
        } else {
            c
        }
    }

    async fn http_post(
        &self,
        content_type: &str,
        content_encoding: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, http::HeaderMap, Vec<u8>) {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let mut req = http::Request::builder()
            .method("POST")
            .uri(format!("http://{}/v1/logs", self.http))
            .header("content-type", content_type);
        if let Some(e) = content_encoding {
            req = req.header("content-encoding", e);
        }
        let resp = client
            .request(req.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .expect("HTTP request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    async fn http_protobuf(
        &self,
        req: &ExportLogsServiceRequest,
        gzip: bool,
    ) -> ExportLogsServiceResponse {
        let body = req.encode_to_vec();
        let (status, headers, body) = if gzip {
            self.http_post("application/x-protobuf", Some("gzip"), gz(&body))
                .await
        } else {
            self.http_post("application/x-protobuf", None, body).await
        };
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(headers["content-type"], "application/x-protobuf");
        ExportLogsServiceResponse::decode(body.as_slice()).unwrap()
    }

    async fn http_json(&self, req: &ExportLogsServiceRequest, gzip: bool) -> Value {
        let body = serde_json::to_vec(req).unwrap();
        let (status, headers, body) = if gzip {
            self.http_post("application/json", Some("gzip"), gz(&body))
                .await
        } else {
            self.http_post("application/json", None, body).await
        };
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(headers["content-type"], "application/json");
        serde_json::from_slice(&body).unwrap()
    }

    async fn finish(self) -> Finished {
        let stats = self.stats();
        self.handle.shutdown.cancel();
        let summary = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the pipeline stops")
            .expect("the run task")
            .expect("the run succeeds");
        let output = std::fs::read(self.dir.join("out.ndjson")).unwrap_or_default();
        let mut records = Vec::new();
        for line in output.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let req: ExportLogsServiceRequest =
                serde_json::from_slice(line).expect("the sink writes OTLP/JSON lines");
            for rl in req.resource_logs {
                let resource = rl.resource.unwrap_or_default();
                for sl in rl.scope_logs {
                    let scope = sl.scope.unwrap_or_default();
                    for r in sl.log_records {
                        records.push((resource.clone(), scope.clone(), r));
                    }
                }
            }
        }
        let dead_bytes = std::fs::read(self.dir.join("dead.ndjson")).unwrap_or_default();
        let dead = dead_bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("dead letters are JSON lines"))
            .collect();
        let _ = std::fs::remove_dir_all(&self.dir);
        Finished {
            summary,
            stats,
            records,
            output,
            dead,
            dead_bytes,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Building requests

fn gz(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn sv(s: &str) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(any_value::Value::StringValue(s.to_owned())),
    })
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: sv(value),
        ..KeyValue::default()
    }
}

fn text_record(body: &str) -> LogRecord {
    LogRecord {
        body: sv(body),
        severity_number: 9,
        severity_text: "INFO".into(),
        ..LogRecord::default()
    }
}

fn request(service: &str, records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", service)],
                ..Resource::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "shop.checkout".into(),
                    version: "1.2.3".into(),
                    ..InstrumentationScope::default()
                }),
                log_records: records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

fn generator(seed: u64) -> Generator {
    Generator::new(GeneratorOptions {
        seed,
        mix: Mix::Uniform,
        ..GeneratorOptions::default()
    })
}

/// The next event as a string body; returns the record and the event id.
fn event_text(g: &mut Generator) -> (LogRecord, String) {
    let mut line = Vec::new();
    g.write_line(&mut line);
    let v: Value = serde_json::from_slice(&line).unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    (text_record(std::str::from_utf8(&line).unwrap()), id)
}

/// The next event as a kvlist body.
fn event_kvlist(g: &mut Generator) -> (LogRecord, String) {
    let v = g.next_event();
    let id = v["id"].as_str().unwrap().to_owned();
    (
        LogRecord {
            body: Some(json_to_any(v)),
            ..LogRecord::default()
        },
        id,
    )
}

/// An event mapped by audit-otel already (as the tracing layer's records are), with a phone
/// number added to an attribute after mapping: re-redaction must catch it.
fn already_mapped(g: &mut Generator) -> (LogRecord, String) {
    let mut line = Vec::new();
    g.write_line(&mut line);
    let core = audit_otel::core::AuditCore::default();
    let mut rec = core.process(&line, 1).expect("generated events map");
    rec.attributes
        .push(kv("audit.context.note", "call back on +1 415 555 0101"));
    let id = attr(&rec, "log.record.uid").unwrap().to_owned();
    (rec, id)
}

const APP_EMAIL: &str = "mallory.app@example.net";
const APP_PHONE: &str = "+1 202 555 0143";
const MALFORMED_EMAIL: &str = "trent.malformed@example.org";
const MAPPED_PHONE: &str = "+1 415 555 0101";

fn plain_app_log(i: usize) -> LogRecord {
    let mut r = text_record(&format!(
        "order {i} shipped to {APP_EMAIL}, courier will call {APP_PHONE}"
    ));
    r.attributes.push(kv("enduser.contact", APP_EMAIL));
    r.attributes.push(kv("http.route", "/orders/{id}"));
    r
}

fn malformed_envelope() -> LogRecord {
    text_record(&format!(
        r#"{{"id":"bad-1","type":"user.authenticated","payload":{{"user":{{"email":"{MALFORMED_EMAIL}"}}}}}}"#
    ))
}

// ---------------------------------------------------------------------------------------------
// Reading the output

fn attr<'a>(r: &'a LogRecord, key: &str) -> Option<&'a str> {
    r.attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

fn resource_service(r: &Resource) -> Option<&str> {
    r.attributes
        .iter()
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

fn body_text(r: &LogRecord) -> Option<&str> {
    match r.body.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

// ---------------------------------------------------------------------------------------------
// Tests

/// Audit events (string and kvlist bodies), already-mapped records, application logs and a
/// malformed envelope, over all four transport variants: audit events are mapped without their
/// planted PII, the app's resource survives, app logs pass redacted, the malformed event is
/// reported as partial success and dead-lettered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mix_over_grpc_and_http_is_mapped_redacted_and_passed() {
    let run = start("    non_audit: pass").await;
    let mut g = generator(3);
    let mut expected_ids = Vec::new();
    let mut batch = |g: &mut Generator, with_malformed: bool| {
        let mut recs = Vec::new();
        for _ in 0..5 {
            let (r, id) = event_text(g);
            recs.push(r);
            expected_ids.push(id);
        }
        for _ in 0..3 {
            let (r, id) = event_kvlist(g);
            recs.push(r);
            expected_ids.push(id);
        }
        let (r, id) = already_mapped(g);
        recs.push(r);
        expected_ids.push(id);
        recs.push(plain_app_log(expected_ids.len()));
        if with_malformed {
            recs.push(malformed_envelope());
        }
        recs
    };
    // An event without a tracking id, sent from inside a span: the mapped record takes the
    // sender's trace context.
    let mut traced = g.next_event();
    traced["context"]
        .as_object_mut()
        .unwrap()
        .shift_remove("tracking_id");
    let traced_id = traced["id"].as_str().unwrap().to_owned();
    let mut traced_rec = text_record(&traced.to_string());
    traced_rec.trace_id = vec![0xab; 16];
    traced_rec.span_id = vec![0xcd; 8];
    traced_rec.flags = 1;

    // gRPC, plain, with a malformed event.
    let mut recs = batch(&mut g, true);
    recs.push(traced_rec);
    let resp = run
        .grpc_client(false)
        .await
        .export(request("checkout-grpc", recs))
        .await
        .expect("gRPC export")
        .into_inner();
    let ps = resp
        .partial_success
        .expect("partial success for the malformed event");
    assert_eq!(ps.rejected_log_records, 1);
    assert!(
        ps.error_message.contains("missing_field"),
        "{}",
        ps.error_message
    );
    assert!(!ps.error_message.contains(MALFORMED_EMAIL));

    // gRPC, gzip.
    let resp = run
        .grpc_client(true)
        .await
        .export(request("checkout-grpc-gzip", batch(&mut g, false)))
        .await
        .expect("gRPC gzip export")
        .into_inner();
    assert_eq!(resp.partial_success, None);

    // HTTP protobuf, gzip.
    let resp = run
        .http_protobuf(&request("checkout-http-pb", batch(&mut g, false)), true)
        .await;
    assert_eq!(resp.partial_success, None);

    // HTTP JSON, plain, with a malformed event.
    let resp = run
        .http_json(&request("checkout-http-json", batch(&mut g, true)), false)
        .await;
    assert_eq!(
        resp["partialSuccess"]["rejectedLogRecords"]
            .as_i64()
            .or_else(|| resp["partialSuccess"]["rejectedLogRecords"]
                .as_str()
                .and_then(|s| s.parse().ok())),
        Some(1),
        "{resp}"
    );

    // HTTP JSON, gzip: nothing to report.
    let resp = run
        .http_json(
            &request("checkout-http-json-gz", batch(&mut g, false)),
            true,
        )
        .await;
    assert_eq!(resp, serde_json::json!({}));

    let planted: Vec<String> = g.planted().iter().map(|(_, v)| v.clone()).collect();
    let done = run.finish().await;

    // Everything that should arrive did, once.
    let mapped: Vec<&(Resource, InstrumentationScope, LogRecord)> = done
        .records
        .iter()
        .filter(|(_, _, r)| attr(r, "audit.category").is_some())
        .collect();
    let mut got_ids: Vec<String> = mapped
        .iter()
        .map(|(_, _, r)| attr(r, "log.record.uid").unwrap().to_owned())
        .collect();
    let mut want = expected_ids.clone();
    want.push(traced_id.clone());
    got_ids.sort();
    want.sort();
    assert_eq!(got_ids, want);
    let app: Vec<_> = done
        .records
        .iter()
        .filter(|(_, _, r)| attr(r, "audit.category").is_none())
        .collect();
    assert_eq!(app.len(), 5, "one app log per request");
    assert_eq!(done.records.len(), want.len() + 5);

    // Mapped records: the contract's attributes, audit-otel's scope, the sender's resource.
    for (res, scope, r) in &mapped {
        assert!(!r.event_name.is_empty());
        for key in [
            "audit.activity_type",
            "event.action",
            "audit.view",
            "event.outcome",
        ] {
            assert!(attr(r, key).is_some(), "{key} missing");
        }
        let service = resource_service(res).unwrap();
        assert!(service.starts_with("checkout-"), "{service}");
        if attr(r, "audit.context.note").is_none() {
            assert_eq!(
                scope.name, "audit-otel",
                "records mapped here carry our scope"
            );
        } else {
            // Already-mapped records keep the sender's scope, and were re-redacted.
            assert_eq!(scope.name, "shop.checkout");
            assert!(!attr(r, "audit.context.note")
                .unwrap()
                .contains(MAPPED_PHONE));
        }
    }
    let traced_out = mapped
        .iter()
        .find(|(_, _, r)| attr(r, "log.record.uid") == Some(traced_id.as_str()))
        .unwrap();
    assert_eq!(traced_out.2.trace_id, vec![0xab; 16]);
    assert_eq!(traced_out.2.span_id, vec![0xcd; 8]);
    let services: std::collections::BTreeSet<&str> = done
        .records
        .iter()
        .filter_map(|(res, _, _)| resource_service(res))
        .collect();
    assert_eq!(
        services,
        [
            "checkout-grpc",
            "checkout-grpc-gzip",
            "checkout-http-json",
            "checkout-http-json-gz",
            "checkout-http-pb"
        ]
        .into_iter()
        .collect()
    );

    // App logs: passed with the sender's scope, email and phone redacted in body and attribute.
    for (_, scope, r) in &app {
        assert_eq!(scope.name, "shop.checkout");
        assert_eq!(scope.version, "1.2.3");
        let body = body_text(r).unwrap();
        assert!(
            body.starts_with("order ") && body.contains(" shipped to "),
            "{body}"
        );
        assert!(
            !body.contains(APP_EMAIL) && !body.contains(APP_PHONE),
            "{body}"
        );
        assert_ne!(attr(r, "enduser.contact"), Some(APP_EMAIL));
        assert_eq!(attr(r, "http.route"), Some("/orders/{id}"));
        assert_eq!(r.severity_text, "INFO");
    }

    // No planted PII anywhere in the output.
    let mut all_pii: Vec<&str> = planted.iter().map(String::as_str).collect();
    all_pii.extend([APP_EMAIL, APP_PHONE, MALFORMED_EMAIL, MAPPED_PHONE]);
    let oracle = Oracle::new(all_pii.iter().copied());
    assert!(oracle.len() > 40, "the generator planted PII to look for");
    oracle.assert_clean("the sink output", &done.output);
    oracle.assert_clean("the dead letters", &done.dead_bytes);

    // The two malformed events were dead-lettered and counted.
    assert_eq!(done.dead.len(), 2, "{:?}", done.dead);
    for d in &done.dead {
        let text = d.to_string();
        assert!(text.contains("missing_field"), "{text}");
        assert!(text.contains("otlp"), "{text}");
    }
    assert_eq!(done.summary.rejected, 2);
    assert_eq!(done.summary.rejected_by_kind.get("missing_field"), Some(&2));
    let src = &done.stats.sources[0];
    assert_eq!(get(&src.received), (want.len() + 5 + 2) as u64);
    assert_eq!(get(&src.accepted), (want.len() + 5) as u64);
    assert_eq!(get(&src.non_audit_dropped), 0);
    assert_eq!(get(&src.refused_requests), 0);
}

/// `non_audit: drop`: application logs are dropped and counted; audit events still pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_audit_drop_counts_and_keeps_audit_events() {
    let run = start("    non_audit: drop").await;
    let mut g = generator(5);
    let (a, a_id) = event_text(&mut g);
    let (b, b_id) = event_kvlist(&mut g);
    let (c, c_id) = already_mapped(&mut g);
    let recs = vec![
        plain_app_log(1),
        a,
        plain_app_log(2),
        b,
        c,
        plain_app_log(3),
    ];
    let resp = run.http_protobuf(&request("checkout", recs), false).await;
    assert_eq!(resp.partial_success, None);
    let stats = run.stats();
    assert_eq!(get(&stats.sources[0].non_audit_dropped), 3);
    let done = run.finish().await;
    let ids: Vec<&str> = done
        .records
        .iter()
        .map(|(_, _, r)| attr(r, "log.record.uid").unwrap())
        .collect();
    assert_eq!(ids, [a_id.as_str(), b_id.as_str(), c_id.as_str()]);
    assert_eq!(get(&done.stats.sources[0].received), 6);
    assert_eq!(get(&done.stats.sources[0].accepted), 3);
}

/// HTTP errors: 415 for other content types and encodings, 400 for bodies that do not
/// decode (in the request's encoding, without the body's content), 413 over the limit,
/// compressed or inflated. Each is counted as a refused request; nothing reaches the sink.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_refusals() {
    let run = start("    max_message_bytes: 65536").await;
    let (s, _, _) = run.http_post("text/plain", None, b"hello".to_vec()).await;
    assert_eq!(s, 415);
    let (s, _, _) = run
        .http_post("application/x-protobuf", Some("br"), b"x".to_vec())
        .await;
    assert_eq!(s, 415);

    let (s, h, body) = run
        .http_post("application/x-protobuf", None, vec![0xff, 0xff, 0xff, 0x01])
        .await;
    assert_eq!(s, 400);
    assert_eq!(h["content-type"], "application/x-protobuf");
    assert!(!body.is_empty(), "a google.rpc.Status");

    let secret = "eve.secret@example.com";
    let bad_json = format!(
        r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"timeUnixNano":"{secret}"}}]}}]}}]}}"#
    );
    let (s, h, body) = run
        .http_post("application/json", None, bad_json.into_bytes())
        .await;
    assert_eq!(s, 400);
    assert_eq!(h["content-type"], "application/json");
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["code"], 3, "INVALID_ARGUMENT");
    assert!(!status.to_string().contains(secret), "{status}");

    let (s, _, _) = run
        .http_post(
            "application/json",
            Some("gzip"),
            b"not gzip at all".to_vec(),
        )
        .await;
    assert_eq!(s, 400);

    // Too large as sent.
    let big = request(
        "checkout",
        (0..200)
            .map(|i| text_record(&format!("{i} {}", "x".repeat(500))))
            .collect(),
    );
    let (s, _, _) = run
        .http_post("application/x-protobuf", None, big.encode_to_vec())
        .await;
    assert_eq!(s, 413);
    // Small compressed, too large inflated.
    let packed = gz(&big.encode_to_vec());
    assert!(packed.len() < 65536);
    let (s, _, _) = run
        .http_post("application/x-protobuf", Some("gzip"), packed)
        .await;
    assert_eq!(s, 413);

    // A good request still works, answered in its own encoding.
    let resp = run
        .http_json(&request("checkout", vec![text_record("fine")]), false)
        .await;
    assert_eq!(resp, serde_json::json!({}));

    let done = run.finish().await;
    assert_eq!(get(&done.stats.sources[0].refused_requests), 7);
    assert_eq!(done.records.len(), 1);
    assert_eq!(get(&done.stats.sources[0].received), 1);
}

/// A 2,000-record request (audit events with an application log every seventh record) arrives
/// complete and in order, over gRPC with gzip and over HTTP/protobuf.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2000_record_request_arrives_complete_and_in_order() {
    let run = start("    max_message_bytes: 33554432").await;
    let mut g = generator(7);
    let mut expected = Vec::new();
    let mut make = |g: &mut Generator, tag: &str| {
        let mut recs = Vec::with_capacity(2000);
        for i in 0..2000 {
            if i % 7 == 3 {
                let marker = format!("{tag} app log {i}");
                recs.push(text_record(&marker));
                expected.push(marker);
            } else {
                let (r, id) = event_text(g);
                recs.push(r);
                expected.push(id);
            }
        }
        recs
    };
    let first = make(&mut g, "grpc");
    let resp = run
        .grpc_client(true)
        .await
        .export(request("bulk", first))
        .await
        .expect("gRPC export")
        .into_inner();
    assert_eq!(resp.partial_success, None);
    let second = make(&mut g, "http");
    let resp = run.http_protobuf(&request("bulk", second), false).await;
    assert_eq!(resp.partial_success, None);
    let planted: Vec<String> = g.planted().iter().map(|(_, v)| v.clone()).collect();

    let done = run.finish().await;
    let got: Vec<String> = done
        .records
        .iter()
        .map(|(_, _, r)| match attr(r, "log.record.uid") {
            Some(id) => id.to_owned(),
            None => body_text(r).unwrap().to_owned(),
        })
        .collect();
    assert_eq!(got.len(), 4000);
    assert!(got == expected, "records arrived out of order");
    assert!(done
        .records
        .iter()
        .all(|(res, _, _)| resource_service(res) == Some("bulk")));
    Oracle::new(planted.iter().map(String::as_str)).assert_clean("the sink output", &done.output);
}

/// A taken port stops the pipeline with an error naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_a_source_error_naming_the_field() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = temp_dir();
    let yaml = format!(
        r#"
sources:
  - type: otlp
    grpc_listen: "{addr}"
    http_listen: null
sinks:
  - type: file
    path: {}
"#,
        dir.join("out.ndjson").display()
    );
    let pipeline = Pipeline::build(PipelineConfig::from_yaml(&yaml, "test").unwrap()).unwrap();
    let err = tokio::time::timeout(Duration::from_secs(20), pipeline.run_with(RunHandle::new()))
        .await
        .expect("the run ends")
        .expect_err("a taken port fails the run");
    let msg = err.to_string();
    assert!(
        msg.contains("`grpc_listen`") && msg.contains(&addr.to_string()),
        "{msg}"
    );
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
