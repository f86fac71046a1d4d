//! The inbox: updates stored before they are acknowledged, handled one chat at a time.

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, FromRow, PgConnection, PgPool, Postgres};

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
    // `chats as _`: the macro's check knows no arrays with NULLs (`bigint[]` is `Vec<i64>` to it).
    sqlx::query_scalar!(
        r#"WITH new AS (
             INSERT INTO inbox (update_id, chat_id, kind, payload)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::jsonb[])
             ON CONFLICT (update_id) DO NOTHING
             RETURNING 1
         )
         SELECT count(*) AS "new!" FROM new, LATERAL (SELECT pg_notify('inbox', '')) n"#,
        &ids,
        &chats as _,
        &kinds as &[&str],
        &payloads,
    )
    .fetch_one(pool)
    .await
    .map(|n| n as u64)
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

/// A claimed update: its row and its chat are held by the session that claimed it until
/// that session's transaction ends.
#[derive(Debug)]
pub struct Claimed {
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

/// Sent once per session connection: the claim, prepared, and the settings its plan is
/// made under. PostgreSQL keeps the plan and makes it again only after the statistics
/// change; with sequential scans and sorts off for the whole (dedicated) connection, every
/// plan it makes walks the pending index (see `super::begin_claim`).
///
/// The oldest unhandled update whose chat has no older unhandled one, skipping rows other
/// sessions hold; the chat's stored dialogue and its user come along, so most updates need
/// no other read before the handler's own. The candidates are walked in `update_id` order
/// on the pending index, and a chat's order is checked per candidate by a subquery
/// PostgreSQL cannot turn into a join.
const PREPARE_CLAIM: &str = "SET enable_seqscan = off; SET enable_sort = off;
    PREPARE inbox_claim AS
    WITH next AS MATERIALIZED (
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
    LEFT JOIN telegram_users u ON u.id = n.chat_id";

/// A claim in one round trip: the transaction and the prepared claim, sent together.
/// These multi-statement strings go as `raw_sql` (the simple protocol, one message), which
/// the compile-checked macros cannot send: they prepare one statement each.
const CLAIM: &str = "BEGIN; EXECUTE inbox_claim";

/// The same, committing the previous update's transaction first.
const COMMIT_AND_CLAIM: &str = "COMMIT; BEGIN; EXECUTE inbox_claim";

/// What the handler left as the chat's dialogue state.
pub enum StateWrite {
    Keep,
    Set(serde_json::Value),
    Remove,
}

/// A handling worker's connection to the inbox, kept from one update to the next.
///
/// An update is claimed, handled and finished in one transaction, and the session keeps
/// the round trips for it few. The commit of an update travels with the next claim
/// (`COMMIT; BEGIN; EXECUTE inbox_claim` is one message), and the connection is not
/// given back to the pool in between (sqlx pings a connection on every return). That
/// took the pipeline's own round trips per update from five (begin, claim, finish,
/// commit, the return's ping) to two (claim, finish).
///
/// Nothing finished is left uncommitted for long: the worker claims again at once, and
/// [`InboxSession::settle`] commits before it waits. A session dropped with its
/// transaction open (a crash, a worker cut off at shutdown) closes its connection, and
/// PostgreSQL rolls the transaction back: the update runs again, as after any crash.
pub struct InboxSession {
    pool: PgPool,
    conn: Option<PoolConnection<Postgres>>,
    /// A claim's transaction is open on `conn`.
    open: bool,
    /// What to do once the open transaction is committed, by update.
    committed: Vec<(i64, Box<dyn FnOnce() + Send>)>,
}

impl InboxSession {
    pub fn new(pool: PgPool) -> Self {
        InboxSession { pool, conn: None, open: false, committed: Vec::new() }
    }

    /// Runs `then` once the open transaction, in which `update_id` was finished, is
    /// committed (the update counts as handled from then on); never if it is rolled back.
    pub fn after_commit(&mut self, update_id: i64, then: impl FnOnce() + Send + 'static) {
        self.committed.push((update_id, Box::new(then)));
    }

    fn run_committed(&mut self) {
        for (_, then) in self.committed.drain(..) {
            then();
        }
    }

    /// A message carrying a COMMIT failed: the connection is given up, and whether the
    /// commit went through is read back from the inbox, on another connection.
    async fn commit_failed(&mut self) {
        self.conn = None;
        self.open = false;
        let waiting = std::mem::take(&mut self.committed);
        if waiting.is_empty() {
            return;
        }
        let ids: Vec<i64> = waiting.iter().map(|(id, _)| *id).collect();
        // A connection of its own: whatever cut this one (a restart of the server, a
        // terminated backend) likely cut the pool's idle ones too.
        let handled: sqlx::Result<Vec<i64>> = async {
            let mut conn = PgConnection::connect_with(&self.pool.connect_options()).await?;
            let handled = boxed(
                sqlx::query_scalar!(
                    "SELECT update_id FROM inbox WHERE update_id = ANY($1) AND handled_at IS NOT NULL",
                    &ids,
                )
                .fetch_all(&mut conn),
            )
            .await;
            let _ = conn.close().await;
            handled
        }
        .await;
        match handled {
            Ok(handled) => {
                for (id, then) in waiting {
                    if handled.contains(&id) {
                        then();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "whether the last update was committed is unknown"),
        }
    }

    /// Claims the next update, committing what the previous one left. `None` when none is
    /// waiting (the session is then settled).
    pub async fn claim(&mut self) -> sqlx::Result<Option<Claimed>> {
        let sql = if self.open { COMMIT_AND_CLAIM } else { CLAIM };
        let conn = self.connection().await?;
        // Not `RawSql::fetch_optional`: in sqlx 0.8 it fails when there is no row.
        let row = boxed(sqlx::Executor::fetch_optional(&mut **conn, sqlx::raw_sql(sql))).await;
        if row.is_err() && self.open {
            self.commit_failed().await;
        }
        let row = self.checked(row)?;
        // The previous transaction's COMMIT came first in the same message.
        self.run_committed();
        self.open = true;
        let Some(row) = row else {
            self.settle().await?;
            return Ok(None);
        };
        let r = ClaimRow::from_row(&row)?;
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
        Ok(Some(Claimed {
            update_id: r.update_id,
            chat_id: r.chat_id,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            state: r.state,
            version: r.version.unwrap_or(0),
            user,
        }))
    }

    /// Marks the update handled and writes the chat's state, in the claim's transaction and
    /// one statement (committed with the next claim, or by `settle`). False (nothing
    /// written) when the state changed under us since the claim.
    pub async fn finish(&mut self, claimed: &Claimed, write: StateWrite) -> sqlx::Result<bool> {
        let (update_id, version) = (claimed.update_id, claimed.version);
        let conn = self.connection().await?;
        // Each arm's statement marks the update handled the same way.
        let done = match (write, claimed.chat_id) {
            (StateWrite::Set(state), Some(chat)) => boxed(
                sqlx::query_scalar!(
                    r#"WITH state AS (
                         INSERT INTO dialogue_states AS d (chat_id, state, version) VALUES ($2, $3, 1)
                         ON CONFLICT (chat_id) DO UPDATE SET state = EXCLUDED.state, version = d.version + 1, updated_at = now()
                         WHERE d.version = $4
                         RETURNING 1
                     ), handled AS (
                         UPDATE inbox SET handled_at = now(), attempts = attempts + 1 WHERE update_id = $1
                           AND EXISTS (SELECT 1 FROM state) RETURNING 1)
                     SELECT EXISTS (SELECT 1 FROM handled) AS "handled!""#,
                    update_id,
                    chat,
                    state,
                    version,
                )
                .fetch_one(&mut **conn),
            )
            .await,
            (StateWrite::Remove, Some(chat)) => boxed(
                sqlx::query_scalar!(
                    r#"WITH state AS (DELETE FROM dialogue_states WHERE chat_id = $2 AND version = $3), handled AS (
                         UPDATE inbox SET handled_at = now(), attempts = attempts + 1 WHERE update_id = $1
                         RETURNING 1)
                     SELECT EXISTS (SELECT 1 FROM handled) AS "handled!""#,
                    update_id,
                    chat,
                    version,
                )
                .fetch_one(&mut **conn),
            )
            .await,
            _ => boxed(
                sqlx::query_scalar!(
                    r#"WITH handled AS (
                         UPDATE inbox SET handled_at = now(), attempts = attempts + 1 WHERE update_id = $1
                         RETURNING 1)
                     SELECT EXISTS (SELECT 1 FROM handled) AS "handled!""#,
                    update_id,
                )
                .fetch_one(&mut **conn),
            )
            .await,
        };
        self.checked(done)
    }

    /// Records a failed attempt in the claim's own transaction, so no other handler can
    /// take the update between the failure and its record: retried after `retry_in`, or
    /// parked once it failed `max_attempts` times. An outage (`counted: false`: Telegram
    /// or the database unreachable) is retried without counting towards parking. True
    /// when parked. Committed at once: the worker waits before it claims again.
    pub async fn fail(
        &mut self,
        claimed: &Claimed,
        error: &str,
        retry_in: std::time::Duration,
        counted: bool,
        max_attempts: i32,
    ) -> sqlx::Result<bool> {
        // The casts name the parameters' types, which the binds gave before: a boolean
        // counted as 0 or 1, milliseconds as a bigint.
        let query = sqlx::query_scalar!(
            r#"UPDATE inbox SET attempts = attempts + $5::bool::int, last_error = left($2, 2000),
                    not_before = now() + $3::bigint * interval '1 millisecond',
                    parked_at = CASE WHEN $5 AND attempts + 1 >= $4 THEN now() END
             WHERE update_id = $1
             RETURNING parked_at IS NOT NULL AS "parked!""#,
            claimed.update_id,
            error,
            retry_in.as_millis() as i64,
            max_attempts,
            counted,
        );
        let conn = self.connection().await?;
        let parked = boxed(query.fetch_one(&mut **conn)).await;
        let parked = self.checked(parked)?;
        self.settle().await?;
        Ok(parked)
    }

    /// Commits the open transaction, if any: before the worker waits, or stops.
    pub async fn settle(&mut self) -> sqlx::Result<()> {
        if self.open {
            let conn = self.connection().await?;
            // Raw, like the `BEGIN` it ends (sent with a claim): no sqlx transaction to commit.
            let done = boxed(sqlx::Executor::execute(&mut **conn, sqlx::raw_sql("COMMIT"))).await;
            if done.is_err() {
                self.commit_failed().await;
            }
            self.checked(done)?;
            self.open = false;
            self.run_committed();
        }
        Ok(())
    }

    /// The session's connection, connecting (and preparing the claim) first if needed.
    async fn connection(&mut self) -> sqlx::Result<&mut PoolConnection<Postgres>> {
        if self.conn.is_none() {
            let mut conn = self.pool.acquire().await?;
            conn.close_on_drop();
            // Raw: several statements in one message, which no query macro sends.
            boxed(sqlx::Executor::execute(&mut *conn, sqlx::raw_sql(PREPARE_CLAIM))).await?;
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    /// A failure closes the connection, rolling back whatever was open: the next call
    /// starts on a new one.
    fn checked<T>(&mut self, result: sqlx::Result<T>) -> sqlx::Result<T> {
        if result.is_err() {
            self.conn = None;
            self.open = false;
            self.committed.clear();
        }
        result
    }
}

/// sqlx's futures on a borrowed connection, boxed where they are made: awaited in place,
/// rustc cannot prove the worker's future `Send` for every lifetime ("implementation of
/// `Executor` is not general enough").
fn boxed<'a, T>(f: impl std::future::Future<Output = T> + Send + 'a) -> futures::future::BoxFuture<'a, T> {
    Box::pin(f)
}

/// Unhandled updates (the handlers' backlog) and parked ones.
pub async fn depth(pool: &PgPool) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM inbox WHERE handled_at IS NULL AND parked_at IS NULL) AS "unhandled!",
                  (SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL) AS "parked!""#,
    )
    .fetch_one(pool)
    .await?;
    Ok((r.unhandled, r.parked))
}

/// Forgets at most `batch` updates handled more than `keep` ago: Telegram does not
/// deliver an acknowledged update again, so a day is plenty to absorb a repeat. Batches
/// keep each statement short while a busy day's millions of rows go.
pub async fn prune(pool: &PgPool, keep: std::time::Duration, batch: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM inbox WHERE update_id IN (
             SELECT update_id FROM inbox WHERE handled_at < now() - $1::bigint * interval '1 second' LIMIT $2)",
        keep.as_secs() as i64,
        batch,
    )
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
    sqlx::query_as!(
        Parked,
        r#"SELECT update_id, kind, attempts, last_error, parked_at AS "parked_at!" FROM inbox
           WHERE parked_at IS NOT NULL ORDER BY parked_at DESC LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Puts parked updates (one, or all) back in line with their attempts reset, and wakes
/// the handlers when the transaction commits; returns their ids.
pub async fn unpark(tx: &mut sqlx::PgConnection, update_id: Option<i64>) -> sqlx::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        "UPDATE inbox SET parked_at = NULL, attempts = 0, not_before = now()
         WHERE parked_at IS NOT NULL AND ($1::bigint IS NULL OR update_id = $1)
         RETURNING update_id",
        update_id,
    )
    .fetch_all(&mut *tx)
    .await?;
    if !ids.is_empty() {
        sqlx::query!("SELECT pg_notify('inbox', '') AS notified").fetch_one(&mut *tx).await?;
    }
    Ok(ids)
}
