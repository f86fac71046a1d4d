//! The outbox sender: delivers queued messages under Telegram's limits (see `pacer`).
//! Flood control (429) waits and sends the same message again; a user who blocked the
//! bot (403) is marked unreachable and his queue skipped; other failures are retried with
//! backoff a few times, then the message is `failed` with the reason.
//!
//! Rows are leased while in flight, so a crashed sender's messages come back after the
//! lease; one process at a time drains the queue (an advisory lock), which keeps the
//! global budget global when several processes share the database.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use sqlx::{Connection, PgConnection};
use teloxide::prelude::*;
use teloxide::types::{ChatId, ReplyMarkup};
use teloxide::{ApiError, RequestError};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::pacer::{self, Pacer};
use crate::db::outbox::{self, Claimed};
use crate::services::Ctx;

pub const MAX_ATTEMPTS: i32 = 5;
/// Longer than any send with its flood-control waits.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Flood-control waits per message per pass before it is handed back to the queue.
const MAX_FLOOD_WAITS: usize = 3;
const MAX_FLOOD_WAIT: Duration = Duration::from_secs(120);
/// Any number will do, as long as nothing else in the database uses it.
const LEADER_LOCK: i64 = 0x656e_745f_6f75_7462; // "ent_outb"

/// Sends every message due by the clock's now; returns how many were taken.
pub async fn send_due(ctx: &Ctx, bot: &Bot) -> anyhow::Result<usize> {
    let pacer = pacer::for_bot(bot, ctx.config.send_rate_per_sec);
    // Several seconds of work per claim: the pause between batches (waiting for the last
    // sends, claiming the next) then costs little of the budget.
    let batch_size = i64::from(ctx.config.send_rate_per_sec.saturating_mul(4).clamp(1, 400));
    outbox::skip_unreachable(&ctx.db).await?;
    let mut taken = 0;
    loop {
        let wall = Utc::now();
        let batch = outbox::claim(&ctx.db, ctx.clock.now(), wall, wall + LEASE, batch_size).await?;
        if batch.is_empty() {
            return Ok(taken);
        }
        taken += batch.len();
        let mut sends = JoinSet::new();
        for message in batch {
            let start = lock(&pacer).reserve(message.chat_id, Instant::now());
            sends.spawn(deliver(ctx.clone(), bot.clone(), pacer.clone(), message, start));
        }
        while let Some(done) = sends.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "outbox: cannot record a send"),
                Err(e) => tracing::error!(error = %e, "outbox: send task failed"),
            }
        }
    }
}

fn lock(pacer: &Mutex<Pacer>) -> std::sync::MutexGuard<'_, Pacer> {
    pacer.lock().unwrap_or_else(|e| e.into_inner())
}

async fn deliver(
    ctx: Ctx,
    bot: Bot,
    pacer: Arc<Mutex<Pacer>>,
    m: Claimed,
    mut start: Instant,
) -> anyhow::Result<()> {
    let markup = match m.reply_markup.clone().map(serde_json::from_value::<ReplyMarkup>).transpose() {
        Ok(markup) => markup,
        Err(e) => {
            outbox::fail(&ctx.db, m.id, &format!("stored reply_markup does not parse: {e}")).await?;
            return Ok(());
        }
    };
    for _ in 0..MAX_FLOOD_WAITS {
        tokio::time::sleep_until(start).await;
        let mut request = bot.send_message(ChatId(m.chat_id), &m.text);
        if let Some(markup) = markup.clone() {
            request = request.reply_markup(markup);
        }
        let error = match request.await {
            Ok(sent) => {
                outbox::mark_sent(&ctx.db, m.id, i64::from(sent.id.0), ctx.clock.now()).await?;
                return Ok(());
            }
            Err(e) => e,
        };
        match classify(&error) {
            Failure::Flood(wait) => {
                let wait = wait.min(MAX_FLOOD_WAIT);
                tracing::warn!(
                    outbox = m.id,
                    seconds = wait.as_secs(),
                    "flood control: waiting before sending again"
                );
                start = Instant::now() + wait;
                lock(&pacer).hold(m.chat_id, start);
            }
            Failure::Unreachable => {
                tracing::info!(
                    outbox = m.id,
                    user = m.telegram_user_id,
                    "recipient blocked the bot; marked unreachable"
                );
                outbox::mark_unreachable(&ctx.db, m.telegram_user_id, &error.to_string(), ctx.clock.now())
                    .await?;
                return Ok(());
            }
            Failure::Permanent => {
                tracing::error!(outbox = m.id, error = %error, "message refused by Telegram");
                outbox::fail(&ctx.db, m.id, &error.to_string()).await?;
                return Ok(());
            }
            Failure::Transient => {
                let retry_at = ctx.clock.now()
                    + super::backoff(m.attempts, chrono::Duration::seconds(5), chrono::Duration::minutes(10));
                tracing::warn!(outbox = m.id, attempts = m.attempts + 1, error = %error, "send failed; will retry");
                outbox::retry_later(&ctx.db, m.id, &error.to_string(), retry_at, MAX_ATTEMPTS).await?;
                return Ok(());
            }
        }
    }
    // Still flooded: back to the queue, unsent; the pacer holds the next pass back.
    outbox::release(&ctx.db, m.id, "flood control").await?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Flood(Duration),
    Unreachable,
    /// Telegram understood and refused: sending again would be refused again.
    Permanent,
    Transient,
}

fn classify(e: &RequestError) -> Failure {
    match e {
        RequestError::RetryAfter(s) => Failure::Flood(s.duration().max(Duration::from_secs(1))),
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::ChatNotFound
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel,
        ) => Failure::Unreachable,
        RequestError::Api(ApiError::Unknown(text)) if text.starts_with("Forbidden") => Failure::Unreachable,
        // Unrecognised answers include Telegram's own 5xx.
        RequestError::Api(ApiError::Unknown(_)) => Failure::Transient,
        RequestError::Network(_) | RequestError::Io(_) => Failure::Transient,
        RequestError::Api(_) | RequestError::MigrateToChatId(_) | RequestError::InvalidJson { .. } => {
            Failure::Permanent
        }
    }
}

/// The sender task: while this process holds the sender lock, sends what is due, then
/// sleeps until the next scheduled message or a NOTIFY on `outbox`.
pub async fn run(ctx: Ctx, bot: Bot) {
    let mut wake = super::wake::Wake::new(ctx.db.clone(), "outbox").await;
    loop {
        let Some(mut leader) = lead(&ctx).await else {
            // Another process sends; take over soon after it goes away.
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        match outbox::release_all_leases(&ctx.db).await {
            Ok(0) => {}
            // The previous sender died mid-send: these may have reached Telegram just
            // before it did (at-least-once), but none is left behind.
            Ok(n) => tracing::warn!(messages = n, "took over messages leased by a previous sender"),
            Err(e) => tracing::warn!(error = %e, "cannot take over leased messages"),
        }
        tracing::info!("outbox sender started");
        loop {
            if let Err(e) = send_due(&ctx, &bot).await {
                tracing::error!(error = %format!("{e:#}"), "outbox sender");
            }
            let next = outbox::next_due(&ctx.db).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the next send time");
                None
            });
            wake.wait(super::pause(&ctx.clock, next)).await;
            if leader.ping().await.is_err() {
                tracing::warn!("lost the outbox sender lock's connection");
                break;
            }
        }
    }
}

/// A connection of its own holding the sender lock: if this process dies, the connection
/// closes and the lock goes with it.
async fn lead(ctx: &Ctx) -> Option<PgConnection> {
    let options = ctx.db.connect_options();
    let mut conn = match PgConnection::connect_with(&options).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot connect for the outbox sender lock");
            return None;
        }
    };
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LEADER_LOCK)
        .fetch_one(&mut conn)
        .await
        .ok()?;
    locked.then_some(conn)
}

#[cfg(test)]
mod tests {
    use teloxide::types::Seconds;

    use super::*;

    #[test]
    fn sorts_telegram_failures() {
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(3))),
            Failure::Flood(Duration::from_secs(3))
        );
        assert_eq!(classify(&RequestError::Api(ApiError::BotBlocked)), Failure::Unreachable);
        assert_eq!(classify(&RequestError::Api(ApiError::UserDeactivated)), Failure::Unreachable);
        assert_eq!(classify(&RequestError::Api(ApiError::MessageTextIsEmpty)), Failure::Permanent);
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown("Internal Server Error".into()))),
            Failure::Transient
        );
    }
}
