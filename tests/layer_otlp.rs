//! The tracing layer end to end over real OTLP (gRPC and HTTP) to a receiver started in the
//! test, and a burst of 1,000,000 audit events from one thread, all delivered.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use audit_otel::audit;
use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::layer::AuditLayer;
use audit_otel::otel::proto::any_to_json;
use audit_otel::testing::OtlpReceiver;
use common::Oracle;
use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
use tracing_subscriber::layer::SubscriberExt;

/// Emits `n` generated events (uniform mix: every type) through `layer`; returns the
/// generator (for its planted values) and the ids the layer will give them.
fn emit_generated(layer: AuditLayer, n: usize, seed: u64) -> Generator {
    let mut g = Generator::new(GeneratorOptions {
        seed,
        mix: Mix::Uniform,
        ..GeneratorOptions::default()
    });
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for _ in 0..n {
            let e = g.next_event();
            let c = &e["context"];
            let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
            audit!(type = e["type"].as_str().unwrap(), payload = e["payload"].clone(),
                event_id = e["id"].as_str().unwrap(),
                user_id = s("user_id").as_str(), ip = s("ip_address").as_str(),
                user_agent = s("user_agent").as_str(), client_id = s("client_id").as_str(),
                url = c["audit_context"]["http_url"].as_str().unwrap_or(""));
        }
    });
    g
}

fn check_delivery(rx: &OtlpReceiver, g: &Generator, n: usize) {
    assert!(
        rx.wait_for_records_blocking(n, Duration::from_secs(30)),
        "{} of {n}",
        rx.record_count()
    );
    let records = rx.records();
    assert_eq!(records.len(), n);
    let uids: HashSet<String> = rx.record_uids().into_iter().collect();
    assert_eq!(uids.len(), n, "every event once");
    for r in &records {
        assert!(r.record.event_name.contains('.'), "{}", r.record.event_name);
        assert!(r.str_attribute("audit.activity_type").is_some());
        assert!(r.str_attribute("audit.category").is_some());
        assert!(r.resource_str("service.name") == Some("layer-e2e"));
        if let Some(b) = &r.record.body {
            assert!(
                matches!(b.value, Some(V::KvlistValue(_))),
                "structured body"
            );
        }
        if let Some(ip) = r.str_attribute("client.address") {
            assert!(ip.starts_with("hmac:e2e:"), "{ip}");
        }
    }
    // The PII oracle over everything the receiver got.
    let mut text = String::new();
    for r in &records {
        for kv in &r.record.attributes {
            text.push_str(&any_to_json(kv.value.as_ref().unwrap()).to_string());
        }
        if let Some(b) = &r.record.body {
            text.push_str(&any_to_json(b).to_string());
        }
        text.push('\n');
    }
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    oracle.assert_clean("received records", text.as_bytes());
}

fn layer_to(
    builder: audit_otel::layer::AuditLayerBuilder,
) -> (AuditLayer, audit_otel::layer::AuditGuard) {
    builder
        .service_name("layer-e2e")
        .pseudonymization_key("e2e", b"end-to-end-test-key-0123")
        .build()
        .expect("layer")
}

#[test]
fn events_arrive_over_otlp_grpc_mapped_and_redacted() {
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (layer, guard) = layer_to(AuditLayer::builder().otlp_grpc(rx.grpc_endpoint()));
    let n = 500;
    let g = emit_generated(layer, n, 21);
    let stats = guard.shutdown();
    assert_eq!(
        (stats.exported, stats.dropped_full, stats.failed),
        (n as u64, 0, 0),
        "{stats:?}"
    );
    check_delivery(&rx, &g, n);
    assert!(
        rx.requests().iter().all(|r| r.compressed),
        "gzip on the wire"
    );
}

#[test]
fn events_arrive_over_otlp_http_mapped_and_redacted() {
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (layer, guard) = layer_to(AuditLayer::builder().otlp_http(rx.http_logs_url()));
    let n = 300;
    let g = emit_generated(layer, n, 22);
    let stats = guard.shutdown();
    assert_eq!((stats.exported, stats.failed), (n as u64, 0), "{stats:?}");
    check_delivery(&rx, &g, n);
}

#[test]
fn a_receiver_that_comes_back_loses_nothing() {
    let rx = OtlpReceiver::start_blocking().unwrap();
    rx.set_behavior(audit_otel::testing::Behavior::FailNext {
        n: 2,
        retry_after: None,
    });
    let (layer, guard) = layer_to(AuditLayer::builder().otlp_grpc(rx.grpc_endpoint()));
    let g = emit_generated(layer, 50, 23);
    let stats = guard.shutdown();
    assert_eq!((stats.exported, stats.failed), (50, 0), "{stats:?}");
    // The two refused requests were sent again (by the OTLP exporter or by our retry loop).
    assert_eq!(rx.stats().grpc.requests_rejected, 2);
    check_delivery(&rx, &g, 50);
}

/// One million audit events from one thread, default policy (block, never drop), to a real
/// OTLP/gRPC receiver on loopback: every event id arrives.
#[test]
fn a_burst_of_one_million_events_is_delivered_in_full() {
    let n: usize = std::env::var("AUDIT_OTEL_BURST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rx = OtlpReceiver::start_blocking().unwrap();
    let (layer, guard) = AuditLayer::builder()
        .service_name("burst")
        .otlp_grpc(rx.grpc_endpoint())
        .build()
        .unwrap();
    let t = Instant::now();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..n {
            audit!(
                USER_AUTHENTICATED,
                user_id = "3099fdf5-ab99-454a-a901-e35cd47d380d",
                client_id = "portal",
                ip = "203.0.113.9",
                event_id = i
            );
        }
    });
    let emitted = t.elapsed();
    let stats = guard.shutdown();
    let total = t.elapsed();
    eprintln!(
        "burst: {n} events emitted in {emitted:?}, delivered in {total:?} ({:.0} events/s); {stats:?}",
        n as f64 / total.as_secs_f64()
    );
    assert_eq!(stats.dropped_full, 0);
    assert_eq!(stats.failed, 0);
    assert_eq!(stats.exported, n as u64);
    assert!(rx.wait_for_records_blocking(n, Duration::from_secs(60)));
    let uids: HashSet<String> = rx.record_uids().into_iter().collect();
    assert_eq!(uids.len(), n, "every event id once");
    assert!(uids.contains("0") && uids.contains(&(n - 1).to_string()));
}
