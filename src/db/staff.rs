//! Staff roles.

use sqlx::PgPool;

/// `ADMIN_IDS` makes these Telegram users admins at every start.
pub async fn bootstrap_admins(pool: &PgPool, ids: &[i64]) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO staff (telegram_user_id, role)
         SELECT id, 'admin' FROM unnest($1::bigint[]) AS id
         ON CONFLICT (telegram_user_id) DO UPDATE SET role = 'admin'",
    )
    .bind(ids)
    .execute(pool)
    .await?;
    Ok(())
}
