//! Files users send (photos, documents, voice messages) as Telegram keeps them: a
//! `file_id` for the bot to send or fetch, a `file_unique_id` stable across bots, a size,
//! and, for `getFile`, a `file_path` under `/file/bot<token>/`. Like Telegram, `getFile`
//! refuses a file above 20 MB, which therefore can never be downloaded by a bot.

use axum::body::Body;
use axum::extract::{Path, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Emulator;
use super::error::ApiError;
use super::methods::Params;
use super::state::State;

/// What the Bot API lets a bot download (getFile's limit).
pub const MAX_DOWNLOAD_BYTES: u64 = 20 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub file_id: String,
    pub unique_id: String,
    pub size: u64,
    /// The content; `None` for a file too large to download (only its size matters).
    pub bytes: Option<Vec<u8>>,
    /// Set by the first getFile, as Telegram assigns one on demand.
    pub path: Option<String>,
    /// `photos`, `documents` or `voice`: the folder of its path.
    pub folder: &'static str,
    pub extension: String,
    /// A document's name and MIME type, as it was sent.
    pub name: Option<String>,
    pub mime_type: Option<String>,
}

/// A photo size of a photo message.
#[derive(Debug, Clone)]
pub struct PhotoSize {
    pub file_id: String,
    pub width: u32,
    pub height: u32,
}

/// Registers a file and returns its ids. `bytes` is kept when it may be downloaded.
pub fn store(
    state: &mut State,
    folder: &'static str,
    extension: &str,
    size: u64,
    bytes: Option<Vec<u8>>,
) -> StoredFile {
    state.next_file += 1;
    let n = state.next_file;
    // Shaped like Telegram's: base64url-ish, long, unique per file.
    let prefix = match folder {
        "photos" => "AgACAgIAAxkBAAI",
        "voice" => "AwACAgIAAxkBAAI",
        _ => "BQACAgIAAxkBAAI",
    };
    let file = StoredFile {
        file_id: format!("{prefix}{n:08}_emu"),
        unique_id: format!("AQAD{n:08}"),
        size,
        bytes: if size <= MAX_DOWNLOAD_BYTES { bytes } else { None },
        path: None,
        folder,
        extension: extension.to_owned(),
        name: None,
        mime_type: None,
    };
    state.files.insert(file.file_id.clone(), file.clone());
    file
}

/// Bytes that look like the start of a file of that kind, padded to `size`.
pub fn sample_bytes(magic: &[u8], size: usize) -> Vec<u8> {
    let mut bytes = magic.to_vec();
    bytes.resize(size.max(magic.len()), b'.');
    bytes
}

pub const JPEG_MAGIC: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00";
pub const PDF_MAGIC: &[u8] = b"%PDF-1.7\n";

/// `getFile`: the File object with a path to download it from.
pub fn get_file(state: &mut State, params: &Params) -> Result<Value, ApiError> {
    let id = params.get("file_id").and_then(Value::as_str).unwrap_or_default();
    let file = state.files.get_mut(id).ok_or_else(|| ApiError::bad_request("invalid file_id"))?;
    if file.size > MAX_DOWNLOAD_BYTES {
        return Err(ApiError::bad_request("file is too big"));
    }
    let path = file.path.get_or_insert_with(|| {
        format!("{}/file_{}.{}", file.folder, file.unique_id.trim_start_matches("AQAD"), file.extension)
    });
    Ok(json!({
        "file_id": file.file_id,
        "file_unique_id": file.unique_id,
        "file_size": file.size,
        "file_path": path,
    }))
}

/// `GET /file/bot<token>/<file_path>`: the file's bytes, as api.telegram.org serves them;
/// an unknown token or path is a 404.
pub async fn download(
    AxumState(emu): AxumState<Emulator>,
    Path((bot_token, path)): Path<(String, String)>,
) -> Response {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"ok": false, "error_code": 404, "description": "Not Found"})),
        )
            .into_response()
    };
    if bot_token.strip_prefix("bot") != Some(emu.token()) {
        return not_found();
    }
    let bytes = {
        let mut state = emu.inner.lock();
        let found = state
            .files
            .values()
            .find(|f| f.path.as_deref() == Some(path.as_str()))
            .and_then(|f| f.bytes.clone());
        if found.is_some() {
            state.downloads += 1;
        }
        found
    };
    match bytes {
        Some(bytes) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], Body::from(bytes)).into_response()
        }
        None => not_found(),
    }
}

/// Telegram's limit for a media caption.
const MAX_CAPTION_CHARS: usize = 1024;

/// `sendPhoto` / `sendDocument` with a `file_id` the bot received (what a bot does to show a
/// user's file to someone else). Uploads are not emulated; a file of the other kind is
/// Telegram's «type of file mismatch».
pub fn send_file(state: &mut State, params: &Params, method: &str) -> Result<Value, ApiError> {
    let (param, folder) = if method == "sendPhoto" { ("photo", "photos") } else { ("document", "documents") };
    let chat_id = params.get("chat_id").and_then(Value::as_i64).filter(|id| state.chats.contains_key(id));
    let chat_id = chat_id.ok_or_else(ApiError::chat_not_found)?;
    let id = params.get(param).and_then(Value::as_str).ok_or_else(|| {
        ApiError::bad_request("file uploads are not supported by the emulator; send a file_id")
    })?;
    let file = state
        .files
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::bad_request("wrong file identifier/HTTP URL specified"))?;
    if file.folder != folder {
        return Err(ApiError::bad_request("type of file mismatch"));
    }
    let caption = params.get("caption").and_then(Value::as_str).unwrap_or_default().trim().to_owned();
    if caption.chars().count() > MAX_CAPTION_CHARS {
        return Err(ApiError::bad_request("message caption is too long"));
    }
    let markup = super::markup::parse(params.get("reply_markup"))?;
    let content = if folder == "photos" {
        super::state::Content::Photo(vec![PhotoSize {
            file_id: file.file_id.clone(),
            width: 1280,
            height: 960,
        }])
    } else {
        super::state::Content::Document {
            file_id: file.file_id.clone(),
            file_name: file.name.clone().unwrap_or_else(|| format!("file.{}", file.extension)),
            mime_type: file.mime_type.clone().unwrap_or_else(|| "application/octet-stream".into()),
        }
    };
    super::methods::store_sent(state, chat_id, caption, markup, content)
}
