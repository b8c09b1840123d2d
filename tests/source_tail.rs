//! The `tail` source end to end: real files written while a real pipeline follows them, a
//! `type: file` sink, and the event ids that arrive there. Dedup is off in these pipelines, so
//! a line read twice would show up twice: no duplicates means the source itself did not re-send.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit_otel::generate::{Generator, GeneratorOptions, LineKind};
use audit_otel::pipeline::config::PipelineConfig;
use audit_otel::pipeline::stats::PipelineStats;
use audit_otel::pipeline::{Pipeline, RunError, RunHandle, RunSummary};

const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A temporary folder with the followed file, the sink's output and the dead letters.
struct Env {
    dir: PathBuf,
    input: PathBuf,
    out: PathBuf,
    dead: PathBuf,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = std::env::temp_dir().join(format!(
            "audit-otel-tail-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        fs::create_dir_all(&dir).unwrap();
        Env {
            input: dir.join("audit.ndjson"),
            out: dir.join("out.ndjson"),
            dead: dir.join("dead.ndjson"),
            dir,
        }
    }

    fn checkpoint(&self) -> PathBuf {
        self.dir.join("audit.ndjson.checkpoint")
    }

    /// The pipeline, with extra lines for the tail source (indented by 4).
    fn yaml(&self, source_extra: &str) -> String {
        self.yaml_to(&self.out, source_extra)
    }

    fn yaml_to(&self, out: &Path, source_extra: &str) -> String {
        format!(
            "sources:\n  - type: tail\n    path: {}\n    poll_interval_ms: 20\n{source_extra}\
             sinks:\n  - type: file\n    path: {}\n\
             dead_letter:\n  path: {}\n\
             dedup:\n  enabled: false\n\
             shutdown:\n  drain_timeout_secs: 5\n",
            self.input.display(),
            out.display(),
            self.dead.display(),
        )
    }

    fn append(&self, bytes: &[u8]) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.input)
            .unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Realistic events from the crate's generator; ids are unique across calls.
struct Events(Generator);

impl Events {
    fn new(seed: u64) -> Events {
        Events(Generator::new(GeneratorOptions {
            seed,
            ..GeneratorOptions::default()
        }))
    }

    /// `n` NDJSON lines (each with its newline) and their event ids.
    fn lines(&mut self, n: usize) -> (Vec<u8>, Vec<String>) {
        let mut out = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..n {
            let (line, id) = self.one();
            out.extend_from_slice(&line);
            out.push(b'\n');
            ids.push(id);
        }
        (out, ids)
    }

    /// One line without its newline, and its id.
    fn one(&mut self) -> (Vec<u8>, String) {
        let mut line = Vec::new();
        let kind = self.0.write_line(&mut line);
        assert!(matches!(kind, LineKind::Event { .. }));
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        (line, v["id"].as_str().unwrap().to_owned())
    }
}

/// Captured log lines of one test's runtime.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// A multi-thread runtime whose threads log here.
    fn runtime(&self) -> tokio::runtime::Runtime {
        let buf = self.0.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || LogWriter(buf.clone()))
            .finish();
        let dispatch = tracing::Dispatch::new(subscriber);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .on_thread_start(move || {
                std::mem::forget(tracing::dispatcher::set_default(&dispatch));
            })
            .build()
            .unwrap()
    }
}

/// A pipeline running in the background.
struct Running {
    handle: RunHandle,
    task: tokio::task::JoinHandle<Result<RunSummary, RunError>>,
}

impl Running {
    async fn start(yaml: &str) -> Running {
        let cfg = PipelineConfig::from_yaml(yaml, "test").expect("valid pipeline");
        let pipeline = Pipeline::build(cfg).expect("pipeline builds");
        let handle = RunHandle::new();
        let h = handle.clone();
        let task = tokio::spawn(async move { pipeline.run_with(h).await });
        Running { handle, task }
    }

    fn stats(&self) -> Option<Arc<PipelineStats>> {
        self.handle.stats.get().cloned()
    }

    fn counter(&self, f: impl Fn(&audit_otel::pipeline::stats::SourceStats) -> u64) -> u64 {
        self.stats().map_or(0, |s| f(&s.sources[0]))
    }

    async fn stop(self) -> RunSummary {
        self.handle.shutdown.cancel();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the pipeline stops in time")
            .expect("the run task does not panic")
            .expect("the run succeeds")
    }
}

/// Every `log.record.uid` in the sink's output, in order.
fn ids_in(out: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(out) else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue; // a line being written
        };
        for rl in v["resourceLogs"].as_array().into_iter().flatten() {
            for sl in rl["scopeLogs"].as_array().into_iter().flatten() {
                for rec in sl["logRecords"].as_array().into_iter().flatten() {
                    let id = rec["attributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|a| a["key"] == "log.record.uid")
                        .and_then(|a| a["value"]["stringValue"].as_str())
                        .expect("every record has log.record.uid");
                    ids.push(id.to_owned());
                }
            }
        }
    }
    ids
}

/// Waits until the sink holds at least `n` records; returns the ids.
async fn wait_for_ids(out: &Path, n: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let ids = ids_in(out);
        if ids.len() >= n {
            return ids;
        }
        assert!(
            started.elapsed() < WAIT,
            "timed out: {} of {n} records arrived",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(started.elapsed() < WAIT, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `ids` are exactly `expected`, each once.
fn assert_exactly(ids: &[String], expected: &[String]) {
    let mut seen = HashSet::new();
    let dups: Vec<_> = ids.iter().filter(|i| !seen.insert(*i)).collect();
    assert!(dups.is_empty(), "duplicates: {dups:?}");
    let want: HashSet<_> = expected.iter().collect();
    let missing: Vec<_> = expected.iter().filter(|i| !seen.contains(i)).collect();
    let extra: Vec<_> = ids.iter().filter(|i| !want.contains(i)).collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    assert!(extra.is_empty(), "unexpected: {extra:?}");
}

fn checkpoint_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).expect("the checkpoint exists"))
        .expect("the checkpoint is JSON")
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).unwrap().len()
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn appends_arrive() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("appends");
        let mut ev = Events::new(1);
        let (bytes, mut expected) = ev.lines(10);
        env.append(&bytes);
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 10).await;
        for _ in 0..4 {
            let (bytes, ids) = ev.lines(7);
            env.append(&bytes);
            expected.extend(ids);
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        wait_for_ids(&env.out, expected.len()).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!(summary.received, 38);
        assert_eq!(summary.rejected, 0);
        let cp = checkpoint_json(&env.checkpoint());
        assert_eq!(cp["offset"], file_len(&env.input));
    });
}

#[test]
fn restart_resumes_without_resending_or_skipping() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("restart");
        let mut ev = Events::new(2);
        let (bytes, mut expected) = ev.lines(40);
        env.append(&bytes);

        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 40).await;
        // Lines written just before the stop are either delivered or re-read later.
        let (bytes, ids) = ev.lines(5);
        env.append(&bytes);
        expected.extend(ids);
        let first = run.stop().await;
        let cp = checkpoint_json(&env.checkpoint());
        assert_eq!(
            cp["offset"].as_u64().unwrap() as usize,
            // the checkpoint is never ahead of what was delivered
            {
                let delivered = ids_in(&env.out).len();
                let text = fs::read(&env.input).unwrap();
                let mut off = 0;
                for _ in 0..delivered {
                    off += text[off..].iter().position(|&b| b == b'\n').unwrap() + 1;
                }
                off
            }
        );

        // While stopped: more lines, one of them still being written.
        let (bytes, ids) = ev.lines(25);
        env.append(&bytes);
        expected.extend(ids);
        let (partial, partial_id) = ev.one();
        let (head, tail) = partial.split_at(partial.len() / 2);
        env.append(head);

        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, expected.len()).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        env.append(tail);
        env.append(b"\n");
        expected.push(partial_id);
        wait_for_ids(&env.out, expected.len()).await;
        let second = run.stop().await;

        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!(first.received + second.received, 71);
        assert_eq!(first.rejected + second.rejected, 0);
        let cp = checkpoint_json(&env.checkpoint());
        assert_eq!(cp["offset"], file_len(&env.input));
        let text = logs.text();
        assert!(text.contains("Resuming at the checkpoint."), "{text}");
    });
}

#[test]
fn rename_rotation_mid_stream_loses_nothing() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("rename");
        let mut ev = Events::new(3);
        let (bytes, mut old_ids) = ev.lines(30);
        env.append(&bytes);
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 30).await;

        // The writer keeps its handle across the rename, as a process does until it reopens.
        let mut writer = OpenOptions::new().append(true).open(&env.input).unwrap();
        let (bytes, ids) = ev.lines(10);
        writer.write_all(&bytes).unwrap();
        old_ids.extend(ids);
        let rotated = env.dir.join("audit.ndjson.1");
        fs::rename(&env.input, &rotated).unwrap();
        let (bytes, ids) = ev.lines(5);
        writer.write_all(&bytes).unwrap();
        old_ids.extend(ids);
        // The old file's last line has no newline: it is read when the old file is finished.
        let (last, last_id) = ev.one();
        writer.write_all(&last).unwrap();
        old_ids.push(last_id);
        let (bytes, new_ids) = ev.lines(20);
        fs::write(&env.input, &bytes).unwrap();
        let (bytes, more) = ev.lines(4);
        env.append(&bytes);
        let new_ids: Vec<String> = new_ids.into_iter().chain(more).collect();

        let all: Vec<String> = old_ids.iter().chain(&new_ids).cloned().collect();
        let ids = wait_for_ids(&env.out, all.len()).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &all);
        // The old file first, then the new one.
        let pos: BTreeMap<&String, usize> = ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
        let last_old = old_ids.iter().map(|i| pos[i]).max().unwrap();
        let first_new = new_ids.iter().map(|i| pos[i]).min().unwrap();
        assert!(last_old < first_new, "old file's events come first");
        assert_eq!(summary.rejected, 0);
        assert!(logs.text().contains("The file was rotated"));
        // The checkpoint now names the new file, at its end.
        let cp = checkpoint_json(&env.checkpoint());
        assert_eq!(cp["offset"], file_len(&env.input));
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(cp["ino"], fs::metadata(&env.input).unwrap().ino());
        }
    });
}

#[test]
fn copytruncate_reads_the_new_content_from_its_start() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("copytruncate");
        let mut ev = Events::new(4);
        let (bytes, mut expected) = ev.lines(30);
        env.append(&bytes);
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 30).await;

        // Round 1: the new content is shorter than what was read.
        fs::copy(&env.input, env.dir.join("audit.ndjson.1")).unwrap();
        OpenOptions::new()
            .write(true)
            .open(&env.input)
            .unwrap()
            .set_len(0)
            .unwrap();
        let (bytes, ids) = ev.lines(8);
        env.append(&bytes);
        expected.extend(ids);
        wait_for_ids(&env.out, expected.len()).await;

        // Round 2: truncated and at once longer than before (only the first bytes tell).
        fs::copy(&env.input, env.dir.join("audit.ndjson.2")).unwrap();
        let (bytes, ids) = ev.lines(60);
        {
            let mut f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&env.input)
                .unwrap();
            f.write_all(&bytes).unwrap();
        }
        expected.extend(ids);
        wait_for_ids(&env.out, expected.len()).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!(summary.rejected, 0);
        assert!(logs.text().contains("copytruncate"));
        let cp = checkpoint_json(&env.checkpoint());
        assert_eq!(cp["offset"], file_len(&env.input));
    });
}

#[test]
fn a_partial_line_is_held_until_completed() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("partial");
        let mut ev = Events::new(5);
        let (bytes, mut expected) = ev.lines(5);
        env.append(&bytes);
        let (line, id) = ev.one();
        let (head, tail) = line.split_at(line.len() / 3);
        env.append(head);
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 5).await;
        tokio::time::sleep(Duration::from_millis(300)).await; // many polls
        assert_eq!(ids_in(&env.out).len(), 5);
        assert_eq!(run.counter(|s| s.received.load(Ordering::Relaxed)), 5);
        assert_eq!(run.counter(|s| s.rejected.load(Ordering::Relaxed)), 0);
        env.append(tail);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(ids_in(&env.out).len(), 5, "still no newline");
        env.append(b"\n");
        expected.push(id);
        wait_for_ids(&env.out, 6).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!((summary.received, summary.rejected), (6, 0));
    });
}

#[test]
fn start_at_end_skips_what_is_there() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("end");
        let mut ev = Events::new(6);
        let (bytes, _) = ev.lines(10);
        env.append(&bytes);
        // A line being written when the source starts is skipped too.
        let (line, _) = ev.one();
        let (head, tail) = line.split_at(line.len() / 2);
        env.append(head);
        let run = Running::start(&env.yaml("    start_at: end\n")).await;
        let cp = env.checkpoint();
        wait_until("the starting checkpoint", || cp.exists()).await;
        env.append(tail);
        env.append(b"\n");
        let (bytes, expected) = ev.lines(5);
        env.append(&bytes);
        wait_for_ids(&env.out, 5).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!((summary.received, summary.rejected), (5, 0));
    });
}

#[test]
fn a_corrupt_checkpoint_is_reported_and_ignored() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("corrupt");
        let mut ev = Events::new(7);
        let (bytes, expected) = ev.lines(10);
        env.append(&bytes);
        fs::write(env.checkpoint(), b"{\"dev\": 1, \"offset\": tru").unwrap();
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 10).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!(summary.received, 10);
        let text = logs.text();
        let line = text
            .lines()
            .find(|l| l.contains("checkpoint file is corrupt"))
            .unwrap_or_else(|| panic!("no error logged: {text}"));
        assert!(line.contains("ERROR"), "{line}");
        assert!(
            line.contains(&env.checkpoint().display().to_string()),
            "{line}"
        );
        // Replaced by a valid one.
        assert_eq!(
            checkpoint_json(&env.checkpoint())["offset"],
            file_len(&env.input)
        );
    });
}

#[test]
fn a_checkpoint_of_another_file_is_ignored() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("other");
        let mut ev = Events::new(8);
        let (bytes, first) = ev.lines(20);
        env.append(&bytes);
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 20).await;
        run.stop().await;
        // While stopped, the file is replaced by a shorter one (its inode may even be reused).
        fs::remove_file(&env.input).unwrap();
        let (bytes, second) = ev.lines(3);
        env.append(&bytes);
        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 23).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        run.stop().await;
        let all: Vec<String> = first.into_iter().chain(second).collect();
        assert_exactly(&ids_in(&env.out), &all);
        assert!(logs
            .text()
            .contains("The checkpoint is for another file; ignoring it."));
    });
}

#[test]
fn malformed_lines_are_dead_lettered_and_counted_while_good_lines_flow() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("malformed");
        let mut generator = Generator::new(GeneratorOptions {
            seed: 9,
            malformed_rate: 0.3,
            ..GeneratorOptions::default()
        });
        let mut bytes = Vec::new();
        let mut good = Vec::new();
        let mut bad = 0u64;
        for i in 0..120 {
            let mut line = Vec::new();
            match generator.write_line(&mut line) {
                LineKind::Event { .. } => {
                    let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
                    good.push(v["id"].as_str().unwrap().to_owned());
                }
                LineKind::Malformed { .. } => bad += 1,
            }
            bytes.extend_from_slice(&line);
            bytes.push(b'\n');
            if i == 60 {
                // Over the event limit: skipped to its end, never held whole.
                bytes.extend(std::iter::repeat_n(b'x', 600 * 1024));
                bytes.push(b'\n');
                bad += 1;
            }
        }
        assert!(bad > 10);
        let run = Running::start(&env.yaml("")).await;
        // Written in pieces that cut lines anywhere.
        for piece in bytes.chunks(bytes.len() / 7 + 1) {
            env.append(piece);
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        wait_for_ids(&env.out, good.len()).await;
        wait_until("every rejection", || {
            run.counter(|s| s.rejected.load(Ordering::Relaxed)) >= bad
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &good);
        assert_eq!(summary.received, 121);
        assert_eq!(summary.rejected, bad);
        assert!(
            summary
                .rejected_by_kind
                .get("too_large")
                .copied()
                .unwrap_or(0)
                >= 1
        );
        let dead = fs::read_to_string(&env.dead).unwrap();
        assert_eq!(dead.lines().count() as u64, bad);
        assert!(dead.lines().all(|l| l.contains("\"source\":\"tail:")));
        // Everything was handled: the checkpoint is at the end.
        assert_eq!(
            checkpoint_json(&env.checkpoint())["offset"],
            file_len(&env.input)
        );
    });
}

#[test]
fn a_missing_file_is_waited_for() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("missing");
        let run = Running::start(&env.yaml("    start_at: end\n")).await;
        tokio::time::sleep(Duration::from_millis(400)).await; // many polls
                                                              // Created after the start: read from its beginning whatever `start_at` says.
        let mut ev = Events::new(10);
        let (bytes, expected) = ev.lines(12);
        env.append(&bytes);
        wait_for_ids(&env.out, 12).await;
        let summary = run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
        assert_eq!(summary.received, 12);
        let text = logs.text();
        assert_eq!(
            text.matches("The file is not there; waiting for it.")
                .count(),
            1,
            "logged once: {text}"
        );
    });
}

/// A sink that loses everything (`/dev/full`): the checkpoint must not move past the lost
/// events, so the next run delivers them.
#[cfg(target_os = "linux")]
#[test]
fn lost_batches_hold_the_checkpoint_back() {
    let logs = Logs::default();
    logs.runtime().block_on(async {
        let env = Env::new("lost");
        let mut ev = Events::new(11);
        let (bytes, expected) = ev.lines(20);
        env.append(&bytes);
        let run = Running::start(&env.yaml_to(Path::new("/dev/full"), "")).await;
        wait_until("the refusals", || {
            run.stats()
                .is_some_and(|s| s.sinks[0].refused.load(Ordering::Relaxed) >= 20)
        })
        .await;
        run.stop().await;
        assert_eq!(checkpoint_json(&env.checkpoint())["offset"], 0);
        assert!(logs.text().contains("A batch was not delivered"));

        let run = Running::start(&env.yaml("")).await;
        wait_for_ids(&env.out, 20).await;
        run.stop().await;
        assert_exactly(&ids_in(&env.out), &expected);
    });
}
