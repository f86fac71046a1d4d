//! The two failure vocabularies: what the HTTP API answers the bot, and what
//! the test-side user API refuses (a button that is not on screen).

use serde_json::{Value, json};

/// An unsuccessful Bot API answer, serialised exactly as Telegram does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: u16, description: impl Into<String>) -> ApiError {
        ApiError { code, description: description.into(), retry_after: None }
    }

    /// `detail` is what follows `Bad Request: `.
    pub fn bad_request(detail: impl AsRef<str>) -> ApiError {
        ApiError::new(400, format!("Bad Request: {}", detail.as_ref()))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }

    pub fn blocked() -> ApiError {
        ApiError::new(403, "Forbidden: bot was blocked by the user")
    }

    pub fn conflict(detail: &str) -> ApiError {
        ApiError::new(409, format!("Conflict: {detail}"))
    }

    pub fn too_many_requests(retry_after: u64) -> ApiError {
        ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    pub fn chat_not_found() -> ApiError {
        ApiError::bad_request("chat not found")
    }

    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let Some(retry_after) = self.retry_after {
            body["parameters"] = json!({ "retry_after": retry_after });
        }
        body
    }
}

/// A user action the emulated Telegram client could not perform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmuError {
    #[error(
        "no bot message in chat {chat_id} has an inline button {text:?}; newest keyboard shows {available:?}"
    )]
    ButtonNotFound { chat_id: i64, text: String, available: Vec<String> },
    #[error("message {message_id} in chat {chat_id} has no inline button {text:?}; it shows {available:?}")]
    ButtonNotOnMessage { chat_id: i64, message_id: i32, text: String, available: Vec<String> },
    #[error("message {message_id} in chat {chat_id} does not exist or was deleted")]
    MessageNotFound { chat_id: i64, message_id: i32 },
    #[error(
        "inline button {text:?} has no callback_data (url or other kind); pressing it sends the bot nothing"
    )]
    NotACallbackButton { text: String },
    #[error("chat {chat_id} shows no reply keyboard")]
    NoReplyKeyboard { chat_id: i64 },
    #[error("the reply keyboard in chat {chat_id} has no button {text:?}; it shows {available:?}")]
    ReplyButtonNotFound { chat_id: i64, text: String, available: Vec<String> },
}
