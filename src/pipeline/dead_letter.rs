//! The dead-letter destination: every rejected input is written here with the error and where
//! it came from, as one JSON object per line. By default the input is redacted
//! ([`crate::redact::Redactor::redact_unparsed`]); `raw` keeps it as it came, `omitted` drops it.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};

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
        serde_json::to_writer(&mut self.out, &rec)?;
        self.out.write_all(b"\n")?;
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
