//! Retry timing: exponential backoff with full jitter, capped, and overridden by what the
//! destination asked for (`Retry-After`, gRPC `RetryInfo`) within the same cap.

use std::time::Duration;

use rand::Rng;

use crate::pipeline::config::RetryConfig;

/// Backoff state for one batch.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    /// Starts at the configured initial wait.
    pub fn new(cfg: &RetryConfig) -> Backoff {
        let max = Duration::from_secs_f64(cfg.max_backoff_secs.max(0.001));
        Backoff {
            next: Duration::from_millis(cfg.initial_backoff_ms.max(1)).min(max),
            max,
        }
    }

    /// The wait before the next attempt. A wait the destination asked for is honoured (up to
    /// the cap); otherwise a random wait in `[ceiling/2, ceiling]`, the ceiling doubling each
    /// time.
    pub fn next(&mut self, asked: Option<Duration>) -> Duration {
        let ceiling = self.next;
        self.next = (self.next * 2).min(self.max);
        if let Some(a) = asked {
            return a.min(self.max);
        }
        let half = ceiling / 2;
        let jitter = rand::rng().random_range(0..=half.as_micros().max(1) as u64);
        half + Duration::from_micros(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_jitter_and_stays_under_the_cap() {
        let mut b = Backoff::new(&RetryConfig {
            initial_backoff_ms: 100,
            max_backoff_secs: 1.0,
        });
        let first = b.next(None);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let second = b.next(None);
        assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
        for _ in 0..20 {
            assert!(b.next(None) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn honours_the_destinations_wait_within_the_cap() {
        let mut b = Backoff::new(&RetryConfig {
            initial_backoff_ms: 100,
            max_backoff_secs: 5.0,
        });
        assert_eq!(b.next(Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(
            b.next(Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
    }
}
