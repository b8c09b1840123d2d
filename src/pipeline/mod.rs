//! The standalone processor: a pipeline file compiled into sources → core → sinks.
//!
//! ```text
//!  sources ──lines──► AuditCore::process ──records──► sinks (batched per sink)
//!                          │ rejected
//!                          └──────────► dead letters (+ counter, + one log line without values)
//! ```
//!
//! Configuration is two-stage: [`config::PipelineConfig`] is what the user wrote;
//! [`Pipeline::build`] validates all of it at once (every problem reported, each naming its
//! field and fix) and compiles regexes, paths and the catalog once.

pub mod config;
pub mod dead_letter;
pub mod metrics;
pub mod sink;
pub mod source;

use std::io;

use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::catalog::Catalog;
use crate::core::AuditCore;
use crate::event::{ParseError, ParseOptions};
use crate::otel::{now_unix_nano, proto};
use crate::redact::Redactor;

use config::{PipelineConfig, SinkConfig, SourceConfig};
use dead_letter::DeadLetters;
use source::Line;

/// A compiled pipeline, ready to run.
#[derive(Debug)]
pub struct Pipeline {
    name: String,
    config: PipelineConfig,
    core: AuditCore,
    resource: Resource,
}

/// Counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Lines read.
    pub received: u64,
    /// Records written, per sink (name, count).
    pub exported: Vec<(String, u64)>,
    /// Inputs rejected (all of them are in the dead letters).
    pub rejected: u64,
    /// Rejections per error kind (`invalid_json`, `too_large`, ...).
    pub rejected_by_kind: std::collections::BTreeMap<&'static str, u64>,
    /// Dead letters written.
    pub dead_letters: u64,
    /// Events whose type the catalog does not know.
    pub unknown_types: u64,
    /// Fields or matches redacted.
    pub redactions: u64,
}

/// Why a pipeline could not be built: every problem found.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct BuildError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl Pipeline {
    /// Validates and compiles a configuration.
    pub fn build(config: PipelineConfig) -> Result<Pipeline, BuildError> {
        let mut problems = Vec::new();
        if config.sources.is_empty() {
            problems.push(
                "`sources`: the list is empty; add at least one source, e.g. `- type: stdin`"
                    .into(),
            );
        }
        if config.sinks.is_empty() {
            problems.push(
                "`sinks`: the list is empty; add at least one sink, e.g. `- type: stdout`".into(),
            );
        }
        for (i, s) in config.sources.iter().enumerate() {
            match s {
                SourceConfig::Generate { malformed_rate, .. }
                    if !(0.0..=1.0).contains(malformed_rate) =>
                {
                    problems.push(format!(
                        "`sources[{i}].malformed_rate`: {malformed_rate} is outside 0..1; use a fraction such as 0.01"
                    ))
                }
                SourceConfig::File { path } if !path.exists() => problems.push(format!(
                    "`sources[{i}].path`: {} does not exist; check the path (relative paths start from the working directory)",
                    path.display()
                )),
                _ => {}
            }
        }
        for (i, s) in config.sinks.iter().enumerate() {
            let batch = match s {
                SinkConfig::Stdout { batch_size } | SinkConfig::File { batch_size, .. } => {
                    *batch_size
                }
            };
            if batch == 0 {
                problems.push(format!("`sinks[{i}].batch_size`: must be at least 1"));
            }
        }
        if config.limits.max_event_bytes < 64 {
            problems.push("`limits.max_event_bytes`: must be at least 64".into());
        }
        let catalog = match Catalog::with_overrides(&config.catalog) {
            Ok(c) => Some(c),
            Err(errs) => {
                problems.extend(errs.into_iter().map(|e| format!("`catalog`: {e}")));
                None
            }
        };
        let redactor = match Redactor::compile(&config.redaction) {
            Ok(r) => Some(r),
            Err(errs) => {
                problems.extend(errs.0.into_iter().map(|e| format!("`redaction`: {e}")));
                None
            }
        };
        match (catalog, redactor, problems.is_empty()) {
            (Some(catalog), Some(redactor), true) => {
                let mut attrs: Vec<(String, String)> = config
                    .resource
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !config.resource.contains_key("service.name") {
                    attrs.insert(0, ("service.name".into(), "audit-otel".into()));
                }
                Ok(Pipeline {
                    name: config.name.clone().unwrap_or_else(|| "pipeline".into()),
                    resource: proto::resource(&attrs),
                    core: AuditCore::new(
                        catalog,
                        redactor,
                        ParseOptions {
                            max_event_bytes: config.limits.max_event_bytes,
                        },
                    ),
                    config,
                })
            }
            _ => Err(BuildError { problems }),
        }
    }

    /// The pipeline's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The shared core (catalog, redactor, counters).
    pub fn core(&self) -> &AuditCore {
        &self.core
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Runs every source to its end, writing records to every sink and rejected input to the
    /// dead letters. A broken pipe on a sink ends the run early without an error.
    pub fn run(&self) -> io::Result<RunSummary> {
        let mut sinks = Vec::new();
        for s in &self.config.sinks {
            sinks.push(sink::open(s, &self.resource)?);
        }
        let mut dead = DeadLetters::open(&self.config.dead_letter)?;
        let mut summary = RunSummary::default();
        let max = self.config.limits.max_event_bytes;
        let mut buf = Vec::with_capacity(64 * 1024);
        'sources: for src_cfg in &self.config.sources {
            let mut src = source::open(src_cfg)?;
            let mut line_no = 0u64;
            while let Some(line) = src.next_line(&mut buf, max)? {
                line_no += 1;
                summary.received += 1;
                let result = match line {
                    Line::Data => self.core.process(&buf, now_unix_nano()),
                    Line::TooLong(len) => {
                        self.core
                            .stats()
                            .rejected
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        Err(ParseError::TooLarge { len, max })
                    }
                };
                match result {
                    Ok(record) => {
                        if let Err(e) = push_all(&mut sinks, record) {
                            if e.kind() == io::ErrorKind::BrokenPipe {
                                break 'sources;
                            }
                            return Err(e);
                        }
                    }
                    Err(err) => {
                        summary.rejected += 1;
                        *summary.rejected_by_kind.entry(err.kind()).or_default() += 1;
                        tracing::warn!(
                            source = src.name(),
                            line = line_no,
                            error_kind = err.kind(),
                            error = %err,
                            "Rejected input line."
                        );
                        dead.write(
                            self.core.redactor(),
                            src.name(),
                            line_no,
                            err.kind(),
                            &err.to_string(),
                            &buf,
                        )?;
                    }
                }
            }
        }
        for s in &mut sinks {
            match s.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                other => other?,
            }
        }
        dead.flush()?;
        let (_, unknown, _, redactions) = self.core.stats().snapshot();
        summary.exported = sinks
            .iter()
            .map(|s| (s.name().to_owned(), s.written()))
            .collect();
        summary.dead_letters = dead.written();
        summary.unknown_types = unknown;
        summary.redactions = redactions;
        Ok(summary)
    }
}

fn push_all(
    sinks: &mut [Box<dyn sink::Sink>],
    record: opentelemetry_proto::tonic::logs::v1::LogRecord,
) -> io::Result<()> {
    let (last, rest) = sinks.split_last_mut().expect("at least one sink");
    for s in rest {
        s.push(record.clone())?;
    }
    last.push(record)
}
