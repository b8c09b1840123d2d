//! Generator events → redaction and mapping → OTLP protobuf bytes → decode: every attribute of
//! the contract and the structured body are as specified, for every catalog entry.

mod common;

use std::collections::{HashMap, HashSet};

use audit_otel::catalog::{Catalog, UNKNOWN_EVENT_NAME};
use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::otel::encode::{EncodedRecords, RecordWriter};
use audit_otel::otel::proto::{any_to_json, export_request, resource};
use audit_otel::redact::{is_pseudonym, EventScope, Redactor};
use audit_otel::{otel, AuditEvent};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
use prost::Message;
use serde_json::Value;

fn attr_map(rec: &opentelemetry_proto::tonic::logs::v1::LogRecord) -> HashMap<String, Value> {
    let mut m = HashMap::new();
    for kv in &rec.attributes {
        assert!(
            m.insert(kv.key.clone(), any_to_json(kv.value.as_ref().unwrap()))
                .is_none(),
            "duplicate attribute {}",
            kv.key
        );
    }
    m
}

#[test]
fn every_catalog_entry_round_trips_through_otlp_protobuf() {
    let catalog = Catalog::builtin();
    let redactor = Redactor::default();
    let mut g = Generator::new(GeneratorOptions {
        seed: 11,
        mix: Mix::Uniform,
        ..GeneratorOptions::default()
    });
    let mut covered = HashSet::new();
    let n = catalog.entries().len() * 3;
    let mut records = Vec::new();
    let mut expectations = Vec::new();
    for _ in 0..n {
        let raw = g.next_event();
        let raw_ip = raw["context"]["ip_address"].as_str().map(str::to_owned);
        let raw_ua = raw["context"]["user_agent"].as_str().map(str::to_owned);
        let mut event = AuditEvent::from_value(raw).expect("generated events parse");
        let resolved = catalog.resolve(event.event_type());
        assert!(
            resolved.is_known(),
            "{} not in the catalog",
            event.event_type()
        );
        let entry = resolved.entry().clone();
        covered.insert(entry.event_type.to_string());
        redactor.redact(
            &mut event,
            &EventScope {
                category: entry.category,
                activity_type: &entry.activity_type,
            },
        );
        let expected_body = event.payload_value();
        let mut one = EncodedRecords::new();
        one.push_with(|out| {
            let mut w = RecordWriter::new(out);
            otel::map_event(&event, resolved, &catalog, 99, &mut w);
            w.finish();
        });
        records.push(one.decode(0));
        expectations.push((event, entry, raw_ip, raw_ua, expected_body));
    }
    assert_eq!(
        covered.len(),
        catalog.entries().len(),
        "uniform mix covers the catalog"
    );

    // Through the wire format and back.
    let req = export_request(resource(&[("service.name".into(), "t".into())]), records);
    let bytes = req.encode_to_vec();
    let decoded = ExportLogsServiceRequest::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded, req);
    let recs = &decoded.resource_logs[0].scope_logs[0].log_records;

    for (rec, (event, entry, raw_ip, raw_ua, body)) in recs.iter().zip(expectations) {
        let a = attr_map(rec);
        let ctx = |k: &str| event.context_str(k).filter(|s| !s.is_empty());
        assert_eq!(rec.event_name, entry.event_type);
        assert_ne!(rec.event_name, UNKNOWN_EVENT_NAME);
        assert_eq!(rec.time_unix_nano, event.time_unix_nano());
        assert_eq!(rec.observed_time_unix_nano, 99);
        assert_eq!(rec.severity_number, entry.severity.number());
        assert_eq!(rec.severity_text, entry.severity.as_str());
        assert_eq!(a["audit.activity_type"], entry.activity_type.as_ref());
        assert_eq!(a["event.action"], event.event_type());
        assert_eq!(a["audit.category"], entry.category.as_str());
        assert_eq!(a["audit.view"], entry.view.as_str());
        assert_eq!(a["event.outcome"], entry.outcome.as_str());
        assert_eq!(a["log.record.uid"], event.id());
        assert_eq!(a["audit.seq"], Value::from(event.seq().unwrap()));
        let actor = a["audit.actor.type"].as_str().unwrap();
        let expected_actor = match ctx("triggered_by") {
            Some("user") => "user",
            Some("admin_api" | "portal" | "site_admin") => "admin",
            Some("system") => "system",
            _ => entry.actor.as_str(),
        };
        assert_eq!(actor, expected_actor, "{}", entry.event_type);
        match actor {
            "admin" => assert_eq!(
                a.get("audit.actor.id").and_then(Value::as_str),
                event.actor_user_id()
            ),
            "user" => assert_eq!(
                a.get("audit.actor.id").and_then(Value::as_str),
                event.subject_user_id()
            ),
            _ => assert!(!a.contains_key("audit.actor.id")),
        }
        assert_eq!(
            a.get("user.id").and_then(Value::as_str),
            event.subject_user_id()
        );
        assert_eq!(
            a.get("audit.client.id").and_then(Value::as_str),
            ctx("client_id")
        );
        assert_eq!(
            a.get("session.id").and_then(Value::as_str),
            event.session_id()
        );
        // Attributes are redacted too.
        if let Some(ip) = raw_ip {
            let got = a["client.address"].as_str().unwrap();
            assert_ne!(got, ip);
            assert!(is_pseudonym(got), "{got}");
        }
        if let Some(ua) = raw_ua {
            assert_ne!(a["user_agent.original"].as_str().unwrap(), ua);
        }
        // Trace context from the tracking id.
        if let Some((t, s)) = event.trace_context() {
            assert_eq!(rec.trace_id, t.to_vec());
            assert_eq!(rec.span_id, s.to_vec());
        }
        // The body is the redacted payload, structured.
        match &rec.body {
            Some(b) => {
                assert!(matches!(b.value, Some(V::KvlistValue(_))), "body is a map");
                assert_eq!(any_to_json(b), body);
            }
            None => assert!(body.is_null()),
        }
    }
}

#[test]
fn independent_generator_events_parse_and_map() {
    let Some(shared) = common::shared() else {
        eprintln!("../shared is absent: skipping the cross-check with gen-audit-events");
        return;
    };
    let tool = shared.join("tools/gen-audit-events");
    let out = std::process::Command::new("python3")
        .arg(&tool)
        .args([
            "--count", "3000", "--seed", "5", "--mix", "uniform", "--types", "all",
        ])
        .output()
        .expect("python3 runs gen-audit-events");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let core = audit_otel::AuditCore::default();
    let catalog = Catalog::builtin();
    let mut types = HashSet::new();
    for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let e = AuditEvent::from_slice(line).unwrap_or_else(|err| panic!("{err}"));
        assert!(
            catalog.lookup(e.event_type()).is_some(),
            "{} is not in the catalog",
            e.event_type()
        );
        types.insert(e.event_type().to_owned());
        let rec = core.to_proto(e, 0);
        assert!(!rec.event_name.is_empty());
    }
    assert!(types.len() >= 129, "{} types seen", types.len());

    // The Admin API node shape too.
    let nodes = std::process::Command::new("python3")
        .arg(&tool)
        .args(["--count", "200", "--seed", "6", "--shape", "audit-node"])
        .output()
        .unwrap();
    assert!(nodes.status.success());
    for line in nodes
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
    {
        core.process(line, 0).unwrap_or_else(|err| panic!("{err}"));
    }
}
