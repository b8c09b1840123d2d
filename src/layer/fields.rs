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

/// A payload an `audit!` call stashed for the layers: written as MessagePack, or why it could
/// not be.
struct Stashed {
    id: u64,
    bytes: Vec<u8>,
    state: Result<(), PayloadError>,
}

/// This thread's stashed payloads, innermost last. Usually at most one; more while an `audit!`
/// runs inside another one's field expressions, `Serialize` or dispatch.
#[derive(Default)]
struct Stashes {
    live: Vec<Stashed>,
    /// Buffers of finished events, kept for reuse.
    spare: Vec<Vec<u8>>,
    last_id: u64,
}

/// Buffers larger than this, or more of them than [`SPARE_KEEP`], are freed, not kept.
const STASH_KEEP: usize = 64 * 1024;
const SPARE_KEEP: usize = 4;

thread_local! {
    static STASHES: RefCell<Stashes> = RefCell::new(Stashes::default());
    /// The size of this thread's last capture buffer, to size the next one.
    static LAST_LEN: Cell<usize> = const { Cell::new(256) };
}

/// How `audit!` hands a structured payload to the layers without making it a field other
/// layers see: it is stashed in a thread-local list for the duration of the event.
#[doc(hidden)]
#[derive(Debug)]
pub struct PayloadSlot(());

/// Ends the stashes of one `audit!` call (and any an unwinding panic left behind) when dropped.
#[doc(hidden)]
#[derive(Debug)]
#[must_use]
pub struct PayloadScope {
    depth: usize,
}

impl PayloadSlot {
    /// Opens a scope for one `audit!` call's payload.
    pub fn scope() -> PayloadScope {
        let depth = STASHES
            .try_with(|s| s.try_borrow().map_or(0, |s| s.live.len()))
            .unwrap_or(0);
        PayloadScope { depth }
    }

    /// Serializes `payload` into this thread's stash; returns its handle, the `audit.payload`
    /// field (0 when the thread can no longer stash). Runs only when the event is enabled:
    /// `tracing` evaluates field values lazily.
    pub fn stash<T: serde::Serialize + ?Sized>(payload: &T) -> u64 {
        // No borrow is held while the payload serializes: its `Serialize` may emit audit
        // events of its own.
        let mut bytes = STASHES
            .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.spare.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        let state = super::payload::encode(&mut bytes, payload);
        STASHES
            .try_with(|s| {
                let mut s = s.try_borrow_mut().ok()?;
                s.last_id += 1;
                let id = s.last_id;
                s.live.push(Stashed { id, bytes, state });
                Some(id)
            })
            .ok()
            .flatten()
            .unwrap_or(0)
    }
}

impl Drop for PayloadScope {
    fn drop(&mut self) {
        let _ = STASHES.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                while s.live.len() > self.depth {
                    let Some(done) = s.live.pop() else { break };
                    let mut bytes = done.bytes;
                    if bytes.capacity() <= STASH_KEEP && s.spare.len() < SPARE_KEEP {
                        bytes.clear();
                        s.spare.push(bytes);
                    }
                }
            }
        });
    }
}

/// Appends the payload stashed under `id` to `buf`; returns where it is, or why there is none.
/// The stash stays for any other audit layer until its `audit!` call ends.
pub(crate) fn copy_payload(id: u64, buf: &mut Vec<u8>) -> Result<Range<usize>, PayloadError> {
    STASHES
        .try_with(|s| {
            let s = s.try_borrow().map_err(|_| PayloadError::Missing)?;
            let stashed = s
                .live
                .iter()
                .rev()
                .find(|p| p.id == id)
                .ok_or(PayloadError::Missing)?;
            stashed.state?;
            ensure_capture_buffer(buf);
            buf.reserve(stashed.bytes.len());
            let start = buf.len();
            buf.extend_from_slice(&stashed.bytes);
            Ok(start..buf.len())
        })
        .unwrap_or(Err(PayloadError::Missing))
}

/// Gives a capture that has no buffer yet one sized like this thread's last.
pub(crate) fn ensure_capture_buffer(buf: &mut Vec<u8>) {
    if buf.capacity() == 0 {
        *buf = Vec::with_capacity(LAST_LEN.try_with(Cell::get).unwrap_or(256));
    }
}

/// Remembers how big this thread's capture buffers get.
pub(crate) fn note_capture_len(len: usize) {
    let _ = LAST_LEN.try_with(|l| l.set(len.next_power_of_two().clamp(128, 16 * 1024)));
}
