//! OTLP protobuf records: the [`RecordBuilder`] the processor uses, JSON → `AnyValue`
//! conversion that keeps key order, and request assembly for export and for OTLP/JSON lines.

use std::borrow::Cow;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::Value;

use super::RecordBuilder;

/// The instrumentation scope of records made by audit-otel.
pub const SCOPE_NAME: &str = "audit-otel";

/// A protobuf log record under construction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtoRecord(pub LogRecord);

impl ProtoRecord {
    /// An empty record with room for the usual number of attributes.
    pub fn new() -> ProtoRecord {
        ProtoRecord(LogRecord {
            attributes: Vec::with_capacity(20),
            ..LogRecord::default()
        })
    }

    /// The finished record.
    pub fn into_inner(self) -> LogRecord {
        self.0
    }
}

fn kv(key: String, value: any_value::Value) -> KeyValue {
    KeyValue {
        key,
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

impl RecordBuilder for ProtoRecord {
    #[allow(clippy::ptr_arg)]
    fn event_name(&mut self, name: &Cow<'static, str>) {
        self.0.event_name = name.to_string();
    }

    fn timestamps(&mut self, time_unix_nano: u64, observed_unix_nano: u64) {
        self.0.time_unix_nano = time_unix_nano;
        self.0.observed_time_unix_nano = observed_unix_nano;
    }

    fn severity(&mut self, number: i32, text: &'static str) {
        self.0.severity_number = number;
        self.0.severity_text = text.to_owned();
    }

    fn trace_context(&mut self, trace_id: [u8; 16], span_id: [u8; 8]) {
        self.0.trace_id = trace_id.to_vec();
        self.0.span_id = span_id.to_vec();
        // The platform's spans are sampled when they have a tracking id.
        self.0.flags = 1;
    }

    fn body(&mut self, body: Value) {
        self.0.body = Some(json_to_any(body));
    }

    fn attr_static(&mut self, key: &'static str, value: &'static str) {
        self.0.attributes.push(kv(
            key.to_owned(),
            any_value::Value::StringValue(value.to_owned()),
        ));
    }

    fn attr_string(&mut self, key: &'static str, value: String) {
        self.0
            .attributes
            .push(kv(key.to_owned(), any_value::Value::StringValue(value)));
    }

    fn attr_i64(&mut self, key: &'static str, value: i64) {
        self.0
            .attributes
            .push(kv(key.to_owned(), any_value::Value::IntValue(value)));
    }

    fn attr_json(&mut self, key: String, value: Value) {
        self.0.attributes.push(KeyValue {
            key,
            value: Some(json_to_any(value)),
            ..KeyValue::default()
        });
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
                scope: Some(InstrumentationScope {
                    name: SCOPE_NAME.to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    ..InstrumentationScope::default()
                }),
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
