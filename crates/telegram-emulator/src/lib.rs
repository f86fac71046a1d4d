//! A local Telegram Bot API over HTTP (tests, sandbox, load generator).
//!
//! The bot talks to it exactly as to api.telegram.org (`Bot::set_api_url`);
//! tests play the users through [`EmuUser`] and read what the bot did through
//! [`Emulator::transcript`]. Requests are validated against the official spec
//! (`assets/api.json`) and Telegram's limits, so a request that would
//! fail in production fails here too.

mod error;
mod files;
mod html;
mod limits;
mod markup;
mod methods;
mod multipart;
mod server;
pub mod spec;
mod state;
mod transcript;
mod updates;
mod user;
mod webhook;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

pub use error::EmuError;
pub use transcript::{EmuButton, EmuMessage, EmuReplyButton, EmuSend};
pub use user::EmuUser;

use limits::RateLimiter;
use state::{BotInfo, State, UserState};

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub token: String,
    pub bot_id: u64,
    pub bot_username: String,
    /// Messages per second across all chats; `None` disables the limit.
    pub global_rate_per_sec: Option<u32>,
    /// Sends and edits per second in one chat; `None` disables the limit.
    pub per_chat_rate_per_sec: Option<u32>,
    /// The first update's `update_id`: a bot that already stored updates 1, 2, … (a
    /// rehearsal run again on the same database) takes lower ids for repeats and drops them.
    pub first_update_id: i64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            token: "123456:TEST".to_owned(),
            bot_id: 123_456,
            bot_username: "ent_test_bot".to_owned(),
            global_rate_per_sec: Some(30),
            per_chat_rate_per_sec: Some(1),
            first_update_id: 1,
        }
    }
}

/// Cheap to clone; all clones share one emulated Telegram.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    token: String,
    state: Mutex<State>,
    /// Wakes long polls: a new update, a newer getUpdates, a webhook change.
    updates_changed: Notify,
    /// Wakes [`Emulator::wait_chat_activity`] and friends.
    activity_changed: Notify,
    addr: OnceLock<SocketAddr>,
}

impl Inner {
    /// A panic while holding the lock only poisons it for that test; the data
    /// stays consistent because every mutation completes under the lock.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Emulator {
        let bot =
            BotInfo { id: config.bot_id, username: config.bot_username, first_name: "ENT Bot".to_owned() };
        let limiter = RateLimiter::new(config.global_rate_per_sec, config.per_chat_rate_per_sec);
        let first_update_id = config.first_update_id.max(1);
        Emulator {
            inner: Arc::new(Inner {
                token: config.token,
                state: Mutex::new(State { next_update_id: first_update_id, ..State::new(bot, limiter) }),
                updates_changed: Notify::new(),
                activity_changed: Notify::new(),
                addr: OnceLock::new(),
            }),
        }
    }

    /// Routes `/{bot_token}/{method}`; nest it to serve the API from another
    /// axum server (sandbox mode).
    pub fn router(&self) -> axum::Router {
        server::router(self.clone())
    }

    /// Binds 127.0.0.1 on a free port and serves in a background task of the
    /// current runtime.
    pub async fn serve(config: EmulatorConfig) -> anyhow::Result<(Emulator, SocketAddr)> {
        let emu = Emulator::new(config);
        let addr = emu.serve_on(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        Ok((emu, addr))
    }

    /// Serves this emulator on `addr` (a rehearsal: the address a deployment's
    /// `TELEGRAM_API_URL` names), with webhook delivery; returns the bound address.
    pub async fn serve_on(&self, addr: SocketAddr) -> anyhow::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let _ = self.inner.addr.set(addr);
        let app = self.router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "Bot API emulator stopped");
            }
        });
        tokio::spawn(self.clone().deliver_webhook_updates());
        Ok(addr)
    }

    /// The base URL for `Bot::set_api_url`.
    ///
    /// # Panics
    /// Before [`Emulator::serve`]: a router-only emulator has no address of its own.
    pub fn api_url(&self) -> url::Url {
        let addr = self.inner.addr.get().expect("Emulator::api_url is only known after Emulator::serve");
        url::Url::parse(&format!("http://{addr}/")).expect("valid URL")
    }

    pub fn token(&self) -> &str {
        &self.inner.token
    }

    /// Creates the user (or updates name and language) with a private chat
    /// whose id is the user's id, as on Telegram.
    pub fn user(&self, id: u64, first_name: &str, language_code: Option<&str>) -> EmuUser {
        {
            let mut state = self.inner.lock();
            let user = state.users.entry(id).or_insert_with(|| UserState {
                first_name: String::new(),
                language_code: None,
                phone: format!("77{:09}", id % 1_000_000_000),
                blocked: false,
            });
            user.first_name = first_name.to_owned();
            user.language_code = language_code.map(str::to_owned);
            state.user_chat(id);
        }
        EmuUser::new(self.clone(), id)
    }

    /// Marks the user as having blocked the bot: sendMessage to them gets 403
    /// until unblocked (or until the user writes to the bot again).
    pub fn set_blocked(&self, user_id: u64, blocked: bool) {
        let mut state = self.inner.lock();
        if !state.users.contains_key(&user_id) {
            drop(state);
            self.user(user_id, "User", None);
            state = self.inner.lock();
        }
        state.users.get_mut(&user_id).expect("created").blocked = blocked;
        let line = if blocked { "blocked the bot" } else { "unblocked the bot" };
        state.user_chat(user_id).log("user", line);
    }

    pub fn set_rate_limits(&self, global: Option<u32>, per_chat: Option<u32>) {
        let mut state = self.inner.lock();
        state.limiter.global_per_sec = global;
        state.limiter.per_chat_per_sec = per_chat;
    }

    /// An outage of the Bot API: while on, every call answers 502 (webhook delivery and
    /// users' messages go on, as Telegram's servers keep accepting them).
    pub fn set_outage(&self, on: bool) {
        self.inner.lock().outage = on;
    }

    /// Makes every call of `method` (`"setWebhook"`) fail with 400 and `description`
    /// (`"Bad Request: bad webhook: Failed to resolve host: Name or service not known"`)
    /// until called again with `None`: a refusal retrying does not cure.
    pub fn refuse(&self, method: &str, description: Option<&str>) {
        let mut state = self.inner.lock();
        match description {
            Some(d) => state.refusing.insert(method.to_owned(), d.to_owned()),
            None => state.refusing.remove(method),
        };
    }

    /// Calls of `method` refused because of [`Emulator::refuse`].
    pub fn refused_calls(&self, method: &str) -> u64 {
        self.inner.lock().refused.get(method).copied().unwrap_or(0)
    }

    /// Webhook POSTs made so far, and how many of them were not answered 2xx.
    pub fn webhook_deliveries(&self) -> (u64, u64) {
        let state = self.inner.lock();
        (state.webhook_deliveries, state.webhook_failures)
    }

    /// A flood wait for one chat: every send or edit there answers 429 with the time left
    /// as `retry_after`, for `wait` from now; other chats are not affected.
    pub fn flood_wait(&self, chat_id: i64, wait: Duration) {
        self.inner.lock().limiter.hold(chat_id, std::time::Instant::now() + wait);
    }

    pub fn too_many_requests_served(&self) -> u64 {
        self.inner.lock().too_many_requests
    }

    /// Accepted sendMessage calls.
    pub fn sent_count(&self) -> u64 {
        self.inner.lock().sent
    }

    /// Every accepted sendMessage, all chats, in the order of acceptance.
    pub fn sends(&self) -> Vec<EmuSend> {
        self.inner.lock().send_log.clone()
    }

    /// All messages of the chat, both sides, in order, in their current state;
    /// deleted ones stay with `deleted: true`.
    pub fn transcript(&self, chat_id: i64) -> Vec<EmuMessage> {
        self.inner.lock().transcript(chat_id)
    }

    /// A human-readable log of the chat: messages, keyboards, presses, edits,
    /// deletions, callback answers and refused sends (403, 429).
    pub fn render_transcript(&self, chat_id: i64) -> String {
        let state = self.inner.lock();
        let Some(chat) = state.chats.get(&chat_id) else {
            return format!("chat {chat_id}: no such chat\n");
        };
        let name = u64::try_from(chat_id)
            .ok()
            .and_then(|id| state.users.get(&id))
            .map_or("?", |u| u.first_name.as_str());
        let mut out = format!("── chat {} ({name}) ──\n", chat.id);
        for line in &chat.log {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Commands stored by setMyCommands for `scope` ("default",
    /// "all_private_chats", "chat:42", "chat_member:42:7", ...) and language;
    /// `None` when never set or deleted.
    pub fn commands(&self, scope: &str, language_code: Option<&str>) -> Option<Vec<(String, String)>> {
        let key = (scope.to_owned(), language_code.unwrap_or_default().to_owned());
        self.inner.lock().commands.get(&key).cloned()
    }

    /// Bumped on every accepted bot send, edit or delete in the chat.
    pub fn chat_activity(&self, chat_id: i64) -> u64 {
        self.inner.lock().chats.get(&chat_id).map_or(0, |c| c.activity)
    }

    /// True as soon as `chat_activity(chat_id) > above`, false after `timeout`.
    pub async fn wait_chat_activity(&self, chat_id: i64, above: u64, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.chat_activity(chat_id) > above).await
    }

    /// True as soon as the chat has more than `above` callback answers;
    /// answers are not chat activity, since they change no message.
    pub async fn wait_callback_answers(&self, chat_id: i64, above: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, || {
            self.inner.lock().chats.get(&chat_id).is_some_and(|c| c.callback_answers.len() > above)
        })
        .await
    }

    async fn wait_until(&self, timeout: Duration, done: impl Fn() -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.activity_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if done() {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return done();
            }
        }
    }

    /// Updates queued and not yet confirmed by a getUpdates offset.
    pub fn pending_updates(&self) -> usize {
        self.inner.lock().updates.len()
    }

    /// Every place where the emulator's own output (an update, a method
    /// result) did not match the spec; tests assert this stays empty.
    /// Files downloaded from `/file/bot<token>/…` so far.
    pub fn downloads(&self) -> u64 {
        self.inner.lock().downloads
    }

    pub fn spec_violations(&self) -> Vec<String> {
        self.inner.lock().spec_violations.clone()
    }

    fn updates_pushed(&self) {
        self.inner.updates_changed.notify_waiters();
    }
}
