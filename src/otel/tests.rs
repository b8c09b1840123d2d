use serde_json::json;

use prost::Message;

use super::encode::RecordWriter;
use super::proto::any_to_json;
use super::*;
use crate::catalog::Catalog;
use opentelemetry_proto::tonic::logs::v1::LogRecord;

/// Maps with the protobuf writer and decodes what it wrote.
fn map_with(catalog: &Catalog, event: &AuditEvent, observed: u64) -> LogRecord {
    let resolved = catalog.resolve(event.event_type());
    let mut out = Vec::new();
    let mut w = RecordWriter::new(&mut out);
    map_event(event, resolved, catalog, observed, &mut w);
    w.finish();
    let rec = LogRecord::decode(&out[..]).unwrap();
    assert_eq!(rec.encode_to_vec(), out, "the writer's bytes are prost's");
    rec
}

fn map(line: &str) -> LogRecord {
    let catalog = Catalog::builtin();
    let event = AuditEvent::from_slice(line.as_bytes()).unwrap();
    map_with(&catalog, &event, 42)
}

fn attrs(r: &LogRecord) -> serde_json::Map<String, serde_json::Value> {
    r.attributes
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.as_ref().map(any_to_json).unwrap()))
        .collect()
}

#[test]
fn maps_an_admin_event_to_the_attribute_contract() {
    let r = map(
        r#"{"id":"00000000006be272","seq":7070322,"type":"admin_api.mutation.delete_user.executed","payload":{"user":{"id":"u-1","roles":["a","b"],"standard_attributes":{"address":{"country":"FR"}}},"reason":"[REDACTED]"},"context":{"timestamp":1748822401,"user_id":"u-1","triggered_by":"admin_api","audit_context":{"actor_user_id":"admin-7","http_referer":"https://portal/x","http_url":"https://app/_api/admin/graphql","usage":"proxy"},"preferred_languages":[],"language":"en","ip_address":"hmac:k:abc","geo_location_code":null,"user_agent":"hmac:k:def","app_id":"umbrella-health","client_id":"portal","tracking_id":"d12982e46e80fa489b0bca16f72f2bb8-3586fca7fa0b8518","future":{"x":[1,2]}},"extra_top":true}"#,
    );
    assert_eq!(r.event_name, "admin_api.mutation.delete_user.executed");
    assert_eq!(r.time_unix_nano, 1_748_822_401_000_000_000);
    assert_eq!(r.observed_time_unix_nano, 42);
    assert_eq!((r.severity_number, r.severity_text.as_str()), (13, "WARN"));
    assert_eq!(hex::encode(&r.trace_id), "d12982e46e80fa489b0bca16f72f2bb8");
    assert_eq!(hex::encode(&r.span_id), "3586fca7fa0b8518");
    let a = attrs(&r);
    let expect = json!({
        "audit.activity_type": "ADMIN_API_MUTATION_DELETE_USER_EXECUTED",
        "event.action": "admin_api.mutation.delete_user.executed",
        "audit.category": "admin_api_mutation",
        "audit.view": "admin_api_portal",
        "event.outcome": "success",
        "log.record.uid": "00000000006be272",
        "audit.seq": 7070322,
        "audit.actor.type": "admin",
        "audit.actor.id": "admin-7",
        "user.id": "u-1",
        "audit.client.id": "portal",
        "client.address": "hmac:k:abc",
        "user_agent.original": "hmac:k:def",
        "audit.triggered_by": "admin_api",
        "audit.app_id": "umbrella-health",
        "audit.language": "en",
        "url.full": "https://app/_api/admin/graphql",
        "audit.context.http_referer": "https://portal/x",
        "audit.context.usage": "proxy",
        "audit.context.future": {"x": [1, 2]},
        "audit.extra.extra_top": true,
    });
    assert_eq!(serde_json::Value::Object(a.clone()), expect);
    // The body is a structured map, nested maps and arrays intact, key order kept.
    let body = any_to_json(r.body.as_ref().unwrap());
    assert_eq!(
        body,
        json!({"user":{"id":"u-1","roles":["a","b"],"standard_attributes":{"address":{"country":"FR"}}},"reason":"[REDACTED]"})
    );
    use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
    assert!(matches!(
        r.body.as_ref().unwrap().value,
        Some(V::KvlistValue(_))
    ));
}

#[test]
fn end_user_events_use_the_subject_as_actor_and_session() {
    let r = map(
        r#"{"id":"a1","seq":1,"type":"USER_AUTHENTICATED","payload":{"user":{"id":"u-9"},"session":{"id":"s-1"}},"context":{"timestamp":"2025-06-02T00:00:00Z","user_id":"u-9","triggered_by":"user","client_id":"c-1"}}"#,
    );
    let a = attrs(&r);
    assert_eq!(r.event_name, "user.authenticated");
    assert_eq!(
        a["event.action"], "user.authenticated",
        "dotted form from the catalog"
    );
    assert_eq!(a["audit.activity_type"], "USER_AUTHENTICATED");
    assert_eq!(a["audit.actor.type"], "user");
    assert_eq!(a["audit.actor.id"], "u-9");
    assert_eq!(a["session.id"], "s-1");
    assert_eq!(a["audit.view"], "user_activities");
    assert_eq!((r.severity_number, r.severity_text.as_str()), (9, "INFO"));
    assert!(r.trace_id.is_empty());
}

#[test]
fn system_events_have_no_actor_id() {
    let r = map(
        r#"{"id":"a2","type":"user.deleted","payload":{"user":{"id":"u-3"}},"context":{"timestamp":1,"user_id":"u-3","triggered_by":"system"}}"#,
    );
    let a = attrs(&r);
    assert_eq!(a["audit.actor.type"], "system");
    assert!(!a.contains_key("audit.actor.id"));
    assert_eq!(a["user.id"], "u-3");
}

#[test]
fn unknown_types_pass_with_a_fixed_name_and_category_other() {
    let r = map(r#"{"id":"a3","type":"acme.widget.failed","context":{"timestamp":1}}"#);
    let a = attrs(&r);
    assert_eq!(r.event_name, "audit.unknown");
    assert_eq!(a["event.action"], "acme.widget.failed");
    assert_eq!(a["audit.activity_type"], "ACME_WIDGET_FAILED");
    assert_eq!(a["audit.category"], "other");
    assert_eq!(a["event.outcome"], "failure");
    assert!(r.body.is_none());
}

#[test]
fn json_numbers_map_exactly() {
    use super::proto::json_to_any;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
    let v = |j: serde_json::Value| json_to_any(j).value.unwrap();
    assert_eq!(v(json!(-5)), V::IntValue(-5));
    assert_eq!(v(json!(u64::MAX)), V::StringValue(u64::MAX.to_string()));
    assert_eq!(v(json!(1.5)), V::DoubleValue(1.5));
    assert!(json_to_any(json!(null)).value.is_none());
}

#[test]
fn the_sdk_builder_writes_the_same_attributes() {
    use opentelemetry::logs::AnyValue;
    use opentelemetry::Key;

    #[derive(Default)]
    struct Capture {
        name: Option<&'static str>,
        attrs: Vec<(Key, AnyValue)>,
        body: Option<AnyValue>,
        sev: Option<&'static str>,
    }
    impl opentelemetry::logs::LogRecord for Capture {
        fn set_event_name(&mut self, name: &'static str) {
            self.name = Some(name);
        }
        fn set_target<T: Into<std::borrow::Cow<'static, str>>>(&mut self, _: T) {}
        fn set_timestamp(&mut self, _: std::time::SystemTime) {}
        fn set_observed_timestamp(&mut self, _: std::time::SystemTime) {}
        fn set_severity_text(&mut self, t: &'static str) {
            self.sev = Some(t);
        }
        fn set_severity_number(&mut self, _: opentelemetry::logs::Severity) {}
        fn set_body(&mut self, b: AnyValue) {
            self.body = Some(b);
        }
        fn add_attributes<I, K, V>(&mut self, it: I)
        where
            I: IntoIterator<Item = (K, V)>,
            K: Into<Key>,
            V: Into<AnyValue>,
        {
            for (k, v) in it {
                self.add_attribute(k, v);
            }
        }
        fn add_attribute<K: Into<Key>, V: Into<AnyValue>>(&mut self, k: K, v: V) {
            self.attrs.push((k.into(), v.into()));
        }
    }

    let catalog = Catalog::builtin();
    let line = r#"{"id":"a1","seq":3,"type":"sms.sent","payload":{"recipient":"hmac:k:x","type":"verification"},"context":{"timestamp":1,"triggered_by":"user"}}"#;
    let event = AuditEvent::from_slice(line.as_bytes()).unwrap();
    let mut cap = Capture::default();
    map_event(
        &event,
        catalog.resolve("sms.sent"),
        &catalog,
        0,
        &mut sdk::SdkRecord(&mut cap),
    );
    let proto = map_with(&catalog, &event, 0);
    assert_eq!(cap.name, Some("sms.sent"));
    assert_eq!(cap.sev, Some("INFO"));
    let keys: Vec<String> = cap.attrs.iter().map(|(k, _)| k.to_string()).collect();
    let proto_keys: Vec<String> = proto.attributes.iter().map(|kv| kv.key.clone()).collect();
    assert_eq!(keys, proto_keys);
    assert!(matches!(cap.body, Some(AnyValue::Map(ref m)) if m.len() == 2));
}
