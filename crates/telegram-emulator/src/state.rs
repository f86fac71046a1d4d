//! Everything the emulated Telegram remembers, behind one mutex: users, chats
//! with their messages, the update queue, commands, callback queries and
//! flood-control windows. JSON is built here so every update and result
//! comes from one place and is checked against the spec as it is made.

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use super::limits::RateLimiter;
use super::spec;
use super::transcript::{EmuButton, EmuMessage, EmuReplyButton, indent, render_inline, render_reply};

#[derive(Debug, Clone)]
pub struct BotInfo {
    pub id: u64,
    pub username: String,
    pub first_name: String,
}

#[derive(Debug, Clone)]
pub struct UserState {
    pub first_name: String,
    pub language_code: Option<String>,
    pub phone: String,
    pub blocked: bool,
}

#[derive(Debug, Clone)]
pub enum Content {
    Text,
    Contact {
        phone: String,
        first_name: String,
        user_id: Option<u64>,
    },
    /// The sizes Telegram made of one photo, smallest first.
    Photo(Vec<super::files::PhotoSize>),
    Sticker,
    Document {
        file_id: String,
        file_name: String,
        mime_type: String,
    },
    Voice {
        file_id: String,
        duration: u32,
    },
}

/// Which non-inline markup a message carried; it changes the user's keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyKind {
    None,
    Keyboard(Vec<Vec<EmuReplyButton>>),
    Remove,
    ForceReply,
}

#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: i32,
    pub from_bot: bool,
    pub date: i64,
    pub edit_date: Option<i64>,
    pub text: String,
    pub html: Option<String>,
    pub entities: Vec<Value>,
    /// Normalised `InlineKeyboardMarkup` JSON as Telegram echoes it back.
    pub inline_markup: Option<Value>,
    pub reply: ReplyKind,
    pub content: Content,
    pub deleted: bool,
}

impl StoredMessage {
    pub fn inline_keyboard(&self) -> Vec<Vec<EmuButton>> {
        let Some(rows) = self.inline_markup.as_ref().and_then(|m| m["inline_keyboard"].as_array()) else {
            return Vec::new();
        };
        rows.iter()
            .map(|row| {
                row.as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| EmuButton {
                        text: b["text"].as_str().unwrap_or_default().to_owned(),
                        callback_data: b["callback_data"].as_str().map(str::to_owned),
                        url: b["url"].as_str().map(str::to_owned),
                    })
                    .collect()
            })
            .collect()
    }

    pub fn to_emu(&self) -> EmuMessage {
        EmuMessage {
            message_id: self.id,
            from_bot: self.from_bot,
            text: self.text.clone(),
            html: self.html.clone(),
            inline_keyboard: self.inline_keyboard(),
            reply_keyboard: match &self.reply {
                ReplyKind::Keyboard(rows) => Some(rows.clone()),
                _ => None,
            },
            remove_keyboard: self.reply == ReplyKind::Remove,
            edited: self.edit_date.is_some(),
            deleted: self.deleted,
            contact: match &self.content {
                Content::Contact { phone, user_id, .. } => Some((phone.clone(), *user_id)),
                _ => None,
            },
            kind: match self.content {
                Content::Text => "text",
                Content::Contact { .. } => "contact",
                Content::Photo(_) => "photo",
                Content::Sticker => "sticker",
                Content::Document { .. } => "document",
                Content::Voice { .. } => "voice",
            },
        }
    }

    /// A short human description for the transcript log.
    pub fn render(&self) -> String {
        let mut out = match &self.content {
            Content::Text => self.text.clone(),
            Content::Contact { phone, user_id, .. } => match user_id {
                Some(id) => format!("[contact {phone}, user {id}]"),
                None => format!("[contact {phone}]"),
            },
            Content::Photo(_) => "[photo]".to_owned(),
            Content::Sticker => "[sticker]".to_owned(),
            Content::Document { file_name, .. } => format!("[document {file_name}]"),
            Content::Voice { .. } => "[voice]".to_owned(),
        };
        for line in render_inline(&self.inline_keyboard()) {
            out.push('\n');
            out.push_str(&line);
        }
        match &self.reply {
            ReplyKind::Keyboard(rows) => {
                for line in render_reply(rows) {
                    out.push('\n');
                    out.push_str(&line);
                }
            }
            ReplyKind::Remove => out.push_str("\n(keyboard removed)"),
            ReplyKind::ForceReply => out.push_str("\n(force reply)"),
            ReplyKind::None => {}
        }
        out
    }
}

#[derive(Debug)]
pub struct ChatState {
    pub id: i64,
    pub messages: Vec<StoredMessage>,
    pub next_message_id: i32,
    /// What the user's keyboard area shows now.
    pub reply_keyboard: Option<Vec<Vec<EmuReplyButton>>>,
    pub activity: u64,
    pub callback_answers: Vec<(String, bool)>,
    pub log: Vec<String>,
}

impl ChatState {
    pub fn new(id: i64) -> ChatState {
        ChatState {
            id,
            messages: Vec::new(),
            next_message_id: 1,
            reply_keyboard: None,
            activity: 0,
            callback_answers: Vec::new(),
            log: Vec::new(),
        }
    }

    pub fn take_message_id(&mut self) -> i32 {
        let id = self.next_message_id;
        self.next_message_id += 1;
        id
    }

    pub fn message(&self, id: i32) -> Option<&StoredMessage> {
        self.messages.iter().rev().find(|m| m.id == id)
    }

    pub fn message_mut(&mut self, id: i32) -> Option<&mut StoredMessage> {
        self.messages.iter_mut().rev().find(|m| m.id == id)
    }

    pub fn log(&mut self, who: &str, line: &str) {
        let time = chrono::Utc::now().format("%H:%M:%S%.3f");
        let head = format!("{time} {who}: ");
        let body = indent(line, head.chars().count());
        self.log.push(format!("{head}{body}"));
    }
}

#[derive(Debug, Clone)]
pub struct QueuedUpdate {
    pub id: i64,
    pub json: Value,
}

#[derive(Debug)]
pub struct CallbackState {
    pub chat_id: i64,
    pub answered: bool,
}

#[derive(Debug, Default, Clone)]
pub struct WebhookState {
    pub url: String,
    pub secret_token: Option<String>,
    pub max_connections: Option<i64>,
    pub allowed_updates: Option<Vec<String>>,
    /// The last failed delivery (Unix time, and what went wrong), as `getWebhookInfo`
    /// reports it; Telegram keeps it after later deliveries succeed.
    pub last_error: Option<(i64, String)>,
}

pub struct State {
    pub bot: BotInfo,
    pub users: HashMap<u64, UserState>,
    pub chats: HashMap<i64, ChatState>,
    pub updates: VecDeque<QueuedUpdate>,
    pub next_update_id: i64,
    /// As last given to getUpdates; Telegram remembers it between calls.
    pub allowed_updates: Option<Vec<String>>,
    /// Bumped by every getUpdates call; an older waiting call that sees a
    /// newer generation is answered 409, as Telegram does.
    pub poll_generation: u64,
    pub webhook: Option<WebhookState>,
    /// Webhook POSTs made, and those not answered 2xx (delivered again).
    pub webhook_deliveries: u64,
    pub webhook_failures: u64,
    /// While set, every Bot API call answers 502 as Telegram's front does in an outage.
    pub outage: bool,
    /// Methods made to fail on purpose (`Emulator::refuse`), with the description answered.
    pub refusing: HashMap<String, String>,
    /// Calls refused that way, per method.
    pub refused: HashMap<String, u64>,
    pub limiter: RateLimiter,
    pub too_many_requests: u64,
    pub sent: u64,
    pub send_log: Vec<super::transcript::EmuSend>,
    pub commands: HashMap<(String, String), Vec<(String, String)>>,
    pub callbacks: HashMap<String, CallbackState>,
    pub next_callback: u64,
    pub spec_violations: Vec<String>,
    /// Files users sent, by `file_id`.
    pub files: HashMap<String, super::files::StoredFile>,
    pub next_file: u64,
    /// Files downloaded from `/file/bot<token>/…`.
    pub downloads: u64,
}

impl State {
    pub fn new(bot: BotInfo, limiter: RateLimiter) -> State {
        State {
            bot,
            users: HashMap::new(),
            chats: HashMap::new(),
            updates: VecDeque::new(),
            next_update_id: 1,
            allowed_updates: None,
            poll_generation: 0,
            webhook: None,
            webhook_deliveries: 0,
            webhook_failures: 0,
            outage: false,
            refusing: HashMap::new(),
            refused: HashMap::new(),
            limiter,
            too_many_requests: 0,
            sent: 0,
            send_log: Vec::new(),
            commands: HashMap::new(),
            callbacks: HashMap::new(),
            next_callback: 1,
            spec_violations: Vec::new(),
            files: HashMap::new(),
            next_file: 0,
            downloads: 0,
        }
    }

    /// Records a spec mismatch in something the emulator produced; tests
    /// assert there are none, production code never sees a panic.
    pub fn check(&mut self, type_expr: &str, what: &str, value: &Value) {
        if let Err(e) = spec::check_produced(type_expr, value) {
            tracing::error!(%what, error = %e, "emulator produced JSON that violates the Bot API spec");
            self.spec_violations.push(format!("{what}: {e}"));
        }
    }

    pub fn bot_user_json(&self) -> Value {
        json!({
            "id": self.bot.id,
            "is_bot": true,
            "first_name": self.bot.first_name,
            "username": self.bot.username,
        })
    }

    pub fn user_json(&self, user_id: u64) -> Value {
        let user = &self.users[&user_id];
        let mut v = json!({
            "id": user_id,
            "is_bot": false,
            "first_name": user.first_name,
        });
        if let Some(lang) = &user.language_code {
            v["language_code"] = json!(lang);
        }
        v
    }

    /// Only private chats exist here, and their id is the user's.
    pub fn chat_json(&self, chat_id: i64) -> Value {
        let first_name = u64::try_from(chat_id)
            .ok()
            .and_then(|id| self.users.get(&id))
            .map_or("", |u| u.first_name.as_str());
        json!({"id": chat_id, "first_name": first_name, "type": "private"})
    }

    pub fn message_json(&self, chat_id: i64, msg: &StoredMessage) -> Value {
        let from = if msg.from_bot { self.bot_user_json() } else { self.user_json(chat_id as u64) };
        let mut v = json!({
            "message_id": msg.id,
            "from": from,
            "chat": self.chat_json(chat_id),
            "date": msg.date,
        });
        if let Some(edit_date) = msg.edit_date {
            v["edit_date"] = json!(edit_date);
        }
        match &msg.content {
            Content::Text => {
                v["text"] = json!(msg.text);
                if !msg.entities.is_empty() {
                    v["entities"] = json!(msg.entities);
                }
            }
            Content::Contact { phone, first_name, user_id } => {
                let mut contact = json!({"phone_number": phone, "first_name": first_name});
                if let Some(id) = user_id {
                    contact["user_id"] = json!(id);
                }
                v["contact"] = contact;
            }
            Content::Photo(sizes) => {
                let sizes: Vec<Value> = sizes
                    .iter()
                    .filter_map(|p| {
                        let f = self.files.get(&p.file_id)?;
                        Some(json!({"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.size,
                                    "width": p.width, "height": p.height}))
                    })
                    .collect();
                v["photo"] = json!(sizes);
            }
            Content::Document { file_id, file_name, mime_type } => {
                if let Some(f) = self.files.get(file_id) {
                    v["document"] = json!({"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.size,
                                           "file_name": file_name, "mime_type": mime_type});
                }
            }
            Content::Voice { file_id, duration } => {
                if let Some(f) = self.files.get(file_id) {
                    v["voice"] = json!({"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.size,
                                        "duration": duration, "mime_type": "audio/ogg"});
                }
            }
            Content::Sticker => {
                v["sticker"] = json!({
                    "file_id": format!("CAACAgIAAxkBAA{}_{}", chat_id, msg.id),
                    "file_unique_id": format!("AgAD{}_{}", chat_id, msg.id),
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": false,
                    "is_video": false,
                    "emoji": "👍",
                    "set_name": "EmulatorStickers",
                    "file_size": 20_480,
                });
            }
        }
        if !matches!(msg.content, Content::Text) && !msg.text.is_empty() {
            v["caption"] = json!(msg.text);
        }
        // Telegram echoes only inline keyboards in message objects.
        if let Some(markup) = &msg.inline_markup {
            v["reply_markup"] = markup.clone();
        }
        v
    }

    /// Queues an update unless the bot's `allowed_updates` excludes its kind
    /// (Telegram does not create those at all). Returns the update id either way.
    pub fn push_update(&mut self, chat_id: i64, kind: &str, payload: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut json = json!({ "update_id": id });
        json[kind] = payload;
        self.check("Update", &format!("update {id}"), &json);
        if allowed(self.allowed_updates.as_deref(), kind) {
            self.updates.push_back(QueuedUpdate { id, json });
        } else if let Some(chat) = self.chats.get_mut(&chat_id) {
            // Otherwise a test waiting for this update only sees a timeout.
            chat.log("telegram", &format!("update {id} dropped: the bot's allowed_updates exclude {kind}"));
        }
        id
    }

    pub fn user_chat(&mut self, user_id: u64) -> &mut ChatState {
        let chat_id = user_id as i64;
        self.chats.entry(chat_id).or_insert_with(|| ChatState::new(chat_id))
    }

    pub fn transcript(&self, chat_id: i64) -> Vec<EmuMessage> {
        self.chats
            .get(&chat_id)
            .map(|c| c.messages.iter().map(StoredMessage::to_emu).collect())
            .unwrap_or_default()
    }
}

/// Telegram's default when none are given: everything but chat_member and
/// reactions, which must be asked for explicitly.
fn allowed(list: Option<&[String]>, kind: &str) -> bool {
    match list {
        Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
        _ => !matches!(kind, "chat_member" | "message_reaction" | "message_reaction_count"),
    }
}

/// `-offset` on getUpdates keeps only the newest updates.
pub fn confirm(updates: &mut VecDeque<QueuedUpdate>, offset: i64) {
    if offset < 0 {
        let keep = offset.unsigned_abs() as usize;
        while updates.len() > keep {
            updates.pop_front();
        }
    } else {
        while updates.front().is_some_and(|u| u.id < offset) {
            updates.pop_front();
        }
    }
}

pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
