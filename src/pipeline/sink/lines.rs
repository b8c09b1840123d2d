//! OTLP/JSON lines on stdout or in a file: one `ExportLogsServiceRequest` per line (the
//! protobuf JSON mapping), for debugging and for collectors that tail files.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};

use crate::otel::proto::to_json_line;

/// Writes requests as JSON lines, at most `records_per_line` records per line.
pub struct JsonLinesWriter {
    out: Box<dyn Write + Send>,
    records_per_line: usize,
}

impl JsonLinesWriter {
    /// Lines to any writer.
    pub fn new(out: Box<dyn Write + Send>, records_per_line: usize) -> JsonLinesWriter {
        JsonLinesWriter {
            out,
            records_per_line: records_per_line.max(1),
        }
    }

    /// Lines to standard output.
    pub fn stdout(records_per_line: usize) -> JsonLinesWriter {
        Self::new(
            Box::new(BufWriter::with_capacity(256 * 1024, io::stdout())),
            records_per_line,
        )
    }

    /// Lines appended to a file (created if missing).
    pub fn file(path: &Path, records_per_line: usize) -> io::Result<JsonLinesWriter> {
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
            })?;
        Ok(Self::new(
            Box::new(BufWriter::with_capacity(256 * 1024, f)),
            records_per_line,
        ))
    }

    /// Writes a request (split into lines of at most `records_per_line` records, each with its
    /// resource and scope) and flushes.
    pub fn write(&mut self, req: &ExportLogsServiceRequest) -> io::Result<()> {
        for rl in &req.resource_logs {
            for sl in &rl.scope_logs {
                for chunk in sl.log_records.chunks(self.records_per_line) {
                    let line = ExportLogsServiceRequest {
                        resource_logs: vec![ResourceLogs {
                            resource: rl.resource.clone(),
                            scope_logs: vec![ScopeLogs {
                                scope: sl.scope.clone(),
                                log_records: chunk.to_vec(),
                                schema_url: sl.schema_url.clone(),
                            }],
                            schema_url: rl.schema_url.clone(),
                        }],
                    };
                    self.out.write_all(to_json_line(&line).as_bytes())?;
                    self.out.write_all(b"\n")?;
                }
            }
        }
        self.out.flush()
    }
}
