//! The [`RecordBuilder`] for any `opentelemetry::logs::LogRecord` (the SDK's record, or a test
//! double): what the tracing layer emits.
//!
//! The OpenTelemetry API stores maps as hash maps, so the key order of nested objects is not
//! kept on this path (OTLP receivers do not rely on it). Event names must be `&'static str`:
//! built-in catalog entries are; entries added at run time use [`CUSTOM_EVENT_NAME`], with the
//! type still in `event.action`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use opentelemetry::logs::{AnyValue, LogRecord, Severity};
use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use opentelemetry::Key;
use serde_json::Value;

use super::RecordBuilder;
use crate::json::{Doc, Kind, Number};

/// Event name of records whose catalog entry was added at run time.
pub const CUSTOM_EVENT_NAME: &str = "audit.custom";

/// Wraps an SDK log record.
pub struct SdkRecord<'a, R: LogRecord>(pub &'a mut R);

fn severity_of(number: i32) -> Severity {
    match number {
        ..=4 => Severity::Trace,
        5..=8 => Severity::Debug,
        9 => Severity::Info,
        10..=12 => Severity::Info4,
        13..=16 => Severity::Warn,
        17..=20 => Severity::Error,
        _ => Severity::Fatal,
    }
}

impl<R: LogRecord> RecordBuilder for SdkRecord<'_, R> {
    #[allow(clippy::ptr_arg)]
    fn event_name(&mut self, name: &Cow<'static, str>) {
        match name {
            Cow::Borrowed(s) => self.0.set_event_name(s),
            Cow::Owned(_) => self.0.set_event_name(CUSTOM_EVENT_NAME),
        }
    }

    fn timestamps(&mut self, time_unix_nano: u64, observed_unix_nano: u64) {
        self.0
            .set_timestamp(UNIX_EPOCH + Duration::from_nanos(time_unix_nano));
        self.0
            .set_observed_timestamp(UNIX_EPOCH + Duration::from_nanos(observed_unix_nano));
    }

    fn severity(&mut self, number: i32, text: &'static str) {
        self.0.set_severity_number(severity_of(number));
        self.0.set_severity_text(text);
    }

    fn trace_context(&mut self, trace_id: [u8; 16], span_id: [u8; 8]) {
        self.0.set_trace_context(
            TraceId::from_bytes(trace_id),
            SpanId::from_bytes(span_id),
            Some(TraceFlags::SAMPLED),
        );
    }

    fn body(&mut self, doc: &Doc, n: usize) {
        self.0.set_body(doc_to_sdk(doc, n));
    }

    fn attr_static(&mut self, key: &'static str, value: &'static str) {
        self.0.add_attribute(Key::from_static_str(key), value);
    }

    fn attr_str(&mut self, key: &'static str, value: &str) {
        self.0
            .add_attribute(Key::from_static_str(key), value.to_owned());
    }

    fn attr_i64(&mut self, key: &'static str, value: i64) {
        self.0.add_attribute(Key::from_static_str(key), value);
    }

    fn attr_node(&mut self, prefix: &'static str, name: &str, doc: &Doc, n: usize) {
        let key = if name.is_empty() {
            Key::from_static_str(prefix)
        } else {
            Key::new(format!("{prefix}{name}"))
        };
        self.0.add_attribute(key, doc_to_sdk(doc, n));
    }

    fn attr_strs(&mut self, key: &'static str, values: &[&str]) {
        let list = values
            .iter()
            .map(|s| AnyValue::String((*s).to_owned().into()))
            .collect();
        self.0
            .add_attribute(Key::from_static_str(key), AnyValue::ListAny(Box::new(list)));
    }
}

/// Converts node `n` of `doc` to the OpenTelemetry API's `AnyValue` (as [`json_to_sdk`] converts
/// the same JSON).
pub fn doc_to_sdk(doc: &Doc, n: usize) -> AnyValue {
    match doc.kind(n) {
        Kind::Null => AnyValue::String("".into()),
        Kind::Bool => AnyValue::Boolean(doc.as_bool(n) == Some(true)),
        Kind::Number => match doc.number(n) {
            Some(Number::I64(i)) => AnyValue::Int(i),
            Some(Number::U64(_)) => {
                AnyValue::String(doc.literal(n).unwrap_or("").to_owned().into())
            }
            Some(Number::F64(f)) => AnyValue::Double(f),
            None => AnyValue::Double(f64::NAN),
        },
        Kind::String => AnyValue::String(doc.as_str(n).unwrap_or("").to_owned().into()),
        Kind::Array => AnyValue::ListAny(Box::new(
            doc.children(n).map(|c| doc_to_sdk(doc, c)).collect(),
        )),
        Kind::Object => AnyValue::Map(Box::new(
            doc.children(n)
                .map(|c| (Key::new(doc.key(c).to_owned()), doc_to_sdk(doc, c)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

/// Converts JSON to the OpenTelemetry API's `AnyValue`.
pub fn json_to_sdk(v: Value) -> AnyValue {
    match v {
        // The API has no null; an empty string is the closest neutral value.
        Value::Null => AnyValue::String("".into()),
        Value::Bool(b) => AnyValue::Boolean(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AnyValue::Int(i),
            None if n.is_u64() => AnyValue::String(n.to_string().into()),
            None => AnyValue::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => AnyValue::String(s.into()),
        Value::Array(a) => AnyValue::ListAny(Box::new(a.into_iter().map(json_to_sdk).collect())),
        Value::Object(m) => AnyValue::Map(Box::new(
            m.into_iter()
                .map(|(k, v)| (Key::new(k), json_to_sdk(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}
