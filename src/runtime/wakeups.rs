//! `LISTEN/NOTIFY` for the whole process over one connection: the inbox, the job runner,
//! the outbox sender and the catalog each wait on their channel here instead of holding a
//! pool connection of their own. A notification only wakes; the rows are the truth, so a
//! notification lost in a reconnect costs at most a worker's polling pause.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::Notify;

use crate::runtime::shutdown::Shutdown;

pub const CHANNELS: [&str; 4] = ["inbox", "jobs", "outbox", "catalog_changed"];

#[derive(Clone)]
pub struct Wakeups {
    channels: Arc<HashMap<&'static str, Arc<Notify>>>,
}

impl Default for Wakeups {
    fn default() -> Self {
        Wakeups { channels: Arc::new(CHANNELS.iter().map(|c| (*c, Arc::new(Notify::new()))).collect()) }
    }
}

impl Wakeups {
    pub fn channel(&self, name: &str) -> Arc<Notify> {
        self.channels.get(name).cloned().unwrap_or_else(|| panic!("no wakeup channel `{name}`"))
    }

    /// Wakes every waiter of the channel, and the next one to wait if none waits now. The
    /// inbox's workers are woken one at a time instead (each wakes the next once it found
    /// work): waking them all made every idle one claim in vain.
    pub fn wake(&self, name: &str) {
        let notify = self.channel(name);
        if name != "inbox" {
            notify.notify_waiters();
        }
        notify.notify_one();
    }

    /// Waits for a wakeup on `name`, at most `timeout`.
    pub async fn wait(&self, name: &str, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.channel(name).notified()).await;
    }

    /// Listens until shutdown, reconnecting after a failure. Every reconnect wakes every
    /// channel, so what was notified while the connection was down is looked at.
    pub async fn run(self, pool: PgPool, mut shutdown: Shutdown) {
        loop {
            let listening = async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen_all(CHANNELS).await?;
                for c in CHANNELS {
                    self.wake(c);
                }
                loop {
                    let n = listener.recv().await?;
                    self.wake(n.channel());
                }
                #[allow(unreachable_code)]
                Ok::<(), sqlx::Error>(())
            };
            tokio::select! {
                result = listening => {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                    }
                }
                _ = shutdown.triggered() => return,
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
