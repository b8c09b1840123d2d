use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::otel::proto::{any_to_json, doc_to_any, json_to_any};

/// A body written by the record writer, decoded.
fn body_of(doc: &Doc) -> LogRecord {
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out);
    w.body(doc, 0);
    w.finish();
    let rec = LogRecord::decode(&out[..]).unwrap();
    assert_eq!(rec.encode_to_vec(), out, "canonical bytes");
    rec
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        ".{0,300}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((".{0,4}", inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// The writer's `AnyValue` is the one `json_to_any` makes of the same JSON, and its bytes
    /// are prost's (lengths of every nested message right, long ones included).
    #[test]
    fn bodies_encode_as_prost_encodes_the_same_json(v in json_value()) {
        let doc = Doc::from_value(&v);
        let rec = body_of(&doc);
        prop_assert_eq!(rec.body.clone().unwrap(), json_to_any(v.clone()));
        prop_assert_eq!(doc_to_any(&doc, 0), json_to_any(v.clone()));
        prop_assert_eq!(any_to_json(rec.body.as_ref().unwrap()), json_to_any_roundtrip(&v));
    }

    #[test]
    fn attributes_with_prefixed_keys(v in json_value(), name in ".{0,10}") {
        let doc = Doc::from_value(&v);
        let mut out = Vec::new();
        let mut w = RecordWriter::new(&mut out);
        w.attr_node("audit.context.", &name, &doc, 0);
        w.attr_strs("redaction.rules", &["a", "", "c"]);
        w.attr_i64("audit.seq", -7);
        w.finish();
        let rec = LogRecord::decode(&out[..]).unwrap();
        prop_assert_eq!(rec.encode_to_vec(), out);
        prop_assert_eq!(&rec.attributes[0].key, &format!("audit.context.{name}"));
        prop_assert_eq!(rec.attributes[0].value.clone().unwrap(), json_to_any(v));
        prop_assert_eq!(
            any_to_json(rec.attributes[1].value.as_ref().unwrap()),
            json!(["a", "", "c"])
        );
        prop_assert_eq!(any_to_json(rec.attributes[2].value.as_ref().unwrap()), json!(-7));
    }
}

/// What JSON survives a trip through `AnyValue`: integers beyond `i64` become strings.
fn json_to_any_roundtrip(v: &Value) -> Value {
    any_to_json(&json_to_any(v.clone()))
}

#[test]
fn removed_and_replaced_nodes_are_left_out_or_rewritten() {
    let mut doc = Doc::new();
    doc.parse(br#"{"a":{"deep":[1,2,3]},"b":"x","c":[true,null]}"#)
        .unwrap();
    let a = doc.get(0, "a").unwrap();
    doc.set_str(a, "[REDACTED]");
    let c = doc.get(0, "c").unwrap();
    let null = doc.children(c).nth(1).unwrap();
    doc.remove(null);
    let rec = body_of(&doc);
    assert_eq!(
        any_to_json(rec.body.as_ref().unwrap()),
        json!({"a":"[REDACTED]","b":"x","c":[true]})
    );
}

#[test]
fn requests_assembled_from_records_are_prosts() {
    let core = crate::AuditCore::default();
    let mut generator = crate::generate::Generator::new(crate::generate::GeneratorOptions {
        seed: 7,
        ..Default::default()
    });
    let mut records = EncodedRecords::new();
    let mut event = crate::AuditEvent::default();
    let mut line = Vec::new();
    for _ in 0..300 {
        line.clear();
        generator.write_line(&mut line);
        let _ = core.process_into(&line, 1, &mut event, &mut records);
    }
    assert!(records.len() > 200);
    for r in records.iter() {
        assert_eq!(LogRecord::decode(r).unwrap().encode_to_vec(), r);
    }
    let resource = Resource {
        attributes: crate::otel::proto::resource(&[("service.name".into(), "idp".into())])
            .attributes,
        ..Resource::default()
    };
    let scope = crate::otel::proto::audit_scope();
    let (rb, sb) = (resource.encode_to_vec(), scope.encode_to_vec());
    let half = records.len() / 2;
    let all: Vec<&[u8]> = records.iter().collect();
    let parts = [
        RequestPart {
            resource: &rb,
            scope: &sb,
            records: all[..half].to_vec(),
        },
        RequestPart {
            resource: &rb,
            scope: &[],
            records: all[half..].to_vec(),
        },
    ];
    let bytes = request_to_vec(&parts);
    assert_eq!(bytes.len(), request_len(&parts));
    let decoded = records.to_records();
    let expected = ExportLogsServiceRequest {
        resource_logs: vec![
            ResourceLogs {
                resource: Some(resource.clone()),
                scope_logs: vec![ScopeLogs {
                    scope: Some(scope),
                    log_records: decoded[..half].to_vec(),
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            },
            ResourceLogs {
                resource: Some(resource),
                scope_logs: vec![ScopeLogs {
                    scope: Some(InstrumentationScope::default()),
                    log_records: decoded[half..].to_vec(),
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            },
        ],
    };
    assert_eq!(bytes, expected.encode_to_vec());
    // A ResourceLogs on its own (a disk-buffer entry), framed back into a request.
    let entry = resource_logs_to_vec(&parts[0]);
    let mut framed_req = Vec::new();
    write_framed_resource_logs(&entry, &mut framed_req);
    assert_eq!(
        ExportLogsServiceRequest::decode(&framed_req[..])
            .unwrap()
            .resource_logs[0],
        expected.resource_logs[0]
    );
}

#[test]
fn encoded_records_hold_and_slice_records() {
    let a = LogRecord {
        severity_text: "INFO".into(),
        ..LogRecord::default()
    };
    let b = LogRecord {
        event_name: "x".into(),
        ..LogRecord::default()
    };
    let mut r = EncodedRecords::from_records([&a, &b]);
    r.push_with(|_| {});
    assert_eq!(r.len(), 3);
    assert_eq!(r.to_records(), vec![a, b.clone(), LogRecord::default()]);
    let mut part = EncodedRecords::new();
    part.extend_from(&r, 1..2);
    assert_eq!(part.to_records(), vec![b]);
}
