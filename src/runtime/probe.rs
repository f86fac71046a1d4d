//! Counts handled updates and lets a caller wait until a given update was fully handled.
//! Tests use it to read the chat only after the bot finished answering, instead of
//! sleeping; the benchmark uses the counters.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// How many recent update ids to remember; older ones are long since awaited.
const REMEMBER: usize = 50_000;

#[derive(Clone, Default)]
pub struct UpdateProbe {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    done: Mutex<BTreeSet<u32>>,
    notify: Notify,
    handled: AtomicU64,
    failed: AtomicU64,
}

impl UpdateProbe {
    pub fn record(&self, update_id: u32, ok: bool) {
        {
            let mut done = self.inner.done.lock().expect("probe mutex");
            done.insert(update_id);
            while done.len() > REMEMBER {
                done.pop_first();
            }
        }
        self.inner.handled.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.inner.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.notify.notify_waiters();
    }

    pub fn is_done(&self, update_id: u32) -> bool {
        self.inner.done.lock().expect("probe mutex").contains(&update_id)
    }

    /// True when the update was handled within `timeout`.
    pub async fn wait(&self, update_id: u32, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.notify.notified();
            if self.is_done(update_id) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.is_done(update_id);
            }
        }
    }

    pub fn handled(&self) -> u64 {
        self.inner.handled.load(Ordering::Relaxed)
    }

    pub fn failed(&self) -> u64 {
        self.inner.failed.load(Ordering::Relaxed)
    }
}
