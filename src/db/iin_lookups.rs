//! How many IIN lookups an account made lately (never which IINs).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// Counts a lookup if the account made fewer than `limit` in the last `window`; otherwise
/// returns when the next one is allowed. Serialised per account on its user row, so
/// concurrent lookups cannot all slip under the limit.
pub async fn take(
    pool: &PgPool,
    telegram_user_id: i64,
    now: DateTime<Utc>,
    limit: i64,
    window: Duration,
) -> sqlx::Result<Result<(), DateTime<Utc>>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM telegram_users WHERE id = $1 FOR UPDATE")
        .bind(telegram_user_id)
        .execute(&mut *tx)
        .await?;
    let since = now - window;
    sqlx::query("DELETE FROM iin_lookups WHERE telegram_user_id = $1 AND looked_up_at <= $2")
        .bind(telegram_user_id)
        .bind(since)
        .execute(&mut *tx)
        .await?;
    let recent: Vec<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT looked_up_at FROM iin_lookups WHERE telegram_user_id = $1 ORDER BY looked_up_at DESC LIMIT $2",
    )
    .bind(telegram_user_id)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if recent.len() as i64 >= limit {
        // The oldest of the last `limit` lookups leaves the window first.
        let oldest = recent.last().copied().unwrap_or(now);
        tx.commit().await?;
        return Ok(Err(oldest + window));
    }
    sqlx::query("INSERT INTO iin_lookups (telegram_user_id, looked_up_at) VALUES ($1, $2)")
        .bind(telegram_user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
