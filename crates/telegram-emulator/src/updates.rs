//! `getUpdates`: offset confirmation, `allowed_updates`, and the long poll
//! that answers as soon as an update arrives.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::Inner;
use super::error::ApiError;
use super::methods::Params;
use super::state::confirm;

const MAX_LIMIT: i64 = 100;
/// Far beyond any client's HTTP timeout; only bounds a forgotten request.
const MAX_TIMEOUT_SECS: i64 = 600;

pub async fn get_updates(inner: &Inner, params: &Params) -> Result<Value, ApiError> {
    let offset = params.get("offset").and_then(Value::as_i64);
    let limit = params.get("limit").and_then(Value::as_i64).unwrap_or(MAX_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let timeout =
        params.get("timeout").and_then(Value::as_i64).unwrap_or(0).clamp(0, MAX_TIMEOUT_SECS) as u64;
    let allowed: Option<Vec<String>> = params
        .get("allowed_updates")
        .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()));

    let generation = {
        let mut state = inner.lock();
        if state.webhook.is_some() {
            return Err(ApiError::conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            ));
        }
        if let Some(offset) = offset {
            confirm(&mut state.updates, offset);
        }
        if allowed.is_some() {
            state.allowed_updates = allowed;
        }
        state.poll_generation += 1;
        state.poll_generation
    };
    // Wakes an older waiting call so it can step aside with 409.
    inner.updates_changed.notify_waiters();

    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = inner.updates_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let state = inner.lock();
            if state.poll_generation != generation {
                return Err(ApiError::conflict(
                    "terminated by other getUpdates request; make sure that only one bot instance is running",
                ));
            }
            if !state.updates.is_empty() || Instant::now() >= deadline {
                let batch = state.updates.iter().take(limit).map(|u| u.json.clone()).collect();
                return Ok(Value::Array(batch));
            }
        }
        // Timing out just leads to one last look at the queue above.
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}
