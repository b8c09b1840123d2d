//! The processor's own metrics in the Prometheus text exposition format: events in, out,
//! rejected and duplicated per source; exported, refused, dropped, retried, queued and export
//! latency per sink; dead letters, unknown types and redactions per rule. The admin endpoint
//! serves them at `/metrics`; `audit-otel run --metrics-file FILE` writes them when a run ends
//! (node_exporter's textfile collector reads such files).
//!
//! Label values are pipeline, source, sink and rule names and error kinds: configuration,
//! never data.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use super::stats::{get, PipelineStats, SinkStats, SourceStats, LATENCY_BUCKETS};
use crate::core::AuditCore;

/// A counter family: name, help, and where each source's or sink's value lives.
type Family<T> = (&'static str, &'static str, fn(&T) -> &AtomicU64);

/// Renders the metrics of one pipeline.
pub fn render(pipeline: &str, core: &AuditCore, stats: &PipelineStats) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let p = escape(pipeline);
    let (mapped, unknown, _, redactions) = core.stats().snapshot();

    let source_counters: [Family<SourceStats>; 5] = [
        (
            "audit_otel_events_received_total",
            "Inputs received per source (lines, webhook deliveries, OTLP records, API nodes).",
            |s| &s.received,
        ),
        (
            "audit_otel_events_accepted_total",
            "Records handed to the sinks, per source.",
            |s| &s.accepted,
        ),
        (
            "audit_otel_events_duplicate_total",
            "Events dropped because their id was accepted within the dedup window.",
            |s| &s.duplicates,
        ),
        (
            "audit_otel_non_audit_dropped_total",
            "OTLP records that were not audit events, dropped by `non_audit: drop`.",
            |s| &s.non_audit_dropped,
        ),
        (
            "audit_otel_requests_refused_total",
            "Requests refused at the door (bad signature, too large, no room); the sender was told.",
            |s| &s.refused_requests,
        ),
    ];
    for (name, help, field) in source_counters {
        family(&mut out, name, help, "counter");
        for s in &stats.sources {
            let _ = writeln!(
                out,
                "{name}{{pipeline=\"{p}\",source=\"{}\"}} {}",
                escape(&s.name),
                get(field(s))
            );
        }
    }
    family(
        &mut out,
        "audit_otel_events_rejected_total",
        "Inputs rejected, per source and reason (each one is a dead letter).",
        "counter",
    );
    for s in &stats.sources {
        for (kind, n) in s.rejected_by_kind() {
            let _ = writeln!(
                out,
                "audit_otel_events_rejected_total{{pipeline=\"{p}\",source=\"{}\",reason=\"{kind}\"}} {n}",
                escape(&s.name)
            );
        }
    }

    let sink_counters: [Family<SinkStats>; 7] = [
        (
            "audit_otel_events_exported_total",
            "Records the destination accepted, per sink.",
            |s| &s.exported,
        ),
        (
            "audit_otel_events_refused_total",
            "Records a destination refused for good (written to the dead letters).",
            |s| &s.refused,
        ),
        (
            "audit_otel_events_dropped_total",
            "Records dropped because the sink's buffer was full (`when_full: drop`).",
            |s| &s.dropped,
        ),
        (
            "audit_otel_events_abandoned_total",
            "Records undelivered at the shutdown deadline with no disk buffer.",
            |s| &s.abandoned,
        ),
        (
            "audit_otel_export_retries_total",
            "Export attempts that failed and were retried.",
            |s| &s.retries,
        ),
        (
            "audit_otel_export_requests_total",
            "Export requests sent, every attempt.",
            |s| &s.requests,
        ),
        (
            "audit_otel_buffer_corrupted_total",
            "Corrupted disk-buffer entries skipped.",
            |s| &s.corrupted,
        ),
    ];
    for (name, help, field) in sink_counters {
        family(&mut out, name, help, "counter");
        for s in &stats.sinks {
            let _ = writeln!(
                out,
                "{name}{{pipeline=\"{p}\",sink=\"{}\"}} {}",
                escape(&s.name),
                get(field(s))
            );
        }
    }
    family(
        &mut out,
        "audit_otel_queue_records",
        "Records waiting in a sink's buffer.",
        "gauge",
    );
    for s in &stats.sinks {
        let _ = writeln!(
            out,
            "audit_otel_queue_records{{pipeline=\"{p}\",sink=\"{}\"}} {}",
            escape(&s.name),
            s.queued.load(Ordering::Relaxed).max(0)
        );
    }
    family(
        &mut out,
        "audit_otel_export_duration_seconds",
        "Duration of export attempts.",
        "histogram",
    );
    for s in &stats.sinks {
        let (buckets, count, sum) = s.latency();
        let sink = escape(&s.name);
        for (le, n) in LATENCY_BUCKETS.iter().zip(buckets) {
            let _ = writeln!(
                out,
                "audit_otel_export_duration_seconds_bucket{{pipeline=\"{p}\",sink=\"{sink}\",le=\"{le}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "audit_otel_export_duration_seconds_bucket{{pipeline=\"{p}\",sink=\"{sink}\",le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "audit_otel_export_duration_seconds_sum{{pipeline=\"{p}\",sink=\"{sink}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "audit_otel_export_duration_seconds_count{{pipeline=\"{p}\",sink=\"{sink}\"}} {count}"
        );
    }

    for (name, help, value) in [
        (
            "audit_otel_events_mapped_total",
            "Events mapped to log records.",
            mapped,
        ),
        (
            "audit_otel_dead_letters_total",
            "Rejected inputs and refused records written to the dead-letter destination.",
            get(&stats.dead_letters),
        ),
        (
            "audit_otel_unknown_types_total",
            "Events whose type the catalog does not know.",
            unknown,
        ),
        (
            "audit_otel_redacted_fields_total",
            "Fields and matches changed by redaction.",
            redactions,
        ),
    ] {
        family(&mut out, name, help, "counter");
        let _ = writeln!(out, "{name}{{pipeline=\"{p}\"}} {value}");
    }
    family(
        &mut out,
        "audit_otel_redactions_total",
        "Fields or matches each rule applied to (kept, for `keep` rules).",
        "counter",
    );
    for c in core.redactor().counts() {
        let _ = writeln!(
            out,
            "audit_otel_redactions_total{{pipeline=\"{p}\",rule=\"{}\",action=\"{}\"}} {}",
            escape(&c.rule),
            c.action,
            c.count
        );
    }
    family(
        &mut out,
        "audit_otel_ready",
        "1 when every source listens and every sink is open.",
        "gauge",
    );
    let _ = writeln!(
        out,
        "audit_otel_ready{{pipeline=\"{p}\"}} {}",
        u8::from(stats.is_ready())
    );
    out
}

fn family(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
