//! Sources that yield input lines: the bundled sample, stdin, files, the generator; and the
//! loop that feeds them through the pipeline on a blocking thread.
//!
//! Lines are bytes, not strings: invalid UTF-8 is the parser's business (a clear, counted
//! rejection), not a reason to stop reading. A line longer than the event limit is not held in
//! memory: it is skipped to its end and reported as too large. Lines go to the pipeline's
//! [workers](super::workers) in chunks, and a chunk also goes whenever the reader would have to
//! wait for more input, so a slow stdin is not held back.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::time::{Duration, Instant};

use crate::generate::{Generator, GeneratorOptions};
use crate::pipeline::config::SourceConfig;
use crate::pipeline::ingest::SourceContext;

use super::workers::{Chunk, Workers};
use super::SourceError;

/// The sample events bundled in the binary.
pub const SAMPLE_EVENTS: &[u8] = include_bytes!("../../../examples/events/sample.ndjson");

/// Lines submitted together.
const CHUNK_LINES: usize = 256;

/// One line read from a source.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The line's bytes (without the newline).
    Data,
    /// The line was longer than the limit; this many bytes were skipped.
    TooLong(usize),
}

/// A source of lines.
pub trait LineSource {
    /// Reads the next line into `buf` (cleared first). `Ok(None)` at the end.
    fn next_line(&mut self, buf: &mut Vec<u8>, max_bytes: usize) -> io::Result<Option<Line>>;
    /// A short name for logs and dead letters (`stdin`, `file:/path`, ...).
    fn name(&self) -> &str;
    /// Whether the next line can be read without waiting for input.
    fn ready(&self) -> bool {
        true
    }
}

/// Readers that can tell whether they hold unread input.
pub trait Buffered: BufRead {
    /// Bytes read ahead and not consumed yet.
    fn buffered(&self) -> usize;
}

impl<R: io::Read> Buffered for BufReader<R> {
    fn buffered(&self) -> usize {
        self.buffer().len()
    }
}

impl Buffered for &[u8] {
    fn buffered(&self) -> usize {
        self.len().max(1)
    }
}

/// Lines from any buffered reader.
pub struct ReaderSource<R> {
    reader: R,
    name: String,
}

impl<R: Buffered> ReaderSource<R> {
    /// Wraps a reader.
    pub fn new(reader: R, name: impl Into<String>) -> Self {
        ReaderSource {
            reader,
            name: name.into(),
        }
    }
}

impl<R: Buffered> LineSource for ReaderSource<R> {
    fn next_line(&mut self, buf: &mut Vec<u8>, max_bytes: usize) -> io::Result<Option<Line>> {
        read_line_bounded(&mut self.reader, buf, max_bytes)
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn ready(&self) -> bool {
        self.reader.buffered() > 0
    }
}

/// Reads up to the next `\n` into `buf`, keeping at most `max` bytes in memory.
pub fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<Line>> {
    buf.clear();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match memchr_newline(chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if total + take <= max {
            buf.extend_from_slice(&chunk[..take]);
        }
        total += take;
        r.consume(if done { take + 1 } else { take });
        if done {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(if total > max {
        buf.clear();
        Line::TooLong(total)
    } else {
        Line::Data
    }))
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Lines from the generator.
pub struct GeneratorSource {
    generator: Generator,
    remaining: u64,
}

impl LineSource for GeneratorSource {
    fn next_line(&mut self, buf: &mut Vec<u8>, max_bytes: usize) -> io::Result<Option<Line>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        buf.clear();
        self.generator.write_line(buf);
        if buf.len() > max_bytes {
            let n = buf.len();
            buf.clear();
            return Ok(Some(Line::TooLong(n)));
        }
        Ok(Some(Line::Data))
    }

    fn name(&self) -> &str {
        "generate"
    }
}

/// Opens a configured line source (`None` for sources of other kinds).
pub fn open(cfg: &SourceConfig) -> io::Result<Option<Box<dyn LineSource + Send>>> {
    Ok(Some(match cfg {
        SourceConfig::Sample => Box::new(ReaderSource::new(SAMPLE_EVENTS, "sample")),
        SourceConfig::Stdin => Box::new(ReaderSource::new(
            BufReader::with_capacity(256 * 1024, io::stdin()),
            "stdin",
        )),
        SourceConfig::File { path } => {
            let f = File::open(path).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display()))
            })?;
            Box::new(ReaderSource::new(
                BufReader::with_capacity(256 * 1024, f),
                format!("file:{}", path.display()),
            ))
        }
        SourceConfig::Generate {
            count,
            seed,
            malformed_rate,
            mix,
            types,
            ..
        } => Box::new(GeneratorSource {
            generator: Generator::new(GeneratorOptions {
                seed: *seed,
                mix: (*mix).into(),
                types: (*types).into(),
                malformed_rate: *malformed_rate,
                ..GeneratorOptions::default()
            }),
            remaining: *count,
        }),
        _ => return Ok(None),
    }))
}

/// Feeds a line source through the pipeline until its end or shutdown. Runs on a blocking
/// thread that reads; the pipeline's workers parse, redact and map (one worker, the reading
/// thread itself, when `rate_per_sec` paces it).
pub fn feed(
    mut src: Box<dyn LineSource + Send>,
    ctx: SourceContext,
    handle: tokio::runtime::Handle,
    rate_per_sec: Option<f64>,
) -> Result<(), SourceError> {
    let max = ctx.max_event_bytes();
    let interval = rate_per_sec
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let workers = if interval.is_some() { 1 } else { ctx.workers() };
    let submitting = ctx.clone();
    let mut pool = Workers::start(&ctx, workers, move |records, ()| {
        if !records.is_empty() {
            drop(submitting.submit_blocking(&handle, records));
        }
    });
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut chunk = Chunk::with_capacity(CHUNK_LINES);
    let mut line_no = 0u64;
    let started = Instant::now();
    let read = loop {
        if ctx.shutdown().is_cancelled() {
            break Ok(());
        }
        let line = match src.next_line(&mut buf, max) {
            Ok(Some(line)) => line,
            Ok(None) => break Ok(()),
            Err(e) => {
                break Err(SourceError {
                    source_name: ctx.name().to_owned(),
                    message: format!("read failed after line {line_no}: {e}"),
                })
            }
        };
        line_no += 1;
        ctx.received(1);
        match line {
            Line::Data => chunk.push_line(&buf, line_no),
            Line::TooLong(len) => chunk.push_too_long(len, line_no),
        }
        if let Some(iv) = interval {
            let due = started + iv.mul_f64(line_no as f64);
            let now = Instant::now();
            if due > now {
                pool.process(
                    std::mem::replace(&mut chunk, Chunk::with_capacity(CHUNK_LINES)),
                    (),
                );
                std::thread::sleep(due - now);
            }
        }
        if chunk.len() >= CHUNK_LINES || (!chunk.is_empty() && !src.ready()) {
            pool.process(
                std::mem::replace(&mut chunk, Chunk::with_capacity(CHUNK_LINES)),
                (),
            );
        }
    };
    if !chunk.is_empty() {
        pool.process(chunk, ());
    }
    pool.finish();
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let data = b"short\r\nthis line is far too long\nok\nlast-without-newline";
        let mut r = &data[..];
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(l) = read_line_bounded(&mut r, &mut buf, 10).unwrap() {
            out.push((l, String::from_utf8(buf.clone()).unwrap()));
        }
        assert_eq!(
            out,
            vec![
                (Line::Data, "short".into()),
                (Line::TooLong(25), String::new()),
                (Line::Data, "ok".into()),
                (Line::TooLong(20), String::new()),
            ]
        );
    }

    #[test]
    fn the_sample_parses_and_covers_the_catalog() {
        let catalog = crate::catalog::Catalog::builtin();
        let mut seen = std::collections::HashSet::new();
        for line in SAMPLE_EVENTS
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            let e = crate::event::AuditEvent::from_slice(line).expect("sample lines parse");
            seen.insert(
                catalog
                    .lookup(e.event_type())
                    .expect("known type")
                    .event_type
                    .clone(),
            );
        }
        assert_eq!(seen.len(), catalog.entries().len());
    }
}
