//! What an incoming OTLP log record is, and the redaction of the records that pass through
//! without being mapped. Pure functions over one record: no I/O, no counters, no logging.
//!
//! # The three kinds ([`classify`])
//!
//! 1. **Already mapped** ([`Kind::Mapped`]): a record audit-otel made (the tracing layer's,
//!    or the processor's own output sent on): its attributes carry `audit.category` with one
//!    of the seven category names and a string `audit.activity_type`. Checked first, because
//!    the attributes are an explicit marker while a body is only a shape. (The catalog's event
//!    names are dotted types such as `user.authenticated`, so the event name does not tell.)
//! 2. **An audit event in the body** ([`Kind::AuditEvent`]): the body is a string holding a
//!    JSON object, or a kvlist map, whose top-level keys are those of the audit envelope:
//!    `type` together with `context` or `payload`, or `activityType` (an Admin API
//!    `auditLogs` node). The bytes handed back are then parsed by the core, which decides
//!    whether the event is well formed; one that is not is a rejection (dead letter, partial
//!    success). A string that starts with `{`, is not valid JSON (truncated, bad escapes,
//!    nested too deep) and mentions those keys also counts as an audit event, so a broken
//!    event is rejected and dead-lettered rather than forwarded as free text.
//! 3. **Anything else** ([`Kind::Other`]): ordinary application logs.
//!
//! # Redaction of records that are not mapped here
//!
//! | record | body | attributes |
//! |---|---|---|
//! | already mapped ([`redact_mapped`]) | maps and arrays: every rule, under the root `payload`, in the record's own scope (its `audit.category` and `audit.activity_type`), as when it was mapped; strings: value rules | every string, nested ones too: value rules |
//! | anything else ([`redact_other`]) | strings: value rules; maps and arrays: every rule, under the root `body`, in [`EventScope::NONE`] (category `other`, no activity type: only rules without a `when` scope apply) | every string, nested ones too: value rules |
//!
//! "Value rules" are the detectors and patterns (`redact_text`): e-mail addresses, phone
//! numbers, IP addresses, cards, tokens, secrets in URLs. Field rules (by key or path) are not
//! applied to attributes: OpenTelemetry attribute names (`server.address`, `code.function.name`)
//! would match the audit payload's key words (`address`, `name`) and lose what operators need.
//! Redaction is idempotent, so re-redacting a mapped record changes nothing that was redacted
//! already (pseudonyms are recognized and left alone).
//!
//! A map or array body is redacted as JSON and converted back only when a rule changed it, so
//! an untouched body keeps its exact types; a changed one follows the JSON → `AnyValue` mapping
//! (bytes become hex strings, non-finite doubles become empty values). Scalar bodies other than
//! strings (numbers, booleans, bytes) are not redacted.

use std::borrow::Cow;
use std::fmt;

use opentelemetry_proto::tonic::common::v1::{any_value::Value as V, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::catalog::Category;
use crate::otel::attr;
use crate::otel::proto::{any_to_json, json_to_any};
use crate::redact::{EventScope, Redactor};

/// What a record is; see the [module docs](self).
#[derive(Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    /// An audit event in the body: the bytes to parse (the body string itself, or a kvlist
    /// body written as JSON).
    AuditEvent(Cow<'a, [u8]>),
    /// A record audit-otel mapped already.
    Mapped,
    /// Anything else.
    Other,
}

/// Says what a record is, without changing it.
pub fn classify(rec: &LogRecord) -> Kind<'_> {
    if is_mapped(rec) {
        return Kind::Mapped;
    }
    let Some(body) = rec.body.as_ref() else {
        return Kind::Other;
    };
    match &body.value {
        Some(V::StringValue(s)) if looks_like_audit_text(s) => {
            Kind::AuditEvent(Cow::Borrowed(s.as_bytes()))
        }
        Some(V::KvlistValue(kv))
            if EnvelopeKeys::of(kv.values.iter().map(|k| k.key.as_str())).is_envelope() =>
        {
            // Serializing a JSON value cannot fail (keys are strings); an empty result would
            // be rejected by the parser as empty input, never forwarded.
            Kind::AuditEvent(Cow::Owned(
                serde_json::to_vec(&any_to_json(body)).unwrap_or_default(),
            ))
        }
        _ => Kind::Other,
    }
}

/// Whether the record carries the attributes audit-otel's mapping writes.
pub fn is_mapped(rec: &LogRecord) -> bool {
    str_attr(&rec.attributes, attr::CATEGORY).is_some_and(|c| category_of(c).is_some())
        && str_attr(&rec.attributes, attr::ACTIVITY_TYPE).is_some()
}

/// Re-applies redaction to a record audit-otel mapped already; returns the number of changes.
pub fn redact_mapped(redactor: &Redactor, rec: &mut LogRecord) -> usize {
    let category = str_attr(&rec.attributes, attr::CATEGORY)
        .and_then(category_of)
        .unwrap_or(Category::Other);
    let activity = str_attr(&rec.attributes, attr::ACTIVITY_TYPE)
        .unwrap_or_default()
        .to_owned();
    let scope = EventScope {
        category,
        activity_type: &activity,
    };
    redact_body(redactor, &mut rec.body, "payload", &scope)
        + redact_attributes(redactor, &mut rec.attributes)
}

/// Redacts a record that is not an audit event; returns the number of changes.
pub fn redact_other(redactor: &Redactor, rec: &mut LogRecord) -> usize {
    redact_body(redactor, &mut rec.body, "body", &EventScope::NONE)
        + redact_attributes(redactor, &mut rec.attributes)
}

/// Gives a mapped record the sender's trace context when the event brought none (no
/// `context.tracking_id`): the sender's span is where the event was emitted. Ids of the wrong
/// length or all zeros (invalid per W3C) are not carried.
pub fn carry_trace_context(mapped: &mut LogRecord, sender: &mut LogRecord) {
    let valid = |id: &[u8], len: usize| id.len() == len && id.iter().any(|b| *b != 0);
    if !mapped.trace_id.is_empty() || !valid(&sender.trace_id, 16) {
        return;
    }
    mapped.trace_id = std::mem::take(&mut sender.trace_id);
    if valid(&sender.span_id, 8) {
        mapped.span_id = std::mem::take(&mut sender.span_id);
    }
    mapped.flags = sender.flags;
}

fn redact_body(
    redactor: &Redactor,
    body: &mut Option<AnyValue>,
    root: &str,
    scope: &EventScope<'_>,
) -> usize {
    let Some(b) = body.as_mut() else {
        return 0;
    };
    match &mut b.value {
        Some(V::StringValue(s)) => redact_string(redactor, s),
        Some(V::KvlistValue(_) | V::ArrayValue(_)) => {
            let mut json = any_to_json(b);
            let n = redactor.redact_value(root, &mut json, scope);
            if n > 0 {
                *b = json_to_any(json);
            }
            n
        }
        _ => 0,
    }
}

fn redact_attributes(redactor: &Redactor, attributes: &mut [KeyValue]) -> usize {
    attributes
        .iter_mut()
        .filter_map(|kv| kv.value.as_mut())
        .map(|v| redact_strings(redactor, v))
        .sum()
}

/// Value rules on every string of a value, nested ones too (no JSON round trip: the types
/// stay exact). Nesting is bounded by the decoders (protobuf and JSON recursion limits).
fn redact_strings(redactor: &Redactor, v: &mut AnyValue) -> usize {
    match &mut v.value {
        Some(V::StringValue(s)) => redact_string(redactor, s),
        Some(V::ArrayValue(a)) => a
            .values
            .iter_mut()
            .map(|x| redact_strings(redactor, x))
            .sum(),
        Some(V::KvlistValue(kv)) => kv
            .values
            .iter_mut()
            .filter_map(|k| k.value.as_mut())
            .map(|x| redact_strings(redactor, x))
            .sum(),
        _ => 0,
    }
}

fn redact_string(redactor: &Redactor, s: &mut String) -> usize {
    let redacted = match redactor.redact_text(s) {
        Cow::Owned(r) => r,
        Cow::Borrowed(_) => return 0,
    };
    *s = redacted;
    1
}

fn str_attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            V::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

fn category_of(s: &str) -> Option<Category> {
    Category::ALL.into_iter().find(|c| c.as_str() == s)
}

/// Whether a string body holds (or tries to hold) an audit envelope.
fn looks_like_audit_text(s: &str) -> bool {
    let t = s.trim_start();
    if !t.starts_with('{') {
        return false;
    }
    match serde_json::from_str::<EnvelopeKeys>(t) {
        Ok(keys) => keys.is_envelope(),
        // Not valid JSON: judge by the key names it mentions.
        Err(_) => {
            (t.contains("\"type\"") && (t.contains("\"context\"") || t.contains("\"payload\"")))
                || t.contains("\"activityType\"")
        }
    }
}

/// Which envelope keys an object has at its top level.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct EnvelopeKeys {
    r#type: bool,
    context: bool,
    payload: bool,
    activity_type: bool,
}

impl EnvelopeKeys {
    fn of<'k>(keys: impl Iterator<Item = &'k str>) -> EnvelopeKeys {
        let mut k = EnvelopeKeys::default();
        for key in keys {
            k.note(key);
        }
        k
    }

    fn note(&mut self, key: &str) {
        match key {
            "type" => self.r#type = true,
            "context" => self.context = true,
            "payload" => self.payload = true,
            "activityType" => self.activity_type = true,
            _ => {}
        }
    }

    fn is_envelope(&self) -> bool {
        (self.r#type && (self.context || self.payload)) || self.activity_type
    }
}

/// Reads only the top-level keys of a JSON object; values are skipped without being built.
impl<'de> Deserialize<'de> for EnvelopeKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(KeysVisitor)
    }
}

struct KeysVisitor;

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = EnvelopeKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvelopeKeys, A::Error> {
        let mut keys = EnvelopeKeys::default();
        while let Some(KeyName(k)) = map.next_key()? {
            if let Some(k) = k {
                keys.note(k);
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(keys)
    }
}

/// A top-level key, reduced to the envelope key it is (if any), without allocating.
struct KeyName(Option<&'static str>);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeyName, E> {
                Ok(KeyName(
                    ["type", "context", "payload", "activityType"]
                        .into_iter()
                        .find(|k| *k == s),
                ))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::AuditCore;
    use crate::generate::{Generator, GeneratorOptions, Mix};
    use crate::otel::proto::json_to_any;
    use opentelemetry_proto::tonic::common::v1::KeyValueList;

    fn string_body(s: &str) -> LogRecord {
        LogRecord {
            body: Some(AnyValue {
                value: Some(V::StringValue(s.to_owned())),
            }),
            ..LogRecord::default()
        }
    }

    fn kv(key: &str, value: V) -> KeyValue {
        KeyValue {
            key: key.to_owned(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        }
    }

    fn s(v: &str) -> V {
        V::StringValue(v.to_owned())
    }

    fn body_str(rec: &LogRecord) -> &str {
        match rec.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(V::StringValue(s)) => s,
            other => panic!("not a string body: {other:?}"),
        }
    }

    fn attr_str<'a>(rec: &'a LogRecord, key: &str) -> &'a str {
        str_attr(&rec.attributes, key).expect("attribute")
    }

    fn events(n: usize) -> (Vec<Vec<u8>>, Generator) {
        let mut g = Generator::new(GeneratorOptions {
            seed: 11,
            mix: Mix::Uniform,
            ..GeneratorOptions::default()
        });
        let lines = (0..n)
            .map(|_| {
                let mut v = Vec::new();
                g.write_line(&mut v);
                v
            })
            .collect();
        (lines, g)
    }

    #[test]
    fn audit_envelopes_in_string_bodies() {
        let (lines, _) = events(3);
        for line in &lines {
            let text = String::from_utf8(line.clone()).unwrap();
            let rec = string_body(&text);
            assert_eq!(classify(&rec), Kind::AuditEvent(Cow::Borrowed(line)));
            // Leading white space is fine.
            let rec = string_body(&format!("  \n{text}"));
            assert!(matches!(classify(&rec), Kind::AuditEvent(_)));
        }
        // An Admin API audit-log node.
        let node =
            r#"{"activityType":"USER_AUTHENTICATED","createdAt":"2025-06-02T00:00:00Z","data":{}}"#;
        assert!(matches!(classify(&string_body(node)), Kind::AuditEvent(_)));
        // Envelope-shaped but broken: still an audit event (the parser rejects it).
        for broken in [
            r#"{"id":"1","type":"user.authenticated","payload":{}}"#,
            r#"{"id":"1","type":"user.authenticated","context":{"timestamp":"#,
            r#"{"type":"x","context":{},"type":"y"}"#,
        ] {
            assert!(
                matches!(classify(&string_body(broken)), Kind::AuditEvent(_)),
                "{broken}"
            );
        }
    }

    #[test]
    fn ordinary_logs_are_other() {
        for text in [
            "",
            "GET /health 200 in 3ms",
            "user alice@example.com signed in",
            r#"{"level":"info","msg":"started","type":"startup"}"#,
            r#"{"context":{"a":1},"msg":"x"}"#,
            r#"["type","context"]"#,
            r#"{"msg":"not json"#,
            "{ this is not json and mentions no keys",
        ] {
            assert_eq!(classify(&string_body(text)), Kind::Other, "{text:?}");
        }
        assert_eq!(classify(&LogRecord::default()), Kind::Other);
        let int_body = LogRecord {
            body: Some(AnyValue {
                value: Some(V::IntValue(3)),
            }),
            ..LogRecord::default()
        };
        assert_eq!(classify(&int_body), Kind::Other);
    }

    #[test]
    fn kvlist_bodies_become_json_envelopes() {
        let (lines, _) = events(2);
        let value: serde_json::Value = serde_json::from_slice(&lines[0]).unwrap();
        let rec = LogRecord {
            body: Some(json_to_any(value.clone())),
            ..LogRecord::default()
        };
        let Kind::AuditEvent(bytes) = classify(&rec) else {
            panic!("not classified as an audit event");
        };
        let back: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, value);
        AuditCore::default()
            .parse(&bytes)
            .expect("parses as an event");

        let plain = LogRecord {
            body: Some(AnyValue {
                value: Some(V::KvlistValue(KeyValueList {
                    values: vec![kv("msg", s("hello")), kv("type", s("greeting"))],
                })),
            }),
            ..LogRecord::default()
        };
        assert_eq!(classify(&plain), Kind::Other);
    }

    #[test]
    fn mapped_records_are_recognized_by_their_attributes() {
        let (lines, _) = events(1);
        let core = AuditCore::default();
        let rec = core.process(&lines[0], 1).unwrap();
        assert!(is_mapped(&rec));
        assert_eq!(classify(&rec), Kind::Mapped);

        let mut fake = LogRecord::default();
        fake.attributes
            .push(kv(attr::CATEGORY, s("not-a-category")));
        fake.attributes
            .push(kv(attr::ACTIVITY_TYPE, s("USER_AUTHENTICATED")));
        assert!(!is_mapped(&fake));
        fake.attributes[0] = kv(attr::CATEGORY, s("user"));
        assert!(is_mapped(&fake));
        fake.attributes.pop();
        assert!(!is_mapped(&fake), "activity type missing");
    }

    #[test]
    fn re_redacting_mapped_records_changes_nothing() {
        let core = AuditCore::default();
        let (lines, _) = events(400);
        for line in &lines {
            let rec = core.process(line, 1).unwrap();
            let mut again = rec.clone();
            let n = redact_mapped(core.redactor(), &mut again);
            assert_eq!(again, rec, "re-redaction changed a record");
            assert_eq!(n, 0);
        }
    }

    #[test]
    fn mapped_records_get_what_was_added_after_mapping_redacted() {
        let core = AuditCore::default();
        let (lines, _) = events(1);
        let mut rec = core.process(&lines[0], 1).unwrap();
        rec.attributes
            .push(kv("audit.context.note", s("call +1 415 555 0101")));
        rec.body = Some(json_to_any(serde_json::json!({
            "user": {"id": "u1", "standard_attributes": {"email": "carol@example.com"}},
            "comment": "mail carol@example.com"
        })));
        let n = redact_mapped(core.redactor(), &mut rec);
        assert!(n >= 2);
        let text = serde_json::to_string(&rec.body).unwrap()
            + &serde_json::to_string(&rec.attributes).unwrap();
        assert!(!text.contains("carol@example.com"), "{text}");
        assert!(!text.contains("555 0101"), "{text}");
        assert!(text.contains("u1"), "ids stay: {text}");
    }

    #[test]
    fn other_records_get_value_rules_on_body_and_attributes() {
        let r = Redactor::default();
        let mut rec = string_body("password reset for dave@example.com from +44 7700 900123");
        rec.attributes
            .push(kv("enduser.contact", s("dave@example.com")));
        rec.attributes.push(kv("http.route", s("/v1/users/{id}")));
        rec.attributes.push(kv("retries", V::IntValue(3)));
        rec.attributes.push(kv(
            "tags",
            V::ArrayValue(opentelemetry_proto::tonic::common::v1::ArrayValue {
                values: vec![AnyValue {
                    value: Some(s("owner dave@example.com")),
                }],
            }),
        ));
        let before = rec.clone();
        let n = redact_other(&r, &mut rec);
        assert_eq!(n, 3);
        let body = body_str(&rec);
        assert!(!body.contains("dave@example.com") && !body.contains("7700 900123"));
        assert!(body.starts_with("password reset for "), "{body}");
        assert_ne!(attr_str(&rec, "enduser.contact"), "dave@example.com");
        assert_eq!(attr_str(&rec, "http.route"), "/v1/users/{id}");
        assert_eq!(rec.attributes[2], before.attributes[2]);
        assert!(!format!("{:?}", rec.attributes[3]).contains("dave@"));
        // Idempotent.
        let once = rec.clone();
        assert_eq!(redact_other(&r, &mut rec), 0);
        assert_eq!(rec, once);
    }

    #[test]
    fn other_map_bodies_get_every_unscoped_rule_and_keep_types_when_untouched() {
        let r = Redactor::default();
        let mut rec = LogRecord {
            body: Some(json_to_any(serde_json::json!({
                "msg": "login", "email": "erin@example.com", "attempt": 2
            }))),
            ..LogRecord::default()
        };
        assert!(redact_other(&r, &mut rec) > 0);
        let body = any_to_json(rec.body.as_ref().unwrap());
        assert_ne!(body["email"], "erin@example.com");
        assert_eq!(body["msg"], "login");
        assert_eq!(body["attempt"], 2);

        // Untouched bodies keep exact types (bytes stay bytes).
        let bytes_body = AnyValue {
            value: Some(V::KvlistValue(KeyValueList {
                values: vec![kv("blob", V::BytesValue(vec![1, 2, 3]))],
            })),
        };
        let mut rec = LogRecord {
            body: Some(bytes_body.clone()),
            ..LogRecord::default()
        };
        assert_eq!(redact_other(&r, &mut rec), 0);
        assert_eq!(rec.body, Some(bytes_body));
    }

    #[test]
    fn trace_context_is_carried_only_when_missing_and_valid() {
        let sender = LogRecord {
            trace_id: vec![7; 16],
            span_id: vec![9; 8],
            flags: 1,
            ..LogRecord::default()
        };
        let mut mapped = LogRecord::default();
        carry_trace_context(&mut mapped, &mut sender.clone());
        assert_eq!(
            (mapped.trace_id, mapped.span_id, mapped.flags),
            (vec![7; 16], vec![9; 8], 1)
        );

        let mut own = LogRecord {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            ..LogRecord::default()
        };
        carry_trace_context(&mut own, &mut sender.clone());
        assert_eq!(own.trace_id, vec![1; 16], "the event's own context wins");

        let mut mapped = LogRecord::default();
        let mut zeros = LogRecord {
            trace_id: vec![0; 16],
            span_id: vec![9; 8],
            ..LogRecord::default()
        };
        carry_trace_context(&mut mapped, &mut zeros);
        assert!(mapped.trace_id.is_empty());
    }
}
