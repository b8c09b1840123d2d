//! The dead-letter destination: every rejected input is written here with the error and where
//! it came from, as one JSON object per line. By default the input is redacted
//! ([`crate::redact::Redactor::redact_unparsed`]); `raw` keeps it as it came, `omitted` drops it.
//!
//! Records a destination refused for good are written here too (`"refused": true`), as the
//! OTLP/JSON request that carried them: they were redacted before export, so they hold nothing
//! a rule covers.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;

use serde_json::json;

use super::config::{DeadLetterConfig, DeadLetterContent};
use crate::redact::Redactor;

/// Writes dead letters.
pub struct DeadLetters {
    out: Box<dyn Write + Send>,
    content: DeadLetterContent,
    written: u64,
    destination: String,
}

impl DeadLetters {
    /// Opens the configured destination.
    pub fn open(cfg: &DeadLetterConfig) -> io::Result<DeadLetters> {
        let (out, destination): (Box<dyn Write + Send>, String) = match &cfg.path {
            Some(p) => {
                let f = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| {
                        io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display()))
                    })?;
                (Box::new(BufWriter::new(f)), p.display().to_string())
            }
            None => (Box::new(io::stderr()), "stderr".into()),
        };
        Ok(DeadLetters {
            out,
            content: cfg.content,
            written: 0,
            destination,
        })
    }

    /// Writes one rejected input.
    pub fn write(
        &mut self,
        redactor: &Redactor,
        source: &str,
        line: u64,
        error_kind: &str,
        error: &str,
        input: &[u8],
    ) -> io::Result<()> {
        let mut rec = json!({
            "dead_letter": true,
            "source": source,
            "line": line,
            "error_kind": error_kind,
            "error": error,
            "bytes": input.len(),
        });
        match self.content {
            DeadLetterContent::Redacted => {
                rec["input"] = redactor.redact_unparsed(input).into();
            }
            DeadLetterContent::Raw => {
                rec["input"] = String::from_utf8_lossy(input).into_owned().into();
            }
            DeadLetterContent::Omitted => {}
        }
        write_line(&mut self.out, &rec)?;
        self.written += 1;
        Ok(())
    }

    /// Flushes the destination.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Dead letters written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Where they go.
    pub fn destination(&self) -> &str {
        &self.destination
    }
}

/// Dead letters shared by the tasks of a running pipeline. Write errors are logged (without
/// values) and counted, never fatal: a full disk must not stop the pipeline.
#[derive(Clone)]
pub struct SharedDeadLetters {
    inner: Arc<Mutex<DeadLetters>>,
    redactor: Arc<crate::core::AuditCore>,
    counter: Arc<std::sync::atomic::AtomicU64>,
}

impl SharedDeadLetters {
    /// Shares `dead`, redacting with the core's rules.
    pub fn new(
        dead: DeadLetters,
        core: Arc<crate::core::AuditCore>,
        counter: Arc<std::sync::atomic::AtomicU64>,
    ) -> SharedDeadLetters {
        SharedDeadLetters {
            inner: Arc::new(Mutex::new(dead)),
            redactor: core,
            counter,
        }
    }

    fn count(&self) {
        self.counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DeadLetters> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes one rejected input (see [`DeadLetters::write`]).
    pub fn rejected(&self, source: &str, position: u64, kind: &str, error: &str, input: &[u8]) {
        let r = self.lock().write(
            self.redactor.redactor(),
            source,
            position,
            kind,
            error,
            input,
        );
        match r {
            Ok(()) => self.count(),
            Err(e) => tracing::error!(error = %e, "Cannot write a dead letter."),
        }
    }

    /// Writes records a destination refused.
    pub fn write_refused(
        &self,
        sink: &str,
        kind: &str,
        records: u64,
        req: &ExportLogsServiceRequest,
    ) {
        let rec = json!({
            "dead_letter": true,
            "refused": true,
            "sink": sink,
            "error_kind": kind,
            "records": records,
            "request": serde_json::to_value(req).unwrap_or_default(),
        });
        let mut d = self.lock();
        let r = write_line(&mut d.out, &rec).and_then(|_| d.out.flush());
        match r {
            Ok(()) => {
                d.written += 1;
                self.count();
            }
            Err(e) => tracing::error!(error = %e, "Cannot write a dead letter."),
        }
    }

    /// Flushes.
    pub fn flush(&self) -> io::Result<()> {
        self.lock().flush()
    }

    /// Dead letters written.
    pub fn written(&self) -> u64 {
        self.lock().written()
    }
}

/// One dead letter as one JSON line, handed to the destination in a single write: standard
/// error is shared with the log lines of other threads (workers), which must not land inside it.
fn write_line(out: &mut impl Write, rec: &serde_json::Value) -> io::Result<()> {
    let mut line = serde_json::to_vec(rec)?;
    line.push(b'\n');
    out.write_all(&line)
}
