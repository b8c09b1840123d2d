//! Turning `tracing` fields into an audit event: a visitor for event fields, the fields kept
//! from enclosing spans, and the thread-local slot through which the `audit!` macro hands a
//! structured payload to the layer without serializing it.

use std::cell::RefCell;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};

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

/// Collects an event's fields.
#[derive(Debug, Default)]
pub(crate) struct EventFields {
    pub(crate) event_type: Option<String>,
    pub(crate) has_payload: bool,
    pub(crate) id: Option<String>,
    pub(crate) seq: Option<i64>,
    pub(crate) context: Map<String, Value>,
    pub(crate) audit_context: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
}

impl EventFields {
    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        match name {
            names::TYPE => {
                if let Value::String(s) = value {
                    self.event_type = Some(s);
                }
                return;
            }
            names::PAYLOAD => {
                self.has_payload = value == Value::Bool(true);
                return;
            }
            _ => {}
        }
        match slot_of(name) {
            Some(slot) => self.put_slot(slot, value),
            None => {
                self.payload.insert(name.to_owned(), value);
            }
        }
    }

    /// Sets a context slot unless the event itself already set it.
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

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(
            field,
            serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number),
        );
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

thread_local! {
    static PAYLOAD: RefCell<Option<Value>> = const { RefCell::new(None) };
}

/// Holds a payload for the event the `audit!` macro is about to emit on this thread; clears
/// it on drop, so a payload never outlives its event (e.g. when no audit layer is installed).
#[doc(hidden)]
#[must_use]
pub struct PayloadSlot(());

impl PayloadSlot {
    /// Puts `payload` in this thread's slot.
    pub fn stash(payload: Value) -> PayloadSlot {
        PAYLOAD.with(|p| *p.borrow_mut() = Some(payload));
        PayloadSlot(())
    }
}

impl Drop for PayloadSlot {
    fn drop(&mut self) {
        let _ = PAYLOAD.try_with(|p| p.borrow_mut().take());
    }
}

/// Takes this thread's stashed payload.
pub(crate) fn take_payload() -> Option<Value> {
    PAYLOAD.try_with(|p| p.borrow_mut().take()).ok().flatten()
}
