//! The `tail` source: follows an NDJSON file as it grows, like `tail -F`, across rotation,
//! and keeps a checkpoint so that a restart resumes where the last safe event ended.
//!
//! # Reading
//!
//! The file is read on a blocking thread, line by line with the bounded reader of
//! [`super::lines`]: a line longer than `limits.max_event_bytes` is skipped to its end (never
//! held in memory) and rejected as `too_large`. Only complete lines are read: a last line
//! without its `\n` waits for the writer to finish it. Every line counts as received; lines go
//! to the pipeline's [workers](super::workers) in chunks of up to 256, and at once whenever the
//! reader has caught up with the writer; the workers submit the chunks' records in reading
//! order, and each chunk's end follows its receipt to the checkpoint side. Positions in logs
//! and dead letters are the byte offset of the line in its file.
//!
//! The file is identified by its device and inode plus a fingerprint (a SHA-256 of its first
//! bytes, up to 256, as far as they were read). At the end of the data, every
//! `poll_interval_ms`, the path is looked at again:
//!
//! - **rename rotation** (another file is at the path): the old file is read to its end,
//!   including data its writer adds until the old file has been quiet for a second (or two
//!   polls), its last line even without `\n`; then the new file is read from its start;
//! - **copytruncate** (the file is shorter than what was read, or its first bytes changed): the
//!   new content is read from offset 0. Lines written between the last read and the truncation
//!   are only in the copy, which is not read;
//! - **missing** (deleted or renamed away, no new file yet): the old file, if open, is still
//!   read; the path is retried every poll; this is logged once per absence.
//!
//! At start the file may be missing: the source waits for it. `start_at` applies to the file
//! found at start when there is no usable checkpoint: `end` skips what it holds (and the rest of
//! a line being written). A file that appears later, or replaces a rotated one, is read from its
//! start.
//!
//! # Checkpoint
//!
//! `{"dev":..,"ino":..,"fingerprint":"..","offset":..}`, at `checkpoint` (default
//! `<path>.checkpoint`), written atomically (temporary file, fsync, rename) at most every
//! 200 ms and at shutdown. It only moves past a line once every record before it resolved
//! [`Delivery::Safe`] (rejected and duplicate lines count as handled: they are dead-lettered or
//! counted). Chunks' end offsets and receipts are kept in order and the checkpoint advances
//! through them in that order; when a receipt resolves `Lost`, it stops advancing for the rest
//! of the run, so a restart re-sends from the first batch that was not safe.
//!
//! Delivery is therefore **at least once**: a crash, or a shutdown that cannot wait for the
//! sinks (the source waits at most 1.5 s for outstanding receipts), re-sends the events after
//! the checkpoint on the next start (the dedup window of one run does not span restarts).
//!
//! On start, a checkpoint for the same file (device, inode and fingerprint, the file at least
//! as long as the offset) resumes at its offset. A checkpoint for another file (the file was
//! rotated or replaced while the processor was stopped) is logged and ignored: the file is read
//! per `start_at` (events that were still unread in the rotated-away file are not read). A
//! corrupt checkpoint is logged as an error naming the file and ignored the same way. Device and
//! inode exist only on unix; elsewhere only the fingerprint identifies a file and rename
//! rotation is noticed only when the new file's first bytes differ.

use std::fs::{self, File, Metadata};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::pipeline::ack::{Delivery, Receipt};
use crate::pipeline::config::{StartAt, TailSourceConfig};
use crate::pipeline::ingest::SourceContext;

use super::lines::{read_line_bounded, Line};
use super::workers::{Chunk, Workers};
use super::SourceError;

/// Lines submitted together at most.
const CHUNK_LINES: usize = 256;
/// The checkpoint is written at most this often.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// At shutdown, how long outstanding receipts are waited for (under the runtime's 2 s grace
/// for sources).
const SHUTDOWN_WAIT: Duration = Duration::from_millis(1500);
/// Bytes of the file's start that make its fingerprint.
const FINGERPRINT_BYTES: usize = 256;
/// A rotated-away file is finished once it has been quiet this long (or two polls).
const ROTATION_QUIET: Duration = Duration::from_secs(1);
/// Shortest poll interval.
const MIN_POLL: Duration = Duration::from_millis(10);
/// Sleeps are cut into slices this long, to see shutdown.
const SLEEP_SLICE: Duration = Duration::from_millis(20);
/// Read buffer.
const READ_BUFFER: usize = 256 * 1024;

/// What the checkpoint file holds: a file and the offset up to which its lines are handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The file's device (0 off unix).
    pub dev: u64,
    /// The file's inode (0 off unix).
    pub ino: u64,
    /// SHA-256 (first 16 bytes, hex) of the file's first `min(256, offset)` bytes.
    pub fingerprint: String,
    /// Where the next line starts.
    pub offset: u64,
}

/// The default checkpoint: `<path>.checkpoint`.
pub fn default_checkpoint_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".checkpoint");
    PathBuf::from(s)
}

/// Runs the source until shutdown.
pub async fn run(cfg: TailSourceConfig, ctx: SourceContext) -> Result<(), SourceError> {
    let checkpoint = cfg
        .checkpoint
        .clone()
        .unwrap_or_else(|| default_checkpoint_path(&cfg.path));
    let (tx, rx) = mpsc::unbounded_channel();
    let follower = Follower {
        path: cfg.path.clone(),
        checkpoint: checkpoint.clone(),
        start_at: cfg.start_at,
        poll: Duration::from_millis(cfg.poll_interval_ms).max(MIN_POLL),
        max: ctx.max_event_bytes(),
        ctx: ctx.clone(),
        pool: Some(checkpointing_workers(&ctx, tx)),
        chunk: Chunk::with_capacity(CHUNK_LINES),
        buf: Vec::with_capacity(64 * 1024),
        missing_logged: false,
        error_logged: false,
    };
    tracing::info!(
        source = ctx.name(),
        checkpoint = %checkpoint.display(),
        poll_ms = follower.poll.as_millis() as u64,
        "Following the file."
    );
    let reader = tokio::task::spawn_blocking(move || follower.run());
    keep_checkpoint(rx, &checkpoint, &ctx).await;
    if reader.is_finished() {
        if let Err(e) = reader.await {
            return Err(SourceError {
                source_name: ctx.name().to_owned(),
                message: format!("the reader thread failed: {e}"),
            });
        }
    }
    Ok(())
}

/// The pipeline's workers for the tail: each chunk's records are submitted in order and the
/// chunk's end goes, with the receipt, to the checkpoint side.
fn checkpointing_workers(
    ctx: &SourceContext,
    tx: mpsc::UnboundedSender<(Checkpoint, Receipt)>,
) -> Workers<Checkpoint> {
    let handle = tokio::runtime::Handle::current();
    let submitting = ctx.clone();
    Workers::start(ctx, ctx.workers(), move |records, mark| {
        // No records (a chunk of rejected lines, a mark alone): settled at once.
        let receipt = submitting.submit_blocking(&handle, records);
        let _ = tx.send((mark, receipt));
    })
}

// ---------------------------------------------------------------------------------------------
// The checkpoint side: receipts in order, the checkpoint file.

/// Advances the checkpoint through `(mark, receipt)` pairs in order until the reader is done
/// (or, after shutdown, until [`SHUTDOWN_WAIT`] has passed), then writes it a last time.
async fn keep_checkpoint(
    mut rx: mpsc::UnboundedReceiver<(Checkpoint, Receipt)>,
    path: &Path,
    ctx: &SourceContext,
) {
    let mut file = CheckpointFile {
        path: path.to_owned(),
        written: None,
        failing: false,
    };
    let mut safe: Option<Checkpoint> = None;
    let mut stalled = false;
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let shutdown = ctx.shutdown().clone();
    let deadline = tokio::time::sleep(Duration::from_secs(86_400 * 365));
    tokio::pin!(deadline);
    let mut stopping = false;
    let mut timed_out = false;
    'outer: loop {
        let item = tokio::select! {
            biased;
            _ = &mut deadline, if stopping => {
                timed_out = true;
                break;
            }
            _ = shutdown.cancelled(), if !stopping => {
                stopping = true;
                deadline.as_mut().reset(tokio::time::Instant::now() + SHUTDOWN_WAIT);
                continue;
            }
            _ = tick.tick() => {
                file.save(safe.as_ref(), ctx).await;
                continue;
            }
            item = rx.recv() => item,
        };
        let Some((mark, receipt)) = item else { break };
        if stalled {
            continue;
        }
        let wait = receipt.wait();
        tokio::pin!(wait);
        let outcome = loop {
            tokio::select! {
                biased;
                _ = &mut deadline, if stopping => {
                    timed_out = true;
                    break 'outer;
                }
                _ = shutdown.cancelled(), if !stopping => {
                    stopping = true;
                    deadline.as_mut().reset(tokio::time::Instant::now() + SHUTDOWN_WAIT);
                }
                _ = tick.tick() => file.save(safe.as_ref(), ctx).await,
                d = &mut wait => break d,
            }
        };
        match outcome {
            Delivery::Safe => safe = Some(mark),
            Delivery::Lost => {
                stalled = true;
                tracing::error!(
                    source = ctx.name(),
                    checkpoint = %path.display(),
                    offset = safe.as_ref().map_or(0, |c| c.offset),
                    "A batch was not delivered; the checkpoint stays before it for the rest of this run, so a restart re-sends from there."
                );
            }
        }
    }
    if timed_out {
        tracing::warn!(
            source = ctx.name(),
            checkpoint = %path.display(),
            "Shutdown: not every batch was confirmed in time; a restart re-sends from the checkpoint."
        );
    }
    file.save(safe.as_ref(), ctx).await;
}

/// The checkpoint file and what was last written to it.
struct CheckpointFile {
    path: PathBuf,
    written: Option<Checkpoint>,
    failing: bool,
}

impl CheckpointFile {
    /// Writes `cp` if it differs from what was written last; failures are logged once.
    async fn save(&mut self, cp: Option<&Checkpoint>, ctx: &SourceContext) {
        let Some(cp) = cp else { return };
        if self.written.as_ref() == Some(cp) {
            return;
        }
        let path = self.path.clone();
        let data = cp.clone();
        let result = tokio::task::spawn_blocking(move || write_checkpoint(&path, &data))
            .await
            .unwrap_or_else(|e| Err(io::Error::other(e.to_string())));
        match result {
            Ok(()) => {
                if self.failing {
                    tracing::info!(source = ctx.name(), checkpoint = %self.path.display(), "The checkpoint is written again.");
                }
                self.failing = false;
                self.written = Some(cp.clone());
            }
            Err(e) => {
                if !self.failing {
                    tracing::error!(
                        source = ctx.name(),
                        checkpoint = %self.path.display(),
                        error = %e,
                        "Cannot write the checkpoint; a restart would re-send. Check that its directory exists and is writable, or change the source's `checkpoint`."
                    );
                }
                self.failing = true;
            }
        }
    }
}

/// Writes a checkpoint atomically: a temporary file next to it, fsync, rename, fsync of the
/// directory.
pub fn write_checkpoint(path: &Path, cp: &Checkpoint) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut json = serde_json::to_vec(cp).map_err(io::Error::other)?;
    json.push(b'\n');
    {
        let mut f = File::create(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// What a checkpoint file held.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    /// There is none.
    Absent,
    /// It could not be read or parsed; the reason names no content.
    Corrupt(String),
    /// A checkpoint.
    Valid(Checkpoint),
}

/// Reads a checkpoint file.
pub fn load_checkpoint(path: &Path) -> Loaded {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Loaded::Absent,
        Err(e) => return Loaded::Corrupt(format!("cannot read it: {e}")),
    };
    match serde_json::from_slice::<Checkpoint>(&bytes) {
        Ok(cp) => Loaded::Valid(cp),
        Err(e) => {
            let what = match e.classify() {
                serde_json::error::Category::Io => "cannot read it",
                serde_json::error::Category::Syntax => "not valid JSON",
                serde_json::error::Category::Eof => "cut short",
                serde_json::error::Category::Data => {
                    "not a checkpoint (missing or mistyped fields)"
                }
            };
            Loaded::Corrupt(format!("{what} at line {} column {}", e.line(), e.column()))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Files: identity, fingerprint, tracked reading.

/// A file's identity on its file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    fn of(m: &Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: m.dev(),
            ino: m.ino(),
        }
    }

    #[cfg(not(unix))]
    fn of(_: &Metadata) -> FileId {
        FileId { dev: 0, ino: 0 }
    }
}

/// The fingerprint of a file whose first bytes are `prefix`.
pub fn fingerprint(prefix: &[u8]) -> String {
    let digest = Sha256::digest(&prefix[..prefix.len().min(FINGERPRINT_BYTES)]);
    hex::encode(&digest[..16])
}

/// Up to `n` bytes from the start of `file`, without moving its cursor.
#[cfg(unix)]
fn read_prefix(file: &File, n: usize) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match file.read_at(&mut out[got..], got as u64) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    out.truncate(got);
    Ok(out)
}

/// Off unix, the start of the file is not read (the fingerprint covers nothing).
#[cfg(not(unix))]
fn read_prefix(_: &File, _: usize) -> io::Result<Vec<u8>> {
    Ok(Vec::new())
}

/// A buffered file reader that knows its offset and whether the last byte it consumed was a
/// newline (so a line cut short by the end of the data can be told from a complete one).
struct Tracked {
    inner: BufReader<File>,
    offset: u64,
    last_newline: bool,
}

impl Tracked {
    fn new(file: File) -> Tracked {
        Tracked {
            inner: BufReader::with_capacity(READ_BUFFER, file),
            offset: 0,
            last_newline: true,
        }
    }

    fn file(&self) -> &File {
        self.inner.get_ref()
    }

    fn seek_to(&mut self, offset: u64) -> io::Result<()> {
        self.inner.seek(SeekFrom::Start(offset))?;
        self.offset = offset;
        self.last_newline = true;
        Ok(())
    }
}

impl Read for Tracked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.offset += n as u64;
            self.last_newline = buf[n - 1] == b'\n';
        }
        Ok(n)
    }
}

impl BufRead for Tracked {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            if let Some(&b) = self.inner.buffer().get(amt - 1) {
                self.last_newline = b == b'\n';
            }
        }
        self.offset += amt as u64;
        self.inner.consume(amt);
    }
}

/// What [`Followed::next_line`] found.
enum Next {
    /// A line (in the caller's buffer unless too long) starting at this offset.
    Line(Line, u64),
    /// Nothing complete to read for now.
    Caught,
}

/// The file being read.
struct Followed {
    reader: Tracked,
    id: FileId,
    /// End of the last line read: where the next one starts.
    pos: u64,
    /// How far the data was seen (`pos` plus a line still being written).
    seen: u64,
    /// The file's first bytes (up to [`FINGERPRINT_BYTES`]), as far as known.
    prefix: Vec<u8>,
    /// Skip to the first newline without reading a line (started in the middle of one).
    skip_partial: bool,
    /// When another file was first seen at the path.
    rotated_at: Option<Instant>,
    /// When the last line was read.
    last_data: Instant,
}

impl Followed {
    /// Opens the file at `path`, with its metadata (from the handle, not the path).
    fn open(path: &Path) -> io::Result<(Followed, Metadata)> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a directory",
            ));
        }
        let prefix = read_prefix(&file, FINGERPRINT_BYTES.min(meta.len() as usize))?;
        Ok((
            Followed {
                reader: Tracked::new(file),
                id: FileId::of(&meta),
                pos: 0,
                seen: 0,
                prefix,
                skip_partial: false,
                rotated_at: None,
                last_data: Instant::now(),
            },
            meta,
        ))
    }

    /// Starts reading at `offset`.
    fn start_at(&mut self, offset: u64) -> io::Result<()> {
        self.reader.seek_to(offset)?;
        self.pos = offset;
        self.seen = offset;
        Ok(())
    }

    /// The next complete line; `finished` takes a last line without `\n` too.
    fn next_line(&mut self, buf: &mut Vec<u8>, max: usize, finished: bool) -> io::Result<Next> {
        loop {
            let start = self.pos;
            let line = match read_line_bounded(&mut self.reader, buf, max) {
                Ok(l) => l,
                Err(e) => {
                    let _ = self.reader.seek_to(self.pos);
                    return Err(e);
                }
            };
            let Some(line) = line else {
                return Ok(Next::Caught);
            };
            let end = self.reader.offset;
            self.seen = self.seen.max(end);
            if !self.reader.last_newline && !finished {
                // The writer has not finished this line: read it again when it has.
                self.reader.seek_to(self.pos)?;
                return Ok(Next::Caught);
            }
            self.pos = end;
            self.last_data = Instant::now();
            if std::mem::take(&mut self.skip_partial) {
                continue;
            }
            return Ok(Next::Line(line, start));
        }
    }

    /// Whether the file's first bytes (up to `len`) are still those read before; learns more of
    /// them while the file is short.
    fn same_start(&mut self, len: u64) -> io::Result<bool> {
        let want = FINGERPRINT_BYTES.min(len as usize);
        if want == 0 {
            return Ok(true);
        }
        let now = read_prefix(self.reader.file(), want)?;
        let common = now.len().min(self.prefix.len());
        if now[..common] != self.prefix[..common] {
            return Ok(false);
        }
        if now.len() > self.prefix.len() {
            self.prefix = now;
        }
        Ok(true)
    }

    /// The fingerprint of the file's first `min(256, upto)` bytes.
    fn fingerprint_upto(&mut self, upto: u64) -> String {
        let need = FINGERPRINT_BYTES.min(usize::try_from(upto).unwrap_or(usize::MAX));
        if self.prefix.len() < need {
            if let Ok(p) = read_prefix(self.reader.file(), FINGERPRINT_BYTES) {
                if p.len() > self.prefix.len() && p.starts_with(&self.prefix) {
                    self.prefix = p;
                }
            }
        }
        fingerprint(&self.prefix[..need.min(self.prefix.len())])
    }

    /// The checkpoint for the current position.
    fn mark(&mut self) -> Checkpoint {
        let offset = self.pos;
        Checkpoint {
            dev: self.id.dev,
            ino: self.id.ino,
            fingerprint: self.fingerprint_upto(offset),
            offset,
        }
    }

    /// Why `cp` does not belong to this file, if it does not.
    fn mismatch(&self, cp: &Checkpoint, len: u64) -> Option<&'static str> {
        if (cp.dev, cp.ino) != (self.id.dev, self.id.ino) {
            return Some("another file (device or inode differ)");
        }
        if cp.offset > len {
            return Some("the file is shorter than the checkpoint's offset");
        }
        let need = FINGERPRINT_BYTES.min(cp.offset as usize);
        if self.prefix.len() < need || fingerprint(&self.prefix[..need]) != cp.fingerprint {
            return Some("the file's first bytes differ (fingerprint)");
        }
        None
    }

    /// The length of the open file (which may no longer be at the path).
    fn open_len(&self) -> Option<u64> {
        self.reader.file().metadata().ok().map(|m| m.len())
    }
}

/// What the path shows once the reader has caught up.
enum Look {
    /// More data in the current file.
    Grew,
    /// Nothing new.
    Idle,
    /// The file shrank or its start changed: read it again from 0.
    Truncated,
    /// Another file is at the path.
    Rotated,
}

// ---------------------------------------------------------------------------------------------
// The reader thread.

struct Follower {
    path: PathBuf,
    checkpoint: PathBuf,
    start_at: StartAt,
    poll: Duration,
    max: usize,
    ctx: SourceContext,
    /// Taken when the reader is done (finishing waits for the chunks in process).
    pool: Option<Workers<Checkpoint>>,
    chunk: Chunk,
    buf: Vec<u8>,
    missing_logged: bool,
    error_logged: bool,
}

impl Follower {
    fn run(mut self) {
        let mut initial = Some(load_checkpoint(&self.checkpoint));
        if let Some(Loaded::Corrupt(why)) = &initial {
            tracing::error!(
                source = self.ctx.name(),
                checkpoint = %self.checkpoint.display(),
                problem = %why,
                start_at = start_at_name(self.start_at),
                "The checkpoint file is corrupt; ignoring it and starting per `start_at`. It is replaced at the next checkpoint."
            );
        }
        let mut first_attempt = true;
        let mut cur: Option<Followed> = None;
        while !self.ctx.shutdown().is_cancelled() {
            let Some(f) = cur.as_mut() else {
                match self.open(&mut initial, first_attempt) {
                    Some(f) => cur = Some(f),
                    None => {
                        first_attempt = false;
                        self.sleep();
                    }
                }
                continue;
            };
            match f.next_line(&mut self.buf, self.max, false) {
                Ok(Next::Line(line, start)) => {
                    self.handle_line(line, start);
                    if self.chunk.len() >= CHUNK_LINES {
                        self.flush(f);
                    }
                }
                Ok(Next::Caught) => {
                    self.flush(f);
                    if self.wait_for_data(f) {
                        cur = None;
                        initial = None;
                        first_attempt = false;
                    }
                }
                Err(e) => {
                    if !self.error_logged {
                        tracing::error!(source = self.ctx.name(), offset = f.pos, error = %e, "Cannot read the file; retrying.");
                        self.error_logged = true;
                    }
                    self.sleep();
                }
            }
        }
        if let Some(f) = cur.as_mut() {
            self.flush(f);
        }
        if let Some(pool) = self.pool.take() {
            pool.finish();
        }
    }

    /// After catching up with the writer: looks at the path (sleeping between looks) until
    /// there is something to read. `true` when a rotated-away file is finished and the file now
    /// at the path is to be opened.
    fn wait_for_data(&mut self, f: &mut Followed) -> bool {
        while !self.ctx.shutdown().is_cancelled() {
            match self.look(f) {
                Look::Grew => return false,
                Look::Idle => self.sleep(),
                Look::Truncated => {
                    tracing::info!(
                        source = self.ctx.name(),
                        offset = f.seen,
                        "The file was truncated or rewritten in place (copytruncate); reading it from the start."
                    );
                    self.restart_from_zero(f);
                    return false;
                }
                Look::Rotated => {
                    let now = Instant::now();
                    let since = *f.rotated_at.get_or_insert_with(|| {
                        tracing::info!(
                            source = self.ctx.name(),
                            "The file was rotated; finishing the old one before the new one."
                        );
                        now
                    });
                    if f.open_len().is_some_and(|l| l > f.seen) {
                        return false; // its writer still appends to the old file
                    }
                    let quiet = ROTATION_QUIET.max(self.poll * 2);
                    if now.duration_since(since.max(f.last_data)) < quiet {
                        self.sleep();
                        continue;
                    }
                    self.finish(f);
                    return true;
                }
            }
        }
        false
    }

    /// Opens the file; applies the checkpoint or `start_at` the first time. `None` when it is
    /// not there (logged once).
    fn open(&mut self, initial: &mut Option<Loaded>, existed_at_start: bool) -> Option<Followed> {
        let (mut f, meta) = match Followed::open(&self.path) {
            Ok(x) => x,
            Err(e) => {
                if !self.missing_logged {
                    if e.kind() == io::ErrorKind::NotFound {
                        tracing::warn!(
                            source = self.ctx.name(),
                            "The file is not there; waiting for it."
                        );
                    } else {
                        tracing::error!(source = self.ctx.name(), error = %e, "Cannot open the file; retrying.");
                    }
                    self.missing_logged = true;
                }
                return None;
            }
        };
        if std::mem::take(&mut self.missing_logged) {
            tracing::info!(source = self.ctx.name(), "The file is there; reading it.");
        }
        let len = meta.len();
        let start = match initial.take() {
            None => 0,
            Some(loaded) => {
                let mut from_checkpoint = None;
                if let Loaded::Valid(cp) = &loaded {
                    match f.mismatch(cp, len) {
                        None => from_checkpoint = Some(cp.offset),
                        Some(why) => tracing::warn!(
                            source = self.ctx.name(),
                            checkpoint = %self.checkpoint.display(),
                            reason = why,
                            start_at = start_at_name(self.start_at),
                            "The checkpoint is for another file; ignoring it."
                        ),
                    }
                }
                match from_checkpoint {
                    Some(o) => {
                        tracing::info!(
                            source = self.ctx.name(),
                            offset = o,
                            "Resuming at the checkpoint."
                        );
                        o
                    }
                    None if existed_at_start && self.start_at == StartAt::End => {
                        let last = read_last_byte(f.reader.file(), len);
                        f.skip_partial = len > 0 && last != Some(b'\n');
                        len
                    }
                    None => 0,
                }
            }
        };
        if let Err(e) = f.start_at(start) {
            tracing::error!(source = self.ctx.name(), error = %e, "Cannot seek in the file; retrying.");
            return None;
        }
        // Where reading starts counts as handled: a restart before any new line resumes here.
        let mark = f.mark();
        self.checkpoint_at(mark);
        Some(f)
    }

    fn handle_line(&mut self, line: Line, start: u64) {
        self.ctx.received(1);
        self.error_logged = false;
        match line {
            Line::Data => self.chunk.push_line(&self.buf, start),
            Line::TooLong(len) => self.chunk.push_too_long(len, start),
        }
    }

    /// Hands the chunk read so far to the workers, its end to be checkpointed once its records
    /// are safe.
    fn flush(&mut self, f: &mut Followed) {
        if self.chunk.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.chunk, Chunk::with_capacity(CHUNK_LINES));
        let mark = f.mark();
        if let Some(pool) = self.pool.as_mut() {
            pool.process(chunk, mark);
        }
    }

    /// Queues a checkpoint with no lines behind it (where reading starts), after the chunks
    /// handed out before it.
    fn checkpoint_at(&mut self, mark: Checkpoint) {
        if let Some(pool) = self.pool.as_mut() {
            pool.process(Chunk::default(), mark);
        }
    }

    /// Looks at the path after catching up with the current file.
    fn look(&mut self, f: &mut Followed) -> Look {
        match fs::metadata(&self.path) {
            Err(e) => {
                if !self.missing_logged {
                    if e.kind() == io::ErrorKind::NotFound {
                        tracing::warn!(
                            source = self.ctx.name(),
                            "The file is gone (rotated or deleted); still reading the old one, waiting for a new one."
                        );
                    } else {
                        tracing::error!(source = self.ctx.name(), error = %e, "Cannot look at the file; retrying.");
                    }
                    self.missing_logged = true;
                }
                match f.open_len() {
                    Some(l) if l > f.seen => Look::Grew,
                    _ => Look::Idle,
                }
            }
            Ok(m) => {
                if std::mem::take(&mut self.missing_logged) {
                    tracing::info!(source = self.ctx.name(), "The file is there again.");
                }
                if FileId::of(&m) != f.id {
                    return Look::Rotated;
                }
                let len = m.len();
                if len < f.seen {
                    return Look::Truncated;
                }
                match f.same_start(len) {
                    Ok(false) => return Look::Truncated,
                    Ok(true) => {}
                    Err(_) => return Look::Idle,
                }
                if len > f.seen {
                    Look::Grew
                } else {
                    Look::Idle
                }
            }
        }
    }

    /// After copytruncate: the new content from its start.
    fn restart_from_zero(&mut self, f: &mut Followed) {
        if let Err(e) = f.start_at(0) {
            tracing::error!(source = self.ctx.name(), error = %e, "Cannot seek in the file; retrying.");
            return;
        }
        f.skip_partial = false;
        f.prefix = read_prefix(f.reader.file(), FINGERPRINT_BYTES).unwrap_or_default();
        let mark = f.mark();
        self.checkpoint_at(mark);
    }

    /// Reads a rotated-away file to its very end, a last line without `\n` included.
    fn finish(&mut self, f: &mut Followed) {
        loop {
            if self.ctx.shutdown().is_cancelled() {
                break;
            }
            match f.next_line(&mut self.buf, self.max, true) {
                Ok(Next::Line(line, start)) => {
                    self.handle_line(line, start);
                    if self.chunk.len() >= CHUNK_LINES {
                        self.flush(f);
                    }
                }
                Ok(Next::Caught) => break,
                Err(e) => {
                    tracing::error!(source = self.ctx.name(), offset = f.pos, error = %e, "Cannot read the rest of the rotated file; moving to the new one.");
                    break;
                }
            }
        }
        self.flush(f);
    }

    /// Waits one poll interval, or less if shutdown comes. A plain thread sleep in slices, not
    /// the runtime's timer, so a runtime that is being dropped cannot make it fail.
    fn sleep(&self) {
        let until = Instant::now() + self.poll;
        while !self.ctx.shutdown().is_cancelled() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(SLEEP_SLICE));
        }
    }
}

fn read_last_byte(file: &File, len: u64) -> Option<u8> {
    if len == 0 {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let mut b = [0u8; 1];
        match file.read_at(&mut b, len - 1) {
            Ok(1) => Some(b[0]),
            _ => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Some(b'\n')
    }
}

fn start_at_name(s: StartAt) -> &'static str {
    match s {
        StartAt::Beginning => "beginning",
        StartAt::End => "end",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "audit-otel-tail-unit-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn checkpoint_round_trip_and_corrupt_files() {
        let d = temp_dir("cp");
        let p = d.join("x.checkpoint");
        assert_eq!(load_checkpoint(&p), Loaded::Absent);
        let cp = Checkpoint {
            dev: 1,
            ino: 2,
            fingerprint: fingerprint(b"abc"),
            offset: 3,
        };
        write_checkpoint(&p, &cp).unwrap();
        assert_eq!(load_checkpoint(&p), Loaded::Valid(cp));
        fs::write(&p, b"{\"dev\":1,\"ino\":\"secret-value\"}").unwrap();
        match load_checkpoint(&p) {
            Loaded::Corrupt(why) => assert!(!why.contains("secret-value"), "{why}"),
            other => panic!("{other:?}"),
        }
        fs::write(&p, b"\x00garbage").unwrap();
        assert!(matches!(load_checkpoint(&p), Loaded::Corrupt(_)));
        assert_eq!(
            default_checkpoint_path(Path::new("/var/log/a.ndjson")),
            PathBuf::from("/var/log/a.ndjson.checkpoint")
        );
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn partial_lines_wait_and_fingerprints_follow_the_prefix() {
        let d = temp_dir("partial");
        let p = d.join("f.ndjson");
        fs::write(&p, b"one\ntw").unwrap();
        let (mut f, meta) = Followed::open(&p).unwrap();
        let start = f.clone_mark(0);
        assert_eq!(f.mismatch(&start, meta.len()), None);
        let mut buf = Vec::new();
        assert!(matches!(
            f.next_line(&mut buf, 100, false).unwrap(),
            Next::Line(Line::Data, 0)
        ));
        assert_eq!(buf, b"one");
        assert!(matches!(
            f.next_line(&mut buf, 100, false).unwrap(),
            Next::Caught
        ));
        assert_eq!((f.pos, f.seen), (4, 6));
        let mut w = fs::OpenOptions::new().append(true).open(&p).unwrap();
        w.write_all(b"o\r\nthree").unwrap();
        assert!(matches!(
            f.next_line(&mut buf, 100, false).unwrap(),
            Next::Line(Line::Data, 4)
        ));
        assert_eq!(buf, b"two");
        assert!(matches!(
            f.next_line(&mut buf, 100, false).unwrap(),
            Next::Caught
        ));
        assert!(matches!(
            f.next_line(&mut buf, 100, true).unwrap(),
            Next::Line(Line::Data, 9)
        ));
        assert_eq!(buf, b"three");
        let mark = f.mark();
        assert_eq!(mark.offset, 14);
        assert_eq!(mark.fingerprint, fingerprint(b"one\ntwo\r\nthree"));
        assert_eq!(f.mismatch(&mark, 14), None);
        assert!(f.mismatch(&mark, 13).is_some());
        let other = Checkpoint {
            fingerprint: fingerprint(b"ONE\ntwo\r\nthree"),
            ..mark.clone()
        };
        assert!(f.mismatch(&other, 14).is_some());
        assert!(f.same_start(14).unwrap());
        fs::write(&p, b"ONE\n").unwrap();
        assert!(!f.same_start(4).unwrap());
        fs::remove_dir_all(d).unwrap();
    }

    impl Followed {
        fn clone_mark(&mut self, offset: u64) -> Checkpoint {
            Checkpoint {
                dev: self.id.dev,
                ino: self.id.ino,
                fingerprint: self.fingerprint_upto(offset),
                offset,
            }
        }
    }
}
