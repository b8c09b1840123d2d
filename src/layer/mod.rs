//! The tracing layer (feature `layer`): audit events emitted with `tracing` become the same
//! redacted OpenTelemetry log records the processor makes, exported through the OpenTelemetry
//! SDK over OTLP.
//!
//! ```no_run
//! use audit_otel::audit;
//! use audit_otel::layer::AuditLayer;
//! use tracing_subscriber::prelude::*;
//!
//! let (layer, guard) = AuditLayer::builder()
//!     .service_name("checkout")
//!     .otlp_grpc("http://localhost:4317")
//!     .build()
//!     .expect("audit layer");
//! tracing_subscriber::registry()
//!     .with(layer)
//!     .with(tracing_subscriber::fmt::layer().with_filter(audit_otel::layer::not_audit()))
//!     .init();
//!
//! let user = "3099fdf5-ab99-454a-a901-e35cd47d380d";
//! audit!(USER_AUTHENTICATED,
//!     payload = serde_json::json!({"user": {"id": user, "standard_attributes": {"email": "a@example.com"}}}),
//!     user_id = user, client_id = "portal", ip = "203.0.113.7");
//! audit!(type = "acme.invoice.exported", user_id = user, invoice = "INV-7");
//! drop(guard); // flushes what is queued
//! ```
//!
//! # How events are recognised and built
//!
//! An event is an audit event when its target is the layer's target (`audit` by default, what
//! the [`audit!`](crate::audit) macro uses); every other event is ignored by this layer and
//! reaches other layers untouched. Its type is the `audit.type` field; context comes from
//! known fields of the event and of its enclosing spans (the event's own win, then inner
//! spans over outer ones):
//!
//! | field | becomes |
//! |---|---|
//! | `user_id`, `client_id`, `ip` / `ip_address`, `user_agent`, `session_id`, `app_id`, `triggered_by`, `tracking_id` | the same `context` fields |
//! | `actor_user_id` / `actor_id`, `request_id`, `url` / `http_url` | `context.audit_context` fields |
//! | `event_id`, `seq` | the event id and sequence number (otherwise a unique id and a per-process counter) |
//! | any other field, and `message` | a key of the payload |
//!
//! A structured payload (`payload = snapshot`, anything `serde::Serialize`: your own types or a
//! `serde_json::json!(...)` value) travels from the macro to the layer through a thread-local
//! slot, not through a field, so no other layer sees it. The emitting thread writes it once as
//! MessagePack (cheaper than JSON text: no escaping); the export thread reads it back into the
//! shape `serde_json::to_value` gives, so nested maps and arrays arrive as OTel maps and
//! arrays, never as a string. A payload that cannot be carried (its `Serialize` fails, it has
//! no JSON form, or it lies about its lengths) is counted ([`ExportStats::payload_errors`]) and
//! the event is exported with a `payload_error` key in its place.
//! When `tracing-opentelemetry` is in use, the active span's trace and span ids are attached
//! (unless the event carries a platform `tracking_id`).
//!
//! Other layers still see the audit event's plain fields (`ip`, `user_id`, ...): keep them out
//! of your console and file layers with [`not_audit()`].
//!
//! # Export
//!
//! The layer emits through an `SdkLoggerProvider` whose only processor is
//! [`AuditExportProcessor`]: a bounded queue that blocks the emitter for a bounded time rather
//! than dropping, counts anything dropped or failed ([`ExportStats`]), and is flushed by
//! [`AuditGuard`] on drop or [`AuditGuard::shutdown`]. The layer never handles events of its own
//! exporter (their targets are not the audit target), so there is no feedback loop.

mod capture;
mod fields;
mod payload;
pub mod processor;

use std::borrow::Cow;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::logs::{LogExporter, SdkLoggerProvider};
use opentelemetry_sdk::Resource;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

pub use fields::{PayloadScope, PayloadSlot};
pub use processor::{AuditExportProcessor, ExportStats, FullPolicy, QueueConfig, StatsHandle};

use crate::catalog::{Catalog, CatalogError, CatalogOverride};
use crate::core::AuditCore;
use crate::event::ParseOptions;
use crate::otel::{now_unix_nano, sdk::SdkRecord};
use crate::redact::{Pseudonymizer, RedactionConfig, RedactionConfigErrors, Redactor};
use capture::Capture;
use fields::SpanContextFields;

/// Timeout of one OTLP export call.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The target of audit events (what [`audit!`](crate::audit) uses).
pub const DEFAULT_TARGET: &str = "audit";

/// Emits an audit event for the tracing layer.
///
/// The first argument is a catalog activity type, checked at compile time (a constant of
/// [`catalog::activity`](crate::catalog::activity)), or `type = "dotted.type"` for a type of
/// your own. A structured payload, when given, comes next as `payload = <expr>`: anything
/// `serde::Serialize` (a `serde_json::Value`, or your own types), taken by reference. Then any
/// `tracing` fields (see [the layer docs](crate::layer)).
///
/// ```
/// # use audit_otel::audit;
/// audit!(USER_SIGNED_OUT, user_id = "u-1", client_id = "portal");
/// audit!(IDENTITY_EMAIL_ADDED, payload = serde_json::json!({"identity": {"type": "login_id"}}), user_id = "u-1");
/// audit!(type = "acme.invoice.exported", user_id = "u-1", invoice = "INV-7");
/// ```
#[macro_export]
macro_rules! audit {
    (type = $ty:expr, payload = $payload:expr $(, $($field:tt)*)?) => {
        $crate::__audit_emit!($ty, payload = $payload $(, $($field)*)?)
    };
    (type = $ty:expr $(, $($field:tt)*)?) => {
        $crate::__audit_emit!($ty $(, $($field)*)?)
    };
    ($activity:ident, payload = $payload:expr $(, $($field:tt)*)?) => {
        $crate::__audit_emit!($crate::catalog::activity::$activity, payload = $payload $(, $($field)*)?)
    };
    ($activity:ident $(, $($field:tt)*)?) => {
        $crate::__audit_emit!($crate::catalog::activity::$activity $(, $($field)*)?)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __audit_emit {
    // `tracing` evaluates field values only when the event is enabled, so the payload is
    // serialized (into this thread's stash, for the audit layers to copy) only then. The scope
    // ends the stash after the event, or on unwinding.
    ($ty:expr, payload = $payload:expr $(, $($field:tt)*)?) => {{
        let __audit_payload_scope = $crate::layer::PayloadSlot::scope();
        $crate::__private::tracing::event!(
            target: "audit",
            $crate::__private::tracing::Level::INFO,
            audit.type = $ty,
            audit.payload = $crate::layer::PayloadSlot::stash(&$payload)
            $(, $($field)*)?
        );
        ::core::mem::drop(__audit_payload_scope);
    }};
    ($ty:expr $(, $($field:tt)*)?) => {
        $crate::__private::tracing::event!(
            target: "audit",
            $crate::__private::tracing::Level::INFO,
            audit.type = $ty,
            audit.payload = false
            $(, $($field)*)?
        )
    };
}

/// A filter for other layers that lets everything through except audit events (whose plain
/// fields, such as `ip` and `user_id`, are not redacted there).
pub fn not_audit() -> tracing_subscriber::filter::FilterFn<impl Fn(&tracing::Metadata<'_>) -> bool>
{
    tracing_subscriber::filter::filter_fn(|m| m.target() != DEFAULT_TARGET)
}

/// Why the layer could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The redaction configuration is invalid.
    #[error(transparent)]
    Redaction(#[from] RedactionConfigErrors),
    /// A catalog override is invalid.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Catalog(Vec<CatalogError>),
    /// No exporter was configured.
    #[error("no exporter: call `otlp_grpc`, `otlp_http` or `exporter` on the builder")]
    NoExporter,
    /// The exporter or its thread could not be started.
    #[error("cannot start the exporter: {0}")]
    Exporter(#[source] std::io::Error),
}

type ExporterFactory = Box<dyn FnOnce(QueueConfig) -> std::io::Result<AuditExportProcessor> + Send>;

/// Builds an [`AuditLayer`] and its [`AuditGuard`].
pub struct AuditLayerBuilder {
    target: Cow<'static, str>,
    redaction: RedactionConfig,
    key: Option<Pseudonymizer>,
    catalog: Vec<CatalogOverride>,
    resource: Vec<(String, String)>,
    queue: QueueConfig,
    exporter: Option<ExporterFactory>,
}

impl std::fmt::Debug for AuditLayerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLayerBuilder")
            .field("target", &self.target)
            .field("resource", &self.resource)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl AuditLayerBuilder {
    /// Audit events are those with this target (default `audit`, what `audit!` uses).
    pub fn target(mut self, target: impl Into<Cow<'static, str>>) -> Self {
        self.target = target.into();
        self
    }

    /// Redaction rules (default: the built-in rules).
    pub fn redaction(mut self, config: RedactionConfig) -> Self {
        self.redaction = config;
        self
    }

    /// The pseudonymization key for `hash` actions (default: the configuration's
    /// `pseudonymization` section, else a random per-process key).
    pub fn pseudonymization_key(mut self, key_id: &str, key: &[u8]) -> Self {
        self.key = Some(Pseudonymizer::new(key_id, key));
        self
    }

    /// Additions to and overrides of the activity catalog.
    pub fn catalog(mut self, overrides: Vec<CatalogOverride>) -> Self {
        self.catalog = overrides;
        self
    }

    /// `service.name` of the resource.
    pub fn service_name(self, name: impl Into<String>) -> Self {
        self.resource_attribute("service.name", name)
    }

    /// A resource attribute (`deployment.environment.name`, ...).
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.resource.retain(|(k, _)| *k != key);
        self.resource.push((key, value.into()));
        self
    }

    /// Queue, batching and back-pressure settings.
    pub fn queue(mut self, queue: QueueConfig) -> Self {
        self.queue = queue;
        self
    }

    /// Export over OTLP/gRPC, gzip-compressed (e.g. `http://localhost:4317`).
    pub fn otlp_grpc(self, endpoint: impl Into<String>) -> Self {
        let endpoint = endpoint.into();
        self.exporter_from(move || {
            use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
            opentelemetry_otlp::LogExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .with_compression(opentelemetry_otlp::Compression::Gzip)
                .with_timeout(EXPORT_TIMEOUT)
                .build()
                .map_err(|e| e.to_string())
        })
    }

    /// Export over OTLP/HTTP with protobuf bodies (the full URL, e.g.
    /// `http://localhost:4318/v1/logs`).
    pub fn otlp_http(self, logs_url: impl Into<String>) -> Self {
        let url = logs_url.into();
        self.exporter_from(move || {
            use opentelemetry_otlp::WithExportConfig;
            opentelemetry_otlp::LogExporter::builder()
                .with_http()
                .with_endpoint(url)
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_timeout(EXPORT_TIMEOUT)
                .build()
                .map_err(|e| e.to_string())
        })
    }

    /// Export through any SDK `LogExporter` (e.g. the SDK's `InMemoryLogExporter` in tests).
    pub fn exporter<E: LogExporter + 'static>(self, exporter: E) -> Self {
        self.exporter_from(move || Ok(exporter))
    }

    /// Export through an exporter made on the export thread, inside its tokio runtime.
    pub fn exporter_from<E, F>(mut self, make: F) -> Self
    where
        E: LogExporter + 'static,
        F: FnOnce() -> Result<E, String> + Send + 'static,
    {
        self.exporter = Some(Box::new(move |q| AuditExportProcessor::new(q, make)));
        self
    }

    /// Builds the layer and the guard that flushes it.
    pub fn build(self) -> Result<(AuditLayer, AuditGuard), LayerError> {
        let redactor = match self.key {
            Some(k) => Redactor::compile_with_key(&self.redaction, k)?,
            None => Redactor::compile(&self.redaction)?,
        };
        let catalog = Catalog::with_overrides(&self.catalog).map_err(LayerError::Catalog)?;
        let make = self.exporter.ok_or(LayerError::NoExporter)?;
        let processor = make(self.queue).map_err(LayerError::Exporter)?;
        let stats = processor.stats_handle();
        let submitter = processor.submitter();
        let mut resource = Resource::builder();
        if !self.resource.iter().any(|(k, _)| k == "service.name") {
            resource = resource.with_service_name("audit-otel");
        }
        for (k, v) in self.resource {
            resource = resource.with_attribute(opentelemetry::KeyValue::new(k, v));
        }
        let provider = SdkLoggerProvider::builder()
            .with_resource(resource.build())
            .with_log_processor(processor)
            .build();
        let logger = provider.logger("audit-otel");
        let core = Arc::new(AuditCore::new(catalog, redactor, ParseOptions::default()));
        // The worker builds (redacts, maps) what the layer captured.
        let (build_core, build_logger) = (core.clone(), logger.clone());
        let id_prefix = format!("{:016x}", rand::random::<u64>());
        submitter.bind(
            Arc::new(move |p: processor::Pending| {
                let (mut event, payload_failed) = p.capture.into_event(
                    || format!("{id_prefix}{:016x}", p.seq),
                    p.seq,
                    p.observed_unix_nano,
                );
                let has_own_trace = event.trace_context().is_some();
                let mut record = build_logger.create_log_record();
                build_core.build(
                    &mut event,
                    p.observed_unix_nano,
                    &mut SdkRecord(&mut record),
                );
                if let (Some((trace, span, flags)), false) = (p.trace, has_own_trace) {
                    record.set_trace_context(trace, span, Some(flags));
                }
                (record, payload_failed)
            }),
            opentelemetry::InstrumentationScope::builder("audit-otel").build(),
        );
        let inner = Arc::new(Inner {
            core,
            submitter,
            target: self.target,
            seq: AtomicI64::new(0),
        });
        Ok((
            AuditLayer {
                inner: inner.clone(),
            },
            AuditGuard {
                provider: Some(provider),
                stats,
                inner,
            },
        ))
    }
}

struct Inner {
    core: Arc<AuditCore>,
    submitter: processor::Submitter,
    target: Cow<'static, str>,
    seq: AtomicI64,
}

/// The tracing layer. Cheap to clone.
#[derive(Clone)]
pub struct AuditLayer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AuditLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLayer")
            .field("target", &self.inner.target)
            .finish_non_exhaustive()
    }
}

impl AuditLayer {
    /// A builder with the built-in rules and catalog, target `audit`, and no exporter yet.
    pub fn builder() -> AuditLayerBuilder {
        AuditLayerBuilder {
            target: Cow::Borrowed(DEFAULT_TARGET),
            redaction: RedactionConfig::default(),
            key: None,
            catalog: Vec::new(),
            resource: Vec::new(),
            queue: QueueConfig::default(),
            exporter: None,
        }
    }

    /// The shared core (catalog, redactor, counters).
    pub fn core(&self) -> &AuditCore {
        &self.inner.core
    }
}

/// Flushes and shuts the export down when dropped. Keep it alive as long as the layer emits.
#[must_use = "dropping the guard shuts the audit export down"]
pub struct AuditGuard {
    provider: Option<SdkLoggerProvider>,
    stats: StatsHandle,
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AuditGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditGuard")
            .field("stats", &self.stats())
            .finish()
    }
}

impl AuditGuard {
    /// Export counters.
    pub fn stats(&self) -> ExportStats {
        self.stats.get()
    }

    /// The core's counters (mapped, unknown types, redactions).
    pub fn core(&self) -> &AuditCore {
        &self.inner.core
    }

    /// Exports everything queued so far.
    pub fn flush(&self) -> Result<(), String> {
        match &self.provider {
            Some(p) => p.force_flush().map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// Flushes and stops the export; returns the final counters.
    pub fn shutdown(mut self) -> ExportStats {
        self.stop();
        self.stats()
    }

    fn stop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown_with_timeout(Duration::from_secs(30));
        }
    }
}

impl Drop for AuditGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

impl<S> Layer<S> for AuditLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut f = SpanContextFields::default();
        attrs.record(&mut f);
        if !f.0.is_empty() {
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(f);
            }
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        match ext.get_mut::<SpanContextFields>() {
            Some(f) => values.record(f),
            None => {
                let mut f = SpanContextFields::default();
                values.record(&mut f);
                if !f.0.is_empty() {
                    ext.insert(f);
                }
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != self.inner.target {
            return;
        }
        let mut capture = Capture::new();
        capture.record_event(event);
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if let Some(sf) = span.extensions().get::<SpanContextFields>() {
                    for (slot, v) in &sf.0 {
                        capture.span_field(*slot, v);
                    }
                }
            }
        }
        fields::note_capture_len(capture.len());
        self.emit(capture);
    }
}

impl AuditLayer {
    /// Queues a captured event; the export thread builds it.
    fn emit(&self, capture: Capture) {
        let inner = &*self.inner;
        let now = now_unix_nano();
        let seq = inner.seq.fetch_add(1, Ordering::Relaxed) + 1;
        // The active span, for events without a trace of their own (the worker drops it when
        // the event carries a platform `tracking_id`).
        let trace = opentelemetry::Context::map_current(|cx| {
            let span = cx.span();
            let sc = span.span_context();
            sc.is_valid()
                .then(|| (sc.trace_id(), sc.span_id(), sc.trace_flags()))
        });
        inner
            .submitter
            .submit(processor::Msg::Pending(Box::new(processor::Pending {
                capture,
                seq,
                observed_unix_nano: now,
                trace,
            })));
    }
}
