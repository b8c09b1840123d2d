//! A durable on-disk write-ahead buffer for one sink: records that are not yet acknowledged by
//! the backend survive a backend outage and a processor crash (SIGKILL), and are re-sent after a
//! restart.
//!
//! # What it owns
//!
//! One directory per sink ([`DiskBufferOptions::dir`]), holding segment files and a cursor file.
//! Nothing else may write there, and only one [`DiskBuffer`] (one process) may use a directory
//! at a time. Entries are opaque byte blobs (the sinks store protobuf-encoded, already redacted
//! records); the buffer never interprets them and never puts them in an error or log message.
//!
//! # Use
//!
//! One writer [`append`](DiskBuffer::append)s batches; one reader [`read`](DiskBuffer::read)s
//! them in FIFO order, sends them, then [`commit`](DiskBuffer::commit)s (acknowledged: gone for
//! good) or [`rewind`](DiskBuffer::rewind)s (send failed: read the same entries again). The
//! reader waits for data with [`notify`](DiskBuffer::notify) (async) or
//! [`wait_for_data`](DiskBuffer::wait_for_data) (blocking); a writer told
//! [`AppendOutcome::Full`] either drops and counts, or waits on
//! [`space_notify`](DiskBuffer::space_notify) and retries. All methods are synchronous `std::fs`
//! calls under one internal mutex, so writer and reader share the buffer through an `Arc`.
//!
//! # On-disk format (all integers little-endian)
//!
//! ```text
//! DIR/00000000000000000042.seg   segment: the frames of entries 42, 43, …, named by its first id
//! DIR/cursor                     "AOCR" | next unacknowledged id u64 | crc32 of the previous 12 bytes
//!
//! frame = magic [A5 D1 5B F0] | len u32 | crc u32 | id u64 | payload (len bytes)
//!         crc = CRC-32 (IEEE) of len | id | payload
//! ```
//!
//! Entry ids are consecutive and never reused while a segment or the cursor remembers them.
//! Appends go to the newest segment; a new one is started when the batch would take the current
//! one past [`DiskBufferOptions::segment_bytes`]. The cursor is replaced atomically (written to
//! `cursor.tmp`, then renamed) on every commit; segments whose entries are all committed are
//! deleted.
//!
//! # Recovery ([`DiskBuffer::open`])
//!
//! Every segment is read and every frame checked (magic, length, CRC, id order). A bad frame is
//! skipped by scanning for the next valid frame (magic + CRC); a bad region with no valid frame
//! after it skips the rest of that segment, and at the end of the newest segment it is a torn
//! write of a crash and is truncated. Every skipped region is counted ([`OpenReport`],
//! [`BufferStats::corrupted_skipped`]) with the number of entry ids it lost; nothing panics. A
//! missing or corrupt cursor starts from the oldest segment: at-least-once, duplicates rather
//! than loss. Corruption appearing while the buffer is open is detected by the reader the same
//! way.
//!
//! # Guarantees and limits
//!
//! - An appended entry is in the kernel when `append` returns: a crash of the process (SIGKILL,
//!   panic, OOM kill) loses nothing. A crash of the machine (power loss) loses what was not yet
//!   fsynced: nothing with [`FsyncPolicy::Always`], at most about the last interval with
//!   [`FsyncPolicy::EveryMillis`] (the default, 1000 ms), whatever the OS held with
//!   [`FsyncPolicy::Never`].
//! - Delivery is at-least-once: entries handed out but not committed before a restart are handed
//!   out again, and so are committed ones when the cursor file was lost.
//! - Order is FIFO by entry id, across segments and restarts.
//! - Capacity: `append` answers [`AppendOutcome::Full`] when the live segments plus the batch
//!   would exceed `max_bytes` (frames count 20 bytes of header each). Committed entries free
//!   space segment by segment, so at least `max_bytes - segment_bytes` is usable for pending
//!   entries (less the largest batch, when a batch is larger than a segment).
//! - Recovery reads every live segment once: opening a full 256 MiB buffer reads 256 MiB.

mod disk;
#[cfg(test)]
mod tests;

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The id of one buffered entry: consecutive per buffer, increasing across restarts.
pub type EntryId = u64;

/// When appended data is forced to the disk (`fsync`) rather than left to the OS.
///
/// Only a machine crash (power loss, kernel panic) can lose written-but-not-synced data; a
/// process crash cannot, whatever the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// After every append batch, and the directory after a segment is created: nothing
    /// acknowledged by `append` is lost. Costs one `fdatasync` per batch.
    Always,
    /// At most once per this many milliseconds, on the append that finds the last sync older
    /// than that; also on [`DiskBuffer::sync`], when a segment is closed, and on drop. The
    /// default, with 1000.
    EveryMillis(u64),
    /// Never: the OS writes back when it likes (typically within 30 s).
    Never,
}

impl Default for FsyncPolicy {
    fn default() -> Self {
        FsyncPolicy::EveryMillis(1000)
    }
}

/// Where and how large one buffer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskBufferOptions {
    /// One directory per sink; created (with its parents) if missing.
    pub dir: PathBuf,
    /// The most bytes the live segment files may hold together (default 256 MiB).
    pub max_bytes: u64,
    /// A new segment file is started when a batch would take the current one past this size
    /// (default 8 MiB). At most half of `max_bytes`.
    pub segment_bytes: u64,
    /// When appends are fsynced (default: every 1000 ms).
    pub fsync: FsyncPolicy,
}

impl DiskBufferOptions {
    /// Default sizes: 256 MiB in 8 MiB segments, fsync every second.
    pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
    /// See [`DiskBufferOptions::DEFAULT_MAX_BYTES`].
    pub const DEFAULT_SEGMENT_BYTES: u64 = 8 * 1024 * 1024;

    /// The defaults for `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> DiskBufferOptions {
        DiskBufferOptions {
            dir: dir.into(),
            max_bytes: Self::DEFAULT_MAX_BYTES,
            segment_bytes: Self::DEFAULT_SEGMENT_BYTES,
            fsync: FsyncPolicy::default(),
        }
    }
}

/// What [`DiskBuffer::append`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    /// All entries were written, with these ids (empty for an empty batch).
    Appended {
        /// The ids given to the entries, in order.
        ids: Range<EntryId>,
    },
    /// Nothing was written: the batch does not fit in `max_bytes` until the reader commits.
    /// The caller waits ([`DiskBuffer::space_notify`]) and retries, or drops and counts.
    Full,
}

/// What the cursor file said when the buffer was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorState {
    /// Read and valid.
    Restored,
    /// Absent (a new buffer, or it was deleted): reading starts at the oldest segment.
    Missing,
    /// Unreadable or failing its checksum: reading starts at the oldest segment.
    Corrupt,
}

/// What [`DiskBuffer::open`] found and repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// The cursor file's state.
    pub cursor: CursorState,
    /// Segment files kept.
    pub segments: usize,
    /// Uncommitted entries recovered (they will be read again).
    pub pending_entries: u64,
    /// Their bytes on disk, frame headers included.
    pub pending_bytes: u64,
    /// Entries lost to corruption or a torn write (at least one per bad region).
    pub corrupted_entries: u64,
    /// Bad regions skipped (including a torn tail).
    pub corrupted_regions: u64,
    /// Bytes cut from the end of the newest segment: a write torn by a crash.
    pub torn_tail_bytes: u64,
    /// Segment files deleted because they held only committed entries or nothing at all.
    pub deleted_segments: usize,
}

/// Counters since [`DiskBuffer::open`] and the current sizes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BufferStats {
    /// Entries appended.
    pub appended: u64,
    /// Entries committed.
    pub committed: u64,
    /// Appends answered with [`AppendOutcome::Full`].
    pub full: u64,
    /// Entries lost to corruption or torn writes, at open and while reading.
    pub corrupted_skipped: u64,
    /// Bad regions skipped, at open and while reading.
    pub corrupted_regions: u64,
    /// Entries appended and not committed.
    pub pending_entries: u64,
    /// Bytes on disk of the entries not committed, frame headers included.
    pub pending_bytes: u64,
    /// Size of all live segment files.
    pub bytes_on_disk: u64,
    /// Live segment files.
    pub segments: usize,
}

/// An error of the buffer. Messages name the path and the fix, never an entry's content.
#[derive(Debug, thiserror::Error)]
pub enum BufferError {
    /// A file operation failed.
    #[error("disk buffer: cannot {action} {}: {source} ({})", .path.display(), io_hint(.source))]
    Io {
        /// What was attempted ("create directory", "write segment", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The options cannot work.
    #[error("disk buffer {}: {reason}", .dir.display())]
    InvalidOptions {
        /// The buffer's directory.
        dir: PathBuf,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A batch that can never fit.
    #[error(
        "disk buffer {}: a batch of {bytes} bytes (with frame headers) can never fit in max_bytes \
         {max_bytes}: split the batch or raise max_bytes",
        .dir.display()
    )]
    TooLarge {
        /// The buffer's directory.
        dir: PathBuf,
        /// The batch's size on disk (or of one entry over 4 GiB).
        bytes: u64,
        /// The configured limit.
        max_bytes: u64,
    },
    /// A commit of ids that were never appended: a bug of the caller.
    #[error(
        "disk buffer {}: commit up to entry {upto}, but the last appended entry is {}: commit \
         only ids returned by read",
        .dir.display(),
        .last_appended.map_or_else(|| "none".to_string(), |i| i.to_string())
    )]
    CommitAhead {
        /// The buffer's directory.
        dir: PathBuf,
        /// The id passed to commit.
        upto: EntryId,
        /// The newest id appended so far.
        last_appended: Option<EntryId>,
    },
}

fn io_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            "let the processor's user read and write this directory, or configure another one"
        }
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "free disk space, or lower max_bytes below what the volume can hold"
        }
        io::ErrorKind::NotFound => {
            "the buffer directory was removed or is not a directory: restore it or restart"
        }
        io::ErrorKind::AlreadyExists => {
            "another process may be using this buffer directory: give each sink its own"
        }
        io::ErrorKind::NotADirectory => "the configured path is not a directory: fix the path",
        _ => "check the disk and the directory",
    }
}

/// A durable FIFO of byte blobs in a directory; see the [module documentation](self).
///
/// `Send + Sync`: share it through an `Arc` between the writer and the reader.
pub struct DiskBuffer {
    state: Mutex<disk::State>,
    data_cv: Condvar,
    data: Arc<Notify>,
    space: Arc<Notify>,
    dir: PathBuf,
}

impl std::fmt::Debug for DiskBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskBuffer")
            .field("dir", &self.dir)
            .field("stats", &self.stats())
            .finish()
    }
}

impl DiskBuffer {
    /// Opens (creating if missing) the buffer in `opts.dir` and recovers it: checks every
    /// frame, truncates a torn tail, skips and counts corrupt regions, deletes committed
    /// segments and restores the read position from the cursor file.
    pub fn open(opts: DiskBufferOptions) -> Result<(DiskBuffer, OpenReport), BufferError> {
        let dir = opts.dir.clone();
        let (state, report) = disk::State::open(opts)?;
        if report.corrupted_regions > 0 || report.cursor == CursorState::Corrupt {
            tracing::warn!(
                dir = %dir.display(),
                corrupted_entries = report.corrupted_entries,
                corrupted_regions = report.corrupted_regions,
                torn_tail_bytes = report.torn_tail_bytes,
                cursor = ?report.cursor,
                "disk buffer recovered with losses or a corrupt cursor"
            );
        }
        let buffer = DiskBuffer {
            state: Mutex::new(state),
            data_cv: Condvar::new(),
            data: Arc::new(Notify::new()),
            space: Arc::new(Notify::new()),
            dir,
        };
        if report.pending_entries > 0 {
            buffer.data.notify_one();
        }
        Ok((buffer, report))
    }

    /// The buffer's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock(&self) -> MutexGuard<'_, disk::State> {
        // No code path panics while holding the lock; if one ever did, the state is still
        // the last consistent one (every mutation completes before anything can fail).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends a batch, all or nothing, and returns the ids given to it, or
    /// [`AppendOutcome::Full`] without writing anything. Errors: a batch larger than
    /// `max_bytes` ([`BufferError::TooLarge`]), or a failed write (nothing of the batch is
    /// kept then).
    pub fn append(&self, entries: &[&[u8]]) -> Result<AppendOutcome, BufferError> {
        let out = self.lock().append(entries)?;
        if matches!(&out, AppendOutcome::Appended { ids } if !ids.is_empty()) {
            self.data.notify_one();
            self.data_cv.notify_all();
        }
        Ok(out)
    }

    /// Hands out up to `max_entries` entries after the last one handed out, in order, with at
    /// most `max_bytes` of payload (but always one entry if any is there, however large).
    /// Empty when everything was handed out. Does not commit: after a restart or
    /// [`rewind`](DiskBuffer::rewind) they are handed out again.
    pub fn read(
        &self,
        max_entries: usize,
        max_bytes: usize,
    ) -> Result<Vec<(EntryId, Vec<u8>)>, BufferError> {
        self.lock().read(max_entries, max_bytes)
    }

    /// Forgets what was handed out and not committed: the next read starts again at the oldest
    /// uncommitted entry (after a failed send).
    pub fn rewind(&self) {
        let again = self.lock().rewind();
        if again {
            self.data.notify_one();
            self.data_cv.notify_all();
        }
    }

    /// Acknowledges every entry up to and including `upto`: persists the cursor and deletes
    /// the segments holding only committed entries, freeing space for a waiting writer.
    /// Committing an id not yet read skips the entries up to it. An error after the in-memory
    /// commit (the cursor file could not be written) leaves the commit in effect, only not
    /// durable: a restart may hand those entries out again.
    pub fn commit(&self, upto: EntryId) -> Result<(), BufferError> {
        let res = self.lock().commit(upto);
        self.space.notify_one();
        res
    }

    /// Forces appended data to the disk now (see [`FsyncPolicy::EveryMillis`]).
    pub fn sync(&self) -> Result<(), BufferError> {
        self.lock().sync()
    }

    /// Entries appended and not committed (whether handed out or not).
    pub fn pending_entries(&self) -> u64 {
        self.lock().pending_entries()
    }

    /// Bytes on disk of the entries not committed, frame headers included.
    pub fn pending_bytes(&self) -> u64 {
        self.lock().pending_bytes()
    }

    /// Counters and sizes.
    pub fn stats(&self) -> BufferStats {
        self.lock().stats()
    }

    /// Whether entries are there that were not handed out yet.
    pub fn has_unread(&self) -> bool {
        self.lock().has_unread()
    }

    /// Blocks until entries are there that were not handed out yet, or `timeout` passes;
    /// `true` when there are. For a blocking reader; an async reader awaits
    /// [`notify`](DiskBuffer::notify) instead.
    pub fn wait_for_data(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock();
        loop {
            if st.has_unread() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = match self.data_cv.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Notified (`notify_one`, so a permit is kept for the one reader) after every append
    /// and rewind that makes entries readable, and once at open when entries were recovered.
    /// Reader loop: `read`; if empty, `notify().notified().await`; repeat.
    pub fn notify(&self) -> Arc<Notify> {
        Arc::clone(&self.data)
    }

    /// Notified (`notify_one`, for the one writer) after every commit. A writer told
    /// [`AppendOutcome::Full`] awaits it (with a timeout, as any wait) and retries.
    pub fn space_notify(&self) -> Arc<Notify> {
        Arc::clone(&self.space)
    }
}

impl Drop for DiskBuffer {
    fn drop(&mut self) {
        // Best effort: a failing sync at shutdown has nobody left to report to but the log.
        if let Err(e) = self.lock().close() {
            tracing::warn!(error = %e, "disk buffer: sync at close failed");
        }
    }
}
