//! The dialogue of the update being handled. The pipeline loads the chat's state with the
//! claim and writes what the handler left in the same transaction that marks the update
//! handled, so a crash never leaves a state without its update or the reverse. Handlers
//! use teloxide's `Dialogue` as usual; this storage only keeps the state in memory.

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use crate::services::inbox::StateWrite;

/// A dialogue state that can stand in for a stored value that no longer parses (after a
/// deploy changed the state type, or a hand-edited row). The handler for that state
/// apologises and resets the user, so no update is dropped silently.
pub trait Recoverable {
    fn unreadable() -> Self;
}

pub struct UpdateStorage<D> {
    slot: Mutex<Slot<D>>,
}

struct Slot<D> {
    state: Option<D>,
    written: bool,
}

impl<D> UpdateStorage<D>
where
    D: Serialize + DeserializeOwned + Recoverable + Clone,
{
    /// The state as stored (`None`: the chat has none yet).
    pub fn load(stored: Option<serde_json::Value>, chat_id: Option<i64>) -> Arc<Self> {
        let state = stored.map(|json| {
            serde_json::from_value(json).unwrap_or_else(|e| {
                tracing::warn!(chat_id, error = %e, "stored dialogue state does not parse; resetting");
                D::unreadable()
            })
        });
        Arc::new(UpdateStorage { slot: Mutex::new(Slot { state, written: false }) })
    }

    /// What to write when the update is marked handled.
    pub fn outcome(&self) -> anyhow::Result<StateWrite> {
        let slot = self.slot.lock().expect("dialogue slot");
        if !slot.written {
            return Ok(StateWrite::Keep);
        }
        Ok(match &slot.state {
            Some(state) => StateWrite::Set(serde_json::to_value(state)?),
            None => StateWrite::Remove,
        })
    }

    fn set(&self, state: Option<D>) {
        let mut slot = self.slot.lock().expect("dialogue slot");
        slot.state = state;
        slot.written = true;
    }
}

impl<D> Storage<D> for UpdateStorage<D>
where
    D: Serialize + DeserializeOwned + Recoverable + Clone + Send + 'static,
{
    type Error = std::convert::Infallible;

    fn remove_dialogue(self: Arc<Self>, _chat: ChatId) -> BoxFuture<'static, Result<(), Self::Error>> {
        self.set(None);
        Box::pin(async { Ok(()) })
    }

    fn update_dialogue(
        self: Arc<Self>,
        _chat: ChatId,
        dialogue: D,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        self.set(Some(dialogue));
        Box::pin(async { Ok(()) })
    }

    fn get_dialogue(self: Arc<Self>, _chat: ChatId) -> BoxFuture<'static, Result<Option<D>, Self::Error>> {
        let state = self.slot.lock().expect("dialogue slot").state.clone();
        Box::pin(async move { Ok(state) })
    }
}
