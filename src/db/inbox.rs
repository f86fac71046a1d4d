//! The inbox: updates stored before they are acknowledged, handled one chat at a time.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::users::StoredUser;
use crate::i18n::Locale;

/// An update as it arrived, with what the claim needs to keep a chat in order.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// Stores updates; ones already stored are left as they are. Wakes the handlers of every
/// process (`NOTIFY inbox`) when something new came. Returns how many were new.
pub async fn store(pool: &PgPool, updates: &[NewUpdate]) -> sqlx::Result<u64> {
    if updates.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = updates.iter().map(|u| u.update_id).collect();
    let chats: Vec<Option<i64>> = updates.iter().map(|u| u.chat_id).collect();
    let kinds: Vec<&str> = updates.iter().map(|u| u.kind.as_str()).collect();
    let payloads: Vec<serde_json::Value> = updates.iter().map(|u| u.payload.clone()).collect();
    sqlx::query_scalar(
        "WITH new AS (
             INSERT INTO inbox (update_id, chat_id, kind, payload)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::jsonb[])
             ON CONFLICT (update_id) DO NOTHING
             RETURNING 1
         )
         SELECT count(*) FROM new, LATERAL (SELECT pg_notify('inbox', '')) n",
    )
    .bind(ids)
    .bind(chats)
    .bind(kinds)
    .bind(payloads)
    .fetch_one(pool)
    .await
    .map(|n: i64| n as u64)
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    update_id: i64,
    chat_id: Option<i64>,
    kind: String,
    payload: serde_json::Value,
    attempts: i32,
    state: Option<serde_json::Value>,
    version: Option<i64>,
    user_chat_id: Option<i64>,
    first_name: Option<String>,
    username: Option<String>,
    unreachable: Option<bool>,
    locale: Option<Locale>,
}

/// A claimed update: its row and its chat are ours until the transaction ends.
pub struct Claimed {
    pub tx: Transaction<'static, Postgres>,
    pub update_id: i64,
    pub chat_id: Option<i64>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    /// The chat's dialogue state as stored, and its version.
    pub state: Option<serde_json::Value>,
    pub version: i64,
    /// The user whose private chat this is, as stored (none before his first update).
    pub user: Option<StoredUser>,
}

/// Claims the oldest unhandled update whose chat has no older unhandled one, skipping rows
/// other handlers hold; one round trip after `BEGIN`. The chat's stored dialogue and its
/// user come along, so most updates need no other read before the handler's own.
///
/// The candidates are walked in `update_id` order on the pending index, and a chat's
/// order is checked per candidate by a subquery PostgreSQL cannot turn into a join; the
/// transaction keeps the plan index-driven (`begin_claim`). Planning the claim on every
/// call instead cost more than running it.
pub async fn claim(pool: &PgPool) -> sqlx::Result<Option<Claimed>> {
    let mut tx = super::begin_claim(pool).await?;
    let row: Option<ClaimRow> = sqlx::query_as(
        "WITH next AS MATERIALIZED (
             SELECT i.update_id, i.chat_id, i.kind, i.payload, i.attempts
             FROM inbox i
             WHERE i.handled_at IS NULL AND i.parked_at IS NULL AND i.not_before <= now()
               AND (i.chat_id IS NULL
                    OR i.update_id = (SELECT min(o.update_id) FROM inbox o
                                      WHERE o.chat_id = i.chat_id
                                        AND o.handled_at IS NULL AND o.parked_at IS NULL))
             ORDER BY i.update_id
             LIMIT 1
             FOR UPDATE SKIP LOCKED
         )
         SELECT n.update_id, n.chat_id, n.kind, n.payload, n.attempts, d.state, d.version,
                u.chat_id AS user_chat_id, u.first_name, u.username, u.unreachable, u.locale
         FROM next n
         LEFT JOIN dialogue_states d ON d.chat_id = n.chat_id
         LEFT JOIN telegram_users u ON u.id = n.chat_id",
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|r| {
        let user = match (r.chat_id, r.user_chat_id, r.first_name, r.unreachable) {
            (Some(id), Some(chat_id), Some(first_name), Some(unreachable)) => Some(StoredUser {
                id,
                chat_id,
                first_name,
                username: r.username,
                unreachable,
                locale: r.locale,
            }),
            _ => None,
        };
        Claimed {
            tx,
            update_id: r.update_id,
            chat_id: r.chat_id,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            state: r.state,
            version: r.version.unwrap_or(0),
            user,
        }
    }))
}

/// What the handler left as the chat's dialogue state.
pub enum StateWrite {
    Keep,
    Set(serde_json::Value),
    Remove,
}

macro_rules! handled {
    () => {
        "UPDATE inbox SET handled_at = now(), attempts = attempts + 1 WHERE update_id = $1"
    };
}

/// Marks the update handled and writes the chat's state, in the claim's transaction and
/// one statement. False (nothing written) when the state changed under us since the claim.
pub async fn finish(mut claimed: Claimed, write: StateWrite) -> sqlx::Result<bool> {
    let query = match (&write, claimed.chat_id) {
        (StateWrite::Set(state), Some(chat)) => sqlx::query_scalar(concat!(
            "WITH state AS (
                 INSERT INTO dialogue_states AS d (chat_id, state, version) VALUES ($2, $3, 1)
                 ON CONFLICT (chat_id) DO UPDATE SET state = EXCLUDED.state, version = d.version + 1, updated_at = now()
                 WHERE d.version = $4
                 RETURNING 1
             ), handled AS (",
            handled!(),
            " AND EXISTS (SELECT 1 FROM state) RETURNING 1)
             SELECT EXISTS (SELECT 1 FROM handled)"
        ))
        .bind(claimed.update_id)
        .bind(chat)
        .bind(state)
        .bind(claimed.version),
        (StateWrite::Remove, Some(chat)) => sqlx::query_scalar(concat!(
            "WITH state AS (DELETE FROM dialogue_states WHERE chat_id = $2 AND version = $3), handled AS (",
            handled!(),
            " RETURNING 1) SELECT EXISTS (SELECT 1 FROM handled)"
        ))
        .bind(claimed.update_id)
        .bind(chat)
        .bind(claimed.version),
        _ => sqlx::query_scalar(concat!(
            "WITH handled AS (",
            handled!(),
            " RETURNING 1) SELECT EXISTS (SELECT 1 FROM handled)"
        ))
        .bind(claimed.update_id),
    };
    let done: bool = query.fetch_one(&mut *claimed.tx).await?;
    if !done {
        claimed.tx.rollback().await?;
        return Ok(false);
    }
    claimed.tx.commit().await?;
    Ok(true)
}

/// Records a failed attempt in the claim's own transaction, so no other handler can take
/// the update between the failure and its record: retried after `retry_in`, or parked
/// once it failed `max_attempts` times. An outage (`counted: false`: Telegram or the
/// database unreachable) is retried without counting towards parking. True when parked.
pub async fn fail(
    mut claimed: Claimed,
    error: &str,
    retry_in: std::time::Duration,
    counted: bool,
    max_attempts: i32,
) -> sqlx::Result<bool> {
    let parked = sqlx::query_scalar(
        "UPDATE inbox SET attempts = attempts + $5::int, last_error = left($2, 2000),
                not_before = now() + $3 * interval '1 millisecond',
                parked_at = CASE WHEN $5 AND attempts + 1 >= $4 THEN now() END
         WHERE update_id = $1
         RETURNING parked_at IS NOT NULL",
    )
    .bind(claimed.update_id)
    .bind(error)
    .bind(retry_in.as_millis() as i64)
    .bind(max_attempts)
    .bind(counted)
    .fetch_one(&mut *claimed.tx)
    .await?;
    claimed.tx.commit().await?;
    Ok(parked)
}

/// Unhandled updates (the handlers' backlog) and parked ones.
pub async fn depth(pool: &PgPool) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM inbox WHERE handled_at IS NULL AND parked_at IS NULL),
                (SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL)",
    )
    .fetch_one(pool)
    .await
}

/// Forgets at most `batch` updates handled more than `keep` ago: Telegram does not
/// deliver an acknowledged update again, so a day is plenty to absorb a repeat. Batches
/// keep each statement short while a busy day's millions of rows go.
pub async fn prune(pool: &PgPool, keep: std::time::Duration, batch: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM inbox WHERE update_id IN (
             SELECT update_id FROM inbox WHERE handled_at < now() - $1 * interval '1 second' LIMIT $2)",
    )
    .bind(keep.as_secs() as i64)
    .bind(batch)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Parked updates, newest first, for staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Parked {
    pub update_id: i64,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub parked_at: DateTime<Utc>,
}

pub async fn parked(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<Parked>> {
    sqlx::query_as(
        "SELECT update_id, kind, attempts, last_error, parked_at FROM inbox
         WHERE parked_at IS NOT NULL ORDER BY parked_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
