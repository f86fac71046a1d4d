//! The Bot API methods the emulator implements, each a synchronous step on
//! [`State`] with parameters already validated and normalised by the spec.
//! `getUpdates` waits, so it lives in `updates.rs`.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::html;
use super::limits::Charge;
use super::markup::{self, Markup};
use super::state::{Content, ReplyKind, State, StoredMessage, WebhookState, now_unix};
use super::transcript::EmuSend;

pub type Params = Map<String, Value>;

const MAX_TEXT_CHARS: usize = 4096;
const MAX_CALLBACK_ANSWER_CHARS: usize = 200;
const MAX_COMMANDS: usize = 100;

pub fn get_me(state: &State) -> Value {
    let mut me = state.bot_user_json();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(false);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// Only private chats with users the test created exist.
fn chat_id(state: &State, params: &Params) -> Result<i64, ApiError> {
    let id = params.get("chat_id").and_then(Value::as_i64).ok_or_else(ApiError::chat_not_found)?;
    if state.chats.contains_key(&id) { Ok(id) } else { Err(ApiError::chat_not_found()) }
}

fn str_param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str)
}

struct Text {
    text: String,
    html: Option<String>,
    entities: Vec<Value>,
}

fn prepare_text(params: &Params) -> Result<Text, ApiError> {
    let raw = str_param(params, "text").unwrap_or_default();
    let mode = str_param(params, "parse_mode").unwrap_or_default();
    let text = match mode.to_ascii_lowercase().as_str() {
        "" => plain_text(raw, params.get("entities")),
        "html" => {
            let parsed =
                html::parse(raw).map_err(|e| ApiError::bad_request(format!("can't parse entities: {e}")))?;
            let parsed = html::trim(parsed);
            Text {
                text: parsed.text,
                html: Some(raw.to_owned()),
                entities: parsed.entities.iter().map(html::Entity::to_json).collect(),
            }
        }
        "markdown" | "markdownv2" => {
            return Err(ApiError::bad_request(format!(
                "parse_mode {mode} is not supported by the emulator; use HTML"
            )));
        }
        _ => return Err(ApiError::bad_request("unsupported parse_mode")),
    };
    if text.text.is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if text.text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request("message is too long"));
    }
    Ok(text)
}

/// Trimmed like Telegram does; explicit entities count from the untrimmed
/// start, so they move left with it.
fn plain_text(raw: &str, entities: Option<&Value>) -> Text {
    let entities = entities.and_then(Value::as_array).cloned().unwrap_or_default();
    let lead = raw.len() - raw.trim_start().len();
    let lead_units = raw[..lead].encode_utf16().count() as i64;
    let entities = entities
        .into_iter()
        .map(|mut e| {
            if lead_units > 0 {
                let offset = e["offset"].as_i64().unwrap_or(0);
                e["offset"] = json!((offset - lead_units).max(0));
            }
            e
        })
        .collect();
    Text { text: raw.trim().to_owned(), html: None, entities }
}

fn rate_limit(state: &mut State, chat_id: i64, charge: Charge, what: &str) -> Result<(), ApiError> {
    match state.limiter.admit(chat_id, charge, Instant::now()) {
        Ok(()) => Ok(()),
        Err(retry_after) => {
            state.too_many_requests += 1;
            if let Some(chat) = state.chats.get_mut(&chat_id) {
                chat.log("bot", &format!("✗ 429 retry after {retry_after} ({what})"));
            }
            Err(ApiError::too_many_requests(retry_after))
        }
    }
}

fn preview(text: &str) -> String {
    let mut p: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        p.push('…');
    }
    p.replace('\n', " ")
}

pub fn send_message(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let chat_id = chat_id(state, params)?;
    let text = prepare_text(params)?;
    let markup = markup::parse(params.get("reply_markup"))?;
    if let Some(reply) = params.get("reply_parameters") {
        let target = reply["message_id"].as_i64().unwrap_or(0);
        let lenient = reply["allow_sending_without_reply"].as_bool() == Some(true);
        let exists = i32::try_from(target)
            .ok()
            .and_then(|id| state.chats[&chat_id].message(id))
            .is_some_and(|m| !m.deleted);
        if !exists && !lenient {
            return Err(ApiError::bad_request("message to be replied not found"));
        }
    }
    let blocked = u64::try_from(chat_id).ok().and_then(|id| state.users.get(&id)).is_some_and(|u| u.blocked);
    if blocked {
        let chat = state.chats.get_mut(&chat_id).expect("checked");
        chat.log("bot", &format!("✗ 403 blocked ({})", preview(&text.text)));
        return Err(ApiError::blocked());
    }
    let paid = params.get("allow_paid_broadcast").is_some_and(|v| v.as_bool() == Some(true) || v == "true");
    let charge = if paid { Charge::PaidSend } else { Charge::Send };
    rate_limit(state, chat_id, charge, &format!("send «{}»", preview(&text.text)))?;

    store(state, chat_id, text, markup, Content::Text, paid)
}

/// A media message the bot sent (`sendPhoto`, `sendDocument`): the caption is its text.
pub(crate) fn store_sent(
    state: &mut State,
    chat_id: i64,
    caption: String,
    markup: Markup,
    content: Content,
) -> Result<Value, ApiError> {
    let blocked = u64::try_from(chat_id).ok().and_then(|id| state.users.get(&id)).is_some_and(|u| u.blocked);
    if blocked {
        return Err(ApiError::blocked());
    }
    rate_limit(state, chat_id, Charge::Send, "send a file")?;
    let text = Text { text: caption, html: None, entities: Vec::new() };
    store(state, chat_id, text, markup, content, false)
}

fn store(
    state: &mut State,
    chat_id: i64,
    text: Text,
    markup: Markup,
    content: Content,
    paid: bool,
) -> Result<Value, ApiError> {
    let chat = state.chats.get_mut(&chat_id).expect("checked");
    let msg = StoredMessage {
        id: chat.take_message_id(),
        from_bot: true,
        date: now_unix(),
        edit_date: None,
        text: text.text,
        html: text.html,
        entities: text.entities,
        inline_markup: markup.inline,
        reply: markup.reply,
        content,
        deleted: false,
    };
    match &msg.reply {
        ReplyKind::Keyboard(rows) => chat.reply_keyboard = Some(rows.clone()),
        ReplyKind::Remove => chat.reply_keyboard = None,
        ReplyKind::None | ReplyKind::ForceReply => {}
    }
    chat.activity += 1;
    chat.log("bot", &format!("#{} {}", msg.id, msg.render()));
    chat.messages.push(msg);
    state.sent += 1;
    let msg = state.chats[&chat_id].messages.last().expect("just pushed");
    let record = EmuSend {
        seq: state.send_log.len() as u64,
        chat_id,
        message_id: msg.id,
        text: msg.text.clone(),
        at: chrono::Utc::now(),
        paid_broadcast: paid,
    };
    state.send_log.push(record);
    let msg = state.chats[&chat_id].messages.last().expect("just pushed");
    Ok(state.message_json(chat_id, msg))
}

/// Locates the bot's own, live message for an edit.
fn editable(state: &State, params: &Params) -> Result<(i64, i32), ApiError> {
    if params.contains_key("inline_message_id") {
        return Err(ApiError::bad_request("inline messages are not supported by the emulator"));
    }
    if !params.contains_key("chat_id") || !params.contains_key("message_id") {
        return Err(ApiError::bad_request("message identifier is not specified"));
    }
    let chat_id = chat_id(state, params)?;
    let message_id = params["message_id"].as_i64().and_then(|id| i32::try_from(id).ok()).unwrap_or(0);
    let found = state.chats[&chat_id]
        .message(message_id)
        .is_some_and(|m| m.from_bot && !m.deleted && matches!(m.content, Content::Text));
    if found { Ok((chat_id, message_id)) } else { Err(ApiError::bad_request("message to edit not found")) }
}

fn not_modified() -> ApiError {
    ApiError::bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}

pub fn edit_message_text(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let (chat_id, message_id) = editable(state, params)?;
    let text = prepare_text(params)?;
    // Leaving reply_markup out of an edit removes the inline keyboard.
    let markup = markup::parse(params.get("reply_markup"))?;
    let current = state.chats[&chat_id].message(message_id).expect("editable");
    if current.text == text.text
        && current.entities == text.entities
        && current.inline_markup == markup.inline
    {
        return Err(not_modified());
    }
    rate_limit(state, chat_id, Charge::Edit, &format!("edit #{message_id}"))?;
    let chat = state.chats.get_mut(&chat_id).expect("checked");
    let msg = chat.message_mut(message_id).expect("editable");
    msg.text = text.text;
    msg.html = text.html;
    msg.entities = text.entities;
    msg.inline_markup = markup.inline;
    msg.edit_date = Some(now_unix());
    let line = format!("edited #{message_id} → {}", msg.render());
    chat.activity += 1;
    chat.log("bot", &line);
    Ok(state.message_json(chat_id, state.chats[&chat_id].message(message_id).expect("editable")))
}

pub fn edit_message_reply_markup(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let (chat_id, message_id) = editable(state, params)?;
    let Markup { inline, .. } = markup::parse(params.get("reply_markup"))?;
    let current = state.chats[&chat_id].message(message_id).expect("editable");
    if current.inline_markup == inline {
        return Err(not_modified());
    }
    rate_limit(state, chat_id, Charge::Edit, &format!("edit markup #{message_id}"))?;
    let chat = state.chats.get_mut(&chat_id).expect("checked");
    let msg = chat.message_mut(message_id).expect("editable");
    msg.inline_markup = inline;
    msg.edit_date = Some(now_unix());
    let line = format!("edited markup #{message_id} → {}", msg.render());
    chat.activity += 1;
    chat.log("bot", &line);
    Ok(state.message_json(chat_id, state.chats[&chat_id].message(message_id).expect("editable")))
}

pub fn delete_message(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let chat_id = chat_id(state, params)?;
    let message_id = params["message_id"].as_i64().and_then(|id| i32::try_from(id).ok()).unwrap_or(0);
    let chat = state.chats.get_mut(&chat_id).expect("checked");
    // In private chats a bot may delete the user's messages as well as its own.
    match chat.message_mut(message_id) {
        Some(msg) if !msg.deleted => msg.deleted = true,
        _ => return Err(ApiError::bad_request("message to delete not found")),
    }
    chat.activity += 1;
    chat.log("bot", &format!("deleted #{message_id}"));
    Ok(json!(true))
}

pub fn answer_callback_query(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let id = str_param(params, "callback_query_id").unwrap_or_default();
    let invalid =
        || ApiError::bad_request("query is too old and response timeout expired or query ID is invalid");
    let chat_id = match state.callbacks.get(id) {
        Some(cb) if !cb.answered => cb.chat_id,
        _ => return Err(invalid()),
    };
    let text = str_param(params, "text").unwrap_or_default().to_owned();
    if text.chars().count() > MAX_CALLBACK_ANSWER_CHARS {
        return Err(ApiError::bad_request("MESSAGE_TOO_LONG"));
    }
    let show_alert = params.get("show_alert").and_then(Value::as_bool).unwrap_or(false);
    state.callbacks.get_mut(id).expect("checked").answered = true;
    if let Some(chat) = state.chats.get_mut(&chat_id) {
        let line = match (text.is_empty(), show_alert) {
            (true, _) => "answered callback".to_owned(),
            (false, false) => format!("answered callback: toast «{text}»"),
            (false, true) => format!("answered callback: alert «{text}»"),
        };
        chat.log("bot", &line);
        chat.callback_answers.push((text, show_alert));
    }
    Ok(json!(true))
}

/// The key [`super::Emulator::commands`] reads: "default", "chat:42", ...
fn scope_key(state: &State, scope: Option<&Value>) -> Result<String, ApiError> {
    let Some(scope) = scope else {
        return Ok("default".to_owned());
    };
    let kind = scope["type"].as_str().unwrap_or("default");
    let chat = || -> Result<i64, ApiError> {
        let id = scope["chat_id"].as_i64().ok_or_else(ApiError::chat_not_found)?;
        if state.chats.contains_key(&id) { Ok(id) } else { Err(ApiError::chat_not_found()) }
    };
    Ok(match kind {
        "chat" | "chat_administrators" => format!("{kind}:{}", chat()?),
        "chat_member" => format!("chat_member:{}:{}", chat()?, scope["user_id"].as_i64().unwrap_or(0)),
        other => other.to_owned(),
    })
}

fn language(params: &Params) -> Result<String, ApiError> {
    let code = str_param(params, "language_code").unwrap_or_default();
    let valid = code.is_empty() || (code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase()));
    if valid { Ok(code.to_owned()) } else { Err(ApiError::bad_request("invalid language code specified")) }
}

pub fn set_my_commands(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let commands = params["commands"].as_array().cloned().unwrap_or_default();
    if commands.len() > MAX_COMMANDS {
        return Err(ApiError::bad_request("too many commands specified"));
    }
    let mut list = Vec::with_capacity(commands.len());
    for c in &commands {
        let command = c["command"].as_str().unwrap_or_default();
        let description = c["description"].as_str().unwrap_or_default();
        let valid_command = (1..=32).contains(&command.len())
            && command.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid_command {
            return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&description.chars().count()) {
            return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        list.push((command.to_owned(), description.to_owned()));
    }
    let key = (scope_key(state, params.get("scope"))?, language(params)?);
    if list.is_empty() {
        state.commands.remove(&key);
    } else {
        state.commands.insert(key, list);
    }
    Ok(json!(true))
}

pub fn delete_my_commands(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let key = (scope_key(state, params.get("scope"))?, language(params)?);
    state.commands.remove(&key);
    Ok(json!(true))
}

pub fn get_my_commands(state: &State, params: &Params) -> Result<Value, ApiError> {
    let key = (scope_key(state, params.get("scope"))?, language(params)?);
    let list = state.commands.get(&key).cloned().unwrap_or_default();
    Ok(Value::Array(
        list.into_iter()
            .map(|(command, description)| json!({"command": command, "description": description}))
            .collect(),
    ))
}

/// Updates are then POSTed to the URL (see `webhook.rs`). Telegram demands HTTPS; the
/// emulator also takes plain HTTP on loopback, where the tests' bot listens.
pub fn set_webhook(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let url = str_param(params, "url").unwrap_or_default();
    if params.get("drop_pending_updates").and_then(Value::as_bool) == Some(true) {
        state.updates.clear();
    }
    if url.is_empty() {
        state.webhook = None;
        return Ok(json!(true));
    }
    let acceptable = url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            || (u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
    });
    if !acceptable {
        return Err(ApiError::bad_request("bad webhook: An HTTPS URL must be provided for webhook"));
    }
    // Telegram's rule for the header it echoes back (`X-Telegram-Bot-Api-Secret-Token`).
    if let Some(secret) = str_param(params, "secret_token")
        && !((1..=256).contains(&secret.len())
            && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Err(ApiError::bad_request("secret token contains unallowed characters"));
    }
    state.webhook = Some(WebhookState {
        url: url.to_owned(),
        secret_token: str_param(params, "secret_token").map(str::to_owned),
        max_connections: params.get("max_connections").and_then(Value::as_i64),
        allowed_updates: params.get("allowed_updates").and_then(|v| {
            v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        }),
        last_error: None,
    });
    Ok(json!(true))
}

pub fn delete_webhook(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    if params.get("drop_pending_updates").and_then(Value::as_bool) == Some(true) {
        state.updates.clear();
    }
    state.webhook = None;
    Ok(json!(true))
}

pub fn get_webhook_info(state: &State) -> Value {
    let mut info = json!({
        "url": "",
        "has_custom_certificate": false,
        "pending_update_count": state.updates.len(),
    });
    if let Some(hook) = &state.webhook {
        info["url"] = json!(hook.url);
        info["max_connections"] = json!(hook.max_connections.unwrap_or(40));
        if let Some(allowed) = &hook.allowed_updates {
            info["allowed_updates"] = json!(allowed);
        }
        if let Some((date, message)) = &hook.last_error {
            info["last_error_date"] = json!(date);
            info["last_error_message"] = json!(message);
        }
    }
    info
}
