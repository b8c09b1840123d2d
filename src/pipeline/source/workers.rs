//! Every core for one line source: chunks of lines are parsed, redacted and mapped on worker
//! threads, and their records submitted in the order the lines were read.
//!
//! ```text
//!  reader ──chunk──► workers (parse·dedup·redact·map, N threads) ──records──┐
//!     └──── chunk order, bounded ─────────────────────────────────────► submitter ──► sinks
//! ```
//!
//! The reader (stdin, a file, a tailed file) only splits lines; each chunk goes to whichever
//! worker is free, and a slot for its records goes, in reading order, to the submitter, which
//! waits for each chunk's records in turn. So records reach the sinks exactly in input order,
//! and whatever the caller attaches to a chunk (a tail checkpoint) follows its records. At most
//! [`OUTSTANDING_PER_WORKER`] chunks per worker are read ahead: a slow sink holds the reader
//! back, as it did with one thread. With one worker everything runs on the caller's thread.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::event::AuditEvent;
use crate::otel::encode::EncodedRecords;
use crate::pipeline::ingest::SourceContext;

/// Chunks read ahead per worker at most.
const OUTSTANDING_PER_WORKER: usize = 4;

/// Lines read and not processed yet: their bytes back to back, and where each ends.
#[derive(Debug, Default)]
pub struct Chunk {
    data: Vec<u8>,
    lines: Vec<Entry>,
}

#[derive(Debug)]
enum Entry {
    /// A line ending at `end` in `data`, read at `position` (line number, file offset).
    Data { end: usize, position: u64 },
    /// A line over the event limit, skipped unread.
    TooLong { len: usize, position: u64 },
}

impl Chunk {
    /// An empty chunk with room for `lines` lines of about 2 KiB.
    pub fn with_capacity(lines: usize) -> Chunk {
        Chunk {
            data: Vec::with_capacity(lines * 2048),
            lines: Vec::with_capacity(lines),
        }
    }

    /// Adds a line read at `position`.
    pub fn push_line(&mut self, line: &[u8], position: u64) {
        self.data.extend_from_slice(line);
        self.lines.push(Entry::Data {
            end: self.data.len(),
            position,
        });
    }

    /// Adds a line that was too long to keep (`len` bytes).
    pub fn push_too_long(&mut self, len: usize, position: u64) {
        self.lines.push(Entry::TooLong { len, position });
    }

    /// Lines in the chunk.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the chunk has no lines.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Every line through the core: records for accepted events; rejections are counted,
    /// logged and dead-lettered by the context.
    fn process(&self, ctx: &SourceContext, event: &mut AuditEvent) -> EncodedRecords {
        // Records are about as large as their events.
        let mut records = EncodedRecords::with_capacity(self.lines.len(), self.data.len() * 5 / 4);
        let mut start = 0;
        for entry in &self.lines {
            match *entry {
                Entry::Data { end, position } => {
                    ctx.event(&self.data[start..end], position, event, &mut records);
                    start = end;
                }
                Entry::TooLong { len, position } => ctx.too_large(len, position),
            }
        }
        records
    }
}

type Job = (Chunk, SyncSender<EncodedRecords>);

/// Processes chunks on `n` threads and hands their records, with what the caller attached to
/// each chunk, to a callback in reading order. See the [module docs](self).
pub struct Workers<T> {
    ctx: SourceContext,
    mode: Mode<T>,
    /// The inline worker's parsing buffers.
    event: AuditEvent,
}

#[allow(clippy::type_complexity)]
enum Mode<T> {
    /// One worker: the caller's thread does everything.
    Inline(Box<dyn FnMut(EncodedRecords, T) + Send>),
    Pool {
        jobs: crossbeam_channel::Sender<Job>,
        order: SyncSender<(Receiver<EncodedRecords>, T)>,
        threads: Vec<JoinHandle<()>>,
        submitter: JoinHandle<()>,
    },
}

impl<T: Send + 'static> Workers<T> {
    /// Starts `n` workers (at least one) for a source; `submit` gets each chunk's records
    /// (possibly none) and what was attached to it, in the order the chunks were given.
    pub fn start(
        ctx: &SourceContext,
        n: usize,
        submit: impl FnMut(EncodedRecords, T) + Send + 'static,
    ) -> Workers<T> {
        let ctx = ctx.clone();
        if n <= 1 {
            return Workers {
                ctx,
                mode: Mode::Inline(Box::new(submit)),
                event: AuditEvent::default(),
            };
        }
        let (jobs, job_rx) = crossbeam_channel::bounded::<Job>(n * OUTSTANDING_PER_WORKER);
        let threads = (0..n)
            .map(|i| {
                let (rx, ctx) = (job_rx.clone(), ctx.clone());
                std::thread::Builder::new()
                    .name(format!("audit-otel-worker-{i}"))
                    .spawn(move || {
                        let mut event = AuditEvent::default();
                        for (chunk, done) in rx {
                            let _ = done.send(chunk.process(&ctx, &mut event));
                        }
                    })
                    .expect("a worker thread can be started")
            })
            .collect();
        let (order, order_rx) =
            sync_channel::<(Receiver<EncodedRecords>, T)>(n * OUTSTANDING_PER_WORKER);
        let name = ctx.name().to_owned();
        let submitter = std::thread::Builder::new()
            .name("audit-otel-submit".into())
            .spawn(move || submit_in_order(order_rx, submit, &name))
            .expect("the submitting thread can be started");
        Workers {
            ctx,
            mode: Mode::Pool {
                jobs,
                order,
                threads,
                submitter,
            },
            event: AuditEvent::default(),
        }
    }

    /// Processes a chunk; waits while too many are outstanding.
    pub fn process(&mut self, chunk: Chunk, attached: T) {
        match &mut self.mode {
            Mode::Inline(submit) => submit(chunk.process(&self.ctx, &mut self.event), attached),
            Mode::Pool { jobs, order, .. } => {
                let (done, records) = sync_channel(1);
                // The slot first: the submitter waits for chunks in the order of their slots.
                if order.send((records, attached)).is_ok() {
                    let _ = jobs.send((chunk, done));
                }
            }
        }
    }

    /// Waits until every chunk given is processed and submitted.
    pub fn finish(self) {
        if let Mode::Pool {
            jobs,
            order,
            threads,
            submitter,
        } = self.mode
        {
            drop(jobs);
            drop(order);
            for t in threads {
                let _ = t.join();
            }
            let _ = submitter.join();
        }
    }
}

fn submit_in_order<T>(
    order: Receiver<(Receiver<EncodedRecords>, T)>,
    mut submit: impl FnMut(EncodedRecords, T),
    source: &str,
) {
    for (records, attached) in order {
        let records = records.recv().unwrap_or_else(|_| {
            tracing::error!(
                source,
                "A worker stopped while processing a chunk of lines; its records are lost (counted as received, not accepted)."
            );
            EncodedRecords::new()
        });
        submit(records, attached);
    }
}
