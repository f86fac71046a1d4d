//! Waiting for a NOTIFY on one channel, or a timeout, whichever comes first.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

pub struct Wake {
    pool: PgPool,
    channel: &'static str,
    listener: Option<PgListener>,
}

impl Wake {
    /// Listens from now on, so a notification sent while the worker is busy still wakes it.
    pub async fn new(pool: PgPool, channel: &'static str) -> Wake {
        let mut wake = Wake { pool, channel, listener: None };
        wake.connect().await;
        wake
    }

    async fn connect(&mut self) {
        let listener = async {
            let mut l = PgListener::connect_with(&self.pool).await?;
            l.listen(self.channel).await?;
            Ok::<_, sqlx::Error>(l)
        };
        match listener.await {
            Ok(l) => self.listener = Some(l),
            Err(e) => tracing::warn!(channel = self.channel, error = %e, "cannot listen; polling instead"),
        }
    }

    pub async fn wait(&mut self, timeout: Duration) {
        if self.listener.is_none() {
            self.connect().await;
        }
        let Some(listener) = self.listener.as_mut() else {
            tokio::time::sleep(timeout.min(Duration::from_secs(1))).await;
            return;
        };
        match tokio::time::timeout(timeout, listener.recv()).await {
            Ok(Ok(_)) => {
                // One pass handles everything: swallow the notifications already here.
                while listener.next_buffered().is_some() {}
            }
            Ok(Err(e)) => {
                tracing::warn!(channel = self.channel, error = %e, "listener failed; reconnecting");
                self.listener = None;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(_) => {}
        }
    }
}
