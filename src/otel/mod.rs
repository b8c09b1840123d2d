//! The mapping from an audit event to an OpenTelemetry log record: one function,
//! [`map_event`], written against a small [`RecordBuilder`] trait with two implementations:
//! [`proto::ProtoRecord`] (OTLP protobuf, what the processor exports) and [`sdk::SdkRecord`]
//! (any `opentelemetry::logs::LogRecord`, what the tracing layer emits through the SDK).
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

use std::borrow::Cow;

use serde_json::Value;

use crate::catalog::{ActorKind, Catalog, CatalogEntry, Resolved, UNKNOWN_EVENT_NAME};
use crate::event::{field, AuditEvent};
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

/// Where [`map_event`] writes. Implemented for OTLP protobuf records and for any
/// `opentelemetry` SDK log record.
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
    /// The structured body.
    fn body(&mut self, body: Value);
    /// A string attribute with a static value.
    fn attr_static(&mut self, key: &'static str, value: &'static str);
    /// A string attribute.
    fn attr_string(&mut self, key: &'static str, value: String);
    /// An integer attribute.
    fn attr_i64(&mut self, key: &'static str, value: i64);
    /// A structured attribute with a computed key.
    fn attr_json(&mut self, key: String, value: Value);
}

/// Maps one (already redacted) event to a log record. `resolved` is the catalog's verdict on
/// the event's type; `catalog` gives the activity form of unknown types.
pub fn map_event<B: RecordBuilder>(
    mut event: AuditEvent,
    resolved: Resolved<'_>,
    catalog: &Catalog,
    observed_unix_nano: u64,
    b: &mut B,
) {
    let entry: &CatalogEntry = resolved.entry();
    let known = resolved.is_known();

    if known {
        b.event_name(&entry.event_type);
    } else {
        b.event_name(&Cow::Borrowed(UNKNOWN_EVENT_NAME));
    }
    b.timestamps(event.time_unix_nano, observed_unix_nano);
    b.severity(entry.severity.number(), entry.severity.as_str());
    let trace = event.trace_context();
    if let Some((t, s)) = trace {
        b.trace_context(t, s);
    }

    // Type attributes.
    let action = if known && crate::catalog::is_activity_form(&event.event_type) {
        entry.event_type.to_string()
    } else {
        event.event_type.clone()
    };
    match (&entry.activity_type, known) {
        (Cow::Borrowed(s), true) => b.attr_static(attr::ACTIVITY_TYPE, s),
        (owned, true) => b.attr_string(attr::ACTIVITY_TYPE, owned.to_string()),
        (_, false) => b.attr_string(
            attr::ACTIVITY_TYPE,
            catalog.activity(&event.event_type).into_owned(),
        ),
    }
    b.attr_string(attr::EVENT_ACTION, action);
    b.attr_static(attr::CATEGORY, entry.category.as_str());
    b.attr_static(attr::VIEW, entry.view.as_str());
    b.attr_static(attr::EVENT_OUTCOME, entry.outcome.as_str());
    b.attr_string(attr::RECORD_UID, std::mem::take(&mut event.id));
    if let Some(seq) = event.seq {
        b.attr_i64(attr::SEQ, seq);
    }

    // Who.
    let actor = event
        .triggered_by()
        .and_then(ActorKind::from_triggered_by)
        .unwrap_or(entry.actor);
    b.attr_static(attr::ACTOR_TYPE, actor.as_str());
    let subject = event.subject_user_id().map(str::to_owned);
    let actor_admin = event.actor_user_id().map(str::to_owned);
    let actor_id = match actor {
        ActorKind::Admin => actor_admin.clone(),
        ActorKind::User => subject.clone(),
        ActorKind::System => None,
    };
    if let Some(id) = actor_id {
        b.attr_string(attr::ACTOR_ID, id);
    }
    if let Some(id) = subject {
        b.attr_string(attr::USER_ID, id);
    }
    if let Some(id) = event.session_id() {
        b.attr_string(attr::SESSION_ID, id.to_owned());
    }

    // The rest of the context, key by key; nothing is dropped.
    use field::context as c;
    let context = std::mem::take(&mut event.context);
    for (key, value) in context {
        let known_key: Option<&'static str> = match key.as_str() {
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
                if value.as_array().is_some_and(|a| !a.is_empty()) {
                    b.attr_json(attr::PREFERRED_LANGUAGES.to_owned(), value);
                }
                continue;
            }
            c::AUDIT_CONTEXT => {
                if let Value::Object(ac) = value {
                    for (k, v) in ac {
                        if k == "http_url" {
                            if let Value::String(s) = v {
                                if !s.is_empty() {
                                    b.attr_string(attr::URL_FULL, s);
                                }
                                continue;
                            }
                        }
                        if k == c::ACTOR_USER_ID && actor == ActorKind::Admin && v.is_string() {
                            continue;
                        }
                        if !is_empty(&v) {
                            b.attr_json(format!("{}{k}", attr::CONTEXT_PREFIX), v);
                        }
                    }
                }
                continue;
            }
            _ => None,
        };
        match (known_key, value) {
            (Some(k), Value::String(s)) => {
                if !s.is_empty() {
                    b.attr_string(k, s);
                }
            }
            (_, v) if is_empty(&v) => {}
            (_, v) => b.attr_json(format!("{}{key}", attr::CONTEXT_PREFIX), v),
        }
    }
    for (key, value) in std::mem::take(&mut event.extra) {
        b.attr_json(format!("{}{key}", attr::EXTRA_PREFIX), value);
    }
    if !event.payload.is_null() {
        b.body(std::mem::take(&mut event.payload));
    }
}

/// Writes `redaction.count` and `redaction.rules` when redaction changed something and the
/// rules ask for a summary.
pub fn summarize_redaction<B: RecordBuilder>(
    redactor: &Redactor,
    summary: &RedactionSummary,
    b: &mut B,
) {
    if summary.is_empty() || !redactor.summary_enabled() {
        return;
    }
    b.attr_i64(attr::REDACTION_COUNT, summary.changed as i64);
    let rules = redactor
        .rule_names(summary)
        .map(|n| Value::String(n.to_owned()))
        .collect();
    b.attr_json(attr::REDACTION_RULES.to_owned(), Value::Array(rules));
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
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
