//! One export request → batches for the pipeline, in the request's order.
//!
//! Records are moved out of the request, classified ([`super::classify`]) and turned into
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

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::classify::{self, Kind};
use crate::pipeline::config::NonAudit;
use crate::pipeline::dedup::IdClaim;
use crate::pipeline::ingest::{SourceContext, Verdict};
use crate::pipeline::sink::RecordBatch;
use crate::pipeline::stats::add;

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

/// The number of log records in a request.
pub fn count_records(req: &ExportLogsServiceRequest) -> u64 {
    req.resource_logs
        .iter()
        .flat_map(|rl| &rl.scope_logs)
        .map(|sl| sl.log_records.len() as u64)
        .sum()
}

/// Classifies, maps and redacts every record of `req`. Record `i` (0-based, in request order)
/// is at position `first_position + i` in logs and dead letters. Counts what it received,
/// dropped and rejected; submitting is the caller's.
pub fn prepare(
    ctx: &SourceContext,
    non_audit: NonAudit,
    req: ExportLogsServiceRequest,
    first_position: u64,
) -> Prepared {
    ctx.received(count_records(&req));
    let redactor = ctx.core().redactor();
    let mut out = Runs::default();
    let mut rejected = 0u64;
    let mut rejected_kinds = BTreeMap::new();
    let mut dropped = 0u64;
    let mut redactions = 0usize;
    let mut position = first_position;
    for rl in req.resource_logs {
        let resource = match rl.resource {
            Some(mut r) => {
                redactions += classify::redact_app_attributes(redactor, &mut r.attributes).changed;
                Arc::new(r)
            }
            None => ctx.resource().clone(),
        };
        for sl in rl.scope_logs {
            let scope = Arc::new(sl.scope.unwrap_or_default());
            for mut rec in sl.log_records {
                let pos = position;
                position += 1;
                let action = match classify::classify(&rec) {
                    Kind::AuditEvent(bytes) => Action::Event(ctx.event(&bytes, pos)),
                    Kind::Mapped => Action::Mapped,
                    Kind::Other if non_audit == NonAudit::Drop => {
                        dropped += 1;
                        continue;
                    }
                    Kind::Other => Action::Other,
                };
                match action {
                    Action::Event(Verdict::Record(mut mapped, claim)) => {
                        classify::carry_trace_context(&mut mapped, &mut rec);
                        out.push(Key::Mapped, &resource, &scope, mapped, claim);
                    }
                    Action::Event(Verdict::Duplicate) => {}
                    Action::Event(Verdict::Rejected(kind)) => {
                        rejected += 1;
                        *rejected_kinds.entry(kind).or_default() += 1;
                    }
                    Action::Mapped => {
                        redactions += classify::redact_mapped(redactor, &mut rec);
                        out.push(Key::Passed, &resource, &scope, rec, None);
                    }
                    Action::Other => {
                        redactions += classify::redact_other(redactor, &mut rec);
                        out.push(Key::Passed, &resource, &scope, rec, None);
                    }
                }
            }
        }
    }
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
    Prepared {
        batches,
        claims,
        rejected,
        rejected_kinds,
    }
}

/// What to do with one record (short-lived, on the stack).
#[allow(clippy::large_enum_variant)]
enum Action {
    /// It was an audit event; the core's verdict.
    Event(Verdict),
    /// Re-redact and pass.
    Mapped,
    /// Redact and pass.
    Other,
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
    records: Vec<LogRecord>,
    claims: Vec<IdClaim>,
}

#[derive(Default)]
struct Runs {
    done: Vec<Run>,
    current: Option<Run>,
}

impl Runs {
    fn push(
        &mut self,
        key: Key,
        resource: &Arc<Resource>,
        scope: &Arc<InstrumentationScope>,
        rec: LogRecord,
        claim: Option<IdClaim>,
    ) {
        let same = self.current.as_ref().is_some_and(|r| {
            r.key == key
                && Arc::ptr_eq(&r.resource, resource)
                // Mapped records all get audit-otel's scope, whatever the sender's was.
                && (key == Key::Mapped || Arc::ptr_eq(&r.scope, scope))
        });
        if !same {
            self.done.extend(self.current.take());
            self.current = Some(Run {
                key,
                resource: resource.clone(),
                scope: scope.clone(),
                records: Vec::new(),
                claims: Vec::new(),
            });
        }
        if let Some(run) = self.current.as_mut() {
            run.records.push(rec);
            run.claims.extend(claim);
        }
    }

    fn finish(mut self, ctx: &SourceContext) -> (Vec<RecordBatch>, Vec<Vec<IdClaim>>) {
        self.done.extend(self.current.take());
        self.done
            .into_iter()
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
