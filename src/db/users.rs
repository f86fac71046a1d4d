//! Telegram users: who wrote to the bot, in which language, and whether we can reach them.

use sqlx::PgPool;

use crate::i18n::Locale;

#[derive(Debug, Clone)]
pub struct TgUser {
    pub id: i64,
    pub chat_id: i64,
    pub locale: Option<Locale>,
}

/// The sender of an update as stored, read together with the claim of the update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: i64,
    pub chat_id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub unreachable: bool,
    pub locale: Option<Locale>,
}

/// Records the user on every update in one round trip and returns his chosen locale.
/// Writing to us proves he has not blocked the bot, so `unreachable` is cleared. The row
/// is written only when something changed: most updates just read it.
pub async fn touch(
    pool: &PgPool,
    id: i64,
    chat_id: i64,
    first_name: &str,
    username: Option<&str>,
) -> sqlx::Result<TgUser> {
    sqlx::query_as!(
        TgUser,
        r#"WITH up AS (
             INSERT INTO telegram_users AS u (id, chat_id, first_name, username)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE
                SET chat_id = EXCLUDED.chat_id,
                    first_name = EXCLUDED.first_name,
                    username = EXCLUDED.username,
                    unreachable = FALSE,
                    unreachable_at = NULL,
                    updated_at = now()
                WHERE (u.chat_id, u.first_name, u.username, u.unreachable)
                      IS DISTINCT FROM (EXCLUDED.chat_id, EXCLUDED.first_name, EXCLUDED.username, FALSE)
             RETURNING id, chat_id, locale
         )
         SELECT id AS "id!", chat_id AS "chat_id!", locale AS "locale?: Locale" FROM up
         UNION ALL
         SELECT id, chat_id, locale FROM telegram_users WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM up)"#,
        id,
        chat_id,
        first_name,
        username,
    )
    .fetch_one(pool)
    .await
}

pub async fn set_reachable(pool: &PgPool, id: i64, reachable: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE telegram_users SET unreachable = NOT $2,
                unreachable_at = CASE WHEN $2 THEN NULL ELSE now() END, updated_at = now()
         WHERE id = $1 AND unreachable = $2",
        id,
        reachable,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn set_locale(pool: &PgPool, id: i64, locale: Locale) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE telegram_users SET locale = $2, updated_at = now() WHERE id = $1",
        id,
        locale as Locale
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn locale(pool: &PgPool, id: i64) -> sqlx::Result<Option<Locale>> {
    Ok(sqlx::query_scalar!(r#"SELECT locale AS "locale?: Locale" FROM telegram_users WHERE id = $1"#, id)
        .fetch_optional(pool)
        .await?
        .flatten())
}
