//! PII redaction: rules compiled once, applied in place to an event's context, payload and
//! unknown envelope fields before anything is mapped or exported.
//!
//! # Rules
//!
//! A rule is a **selector**, an optional **scope** and an **action**:
//!
//! | selector | selects |
//! |---|---|
//! | `path` | fields by path: `payload.user.standard_attributes.email`, `payload.identities[*].claims.*`, `payload.**.email` ([`path`]) |
//! | `key` | fields whose key matches a regex, at any depth |
//! | `key_like` | fields whose key, lower-cased and stripped to letters and digits, contains a word (`emergencyContact-Phone` has `phone`) |
//! | `detect` | the parts of any string that a built-in detector finds ([`Detector`]) |
//! | `pattern` | the parts of any string that a user regex matches (group `v` narrows it) |
//!
//! Scopes (`when`) limit a rule to categories or activity types. Actions: `keep`, `drop`,
//! `mask`, `replace`, `hash` (HMAC-SHA256 pseudonym under a key with an id), `partial`,
//! `truncate_ip`, `truncate`, `mask_query`.
//!
//! # Evaluation
//!
//! The tree is walked once. At each field, the first **field rule** (path, key, key_like) in
//! order that selects it decides: its action applies to the whole field (to every string under
//! it, for containers), and nothing under it is looked at again, except that the output of
//! `partial`, `truncate` and `mask_query` still goes through the detectors. A field no field
//! rule selects is descended into; every string no field rule selected goes through the
//! **value rules** in order. `keep` exempts a field from everything.
//!
//! A field rule with `unless_value` does not select a string that its regex matches whole
//! (codes such as `invalid_password` under a `reason` key); the value rules still run on it.
//!
//! In allowlist mode, the payload is first pruned to the `allow` paths; rules then run on what
//! is left. An audit event's attributes are read from the redacted context. The attributes of
//! other records (application logs through the processor) are walked under the root
//! `attributes` ([`Redactor::redact_attributes`]): a name's dots split it into path segments,
//! while `key` and `key_like` see the whole name.
//!
//! Redaction is idempotent (running it on its own output changes nothing), which the property
//! tests check.
//!
//! # Other routes
//!
//! [`Redactor::redact_unparsed`] redacts input that could not be parsed (for dead letters):
//! every string value is masked except those under identifier keys, and the detectors run
//! over the rest. Nothing in this module logs or formats a value.

mod action;
pub mod config;
mod defaults;
pub mod detect;
mod free_text;
pub(crate) mod path;

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::Regex;
use serde_json::Value;

pub use action::{is_pseudonym, Pseudonymizer, MASK};
pub use config::{
    ActionName, Mode, PseudonymizationConfig, RedactionConfig, RuleConfig, ScopeConfig,
};
pub use defaults::default_rules;
pub use detect::Detector;

use crate::catalog::{activity_type_of, Category};
use crate::event::AuditEvent;
use crate::json::{Doc, Kind};
use action::Action;
use detect::ValueMatcher;
use path::{PathPattern, PathTrie, Step};

/// A redaction configuration problem, naming the rule, the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactionConfigError {
    /// The rule's name and position, or `None` for section-level problems.
    pub rule: Option<String>,
    /// The configuration field at fault (`pattern`, `path`, `pseudonymization.key_env`, ...).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RedactionConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(r) => write!(
                f,
                "redaction rule {r}, field `{}`: {}",
                self.field, self.message
            ),
            None => write!(f, "redaction, field `{}`: {}", self.field, self.message),
        }
    }
}

impl std::error::Error for RedactionConfigError {}

/// All problems of a redaction configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct RedactionConfigErrors(pub Vec<RedactionConfigError>);

/// What an event is, for rule scopes.
#[derive(Debug, Clone, Copy)]
pub struct EventScope<'a> {
    /// The event's category.
    pub category: Category,
    /// The event's activity type (upper-snake).
    pub activity_type: &'a str,
}

impl EventScope<'_> {
    /// A scope matching only unscoped rules (for records that are not audit events).
    pub const NONE: EventScope<'static> = EventScope {
        category: Category::Other,
        activity_type: "",
    };
}

/// One redaction that happened, for explanations.
#[derive(Debug, Clone, Copy)]
pub struct Fired<'a> {
    /// The field's path (`payload.user.standard_attributes.email`).
    pub path: &'a str,
    /// The rule's name.
    pub rule: &'a str,
    /// The action's name.
    pub action: &'static str,
}

/// Counts of redactions per rule, in rule order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    /// Rule name.
    pub rule: String,
    /// Action name.
    pub action: &'static str,
    /// Fields or matches redacted (or kept, for `keep`) since start.
    pub count: u64,
}

/// What redaction did to one record: how many fields or matches changed, and which rules
/// changed them (never the values). Written to records as `redaction.count` and
/// `redaction.rules` unless `summary: false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedactionSummary {
    /// Fields or matches changed.
    pub changed: usize,
    /// A bit per rule that changed something; rules after the 127th share the last bit.
    rules: u128,
    /// Allowlist mode pruned something.
    pruned: bool,
    /// A subtree nested too deep was masked whole.
    too_deep: bool,
}

impl RedactionSummary {
    /// Adds what another walk over the same record did.
    pub fn merge(&mut self, other: RedactionSummary) {
        self.changed += other.changed;
        self.rules |= other.rules;
        self.pruned |= other.pruned;
        self.too_deep |= other.too_deep;
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changed == 0
    }

    fn note(&mut self, rule: usize) {
        self.rules |= 1 << rule.min(127);
    }
}

#[derive(Debug)]
enum Selector {
    Field {
        paths: Vec<PathPattern>,
        key: Option<Regex>,
        key_like: Vec<String>,
    },
    Value {
        matchers: Vec<ValueMatcher>,
        within: Vec<PathPattern>,
    },
}

#[derive(Debug, Default)]
struct Scope {
    categories: Vec<Category>,
    activity_types: Vec<String>,
}

impl Scope {
    fn applies(&self, s: &EventScope<'_>) -> bool {
        (self.categories.is_empty() || self.categories.contains(&s.category))
            && (self.activity_types.is_empty()
                || self.activity_types.iter().any(|a| a == s.activity_type))
    }

    fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.activity_types.is_empty()
    }
}

#[derive(Debug)]
struct Rule {
    name: String,
    selector: Selector,
    scope: Scope,
    action: Action,
    /// Field rules: string values matching this whole are not selected.
    unless_value: Option<Regex>,
    /// The rule's paths (selectors of a field rule, scope of a value rule), merged.
    trie: Option<PathTrie>,
    fired: AtomicU64,
}

impl Rule {
    fn is_key_rule(&self) -> bool {
        matches!(&self.selector, Selector::Field { key, key_like, .. } if key.is_some() || !key_like.is_empty())
    }

    fn key_matches(&self, key: &str, normalized: &str) -> bool {
        match &self.selector {
            Selector::Field {
                key: re, key_like, ..
            } => {
                re.as_ref().is_some_and(|re| re.is_match(key))
                    || key_like.iter().any(|w| normalized.contains(w.as_str()))
            }
            Selector::Value { .. } => false,
        }
    }

    fn is_value(&self) -> bool {
        matches!(self.selector, Selector::Value { .. })
    }
}

/// A compiled rule set. Cheap to share (`Arc`) across threads; counters are atomic.
#[derive(Debug)]
pub struct Redactor {
    rules: Vec<Rule>,
    /// Allowlist mode: the allowed paths.
    allow: Option<PathTrie>,
    pseudonymizer: Pseudonymizer,
    /// Strings shorter than this cannot match any value matcher.
    min_value_len: usize,
    /// Identifies this rule set in the per-thread key cache.
    id: u64,
    /// Whether the key cache applies (at most 64 rules).
    cache_keys: bool,
    /// Keys that name identifiers in unparsed input ([`Redactor::redact_unparsed`]).
    id_keys: Regex,
    /// Shapes of identifier values kept in unparsed input: UUIDs, hex ids, tracking ids, type
    /// names, timestamps. A provider's numeric user id under an `id` key is not one of them.
    id_values: Regex,
    /// Whether records carry a [`RedactionSummary`].
    summary: bool,
}

/// A path state while walking: a rule and a node of its path trie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    rule: u32,
    node: u32,
}

/// Distinguishes rule sets in the per-thread key cache.
static NEXT_REDACTOR_ID: AtomicU64 = AtomicU64::new(1);

impl Default for Redactor {
    /// The built-in rules with a per-process key.
    fn default() -> Self {
        Redactor::compile(&RedactionConfig::default()).expect("built-in rules compile")
    }
}

impl Redactor {
    /// Compiles a configuration; the key for `hash` comes from `pseudonymization` (a random
    /// per-process key when absent).
    pub fn compile(config: &RedactionConfig) -> Result<Redactor, RedactionConfigErrors> {
        let key = match &config.pseudonymization {
            None => Ok(Pseudonymizer::ephemeral()),
            Some(p) => load_key(p),
        };
        match key {
            Ok(k) => Redactor::compile_with_key(config, k),
            Err(e) => {
                let mut errors =
                    match Redactor::compile_with_key(config, Pseudonymizer::ephemeral()) {
                        Ok(_) => Vec::new(),
                        Err(RedactionConfigErrors(v)) => v,
                    };
                errors.insert(0, e);
                Err(RedactionConfigErrors(errors))
            }
        }
    }

    /// Compiles a configuration with an explicit pseudonymization key (the layer's builder and
    /// tests use this).
    pub fn compile_with_key(
        config: &RedactionConfig,
        pseudonymizer: Pseudonymizer,
    ) -> Result<Redactor, RedactionConfigErrors> {
        let mut errors = Vec::new();
        let defaults = if config.default_rules {
            default_rules()
        } else {
            Vec::new()
        };
        let mut rules = Vec::new();
        let all = config.rules.iter().chain(defaults.iter());
        for (index, rc) in all.enumerate() {
            match compile_rule(rc, index) {
                Ok(r) => rules.push(r),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let mut names = std::collections::HashSet::new();
        for r in &config.rules {
            if !names.insert(r.name.as_str()) {
                errors.push(RedactionConfigError {
                    rule: Some(format!("`{}`", r.name)),
                    field: "name".into(),
                    message: "another rule has the same name; names identify rules in explanations and metrics, make them unique".into(),
                });
            }
        }
        let allow = match config.mode {
            Mode::Denylist => {
                if !config.allow.is_empty() {
                    errors.push(RedactionConfigError {
                        rule: None,
                        field: "allow".into(),
                        message: "`allow` only takes effect with `mode: allowlist`; set the mode or remove the list".into(),
                    });
                }
                None
            }
            Mode::Allowlist => {
                let mut v = Vec::new();
                for (i, p) in config.allow.iter().enumerate() {
                    match PathPattern::parse(p) {
                        Ok(pp) => v.push(pp),
                        Err(e) => errors.push(RedactionConfigError {
                            rule: None,
                            field: format!("allow[{i}]"),
                            message: format!("invalid path {p:?}: {e}"),
                        }),
                    }
                }
                Some(PathTrie::new(&v))
            }
        };
        if !errors.is_empty() {
            return Err(RedactionConfigErrors(errors));
        }
        let mut min_value_len = usize::MAX;
        for r in &rules {
            if let Selector::Value { matchers, .. } = &r.selector {
                for m in matchers {
                    min_value_len = min_value_len.min(match m.detector {
                        Some(_) => 4,
                        None => 1,
                    });
                }
            }
        }
        let cache_keys = rules.len() <= 64;
        Ok(Redactor {
            rules,
            allow,
            pseudonymizer,
            min_value_len,
            id: NEXT_REDACTOR_ID.fetch_add(1, Ordering::Relaxed),
            cache_keys,
            id_keys: Regex::new(
                r"^(id|seq|type|timestamp|user_id|triggered_by|app_id|client_id|clientID|tracking_id|actor_user_id|session_id|created_at|updated_at|activityType|createdAt|is_[a-z_]+)$",
            )
            .expect("static regex"),
            id_values: Regex::new(
                r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{0,31}[a-f][0-9a-f]{0,31}|[0-9a-f]{32}-[0-9a-f]{16}|[a-z][a-z0-9_.]{0,100}|\d{4}-\d\d-\d\dT[0-9:.]{8,18}Z)$",
            )
            .expect("static regex"),
            summary: config.summary,
        })
    }

    /// The pseudonymizer in use.
    pub fn pseudonymizer(&self) -> &Pseudonymizer {
        &self.pseudonymizer
    }

    /// Redactions per rule since start.
    pub fn counts(&self) -> Vec<RuleCount> {
        self.rules
            .iter()
            .map(|r| RuleCount {
                rule: r.name.clone(),
                action: r.action.name(),
                count: r.fired.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Redacts an event in place; returns the number of fields or matches changed.
    pub fn redact(&self, event: &mut AuditEvent, scope: &EventScope<'_>) -> usize {
        self.run(event, scope, None).changed
    }

    /// Redacts an event in place; says what changed and by which rules.
    pub fn redact_summarized(
        &self,
        event: &mut AuditEvent,
        scope: &EventScope<'_>,
    ) -> RedactionSummary {
        self.run(event, scope, None)
    }

    /// Whether records should carry the summary of their redaction (`summary`, default on).
    pub fn summary_enabled(&self) -> bool {
        self.summary
    }

    /// The names of the rules in a summary, in rule order.
    pub fn rule_names<'r>(
        &'r self,
        summary: &RedactionSummary,
    ) -> impl Iterator<Item = &'r str> + 'r {
        let bits = summary.rules;
        let last = self.rules.len().saturating_sub(1);
        let pruned = summary.pruned.then_some("allowlist");
        let too_deep = summary.too_deep.then_some("max-depth");
        pruned.into_iter().chain(too_deep).chain(
            self.rules
                .iter()
                .enumerate()
                .take(128)
                .filter(move |(i, _)| bits & (1 << i) != 0)
                .map(move |(i, r)| {
                    if i == 127 && last > 127 {
                        "other-rules"
                    } else {
                        r.name.as_str()
                    }
                }),
        )
    }

    /// Redacts an event in place, telling `observer` about every rule that fired.
    pub fn redact_explained(
        &self,
        event: &mut AuditEvent,
        scope: &EventScope<'_>,
        observer: &mut dyn FnMut(Fired<'_>),
    ) -> RedactionSummary {
        self.run(event, scope, Some(observer))
    }

    /// Redacts one JSON value under a root name (`payload`, `body`, `attributes`), for data that
    /// is not an audit event (e.g. OTLP records passing through the processor).
    pub fn redact_value(&self, root: &str, value: &mut Value, scope: &EventScope<'_>) -> usize {
        self.redact_value_summarized(root, value, scope).changed
    }

    /// As [`Redactor::redact_value`], saying which rules changed what.
    pub fn redact_value_summarized(
        &self,
        root: &str,
        value: &mut Value,
        scope: &EventScope<'_>,
    ) -> RedactionSummary {
        let mut doc = Doc::from_value(value);
        let summary = self.redact_node_summarized(root, &mut doc, 0, scope);
        if !summary.is_empty() {
            *value = doc.to_value(0);
        }
        summary
    }

    /// Redacts node `n` of a document under a root name, in place (a `drop` of the whole node
    /// makes it `null`).
    pub fn redact_node_summarized(
        &self,
        root: &str,
        doc: &mut Doc,
        n: usize,
        scope: &EventScope<'_>,
    ) -> RedactionSummary {
        with_scratch(|scratch| {
            let mut w = Walk::new(self, scope, scratch, None);
            let all = 0..w.s.states.len();
            if !w.visit(doc, n, StepOf::Named(root), all) {
                doc.set_null(n);
                w.summary.changed += 1;
            }
            w.summary
        })
    }

    /// Redacts the attributes of one record that is not an audit event (an application log
    /// passing through the processor), with every rule: `f` hands each attribute to
    /// [`AttributeRedaction::redact`]. The attributes sit under the root `attributes`; a
    /// name's dots split it into path segments (`attributes.http.request.header.*`), while
    /// `key` and `key_like` match the whole name (`user.full_name`).
    pub fn redact_attributes<R>(
        &self,
        scope: &EventScope<'_>,
        f: impl FnOnce(&mut AttributeRedaction<'_, '_>) -> R,
    ) -> R {
        with_scratch(|scratch| {
            let mut walk = Walk::new(self, scope, scratch, None);
            let n = walk.s.states.len();
            let root_end = walk.advance(Step::Key("attributes"), 0..n);
            let root = n..walk.s.states.len();
            f(&mut AttributeRedaction {
                walk,
                root,
                root_end,
                doc: Doc::new(),
            })
        })
    }

    /// Redacts one string with the value rules only (detectors and patterns not limited to a
    /// path): for free text outside any structure.
    pub fn redact_text<'s>(&self, s: &'s str) -> Cow<'s, str> {
        self.redact_text_summarized(s).0
    }

    /// As [`Redactor::redact_text`], saying which rules changed what.
    pub fn redact_text_summarized<'s>(&self, s: &'s str) -> (Cow<'s, str>, RedactionSummary) {
        if s.len() < self.min_value_len {
            return (Cow::Borrowed(s), RedactionSummary::default());
        }
        with_scratch(|scratch| {
            let mut w = Walk::new(self, &EventScope::NONE, scratch, None);
            let mut doc = Doc::new();
            let n = doc.push_str(None, s);
            if w.apply_values(&mut doc, n, None) > 0 {
                let out = doc.as_str(n).unwrap_or(MASK).to_owned();
                (Cow::Owned(out), w.summary)
            } else {
                (Cow::Borrowed(s), w.summary)
            }
        })
    }

    /// Redacts input that could not be parsed, for a dead-letter file: JSON string values are
    /// masked unless they follow an identifier key (`id`, `type`, `user_id`, ...), long bare
    /// numbers are masked, and the value rules run over the result. The shape of the input
    /// (what made it malformed) stays visible; personal data does not.
    pub fn redact_unparsed(&self, input: &[u8]) -> String {
        let text = String::from_utf8_lossy(input);
        let masked = mask_unparsed(&text, &self.id_keys, &self.id_values);
        self.redact_text(&masked).into_owned()
    }

    fn run(
        &self,
        event: &mut AuditEvent,
        scope: &EventScope<'_>,
        observer: Option<&mut dyn FnMut(Fired<'_>)>,
    ) -> RedactionSummary {
        let context = event.context_node();
        let payload = event.payload_node();
        let extra: Vec<usize> = event.extra().collect();
        let doc = event.doc_mut();
        with_scratch(|scratch| {
            let mut w = Walk::new(self, scope, scratch, observer);
            if let Some(allow) = &self.allow {
                if let Some(p) = payload {
                    let dropped = prune_to_allowed(allow, doc, p, Some("payload"));
                    w.summary.changed += dropped.min(1 << 30);
                    w.summary.pruned |= dropped > 0;
                }
                for &x in &extra {
                    let whole = prune_to_allowed(allow, doc, x, None) == usize::MAX;
                    if !whole && doc.kind(x) == Kind::Null {
                        doc.remove(x);
                    }
                }
            }
            let all = 0..w.s.states.len();
            if !w.visit(doc, context, StepOf::Key, all.clone()) {
                doc.set_null(context);
            }
            if let Some(p) = payload {
                if !w.visit(doc, p, StepOf::Key, all.clone()) {
                    doc.set_null(p);
                    w.summary.changed += 1;
                }
            }
            for &x in &extra {
                if !doc.is_removed(x) && !w.visit(doc, x, StepOf::Key, all.clone()) {
                    doc.remove(x);
                }
            }
            w.summary
        })
    }
}

/// What redaction did to one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeVerdict {
    /// Nothing changed.
    Unchanged,
    /// The value changed (it may have changed type: a masked number becomes a string).
    Changed,
    /// A `drop` rule removed the attribute.
    Dropped,
}

/// One record's attributes being redacted; see [`Redactor::redact_attributes`].
pub struct AttributeRedaction<'r, 's> {
    walk: Walk<'r, 's, 'static>,
    /// The path states at the `attributes` root.
    root: std::ops::Range<usize>,
    /// A field rule selecting the whole `attributes` root, if any.
    root_end: Option<u32>,
    /// Scratch for one attribute's value.
    doc: Doc,
}

impl AttributeRedaction<'_, '_> {
    /// Redacts one attribute's value in place.
    pub fn redact(&mut self, name: &str, value: &mut Value) -> AttributeVerdict {
        self.doc.clear();
        self.doc.push_value(None, value);
        let verdict = self.redact_node(name, 0);
        if verdict == AttributeVerdict::Changed {
            *value = self.doc.to_value(0);
        }
        verdict
    }

    /// Redacts one attribute whose value is node `n` of this redaction's scratch document
    /// ([`AttributeRedaction::doc`]), in place.
    pub fn redact_node(&mut self, name: &str, n: usize) -> AttributeVerdict {
        let before = self.walk.summary.changed;
        let keep =
            self.walk
                .visit_attribute(&mut self.doc, n, name, self.root.clone(), self.root_end);
        if !keep {
            AttributeVerdict::Dropped
        } else if self.walk.summary.changed > before {
            AttributeVerdict::Changed
        } else {
            AttributeVerdict::Unchanged
        }
    }

    /// The scratch document [`AttributeRedaction::redact_node`] works on.
    pub fn doc(&mut self) -> &mut Doc {
        &mut self.doc
    }

    /// What changed so far, and by which rules.
    pub fn summary(&self) -> RedactionSummary {
        self.walk.summary
    }
}

// === compile ===

fn compile_rule(rc: &RuleConfig, index: usize) -> Result<Rule, Vec<RedactionConfigError>> {
    let label = format!("`{}` (#{})", rc.name, index + 1);
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(RedactionConfigError {
            rule: Some(label.clone()),
            field: field.to_owned(),
            message,
        })
    };
    if rc.name.trim().is_empty() {
        err(
            "name",
            "every rule needs a name (used in explanations and metrics)".into(),
        );
    }
    let mut paths = Vec::new();
    for (i, p) in rc.path.iter().enumerate() {
        match PathPattern::parse(p) {
            Ok(pp) if pp.segs.len() < usize::from(u16::MAX) => paths.push(pp),
            Ok(_) => err("path", format!("path #{} is too long", i + 1)),
            Err(e) => err(
                "path",
                format!("invalid path {p:?}: {e}; write keys with dots, e.g. `payload.user.email`, `payload.identities[*].claims.*`"),
            ),
        }
    }
    let key = match &rc.key {
        None => None,
        Some(k) => match Regex::new(k) {
            Ok(r) => Some(r),
            Err(e) => {
                err(
                    "key",
                    format!("invalid regex: {}", one_line(&e.to_string())),
                );
                None
            }
        },
    };
    let key_like: Vec<String> = rc.key_like.iter().map(|w| normalize_key(w)).collect();
    if key_like.iter().any(String::is_empty) {
        err("key_like", "words must contain letters or digits".into());
    }
    let mut matchers: Vec<ValueMatcher> = rc
        .detect
        .iter()
        .map(|d| ValueMatcher::builtin(*d))
        .collect();
    if let Some(p) = &rc.pattern {
        match ValueMatcher::custom(p) {
            Ok(m) => matchers.push(m),
            Err(e) => err(
                "pattern",
                format!("invalid regex: {}; check escaping (YAML single quotes keep backslashes as they are)", one_line(&e.to_string())),
            ),
        }
    }
    let is_value = !rc.detect.is_empty() || rc.pattern.is_some();
    let is_field = !rc.path.is_empty() || rc.key.is_some() || !rc.key_like.is_empty();
    let unless_value = match &rc.unless_value {
        None => None,
        Some(_) if is_value => {
            err("unless_value", "`unless_value` is for field rules (`path`, `key`, `key_like`); a value rule's `pattern` says what it matches".into());
            None
        }
        Some(p) => match Regex::new(&format!("^(?:{p})$")) {
            Ok(r) => Some(r),
            Err(e) => {
                err(
                    "unless_value",
                    format!("invalid regex: {}", one_line(&e.to_string())),
                );
                None
            }
        },
    };
    if is_value && (rc.key.is_some() || !rc.key_like.is_empty()) {
        err("key", "a value rule (`detect`/`pattern`) can be limited by `path` only; split it into a field rule and a value rule".into());
    }
    if !is_value && !is_field {
        err(
            "path",
            "the rule selects nothing: give `path`, `key`, `key_like`, `detect` or `pattern`"
                .into(),
        );
    }
    let action = compile_action(rc, is_value, &mut err);
    let selector = if is_value {
        Selector::Value {
            matchers,
            within: paths,
        }
    } else {
        Selector::Field {
            paths,
            key,
            key_like,
        }
    };
    let scope = Scope {
        categories: rc.when.categories.clone(),
        activity_types: rc
            .when
            .activity_types
            .iter()
            .map(|a| {
                if crate::catalog::is_activity_form(a) {
                    a.clone()
                } else {
                    activity_type_of(a)
                }
            })
            .collect(),
    };
    let trie = match &selector {
        Selector::Field { paths, .. } | Selector::Value { within: paths, .. } => {
            (!paths.is_empty()).then(|| PathTrie::new(paths))
        }
    };
    match (errors.is_empty(), action) {
        (true, Some(action)) => Ok(Rule {
            name: rc.name.clone(),
            selector,
            scope,
            action,
            unless_value,
            trie,
            fired: AtomicU64::new(0),
        }),
        _ => Err(errors),
    }
}

fn compile_action(
    rc: &RuleConfig,
    is_value: bool,
    err: &mut impl FnMut(&str, String),
) -> Option<Action> {
    let unused = |name: &str, present: bool, err: &mut dyn FnMut(&str, String)| {
        if present {
            err(
                name,
                format!(
                    "`{name}` does not apply to action `{}`; remove it",
                    action_label(rc.action)
                ),
            );
        }
    };
    let partial_opts =
        rc.keep_first.is_some() || rc.keep_last.is_some() || rc.keep_domain.is_some();
    let ip_opts = rc.ipv4_prefix.is_some() || rc.ipv6_prefix.is_some();
    let a = match rc.action {
        ActionName::Keep => {
            if is_value {
                err(
                    "action",
                    "`keep` is for field rules; a value rule that keeps matches does nothing"
                        .into(),
                );
                return None;
            }
            Action::Keep
        }
        ActionName::Drop => Action::Drop,
        ActionName::Mask => Action::Mask,
        ActionName::Replace => match &rc.value {
            Some(v) => Action::Replace(v.clone()),
            None => {
                err("value", "action `replace` needs `value: <text>`".into());
                return None;
            }
        },
        ActionName::Hash => Action::Hash,
        ActionName::Partial => Action::Partial {
            keep_first: rc.keep_first.unwrap_or(1),
            keep_last: rc.keep_last.unwrap_or(0),
            keep_domain: rc.keep_domain.unwrap_or(false),
        },
        ActionName::TruncateIp => {
            let v4 = rc.ipv4_prefix.unwrap_or(24);
            let v6 = rc.ipv6_prefix.unwrap_or(64);
            if v4 > 32 || v6 > 128 {
                err(
                    "ipv4_prefix",
                    "prefixes are at most 32 (IPv4) and 128 (IPv6)".into(),
                );
                return None;
            }
            Action::TruncateIp {
                ipv4_prefix: v4,
                ipv6_prefix: v6,
            }
        }
        ActionName::Truncate => match rc.max_chars {
            Some(n) if n > 0 => Action::Truncate { max_chars: n },
            _ => {
                err(
                    "max_chars",
                    "action `truncate` needs `max_chars: <n>` with n > 0".into(),
                );
                return None;
            }
        },
        ActionName::MaskQuery => Action::MaskQuery,
    };
    if !matches!(a, Action::Partial { .. }) {
        unused("keep_first", partial_opts, err);
    }
    if !matches!(a, Action::TruncateIp { .. }) {
        unused("ipv4_prefix", ip_opts, err);
    }
    if !matches!(a, Action::Truncate { .. }) {
        unused("max_chars", rc.max_chars.is_some(), err);
    }
    if !matches!(a, Action::Replace(_)) {
        unused("value", rc.value.is_some(), err);
    }
    Some(a)
}

fn action_label(a: ActionName) -> &'static str {
    match a {
        ActionName::Keep => "keep",
        ActionName::Drop => "drop",
        ActionName::Mask => "mask",
        ActionName::Replace => "replace",
        ActionName::Hash => "hash",
        ActionName::Partial => "partial",
        ActionName::TruncateIp => "truncate_ip",
        ActionName::Truncate => "truncate",
        ActionName::MaskQuery => "mask_query",
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads the pseudonymization key from the environment or a file.
fn load_key(p: &PseudonymizationConfig) -> Result<Pseudonymizer, RedactionConfigError> {
    let err = |field: &str, message: String| RedactionConfigError {
        rule: None,
        field: format!("pseudonymization.{field}"),
        message,
    };
    if !action::valid_key_id(&p.key_id) {
        return Err(err(
            "key_id",
            "must be 1 to 16 of A-Z a-z 0-9 _ - (it is written into every pseudonym)".into(),
        ));
    }
    let key: Vec<u8> = match (&p.key_env, &p.key_file) {
        (Some(_), Some(_)) => {
            return Err(err("key_env", "give `key_env` or `key_file`, not both".into()))
        }
        (None, None) => {
            return Err(err("key_env", "name where the key is: `key_env: AUDIT_OTEL_HMAC_KEY` or `key_file: /run/secrets/hmac-key` (keys never go in the pipeline file)".into()))
        }
        (Some(var), None) => match std::env::var_os(var) {
            Some(v) => v.into_encoded_bytes(),
            None => {
                return Err(err(
                    "key_env",
                    format!("environment variable {var} is not set; export it with at least 16 random bytes (e.g. `export {var}=$(openssl rand -hex 32)`) or use `key_file`"),
                ))
            }
        },
        (None, Some(path)) => match std::fs::read(path) {
            Ok(mut b) => {
                while b.last().is_some_and(u8::is_ascii_whitespace) {
                    b.pop();
                }
                b
            }
            Err(e) => {
                return Err(err(
                    "key_file",
                    format!("cannot read {}: {e}; check the path and that the process may read it", path.display()),
                ))
            }
        },
    };
    if key.len() < 16 {
        return Err(err(
            if p.key_env.is_some() {
                "key_env"
            } else {
                "key_file"
            },
            format!(
                "the key is {} bytes; use at least 16 random bytes",
                key.len()
            ),
        ));
    }
    Ok(Pseudonymizer::new(&p.key_id, &key))
}

/// Lower-case letters and digits only: `emergencyContact-Phone` → `emergencycontactphone`.
pub fn normalize_key(k: &str) -> String {
    let mut s = String::with_capacity(k.len());
    normalize_key_into(k, &mut s);
    s
}

fn normalize_key_into(k: &str, out: &mut String) {
    out.clear();
    for c in k.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
}

// === walk ===

#[derive(Default)]
struct Scratch {
    states: Vec<State>,
    active: Vec<bool>,
    /// `active` as a bit mask (rule sets of at most 64 rules).
    active_mask: u64,
    norm_key: String,
    ranges: Vec<(usize, usize)>,
    /// A string being rewritten by value rules.
    out: String,
    path: String,
    /// Per key: which key rules select it (a bit per rule). Keys repeat across events, so the
    /// regexes and word searches run once per distinct key, not once per field.
    key_cache: rustc_hash::FxHashMap<Box<str>, u64>,
    /// The rule set the cache belongs to.
    key_cache_owner: u64,
    /// Firings per rule during the current walk, added to the rules' shared counters once
    /// when it ends (one atomic add per rule that fired, not one per field: workers on other
    /// cores share those counters).
    fired: Vec<u64>,
}

/// Distinct keys remembered per thread before the cache starts over (bounds memory when
/// payloads carry unbounded key sets).
const KEY_CACHE_LIMIT: usize = 4096;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (a fresh set if they are in use: re-entrancy).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

struct Walk<'r, 's, 'o> {
    r: &'r Redactor,
    s: &'s mut Scratch,
    observer: Option<&'o mut dyn FnMut(Fired<'_>)>,
    summary: RedactionSummary,
    depth: usize,
}

impl Drop for Walk<'_, '_, '_> {
    fn drop(&mut self) {
        for (rule, &n) in self.r.rules.iter().zip(&self.s.fired) {
            if n > 0 {
                rule.fired.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

/// Deeper than this, a subtree is masked whole (fail closed). Parsed input is at most 127 deep.
const MAX_DEPTH: usize = 256;

/// How the step to a node is named.
#[derive(Clone, Copy)]
enum StepOf<'a> {
    /// By the node's key (a member of an object).
    Key,
    /// By its index (an element of an array).
    Index(usize),
    /// By a root name the caller gives (`payload`, `body`).
    Named(&'a str),
}

impl<'r, 's, 'o> Walk<'r, 's, 'o> {
    fn new(
        r: &'r Redactor,
        scope: &EventScope<'_>,
        s: &'s mut Scratch,
        observer: Option<&'o mut dyn FnMut(Fired<'_>)>,
    ) -> Self {
        s.states.clear();
        s.fired.clear();
        s.fired.resize(r.rules.len(), 0);
        s.active.clear();
        s.active.extend(
            r.rules
                .iter()
                .map(|rule| rule.scope.is_empty() || rule.scope.applies(scope)),
        );
        s.active_mask =
            s.active
                .iter()
                .take(64)
                .enumerate()
                .fold(0, |m, (i, &a)| if a { m | (1 << i) } else { m });
        if s.key_cache_owner != r.id || s.key_cache.len() > KEY_CACHE_LIMIT {
            s.key_cache.clear();
            s.key_cache_owner = r.id;
        }
        s.path.clear();
        // Initial states: the root of every active rule's trie.
        for (ri, rule) in r.rules.iter().enumerate() {
            if !s.active[ri] {
                continue;
            }
            if let Some(t) = &rule.trie {
                let states = &mut s.states;
                t.start(&mut |node| {
                    states.push(State {
                        rule: ri as u32,
                        node,
                    })
                });
            }
        }
        Walk {
            r,
            s,
            observer,
            summary: RedactionSummary::default(),
            depth: 0,
        }
    }

    /// Visits node `n`, reached by `step` from the states `parent`; returns whether it stays.
    fn visit(
        &mut self,
        doc: &mut Doc,
        n: usize,
        step: StepOf<'_>,
        parent: std::ops::Range<usize>,
    ) -> bool {
        let start = self.s.states.len();
        let path_len = self.s.path.len();
        let rule = {
            let step = match step {
                StepOf::Key => Step::Key(doc.key(n)),
                StepOf::Index(i) => Step::Index(i),
                StepOf::Named(k) => Step::Key(k),
            };
            if self.observer.is_some() {
                path::push_step(&mut self.s.path, step);
            }
            let first_end = self.advance(step, parent);
            self.first_field_rule(step, first_end)
        };
        let here = start..self.s.states.len();
        let keep = self.decide(doc, n, rule, here);
        self.s.states.truncate(start);
        self.s.path.truncate(path_len);
        keep
    }

    /// Visits one attribute of a record under the `attributes` root states `root`. Its name is
    /// split at dots for paths (`attributes.http.request.header.*` selects
    /// `http.request.header.cookie`), while `key` and `key_like` see the whole name.
    fn visit_attribute(
        &mut self,
        doc: &mut Doc,
        n: usize,
        name: &str,
        root: std::ops::Range<usize>,
        root_end: Option<u32>,
    ) -> bool {
        let start = self.s.states.len();
        let path_len = self.s.path.len();
        if self.observer.is_some() {
            path::push_step(&mut self.s.path, Step::Key(name));
        }
        let mut parent = root;
        let mut first_end = root_end;
        for segment in name.split('.') {
            let seg_start = self.s.states.len();
            if let Some(end) = self.advance(Step::Key(segment), parent) {
                first_end = Some(first_end.map_or(end, |f| f.min(end)));
            }
            parent = seg_start..self.s.states.len();
        }
        let rule = self.first_field_rule(Step::Key(name), first_end);
        let keep = self.decide(doc, n, rule, parent);
        self.s.states.truncate(start);
        self.s.path.truncate(path_len);
        keep
    }

    /// Advances the path states `parent` over `step`, pushing the new states; returns the
    /// lowest field rule whose path ends at the new node.
    fn advance(&mut self, step: Step<'_>, parent: std::ops::Range<usize>) -> Option<u32> {
        let start = self.s.states.len();
        let mut first_end: Option<u32> = None;
        for i in parent {
            let st = self.s.states[i];
            let rule = &self.r.rules[st.rule as usize];
            let Some(trie) = &rule.trie else { continue };
            if trie.is_end(st.node) && rule.is_value() {
                // Value rules stay in scope below the node their path selected.
                self.s.states.push(st);
                continue;
            }
            let states = &mut self.s.states;
            let is_value = rule.is_value();
            trie.advance(st.node, step, &mut |node| {
                let ns = State {
                    rule: st.rule,
                    node,
                };
                if !states[start..].contains(&ns) {
                    if !is_value && trie.is_end(node) {
                        first_end = Some(first_end.map_or(st.rule, |f| f.min(st.rule)));
                    }
                    states.push(ns);
                }
            });
        }
        first_end
    }

    /// Applies the field rule `rule` that selects node `n`, or descends into it; returns
    /// whether it stays.
    fn decide(
        &mut self,
        doc: &mut Doc,
        n: usize,
        rule: Option<usize>,
        here: std::ops::Range<usize>,
    ) -> bool {
        match rule {
            Some(ri) => self.apply_field(doc, n, ri, here),
            None if self.depth >= MAX_DEPTH => {
                doc.set_str(n, MASK);
                self.summary.changed += 1;
                self.summary.too_deep = true;
                true
            }
            None => {
                self.depth += 1;
                match doc.kind(n) {
                    Kind::Object | Kind::Array => {
                        let object = doc.kind(n) == Kind::Object;
                        let end = doc.end(n);
                        let mut c = n + 1;
                        let mut index = 0;
                        while c < end {
                            let next = doc.end(c);
                            if !doc.is_removed(c) {
                                let step = if object {
                                    StepOf::Key
                                } else {
                                    StepOf::Index(index)
                                };
                                index += 1;
                                if !self.visit(doc, c, step, here.clone()) {
                                    doc.remove(c);
                                }
                            }
                            c = next;
                        }
                    }
                    Kind::String => {
                        self.apply_values(doc, n, Some(here));
                    }
                    _ => {}
                }
                self.depth -= 1;
                true
            }
        }
    }

    /// The first active field rule selecting the node: by a path that ends here (`path_end`,
    /// the lowest such rule) or by key.
    fn first_field_rule(&mut self, step: Step<'_>, path_end: Option<u32>) -> Option<usize> {
        let limit = path_end.map_or(self.r.rules.len(), |r| r as usize);
        if let Step::Key(k) = step {
            if self.r.cache_keys {
                let mask = match self.s.key_cache.get(k) {
                    Some(m) => *m,
                    None => {
                        normalize_key_into(k, &mut self.s.norm_key);
                        let nk = self.s.norm_key.as_str();
                        let m = self
                            .r
                            .rules
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| r.is_key_rule() && r.key_matches(k, nk))
                            .fold(0u64, |m, (i, _)| m | (1 << i));
                        self.s.key_cache.insert(k.into(), m);
                        m
                    }
                };
                let below = if limit >= 64 {
                    u64::MAX
                } else {
                    (1u64 << limit) - 1
                };
                let hit = mask & self.s.active_mask & below;
                if hit != 0 {
                    return Some(hit.trailing_zeros() as usize);
                }
            } else {
                normalize_key_into(k, &mut self.s.norm_key);
                for ri in 0..limit {
                    let rule = &self.r.rules[ri];
                    if self.s.active[ri]
                        && rule.is_key_rule()
                        && rule.key_matches(k, &self.s.norm_key)
                    {
                        return Some(ri);
                    }
                }
            }
        }
        path_end.map(|r| r as usize)
    }

    fn fire(&mut self, ri: usize, n: usize) {
        let rule = &self.r.rules[ri];
        self.s.fired[ri] += n as u64;
        if !matches!(rule.action, Action::Keep) && n > 0 {
            self.summary.changed += n;
            self.summary.note(ri);
        }
        if let Some(obs) = self.observer.as_mut() {
            obs(Fired {
                path: &self.s.path,
                rule: &rule.name,
                action: rule.action.name(),
            });
        }
    }

    fn apply_field(
        &mut self,
        doc: &mut Doc,
        n: usize,
        ri: usize,
        here: std::ops::Range<usize>,
    ) -> bool {
        if let (Some(unless), Some(s)) = (&self.r.rules[ri].unless_value, doc.as_str(n)) {
            if unless.is_match(s) {
                self.apply_values(doc, n, Some(here));
                return true;
            }
        }
        let action = &self.r.rules[ri].action;
        match action {
            Action::Keep => {
                self.fire(ri, 1);
                true
            }
            Action::Drop => {
                self.fire(ri, 1);
                false
            }
            Action::Mask | Action::Replace(_) => {
                let mask = matches!(action, Action::Mask);
                // An empty string, container or null carries nothing to hide.
                let empty = match doc.kind(n) {
                    Kind::Null => true,
                    Kind::String => mask && doc.is_blank(n),
                    Kind::Object | Kind::Array => mask && doc.children(n).next().is_none(),
                    Kind::Bool | Kind::Number => false,
                };
                if !empty {
                    let text = action
                        .fixed_text()
                        .expect("mask and replace write fixed text");
                    if doc.as_str(n) != Some(text) {
                        doc.set_str(n, text);
                        self.fire(ri, 1);
                    }
                }
                true
            }
            _ => {
                let changed = self.apply_to_leaves(doc, n, ri, &here);
                if changed > 0 {
                    self.fire(ri, changed);
                }
                true
            }
        }
    }

    /// Applies a string action to every string and number under node `n`; returns how many
    /// changed.
    fn apply_to_leaves(
        &mut self,
        doc: &mut Doc,
        n: usize,
        ri: usize,
        here: &std::ops::Range<usize>,
    ) -> usize {
        let action = &self.r.rules[ri].action;
        match doc.kind(n) {
            Kind::String => {
                let s = doc.as_str(n).unwrap_or("");
                let out = action.apply(s, &self.r.pseudonymizer).unwrap_or_default();
                let mut changed = 0;
                if out != s {
                    doc.set_str(n, &out);
                    changed = 1;
                }
                if action.refinable() {
                    changed += self.apply_values(doc, n, Some(here.clone()));
                }
                changed
            }
            Kind::Number => {
                let text = doc.literal(n).unwrap_or("0");
                let out = action
                    .apply(text, &self.r.pseudonymizer)
                    .unwrap_or_default();
                if out != text {
                    doc.set_str(n, &out);
                    1
                } else {
                    0
                }
            }
            Kind::Array | Kind::Object => {
                let end = doc.end(n);
                let mut c = n + 1;
                let mut changed = 0;
                while c < end {
                    let next = doc.end(c);
                    if !doc.is_removed(c) {
                        changed += self.apply_to_leaves(doc, c, ri, here);
                    }
                    c = next;
                }
                changed
            }
            Kind::Bool | Kind::Null => 0,
        }
    }

    /// Runs the value rules over string node `n`; `here` holds the path states (for
    /// `path`-limited value rules), `None` runs only unlimited ones. Returns the number of
    /// matches redacted.
    fn apply_values(
        &mut self,
        doc: &mut Doc,
        n: usize,
        here: Option<std::ops::Range<usize>>,
    ) -> usize {
        let features = match doc.as_str(n) {
            Some(s) if s.len() >= self.r.min_value_len && !is_pseudonym(s) => {
                detect::Features::of(s)
            }
            _ => return 0,
        };
        let mut total = 0;
        for ri in 0..self.r.rules.len() {
            if !self.s.active[ri] {
                continue;
            }
            let rule = &self.r.rules[ri];
            let Selector::Value { matchers, within } = &rule.selector else {
                continue;
            };
            if !within.is_empty() {
                let trie = rule
                    .trie
                    .as_ref()
                    .expect("value rules with paths have a trie");
                let in_scope = here.as_ref().is_some_and(|h| {
                    self.s.states[h.clone()]
                        .iter()
                        .any(|st| st.rule as usize == ri && trie.is_end(st.node))
                });
                if !in_scope {
                    continue;
                }
            }
            let s = doc.as_str(n).unwrap_or("");
            self.s.ranges.clear();
            for m in matchers {
                if m.detector.is_none_or(|d| features.possible(d)) {
                    m.find(s, &mut self.s.ranges);
                }
            }
            if self.s.ranges.is_empty() {
                continue;
            }
            let ranges = merge_ranges(&mut self.s.ranges);
            let out = &mut self.s.out;
            out.clear();
            let mut last = 0;
            let mut changed = 0;
            for &(a, b) in ranges.iter() {
                out.push_str(&s[last..a]);
                let rep = rule
                    .action
                    .apply(&s[a..b], &self.r.pseudonymizer)
                    .unwrap_or_default();
                if rep != s[a..b] {
                    changed += 1;
                }
                out.push_str(&rep);
                last = b;
            }
            out.push_str(&s[last..]);
            if changed > 0 {
                doc.set_str(n, &self.s.out);
                total += changed;
                self.fire(ri, changed);
            }
        }
        total
    }
}

fn merge_ranges(r: &mut Vec<(usize, usize)>) -> &[(usize, usize)] {
    r.sort_unstable();
    let mut w = 0;
    for i in 0..r.len() {
        if w > 0 && r[i].0 < r[w - 1].1 {
            r[w - 1].1 = r[w - 1].1.max(r[i].1);
        } else {
            r[w] = r[i];
            w += 1;
        }
    }
    r.truncate(w);
    r
}

/// Prunes node `n` (reached by key `root`, or by its own key when `None`) to the allowed
/// paths. Returns `usize::MAX` when the whole value is allowed, else the number of fields
/// dropped (the node stays, possibly empty or `null`).
fn prune_to_allowed(allow: &PathTrie, doc: &mut Doc, n: usize, root: Option<&str>) -> usize {
    let mut start = Vec::new();
    allow.start(&mut |s| start.push(s));
    let states = step_all(allow, &start, Step::Key(root.unwrap_or_else(|| doc.key(n))));
    if states.iter().any(|&s| allow.is_end(s)) {
        return usize::MAX;
    }
    if states.is_empty() {
        let dropped = usize::from(doc.kind(n) != Kind::Null);
        doc.set_null(n);
        return dropped;
    }
    prune_children(allow, doc, n, &states)
}

/// Every trie node reached from `states` by `step`, once each.
fn step_all(allow: &PathTrie, states: &[u32], step: Step<'_>) -> Vec<u32> {
    let mut next = Vec::with_capacity(states.len());
    for &n in states {
        allow.advance(n, step, &mut |m| {
            if !next.contains(&m) {
                next.push(m);
            }
        });
    }
    next
}

fn prune_children(allow: &PathTrie, doc: &mut Doc, n: usize, states: &[u32]) -> usize {
    let mut dropped = 0;
    match doc.kind(n) {
        Kind::Object | Kind::Array => {
            let object = doc.kind(n) == Kind::Object;
            let end = doc.end(n);
            let mut c = n + 1;
            let mut index = 0;
            while c < end {
                let next_sibling = doc.end(c);
                if !doc.is_removed(c) {
                    let step = if object {
                        Step::Key(doc.key(c))
                    } else {
                        Step::Index(index)
                    };
                    index += 1;
                    let next = step_all(allow, states, step);
                    if next.iter().any(|&s| allow.is_end(s)) {
                        // Allowed whole.
                    } else if next.is_empty() || !matches!(doc.kind(c), Kind::Object | Kind::Array)
                    {
                        dropped += 1;
                        doc.remove(c);
                    } else {
                        dropped += prune_children(allow, doc, c, &next);
                    }
                }
                c = next_sibling;
            }
        }
        _ => {
            // A scalar on the way to an allowed path: not itself allowed.
            doc.set_null(n);
            dropped += 1;
        }
    }
    dropped
}

/// Masks the string values of JSON-like text except identifier-shaped values right after an
/// identifier key, and bare numbers of 7 or more digits except `seq` and timestamps. Works on
/// truncated and otherwise broken JSON.
fn mask_unparsed(text: &str, id_keys: &Regex, id_values: &Regex) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last_key: Option<(usize, usize)> = None;
    let mut last_was_colon = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                // A string literal, possibly unterminated.
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                let closed = j < b.len();
                let mut k = if closed { j + 1 } else { b.len() };
                while k < b.len() && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                let is_key = closed && k < b.len() && b[k] == b':';
                let content = &text[start..end];
                if is_key {
                    out.push('"');
                    out.push_str(content);
                    out.push('"');
                    last_key = Some((start, end));
                } else {
                    let keep = last_was_colon
                        && last_key.is_some_and(|(a, z)| id_keys.is_match(&text[a..z]))
                        && id_values.is_match(content);
                    out.push('"');
                    out.push_str(if keep || content.is_empty() {
                        content
                    } else {
                        MASK
                    });
                    if closed {
                        out.push('"');
                    }
                }
                last_was_colon = false;
                i = if closed { j + 1 } else { b.len() };
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                let digits = b[start..i].iter().filter(|d| d.is_ascii_digit()).count();
                let keep = digits < 7
                    || (last_was_colon
                        && last_key.is_some_and(|(a, z)| id_keys.is_match(&text[a..z])));
                out.push_str(if keep { &text[start..i] } else { MASK });
                last_was_colon = false;
            }
            c => {
                if c == b':' {
                    last_was_colon = true;
                } else if !c.is_ascii_whitespace() {
                    last_was_colon = false;
                }
                // Copy one whole character.
                let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + ch_len]);
                i += ch_len;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
