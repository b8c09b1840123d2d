//! The audit event model: the envelope the reference platform uses for webhooks and its audit
//! log (`{"id","seq","type","payload","context"}`), parsed from JSON bytes.
//!
//! Parsing is two-step on purpose. The bytes are first read into a flat JSON document
//! ([`crate::json::Doc`]: strict, so duplicate keys, nesting deeper than 127 containers and
//! invalid UTF-8 are errors), then the envelope is checked field by field. Errors name the field
//! and the JSON type found, never the value: an error message must not carry personal data.
//!
//! Unknown fields are kept, never dropped: unknown envelope keys ([`AuditEvent::extra`]) and
//! unknown context keys (the context is kept whole).
//!
//! Accepted shapes:
//! - the envelope itself (webhook bodies, the audit log's `data` column);
//! - an Admin API `auditLogs` node (`{"activityType", "createdAt", ..., "data": {envelope}}`),
//!   whose `data` is unwrapped;
//! - `type` in dotted form (`user.authenticated`) or activity form (`USER_AUTHENTICATED`);
//! - `context.timestamp` as Unix seconds (integer or float) or an RFC 3339 string.

use serde_json::{Map, Value};

use crate::json::{Doc, Kind, Number};

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

/// One audit event: the envelope's parsed JSON ([`Doc`]) and where its parts are.
///
/// `context` and `payload` stay JSON so that redaction rules address every field of them the
/// same way (`context.ip_address`, `payload.user.standard_attributes.email`); typed accessors
/// read the fields the mapping needs. Unknown envelope keys are kept as they are
/// ([`AuditEvent::extra`]).
///
/// An event is reusable: [`AuditEvent::parse_in_place`] reads the next one into the same
/// buffers, which is how the processor parses without allocating.
#[derive(Clone, Default)]
pub struct AuditEvent {
    doc: Doc,
    /// The envelope object: the root, or an audit-log node's `data`.
    envelope: usize,
    id: usize,
    event_type: usize,
    context: usize,
    payload: Option<usize>,
    seq: Option<i64>,
    time_unix_nano: u64,
}

impl PartialEq for AuditEvent {
    /// Equal envelopes: id, seq, type, time, context, payload and extra fields.
    fn eq(&self, other: &AuditEvent) -> bool {
        self.id() == other.id()
            && self.seq == other.seq
            && self.event_type() == other.event_type()
            && self.time_unix_nano == other.time_unix_nano
            && self.context_value() == other.context_value()
            && self.payload_value() == other.payload_value()
            && self.extra_value() == other.extra_value()
    }
}

impl std::fmt::Debug for AuditEvent {
    /// Id and type only: the rest holds personal data until it is redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditEvent")
            .field("id", &self.id())
            .field("type", &self.event_type())
            .finish_non_exhaustive()
    }
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

/// Envelope keys with a place of their own; the others are [`AuditEvent::extra`].
const ENVELOPE_KEYS: [&str; 5] = [
    field::ID,
    field::SEQ,
    field::TYPE,
    field::PAYLOAD,
    field::CONTEXT,
];

impl AuditEvent {
    /// Parses one event with the default limits.
    pub fn from_slice(bytes: &[u8]) -> Result<AuditEvent, ParseError> {
        AuditEvent::from_slice_with(bytes, ParseOptions::default())
    }

    /// Parses one event.
    pub fn from_slice_with(bytes: &[u8], options: ParseOptions) -> Result<AuditEvent, ParseError> {
        let mut e = AuditEvent::default();
        e.parse_in_place(bytes, options)?;
        Ok(e)
    }

    /// Parses one event into this one, reusing its buffers. On error the event holds nothing
    /// usable (its accessors read an empty envelope).
    pub fn parse_in_place(
        &mut self,
        bytes: &[u8],
        options: ParseOptions,
    ) -> Result<(), ParseError> {
        self.parse_json_in_place(bytes, options)?;
        self.locate_envelope()
    }

    /// The first half of [`AuditEvent::parse_in_place`]: reads the JSON (size limit, strict
    /// syntax) without checking the envelope, so a caller can look at the document first
    /// ([`AuditEvent::doc`]) and then call [`AuditEvent::locate_envelope`].
    pub fn parse_json_in_place(
        &mut self,
        bytes: &[u8],
        options: ParseOptions,
    ) -> Result<(), ParseError> {
        let max = options.max_event_bytes.min(crate::json::MAX_TEXT_BYTES);
        if bytes.len() > max {
            self.reset();
            return Err(ParseError::TooLarge {
                len: bytes.len(),
                max: options.max_event_bytes,
            });
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            self.reset();
            return Err(ParseError::Empty);
        }
        let result = self.doc.parse(bytes).map_err(|e| ParseError::InvalidJson {
            reason: e.reason,
            line: e.line,
            column: e.column,
        });
        if result.is_err() {
            self.reset();
        }
        result
    }

    /// The second half of [`AuditEvent::parse_in_place`]: finds and checks the envelope's
    /// fields in the document read by [`AuditEvent::parse_json_in_place`].
    pub fn locate_envelope(&mut self) -> Result<(), ParseError> {
        let result = self.locate();
        if result.is_err() {
            self.reset();
        }
        result
    }

    /// Builds an event from a parsed JSON value (an envelope or an audit-log node).
    pub fn from_value(value: Value) -> Result<AuditEvent, ParseError> {
        let mut e = AuditEvent {
            doc: Doc::from_value(&value),
            ..AuditEvent::default()
        };
        e.locate()?;
        Ok(e)
    }

    /// Builds an event from its parts (the tracing layer's captures, tests). `context` need
    /// not hold a timestamp: the event's time is `time_unix_nano`.
    pub fn from_parts(
        id: &str,
        seq: Option<i64>,
        event_type: &str,
        time_unix_nano: u64,
        context: &Map<String, Value>,
        payload: &Value,
        extra: &Map<String, Value>,
    ) -> AuditEvent {
        let mut doc = Doc::new();
        doc.begin_object(None);
        let id_node = doc.push_str(Some(field::ID), id);
        if let Some(s) = seq {
            doc.push_i64(Some(field::SEQ), s);
        }
        let type_node = doc.push_str(Some(field::TYPE), event_type);
        let payload_node =
            (!payload.is_null()).then(|| doc.push_value(Some(field::PAYLOAD), payload));
        let context_node = doc.begin_object(Some(field::CONTEXT));
        for (k, v) in context {
            doc.push_value(Some(k), v);
        }
        doc.end_container();
        for (k, v) in extra {
            if !ENVELOPE_KEYS.contains(&k.as_str()) {
                doc.push_value(Some(k), v);
            }
        }
        doc.end_container();
        AuditEvent {
            doc,
            envelope: 0,
            id: id_node,
            event_type: type_node,
            context: context_node,
            payload: payload_node,
            seq,
            time_unix_nano,
        }
    }

    fn reset(&mut self) {
        self.doc.clear();
        self.doc.begin_object(None);
        let id = self.doc.push_str(Some(field::ID), "");
        let context = self.doc.begin_object(Some(field::CONTEXT));
        self.doc.end_container();
        self.doc.end_container();
        self.envelope = 0;
        self.id = id;
        self.event_type = id;
        self.context = context;
        self.payload = None;
        self.seq = None;
        self.time_unix_nano = 0;
    }

    /// Finds and checks the envelope's fields in the parsed document.
    fn locate(&mut self) -> Result<(), ParseError> {
        let d = &self.doc;
        let mut root = 0;
        if d.kind(root) != Kind::Object {
            return Err(ParseError::NotAnObject {
                found: kind_name(d.kind(root)),
            });
        }
        // An Admin API audit-log node: the envelope is in `data`.
        if d.get(root, field::TYPE).is_none() && d.get(root, "activityType").is_some() {
            match d.get(root, "data") {
                Some(n) if d.kind(n) == Kind::Object => root = n,
                Some(n) => {
                    return Err(ParseError::WrongType {
                        field: "data",
                        expected: "an object",
                        found: kind_name(d.kind(n)),
                    })
                }
                None => return Err(ParseError::MissingField { field: "data" }),
            }
        }
        let (mut id, mut seq, mut ty, mut payload, mut context) = (None, None, None, None, None);
        for c in d.children(root) {
            match d.key(c) {
                field::ID => id = Some(c),
                field::SEQ => seq = Some(c),
                field::TYPE => ty = Some(c),
                field::PAYLOAD => payload = Some(c),
                field::CONTEXT => context = Some(c),
                _ => {}
            }
        }
        let id = match id {
            Some(n) if d.kind(n) == Kind::String => {
                if d.is_blank(n) {
                    return Err(ParseError::InvalidValue {
                        field: field::ID,
                        reason: "must not be empty",
                    });
                }
                n
            }
            Some(n) => return Err(wrong(field::ID, "a string", d, n)),
            None => return Err(ParseError::MissingField { field: field::ID }),
        };
        let seq = match seq {
            None => None,
            Some(n) if d.kind(n) == Kind::Null => None,
            Some(n) if d.kind(n) == Kind::Number => match d.as_i64(n) {
                Some(i) => Some(i),
                None => {
                    return Err(ParseError::InvalidValue {
                        field: field::SEQ,
                        reason: "must be an integer in the signed 64-bit range",
                    })
                }
            },
            Some(n) => return Err(wrong(field::SEQ, "an integer", d, n)),
        };
        let ty = match ty {
            Some(n) if d.kind(n) == Kind::String => {
                validate_type(d.as_str(n).unwrap_or(""))?;
                n
            }
            Some(n) => return Err(wrong(field::TYPE, "a string", d, n)),
            None => return Err(ParseError::MissingField { field: field::TYPE }),
        };
        let payload = match payload {
            None => None,
            Some(n) if d.kind(n) == Kind::Null => None,
            Some(n) if d.kind(n) == Kind::Object => Some(n),
            Some(n) => return Err(wrong(field::PAYLOAD, "an object", d, n)),
        };
        let context = match context {
            Some(n) if d.kind(n) == Kind::Object => n,
            Some(n) => return Err(wrong(field::CONTEXT, "an object", d, n)),
            None => {
                return Err(ParseError::MissingField {
                    field: field::CONTEXT,
                })
            }
        };
        let time_unix_nano = validate_context(d, context)?;
        self.envelope = root;
        self.id = id;
        self.seq = seq;
        self.event_type = ty;
        self.payload = payload;
        self.context = context;
        self.time_unix_nano = time_unix_nano;
        Ok(())
    }

    /// Event id; the de-duplication key.
    pub fn id(&self) -> &str {
        self.doc.as_str(self.id).unwrap_or("")
    }

    /// Sequence number, when present.
    pub fn seq(&self) -> Option<i64> {
        self.seq
    }

    /// The type as received (dotted or activity form).
    pub fn event_type(&self) -> &str {
        self.doc.as_str(self.event_type).unwrap_or("")
    }

    /// When the event happened, in Unix nanoseconds (from `context.timestamp`).
    pub fn time_unix_nano(&self) -> u64 {
        self.time_unix_nano
    }

    /// The parsed JSON.
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    pub(crate) fn doc_mut(&mut self) -> &mut Doc {
        &mut self.doc
    }

    /// The `context` node (an object unless redaction replaced it whole).
    pub fn context_node(&self) -> usize {
        self.context
    }

    /// The `payload` node, when the event has one that is not `null`.
    pub fn payload_node(&self) -> Option<usize> {
        self.payload
            .filter(|&n| !self.doc.is_removed(n) && self.doc.kind(n) != Kind::Null)
    }

    /// Envelope keys other than the five known ones, as nodes (their keys are the names).
    pub fn extra(&self) -> impl Iterator<Item = usize> + '_ {
        self.doc
            .children(self.envelope)
            .filter(|&c| !ENVELOPE_KEYS.contains(&self.doc.key(c)))
    }

    /// The envelope as a JSON value (a copy; an audit-log node's `data`, unwrapped).
    pub fn to_value(&self) -> Value {
        self.doc.to_value(self.envelope)
    }

    /// `context` as a JSON value (a copy).
    pub fn context_value(&self) -> Value {
        self.doc.to_value(self.context)
    }

    /// `payload` as a JSON value (a copy; `Null` when absent).
    pub fn payload_value(&self) -> Value {
        self.payload_node()
            .map_or(Value::Null, |n| self.doc.to_value(n))
    }

    /// The unknown envelope keys as a JSON map (a copy).
    pub fn extra_value(&self) -> Map<String, Value> {
        self.extra()
            .map(|n| (self.doc.key(n).to_owned(), self.doc.to_value(n)))
            .collect()
    }

    /// A node of `context` by key.
    pub fn context_get(&self, key: &str) -> Option<usize> {
        self.doc.get(self.context, key)
    }

    /// A string field of `context`, when present and a string.
    pub fn context_str(&self, key: &str) -> Option<&str> {
        self.doc.get_str(self.context, key)
    }

    /// The subject user id: `context.user_id` when non-empty, else `payload.user.id`.
    pub fn subject_user_id(&self) -> Option<&str> {
        non_empty(self.context_str(field::context::USER_ID)).or_else(|| {
            let user = self.doc.get(self.payload_node()?, "user")?;
            non_empty(self.doc.get_str(user, "id"))
        })
    }

    /// `context.triggered_by`.
    pub fn triggered_by(&self) -> Option<&str> {
        self.context_str(field::context::TRIGGERED_BY)
    }

    /// `context.audit_context`, when it is a map.
    pub fn audit_context(&self) -> Option<usize> {
        self.context_get(field::context::AUDIT_CONTEXT)
            .filter(|&n| self.doc.kind(n) == Kind::Object)
    }

    /// The acting administrator: `context.audit_context.actor_user_id`.
    pub fn actor_user_id(&self) -> Option<&str> {
        non_empty(
            self.audit_context()
                .and_then(|a| self.doc.get_str(a, field::context::ACTOR_USER_ID)),
        )
    }

    /// The session the event is about: `payload.session.id`, the only session of
    /// `payload.sessions`, or `context.session_id` (set by the tracing layer).
    pub fn session_id(&self) -> Option<&str> {
        let d = &self.doc;
        if let Some(p) = self.payload_node() {
            if let Some(id) = d.get(p, "session").and_then(|s| d.get_str(s, "id")) {
                return non_empty(Some(id));
            }
            if let Some(list) = d.get(p, "sessions").filter(|&l| d.kind(l) == Kind::Array) {
                let mut it = d.children(list);
                if let (Some(only), None) = (it.next(), it.next()) {
                    return non_empty(d.get_str(only, "id"));
                }
                return non_empty(self.context_str(field::context::SESSION_ID));
            }
        }
        non_empty(self.context_str(field::context::SESSION_ID))
    }

    /// Trace and span id from `context.tracking_id` (`<32 hex>-<16 hex>`), when well formed and
    /// not all zeros.
    pub fn trace_context(&self) -> Option<([u8; 16], [u8; 8])> {
        parse_tracking_id(self.context_str(field::context::TRACKING_ID)?)
    }
}

/// The JSON type name of a node, for error messages.
fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    }
}

fn wrong(field: &'static str, expected: &'static str, d: &Doc, n: usize) -> ParseError {
    ParseError::WrongType {
        field,
        expected,
        found: kind_name(d.kind(n)),
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
fn validate_context(d: &Doc, ctx: usize) -> Result<u64, ParseError> {
    use field::context as c;
    let time = match d.get(ctx, c::TIMESTAMP) {
        Some(n) => parse_timestamp(d, n)?,
        None => {
            return Err(ParseError::MissingField {
                field: "context.timestamp",
            })
        }
    };
    let is = |n: Option<usize>, kinds: &[Kind]| n.is_none_or(|n| kinds.contains(&d.kind(n)));
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
        let n = d.get(ctx, key);
        if !is(n, &[Kind::Null, Kind::String]) {
            return Err(wrong(path, "a string or null", d, n.unwrap_or(0)));
        }
    }
    let audit = d.get(ctx, c::AUDIT_CONTEXT);
    if !is(audit, &[Kind::Null, Kind::Object]) {
        return Err(wrong(
            "context.audit_context",
            "an object",
            d,
            audit.unwrap_or(0),
        ));
    }
    if let Some(a) = audit {
        let actor = d.get(a, c::ACTOR_USER_ID);
        if !is(actor, &[Kind::Null, Kind::String]) {
            return Err(wrong(
                "context.audit_context.actor_user_id",
                "a string or null",
                d,
                actor.unwrap_or(0),
            ));
        }
    }
    let languages = d.get(ctx, c::PREFERRED_LANGUAGES);
    if !is(languages, &[Kind::Null, Kind::Array]) {
        return Err(wrong(
            "context.preferred_languages",
            "an array or null",
            d,
            languages.unwrap_or(0),
        ));
    }
    Ok(time)
}

/// Latest accepted event time: year 2262 is where Unix nanoseconds leave `i64`.
const MAX_UNIX_SECONDS: f64 = 9_000_000_000.0;

fn parse_timestamp(d: &Doc, n: usize) -> Result<u64, ParseError> {
    const FIELD: &str = "context.timestamp";
    match d.kind(n) {
        Kind::Number => {
            let (secs, whole) = match d.number(n) {
                Some(Number::I64(i)) => (i as f64, u64::try_from(i).ok()),
                Some(Number::U64(u)) => (u as f64, Some(u)),
                Some(Number::F64(f)) => (f, None),
                None => (f64::NAN, None),
            };
            if !(0.0..MAX_UNIX_SECONDS).contains(&secs) {
                return Err(ParseError::InvalidValue {
                    field: FIELD,
                    reason: "must be Unix seconds between 1970 and 2255",
                });
            }
            match whole {
                Some(i) => Ok(i * 1_000_000_000),
                None => Ok((secs * 1e9).round() as u64),
            }
        }
        Kind::String => match chrono::DateTime::parse_from_rfc3339(d.as_str(n).unwrap_or("")) {
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
        _ => Err(wrong(FIELD, "Unix seconds or an RFC 3339 string", d, n)),
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
