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
//! | already mapped ([`redact_mapped`]) | maps and arrays: every rule, under the root `payload`, in the record's own scope (its `audit.category` and `audit.activity_type`), as when it was mapped; strings: value rules | every string, nested ones too: value rules (the mapping wrote them from the redacted event) |
//! | anything else ([`redact_other`]) | free-text strings: value rules; maps, arrays and strings holding a JSON object or array: every rule, under the root `body`, in [`EventScope::NONE`] (category `other`, no activity type: only rules without a `when` scope apply) | every rule, under the root `attributes` ([`redact_app_attributes`]), in [`EventScope::NONE`] |
//!
//! "Value rules" are the detectors and patterns (`redact_text`): e-mail addresses, phone
//! numbers, IP addresses, cards, tokens, credentials, secrets in URLs. An application's
//! attributes get the field rules too, with an attribute's name split at its dots for paths:
//! the built-in rules first keep the operational names of the OpenTelemetry semantic
//! conventions (`service.name`, `server.address`, `code.function.name`), then pseudonymize or
//! mask the personal ones (`user.full_name`, `client.address`, `user_agent.original`,
//! credential headers, `db.query.text` literals), and only then apply the audit payload's key
//! words (`billingAddress`, `phone_number`), which would otherwise mask `server.address`.
//! A sender's resource attributes are redacted the same way.
//! Redaction is idempotent, so re-redacting a mapped record changes nothing that was redacted
//! already (pseudonyms are recognized and left alone).
//!
//! A map or array body is redacted as JSON and converted back only when a rule changed it, so
//! an untouched body keeps its exact types; a changed one follows the JSON → `AnyValue` mapping
//! (bytes become hex strings, non-finite doubles become empty values). Scalar bodies other than
//! strings (numbers, booleans, bytes) are not redacted.

use std::borrow::Cow;
use std::fmt;

use opentelemetry_proto::tonic::common::v1::{
    any_value::Value as V, AnyValue, ArrayValue, KeyValue,
};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::catalog::Category;
use crate::event::{AuditEvent, ParseError, ParseOptions};
use crate::otel::attr;
use crate::otel::encode::SenderTrace;
use crate::otel::proto::{any_to_json, json_to_any};
use crate::otel::wire::{Fields, WireError, WireValue};
use crate::redact::{AttributeVerdict, EventScope, RedactionSummary, Redactor};

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

/// What an encoded record is, read from its bytes without decoding it: most records the
/// sidecar receives are audit events in a string body, which go straight to the parser.
#[derive(Debug, PartialEq, Eq)]
pub enum RawKind<'a> {
    /// A record audit-otel mapped already.
    Mapped,
    /// A string body that may hold an audit event: the text, and the record's trace context.
    Text(&'a str, Option<SenderTrace>),
    /// Anything else (decode the record to know more).
    Other,
}

/// Says what an encoded `LogRecord` is (as [`classify`] would, up to the parsing of a string
/// body: see [`read_audit_text`]).
pub fn classify_raw(record: &[u8]) -> Result<RawKind<'_>, WireError> {
    let mut body = None;
    let (mut trace_id, mut span_id, mut flags): (&[u8], &[u8], u32) = (&[], &[], 0);
    let (mut category, mut activity) = (false, false);
    for f in Fields::new(record) {
        match f? {
            (5, WireValue::Bytes(b)) => body = Some(b),
            (6, WireValue::Bytes(kv)) => {
                if let Some((key, value)) = string_attribute(kv)? {
                    if key == attr::CATEGORY.as_bytes() {
                        category = std::str::from_utf8(value)
                            .ok()
                            .and_then(category_of)
                            .is_some();
                    } else if key == attr::ACTIVITY_TYPE.as_bytes() {
                        activity = true;
                    }
                }
            }
            (8, WireValue::Fixed32(f)) => flags = f,
            (9, WireValue::Bytes(t)) => trace_id = t,
            (10, WireValue::Bytes(s)) => span_id = s,
            _ => {}
        }
    }
    if category && activity {
        return Ok(RawKind::Mapped);
    }
    let Some(body) = body else {
        return Ok(RawKind::Other);
    };
    // A string body: `AnyValue` with only its field 1 (the last one wins, as in prost).
    let mut text = None;
    for f in Fields::new(body) {
        match f? {
            (1, WireValue::Bytes(s)) => text = Some(s),
            _ => text = None,
        }
    }
    let Some(text) = text else {
        return Ok(RawKind::Other);
    };
    // prost would refuse a string that is not UTF-8: so does this reading.
    let text = std::str::from_utf8(text).map_err(|_| WireError)?;
    if text.trim_start().starts_with('{') {
        Ok(RawKind::Text(
            text,
            SenderTrace::from_ids(trace_id, span_id, flags),
        ))
    } else {
        Ok(RawKind::Other)
    }
}

/// A key and a string value, as bytes.
type StringAttribute<'a> = (&'a [u8], &'a [u8]);

/// A `KeyValue` whose value is a string: its key and the string.
fn string_attribute(kv: &[u8]) -> Result<Option<StringAttribute<'_>>, WireError> {
    let (mut key, mut value) = (None, None);
    for f in Fields::new(kv) {
        match f? {
            (1, WireValue::Bytes(k)) => key = Some(k),
            (2, WireValue::Bytes(v)) => {
                value = None;
                for g in Fields::new(v) {
                    if let (1, WireValue::Bytes(s)) = g? {
                        value = Some(s);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(key.zip(value))
}

/// What a string body that starts with `{` is.
#[derive(Debug, PartialEq)]
pub enum TextKind {
    /// An audit event: parsed into the caller's event, or why it is malformed.
    Event(Result<(), ParseError>),
    /// Not an audit event.
    Other,
}

/// Reads a string body into `event` and says whether it is an audit event, with the rules of
/// [`classify`]: a JSON object with the envelope's top-level keys is one (well formed or not,
/// as the envelope checks decide); text that is not valid JSON but mentions those keys is a
/// malformed one. The text is parsed once, for both questions.
pub fn read_audit_text(text: &str, event: &mut AuditEvent, options: ParseOptions) -> TextKind {
    match event.parse_json_in_place(text.as_bytes(), options) {
        Ok(()) => {
            let doc = event.doc();
            let keys = EnvelopeKeys::of(doc.children(0).map(|c| doc.key(c)));
            if keys.is_envelope() {
                TextKind::Event(event.locate_envelope())
            } else {
                TextKind::Other
            }
        }
        Err(e @ ParseError::TooLarge { .. }) => {
            if looks_like_audit_text(text) {
                TextKind::Event(Err(e))
            } else {
                TextKind::Other
            }
        }
        Err(e) => {
            if mentions_envelope_keys(text) {
                TextKind::Event(Err(e))
            } else {
                TextKind::Other
            }
        }
    }
}

/// Whether the record carries the attributes audit-otel's mapping writes.
pub fn is_mapped(rec: &LogRecord) -> bool {
    str_attr(&rec.attributes, attr::CATEGORY).is_some_and(|c| category_of(c).is_some())
        && str_attr(&rec.attributes, attr::ACTIVITY_TYPE).is_some()
}

/// Re-applies redaction to a record audit-otel mapped already; returns the number of changes.
/// The record keeps the redaction summary its mapping wrote.
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
    let mut summary = redact_body(redactor, &mut rec.body, "payload", &scope);
    summary.merge(redact_attributes(redactor, &mut rec.attributes));
    summary.changed
}

/// Redacts a record that is not an audit event and, when something changed, writes the
/// summary (`redaction.count`, `redaction.rules`); returns the number of changes.
pub fn redact_other(redactor: &Redactor, rec: &mut LogRecord) -> usize {
    let mut summary = redact_body(redactor, &mut rec.body, "body", &EventScope::NONE);
    summary.merge(redact_app_attributes(redactor, &mut rec.attributes));
    add_summary(redactor, &summary, &mut rec.attributes);
    summary.changed
}

/// Adds a redaction summary to attributes; one already there (from an audit-otel upstream) is
/// added to, not repeated.
fn add_summary(redactor: &Redactor, summary: &RedactionSummary, attributes: &mut Vec<KeyValue>) {
    if summary.is_empty() || !redactor.summary_enabled() {
        return;
    }
    let count = i64::try_from(summary.changed).unwrap_or(i64::MAX);
    let names = redactor.rule_names(summary);
    let find = |attributes: &mut Vec<KeyValue>, key: &str| {
        attributes
            .iter()
            .position(|kv| kv.key == key)
            .and_then(|i| attributes[i].value.as_mut()?.value.as_mut().map(|_| i))
    };
    match find(attributes, attr::REDACTION_COUNT) {
        Some(i) => {
            if let Some(V::IntValue(n)) =
                attributes[i].value.as_mut().and_then(|v| v.value.as_mut())
            {
                *n = n.saturating_add(count);
            }
        }
        None => attributes.push(kv_of(attr::REDACTION_COUNT, V::IntValue(count))),
    }
    let new = |n: &str| AnyValue {
        value: Some(V::StringValue(n.to_owned())),
    };
    match find(attributes, attr::REDACTION_RULES) {
        Some(i) => {
            if let Some(V::ArrayValue(a)) =
                attributes[i].value.as_mut().and_then(|v| v.value.as_mut())
            {
                for n in names {
                    if !a
                        .values
                        .iter()
                        .any(|v| matches!(&v.value, Some(V::StringValue(s)) if s == n))
                    {
                        a.values.push(new(n));
                    }
                }
            }
        }
        None => attributes.push(kv_of(
            attr::REDACTION_RULES,
            V::ArrayValue(ArrayValue {
                values: names.map(new).collect(),
            }),
        )),
    }
}

fn kv_of(key: &str, value: V) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

/// Redacts the attributes of an application's record (or of its resource) with every rule
/// that has no `when` scope, under the root `attributes`. A string is redacted where it lies;
/// any other value is redacted as JSON and converted back only when a rule changed it, so
/// untouched values keep their exact types.
pub fn redact_app_attributes(
    redactor: &Redactor,
    attributes: &mut Vec<KeyValue>,
) -> RedactionSummary {
    if attributes.is_empty() {
        return RedactionSummary::default();
    }
    redactor.redact_attributes(&EventScope::NONE, |walk| {
        attributes.retain_mut(|kv| {
            let Some(any) = kv.value.as_mut() else {
                return true;
            };
            match &mut any.value {
                Some(V::StringValue(s)) => {
                    let mut json = serde_json::Value::String(std::mem::take(s));
                    let verdict = walk.redact(&kv.key, &mut json);
                    match json {
                        serde_json::Value::String(back) => *s = back,
                        other => *any = json_to_any(other),
                    }
                    verdict != AttributeVerdict::Dropped
                }
                None | Some(V::StringValueStrindex(_)) => true,
                Some(_) => {
                    let mut json = any_to_json(any);
                    match walk.redact(&kv.key, &mut json) {
                        AttributeVerdict::Unchanged => true,
                        AttributeVerdict::Changed => {
                            *any = json_to_any(json);
                            true
                        }
                        AttributeVerdict::Dropped => false,
                    }
                }
            }
        });
        walk.summary()
    })
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
) -> RedactionSummary {
    let Some(b) = body.as_mut() else {
        return RedactionSummary::default();
    };
    match &mut b.value {
        Some(V::StringValue(s)) => match json_text(s) {
            // Structured logging written as JSON text: the key rules apply as to a map body.
            Some(mut json) => {
                let summary = redactor.redact_value_summarized(root, &mut json, scope);
                if !summary.is_empty() {
                    *s = json.to_string();
                }
                summary
            }
            None => redact_string(redactor, s),
        },
        Some(V::KvlistValue(_) | V::ArrayValue(_)) => {
            let mut json = any_to_json(b);
            let summary = redactor.redact_value_summarized(root, &mut json, scope);
            if !summary.is_empty() {
                *b = json_to_any(json);
            }
            summary
        }
        _ => RedactionSummary::default(),
    }
}

/// A string that holds a JSON object or array, parsed; `None` for anything else (free text,
/// broken JSON), which the value rules read as text.
fn json_text(s: &str) -> Option<serde_json::Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(t)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

fn redact_attributes(redactor: &Redactor, attributes: &mut [KeyValue]) -> RedactionSummary {
    let mut summary = RedactionSummary::default();
    for v in attributes.iter_mut().filter_map(|kv| kv.value.as_mut()) {
        summary.merge(redact_strings(redactor, v));
    }
    summary
}

/// Value rules on every string of a value, nested ones too (no JSON round trip: the types
/// stay exact). Nesting is bounded by the decoders (protobuf and JSON recursion limits).
fn redact_strings(redactor: &Redactor, v: &mut AnyValue) -> RedactionSummary {
    let mut summary = RedactionSummary::default();
    match &mut v.value {
        Some(V::StringValue(s)) => summary = redact_string(redactor, s),
        Some(V::ArrayValue(a)) => {
            for x in &mut a.values {
                summary.merge(redact_strings(redactor, x));
            }
        }
        Some(V::KvlistValue(kv)) => {
            for x in kv.values.iter_mut().filter_map(|k| k.value.as_mut()) {
                summary.merge(redact_strings(redactor, x));
            }
        }
        _ => {}
    }
    summary
}

fn redact_string(redactor: &Redactor, s: &mut String) -> RedactionSummary {
    match redactor.redact_text_summarized(s) {
        (Cow::Owned(r), summary) => {
            *s = r;
            summary
        }
        (Cow::Borrowed(_), summary) => summary,
    }
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
        Err(_) => mentions_envelope_keys(t),
    }
}

/// Whether text mentions the envelope's key names (for text that is not valid JSON).
fn mentions_envelope_keys(t: &str) -> bool {
    (t.contains("\"type\"") && (t.contains("\"context\"") || t.contains("\"payload\"")))
        || t.contains("\"activityType\"")
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
        assert_eq!(n, 4, "two matches in the body, one in each attribute");
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
    fn app_attributes_get_key_rules_by_semantic_convention_and_key_words() {
        let r = Redactor::default();
        let mut rec = string_body("checkout failed");
        let planted = [
            ("user.full_name", "Zoë Okonkwo-Baptiste"),
            ("user.name", "zoe_okonkwo77"),
            ("user.email", "zoe@example.org"),
            ("enduser.id", "zokonkwo"),
            ("billingAddress", "12 Rue des Lilas, 75011 Paris"),
            ("phone_number", "(415) 555-0199"),
            ("customer_name", "Zoë Okonkwo"),
            (
                "user_agent.original",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            ),
            ("client.address", "198.51.100.23"),
            (
                "http.request.header.authorization",
                "Basic em9lOnMzY3JldA==",
            ),
            ("http.request.header.cookie", "sid=a81f2c; theme=dark"),
            ("http.request.header.x-api-key", "k_51Hx9Zq"),
            (
                "url.full",
                "https://shop.example/cb?code=Q1w2E3&next=%2Fhome",
            ),
            ("url.query", "token=abc123xyz&lang=en"),
            ("geo.postal_code", "75011"),
        ];
        for (k, v) in planted {
            rec.attributes.push(kv(k, s(v)));
        }
        let kept = [
            ("service.name", "checkout"),
            ("server.address", "api.internal"),
            ("code.function.name", "Checkout.pay"),
            ("http.route", "/v1/orders/{id}"),
            ("http.request.method", "POST"),
            ("user.id", "u_829"),
            ("k8s.pod.name", "checkout-7d9f"),
            ("db.operation.name", "SELECT"),
            ("user_agent.name", "Firefox"),
        ];
        for (k, v) in kept {
            rec.attributes.push(kv(k, s(v)));
        }
        rec.attributes
            .push(kv("http.response.status_code", V::IntValue(402)));
        rec.attributes.push(kv(
            "db.query.text",
            s("SELECT * FROM users WHERE email='zoe@example.org' AND age > 30 AND id = $1"),
        ));
        let n = redact_other(&r, &mut rec);
        assert!(n >= planted.len(), "{n}");
        let text = format!("{:?}", rec.attributes);
        for (k, v) in planted {
            assert!(!text.contains(v), "{k}: {v} leaked: {text}");
            assert!(str_attr(&rec.attributes, k).is_some(), "{k} kept its key");
        }
        for (k, v) in kept {
            assert_eq!(attr_str(&rec, k), v, "{k}");
        }
        assert_eq!(
            rec.attributes
                .iter()
                .find(|a| a.key == "http.response.status_code")
                .and_then(|a| a.value.clone()),
            Some(AnyValue {
                value: Some(V::IntValue(402))
            })
        );
        assert_eq!(
            attr_str(&rec, "db.query.text"),
            "SELECT * FROM users WHERE email=? AND age > ? AND id = $1"
        );
        // Identities are pseudonymized (correlation), not masked.
        assert!(attr_str(&rec, "user.email").starts_with("hmac:"));
        assert!(attr_str(&rec, "client.address").starts_with("hmac:"));
        assert_eq!(
            attr_str(&rec, "url.full"),
            "https://shop.example/cb?code=[REDACTED]&next=%2Fhome"
        );
        assert_eq!(attr_str(&rec, "url.query"), "token=[REDACTED]&lang=en");
        // Idempotent.
        let once = rec.clone();
        assert_eq!(redact_other(&r, &mut rec), 0);
        assert_eq!(rec, once);
    }

    #[test]
    fn app_attribute_rules_are_configurable_and_drop_removes() {
        use crate::redact::{ActionName, RedactionConfig, RuleConfig};
        let config = RedactionConfig {
            rules: vec![
                RuleConfig {
                    path: vec!["attributes.tenant.**".to_owned()],
                    ..RuleConfig::new("drop-tenant", ActionName::Drop)
                },
                RuleConfig {
                    key: Some(r"^app\.customer_ref$".to_owned()),
                    ..RuleConfig::new("keep-customer-ref", ActionName::Keep)
                },
            ],
            ..RedactionConfig::default()
        };
        let r = Redactor::compile(&config).unwrap();
        let mut rec = string_body("x");
        rec.attributes.push(kv("tenant.name", s("Acme")));
        rec.attributes.push(kv("tenant.plan", s("gold")));
        rec.attributes
            .push(kv("app.customer_ref", s("CR-1@example.com")));
        rec.attributes.push(kv("app.note", V::IntValue(7)));
        redact_other(&r, &mut rec);
        let keys: Vec<&str> = rec.attributes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "app.customer_ref",
                "app.note",
                "redaction.count",
                "redaction.rules"
            ]
        );
        assert_eq!(attr_str(&rec, "app.customer_ref"), "CR-1@example.com");
        // A masked number becomes the mask string.
        assert_eq!(attr_str(&rec, "app.note"), "[REDACTED]");
    }

    #[test]
    fn resource_attributes_are_redacted_like_a_records() {
        let r = Redactor::default();
        let mut attrs = vec![
            kv("service.name", s("checkout")),
            kv("host.name", s("node-3")),
            kv("process.owner", s("alice")),
            kv(
                "process.command_line",
                s("app --db postgres://app:hunter2@db/app"),
            ),
        ];
        assert!(redact_app_attributes(&r, &mut attrs).changed >= 2);
        let text = format!("{attrs:?}");
        assert!(
            !text.contains("alice") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(
            text.contains("checkout") && text.contains("node-3"),
            "{text}"
        );
    }

    #[test]
    fn map_bodies_keep_codes_paths_and_empty_values() {
        let r = Redactor::default();
        let mut rec = LogRecord {
            body: Some(json_to_any(serde_json::json!({
                "msg": "login failed",
                "reason": "invalid_password",
                "failure_reason": "Customer Zoë Okonkwo called",
                "redirect_url": "https://app.example/login?next=%2Fhome&state=&code=Zx81",
                "state": "",
                "status": {"state": "active"},
                "oauth": {"state": "Zq81-xPp_k2"},
            }))),
            ..LogRecord::default()
        };
        redact_other(&r, &mut rec);
        let body = any_to_json(rec.body.as_ref().unwrap());
        assert_eq!(body["reason"], "invalid_password");
        assert_eq!(body["failure_reason"], "[REDACTED]");
        assert_eq!(
            body["redirect_url"],
            "https://app.example/login?next=%2Fhome&state=&code=[REDACTED]"
        );
        assert_eq!(body["state"], "");
        assert_eq!(body["status"]["state"], "active");
        assert_eq!(body["oauth"]["state"], "[REDACTED]");
    }

    #[test]
    fn records_say_what_redaction_did_but_never_the_values() {
        fn rules_of(rec: &LogRecord) -> Vec<String> {
            let a = rec
                .attributes
                .iter()
                .find(|a| a.key == attr::REDACTION_RULES)
                .expect("redaction.rules");
            match a.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(V::ArrayValue(a)) => a
                    .values
                    .iter()
                    .map(|v| match &v.value {
                        Some(V::StringValue(s)) => s.clone(),
                        other => panic!("{other:?}"),
                    })
                    .collect(),
                other => panic!("{other:?}"),
            }
        }
        fn count_of(rec: &LogRecord) -> Option<i64> {
            rec.attributes
                .iter()
                .find(|a| a.key == attr::REDACTION_COUNT)
                .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
                    V::IntValue(n) => Some(*n),
                    _ => None,
                })
        }
        let r = Redactor::default();
        let mut rec = string_body("reset for dave@example.com, card 4111 1111 1111 1111");
        rec.attributes.push(kv("user.full_name", s("Dave Jones")));
        redact_other(&r, &mut rec);
        assert_eq!(count_of(&rec), Some(3));
        assert_eq!(
            rules_of(&rec),
            [
                "mask-otel-personal",
                "mask-secrets-in-text",
                "hash-contacts-in-text"
            ]
        );
        // Passing a second time adds nothing.
        let once = rec.clone();
        redact_other(&r, &mut rec);
        assert_eq!(rec, once);
        // A clean record gets no summary.
        let mut clean = string_body("GET /health 200");
        redact_other(&r, &mut clean);
        assert_eq!(count_of(&clean), None);

        // Audit events carry it from the core.
        let core = AuditCore::default();
        let (lines, _) = events(20);
        let mut summarized = 0;
        for line in &lines {
            let rec = core.process(line, 1).unwrap();
            if let Some(n) = count_of(&rec) {
                assert!(n > 0);
                assert!(!rules_of(&rec).is_empty());
                summarized += 1;
            }
        }
        assert!(summarized > 10, "{summarized} of 20 events summarized");

        // `summary: false` turns it off.
        let quiet = Redactor::compile(&crate::redact::RedactionConfig {
            summary: false,
            ..crate::redact::RedactionConfig::default()
        })
        .unwrap();
        let mut rec = string_body("mail dave@example.com");
        assert_eq!(redact_other(&quiet, &mut rec), 1);
        assert!(rec.attributes.is_empty());
    }

    #[test]
    fn json_text_bodies_get_the_key_rules_of_map_bodies() {
        let r = Redactor::default();
        let mut rec = string_body(
            r#"{"msg":"signup","full_name":"Kwame Abernathy","phone":"0151 22645648","status":"ok"}"#,
        );
        assert!(redact_other(&r, &mut rec) >= 2);
        let body: serde_json::Value = serde_json::from_str(body_str(&rec)).unwrap();
        assert_eq!(body["full_name"], "[REDACTED]");
        assert!(body["phone"].as_str().unwrap().starts_with("hmac:"));
        assert_eq!(body["msg"], "signup");
        assert_eq!(body["status"], "ok");
        // Untouched JSON text keeps its exact text; broken JSON is free text.
        let text = r#"{ "msg": "started",  "port": 8080 }"#;
        let mut rec = string_body(text);
        assert_eq!(redact_other(&r, &mut rec), 0);
        assert_eq!(body_str(&rec), text);
        let mut rec = string_body(r#"{"msg": "mail bob@example.com"#);
        assert_eq!(redact_other(&r, &mut rec), 1);
        assert!(!body_str(&rec).contains("bob@example.com"));
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
