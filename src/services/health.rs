//! What `/healthz` reports besides the database: is the bot connected to the Bot API, are
//! the background tasks alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Clone, Default)]
pub struct Health {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    bot_ready: AtomicBool,
    tasks_down: AtomicUsize,
    stopping: AtomicBool,
}

impl Health {
    pub fn set_bot_ready(&self, ready: bool) {
        self.inner.bot_ready.store(ready, Ordering::Relaxed);
    }

    pub fn bot_ready(&self) -> bool {
        self.inner.bot_ready.load(Ordering::Relaxed)
    }

    pub fn task_down(&self) {
        self.inner.tasks_down.fetch_add(1, Ordering::Relaxed);
    }

    pub fn tasks_down(&self) -> usize {
        self.inner.tasks_down.load(Ordering::Relaxed)
    }

    pub fn set_stopping(&self) {
        self.inner.stopping.store(true, Ordering::Relaxed);
    }

    pub fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::Relaxed)
    }
}

/// True when the database answers.
pub async fn database_ok(ctx: &crate::services::Ctx) -> bool {
    match sqlx::query("SELECT 1").execute(&ctx.db).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            false
        }
    }
}
