//! The outbox sender: delivers queued messages under Telegram's limits (see `pacer`).
//! It books sends a little over half a second ahead and claims more as that runs down, so a
//! transactional message that falls due during a broadcast is claimed within a third
//! of a second (the claim orders by lane) and sent within about two thirds of one. Flood control (429)
//! freezes the whole sender for `retry_after`, sends already booked included, and the
//! message is sent again; a user who blocked the bot (403) is marked unreachable and his
//! queue skipped; other failures are retried with backoff a few times, then the message
//! is `failed` with the reason.
//!
//! Rows are leased while in flight, so a crashed sender's messages come back after the
//! lease; one process at a time drains the queue (an advisory lock), which keeps the
//! global budget global when several processes share the database. A message is marked
//! sent by one statement as soon as Telegram accepted it; a process killed between the
//! two has it sent again by the next sender (at-least-once).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;

use teloxide::prelude::*;
use teloxide::types::{ChatId, ReplyMarkup};
use teloxide::{ApiError, RequestError};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::pacer::{self, Pacer};
use crate::db::outbox::{self, Claimed};
use crate::runtime::leader::{self, Contender, Leader};
use crate::runtime::shutdown::Shutdown;
use crate::runtime::worker::{self, Next, Worker};
use crate::services::Ctx;

pub const MAX_ATTEMPTS: i32 = 5;
/// Longer than any send with its flood-control waits.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Flood-control answers per message per pass before it is handed back to the queue.
const MAX_FLOOD_WAITS: usize = 3;
const MAX_FLOOD_WAIT: Duration = Duration::from_secs(120);
/// The sender claims more once less than this is booked ahead, and claims this much of
/// the budget: a due transactional message waits for at most about twice this.
const AHEAD: Duration = Duration::from_millis(300);
/// With nothing due but sends still in flight, how often to look at the queue again.
const IDLE_LOOK: Duration = Duration::from_millis(200);
const BULK_LANE: i16 = 1;

/// Sends every message due by the clock's now; returns how many were taken.
pub async fn send_due(ctx: &Ctx, bot: &Bot) -> anyhow::Result<usize> {
    send(ctx, bot, None).await
}

/// Sends until nothing is due, or until `stop` fires: then it claims nothing more and
/// returns once the sends in flight are done.
async fn send(ctx: &Ctx, bot: &Bot, stop: Option<&Shutdown>) -> anyhow::Result<usize> {
    let config = &ctx.config;
    let paid_rate = config.notices.paid_broadcast.then_some(config.notices.paid_broadcast_rate_per_sec);
    let pacer = pacer::for_bot(bot, config.notices.send_rate_per_sec, paid_rate);
    let bulk_rate =
        paid_rate.unwrap_or(config.notices.send_rate_per_sec).max(config.notices.send_rate_per_sec);
    let batch_size = i64::from((bulk_rate as f64 * AHEAD.as_secs_f64()).ceil() as u32).clamp(1, 500);
    outbox::skip_unreachable(&ctx.db).await?;
    let mut taken = 0;
    let mut sends = JoinSet::new();
    let mut claiming = true;
    let mut idle = false;
    let mut failure = None;
    loop {
        if stop.is_some_and(Shutdown::is_triggered) {
            claiming = false;
        }
        let now = Instant::now();
        if claiming && lock(&pacer).booked_until() <= now + AHEAD {
            let wall = Utc::now();
            match outbox::claim(&ctx.db, ctx.clock.now(), wall, wall + LEASE, batch_size).await {
                Ok(batch) => {
                    idle = batch.is_empty();
                    taken += batch.len();
                    for message in batch {
                        let paid = config.notices.paid_broadcast && message.lane == BULK_LANE;
                        let start = lock(&pacer).reserve(message.chat_id, paid, Instant::now());
                        let delivery =
                            Delivery { ctx: ctx.clone(), bot: bot.clone(), pacer: pacer.clone(), paid };
                        sends.spawn(delivery.deliver(message, start));
                    }
                }
                Err(e) => {
                    // Let what is in flight finish (dropping it could send twice), then fail.
                    claiming = false;
                    failure = Some(e);
                }
            }
        }
        if sends.is_empty() && (idle || !claiming) {
            return match failure {
                Some(e) => Err(e.into()),
                None => Ok(taken),
            };
        }
        let look_again = if idle {
            Instant::now() + IDLE_LOOK
        } else {
            lock(&pacer).booked_until().checked_sub(AHEAD).unwrap_or(now).max(now + Duration::from_millis(10))
        };
        tokio::select! {
            Some(done) = sends.join_next(), if !sends.is_empty() => match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "outbox: cannot record a send"),
                Err(e) => tracing::error!(error = %e, "outbox: send task failed"),
            },
            _ = tokio::time::sleep_until(look_again), if claiming => {}
        }
    }
}

fn lock(pacer: &Mutex<Pacer>) -> std::sync::MutexGuard<'_, Pacer> {
    pacer.lock().unwrap_or_else(|e| e.into_inner())
}

struct Delivery {
    ctx: Ctx,
    bot: Bot,
    pacer: Arc<Mutex<Pacer>>,
    /// Sent as a paid broadcast (`allow_paid_broadcast`).
    paid: bool,
}

impl Delivery {
    async fn deliver(self, m: Claimed, mut start: Instant) -> anyhow::Result<()> {
        let Delivery { ctx, bot, pacer, paid } = self;
        let markup = match m.reply_markup.clone().map(serde_json::from_value::<ReplyMarkup>).transpose() {
            Ok(markup) => markup,
            Err(e) => {
                outbox::fail(&ctx.db, m.id, &format!("stored reply_markup does not parse: {e}")).await?;
                return Ok(());
            }
        };
        let mut floods = 0;
        loop {
            tokio::time::sleep_until(start).await;
            {
                // Flood control since this send was booked: book again, after the freeze.
                let mut pacer = lock(&pacer);
                let now = Instant::now();
                if pacer.frozen_until() > now {
                    start = pacer.reserve(m.chat_id, paid, now);
                    continue;
                }
            }
            let mut request = bot.send_message(ChatId(m.chat_id), &m.text);
            if let Some(markup) = markup.clone() {
                request = request.reply_markup(markup);
            }
            if paid {
                request = request.allow_paid_broadcast(true);
            }
            let error = match request.await {
                Ok(sent) => {
                    crate::metrics::bot_api_call("sendMessage", "ok");
                    outbox::mark_sent(&ctx.db, m.id, i64::from(sent.id.0), ctx.clock.now()).await?;
                    return Ok(());
                }
                Err(e) => e,
            };
            match classify(&error) {
                Failure::Flood(wait) => {
                    crate::metrics::bot_api_call("sendMessage", "429");
                    crate::metrics::bot_api_retry_after();
                    let wait = wait.min(MAX_FLOOD_WAIT);
                    tracing::warn!(
                        outbox = m.id,
                        seconds = wait.as_secs(),
                        "flood control: every send waits before sending again"
                    );
                    let now = Instant::now();
                    let mut pacer = lock(&pacer);
                    pacer.freeze(m.chat_id, now + wait);
                    floods += 1;
                    if floods >= MAX_FLOOD_WAITS {
                        break;
                    }
                    start = pacer.reserve(m.chat_id, paid, now);
                }
                Failure::Unreachable => {
                    crate::metrics::bot_api_call("sendMessage", "403");
                    tracing::info!(
                        outbox = m.id,
                        user = m.telegram_user_id,
                        "recipient blocked the bot; marked unreachable"
                    );
                    outbox::mark_unreachable(
                        &ctx.db,
                        m.telegram_user_id,
                        &error.to_string(),
                        ctx.clock.now(),
                    )
                    .await?;
                    return Ok(());
                }
                Failure::Permanent => {
                    crate::metrics::bot_api_call("sendMessage", "error");
                    tracing::error!(outbox = m.id, error = %error, "message refused by Telegram");
                    outbox::fail(&ctx.db, m.id, &error.to_string()).await?;
                    return Ok(());
                }
                Failure::Transient => {
                    crate::metrics::bot_api_call("sendMessage", "error");
                    let retry_at = ctx.clock.now()
                        + super::backoff(
                            m.attempts,
                            chrono::Duration::seconds(5),
                            chrono::Duration::minutes(10),
                        );
                    tracing::warn!(outbox = m.id, attempts = m.attempts + 1, error = %error, "send failed; will retry");
                    outbox::retry_later(&ctx.db, m.id, &error.to_string(), retry_at, MAX_ATTEMPTS).await?;
                    return Ok(());
                }
            }
        }
        // Still flooded: back to the queue, unsent; the frozen pacer holds the next pass back.
        outbox::release(&ctx.db, m.id, "flood control").await?;
        Ok(())
    }
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

/// The sender while this process holds the sender lock: sends what is due, then sleeps
/// until the next scheduled message or a NOTIFY on `outbox`; stops when the lock's
/// connection is gone (another process may hold the lock by now).
struct Sender<'a> {
    ctx: &'a Ctx,
    bot: &'a Bot,
    leader: &'a mut Leader,
    shutdown: Shutdown,
    first: bool,
}

impl Worker for Sender<'_> {
    const NAME: &'static str = "outbox";
    const CHANNEL: Option<&'static str> = Some("outbox");

    async fn step(&mut self) -> anyhow::Result<Next> {
        if !std::mem::replace(&mut self.first, false) && !self.leader.still_held().await {
            tracing::warn!("lost the outbox sender lock's connection");
            return Ok(Next::Stop);
        }
        send(self.ctx, self.bot, Some(&self.shutdown)).await?;
        let next = outbox::next_due(&self.ctx.db).await?;
        Ok(Next::After(super::pause(&self.ctx.clock, next)))
    }
}

/// The sender task: while this process holds the sender lock, sends what is due, then
/// sleeps until the next scheduled message or a NOTIFY on `outbox`. On shutdown it claims
/// nothing more, lets the sends in flight finish and gives back the messages it had
/// claimed, so the next sender takes them at once.
pub async fn run(ctx: Ctx, bot: Bot, mut shutdown: Shutdown) -> anyhow::Result<()> {
    let mut contender = Contender::new(leader::OUTBOX_SENDER);
    // Another process may send; take over soon after it goes away.
    let every = Duration::from_secs(1);
    while let Some(mut leader) = contender.lead(&ctx.db, every, &mut shutdown, || {}).await {
        match outbox::release_all_leases(&ctx.db).await {
            Ok(0) => {}
            // The previous sender died mid-send: these may have reached Telegram just
            // before it did (at-least-once), but none is left behind.
            Ok(n) => tracing::warn!(messages = n, "took over messages leased by a previous sender"),
            Err(e) => tracing::warn!(error = %e, "cannot take over leased messages"),
        }
        tracing::info!("outbox sender started");
        let mut sender =
            Sender { ctx: &ctx, bot: &bot, leader: &mut leader, shutdown: shutdown.clone(), first: true };
        worker::run(&mut sender, &ctx.wakeups, &mut shutdown).await;
        if shutdown.is_triggered() {
            match outbox::release_all_leases(&ctx.db).await {
                Ok(n) => tracing::info!(messages = n, "outbox leases released"),
                Err(e) => tracing::warn!(error = %e, "outbox leases not released; they expire by themselves"),
            }
        }
    }
    Ok(())
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
