//! The day-before test reminders (a sweep: restart-safe and idempotent through dedup
//! keys) and broadcast progress, edited in place in the staff member's chat.

use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::MessageId;

use crate::db::notifications as store;
use crate::i18n::Locale;
use crate::services::Ctx;

const PROGRESS_EVERY: Duration = Duration::from_secs(3);
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Updates every running broadcast's progress message; finishes those with nothing left
/// to send. Returns how many broadcasts finished.
pub async fn broadcast_progress(ctx: &Ctx, bot: &Bot) -> anyhow::Result<usize> {
    let mut finished = 0;
    for p in store::sending(&ctx.db).await? {
        let done = p.pending == 0;
        if done && !store::finish_broadcast(&ctx.db, p.id, ctx.clock.now()).await? {
            continue;
        }
        finished += usize::from(done);
        let (Some(chat), Some(message)) = (p.progress_chat_id, p.progress_message_id) else {
            continue;
        };
        let locale = crate::db::users::locale(&ctx.db, p.created_by).await?.unwrap_or(Locale::Ru);
        let args = [
            ("id", p.id.into()),
            ("sent", p.sent.into()),
            ("total", p.total.into()),
            ("failed", p.failed.into()),
            ("unreachable", p.unreachable.into()),
        ];
        let text = ctx.i18n.f(locale, if done { "broadcast-done" } else { "broadcast-progress" }, &args);
        // "Not modified" when nothing moved since the last edit is expected and harmless.
        if let Err(e) = bot.edit_message_text(ChatId(chat), MessageId(message), text).await {
            tracing::debug!(broadcast = p.id, error = %e, "progress not edited");
        }
    }
    Ok(finished)
}

pub async fn run(ctx: Ctx, bot: Bot) {
    let mut last_sweep: Option<Instant> = None;
    loop {
        if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
            last_sweep = Some(Instant::now());
            if let Err(e) = crate::services::notifications::test_day_reminders(&ctx).await {
                tracing::error!(error = %format!("{e:#}"), "test-day reminder sweep");
            }
        }
        if let Err(e) = broadcast_progress(&ctx, &bot).await {
            tracing::error!(error = %format!("{e:#}"), "broadcast progress");
        }
        tokio::time::sleep(PROGRESS_EVERY).await;
    }
}
