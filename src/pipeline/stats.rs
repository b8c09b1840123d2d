//! Live counters of a running pipeline, per source and per sink: what the admin endpoint's
//! `/metrics` renders and what a finished run's [`super::RunSummary`] is made from. Updated with
//! relaxed atomics from any task; labels are configuration (source and sink names, error
//! kinds), never data.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Adds to a counter.
pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// Reads a counter.
pub(crate) fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// Counters of one source.
#[derive(Debug, Default)]
pub struct SourceStats {
    /// The source's name (`stdin`, `webhook:0.0.0.0:8080`, ...).
    pub name: String,
    /// Inputs received (lines, webhook deliveries, OTLP records, API nodes).
    pub received: AtomicU64,
    /// Records handed to the sinks.
    pub accepted: AtomicU64,
    /// Inputs rejected (each one is a dead letter).
    pub rejected: AtomicU64,
    /// Events dropped because their id was accepted before.
    pub duplicates: AtomicU64,
    /// Non-audit OTLP records dropped by `non_audit: drop`.
    pub non_audit_dropped: AtomicU64,
    /// Requests refused at the door (bad signature, too large, no room): the sender was told.
    pub refused_requests: AtomicU64,
    /// The source takes input (its servers listen).
    pub ready: AtomicBool,
    rejected_by_kind: Mutex<BTreeMap<&'static str, u64>>,
}

impl SourceStats {
    /// Counters for a source.
    pub fn new(name: impl Into<String>) -> SourceStats {
        SourceStats {
            name: name.into(),
            ..SourceStats::default()
        }
    }

    /// Counts one rejection of `kind`.
    pub fn rejected(&self, kind: &'static str) {
        add(&self.rejected, 1);
        *self
            .rejected_by_kind
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind)
            .or_default() += 1;
    }

    /// Rejections per kind.
    pub fn rejected_by_kind(&self) -> BTreeMap<&'static str, u64> {
        self.rejected_by_kind
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Upper bounds of the export latency histogram, in seconds.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Counters of one sink.
#[derive(Debug, Default)]
pub struct SinkStats {
    /// The sink's name (`stdout`, `otlp:http://collector:4317`, ...).
    pub name: String,
    /// Records the destination accepted.
    pub exported: AtomicU64,
    /// Records the destination refused for good (non-retryable status or partial success):
    /// written to the dead letters.
    pub refused: AtomicU64,
    /// Records dropped by `when_full: drop`.
    pub dropped: AtomicU64,
    /// Records still undelivered when the shutdown deadline passed, with no disk buffer.
    pub abandoned: AtomicU64,
    /// Export attempts that failed and were retried.
    pub retries: AtomicU64,
    /// Export requests sent (every attempt).
    pub requests: AtomicU64,
    /// Records waiting in the sink's buffer.
    pub queued: AtomicI64,
    /// Corrupted disk-buffer entries skipped.
    pub corrupted: AtomicU64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl SinkStats {
    /// Counters for a sink.
    pub fn new(name: impl Into<String>) -> SinkStats {
        SinkStats {
            name: name.into(),
            ..SinkStats::default()
        }
    }

    /// Records the latency of one export attempt.
    pub fn observe_latency(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                add(&self.latency_buckets[i], 1);
            }
        }
        add(&self.latency_count, 1);
        add(&self.latency_sum_micros, d.as_micros() as u64);
    }

    /// The histogram: cumulative bucket counts, count, sum in seconds.
    pub fn latency(&self) -> ([u64; LATENCY_BUCKETS.len()], u64, f64) {
        let mut b = [0; LATENCY_BUCKETS.len()];
        for (o, c) in b.iter_mut().zip(&self.latency_buckets) {
            *o = get(c);
        }
        (
            b,
            get(&self.latency_count),
            get(&self.latency_sum_micros) as f64 / 1e6,
        )
    }

    /// Changes the queue gauge.
    pub fn queue_delta(&self, n: i64) {
        self.queued.fetch_add(n, Ordering::Relaxed);
    }
}

/// Counters of a whole pipeline.
#[derive(Debug, Default)]
pub struct PipelineStats {
    /// Per source, in configuration order.
    pub sources: Vec<Arc<SourceStats>>,
    /// Per sink, in configuration order.
    pub sinks: Vec<Arc<SinkStats>>,
    /// Dead letters written (shared with the dead-letter writer).
    pub dead_letters: Arc<AtomicU64>,
    /// Every source is listening and every sink is open.
    pub ready: AtomicBool,
    /// A shutdown has begun.
    pub stopping: AtomicBool,
}

impl PipelineStats {
    /// Whether `/readyz` should say yes.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
            && !self.stopping.load(Ordering::Relaxed)
            && self.sources.iter().all(|s| s.ready.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let s = SinkStats::new("x");
        s.observe_latency(Duration::from_micros(500));
        s.observe_latency(Duration::from_millis(30));
        s.observe_latency(Duration::from_secs(60));
        let (b, count, sum) = s.latency();
        assert_eq!(count, 3);
        assert_eq!(b[0], 1, "0.5 ms is under 1 ms");
        assert_eq!(b[5], 2, "30 ms is under 50 ms");
        assert_eq!(b[LATENCY_BUCKETS.len() - 1], 2, "60 s only in +Inf");
        assert!((sum - 60.0305).abs() < 1e-6);
    }

    #[test]
    fn rejections_by_kind() {
        let s = SourceStats::new("stdin");
        s.rejected("invalid_json");
        s.rejected("invalid_json");
        s.rejected("too_large");
        assert_eq!(get(&s.rejected), 3);
        assert_eq!(s.rejected_by_kind()["invalid_json"], 2);
    }
}
