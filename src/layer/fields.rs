//! What `tracing` fields mean to an audit event: the names with a meaning, the fields kept from
//! enclosing spans, the sorting of fields into type, context and payload, and the thread-local
//! slot through which the `audit!` macro hands a structured payload to the layer without it
//! being a field other layers see.

use std::cell::{Cell, RefCell};
use std::ops::Range;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};

use super::payload::PayloadError;
/// Field names with a meaning; everything else goes into the payload.
pub(crate) mod names {
    pub(crate) const TYPE: &str = "audit.type";
    pub(crate) const PAYLOAD: &str = "audit.payload";
}

/// Where a known field goes in the event's `context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Context(&'static str),
    AuditContext(&'static str),
    Id,
    Seq,
}

/// The fields that set context, by their `tracing` name.
pub(crate) fn slot_of(name: &str) -> Option<Slot> {
    Some(match name {
        "user_id" => Slot::Context("user_id"),
        "client_id" => Slot::Context("client_id"),
        "ip" | "ip_address" | "client_ip" => Slot::Context("ip_address"),
        "user_agent" => Slot::Context("user_agent"),
        "session_id" => Slot::Context("session_id"),
        "app_id" => Slot::Context("app_id"),
        "triggered_by" => Slot::Context("triggered_by"),
        "tracking_id" => Slot::Context("tracking_id"),
        "actor_user_id" | "actor_id" => Slot::AuditContext("actor_user_id"),
        "request_id" => Slot::AuditContext("request_id"),
        "url" | "http_url" => Slot::AuditContext("http_url"),
        "event_id" => Slot::Id,
        "seq" => Slot::Seq,
        _ => return None,
    })
}

/// Context fields recorded on a span, kept in the span's extensions.
#[derive(Debug, Default, Clone)]
pub(crate) struct SpanContextFields(pub(crate) Vec<(Slot, String)>);

impl Visit for SpanContextFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(slot) = slot_of(field.name()) {
            self.set(slot, value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if let Some(slot) = slot_of(field.name()) {
            self.set(slot, format!("{value:?}"));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Some(slot) = slot_of(field.name()) {
            self.set(slot, value.to_string());
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if let Some(slot) = slot_of(field.name()) {
            self.set(slot, value.to_string());
        }
    }
}

impl SpanContextFields {
    fn set(&mut self, slot: Slot, value: String) {
        match self.0.iter_mut().find(|(s, _)| *s == slot) {
            Some(e) => e.1 = value,
            None => self.0.push((slot, value)),
        }
    }
}

/// An event's fields, sorted into what they become (built on the export thread from what the
/// layer captured).
#[derive(Debug, Default)]
pub(crate) struct EventFields {
    pub(crate) event_type: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) seq: Option<i64>,
    pub(crate) context: Map<String, Value>,
    pub(crate) audit_context: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
}

impl EventFields {
    /// Files a field by its name: the type, a context slot, or a payload key (a later field of
    /// the same name replaces an earlier one; context slots keep the first).
    pub(crate) fn put(&mut self, name: &str, value: Value) {
        if name == names::TYPE {
            if let Value::String(s) = value {
                self.event_type = Some(s);
            }
            return;
        }
        match slot_of(name) {
            Some(slot) => self.put_slot(slot, value),
            None => {
                self.payload.insert(name.to_owned(), value);
            }
        }
    }

    /// Sets a context slot unless an earlier field already set it.
    pub(crate) fn put_slot(&mut self, slot: Slot, value: Value) {
        match slot {
            Slot::Context(k) => {
                self.context.entry(k).or_insert(value);
            }
            Slot::AuditContext(k) => {
                self.audit_context.entry(k).or_insert(value);
            }
            Slot::Id => {
                if self.id.is_none() {
                    self.id = Some(match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    });
                }
            }
            Slot::Seq => {
                if self.seq.is_none() {
                    self.seq = match value {
                        Value::Number(n) => n.as_i64(),
                        Value::String(s) => s.parse().ok(),
                        _ => None,
                    };
                }
            }
        }
    }
}

/// What the `audit!` macro left for the layers: the payload written as MessagePack, or why it
/// could not be. The buffer is reused from event to event on each thread.
#[derive(Debug, Default)]
struct Stash {
    bytes: Vec<u8>,
    state: Option<Result<(), PayloadError>>,
}

/// A stash larger than this is not kept for reuse once its event is done.
const STASH_KEEP: usize = 64 * 1024;

thread_local! {
    static PAYLOAD: RefCell<Stash> = RefCell::new(Stash::default());
    /// The size of this thread's last capture buffer, to size the next one.
    static LAST_LEN: Cell<usize> = const { Cell::new(256) };
}

/// The thread-local slot through which `audit!` hands a structured payload to the layer.
#[doc(hidden)]
#[derive(Debug)]
pub struct PayloadSlot(());

impl PayloadSlot {
    /// Serializes `payload` into this thread's slot; returns `true` (the `audit.payload`
    /// field). Runs only when the event is enabled: `tracing` evaluates field values lazily.
    pub fn stash<T: serde::Serialize + ?Sized>(payload: &T) -> bool {
        // The buffer is taken out while the payload serializes, so a `Serialize` impl that
        // itself emits an audit event finds the slot free.
        let mut bytes = PAYLOAD
            .try_with(|p| p.try_borrow_mut().map(|mut p| std::mem::take(&mut p.bytes)))
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        bytes.clear();
        let state = super::payload::encode(&mut bytes, payload);
        let _ = PAYLOAD.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                p.bytes = bytes;
                p.state = Some(state);
            }
        });
        true
    }

    /// Empties this thread's slot (after the event, whether or not a layer took the payload).
    pub fn clear() {
        let _ = PAYLOAD.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                p.state = None;
                if p.bytes.capacity() > STASH_KEEP {
                    p.bytes = Vec::new();
                }
            }
        });
    }
}

/// Appends this thread's stashed payload to `buf`; returns where it is, or why there is none.
/// The stash stays for any other audit layer; the macro clears it after the event.
pub(crate) fn copy_payload(buf: &mut Vec<u8>) -> Result<Range<u32>, PayloadError> {
    PAYLOAD
        .try_with(|p| {
            let p = p.try_borrow().map_err(|_| PayloadError::Missing)?;
            match &p.state {
                Some(Ok(())) => {
                    if buf.capacity() == 0 {
                        *buf = capture_buffer();
                    }
                    let start = buf.len() as u32;
                    buf.extend_from_slice(&p.bytes);
                    Ok(start..buf.len() as u32)
                }
                Some(Err(e)) => Err(*e),
                None => Err(PayloadError::Missing),
            }
        })
        .unwrap_or(Err(PayloadError::Missing))
}

/// An empty buffer for an event's capture, sized like this thread's last one.
pub(crate) fn capture_buffer() -> Vec<u8> {
    Vec::with_capacity(LAST_LEN.try_with(Cell::get).unwrap_or(256))
}

/// Remembers how big this thread's capture buffers get.
pub(crate) fn note_capture_len(len: usize) {
    let _ = LAST_LEN.try_with(|l| l.set(len.next_power_of_two().clamp(128, 16 * 1024)));
}
