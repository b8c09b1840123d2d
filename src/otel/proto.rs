//! OTLP protobuf messages as prost types: JSON (a `Value` or a [`Doc`] node) ↔ `AnyValue`
//! conversions that keep key order, resources, scopes, and requests as trees for tests and for
//! OTLP/JSON lines. The processor's records are bytes ([`super::encode`]); these are for what
//! is read back or built by hand.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::Value;

use crate::json::{Doc, Kind, Number};

/// The instrumentation scope of records made by audit-otel.
pub const SCOPE_NAME: &str = "audit-otel";

fn kv(key: String, value: any_value::Value) -> KeyValue {
    KeyValue {
        key,
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

/// Converts JSON to an OTLP `AnyValue`, moving strings and keeping object key order.
pub fn json_to_any(v: Value) -> AnyValue {
    use any_value::Value as V;
    let value = match v {
        Value::Null => None,
        Value::Bool(b) => Some(V::BoolValue(b)),
        Value::Number(n) => Some(match n.as_i64() {
            Some(i) => V::IntValue(i),
            None if n.is_u64() => V::StringValue(n.to_string()),
            None => V::DoubleValue(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Value::String(s) => Some(V::StringValue(s)),
        Value::Array(a) => Some(V::ArrayValue(ArrayValue {
            values: a.into_iter().map(json_to_any).collect(),
        })),
        Value::Object(m) => Some(V::KvlistValue(KeyValueList {
            values: m
                .into_iter()
                .map(|(k, v)| KeyValue {
                    key: k,
                    value: Some(json_to_any(v)),
                    ..KeyValue::default()
                })
                .collect(),
        })),
    };
    AnyValue { value }
}

/// Converts an OTLP `AnyValue` back to JSON (for tests, explanations and redaction of records
/// received over OTLP). Bytes become hex strings.
pub fn any_to_json(v: &AnyValue) -> Value {
    use any_value::Value as V;
    match &v.value {
        None => Value::Null,
        Some(V::StringValue(s)) => Value::String(s.clone()),
        Some(V::BoolValue(b)) => Value::Bool(*b),
        Some(V::IntValue(i)) => Value::from(*i),
        Some(V::DoubleValue(d)) => serde_json::Number::from_f64(*d)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Some(V::ArrayValue(a)) => Value::Array(a.values.iter().map(any_to_json).collect()),
        Some(V::KvlistValue(kv)) => Value::Object(
            kv.values
                .iter()
                .map(|k| {
                    (
                        k.key.clone(),
                        k.value.as_ref().map(any_to_json).unwrap_or(Value::Null),
                    )
                })
                .collect(),
        ),
        Some(V::BytesValue(b)) => Value::String(hex::encode(b)),
        // Indexes into a profile's string table; meaningless outside it.
        Some(V::StringValueStrindex(_)) => Value::Null,
    }
}

/// A resource from `key = value` string attributes.
pub fn resource(attributes: &[(String, String)]) -> Resource {
    Resource {
        attributes: attributes
            .iter()
            .map(|(k, v)| kv(k.clone(), any_value::Value::StringValue(v.clone())))
            .collect(),
        ..Resource::default()
    }
}

/// One export request: one resource, our instrumentation scope, the given records.
pub fn export_request(resource: Resource, records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(resource),
            scope_logs: vec![ScopeLogs {
                scope: Some(audit_scope()),
                log_records: records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The request as one line of OTLP/JSON (the protobuf JSON mapping), without a newline.
pub fn to_json_line(req: &ExportLogsServiceRequest) -> String {
    serde_json::to_string(req).expect("OTLP requests always serialize")
}

/// Node `n` of `doc` as an OTLP `AnyValue` (as [`json_to_any`] converts the same JSON).
pub fn doc_to_any(doc: &Doc, n: usize) -> AnyValue {
    use any_value::Value as V;
    let value = match doc.kind(n) {
        Kind::Null => None,
        Kind::Bool => Some(V::BoolValue(doc.as_bool(n) == Some(true))),
        Kind::Number => Some(match doc.number(n) {
            Some(Number::I64(i)) => V::IntValue(i),
            Some(Number::U64(_)) => V::StringValue(doc.literal(n).unwrap_or("").to_owned()),
            Some(Number::F64(f)) => V::DoubleValue(f),
            None => V::DoubleValue(f64::NAN),
        }),
        Kind::String => Some(V::StringValue(doc.as_str(n).unwrap_or("").to_owned())),
        Kind::Array => Some(V::ArrayValue(ArrayValue {
            values: doc.children(n).map(|c| doc_to_any(doc, c)).collect(),
        })),
        Kind::Object => Some(V::KvlistValue(KeyValueList {
            values: doc
                .children(n)
                .map(|c| KeyValue {
                    key: doc.key(c).to_owned(),
                    value: Some(doc_to_any(doc, c)),
                    ..KeyValue::default()
                })
                .collect(),
        })),
    };
    AnyValue { value }
}

/// The instrumentation scope of records made by audit-otel.
pub fn audit_scope() -> InstrumentationScope {
    InstrumentationScope {
        name: SCOPE_NAME.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        ..InstrumentationScope::default()
    }
}
