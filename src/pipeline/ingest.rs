//! What every source uses to hand events to the pipeline: [`SourceContext`].
//!
//! A source turns its input into records with [`SourceContext::event`] (parse, dedup,
//! categorize, redact, map: the shared core, plus the pipeline's counters and dead letters)
//! and hands them to every sink with [`SourceContext::submit`], which waits for room in the
//! sinks' buffers and returns a [`Receipt`] that resolves when the records are safe.
//! Rejections are counted, logged without values and dead-lettered here, once for all sources.

use std::sync::Arc;

use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use tokio_util::sync::CancellationToken;

use super::ack::{Ack, Delivery, Receipt};
use super::dead_letter::SharedDeadLetters;
use super::dedup::{DedupWindow, IdClaim};
use super::sink::{RecordBatch, SinkHandle};
use super::stats::{add, SourceStats};
use crate::core::AuditCore;
use crate::event::{AuditEvent, ParseError};
use crate::otel::encode::{EncodedRecords, SenderTrace};
use crate::otel::now_unix_nano;

/// What [`SourceContext::event`] made of an input.
#[derive(Debug)]
pub enum Verdict {
    /// A record was appended to the caller's records, ready to submit. The claim on its event
    /// id is released with [`SourceContext::release`] if the record cannot be submitted after
    /// all.
    Record(Option<IdClaim>),
    /// The event id was accepted before (counted, not exported).
    Duplicate,
    /// Rejected (counted, logged, dead-lettered) for this reason.
    Rejected(&'static str),
}

/// Shared by every source of a pipeline.
pub(crate) struct Shared {
    pub core: Arc<AuditCore>,
    pub sinks: Vec<SinkHandle>,
    pub dead: SharedDeadLetters,
    pub dedup: Option<DedupWindow>,
    pub resource: Arc<Resource>,
    pub max_event_bytes: usize,
    /// Worker threads per line source.
    pub workers: usize,
}

/// A source's view of its pipeline.
#[derive(Clone)]
pub struct SourceContext {
    shared: Arc<Shared>,
    stats: Arc<SourceStats>,
    shutdown: CancellationToken,
}

impl SourceContext {
    pub(crate) fn new(
        shared: Arc<Shared>,
        stats: Arc<SourceStats>,
        shutdown: CancellationToken,
    ) -> SourceContext {
        SourceContext {
            shared,
            stats,
            shutdown,
        }
    }

    /// The source's name, for logs and dead letters.
    pub fn name(&self) -> &str {
        &self.stats.name
    }

    /// The shared core.
    pub fn core(&self) -> &AuditCore {
        &self.shared.core
    }

    /// This source's counters.
    pub fn stats(&self) -> &SourceStats {
        &self.stats
    }

    /// Fired when the source must stop taking input (SIGTERM, or a sink closed).
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Largest event accepted, in bytes.
    pub fn max_event_bytes(&self) -> usize {
        self.shared.max_event_bytes
    }

    /// Worker threads a line source uses (see [`super::source::workers`]).
    pub fn workers(&self) -> usize {
        self.shared.workers.max(1)
    }

    /// The pipeline's resource (records made from events carry it).
    pub fn resource(&self) -> &Arc<Resource> {
        &self.shared.resource
    }

    /// Says the source takes input now (its servers listen): `/readyz` waits for every
    /// source. Sources without servers are ready from the start.
    pub fn mark_ready(&self) {
        self.stats
            .ready
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts one input received.
    pub fn received(&self, n: u64) {
        add(&self.stats.received, n);
    }

    /// Parses, dedups, categorizes, redacts and maps one event, appending its record to
    /// `out` (`event` is scratch: its buffers are reused). Rejections are counted, logged and
    /// dead-lettered; `position` says where the input was (line number, request number) in
    /// logs and dead letters.
    pub fn event(
        &self,
        bytes: &[u8],
        position: u64,
        event: &mut AuditEvent,
        out: &mut EncodedRecords,
    ) -> Verdict {
        self.event_with(bytes, position, None, event, out)
    }

    /// As [`SourceContext::event`], with the trace context of the record the event arrived in.
    pub fn event_with(
        &self,
        bytes: &[u8],
        position: u64,
        sender_trace: Option<SenderTrace>,
        event: &mut AuditEvent,
        out: &mut EncodedRecords,
    ) -> Verdict {
        match self.shared.core.parse_into(bytes, event) {
            Ok(()) => self.parsed_with(event, sender_trace, out),
            Err(e) => {
                self.reject(&e, position, bytes);
                Verdict::Rejected(e.kind())
            }
        }
    }

    /// As [`SourceContext::event`] for an event parsed already (to check its age, say).
    pub fn parsed(&self, event: &mut AuditEvent, out: &mut EncodedRecords) -> Verdict {
        self.parsed_with(event, None, out)
    }

    /// As [`SourceContext::parsed`], with the trace context of the record the event arrived
    /// in.
    pub fn parsed_with(
        &self,
        event: &mut AuditEvent,
        sender_trace: Option<SenderTrace>,
        out: &mut EncodedRecords,
    ) -> Verdict {
        let claim = match &self.shared.dedup {
            Some(w) => match w.claim(event.id()) {
                Some(c) => Some(c),
                None => {
                    add(&self.stats.duplicates, 1);
                    return Verdict::Duplicate;
                }
            },
            None => None,
        };
        let core = &self.shared.core;
        out.push_with(|buf| core.encode_with(event, now_unix_nano(), sender_trace, buf));
        Verdict::Record(claim)
    }

    /// Gives back a dedup claim whose record was not accepted (so a retry is not a duplicate).
    pub fn release(&self, claim: Option<IdClaim>) {
        if let (Some(w), Some(c)) = (&self.shared.dedup, claim) {
            w.release(c);
        }
    }

    /// Counts, logs and dead-letters a parse error.
    pub fn reject(&self, err: &ParseError, position: u64, input: &[u8]) {
        self.reject_with(err.kind(), &err.to_string(), position, input);
    }

    /// Counts, logs and dead-letters an input longer than the limit, which was skipped unread
    /// (so the core never saw it: its rejection counter is bumped here).
    pub fn too_large(&self, len: usize, position: u64) {
        let err = ParseError::TooLarge {
            len,
            max: self.shared.max_event_bytes,
        };
        self.reject_unseen(&err, position, &[]);
    }

    /// As [`SourceContext::reject`] for an input parsed outside the core (which therefore did
    /// not count it): the core's rejection counter is bumped too.
    pub fn reject_unseen(&self, err: &ParseError, position: u64, input: &[u8]) {
        self.shared
            .core
            .stats()
            .rejected
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.reject(err, position, input);
    }

    /// Counts, logs and dead-letters a rejection for another reason (`stale_event`, ...).
    /// `message` must not contain input values.
    pub fn reject_with(&self, kind: &'static str, message: &str, position: u64, input: &[u8]) {
        self.stats.rejected(kind);
        tracing::warn!(
            source = self.name(),
            position,
            error_kind = kind,
            error = message,
            "Rejected input."
        );
        self.shared
            .dead
            .rejected(self.name(), position, kind, message, input);
    }

    /// Hands records made from audit events (with the pipeline's resource) to every sink.
    pub async fn submit(&self, records: EncodedRecords) -> Receipt {
        let resource = self.shared.resource.clone();
        self.submit_batch(RecordBatch {
            resource,
            scope: None,
            records,
        })
        .await
    }

    /// Hands a batch (with its own resource and scope, e.g. from an OTLP sender) to every
    /// sink, waiting for room per the sinks' `when_full` policy.
    pub async fn submit_batch(&self, batch: RecordBatch) -> Receipt {
        if batch.records.is_empty() {
            return Receipt::settled(Delivery::Safe);
        }
        let n = batch.records.len() as u64;
        let (receipt, acks) = Ack::new(self.shared.sinks.len());
        let batch = Arc::new(batch);
        for (sink, ack) in self.shared.sinks.iter().zip(acks) {
            sink.enqueue(batch.clone(), ack).await;
        }
        add(&self.stats.accepted, n);
        receipt
    }

    /// [`SourceContext::submit`] from a blocking thread.
    pub fn submit_blocking(
        &self,
        handle: &tokio::runtime::Handle,
        records: EncodedRecords,
    ) -> Receipt {
        handle.block_on(self.submit(records))
    }

    /// A batch with the pipeline's resource, or with a sender's.
    pub fn batch(
        &self,
        resource: Option<Arc<Resource>>,
        scope: Option<Arc<InstrumentationScope>>,
        records: EncodedRecords,
    ) -> RecordBatch {
        RecordBatch {
            resource: resource.unwrap_or_else(|| self.shared.resource.clone()),
            scope,
            records,
        }
    }
}
