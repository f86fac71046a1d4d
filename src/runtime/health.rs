//! What `/healthz` reports besides the database: is the bot connected to the Bot API, can
//! updates reach it, are the background tasks alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

/// Whether updates can reach this process: in webhook mode once Telegram accepted the
/// webhook; in polling mode while this process's `getUpdates` answers, or while another
/// process holds the poller lock (this one then handles updates from the shared inbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Intake {
    Starting = 0,
    /// `setWebhook` has not succeeded (yet).
    WebhookNotSet = 1,
    /// This process polls and `getUpdates` failed several times in a row.
    PollingFails = 2,
    Ready = 3,
}

impl Intake {
    /// Why updates do not arrive, for `/healthz`; `None` when they do.
    pub fn waiting_for(self) -> Option<&'static str> {
        match self {
            Intake::Starting => Some("not receiving updates yet"),
            Intake::WebhookNotSet => Some("the webhook is not registered with Telegram (setWebhook fails)"),
            Intake::PollingFails => Some("getUpdates keeps failing"),
            Intake::Ready => None,
        }
    }
}

#[derive(Clone, Default)]
pub struct Health {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    bot_ready: AtomicBool,
    intake: AtomicU8,
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

    pub fn set_intake(&self, intake: Intake) {
        self.inner.intake.store(intake as u8, Ordering::Relaxed);
    }

    pub fn intake(&self) -> Intake {
        match self.inner.intake.load(Ordering::Relaxed) {
            1 => Intake::WebhookNotSet,
            2 => Intake::PollingFails,
            3 => Intake::Ready,
            _ => Intake::Starting,
        }
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
pub async fn database_ok(db: &sqlx::PgPool) -> bool {
    match crate::db::ping(db).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            false
        }
    }
}
