//! The segment and cursor files, and the state behind [`super::DiskBuffer`]'s mutex.
//!
//! Positions are `(segment's first id, byte offset)`. Three of them move forward: the writer's
//! end of the newest segment, the reader's `read_pos` (next entry to hand out) and `ack_pos`
//! (oldest entry not committed, what the cursor file remembers by id). A position at the end of
//! a closed segment means the start of the next one; with no next one yet it is
//! `(next_id, 0)`, the name the next segment will get.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    AppendOutcome, BufferError, BufferStats, CursorState, DiskBufferOptions, EntryId, FsyncPolicy,
    OpenReport,
};

/// The first bytes of every frame: not ASCII, so rare in text and protobuf strings.
pub(super) const MAGIC: [u8; 4] = [0xA5, 0xD1, 0x5B, 0xF0];
/// magic u32 | len u32 | crc u32 | id u64
pub(super) const HEADER: usize = 20;
pub(super) const CURSOR_FILE: &str = "cursor";
const CURSOR_TMP: &str = "cursor.tmp";
const CURSOR_MAGIC: [u8; 4] = *b"AOCR";
const CURSOR_LEN: usize = 16;
const SEGMENT_EXT: &str = ".seg";
/// The reader's read-ahead.
const READ_CHUNK: u64 = 64 * 1024;

/// The file name of the segment whose first entry is `first`.
pub(super) fn segment_name(first: EntryId) -> String {
    format!("{first:020}{SEGMENT_EXT}")
}

fn parse_segment_name(name: &str) -> Option<EntryId> {
    let stem = name.strip_suffix(SEGMENT_EXT)?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// CRC-32 of a frame: its length, its id and its payload.
pub(super) fn frame_crc(len: u32, id: EntryId, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&len.to_le_bytes());
    h.update(&id.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Appends one frame to `out`; `payload` is at most `u32::MAX` bytes (checked by the caller).
pub(super) fn encode_frame(out: &mut Vec<u8>, id: EntryId, payload: &[u8]) {
    let len = payload.len() as u32;
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&frame_crc(len, id, payload).to_le_bytes());
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(payload);
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// The valid frame at the start of `bytes` with an id in `ids`: `(id, payload length)`.
pub(super) fn parse_frame(bytes: &[u8], ids: &Range<EntryId>) -> Option<(EntryId, usize)> {
    let header = bytes.get(..HEADER)?;
    if header[..4] != MAGIC {
        return None;
    }
    let len = le_u32(&header[4..]);
    let crc = le_u32(&header[8..]);
    let id = le_u64(&header[12..]);
    if !ids.contains(&id) {
        return None;
    }
    let payload = bytes.get(HEADER..HEADER.checked_add(len as usize)?)?;
    (frame_crc(len, id, payload) == crc).then_some((id, len as usize))
}

/// Resynchronisation: the first offset at or after `from` where a valid frame with an id in
/// `ids` starts, and its id.
pub(super) fn find_frame(
    bytes: &[u8],
    from: usize,
    ids: &Range<EntryId>,
) -> Option<(usize, EntryId)> {
    let mut i = from;
    while i + HEADER <= bytes.len() {
        i += bytes[i..].iter().position(|&b| b == MAGIC[0])?;
        if let Some((id, _)) = parse_frame(&bytes[i..], ids) {
            return Some((i, id));
        }
        i += 1;
    }
    None
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> BufferError {
    let path = path.to_path_buf();
    move |source| BufferError::Io {
        action,
        path,
        source,
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Reads the cursor: the next id not committed.
fn read_cursor(dir: &Path) -> Result<(CursorState, EntryId), BufferError> {
    let path = dir.join(CURSOR_FILE);
    match fs::read(&path) {
        Ok(b) => {
            let valid = b.len() == CURSOR_LEN
                && b[..4] == CURSOR_MAGIC
                && crc32fast::hash(&b[..12]) == le_u32(&b[12..]);
            Ok(if valid {
                (CursorState::Restored, le_u64(&b[4..]))
            } else {
                (CursorState::Corrupt, 0)
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((CursorState::Missing, 0)),
        Err(e) => Err(io_err("read the cursor file", &path)(e)),
    }
}

/// The bytes of a cursor file.
pub(super) fn encode_cursor(acked: EntryId) -> [u8; CURSOR_LEN] {
    let mut b = [0u8; CURSOR_LEN];
    b[..4].copy_from_slice(&CURSOR_MAGIC);
    b[4..12].copy_from_slice(&acked.to_le_bytes());
    let crc = crc32fast::hash(&b[..12]);
    b[12..].copy_from_slice(&crc.to_le_bytes());
    b
}

/// A position: a segment (by its first id) and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    seg: EntryId,
    off: u64,
}

/// One live segment file.
#[derive(Debug)]
struct Segment {
    first_id: EntryId,
    /// Bytes the reader may read: the file's size unless a failed write left bytes after it.
    len: u64,
    /// Known bad regions (found at open or by the reader), sorted, skipped without a recount.
    bad: Vec<Range<u64>>,
}

impl Segment {
    fn bad_end_at(&self, off: u64) -> Option<u64> {
        self.bad.iter().find(|r| r.contains(&off)).map(|r| r.end)
    }
}

/// An entry found by the reader, not yet handed out.
#[derive(Debug, Clone, Copy)]
struct Peeked {
    id: EntryId,
    pos: Pos,
    len: usize,
}

/// The reader's file handle and read-ahead window on one segment.
#[derive(Debug)]
struct ReadCache {
    dir: PathBuf,
    seg: Option<EntryId>,
    file: Option<File>,
    start: u64,
    buf: Vec<u8>,
}

impl ReadCache {
    fn forget(&mut self, seg: EntryId) {
        if self.seg == Some(seg) {
            self.seg = None;
            self.file = None;
            self.buf.clear();
        }
    }

    /// The bytes of segment `seg` from `off` on: at least `need` of them, or up to `seg_len`.
    fn window(&mut self, seg: EntryId, seg_len: u64, off: u64, need: u64) -> io::Result<&[u8]> {
        let want_end = seg_len.min(off.saturating_add(need));
        if self.seg == Some(seg)
            && off >= self.start
            && want_end <= self.start + self.buf.len() as u64
        {
            return Ok(&self.buf[(off - self.start) as usize..]);
        }
        if self.seg != Some(seg) || self.file.is_none() {
            self.seg = None;
            self.buf.clear();
            self.file = Some(File::open(self.dir.join(segment_name(seg)))?);
            self.seg = Some(seg);
        }
        let end = seg_len.min(want_end.max(off.saturating_add(READ_CHUNK)));
        let n = end.saturating_sub(off) as usize;
        if self.buf.capacity() > 16 * READ_CHUNK as usize && n <= READ_CHUNK as usize {
            // Give back the memory of a resynchronisation over a whole segment.
            self.buf = Vec::new();
        }
        self.buf.clear();
        self.buf.resize(n, 0);
        let res = match self.file.as_mut() {
            Some(f) => f
                .seek(SeekFrom::Start(off))
                .and_then(|_| f.read_exact(&mut self.buf)),
            None => Err(io::ErrorKind::NotFound.into()),
        };
        if let Err(e) = res {
            self.forget(seg);
            return Err(e);
        }
        self.start = off;
        Ok(&self.buf)
    }

    /// The valid frame at `off` with an id in `ids`, if there is one.
    fn frame(
        &mut self,
        seg: EntryId,
        seg_len: u64,
        off: u64,
        ids: &Range<EntryId>,
    ) -> io::Result<Option<(EntryId, usize)>> {
        let w = self.window(seg, seg_len, off, HEADER as u64)?;
        if w.len() < HEADER || w[..4] != MAGIC {
            return Ok(None);
        }
        let len = u64::from(le_u32(&w[4..]));
        if len > seg_len - off - HEADER as u64 {
            return Ok(None);
        }
        let w = self.window(seg, seg_len, off, HEADER as u64 + len)?;
        Ok(parse_frame(w, ids))
    }

    /// The next valid frame after `off`: its offset and id.
    fn resync(
        &mut self,
        seg: EntryId,
        seg_len: u64,
        off: u64,
        ids: &Range<EntryId>,
    ) -> io::Result<Option<(u64, EntryId)>> {
        let w = self.window(seg, seg_len, off, seg_len - off)?;
        Ok(find_frame(w, 1, ids).map(|(k, id)| (off + k as u64, id)))
    }

    fn payload(&mut self, seg_len: u64, p: &Peeked) -> io::Result<Vec<u8>> {
        let total = HEADER as u64 + p.len as u64;
        let w = self.window(p.pos.seg, seg_len, p.pos.off, total)?;
        match w.get(HEADER..HEADER + p.len) {
            Some(payload) => Ok(payload.to_vec()),
            None => Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

/// Everything behind the mutex.
#[derive(Debug)]
pub(super) struct State {
    dir: PathBuf,
    max_bytes: u64,
    segment_bytes: u64,
    fsync: FsyncPolicy,

    segments: VecDeque<Segment>,
    /// Append handle of the newest segment, while it takes appends.
    active: Option<File>,
    /// Appended since the last fsync.
    dirty: bool,
    last_sync: Instant,
    /// The id the next appended entry gets.
    next_id: EntryId,
    /// The first id not committed (what the cursor file holds).
    acked: EntryId,
    ack_pos: Pos,
    read_pos: Pos,
    /// Ids below this were handed out (or lost): the lower bound of the next valid frame.
    read_next_id: EntryId,
    /// Handed out, not committed: id and position, in order.
    inflight: VecDeque<(EntryId, Pos)>,
    pending_entries: u64,
    bytes_on_disk: u64,
    /// The append batch, encoded; reused.
    wbuf: Vec<u8>,
    cache: ReadCache,

    appended: u64,
    committed: u64,
    full: u64,
    corrupted_skipped: u64,
    corrupted_regions: u64,
}

impl State {
    pub(super) fn open(opts: DiskBufferOptions) -> Result<(State, OpenReport), BufferError> {
        let DiskBufferOptions {
            dir,
            max_bytes,
            segment_bytes,
            fsync,
        } = opts;
        if segment_bytes == 0 || segment_bytes > max_bytes / 2 {
            return Err(BufferError::InvalidOptions {
                dir,
                reason: format!(
                    "segment_bytes ({segment_bytes}) must be at least 1 and at most half of \
                     max_bytes ({max_bytes}): lower segment_bytes or raise max_bytes"
                ),
            });
        }
        if dir.exists() && !dir.is_dir() {
            return Err(io_err("use as a directory", &dir)(
                io::ErrorKind::NotADirectory.into(),
            ));
        }
        fs::create_dir_all(&dir).map_err(io_err("create the directory", &dir))?;
        match fs::remove_file(dir.join(CURSOR_TMP)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_err("remove", &dir.join(CURSOR_TMP))(e));
            }
            _ => {}
        }
        let (cursor, acked) = read_cursor(&dir)?;

        let mut names = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err("list the directory", &dir))? {
            let entry = entry.map_err(io_err("list the directory", &dir))?;
            if let Some(id) = entry.file_name().to_str().and_then(parse_segment_name) {
                names.push(id);
            }
        }
        names.sort_unstable();

        let mut report = OpenReport {
            cursor,
            segments: 0,
            pending_entries: 0,
            pending_bytes: 0,
            corrupted_entries: 0,
            corrupted_regions: 0,
            torn_tail_bytes: 0,
            deleted_segments: 0,
        };
        // Ids lost in [from, to) that were not committed.
        let lost = |from: EntryId, to: EntryId| to.saturating_sub(from.max(acked));
        let mut segments = VecDeque::new();
        let mut buf = Vec::new();
        let mut last_valid: Option<EntryId> = None;
        let mut ack_pos: Option<Pos> = None;
        let mut pending = 0u64;
        for (k, &first) in names.iter().enumerate() {
            let is_last = k + 1 == names.len();
            let upper = names.get(k + 1).copied().unwrap_or(u64::MAX);
            let path = dir.join(segment_name(first));
            buf.clear();
            File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut buf))
                .map_err(io_err("read the segment", &path))?;
            let mut seg = Segment {
                first_id: first,
                len: buf.len() as u64,
                bad: Vec::new(),
            };
            let mut expected = first;
            let mut off = 0usize;
            let mut ends_bad = false;
            while off < buf.len() {
                let ids = expected..upper;
                if let Some((id, len)) = parse_frame(&buf[off..], &ids) {
                    if id >= acked {
                        pending += 1;
                        ack_pos.get_or_insert(Pos {
                            seg: first,
                            off: off as u64,
                        });
                    }
                    last_valid = Some(id);
                    expected = id + 1;
                    off += HEADER + len;
                    continue;
                }
                report.corrupted_regions += 1;
                match find_frame(&buf, off + 1, &ids) {
                    Some((next, id)) => {
                        report.corrupted_entries += lost(expected, id);
                        seg.bad.push(off as u64..next as u64);
                        off = next;
                    }
                    None if is_last => {
                        // A write torn by a crash (or a corrupt tail, indistinguishable):
                        // cut it so that appends continue after the last valid frame.
                        report.corrupted_entries += lost(expected, expected + 1);
                        report.torn_tail_bytes = (buf.len() - off) as u64;
                        OpenOptions::new()
                            .write(true)
                            .open(&path)
                            .and_then(|f| {
                                f.set_len(off as u64)?;
                                if fsync != FsyncPolicy::Never {
                                    f.sync_all()?;
                                }
                                Ok(())
                            })
                            .map_err(io_err("truncate the torn tail of", &path))?;
                        tracing::warn!(
                            path = %path.display(),
                            offset = off,
                            bytes = report.torn_tail_bytes,
                            "disk buffer: torn tail of the newest segment truncated"
                        );
                        seg.len = off as u64;
                        break;
                    }
                    None => {
                        report.corrupted_entries += lost(expected, upper);
                        seg.bad.push(off as u64..buf.len() as u64);
                        ends_bad = true;
                        break;
                    }
                }
            }
            if !is_last && !ends_bad && lost(expected, upper) > 0 {
                // Valid frames, but fewer than the next segment's name says: the file was cut
                // at a frame boundary.
                report.corrupted_regions += 1;
                report.corrupted_entries += lost(expected, upper);
            }
            if seg.len == 0 {
                fs::remove_file(&path).map_err(io_err("delete the empty segment", &path))?;
                report.deleted_segments += 1;
                continue;
            }
            segments.push_back(seg);
        }

        let mut next_id = last_valid.map_or(0, |i| i + 1).max(acked);
        if let Some(s) = segments.back() {
            // A newest segment without any valid frame: new ones must sort after it.
            next_id = next_id.max(s.first_id + 1);
        }
        let end = segments.back().map_or(
            Pos {
                seg: next_id,
                off: 0,
            },
            |s| Pos {
                seg: s.first_id,
                off: s.len,
            },
        );
        let ack_pos = ack_pos.unwrap_or(end);
        // Appends continue in the newest segment unless it ends in garbage.
        let active = match segments.back() {
            Some(s) if s.bad.last().is_none_or(|r| r.end < s.len) => {
                let path = dir.join(segment_name(s.first_id));
                Some(
                    OpenOptions::new()
                        .append(true)
                        .open(&path)
                        .map_err(io_err("open for appending", &path))?,
                )
            }
            _ => None,
        };
        let bytes_on_disk = segments.iter().map(|s| s.len).sum();
        let mut state = State {
            cache: ReadCache {
                dir: dir.clone(),
                seg: None,
                file: None,
                start: 0,
                buf: Vec::new(),
            },
            dir,
            max_bytes,
            segment_bytes,
            fsync,
            segments,
            active,
            dirty: false,
            last_sync: Instant::now(),
            next_id,
            acked,
            ack_pos,
            read_pos: ack_pos,
            read_next_id: acked,
            inflight: VecDeque::new(),
            pending_entries: pending,
            bytes_on_disk,
            wbuf: Vec::new(),
            appended: 0,
            committed: 0,
            full: 0,
            corrupted_skipped: report.corrupted_entries,
            corrupted_regions: report.corrupted_regions,
        };
        report.deleted_segments += state.delete_committed()?;
        report.segments = state.segments.len();
        report.pending_entries = state.pending_entries;
        report.pending_bytes = state.pending_bytes();
        Ok((state, report))
    }

    fn seg_index(&self, first: EntryId) -> Option<usize> {
        self.segments
            .binary_search_by_key(&first, |s| s.first_id)
            .ok()
    }

    fn seg_path(&self, first: EntryId) -> PathBuf {
        self.dir.join(segment_name(first))
    }

    /// Moves a position at the end of a closed segment to the start of the next one.
    fn normalize(&self, mut p: Pos) -> Pos {
        while let Some(i) = self.seg_index(p.seg) {
            let is_active = self.active.is_some() && i + 1 == self.segments.len();
            if is_active || p.off < self.segments[i].len {
                break;
            }
            p = Pos {
                seg: self
                    .segments
                    .get(i + 1)
                    .map_or(self.next_id, |n| n.first_id),
                off: 0,
            };
        }
        p
    }

    /// Bytes on disk from `p` to the end.
    fn bytes_from(&self, p: Pos) -> u64 {
        self.segments
            .iter()
            .map(|s| match s.first_id.cmp(&p.seg) {
                std::cmp::Ordering::Less => 0,
                std::cmp::Ordering::Equal => s.len.saturating_sub(p.off),
                std::cmp::Ordering::Greater => s.len,
            })
            .sum()
    }

    /// Deletes the closed segments before the oldest uncommitted entry; returns how many.
    fn delete_committed(&mut self) -> Result<usize, BufferError> {
        self.ack_pos = self.normalize(self.ack_pos);
        self.read_pos = self.normalize(self.read_pos);
        let mut deleted = 0;
        while let Some(front) = self.segments.front() {
            let is_active = self.active.is_some() && self.segments.len() == 1;
            if is_active || front.first_id >= self.ack_pos.seg {
                break;
            }
            let (first, len) = (front.first_id, front.len);
            let path = self.seg_path(first);
            self.cache.forget(first);
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_err("delete the committed segment", &path)(e));
                }
                _ => {}
            }
            self.bytes_on_disk = self.bytes_on_disk.saturating_sub(len);
            self.segments.pop_front();
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Stops appending to the newest segment (fsyncing it unless the policy is `Never`).
    fn close_active(&mut self) {
        if let Some(f) = self.active.take() {
            if self.dirty && self.fsync != FsyncPolicy::Never {
                if let Err(e) = f.sync_data() {
                    // Earlier appends already returned; all that is left is to say so.
                    tracing::warn!(dir = %self.dir.display(), error = %e,
                        "disk buffer: fsync of a closed segment failed");
                }
            }
            self.dirty = false;
        }
    }

    fn create_segment(&mut self) -> Result<(), BufferError> {
        let first = self.next_id;
        let path = self.seg_path(first);
        // Truncated in case a failed earlier attempt left a file of this name (nothing live
        // can have it: live names are all below `next_id`).
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|f| f.set_len(0).map(|()| f))
            .map_err(io_err("create the segment", &path))?;
        if self.fsync != FsyncPolicy::Never {
            sync_dir(&self.dir).map_err(io_err("fsync the directory", &self.dir))?;
        }
        self.segments.push_back(Segment {
            first_id: first,
            len: 0,
            bad: Vec::new(),
        });
        self.active = Some(file);
        Ok(())
    }

    pub(super) fn append(&mut self, entries: &[&[u8]]) -> Result<AppendOutcome, BufferError> {
        if entries.is_empty() {
            return Ok(AppendOutcome::Appended {
                ids: self.next_id..self.next_id,
            });
        }
        let mut batch = 0u64;
        for e in entries {
            if e.len() > u32::MAX as usize {
                return Err(self.too_large(e.len() as u64));
            }
            batch += (HEADER + e.len()) as u64;
        }
        if batch > self.max_bytes {
            return Err(self.too_large(batch));
        }
        let rolling = match (&self.active, self.segments.back()) {
            (Some(_), Some(s)) => s.len > 0 && s.len + batch > self.segment_bytes,
            _ => true,
        };
        if rolling {
            self.close_active();
            self.delete_committed()?;
        }
        if self.bytes_on_disk + batch > self.max_bytes {
            if self.active.is_some() && self.acked == self.next_id {
                // The newest segment holds only committed entries: reclaim it.
                self.close_active();
                self.delete_committed()?;
            }
            if self.bytes_on_disk + batch > self.max_bytes {
                self.full += 1;
                return Ok(AppendOutcome::Full);
            }
        }
        if self.active.is_none() {
            self.create_segment()?;
        }

        let first = self.next_id;
        self.wbuf.clear();
        for (k, e) in entries.iter().enumerate() {
            encode_frame(&mut self.wbuf, first + k as u64, e);
        }
        let Some(seg) = self.segments.back() else {
            return Err(self.no_segment());
        };
        let (seg_first, old_len) = (seg.first_id, seg.len);
        let always = self.fsync == FsyncPolicy::Always;
        let res = match self.active.as_mut() {
            Some(f) => {
                f.write_all(&self.wbuf)
                    .and_then(|()| if always { f.sync_data() } else { Ok(()) })
            }
            None => return Err(self.no_segment()),
        };
        if let Err(e) = res {
            // Nothing of the batch is kept: cut what was written and start a new segment
            // next time (if the cut failed too, the reader never looks past `len`).
            let path = self.seg_path(seg_first);
            if let Some(f) = self.active.take() {
                let _ = f.set_len(old_len);
            }
            if old_len == 0 {
                let _ = fs::remove_file(&path);
                self.segments.pop_back();
            }
            return Err(io_err("write to the segment", &path)(e));
        }
        if let Some(seg) = self.segments.back_mut() {
            seg.len += batch;
        }
        let n = entries.len() as u64;
        self.bytes_on_disk += batch;
        self.next_id += n;
        self.pending_entries += n;
        self.appended += n;
        self.dirty = !always;
        if let FsyncPolicy::EveryMillis(ms) = self.fsync {
            if self.last_sync.elapsed() >= Duration::from_millis(ms) {
                if let Err(e) = self.sync() {
                    // The batch is in the kernel already; a later sync may still succeed.
                    tracing::warn!(error = %e, "disk buffer: periodic fsync failed");
                }
            }
        }
        Ok(AppendOutcome::Appended {
            ids: first..self.next_id,
        })
    }

    fn too_large(&self, bytes: u64) -> BufferError {
        BufferError::TooLarge {
            dir: self.dir.clone(),
            bytes,
            max_bytes: self.max_bytes,
        }
    }

    fn no_segment(&self) -> BufferError {
        // Not reachable: a segment is created just before.
        io_err("append to", &self.dir)(io::Error::other("no segment open for appending"))
    }

    /// Forces the newest segment's appends to disk.
    pub(super) fn sync(&mut self) -> Result<(), BufferError> {
        if self.dirty {
            if let (Some(f), Some(s)) = (&self.active, self.segments.back()) {
                f.sync_data()
                    .map_err(io_err("fsync the segment", &self.seg_path(s.first_id)))?;
            }
            self.dirty = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// At drop: sync unless the policy leaves it to the OS.
    pub(super) fn close(&mut self) -> Result<(), BufferError> {
        if self.fsync == FsyncPolicy::Never {
            return Ok(());
        }
        self.sync()
    }

    /// The next valid entry at the read position, skipping (and counting, once) bad regions.
    fn peek(&mut self) -> Result<Option<Peeked>, BufferError> {
        loop {
            self.read_pos = self.normalize(self.read_pos);
            let Some(i) = self.seg_index(self.read_pos.seg) else {
                return Ok(None);
            };
            let seg = &self.segments[i];
            let (first, len, off) = (seg.first_id, seg.len, self.read_pos.off);
            if off >= len {
                return Ok(None);
            }
            if let Some(end) = seg.bad_end_at(off) {
                self.read_pos.off = end;
                continue;
            }
            let upper = self
                .segments
                .get(i + 1)
                .map_or(self.next_id, |n| n.first_id);
            let ids = first.max(self.read_next_id)..upper;
            let found = match self.cache.frame(first, len, off, &ids) {
                Ok(Some((id, plen))) => {
                    return Ok(Some(Peeked {
                        id,
                        pos: Pos { seg: first, off },
                        len: plen,
                    }))
                }
                Ok(None) => self.cache.resync(first, len, off, &ids),
                Err(e) => Err(e),
            };
            let next = match found {
                Ok(next) => next,
                // The file was shortened or removed behind our back: the rest of it is lost.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::UnexpectedEof
                    ) =>
                {
                    None
                }
                Err(e) => return Err(io_err("read the segment", &self.seg_path(first))(e)),
            };
            let (end, lost) = match next {
                Some((at, id)) => (at, id - ids.start),
                None => (len, upper.saturating_sub(ids.start)),
            };
            tracing::warn!(
                path = %self.seg_path(first).display(),
                offset = off,
                bytes = end - off,
                lost_entries = lost,
                "disk buffer: corrupt region skipped"
            );
            let seg = &mut self.segments[i];
            let at = seg.bad.partition_point(|r| r.start < off);
            seg.bad.insert(at, off..end);
            self.corrupted_regions += 1;
            self.corrupted_skipped += lost;
            self.pending_entries = self.pending_entries.saturating_sub(lost);
            self.read_pos.off = end;
        }
    }

    fn advance(&mut self, p: &Peeked) {
        self.read_pos = Pos {
            seg: p.pos.seg,
            off: p.pos.off + (HEADER + p.len) as u64,
        };
        self.read_next_id = p.id + 1;
    }

    pub(super) fn read(
        &mut self,
        max_entries: usize,
        max_bytes: usize,
    ) -> Result<Vec<(EntryId, Vec<u8>)>, BufferError> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        while out.len() < max_entries {
            let Some(p) = self.peek()? else { break };
            if !out.is_empty() && bytes.saturating_add(p.len) > max_bytes {
                break;
            }
            let seg_len = self
                .seg_index(p.pos.seg)
                .map_or(0, |i| self.segments[i].len);
            let payload = self
                .cache
                .payload(seg_len, &p)
                .map_err(io_err("read the segment", &self.seg_path(p.pos.seg)))?;
            bytes += p.len;
            self.advance(&p);
            self.inflight.push_back((p.id, p.pos));
            out.push((p.id, payload));
        }
        Ok(out)
    }

    /// Returns whether anything was handed out that will now be handed out again.
    pub(super) fn rewind(&mut self) -> bool {
        let again = self.read_pos != self.ack_pos;
        self.inflight.clear();
        self.read_pos = self.ack_pos;
        self.read_next_id = self.acked;
        again
    }

    pub(super) fn commit(&mut self, upto: EntryId) -> Result<(), BufferError> {
        if upto < self.acked {
            return Ok(());
        }
        if upto >= self.next_id {
            return Err(BufferError::CommitAhead {
                dir: self.dir.clone(),
                upto,
                last_appended: self.next_id.checked_sub(1),
            });
        }
        let mut n = 0u64;
        while self.inflight.front().is_some_and(|&(id, _)| id <= upto) {
            self.inflight.pop_front();
            n += 1;
        }
        let mut skipped = Ok(());
        if self.inflight.is_empty() {
            // Committing entries not handed out yet: skip over them.
            loop {
                match self.peek() {
                    Ok(Some(p)) if p.id <= upto => {
                        self.advance(&p);
                        n += 1;
                    }
                    Ok(_) => break,
                    Err(e) => {
                        skipped = Err(e);
                        break;
                    }
                }
            }
        }
        self.ack_pos = self.inflight.front().map_or(self.read_pos, |&(_, p)| p);
        self.acked = upto + 1;
        self.pending_entries = self.pending_entries.saturating_sub(n);
        self.committed += n;
        let cursor = self.write_cursor();
        let deleted = self.delete_committed().map(|_| ());
        // The newest segment, full-size and all committed, would be rolled at the next append
        // anyway: free its space now.
        let newest_done = self.acked == self.next_id
            && self
                .segments
                .back()
                .is_some_and(|s| s.len >= self.segment_bytes);
        let newest = if newest_done {
            self.close_active();
            self.delete_committed().map(|_| ())
        } else {
            Ok(())
        };
        skipped.and(cursor).and(deleted).and(newest)
    }

    /// Replaces the cursor file atomically: a temporary file, then a rename.
    fn write_cursor(&self) -> Result<(), BufferError> {
        let tmp = self.dir.join(CURSOR_TMP);
        let dst = self.dir.join(CURSOR_FILE);
        File::create(&tmp)
            .and_then(|mut f| {
                f.write_all(&encode_cursor(self.acked))?;
                if self.fsync != FsyncPolicy::Never {
                    f.sync_data()?;
                }
                Ok(())
            })
            .map_err(io_err("write the cursor file", &tmp))?;
        fs::rename(&tmp, &dst).map_err(io_err("replace the cursor file", &dst))?;
        if self.fsync == FsyncPolicy::Always {
            sync_dir(&self.dir).map_err(io_err("fsync the directory", &self.dir))?;
        }
        Ok(())
    }

    pub(super) fn pending_entries(&self) -> u64 {
        self.pending_entries
    }

    pub(super) fn pending_bytes(&self) -> u64 {
        self.bytes_from(self.ack_pos)
    }

    pub(super) fn has_unread(&self) -> bool {
        self.bytes_from(self.normalize(self.read_pos)) > 0
    }

    pub(super) fn stats(&self) -> BufferStats {
        BufferStats {
            appended: self.appended,
            committed: self.committed,
            full: self.full,
            corrupted_skipped: self.corrupted_skipped,
            corrupted_regions: self.corrupted_regions,
            pending_entries: self.pending_entries,
            pending_bytes: self.pending_bytes(),
            bytes_on_disk: self.bytes_on_disk,
            segments: self.segments.len(),
        }
    }
}
