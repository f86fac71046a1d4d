//! Pending email confirmations: one per Telegram account, only a hash of the code.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub email: String,
    pub code_hash: String,
    pub attempts: i32,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub mailed_at: Option<DateTime<Utc>>,
}

/// What [`put_within_limits`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    /// The new code is stored and counted as sent (`send_id` names that count, to take
    /// back if the mail server refuses it).
    Stored { send_id: i64 },
    /// A code went out to this account less than the cooldown ago: nothing changed.
    CoolingDown,
    /// The hourly cap of the account or of the address is reached: nothing changed.
    OverCap { cap: Cap, retry_at: DateTime<Utc> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    Account,
    Address,
}

/// The limits a new code must keep.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A code mailed after this still holds the account's cooldown.
    pub cooldown_from: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub window: chrono::Duration,
    pub per_account: i64,
    pub per_address: i64,
}

/// Stores a new code unless the account's last one was mailed within the cooldown (one
/// statement, so two taps cannot both pass) or the account or the address has had its
/// hourly share of codes. Codes to one address from several accounts are serialised by an
/// advisory lock on the address, the account's by its row, so no race mails past a cap. A
/// code stored but never mailed (the process died in between) is replaced at once.
pub async fn put_within_limits(
    pool: &PgPool,
    telegram_user_id: i64,
    email: &str,
    code_hash: &str,
    now: DateTime<Utc>,
    limits: Limits,
) -> sqlx::Result<Put> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", format!("email-code:{email}"))
        .execute(&mut *tx)
        .await?;
    let stored = sqlx::query!(
        "INSERT INTO email_verifications (telegram_user_id, email, code_hash, attempts, sent_at, expires_at)
         VALUES ($1, $2, $3, 0, $4, $5)
         ON CONFLICT (telegram_user_id) DO UPDATE
            SET email = EXCLUDED.email, code_hash = EXCLUDED.code_hash, attempts = 0,
                sent_at = EXCLUDED.sent_at, expires_at = EXCLUDED.expires_at, mailed_at = NULL
            WHERE email_verifications.sent_at <= $6 OR email_verifications.mailed_at IS NULL
         RETURNING 1 AS one",
        telegram_user_id,
        email,
        code_hash,
        now,
        limits.expires_at,
        limits.cooldown_from,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if stored.is_none() {
        return Ok(Put::CoolingDown);
    }
    let since = now - limits.window;
    // The newest `max` sends in the window: when there are that many, the oldest of them
    // leaving the window frees the next one.
    let by_account: Vec<DateTime<Utc>> = sqlx::query_scalar!(
        "SELECT sent_at FROM email_code_sends WHERE telegram_user_id = $1 AND sent_at > $2
         ORDER BY sent_at DESC LIMIT $3",
        telegram_user_id,
        since,
        limits.per_account,
    )
    .fetch_all(&mut *tx)
    .await?;
    let by_address: Vec<DateTime<Utc>> = sqlx::query_scalar!(
        "SELECT sent_at FROM email_code_sends WHERE email = $1 AND sent_at > $2
         ORDER BY sent_at DESC LIMIT $3",
        email,
        since,
        limits.per_address,
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut over: Option<(Cap, DateTime<Utc>)> = None;
    for (cap, recent, max) in
        [(Cap::Account, by_account, limits.per_account), (Cap::Address, by_address, limits.per_address)]
    {
        if recent.len() as i64 >= max {
            let retry_at = recent.last().copied().unwrap_or(now) + limits.window;
            if over.is_none_or(|(_, later)| retry_at > later) {
                over = Some((cap, retry_at));
            }
        }
    }
    if let Some((cap, retry_at)) = over {
        return Ok(Put::OverCap { cap, retry_at });
    }
    let send_id = sqlx::query_scalar!(
        "INSERT INTO email_code_sends (telegram_user_id, email, sent_at) VALUES ($1, $2, $3) RETURNING id",
        telegram_user_id,
        email,
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Put::Stored { send_id })
}

/// The mail server refused the code: it does not count against the caps.
pub async fn forget_send(pool: &PgPool, send_id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM email_code_sends WHERE id = $1", send_id).execute(pool).await?;
    Ok(())
}

/// Forgets sends older than `before` (they count for no cap); returns how many.
pub async fn prune_sends(pool: &PgPool, before: DateTime<Utc>) -> sqlx::Result<u64> {
    let done = sqlx::query!("DELETE FROM email_code_sends WHERE sent_at < $1", before).execute(pool).await?;
    Ok(done.rows_affected())
}

/// The mail server accepted the code.
pub async fn mark_mailed(pool: &PgPool, telegram_user_id: i64, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE email_verifications SET mailed_at = $2 WHERE telegram_user_id = $1",
        telegram_user_id,
        at
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn get(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as!(
        Pending,
        "SELECT email, code_hash, attempts, sent_at, expires_at, mailed_at FROM email_verifications
         WHERE telegram_user_id = $1",
        telegram_user_id,
    )
    .fetch_optional(pool)
    .await
}

/// Locks the pending code for a check, so concurrent guesses count one by one.
pub async fn lock(db: impl PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as!(
        Pending,
        "SELECT email, code_hash, attempts, sent_at, expires_at, mailed_at FROM email_verifications
         WHERE telegram_user_id = $1 FOR UPDATE",
        telegram_user_id,
    )
    .fetch_optional(db)
    .await
}

pub async fn count_attempt(db: impl PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE email_verifications SET attempts = attempts + 1 WHERE telegram_user_id = $1",
        telegram_user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM email_verifications WHERE telegram_user_id = $1", telegram_user_id)
        .execute(db)
        .await?;
    Ok(())
}
