//! Sandbox mode (DESIGN §3): without `BOT_TOKEN` the binary plays Telegram itself.
//!
//! [`start`] seeds an empty database, mounts the Bot API emulator on our own HTTP server
//! (the bot polls `http://HTTP_ADDR/bot<SANDBOX_TOKEN>/…` as it would api.telegram.org) and
//! serves three pages for a person at a browser:
//! - `/` — a Telegram-like chat with the bot, acting as one of a few simulated users; its
//!   JSON API is under `/sandbox/api/`;
//! - `/mailbox` — the emails the bot sent (the in-memory mailer), newest first;
//! - `/pay/<order>` — a payment page that calls our own card and Kaspi callback endpoints
//!   over HTTP, signed and shaped exactly as the providers would send them, so a sandbox
//!   payment goes through the same code as a real one.
//!
//! Bot text is plain text: the page renders it with `textContent`, and the server-rendered
//! pages escape everything they show; email HTML is shown in a sandboxed iframe.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::app::{App, Options, SANDBOX_TOKEN};
use crate::bot::probe::UpdateProbe;
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Money;
use crate::emulator::{EmuMessage, EmuUser, Emulator, EmulatorConfig};
use crate::services::Ctx;

/// Signs the sandbox's card notifications when `CARD_API_SECRET` is empty; [`start`] gives
/// the app the same secret, so the real signature check runs and passes.
pub const SANDBOX_CARD_SECRET: &str = "sandbox-card-api-secret";

/// A person at the page acts as one of these Telegram users.
#[derive(Clone, Copy, Debug)]
pub struct SimUser {
    pub id: u64,
    pub first_name: &'static str,
    /// What the Telegram client reports; the bot guesses the interface language from it.
    pub language_code: Option<&'static str>,
}

/// The first one is made an admin at start, so staff commands can be tried too.
pub const USERS: [SimUser; 5] = [
    SimUser { id: 1001, first_name: "Айгерім", language_code: Some("kk") },
    SimUser { id: 1002, first_name: "Дәулет", language_code: Some("kk") },
    SimUser { id: 1003, first_name: "Алина", language_code: Some("ru") },
    SimUser { id: 1004, first_name: "Ерлан", language_code: None },
    SimUser { id: 1005, first_name: "Maria", language_code: Some("en") },
];

/// A browser's long poll is answered at the latest after this, well under the usual
/// 60 s proxy and browser idle timeouts.
const LONG_POLL: Duration = Duration::from_secs(25);
const HANDLED_WAIT: Duration = Duration::from_secs(20);
/// Telegram's own limit for one message.
const MAX_TEXT_CHARS: usize = 4096;

/// Starts the whole app in sandbox mode: what `ent-bot serve` does without `BOT_TOKEN`,
/// and what the tests start. Returns the running app and the sandbox (its emulator).
pub async fn start(mut config: Config, mut options: Options) -> anyhow::Result<(App, Sandbox)> {
    anyhow::ensure!(config.is_sandbox(), "sandbox mode runs only without BOT_TOKEN");
    if config.card_api_secret.is_empty() {
        config.card_api_secret = SANDBOX_CARD_SECRET.to_owned();
    }
    let admin = USERS[0].id as i64;
    if !config.admin_ids.contains(&admin) {
        config.admin_ids.push(admin);
    }

    let pool = match options.pool.take() {
        Some(pool) => pool,
        None => crate::db::connect(&config.database_url, config.database_max_connections).await?,
    };
    crate::db::migrate(&pool).await?;
    let clock = options.clock.clone().unwrap_or(Clock::System);
    if database_is_empty(&pool).await? {
        let window = config.payment_deadline_minutes;
        let report = crate::seed::seed_demo_with_window(&pool, clock.now(), config.timezone, window).await?;
        tracing::info!(%report, "sandbox: empty database seeded with demo data");
    }
    options.pool = Some(pool);

    let sandbox = Sandbox::new();
    let routes = sandbox.router();
    options.extra_routes = Some(match options.extra_routes.take() {
        Some(extra) => extra.merge(routes),
        None => routes,
    });
    let app = App::build(config, options).await?;
    sandbox.attach(&app);
    Ok((app, sandbox))
}

/// No campaign means nothing was ever seeded or imported: a fresh machine.
async fn database_is_empty(pool: &sqlx::PgPool) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM campaigns)").fetch_one(pool).await?)
}

/// The emulated Telegram and what the pages need of the running app. Cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    emulator: Emulator,
    /// The emulator keeps each user's `language_code` but does not show it; the page does.
    languages: Mutex<HashMap<u64, Option<String>>>,
    /// Set once the app is built: the routes exist before the context they read.
    attached: OnceLock<Attached>,
    http: reqwest::Client,
    /// Tells the page that the process restarted and its chat view is void.
    instance: String,
}

struct Attached {
    ctx: Ctx,
    probe: UpdateProbe,
    /// Where our own callback endpoints answer, from this very process.
    callbacks_base: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let emulator = Emulator::new(EmulatorConfig {
            token: SANDBOX_TOKEN.to_owned(),
            // A person reads at human speed; Telegram's per-chat pacing would only make the
            // bot's multi-message answers fail in a demo.
            per_chat_rate_per_sec: None,
            ..EmulatorConfig::default()
        });
        let mut languages = HashMap::new();
        for u in USERS {
            let user = emulator.user(u.id, u.first_name, u.language_code);
            // A valid Kazakhstan mobile (+7 701 555 1001 …), so a shared contact is accepted.
            user.set_phone(&format!("7701555{:04}", u.id % 10_000));
            languages.insert(u.id, u.language_code.map(str::to_owned));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("the HTTP client builds");
        Sandbox {
            inner: Arc::new(Inner {
                emulator,
                languages: Mutex::new(languages),
                attached: OnceLock::new(),
                http,
                instance: format!("{:016x}", rand::random::<u64>()),
            }),
        }
    }

    pub fn emulator(&self) -> &Emulator {
        &self.inner.emulator
    }

    fn attach(&self, app: &App) {
        let addr = app.http_addr;
        // Listening on every interface still answers on loopback, which Kaspi's
        // allow-list (loopback only by default) requires of the caller.
        let ip = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let callbacks_base = format!("http://{}", SocketAddr::new(ip, addr.port()));
        let attached = Attached { ctx: app.ctx.clone(), probe: app.probe.clone(), callbacks_base };
        let _ = self.inner.attached.set(attached);
    }

    fn attached(&self) -> Result<&Attached, ApiError> {
        self.inner.attached.get().ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "starting"))
    }

    fn user(&self, id: u64) -> Result<(SimUser, EmuUser), ApiError> {
        let sim = USERS.iter().find(|u| u.id == id).copied().ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("user {id} is not one of the simulated users"))
        })?;
        let language = self.language(id);
        // `Emulator::user` also updates name and language; keep the page's choice.
        Ok((sim, self.inner.emulator.user(id, sim.first_name, language.as_deref())))
    }

    fn language(&self, id: u64) -> Option<String> {
        self.inner.languages.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned().flatten()
    }

    pub fn router(&self) -> Router {
        let pages = Router::new()
            .route("/", get(chat_page))
            .route("/sandbox/chat.js", get(chat_js))
            .route("/sandbox/sandbox.css", get(sandbox_css))
            .route("/sandbox/api/users", get(api_users))
            .route("/sandbox/api/chat", get(api_chat))
            .route("/sandbox/api/handled", get(api_handled))
            .route("/sandbox/api/send", post(api_send))
            .route("/sandbox/api/press", post(api_press))
            .route("/sandbox/api/reply", post(api_reply))
            .route("/sandbox/api/contact", post(api_contact))
            .route("/sandbox/api/language", post(api_language))
            .route("/sandbox/api/orders", get(api_orders))
            .route("/sandbox/api/mailbox", get(api_mailbox))
            .route("/mailbox", get(mailbox_page))
            .route("/pay/{order}", get(pay_page).post(pay_submit))
            .layer(axum::middleware::map_response(security_headers))
            .with_state(self.clone());
        pages.merge(self.inner.emulator.router())
    }
}

/// The pages show what strangers typed (names, emails); nothing of it may run as script.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

// ───────────────────────────── errors ─────────────────────────────

#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        tracing::error!(error = %e, "sandbox: database query failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "database error")
    }
}

// ───────────────────────────── static assets ─────────────────────────────

const CHAT_HTML: &str = include_str!("../../assets/sandbox/chat.html");
const CHAT_JS: &str = include_str!("../../assets/sandbox/chat.js");
const SANDBOX_CSS: &str = include_str!("../../assets/sandbox/sandbox.css");

async fn chat_page() -> Response {
    html(CHAT_HTML.to_owned())
}

async fn chat_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], CHAT_JS).into_response()
}

async fn sandbox_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], SANDBOX_CSS).into_response()
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

// ───────────────────────────── chat API ─────────────────────────────

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

async fn api_users(State(sandbox): State<Sandbox>) -> Result<Json<Value>, ApiError> {
    let users = USERS
        .iter()
        .map(|u| sandbox.user(u.id).map(|(sim, emu)| user_view(&sandbox, sim, &emu)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({ "users": users })))
}

#[derive(Serialize)]
struct ChatSnapshot {
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
struct ChatQuery {
    user: u64,
    /// The page's `activity`; absent → answer at once.
    after: Option<u64>,
    /// The page's count of callback answers.
    answers: Option<usize>,
}

/// Long poll: answers when the bot did something in the chat past what the page shows
/// (or at once without `after`), else after [`LONG_POLL`] with the same snapshot.
async fn api_chat(
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
struct HandledQuery {
    update: u32,
}

/// Whether the bot finished handling an update the page sent (waits a while for it): the
/// page shows «sending…» until then, and scripts know when the bot is done answering.
async fn api_handled(
    State(sandbox): State<Sandbox>,
    Query(q): Query<HandledQuery>,
) -> Result<Json<Value>, ApiError> {
    let probe = sandbox.attached()?.probe.clone();
    Ok(Json(json!({ "handled": probe.wait(q.update, HANDLED_WAIT).await })))
}

#[derive(Serialize)]
struct ActionAnswer {
    update_id: i32,
    chat: ChatSnapshot,
}

fn action(sandbox: &Sandbox, sim: SimUser, emu: &EmuUser, update_id: i32) -> Json<ActionAnswer> {
    Json(ActionAnswer { update_id, chat: snapshot(sandbox, sim, emu) })
}

#[derive(Deserialize)]
struct SendBody {
    user: u64,
    text: String,
}

async fn api_send(
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
struct PressBody {
    user: u64,
    message_id: i32,
    text: String,
}

async fn api_press(
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
struct ReplyBody {
    user: u64,
    text: String,
}

/// A tap on the reply keyboard: its text is sent, or the user's own contact for a
/// «share my contact» button.
async fn api_reply(
    State(sandbox): State<Sandbox>,
    Json(body): Json<ReplyBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let update_id =
        emu.press_reply(&body.text).map_err(|e| ApiError::new(StatusCode::CONFLICT, e.to_string()))?;
    Ok(action(&sandbox, sim, &emu, update_id))
}

#[derive(Deserialize)]
struct UserBody {
    user: u64,
}

/// The attachment menu's «my contact»: only ever the user's own, as Telegram sends it.
async fn api_contact(
    State(sandbox): State<Sandbox>,
    Json(body): Json<UserBody>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let (sim, emu) = sandbox.user(body.user)?;
    let update_id = emu.share_contact(&emu.phone(), Some(sim.id));
    Ok(action(&sandbox, sim, &emu, update_id))
}

#[derive(Deserialize)]
struct LanguageBody {
    user: u64,
    language_code: Option<String>,
}

/// Changes what the user's Telegram client reports as its language; the bot sees it on
/// the next update.
async fn api_language(
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
struct OrdersQuery {
    user: u64,
}

#[derive(Serialize, sqlx::FromRow)]
struct OrderRow {
    order_number: String,
    method: String,
    amount_tenge: i32,
    status: String,
    application_id: i64,
    application_status: String,
}

/// The user's payment orders, newest first: the page links them to `/pay/<order>`, since a
/// Kaspi order is paid in the Kaspi app, not through a link in the chat.
async fn api_orders(
    State(sandbox): State<Sandbox>,
    Query(q): Query<OrdersQuery>,
) -> Result<Json<Value>, ApiError> {
    let (sim, _) = sandbox.user(q.user)?;
    let attached = sandbox.attached()?;
    let orders: Vec<OrderRow> = sqlx::query_as(
        "SELECT p.order_number, p.method::text AS method, p.amount_tenge, p.status::text AS status,
                a.id AS application_id, a.status::text AS application_status
         FROM payments p
         JOIN applications a ON a.id = p.application_id
         JOIN applicants ap ON ap.id = a.applicant_id
         WHERE ap.telegram_user_id = $1
         ORDER BY p.id DESC
         LIMIT 20",
    )
    .bind(sim.id as i64)
    .fetch_all(&attached.ctx.db)
    .await?;
    Ok(Json(json!({ "orders": orders })))
}

// ───────────────────────────── mailbox ─────────────────────────────

async fn api_mailbox(State(sandbox): State<Sandbox>) -> Result<Json<Value>, ApiError> {
    let ctx = &sandbox.attached()?.ctx;
    let mails: Vec<Value> = ctx
        .mailer
        .mailbox()
        .into_iter()
        .map(|m| {
            json!({
                "at": m.at.to_rfc3339(),
                "to": m.email.to.as_str(),
                "subject": m.email.subject,
                "text": m.email.text,
                "html": m.email.html,
            })
        })
        .collect();
    Ok(Json(json!({ "emails": mails })))
}

async fn mailbox_page(State(sandbox): State<Sandbox>) -> Result<Response, ApiError> {
    let ctx = &sandbox.attached()?.ctx;
    let mails = ctx.mailer.mailbox();
    let mut body = String::from(
        "<header class=\"bar\"><a class=\"back\" href=\"/\">← Chat</a>\
         <h1>📬 Mailbox · Пошта · Почта</h1><a class=\"action\" href=\"/mailbox\">↻ Refresh</a></header>\
         <main class=\"page\">",
    );
    if matches!(ctx.mailer, crate::mail::Mailer::Smtp { .. }) {
        body.push_str(
            "<p class=\"hint\">SMTP_URL is set: the bot's emails go to that server and are not kept here.</p>",
        );
    } else {
        body.push_str(
            "<p class=\"hint\">The emails the bot sent, newest first. SMTP_URL is empty, so none of them \
             left this machine.</p>",
        );
    }
    if mails.is_empty() {
        body.push_str("<p class=\"empty\">No emails yet · Хат жоқ · Писем нет</p>");
    }
    for (i, m) in mails.iter().enumerate() {
        let at = m.at.with_timezone(&ctx.config.timezone).format("%d.%m.%Y %H:%M:%S");
        body.push_str(&format!(
            "<article class=\"mail\" data-index=\"{i}\">\
               <div class=\"mail-subject\">{subject}</div>\
               <div class=\"mail-meta\">To: <span class=\"mail-to\">{to}</span> · {at}</div>\
               <pre class=\"mail-text\">{text}</pre>\
               <details class=\"mail-html\"{open}><summary>HTML</summary>\
                 <iframe sandbox=\"\" referrerpolicy=\"no-referrer\" title=\"HTML version\" srcdoc=\"{html}\"></iframe>\
               </details>\
             </article>",
            subject = escape(&m.email.subject),
            to = escape(m.email.to.as_str()),
            text = escape(&m.email.text),
            // Shown, never trusted: a sandboxed frame runs no script and cannot reach this page.
            html = escape(&m.email.html),
            open = if i == 0 { " open" } else { "" },
        ));
    }
    body.push_str("</main>");
    Ok(html(layout("Mailbox · ent-bot sandbox", &body)))
}

// ───────────────────────────── payment page ─────────────────────────────

#[derive(sqlx::FromRow)]
struct Order {
    order_number: String,
    method: String,
    amount_tenge: i32,
    status: String,
    application_id: i64,
    application_status: String,
    payment_deadline: DateTime<Utc>,
    telegram_user_id: i64,
}

async fn find_order(db: &sqlx::PgPool, order_number: &str) -> Result<Option<Order>, ApiError> {
    // The schema's own shape for order numbers; anything else cannot exist.
    if !(10..=12).contains(&order_number.len()) || !order_number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "SELECT p.order_number, p.method::text AS method, p.amount_tenge, p.status::text AS status,
                a.id AS application_id, a.status::text AS application_status, a.payment_deadline,
                ap.telegram_user_id
         FROM payments p
         JOIN applications a ON a.id = p.application_id
         JOIN applicants ap ON ap.id = a.applicant_id
         WHERE p.order_number = $1",
    )
    .bind(order_number)
    .fetch_optional(db)
    .await?)
}

async fn pay_page(State(sandbox): State<Sandbox>, Path(order): Path<String>) -> Result<Response, ApiError> {
    let ctx = &sandbox.attached()?.ctx;
    render_pay(ctx, &order, None).await
}

#[derive(Deserialize)]
struct PayForm {
    action: String,
}

/// What the provider's side of the sandbox did: each HTTP call to our endpoints.
struct Call {
    request: String,
    status: u16,
    body: String,
    accepted: bool,
}

enum Outcome {
    Paid,
    Declined,
    Refused,
}

async fn pay_submit(
    State(sandbox): State<Sandbox>,
    Path(order): Path<String>,
    Form(form): Form<PayForm>,
) -> Result<Response, ApiError> {
    let attached = sandbox.attached()?;
    let ctx = &attached.ctx;
    let Some(found) = find_order(&ctx.db, &order).await? else {
        return render_pay(ctx, &order, None).await;
    };
    let flow = match (found.method.as_str(), form.action.as_str()) {
        ("card", "pay") => card_flow(&sandbox, attached, &found, true).await,
        ("card", "decline") => card_flow(&sandbox, attached, &found, false).await,
        ("kaspi", "kaspi") => kaspi_flow(&sandbox, attached, &found).await,
        _ => return Err(ApiError::bad_request("this order is not paid that way")),
    };
    render_pay(ctx, &order, Some(flow)).await
}

fn sum(order: &Order) -> String {
    format!("{}.00", order.amount_tenge)
}

fn random_txn_id() -> String {
    format!("{}", rand::random::<u64>() % 9_000_000_000 + 1_000_000_000)
}

/// The card gateway (TipTop Pay / CloudPayments): `check`, then `pay` or `fail`, each a
/// form POST signed with `Content-HMAC`, stopping when our endpoint refuses.
async fn card_flow(
    sandbox: &Sandbox,
    attached: &Attached,
    order: &Order,
    approve: bool,
) -> (Vec<Call>, Outcome) {
    let now = attached.ctx.clock.now();
    let mut fields: Vec<(&str, String)> = vec![
        ("TransactionId", random_txn_id()),
        ("Amount", sum(order)),
        ("Currency", "KZT".into()),
        ("PaymentAmount", sum(order)),
        ("PaymentCurrency", "KZT".into()),
        ("DateTime", now.format("%Y-%m-%d %H:%M:%S").to_string()),
        ("CardFirstSix", "400000".into()),
        ("CardLastFour", if approve { "0002".into() } else { "0036".into() }),
        ("CardType", "Visa".into()),
        ("CardExpDate", "12/29".into()),
        ("TestMode", "1".into()),
        ("OperationType", "Payment".into()),
        ("InvoiceId", order.order_number.clone()),
        ("AccountId", order.telegram_user_id.to_string()),
        ("Description", "ENT registration fee (sandbox)".into()),
    ];
    let mut calls = Vec::new();
    let check = card_call(sandbox, attached, "check", &fields).await;
    let go_on = check.accepted;
    calls.push(check);
    if !go_on {
        return (calls, Outcome::Refused);
    }
    let (kind, outcome) = if approve {
        fields.push(("Status", "Completed".into()));
        ("pay", Outcome::Paid)
    } else {
        fields.push(("Status", "Declined".into()));
        fields.push(("Reason", "InsufficientFunds".into()));
        fields.push(("ReasonCode", "5051".into()));
        ("fail", Outcome::Declined)
    };
    let call = card_call(sandbox, attached, kind, &fields).await;
    let accepted = call.accepted;
    calls.push(call);
    (calls, if accepted { outcome } else { Outcome::Refused })
}

async fn card_call(sandbox: &Sandbox, attached: &Attached, kind: &str, fields: &[(&str, String)]) -> Call {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let signature = sign(&attached.ctx.config.card_api_secret, body.as_bytes());
    let path = format!("/payments/card/{kind}");
    let request = format!("POST {path}\nContent-HMAC: {signature}\n\n{body}");
    let sent = sandbox
        .inner
        .http
        .post(format!("{}{path}", attached.callbacks_base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("Content-HMAC", signature)
        .body(body)
        .send()
        .await;
    finish_call(request, sent, |v| v["code"].as_i64() == Some(0)).await
}

/// Kaspi's biller protocol: `check`, then `pay` with the same transaction, from loopback.
async fn kaspi_flow(sandbox: &Sandbox, attached: &Attached, order: &Order) -> (Vec<Call>, Outcome) {
    let txn_id = random_txn_id();
    let txn_date = attached
        .ctx
        .clock
        .now()
        .with_timezone(&attached.ctx.config.timezone)
        .format("%Y%m%d%H%M%S")
        .to_string();
    let mut calls = Vec::new();
    for command in ["check", "pay"] {
        let mut pairs = vec![("command", command), ("txn_id", &txn_id)];
        if command == "pay" {
            pairs.push(("txn_date", &txn_date));
        }
        let amount = sum(order);
        pairs.extend([("account", order.order_number.as_str()), ("sum", &amount)]);
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let path = format!("/payments/kaspi?{query}");
        let sent = sandbox.inner.http.get(format!("{}{path}", attached.callbacks_base)).send().await;
        let call = finish_call(format!("GET {path}"), sent, |v| v["result"].as_i64() == Some(0)).await;
        let accepted = call.accepted;
        calls.push(call);
        if !accepted {
            return (calls, Outcome::Refused);
        }
    }
    (calls, Outcome::Paid)
}

async fn finish_call(
    request: String,
    sent: Result<reqwest::Response, reqwest::Error>,
    accepted: impl Fn(&Value) -> bool,
) -> Call {
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let ok = status == 200 && serde_json::from_str::<Value>(&body).is_ok_and(|v| accepted(&v));
            Call { request, status, body, accepted: ok }
        }
        Err(e) => Call { request, status: 0, body: format!("request failed: {e}"), accepted: false },
    }
}

/// Computed here rather than with `payments::card`, as the gateway computes it on its side:
/// a mistake in our verification then fails instead of agreeing with itself.
fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

async fn render_pay(
    ctx: &Ctx,
    order_number: &str,
    flow: Option<(Vec<Call>, Outcome)>,
) -> Result<Response, ApiError> {
    let Some(order) = find_order(&ctx.db, order_number).await? else {
        let body = format!(
            "<header class=\"bar\"><a class=\"back\" href=\"/\">← Chat</a><h1>Sandbox payment</h1></header>\
             <main class=\"page\"><p class=\"empty\">Order № {} was not found · Тапсырыс табылмады · \
             Заказ не найден</p></main>",
            escape(order_number)
        );
        let mut response = html(layout("Order not found · ent-bot sandbox", &body));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Ok(response);
    };
    let chat = format!("/?user={}", order.telegram_user_id);
    let fee = Money::try_from(order.amount_tenge).map(|m| m.to_string()).unwrap_or_default();
    let deadline = order.payment_deadline.with_timezone(&ctx.config.timezone).format("%d.%m.%Y %H:%M");
    let (method, class) = match order.method.as_str() {
        "kaspi" => ("Kaspi.kz", "kaspi"),
        _ => ("Bank card · Банк картасы · Банковская карта", "card"),
    };
    let mut body = format!(
        "<header class=\"bar\"><a class=\"back\" href=\"{chat}\">← Chat</a>\
         <h1>Sandbox payment · Төлем · Оплата</h1></header><main class=\"page\">"
    );
    if let Some((calls, outcome)) = &flow {
        let (class, text) = match outcome {
            Outcome::Paid => (
                "ok",
                "✅ Payment sent · Төлем жіберілді · Платёж отправлен. The bot confirms it in the chat.",
            ),
            Outcome::Declined => (
                "warn",
                "❌ The bank declined the payment · Банк төлемнен бас тартты · Банк отклонил платёж.",
            ),
            Outcome::Refused => ("warn", "⚠️ Our endpoint refused the payment: see its answer below."),
        };
        body.push_str(&format!(
            "<p class=\"result {class}\" id=\"result\">{text} <a href=\"{chat}\">Back to the chat →</a></p>"
        ));
        body.push_str("<section class=\"calls\"><h2>Provider calls to this server</h2>");
        for call in calls {
            body.push_str(&format!(
                "<div class=\"call {ok}\"><pre class=\"req\">{req}</pre><pre class=\"res\">← HTTP {status} {res}</pre></div>",
                ok = if call.accepted { "accepted" } else { "refused" },
                req = escape(&call.request),
                status = call.status,
                res = escape(&call.body),
            ));
        }
        body.push_str("</section>");
    }
    body.push_str(&format!(
        "<section class=\"checkout {class}\">\
           <div class=\"merchant\">ҰБТ · ЕНТ — National Testing Centre</div>\
           <div class=\"amount\">{fee}</div>\
           <dl>\
             <dt>Order № · Тапсырыс №</dt><dd id=\"order\">{order_number}</dd>\
             <dt>Method</dt><dd>{method}</dd>\
             <dt>Application · Өтініш</dt><dd>№{application} · {application_status}</dd>\
             <dt>Pay by · Төлем мерзімі</dt><dd>{deadline}</dd>\
             <dt>Payment status</dt><dd id=\"status\" class=\"status-{status}\">{status}</dd>\
           </dl>",
        order_number = escape(&order.order_number),
        application = order.application_id,
        application_status = escape(&order.application_status),
        status = escape(&order.status),
    ));
    let action = format!("/pay/{}", escape(&order.order_number));
    if order.status != "pending" {
        body.push_str(
            "<p class=\"hint\">This order no longer awaits payment. Paying again shows how our endpoints \
             refuse it.</p>",
        );
    }
    if order.method == "kaspi" {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{action}\">\
               <button class=\"pay kaspi\" name=\"action\" value=\"kaspi\" id=\"pay-kaspi\">Pay in Kaspi · Kaspi арқылы төлеу</button>\
             </form>"
        ));
    } else {
        body.push_str(&format!(
            "<div class=\"card-face\"><span>4000 0000 0000 0002</span><span>12/29</span><span>SANDBOX</span></div>\
             <form method=\"post\" action=\"{action}\" class=\"buttons\">\
               <button class=\"pay\" name=\"action\" value=\"pay\" id=\"pay-card\">Pay {fee} · Төлеу</button>\
               <button class=\"decline\" name=\"action\" value=\"decline\" id=\"decline-card\">Decline · Бас тарту</button>\
             </form>"
        ));
    }
    body.push_str(
        "<p class=\"hint\">Sandbox: no money moves. The buttons call this server's own payment \
         callbacks exactly as the provider would.</p></section></main>",
    );
    Ok(html(layout(&format!("Order {} · ent-bot sandbox", order.order_number), &body)))
}

// ───────────────────────────── HTML helpers ─────────────────────────────

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"kk\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/sandbox/sandbox.css\"></head>\
         <body class=\"doc\">{body}</body></html>",
        escape(title)
    )
}

/// For text and attribute values alike.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn signs_as_the_card_gateway_does() {
        // RFC 4231-style known answer: HMAC-SHA256("key", "The quick brown fox …"), Base64.
        let sig = sign("key", b"The quick brown fox jumps over the lazy dog");
        assert_eq!(sig, "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
    }
}
