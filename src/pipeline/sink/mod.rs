//! Sinks: where records go. For now OTLP/JSON lines on stdout or in a file (one
//! `ExportLogsServiceRequest` per line, the protobuf JSON mapping), for debugging and for
//! pipelines whose collector tails files.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};

use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::config::SinkConfig;
use crate::otel::proto::{export_request, to_json_line};

/// A destination for records.
pub trait Sink {
    /// Takes one record.
    fn push(&mut self, record: LogRecord) -> io::Result<()>;
    /// Writes out anything buffered.
    fn flush(&mut self) -> io::Result<()>;
    /// Records written so far.
    fn written(&self) -> u64;
    /// A short name for logs.
    fn name(&self) -> &str;
}

/// OTLP/JSON lines to any writer.
pub struct JsonLinesSink<W: Write> {
    out: W,
    resource: Resource,
    batch: Vec<LogRecord>,
    batch_size: usize,
    written: u64,
    name: String,
}

impl<W: Write> JsonLinesSink<W> {
    /// A sink writing batches of `batch_size` records per line.
    pub fn new(out: W, resource: Resource, batch_size: usize, name: impl Into<String>) -> Self {
        JsonLinesSink {
            out,
            resource,
            batch: Vec::with_capacity(batch_size.max(1)),
            batch_size: batch_size.max(1),
            written: 0,
            name: name.into(),
        }
    }

    fn write_batch(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let records = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_size));
        let n = records.len() as u64;
        let line = to_json_line(&export_request(self.resource.clone(), records));
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.written += n;
        Ok(())
    }
}

impl<W: Write> Sink for JsonLinesSink<W> {
    fn push(&mut self, record: LogRecord) -> io::Result<()> {
        self.batch.push(record);
        if self.batch.len() >= self.batch_size {
            self.write_batch()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_batch()?;
        self.out.flush()
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// Opens a configured sink.
pub fn open(cfg: &SinkConfig, resource: &Resource) -> io::Result<Box<dyn Sink>> {
    Ok(match cfg {
        SinkConfig::Stdout { batch_size } => Box::new(JsonLinesSink::new(
            BufWriter::with_capacity(256 * 1024, io::stdout()),
            resource.clone(),
            *batch_size,
            "stdout",
        )),
        SinkConfig::File { path, batch_size } => {
            let f: File = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
                })?;
            Box::new(JsonLinesSink::new(
                BufWriter::with_capacity(256 * 1024, f),
                resource.clone(),
                *batch_size,
                format!("file:{}", path.display()),
            ))
        }
    })
}
