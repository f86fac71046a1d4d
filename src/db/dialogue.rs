//! teloxide's dialogue `Storage` over our own table, so a conversation survives restarts
//! and several bot processes share it.

use std::marker::PhantomData;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgPool;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

/// A dialogue state that can stand in for a stored value that no longer parses (after a
/// deploy changed the state type, or a hand-edited row). The handler for that state
/// apologises and resets the user, so no update is dropped silently.
pub trait Recoverable {
    fn unreadable() -> Self;
}

pub struct PgStorage<D> {
    pool: PgPool,
    _state: PhantomData<fn() -> D>,
}

impl<D> PgStorage<D> {
    pub fn new(pool: PgPool) -> Arc<Self> {
        Arc::new(PgStorage { pool, _state: PhantomData })
    }
}

impl<D> Storage<D> for PgStorage<D>
where
    D: Serialize + DeserializeOwned + Recoverable + Send + 'static,
{
    type Error = sqlx::Error;

    fn remove_dialogue(self: Arc<Self>, chat_id: ChatId) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM dialogue_states WHERE chat_id = $1")
                .bind(chat_id.0)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: D,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let json = serde_json::to_value(&dialogue).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(
                "INSERT INTO dialogue_states (chat_id, state) VALUES ($1, $2)
                 ON CONFLICT (chat_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
            )
            .bind(chat_id.0)
            .bind(json)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn get_dialogue(self: Arc<Self>, chat_id: ChatId) -> BoxFuture<'static, Result<Option<D>, Self::Error>> {
        Box::pin(async move {
            let row: Option<serde_json::Value> =
                sqlx::query_scalar("SELECT state FROM dialogue_states WHERE chat_id = $1")
                    .bind(chat_id.0)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row.map(|json| {
                serde_json::from_value(json).unwrap_or_else(|e| {
                    tracing::warn!(chat_id = chat_id.0, error = %e, "stored dialogue state does not parse; resetting");
                    D::unreadable()
                })
            }))
        })
    }
}
