//! The standalone processor: a pipeline file compiled into sources → core → sinks.
//!
//! ```text
//!  source task ─┐                              ┌─► sink buffer ─► batch ─► export (retry) ─┐
//!  source task ─┼─ parse·dedup·redact·map ─────┼─► sink buffer ─► batch ─► export (retry) ─┼─► acks
//!  source task ─┘   │ rejected                 └─► ...                                     │
//!                   └─► dead letters (+ counter, + one log line without values)            │
//!        ◄────────────────────── receipt: safe at every sink ◄──────────────────────────────┘
//! ```
//!
//! Each source is a task and does the core work itself, so one source's events keep their
//! order and sources run in parallel. Every sink buffers (bounded, in memory or on disk) and
//! delivers on its own; a source learns from its receipts when its events are safe (webhooks
//! answer, tails checkpoint). On SIGTERM the sources stop, the sinks deliver what is queued
//! until the drain deadline, and the run ends.
//!
//! Configuration is two-stage: [`config::PipelineConfig`] is what the user wrote;
//! [`Pipeline::build`] validates all of it at once (every problem reported, each naming its
//! field and fix) and compiles regexes, paths and the catalog once.

pub mod ack;
pub mod admin;
pub mod buffer;
pub mod config;
pub mod dead_letter;
pub mod dedup;
pub(crate) mod http_client;
pub mod ingest;
pub mod metrics;
pub mod raw_codec;
pub mod rpc_status;
pub mod secret;
pub mod sink;
pub mod source;
pub mod stats;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::resource::v1::Resource;
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::core::AuditCore;
use crate::event::ParseOptions;
use crate::otel::proto;
use crate::redact::Redactor;

use config::{PipelineConfig, SinkConfig, SourceConfig};
use dead_letter::{DeadLetters, SharedDeadLetters};
use ingest::{Shared, SourceContext};
use stats::{get, PipelineStats, SinkStats, SourceStats};

/// A compiled pipeline, ready to run.
#[derive(Debug)]
pub struct Pipeline {
    name: String,
    config: PipelineConfig,
    core: Arc<AuditCore>,
    resource: Resource,
}

/// Counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Inputs received.
    pub received: u64,
    /// Records the destination accepted, per sink (name, count).
    pub exported: Vec<(String, u64)>,
    /// Inputs rejected (all of them are in the dead letters).
    pub rejected: u64,
    /// Rejections per error kind (`invalid_json`, `too_large`, ...).
    pub rejected_by_kind: std::collections::BTreeMap<&'static str, u64>,
    /// Events dropped as re-deliveries of an accepted event id.
    pub duplicates: u64,
    /// Dead letters written (rejected inputs and refused records).
    pub dead_letters: u64,
    /// Events whose type the catalog does not know.
    pub unknown_types: u64,
    /// Fields or matches redacted.
    pub redactions: u64,
    /// Records not delivered, per sink: refused, dropped or abandoned (name, count).
    pub undelivered: Vec<(String, u64)>,
}

/// A run that could not start or whose source failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A sink, the dead-letter file or the admin endpoint could not be opened.
    #[error(transparent)]
    Open(#[from] std::io::Error),
    /// A source failed (cannot listen, cannot read); the others were stopped and the sinks
    /// drained.
    #[error(transparent)]
    Source(#[from] source::SourceError),
}

/// A running pipeline's handles, for tests and embedding.
#[derive(Debug, Clone)]
pub struct RunHandle {
    /// Fire to stop the pipeline as SIGTERM does.
    pub shutdown: CancellationToken,
    /// The live counters, once the run has started.
    pub stats: Arc<std::sync::OnceLock<Arc<PipelineStats>>>,
    /// Where the admin endpoint listens, once bound.
    pub admin_addr: Arc<std::sync::OnceLock<SocketAddr>>,
}

impl RunHandle {
    /// A handle for a run that has not started.
    pub fn new() -> RunHandle {
        RunHandle {
            shutdown: CancellationToken::new(),
            stats: Arc::new(std::sync::OnceLock::new()),
            admin_addr: Arc::new(std::sync::OnceLock::new()),
        }
    }
}

impl Default for RunHandle {
    fn default() -> Self {
        Self::new()
    }
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
            match s {
                SinkConfig::Stdout { batch_size } | SinkConfig::File { batch_size, .. } => {
                    if *batch_size == 0 {
                        problems.push(format!("`sinks[{i}].batch_size`: must be at least 1"));
                    }
                }
                SinkConfig::Otlp(o) => {
                    problems.extend(o.validate(&format!("sinks[{i}]")));
                    if o.batch.max_records == 0 {
                        problems.push(format!(
                            "`sinks[{i}].batch.max_records`: must be at least 1"
                        ));
                    }
                    if o.queue.max_records == 0 {
                        problems.push(format!(
                            "`sinks[{i}].queue.max_records`: must be at least 1"
                        ));
                    }
                    if o.retry.max_backoff_secs.is_nan() || o.retry.max_backoff_secs <= 0.0 {
                        problems.push(format!(
                            "`sinks[{i}].retry.max_backoff_secs`: must be above 0, e.g. 30"
                        ));
                    }
                }
            }
        }
        if config
            .workers
            .is_some_and(|n| n == 0 || n > config::MAX_WORKERS)
        {
            problems.push(format!(
                "`workers`: must be 1 to {}; omit it to use every core this process may use",
                config::MAX_WORKERS
            ));
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
                    core: Arc::new(AuditCore::new(
                        catalog,
                        redactor,
                        ParseOptions {
                            max_event_bytes: config.limits.max_event_bytes,
                        },
                    )),
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

    /// Runs until every finite source has ended (or, with long-running sources, until
    /// SIGTERM/SIGINT), on a runtime of its own.
    pub fn run(&self) -> Result<RunSummary, RunError> {
        self.run_blocking(RunHandle::new())
    }

    /// As [`Pipeline::run`], with a handle to watch or stop the run.
    pub fn run_blocking(&self, handle: RunHandle) -> Result<RunSummary, RunError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("audit-otel")
            .build()?;
        let result = rt.block_on(async {
            let stop = handle.shutdown.clone();
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("Shutdown requested; draining.");
                stop.cancel();
            });
            self.run_with(handle).await
        });
        // A source blocked in a read (stdin with nothing coming) must not hold the exit: the
        // sinks have drained by now.
        rt.shutdown_timeout(Duration::from_millis(500));
        result
    }

    /// Runs on the current runtime until the sources end or `handle.shutdown` fires.
    pub async fn run_with(&self, handle: RunHandle) -> Result<RunSummary, RunError> {
        let shutdown = handle.shutdown.clone();
        let dead_letter_count = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let dead = SharedDeadLetters::new(
            DeadLetters::open(&self.config.dead_letter)?,
            self.core.clone(),
            dead_letter_count.clone(),
        );
        // Sinks first, so sources have somewhere to put records.
        let closing = CancellationToken::new();
        let abandon = CancellationToken::new();
        let mut sink_handles = Vec::new();
        let mut sink_tasks = Vec::new();
        let mut sink_stats = Vec::new();
        for cfg in &self.config.sinks {
            let opened = sink::open(cfg)?;
            let st = Arc::new(SinkStats::new(opened.name.clone()));
            sink_stats.push(st.clone());
            let (h, t) = sink::spawn(
                opened,
                sink::SinkContext {
                    stats: st,
                    dead: dead.clone(),
                    closing: closing.clone(),
                    abandon: abandon.clone(),
                    stop_pipeline: shutdown.clone(),
                },
            )?;
            sink_handles.push(h);
            sink_tasks.push(t);
        }
        let source_stats: Vec<Arc<SourceStats>> = self
            .config
            .sources
            .iter()
            .map(|c| {
                let s = SourceStats::new(source::name(c));
                // Servers say when they listen; other sources take input from the start.
                s.ready.store(!source::has_server(c), Ordering::Relaxed);
                Arc::new(s)
            })
            .collect();
        let stats = Arc::new(PipelineStats {
            sources: source_stats.clone(),
            sinks: sink_stats,
            dead_letters: dead_letter_count,
            ..PipelineStats::default()
        });
        let _ = handle.stats.set(stats.clone());
        let shared = Arc::new(Shared {
            core: self.core.clone(),
            sinks: sink_handles,
            dead: dead.clone(),
            dedup: self
                .config
                .dedup
                .enabled
                .then(|| dedup::DedupWindow::new(self.config.dedup.window)),
            resource: Arc::new(self.resource.clone()),
            max_event_bytes: self.config.limits.max_event_bytes,
            workers: self.config.workers.unwrap_or_else(available_cores),
        });
        let admin_stop = CancellationToken::new();
        let mut admin_task = None;
        if let Some(admin) = &self.config.admin {
            let (addr, task) = admin::start(
                admin.listen,
                &self.name,
                self.core.clone(),
                stats.clone(),
                admin_stop.clone(),
            )
            .await?;
            let _ = handle.admin_addr.set(addr);
            tracing::info!(%addr, "Admin endpoint listening (/metrics, /healthz, /readyz).");
            admin_task = Some(task);
        }
        let sources_stop = shutdown.child_token();
        let mut source_tasks = tokio::task::JoinSet::new();
        for (cfg, st) in self.config.sources.iter().zip(&source_stats) {
            let ctx = SourceContext::new(shared.clone(), st.clone(), sources_stop.clone());
            let task = source::spawn(cfg, ctx);
            source_tasks.spawn(task);
        }
        drop(shared);
        stats.ready.store(true, Ordering::Relaxed);

        let mut failure = None;
        loop {
            tokio::select! {
                done = source_tasks.join_next() => match done {
                    None => break,
                    Some(Ok(Ok(Ok(())))) => {}
                    Some(Ok(Ok(Err(e)))) => {
                        tracing::error!(error = %e, "A source failed; stopping the pipeline.");
                        failure.get_or_insert(e);
                        shutdown.cancel();
                    }
                    Some(Ok(Err(join))) | Some(Err(join)) => {
                        tracing::error!(error = %join, "A source task ended abnormally; stopping the pipeline.");
                        shutdown.cancel();
                    }
                },
                _ = shutdown.cancelled() => break,
            }
        }
        stats.stopping.store(true, Ordering::Relaxed);
        sources_stop.cancel();
        // Sources see the stop between inputs; a blocked read (stdin) is not waited for.
        let grace = tokio::time::sleep(Duration::from_secs(2));
        tokio::pin!(grace);
        loop {
            tokio::select! {
                done = source_tasks.join_next() => match done {
                    None => break,
                    Some(Ok(Ok(Err(e)))) => { failure.get_or_insert(e); }
                    _ => {}
                },
                _ = &mut grace => {
                    source_tasks.detach_all();
                    break;
                }
            }
        }
        // Sinks deliver what is queued, until the drain deadline.
        closing.cancel();
        let drain = Duration::from_secs_f64(self.config.shutdown.drain_timeout_secs.max(0.0));
        let deadline = tokio::time::sleep(drain);
        tokio::pin!(deadline);
        let sinks_done = futures_join_all(sink_tasks);
        tokio::pin!(sinks_done);
        tokio::select! {
            _ = &mut sinks_done => {}
            _ = &mut deadline => {
                tracing::warn!(drain_secs = drain.as_secs_f64(), "Drain deadline passed; abandoning what is left.");
                abandon.cancel();
                (&mut sinks_done).await;
            }
        }
        admin_stop.cancel();
        if let Some(t) = admin_task {
            let _ = t.await;
        }
        if let Err(e) = dead.flush() {
            tracing::error!(error = %e, "Cannot flush the dead letters.");
        }
        let summary = self.summary(&stats);
        match failure {
            Some(e) => Err(RunError::Source(e)),
            None => Ok(summary),
        }
    }

    fn summary(&self, stats: &PipelineStats) -> RunSummary {
        let (_, unknown, _, redactions) = self.core.stats().snapshot();
        let mut s = RunSummary {
            unknown_types: unknown,
            redactions,
            dead_letters: get(&stats.dead_letters),
            ..RunSummary::default()
        };
        for src in &stats.sources {
            s.received += get(&src.received);
            s.rejected += get(&src.rejected);
            s.duplicates += get(&src.duplicates);
            for (k, n) in src.rejected_by_kind() {
                *s.rejected_by_kind.entry(k).or_default() += n;
            }
        }
        for sink in &stats.sinks {
            s.exported.push((sink.name.clone(), get(&sink.exported)));
            s.undelivered.push((
                sink.name.clone(),
                get(&sink.refused) + get(&sink.dropped) + get(&sink.abandoned),
            ));
        }
        s
    }
}

/// Waits for every task, in any order.
async fn futures_join_all(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        let _ = t.await;
    }
}

/// SIGTERM (Kubernetes) or SIGINT (Ctrl-C).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The cores this process may use (its CPU affinity and cgroup quota count), at least one.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
