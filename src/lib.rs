//! # audit-otel
//!
//! Identity-platform audit events as structured, redacted OpenTelemetry log records, forwarded
//! over OTLP. One core, two front ends:
//!
//! ```text
//!   tracing macros ──► layer ─┐                               ┌──► OTLP/gRPC, OTLP/HTTP
//!                             ├─► event ─► catalog ─► redact ─► otel mapping
//!   NDJSON, webhooks, OTLP ──►┘  (model)  (category,  (rules)  (one function) ──► stdout / file
//!   (the processor binary)                  severity)
//! ```
//!
//! - [`event`]: the audit event envelope (`id`, `seq`, `type`, `context`, `payload`), parsed from
//!   JSON bytes with clear errors, unknown fields kept.
//! - [`catalog`]: every activity type with category, outcome, severity, actor and view.
//! - [`redact`]: PII redaction rules, compiled once, applied in place.
//! - [`otel`]: the mapping from an event to an OpenTelemetry log record (the attribute contract),
//!   and its two targets: OTLP protobuf records and any `opentelemetry` SDK `LogRecord`.
//! - [`generate`]: a deterministic generator of realistic events with planted, listed PII.
//! - [`layer`]: the `tracing` layer and the [`audit!`] macro (feature `layer`).
//! - [`core`]: parse → categorize → redact → map, shared by both front ends.
//! - [`pipeline`]: pipeline configuration and the processor's run loop (feature `processor`).
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]
#![forbid(unsafe_code)]

pub mod catalog;
pub mod core;
pub mod event;
pub mod generate;
pub mod json;
#[cfg(feature = "layer")]
pub mod layer;
pub mod otel;
#[cfg(feature = "processor")]
pub mod pipeline;
pub mod redact;
#[cfg(feature = "testing")]
pub mod testing;

pub use catalog::{Catalog, CatalogEntry};
pub use core::AuditCore;
pub use event::{AuditEvent, ParseError};

#[doc(hidden)]
pub mod __private {
    //! Re-exports for the `audit!` macro.
    pub use tracing;
}
