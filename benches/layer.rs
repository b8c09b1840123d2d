//! Per-event cost of the tracing layer, against two peers measured in the same run:
//!
//! - `audit_layer`: `AuditLayer` with the default rules and the default (blocking, no-loss)
//!   queue, exporting to a no-op exporter; the event carries a realistic structured payload
//!   (a user snapshot with personal data) handed over by `audit!` by reference, which
//!   serializes it once on the emitting thread.
//! - `otel_appender_tracing`: `opentelemetry-appender-tracing`'s bridge with the SDK's
//!   `BatchLogProcessor` and a no-op exporter; the same fields, the payload as a JSON string
//!   (the bridge cannot carry a structured one, so each event serializes it), no redaction. Its queue drops records when it
//!   is full; the count it dropped is printed after the run.
//! - `fmt_json`: `tracing-subscriber`'s JSON formatter writing to `io::sink()`.
//! - `*_flat`: the same event without a payload (four context fields only), for the fixed
//!   per-event overhead of each path.
//!
//! Two regimes, because the two processors behave differently when their queue is full:
//!
//! - `layer_per_event` (sustained): events back to back for seconds. The queue fills, so this is
//!   the rate the *whole* path sustains: ours blocks the emitter at the speed of its worker
//!   (which redacts and maps), the bridge drops what does not fit (the count is printed).
//! - `layer_burst_1000` (bursts): bursts of 1,000 events, each followed by an untimed flush,
//!   so neither queue is full: the cost on the emitting thread, i.e. the latency a request
//!   handler pays per `audit!`. After it, the CPU time of the whole process per event (emitter
//!   and export thread, bursts and flushes) is printed for each.
//!
//! Run: `cargo bench --bench layer`. Absolute times depend on the machine; only the ratios
//! within one run mean anything. Results are in BENCHMARKS.md and the README.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use audit_otel::audit;
use audit_otel::layer::AuditLayer;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLoggerProvider};
use serde_json::{json, Value};
use tracing_subscriber::prelude::*;

// Both peers run under the same allocator, mimalloc. With glibc's malloc, frees of memory that
// another thread allocated contend on the arena lock (every batch processor hands records from
// the emitting thread to an export thread), and at this rate that contention dominates: our
// layer measured 27 µs per event under glibc against 10.7 µs under mimalloc on the same machine.
// Services embedding the layer should use a modern allocator; the `audit-otel` binary does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Counts what it is given and does nothing else.
#[derive(Debug, Clone, Default)]
struct NoopExporter(Arc<AtomicU64>);

impl LogExporter for NoopExporter {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.0
            .fetch_add(batch.iter().count() as u64, Ordering::Relaxed);
        std::future::ready(Ok(()))
    }
}

fn payload() -> Value {
    json!({
        "user": {
            "id": "3099fdf5-ab99-454a-a901-e35cd47d380d",
            "created_at": "2025-05-05T16:43:27.699087Z",
            "is_anonymous": false,
            "is_verified": true,
            "standard_attributes": {
                "email": "rahimi.jose.1978@mail.example.com",
                "email_verified": true,
                "phone_number": "+447700900204",
                "given_name": "José",
                "family_name": "Rahimi",
                "birthdate": "1977-06-28",
                "updated_at": 1733208545
            },
            "custom_attributes": {"loyalty_number": "LY-0422-7SVELA"},
            "roles": ["member"],
            "groups": []
        },
        "session": {
            "id": "93ba8d1e-0000-4000-8000-000000000001",
            "type": "idp",
            "amr": ["pwd"],
            "createdByIP": "154.176.221.161",
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/123.0.0.0"
        }
    })
}

const IP: &str = "154.176.221.161";
const UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/123.0.0.0";

fn bench(c: &mut Criterion) {
    let template = payload();
    let mut g = c.benchmark_group("layer_per_event");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));
    g.sample_size(30);

    // Ours.
    let exported = NoopExporter::default();
    let (layer, guard) = AuditLayer::builder()
        .pseudonymization_key("bench", b"0123456789abcdef0123")
        .exporter(exported.clone())
        .build()
        .expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("audit_layer", |b| {
            b.iter(|| {
                audit!(
                    USER_AUTHENTICATED,
                    payload = template,
                    user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
                    client_id = "1027c4d1c386bbc4",
                    ip = IP,
                    user_agent = UA
                );
            })
        });
        g.bench_function("audit_layer_flat", |b| {
            b.iter(|| {
                audit!(
                    USER_AUTHENTICATED,
                    user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
                    client_id = "1027c4d1c386bbc4",
                    ip = IP,
                    user_agent = UA
                );
            })
        });
    });
    let stats = guard.shutdown();
    eprintln!(
        "audit_layer: queued {} exported {} dropped {} failed {}",
        stats.queued, stats.exported, stats.dropped_full, stats.failed
    );

    // The OpenTelemetry bridge with the SDK's batch processor.
    let counted = NoopExporter::default();
    let provider = SdkLoggerProvider::builder()
        .with_batch_exporter(counted.clone())
        .build();
    let bridge = opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&provider);
    let subscriber = tracing_subscriber::registry().with(bridge);
    let mut emitted = 0u64;
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("otel_appender_tracing", |b| {
            b.iter(|| {
                emitted += 1;
                let body = serde_json::to_string(&template).expect("json");
                tracing::info!(target: "audit", audit_type = "user.authenticated",
                    user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
                    client_id = "1027c4d1c386bbc4", ip = IP, user_agent = UA, payload = body.as_str());
            })
        });
        g.bench_function("otel_appender_tracing_flat", |b| {
            b.iter(|| {
                emitted += 1;
                tracing::info!(target: "audit", audit_type = "user.authenticated",
                    user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
                    client_id = "1027c4d1c386bbc4", ip = IP, user_agent = UA);
            })
        });
    });
    let _ = provider.shutdown();
    let got = counted.0.load(Ordering::Relaxed);
    eprintln!(
        "otel_appender_tracing: emitted {emitted} exported {got} dropped {} ({:.1}%)",
        emitted.saturating_sub(got),
        100.0 * emitted.saturating_sub(got) as f64 / emitted.max(1) as f64
    );

    // A plain JSON formatter.
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("fmt_json", |b| {
            b.iter(|| {
                let body = serde_json::to_string(&template).expect("json");
                tracing::info!(target: "audit", audit_type = "user.authenticated",
                    user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
                    client_id = "1027c4d1c386bbc4", ip = IP, user_agent = UA, payload = body.as_str());
                black_box(());
            })
        });
    });
    g.finish();
}

/// Events per burst: below both queues' capacity (ours 8,192, the SDK's 2,048).
const BURST: u64 = 1000;

/// Times `iters` events emitted in bursts of [`BURST`], flushing (untimed) after each burst.
fn bursts(iters: u64, emit: &mut dyn FnMut(), flush: &mut dyn FnMut()) -> Duration {
    let mut timed = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(BURST);
        let start = std::time::Instant::now();
        for _ in 0..n {
            emit();
        }
        timed += start.elapsed();
        flush();
        left -= n;
    }
    timed
}

/// CPU time of the whole process per event, for `n` events in bursts (emitter + export thread).
fn cpu_per_event(n: u64, emit: &mut dyn FnMut(), flush: &mut dyn FnMut()) -> Option<Duration> {
    let before = process_cpu_time()?;
    bursts(n, emit, flush);
    Some((process_cpu_time()? - before) / n as u32)
}

/// Times each routine in bursts, then adds its whole-process CPU per event to `cpu`.
fn burst_routines(
    g: &mut BenchmarkGroup<'_, WallTime>,
    mut routines: [(&'static str, &mut dyn FnMut()); 2],
    flush: &mut dyn FnMut(),
    cpu: &mut Vec<(&'static str, Option<Duration>)>,
) {
    for (name, emit) in &mut routines {
        g.bench_function(*name, |b| {
            b.iter_custom(|iters| bursts(iters, &mut **emit, &mut *flush))
        });
    }
    for (name, emit) in &mut routines {
        cpu.push((*name, cpu_per_event(100_000, &mut **emit, &mut *flush)));
    }
}

fn bench_bursts(c: &mut Criterion) {
    let template = payload();
    let mut g = c.benchmark_group("layer_burst_1000");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));
    g.sample_size(20);
    let mut cpu: Vec<(&str, Option<Duration>)> = Vec::new();

    let (layer, guard) = AuditLayer::builder()
        .pseudonymization_key("bench", b"0123456789abcdef0123")
        .exporter(NoopExporter::default())
        .build()
        .expect("layer");
    let mut ours_emit = || {
        audit!(
            USER_AUTHENTICATED,
            payload = template,
            user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
            client_id = "1027c4d1c386bbc4",
            ip = IP,
            user_agent = UA
        );
    };
    let mut ours_flat_emit = || {
        audit!(
            USER_AUTHENTICATED,
            user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
            client_id = "1027c4d1c386bbc4",
            ip = IP,
            user_agent = UA
        );
    };
    let mut ours_flush = || {
        let _ = guard.flush();
    };
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        burst_routines(
            &mut g,
            [
                ("audit_layer", &mut ours_emit),
                ("audit_layer_flat", &mut ours_flat_emit),
            ],
            &mut ours_flush,
            &mut cpu,
        );
    });
    let ours = guard.shutdown();

    let counted = NoopExporter::default();
    let provider = SdkLoggerProvider::builder()
        .with_batch_exporter(counted.clone())
        .build();
    let bridge = opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&provider);
    let mut emitted = 0u64;
    let mut bridge_emit = || {
        emitted += 1;
        let body = serde_json::to_string(&template).expect("json");
        tracing::info!(target: "audit", audit_type = "user.authenticated",
            user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
            client_id = "1027c4d1c386bbc4", ip = IP, user_agent = UA, payload = body.as_str());
    };
    let mut flat_emitted = 0u64;
    let mut bridge_flat_emit = || {
        flat_emitted += 1;
        tracing::info!(target: "audit", audit_type = "user.authenticated",
            user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
            client_id = "1027c4d1c386bbc4", ip = IP, user_agent = UA);
    };
    let mut bridge_flush = || {
        let _ = provider.force_flush();
    };
    tracing::subscriber::with_default(tracing_subscriber::registry().with(bridge), || {
        burst_routines(
            &mut g,
            [
                ("otel_appender_tracing", &mut bridge_emit),
                ("otel_appender_tracing_flat", &mut bridge_flat_emit),
            ],
            &mut bridge_flush,
            &mut cpu,
        );
    });
    let _ = provider.shutdown();
    g.finish();
    let got = counted.0.load(Ordering::Relaxed);
    eprintln!(
        "bursts: audit_layer exported {} of {} (dropped {}); bridge exported {got} of {}",
        ours.exported,
        ours.queued,
        ours.dropped_full,
        emitted + flat_emitted
    );
    for (name, per_event) in cpu {
        if let Some(d) = per_event {
            eprintln!(
                "process CPU per event (emitter + export thread), {name}: {:.2} µs",
                d.as_secs_f64() * 1e6
            );
        }
    }
}

/// The process's CPU time (every thread).
fn process_cpu_time() -> Option<Duration> {
    common::cpu_time(common::PROCESS)
}

criterion_group!(benches, bench, bench_bursts);
criterion_main!(benches);
