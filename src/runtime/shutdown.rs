//! One signal for a graceful stop: intake refuses new updates, handlers finish what they
//! hold, workers release their leases.

use tokio::sync::watch;

/// Held by whoever decides to stop (SIGTERM, a test).
pub struct Trigger(watch::Sender<bool>);

/// Held by every task that must stop. Cheap to clone.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

pub fn channel() -> (Trigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (Trigger(tx), Shutdown(rx))
}

impl Trigger {
    pub fn fire(&self) {
        let _ = self.0.send(true);
    }
}

impl Shutdown {
    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the stop was asked for (at once if it already was).
    pub async fn triggered(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}
