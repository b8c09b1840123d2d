//! The shared core: parse → categorize → redact → map. The tracing layer and the processor
//! both call [`AuditCore`]; nothing of this is written twice.

use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::Message;

use crate::catalog::{Catalog, Resolved};
use crate::event::{AuditEvent, ParseError, ParseOptions};
use crate::otel::encode::{EncodedRecords, RecordWriter, SenderTrace};
use crate::otel::{self, RecordBuilder};
use crate::redact::{EventScope, Fired, RedactionSummary, Redactor};

/// Counters of the core, cheap to update from many threads.
#[derive(Debug, Default)]
pub struct CoreStats {
    /// Events mapped to records.
    pub mapped: AtomicU64,
    /// Events whose type the catalog does not know (mapped with category `other`).
    pub unknown_types: AtomicU64,
    /// Inputs rejected by the parser.
    pub rejected: AtomicU64,
    /// Fields or matches changed by redaction.
    pub redactions: AtomicU64,
}

impl CoreStats {
    fn bump(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// A snapshot: (mapped, unknown types, rejected, redactions).
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.mapped.load(Ordering::Relaxed),
            self.unknown_types.load(Ordering::Relaxed),
            self.rejected.load(Ordering::Relaxed),
            self.redactions.load(Ordering::Relaxed),
        )
    }
}

/// Catalog, redaction rules and parse limits, compiled once and shared.
#[derive(Debug)]
pub struct AuditCore {
    catalog: Catalog,
    redactor: Redactor,
    parse: ParseOptions,
    stats: CoreStats,
}

impl AuditCore {
    /// A core from its parts.
    pub fn new(catalog: Catalog, redactor: Redactor, parse: ParseOptions) -> AuditCore {
        AuditCore {
            catalog,
            redactor,
            parse,
            stats: CoreStats::default(),
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The redaction rules.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The parse limits.
    pub fn parse_options(&self) -> ParseOptions {
        self.parse
    }

    /// Counters.
    pub fn stats(&self) -> &CoreStats {
        &self.stats
    }

    /// Parses one event; rejections are counted.
    pub fn parse(&self, bytes: &[u8]) -> Result<AuditEvent, ParseError> {
        let mut event = AuditEvent::default();
        self.parse_into(bytes, &mut event)?;
        Ok(event)
    }

    /// Parses one event into `event`, reusing its buffers; rejections are counted.
    pub fn parse_into(&self, bytes: &[u8], event: &mut AuditEvent) -> Result<(), ParseError> {
        event.parse_in_place(bytes, self.parse).inspect_err(|_| {
            CoreStats::bump(&self.stats.rejected, 1);
        })
    }

    /// Resolves and redacts an event in place; returns the catalog's verdict.
    pub fn prepare(&self, event: &mut AuditEvent) -> Resolved<'_> {
        self.prepare_with(event, None).0
    }

    /// As [`AuditCore::prepare`], telling `observer` about every rule that fired (for
    /// `audit-otel redact`).
    pub fn prepare_explained(
        &self,
        event: &mut AuditEvent,
        observer: &mut dyn FnMut(Fired<'_>),
    ) -> Resolved<'_> {
        self.prepare_with(event, Some(observer)).0
    }

    fn prepare_with(
        &self,
        event: &mut AuditEvent,
        observer: Option<&mut dyn FnMut(Fired<'_>)>,
    ) -> (Resolved<'_>, RedactionSummary) {
        let resolved = self.catalog.resolve(event.event_type());
        if !resolved.is_known() {
            CoreStats::bump(&self.stats.unknown_types, 1);
        }
        let activity = match resolved {
            Resolved::Known(e) => std::borrow::Cow::Borrowed(e.activity_type.as_ref()),
            Resolved::Unknown(_) => {
                std::borrow::Cow::Owned(self.catalog.activity(event.event_type()).into_owned())
            }
        };
        let scope = EventScope {
            category: resolved.entry().category,
            activity_type: &activity,
        };
        let summary = match observer {
            Some(o) => self.redactor.redact_explained(event, &scope, o),
            None => self.redactor.redact_summarized(event, &scope),
        };
        CoreStats::bump(&self.stats.redactions, summary.changed as u64);
        (resolved, summary)
    }

    /// Redacts and maps an event into any record builder (the SDK's records, say). The
    /// builder is not finished: a [`RecordWriter`] still needs its `finish`.
    pub fn build<B: RecordBuilder>(
        &self,
        event: &mut AuditEvent,
        observed_unix_nano: u64,
        b: &mut B,
    ) {
        let (resolved, summary) = self.prepare_with(event, None);
        otel::map_event(event, resolved, &self.catalog, observed_unix_nano, b);
        otel::summarize_redaction(&self.redactor, &summary, b);
        CoreStats::bump(&self.stats.mapped, 1);
    }

    /// Redacts and maps an event, appending its OTLP `LogRecord` message (protobuf, without a
    /// tag or length of its own) to `out`: what sources hand to sinks.
    pub fn encode(&self, event: &mut AuditEvent, observed_unix_nano: u64, out: &mut Vec<u8>) {
        self.encode_with(event, observed_unix_nano, None, out);
    }

    /// As [`AuditCore::encode`], with the trace context of the record the event arrived in
    /// (an OTLP sender's), used when the event has none of its own.
    pub fn encode_with(
        &self,
        event: &mut AuditEvent,
        observed_unix_nano: u64,
        sender_trace: Option<SenderTrace>,
        out: &mut Vec<u8>,
    ) {
        let mut w = RecordWriter::new(out).with_fallback_trace(sender_trace);
        self.build(event, observed_unix_nano, &mut w);
        w.finish();
    }

    /// Parses, redacts and maps one input line into `records`, reusing `event`'s buffers.
    pub fn process_into(
        &self,
        bytes: &[u8],
        observed_unix_nano: u64,
        event: &mut AuditEvent,
        records: &mut EncodedRecords,
    ) -> Result<(), ParseError> {
        self.parse_into(bytes, event)?;
        records.push_with(|out| self.encode(event, observed_unix_nano, out));
        Ok(())
    }

    /// Redacts and maps an event to an OTLP protobuf record (a decoded copy of what
    /// [`AuditCore::encode`] writes: for tests and tools).
    pub fn to_proto(&self, mut event: AuditEvent, observed_unix_nano: u64) -> LogRecord {
        let mut out = Vec::new();
        self.encode(&mut event, observed_unix_nano, &mut out);
        LogRecord::decode(&out[..]).expect("the encoder writes valid protobuf")
    }

    /// Parses, redacts and maps one input line.
    pub fn process(&self, bytes: &[u8], observed_unix_nano: u64) -> Result<LogRecord, ParseError> {
        let event = self.parse(bytes)?;
        Ok(self.to_proto(event, observed_unix_nano))
    }
}

impl Default for AuditCore {
    /// The built-in catalog and rules (with a per-process pseudonymization key).
    fn default() -> Self {
        AuditCore::new(
            Catalog::builtin(),
            Redactor::default(),
            ParseOptions::default(),
        )
    }
}
