//! Interop with third-party OpenTelemetry software, end to end through the binary:
//!
//! ```text
//! OTel Python SDK (tests/interop/otel_sdk_sender.py, official exporters, gRPC or HTTP)
//!   → audit-otel running pipelines/sidecar.yaml (OTLP in → redact → OTLP/gRPC out)
//!   → rotel (the PyPI collector, OTLP → OTLP, --disable-batching)
//!   → OtlpReceiver in this test (gRPC or HTTP)
//! ```
//!
//! The SDK sends audit events from the crate's generator as JSON string bodies, and plain
//! messages, at the same time (two sender processes). Nothing may be lost, duplicated or
//! altered: every event id arrives once, mapped (`audit.activity_type` and `audit.category` as
//! the catalog says) and redacted (no value the generator planted, in any form, in what
//! arrived, in our stderr or in rotel's log); every plain message arrives once with its body,
//! `interop.seq` and `interop.kind` attributes and severity; every record keeps the SDK's
//! resource (`service.name`, `telemetry.sdk.language`). Both processes then stop cleanly on
//! SIGTERM (exit 0).
//!
//! The tools come from `bash tests/interop/setup.sh` (a venv with rotel and the SDK; see
//! `tests/interop/tools.rs` for where they are looked for: `$ROTEL_BIN`, `$INTEROP_PYTHON`, the
//! default venv). Without them the tests print why and pass, unless `AUDIT_OTEL_INTEROP` is set
//! (CI sets it after running setup.sh): then missing tools fail the tests.

mod common;
#[path = "interop/tools.rs"]
mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use audit_otel::catalog::BUILTIN;
use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix};
use audit_otel::testing::{OtlpReceiver, Transport};
use common::proc::{metric, Proc};
use common::{root, Oracle};
use tools::Rotel;

const HMAC_KEY: &str = "an-interop-test-key-of-32-bytes!";
const AUDIT_EVENTS: usize = 400;
const PLAIN_MESSAGES: usize = 200;

/// The Python interpreter with the SDK, and rotel-agent.
struct Interop {
    python: PathBuf,
    rotel: PathBuf,
}

/// The tools, or `None` (after saying why) when they are missing and not required.
fn interop_tools(test: &str) -> Option<Interop> {
    let found = tools::find_sdk_python()
        .and_then(|python| tools::find_rotel().map(|rotel| Interop { python, rotel }));
    tools::found_or_skip(test, found)
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("audit-otel-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `n` generated events (uniform mix: every catalog type) into `path`; (id → type, generator).
fn write_events(path: &Path, n: usize, seed: u64) -> (BTreeMap<String, String>, Generator) {
    let mut g = Generator::new(GeneratorOptions {
        seed,
        mix: Mix::Uniform,
        ..GeneratorOptions::default()
    });
    let mut file = Vec::new();
    let mut ids = BTreeMap::new();
    for _ in 0..n {
        let mut line = Vec::new();
        let LineKind::Event { event_type } = g.write_line(&mut line) else {
            panic!("malformed line with malformed_rate 0");
        };
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        ids.insert(v["id"].as_str().unwrap().to_owned(), event_type.to_owned());
        file.extend_from_slice(&line);
        file.push(b'\n');
    }
    std::fs::write(path, file).unwrap();
    (ids, g)
}

/// Starts `otel_sdk_sender.py` (it runs while the caller starts the next one).
fn start_sender(
    python: &Path,
    endpoint: &str,
    protocol: &str,
    compression: &str,
    count: usize,
    service: &str,
    audit_events: Option<&Path>,
) -> std::process::Child {
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/interop/otel_sdk_sender.py"))
        .args(["--endpoint", endpoint, "--protocol", protocol])
        .args(["--compression", compression, "--timeout", "10"])
        .args(["--count", &count.to_string(), "--service-name", service]);
    if let Some(p) = audit_events {
        cmd.arg("--audit-events").arg(p);
    }
    for var in [
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_SDK_DISABLED",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start otel_sdk_sender.py")
}

/// Checks a sender's exit and summary: every record exported with SUCCESS.
fn assert_sent(what: &str, out: Output, count: usize) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what} sender failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{what} sender summary {stdout:?}: {e}"));
    assert_eq!(summary["sent"], count as u64, "{what}: {summary}");
    assert_eq!(summary["failed"], 0, "{what}: {summary}");
}

/// SDK (`sender_protocol`) → sidecar → rotel (exporting with `rotel_protocol`) → receiver.
fn sdk_sidecar_rotel(test: &str, sender_protocol: &str, compression: &str, rotel_protocol: &str) {
    let Some(t) = interop_tools(test) else {
        return;
    };
    let dir = tempdir(test);
    let seed = if sender_protocol == "grpc" { 101 } else { 202 };
    let events_path = dir.join("events.ndjson");
    let (ids, g) = write_events(&events_path, AUDIT_EVENTS, seed);

    let rx = OtlpReceiver::start_blocking().unwrap();
    let rotel_target = if rotel_protocol == "grpc" {
        rx.grpc_endpoint()
    } else {
        rx.http_endpoint()
    };
    let mut rotel = Rotel::start(
        &t.rotel,
        &rotel_target,
        rotel_protocol,
        &["--otlp-grpc-max-recv-msg-size-mib", "64"],
        &dir,
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let [grpc, http, admin] = tools::free_addrs::<3>();
    let mut sidecar = Proc::start(
        &root().join("pipelines/sidecar.yaml"),
        &[
            ("AUDIT_OTEL_GRPC_LISTEN", grpc.to_string()),
            ("AUDIT_OTEL_HTTP_LISTEN", http.to_string()),
            ("AUDIT_OTEL_ADMIN_LISTEN", admin.to_string()),
            (
                "AUDIT_OTEL_EXPORT_ENDPOINT",
                format!("http://{}", rotel.grpc),
            ),
            ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.into()),
        ],
        &dir,
    );
    sidecar.wait_ready(admin, Duration::from_secs(30));

    let endpoint = if sender_protocol == "grpc" {
        format!("http://{grpc}")
    } else {
        format!("http://{http}")
    };
    let audit_service = format!("interop-audit-{sender_protocol}");
    let plain_service = format!("interop-plain-{sender_protocol}");
    let audit_sender = start_sender(
        &t.python,
        &endpoint,
        sender_protocol,
        compression,
        AUDIT_EVENTS,
        &audit_service,
        Some(&events_path),
    );
    let plain_sender = start_sender(
        &t.python,
        &endpoint,
        sender_protocol,
        compression,
        PLAIN_MESSAGES,
        &plain_service,
        None,
    );
    assert_sent(
        "audit",
        audit_sender.wait_with_output().unwrap(),
        AUDIT_EVENTS,
    );
    assert_sent(
        "plain",
        plain_sender.wait_with_output().unwrap(),
        PLAIN_MESSAGES,
    );

    // rotel answers before it exports: wait on the receiver.
    let total = AUDIT_EVENTS + PLAIN_MESSAGES;
    assert!(
        rx.wait_for_records_blocking(total, Duration::from_secs(30)),
        "only {} of {total} records arrived\n--- audit-otel stderr:\n{}\n--- rotel log:\n{}",
        rx.record_count(),
        sidecar.stderr(),
        rotel.log_text()
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(rx.record_count(), total, "no record arrives twice");

    let want_transport = if rotel_protocol == "grpc" {
        Transport::Grpc
    } else {
        Transport::HttpProtobuf
    };
    let mut uids = Vec::new();
    let mut seqs = BTreeSet::new();
    for r in rx.records() {
        assert_eq!(
            r.transport, want_transport,
            "rotel exported with {rotel_protocol}"
        );
        assert_eq!(
            r.resource_str("telemetry.sdk.language"),
            Some("python"),
            "the SDK's resource is kept: {:?}",
            r.resource
        );
        match r.uid() {
            Some(uid) => {
                let event_type = ids
                    .get(uid)
                    .unwrap_or_else(|| panic!("unexpected event id {uid}"));
                let entry = BUILTIN
                    .iter()
                    .find(|e| e.event_type == event_type.as_str())
                    .unwrap_or_else(|| panic!("{event_type} is not in the catalog"));
                assert_eq!(r.resource_str("service.name"), Some(audit_service.as_str()));
                assert_eq!(
                    r.str_attribute("audit.activity_type"),
                    Some(entry.activity_type.as_ref()),
                    "event {uid} mapped"
                );
                assert_eq!(
                    r.str_attribute("audit.category"),
                    Some(entry.category.as_str()),
                    "event {uid} mapped"
                );
                uids.push(uid.to_owned());
            }
            None => {
                assert_eq!(
                    r.resource_str("service.name"),
                    Some(plain_service.as_str()),
                    "a record without an event id is a plain message: {:?}",
                    r.record
                );
                let seq = r
                    .int_attribute("interop.seq")
                    .unwrap_or_else(|| panic!("interop.seq kept: {:?}", r.record.attributes));
                assert_eq!(
                    r.body_str(),
                    Some(format!("interop message {seq}").as_str())
                );
                assert_eq!(r.str_attribute("interop.kind"), Some("plain"));
                assert_eq!(r.record.severity_number, 9, "severity INFO kept");
                assert_eq!(r.record.severity_text, "INFO");
                assert!(r.record.time_unix_nano > 0, "timestamp kept");
                assert!(seqs.insert(seq), "plain message {seq} twice");
            }
        }
    }
    let got: BTreeSet<&str> = uids.iter().map(String::as_str).collect();
    assert_eq!(uids.len(), AUDIT_EVENTS, "every event once");
    assert_eq!(
        got,
        ids.keys().map(String::as_str).collect(),
        "every event id"
    );
    assert_eq!(
        seqs,
        (0..PLAIN_MESSAGES as i64).collect::<BTreeSet<_>>(),
        "every plain message"
    );

    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    assert!(oracle.len() > 100, "the generator planted PII");
    let dump: Vec<u8> = rx.with_requests(|requests| {
        requests
            .iter()
            .flat_map(|q| serde_json::to_vec(&q.request).unwrap())
            .collect()
    });
    oracle.assert_clean("records received", &dump);
    oracle.assert_clean("audit-otel stderr", sidecar.stderr().as_bytes());
    oracle.assert_clean("rotel log", rotel.log_text().as_bytes());

    assert_eq!(
        metric(admin, "audit_otel_events_exported_total", ""),
        total as u64,
        "audit-otel counted every record it exported"
    );
    assert_eq!(
        sidecar.terminate(Duration::from_secs(30)),
        Some(0),
        "audit-otel stops cleanly:\n{}",
        sidecar.stderr()
    );
    assert_eq!(
        rotel.terminate(Duration::from_secs(10)),
        Some(0),
        "rotel stops cleanly:\n{}",
        rotel.log_text()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn python_sdk_grpc_to_sidecar_to_rotel_grpc() {
    sdk_sidecar_rotel("sdk-grpc", "grpc", "none", "grpc");
}

#[test]
fn python_sdk_http_gzip_to_sidecar_to_rotel_http() {
    sdk_sidecar_rotel("sdk-http", "http", "gzip", "http");
}
