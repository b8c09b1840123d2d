//! One export request → batches for the pipeline, in the request's order.
//!
//! The request is read where it lies ([`crate::otel::wire`]): an audit event in a string body
//! goes from the request's bytes to the parser, and only records that pass through are decoded
//! into prost messages. Records are classified ([`super::classify`]) and turned into
//! [`RecordBatch`]es: a run of consecutive records of the same kind under the same resource
//! (and scope) is one batch, and a new batch starts whenever that changes, so that the sinks
//! receive the records in the order they were sent.
//!
//! | record | becomes | batch resource | batch scope |
//! |---|---|---|---|
//! | audit event in the body | the core's mapped record (sender's trace context when the event has none) | the sender's | audit-otel's |
//! | already mapped | itself, re-redacted | the sender's | the sender's |
//! | anything else, `non_audit: pass` | itself, redacted | the sender's | the sender's |
//! | anything else, `non_audit: drop` | nothing (counted in `non_audit_dropped`) | | |
//! | malformed audit event | a rejection (counted, dead-lettered, reported as partial success) | | |
//! | re-delivered audit event (same id) | nothing (counted in `duplicates`) | | |
//!
//! A sender's resource attributes are redacted as an application record's attributes are
//! ([`classify::redact_app_attributes`]: `service.*`, `host.*`, `k8s.*` and the other
//! operational namespaces are kept; `process.owner` or an address in `process.command_line`
//! is not). A `ResourceLogs` without a resource gets the pipeline's; a `ScopeLogs` without a scope keeps
//! an empty one (so application logs are not labelled as audit-otel's). The `schema_url`s of
//! the request are not carried (a batch has no place for them).

use std::collections::BTreeMap;
use std::sync::Arc;

use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;

use super::classify::{self, Kind, RawKind, TextKind};
use crate::event::{AuditEvent, ParseOptions};
use crate::otel::encode::{EncodedRecords, SenderTrace};
use crate::otel::wire::{self, ResourceLogsView};
use crate::pipeline::config::NonAudit;
use crate::pipeline::dedup::IdClaim;
use crate::pipeline::ingest::{SourceContext, Verdict};
use crate::pipeline::sink::RecordBatch;
use crate::pipeline::stats::add;
use crate::redact::Redactor;

/// A request, ready to submit.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The batches, in request order.
    pub batches: Vec<RecordBatch>,
    /// The dedup claims of each batch's events (same index as `batches`).
    pub claims: Vec<Vec<IdClaim>>,
    /// Records rejected as malformed audit events.
    pub rejected: u64,
    /// Rejections per error kind.
    pub rejected_kinds: BTreeMap<&'static str, u64>,
}

impl Prepared {
    /// Records to submit.
    pub fn records(&self) -> usize {
        self.batches.iter().map(|b| b.records.len()).sum()
    }
}

/// The request is not a valid `ExportLogsServiceRequest` (its structure or one of its records
/// does not decode). Nothing of it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the body is not a protobuf ExportLogsServiceRequest: {0}")]
pub struct Undecodable(String);

/// The number of log records in a request read by [`wire::request`].
pub fn count_records(request: &[ResourceLogsView<'_>]) -> u64 {
    request.iter().map(|rl| rl.record_count() as u64).sum()
}

/// Classifies, maps and redacts every record of the encoded request `raw`, read where it lies:
/// an audit event in a string body goes from the request's bytes to the parser; only other
/// records are decoded. Record `i` (0-based, in request order) is at position
/// `first_position + i` in logs and dead letters. Counts what it received, dropped and
/// rejected; submitting is the caller's.
pub fn prepare(
    ctx: &SourceContext,
    non_audit: NonAudit,
    raw: &[u8],
    first_position: u64,
) -> Result<Prepared, Undecodable> {
    let request = wire::request(raw).map_err(|e| Undecodable(e.to_string()))?;
    ctx.received(count_records(&request));
    let mut work = Work {
        ctx,
        non_audit,
        redactor: ctx.core().redactor(),
        options: ctx.core().parse_options(),
        out: Runs::default(),
        rejected: 0,
        rejected_kinds: BTreeMap::new(),
        dropped: 0,
        redactions: 0,
        event: AuditEvent::default(),
    };
    let mut position = first_position;
    let done = (|| {
        for rl in &request {
            let resource = match rl.resource {
                Some(b) => {
                    let mut r = Resource::decode(b).map_err(undecodable)?;
                    work.redactions +=
                        classify::redact_app_attributes(work.redactor, &mut r.attributes).changed;
                    Arc::new(r)
                }
                None => ctx.resource().clone(),
            };
            for sl in &rl.scopes {
                let scope = match sl.scope {
                    Some(b) => InstrumentationScope::decode(b).map_err(undecodable)?,
                    None => InstrumentationScope::default(),
                };
                let scope = Arc::new(scope);
                for record in &sl.records {
                    work.record(record, position, &resource, &scope)?;
                    position += 1;
                }
            }
        }
        Ok(())
    })();
    let Work {
        out,
        rejected,
        rejected_kinds,
        dropped,
        redactions,
        ..
    } = work;
    if dropped > 0 {
        add(&ctx.stats().non_audit_dropped, dropped);
    }
    if redactions > 0 {
        ctx.core()
            .stats()
            .redactions
            .fetch_add(redactions as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let (batches, claims) = out.finish(ctx);
    if let Err(e) = done {
        // Nothing is submitted: the dedup claims go back, so that a corrected retry is no
        // duplicate.
        for claim in claims.into_iter().flatten() {
            ctx.release(Some(claim));
        }
        return Err(e);
    }
    Ok(Prepared {
        batches,
        claims,
        rejected,
        rejected_kinds,
    })
}

fn undecodable(e: prost::DecodeError) -> Undecodable {
    // prost's messages name message types, fields and wire types, never values.
    Undecodable(e.to_string())
}

/// One request's records being prepared.
struct Work<'c> {
    ctx: &'c SourceContext,
    non_audit: NonAudit,
    redactor: &'c Redactor,
    options: ParseOptions,
    out: Runs,
    rejected: u64,
    rejected_kinds: BTreeMap<&'static str, u64>,
    dropped: u64,
    redactions: usize,
    /// The parser's buffers, reused for every event of the request.
    event: AuditEvent,
}

impl Work<'_> {
    fn record(
        &mut self,
        record: &[u8],
        position: u64,
        resource: &Arc<Resource>,
        scope: &Arc<InstrumentationScope>,
    ) -> Result<(), Undecodable> {
        let kind = classify::classify_raw(record).map_err(|e| Undecodable(e.to_string()))?;
        match kind {
            RawKind::Mapped => {
                let mut rec = LogRecord::decode(record).map_err(undecodable)?;
                self.redactions += classify::redact_mapped(self.redactor, &mut rec);
                self.out
                    .run(Key::Passed, resource, scope)
                    .records
                    .push_record(&rec);
            }
            RawKind::Text(text, trace) => {
                match classify::read_audit_text(text, &mut self.event, self.options) {
                    TextKind::Event(Ok(())) => {
                        let run = self.out.run(Key::Mapped, resource, scope);
                        if let Verdict::Record(claim) =
                            self.ctx
                                .parsed_with(&mut self.event, trace, &mut run.records)
                        {
                            run.claims.extend(claim);
                        }
                    }
                    TextKind::Event(Err(e)) => {
                        self.ctx.reject_unseen(&e, position, text.as_bytes());
                        self.rejected(e.kind());
                    }
                    TextKind::Other => self.other(record, resource, scope)?,
                }
            }
            RawKind::Other => {
                let rec = LogRecord::decode(record).map_err(undecodable)?;
                match classify::classify(&rec) {
                    // A kvlist body holding an envelope.
                    Kind::AuditEvent(bytes) => {
                        let trace = SenderTrace::from_ids(&rec.trace_id, &rec.span_id, rec.flags);
                        let run = self.out.run(Key::Mapped, resource, scope);
                        match self.ctx.event_with(
                            &bytes,
                            position,
                            trace,
                            &mut self.event,
                            &mut run.records,
                        ) {
                            Verdict::Record(claim) => run.claims.extend(claim),
                            Verdict::Duplicate => {}
                            Verdict::Rejected(kind) => self.rejected(kind),
                        }
                    }
                    Kind::Mapped | Kind::Other => self.pass(rec, resource, scope),
                }
            }
        }
        Ok(())
    }

    fn rejected(&mut self, kind: &'static str) {
        self.rejected += 1;
        *self.rejected_kinds.entry(kind).or_default() += 1;
    }

    /// A record that is not an audit event, still encoded.
    fn other(
        &mut self,
        record: &[u8],
        resource: &Arc<Resource>,
        scope: &Arc<InstrumentationScope>,
    ) -> Result<(), Undecodable> {
        if self.non_audit == NonAudit::Drop {
            self.dropped += 1;
            return Ok(());
        }
        let rec = LogRecord::decode(record).map_err(undecodable)?;
        self.pass(rec, resource, scope);
        Ok(())
    }

    /// A record that is not an audit event: redacted and passed, or dropped.
    fn pass(
        &mut self,
        mut rec: LogRecord,
        resource: &Arc<Resource>,
        scope: &Arc<InstrumentationScope>,
    ) {
        if self.non_audit == NonAudit::Drop {
            self.dropped += 1;
            return;
        }
        self.redactions += classify::redact_other(self.redactor, &mut rec);
        self.out
            .run(Key::Passed, resource, scope)
            .records
            .push_record(&rec);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// Mapped here: audit-otel's scope.
    Mapped,
    /// Passed through: the sender's scope.
    Passed,
}

struct Run {
    key: Key,
    resource: Arc<Resource>,
    scope: Arc<InstrumentationScope>,
    records: EncodedRecords,
    claims: Vec<IdClaim>,
}

#[derive(Default)]
struct Runs {
    done: Vec<Run>,
    current: Option<Run>,
}

impl Runs {
    /// The run a record of this kind, resource and scope goes to: the current one, or a new
    /// one.
    fn run(
        &mut self,
        key: Key,
        resource: &Arc<Resource>,
        scope: &Arc<InstrumentationScope>,
    ) -> &mut Run {
        let fits = |r: &Run| {
            r.key == key
                && Arc::ptr_eq(&r.resource, resource)
                // Mapped records all get audit-otel's scope, whatever the sender's was.
                && (key == Key::Mapped || Arc::ptr_eq(&r.scope, scope))
        };
        if !self.current.as_ref().is_some_and(fits) {
            // A run left empty (its events were rejected) is no run.
            if let Some(r) = self.current.take().filter(|r| !r.records.is_empty()) {
                self.done.push(r);
            }
            if self.done.last().is_some_and(fits) {
                self.current = self.done.pop();
            }
        }
        self.current.get_or_insert_with(|| Run {
            key,
            resource: resource.clone(),
            scope: scope.clone(),
            records: EncodedRecords::new(),
            claims: Vec::new(),
        })
    }

    fn finish(mut self, ctx: &SourceContext) -> (Vec<RecordBatch>, Vec<Vec<IdClaim>>) {
        self.done.extend(self.current.take());
        self.done
            .into_iter()
            .filter(|r| !r.records.is_empty())
            .map(|r| {
                let scope = match r.key {
                    Key::Mapped => None,
                    Key::Passed => Some(r.scope),
                };
                (ctx.batch(Some(r.resource), scope, r.records), r.claims)
            })
            .unzip()
    }
}
