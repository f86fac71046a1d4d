//! The sandbox's pages (sandbox mode, DESIGN §3; wired by [`crate::sandbox::start`]), for
//! a person at a browser, next to the Bot API emulator on the same server:
//! - `/` — a Telegram-like chat with the bot, acting as one of a few simulated users; its
//!   JSON API is under `/sandbox/api/` (`chat.rs`);
//! - `/mailbox` — the emails the bot sent (the in-memory mailer), newest first (`mailbox.rs`);
//! - `/pay/<order>` — a payment page that calls our own card and Kaspi callback endpoints
//!   over HTTP, signed and shaped exactly as the providers would send them, so a sandbox
//!   payment goes through the same code as a real one (`payment_page.rs`).
//!
//! Bot text is plain text: the chat page renders it with `textContent`, and the
//! server-rendered pages come from templates that escape everything they print
//! ([`crate::http::templates`]); email HTML is shown in a sandboxed iframe.

mod chat;
mod mailbox;
mod payment_page;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::value::Value as TemplateValue;
use serde_json::json;
use telegram_emulator::{EmuUser, Emulator, EmulatorConfig};

use crate::http::{headers, templates};
use crate::runtime::probe::UpdateProbe;
use crate::services::Ctx;

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
    /// An emulated Telegram that accepts the bot `token`, with the [`USERS`] in it.
    pub fn new(token: &str) -> Sandbox {
        let emulator = Emulator::new(EmulatorConfig {
            token: token.to_owned(),
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

    /// Gives the pages the running app: its context, its update probe and the address its
    /// HTTP server listens on. Until then they answer 503.
    pub fn attach(&self, ctx: Ctx, probe: UpdateProbe, http_addr: SocketAddr) {
        // Listening on every interface still answers on loopback, which Kaspi's
        // allow-list (loopback only by default) requires of the caller.
        let ip = match http_addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let callbacks_base = format!("http://{}", SocketAddr::new(ip, http_addr.port()));
        let _ = self.inner.attached.set(Attached { ctx, probe, callbacks_base });
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

    /// The pages, their JSON API and the emulated Bot API, to merge into the app's server.
    pub fn router(&self) -> Router {
        let pages = Router::new()
            .route("/", get(chat::page))
            .route("/sandbox/chat.js", get(chat_js))
            .route("/sandbox/sandbox.css", get(sandbox_css))
            .route("/sandbox/api/users", get(chat::api_users))
            .route("/sandbox/api/chat", get(chat::api_chat))
            .route("/sandbox/api/handled", get(chat::api_handled))
            .route("/sandbox/api/send", post(chat::api_send))
            .route("/sandbox/api/press", post(chat::api_press))
            .route("/sandbox/api/reply", post(chat::api_reply))
            .route("/sandbox/api/contact", post(chat::api_contact))
            .route("/sandbox/api/file", post(chat::api_file))
            .route("/sandbox/api/language", post(chat::api_language))
            .route("/sandbox/api/orders", get(chat::api_orders))
            .route("/sandbox/api/web_app", post(chat::api_web_app))
            .route("/sandbox/api/mailbox", get(mailbox::api_mailbox))
            .route("/mailbox", get(mailbox::page))
            .route("/pay/{order}", get(payment_page::page).post(payment_page::submit))
            .layer(axum::middleware::map_response(security_headers))
            .with_state(self.clone());
        pages.merge(self.inner.emulator.router())
    }
}

/// The pages show what strangers typed (names, emails); nothing of it may run as script.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'";

async fn security_headers(response: Response) -> Response {
    headers::secure(response, CSP)
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

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{e:#}"), "sandbox: a query failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "database error")
    }
}

impl From<minijinja::Error> for ApiError {
    fn from(e: minijinja::Error) -> ApiError {
        tracing::error!(error = %e, "sandbox: a page template failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "template error")
    }
}

// ───────────────────────────── pages and assets ─────────────────────────────

const CHAT_JS: &str = include_str!("../../../assets/sandbox/chat.js");
const SANDBOX_CSS: &str = include_str!("../../../assets/sandbox/sandbox.css");

async fn chat_js() -> Response {
    headers::javascript(CHAT_JS)
}

async fn sandbox_css() -> Response {
    headers::css(SANDBOX_CSS)
}

/// The template `name` rendered with `context`, as an HTML page.
fn html_page(name: &str, context: TemplateValue) -> Result<Response, ApiError> {
    let body = templates::render(name, context)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}
