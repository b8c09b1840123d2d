//! The `audit-otel` binary as a user runs it.

mod common;

use std::collections::{BTreeMap, HashSet};

use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix};
use common::{root, run, Oracle};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use serde_json::Value;

const SAMPLE: &str = include_str!("../examples/events/sample.ndjson");

fn requests(stdout: &[u8]) -> Vec<ExportLogsServiceRequest> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not OTLP/JSON: {e}: {l}")))
        .collect()
}

fn record_count(reqs: &[ExportLogsServiceRequest]) -> usize {
    reqs.iter()
        .flat_map(|r| &r.resource_logs)
        .flat_map(|r| &r.scope_logs)
        .map(|s| s.log_records.len())
        .sum()
}

fn sample_generator() -> Generator {
    Generator::new(GeneratorOptions {
        seed: 1,
        mix: Mix::Uniform,
        ..GeneratorOptions::default()
    })
}

#[test]
fn the_bundled_sample_is_reproducible_from_the_generator() {
    let mut g = sample_generator();
    let mut regenerated = String::new();
    for _ in 0..SAMPLE.lines().count() {
        let mut l = Vec::new();
        g.write_line(&mut l);
        regenerated.push_str(std::str::from_utf8(&l).unwrap());
        regenerated.push('\n');
    }
    let first_diff = regenerated
        .lines()
        .zip(SAMPLE.lines())
        .position(|(a, b)| a != b);
    assert!(
        regenerated == SAMPLE,
        "the sample differs from the generator (first at line {first_diff:?}); regenerate with: \
         audit-otel generate --count {} --seed 1 --mix uniform > examples/events/sample.ndjson",
        SAMPLE.lines().count()
    );
}

#[test]
fn run_with_no_arguments_prints_redacted_otlp_json_for_every_sample_event() {
    let out = run(&["run"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reqs = requests(&out.stdout);
    assert_eq!(record_count(&reqs), SAMPLE.lines().count());
    let res = &reqs[0].resource_logs[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes;
    assert!(res.iter().any(|kv| kv.key == "service.name"));
    // Every OTLP/JSON line uses the standard mapping (camelCase, string 64-bit ints).
    let first: Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    let rec = &first["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert!(rec["timeUnixNano"].is_string(), "{rec}");
    assert!(rec["eventName"].is_string());
    assert!(
        rec["body"]["kvlistValue"].is_object(),
        "body is structured: {rec}"
    );
    // No planted personal data of the sample in the output or in our own logs.
    let mut g = sample_generator();
    for _ in 0..SAMPLE.lines().count() {
        g.write_line(&mut Vec::new());
    }
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    assert!(oracle.len() > 100);
    oracle.assert_clean("stdout", &out.stdout);
    oracle.assert_clean("stderr", &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Pipeline finished."), "{stderr}");
}

#[test]
fn catalog_json_lists_the_72_documented_types_in_the_seed_groups() {
    let out = run(&["catalog", "--format", "json"], b"");
    assert!(out.status.success());
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for r in &rows {
        for k in [
            "activity_type",
            "type",
            "category",
            "outcome",
            "severity",
            "actor",
            "view",
            "description",
        ] {
            assert!(
                r.get(k).is_some_and(|v| v.is_string()),
                "{k} missing in {r}"
            );
        }
    }
    let documented: Vec<&Value> = rows.iter().filter(|r| r["documented"] == true).collect();
    assert_eq!(documented.len(), 72);
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for r in &documented {
        *groups
            .entry(r["group"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(
        groups,
        BTreeMap::from([
            ("admin_api_user_mutations".to_owned(), 21),
            ("authentication_failed".to_owned(), 11),
            ("identity_changes".to_owned(), 13),
            ("others".to_owned(), 3),
            ("project_actions".to_owned(), 13),
            ("user_actions".to_owned(), 11),
        ])
    );
    // Against the seed documents themselves, when they are here.
    if let Some(shared) = common::shared() {
        let mut seed_types = HashSet::new();
        for f in std::fs::read_dir(shared.join("seeds")).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            for line in text.lines().map(str::trim) {
                let is_type = line.len() > 6
                    && line.contains('_')
                    && line.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
                if is_type {
                    seed_types.insert(line.to_owned());
                }
            }
        }
        let ours: HashSet<String> = documented
            .iter()
            .map(|r| r["activity_type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ours, seed_types);
    }
    let table = run(&["catalog"], b"");
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("PROJECT_APP_SECRET_VIEWED ")),
        "{text}"
    );
}

#[test]
fn every_shipped_pipeline_validates() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("pipelines"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    let mut args = vec!["validate", "--pipeline"];
    args.extend(files.iter().map(String::as_str));
    // The long-running pipelines name their secrets and paths in the environment.
    let state = tempdir("validate-env");
    let tail = state.join("audit.ndjson");
    std::fs::write(&tail, "").unwrap();
    let out = common::bin()
        .args(&args)
        .env("AUDIT_OTEL_HMAC_KEY", "0123456789abcdef0123")
        .env("AUDIT_OTEL_WEBHOOK_SECRET", "secret")
        .env("AUDIT_OTEL_STATE_DIR", &state)
        .env("AUDIT_OTEL_TAIL_PATH", &tail)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        files.len()
    );
}

#[test]
fn validate_names_the_file_the_field_and_the_fix() {
    let dir = tempdir("validate");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        r#"
sources:
  - type: stdin
sinks:
  - type: stdout
redaction:
  pseudonymization:
    key_id: k1
    key_env: AUDIT_OTEL_TEST_UNSET_KEY_VAR
  rules:
    - name: broken
      pattern: "([a-z"
      action: mask
    - name: no-value
      path: payload.x
      action: replace
"#,
    )
    .unwrap();
    let out = run(&["validate", "--pipeline", bad.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        bad.to_str().unwrap(),
        "3 problem(s)",
        "AUDIT_OTEL_TEST_UNSET_KEY_VAR is not set; export it",
        "rule `broken` (#1), field `pattern`: invalid regex",
        "rule `no-value` (#2), field `value`: action `replace` needs `value: <text>`",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }

    let typo = dir.join("typo.yaml");
    std::fs::write(
        &typo,
        "sources:\n  - type: stdin\nsinks:\n  - type: stdout\n    batch_sise: 3\n",
    )
    .unwrap();
    let out = run(&["validate", "--pipeline", typo.to_str().unwrap()], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("typo.yaml") && text.contains("batch_sise"),
        "{text}"
    );

    let missing = run(&["validate", "--pipeline", "no/such/file.yaml"], b"");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("no/such/file.yaml: no such file"));
}

#[test]
fn malformed_input_is_rejected_line_by_line_into_dead_letters_without_stopping() {
    let mut g = Generator::new(GeneratorOptions {
        seed: 3,
        malformed_rate: 0.1,
        ..GeneratorOptions::default()
    });
    let mut input = Vec::new();
    let (mut good, mut bad) = (0, 0);
    for _ in 0..1000 {
        match g.write_line(&mut input) {
            LineKind::Malformed { .. } => bad += 1,
            LineKind::Event { .. } => good += 1,
        }
        input.push(b'\n');
    }
    let out = run(
        &[
            "run",
            "--pipeline",
            root().join("pipelines/stdio.yaml").to_str().unwrap(),
        ],
        &input,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert_eq!(record_count(&requests(&out.stdout)), good);
    let dead: Vec<Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dead.len(), bad, "one dead letter per malformed line");
    assert!(dead
        .iter()
        .all(|d| d["dead_letter"] == true && d["error"].as_str().is_some_and(|e| !e.is_empty())));
    let warnings = stderr
        .lines()
        .filter(|l| l.contains("Rejected input."))
        .count();
    assert_eq!(warnings, bad);
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    oracle.assert_clean("stderr", &out.stderr);
    oracle.assert_clean("stdout", &out.stdout);
}

#[test]
fn generate_is_deterministic_and_lists_planted_pii() {
    let dir = tempdir("generate");
    let pii = dir.join("pii.txt");
    let kinds = dir.join("kinds.tsv");
    let args = [
        "generate",
        "--count",
        "300",
        "--seed",
        "9",
        "--pii-out",
        pii.to_str().unwrap(),
        "--pii-kinds",
        kinds.to_str().unwrap(),
    ];
    let a = run(&args, b"");
    let b = run(&args, b"");
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout.iter().filter(|&&c| c == b'\n').count(), 300);
    let planted = std::fs::read_to_string(&pii).unwrap();
    let text = String::from_utf8(a.stdout).unwrap();
    let values: Vec<&str> = planted.lines().collect();
    assert!(values.len() > 100);
    for v in &values {
        let escaped = serde_json::to_string(v).unwrap();
        assert!(
            text.contains(v) || text.contains(&escaped[1..escaped.len() - 1]),
            "{v} not in the events"
        );
    }
    let kinds = std::fs::read_to_string(&kinds).unwrap();
    assert_eq!(kinds.lines().count(), values.len());
    assert!(kinds.lines().any(|l| l.starts_with("email\t")));
}

#[test]
fn redact_explains_each_field_with_its_rule() {
    let line = br#"{"id":"a","seq":1,"type":"sms.sent","payload":{"recipient":"+447700900123","type":"verification"},"context":{"timestamp":1,"ip_address":"203.0.113.5"}}"#;
    let out = run(&["redact", "--diff"], line);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("payload.recipient  [hash-contact-keys: hash]"),
        "{text}"
    );
    assert!(text.contains("- \"+447700900123\""), "{text}");
    assert!(
        text.contains("context.ip_address  [hash-ip-keys: hash]"),
        "{text}"
    );
    let full = run(&["redact"], line);
    let text = String::from_utf8_lossy(&full.stdout);
    assert!(
        text.contains("before: ") && text.contains("after:  "),
        "{text}"
    );
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("audit-otel-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn run_writes_metrics_with_redactions_per_rule() {
    let dir = tempdir("metrics");
    let file = dir.join("audit.prom");
    let mut input = Vec::new();
    let mut g = sample_generator();
    for _ in 0..20 {
        g.write_line(&mut input);
        input.push(b'\n');
    }
    input.extend_from_slice(b"not json\n");
    let out = run(
        &[
            "run",
            "--pipeline",
            root().join("pipelines/stdio.yaml").to_str().unwrap(),
            "--metrics-file",
            file.to_str().unwrap(),
        ],
        &input,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    for needle in [
        "audit_otel_events_received_total{pipeline=\"stdio\",source=\"stdin\"} 21",
        "audit_otel_events_exported_total{pipeline=\"stdio\",sink=\"stdout\"} 20",
        "audit_otel_events_rejected_total{pipeline=\"stdio\",source=\"stdin\",reason=\"invalid_json\"} 1",
        "audit_otel_dead_letters_total{pipeline=\"stdio\"} 1",
        "# TYPE audit_otel_redactions_total counter",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let hashed: u64 = text
        .lines()
        .find(|l| {
            l.starts_with("audit_otel_redactions_total{pipeline=\"stdio\",rule=\"hash-ip-keys\"")
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        hashed >= 20,
        "every event's IP address was hashed: {hashed}"
    );
}

#[test]
fn sigterm_ends_a_run_waiting_on_stdin() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = common::bin()
        .args([
            "run",
            "--pipeline",
            root().join("pipelines/stdio.yaml").to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take(); // kept open: the source blocks in its read
    std::thread::sleep(Duration::from_millis(500));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
