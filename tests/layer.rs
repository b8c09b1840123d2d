//! The tracing layer with in-process exporters: the attribute contract, structured bodies,
//! redaction (PII oracle), span context, trace context, pass-through of other events, and the
//! queue's policies under a slow or failing exporter.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_otel::audit;
use audit_otel::catalog::CatalogOverride;
use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::layer::{not_audit, AuditLayer, ExportStats, FullPolicy, QueueConfig};
use common::Oracle;
use opentelemetry::logs::AnyValue;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::in_memory_exporter::LogDataWithResource;
use opentelemetry_sdk::logs::{InMemoryLogExporter, LogBatch, LogExporter, SdkLogRecord};
use serde_json::{json, Value};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

fn to_json(v: &AnyValue) -> Value {
    match v {
        AnyValue::Int(i) => json!(i),
        AnyValue::Double(d) => json!(d),
        AnyValue::String(s) => json!(s.as_str()),
        AnyValue::Boolean(b) => json!(b),
        AnyValue::Bytes(b) => json!(hex::encode(b.as_slice())),
        AnyValue::ListAny(l) => Value::Array(l.iter().map(to_json).collect()),
        AnyValue::Map(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
        }
        _ => Value::Null,
    }
}

fn attrs(r: &SdkLogRecord) -> HashMap<String, Value> {
    r.attributes_iter()
        .map(|(k, v)| (k.to_string(), to_json(v)))
        .collect()
}

/// The SDK's in-memory exporter, minus its habit of forgetting everything at shutdown.
#[derive(Debug, Clone, Default)]
struct Keep(InMemoryLogExporter);

impl Keep {
    fn get_emitted_logs(&self) -> Result<Vec<LogDataWithResource>, OTelSdkError> {
        self.0.get_emitted_logs()
    }
}

impl LogExporter for Keep {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.0.export(batch)
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.0.set_resource(resource);
    }
}

fn test_key() -> &'static [u8] {
    b"layer-test-key-0123456789"
}

/// Runs `emit` under a layer with the default settings exporting to memory; returns what it
/// exported (after a flush) and its counters.
fn export_with_default_layer(emit: impl FnOnce()) -> (Vec<LogDataWithResource>, ExportStats) {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .exporter(exporter.clone())
        .build()
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), emit);
    guard.flush().unwrap();
    (exporter.get_emitted_logs().unwrap(), guard.stats())
}

#[test]
fn events_become_records_with_the_contract_span_context_and_structured_body() {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .service_name("checkout")
        .pseudonymization_key("t", test_key())
        .exporter(exporter.clone())
        .build()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("request", request_id = "req-42", client_id = "portal");
        let _e = span.enter();
        audit!(
            USER_AUTHENTICATED,
            payload = json!({
                "user": {"id": "u-1", "standard_attributes": {"email": "zoe@example.com", "name": "Zoë O'Brien"}, "roles": ["a", "b"]},
                "session": {"id": "s-1", "amr": ["pwd"]}
            }),
            user_id = "u-1",
            ip = "203.0.113.9",
            user_agent = "Mozilla/5.0 Test",
            "Signed in."
        );
    });
    guard.flush().unwrap();
    let logs = exporter.get_emitted_logs().unwrap();
    assert_eq!(logs.len(), 1);
    let r = &logs[0].record;
    assert_eq!(r.event_name(), Some("user.authenticated"));
    assert_eq!(r.severity_text(), Some("INFO"));
    let a = attrs(r);
    assert_eq!(a["audit.activity_type"], "USER_AUTHENTICATED");
    assert_eq!(a["event.action"], "user.authenticated");
    assert_eq!(a["audit.category"], "user");
    assert_eq!(a["audit.view"], "user_activities");
    assert_eq!(a["event.outcome"], "success");
    assert_eq!(a["user.id"], "u-1");
    assert_eq!(a["audit.actor.id"], "u-1");
    assert_eq!(a["audit.client.id"], "portal", "from the span");
    assert_eq!(a["audit.context.request_id"], "req-42", "from the span");
    assert_eq!(a["session.id"], "s-1");
    assert_eq!(a["audit.seq"], 1);
    assert!(a["log.record.uid"].as_str().unwrap().len() >= 16);
    let ip = a["client.address"].as_str().unwrap();
    assert!(ip.starts_with("hmac:t:"), "{ip}");
    assert!(a["user_agent.original"]
        .as_str()
        .unwrap()
        .starts_with("hmac:t:"));
    let body = to_json(r.body().unwrap());
    assert_eq!(
        body["user"]["roles"],
        json!(["a", "b"]),
        "arrays stay arrays"
    );
    assert_eq!(body["user"]["standard_attributes"]["name"], "[REDACTED]");
    assert!(body["user"]["standard_attributes"]["email"]
        .as_str()
        .unwrap()
        .starts_with("hmac:t:"));
    assert_eq!(body["message"], "Signed in.");
    let res = &logs[0].resource;
    assert!(res
        .iter()
        .any(|(k, v)| k.as_str() == "service.name" && v.as_str() == "checkout"));
    let stats = guard.shutdown();
    assert_eq!(
        (
            stats.queued,
            stats.exported,
            stats.dropped_full,
            stats.failed
        ),
        (1, 1, 0, 0)
    );
}

#[test]
fn the_layer_leaks_no_planted_pii() {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .exporter(exporter.clone())
        .build()
        .unwrap();
    let mut g = Generator::new(GeneratorOptions {
        seed: 99,
        mix: Mix::Uniform,
        ..GeneratorOptions::default()
    });
    let n = 3000;
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..n {
            let e = g.next_event();
            let c = &e["context"];
            let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
            let ty = e["type"].as_str().unwrap().to_owned();
            audit!(type = ty.as_str(), payload = e["payload"].clone(),
                user_id = s("user_id").as_str(), ip = s("ip_address").as_str(),
                user_agent = s("user_agent").as_str(), client_id = s("client_id").as_str(),
                url = c["audit_context"]["http_url"].as_str().unwrap_or(""));
        }
    });
    let stats = guard.shutdown();
    assert_eq!(stats.exported, n, "{stats:?}");
    let logs = exporter.get_emitted_logs().unwrap();
    assert_eq!(logs.len() as u64, n);
    let mut out = String::new();
    for l in &logs {
        out.push_str(&serde_json::to_string(&attrs(&l.record)).unwrap());
        out.push_str(&l.record.body().map(to_json).unwrap_or_default().to_string());
        out.push('\n');
    }
    let oracle = Oracle::new(g.planted().iter().map(|(_, v)| v.as_str()));
    oracle.assert_clean("exported records", out.as_bytes());
}

#[test]
fn custom_types_unknown_types_and_catalog_overrides() {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .catalog(vec![CatalogOverride {
            event_type: "acme.invoice.exported".into(),
            category: Some(audit_otel::catalog::Category::Project),
            ..CatalogOverride::default()
        }])
        .exporter(exporter.clone())
        .build()
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        audit!(type = "acme.invoice.exported", invoice = "INV-7", amount = 12);
        audit!(type = "acme.widget.failed");
    });
    guard.flush().unwrap();
    let logs = exporter.get_emitted_logs().unwrap();
    let a0 = attrs(&logs[0].record);
    assert_eq!(logs[0].record.event_name(), Some("audit.custom"));
    assert_eq!(a0["event.action"], "acme.invoice.exported");
    assert_eq!(a0["audit.activity_type"], "ACME_INVOICE_EXPORTED");
    assert_eq!(a0["audit.category"], "project");
    assert_eq!(
        to_json(logs[0].record.body().unwrap()),
        json!({"invoice": "INV-7", "amount": 12})
    );
    let a1 = attrs(&logs[1].record);
    assert_eq!(logs[1].record.event_name(), Some("audit.unknown"));
    assert_eq!(a1["audit.category"], "other");
    assert_eq!(a1["event.outcome"], "failure");
    assert_eq!(
        guard.core().stats().snapshot().1,
        1,
        "one unknown type counted"
    );
}

/// Records what reaches it.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        self.0
            .lock()
            .unwrap()
            .push(e.metadata().target().to_owned());
    }
}

#[test]
fn other_events_pass_through_untouched_and_not_audit_hides_audit_events() {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .exporter(exporter.clone())
        .build()
        .unwrap();
    let all = Capture::default();
    let filtered = Capture::default();
    let subscriber = tracing_subscriber::registry()
        .with(layer)
        .with(all.clone())
        .with(filtered.clone().with_filter(not_audit()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "app", "hello");
        audit!(USER_SIGNED_OUT, user_id = "u-1");
        tracing::warn!(target: "app::db", "slow");
    });
    guard.flush().unwrap();
    assert_eq!(*all.0.lock().unwrap(), vec!["app", "audit", "app::db"]);
    assert_eq!(*filtered.0.lock().unwrap(), vec!["app", "app::db"]);
    assert_eq!(exporter.get_emitted_logs().unwrap().len(), 1);
}

#[test]
fn the_active_opentelemetry_span_becomes_the_trace_context() {
    use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let tracer_provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let tracer = tracer_provider.tracer("test");
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .exporter(exporter.clone())
        .build()
        .unwrap();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(layer);
    let mut expected = None;
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("login");
        let _e = span.enter();
        expected = Some(span.context().span().span_context().clone());
        audit!(USER_AUTHENTICATED, user_id = "u-2");
        // A platform tracking id wins over the active span.
        audit!(
            USER_AUTHENTICATED,
            user_id = "u-2",
            tracking_id = "d12982e46e80fa489b0bca16f72f2bb8-3586fca7fa0b8518"
        );
    });
    guard.flush().unwrap();
    let logs = exporter.get_emitted_logs().unwrap();
    let sc = expected.unwrap();
    assert!(sc.is_valid());
    let tc = logs[0].record.trace_context().unwrap();
    assert_eq!(tc.trace_id, sc.trace_id());
    assert_eq!(tc.span_id, sc.span_id());
    let tc = logs[1].record.trace_context().unwrap();
    assert_eq!(
        format!("{:032x}", tc.trace_id),
        "d12982e46e80fa489b0bca16f72f2bb8"
    );
}

/// An exporter that is slow, or fails, on purpose.
#[derive(Debug, Clone, Default)]
struct TestExporter {
    delay: Duration,
    fail: bool,
    seen: Arc<AtomicUsize>,
}

impl LogExporter for TestExporter {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let n = batch.iter().count();
        let me = self.clone();
        async move {
            std::thread::sleep(me.delay);
            if me.fail {
                return Err(OTelSdkError::InternalFailure("backend says no".into()));
            }
            me.seen.fetch_add(n, Ordering::SeqCst);
            Ok(())
        }
    }
}

/// A layer over a test exporter with a tiny queue.
fn tiny_queue_layer(
    exp: TestExporter,
    when_full: FullPolicy,
) -> (AuditLayer, audit_otel::layer::AuditGuard) {
    AuditLayer::builder()
        .queue(QueueConfig {
            capacity: 4,
            max_batch: 2,
            when_full,
            ..QueueConfig::default()
        })
        .exporter(exp)
        .build()
        .unwrap()
}

fn emit_burst(layer: AuditLayer, n: usize) {
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..n {
            audit!(USER_SIGNED_OUT, user_id = "u", i = i);
        }
    });
}

#[test]
fn the_default_policy_blocks_instead_of_dropping() {
    let exp = TestExporter {
        delay: Duration::from_millis(2),
        ..TestExporter::default()
    };
    let (layer, guard) = tiny_queue_layer(exp.clone(), QueueConfig::default().when_full);
    emit_burst(layer, 200);
    let stats = guard.shutdown();
    assert_eq!(
        (stats.queued, stats.exported, stats.dropped_full),
        (200, 200, 0)
    );
    assert_eq!(exp.seen.load(Ordering::SeqCst), 200);
}

#[test]
fn the_drop_policy_counts_every_drop() {
    let exp = TestExporter {
        delay: Duration::from_millis(20),
        ..TestExporter::default()
    };
    let (layer, guard) = tiny_queue_layer(exp.clone(), FullPolicy::Drop);
    emit_burst(layer, 200);
    let stats = guard.shutdown();
    assert!(stats.dropped_full > 0, "{stats:?}");
    assert_eq!(stats.queued + stats.dropped_full, 200);
    assert_eq!(stats.exported, stats.queued);
    assert_eq!(exp.seen.load(Ordering::SeqCst) as u64, stats.exported);
}

#[test]
fn export_failures_are_retried_then_counted() {
    let exp = TestExporter {
        fail: true,
        ..TestExporter::default()
    };
    let (layer, guard) = AuditLayer::builder()
        .queue(QueueConfig {
            max_batch: 10,
            max_attempts: 3,
            retry_backoff: Duration::from_millis(1),
            ..QueueConfig::default()
        })
        .exporter(exp)
        .build()
        .unwrap();
    emit_burst(layer, 25);
    let stats = guard.shutdown();
    assert_eq!(stats.failed, 25);
    assert_eq!(stats.exported, 0);
    assert_eq!(stats.retries, 3 * 2, "3 batches, 2 retries each");
}

#[test]
fn dropping_the_guard_flushes() {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .exporter(exporter.clone())
        .build()
        .unwrap();
    emit_burst(layer, 37);
    drop(guard);
    assert_eq!(exporter.get_emitted_logs().unwrap().len(), 37);
}

#[test]
fn no_payload_leaks_into_later_events_without_a_layer() {
    // No subscriber at all: the macro must not leave its payload behind for a later event.
    audit!(
        USER_AUTHENTICATED,
        payload = json!({"secret": "first"}),
        user_id = "x"
    );
    let (logs, _) = export_with_default_layer(|| {
        audit!(USER_SIGNED_OUT, user_id = "y");
    });
    assert!(logs[0].record.body().is_none());
}

/// A payload type of the service's own, with the shapes serde can produce.
#[derive(serde::Serialize)]
struct Invoice {
    number: String,
    lines: Vec<InvoiceLine>,
    status: InvoiceStatus,
    discount: Option<u8>,
    by_quarter: std::collections::BTreeMap<u8, i64>,
    issued_from: std::net::IpAddr,
}

#[derive(serde::Serialize)]
struct InvoiceLine {
    sku: &'static str,
    quantity: u32,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum InvoiceStatus {
    Paid { method: &'static str },
}

#[test]
fn typed_payloads_arrive_structured_as_serde_json_would_make_them() {
    let invoice = Invoice {
        number: "INV-7".into(),
        lines: vec![InvoiceLine {
            sku: "W-1",
            quantity: 2,
        }],
        status: InvoiceStatus::Paid { method: "card" },
        discount: None,
        by_quarter: [(1, 120), (2, -5)].into(),
        issued_from: "203.0.113.7".parse().unwrap(),
    };
    let (logs, stats) = export_with_default_layer(|| {
        // By reference or by value, the payload is the same.
        audit!(type = "acme.invoice.exported", payload = &invoice, user_id = "u-1");
        audit!(type = "acme.invoice.exported", payload = invoice, user_id = "u-1");
    });
    assert_eq!(logs.len(), 2);
    for log in &logs {
        let mut body = to_json(log.record.body().unwrap());
        // The default rules pseudonymize the address (an IP is personal data); the rest is as
        // serde_json would have written it: structs and enums as maps, numeric keys as strings.
        let ip = body["issued_from"].take();
        assert!(ip.as_str().unwrap().starts_with("hmac:"), "{ip}");
        assert_eq!(
            body,
            json!({
                "number": "INV-7",
                "lines": [{"sku": "W-1", "quantity": 2}],
                "status": {"paid": {"method": "card"}},
                "discount": "",
                "by_quarter": {"1": 120, "2": -5},
                "issued_from": null,
            }),
            "{body}"
        );
    }
    assert_eq!(stats.payload_errors, 0);
}

/// Fails to serialize, with personal data in its error.
struct Unserializable;

impl serde::Serialize for Unserializable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("jane.doe@example.com"))
    }
}

#[test]
fn a_payload_that_cannot_be_serialized_is_counted_and_the_event_still_exported() {
    let (logs, stats) = export_with_default_layer(|| {
        audit!(
            USER_AUTHENTICATED,
            payload = Unserializable,
            user_id = "u-1"
        );
        audit!(USER_SIGNED_OUT, user_id = "u-1");
    });
    assert_eq!(logs.len(), 2, "neither event is lost");
    let body = to_json(logs[0].record.body().unwrap());
    assert_eq!(
        body,
        json!({"payload_error": "the payload could not be serialized"})
    );
    assert!(logs[1].record.body().is_none(), "the next event is clean");
    assert_eq!(stats.payload_errors, 1);
    assert_eq!(attrs(&logs[0].record)["user.id"], json!("u-1"));
}

/// Counts how often it is serialized.
struct CountsSerializations(Arc<AtomicUsize>);

impl serde::Serialize for CountsSerializations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.fetch_add(1, Ordering::Relaxed);
        s.serialize_str("x")
    }
}

#[test]
fn a_payload_is_serialized_once_and_only_when_the_event_is_enabled() {
    let count = Arc::new(AtomicUsize::new(0));
    let payload = CountsSerializations(count.clone());
    // No subscriber: the event is disabled and the payload untouched.
    audit!(USER_AUTHENTICATED, payload = payload, user_id = "u-1");
    assert_eq!(count.load(Ordering::Relaxed), 0);
    // A subscriber that filters audit events out.
    let filtered = tracing_subscriber::registry()
        .with(Capture::default().with_filter(tracing_subscriber::filter::LevelFilter::ERROR));
    tracing::subscriber::with_default(filtered, || {
        audit!(USER_AUTHENTICATED, payload = payload, user_id = "u-1");
    });
    assert_eq!(count.load(Ordering::Relaxed), 0);
    let (logs, _) = export_with_default_layer(|| {
        audit!(USER_AUTHENTICATED, payload = payload, user_id = "u-1");
    });
    assert_eq!(count.load(Ordering::Relaxed), 1);
    assert_eq!(
        to_json(logs[0].record.body().unwrap()),
        json!({"value": "x"})
    );
}

#[test]
fn every_audit_layer_sees_the_payload() {
    let (first, second) = (Keep::default(), Keep::default());
    let (layer1, guard1) = AuditLayer::builder()
        .exporter(first.clone())
        .build()
        .unwrap();
    let (layer2, guard2) = AuditLayer::builder()
        .exporter(second.clone())
        .build()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer1).with(layer2);
    tracing::subscriber::with_default(subscriber, || {
        audit!(type = "acme.invoice.exported", payload = json!({"invoice": "INV-7"}));
    });
    guard1.flush().unwrap();
    guard2.flush().unwrap();
    for exporter in [first, second] {
        let logs = exporter.get_emitted_logs().unwrap();
        assert_eq!(
            to_json(logs[0].record.body().unwrap()),
            json!({"invoice": "INV-7"})
        );
    }
    assert_eq!(
        guard1.stats().payload_errors + guard2.stats().payload_errors,
        0
    );
}

/// A payload whose serialization emits an audit event of its own.
struct EmitsWhileSerializing;

impl serde::Serialize for EmitsWhileSerializing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        audit!(type = "acme.inner", payload = json!({"from": "serialize"}));
        s.serialize_str("outer")
    }
}

/// A field whose `Debug` emits an audit event of its own (while the outer one is recorded).
struct EmitsWhileFormatted;

impl std::fmt::Debug for EmitsWhileFormatted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        audit!(type = "acme.inner", payload = json!({"from": "debug"}));
        f.write_str("formatted")
    }
}

/// A field value computed by a function that emits an audit event of its own.
fn emits_while_evaluated() -> &'static str {
    audit!(type = "acme.inner", payload = json!({"from": "field"}));
    "evaluated"
}

/// Emits an audit event from inside another layer's `on_event`.
struct EmitsFromALayer;

impl<S: tracing::Subscriber> Layer<S> for EmitsFromALayer {
    fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if e.metadata().target() == "audit" && e.metadata().fields().field("outer").is_some() {
            audit!(type = "acme.inner", payload = json!({"from": "layer"}));
        }
    }
}

#[test]
fn audit_events_emitted_while_another_is_built_keep_both_payloads() {
    let exporter = Keep::default();
    let (layer, guard) = AuditLayer::builder()
        .exporter(exporter.clone())
        .build()
        .unwrap();
    // The other layer runs before ours, so the outer event's payload must outlive the inner one.
    let subscriber = tracing_subscriber::registry()
        .with(EmitsFromALayer)
        .with(layer);
    tracing::subscriber::with_default(subscriber, || {
        audit!(type = "acme.outer", payload = EmitsWhileSerializing);
        audit!(type = "acme.outer", payload = json!({"n": 2}), kind = emits_while_evaluated());
        audit!(type = "acme.outer", payload = json!({"n": 3}), kind = ?EmitsWhileFormatted);
        audit!(type = "acme.outer", payload = json!({"n": 4}), outer = true);
    });
    guard.flush().unwrap();
    let bodies: Vec<Value> = exporter
        .get_emitted_logs()
        .unwrap()
        .iter()
        .map(|l| to_json(l.record.body().unwrap()))
        .collect();
    // Events emitted *during* a dispatch (from a field's `Debug`, from another layer) never
    // reach a subscriber: `tracing` itself sends them nowhere, to prevent loops. What matters
    // here is that the outer events keep their payloads.
    assert_eq!(
        bodies,
        [
            json!({"from": "serialize"}),
            json!({"value": "outer"}),
            json!({"from": "field"}),
            json!({"n": 2, "kind": "evaluated"}),
            json!({"n": 3, "kind": "formatted"}),
            json!({"n": 4, "outer": true}),
        ]
    );
    assert_eq!(guard.stats().payload_errors, 0);
}

#[test]
fn a_hand_written_audit_payload_field_is_counted_not_matched_to_a_stash() {
    let (logs, stats) = export_with_default_layer(|| {
        tracing::event!(target: "audit", tracing::Level::INFO, audit.type = "acme.raw", audit.payload = true, user_id = "u-1");
        tracing::event!(target: "audit", tracing::Level::INFO, audit.type = "acme.raw", audit.payload = 1u64, user_id = "u-1");
    });
    assert_eq!(logs.len(), 2);
    for log in &logs {
        assert_eq!(
            to_json(log.record.body().unwrap()),
            json!({"payload_error": "the payload did not reach the layer"})
        );
    }
    assert_eq!(stats.payload_errors, 2);
}
