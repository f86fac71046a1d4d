//! The emulated Telegram client of one user: what they type, tap and share
//! becomes an update in the queue, exactly as Telegram would deliver it.

use serde_json::{Value, json};

use super::Emulator;
use super::error::EmuError;
use super::files;
use super::state::{CallbackState, Content, ReplyKind, State, StoredMessage, now_unix};
use super::transcript::{EmuMessage, EmuReplyButton};

/// One user and their private chat with the bot (`chat.id == user.id`).
#[derive(Clone)]
pub struct EmuUser {
    emu: Emulator,
    id: u64,
}

impl EmuUser {
    pub(super) fn new(emu: Emulator, id: u64) -> EmuUser {
        EmuUser { emu, id }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    fn chat_id(&self) -> i64 {
        self.id as i64
    }

    /// The number shared by `press_reply` on a `request_contact` button;
    /// defaults to `77` followed by the last nine digits of the id.
    pub fn set_phone(&self, phone: &str) {
        let mut state = self.emu.inner.lock();
        if let Some(user) = state.users.get_mut(&self.id) {
            user.phone = phone.to_owned();
        }
    }

    pub fn phone(&self) -> String {
        self.emu.inner.lock().users[&self.id].phone.clone()
    }

    fn name(state: &State, id: u64) -> String {
        state.users[&id].first_name.clone()
    }

    /// Stores the user's message and queues it as a `message` update.
    fn post(&self, text: &str, entities: Vec<Value>, content: Content, log: &str) -> i32 {
        let update_id = {
            let mut state = self.emu.inner.lock();
            let name = Self::name(&state, self.id);
            // Writing to a bot you blocked means unblocking it first.
            let user = state.users.get_mut(&self.id).expect("user exists");
            let was_blocked = std::mem::take(&mut user.blocked);
            let chat = state.user_chat(self.id);
            if was_blocked {
                chat.log(&name, "unblocked the bot");
            }
            let msg = StoredMessage {
                id: chat.take_message_id(),
                from_bot: false,
                date: now_unix(),
                edit_date: None,
                text: text.to_owned(),
                html: None,
                entities,
                inline_markup: None,
                reply: ReplyKind::None,
                content,
                deleted: false,
            };
            chat.log(&name, &format!("#{} {log}", msg.id));
            let json = state.message_json(self.chat_id(), &msg);
            state.user_chat(self.id).messages.push(msg);
            state.push_update(self.chat_id(), "message", json)
        };
        self.emu.updates_pushed();
        update_id as i32
    }

    /// Queues a text message; returns the update id.
    pub fn send_text(&self, text: &str) -> i32 {
        self.post(text, Vec::new(), Content::Text, text)
    }

    /// Like [`EmuUser::send_text`], with the `bot_command` entity Telegram
    /// clients attach to a leading `/command`.
    pub fn send_command(&self, text: &str) -> i32 {
        let command = text.split_whitespace().next().unwrap_or_default();
        let entities = if command.starts_with('/') {
            vec![json!({"type": "bot_command", "offset": 0, "length": command.encode_utf16().count()})]
        } else {
            Vec::new()
        };
        self.post(text, entities, Content::Text, text)
    }

    pub fn share_contact(&self, phone: &str, contact_user_id: Option<u64>) -> i32 {
        let first_name = {
            let state = self.emu.inner.lock();
            contact_user_id
                .and_then(|id| state.users.get(&id))
                .map_or_else(|| "Contact".to_owned(), |u| u.first_name.clone())
        };
        let log = match contact_user_id {
            Some(id) if id == self.id => format!("[own contact {phone}]"),
            Some(id) => format!("[contact {phone} of user {id}]"),
            None => format!("[contact {phone}]"),
        };
        let content = Content::Contact { phone: phone.to_owned(), first_name, user_id: contact_user_id };
        self.post("", Vec::new(), content, &log)
    }

    /// A photo as a phone sends it: Telegram stores a thumbnail and a larger size.
    pub fn send_photo(&self) -> i32 {
        self.send_photo_of_size(45_678)
    }

    /// A photo whose largest size is `size` bytes (the thumbnail is small).
    pub fn send_photo_of_size(&self, size: u64) -> i32 {
        let sizes = {
            let mut state = self.emu.inner.lock();
            let small = files::store(
                &mut state,
                "photos",
                "jpg",
                1_234,
                Some(files::sample_bytes(files::JPEG_MAGIC, 1_234)),
            );
            let big_bytes = (size <= files::MAX_DOWNLOAD_BYTES)
                .then(|| files::sample_bytes(files::JPEG_MAGIC, size as usize));
            let big = files::store(&mut state, "photos", "jpg", size, big_bytes);
            vec![
                files::PhotoSize { file_id: small.file_id, width: 90, height: 67 },
                files::PhotoSize { file_id: big.file_id, width: 1280, height: 960 },
            ]
        };
        self.post("", Vec::new(), Content::Photo(sizes), "[photo]")
    }

    /// A file sent as a document, with this content.
    pub fn send_document(&self, file_name: &str, mime_type: &str, bytes: Vec<u8>) -> i32 {
        let size = bytes.len() as u64;
        self.send_document_inner(file_name, mime_type, size, Some(bytes))
    }

    /// A document of `size` bytes whose content does not matter (a large one never leaves
    /// Telegram: getFile refuses it).
    pub fn send_document_of_size(&self, file_name: &str, mime_type: &str, size: u64) -> i32 {
        let bytes =
            (size <= files::MAX_DOWNLOAD_BYTES).then(|| files::sample_bytes(files::PDF_MAGIC, size as usize));
        self.send_document_inner(file_name, mime_type, size, bytes)
    }

    fn send_document_inner(
        &self,
        file_name: &str,
        mime_type: &str,
        size: u64,
        bytes: Option<Vec<u8>>,
    ) -> i32 {
        let file_id = {
            let mut state = self.emu.inner.lock();
            let extension = file_name.rsplit_once('.').map_or("dat", |(_, e)| e).to_ascii_lowercase();
            let mut file = files::store(&mut state, "documents", &extension, size, bytes);
            file.name = Some(file_name.to_owned());
            file.mime_type = Some(mime_type.to_owned());
            state.files.insert(file.file_id.clone(), file.clone());
            file.file_id
        };
        let content =
            Content::Document { file_id, file_name: file_name.to_owned(), mime_type: mime_type.to_owned() };
        self.post("", Vec::new(), content, &format!("[document {file_name}, {size} bytes]"))
    }

    pub fn send_voice(&self) -> i32 {
        let file_id = {
            let mut state = self.emu.inner.lock();
            files::store(&mut state, "voice", "oga", 9_876, Some(vec![0; 9_876])).file_id
        };
        self.post("", Vec::new(), Content::Voice { file_id, duration: 3 }, "[voice]")
    }

    pub fn send_sticker(&self) -> i32 {
        self.post("", Vec::new(), Content::Sticker, "[sticker]")
    }

    /// Presses the inline button with exactly this text on the newest bot
    /// message that shows one.
    pub fn press_button(&self, text: &str) -> Result<i32, EmuError> {
        let message_id = {
            let state = self.emu.inner.lock();
            let chat = &state.chats[&self.chat_id()];
            let live = || chat.messages.iter().rev().filter(|m| m.from_bot && !m.deleted);
            let found = live().find(|m| m.inline_keyboard().iter().flatten().any(|b| b.text == text));
            match found {
                Some(m) => m.id,
                None => {
                    let available = live()
                        .find(|m| m.inline_markup.is_some())
                        .map(|m| m.to_emu().button_texts())
                        .unwrap_or_default();
                    return Err(EmuError::ButtonNotFound {
                        chat_id: self.chat_id(),
                        text: text.to_owned(),
                        available,
                    });
                }
            }
        };
        self.press_button_on(message_id, text)
    }

    /// Presses a button on a given, possibly old, message: what a user
    /// scrolling up does, and how stale-button handling is tested.
    pub fn press_button_on(&self, message_id: i32, text: &str) -> Result<i32, EmuError> {
        let data = {
            let state = self.emu.inner.lock();
            let msg = state.chats[&self.chat_id()]
                .message(message_id)
                .filter(|m| !m.deleted)
                .ok_or(EmuError::MessageNotFound { chat_id: self.chat_id(), message_id })?;
            let emu_msg = msg.to_emu();
            let button = emu_msg.button(text).ok_or_else(|| EmuError::ButtonNotOnMessage {
                chat_id: self.chat_id(),
                message_id,
                text: text.to_owned(),
                available: emu_msg.button_texts(),
            })?;
            button
                .callback_data
                .clone()
                .ok_or_else(|| EmuError::NotACallbackButton { text: text.to_owned() })?
        };
        Ok(self.callback(message_id, &data, &format!("pressed [{text}] on #{message_id}")))
    }

    /// A callback with arbitrary data, as a modified client could send;
    /// an unknown message arrives as Telegram's InaccessibleMessage.
    pub fn press_callback_data(&self, message_id: i32, data: &str) -> i32 {
        self.callback(message_id, data, &format!("forged callback {data:?} on #{message_id}"))
    }

    fn callback(&self, message_id: i32, data: &str, log: &str) -> i32 {
        let update_id = {
            let mut state = self.emu.inner.lock();
            let chat_id = self.chat_id();
            let message = match state.chats[&chat_id].message(message_id) {
                Some(m) if !m.deleted => state.message_json(chat_id, m),
                _ => json!({
                    "chat": state.chat_json(chat_id),
                    "message_id": message_id,
                    "date": 0,
                }),
            };
            let query_id = format!("{}{:07}", self.id, state.next_callback);
            state.next_callback += 1;
            state.callbacks.insert(query_id.clone(), CallbackState { chat_id, answered: false });
            let query = json!({
                "id": query_id,
                "from": state.user_json(self.id),
                "message": message,
                // Stable per chat, like Telegram's opaque chat_instance.
                "chat_instance": format!("{}", 4_000_000_000_000_000_000u64 ^ self.id),
                "data": data,
            });
            let name = Self::name(&state, self.id);
            state.user_chat(self.id).log(&name, log);
            state.push_update(chat_id, "callback_query", query)
        };
        self.emu.updates_pushed();
        update_id as i32
    }

    /// Taps a button of the reply keyboard the chat shows now: its text is
    /// sent, or the user's own contact for a `request_contact` button.
    pub fn press_reply(&self, text: &str) -> Result<i32, EmuError> {
        let keyboard = self.reply_keyboard().ok_or(EmuError::NoReplyKeyboard { chat_id: self.chat_id() })?;
        let button = keyboard.iter().flatten().find(|b| b.text == text).ok_or_else(|| {
            EmuError::ReplyButtonNotFound {
                chat_id: self.chat_id(),
                text: text.to_owned(),
                available: keyboard.iter().flatten().map(|b| b.text.clone()).collect(),
            }
        })?;
        if button.request_contact {
            Ok(self.share_contact(&self.phone(), Some(self.id)))
        } else {
            Ok(self.send_text(text))
        }
    }

    /// The bot's messages, current state, without deleted ones.
    pub fn messages(&self) -> Vec<EmuMessage> {
        self.emu.transcript(self.chat_id()).into_iter().filter(|m| m.from_bot && !m.deleted).collect()
    }

    pub fn last_message(&self) -> Option<EmuMessage> {
        self.messages().pop()
    }

    /// What the keyboard area shows: the last reply keyboard sent, until a
    /// ReplyKeyboardRemove.
    pub fn reply_keyboard(&self) -> Option<Vec<Vec<EmuReplyButton>>> {
        self.emu.inner.lock().chats[&self.chat_id()].reply_keyboard.clone()
    }

    /// `(text, show_alert)` of every answerCallbackQuery in this chat.
    pub fn callback_answers(&self) -> Vec<(String, bool)> {
        self.emu.inner.lock().chats[&self.chat_id()].callback_answers.clone()
    }
}
