use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::disk::{encode_cursor, frame_crc, segment_name, CURSOR_FILE, HEADER, MAGIC};
use super::*;

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "audit-otel-buffer-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&p);
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn opts(dir: &Path) -> DiskBufferOptions {
    DiskBufferOptions {
        dir: dir.to_path_buf(),
        max_bytes: 1 << 20,
        segment_bytes: 4096,
        fsync: FsyncPolicy::Never,
    }
}

fn open(o: &DiskBufferOptions) -> (DiskBuffer, OpenReport) {
    DiskBuffer::open(o.clone()).expect("open")
}

/// A payload that tells which entry it is: `len` bytes starting with `i`.
fn payload(i: u64, len: usize) -> Vec<u8> {
    let mut p = i.to_le_bytes().to_vec();
    p.extend((0..len).map(|k| (k as u64).wrapping_mul(31).wrapping_add(i) as u8));
    p.truncate(len.max(8));
    p
}

fn frame_len(payload_len: usize) -> u64 {
    (HEADER + payload_len) as u64
}

fn append_one(b: &DiskBuffer, p: &[u8]) -> EntryId {
    match b.append(&[p]).expect("append") {
        AppendOutcome::Appended { ids } => {
            assert_eq!(ids.end - ids.start, 1);
            ids.start
        }
        AppendOutcome::Full => panic!("unexpectedly full"),
    }
}

fn append_n(b: &DiskBuffer, from: u64, n: u64, len: usize) -> Vec<Vec<u8>> {
    (from..from + n)
        .map(|i| {
            let p = payload(i, len);
            assert_eq!(append_one(b, &p), i);
            p
        })
        .collect()
}

fn read_all(b: &DiskBuffer) -> Vec<(EntryId, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        let got = b.read(7, 1 << 20).expect("read");
        if got.is_empty() {
            return out;
        }
        out.extend(got);
    }
}

fn ids(v: &[(EntryId, Vec<u8>)]) -> Vec<EntryId> {
    v.iter().map(|(i, _)| *i).collect()
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    v.sort();
    v
}

fn flip(path: &Path, at: u64) {
    let mut bytes = fs::read(path).expect("read segment");
    bytes[at as usize] ^= 0x5A;
    fs::write(path, bytes).expect("write segment");
}

#[test]
fn buffer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<DiskBuffer>();
    assert_send_sync::<Arc<DiskBuffer>>();
}

#[test]
fn frame_and_cursor_format_are_as_documented() {
    let t = TempDir::new("format");
    let (b, report) = open(&opts(t.path()));
    assert_eq!(report.cursor, CursorState::Missing);
    assert_eq!(
        b.append(&[b"hello"]).unwrap(),
        AppendOutcome::Appended { ids: 0..1 }
    );
    let seg = fs::read(t.path().join("00000000000000000000.seg")).unwrap();
    assert_eq!(seg.len(), HEADER + 5);
    assert_eq!(seg[..4], MAGIC);
    assert_eq!(seg[4..8], 5u32.to_le_bytes());
    assert_eq!(seg[8..12], frame_crc(5, 0, b"hello").to_le_bytes());
    assert_eq!(seg[12..20], 0u64.to_le_bytes());
    assert_eq!(&seg[20..], b"hello");
    assert_eq!(segment_name(42), "00000000000000000042.seg");

    assert_eq!(b.read(10, 100).unwrap(), vec![(0, b"hello".to_vec())]);
    b.commit(0).unwrap();
    let cursor = fs::read(t.path().join(CURSOR_FILE)).unwrap();
    assert_eq!(cursor, encode_cursor(1));
    assert_eq!(&cursor[..4], b"AOCR");
    assert_eq!(cursor[4..12], 1u64.to_le_bytes());
    assert!(!t.path().join("cursor.tmp").exists());
}

#[test]
fn append_read_commit_in_order() {
    let t = TempDir::new("order");
    let (b, _) = open(&opts(t.path()));
    let p: Vec<Vec<u8>> = (0..10).map(|i| payload(i, 30)).collect();
    let refs: Vec<&[u8]> = p.iter().map(Vec::as_slice).collect();
    assert_eq!(
        b.append(&refs[..4]).unwrap(),
        AppendOutcome::Appended { ids: 0..4 }
    );
    assert_eq!(
        b.append(&refs[4..]).unwrap(),
        AppendOutcome::Appended { ids: 4..10 }
    );
    assert_eq!(
        b.append(&[]).unwrap(),
        AppendOutcome::Appended { ids: 10..10 }
    );
    assert_eq!(b.pending_entries(), 10);
    assert_eq!(b.pending_bytes(), 10 * frame_len(30));
    assert!(b.has_unread());

    let first = b.read(3, 1 << 20).unwrap();
    assert_eq!(
        first,
        (0..3)
            .map(|i| (i, p[i as usize].clone()))
            .collect::<Vec<_>>()
    );
    let rest = read_all(&b);
    assert_eq!(ids(&rest), (3..10).collect::<Vec<_>>());
    assert_eq!(rest[6].1, p[9]);
    assert!(!b.has_unread());
    assert!(b.read(10, 1 << 20).unwrap().is_empty());

    b.commit(4).unwrap();
    assert_eq!(b.pending_entries(), 5);
    assert_eq!(b.pending_bytes(), 5 * frame_len(30));
    b.commit(2).unwrap(); // older than what is committed: nothing to do
    assert_eq!(b.pending_entries(), 5);
    b.commit(9).unwrap();
    assert_eq!(b.pending_entries(), 0);
    assert_eq!(b.pending_bytes(), 0);
    let s = b.stats();
    assert_eq!((s.appended, s.committed, s.corrupted_skipped), (10, 10, 0));
}

#[test]
fn read_limits_entries_and_bytes_but_always_returns_one() {
    let t = TempDir::new("limits");
    let (b, _) = open(&opts(t.path()));
    append_n(&b, 0, 5, 100);
    assert_eq!(ids(&b.read(2, 1 << 20).unwrap()), [0, 1]);
    assert_eq!(ids(&b.read(10, 250).unwrap()), [2, 3]);
    assert_eq!(
        ids(&b.read(10, 10).unwrap()),
        [4],
        "one entry even if too large"
    );
    assert!(b.read(0, 1 << 20).unwrap().is_empty());
}

#[test]
fn rewind_redelivers_what_was_not_committed() {
    let t = TempDir::new("rewind");
    let (b, _) = open(&opts(t.path()));
    let p = append_n(&b, 0, 8, 20);
    assert_eq!(ids(&b.read(5, 1 << 20).unwrap()), [0, 1, 2, 3, 4]);
    b.commit(1).unwrap();
    assert_eq!(ids(&b.read(2, 1 << 20).unwrap()), [5, 6]);
    b.rewind();
    let again = read_all(&b);
    assert_eq!(ids(&again), [2, 3, 4, 5, 6, 7]);
    assert_eq!(again[0].1, p[2]);
    b.rewind();
    b.rewind();
    assert_eq!(ids(&b.read(1, 1 << 20).unwrap()), [2]);
    assert_eq!(b.pending_entries(), 6);
}

#[test]
fn commit_beyond_what_was_read_skips_those_entries() {
    let t = TempDir::new("commit-ahead-of-read");
    let (b, _) = open(&opts(t.path()));
    append_n(&b, 0, 6, 20);
    assert_eq!(ids(&b.read(1, 1 << 20).unwrap()), [0]);
    b.commit(3).unwrap();
    assert_eq!(b.pending_entries(), 2);
    assert_eq!(ids(&read_all(&b)), [4, 5]);
}

#[test]
fn commit_of_an_id_never_appended_is_an_error() {
    let t = TempDir::new("commit-unknown");
    let (b, _) = open(&opts(t.path()));
    let err = b.commit(0).unwrap_err();
    assert!(matches!(
        err,
        BufferError::CommitAhead {
            upto: 0,
            last_appended: None,
            ..
        }
    ));
    append_n(&b, 0, 2, 10);
    let err = b.commit(5).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("last appended entry is 1"), "{msg}");
    assert!(msg.contains(&t.path().display().to_string()), "{msg}");
    assert_eq!(b.pending_entries(), 2);
}

#[test]
fn restart_recovers_only_uncommitted_entries() {
    let t = TempDir::new("restart");
    let o = opts(t.path());
    let p = {
        let (b, _) = open(&o);
        let p = append_n(&b, 0, 10, 40);
        assert_eq!(read_all(&b).len(), 10);
        b.commit(5).unwrap();
        p
    };
    let (b, report) = open(&o);
    assert_eq!(report.cursor, CursorState::Restored);
    assert_eq!(report.pending_entries, 4);
    assert_eq!(report.pending_bytes, 4 * frame_len(40));
    assert_eq!((report.corrupted_entries, report.corrupted_regions), (0, 0));
    let got = read_all(&b);
    assert_eq!(ids(&got), [6, 7, 8, 9]);
    assert_eq!(got[0].1, p[6]);
    assert_eq!(append_one(&b, b"next"), 10, "ids go on after a restart");
}

#[test]
fn crash_without_commit_redelivers_every_uncommitted_entry() {
    let t = TempDir::new("crash");
    let o = DiskBufferOptions {
        fsync: FsyncPolicy::EveryMillis(60_000),
        ..opts(t.path())
    };
    let (b, _) = open(&o);
    let p = append_n(&b, 0, 12, 25);
    assert_eq!(b.read(6, 1 << 20).unwrap().len(), 6);
    b.commit(2).unwrap();
    // SIGKILL: no drop, no sync, no commit of what was handed out.
    std::mem::forget(b);

    let (b, report) = open(&o);
    assert_eq!(report.pending_entries, 9);
    let got = read_all(&b);
    assert_eq!(ids(&got), (3..12).collect::<Vec<_>>());
    assert!(got.iter().all(|(i, v)| *v == p[*i as usize]));
}

#[test]
fn torn_tail_is_truncated_counted_and_the_rest_is_read() {
    let t = TempDir::new("torn");
    let o = opts(t.path());
    {
        let (b, _) = open(&o);
        append_n(&b, 0, 5, 50);
    }
    let seg = t.path().join(segment_name(0));
    let full = fs::metadata(&seg).unwrap().len();
    assert_eq!(full, 5 * frame_len(50));
    // The last write was torn by the crash: 7 bytes of entry 4 never reached the disk.
    fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(full - 7)
        .unwrap();

    let (b, report) = open(&o);
    assert_eq!(report.torn_tail_bytes, frame_len(50) - 7);
    assert_eq!((report.corrupted_entries, report.corrupted_regions), (1, 1));
    assert_eq!(report.pending_entries, 4);
    assert_eq!(b.stats().corrupted_skipped, 1);
    assert_eq!(fs::metadata(&seg).unwrap().len(), 4 * frame_len(50));
    assert_eq!(ids(&read_all(&b)), [0, 1, 2, 3]);
    // Appends go on after the last valid frame, and the next open finds nothing wrong.
    assert_eq!(append_one(&b, &payload(4, 50)), 4);
    drop(b);
    let (b, report) = open(&o);
    assert_eq!((report.corrupted_entries, report.torn_tail_bytes), (0, 0));
    assert_eq!(ids(&read_all(&b)), [0, 1, 2, 3, 4]);
}

#[test]
fn torn_header_of_the_only_entry_leaves_an_empty_buffer() {
    let t = TempDir::new("torn-header");
    let o = opts(t.path());
    {
        let (b, _) = open(&o);
        append_n(&b, 0, 1, 50);
    }
    let seg = t.path().join(segment_name(0));
    fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(9)
        .unwrap();
    let (b, report) = open(&o);
    assert_eq!(report.torn_tail_bytes, 9);
    assert_eq!(report.corrupted_entries, 1);
    assert_eq!(report.segments, 0);
    assert_eq!(report.deleted_segments, 1);
    assert!(segment_files(t.path()).is_empty());
    assert!(read_all(&b).is_empty());
    assert_eq!(append_one(&b, b"again"), 0);
    assert_eq!(read_all(&b), vec![(0, b"again".to_vec())]);
}

/// Flips a byte at `at_in_frame` of entry 4 of 10 (100-byte payloads) and checks that only
/// entry 4 is lost, counted once.
fn corrupt_entry_4_at(at_in_frame: u64, name: &str) {
    let t = TempDir::new(name);
    let o = opts(t.path());
    let p = {
        let (b, _) = open(&o);
        append_n(&b, 0, 10, 100)
    };
    let seg = t.path().join(segment_name(0));
    flip(&seg, 4 * frame_len(100) + at_in_frame);

    let (b, report) = open(&o);
    assert_eq!(report.corrupted_entries, 1, "{name}");
    assert_eq!(report.corrupted_regions, 1, "{name}");
    assert_eq!(report.torn_tail_bytes, 0, "{name}");
    assert_eq!(report.pending_entries, 9, "{name}");
    let got = read_all(&b);
    assert_eq!(ids(&got), [0, 1, 2, 3, 5, 6, 7, 8, 9], "{name}");
    assert!(got.iter().all(|(i, v)| *v == p[*i as usize]), "{name}");
    // Re-reading the same region does not count it again.
    b.rewind();
    assert_eq!(read_all(&b).len(), 9);
    let s = b.stats();
    assert_eq!((s.corrupted_skipped, s.corrupted_regions), (1, 1), "{name}");
    b.commit(9).unwrap();
    assert_eq!(b.pending_entries(), 0, "{name}");
}

#[test]
fn corrupt_payload_in_the_middle_is_skipped_and_counted() {
    corrupt_entry_4_at(HEADER as u64 + 50, "corrupt-payload");
}

#[test]
fn corrupt_magic_in_the_middle_is_skipped_and_counted() {
    corrupt_entry_4_at(1, "corrupt-magic");
}

#[test]
fn corrupt_length_in_the_middle_is_skipped_and_counted() {
    corrupt_entry_4_at(7, "corrupt-length");
}

#[test]
fn corrupt_id_in_the_middle_is_skipped_and_counted() {
    corrupt_entry_4_at(13, "corrupt-id");
}

#[test]
fn corruption_appearing_while_open_is_found_by_the_reader() {
    let t = TempDir::new("corrupt-live");
    let (b, _) = open(&opts(t.path()));
    let p = append_n(&b, 0, 10, 100);
    flip(&t.path().join(segment_name(0)), 6 * frame_len(100) + 60);
    assert_eq!(ids(&b.read(2, 1 << 20).unwrap()), [0, 1]);
    let got = read_all(&b);
    assert_eq!(ids(&got), [2, 3, 4, 5, 7, 8, 9]);
    assert!(got.iter().all(|(i, v)| *v == p[*i as usize]));
    assert_eq!(b.stats().corrupted_skipped, 1);
    assert_eq!(b.pending_entries(), 9);
    b.rewind();
    assert_eq!(read_all(&b).len(), 9);
    assert_eq!(b.stats().corrupted_regions, 1, "counted once");
}

#[test]
fn corrupt_end_of_an_older_segment_skips_to_the_next_segment() {
    let t = TempDir::new("corrupt-segment-end");
    let o = DiskBufferOptions {
        segment_bytes: 5 * frame_len(60),
        ..opts(t.path())
    };
    {
        let (b, _) = open(&o);
        append_n(&b, 0, 15, 60);
    }
    let files = segment_files(t.path());
    assert_eq!(files, [segment_name(0), segment_name(5), segment_name(10)]);
    // Entries 3 and 4 (the end of the first segment): magic bytes gone, no frame to resync to.
    let seg = t.path().join(segment_name(0));
    flip(&seg, 3 * frame_len(60));
    flip(&seg, 4 * frame_len(60));

    let (b, report) = open(&o);
    assert_eq!((report.corrupted_entries, report.corrupted_regions), (2, 1));
    assert_eq!(report.torn_tail_bytes, 0, "not the newest segment: not cut");
    let got = read_all(&b);
    assert_eq!(ids(&got), [0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    b.commit(14).unwrap();
    assert_eq!(b.pending_entries(), 0);
    assert!(
        segment_files(t.path()).is_empty(),
        "all committed: all deleted"
    );
}

#[test]
fn a_segment_of_garbage_is_skipped_whole() {
    let t = TempDir::new("garbage-segment");
    let o = DiskBufferOptions {
        segment_bytes: 3 * frame_len(10),
        ..opts(t.path())
    };
    {
        let (b, _) = open(&o);
        append_n(&b, 0, 9, 10);
    }
    fs::write(t.path().join(segment_name(3)), vec![0xA5; 200]).unwrap();
    // And files that are not segments are left alone.
    fs::write(t.path().join("notes.txt"), b"keep me").unwrap();
    let (b, report) = open(&o);
    assert_eq!((report.corrupted_entries, report.corrupted_regions), (3, 1));
    assert_eq!(ids(&read_all(&b)), [0, 1, 2, 6, 7, 8]);
    assert!(t.path().join("notes.txt").exists());
}

#[test]
fn segments_roll_and_committed_ones_are_deleted() {
    let t = TempDir::new("roll");
    let o = DiskBufferOptions {
        segment_bytes: 10 * frame_len(80),
        ..opts(t.path())
    };
    let (b, _) = open(&o);
    append_n(&b, 0, 50, 80);
    let names: Vec<String> = [0, 10, 20, 30, 40].map(segment_name).to_vec();
    assert_eq!(segment_files(t.path()), names);
    assert_eq!(b.stats().bytes_on_disk, 50 * frame_len(80));
    assert_eq!(b.stats().segments, 5);

    assert_eq!(b.read(25, 1 << 20).unwrap().len(), 25);
    b.commit(24).unwrap();
    assert_eq!(segment_files(t.path()), names[2..]);
    assert_eq!(b.stats().bytes_on_disk, 30 * frame_len(80));
    assert_eq!(b.pending_bytes(), 25 * frame_len(80));

    assert_eq!(read_all(&b).len(), 25);
    b.commit(49).unwrap();
    // The newest segment was full-size, so it goes too.
    assert!(segment_files(t.path()).is_empty());
    assert_eq!(b.stats().bytes_on_disk, 0);
    drop(b);

    let (b, report) = open(&o);
    assert_eq!((report.pending_entries, report.segments), (0, 0));
    assert_eq!(append_one(&b, b"fifty"), 50);
    assert_eq!(segment_files(t.path()), [segment_name(50)]);
}

#[test]
fn ids_are_not_reused_below_the_cursor_after_segments_are_gone() {
    // If ids restarted at 0 with a cursor saying "0..3 committed", the next entries would count
    // as committed and be lost at the next restart.
    let t = TempDir::new("ids-after-cursor");
    let o = opts(t.path());
    {
        let (b, _) = open(&o);
        append_n(&b, 0, 3, 10);
        read_all(&b);
        b.commit(2).unwrap();
    }
    for f in segment_files(t.path()) {
        fs::remove_file(t.path().join(f)).unwrap();
    }
    {
        let (b, report) = open(&o);
        assert_eq!(report.cursor, CursorState::Restored);
        assert_eq!(append_one(&b, b"new"), 3);
    }
    let (b, report) = open(&o);
    assert_eq!(report.pending_entries, 1);
    assert_eq!(read_all(&b), vec![(3, b"new".to_vec())]);
}

#[test]
fn missing_or_corrupt_cursor_starts_from_the_oldest_segment() {
    let t = TempDir::new("cursor");
    let o = opts(t.path());
    {
        let (b, _) = open(&o);
        append_n(&b, 0, 6, 10);
        read_all(&b);
        b.commit(3).unwrap();
    }
    let cursor = t.path().join(CURSOR_FILE);
    let mut bytes = fs::read(&cursor).unwrap();
    bytes[5] ^= 1;
    fs::write(&cursor, &bytes).unwrap();
    {
        let (b, report) = open(&o);
        assert_eq!(report.cursor, CursorState::Corrupt);
        assert_eq!(
            ids(&read_all(&b)),
            [0, 1, 2, 3, 4, 5],
            "duplicates, not loss"
        );
    }
    fs::remove_file(&cursor).unwrap();
    let (b, report) = open(&o);
    assert_eq!(report.cursor, CursorState::Missing);
    assert_eq!(report.pending_entries, 6);
    assert_eq!(read_all(&b).len(), 6);
}

#[test]
fn full_when_max_bytes_is_reached_and_space_is_freed_by_commit() {
    let t = TempDir::new("full");
    let o = DiskBufferOptions {
        max_bytes: 20 * frame_len(80),
        segment_bytes: 5 * frame_len(80),
        ..opts(t.path())
    };
    let (b, _) = open(&o);
    append_n(&b, 0, 20, 80);
    let p = payload(20, 80);
    assert_eq!(b.append(&[&p]).unwrap(), AppendOutcome::Full);
    assert_eq!(b.append(&[&p]).unwrap(), AppendOutcome::Full);
    let s = b.stats();
    assert_eq!(
        (s.full, s.appended, s.bytes_on_disk),
        (2, 20, 20 * frame_len(80))
    );

    // Committing part of a segment frees nothing; committing a whole one does.
    assert_eq!(b.read(7, 1 << 20).unwrap().len(), 7);
    b.commit(3).unwrap();
    assert_eq!(b.append(&[&p]).unwrap(), AppendOutcome::Full);
    b.commit(6).unwrap();
    assert_eq!(
        b.append(&[&p]).unwrap(),
        AppendOutcome::Appended { ids: 20..21 }
    );
    assert_eq!(ids(&read_all(&b)), (7..21).collect::<Vec<_>>());
}

#[test]
fn a_batch_that_can_never_fit_is_an_error_not_full() {
    let t = TempDir::new("too-large");
    let o = DiskBufferOptions {
        max_bytes: 1000,
        segment_bytes: 500,
        ..opts(t.path())
    };
    let (b, _) = open(&o);
    let big = vec![7u8; 990];
    let err = b.append(&[&big]).unwrap_err();
    assert!(matches!(
        err,
        BufferError::TooLarge {
            bytes: 1010,
            max_bytes: 1000,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(msg.contains("raise max_bytes") && msg.contains(&t.path().display().to_string()));
    assert!(!msg.contains("\u{7}"), "no payload in messages");
    assert_eq!(b.pending_entries(), 0);
    // A batch over segment_bytes but within max_bytes is fine: it takes a segment of its own.
    let half = vec![1u8; 300];
    assert_eq!(
        b.append(&[&half, &half]).unwrap(),
        AppendOutcome::Appended { ids: 0..2 }
    );
}

#[test]
fn options_and_unusable_directories_are_reported_with_path_and_fix() {
    let t = TempDir::new("bad-options");
    let err = DiskBuffer::open(DiskBufferOptions {
        max_bytes: 1000,
        segment_bytes: 600,
        ..opts(t.path())
    })
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, BufferError::InvalidOptions { .. }));
    assert!(
        msg.contains("lower segment_bytes or raise max_bytes"),
        "{msg}"
    );

    fs::create_dir_all(t.path()).unwrap();
    let file = t.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    let err = DiskBuffer::open(opts(&file)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(msg.contains("fix the path"), "{msg}");

    // A directory created with its parents.
    let nested = t.path().join("a/b/c");
    let (b, report) = open(&opts(&nested));
    assert_eq!(report.segments, 0);
    assert_eq!(b.dir(), nested);
}

#[test]
fn every_fsync_policy_keeps_the_entries() {
    for (k, fsync) in [
        FsyncPolicy::Always,
        FsyncPolicy::EveryMillis(1),
        FsyncPolicy::Never,
    ]
    .into_iter()
    .enumerate()
    {
        let t = TempDir::new(&format!("fsync-{k}"));
        let o = DiskBufferOptions {
            fsync,
            segment_bytes: 3 * frame_len(10),
            ..opts(t.path())
        };
        {
            let (b, _) = open(&o);
            append_n(&b, 0, 5, 10);
            std::thread::sleep(Duration::from_millis(2));
            append_n(&b, 5, 5, 10);
            b.sync().unwrap();
            assert_eq!(read_all(&b).len(), 10);
            b.commit(1).unwrap();
        }
        let (b, report) = open(&o);
        assert_eq!(report.pending_entries, 8, "{fsync:?}");
        assert_eq!(ids(&read_all(&b)), (2..10).collect::<Vec<_>>(), "{fsync:?}");
    }
}

#[test]
fn wait_for_data_wakes_on_an_append_from_another_thread() {
    let t = TempDir::new("wait");
    let (b, _) = open(&opts(t.path()));
    let b = Arc::new(b);
    assert!(!b.wait_for_data(Duration::from_millis(20)));
    let writer = {
        let b = Arc::clone(&b);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            append_one(&b, b"wake up");
        })
    };
    assert!(b.wait_for_data(Duration::from_secs(10)));
    writer.join().unwrap();
    assert_eq!(read_all(&b), vec![(0, b"wake up".to_vec())]);
    assert!(!b.wait_for_data(Duration::from_millis(1)));
    b.rewind();
    assert!(
        b.wait_for_data(Duration::from_millis(1)),
        "rewound entries are data again"
    );
}

#[test]
fn notify_wakes_an_async_reader_and_space_notify_a_blocked_writer() {
    let t = TempDir::new("notify");
    let o = DiskBufferOptions {
        max_bytes: 4 * frame_len(10),
        segment_bytes: frame_len(10),
        ..opts(t.path())
    };
    let (b, _) = open(&o);
    let b = Arc::new(b);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let reader = {
            let b = Arc::clone(&b);
            tokio::spawn(async move {
                let notify = b.notify();
                let mut got = Vec::new();
                while got.len() < 6 {
                    let batch = b.read(10, 1 << 20).unwrap();
                    if batch.is_empty() {
                        tokio::time::timeout(Duration::from_secs(10), notify.notified())
                            .await
                            .expect("woken by an append");
                        continue;
                    }
                    let last = batch.last().unwrap().0;
                    got.extend(ids(&batch));
                    b.commit(last).unwrap();
                }
                got
            })
        };
        let space = b.space_notify();
        let mut next = 0;
        while next < 6 {
            match b.append(&[&payload(next, 10)]).unwrap() {
                AppendOutcome::Appended { .. } => next += 1,
                AppendOutcome::Full => {
                    tokio::time::timeout(Duration::from_secs(10), space.notified())
                        .await
                        .expect("woken by a commit");
                }
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(reader.await.unwrap(), [0, 1, 2, 3, 4, 5]);
    });
}

/// Random byte flips and truncations anywhere: opening never fails or panics, and what is
/// delivered is a subsequence of what was appended, in order, each entry intact.
#[test]
fn random_damage_never_panics_and_delivers_only_intact_entries_in_order() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for round in 0..40 {
        let t = TempDir::new(&format!("damage-{round}"));
        let o = DiskBufferOptions {
            segment_bytes: 600,
            ..opts(t.path())
        };
        let n = rng.random_range(1..40u64);
        let p: Vec<Vec<u8>> = {
            let (b, _) = open(&o);
            (0..n)
                .map(|i| {
                    let p = payload(i, rng.random_range(0..90));
                    assert_eq!(append_one(&b, &p), i);
                    p
                })
                .collect()
        };
        // A cut of the newest segment at a frame boundary looks like fewer appends: it is
        // the one loss that cannot be detected.
        let mut newest_cut = false;
        for _ in 0..rng.random_range(1..6) {
            let files = segment_files(t.path());
            let k = rng.random_range(0..files.len());
            let f = t.path().join(&files[k]);
            let mut bytes = fs::read(&f).unwrap();
            if bytes.is_empty() {
                continue;
            }
            if rng.random_bool(0.2) {
                newest_cut |= k + 1 == files.len();
                bytes.truncate(rng.random_range(0..bytes.len()));
            } else {
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..bytes.len());
                    bytes[at] = rng.random();
                }
            }
            fs::write(&f, bytes).unwrap();
        }
        let (b, report) = open(&o);
        let got = read_all(&b);
        let got_ids = ids(&got);
        assert!(got_ids.windows(2).all(|w| w[0] < w[1]), "round {round}");
        assert!(
            got.iter().all(|(i, v)| *i < n && *v == p[*i as usize]),
            "round {round}"
        );
        assert_eq!(report.pending_entries, got.len() as u64, "round {round}");
        let lost = n - got.len() as u64;
        assert!(
            report.corrupted_entries <= lost,
            "round {round}: lost {lost}, counted {}",
            report.corrupted_entries
        );
        if lost > 0 && !newest_cut {
            assert!(
                report.corrupted_entries > 0,
                "round {round}: loss not counted"
            );
        }
        // The buffer stays usable.
        let next = append_one(&b, b"after");
        assert!(next >= got_ids.last().map_or(0, |l| l + 1));
        assert_eq!(read_all(&b), vec![(next, b"after".to_vec())]);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<usize>),
    Read(usize, usize),
    Rewind,
    Commit(prop::sample::Index),
    Reopen,
    Crash,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => prop::collection::vec(0usize..120, 1..6).prop_map(Op::Append),
        4 => (1usize..10, 1usize..400).prop_map(|(n, b)| Op::Read(n, b)),
        1 => Just(Op::Rewind),
        3 => any::<prop::sample::Index>().prop_map(Op::Commit),
        1 => Just(Op::Reopen),
        1 => Just(Op::Crash),
    ]
}

const MODEL_MAX: u64 = 3000;
const MODEL_SEGMENT: u64 = 600;

fn check_model(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let t = TempDir::new("model");
    let o = DiskBufferOptions {
        max_bytes: MODEL_MAX,
        segment_bytes: MODEL_SEGMENT,
        ..opts(t.path())
    };
    let (mut b, _) = open(&o);
    // Appended and not committed, oldest first; the first `handed` of them were read.
    let mut model: VecDeque<(EntryId, Vec<u8>)> = VecDeque::new();
    let mut handed = 0usize;
    let mut counter = 0u64;
    let mut last_id: Option<EntryId> = None;
    let frame_bytes = |m: &VecDeque<(EntryId, Vec<u8>)>| -> u64 {
        m.iter().map(|(_, v)| frame_len(v.len())).sum()
    };
    for op in ops {
        match op {
            Op::Append(lens) => {
                let batch: Vec<Vec<u8>> = lens
                    .iter()
                    .map(|&l| {
                        counter += 1;
                        payload(counter, l)
                    })
                    .collect();
                let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
                let batch_bytes: u64 = batch.iter().map(|v| frame_len(v.len())).sum();
                match b.append(&refs).unwrap() {
                    AppendOutcome::Appended { ids } => {
                        prop_assert_eq!(ids.end - ids.start, batch.len() as u64);
                        prop_assert!(last_id.is_none_or(|l| ids.start > l));
                        last_id = Some(ids.end - 1);
                        model.extend(ids.zip(batch));
                    }
                    AppendOutcome::Full => {
                        // Full only when it really is: pending entries, at most one
                        // partly committed segment and the batch exceed max_bytes.
                        let slack = MODEL_SEGMENT.max(6 * frame_len(120));
                        prop_assert!(
                            frame_bytes(&model) + slack + batch_bytes > MODEL_MAX,
                            "full too early: pending {} batch {}",
                            frame_bytes(&model),
                            batch_bytes
                        );
                    }
                }
            }
            Op::Read(n, max_bytes) => {
                let got = b.read(n, max_bytes).unwrap();
                let mut want = Vec::new();
                let mut bytes = 0;
                for (id, v) in model.iter().skip(handed) {
                    if want.len() == n || (!want.is_empty() && bytes + v.len() > max_bytes) {
                        break;
                    }
                    bytes += v.len();
                    want.push((*id, v.clone()));
                }
                prop_assert_eq!(&got, &want);
                handed += got.len();
            }
            Op::Rewind => {
                b.rewind();
                handed = 0;
            }
            Op::Commit(ix) => {
                if model.is_empty() {
                    continue;
                }
                let k = ix.index(model.len());
                b.commit(model[k].0).unwrap();
                model.drain(..=k);
                handed = handed.saturating_sub(k + 1);
            }
            Op::Reopen | Op::Crash => {
                if matches!(op, Op::Crash) {
                    std::mem::forget(b);
                } else {
                    drop(b);
                }
                let (nb, report) = open(&o);
                b = nb;
                prop_assert_eq!(report.pending_entries, model.len() as u64);
                prop_assert_eq!(report.corrupted_regions, 0);
                handed = 0;
            }
        }
        let s = b.stats();
        prop_assert_eq!(s.pending_entries, model.len() as u64);
        prop_assert_eq!(s.pending_bytes, frame_bytes(&model));
        prop_assert!(s.bytes_on_disk <= MODEL_MAX);
        let files = segment_files(t.path());
        prop_assert_eq!(files.len(), s.segments);
        let on_disk: u64 = files
            .iter()
            .map(|f| fs::metadata(t.path().join(f)).unwrap().len())
            .sum();
        prop_assert_eq!(on_disk, s.bytes_on_disk);
    }
    b.rewind();
    let rest = read_all(&b);
    prop_assert_eq!(rest, model.into_iter().collect::<Vec<_>>());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Against a VecDeque model: no entry lost, none reordered, none delivered after commit,
    /// through reads, rewinds, commits, clean reopens and crashes.
    #[test]
    fn model_append_read_commit_reopen(ops in prop::collection::vec(op(), 1..60)) {
        check_model(ops)?;
    }
}
