//! Receipts: how a source learns what became of what it submitted.
//!
//! Every submitted batch carries one [`Ack`] shared by all sinks. A sink settles its share when
//! the batch is *safe* there: written to its disk buffer, or accepted by its backend when it
//! buffers in memory. When every sink has settled, the source's [`Receipt`] resolves. A share
//! that is dropped unsettled (a sink task gone, a queue closed) settles as lost, so a receipt
//! always resolves and never claims a delivery that did not happen.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// What became of a submitted batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Safe at every sink (on disk, or accepted by the backend).
    Safe,
    /// At least one sink could not keep it: dropped by a `drop` policy, refused by the
    /// backend, or abandoned at shutdown. The counters and logs say which.
    Lost,
}

/// Resolves once every sink has settled the batch.
#[derive(Debug)]
pub struct Receipt(oneshot::Receiver<Delivery>);

impl Receipt {
    /// Waits for the outcome.
    pub async fn wait(self) -> Delivery {
        self.0.await.unwrap_or(Delivery::Lost)
    }

    /// A receipt that is already settled (nothing was submitted).
    pub fn settled(d: Delivery) -> Receipt {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(d);
        Receipt(rx)
    }
}

/// The shared state behind a receipt.
#[derive(Debug)]
pub(crate) struct AckState {
    remaining: AtomicUsize,
    lost: AtomicBool,
    tx: Mutex<Option<oneshot::Sender<Delivery>>>,
}

/// One sink's share of a batch's acknowledgement. Settles as lost when dropped unsettled.
#[derive(Debug)]
pub(crate) struct Ack {
    state: Option<Arc<AckState>>,
}

impl Ack {
    /// A receipt and one share per sink.
    pub(crate) fn new(sinks: usize) -> (Receipt, Vec<Ack>) {
        let (tx, rx) = oneshot::channel();
        if sinks == 0 {
            let _ = tx.send(Delivery::Safe);
            return (Receipt(rx), Vec::new());
        }
        let state = Arc::new(AckState {
            remaining: AtomicUsize::new(sinks),
            lost: AtomicBool::new(false),
            tx: Mutex::new(Some(tx)),
        });
        let shares = (0..sinks)
            .map(|_| Ack {
                state: Some(state.clone()),
            })
            .collect();
        (Receipt(rx), shares)
    }

    /// The batch is safe at this sink.
    pub(crate) fn safe(mut self) {
        self.settle(true);
    }

    /// This sink could not keep the batch.
    pub(crate) fn lost(mut self) {
        self.settle(false);
    }

    fn settle(&mut self, safe: bool) {
        let Some(state) = self.state.take() else {
            return;
        };
        if !safe {
            state.lost.store(true, Ordering::Relaxed);
        }
        if state.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            let outcome = if state.lost.load(Ordering::Relaxed) {
                Delivery::Lost
            } else {
                Delivery::Safe
            };
            if let Some(tx) = state.tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = tx.send(outcome);
            }
        }
    }
}

impl Drop for Ack {
    fn drop(&mut self) {
        self.settle(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(r: Receipt) -> Option<Delivery> {
        let mut rx = r.0;
        rx.try_recv().ok()
    }

    #[test]
    fn resolves_safe_only_when_every_sink_settled() {
        let (r, mut shares) = Ack::new(2);
        shares.pop().unwrap().safe();
        let mut rx = r.0;
        assert!(rx.try_recv().is_err(), "one sink still pending");
        shares.pop().unwrap().safe();
        assert_eq!(rx.try_recv().ok(), Some(Delivery::Safe));
    }

    #[test]
    fn one_lost_share_makes_the_batch_lost() {
        let (r, mut shares) = Ack::new(2);
        shares.pop().unwrap().lost();
        shares.pop().unwrap().safe();
        assert_eq!(now(r), Some(Delivery::Lost));
    }

    #[test]
    fn a_dropped_share_settles_as_lost() {
        let (r, shares) = Ack::new(3);
        drop(shares);
        assert_eq!(now(r), Some(Delivery::Lost));
    }

    #[test]
    fn no_sinks_is_safe_at_once() {
        let (r, shares) = Ack::new(0);
        assert!(shares.is_empty());
        assert_eq!(now(r), Some(Delivery::Safe));
    }
}
