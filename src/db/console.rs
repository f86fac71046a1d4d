//! The staff console's sign-in links and sessions (`console_links`, `console_sessions`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db::staff::Role;
use crate::i18n::Locale;

/// A new link; earlier unused links of the same staff member stop working.
pub async fn create_link(
    pool: &PgPool,
    id: &str,
    telegram_user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "UPDATE console_links SET used_at = $2 WHERE telegram_user_id = $1 AND used_at IS NULL",
        telegram_user_id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO console_links (id, telegram_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        id,
        telegram_user_id,
        now,
        expires_at,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone)]
pub struct Link {
    pub telegram_user_id: i64,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn link(pool: &PgPool, id: &str) -> sqlx::Result<Option<Link>> {
    sqlx::query_as!(Link, "SELECT telegram_user_id, expires_at, used_at FROM console_links WHERE id = $1", id)
        .fetch_optional(pool)
        .await
}

/// Consumes the link and opens a session in one transaction: the `UPDATE … WHERE used_at
/// IS NULL AND expires_at > now` is what makes a link single-use when two browsers race.
/// The staff member's other sessions end. `None` when the link was used or expired, or its
/// owner is no longer staff (`sandbox_admins`: the sandbox's in-memory admins).
pub async fn consume_link(
    pool: &PgPool,
    id: &str,
    token_hash: &str,
    csrf_token: &str,
    now: DateTime<Utc>,
    session_expires_at: DateTime<Utc>,
    sandbox_admins: &[i64],
) -> sqlx::Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    let user: Option<i64> = sqlx::query_scalar!(
        "UPDATE console_links SET used_at = $2
         WHERE id = $1 AND used_at IS NULL AND expires_at > $2
           AND (EXISTS (SELECT 1 FROM staff s WHERE s.telegram_user_id = console_links.telegram_user_id)
                OR telegram_user_id = ANY($3))
         RETURNING telegram_user_id",
        id,
        now,
        sandbox_admins,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        return Ok(None);
    };
    end_sessions_of(&mut *tx, user).await?;
    sqlx::query!(
        "INSERT INTO console_sessions (token_hash, telegram_user_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        user,
        csrf_token,
        now,
        session_expires_at,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(user))
}

#[derive(Debug, Clone)]
pub struct Session {
    pub telegram_user_id: i64,
    pub role: Role,
    pub csrf_token: String,
    pub locale: Option<Locale>,
    pub first_name: Option<String>,
}

/// The live session of a staff member who is still staff, with his current role.
/// `sandbox_admins` are admins held in memory by the sandbox (never in `staff`).
pub async fn session(
    pool: &PgPool,
    token_hash: &str,
    now: DateTime<Utc>,
    sandbox_admins: &[i64],
) -> sqlx::Result<Option<Session>> {
    sqlx::query_as!(
        Session,
        r#"SELECT cs.telegram_user_id,
                  COALESCE(st.role, 'admin'::staff_role) AS "role!: Role", cs.csrf_token,
                  u.locale AS "locale?: Locale", u.first_name AS "first_name?"
           FROM console_sessions cs
           LEFT JOIN staff st ON st.telegram_user_id = cs.telegram_user_id
           LEFT JOIN telegram_users u ON u.id = cs.telegram_user_id
           WHERE cs.token_hash = $1 AND cs.expires_at > $2
             AND (st.role IS NOT NULL OR cs.telegram_user_id = ANY($3))"#,
        token_hash,
        now,
        sandbox_admins,
    )
    .fetch_optional(pool)
    .await
}

pub async fn end_session(pool: &PgPool, token_hash: &str) -> sqlx::Result<bool> {
    let done =
        sqlx::query!("DELETE FROM console_sessions WHERE token_hash = $1", token_hash).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of a staff member (a new `/console`, removal from staff).
pub async fn end_sessions_of(db: impl sqlx::PgExecutor<'_>, telegram_user_id: i64) -> sqlx::Result<u64> {
    let done = sqlx::query!("DELETE FROM console_sessions WHERE telegram_user_id = $1", telegram_user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
