//! The day-before test reminders (a sweep run by one process at a time, over those not yet
//! told; restart-safe and idempotent through dedup keys) and broadcast progress, edited in
//! place in the staff member's chat; and, every few minutes, the inbox's handled updates
//! older than a day are forgotten, and payment callbacks past their retention purged.

use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::MessageId;
use teloxide::{ApiError, RequestError};

use crate::db::notifications as store;
use crate::i18n::Locale;
use crate::runtime::shutdown::Shutdown;
use crate::runtime::worker::{self, Next, Worker};
use crate::services::Ctx;

const PROGRESS_EVERY: Duration = Duration::from_secs(3);
const SWEEP_EVERY: Duration = Duration::from_secs(60);
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Updates every running broadcast's progress message when its text changed; finishes
/// those with nothing left to send and puts their final report in place, trying again on
/// the next pass when Telegram refused the edit for now. Returns how many finished.
pub async fn broadcast_progress(ctx: &Ctx, bot: &Bot) -> anyhow::Result<usize> {
    let mut finished = 0;
    for p in store::sending(&ctx.db).await? {
        let done = p.pending == 0;
        if done && !p.finished && store::finish_broadcast(&ctx.db, p.id, ctx.clock.now()).await? {
            finished += 1;
        }
        // Just confirmed: the confirm handler is turning the preview into the first
        // progress line; an edit of ours now could make its own edit fail.
        if p.fresh {
            continue;
        }
        let (Some(chat), Some(message)) = (p.progress_chat_id, p.progress_message_id) else {
            continue;
        };
        let locale = crate::services::users::locale(ctx, p.created_by).await?.unwrap_or(Locale::Ru);
        let args = [
            ("id", p.id.into()),
            ("sent", p.sent.into()),
            ("total", p.total.into()),
            ("failed", p.failed.into()),
            ("unreachable", p.unreachable.into()),
        ];
        let text = ctx.i18n.f(locale, if done { "broadcast-done" } else { "broadcast-progress" }, &args);
        if !store::claim_progress_text(&ctx.db, p.id, &text).await? {
            continue;
        }
        match bot.edit_message_text(ChatId(chat), MessageId(message), &text).await {
            Ok(_) => {
                crate::metrics::bot_api_call("editMessageText", "ok");
                if done {
                    store::mark_reported(&ctx.db, p.id, ctx.clock.now()).await?;
                }
            }
            Err(e) if retry_later(&e) => {
                crate::metrics::bot_api_call(
                    "editMessageText",
                    if matches!(e, RequestError::RetryAfter(_)) { "429" } else { "error" },
                );
                tracing::warn!(broadcast = p.id, error = %e, "progress not edited; trying again on the next pass");
                store::unclaim_progress_text(&ctx.db, p.id, &text).await?;
            }
            Err(e) => {
                // Already showing it, or the message is gone: nothing more to do for it.
                crate::metrics::bot_api_call("editMessageText", "error");
                tracing::info!(broadcast = p.id, error = %e, "progress not edited");
                if done {
                    store::mark_reported(&ctx.db, p.id, ctx.clock.now()).await?;
                }
            }
        }
    }
    Ok(finished)
}

/// Flood control, the network, Telegram's own failures: the same edit may work later.
fn retry_later(e: &RequestError) -> bool {
    match e {
        RequestError::RetryAfter(_) | RequestError::Network(_) | RequestError::Io(_) => true,
        RequestError::Api(ApiError::Unknown(text)) => !text.starts_with("Bad Request"),
        _ => false,
    }
}

/// Housekeeping on timers of its own: pruning every few minutes, the reminder sweep every
/// minute, broadcast progress every few seconds.
struct Housekeeper {
    ctx: Ctx,
    bot: Bot,
    last_sweep: Option<Instant>,
    last_prune: Option<Instant>,
}

impl Housekeeper {
    async fn prune(&self) {
        let ctx = &self.ctx;
        match crate::services::inbox::prune(ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(updates = n, "handled updates older than a day pruned"),
            Err(e) => tracing::error!(error = %format!("{e:#}"), "inbox pruning"),
        }
        if let Err(e) = crate::services::email_code::prune_sends(ctx).await {
            tracing::error!(error = %format!("{e:#}"), "pruning the record of mailed codes");
        }
        match crate::services::payments::purge_old_callbacks(ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(callbacks = n, "payment callbacks past their retention purged"),
            Err(e) => tracing::error!(error = %format!("{e:#}"), "payment callback purge"),
        }
    }
}

/// Whether `every` has passed since `last`; if so, `last` becomes now.
fn due(last: &mut Option<Instant>, every: Duration) -> bool {
    let due = last.is_none_or(|t| t.elapsed() >= every);
    if due {
        *last = Some(Instant::now());
    }
    due
}

impl Worker for Housekeeper {
    const NAME: &'static str = "notices";

    async fn step(&mut self) -> anyhow::Result<Next> {
        if due(&mut self.last_prune, PRUNE_EVERY) {
            self.prune().await;
        }
        if due(&mut self.last_sweep, SWEEP_EVERY)
            && let Err(e) = crate::services::notifications::test_day_reminders(&self.ctx).await
        {
            tracing::error!(error = %format!("{e:#}"), "test-day reminder sweep");
        }
        // A seat a fill left free (its waiters were busy in other transactions) is
        // offered now.
        match crate::services::waitlist::refill(&self.ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(offers = n, "free seats offered to the waitlist"),
            Err(e) => tracing::error!(error = %format!("{e:#}"), "waitlist refill"),
        }
        broadcast_progress(&self.ctx, &self.bot).await?;
        Ok(Next::After(PROGRESS_EVERY))
    }
}

pub async fn run(ctx: Ctx, bot: Bot, mut shutdown: Shutdown) -> anyhow::Result<()> {
    let wakeups = ctx.wakeups.clone();
    let mut housekeeper = Housekeeper { ctx, bot, last_sweep: None, last_prune: None };
    worker::run(&mut housekeeper, &wakeups, &mut shutdown).await;
    Ok(())
}
