//! `outbox`: every message the system sends on its own, drained by the sender worker.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

pub use super::dedup_key::DedupKey;

/// `outbox.status`, as PostgreSQL's `outbox_status` spells it (the console shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[sqlx(type_name = "outbox_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
    Skipped,
}

pub struct NewMessage<'a> {
    pub telegram_user_id: i64,
    pub text: &'a str,
    pub reply_markup: Option<Value>,
    /// The same key twice queues one message: a retried cause cannot message twice. See
    /// [`DedupKey`].
    pub dedup_key: String,
    pub not_before: DateTime<Utc>,
    /// Broadcasts, notices and the evening sweep: sent after every due transactional message.
    pub bulk: bool,
}

impl<'a> NewMessage<'a> {
    /// A message about the user's own application, due now, ahead of any bulk message.
    pub fn transactional(telegram_user_id: i64, text: &'a str, key: DedupKey, now: DateTime<Utc>) -> Self {
        NewMessage {
            telegram_user_id,
            text,
            reply_markup: None,
            dedup_key: key.to_string(),
            not_before: now,
            bulk: false,
        }
    }

    /// With buttons under the text.
    pub fn with_markup(self, reply_markup: Option<Value>) -> Self {
        NewMessage { reply_markup, ..self }
    }
}

/// Queues a message to the user's current chat. False when the dedup key was seen before.
pub async fn enqueue(conn: &mut PgConnection, m: &NewMessage<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO outbox (telegram_user_id, chat_id, text, reply_markup, dedup_key, not_before, created_at, lane)
         SELECT u.id, u.chat_id, $2, $3, $4, $5, $5, CASE WHEN $6 THEN 1 ELSE 0 END
         FROM telegram_users u WHERE u.id = $1
         ON CONFLICT (dedup_key) DO NOTHING",
        m.telegram_user_id,
        m.text,
        m.reply_markup.as_ref(),
        &m.dedup_key,
        m.not_before,
        m.bulk,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub telegram_user_id: i64,
    pub chat_id: i64,
    pub text: String,
    pub reply_markup: Option<Value>,
    pub attempts: i32,
    /// 0 transactional, 1 bulk.
    pub lane: i16,
}

/// Leases up to `limit` due messages until `lease_until`: the oldest pending one of each
/// chat whose user is reachable. `now` is the clock (when a message is due), `wall` real
/// time (whether another sender's lease ran out). Walks the pending index in lane order
/// (`super::begin_claim`), so a claim costs the same behind a broadcast of 190,000.
pub async fn claim(
    pool: &PgPool,
    now: DateTime<Utc>,
    wall: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let mut tx = super::begin_claim(pool).await?;
    let claimed = sqlx::query_as!(
        Claimed,
        "UPDATE outbox o SET claimed_until = $3
         WHERE o.id IN (
             SELECT c.id FROM outbox c
             JOIN telegram_users u ON u.id = c.telegram_user_id
             WHERE c.status = 'pending' AND c.not_before <= $1
               AND (c.claimed_until IS NULL OR c.claimed_until < $2)
               AND NOT u.unreachable
               AND NOT EXISTS (SELECT 1 FROM outbox e
                               WHERE e.chat_id = c.chat_id AND e.status = 'pending' AND e.id < c.id
                                 AND e.lane <= c.lane)
             ORDER BY c.lane, c.not_before, c.id
             LIMIT $4
             FOR UPDATE OF c SKIP LOCKED)
         RETURNING o.id, o.telegram_user_id, o.chat_id, o.text, o.reply_markup, o.attempts, o.lane",
        now,
        wall,
        lease_until,
        limit,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed)
}

/// One statement, run as soon as Telegram accepted the message: the window in which a
/// killed sender leaves a sent message pending (to be sent again) is this round trip.
pub async fn mark_sent(
    pool: &PgPool,
    id: i64,
    telegram_message_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox SET status = 'sent', sent_at = $3, telegram_message_id = $2, claimed_until = NULL,
                           last_error = NULL
         WHERE id = $1",
        id,
        telegram_message_id,
        now,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts a failed attempt: pending again from `not_before`, or `failed` with the reason
/// once it has had `max_attempts`.
pub async fn retry_later(
    pool: &PgPool,
    id: i64,
    error: &str,
    not_before: DateTime<Utc>,
    max_attempts: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox
         SET attempts = attempts + 1, last_error = $2, claimed_until = NULL,
             status = CASE WHEN attempts + 1 >= $4 THEN 'failed'::outbox_status ELSE 'pending' END,
             not_before = CASE WHEN attempts + 1 >= $4 THEN not_before ELSE $3 END
         WHERE id = $1",
        id,
        error,
        not_before,
        max_attempts,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn fail(pool: &PgPool, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2, claimed_until = NULL
         WHERE id = $1",
        id,
        error,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands a leased message back untouched (flood control outlasted our patience).
pub async fn release(pool: &PgPool, id: i64, note: &str) -> sqlx::Result<()> {
    sqlx::query!("UPDATE outbox SET claimed_until = NULL, last_error = $2 WHERE id = $1", id, note)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every lease. Only for a sender that just took the sender lock: the leases it finds
/// belong to a sender that died, whose rows would otherwise wait out their lease.
pub async fn release_all_leases(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE outbox SET claimed_until = NULL WHERE status = 'pending' AND claimed_until IS NOT NULL",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The user blocked the bot: remember it, and drop what is queued for him.
pub async fn mark_unreachable(
    pool: &PgPool,
    telegram_user_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "UPDATE telegram_users SET unreachable = TRUE, unreachable_at = $2, updated_at = $2 WHERE id = $1",
        telegram_user_id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE outbox SET status = 'skipped', last_error = $2, claimed_until = NULL
         WHERE telegram_user_id = $1 AND status = 'pending'",
        telegram_user_id,
        reason,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Messages queued for users known to be unreachable are skipped, not sent.
pub async fn skip_unreachable(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE outbox o SET status = 'skipped', last_error = 'recipient unreachable', claimed_until = NULL
         FROM telegram_users u
         WHERE u.id = o.telegram_user_id AND u.unreachable AND o.status = 'pending'",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// When the next pending message falls due.
pub async fn next_due(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!("SELECT min(not_before) FROM outbox WHERE status = 'pending'").fetch_one(pool).await
}

/// A lane's pending messages, and how long the oldest one that is due has waited.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lane {
    pub pending: i64,
    pub lag_secs: f64,
}

/// The transactional and the bulk lane.
pub async fn backlog(pool: &PgPool) -> sqlx::Result<(Lane, Lane)> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE lane = 0) AS "transactional!", count(*) FILTER (WHERE lane = 1) AS "bulk!",
                  coalesce(extract(epoch FROM now() - min(not_before) FILTER (WHERE lane = 0 AND not_before <= now())), 0)::float8
                      AS "transactional_lag!",
                  coalesce(extract(epoch FROM now() - min(not_before) FILTER (WHERE lane = 1 AND not_before <= now())), 0)::float8
                      AS "bulk_lag!"
           FROM outbox WHERE status = 'pending'"#,
    )
    .fetch_one(pool)
    .await?;
    Ok((
        Lane { pending: r.transactional, lag_secs: r.transactional_lag },
        Lane { pending: r.bulk, lag_secs: r.bulk_lag },
    ))
}
