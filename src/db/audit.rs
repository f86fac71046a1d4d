//! The audit log: who changed what, for staff actions and post-payment edits.

use serde_json::Value;

/// The actor of what an operator does with `ent-bot` on a server (`inbox retry-parked`):
/// no Telegram account, so not a Telegram id (those are positive). The details name the
/// operating-system user.
pub const COMMAND_LINE: i64 = 0;

pub async fn record(
    db: impl sqlx::PgExecutor<'_>,
    actor_id: i64,
    action: &str,
    target: &str,
    details: Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, action, target, details) VALUES ($1, $2, $3, $4)",
        actor_id,
        action,
        target,
        details,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Like [`record`], returning the entry's id (a key for what the action queues).
pub async fn record_id(
    db: impl sqlx::PgExecutor<'_>,
    actor_id: i64,
    action: &str,
    target: &str,
    details: Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO audit_log (actor_id, action, target, details) VALUES ($1, $2, $3, $4) RETURNING id",
        actor_id,
        action,
        target,
        details,
    )
    .fetch_one(db)
    .await
}
