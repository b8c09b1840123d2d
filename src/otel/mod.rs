//! The mapping from an audit event to an OpenTelemetry log record: one function,
//! [`map_event`], written against a small [`RecordBuilder`] trait with two implementations:
//! [`encode::RecordWriter`] (OTLP protobuf bytes, written straight from the event's parsed
//! JSON: what the processor exports) and [`sdk::SdkRecord`] (any
//! `opentelemetry::logs::LogRecord`, for users who hand the tracing layer an SDK exporter).
//!
//! # Audit event → log record
//!
//! | audit event | log record |
//! |---|---|
//! | `context.timestamp` (Unix seconds or RFC 3339) | `Timestamp` |
//! | time of mapping | `ObservedTimestamp` |
//! | catalog severity | `SeverityNumber` (9 INFO, 13 WARN, 17 ERROR) and `SeverityText` |
//! | catalog dotted type | `EventName` (`audit.unknown` for types the catalog does not know) |
//! | `context.tracking_id` (`<32 hex>-<16 hex>`) | `TraceId`, `SpanId` |
//! | `payload` (after redaction) | `Body`, a structured map (never a JSON string) |
//! | everything else | attributes, below |
//!
//! # Attributes
//!
//! | attribute | value |
//! |---|---|
//! | `audit.activity_type` | upper-snake activity type (`USER_AUTHENTICATED`) |
//! | `event.action` | the dotted type as received (the catalog's dotted form if received upper-snake) |
//! | `audit.category` | `authentication_failed`, `identity`, `user`, `messaging`, `project`, `admin_api_mutation`, `other` |
//! | `audit.view` | `user_activities` or `admin_api_portal` |
//! | `event.outcome` | `success` or `failure` |
//! | `log.record.uid` | the event id |
//! | `audit.seq` | the sequence number (integer) |
//! | `audit.actor.type` | `user`, `admin` or `system` (from `context.triggered_by`, else the catalog) |
//! | `audit.actor.id` | `context.audit_context.actor_user_id` for admins, the subject user for users |
//! | `user.id` | the subject user: `context.user_id`, else `payload.user.id` |
//! | `audit.client.id` | `context.client_id` |
//! | `client.address` | `context.ip_address`, after redaction |
//! | `user_agent.original` | `context.user_agent`, after redaction |
//! | `session.id` | `payload.session.id`, or the only element of `payload.sessions` |
//! | `audit.triggered_by` | `context.triggered_by` |
//! | `audit.app_id` | `context.app_id` (the project) |
//! | `geo.country.iso_code` | `context.geo_location_code` |
//! | `audit.language` | `context.language` |
//! | `audit.preferred_languages` | `context.preferred_languages` (array) |
//! | `url.full` | `context.audit_context.http_url`, after redaction |
//! | `audit.context.<key>` | every other key of `context.audit_context` and of `context` |
//! | `audit.extra.<key>` | envelope keys other than `id`, `seq`, `type`, `payload`, `context` |
//! | `redaction.count` | how many values redaction changed (only when it changed some; `summary: false` turns both off) |
//! | `redaction.rules` | the rules that changed them, in rule order (array of names; never the values) |
//!
//! Attributes whose source is absent, `null` or `""` are not written.
//!
//! # JSON value → `AnyValue`
//!
//! | JSON | `AnyValue` |
//! |---|---|
//! | string | `stringValue` |
//! | integer within `i64` | `intValue` |
//! | other number | `doubleValue` (integers beyond `i64` become `stringValue`, exactly) |
//! | `true` / `false` | `boolValue` |
//! | array | `arrayValue` (nested) |
//! | object | `kvlistValue` (nested, key order kept in OTLP) |
//! | `null` | empty `AnyValue` |

pub mod encode;
pub mod proto;
pub mod sdk;
pub mod wire;

use std::borrow::Cow;

use crate::catalog::{ActorKind, Catalog, CatalogEntry, Resolved, UNKNOWN_EVENT_NAME};
use crate::event::{field, AuditEvent};
use crate::json::{Doc, Kind};
use crate::redact::{RedactionSummary, Redactor};

/// Attribute keys: the contract that dashboards and queries rely on.
pub mod attr {
    /// Upper-snake activity type.
    pub const ACTIVITY_TYPE: &str = "audit.activity_type";
    /// Dotted type as received.
    pub const EVENT_ACTION: &str = "event.action";
    /// Category.
    pub const CATEGORY: &str = "audit.category";
    /// Audit view.
    pub const VIEW: &str = "audit.view";
    /// `success` / `failure`.
    pub const EVENT_OUTCOME: &str = "event.outcome";
    /// Event id.
    pub const RECORD_UID: &str = "log.record.uid";
    /// Sequence number.
    pub const SEQ: &str = "audit.seq";
    /// Actor kind.
    pub const ACTOR_TYPE: &str = "audit.actor.type";
    /// Actor id.
    pub const ACTOR_ID: &str = "audit.actor.id";
    /// Subject user.
    pub const USER_ID: &str = "user.id";
    /// OAuth client id.
    pub const CLIENT_ID: &str = "audit.client.id";
    /// Client IP address (after redaction).
    pub const CLIENT_ADDRESS: &str = "client.address";
    /// User agent (after redaction).
    pub const USER_AGENT: &str = "user_agent.original";
    /// Session id.
    pub const SESSION_ID: &str = "session.id";
    /// `context.triggered_by`.
    pub const TRIGGERED_BY: &str = "audit.triggered_by";
    /// Project id.
    pub const APP_ID: &str = "audit.app_id";
    /// Country of the client address.
    pub const GEO_COUNTRY: &str = "geo.country.iso_code";
    /// Resolved language.
    pub const LANGUAGE: &str = "audit.language";
    /// Preferred languages.
    pub const PREFERRED_LANGUAGES: &str = "audit.preferred_languages";
    /// Request URL (after redaction).
    pub const URL_FULL: &str = "url.full";
    /// Prefix of other context keys.
    pub const CONTEXT_PREFIX: &str = "audit.context.";
    /// Prefix of unknown envelope keys.
    pub const EXTRA_PREFIX: &str = "audit.extra.";
    /// How many values redaction changed in this record (only when it changed some).
    pub const REDACTION_COUNT: &str = "redaction.count";
    /// The rules that changed them, in rule order (never the values).
    pub const REDACTION_RULES: &str = "redaction.rules";
}

/// Where [`map_event`] writes. Implemented for OTLP protobuf bytes ([`encode::RecordWriter`],
/// what the processor and the layer export) and for any `opentelemetry` SDK log record
/// ([`sdk::SdkRecord`]). Structured values are nodes of the event's [`Doc`], read where they
/// lie.
///
/// [`map_event`] calls `timestamps` and `severity` first, then `body`, then the attributes
/// (in their documented order), `trace_context` and `event_name`: the protobuf writer relies on
/// that to write fields in field-number order.
pub trait RecordBuilder {
    /// The event name (static for built-in catalog entries). A `Cow` rather than a `&str`
    /// because the SDK needs to know whether the name is `'static`.
    #[allow(clippy::ptr_arg)]
    fn event_name(&mut self, name: &Cow<'static, str>);
    /// Event time and observation time, Unix nanoseconds.
    fn timestamps(&mut self, time_unix_nano: u64, observed_unix_nano: u64);
    /// Severity number and text.
    fn severity(&mut self, number: i32, text: &'static str);
    /// W3C trace and span id.
    fn trace_context(&mut self, trace_id: [u8; 16], span_id: [u8; 8]);
    /// The structured body: node `n` of `doc`.
    fn body(&mut self, doc: &Doc, n: usize);
    /// A string attribute with a static value.
    fn attr_static(&mut self, key: &'static str, value: &'static str);
    /// A string attribute.
    fn attr_str(&mut self, key: &'static str, value: &str);
    /// An integer attribute.
    fn attr_i64(&mut self, key: &'static str, value: i64);
    /// A structured attribute: node `n` of `doc`, under the key `prefix` + `name`.
    fn attr_node(&mut self, prefix: &'static str, name: &str, doc: &Doc, n: usize);
    /// An array of strings.
    fn attr_strs(&mut self, key: &'static str, values: &[&str]);
}

/// Maps one (already redacted) event to a log record. `resolved` is the catalog's verdict on
/// the event's type; `catalog` gives the activity form of unknown types.
pub fn map_event<B: RecordBuilder>(
    event: &AuditEvent,
    resolved: Resolved<'_>,
    catalog: &Catalog,
    observed_unix_nano: u64,
    b: &mut B,
) {
    let entry: &CatalogEntry = resolved.entry();
    let known = resolved.is_known();
    let doc = event.doc();
    let event_type = event.event_type();

    b.timestamps(event.time_unix_nano(), observed_unix_nano);
    b.severity(entry.severity.number(), entry.severity.as_str());
    if let Some(p) = event.payload_node() {
        b.body(doc, p);
    }

    // Type attributes.
    match (&entry.activity_type, known) {
        (Cow::Borrowed(s), true) => b.attr_static(attr::ACTIVITY_TYPE, s),
        (owned, true) => b.attr_str(attr::ACTIVITY_TYPE, owned),
        (_, false) => b.attr_str(attr::ACTIVITY_TYPE, &catalog.activity(event_type)),
    }
    if known && crate::catalog::is_activity_form(event_type) {
        b.attr_str(attr::EVENT_ACTION, &entry.event_type);
    } else {
        b.attr_str(attr::EVENT_ACTION, event_type);
    }
    b.attr_static(attr::CATEGORY, entry.category.as_str());
    b.attr_static(attr::VIEW, entry.view.as_str());
    b.attr_static(attr::EVENT_OUTCOME, entry.outcome.as_str());
    b.attr_str(attr::RECORD_UID, event.id());
    if let Some(seq) = event.seq() {
        b.attr_i64(attr::SEQ, seq);
    }

    // Who.
    let actor = event
        .triggered_by()
        .and_then(ActorKind::from_triggered_by)
        .unwrap_or(entry.actor);
    b.attr_static(attr::ACTOR_TYPE, actor.as_str());
    let subject = event.subject_user_id();
    let actor_id = match actor {
        ActorKind::Admin => event.actor_user_id(),
        ActorKind::User => subject,
        ActorKind::System => None,
    };
    if let Some(id) = actor_id {
        b.attr_str(attr::ACTOR_ID, id);
    }
    if let Some(id) = subject {
        b.attr_str(attr::USER_ID, id);
    }
    if let Some(id) = event.session_id() {
        b.attr_str(attr::SESSION_ID, id);
    }

    // The rest of the context, key by key; nothing is dropped.
    use field::context as c;
    let trace = event.trace_context();
    for n in doc.children(event.context_node()) {
        let key = doc.key(n);
        let known_key: Option<&'static str> = match key {
            c::TIMESTAMP | c::USER_ID | c::SESSION_ID => continue,
            c::CLIENT_ID => Some(attr::CLIENT_ID),
            c::IP_ADDRESS => Some(attr::CLIENT_ADDRESS),
            c::USER_AGENT => Some(attr::USER_AGENT),
            c::TRIGGERED_BY => Some(attr::TRIGGERED_BY),
            c::APP_ID => Some(attr::APP_ID),
            c::GEO_LOCATION_CODE => Some(attr::GEO_COUNTRY),
            c::LANGUAGE => Some(attr::LANGUAGE),
            c::TRACKING_ID => {
                // Kept as an attribute only when it could not become the trace context.
                if trace.is_some() {
                    continue;
                }
                None
            }
            c::PREFERRED_LANGUAGES => {
                if doc.kind(n) == Kind::Array && doc.children(n).next().is_some() {
                    b.attr_node(attr::PREFERRED_LANGUAGES, "", doc, n);
                }
                continue;
            }
            c::AUDIT_CONTEXT => {
                if doc.kind(n) == Kind::Object {
                    for a in doc.children(n) {
                        let k = doc.key(a);
                        if k == "http_url" {
                            if let Some(s) = doc.as_str(a) {
                                if !s.is_empty() {
                                    b.attr_str(attr::URL_FULL, s);
                                }
                                continue;
                            }
                        }
                        if k == c::ACTOR_USER_ID
                            && actor == ActorKind::Admin
                            && doc.kind(a) == Kind::String
                        {
                            continue;
                        }
                        if !doc.is_blank(a) {
                            b.attr_node(attr::CONTEXT_PREFIX, k, doc, a);
                        }
                    }
                }
                continue;
            }
            _ => None,
        };
        match (known_key, doc.as_str(n)) {
            (Some(k), Some(s)) => {
                if !s.is_empty() {
                    b.attr_str(k, s);
                }
            }
            _ if doc.is_blank(n) => {}
            _ => b.attr_node(attr::CONTEXT_PREFIX, key, doc, n),
        }
    }
    for n in event.extra() {
        b.attr_node(attr::EXTRA_PREFIX, doc.key(n), doc, n);
    }
    if let Some((t, s)) = trace {
        b.trace_context(t, s);
    }
    if known {
        b.event_name(&entry.event_type);
    } else {
        b.event_name(&Cow::Borrowed(UNKNOWN_EVENT_NAME));
    }
}

/// Writes `redaction.count` and `redaction.rules` when redaction changed something and the
/// rules ask for a summary. Call it after [`map_event`], before the record is finished.
pub fn summarize_redaction<B: RecordBuilder>(
    redactor: &Redactor,
    summary: &RedactionSummary,
    b: &mut B,
) {
    if summary.is_empty() || !redactor.summary_enabled() {
        return;
    }
    b.attr_i64(attr::REDACTION_COUNT, summary.changed as i64);
    let mut names = [""; 16];
    let mut n = 0;
    let mut rest = Vec::new();
    for name in redactor.rule_names(summary) {
        if n < names.len() {
            names[n] = name;
            n += 1;
        } else {
            rest.push(name);
        }
    }
    if rest.is_empty() {
        b.attr_strs(attr::REDACTION_RULES, &names[..n]);
    } else {
        let all: Vec<&str> = names.iter().copied().chain(rest).collect();
        b.attr_strs(attr::REDACTION_RULES, &all);
    }
}

/// Now, in Unix nanoseconds.
pub fn now_unix_nano() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
