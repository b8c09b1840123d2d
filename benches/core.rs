//! Per-event cost of the core stages, each next to a peer that does the least work of the same
//! shape, so that the ratio says what our work costs over the bare minimum.
//!
//! # Running
//!
//! ```text
//! cargo bench --bench core                            # all groups, wall-clock time (~2.5 min)
//! AUDIT_OTEL_BENCH_CLOCK=cpu cargo bench --bench core # thread CPU time: steadier on a busy machine
//! cargo bench --bench core -- redact/                 # one group (criterion's filter)
//! cargo bench --bench core -- --test                  # smoke test: every routine once (~2 s)
//! ```
//!
//! # What is measured
//!
//! Two corpora from our generator, seed 42, no malformed lines, 2,000 events each:
//! `realistic` (`Mix::Realistic`, production-like weights, 1,461 bytes/event on average) and
//! `uniform` (`Mix::Uniform`, every catalog type equally often, so rare heavy events count;
//! 1,298 bytes/event). One iteration processes the whole corpus; `Throughput::Elements` makes
//! criterion report events/s. Groups are `<stage>/<corpus>`:
//!
//! | group | ours | peer |
//! |---|---|---|
//! | `parse` | `AuditEvent::from_slice` (strict JSON reader + envelope checks) | `serde_json::from_slice::<Value>` on the same bytes |
//! | `redact` | `Redactor::redact` in place on a clone of each parsed event (clone made in setup, not timed): `default_rules`; `allowlist_no_defaults` (`default_rules: false`, payload pruned to 9 paths); `default_plus_user_regex` (one user `pattern` rule before the defaults) | `peer_null_walk`: a walk of the same trees reading every key and string (`str::len`) |
//! | `map` | `map_event` (catalog lookup included) into a `ProtoRecord`, on redacted events | `serde_json::to_string` of the same event's payload |
//! | `encode` | `OtlpClient::encode` of processed records in requests of 512, protobuf framed for gRPC and compressed: `gzip_1`, `gzip_6`, `zstd_1`, `zstd_3`, `none` (bytes per event printed); `protobuf_only`: `otel::encode::export_request_to_vec` | `peer_prost_encode_to_vec`: prost's `encode_to_vec` of the same requests |
//! | `core_end_to_end` | `AuditCore::process` (bytes → OTLP `LogRecord`); the same plus `export_request` + `to_json_line` per 100 records (OTLP/JSON line); the same plus `otel::encode::export_request_to_vec` (OTLP protobuf, as the sinks encode) | `serde_json::from_slice::<Value>` + `serde_json::to_vec` (parse and re-serialize, no work) |
//!
//! End-to-end routines pay for everything, allocation and drop included; the redact and map
//! routines return their output so that its drop is not timed.
//!
//! # Results
//!
//! 2026-11-22, commit b5df8be, 2 vCPUs of an Intel Xeon (KVM, 2.3 GHz), rustc 1.95, with
//! `AUDIT_OTEL_BENCH_CLOCK=cpu`; the machine was shared with concurrent builds, so each value
//! is the lowest of three runs' medians. Absolute numbers vary by machine and load: only the
//! ratios of one run mean something. See BENCHMARKS.md for time per event, a wall-clock run
//! and a profile.
//!
//! | group | ours | events/s | peer | events/s | ours/peer (time) |
//! |---|---|---:|---|---:|---:|
//! | parse/realistic | audit_event_from_slice | 95 k | peer_serde_json_value | 102 k | 1.07 |
//! | redact/realistic | default_rules | 215 k | peer_null_walk | 1.45 M | 6.71 |
//! | redact/realistic | allowlist_no_defaults | 419 k | peer_null_walk | 1.45 M | 3.45 |
//! | redact/realistic | default_plus_user_regex | 200 k | peer_null_walk | 1.45 M | 7.23 |
//! | map/realistic | map_event_proto | 274 k | peer_payload_to_string | 199 k | 0.72 |
//! | core_end_to_end/realistic | process_to_proto_record | 55 k | peer_serde_json_roundtrip | 85 k | 1.56 |
//! | core_end_to_end/realistic | process_to_otlp_json_line | 41 k | peer_serde_json_roundtrip | 85 k | 2.08 |
//! | core_end_to_end/realistic | process_to_otlp_protobuf | 40 k | peer_serde_json_roundtrip | 85 k | 2.15 |
//! | parse/uniform | audit_event_from_slice | 116 k | peer_serde_json_value | 128 k | 1.10 |
//! | redact/uniform | default_rules | 219 k | peer_null_walk | 1.51 M | 6.90 |
//! | redact/uniform | allowlist_no_defaults | 403 k | peer_null_walk | 1.51 M | 3.76 |
//! | redact/uniform | default_plus_user_regex | 201 k | peer_null_walk | 1.51 M | 7.55 |
//! | map/uniform | map_event_proto | 248 k | peer_payload_to_string | 227 k | 0.92 |
//! | core_end_to_end/uniform | process_to_proto_record | 59 k | peer_serde_json_roundtrip | 98 k | 1.67 |
//! | core_end_to_end/uniform | process_to_otlp_json_line | 44 k | peer_serde_json_roundtrip | 98 k | 2.21 |
//! | core_end_to_end/uniform | process_to_otlp_protobuf | 45 k | peer_serde_json_roundtrip | 98 k | 2.17 |

mod common;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use audit_otel::catalog::{Catalog, Category};
use audit_otel::event::ParseOptions;
use audit_otel::generate::{Generator, GeneratorOptions, LineKind, Mix};
use audit_otel::otel::encode::{request_to_vec, EncodedRecords, RecordWriter, RequestPart};
use audit_otel::otel::map_event;
use audit_otel::otel::proto::{audit_scope, resource, to_json_line};
use audit_otel::redact::{
    ActionName, EventScope, Mode, Pseudonymizer, RedactionConfig, Redactor, RuleConfig,
};
use audit_otel::{AuditCore, AuditEvent};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message;
use serde_json::{Map, Value};

/// Events per corpus; one benchmark iteration processes the whole corpus.
const EVENTS: usize = 2_000;
/// Generator seed.
const SEED: u64 = 42;
/// Records per OTLP export request in the end-to-end group.
const BATCH: usize = 100;
/// A fixed observation time, so every run maps the same bytes.
const OBSERVED_UNIX_NANO: u64 = 1_748_822_400_000_000_000;
/// A fixed pseudonymization key (pseudonyms then do not depend on the process).
const KEY: &[u8] = b"0123456789abcdef0123";

/// What the benchmarks time: wall-clock time (criterion's default) or, with
/// `AUDIT_OTEL_BENCH_CLOCK=cpu` on 64-bit Linux, the CPU time of the benchmark thread. CPU time
/// leaves out the time the thread waits for a CPU while other processes compete for it (a build
/// next to the benchmark, a shared runner). Every routine here is single-threaded and never
/// blocks, so on an idle machine the two clocks agree.
struct Clock {
    cpu: bool,
    wall: WallTime,
}

impl Clock {
    fn from_env() -> Clock {
        let cpu = std::env::var("AUDIT_OTEL_BENCH_CLOCK").as_deref() == Ok("cpu")
            && thread_cpu_time().is_some();
        Clock {
            cpu,
            wall: WallTime,
        }
    }

    fn now(&self) -> Duration {
        if self.cpu {
            thread_cpu_time().unwrap_or_default()
        } else {
            static EPOCH: OnceLock<Instant> = OnceLock::new();
            EPOCH.get_or_init(Instant::now).elapsed()
        }
    }
}

impl Measurement for Clock {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, d: &Duration) -> f64 {
        d.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

/// This thread's CPU time.
fn thread_cpu_time() -> Option<Duration> {
    common::cpu_time(common::THREAD)
}

/// One corpus: the NDJSON lines, the parsed events and each event's rule scope.
struct Corpus {
    name: &'static str,
    lines: Vec<Vec<u8>>,
    events: Vec<AuditEvent>,
    scopes: Vec<(Category, String)>,
}

impl Corpus {
    fn new(name: &'static str, mix: Mix, catalog: &Catalog) -> Corpus {
        let mut generator = Generator::new(GeneratorOptions {
            seed: SEED,
            mix,
            malformed_rate: 0.0,
            ..GeneratorOptions::default()
        });
        let mut lines = Vec::with_capacity(EVENTS);
        while lines.len() < EVENTS {
            let mut line = Vec::new();
            if let LineKind::Event { .. } = generator.write_line(&mut line) {
                lines.push(line);
            }
        }
        let events: Vec<AuditEvent> = lines
            .iter()
            .map(|l| AuditEvent::from_slice(l).expect("generated events parse"))
            .collect();
        let scopes = events
            .iter()
            .map(|e| {
                let r = catalog.resolve(e.event_type());
                (
                    r.entry().category,
                    catalog.activity(e.event_type()).into_owned(),
                )
            })
            .collect();
        Corpus {
            name,
            lines,
            events,
            scopes,
        }
    }

    fn bytes(&self) -> usize {
        self.lines.iter().map(Vec::len).sum()
    }

    fn scope(&self, i: usize) -> EventScope<'_> {
        EventScope {
            category: self.scopes[i].0,
            activity_type: &self.scopes[i].1,
        }
    }

    /// The events after the default rules, as the mapping stage receives them.
    fn redacted(&self, redactor: &Redactor) -> Vec<AuditEvent> {
        let mut events = self.events.clone();
        for (i, e) in events.iter_mut().enumerate() {
            redactor.redact(e, &self.scope(i));
        }
        events
    }
}

fn key() -> Pseudonymizer {
    Pseudonymizer::new("bench", KEY)
}

fn default_redactor() -> Redactor {
    Redactor::compile_with_key(&RedactionConfig::default(), key()).expect("default rules compile")
}

/// No built-in rules; the payload pruned to a short allowlist.
fn allowlist_redactor() -> Redactor {
    let config = RedactionConfig {
        mode: Mode::Allowlist,
        default_rules: false,
        allow: [
            "payload.user.id",
            "payload.user.is_disabled",
            "payload.session.id",
            "payload.sessions[*].id",
            "payload.identity.id",
            "payload.identity.type",
            "payload.identities[*].type",
            "payload.authenticator_type",
            "payload.error.reason",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        ..RedactionConfig::default()
    };
    Redactor::compile_with_key(&config, key()).expect("allowlist compiles")
}

/// The built-in rules after one user value rule (a regex over every string).
fn user_regex_redactor() -> Redactor {
    let config = RedactionConfig {
        rules: vec![RuleConfig {
            pattern: Some(r"(?i)\b(?:acct|account|emp)[-_ ]?(?P<v>\d{6,10})\b".to_owned()),
            ..RuleConfig::new("mask-account-numbers", ActionName::Mask)
        }],
        ..RedactionConfig::default()
    };
    Redactor::compile_with_key(&config, key()).expect("user rule compiles")
}

/// The peer of redaction: visits every key and string of the same tree, does nothing.
fn null_walk(v: &mut Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter_mut().map(null_walk).sum(),
        Value::Object(m) => null_walk_map(m),
        _ => 0,
    }
}

fn null_walk_map(m: &mut Map<String, Value>) -> usize {
    m.iter_mut().map(|(k, v)| k.len() + null_walk(v)).sum()
}

/// An event's trees as `serde_json` values (context, payload, extra), for the null walk.
type Trees = (Value, Value, Map<String, Value>);

fn trees(e: &AuditEvent) -> Trees {
    (e.context_value(), e.payload_value(), e.extra_value())
}

fn null_walk_event(t: &mut Trees) -> usize {
    null_walk(&mut t.0) + null_walk(&mut t.1) + null_walk_map(&mut t.2)
}

fn configure(group: &mut BenchmarkGroup<'_, Clock>, corpus: &Corpus) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(corpus.lines.len() as u64));
}

/// Bytes → event, against bytes → `serde_json::Value`.
fn bench_parse(c: &mut Criterion<Clock>, corpus: &Corpus) {
    let mut g = c.benchmark_group(format!("parse/{}", corpus.name));
    configure(&mut g, corpus);
    g.bench_function("audit_event_from_slice", |b| {
        b.iter(|| {
            for line in &corpus.lines {
                black_box(AuditEvent::from_slice(black_box(line)).expect("parses"));
            }
        })
    });
    g.bench_function("audit_event_parse_in_place", |b| {
        let mut event = AuditEvent::default();
        b.iter(|| {
            for line in &corpus.lines {
                event
                    .parse_in_place(black_box(line), ParseOptions::default())
                    .expect("parses");
                black_box(event.id());
            }
        })
    });
    g.bench_function("peer_serde_json_value", |b| {
        b.iter(|| {
            for line in &corpus.lines {
                black_box(serde_json::from_slice::<Value>(black_box(line)).expect("parses"));
            }
        })
    });
    g.finish();
}

/// Redaction in place on parsed events (the clone is made in setup, not timed), against a walk
/// of the same tree that only reads each key and string.
fn bench_redact(c: &mut Criterion<Clock>, corpus: &Corpus) {
    let mut g = c.benchmark_group(format!("redact/{}", corpus.name));
    configure(&mut g, corpus);
    let variants = [
        ("default_rules", default_redactor()),
        ("allowlist_no_defaults", allowlist_redactor()),
        ("default_plus_user_regex", user_regex_redactor()),
    ];
    for (name, redactor) in &variants {
        g.bench_function(*name, |b| {
            b.iter_batched(
                || corpus.events.clone(),
                |mut events| {
                    for (i, e) in events.iter_mut().enumerate() {
                        black_box(redactor.redact(e, &corpus.scope(i)));
                    }
                    events
                },
                BatchSize::SmallInput,
            )
        });
    }
    let trees: Vec<Trees> = corpus.events.iter().map(trees).collect();
    g.bench_function("peer_null_walk", |b| {
        b.iter_batched(
            || trees.clone(),
            |mut events| {
                for e in events.iter_mut() {
                    black_box(null_walk_event(e));
                }
                events
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Redacted event → OTLP protobuf record bytes, against `serde_json::to_string` of its payload.
fn bench_map(c: &mut Criterion<Clock>, corpus: &Corpus, catalog: &Catalog) {
    let mut g = c.benchmark_group(format!("map/{}", corpus.name));
    configure(&mut g, corpus);
    let redacted = corpus.redacted(&default_redactor());
    g.bench_function("map_event_proto", |b| {
        b.iter(|| {
            let mut records = EncodedRecords::with_capacity(redacted.len(), 4 << 20);
            for e in &redacted {
                let resolved = catalog.resolve(e.event_type());
                records.push_with(|out| {
                    let mut w = RecordWriter::new(out);
                    map_event(e, resolved, catalog, OBSERVED_UNIX_NANO, &mut w);
                    w.finish();
                });
            }
            records
        })
    });
    let payloads: Vec<Value> = redacted.iter().map(AuditEvent::payload_value).collect();
    g.bench_function("peer_payload_to_string", |b| {
        b.iter(|| {
            payloads
                .iter()
                .map(|p| serde_json::to_string(p).expect("serializes"))
                .collect::<Vec<String>>()
        })
    });
    g.finish();
}

/// The core with the default rules, and the encoded resource and scope of the benchmark's
/// requests.
fn core_and_resource() -> (AuditCore, Vec<u8>, Vec<u8>) {
    let core = AuditCore::new(
        Catalog::builtin(),
        default_redactor(),
        ParseOptions::default(),
    );
    let res = resource(&[("service.name".to_owned(), "audit-otel-bench".to_owned())]);
    (core, res.encode_to_vec(), audit_scope().encode_to_vec())
}

/// One request of `records`, as the sinks assemble it.
fn request(resource: &[u8], scope: &[u8], records: &EncodedRecords) -> Vec<u8> {
    request_to_vec(&[RequestPart {
        resource,
        scope,
        records: records.iter().collect(),
    }])
}

/// Bytes in, record or bytes out, everything paid (allocation and drop included), against parse
/// and re-serialize with `serde_json`. Our routines reuse one event's buffers and one batch, as
/// the processor's workers do.
fn bench_end_to_end(c: &mut Criterion<Clock>, corpus: &Corpus) {
    let mut g = c.benchmark_group(format!("core_end_to_end/{}", corpus.name));
    configure(&mut g, corpus);
    let (core, res, scope) = core_and_resource();
    let mut event = AuditEvent::default();
    let mut records = EncodedRecords::new();
    let mut process = |chunk: &[Vec<u8>], records: &mut EncodedRecords| {
        *records = EncodedRecords::with_capacity(chunk.len(), chunk.len() * 2048);
        for l in chunk {
            core.process_into(black_box(l), OBSERVED_UNIX_NANO, &mut event, records)
                .expect("processes");
        }
    };
    g.bench_function("process_to_record_bytes", |b| {
        b.iter(|| {
            for chunk in corpus.lines.chunks(BATCH) {
                process(chunk, &mut records);
                black_box(&records);
            }
        })
    });
    g.bench_function("process_to_otlp_json_line", |b| {
        b.iter(|| {
            for chunk in corpus.lines.chunks(BATCH) {
                process(chunk, &mut records);
                let raw = request(&res, &scope, &records);
                let req = ExportLogsServiceRequest::decode(&raw[..]).expect("decodes");
                black_box(to_json_line(&req));
            }
        })
    });
    g.bench_function("process_to_otlp_protobuf", |b| {
        b.iter(|| {
            for chunk in corpus.lines.chunks(BATCH) {
                process(chunk, &mut records);
                black_box(request(&res, &scope, &records));
            }
        })
    });
    g.bench_function("peer_serde_json_roundtrip", |b| {
        b.iter(|| {
            for line in &corpus.lines {
                let v: Value = serde_json::from_slice(black_box(line)).expect("parses");
                black_box(serde_json::to_vec(&v).expect("serializes"));
            }
        })
    });
    g.finish();
}

/// Encoding a sink's requests: `BATCH` records per request, protobuf plus each compression the
/// OTLP sink offers, as the sink does it before the first attempt. The peer is prost encoding
/// the same requests as message trees. Prints each setting's bytes per event once.
fn bench_encode(c: &mut Criterion<Clock>, corpus: &Corpus) {
    use audit_otel::pipeline::sink::otlp::{Compression, OtlpClient, OtlpProtocol, OtlpSinkConfig};
    let mut g = c.benchmark_group(format!("encode/{}", corpus.name));
    configure(&mut g, corpus);
    let (core, res, scope) = core_and_resource();
    let mut event = AuditEvent::default();
    let batches: Vec<EncodedRecords> = corpus
        .lines
        .chunks(BATCH)
        .map(|chunk| {
            let mut records = EncodedRecords::new();
            for l in chunk {
                core.process_into(l, OBSERVED_UNIX_NANO, &mut event, &mut records)
                    .expect("processes");
            }
            records
        })
        .collect();
    let raws: Vec<Vec<u8>> = batches.iter().map(|r| request(&res, &scope, r)).collect();
    let settings = [
        ("gzip_1", Compression::Gzip, Some(1)),
        ("gzip_6", Compression::Gzip, Some(6)),
        ("zstd_1", Compression::Zstd, Some(1)),
        ("zstd_3", Compression::Zstd, Some(3)),
        ("none", Compression::None, None),
    ];
    for (name, compression, level) in settings {
        let mut cfg = OtlpSinkConfig::new("http://localhost:4317", OtlpProtocol::Grpc);
        cfg.compression = compression;
        cfg.compression_level = level;
        let client = OtlpClient::new(&cfg).expect("a valid sink");
        let bytes: usize = raws
            .iter()
            .map(|r| client.encode_protobuf(r).expect("encodes").len())
            .sum();
        eprintln!(
            "encode/{}/{name}: {} bytes/event on the wire",
            corpus.name,
            bytes / corpus.lines.len()
        );
        g.bench_function(name, |b| {
            b.iter(|| {
                for raw in &raws {
                    black_box(client.encode_protobuf(black_box(raw)).expect("encodes"));
                }
            })
        });
    }
    g.bench_function("protobuf_only", |b| {
        b.iter(|| {
            for records in &batches {
                black_box(request(&res, &scope, black_box(records)));
            }
        })
    });
    let trees: Vec<ExportLogsServiceRequest> = raws
        .iter()
        .map(|r| ExportLogsServiceRequest::decode(&r[..]).expect("decodes"))
        .collect();
    g.bench_function("peer_prost_encode_to_vec", |b| {
        b.iter(|| {
            for req in &trees {
                black_box(prost::Message::encode_to_vec(black_box(req)));
            }
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion<Clock>) {
    eprintln!(
        "clock: {}",
        if Clock::from_env().cpu {
            "thread CPU time (AUDIT_OTEL_BENCH_CLOCK=cpu)"
        } else {
            "wall time"
        }
    );
    let catalog = Catalog::builtin();
    for (name, mix) in [("realistic", Mix::Realistic), ("uniform", Mix::Uniform)] {
        let corpus = Corpus::new(name, mix, &catalog);
        eprintln!(
            "corpus {name}: {} events, {} bytes ({} bytes/event on average)",
            corpus.lines.len(),
            corpus.bytes(),
            corpus.bytes() / corpus.lines.len()
        );
        bench_parse(c, &corpus);
        bench_redact(c, &corpus);
        bench_map(c, &corpus, &catalog);
        bench_end_to_end(c, &corpus);
        bench_encode(c, &corpus);
    }
}

criterion_group! {
    name = core;
    config = Criterion::default().with_measurement(Clock::from_env());
    targets = benches
}
criterion_main!(core);
