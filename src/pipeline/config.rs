//! Pipeline files: what users write (YAML, read through the `config` crate with
//! `AUDIT_OTEL__...` environment overrides), before it is compiled into a [`super::Pipeline`].
//!
//! Naming follows one rule: snake_case, units in the name (`_bytes`, `_secs`). Every struct
//! refuses unknown fields, so a typo is an error that names the field, not a silently ignored
//! setting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::CatalogOverride;
use crate::event::DEFAULT_MAX_EVENT_BYTES;
use crate::generate::{Mix, TypeSet};
use crate::redact::RedactionConfig;

/// The pipeline that runs when no file is given: the bundled sample events to stdout.
pub const DEFAULT_PIPELINE_YAML: &str = include_str!("../../pipelines/default.yaml");

/// Prefix of environment overrides: `AUDIT_OTEL__REDACTION__DEFAULT_RULES=false`.
pub const ENV_PREFIX: &str = "AUDIT_OTEL";

/// A pipeline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// A name for logs and metrics.
    #[serde(default)]
    pub name: Option<String>,
    /// Where events come from, read in order.
    pub sources: Vec<SourceConfig>,
    /// Redaction rules (the built-in set when omitted).
    #[serde(default)]
    pub redaction: RedactionConfig,
    /// Additions to and overrides of the activity catalog.
    #[serde(default)]
    pub catalog: Vec<CatalogOverride>,
    /// Resource attributes of exported records (`service.name`, `deployment.environment.name`).
    #[serde(default)]
    pub resource: BTreeMap<String, String>,
    /// Where records go; each gets every record.
    pub sinks: Vec<SinkConfig>,
    /// Where rejected input goes.
    #[serde(default)]
    pub dead_letter: DeadLetterConfig,
    /// Input limits.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// A source of audit events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// The sample events bundled in the binary (every catalog type once, synthetic PII).
    Sample,
    /// NDJSON on standard input, until end of input.
    Stdin,
    /// An NDJSON file, read once from the start.
    File {
        /// The file.
        path: PathBuf,
    },
    /// Events from the built-in generator.
    Generate {
        /// How many lines.
        count: u64,
        /// Seed (same seed, same events).
        #[serde(default = "default_seed")]
        seed: u64,
        /// Fraction of malformed lines, 0 to 1.
        #[serde(default)]
        malformed_rate: f64,
        /// `realistic` or `uniform`.
        #[serde(default)]
        mix: MixName,
        /// `all` or `documented`.
        #[serde(default)]
        types: TypesName,
    },
}

const fn default_seed() -> u64 {
    1
}

/// Generator mix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MixName {
    /// Weighted like production.
    #[default]
    Realistic,
    /// Every type in turn.
    Uniform,
}

impl From<MixName> for Mix {
    fn from(m: MixName) -> Mix {
        match m {
            MixName::Realistic => Mix::Realistic,
            MixName::Uniform => Mix::Uniform,
        }
    }
}

/// Generator type set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypesName {
    /// Every type the catalog knows.
    #[default]
    All,
    /// The 72 documented activity types.
    Documented,
}

impl From<TypesName> for TypeSet {
    fn from(t: TypesName) -> TypeSet {
        match t {
            TypesName::All => TypeSet::All,
            TypesName::Documented => TypeSet::Documented,
        }
    }
}

/// A destination for records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkConfig {
    /// OTLP/JSON lines on standard output: one `ExportLogsServiceRequest` per line.
    Stdout {
        /// Records per line (default 1).
        #[serde(default = "default_batch")]
        batch_size: usize,
    },
    /// OTLP/JSON lines appended to a file.
    File {
        /// The file (created if missing, appended to).
        path: PathBuf,
        /// Records per line (default 1).
        #[serde(default = "default_batch")]
        batch_size: usize,
    },
}

const fn default_batch() -> usize {
    1
}

/// What is kept of rejected input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterContent {
    /// The input with personal data masked: string values other than identifiers, long numbers,
    /// and whatever the value rules detect.
    #[default]
    Redacted,
    /// The input as it came. It may contain personal data: choose this only for a destination
    /// that is allowed to hold it.
    Raw,
    /// Only the error and where the input came from.
    Omitted,
}

/// The dead-letter destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterConfig {
    /// An NDJSON file to append to; standard error when omitted.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// `redacted` (default), `raw` or `omitted`.
    #[serde(default)]
    pub content: DeadLetterContent,
}

/// Input limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Larger events are rejected unread (default 256 KiB).
    #[serde(default = "default_max_event_bytes")]
    pub max_event_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
        }
    }
}

const fn default_max_event_bytes() -> usize {
    DEFAULT_MAX_EVENT_BYTES
}

/// A pipeline file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct LoadError {
    /// The file (or `embedded default pipeline`).
    pub origin: String,
    /// What is wrong, with the field path where known.
    pub message: String,
}

impl PipelineConfig {
    /// Reads a pipeline file, then applies `AUDIT_OTEL__...` environment overrides.
    pub fn load(path: &Path) -> Result<PipelineConfig, LoadError> {
        let origin = path.display().to_string();
        if !path.exists() {
            return Err(LoadError {
                origin,
                message: "no such file; give the path of a pipeline YAML file (see pipelines/)"
                    .into(),
            });
        }
        let source = config::File::from(path).format(config::FileFormat::Yaml);
        Self::build(source, origin)
    }

    /// Reads a pipeline from YAML text (`origin` names it in errors).
    pub fn from_yaml(text: &str, origin: &str) -> Result<PipelineConfig, LoadError> {
        let source = config::File::from_str(text, config::FileFormat::Yaml);
        Self::build(source, origin.to_owned())
    }

    /// The embedded default pipeline.
    pub fn default_pipeline() -> PipelineConfig {
        Self::from_yaml(DEFAULT_PIPELINE_YAML, "embedded default pipeline")
            .expect("the embedded default pipeline is valid")
    }

    fn build<S>(source: S, origin: String) -> Result<PipelineConfig, LoadError>
    where
        S: config::Source + Send + Sync + 'static,
    {
        let cfg = config::Config::builder()
            .add_source(source)
            .add_source(
                config::Environment::with_prefix(ENV_PREFIX)
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .map_err(|e| LoadError {
                origin: origin.clone(),
                message: explain_config_error(&e),
            })?;
        cfg.try_deserialize::<PipelineConfig>()
            .map_err(|e| LoadError {
                origin,
                message: explain_config_error(&e),
            })
    }
}

/// The `config` crate's messages, with a hint for the usual mistakes.
fn explain_config_error(e: &config::ConfigError) -> String {
    // The crate renders `rules[0].action` as `rules[0]action`.
    let mut msg = String::new();
    let raw = e.to_string();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        msg.push(c);
        if c == ']' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
            msg.push('.');
        }
    }
    let hint = if msg.contains("unknown field") {
        " (check the spelling; the README lists every field)".to_owned()
    } else if msg.contains("missing field") {
        " (add it; see pipelines/ for complete examples)".to_owned()
    } else if msg.contains("unknown variant") {
        " (use one of the listed values)".to_owned()
    } else if let Some(values) = ENUM_VALUES
        .iter()
        .find(|(name, _)| msg.contains(&format!("enum {name} ")))
        .map(|(_, v)| v)
    {
        format!(" (use one of the listed values: {values})")
    } else {
        String::new()
    };
    format!("{msg}{hint}")
}

/// Values of the enums a pipeline file uses, for error hints.
const ENUM_VALUES: &[(&str, &str)] = &[
    (
        "ActionName",
        "keep, drop, mask, replace, hash, partial, truncate_ip, truncate, mask_query",
    ),
    ("Mode", "denylist, allowlist"),
    (
        "Detector",
        "email, phone, ipv4, ipv6, credit_card, jwt, api_token, url_secret, otp_code",
    ),
    (
        "Category",
        "authentication_failed, identity, user, messaging, project, admin_api_mutation, other",
    ),
    ("Outcome", "success, failure"),
    ("Severity", "INFO, WARN, ERROR"),
    ("ActorKind", "user, admin, system"),
    ("View", "user_activities, admin_api_portal"),
    ("DeadLetterContent", "redacted, raw, omitted"),
    ("MixName", "realistic, uniform"),
    ("TypesName", "all, documented"),
    ("SourceConfig", "sample, stdin, file, generate"),
    ("SinkConfig", "stdout, file"),
];
