//! The audit event model: the envelope the reference platform uses for webhooks and its audit
//! log (`{"id","seq","type","payload","context"}`), parsed from JSON bytes.
//!
//! Parsing is two-step on purpose. The bytes are first read into a generic JSON tree by a strict
//! reader ([`strict`]: duplicate keys and nesting deeper than 128 levels are errors, invalid
//! UTF-8 is an error), then the envelope is checked field by field. Errors name the field and
//! the JSON type found, never the value: an error message must not carry personal data.
//!
//! Unknown fields are kept, never dropped: unknown envelope keys in [`AuditEvent::extra`],
//! unknown context keys inside [`AuditEvent::context`] (which is kept whole, as a map).
//!
//! Accepted shapes:
//! - the envelope itself (webhook bodies, the audit log's `data` column);
//! - an Admin API `auditLogs` node (`{"activityType", "createdAt", ..., "data": {envelope}}`),
//!   whose `data` is unwrapped;
//! - `type` in dotted form (`user.authenticated`) or activity form (`USER_AUTHENTICATED`);
//! - `context.timestamp` as Unix seconds (integer or float) or an RFC 3339 string.

mod strict;

use serde_json::{Map, Value};

/// Default maximum size of one event, in bytes (256 KiB). The reference platform's largest
/// events (`project.app.updated`, whole configurations and their diff) stay well below it;
/// Grafana Loki's default line limit is the same.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 256 * 1024;

/// Names of the envelope's fields.
pub mod field {
    /// Event id (`%016x` of `seq` on the reference platform).
    pub const ID: &str = "id";
    /// Global sequence number.
    pub const SEQ: &str = "seq";
    /// Event type.
    pub const TYPE: &str = "type";
    /// Type-specific payload.
    pub const PAYLOAD: &str = "payload";
    /// Who, when, where.
    pub const CONTEXT: &str = "context";

    /// Fields of `context`.
    pub mod context {
        /// Unix seconds.
        pub const TIMESTAMP: &str = "timestamp";
        /// Subject user id: a string, `""` or `null`.
        pub const USER_ID: &str = "user_id";
        /// `user`, `admin_api`, `system`, `portal`, `site_admin`.
        pub const TRIGGERED_BY: &str = "triggered_by";
        /// Open map; `http_url`, and for admin events `actor_user_id`, `http_referer`, `usage`.
        pub const AUDIT_CONTEXT: &str = "audit_context";
        /// Preferred languages.
        pub const PREFERRED_LANGUAGES: &str = "preferred_languages";
        /// Resolved language.
        pub const LANGUAGE: &str = "language";
        /// OAuth state.
        pub const OAUTH: &str = "oauth";
        /// Client IP address (PII).
        pub const IP_ADDRESS: &str = "ip_address";
        /// Country of the IP address.
        pub const GEO_LOCATION_CODE: &str = "geo_location_code";
        /// Raw User-Agent header (PII).
        pub const USER_AGENT: &str = "user_agent";
        /// Project id.
        pub const APP_ID: &str = "app_id";
        /// OAuth client id.
        pub const CLIENT_ID: &str = "client_id";
        /// `<32-hex trace id>-<16-hex span id>`.
        pub const TRACKING_ID: &str = "tracking_id";
        /// The session id (not sent by the platform; the tracing layer sets it).
        pub const SESSION_ID: &str = "session_id";
        /// Inside `audit_context`: the acting administrator.
        pub const ACTOR_USER_ID: &str = "actor_user_id";
    }
}

/// Why an event was rejected. Messages name fields and JSON types, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The event is larger than the configured limit.
    #[error("event is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Size of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input is empty or white space only.
    #[error("empty line")]
    Empty,
    /// The input is not valid JSON (syntax, invalid UTF-8, bad escape, duplicate key, too deep).
    #[error("invalid JSON: {reason} at line {line} column {column}")]
    InvalidJson {
        /// What is wrong (from the JSON reader; never quotes the input).
        reason: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The JSON root (or `data` of an audit-log node) is not an object.
    #[error("event must be a JSON object, found {found}")]
    NotAnObject {
        /// JSON type found.
        found: &'static str,
    },
    /// A required field is missing.
    #[error("missing required field `{field}`")]
    MissingField {
        /// Dotted path of the field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("field `{field}` must be {expected}, found {found}")]
    WrongType {
        /// Dotted path of the field.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
        /// JSON type found.
        found: &'static str,
    },
    /// A field has the right type but an unusable value.
    #[error("field `{field}` is invalid: {reason}")]
    InvalidValue {
        /// Dotted path of the field.
        field: &'static str,
        /// Why (never quotes the value).
        reason: &'static str,
    },
}

impl ParseError {
    /// A short, stable label for metrics (`invalid_json`, `missing_field`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ParseError::TooLarge { .. } => "too_large",
            ParseError::Empty => "empty",
            ParseError::InvalidJson { .. } => "invalid_json",
            ParseError::NotAnObject { .. } => "not_an_object",
            ParseError::MissingField { .. } => "missing_field",
            ParseError::WrongType { .. } => "wrong_type",
            ParseError::InvalidValue { .. } => "invalid_value",
        }
    }
}

/// The JSON type name of a value, for error messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One audit event.
///
/// `context` is kept as a JSON map so that redaction rules can address every field of it the
/// same way as the payload (`context.ip_address`, `context.audit_context.http_url`); typed
/// accessors read the fields the mapping needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Event id; the de-duplication key.
    pub id: String,
    /// Sequence number, when present.
    pub seq: Option<i64>,
    /// The type as received (dotted or activity form).
    pub event_type: String,
    /// When the event happened, in Unix nanoseconds (from `context.timestamp`).
    pub time_unix_nano: u64,
    /// The context map, all keys kept.
    pub context: Map<String, Value>,
    /// The payload (`Value::Null` when absent).
    pub payload: Value,
    /// Envelope keys other than the five known ones.
    pub extra: Map<String, Value>,
}

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Events larger than this are rejected before they are read.
    pub max_event_bytes: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
        }
    }
}

impl AuditEvent {
    /// Parses one event with the default limits.
    pub fn from_slice(bytes: &[u8]) -> Result<AuditEvent, ParseError> {
        AuditEvent::from_slice_with(bytes, ParseOptions::default())
    }

    /// Parses one event.
    pub fn from_slice_with(bytes: &[u8], options: ParseOptions) -> Result<AuditEvent, ParseError> {
        if bytes.len() > options.max_event_bytes {
            return Err(ParseError::TooLarge {
                len: bytes.len(),
                max: options.max_event_bytes,
            });
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ParseError::Empty);
        }
        let value = strict::from_slice(bytes)?;
        AuditEvent::from_value(value)
    }

    /// Builds an event from a parsed JSON value (an envelope or an audit-log node).
    pub fn from_value(value: Value) -> Result<AuditEvent, ParseError> {
        let mut root = match value {
            Value::Object(m) => m,
            other => {
                return Err(ParseError::NotAnObject {
                    found: json_type(&other),
                })
            }
        };
        // An Admin API audit-log node: the envelope is in `data`.
        if !root.contains_key(field::TYPE) && root.contains_key("activityType") {
            match root.remove("data") {
                Some(Value::Object(m)) => root = m,
                Some(other) => {
                    return Err(ParseError::WrongType {
                        field: "data",
                        expected: "an object",
                        found: json_type(&other),
                    })
                }
                None => return Err(ParseError::MissingField { field: "data" }),
            }
        }

        let id = match root.shift_remove(field::ID) {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(Value::String(_)) => {
                return Err(ParseError::InvalidValue {
                    field: field::ID,
                    reason: "must not be empty",
                })
            }
            Some(other) => return Err(wrong(field::ID, "a string", &other)),
            None => return Err(ParseError::MissingField { field: field::ID }),
        };
        let seq = match root.shift_remove(field::SEQ) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Some(i),
                None => {
                    return Err(ParseError::InvalidValue {
                        field: field::SEQ,
                        reason: "must be an integer in the signed 64-bit range",
                    })
                }
            },
            Some(other) => return Err(wrong(field::SEQ, "an integer", &other)),
        };
        let event_type = match root.shift_remove(field::TYPE) {
            Some(Value::String(s)) => {
                validate_type(&s)?;
                s
            }
            Some(other) => return Err(wrong(field::TYPE, "a string", &other)),
            None => return Err(ParseError::MissingField { field: field::TYPE }),
        };
        let payload = match root.shift_remove(field::PAYLOAD) {
            None | Some(Value::Null) => Value::Null,
            Some(v @ Value::Object(_)) => v,
            Some(other) => return Err(wrong(field::PAYLOAD, "an object", &other)),
        };
        let context = match root.shift_remove(field::CONTEXT) {
            Some(Value::Object(m)) => m,
            Some(other) => return Err(wrong(field::CONTEXT, "an object", &other)),
            None => {
                return Err(ParseError::MissingField {
                    field: field::CONTEXT,
                })
            }
        };
        let time_unix_nano = validate_context(&context)?;
        Ok(AuditEvent {
            id,
            seq,
            event_type,
            time_unix_nano,
            context,
            payload,
            extra: root,
        })
    }

    /// A string field of `context`, when present and a string.
    pub fn context_str(&self, key: &str) -> Option<&str> {
        self.context.get(key).and_then(Value::as_str)
    }

    /// The subject user id: `context.user_id` when non-empty, else `payload.user.id`.
    pub fn subject_user_id(&self) -> Option<&str> {
        non_empty(self.context_str(field::context::USER_ID)).or_else(|| {
            non_empty(
                self.payload
                    .get("user")
                    .and_then(|u| u.get("id"))
                    .and_then(Value::as_str),
            )
        })
    }

    /// `context.triggered_by`.
    pub fn triggered_by(&self) -> Option<&str> {
        self.context_str(field::context::TRIGGERED_BY)
    }

    /// `context.audit_context`, when it is a map.
    pub fn audit_context(&self) -> Option<&Map<String, Value>> {
        self.context
            .get(field::context::AUDIT_CONTEXT)
            .and_then(Value::as_object)
    }

    /// The acting administrator: `context.audit_context.actor_user_id`.
    pub fn actor_user_id(&self) -> Option<&str> {
        non_empty(
            self.audit_context()
                .and_then(|a| a.get(field::context::ACTOR_USER_ID))
                .and_then(Value::as_str),
        )
    }

    /// The session the event is about: `payload.session.id`, the only session of
    /// `payload.sessions`, or `context.session_id` (set by the tracing layer).
    pub fn session_id(&self) -> Option<&str> {
        let p = &self.payload;
        if let Some(id) = p
            .get("session")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str)
        {
            return non_empty(Some(id));
        }
        match p.get("sessions").and_then(Value::as_array) {
            Some(list) if list.len() == 1 => non_empty(list[0].get("id").and_then(Value::as_str)),
            _ => non_empty(self.context_str(field::context::SESSION_ID)),
        }
    }

    /// Trace and span id from `context.tracking_id` (`<32 hex>-<16 hex>`), when well formed and
    /// not all zeros.
    pub fn trace_context(&self) -> Option<([u8; 16], [u8; 8])> {
        parse_tracking_id(self.context_str(field::context::TRACKING_ID)?)
    }
}

fn wrong(field: &'static str, expected: &'static str, found: &Value) -> ParseError {
    ParseError::WrongType {
        field,
        expected,
        found: json_type(found),
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// Longest type string accepted.
const MAX_TYPE_LEN: usize = 256;

fn validate_type(s: &str) -> Result<(), ParseError> {
    if s.is_empty() {
        return Err(ParseError::InvalidValue {
            field: field::TYPE,
            reason: "must not be empty",
        });
    }
    if s.len() > MAX_TYPE_LEN {
        return Err(ParseError::InvalidValue {
            field: field::TYPE,
            reason: "longer than 256 bytes",
        });
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'/'))
    {
        return Err(ParseError::InvalidValue {
            field: field::TYPE,
            reason: "may only contain ASCII letters, digits and `._-:/`",
        });
    }
    Ok(())
}

/// Checks the types of the context fields the mapping reads; returns the event time.
fn validate_context(ctx: &Map<String, Value>) -> Result<u64, ParseError> {
    use field::context as c;
    let time = match ctx.get(c::TIMESTAMP) {
        Some(v) => parse_timestamp(v)?,
        None => {
            return Err(ParseError::MissingField {
                field: "context.timestamp",
            })
        }
    };
    // String-or-null fields.
    for (key, path) in [
        (c::USER_ID, "context.user_id"),
        (c::TRIGGERED_BY, "context.triggered_by"),
        (c::IP_ADDRESS, "context.ip_address"),
        (c::USER_AGENT, "context.user_agent"),
        (c::APP_ID, "context.app_id"),
        (c::CLIENT_ID, "context.client_id"),
        (c::TRACKING_ID, "context.tracking_id"),
        (c::GEO_LOCATION_CODE, "context.geo_location_code"),
        (c::LANGUAGE, "context.language"),
    ] {
        match ctx.get(key) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => return Err(wrong(path, "a string or null", other)),
        }
    }
    match ctx.get(c::AUDIT_CONTEXT) {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(other) => return Err(wrong("context.audit_context", "an object", other)),
    }
    if let Some(Value::Object(a)) = ctx.get(c::AUDIT_CONTEXT) {
        match a.get(c::ACTOR_USER_ID) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => {
                return Err(wrong(
                    "context.audit_context.actor_user_id",
                    "a string or null",
                    other,
                ))
            }
        }
    }
    match ctx.get(c::PREFERRED_LANGUAGES) {
        None | Some(Value::Null) | Some(Value::Array(_)) => {}
        Some(other) => {
            return Err(wrong(
                "context.preferred_languages",
                "an array or null",
                other,
            ))
        }
    }
    Ok(time)
}

/// Latest accepted event time: year 2262 is where Unix nanoseconds leave `i64`.
const MAX_UNIX_SECONDS: f64 = 9_000_000_000.0;

fn parse_timestamp(v: &Value) -> Result<u64, ParseError> {
    const FIELD: &str = "context.timestamp";
    match v {
        Value::Number(n) => {
            let secs = n.as_f64().unwrap_or(f64::NAN);
            if !(0.0..MAX_UNIX_SECONDS).contains(&secs) {
                return Err(ParseError::InvalidValue {
                    field: FIELD,
                    reason: "must be Unix seconds between 1970 and 2255",
                });
            }
            if let Some(i) = n.as_u64() {
                Ok(i * 1_000_000_000)
            } else {
                Ok((secs * 1e9).round() as u64)
            }
        }
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => t
                .timestamp_nanos_opt()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or(ParseError::InvalidValue {
                    field: FIELD,
                    reason: "is outside 1970..2262",
                }),
            Err(_) => Err(ParseError::InvalidValue {
                field: FIELD,
                reason: "a string timestamp must be RFC 3339 (e.g. 2025-06-02T00:00:00Z)",
            }),
        },
        other => Err(wrong(FIELD, "Unix seconds or an RFC 3339 string", other)),
    }
}

/// Splits a `<32 hex>-<16 hex>` tracking id into W3C trace and span ids.
pub fn parse_tracking_id(s: &str) -> Option<([u8; 16], [u8; 8])> {
    let (t, sp) = s.split_once('-')?;
    let mut trace = [0u8; 16];
    let mut span = [0u8; 8];
    hex::decode_to_slice(t, &mut trace).ok()?;
    hex::decode_to_slice(sp, &mut span).ok()?;
    if trace == [0; 16] || span == [0; 8] {
        return None;
    }
    Some((trace, span))
}

#[cfg(test)]
mod tests;
