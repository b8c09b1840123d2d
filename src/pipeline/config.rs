//! Pipeline files: what users write (YAML, read through the `config` crate with
//! `AUDIT_OTEL__...` environment overrides), before it is compiled into a [`super::Pipeline`].
//!
//! Naming follows one rule: snake_case, units in the name (`_bytes`, `_secs`). Every struct
//! refuses unknown fields, so a typo is an error that names the field, not a silently ignored
//! setting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::CatalogOverride;
use crate::event::DEFAULT_MAX_EVENT_BYTES;
use crate::generate::{Mix, TypeSet};
use crate::redact::RedactionConfig;

pub use super::secret::SecretSource;

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
    /// Dropping events already accepted (by event id).
    #[serde(default)]
    pub dedup: DedupConfig,
    /// The HTTP endpoint for Prometheus metrics and Kubernetes probes (off when omitted).
    #[serde(default)]
    pub admin: Option<AdminConfig>,
    /// Stopping on SIGTERM/SIGINT.
    #[serde(default)]
    pub shutdown: ShutdownConfig,
    /// Threads that parse, redact and map the events of each line source (stdin, file, tail,
    /// generate), records still leaving in input order (default: the cores this process may
    /// use). The OTLP and webhook sources take requests in parallel anyway.
    #[serde(default)]
    pub workers: Option<usize>,
}

/// Largest accepted `workers`.
pub const MAX_WORKERS: usize = 1024;

/// Dropping re-deliveries: the reference platform's webhooks and API pulls can repeat events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    /// On by default.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// How many recent event ids are remembered (default 100000; about 2.4 MiB).
    #[serde(default = "default_dedup_window")]
    pub window: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            enabled: true,
            window: default_dedup_window(),
        }
    }
}

const fn default_true() -> bool {
    true
}

const fn default_dedup_window() -> usize {
    100_000
}

/// The admin endpoint: `GET /metrics`, `/healthz`, `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Address to listen on, e.g. `0.0.0.0:8888`.
    pub listen: SocketAddr,
}

/// Graceful shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShutdownConfig {
    /// How long sinks may keep delivering what is queued after SIGTERM (default 20 s). What is
    /// left then stays in the disk buffer when there is one, and is counted as lost otherwise.
    #[serde(default = "default_drain_secs")]
    pub drain_timeout_secs: f64,
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        ShutdownConfig {
            drain_timeout_secs: default_drain_secs(),
        }
    }
}

const fn default_drain_secs() -> f64 {
    20.0
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
        /// Events per second (unlimited when omitted).
        #[serde(default)]
        rate_per_sec: Option<f64>,
    },
    /// Follows an NDJSON file as it grows, across rotation, with a checkpoint.
    Tail(TailSourceConfig),
    /// The platform's webhook deliveries (HTTP POST, HMAC-signed).
    Webhook(WebhookSourceConfig),
    /// An OTLP receiver (gRPC and HTTP) for applications' logs.
    Otlp(OtlpSourceConfig),
    /// Polls the platform's Admin API `auditLogs` query.
    AuditLogApi(AuditLogApiSourceConfig),
}

/// `type: tail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TailSourceConfig {
    /// The file to follow.
    pub path: PathBuf,
    /// Where the read position is kept (default: `<path>.checkpoint`). Written only after the
    /// events before it are safe at every sink, so a restart neither re-sends nor skips.
    #[serde(default)]
    pub checkpoint: Option<PathBuf>,
    /// Where to start when there is no checkpoint: `beginning` (default) or `end`.
    #[serde(default)]
    pub start_at: StartAt,
    /// How often to look for new data and rotation (default 250 ms).
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
}

/// Where a tail starts without a checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartAt {
    /// The start of the file.
    #[default]
    Beginning,
    /// The current end of the file.
    End,
}

const fn default_poll_ms() -> u64 {
    250
}

/// `type: webhook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSourceConfig {
    /// Address to listen on (default `0.0.0.0:8080`).
    #[serde(default = "default_webhook_listen")]
    pub listen: SocketAddr,
    /// URL path that receives deliveries (default `/webhook`).
    #[serde(default = "default_webhook_path")]
    pub path: String,
    /// The webhook signing secret (`{ env: NAME }` or `{ file: /path }`).
    pub secret: SecretSource,
    /// Larger bodies get 413 (default: `limits.max_event_bytes`).
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// Events older than this (by their `context.timestamp`) get 400 and a dead letter.
    #[serde(default)]
    pub max_event_age_secs: Option<u64>,
    /// How long a request may wait for room in the pipeline's buffer before 503 (default 2000).
    #[serde(default = "default_accept_timeout_ms")]
    pub accept_timeout_ms: u64,
}

fn default_webhook_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 8080))
}

fn default_webhook_path() -> String {
    "/webhook".into()
}

const fn default_accept_timeout_ms() -> u64 {
    2000
}

/// `type: otlp` (source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpSourceConfig {
    /// gRPC address (default `127.0.0.1:4317`; `null` turns it off).
    #[serde(default = "default_grpc_listen")]
    pub grpc_listen: Option<SocketAddr>,
    /// HTTP address for `POST /v1/logs`, protobuf or JSON (default `127.0.0.1:4318`; `null`
    /// turns it off).
    #[serde(default = "default_http_listen")]
    pub http_listen: Option<SocketAddr>,
    /// What happens to records that are not audit events: `pass` (default; redacted with the
    /// value rules) or `drop` (counted).
    #[serde(default)]
    pub non_audit: NonAudit,
    /// Largest request accepted (default 4 MiB).
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: usize,
    /// How long a request may wait for room in the pipeline's buffer before the sender is
    /// told to retry (default 2000).
    #[serde(default = "default_accept_timeout_ms")]
    pub accept_timeout_ms: u64,
}

fn default_grpc_listen() -> Option<SocketAddr> {
    Some(SocketAddr::from(([127, 0, 0, 1], 4317)))
}

fn default_http_listen() -> Option<SocketAddr> {
    Some(SocketAddr::from(([127, 0, 0, 1], 4318)))
}

const fn default_max_message_bytes() -> usize {
    4 * 1024 * 1024
}

/// Records of an OTLP source that are not audit events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonAudit {
    /// Forward them, redacted.
    #[default]
    Pass,
    /// Drop them (counted).
    Drop,
}

/// `type: audit_log_api`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLogApiSourceConfig {
    /// The project id: the JWT audience, and the default endpoint's host
    /// (`https://<project_id>.authgear.cloud/_api/admin/graphql`).
    pub project_id: String,
    /// The Admin API endpoint, when not the default.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The Admin API key id (the JWT's `kid`).
    pub key_id: String,
    /// The Admin API private key, PEM (`{ env: NAME }` or `{ file: /path }`).
    pub private_key: SecretSource,
    /// Only these activity types (e.g. `USER_AUTHENTICATED`); all when empty.
    #[serde(default)]
    pub activity_types: Vec<String>,
    /// Nodes per page (default 100).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Pause between polls once caught up (default 30 s).
    #[serde(default = "default_poll_secs")]
    pub poll_interval_secs: f64,
    /// Where the position is kept.
    pub checkpoint: PathBuf,
    /// Without a checkpoint, start at this time (RFC 3339); the beginning of the log when
    /// omitted.
    #[serde(default)]
    pub start_time: Option<String>,
}

const fn default_page_size() -> u32 {
    100
}

const fn default_poll_secs() -> f64 {
    30.0
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// OTLP over gRPC or HTTP to a collector or backend.
    Otlp(Box<super::sink::otlp::OtlpSinkConfig>),
}

const fn default_batch() -> usize {
    1
}

/// How a sink groups records into requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchConfig {
    /// Most records per request (default 512).
    #[serde(default = "default_batch_records")]
    pub max_records: usize,
    /// Longest a record waits for its batch to fill (default 200 ms).
    #[serde(default = "default_batch_age_ms")]
    pub max_age_ms: u64,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_records: default_batch_records(),
            max_age_ms: default_batch_age_ms(),
        }
    }
}

const fn default_batch_records() -> usize {
    512
}

const fn default_batch_age_ms() -> u64 {
    200
}

/// A sink's buffer of records not yet delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// Records held in memory (default 2048: four batches of 512 ahead of the one in flight,
    /// a few MiB).
    #[serde(default = "default_queue_records")]
    pub max_records: usize,
    /// When the buffer is full: `block` (default: sources wait, so webhooks and OTLP senders
    /// are slowed down or told to retry) or `drop` (the newest records are dropped and counted).
    #[serde(default)]
    pub when_full: WhenFull,
    /// Keep the buffer on disk instead, so outages and restarts lose nothing.
    #[serde(default)]
    pub disk: Option<DiskQueueConfig>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            max_records: default_queue_records(),
            when_full: WhenFull::default(),
            disk: None,
        }
    }
}

const fn default_queue_records() -> usize {
    2048
}

/// What a full buffer does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Back-pressure: the sender waits.
    #[default]
    Block,
    /// Drop, with a counter.
    Drop,
}

/// A disk buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskQueueConfig {
    /// Directory of this sink's segments (one directory per sink).
    pub dir: PathBuf,
    /// Size limit (default 256 MiB).
    #[serde(default = "default_disk_bytes")]
    pub max_bytes: u64,
    /// `always` (default: fsync before a sender is told its events are safe), `interval`
    /// (every second) or `never` (the OS decides; survives a process crash, not a power loss).
    #[serde(default)]
    pub fsync: FsyncName,
}

const fn default_disk_bytes() -> u64 {
    256 * 1024 * 1024
}

/// When the disk buffer calls fsync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FsyncName {
    /// After every append.
    #[default]
    Always,
    /// About once a second.
    Interval,
    /// Never explicitly.
    Never,
}

/// Retries of failed exports (exponential backoff with jitter; `Retry-After` and gRPC
/// `RetryInfo` are honoured).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// First wait (default 100 ms).
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    /// Longest wait between attempts (default 30 s).
    #[serde(default = "default_max_backoff_secs")]
    pub max_backoff_secs: f64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_secs: default_max_backoff_secs(),
        }
    }
}

const fn default_initial_backoff_ms() -> u64 {
    100
}

const fn default_max_backoff_secs() -> f64 {
    30.0
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
        let text = std::fs::read_to_string(path).map_err(|e| LoadError {
            origin: origin.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Self::from_yaml(&text, &origin)
    }

    /// Reads a pipeline from YAML text (`origin` names it in errors).
    /// `${NAME}` and `${NAME:-default}` are replaced by environment variables first (`$${`
    /// stays a literal `${`), so one file serves every environment.
    pub fn from_yaml(text: &str, origin: &str) -> Result<PipelineConfig, LoadError> {
        let text = expand_env(text, &|k| std::env::var(k).ok()).map_err(|message| LoadError {
            origin: origin.to_owned(),
            message,
        })?;
        let source = config::File::from_str(&text, config::FileFormat::Yaml);
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

/// Replaces `${NAME}` and `${NAME:-default}`; `$${` is a literal `${`. Comments are expanded
/// too (harmless). An unset variable without a default is an error naming it and its line.
pub fn expand_env(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
            continue;
        }
        if !after.starts_with("${") {
            out.push('$');
            rest = &after[1..];
            continue;
        }
        let line = text[..text.len() - after.len()].matches('\n').count() + 1;
        let Some(end) = after.find('}') else {
            return Err(format!(
                "line {line}: `${{` without a closing `}}`; write `${{NAME}}`, or `$${{` for a literal"
            ));
        };
        let inner = &after[2..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "line {line}: `${{{inner}}}` is not a variable reference; use `${{NAME}}` or `${{NAME:-default}}`"
            ));
        }
        match (lookup(name), default) {
            (Some(v), _) if !v.is_empty() => out.push_str(&v),
            (_, Some(d)) => out.push_str(d),
            (Some(v), None) => out.push_str(&v),
            (None, None) => {
                return Err(format!(
                    "line {line}: environment variable {name} is not set; set it or give a default: `${{{name}:-value}}`"
                ))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
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
    (
        "SourceConfig",
        "sample, stdin, file, generate, tail, webhook, otlp, audit_log_api",
    ),
    ("SinkConfig", "stdout, file, otlp"),
    ("WhenFull", "block, drop"),
    ("FsyncName", "always, interval, never"),
    ("NonAudit", "pass, drop"),
    ("StartAt", "beginning, end"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        match k {
            "HOST" => Some("collector".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_and_defaults() {
        assert_eq!(
            expand_env("a: http://${HOST}:4317", &env).unwrap(),
            "a: http://collector:4317"
        );
        assert_eq!(
            expand_env("${UNSET:-x} ${EMPTY:-y} ${HOST:-z}", &env).unwrap(),
            "x y collector"
        );
        assert_eq!(
            expand_env("cost: $5 $${HOST}", &env).unwrap(),
            "cost: $5 ${HOST}"
        );
    }

    #[test]
    fn unset_variables_and_bad_references_name_the_line() {
        let e = expand_env("a: 1\nb: ${NOPE}\n", &env).unwrap_err();
        assert!(e.contains("line 2") && e.contains("NOPE"), "{e}");
        assert!(expand_env("x: ${A B}", &env)
            .unwrap_err()
            .contains("not a variable"));
        assert!(expand_env("x: ${OPEN", &env)
            .unwrap_err()
            .contains("closing"));
    }
}
