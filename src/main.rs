/*!
The `audit-otel` command: runs pipelines (sources → parse → categorize → redact → map →
sinks), validates pipeline files, prints the activity catalog, generates realistic test events
and explains redaction.

anyhow lives here only, at the edge; the library has typed errors. Our own log lines go to
standard error and never carry payload values.
*/

use std::fs::File;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use audit_otel::catalog::Catalog;
use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix, TypeSet};
use audit_otel::pipeline::config::PipelineConfig;
use audit_otel::pipeline::Pipeline;
use audit_otel::AuditEvent;

// The processor hands records between threads; glibc's allocator serializes those frees.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "audit-otel",
    version,
    about = "Identity-platform audit events → redacted OpenTelemetry log records over OTLP.",
    long_about = "Identity-platform audit events → redacted OpenTelemetry log records over OTLP.\n\n\
        Reads audit events (the reference platform's webhook / audit-log envelope), categorizes them \
        with the activity catalog, removes personal data with redaction rules and writes OpenTelemetry \
        log records. Pipelines are YAML files (see pipelines/).\n\n\
        Log level: AUDIT_OTEL_LOG (e.g. `info`, `debug`); logs go to standard error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a pipeline; with no --pipeline, the embedded default (bundled sample events → stdout).
    Run {
        /// A pipeline YAML file.
        #[arg(long, short)]
        pipeline: Option<PathBuf>,
        /// Write the run's metrics here (Prometheus text format) when it ends: events in, out
        /// and rejected, dead letters, and redactions per rule.
        #[arg(long)]
        metrics_file: Option<PathBuf>,
    },
    /// Check pipeline files and report every problem, naming the file, the field and the fix.
    Validate {
        /// Pipeline YAML files.
        #[arg(long, short, required = true, num_args = 1..)]
        pipeline: Vec<PathBuf>,
    },
    /// Print the activity catalog.
    Catalog {
        /// `table` (default), `json` or `markdown`.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Only the 72 documented activity types.
        #[arg(long)]
        documented: bool,
    },
    /// Generate realistic audit events (NDJSON) with synthetic personal data.
    Generate {
        /// Number of lines.
        #[arg(long, short = 'n', default_value_t = 100)]
        count: u64,
        /// Seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write every planted personal-data value here, one per line (the leak oracle).
        #[arg(long)]
        pii_out: Option<PathBuf>,
        /// Write `kind<TAB>value` for every planted value here.
        #[arg(long)]
        pii_kinds: Option<PathBuf>,
        /// Fraction of malformed lines (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        malformed_rate: f64,
        /// Type mix.
        #[arg(long, value_enum, default_value_t = MixArg::Realistic)]
        mix: MixArg,
        /// Only the 72 documented activity types.
        #[arg(long)]
        documented: bool,
    },
    /// Show events before and after redaction, with the rule that fired on each field.
    Redact {
        /// Take the redaction rules and catalog of this pipeline (default: built-in rules).
        #[arg(long, short)]
        pipeline: Option<PathBuf>,
        /// Print only the fields that changed (`- before` / `+ after`) and the rule that fired.
        #[arg(long)]
        diff: bool,
        /// Read events from this file instead of standard input.
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Ask a running processor's admin endpoint whether it is healthy (exit 0) or not (exit
    /// 1): the container health check, as distroless images have no curl.
    Probe {
        /// The admin endpoint's address.
        #[arg(
            long,
            default_value = "127.0.0.1:8888",
            env = "AUDIT_OTEL_PROBE_ADDRESS"
        )]
        address: std::net::SocketAddr,
        /// `/healthz` (alive) or `/readyz` (ready for traffic).
        #[arg(long, default_value = "/healthz")]
        path: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MixArg {
    Realistic,
    Uniform,
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("AUDIT_OTEL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_target(false)
        .try_init();
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run {
            pipeline,
            metrics_file,
        } => run(pipeline.as_deref(), metrics_file.as_deref()),
        Command::Validate { pipeline } => validate(&pipeline),
        Command::Probe { address, path } => probe(address, &path),
        Command::Catalog { format, documented } => catalog(format, documented),
        Command::Generate {
            count,
            seed,
            pii_out,
            pii_kinds,
            malformed_rate,
            mix,
            documented,
        } => generate(
            count,
            seed,
            pii_out.as_deref(),
            pii_kinds.as_deref(),
            malformed_rate,
            mix,
            documented,
        ),
        Command::Redact {
            pipeline,
            diff,
            input,
        } => redact(pipeline.as_deref(), diff, input.as_deref()),
    }
}

fn load(path: Option<&Path>) -> Result<(PipelineConfig, String)> {
    match path {
        None => Ok((
            PipelineConfig::default_pipeline(),
            "embedded default pipeline".into(),
        )),
        Some(p) => Ok((PipelineConfig::load(p)?, p.display().to_string())),
    }
}

fn build(path: Option<&Path>) -> Result<Pipeline> {
    let (cfg, origin) = load(path)?;
    Pipeline::build(cfg).map_err(|e| {
        anyhow::anyhow!(
            "{origin}: {} problem(s):\n{}",
            e.problems.len(),
            e.problems
                .iter()
                .map(|p| format!("  - {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn run(path: Option<&Path>, metrics_file: Option<&Path>) -> Result<ExitCode> {
    let pipeline = build(path)?;
    if pipeline.core().redactor().pseudonymizer().is_ephemeral() {
        tracing::info!(
            "No pseudonymization key configured: using a random key for this run, so pseudonyms are stable only within it. Set redaction.pseudonymization to keep them stable."
        );
    }
    tracing::info!(pipeline = pipeline.name(), "Pipeline started.");
    let handle = audit_otel::pipeline::RunHandle::new();
    let s = pipeline
        .run_blocking(handle.clone())
        .context("pipeline failed")?;
    let exported: Vec<String> = s.exported.iter().map(|(n, c)| format!("{n}={c}")).collect();
    tracing::info!(
        pipeline = pipeline.name(),
        received = s.received,
        exported = %exported.join(","),
        rejected = s.rejected,
        dead_letters = s.dead_letters,
        unknown_types = s.unknown_types,
        redactions = s.redactions,
        "Pipeline finished."
    );
    if let Some(f) = metrics_file {
        let stats = handle.stats.get().context("the run did not start")?;
        let text = audit_otel::pipeline::metrics::render(pipeline.name(), pipeline.core(), stats);
        // Write then rename, so a collector never reads a half-written file.
        let tmp = f.with_extension("prom.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, f).with_context(|| format!("cannot write {}", f.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn probe(address: std::net::SocketAddr, path: &str) -> Result<ExitCode> {
    use std::io::{Read, Write};
    let timeout = std::time::Duration::from_secs(3);
    let mut s = std::net::TcpStream::connect_timeout(&address, timeout)
        .with_context(|| format!("cannot connect to {address}"))?;
    s.set_read_timeout(Some(timeout))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n"
    )?;
    let mut resp = Vec::new();
    let _ = s.take(4096).read_to_end(&mut resp);
    let status = String::from_utf8_lossy(&resp)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    Ok(match status {
        Some(200) => {
            println!("ok: {address}{path}");
            ExitCode::SUCCESS
        }
        other => {
            println!("unhealthy: {address}{path} answered {other:?}");
            ExitCode::from(1)
        }
    })
}

fn validate(paths: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = 0;
    for p in paths {
        match build(Some(p)) {
            Ok(pl) => {
                let c = pl.config();
                let rules = pl.core().redactor().counts().len();
                println!(
                    "ok: {}: {} source(s), {} sink(s), {} redaction rule(s), {} catalog entries",
                    p.display(),
                    c.sources.len(),
                    c.sinks.len(),
                    rules,
                    pl.core().catalog().entries().len()
                );
            }
            Err(e) => {
                failed += 1;
                println!("error: {e:#}");
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn catalog(format: Format, documented: bool) -> Result<ExitCode> {
    let catalog = Catalog::builtin();
    let entries: Vec<_> = catalog
        .entries()
        .iter()
        .filter(|e| !documented || e.documented())
        .collect();
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        Format::Json => {
            let rows: Vec<_> = entries
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "activity_type": e.activity_type,
                        "type": e.event_type,
                        "category": e.category.as_str(),
                        "outcome": e.outcome.as_str(),
                        "severity": e.severity.as_str(),
                        "actor": e.actor.as_str(),
                        "view": e.view.as_str(),
                        "documented": e.documented(),
                        "group": e.group.map(|g| g.as_str()),
                        "description": e.description,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Markdown => {
            writeln!(
                out,
                "| activity type | type | category | outcome | severity | actor | view | documented group | description |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
            for e in entries {
                writeln!(
                    out,
                    "| `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} |",
                    e.activity_type,
                    e.event_type,
                    e.category.as_str(),
                    e.outcome.as_str(),
                    e.severity.as_str(),
                    e.actor.as_str(),
                    e.view.as_str(),
                    e.group.map_or("(not documented)", |g| g.title()),
                    e.description
                )?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{:<58} {:<21} {:<8} {:<5} {:<6} {:<16} DESCRIPTION",
                "ACTIVITY TYPE", "CATEGORY", "OUTCOME", "SEV", "ACTOR", "VIEW"
            )?;
            for e in entries {
                writeln!(
                    out,
                    "{:<58} {:<21} {:<8} {:<5} {:<6} {:<16} {}",
                    e.activity_type,
                    e.category.as_str(),
                    e.outcome.as_str(),
                    e.severity.as_str(),
                    e.actor.as_str(),
                    e.view.as_str(),
                    e.description
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn generate(
    count: u64,
    seed: u64,
    pii_out: Option<&Path>,
    pii_kinds: Option<&Path>,
    malformed_rate: f64,
    mix: MixArg,
    documented: bool,
) -> Result<ExitCode> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&malformed_rate),
        "--malformed-rate must be between 0 and 1, got {malformed_rate}"
    );
    let mut g = Generator::new(GeneratorOptions {
        seed,
        mix: match mix {
            MixArg::Realistic => Mix::Realistic,
            MixArg::Uniform => Mix::Uniform,
        },
        types: if documented {
            TypeSet::Documented
        } else {
            TypeSet::All
        },
        malformed_rate,
        ..GeneratorOptions::default()
    });
    let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    let mut line = Vec::with_capacity(8192);
    let mut malformed = 0u64;
    for _ in 0..count {
        line.clear();
        if let LineKind::Malformed { .. } = g.write_line(&mut line) {
            malformed += 1;
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()?;
    if let Some(p) = pii_out {
        let mut f = BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        );
        for (_, v) in g.planted() {
            writeln!(f, "{v}")?;
        }
        f.flush()?;
    }
    if let Some(p) = pii_kinds {
        let mut f = BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        );
        for (k, v) in g.planted() {
            writeln!(f, "{}\t{v}", k.as_str())?;
        }
        f.flush()?;
    }
    tracing::debug!(
        count,
        malformed,
        planted = g.planted_count(),
        "Generated events."
    );
    Ok(ExitCode::SUCCESS)
}

fn redact(path: Option<&Path>, diff: bool, input: Option<&Path>) -> Result<ExitCode> {
    let pipeline = build(path)?;
    let core = pipeline.core();
    let reader: Box<dyn BufRead> = match input {
        Some(p) => Box::new(io::BufReader::new(
            File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
        )),
        None => Box::new(io::stdin().lock()),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut rejected = 0u64;
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut event = match AuditEvent::from_slice(&line) {
            Ok(e) => e,
            Err(e) => {
                rejected += 1;
                writeln!(out, "line {}: rejected: {e}", i + 1)?;
                continue;
            }
        };
        let before = event_json(&event);
        let mut fired: Vec<(String, String, &'static str)> = Vec::new();
        core.prepare_explained(&mut event, &mut |f| {
            fired.push((f.path.to_owned(), f.rule.to_owned(), f.action))
        });
        let after = event_json(&event);
        writeln!(
            out,
            "=== line {} id={} type={} ({} rule firings)",
            i + 1,
            event.id(),
            event.event_type(),
            fired.iter().filter(|f| f.2 != "keep").count()
        )?;
        if diff {
            for (p, rule, action) in fired.iter().filter(|f| f.2 != "keep") {
                let b = lookup(&before, p);
                let a = lookup(&after, p);
                writeln!(out, "  {p}  [{rule}: {action}]")?;
                writeln!(
                    out,
                    "    - {}",
                    b.map_or("<absent>".into(), |v| v.to_string())
                )?;
                writeln!(
                    out,
                    "    + {}",
                    a.map_or("<dropped>".into(), |v| v.to_string())
                )?;
            }
        } else {
            writeln!(out, "before: {before}")?;
            writeln!(out, "after:  {after}")?;
            for (p, rule, action) in &fired {
                writeln!(out, "  {p}: {rule} ({action})")?;
            }
        }
    }
    out.flush()?;
    Ok(if rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn event_json(e: &AuditEvent) -> serde_json::Value {
    e.to_value()
}

/// Finds a rendered path (`payload.a[0]["b.c"]`) in a JSON value.
fn lookup<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let mut cur = v;
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => i += 1,
            b'[' => {
                let end = i + path[i..].find(']')?;
                let inner = &path[i + 1..end];
                cur = if let Some(q) = inner.strip_prefix('"') {
                    // Quoted key; may itself contain `]`.
                    let close = path[i + 2..].find("\"]")? + i + 2;
                    let key: String = serde_json::from_str(&path[i + 1..=close]).ok()?;
                    i = close + 2;
                    let _ = q;
                    cur.get(key)?
                } else {
                    i = end + 1;
                    cur.get(inner.parse::<usize>().ok()?)?
                };
            }
            _ => {
                let end = path[i..].find(['.', '[']).map_or(b.len(), |e| i + e);
                cur = cur.get(&path[i..end])?;
                i = end;
            }
        }
    }
    Some(cur)
}
