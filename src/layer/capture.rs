//! What the emitting thread keeps of an audit event, and how the export thread turns it into an
//! [`AuditEvent`].
//!
//! Capturing is the only work an `audit!` call pays for beyond `tracing`'s dispatch, so it is
//! kept flat: the text of every field and a copy of the payload (MessagePack, see
//! [`super::payload`]) go into one buffer, and each field is a name and a range of it. Sorting fields into context and
//! payload, decoding the payload, ids and JSON maps all happen on the export thread.

use std::fmt;
use std::ops::Range;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};

use super::fields::{self, names, EventFields, Slot};
use super::payload::{self, PayloadError};
use crate::event::AuditEvent;

/// A field's value as captured.
#[derive(Debug, Clone, PartialEq)]
enum Captured {
    /// Text at this range of the buffer.
    Text(Range<usize>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// Where a captured field goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Key {
    /// An event field, by its `tracing` name.
    Name(&'static str),
    /// A context field of an enclosing span.
    Span(Slot),
}

/// The payload part of a capture.
#[derive(Debug)]
enum Payload {
    None,
    /// MessagePack at this range of the buffer.
    Encoded(Range<usize>),
    Failed(PayloadError),
}

/// An audit event as the emitting thread captured it: not yet sorted, decoded or redacted.
pub(crate) struct Capture {
    buf: Vec<u8>,
    payload: Payload,
    fields: Vec<(Key, Captured)>,
    /// The `audit.payload` field: `Some(handle)` of a stashed payload, `Some(0)` for one that
    /// should be there but is not.
    payload_id: Option<u64>,
}

/// Field names and sizes only: the buffer holds unredacted values.
impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capture")
            .field("bytes", &self.buf.len())
            .field("payload", &self.payload)
            .field("fields", &self.fields)
            .finish()
    }
}

impl Capture {
    /// An empty capture (its buffer is allocated with the first text).
    pub(crate) fn new() -> Capture {
        Capture {
            buf: Vec::new(),
            payload: Payload::None,
            fields: Vec::with_capacity(8),
            payload_id: None,
        }
    }

    /// Records the event's fields, and copies the payload `audit!` stashed when the event says
    /// it has one.
    pub(crate) fn record_event(&mut self, event: &tracing::Event<'_>) {
        event.record(self);
        if let Some(id) = self.payload_id {
            self.payload = match fields::copy_payload(id, &mut self.buf) {
                Ok(range) => Payload::Encoded(range),
                Err(e) => Payload::Failed(e),
            };
        }
    }

    /// Adds a context field of an enclosing span (the event's own fields come first and win).
    pub(crate) fn span_field(&mut self, slot: Slot, value: &str) {
        let text = self.text(value);
        self.fields.push((Key::Span(slot), text));
    }

    /// Bytes held, to size the next capture on this thread.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    fn text(&mut self, value: &str) -> Captured {
        fields::ensure_capture_buffer(&mut self.buf);
        let start = self.buf.len();
        self.buf.extend_from_slice(value.as_bytes());
        Captured::Text(start..self.buf.len())
    }

    fn put(&mut self, field: &Field, value: Captured) {
        self.fields.push((Key::Name(field.name()), value));
    }

    /// Sorts, decodes and assembles the event (on the export thread). `id` and `seq` are used
    /// when the event names none; `time_unix_nano` is when it was emitted. The flag says the
    /// payload could not be written or read back: the event then carries a `payload_error`
    /// key instead of it.
    pub(crate) fn into_event(
        self,
        id: impl FnOnce() -> String,
        seq: i64,
        time_unix_nano: u64,
    ) -> (AuditEvent, bool) {
        let mut f = EventFields::default();
        for (key, captured) in self.fields {
            let value = match captured {
                // Valid UTF-8: the text was copied from a `&str` or written by `Debug`.
                Captured::Text(r) => {
                    let bytes = self.buf.get(r).unwrap_or_default();
                    Value::String(match std::str::from_utf8(bytes) {
                        Ok(s) => s.to_owned(),
                        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
                    })
                }
                Captured::I64(v) => Value::from(v),
                Captured::U64(v) => Value::from(v),
                Captured::F64(v) => {
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
                }
                Captured::Bool(v) => Value::Bool(v),
            };
            match key {
                Key::Name(name) => f.put(name, value),
                Key::Span(slot) => f.put_slot(slot, value),
            }
        }
        let payload = match self.payload {
            Payload::None => Ok(None),
            Payload::Encoded(r) => self
                .buf
                .get(r)
                .map_or(Err(PayloadError::Missing), payload::decode)
                .map(Some),
            Payload::Failed(e) => Err(e),
        };
        let payload_failed = payload.is_err();
        let mut body = match payload {
            Ok(Some(Value::Object(m))) => m,
            Ok(Some(Value::Null) | None) => Map::new(),
            Ok(Some(other)) => Map::from_iter([("value".to_owned(), other)]),
            Err(e) => Map::from_iter([("payload_error".to_owned(), Value::String(e.to_string()))]),
        };
        for (k, v) in f.payload {
            body.entry(k).or_insert(v);
        }
        let mut context = f.context;
        if !f.audit_context.is_empty() {
            context.insert("audit_context".into(), Value::Object(f.audit_context));
        }
        let payload = if body.is_empty() {
            Value::Null
        } else {
            Value::Object(body)
        };
        let event = AuditEvent::from_parts(
            &f.id.unwrap_or_else(id),
            Some(f.seq.unwrap_or(seq)),
            f.event_type.as_deref().unwrap_or("audit.event"),
            time_unix_nano,
            &context,
            &payload,
            &Map::new(),
        );
        (event, payload_failed)
    }
}

impl Visit for Capture {
    fn record_str(&mut self, field: &Field, value: &str) {
        let text = self.text(value);
        self.put(field, text);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == names::PAYLOAD {
            // `audit!` writes `false` when there is no payload; `true` is not its doing.
            self.payload_id = value.then_some(0);
            return;
        }
        self.put(field, Captured::Bool(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Captured::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == names::PAYLOAD {
            self.payload_id = Some(value);
            return;
        }
        self.put(field, Captured::U64(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Captured::F64(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        fields::ensure_capture_buffer(&mut self.buf);
        let start = self.buf.len();
        // A `Debug` impl that errs leaves what it wrote (formatting into a `Vec` cannot fail
        // otherwise).
        let _ = fmt::write(&mut Utf8Buf(&mut self.buf), format_args!("{value:?}"));
        let end = self.buf.len();
        self.put(field, Captured::Text(start..end));
    }
}

/// Formats into the capture buffer.
struct Utf8Buf<'a>(&'a mut Vec<u8>);

impl fmt::Write for Utf8Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
