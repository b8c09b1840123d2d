//! The processor's own metrics in the Prometheus text exposition format: events in, out and
//! rejected, unknown types, dead letters, and redactions per rule. `audit-otel run
//! --metrics-file FILE` writes them when a run ends (node_exporter's textfile collector reads
//! such files); the HTTP endpoint of the long-running processor serves the same text.
//!
//! Label values are pipeline, sink and rule names and error kinds: configuration, never data.

use std::fmt::Write as _;

use super::RunSummary;
use crate::core::AuditCore;

/// Renders the metrics of one pipeline.
pub fn render(pipeline: &str, core: &AuditCore, summary: &RunSummary) -> String {
    let mut out = String::new();
    let p = escape(pipeline);
    let (mapped, unknown, _, redactions) = core.stats().snapshot();
    metric(
        &mut out,
        "audit_otel_events_received_total",
        "Input lines or events received.",
        "counter",
    );
    let _ = writeln!(
        out,
        "audit_otel_events_received_total{{pipeline=\"{p}\"}} {}",
        summary.received
    );
    metric(
        &mut out,
        "audit_otel_events_mapped_total",
        "Events mapped to log records.",
        "counter",
    );
    let _ = writeln!(
        out,
        "audit_otel_events_mapped_total{{pipeline=\"{p}\"}} {mapped}"
    );
    metric(
        &mut out,
        "audit_otel_events_exported_total",
        "Records written, per sink.",
        "counter",
    );
    for (sink, n) in &summary.exported {
        let _ = writeln!(
            out,
            "audit_otel_events_exported_total{{pipeline=\"{p}\",sink=\"{}\"}} {n}",
            escape(sink)
        );
    }
    metric(
        &mut out,
        "audit_otel_events_rejected_total",
        "Inputs rejected, per reason.",
        "counter",
    );
    for (kind, n) in &summary.rejected_by_kind {
        let _ = writeln!(
            out,
            "audit_otel_events_rejected_total{{pipeline=\"{p}\",reason=\"{kind}\"}} {n}"
        );
    }
    metric(
        &mut out,
        "audit_otel_dead_letters_total",
        "Rejected inputs written to the dead-letter destination.",
        "counter",
    );
    let _ = writeln!(
        out,
        "audit_otel_dead_letters_total{{pipeline=\"{p}\"}} {}",
        summary.dead_letters
    );
    metric(
        &mut out,
        "audit_otel_unknown_types_total",
        "Events whose type the catalog does not know.",
        "counter",
    );
    let _ = writeln!(
        out,
        "audit_otel_unknown_types_total{{pipeline=\"{p}\"}} {unknown}"
    );
    metric(
        &mut out,
        "audit_otel_redacted_fields_total",
        "Fields and matches changed by redaction.",
        "counter",
    );
    let _ = writeln!(
        out,
        "audit_otel_redacted_fields_total{{pipeline=\"{p}\"}} {redactions}"
    );
    metric(
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
    out
}

fn metric(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
