//! Webhook delivery as Telegram does it: queued updates are POSTed to the URL with the
//! secret header, up to `max_connections` (default 40) at once across chats, while one
//! chat's updates go strictly in order — its next update only after the previous one was
//! answered 2xx. An update leaves the queue only on a 2xx; any other answer, a refused
//! connection or a timeout delivers it again after a pause, and the chat waits meanwhile.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::Emulator;
use super::state::QueuedUpdate;

/// Telegram's default for `setWebhook`'s `max_connections`.
const DEFAULT_MAX_CONNECTIONS: usize = 40;
/// The pause before a failed delivery is tried again (Telegram waits longer; tests don't).
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// The chat an update belongs to; updates without one are ordered among themselves.
pub(crate) fn chat_of(update: &Value) -> Option<i64> {
    let body = update.as_object()?.iter().find(|(k, _)| k.as_str() != "update_id")?.1;
    body.pointer("/chat/id")
        .or_else(|| body.pointer("/message/chat/id"))
        .or_else(|| body.pointer("/from/id"))
        .and_then(Value::as_i64)
}

impl Emulator {
    /// Runs until the emulator is dropped by every other owner; started by `serve`.
    pub(crate) async fn deliver_webhook_updates(self) {
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client");
        // Chats with a delivery under way (`None`: updates without a chat).
        let busy: Arc<Mutex<HashSet<Option<i64>>>> = Arc::default();
        loop {
            let waiting = self.inner.updates_changed.notified();
            let picked = self.pick(&busy.lock().expect("not poisoned"));
            let Some((url, secret, update, chat)) = picked else {
                // Nothing to deliver now: wait for an update, an answer or a webhook change.
                let _ = tokio::time::timeout(Duration::from_secs(1), waiting).await;
                if Arc::strong_count(&self.inner) == 1 {
                    return;
                }
                continue;
            };
            busy.lock().expect("not poisoned").insert(chat);
            let (emu, client, busy) = (self.clone(), client.clone(), busy.clone());
            tokio::spawn(async move {
                let delivered = emu.post_update(&client, &url, secret.as_deref(), &update).await;
                if delivered {
                    emu.inner.lock().updates.retain(|u| u.id != update.id);
                } else {
                    tokio::time::sleep(RETRY_AFTER).await;
                }
                busy.lock().expect("not poisoned").remove(&chat);
                emu.inner.updates_changed.notify_waiters();
            });
        }
    }

    /// The oldest queued update whose chat has nothing older queued or under way, while a
    /// connection is free.
    #[allow(clippy::type_complexity)]
    fn pick(
        &self,
        busy: &HashSet<Option<i64>>,
    ) -> Option<(String, Option<String>, QueuedUpdate, Option<i64>)> {
        let state = self.inner.lock();
        let hook = state.webhook.as_ref()?;
        let limit = hook.max_connections.map_or(DEFAULT_MAX_CONNECTIONS, |n| n.clamp(1, 100) as usize);
        if busy.len() >= limit {
            return None;
        }
        let mut passed: HashSet<Option<i64>> = HashSet::new();
        for update in &state.updates {
            let chat = chat_of(&update.json);
            if !busy.contains(&chat) && !passed.contains(&chat) {
                return Some((hook.url.clone(), hook.secret_token.clone(), update.clone(), chat));
            }
            passed.insert(chat);
        }
        None
    }

    async fn post_update(
        &self,
        client: &reqwest::Client,
        url: &str,
        secret: Option<&str>,
        update: &QueuedUpdate,
    ) -> bool {
        let mut request = client.post(url).json(&update.json);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let outcome = request.send().await;
        let mut state = self.inner.lock();
        state.webhook_deliveries += 1;
        // Telegram's wording for what `getWebhookInfo` reports.
        let error = match outcome {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => {
                tracing::debug!(status = %response.status(), update_id = update.id, "webhook refused an update; retrying");
                format!("Wrong response from the webhook: {}", response.status())
            }
            Err(e) => {
                tracing::debug!(error = %e, update_id = update.id, "webhook unreachable; retrying");
                if e.is_timeout() {
                    "Read timeout expired".to_owned()
                } else {
                    "Connection refused".to_owned()
                }
            }
        };
        state.webhook_failures += 1;
        if let Some(hook) = state.webhook.as_mut().filter(|h| h.url == url) {
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            hook.last_error = Some((now as i64, error));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::chat_of;

    #[test]
    fn finds_the_chat_of_messages_presses_and_member_changes() {
        let message = json!({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 42}}});
        let press = json!({"update_id": 2, "callback_query": {"id": "q", "from": {"id": 7},
                           "message": {"message_id": 1, "chat": {"id": 43}}}});
        let member = json!({"update_id": 3, "my_chat_member": {"chat": {"id": 44}, "from": {"id": 44}}});
        assert_eq!(chat_of(&message), Some(42));
        assert_eq!(chat_of(&press), Some(43));
        assert_eq!(chat_of(&member), Some(44));
        assert_eq!(chat_of(&json!({"update_id": 4})), None);
    }
}
