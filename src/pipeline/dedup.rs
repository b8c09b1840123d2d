//! The dedup window: event ids accepted recently, so a re-delivery (a replayed webhook, an
//! API page read twice) is dropped and counted instead of exported twice.
//!
//! Ids are kept as 128-bit SipHash digests (two keyed halves), not as strings: a window of
//! 100,000 ids takes about 2.4 MiB whatever the ids' length, and a collision (which would drop
//! a genuine event) has a probability around 2⁻⁹⁰ for a full window. The window is a count:
//! the oldest id is forgotten when a new one arrives at capacity.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use rustc_hash::FxHashSet;

/// A claim on an event id, returned so a failed submission can give it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdClaim(u128);

/// A bounded set of recently accepted event ids.
#[derive(Debug)]
pub struct DedupWindow {
    capacity: usize,
    hasher: std::hash::RandomState,
    inner: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    set: FxHashSet<u128>,
    order: VecDeque<u128>,
}

impl DedupWindow {
    /// A window remembering `capacity` ids.
    pub fn new(capacity: usize) -> DedupWindow {
        DedupWindow {
            capacity: capacity.max(1),
            hasher: std::hash::RandomState::new(),
            inner: Mutex::new(Window::default()),
        }
    }

    fn digest(&self, id: &str) -> u128 {
        let mut a = self.hasher.build_hasher();
        a.write_u8(0);
        a.write(id.as_bytes());
        let mut b = self.hasher.build_hasher();
        b.write_u8(1);
        b.write(id.as_bytes());
        (u128::from(a.finish()) << 64) | u128::from(b.finish())
    }

    /// Claims `id`: `Some` if it was not seen within the window (it is now), `None` if it is a
    /// re-delivery.
    pub fn claim(&self, id: &str) -> Option<IdClaim> {
        let d = self.digest(id);
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !w.set.insert(d) {
            return None;
        }
        w.order.push_back(d);
        while w.order.len() > self.capacity {
            if let Some(old) = w.order.pop_front() {
                w.set.remove(&old);
            }
        }
        Some(IdClaim(d))
    }

    /// Gives a claim back (its event was not accepted after all), so a retry is not taken for a
    /// re-delivery.
    pub fn release(&self, claim: IdClaim) {
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if w.set.remove(&claim.0) {
            if let Some(pos) = w.order.iter().rposition(|d| *d == claim.0) {
                w.order.remove(pos);
            }
        }
    }

    /// Ids remembered now.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .order
            .len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_claim_of_an_id_is_a_duplicate() {
        let w = DedupWindow::new(10);
        assert!(w.claim("a").is_some());
        assert!(w.claim("b").is_some());
        assert!(w.claim("a").is_none());
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn the_window_forgets_the_oldest_id() {
        let w = DedupWindow::new(3);
        for id in ["1", "2", "3", "4"] {
            assert!(w.claim(id).is_some());
        }
        assert_eq!(w.len(), 3);
        assert!(w.claim("1").is_some(), "1 fell out of the window");
        assert!(w.claim("4").is_none());
    }

    #[test]
    fn a_released_claim_can_be_claimed_again() {
        let w = DedupWindow::new(3);
        let c = w.claim("x").unwrap();
        w.release(c);
        assert!(w.is_empty());
        assert!(w.claim("x").is_some());
    }
}
