//! Sources: where events come from. Each configured source runs as its own task (line
//! sources on a blocking thread) and hands records to the sinks through a
//! [`SourceContext`]; the order of one source's events is kept.

pub mod audit_log_api;
pub mod lines;
pub mod otlp;
pub mod tail;
pub mod webhook;
pub mod workers;

pub use lines::{Line, LineSource, SAMPLE_EVENTS};

use super::config::SourceConfig;
use super::ingest::SourceContext;

/// A source failed for good (it could not listen, its file vanished): the pipeline stops.
#[derive(Debug, Clone, thiserror::Error)]
#[error("source {source_name}: {message}")]
pub struct SourceError {
    /// The source's name.
    pub source_name: String,
    /// What went wrong and what to do about it.
    pub message: String,
}

/// A short name for a configured source, for logs, metrics and dead letters.
pub fn name(cfg: &SourceConfig) -> String {
    match cfg {
        SourceConfig::Sample => "sample".into(),
        SourceConfig::Stdin => "stdin".into(),
        SourceConfig::File { path } => format!("file:{}", path.display()),
        SourceConfig::Generate { .. } => "generate".into(),
        SourceConfig::Tail(t) => format!("tail:{}", t.path.display()),
        SourceConfig::Webhook(w) => format!("webhook:{}", w.listen),
        SourceConfig::Otlp(_) => "otlp".into(),
        SourceConfig::AuditLogApi(a) => format!("audit_log_api:{}", a.project_id),
    }
}

/// Whether a source ends by itself (the pipeline ends when every source has).
pub fn is_finite(cfg: &SourceConfig) -> bool {
    matches!(
        cfg,
        SourceConfig::Sample
            | SourceConfig::Stdin
            | SourceConfig::File { .. }
            | SourceConfig::Generate { .. }
    )
}

/// Whether a source listens on the network (and says when it does).
pub fn has_server(cfg: &SourceConfig) -> bool {
    matches!(cfg, SourceConfig::Webhook(_) | SourceConfig::Otlp(_))
}

/// Starts a configured source.
pub(crate) fn spawn(
    cfg: &SourceConfig,
    ctx: SourceContext,
) -> tokio::task::JoinHandle<Result<(), SourceError>> {
    let handle = tokio::runtime::Handle::current();
    match lines::open(cfg) {
        Ok(Some(src)) => {
            let rate = match cfg {
                SourceConfig::Generate { rate_per_sec, .. } => *rate_per_sec,
                _ => None,
            };
            tokio::task::spawn_blocking(move || lines::feed(src, ctx, handle, rate))
        }
        Err(e) => {
            let name = ctx.name().to_owned();
            tokio::spawn(async move {
                Err(SourceError {
                    source_name: name,
                    message: e.to_string(),
                })
            })
        }
        Ok(None) => match cfg.clone() {
            SourceConfig::Tail(c) => tokio::spawn(tail::run(c, ctx)),
            SourceConfig::Webhook(c) => tokio::spawn(webhook::run(c, ctx)),
            SourceConfig::Otlp(c) => tokio::spawn(otlp::run(c, ctx)),
            SourceConfig::AuditLogApi(c) => tokio::spawn(audit_log_api::run(c, ctx)),
            SourceConfig::Sample
            | SourceConfig::Stdin
            | SourceConfig::File { .. }
            | SourceConfig::Generate { .. } => unreachable!("line sources are opened above"),
        },
    }
}
