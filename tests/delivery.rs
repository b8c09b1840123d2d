//! Delivery guarantees of the processor, in process, against a real OTLP receiver on loopback:
//! every test counts event ids sent against ids received.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix};
use audit_otel::pipeline::config::PipelineConfig;
use audit_otel::pipeline::{Pipeline, RunHandle, RunSummary};
use audit_otel::testing::{Behavior, OtlpReceiver};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("audit-otel-delivery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The ids of the well-formed events among the first `count` lines of the generator.
fn generated_ids(count: usize, seed: u64, malformed_rate: f64) -> (Vec<String>, usize) {
    let mut g = Generator::new(GeneratorOptions {
        seed,
        mix: Mix::Realistic,
        malformed_rate,
        ..GeneratorOptions::default()
    });
    let mut ids = Vec::new();
    let mut bad = 0;
    for _ in 0..count {
        let mut line = Vec::new();
        match g.write_line(&mut line) {
            LineKind::Event { .. } => {
                let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
                ids.push(v["id"].as_str().unwrap().to_owned());
            }
            LineKind::Malformed { .. } => bad += 1,
        }
    }
    (ids, bad)
}

fn run(yaml: &str, during: impl FnOnce(&RunHandle) + Send + 'static) -> RunSummary {
    let cfg = PipelineConfig::from_yaml(yaml, "test").unwrap();
    let p = Pipeline::build(cfg).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle = RunHandle::new();
    let h = handle.clone();
    let side = std::thread::spawn(move || during(&h));
    let summary = rt.block_on(p.run_with(handle)).unwrap();
    side.join().unwrap();
    summary
}

fn assert_all_arrived(rx: &OtlpReceiver, ids: &[String]) {
    let got: BTreeSet<String> = rx.record_uids().into_iter().collect();
    let want: BTreeSet<String> = ids.iter().cloned().collect();
    let missing: Vec<_> = want.difference(&got).take(5).collect();
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {missing:?}",
        want.len() - got.len().min(want.len())
    );
}

fn otlp_yaml(source: &str, endpoint: &str, extra_sink: &str, extra: &str) -> String {
    format!(
        "sources:\n{source}\nsinks:\n  - type: otlp\n    endpoint: {endpoint}\n    protocol: grpc\n    timeout_secs: 2\n    retry: {{ initial_backoff_ms: 20, max_backoff_secs: 0.5 }}\n{extra_sink}\n{extra}\n"
    )
}

#[test]
fn receiver_down_for_a_while_loses_nothing() {
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (ids, _) = generated_ids(3000, 21, 0.0);
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 3000\n    seed: 21\n    rate_per_sec: 3000",
        &rx.grpc_endpoint(),
        "",
        "",
    );
    let rx2 = rx.clone();
    let s = run(&yaml, move |_| {
        std::thread::sleep(Duration::from_millis(200));
        rx2.shutdown_blocking();
        std::thread::sleep(Duration::from_millis(1500));
        rx2.restart_blocking().unwrap();
    });
    assert_all_arrived(&rx, &ids);
    assert_eq!(s.exported[0].1, 3000, "{s:?}");
    assert_eq!(s.undelivered[0].1, 0);
}

#[test]
fn retryable_errors_and_throttling_lose_nothing() {
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::FailNext {
            n: 5,
            retry_after: None,
        })
        .start_blocking()
        .unwrap();
    let (ids, _) = generated_ids(2000, 22, 0.0);
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 2000\n    seed: 22",
        &rx.grpc_endpoint(),
        "",
        "",
    );
    let rx2 = rx.clone();
    let s = run(&yaml, move |_| {
        std::thread::sleep(Duration::from_millis(300));
        rx2.set_behavior(Behavior::Throttle {
            n: 3,
            retry_after: Some(Duration::from_millis(100)),
        });
    });
    assert_all_arrived(&rx, &ids);
    assert_eq!(
        rx.record_count(),
        2000,
        "no duplicates: a failed request stores nothing"
    );
    assert_eq!(s.exported[0].1, 2000);
}

#[test]
fn partial_success_is_counted_and_dead_lettered_not_silently_lost() {
    let dir = tempdir("partial");
    let dead = dir.join("dead.ndjson");
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::PartialSuccess { rejected: 2 })
        .start_blocking()
        .unwrap();
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 500\n    seed: 23",
        &rx.grpc_endpoint(),
        "    batch: { max_records: 100, max_age_ms: 50 }",
        &format!("dead_letter:\n  path: {}", dead.display()),
    );
    let s = run(&yaml, |_| {});
    let refused = s.undelivered[0].1;
    assert!(refused >= 10, "2 refused per request: {s:?}");
    assert_eq!(s.exported[0].1 + refused, 500);
    assert_eq!(rx.record_count() as u64, s.exported[0].1);
    let letters = std::fs::read_to_string(&dead).unwrap();
    let refused_letters: Vec<serde_json::Value> = letters
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["refused"] == true)
        .collect();
    assert!(!refused_letters.is_empty());
    assert!(refused_letters
        .iter()
        .all(|v| v["error_kind"] == "partial_success"));
}

#[test]
fn a_rejecting_backend_dead_letters_and_keeps_running() {
    let dir = tempdir("reject");
    let dead = dir.join("dead.ndjson");
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::RejectAll)
        .start_blocking()
        .unwrap();
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 300\n    seed: 24",
        &rx.grpc_endpoint(),
        "",
        &format!("dead_letter:\n  path: {}", dead.display()),
    );
    let s = run(&yaml, |_| {});
    assert_eq!(s.exported[0].1, 0);
    assert_eq!(s.undelivered[0].1, 300);
    let n: u64 = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["records"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(n, 300, "every refused record is in the dead letters");
}

#[test]
fn ten_percent_malformed_every_good_event_delivered_every_bad_one_dead_lettered() {
    let dir = tempdir("malformed");
    let dead = dir.join("dead.ndjson");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (ids, bad) = generated_ids(5000, 25, 0.1);
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 5000\n    seed: 25\n    malformed_rate: 0.1",
        &rx.grpc_endpoint(),
        "",
        &format!("dead_letter:\n  path: {}", dead.display()),
    );
    let s = run(&yaml, |_| {});
    assert!(bad > 300, "about 10%: {bad}");
    assert_all_arrived(&rx, &ids);
    assert_eq!(rx.record_count(), ids.len());
    assert_eq!(s.rejected as usize, bad, "{s:?}");
    let letters = std::fs::read_to_string(&dead).unwrap().lines().count();
    assert_eq!(letters, bad);
}

#[test]
fn a_full_queue_with_drop_counts_every_drop() {
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::Delay(Duration::from_millis(100)))
        .start_blocking()
        .unwrap();
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 4000\n    seed: 26",
        &rx.grpc_endpoint(),
        "    batch: { max_records: 100, max_age_ms: 10 }\n    queue: { max_records: 300, when_full: drop }",
        "",
    );
    let s = run(&yaml, |_| {});
    let dropped = s.undelivered[0].1;
    assert!(dropped > 0, "a slow receiver and a small queue drop: {s:?}");
    assert_eq!(
        s.exported[0].1 + dropped,
        4000,
        "every record is delivered or counted"
    );
    assert_eq!(rx.record_count() as u64, s.exported[0].1);
}

#[test]
fn a_full_queue_with_block_slows_the_source_and_loses_nothing() {
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::Delay(Duration::from_millis(20)))
        .start_blocking()
        .unwrap();
    let (ids, _) = generated_ids(3000, 27, 0.0);
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 3000\n    seed: 27",
        &rx.grpc_endpoint(),
        "    batch: { max_records: 100, max_age_ms: 10 }\n    queue: { max_records: 300, when_full: block }",
        "",
    );
    let s = run(&yaml, |_| {});
    assert_all_arrived(&rx, &ids);
    assert_eq!(s.undelivered[0].1, 0);
}

#[test]
fn shutdown_drains_what_is_queued_within_the_deadline() {
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::Delay(Duration::from_millis(50)))
        .start_blocking()
        .unwrap();
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 100000\n    seed: 28\n    rate_per_sec: 5000",
        &rx.grpc_endpoint(),
        "",
        "shutdown:\n  drain_timeout_secs: 10",
    );
    let s = run(&yaml, |h| {
        std::thread::sleep(Duration::from_millis(600));
        h.shutdown.cancel();
    });
    assert!(s.received < 100000, "stopped early: {s:?}");
    let accepted = s.received - s.rejected;
    assert_eq!(
        s.exported[0].1, accepted,
        "everything accepted was drained: {s:?}"
    );
    assert_eq!(rx.record_count() as u64, accepted);
}

#[test]
fn an_unreachable_backend_at_shutdown_is_counted_as_abandoned() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 50\n    seed: 29",
        &format!("http://127.0.0.1:{port}"),
        "",
        "shutdown:\n  drain_timeout_secs: 0.5",
    );
    let s = run(&yaml, |_| {});
    assert_eq!(s.exported[0].1, 0);
    assert_eq!(s.undelivered[0].1, 50, "abandoned and counted: {s:?}");
}

fn disk_yaml(count: u64, endpoint: &str, dir: &std::path::Path, drain_secs: f64) -> String {
    format!(
        "sources:\n  - type: generate\n    count: {count}\n    seed: 31\nsinks:\n  - type: otlp\n    endpoint: {endpoint}\n    timeout_secs: 1\n    retry: {{ initial_backoff_ms: 20, max_backoff_secs: 0.2 }}\n    queue:\n      disk:\n        dir: {}\n        max_bytes: 67108864\nshutdown:\n  drain_timeout_secs: {drain_secs}\n",
        dir.join("buffer").display()
    )
}

#[test]
fn the_disk_buffer_keeps_undelivered_records_across_a_restart() {
    let dir = tempdir("disk-restart");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let endpoint = rx.grpc_endpoint();
    rx.shutdown_blocking();
    let (ids, _) = generated_ids(2000, 31, 0.0);
    // The backend is down for the whole first run: everything stays on disk.
    let s = run(&disk_yaml(2000, &endpoint, &dir, 0.5), |_| {});
    assert_eq!(s.exported[0].1, 0);
    assert_eq!(
        s.undelivered[0].1, 0,
        "on disk, neither dropped nor abandoned: {s:?}"
    );
    // Next start, backend up, no new input: the buffer is delivered.
    rx.restart_blocking().unwrap();
    let s = run(&disk_yaml(0, &endpoint, &dir, 10.0), |_| {});
    assert_eq!(s.exported[0].1, 2000, "{s:?}");
    assert_all_arrived(&rx, &ids);
    assert_eq!(rx.record_count(), 2000);
}

#[test]
fn a_corrupted_segment_is_detected_and_the_rest_delivered() {
    let dir = tempdir("disk-corrupt");
    let rx = OtlpReceiver::start_blocking().unwrap();
    let endpoint = rx.grpc_endpoint();
    rx.shutdown_blocking();
    let s = run(&disk_yaml(2000, &endpoint, &dir, 0.5), |_| {});
    assert_eq!(s.exported[0].1, 0);
    // Flip bytes in the middle of the first segment.
    let mut segs: Vec<_> = std::fs::read_dir(dir.join("buffer"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    let mut bytes = std::fs::read(&segs[0]).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0xA5;
    }
    std::fs::write(&segs[0], bytes).unwrap();
    rx.restart_blocking().unwrap();
    let cfg = PipelineConfig::from_yaml(&disk_yaml(0, &endpoint, &dir, 10.0), "test").unwrap();
    let p = Pipeline::build(cfg).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handle = RunHandle::new();
    let s = rt.block_on(p.run_with(handle.clone())).unwrap();
    let stats = handle.stats.get().unwrap();
    let corrupted = stats.sinks[0]
        .corrupted
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(corrupted >= 1, "the damage is counted");
    let got = s.exported[0].1;
    assert!(got > 1000 && got < 2000, "the rest was delivered: {got}");
    assert_eq!(rx.record_count() as u64, got);
}

#[test]
fn a_full_disk_buffer_drops_and_counts_with_drop_policy() {
    let dir = tempdir("disk-full");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let yaml = format!(
        "sources:\n  - type: generate\n    count: 3000\n    seed: 32\nsinks:\n  - type: otlp\n    endpoint: http://127.0.0.1:{port}\n    timeout_secs: 1\n    queue:\n      when_full: drop\n      disk:\n        dir: {}\n        max_bytes: 1048576\nshutdown:\n  drain_timeout_secs: 0.3\n",
        dir.join("buffer").display()
    );
    let s = run(&yaml, |_| {});
    let dropped = s.undelivered[0].1;
    assert!(
        dropped > 0 && dropped < 3000,
        "1 MiB holds some, drops the rest: {s:?}"
    );
}

#[test]
fn parallel_workers_keep_input_order_and_one_request_in_flight_keeps_it_at_the_backend() {
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (ids, bad) = generated_ids(5000, 41, 0.05);
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 5000\n    seed: 41\n    malformed_rate: 0.05",
        &rx.grpc_endpoint(),
        "    max_in_flight: 1\n    batch: { max_records: 100, max_age_ms: 50 }",
        "workers: 4",
    );
    let s = run(&yaml, |_| {});
    assert_eq!(s.rejected as usize, bad, "{s:?}");
    assert_eq!(
        rx.record_uids(),
        ids,
        "four workers parse in parallel, records leave in input order"
    );
}

#[test]
fn many_requests_in_flight_through_failures_deliver_each_record_once() {
    let rx = OtlpReceiver::builder()
        .behavior(Behavior::FailNext {
            n: 10,
            retry_after: None,
        })
        .start_blocking()
        .unwrap();
    let (ids, _) = generated_ids(3000, 42, 0.0);
    let yaml = otlp_yaml(
        "  - type: generate\n    count: 3000\n    seed: 42",
        &rx.grpc_endpoint(),
        "    max_in_flight: 8\n    compression: zstd\n    batch: { max_records: 50, max_age_ms: 20 }",
        "workers: 3",
    );
    let s = run(&yaml, |_| {});
    assert_all_arrived(&rx, &ids);
    assert_eq!(rx.record_count(), 3000, "a failed request stores nothing");
    assert_eq!(s.exported[0].1, 3000);
    // Out of order at the backend is allowed; each request's records stay together and in order.
    let got = rx.record_uids();
    let pos: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let runs = got
        .windows(2)
        .filter(|w| pos[w[1].as_str()] != pos[w[0].as_str()] + 1)
        .count();
    assert!(runs < 3000 / 50 + 10, "{runs} breaks in order");
}

#[test]
fn bad_workers_and_in_flight_settings_are_refused_naming_the_field() {
    let yaml = otlp_yaml(
        "  - type: stdin",
        "http://127.0.0.1:1",
        "    max_in_flight: 0\n    compression: gzip\n    compression_level: 12",
        "workers: 0",
    );
    let cfg = PipelineConfig::from_yaml(&yaml, "test").unwrap();
    let problems = Pipeline::build(cfg).unwrap_err().problems.join("\n");
    assert!(problems.contains("`workers`: must be 1 to"), "{problems}");
    assert!(problems.contains("`sinks[0].max_in_flight`"), "{problems}");
    assert!(
        problems.contains("`sinks[0].compression_level`: 12"),
        "{problems}"
    );
}
