//! End to end, per shipped pipeline: the binary runs `pipelines/<name>.yaml` against a real OTLP
//! receiver started here, events go in through the pipeline's source, and every one must
//! arrive mapped and redacted (the PII oracle finds nothing in what arrived or in our logs);
//! SIGTERM then ends the process with exit code 0.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix};
use audit_otel::testing::{OtlpReceiver, Transport};
use common::proc::{free_port, http_request, metric, Proc};
use common::{root, Oracle};
use hmac::{Hmac, Mac};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;

const HMAC_KEY: &str = "an-e2e-test-key-of-32-bytes-long";

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("audit-otel-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pipeline(name: &str) -> PathBuf {
    root().join("pipelines").join(format!("{name}.yaml"))
}

/// `n` generated events of every type in turn: (lines, event ids, the generator for its
/// planted PII).
fn events(n: usize, seed: u64) -> (Vec<Vec<u8>>, Vec<String>, Generator) {
    generated(
        n,
        GeneratorOptions {
            seed,
            mix: Mix::Uniform,
            ..GeneratorOptions::default()
        },
    )
}

/// Options for events dated a minute ago (the webhook pipeline refuses events older than an
/// hour).
fn recent(seed: u64, mix: Mix) -> GeneratorOptions {
    GeneratorOptions {
        seed,
        mix,
        start_time_unix: chrono::Utc::now().timestamp() - 60,
        ..GeneratorOptions::default()
    }
}

/// `n` events of a generator made with `options` (well-formed ones only).
fn generated(n: usize, options: GeneratorOptions) -> (Vec<Vec<u8>>, Vec<String>, Generator) {
    let mut g = Generator::new(options);
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..n {
        let mut line = Vec::new();
        if let LineKind::Event { .. } = g.write_line(&mut line) {
            let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
            ids.push(v["id"].as_str().unwrap().to_owned());
            lines.push(line);
        }
    }
    (lines, ids, g)
}

/// SIGTERM, then exit code 0 within 30 s.
fn assert_clean_exit(p: &mut Proc) {
    assert_eq!(
        p.terminate(Duration::from_secs(30)),
        Some(0),
        "{}",
        p.stderr()
    );
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Waits for `ids` to arrive, then checks each arrived once, mapped, and that nothing planted
/// leaked into the records or our stderr.
fn assert_delivered(rx: &OtlpReceiver, ids: &[String], g: &Generator, proc: &Proc) {
    assert!(
        rx.wait_for_records_blocking(ids.len(), Duration::from_secs(60)),
        "only {} of {} records arrived; stderr:\n{}",
        rx.record_count(),
        ids.len(),
        proc.stderr()
    );
    std::thread::sleep(Duration::from_millis(300));
    let got = rx.record_uids();
    let want: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let got_set: BTreeSet<&str> = got.iter().map(String::as_str).collect();
    assert_eq!(got.len(), ids.len(), "no duplicates");
    assert_eq!(got_set, want, "every event arrived");
    for r in rx.records() {
        assert!(
            r.str_attribute("audit.category").is_some(),
            "mapped: {:?}",
            r.record.attributes
        );
        assert!(!r.record.event_name.is_empty());
    }
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    let dump: Vec<u8> = rx
        .requests()
        .iter()
        .flat_map(|q| serde_json::to_vec(&q.request).unwrap())
        .collect();
    oracle.assert_clean("records received", &dump);
    oracle.assert_clean("stderr", proc.stderr().as_bytes());
}

fn string_record(line: &[u8]) -> LogRecord {
    LogRecord {
        body: Some(AnyValue {
            value: Some(any_value::Value::StringValue(
                String::from_utf8(line.to_vec()).unwrap(),
            )),
        }),
        ..LogRecord::default()
    }
}

fn app_request(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("login-service".into())),
                    }),
                    ..KeyValue::default()
                }],
                ..Resource::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: records,
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    }
}

#[test]
fn sidecar_otlp_in_redacted_otlp_out() {
    let dir = tempdir("sidecar");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (grpc, http, admin) = (free_port(), free_port(), free_port());
    let mut p = Proc::start(
        &pipeline("sidecar"),
        &[
            ("AUDIT_OTEL_GRPC_LISTEN", format!("127.0.0.1:{grpc}")),
            ("AUDIT_OTEL_HTTP_LISTEN", format!("127.0.0.1:{http}")),
            ("AUDIT_OTEL_ADMIN_LISTEN", format!("127.0.0.1:{admin}")),
            ("AUDIT_OTEL_EXPORT_ENDPOINT", rx.grpc_endpoint()),
            ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.into()),
        ],
        &dir,
    );
    p.wait_ready(addr(admin), Duration::from_secs(30));
    let (lines, ids, g) = events(600, 11);
    let (grpc_part, http_part) = lines.split_at(400);
    // gRPC, in requests of 100.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut client = LogsServiceClient::connect(format!("http://127.0.0.1:{grpc}"))
            .await
            .unwrap();
        for chunk in grpc_part.chunks(100) {
            let req = app_request(chunk.iter().map(|l| string_record(l)).collect());
            client.export(req).await.unwrap();
        }
    });
    // HTTP/JSON for the rest.
    let req = app_request(http_part.iter().map(|l| string_record(l)).collect());
    let body = serde_json::to_vec(&req).unwrap();
    let (status, _) = http_request(
        addr(http),
        "POST",
        "/v1/logs",
        &[("content-type", "application/json")],
        &body,
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_delivered(&rx, &ids, &g, &p);
    for r in rx.records() {
        assert_eq!(
            r.resource_str("service.name"),
            Some("login-service"),
            "the sender's resource is kept"
        );
    }
    assert_eq!(
        metric(addr(admin), "audit_otel_events_exported_total", ""),
        600
    );
    assert_clean_exit(&mut p);
}

fn sign(body: &[u8], secret: &str) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

#[test]
fn webhook_signed_deliveries_to_otlp_with_a_disk_buffer() {
    let dir = tempdir("webhook");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (hook, admin) = (free_port(), free_port());
    let secret = "whsec-e2e-secret";
    let mut p = Proc::start(
        &pipeline("webhook"),
        &[
            ("AUDIT_OTEL_WEBHOOK_LISTEN", format!("127.0.0.1:{hook}")),
            ("AUDIT_OTEL_ADMIN_LISTEN", format!("127.0.0.1:{admin}")),
            ("AUDIT_OTEL_EXPORT_ENDPOINT", rx.grpc_endpoint()),
            ("AUDIT_OTEL_WEBHOOK_SECRET", secret.into()),
            ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.into()),
            ("AUDIT_OTEL_STATE_DIR", dir.display().to_string()),
        ],
        &dir,
    );
    p.wait_ready(addr(admin), Duration::from_secs(30));
    let (lines, ids, g) = generated(300, recent(12, Mix::Uniform));
    for line in &lines {
        let sig = sign(line, secret);
        let (status, _) = http_request(
            addr(hook),
            "POST",
            "/webhook",
            &[
                ("content-type", "application/json"),
                ("x-authgear-body-signature", &sig),
            ],
            line,
        )
        .unwrap();
        assert_eq!(status, 200, "{}", p.stderr());
    }
    let (status, _) = http_request(
        addr(hook),
        "POST",
        "/webhook",
        &[("x-authgear-body-signature", "00")],
        &lines[0],
    )
    .unwrap();
    assert_eq!(status, 401);
    assert_delivered(&rx, &ids, &g, &p);
    assert_clean_exit(&mut p);
}

#[test]
fn loki_pipeline_speaks_otlp_http_to_the_loki_path_with_the_tenant_header() {
    let dir = tempdir("loki");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (grpc, http, admin) = (free_port(), free_port(), free_port());
    let mut p = Proc::start(
        &pipeline("loki"),
        &[
            ("AUDIT_OTEL_GRPC_LISTEN", format!("127.0.0.1:{grpc}")),
            ("AUDIT_OTEL_HTTP_LISTEN", format!("127.0.0.1:{http}")),
            ("AUDIT_OTEL_ADMIN_LISTEN", format!("127.0.0.1:{admin}")),
            (
                "AUDIT_OTEL_LOKI_ENDPOINT",
                format!("http://{}/otlp", rx.http_addr()),
            ),
            ("AUDIT_OTEL_LOKI_TENANT", "tenant-a".into()),
            ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.into()),
        ],
        &dir,
    );
    p.wait_ready(addr(admin), Duration::from_secs(30));
    let (lines, ids, g) = events(200, 13);
    let req = app_request(lines.iter().map(|l| string_record(l)).collect());
    let body = serde_json::to_vec(&req).unwrap();
    let (status, _) = http_request(
        addr(http),
        "POST",
        "/v1/logs",
        &[("content-type", "application/json")],
        &body,
    )
    .unwrap();
    assert_eq!(status, 200, "{}", p.stderr());
    assert_delivered(&rx, &ids, &g, &p);
    for q in rx.requests() {
        assert_eq!(q.transport, Transport::HttpProtobuf);
        assert_eq!(q.header("x-scope-orgid"), Some("tenant-a"));
    }
    assert_clean_exit(&mut p);
}

#[test]
fn file_pipeline_tails_and_resumes_without_resending() {
    let dir = tempdir("file");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let admin = free_port();
    let log = dir.join("audit.ndjson");
    let (lines, ids, g) = events(400, 14);
    let write = |part: &[Vec<u8>]| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        for l in part {
            f.write_all(l).unwrap();
            f.write_all(b"\n").unwrap();
        }
    };
    let env = [
        ("AUDIT_OTEL_TAIL_PATH", log.display().to_string()),
        ("AUDIT_OTEL_STATE_DIR", dir.display().to_string()),
        ("AUDIT_OTEL_ADMIN_LISTEN", format!("127.0.0.1:{admin}")),
        ("AUDIT_OTEL_EXPORT_ENDPOINT", rx.grpc_endpoint()),
        ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.into()),
    ];
    write(&lines[..150]);
    let mut p = Proc::start(&pipeline("file"), &env, &dir);
    p.wait_ready(addr(admin), Duration::from_secs(30));
    write(&lines[150..250]);
    assert!(
        rx.wait_for_records_blocking(250, Duration::from_secs(60)),
        "{}",
        p.stderr()
    );
    assert_clean_exit(&mut p);
    // Written while the processor was down: picked up on restart, nothing sent twice.
    write(&lines[250..]);
    let mut p = Proc::start(&pipeline("file"), &env, &dir);
    p.wait_ready(addr(admin), Duration::from_secs(30));
    assert_delivered(&rx, &ids, &g, &p);
    assert_clean_exit(&mut p);
}

#[test]
fn webhook_deliveries_answered_200_survive_sigkill_with_the_disk_buffer() {
    let dir = tempdir("sigkill");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let endpoint = rx.grpc_endpoint();
    // The backend is down while events arrive: they can only be in the disk buffer.
    rx.shutdown_blocking();
    let secret = "whsec-sigkill";
    let env = |hook: u16, admin: u16| {
        vec![
            ("AUDIT_OTEL_WEBHOOK_LISTEN", format!("127.0.0.1:{hook}")),
            ("AUDIT_OTEL_ADMIN_LISTEN", format!("127.0.0.1:{admin}")),
            ("AUDIT_OTEL_EXPORT_ENDPOINT", endpoint.clone()),
            ("AUDIT_OTEL_WEBHOOK_SECRET", secret.to_owned()),
            ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.to_owned()),
            ("AUDIT_OTEL_STATE_DIR", dir.display().to_string()),
        ]
    };
    let (hook, admin) = (free_port(), free_port());
    let mut p = Proc::start(&pipeline("webhook"), &env(hook, admin), &dir);
    p.wait_ready(addr(admin), Duration::from_secs(30));
    let (lines, acked, g) = generated(400, recent(15, Mix::Realistic));
    for line in &lines {
        let (status, _) = http_request(
            addr(hook),
            "POST",
            "/webhook",
            &[("x-authgear-body-signature", &sign(line, secret))],
            line,
        )
        .unwrap();
        assert_eq!(status, 200, "{}", p.stderr());
    }
    p.kill(); // SIGKILL: no drain, no flush
    rx.restart_blocking().unwrap();
    let (hook, admin) = (free_port(), free_port());
    let mut p = Proc::start(&pipeline("webhook"), &env(hook, admin), &dir);
    p.wait_ready(addr(admin), Duration::from_secs(30));
    assert_delivered(&rx, &acked, &g, &p);
    assert_clean_exit(&mut p);
}
