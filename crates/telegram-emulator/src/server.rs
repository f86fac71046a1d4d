//! HTTP front: `/{bot<token>}/{method}` with parameters in the query string,
//! a JSON body or a form body, answered in Telegram's envelope.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::Emulator;
use super::error::ApiError;
use super::methods::{self, Params};
use super::multipart;
use super::spec::{self, ParamError, validate_params};
use super::updates;

pub fn router(emu: Emulator) -> Router {
    Router::new()
        .route("/{bot_token}/{method}", any(handle))
        .route("/file/{bot_token}/{*path}", axum::routing::get(super::files::download))
        .with_state(emu)
}

async fn handle(
    State(emu): State<Emulator>,
    Path((bot_token, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if emu.inner.lock().outage {
        // What api.telegram.org's front answers while the Bot API behind it is down.
        return (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html>502 Bad Gateway</html>",
        )
            .into_response();
    }
    let outcome = match read_params(query.as_deref(), &headers, &body) {
        Ok(params) => emu.call(&bot_token, &method, params).await,
        Err(e) if bot_token.strip_prefix("bot") == Some(emu.token()) => Err(e),
        Err(_) => Err(ApiError::unauthorized()),
    };
    match outcome {
        Ok(result) => Json(json!({"ok": true, "result": result})).into_response(),
        Err(e) => {
            tracing::debug!(%method, code = e.code, description = %e.description, "emulator refused a call");
            let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(e.to_json())).into_response()
        }
    }
}

/// Query string first, then the body on top, as Telegram merges them.
fn read_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Params, ApiError> {
    let mut params: Params = Map::new();
    if let Some(query) = query {
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // The boundary is case-sensitive; only the media type is not.
    let media_type = content_type.to_ascii_lowercase();
    if media_type.starts_with("multipart/form-data") {
        let fields = multipart::parse(content_type, body)
            .map_err(|e| ApiError::bad_request(format!("can't parse multipart/form-data: {e}")))?;
        for (k, v) in fields {
            params.insert(k, Value::String(v));
        }
        return Ok(params);
    }
    let is_form = media_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(obj)) => {
                params.extend(obj);
                return Ok(params);
            }
            Ok(_) => return Err(ApiError::bad_request("JSON object expected")),
            Err(_) if media_type.starts_with("application/json") => {
                return Err(ApiError::bad_request("can't parse JSON object"));
            }
            // No or unknown content type: Telegram still understands a form.
            Err(_) => {}
        }
    }
    for (k, v) in url::form_urlencoded::parse(body) {
        params.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    Ok(params)
}

/// Methods the emulator answers; every other method of the spec gets 400.
const IMPLEMENTED: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "deleteMessage",
    "setMyCommands",
    "deleteMyCommands",
    "getMyCommands",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getFile",
    "sendPhoto",
    "sendDocument",
];

impl Emulator {
    /// One Bot API call, as the HTTP route performs it. `bot_token` is the
    /// path segment, `bot` prefix included.
    pub(crate) async fn call(
        &self,
        bot_token: &str,
        method: &str,
        params: Params,
    ) -> Result<Value, ApiError> {
        if bot_token.strip_prefix("bot") != Some(self.token()) {
            return Err(ApiError::unauthorized());
        }
        let spec = spec::spec().method(method).ok_or_else(ApiError::not_found)?;
        let name = spec.name.as_str();
        if !IMPLEMENTED.contains(&name) {
            return Err(ApiError::bad_request("method is not supported by the emulator"));
        }
        let params = validate_params(spec, params).map_err(|e| {
            // Telegram names a missing or empty text by what it is.
            let missing_text = matches!(&e, ParamError::Missing { param, .. } if param == "text");
            if missing_text && matches!(name, "sendMessage" | "editMessageText") {
                ApiError::bad_request("message text is empty")
            } else {
                ApiError::new(400, e.description())
            }
        })?;
        tracing::trace!(method = name, ?params, "emulator call");
        {
            let mut state = self.inner.lock();
            if let Some(description) = state.refusing.get(name).cloned() {
                *state.refused.entry(name.to_owned()).or_default() += 1;
                drop(state);
                self.inner.activity_changed.notify_waiters();
                return Err(ApiError::new(400, description));
            }
        }
        if name == "getUpdates" {
            return updates::get_updates(&self.inner, &params).await;
        }
        let result = {
            let mut state = self.inner.lock();
            let result = dispatch(&mut state, name, &params);
            if let Ok(value) = &result
                && let Err(e) = spec::check_method_result(name, value)
            {
                tracing::error!(method = name, error = %e, "emulator result violates the Bot API spec");
                state.spec_violations.push(format!("{name} result: {e}"));
            }
            result
        };
        // Setting a webhook changes what a waiting getUpdates must answer.
        self.inner.updates_changed.notify_waiters();
        self.inner.activity_changed.notify_waiters();
        result
    }
}

fn dispatch(state: &mut super::state::State, name: &str, params: &Params) -> Result<Value, ApiError> {
    match name {
        "getMe" => Ok(methods::get_me(state)),
        "sendMessage" => methods::send_message(state, params),
        "editMessageText" => methods::edit_message_text(state, params),
        "editMessageReplyMarkup" => methods::edit_message_reply_markup(state, params),
        "answerCallbackQuery" => methods::answer_callback_query(state, params),
        "deleteMessage" => methods::delete_message(state, params),
        "setMyCommands" => methods::set_my_commands(state, params),
        "deleteMyCommands" => methods::delete_my_commands(state, params),
        "getMyCommands" => methods::get_my_commands(state, params),
        "setWebhook" => methods::set_webhook(state, params),
        "deleteWebhook" => methods::delete_webhook(state, params),
        "getWebhookInfo" => Ok(methods::get_webhook_info(state)),
        "getFile" => super::files::get_file(state, params),
        "sendPhoto" | "sendDocument" => super::files::send_file(state, params, name),
        _ => Err(ApiError::bad_request("method is not supported by the emulator")),
    }
}
