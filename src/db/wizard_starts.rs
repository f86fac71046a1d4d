//! A per-chat count of started application wizards (see `bot::wizard`).

use sqlx::PgPool;

/// Counts one more wizard started in `chat_id` and returns the new count (1, 2, …).
pub async fn next(pool: &PgPool, chat_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO wizard_starts (chat_id, started) VALUES ($1, 1)
         ON CONFLICT (chat_id) DO UPDATE SET started = wizard_starts.started + 1
         RETURNING started",
        chat_id,
    )
    .fetch_one(pool)
    .await
}
