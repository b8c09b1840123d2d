//! Redaction configuration as written by users (pipeline YAML or the layer's builder), before
//! compilation. [`super::Redactor::compile`] turns it into matchers built once; every problem
//! is reported at once, naming the rule and the fix.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::detect::Detector;
use crate::catalog::Category;

/// How the payload is treated before rules run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Everything is kept unless a rule redacts it.
    #[default]
    Denylist,
    /// Everything in the payload that no `allow` path covers is dropped first; rules then run
    /// on what is left.
    Allowlist,
}

/// The `redaction` section of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactionConfig {
    /// `denylist` (default) or `allowlist`.
    #[serde(default)]
    pub mode: Mode,
    /// Whether the built-in rule set runs after the rules below (default `true`).
    #[serde(default = "default_true")]
    pub default_rules: bool,
    /// Paths kept in allowlist mode (`payload.user.id`, `payload.identities[*].type`). Allowing a
    /// node allows everything under it.
    #[serde(default)]
    pub allow: Vec<String>,
    /// The key for `hash` actions. Without it, a random key is made at start-up, so pseudonyms
    /// are stable only within one run.
    #[serde(default)]
    pub pseudonymization: Option<PseudonymizationConfig>,
    /// Rules, tried in order; for each field the first matching field rule wins.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// Whether a record that redaction changed carries `redaction.count` (values changed) and
    /// `redaction.rules` (the rules that changed them; never the values). Default `true`.
    #[serde(default = "default_true")]
    pub summary: bool,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            mode: Mode::Denylist,
            default_rules: true,
            allow: Vec::new(),
            pseudonymization: None,
            rules: Vec::new(),
            summary: true,
        }
    }
}

const fn default_true() -> bool {
    true
}

/// Where the pseudonymization key comes from. Keys never live in the pipeline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymizationConfig {
    /// Written into every token (`hmac:<key_id>:...`) so that keys can be rotated: 1 to 16 of
    /// `A-Z a-z 0-9 _ -`.
    pub key_id: String,
    /// Name of an environment variable holding the key.
    #[serde(default)]
    pub key_env: Option<String>,
    /// Path of a file holding the key (trailing white space is ignored).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// Which events a rule applies to. Empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Categories (`messaging`, `admin_api_mutation`, ...).
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Activity types in either spelling (`SMS_SENT` or `sms.sent`).
    #[serde(default)]
    pub activity_types: Vec<String>,
}

/// One rule.
///
/// A **field rule** selects fields by `path`, `key` and/or `key_like` (any of them matching
/// selects the field) and applies `action` to the whole field. A **value rule** has `detect`
/// and/or `pattern`; it applies `action` to the matching parts of every string (under `path`,
/// when given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// A name for explanations and metrics.
    pub name: String,
    /// Field paths (see the module docs of `redact::path`), one or a list.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub path: Vec<String>,
    /// A regex matched against each object key (e.g. `(?i)^(phone|mobile)$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Words matched inside keys in any case and spelling: the key is lower-cased and stripped
    /// of everything but letters and digits (`emergencyContact-Phone` → `emergencycontactphone`)
    /// before the words are looked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_like: Vec<String>,
    /// Built-in value detectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detect: Vec<Detector>,
    /// A custom value regex; a capture group named `v` limits redaction to that group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Field rules: a regex; a string value it matches whole is left as it is by this rule
    /// (e.g. codes such as `invalid_password` under a `reason` key). Detectors still run on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_value: Option<String>,
    /// Which events the rule applies to.
    #[serde(default, skip_serializing_if = "is_default_scope")]
    pub when: ScopeConfig,
    /// `keep`, `drop`, `mask`, `replace`, `hash`, `partial`, `truncate_ip`, `truncate`,
    /// `mask_query`.
    pub action: ActionName,
    /// `partial`: characters kept at the start (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_first: Option<usize>,
    /// `partial`: characters kept at the end (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_last: Option<usize>,
    /// `partial`: keep the domain of an email address (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_domain: Option<bool>,
    /// `truncate`: characters kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
    /// `replace`: the constant written instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `truncate_ip`: IPv4 prefix length kept (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_prefix: Option<u8>,
    /// `truncate_ip`: IPv6 prefix length kept (default 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_prefix: Option<u8>,
}

fn is_default_scope(s: &ScopeConfig) -> bool {
    s.categories.is_empty() && s.activity_types.is_empty()
}

/// Action names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    /// Leave the field as it is and exempt it from later rules and detectors.
    Keep,
    /// Remove the field.
    Drop,
    /// Replace with `[REDACTED]`.
    Mask,
    /// Replace with `value`.
    Replace,
    /// Keyed pseudonym (HMAC-SHA256): the same input gives the same token under one key.
    Hash,
    /// Keep `keep_first`/`keep_last` characters (or the email domain), mask the rest.
    Partial,
    /// Keep the network part of an IP address (`/24`, `/64` by default).
    TruncateIp,
    /// Keep the first `max_chars` characters.
    Truncate,
    /// Keep a URL's scheme, host, path and parameter names; mask parameter values.
    MaskQuery,
}

fn one_or_many<'de, D>(d: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl RuleConfig {
    /// A rule with only a name and an action; fill the selectors with struct update syntax.
    pub fn new(name: &str, action: ActionName) -> RuleConfig {
        RuleConfig {
            name: name.to_owned(),
            path: Vec::new(),
            key: None,
            key_like: Vec::new(),
            detect: Vec::new(),
            pattern: None,
            unless_value: None,
            when: ScopeConfig::default(),
            action,
            keep_first: None,
            keep_last: None,
            keep_domain: None,
            max_chars: None,
            value: None,
            ipv4_prefix: None,
            ipv6_prefix: None,
        }
    }
}
