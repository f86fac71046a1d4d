//! Keyboards: the limits Telegram enforces beyond the spec's types, and the
//! shape the emulator keeps them in.

use serde_json::Value;

use super::error::ApiError;
use super::state::ReplyKind;
use super::transcript::EmuReplyButton;

const MAX_INLINE_BUTTONS: usize = 100;
const MAX_CALLBACK_DATA_BYTES: usize = 64;

/// The fields of an InlineKeyboardButton that make it do something; exactly
/// one must be set.
const BUTTON_ACTIONS: &[&str] = &[
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Markup {
    /// Normalised InlineKeyboardMarkup, `None` when absent or empty.
    pub inline: Option<Value>,
    pub reply: ReplyKind,
}

impl Markup {
    pub fn none() -> Markup {
        Markup { inline: None, reply: ReplyKind::None }
    }
}

/// Interprets a spec-validated `reply_markup` (or its absence).
pub fn parse(markup: Option<&Value>) -> Result<Markup, ApiError> {
    let Some(markup) = markup else {
        return Ok(Markup::none());
    };
    if let Some(rows) = markup.get("inline_keyboard").and_then(Value::as_array) {
        check_inline(rows)?;
        let empty = rows.iter().all(|r| r.as_array().is_none_or(Vec::is_empty));
        return Ok(Markup { inline: (!empty).then(|| markup.clone()), reply: ReplyKind::None });
    }
    if let Some(rows) = markup.get("keyboard").and_then(Value::as_array) {
        return Ok(Markup { inline: None, reply: ReplyKind::Keyboard(reply_rows(rows)?) });
    }
    if markup.get("remove_keyboard").is_some() {
        return Ok(Markup { inline: None, reply: ReplyKind::Remove });
    }
    if markup.get("force_reply").is_some() {
        return Ok(Markup { inline: None, reply: ReplyKind::ForceReply });
    }
    Err(ApiError::bad_request("can't parse reply keyboard markup JSON object"))
}

fn check_inline(rows: &[Value]) -> Result<(), ApiError> {
    let buttons: Vec<&Value> = rows.iter().filter_map(Value::as_array).flatten().collect();
    if buttons.len() > MAX_INLINE_BUTTONS {
        return Err(ApiError::bad_request("reply markup is too long"));
    }
    for button in buttons {
        let text = button["text"].as_str().unwrap_or_default();
        if text.trim().is_empty() {
            return Err(ApiError::bad_request("BUTTON_TEXT_INVALID"));
        }
        let actions = BUTTON_ACTIONS.iter().filter(|a| button.get(**a).is_some()).count();
        if actions == 0 {
            return Err(ApiError::bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        if actions > 1 {
            return Err(ApiError::bad_request(
                "can't parse inline keyboard button: exactly one of the optional fields must be used",
            ));
        }
        if let Some(data) = button.get("callback_data").and_then(Value::as_str)
            && (data.is_empty() || data.len() > MAX_CALLBACK_DATA_BYTES)
        {
            return Err(ApiError::bad_request("BUTTON_DATA_INVALID"));
        }
        if let Some(web_app) = button.get("web_app") {
            check_web_app(web_app)?;
        }
        if let Some(url) = button.get("url").and_then(Value::as_str) {
            let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "tg"));
            if !ok {
                return Err(ApiError::bad_request("BUTTON_URL_INVALID"));
            }
        }
    }
    Ok(())
}

/// A `WebAppInfo`: an object whose `url` Telegram can open. Telegram wants HTTPS; its test
/// environment, which this emulator stands for, also opens HTTP addresses.
fn check_web_app(web_app: &Value) -> Result<(), ApiError> {
    let Some(url) = web_app.as_object().and_then(|o| o.get("url")).and_then(Value::as_str) else {
        return Err(ApiError::bad_request(
            "can't parse inline keyboard button: Field \"url\" must be of type String",
        ));
    };
    let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !ok {
        return Err(ApiError::bad_request("BUTTON_URL_INVALID"));
    }
    Ok(())
}

fn reply_rows(rows: &[Value]) -> Result<Vec<Vec<EmuReplyButton>>, ApiError> {
    let rows: Vec<Vec<EmuReplyButton>> = rows
        .iter()
        .map(|row| {
            row.as_array()
                .into_iter()
                .flatten()
                .map(|b| EmuReplyButton {
                    text: b["text"].as_str().unwrap_or_default().to_owned(),
                    request_contact: b["request_contact"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .collect();
    if rows.iter().flatten().any(|b| b.text.trim().is_empty()) {
        return Err(ApiError::bad_request("BUTTON_TEXT_INVALID"));
    }
    if rows.iter().all(Vec::is_empty) {
        return Err(ApiError::bad_request("keyboard must be non-empty"));
    }
    Ok(rows)
}
