//! OTLP protobuf, written straight from an event's parsed JSON: no record tree is built, and no
//! message is measured twice.
//!
//! - [`RecordWriter`] is the [`RecordBuilder`] that writes a `LogRecord` message's bytes as
//!   [`super::map_event`] calls it. A structured value (the body, an `audit.context.*`
//!   attribute) is a node of the event's [`Doc`]: one pass measures every container under it
//!   (bottom-up, lengths kept by node), a second writes the bytes. prost, by contrast, asks a
//!   nested message for its length at every level it is nested in.
//! - [`EncodedRecords`] holds the records of a batch, one after another in one buffer: what
//!   sources hand to sinks, what the disk buffer stores and what requests are made of.
//! - [`write_request`] frames such records into an `ExportLogsServiceRequest` (resource, scope,
//!   records), into any writer: a compressor takes the request as it is written.
//!
//! The bytes are canonical: fields in field-number order, defaults left out, the same bytes as
//! prost's encoding of the decoded message (tested).

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, Write};
use std::ops::Range;

use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::encoding::encoded_len_varint;
use prost::Message;

use super::RecordBuilder;
use crate::json::{Doc, Kind, Number};

// Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
const LOG_TIME: u8 = 1 << 3 | 1;
const LOG_SEVERITY_NUMBER: u8 = 2 << 3;
const LOG_SEVERITY_TEXT: u8 = 3 << 3 | 2;
const LOG_BODY: u8 = 5 << 3 | 2;
const LOG_ATTRIBUTE: u8 = 6 << 3 | 2;
const LOG_FLAGS: u8 = 8 << 3 | 5;
const LOG_TRACE_ID: u8 = 9 << 3 | 2;
const LOG_SPAN_ID: u8 = 10 << 3 | 2;
const LOG_OBSERVED_TIME: u8 = 11 << 3 | 1;
const LOG_EVENT_NAME: u8 = 12 << 3 | 2;
const KV_KEY: u8 = 1 << 3 | 2;
const KV_VALUE: u8 = 2 << 3 | 2;
const ANY_STRING: u8 = 1 << 3 | 2;
const ANY_BOOL: u8 = 2 << 3;
const ANY_INT: u8 = 3 << 3;
const ANY_DOUBLE: u8 = 4 << 3 | 1;
const ANY_ARRAY: u8 = 5 << 3 | 2;
const ANY_KVLIST: u8 = 6 << 3 | 2;
/// `ArrayValue.values` and `KeyValueList.values`: field 1, length-delimited.
const REPEATED_VALUES: u8 = 1 << 3 | 2;
/// `ExportLogsServiceRequest.resource_logs`, `ResourceLogs.resource`, `ScopeLogs.scope`.
const FIELD_1: u8 = 1 << 3 | 2;
/// `ResourceLogs.scope_logs`, `ScopeLogs.log_records`.
const FIELD_2: u8 = 2 << 3 | 2;

/// Appends a varint.
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Bytes of a length-delimited field (one-byte tag) with a body of `len` bytes.
#[inline]
fn framed(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

#[inline]
fn put_bytes(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
    out.push(tag);
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

// === values ===

/// Lengths of the containers of one document: `inner[n]` is the length of container `n`'s
/// `ArrayValue` or `KeyValueList` message.
#[derive(Default)]
struct Lengths {
    inner: Vec<u32>,
}

impl Lengths {
    /// Measures node `n` and every container under it; returns the length of its `AnyValue`.
    fn measure(&mut self, doc: &Doc, n: usize) -> usize {
        if self.inner.len() < doc.len() {
            self.inner.resize(doc.len(), 0);
        }
        self.any_len(doc, n, true)
    }

    /// The length of node `n`'s `AnyValue`; containers are measured when `measure`, else read
    /// from an earlier measurement.
    fn any_len(&mut self, doc: &Doc, n: usize, measure: bool) -> usize {
        match doc.kind(n) {
            Kind::Null => 0,
            Kind::Bool => 2,
            Kind::Number => match doc.number(n) {
                Some(Number::I64(i)) => 1 + encoded_len_varint(i as u64),
                Some(Number::U64(_)) => framed(doc.literal(n).map_or(0, str::len)),
                Some(Number::F64(_)) | None => 9,
            },
            Kind::String => framed(doc.as_str(n).map_or(0, str::len)),
            Kind::Array | Kind::Object => {
                if measure {
                    let object = doc.kind(n) == Kind::Object;
                    let mut len = 0;
                    for c in doc.children(n) {
                        let v = self.any_len(doc, c, true);
                        len += if object {
                            framed(kv_len(doc.key(c).len(), v))
                        } else {
                            framed(v)
                        };
                    }
                    self.inner[n] = len as u32;
                    framed(len)
                } else {
                    framed(self.inner[n] as usize)
                }
            }
        }
    }

    /// Writes node `n`'s `AnyValue` message body (measured before).
    fn write(&mut self, doc: &Doc, n: usize, out: &mut Vec<u8>) {
        match doc.kind(n) {
            Kind::Null => {}
            Kind::Bool => {
                out.push(ANY_BOOL);
                out.push(u8::from(doc.as_bool(n) == Some(true)));
            }
            Kind::Number => match doc.number(n) {
                Some(Number::I64(i)) => {
                    out.push(ANY_INT);
                    put_varint(out, i as u64);
                }
                // Beyond i64: the exact digits, as a string.
                Some(Number::U64(_)) => {
                    put_bytes(out, ANY_STRING, doc.literal(n).unwrap_or("").as_bytes())
                }
                Some(Number::F64(f)) => {
                    out.push(ANY_DOUBLE);
                    out.extend_from_slice(&f.to_bits().to_le_bytes());
                }
                None => {
                    out.push(ANY_DOUBLE);
                    out.extend_from_slice(&f64::NAN.to_bits().to_le_bytes());
                }
            },
            Kind::String => put_bytes(out, ANY_STRING, doc.as_str(n).unwrap_or("").as_bytes()),
            Kind::Array | Kind::Object => {
                let object = doc.kind(n) == Kind::Object;
                out.push(if object { ANY_KVLIST } else { ANY_ARRAY });
                put_varint(out, u64::from(self.inner[n]));
                for c in doc.children(n) {
                    let v = self.any_len(doc, c, false);
                    out.push(REPEATED_VALUES);
                    if object {
                        let key = doc.key(c);
                        put_varint(out, kv_len(key.len(), v) as u64);
                        if !key.is_empty() {
                            put_bytes(out, KV_KEY, key.as_bytes());
                        }
                        out.push(KV_VALUE);
                    }
                    put_varint(out, v as u64);
                    self.write(doc, c, out);
                }
            }
        }
    }
}

/// The length of a `KeyValue` with a key of `key` bytes and an `AnyValue` of `value` bytes.
#[inline]
fn kv_len(key: usize, value: usize) -> usize {
    (if key == 0 { 0 } else { framed(key) }) + framed(value)
}

thread_local! {
    static LENGTHS: RefCell<Lengths> = RefCell::new(Lengths::default());
}

/// Runs `f` with this thread's length buffer (a fresh one when it is in use).
fn with_lengths<R>(f: impl FnOnce(&mut Lengths) -> R) -> R {
    LENGTHS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut l) => f(&mut l),
        Err(_) => f(&mut Lengths::default()),
    })
}

/// Appends node `n` of `doc` as a field `tag` holding an `AnyValue`.
fn put_any_field(out: &mut Vec<u8>, tag: u8, doc: &Doc, n: usize) {
    with_lengths(|l| {
        let len = l.measure(doc, n);
        out.push(tag);
        put_varint(out, len as u64);
        l.write(doc, n, out);
    })
}

/// Appends a `KeyValue` attribute field whose key is `prefix` + `name` and whose value is node
/// `n` of `doc`.
fn put_attribute_node(out: &mut Vec<u8>, prefix: &str, name: &str, doc: &Doc, n: usize) {
    with_lengths(|l| {
        let v = l.measure(doc, n);
        let key = prefix.len() + name.len();
        out.push(LOG_ATTRIBUTE);
        put_varint(out, kv_len(key, v) as u64);
        if key > 0 {
            out.push(KV_KEY);
            put_varint(out, key as u64);
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        out.push(KV_VALUE);
        put_varint(out, v as u64);
        l.write(doc, n, out);
    })
}

// === records ===

/// Writes one `LogRecord` message (without its own tag and length) as [`super::map_event`]
/// calls it; [`RecordWriter::finish`] writes the fields that come after the attributes.
pub struct RecordWriter<'a> {
    out: &'a mut Vec<u8>,
    observed_unix_nano: u64,
    trace: Option<([u8; 16], [u8; 8])>,
    fallback: Option<SenderTrace>,
    event_name: Cow<'static, str>,
}

/// A trace context from outside the event (an OTLP sender's record): written when the event
/// brings none of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderTrace {
    /// The trace id.
    pub trace_id: [u8; 16],
    /// The span id, when valid.
    pub span_id: Option<[u8; 8]>,
    /// The sender's trace flags.
    pub flags: u32,
}

impl SenderTrace {
    /// The sender's context when it is valid (W3C: ids of the right length, not all zeros).
    pub fn from_ids(trace_id: &[u8], span_id: &[u8], flags: u32) -> Option<SenderTrace> {
        let trace_id: [u8; 16] = trace_id.try_into().ok().filter(|t| *t != [0; 16])?;
        let span_id = <[u8; 8]>::try_from(span_id).ok().filter(|s| *s != [0; 8]);
        Some(SenderTrace {
            trace_id,
            span_id,
            flags,
        })
    }
}

impl<'a> RecordWriter<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> RecordWriter<'a> {
        RecordWriter {
            out,
            observed_unix_nano: 0,
            trace: None,
            fallback: None,
            event_name: Cow::Borrowed(""),
        }
    }

    /// Writes `trace` when the event brings no trace context of its own.
    pub fn with_fallback_trace(mut self, trace: Option<SenderTrace>) -> Self {
        self.fallback = trace;
        self
    }

    /// Writes the trace context, the observation time and the event name.
    pub fn finish(self) {
        let out = self.out;
        if let Some((trace, span)) = self.trace {
            // The platform's spans are sampled when they have a tracking id.
            out.push(LOG_FLAGS);
            out.extend_from_slice(&1u32.to_le_bytes());
            put_bytes(out, LOG_TRACE_ID, &trace);
            put_bytes(out, LOG_SPAN_ID, &span);
        } else if let Some(t) = self.fallback {
            if t.flags != 0 {
                out.push(LOG_FLAGS);
                out.extend_from_slice(&t.flags.to_le_bytes());
            }
            put_bytes(out, LOG_TRACE_ID, &t.trace_id);
            if let Some(span) = t.span_id {
                put_bytes(out, LOG_SPAN_ID, &span);
            }
        }
        if self.observed_unix_nano != 0 {
            out.push(LOG_OBSERVED_TIME);
            out.extend_from_slice(&self.observed_unix_nano.to_le_bytes());
        }
        if !self.event_name.is_empty() {
            put_bytes(out, LOG_EVENT_NAME, self.event_name.as_bytes());
        }
    }

    fn attr_string_value(&mut self, key: &str, value: &str) {
        let v = framed(value.len());
        self.out.push(LOG_ATTRIBUTE);
        put_varint(self.out, kv_len(key.len(), v) as u64);
        if !key.is_empty() {
            put_bytes(self.out, KV_KEY, key.as_bytes());
        }
        self.out.push(KV_VALUE);
        put_varint(self.out, v as u64);
        put_bytes(self.out, ANY_STRING, value.as_bytes());
    }
}

impl RecordBuilder for RecordWriter<'_> {
    fn event_name(&mut self, name: &Cow<'static, str>) {
        self.event_name = name.clone();
    }

    fn timestamps(&mut self, time_unix_nano: u64, observed_unix_nano: u64) {
        if time_unix_nano != 0 {
            self.out.push(LOG_TIME);
            self.out.extend_from_slice(&time_unix_nano.to_le_bytes());
        }
        self.observed_unix_nano = observed_unix_nano;
    }

    fn severity(&mut self, number: i32, text: &'static str) {
        if number != 0 {
            self.out.push(LOG_SEVERITY_NUMBER);
            put_varint(self.out, number as i64 as u64);
        }
        if !text.is_empty() {
            put_bytes(self.out, LOG_SEVERITY_TEXT, text.as_bytes());
        }
    }

    fn trace_context(&mut self, trace_id: [u8; 16], span_id: [u8; 8]) {
        self.trace = Some((trace_id, span_id));
    }

    fn body(&mut self, doc: &Doc, n: usize) {
        put_any_field(self.out, LOG_BODY, doc, n);
    }

    fn attr_static(&mut self, key: &'static str, value: &'static str) {
        self.attr_string_value(key, value);
    }

    fn attr_str(&mut self, key: &'static str, value: &str) {
        self.attr_string_value(key, value);
    }

    fn attr_i64(&mut self, key: &'static str, value: i64) {
        let v = 1 + encoded_len_varint(value as u64);
        self.out.push(LOG_ATTRIBUTE);
        put_varint(self.out, kv_len(key.len(), v) as u64);
        put_bytes(self.out, KV_KEY, key.as_bytes());
        self.out.push(KV_VALUE);
        put_varint(self.out, v as u64);
        self.out.push(ANY_INT);
        put_varint(self.out, value as u64);
    }

    fn attr_node(&mut self, prefix: &'static str, name: &str, doc: &Doc, n: usize) {
        put_attribute_node(self.out, prefix, name, doc, n);
    }

    fn attr_strs(&mut self, key: &'static str, values: &[&str]) {
        let inner: usize = values.iter().map(|s| framed(framed(s.len()))).sum();
        let v = framed(inner);
        self.out.push(LOG_ATTRIBUTE);
        put_varint(self.out, kv_len(key.len(), v) as u64);
        put_bytes(self.out, KV_KEY, key.as_bytes());
        self.out.push(KV_VALUE);
        put_varint(self.out, v as u64);
        self.out.push(ANY_ARRAY);
        put_varint(self.out, inner as u64);
        for s in values {
            self.out.push(REPEATED_VALUES);
            put_varint(self.out, framed(s.len()) as u64);
            put_bytes(self.out, ANY_STRING, s.as_bytes());
        }
    }
}

// === batches ===

/// Log records encoded as protobuf `LogRecord` messages, one after another in one buffer (no
/// tag or length of their own), with where each ends. Cheap to slice into requests.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EncodedRecords {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl std::fmt::Debug for EncodedRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncodedRecords")
            .field("records", &self.ends.len())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl EncodedRecords {
    /// No records.
    pub fn new() -> EncodedRecords {
        EncodedRecords::default()
    }

    /// Room for `records` records of `bytes` bytes in all.
    pub fn with_capacity(records: usize, bytes: usize) -> EncodedRecords {
        EncodedRecords {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(records),
        }
    }

    /// Records from prost messages.
    pub fn from_records<'r>(records: impl IntoIterator<Item = &'r LogRecord>) -> EncodedRecords {
        let mut e = EncodedRecords::new();
        for r in records {
            e.push_record(r);
        }
        e
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of all records.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Appends one record that `write` writes (a `LogRecord` message body, e.g. with a
    /// [`RecordWriter`]). A `write` that writes nothing appends an empty record.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.bytes);
        self.ends.push(self.bytes.len() as u32);
    }

    /// Appends a prost record.
    pub fn push_record(&mut self, r: &LogRecord) {
        self.push_with(|out| {
            out.reserve(r.encoded_len());
            r.encode_raw(out);
        });
    }

    /// Appends the records `range` of `other`.
    pub fn extend_from(&mut self, other: &EncodedRecords, range: Range<usize>) {
        for i in range {
            let r = other.get(i);
            self.push_with(|out| out.extend_from_slice(r));
        }
    }

    /// Record `i`'s bytes.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Every record's bytes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Record `i` decoded.
    pub fn decode(&self, i: usize) -> LogRecord {
        LogRecord::decode(self.get(i)).expect("encoded records decode")
    }

    /// Every record decoded (for tests, explanations and the JSON writers).
    pub fn to_records(&self) -> Vec<LogRecord> {
        (0..self.len()).map(|i| self.decode(i)).collect()
    }
}

/// One `ResourceLogs` of a request: a resource, a scope (both encoded messages; empty for none)
/// and encoded records.
#[derive(Debug, Clone, Default)]
pub struct RequestPart<'a> {
    /// The encoded `Resource` message.
    pub resource: &'a [u8],
    /// The encoded `InstrumentationScope` message.
    pub scope: &'a [u8],
    /// The encoded `LogRecord`s, in order.
    pub records: Vec<&'a [u8]>,
}

impl RequestPart<'_> {
    fn scope_logs_len(&self) -> usize {
        framed(self.scope.len()) + self.records.iter().map(|r| framed(r.len())).sum::<usize>()
    }

    fn resource_logs_len(&self) -> usize {
        framed(self.resource.len()) + framed(self.scope_logs_len())
    }
}

/// The length of the `ExportLogsServiceRequest` made of `parts`.
pub fn request_len(parts: &[RequestPart<'_>]) -> usize {
    parts.iter().map(|p| framed(p.resource_logs_len())).sum()
}

/// Writes the `ExportLogsServiceRequest` made of `parts` (each part one `ResourceLogs` with
/// one `ScopeLogs`) to `w`.
pub fn write_request<W: Write>(parts: &[RequestPart<'_>], w: &mut W) -> io::Result<()> {
    let mut head = Vec::with_capacity(16);
    for p in parts {
        head.clear();
        head.push(FIELD_1);
        put_varint(&mut head, p.resource_logs_len() as u64);
        w.write_all(&head)?;
        write_resource_logs(p, w)?;
    }
    Ok(())
}

/// Writes one part's `ResourceLogs` message body.
fn write_resource_logs<W: Write>(p: &RequestPart<'_>, w: &mut W) -> io::Result<()> {
    let mut head = Vec::with_capacity(32 + p.resource.len() + p.scope.len());
    put_bytes(&mut head, FIELD_1, p.resource);
    head.push(FIELD_2);
    put_varint(&mut head, p.scope_logs_len() as u64);
    put_bytes(&mut head, FIELD_1, p.scope);
    w.write_all(&head)?;
    for r in &p.records {
        head.clear();
        head.push(FIELD_2);
        put_varint(&mut head, r.len() as u64);
        w.write_all(&head)?;
        w.write_all(r)?;
    }
    Ok(())
}

/// The request made of `parts`, in a new buffer.
pub fn request_to_vec(parts: &[RequestPart<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(request_len(parts));
    write_request(parts, &mut out).expect("writing to a Vec never fails");
    out
}

/// One `ResourceLogs` message (a resource, a scope, `records`): what the disk buffer stores
/// per batch. A request is such messages framed as its `resource_logs` fields
/// ([`write_framed_resource_logs`]).
pub fn resource_logs_to_vec(part: &RequestPart<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(part.resource_logs_len());
    write_resource_logs(part, &mut out).expect("writing to a Vec never fails");
    out
}

/// Appends an encoded `ResourceLogs` message as a `resource_logs` field of a request.
pub fn write_framed_resource_logs(resource_logs: &[u8], out: &mut Vec<u8>) {
    put_bytes(out, FIELD_1, resource_logs);
}

#[cfg(test)]
mod tests;
