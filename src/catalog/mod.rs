//! The activity catalog: every audit event type we know, with its category, outcome, default
//! severity, actor kind and audit-log view.
//!
//! The catalog is the vocabulary the rest of the crate speaks. It is static (compiled into the
//! binary, see [`BUILTIN`]) so that OpenTelemetry event names can be `&'static str`, and it can be
//! extended or overridden from configuration ([`CatalogOverride`]).
//!
//! Two spellings of a type exist in the wild: the dotted event type carried by webhooks and the
//! audit log's `data` (`user.authenticated`), and the upper-snake activity type of the Admin API
//! (`USER_AUTHENTICATED`). The forward mapping is mechanical (`upper(replace(".", "_"))`); the
//! reverse is not (`_` is both a separator and part of words), so [`Catalog::lookup`] resolves
//! both through the table.
//!
//! Types the catalog does not know are never rejected: [`Catalog::resolve`] returns a
//! [`Resolved::Unknown`] entry in category [`Category::Other`], and callers count them.

pub mod activity;
mod builtin;
pub mod payload_model;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use builtin::BUILTIN;

/// The seven categories of `audit.category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Failed or blocked authentication attempts.
    AuthenticationFailed,
    /// Identities (login ids, OAuth links, biometrics) added, removed, updated or verified.
    Identity,
    /// User lifecycle: sign-in, sign-out, creation, deletion, disabling, profile changes.
    User,
    /// Messages sent to users (SMS, email, WhatsApp) and their delivery outcome.
    Messaging,
    /// Project (portal) administration: configuration, secrets, billing, collaborators, domains.
    Project,
    /// Admin API mutations.
    AdminApiMutation,
    /// Anything the catalog does not know.
    Other,
}

impl Category {
    /// All categories, in documentation order.
    pub const ALL: [Category; 7] = [
        Category::AuthenticationFailed,
        Category::Identity,
        Category::User,
        Category::Messaging,
        Category::Project,
        Category::AdminApiMutation,
        Category::Other,
    ];

    /// The attribute value (`authentication_failed`, `identity`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::AuthenticationFailed => "authentication_failed",
            Category::Identity => "identity",
            Category::User => "user",
            Category::Messaging => "messaging",
            Category::Project => "project",
            Category::AdminApiMutation => "admin_api_mutation",
            Category::Other => "other",
        }
    }
}

/// `event.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The action happened.
    Success,
    /// The action was attempted and failed or was refused.
    Failure,
}

impl Outcome {
    /// The attribute value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// Default severity of an activity. Audit events are never below `INFO`: a default `INFO`
/// threshold anywhere in a log pipeline must not filter the audit trail out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Routine, successful activity.
    Info,
    /// Failed attempts, and successful actions that destroy data, disable access or touch
    /// secrets: what a security reviewer wants to see first.
    Warn,
    /// The platform failed to do something on a user's behalf (e.g. message delivery errors).
    Error,
}

impl Severity {
    /// The OpenTelemetry severity number.
    pub const fn number(self) -> i32 {
        match self {
            Severity::Info => 9,
            Severity::Warn => 13,
            Severity::Error => 17,
        }
    }

    /// The OpenTelemetry severity text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warn => "WARN",
            Severity::Error => "ERROR",
        }
    }
}

/// Who performs an activity (`audit.actor.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// An end user acting on their own account.
    User,
    /// An administrator, through the Admin API or the portal.
    Admin,
    /// The platform itself (scheduled jobs, alerts).
    System,
}

impl ActorKind {
    /// The attribute value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Admin => "admin",
            ActorKind::System => "system",
        }
    }

    /// The actor kind implied by the platform's `context.triggered_by`, when it names one.
    pub fn from_triggered_by(triggered_by: &str) -> Option<ActorKind> {
        match triggered_by {
            "user" => Some(ActorKind::User),
            "admin_api" | "portal" | "site_admin" => Some(ActorKind::Admin),
            "system" => Some(ActorKind::System),
            _ => None,
        }
    }
}

/// The two views of the reference platform's audit log page (`audit.view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// "User Activities": what end users did, or what was done to their accounts.
    UserActivities,
    /// "Admin API & Portal": Admin API mutations and project (portal) actions.
    AdminApiPortal,
}

impl View {
    /// The attribute value.
    pub const fn as_str(self) -> &'static str {
        match self {
            View::UserActivities => "user_activities",
            View::AdminApiPortal => "admin_api_portal",
        }
    }
}

/// The group an activity type is listed under in the reference platform's public docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocGroup {
    /// "Authentication failed".
    AuthenticationFailed,
    /// "Identity changes".
    IdentityChanges,
    /// "User actions".
    UserActions,
    /// "Others" (messaging).
    Others,
    /// "Project Actions".
    ProjectActions,
    /// "User Mutations" of the Admin API.
    AdminApiUserMutations,
}

impl DocGroup {
    /// The heading used in the documentation.
    pub const fn title(self) -> &'static str {
        match self {
            DocGroup::AuthenticationFailed => "Authentication failed",
            DocGroup::IdentityChanges => "Identity changes",
            DocGroup::UserActions => "User actions",
            DocGroup::Others => "Others",
            DocGroup::ProjectActions => "Project actions",
            DocGroup::AdminApiUserMutations => "Admin API user mutations",
        }
    }

    /// The snake-case identifier used in JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            DocGroup::AuthenticationFailed => "authentication_failed",
            DocGroup::IdentityChanges => "identity_changes",
            DocGroup::UserActions => "user_actions",
            DocGroup::Others => "others",
            DocGroup::ProjectActions => "project_actions",
            DocGroup::AdminApiUserMutations => "admin_api_user_mutations",
        }
    }
}

/// One activity type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEntry {
    /// The upper-snake activity type (`USER_AUTHENTICATED`).
    pub activity_type: Cow<'static, str>,
    /// The dotted event type (`user.authenticated`); also the OTel event name.
    #[serde(rename = "type")]
    pub event_type: Cow<'static, str>,
    /// `audit.category`.
    pub category: Category,
    /// `event.outcome`.
    pub outcome: Outcome,
    /// Default severity.
    pub severity: Severity,
    /// Default actor kind; `context.triggered_by` refines it per event.
    pub actor: ActorKind,
    /// `audit.view`.
    pub view: View,
    /// The public docs' group, for the documented types; `None` for types the platform emits but
    /// does not document, and for user-defined entries.
    pub group: Option<DocGroup>,
    /// One line, in our own words.
    pub description: Cow<'static, str>,
}

impl CatalogEntry {
    /// A built-in entry (used by the static table).
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn builtin(
        event_type: &'static str,
        activity_type: &'static str,
        category: Category,
        outcome: Outcome,
        severity: Severity,
        actor: ActorKind,
        view: View,
        group: Option<DocGroup>,
        description: &'static str,
    ) -> CatalogEntry {
        CatalogEntry {
            activity_type: Cow::Borrowed(activity_type),
            event_type: Cow::Borrowed(event_type),
            category,
            outcome,
            severity,
            actor,
            view,
            group,
            description: Cow::Borrowed(description),
        }
    }

    /// Whether the public docs list this type.
    pub fn documented(&self) -> bool {
        self.group.is_some()
    }
}

/// The upper-snake activity type of a dotted type: `upper(replace(type, ".", "_"))`, the rule
/// the reference platform's Admin API uses for every type it knows.
pub fn activity_type_of(event_type: &str) -> String {
    let mut s = String::with_capacity(event_type.len());
    for c in event_type.chars() {
        s.push(if c == '.' {
            '_'
        } else {
            c.to_ascii_uppercase()
        });
    }
    s
}

/// Whether `s` looks like an upper-snake activity type (`A-Z`, `0-9`, `_` only, with a letter).
pub fn is_activity_form(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The result of resolving a type string against the catalog.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'c> {
    /// A catalog entry.
    Known(&'c CatalogEntry),
    /// Not in the catalog: category `other`; the caller counts it.
    Unknown(&'c CatalogEntry),
}

impl<'c> Resolved<'c> {
    /// The entry to map with (the catalog's fallback entry for unknown types).
    pub fn entry(&self) -> &'c CatalogEntry {
        match self {
            Resolved::Known(e) | Resolved::Unknown(e) => e,
        }
    }

    /// Whether the type was found.
    pub fn is_known(&self) -> bool {
        matches!(self, Resolved::Known(_))
    }
}

/// The OTel event name of records whose type the catalog does not know. The raw type is kept in
/// `event.action`.
pub const UNKNOWN_EVENT_NAME: &str = "audit.unknown";

/// The activity type attribute of records whose type the catalog does not know and that was not
/// given in activity form.
const UNKNOWN_ACTIVITY: &str = "UNKNOWN";

/// A user-supplied addition to, or override of, a catalog entry (from pipeline configuration or
/// the tracing layer's builder). Fields left `None` keep the built-in value; for a new type they
/// take the defaults of an unknown type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogOverride {
    /// The dotted type (`acme.invoice.exported`) or an upper-snake activity type of a known entry.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The upper-snake activity type; derived from `type` when omitted.
    #[serde(default)]
    pub activity_type: Option<String>,
    /// The category.
    #[serde(default)]
    pub category: Option<Category>,
    /// The outcome.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The default severity.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// The default actor kind.
    #[serde(default)]
    pub actor: Option<ActorKind>,
    /// The audit view.
    #[serde(default)]
    pub view: Option<View>,
    /// A one-line description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Why a catalog override was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The `type` field is empty or has characters outside `[a-z0-9_.]`.
    #[error("catalog entry {index}: type {value:?} is not a dotted event type (use lower-case letters, digits, `_` and `.`, e.g. `acme.invoice.exported`)")]
    InvalidType {
        /// Position in the override list.
        index: usize,
        /// The offending value.
        value: String,
    },
    /// The `activity_type` field is not upper-snake.
    #[error("catalog entry {index} ({event_type}): activity_type {value:?} must be upper-snake (A-Z, 0-9, `_`), e.g. `ACME_INVOICE_EXPORTED`")]
    InvalidActivityType {
        /// Position in the override list.
        index: usize,
        /// The entry's type.
        event_type: String,
        /// The offending value.
        value: String,
    },
    /// Two entries would share an activity type.
    #[error("catalog entry {index} ({event_type}): activity_type {activity_type} is already used by {other}; give it a distinct activity_type")]
    DuplicateActivityType {
        /// Position in the override list.
        index: usize,
        /// The entry's type.
        event_type: String,
        /// The clashing activity type.
        activity_type: String,
        /// The entry that already uses it.
        other: String,
    },
}

/// The activity catalog: the built-in table plus user overrides, indexed by both spellings.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    by_name: HashMap<Cow<'static, str>, usize>,
    unknown: CatalogEntry,
    unknown_failure: CatalogEntry,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::builtin()
    }
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Catalog {
        let entries: Vec<CatalogEntry> = BUILTIN.to_vec();
        Catalog::from_entries(entries)
    }

    fn from_entries(entries: Vec<CatalogEntry>) -> Catalog {
        let mut by_name = HashMap::with_capacity(entries.len() * 2);
        for (i, e) in entries.iter().enumerate() {
            by_name.insert(e.event_type.clone(), i);
            by_name.insert(e.activity_type.clone(), i);
        }
        let unknown = CatalogEntry::builtin(
            UNKNOWN_EVENT_NAME,
            UNKNOWN_ACTIVITY,
            Category::Other,
            Outcome::Success,
            Severity::Info,
            ActorKind::User,
            View::UserActivities,
            None,
            "A type the catalog does not know.",
        );
        let unknown_failure = CatalogEntry {
            outcome: Outcome::Failure,
            severity: Severity::Warn,
            description: Cow::Borrowed("A type the catalog does not know, named like a failure."),
            ..unknown.clone()
        };
        Catalog {
            entries,
            by_name,
            unknown,
            unknown_failure,
        }
    }

    /// The built-in catalog with `overrides` applied, in order. Overrides of a known type (by
    /// either spelling) replace the fields they set; others add a new entry.
    pub fn with_overrides(overrides: &[CatalogOverride]) -> Result<Catalog, Vec<CatalogError>> {
        let mut entries: Vec<CatalogEntry> = BUILTIN.to_vec();
        let mut errors = Vec::new();
        for (index, o) in overrides.iter().enumerate() {
            let existing = entries
                .iter()
                .position(|e| e.event_type == o.event_type || e.activity_type == o.event_type);
            let mut entry = match existing {
                Some(i) => entries[i].clone(),
                None => {
                    if !is_dotted_type(&o.event_type) {
                        errors.push(CatalogError::InvalidType {
                            index,
                            value: o.event_type.clone(),
                        });
                        continue;
                    }
                    let template = if infer_failure(&o.event_type) {
                        Catalog::builtin_unknown_failure()
                    } else {
                        Catalog::builtin_unknown()
                    };
                    CatalogEntry {
                        event_type: Cow::Owned(o.event_type.clone()),
                        activity_type: Cow::Owned(activity_type_of(&o.event_type)),
                        description: Cow::Borrowed(""),
                        ..template
                    }
                }
            };
            if let Some(a) = &o.activity_type {
                if !is_activity_form(a) {
                    errors.push(CatalogError::InvalidActivityType {
                        index,
                        event_type: o.event_type.clone(),
                        value: a.clone(),
                    });
                    continue;
                }
                if let Some(other) = entries
                    .iter()
                    .enumerate()
                    .find(|(i, e)| Some(*i) != existing && e.activity_type == a.as_str())
                {
                    errors.push(CatalogError::DuplicateActivityType {
                        index,
                        event_type: o.event_type.clone(),
                        activity_type: a.clone(),
                        other: other.1.event_type.to_string(),
                    });
                    continue;
                }
                entry.activity_type = Cow::Owned(a.clone());
            }
            if let Some(v) = o.category {
                entry.category = v;
            }
            if let Some(v) = o.outcome {
                entry.outcome = v;
            }
            if let Some(v) = o.severity {
                entry.severity = v;
            }
            if let Some(v) = o.actor {
                entry.actor = v;
            }
            if let Some(v) = o.view {
                entry.view = v;
            }
            if let Some(v) = &o.description {
                entry.description = Cow::Owned(v.clone());
            }
            match existing {
                Some(i) => entries[i] = entry,
                None => entries.push(entry),
            }
        }
        if errors.is_empty() {
            Ok(Catalog::from_entries(entries))
        } else {
            Err(errors)
        }
    }

    fn builtin_unknown() -> CatalogEntry {
        Catalog::from_entries(Vec::new()).unknown
    }

    fn builtin_unknown_failure() -> CatalogEntry {
        Catalog::from_entries(Vec::new()).unknown_failure
    }

    /// All entries, built-in first, in catalog order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// The entry for a type in either spelling.
    pub fn lookup(&self, type_or_activity: &str) -> Option<&CatalogEntry> {
        self.by_name
            .get(type_or_activity)
            .map(|&i| &self.entries[i])
    }

    /// The entry for a type in either spelling, or the fallback entry for unknown types (with
    /// outcome `failure` when the type's last segment says it failed, was blocked or errored).
    pub fn resolve(&self, type_or_activity: &str) -> Resolved<'_> {
        match self.lookup(type_or_activity) {
            Some(e) => Resolved::Known(e),
            None if infer_failure(type_or_activity) => Resolved::Unknown(&self.unknown_failure),
            None => Resolved::Unknown(&self.unknown),
        }
    }

    /// The dotted form of a type in either spelling, when the catalog knows it.
    pub fn dotted<'a>(&'a self, type_or_activity: &'a str) -> Option<&'a str> {
        self.lookup(type_or_activity).map(|e| e.event_type.as_ref())
    }

    /// The activity form of a type in either spelling. Unknown dotted types use the mechanical
    /// rule; unknown strings already in activity form are returned as they are.
    pub fn activity<'a>(&'a self, type_or_activity: &'a str) -> Cow<'a, str> {
        match self.lookup(type_or_activity) {
            Some(e) => Cow::Borrowed(e.activity_type.as_ref()),
            None if is_activity_form(type_or_activity) => Cow::Borrowed(type_or_activity),
            None => Cow::Owned(activity_type_of(type_or_activity)),
        }
    }
}

/// Whether `s` is a plausible dotted event type.
fn is_dotted_type(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

/// Unknown types whose last segment reads as a failure get outcome `failure`.
fn infer_failure(type_or_activity: &str) -> bool {
    let last = type_or_activity
        .rsplit(['.', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(
        last.as_str(),
        "failed" | "failure" | "error" | "blocked" | "denied" | "rejected"
    )
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
