//! Webhook delivery: while a webhook is set, queued updates are POSTed to it one at a
//! time, in order, with the secret header, and dropped only once the bot answered 2xx —
//! as Telegram does (with `max_connections = 1`, which keeps every chat in order).

use std::time::Duration;

use super::Emulator;

impl Emulator {
    /// Runs until the emulator is dropped by every other owner; started by `serve`.
    pub(crate) async fn deliver_webhook_updates(self) {
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("HTTP client");
        loop {
            let waiting = self.inner.updates_changed.notified();
            let next = {
                let state = self.inner.lock();
                match (&state.webhook, state.updates.front()) {
                    (Some(hook), Some(update)) => {
                        Some((hook.url.clone(), hook.secret_token.clone(), update.clone()))
                    }
                    _ => None,
                }
            };
            let Some((url, secret, update)) = next else {
                // Nothing to deliver: wait for an update or a webhook change.
                let _ = tokio::time::timeout(Duration::from_secs(1), waiting).await;
                if std::sync::Arc::strong_count(&self.inner) == 1 {
                    return;
                }
                continue;
            };
            let mut request = client.post(&url).json(&update.json);
            if let Some(secret) = secret {
                request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
            }
            match request.send().await {
                Ok(response) if response.status().is_success() => {
                    let mut state = self.inner.lock();
                    if state.updates.front().is_some_and(|u| u.id == update.id) {
                        state.updates.pop_front();
                    }
                }
                Ok(response) => {
                    tracing::debug!(status = %response.status(), "webhook refused an update; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "webhook unreachable; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}
