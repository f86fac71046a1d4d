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

/// Stores a new code unless one was mailed less than `cooldown_from` ago, in one statement
/// so two taps cannot both pass the check. Returns false while the cooldown runs. A code
/// stored but never mailed (the process died in between) is replaced at once.
pub async fn put_unless_cooling_down(
    pool: &PgPool,
    telegram_user_id: i64,
    email: &str,
    code_hash: &str,
    now: DateTime<Utc>,
    cooldown_from: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let row = sqlx::query(
        "INSERT INTO email_verifications (telegram_user_id, email, code_hash, attempts, sent_at, expires_at)
         VALUES ($1, $2, $3, 0, $4, $5)
         ON CONFLICT (telegram_user_id) DO UPDATE
            SET email = EXCLUDED.email, code_hash = EXCLUDED.code_hash, attempts = 0,
                sent_at = EXCLUDED.sent_at, expires_at = EXCLUDED.expires_at
            WHERE email_verifications.sent_at <= $6 OR email_verifications.mailed_at IS NULL
         RETURNING 1",
    )
    .bind(telegram_user_id)
    .bind(email)
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .bind(cooldown_from)
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// The mail server accepted the code.
pub async fn mark_mailed(pool: &PgPool, telegram_user_id: i64, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE email_verifications SET mailed_at = $2 WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .bind(at)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn get(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as("SELECT email, code_hash, attempts, sent_at, expires_at, mailed_at FROM email_verifications WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .fetch_optional(pool)
        .await
}

/// Locks the pending code for a check, so concurrent guesses count one by one.
pub async fn lock(db: impl PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as(
        "SELECT email, code_hash, attempts, sent_at, expires_at, mailed_at FROM email_verifications
         WHERE telegram_user_id = $1 FOR UPDATE",
    )
    .bind(telegram_user_id)
    .fetch_optional(db)
    .await
}

pub async fn count_attempt(db: impl PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE email_verifications SET attempts = attempts + 1 WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM email_verifications WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .execute(db)
        .await?;
    Ok(())
}
