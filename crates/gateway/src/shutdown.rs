//! The shutdown signal that ends live event streams, so a graceful shutdown can drain them.

use std::sync::Arc;

use tokio::sync::watch;

/// A handle the server triggers when it starts shutting down; event streams end on it.
#[derive(Debug, Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    /// A signal not yet triggered.
    pub fn new() -> Self {
        let (sender, _) = watch::channel(false);
        Self {
            sender: Arc::new(sender),
        }
    }

    /// Ends every event stream, now and for streams opened later.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Whether the signal was triggered.
    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Resolves once the signal is triggered.
    pub async fn triggered(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives in `self`, so the wait only ends on a trigger.
        receiver.wait_for(|t| *t).await.map(drop).ok();
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}
