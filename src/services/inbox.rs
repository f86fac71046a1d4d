//! The update pipeline's use cases: store what Telegram delivered before acknowledging it,
//! and hand updates to the handlers one chat at a time (see `db::inbox`).

use std::time::Duration;

use crate::db::inbox::{self, NewUpdate};
use crate::services::Ctx;

pub use crate::db::inbox::{Claimed, InboxSession, Parked, StateWrite};

/// Tries before an update that keeps failing is parked for staff to look at.
pub const MAX_ATTEMPTS: i32 = 3;

/// How long a handled update stays in the inbox, to absorb a repeated delivery.
pub const KEEP_HANDLED: Duration = Duration::from_secs(24 * 3600);

/// How often an update is tried again while Telegram or the database is unreachable.
pub const OUTAGE_RETRY: Duration = Duration::from_secs(2);

/// The update kinds the bot asks Telegram for (`allowed_updates`) and handles.
pub const KINDS: [&str; 4] = ["message", "edited_message", "callback_query", "my_chat_member"];

/// Reads what the claim needs from a raw update: its id, its kind and its chat. `None`
/// for JSON that is no update at all.
pub fn describe(raw: &serde_json::Value) -> Option<NewUpdate> {
    let update_id = raw.get("update_id")?.as_i64()?;
    let (kind, body) = raw.as_object()?.iter().find(|(k, _)| k.as_str() != "update_id")?;
    let chat_id = body
        .pointer("/chat/id")
        .or_else(|| body.pointer("/message/chat/id"))
        .or_else(|| body.pointer("/from/id"))
        .and_then(|v| v.as_i64());
    let mut payload = raw.clone();
    without_nul(&mut payload);
    Some(NewUpdate { update_id, chat_id, kind: kind.clone(), payload })
}

/// PostgreSQL's `jsonb` refuses the NUL character, which anyone can put in a message: the
/// update could never be stored, and Telegram would deliver it again forever. It becomes
/// U+FFFD, as any text the bot cannot read.
fn without_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{FFFD}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_nul),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(without_nul),
        _ => {}
    }
}

/// Stores webhook deliveries in batches: each request waits for the commit of the batch
/// its update went into, and a batch is whatever arrived while the previous one was being
/// written (nothing waits for a batch to fill). Under a crowd, one insert, one commit and
/// one `NOTIFY` serve dozens of updates; alone, an update is written at once. The queue is
/// bounded: when it is full, requests wait, and Telegram holds back.
#[derive(Clone)]
pub struct IntakeQueue {
    queue: tokio::sync::mpsc::Sender<(NewUpdate, tokio::sync::oneshot::Sender<bool>)>,
}

/// The most updates one insert takes (Telegram's own batch size for `getUpdates`).
const BATCH: usize = 100;

impl IntakeQueue {
    /// Starts the writer; it ends once every handle to the queue is dropped.
    pub fn start(ctx: Ctx) -> Self {
        let (queue, mut arrived) = tokio::sync::mpsc::channel(4 * BATCH);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while arrived.recv_many(&mut batch, BATCH).await > 0 {
                let (updates, waiting): (Vec<NewUpdate>, Vec<tokio::sync::oneshot::Sender<bool>>) =
                    batch.drain(..).unzip();
                for (ok, waiter) in store_batch(&ctx, updates).await.into_iter().zip(waiting) {
                    let _ = waiter.send(ok);
                }
            }
        });
        IntakeQueue { queue }
    }

    /// Stores one update; true once it is committed (or was stored before).
    pub async fn store(&self, update: NewUpdate) -> bool {
        let (done, committed) = tokio::sync::oneshot::channel();
        if self.queue.send((update, done)).await.is_err() {
            return false;
        }
        committed.await.unwrap_or(false)
    }
}

/// Whether each update of the batch is stored. When the batch fails for a reason other
/// than an outage, its updates are tried one by one, so that one the database refuses
/// cannot hold back the others that happened to share its batch.
async fn store_batch(ctx: &Ctx, updates: Vec<NewUpdate>) -> Vec<bool> {
    let n = updates.len();
    match intake(ctx, updates.clone()).await {
        Ok(_) => vec![true; n],
        Err(e) if n == 1 || is_database_outage(&e) => {
            tracing::error!(updates = n, error = %format!("{e:#}"), "updates not stored; Telegram will retry");
            vec![false; n]
        }
        Err(_) => {
            let mut stored = Vec::with_capacity(n);
            for update in updates {
                let update_id = update.update_id;
                let ok = intake(ctx, vec![update]).await;
                if let Err(e) = &ok {
                    tracing::error!(update_id, error = %format!("{e:#}"), "update not stored; Telegram will retry");
                }
                stored.push(ok.is_ok());
            }
            stored
        }
    }
}

/// Stores delivered updates; a repeat delivery is a no-op. Returns how many were new.
#[tracing::instrument(skip_all, fields(updates = updates.len()))]
pub async fn intake(ctx: &Ctx, updates: Vec<NewUpdate>) -> anyhow::Result<u64> {
    let new = inbox::store(&ctx.db, &updates).await?;
    crate::metrics::updates_received(new);
    Ok(new)
}

/// A handling worker's connection to the inbox (see `db::inbox::InboxSession`).
pub fn session(ctx: &Ctx) -> InboxSession {
    InboxSession::new(ctx.db.clone())
}

/// Records a failure: whether the update is now parked (no more tries), and when it is
/// tried again otherwise. An `outage` (Telegram or the database unreachable) says nothing
/// about the update: it is tried again every few seconds until they are back, and never
/// parked for it.
pub async fn fail(
    session: &mut InboxSession,
    claimed: &Claimed,
    error: &str,
    outage: bool,
) -> anyhow::Result<(bool, Duration)> {
    let retry_in = if outage {
        OUTAGE_RETRY
    } else {
        Duration::from_secs(1) * 3u32.pow(claimed.attempts.clamp(0, 5) as u32)
    };
    let parked = session.fail(claimed, error, retry_in, !outage, MAX_ATTEMPTS).await?;
    Ok((parked, retry_in))
}

/// Whether the database, rather than the update, failed: a connection cut, refused or
/// timed out, or the server shutting down (SQLSTATE 57P0x, 08xxx).
pub fn is_database_outage(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<sqlx::Error>().is_some_and(|e| match e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
            sqlx::Error::Database(db) => {
                db.code().is_some_and(|c| c.starts_with("57P0") || c.starts_with("08"))
            }
            _ => false,
        })
    })
}

/// Unhandled and parked updates.
pub async fn depth(ctx: &Ctx) -> anyhow::Result<(i64, i64)> {
    Ok(inbox::depth(&ctx.db).await?)
}

pub async fn parked(ctx: &Ctx, limit: i64) -> anyhow::Result<Vec<Parked>> {
    Ok(inbox::parked(&ctx.db, limit).await?)
}

/// Parked updates put back in line, by an operator at the command line.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("update {0} is not parked (never stored, handled, or already retried)")]
    NotParked(i64),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl RetryError {
    /// The operator named an update that cannot be retried: exit code 2.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, RetryError::NotParked(_))
    }
}

/// `ent-bot inbox retry-parked [--id N]`: the parked update `id` (or every one) goes back
/// in line with its attempts reset, after the cause was fixed; written to the audit log
/// with the operating-system user who ran it. Returns the update ids.
#[tracing::instrument(skip_all, fields(update_id = ?id))]
pub async fn retry_parked(
    pool: &sqlx::PgPool,
    id: Option<i64>,
    operator: &str,
) -> Result<Vec<i64>, RetryError> {
    let mut tx = pool.begin().await?;
    let ids = inbox::unpark(&mut tx, id).await?;
    if let Some(id) = id
        && ids.is_empty()
    {
        return Err(RetryError::NotParked(id));
    }
    if !ids.is_empty() {
        let target = id.map_or_else(|| "inbox:parked".to_string(), |id| format!("update:{id}"));
        let details = serde_json::json!({ "via": "cli", "operator": operator, "update_ids": ids });
        crate::db::audit::record(
            &mut *tx,
            crate::db::audit::COMMAND_LINE,
            "inbox.retry_parked",
            &target,
            details,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(count = ids.len(), "parked updates put back in line");
    Ok(ids)
}

/// Forgets updates handled more than a day ago; returns how many.
#[tracing::instrument(skip_all)]
pub async fn prune(ctx: &Ctx) -> anyhow::Result<u64> {
    const BATCH: i64 = 10_000;
    let mut pruned = 0;
    loop {
        let n = inbox::prune(&ctx.db, KEEP_HANDLED, BATCH).await?;
        pruned += n;
        if n < BATCH as u64 {
            return Ok(pruned);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_the_chat_of_each_kind() {
        let message =
            json!({"update_id": 7, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"}}});
        let d = describe(&message).unwrap();
        assert_eq!((d.update_id, d.chat_id, d.kind.as_str()), (7, Some(42), "message"));
        let press = json!({"update_id": 8, "callback_query": {"id": "q", "from": {"id": 43},
                           "message": {"message_id": 1, "chat": {"id": 43}}}});
        assert_eq!(describe(&press).unwrap().chat_id, Some(43));
        let inline = json!({"update_id": 9, "callback_query": {"id": "q", "from": {"id": 44}}});
        assert_eq!(describe(&inline).unwrap().chat_id, Some(44));
        assert!(describe(&json!({"nothing": 1})).is_none());
        let nul = json!({"update_id": 10, "message": {"chat": {"id": 45}, "text": "a\u{0}b", "entities": ["\u{0}"]}});
        let payload = describe(&nul).unwrap().payload;
        assert_eq!(payload["message"]["text"], "a\u{FFFD}b");
        assert_eq!(payload["message"]["entities"][0], "\u{FFFD}");
        assert!(describe(&json!([1, 2])).is_none());
    }
}
