//! OTLP protobuf encoding of export requests, every nested message measured once.
//!
//! prost writes a nested message's length before the message, and asks the message for it,
//! which asks each of its children, and so on: a record body nested four maps deep is measured
//! four times over, and measuring was the largest single cost of encoding (BENCHMARKS.md,
//! "Profile"). Here a first pass measures every message of the request once, bottom-up, and
//! keeps the lengths in the order the second pass writes them; the second pass writes the
//! bytes into one buffer sized exactly. Records, bodies and attributes (the hot messages) are
//! written here; the resource and scope, once per request part, by prost. The bytes are the
//! same as prost's, field order included (tested against `prost::Message::encode_to_vec`).

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len, WireType};
use prost::Message;

/// Appends the protobuf encoding of `req` to `out` (the same bytes as prost's).
pub fn encode_export_request(req: &ExportLogsServiceRequest, out: &mut Vec<u8>) {
    let mut lens = Vec::new();
    let len: usize = req
        .resource_logs
        .iter()
        .map(|rl| field_len(1, measure_resource_logs(rl, &mut lens)))
        .sum();
    out.reserve(len);
    let mut w = Writer {
        out,
        lens: &lens,
        next: 0,
    };
    for rl in &req.resource_logs {
        w.resource_logs(1, rl);
    }
    debug_assert_eq!(w.next, lens.len());
}

/// The protobuf encoding of `req` in a new buffer.
pub fn export_request_to_vec(req: &ExportLogsServiceRequest) -> Vec<u8> {
    let mut out = Vec::new();
    encode_export_request(req, &mut out);
    out
}

/// Bytes of a length-delimited field with a body of `len` bytes.
fn field_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// Bytes of a string or bytes field, left out when empty (proto3).
fn bytes_len(tag: u32, b: &[u8]) -> usize {
    if b.is_empty() {
        0
    } else {
        field_len(tag, b.len())
    }
}

fn varint_len(tag: u32, v: u64) -> usize {
    if v == 0 {
        0
    } else {
        key_len(tag) + encoded_len_varint(v)
    }
}

// Pass one: lengths, pushed in the order pass two writes the messages (a message's slot before
// its children's).

fn measure_resource_logs(rl: &ResourceLogs, lens: &mut Vec<usize>) -> usize {
    let slot = reserve(lens);
    let mut n = rl
        .resource
        .as_ref()
        .map_or(0, |r| field_len(1, r.encoded_len()));
    for sl in &rl.scope_logs {
        n += field_len(2, measure_scope_logs(sl, lens));
    }
    n += bytes_len(3, rl.schema_url.as_bytes());
    lens[slot] = n;
    n
}

fn measure_scope_logs(sl: &ScopeLogs, lens: &mut Vec<usize>) -> usize {
    let slot = reserve(lens);
    let mut n = sl
        .scope
        .as_ref()
        .map_or(0, |s| field_len(1, s.encoded_len()));
    for r in &sl.log_records {
        n += field_len(2, measure_record(r, lens));
    }
    n += bytes_len(3, sl.schema_url.as_bytes());
    lens[slot] = n;
    n
}

fn measure_record(r: &LogRecord, lens: &mut Vec<usize>) -> usize {
    let slot = reserve(lens);
    let mut n = 0;
    if r.time_unix_nano != 0 {
        n += key_len(1) + 8;
    }
    n += varint_len(2, r.severity_number as i64 as u64);
    n += bytes_len(3, r.severity_text.as_bytes());
    if let Some(body) = &r.body {
        n += field_len(5, measure_any(body, lens));
    }
    for kv in &r.attributes {
        n += field_len(6, measure_kv(kv, lens));
    }
    n += varint_len(7, u64::from(r.dropped_attributes_count));
    if r.flags != 0 {
        n += key_len(8) + 4;
    }
    n += bytes_len(9, &r.trace_id);
    n += bytes_len(10, &r.span_id);
    if r.observed_time_unix_nano != 0 {
        n += key_len(11) + 8;
    }
    n += bytes_len(12, r.event_name.as_bytes());
    lens[slot] = n;
    n
}

fn measure_kv(kv: &KeyValue, lens: &mut Vec<usize>) -> usize {
    let slot = reserve(lens);
    let mut n = bytes_len(1, kv.key.as_bytes());
    if let Some(v) = &kv.value {
        n += field_len(2, measure_any(v, lens));
    }
    n += varint_len(3, kv.key_strindex as i64 as u64);
    lens[slot] = n;
    n
}

fn measure_any(v: &AnyValue, lens: &mut Vec<usize>) -> usize {
    use any_value::Value;
    let slot = reserve(lens);
    // A oneof field is written whatever its value, default or not.
    let n = match &v.value {
        None => 0,
        Some(Value::StringValue(s)) => field_len(1, s.len()),
        Some(Value::BoolValue(_)) => key_len(2) + 1,
        Some(Value::IntValue(i)) => key_len(3) + encoded_len_varint(*i as u64),
        Some(Value::DoubleValue(_)) => key_len(4) + 8,
        Some(Value::ArrayValue(a)) => {
            let inner = reserve(lens);
            let len: usize = a
                .values
                .iter()
                .map(|v| field_len(1, measure_any(v, lens)))
                .sum();
            lens[inner] = len;
            field_len(5, len)
        }
        Some(Value::KvlistValue(l)) => {
            let inner = reserve(lens);
            let len: usize = l
                .values
                .iter()
                .map(|kv| field_len(1, measure_kv(kv, lens)))
                .sum();
            lens[inner] = len;
            field_len(6, len)
        }
        Some(Value::BytesValue(b)) => field_len(7, b.len()),
        Some(Value::StringValueStrindex(i)) => key_len(8) + encoded_len_varint(*i as i64 as u64),
    };
    lens[slot] = n;
    n
}

fn reserve(lens: &mut Vec<usize>) -> usize {
    lens.push(0);
    lens.len() - 1
}

// Pass two: the bytes, taking the lengths in order.

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    lens: &'a [usize],
    next: usize,
}

impl Writer<'_> {
    /// The key and length of a nested message measured in pass one.
    fn open(&mut self, tag: u32) {
        let len = self.lens[self.next];
        self.next += 1;
        encode_key(tag, WireType::LengthDelimited, self.out);
        encode_varint(len as u64, self.out);
    }

    fn bytes(&mut self, tag: u32, b: &[u8]) {
        if !b.is_empty() {
            self.bytes_always(tag, b);
        }
    }

    fn bytes_always(&mut self, tag: u32, b: &[u8]) {
        encode_key(tag, WireType::LengthDelimited, self.out);
        encode_varint(b.len() as u64, self.out);
        self.out.extend_from_slice(b);
    }

    fn varint(&mut self, tag: u32, v: u64) {
        if v != 0 {
            encode_key(tag, WireType::Varint, self.out);
            encode_varint(v, self.out);
        }
    }

    fn fixed64(&mut self, tag: u32, v: u64) {
        encode_key(tag, WireType::SixtyFourBit, self.out);
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    /// A small message prost measures and writes (the resource, the scope).
    fn prost_message(&mut self, tag: u32, m: &impl Message) {
        encode_key(tag, WireType::LengthDelimited, self.out);
        encode_varint(m.encoded_len() as u64, self.out);
        m.encode_raw(self.out);
    }

    fn resource_logs(&mut self, tag: u32, rl: &ResourceLogs) {
        self.open(tag);
        if let Some(r) = &rl.resource {
            self.prost_message(1, r);
        }
        for sl in &rl.scope_logs {
            self.scope_logs(2, sl);
        }
        self.bytes(3, rl.schema_url.as_bytes());
    }

    fn scope_logs(&mut self, tag: u32, sl: &ScopeLogs) {
        self.open(tag);
        if let Some(s) = &sl.scope {
            self.prost_message(1, s);
        }
        for r in &sl.log_records {
            self.record(2, r);
        }
        self.bytes(3, sl.schema_url.as_bytes());
    }

    fn record(&mut self, tag: u32, r: &LogRecord) {
        self.open(tag);
        if r.time_unix_nano != 0 {
            self.fixed64(1, r.time_unix_nano);
        }
        self.varint(2, r.severity_number as i64 as u64);
        self.bytes(3, r.severity_text.as_bytes());
        if let Some(body) = &r.body {
            self.any(5, body);
        }
        for kv in &r.attributes {
            self.kv(6, kv);
        }
        self.varint(7, u64::from(r.dropped_attributes_count));
        if r.flags != 0 {
            encode_key(8, WireType::ThirtyTwoBit, self.out);
            self.out.extend_from_slice(&r.flags.to_le_bytes());
        }
        self.bytes(9, &r.trace_id);
        self.bytes(10, &r.span_id);
        if r.observed_time_unix_nano != 0 {
            self.fixed64(11, r.observed_time_unix_nano);
        }
        self.bytes(12, r.event_name.as_bytes());
    }

    fn kv(&mut self, tag: u32, kv: &KeyValue) {
        self.open(tag);
        self.bytes(1, kv.key.as_bytes());
        if let Some(v) = &kv.value {
            self.any(2, v);
        }
        self.varint(3, kv.key_strindex as i64 as u64);
    }

    fn any(&mut self, tag: u32, v: &AnyValue) {
        use any_value::Value;
        self.open(tag);
        match &v.value {
            None => {}
            Some(Value::StringValue(s)) => self.bytes_always(1, s.as_bytes()),
            Some(Value::BoolValue(b)) => {
                encode_key(2, WireType::Varint, self.out);
                self.out.push(u8::from(*b));
            }
            Some(Value::IntValue(i)) => {
                encode_key(3, WireType::Varint, self.out);
                encode_varint(*i as u64, self.out);
            }
            Some(Value::DoubleValue(d)) => self.fixed64(4, d.to_bits()),
            Some(Value::ArrayValue(a)) => {
                self.open(5);
                for v in &a.values {
                    self.any(1, v);
                }
            }
            Some(Value::KvlistValue(l)) => {
                self.open(6);
                for kv in &l.values {
                    self.kv(1, kv);
                }
            }
            Some(Value::BytesValue(b)) => self.bytes_always(7, b),
            Some(Value::StringValueStrindex(i)) => {
                encode_key(8, WireType::Varint, self.out);
                encode_varint(*i as i64 as u64, self.out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, InstrumentationScope, KeyValueList};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use proptest::prelude::*;

    fn any_value() -> impl Strategy<Value = AnyValue> {
        use any_value::Value;
        let leaf = prop_oneof![
            Just(None),
            ".{0,8}".prop_map(|s| Some(Value::StringValue(s))),
            any::<bool>().prop_map(|b| Some(Value::BoolValue(b))),
            any::<i64>().prop_map(|i| Some(Value::IntValue(i))),
            any::<f64>().prop_map(|d| Some(Value::DoubleValue(d))),
            proptest::collection::vec(any::<u8>(), 0..4).prop_map(|b| Some(Value::BytesValue(b))),
            any::<i32>().prop_map(|i| Some(Value::StringValueStrindex(i))),
        ]
        .prop_map(|value| AnyValue { value });
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(|values| AnyValue {
                    value: Some(any_value::Value::ArrayValue(ArrayValue { values })),
                }),
                proptest::collection::vec(kv(inner), 0..4).prop_map(|values| AnyValue {
                    value: Some(any_value::Value::KvlistValue(KeyValueList { values })),
                }),
            ]
        })
    }

    fn kv(value: impl Strategy<Value = AnyValue>) -> impl Strategy<Value = KeyValue> {
        (
            ".{0,6}",
            proptest::option::of(value),
            prop_oneof![Just(0), any::<i32>()],
        )
            .prop_map(|(key, value, key_strindex)| KeyValue {
                key,
                value,
                key_strindex,
            })
    }

    fn record() -> impl Strategy<Value = LogRecord> {
        (
            (any::<u64>(), any::<u64>(), -3i32..30, ".{0,4}"),
            (
                proptest::option::of(any_value()),
                proptest::collection::vec(kv(any_value()), 0..4),
            ),
            (
                any::<u32>(),
                any::<u32>(),
                proptest::collection::vec(any::<u8>(), 0..17),
            ),
            (proptest::collection::vec(any::<u8>(), 0..9), ".{0,4}"),
        )
            .prop_map(
                |(
                    (t, o, sev, sev_text),
                    (body, attributes),
                    (dropped, flags, trace_id),
                    (span_id, event_name),
                )| LogRecord {
                    time_unix_nano: t % 3 * t,
                    observed_time_unix_nano: o % 3 * o,
                    severity_number: sev,
                    severity_text: sev_text,
                    body,
                    attributes,
                    dropped_attributes_count: dropped % 2 * dropped,
                    flags: flags % 2 * flags,
                    trace_id,
                    span_id,
                    event_name,
                },
            )
    }

    fn request() -> impl Strategy<Value = ExportLogsServiceRequest> {
        let scope = proptest::option::of(".{0,4}".prop_map(|name| InstrumentationScope {
            name,
            version: "1".into(),
            ..Default::default()
        }));
        let scope_logs = (scope, proptest::collection::vec(record(), 0..4), ".{0,3}").prop_map(
            |(scope, log_records, schema_url)| ScopeLogs {
                scope,
                log_records,
                schema_url,
            },
        );
        let resource = proptest::option::of(
            proptest::collection::vec(kv(any_value()), 0..3).prop_map(|attributes| Resource {
                attributes,
                ..Default::default()
            }),
        );
        let resource_logs = (
            resource,
            proptest::collection::vec(scope_logs, 0..3),
            ".{0,3}",
        )
            .prop_map(|(resource, scope_logs, schema_url)| ResourceLogs {
                resource,
                scope_logs,
                schema_url,
            });
        proptest::collection::vec(resource_logs, 0..3)
            .prop_map(|resource_logs| ExportLogsServiceRequest { resource_logs })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn the_bytes_are_prosts(req in request()) {
            prop_assert_eq!(export_request_to_vec(&req), req.encode_to_vec());
        }
    }

    #[test]
    fn records_the_core_makes_encode_as_prost_does() {
        let core = crate::AuditCore::default();
        let mut generator = crate::generate::Generator::new(crate::generate::GeneratorOptions {
            seed: 7,
            ..Default::default()
        });
        let mut records = Vec::new();
        let mut line = Vec::new();
        for _ in 0..300 {
            line.clear();
            generator.write_line(&mut line);
            if let Ok(r) = core.process(&line, 1) {
                records.push(r);
            }
        }
        assert!(records.len() > 200);
        let req = crate::otel::proto::export_request(
            crate::otel::proto::resource(&[("service.name".into(), "idp".into())]),
            records,
        );
        let mut out = b"prefix".to_vec();
        encode_export_request(&req, &mut out);
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(&out[6..], &req.encode_to_vec()[..]);
    }
}
