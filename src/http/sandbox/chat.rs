//! `/`: the Telegram-like chat page and its JSON API under `/sandbox/api/`. The page is
//! static; `chat.js` long-polls [`api_chat`] and renders the snapshots it gets.

use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use telegram_emulator::{EmuMessage, EmuUser, Emulator};

use super::{ApiError, Sandbox, SimUser, USERS, html_page};

/// A browser's long poll is answered at the latest after this, well under the usual
/// 60 s proxy and browser idle timeouts.
const LONG_POLL: Duration = Duration::from_secs(25);
const HANDLED_WAIT: Duration = Duration::from_secs(20);
/// Telegram's own limit for one message.
const MAX_TEXT_CHARS: usize = 4096;

pub(super) async fn page() -> Result<Response, ApiError> {
    html_page("sandbox/chat.html", context! {})
}

#[derive(Serialize)]
struct UserView {
    id: u64,
    first_name: &'static str,
    language_code: Option<String>,
    admin: bool,
    phone: String,
}

fn user_view(sandbox: &Sandbox, sim: SimUser, emu: &EmuUser) -> UserView {
    UserView {
        id: sim.id,
        first_name: sim.first_name,
        language_code: sandbox.language(sim.id),
        admin: sim.id == USERS[0].id,
        phone: format!("+{}", emu.phone()),
    }
}

pub(super) async fn api_users(State(sandbox): State<Sandbox>) -> Result<Json<Value>, ApiError> {
    let users = USERS
        .iter()
        .map(|u| sandbox.user(u.id).map(|(sim, emu)| user_view(&sandbox, sim, &emu)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({ "users": users })))
}

#[derive(Serialize)]
pub(super) struct ChatSnapshot {
    instance: String,
    user: UserView,
    /// Grows with every change the page shows (a bot send, edit or delete, a user's
    /// message, a callback answer): the page drops a snapshot older than the one it shows.
    version: u64,
    activity: u64,
    answers: usize,
    messages: Vec<MessageView>,
    reply_keyboard: Option<Vec<Vec<ReplyButtonView>>>,
    callback_answers: Vec<AnswerView>,
    commands: Vec<CommandView>,
}

#[derive(Serialize)]
struct MessageView {
    id: i32,
    from_bot: bool,
    kind: &'static str,
    text: String,
    edited: bool,
    inline_keyboard: Vec<Vec<ButtonView>>,
    contact: Option<String>,
}

#[derive(Serialize)]
struct ButtonView {
    text: String,
    callback: bool,
    url: Option<String>,
}

#[derive(Serialize)]
struct ReplyButtonView {
    text: String,
    request_contact: bool,
}

#[derive(Serialize)]
struct AnswerView {
    text: String,
    show_alert: bool,
}

#[derive(Serialize)]
struct CommandView {
    command: String,
    description: String,
}

fn snapshot(sandbox: &Sandbox, sim: SimUser, emu: &EmuUser) -> ChatSnapshot {
    let emulator = &sandbox.inner.emulator;
    let chat_id = sim.id as i64;
    // Counters first: whatever changes while the rest is read shows up in the next poll.
    let activity = emulator.chat_activity(chat_id);
    let answers = emu.callback_answers();
    let transcript = emulator.transcript(chat_id);
    let last_id = transcript.iter().map(|m| m.message_id).max().unwrap_or(0);
    let messages = transcript.into_iter().filter(|m| !m.deleted).map(message_view).collect();
    let reply_keyboard = emu.reply_keyboard().map(|rows| {
        rows.into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|b| ReplyButtonView { text: b.text, request_contact: b.request_contact })
                    .collect()
            })
            .collect()
    });
    let language = sandbox.language(sim.id);
    ChatSnapshot {
        instance: sandbox.inner.instance.clone(),
        version: activity + last_id.max(0) as u64 + answers.len() as u64,
        activity,
        answers: answers.len(),
        messages,
        reply_keyboard,
        callback_answers: answers
            .into_iter()
            .map(|(text, show_alert)| AnswerView { text, show_alert })
            .collect(),
        commands: commands(emulator, chat_id, language.as_deref()),
        user: user_view(sandbox, sim, emu),
    }
}

fn message_view(m: EmuMessage) -> MessageView {
    MessageView {
        id: m.message_id,
        from_bot: m.from_bot,
        kind: m.kind,
        text: m.text,
        edited: m.edited,
        inline_keyboard: m
            .inline_keyboard
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|b| ButtonView {
                        text: b.text,
                        callback: b.callback_data.is_some(),
                        url: b.url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                    })
                    .collect()
            })
            .collect(),
        contact: m.contact.map(|(phone, _)| phone),
    }
}

/// The command menu a Telegram client would show: the narrowest scope first, the
/// client's language before the default list.
fn commands(emulator: &Emulator, chat_id: i64, language: Option<&str>) -> Vec<CommandView> {
    let chat_scope = format!("chat:{chat_id}");
    for scope in [chat_scope.as_str(), "all_private_chats", "default"] {
        for lang in [language, None] {
            if let Some(list) = emulator.commands(scope, lang) {
                return list
                    .into_iter()
                    .map(|(command, description)| CommandView { command, description })
                    .collect();
            }
        }
    }
    Vec::new()
}

#[derive(Deserialize)]
pub(super) struct ChatQuery {
    user: u64,
    /// The page's `activity`; absent → answer at once.
    after: Option<u64>,
    /// The page's count of callback answers.
    answers: Option<usize>,
}

/// Long poll: answers when the bot did something in the chat past what the page shows
/// (or at once without `after`), else after [`LONG_POLL`] with the same snapshot.
pub(super) async fn api_chat(
    State(sandbox): State<Sandbox>,
    Query(q): Query<ChatQuery>,
) -> Result<Json<ChatSnapshot>, ApiError> {
    let (sim, emu) = sandbox.user(q.user)?;
    let emulator = &sandbox.inner.emulator;
    let chat_id = sim.id as i64;
    // A page ahead of the chat saw an earlier process: it needs the new state at once.
    let stale = q.after.is_some_and(|after| after > emulator.chat_activity(chat_id))
        || q.answers.is_some_and(|answers| answers > emu.callback_answers().len());
    if let Some(after) = q.after.filter(|_| !stale) {
        let answers = q.answers.unwrap_or(usize::MAX);
        tokio::select! {
            _ = emulator.wait_chat_activity(chat_id, after, LONG_POLL) => {}
            _ = emulator.wait_callback_answers(chat_id, answers, LONG_POLL) => {}
        }
    }
    Ok(Json(snapshot(&sandbox, sim, &emu)))
}

#[derive(Deserialize)]
pub(super) struct HandledQuery {
    update: u32,
}

/// Whether the bot finished handling an update the page sent (waits a while for it): the
/// page shows «sending…» until then, and scripts know when the bot is done answering.
pub(super) async fn api_handled(
    State(sandbox): State<Sandbox>,
    Query(q): Query<HandledQuery>,
) -> Result<Json<Value>, ApiError> {
    let probe = sandbox.attached()?.probe.clone();
    Ok(Json(json!({ "handled": probe.wait(q.update, HANDLED_WAIT).await })))
}

#[derive(Serialize)]
pub(super) struct ActionAnswer {
    update_id: i32,
    chat: ChatSnapshot,
}

fn action(sandbox: &Sandbox, sim: SimUser, emu: &EmuUser, update_id: i32) -> Json<ActionAnswer> {
    Json(ActionAnswer { update_id, chat: snapshot(sandbox, sim, emu) })
}

#[derive(Deserialize)]
pub(super) struct SendBody {
    user: u64,
    text: String,
}

pub(super) async fn api_send(
    State(sandbox): State<Sandbox>,
    Json(body): Json<SendBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_request("the message is empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!("a message has at most {MAX_TEXT_CHARS} characters")));
    }
    // Telegram clients mark a leading /command with an entity; the bot's parser needs it.
    let update_id = if text.starts_with('/') { emu.send_command(text) } else { emu.send_text(text) };
    Ok(action(&sandbox, sim, &emu, update_id))
}

#[derive(Deserialize)]
pub(super) struct PressBody {
    user: u64,
    message_id: i32,
    text: String,
}

pub(super) async fn api_press(
    State(sandbox): State<Sandbox>,
    Json(body): Json<PressBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let update_id = emu
        .press_button_on(body.message_id, &body.text)
        .map_err(|e| ApiError::new(StatusCode::CONFLICT, e.to_string()))?;
    Ok(action(&sandbox, sim, &emu, update_id))
}

#[derive(Deserialize)]
pub(super) struct ReplyBody {
    user: u64,
    text: String,
}

/// A tap on the reply keyboard: its text is sent, or the user's own contact for a
/// «share my contact» button.
pub(super) async fn api_reply(
    State(sandbox): State<Sandbox>,
    Json(body): Json<ReplyBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let update_id =
        emu.press_reply(&body.text).map_err(|e| ApiError::new(StatusCode::CONFLICT, e.to_string()))?;
    Ok(action(&sandbox, sim, &emu, update_id))
}

#[derive(Deserialize)]
pub(super) struct UserBody {
    user: u64,
}

/// The attachment menu's «my contact»: only ever the user's own, as Telegram sends it.
pub(super) async fn api_contact(
    State(sandbox): State<Sandbox>,
    Json(body): Json<UserBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let update_id = emu.share_contact(&emu.phone(), Some(sim.id));
    Ok(action(&sandbox, sim, &emu, update_id))
}

#[derive(Deserialize)]
pub(super) struct FileBody {
    user: u64,
    kind: String,
}

/// A sample photo or PDF document from the user (what the retest request asks for).
pub(super) async fn api_file(
    State(sandbox): State<Sandbox>,
    Json(body): Json<FileBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let update_id = match body.kind.as_str() {
        "photo" => emu.send_photo(),
        "pdf" => emu.send_document("document.pdf", "application/pdf", SAMPLE_PDF.to_vec()),
        _ => return Err(ApiError::bad_request("kind is photo or pdf")),
    };
    Ok(action(&sandbox, sim, &emu, update_id))
}

/// A one-page PDF with a line of text, small enough to read in the console.
const SAMPLE_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 70 Td (Sandbox document) Tj ET\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

#[derive(Deserialize)]
pub(super) struct LanguageBody {
    user: u64,
    language_code: Option<String>,
}

/// Changes what the user's Telegram client reports as its language; the bot sees it on
/// the next update.
pub(super) async fn api_language(
    State(sandbox): State<Sandbox>,
    Json(body): Json<LanguageBody>,
) -> Result<Json<ChatSnapshot>, ApiError> {
    let language = body.language_code.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    if let Some(l) = &language {
        let well_formed = l.len() <= 10
            && l.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic()));
        if !well_formed {
            return Err(ApiError::bad_request("language_code looks like kk, ru or en"));
        }
    }
    USERS
        .iter()
        .find(|u| u.id == body.user)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such user"))?;
    sandbox.inner.languages.lock().unwrap_or_else(|e| e.into_inner()).insert(body.user, language);
    let (sim, emu) = sandbox.user(body.user)?;
    Ok(Json(snapshot(&sandbox, sim, &emu)))
}

#[derive(Deserialize)]
pub(super) struct OrdersQuery {
    user: u64,
}

/// The user's payment orders, newest first: the page links them to `/pay/<order>`, since a
/// Kaspi order is paid in the Kaspi app, not through a link in the chat.
pub(super) async fn api_orders(
    State(sandbox): State<Sandbox>,
    Query(q): Query<OrdersQuery>,
) -> Result<Json<Value>, ApiError> {
    let (sim, _) = sandbox.user(q.user)?;
    let attached = sandbox.attached()?;
    let orders = crate::services::payments::orders_of(&attached.ctx, sim.id as i64, 20).await?;
    Ok(Json(json!({ "orders": orders })))
}
