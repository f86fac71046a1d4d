//! The staff web console under `/console/…` (DESIGN §3 "Operations"). Sign-in is a
//! one-time link from the bot's `/console`; every page checks the session and the role
//! (operators read, search and export; admins also act), and every POST carries the
//! session's CSRF token. Pages are minijinja templates in `templates/console/`, texts from
//! `locales/{kk,ru}/console.ftl` in the staff member's language.

mod applications;
mod audit;
mod broadcast;
mod exports;
mod login;
mod overview;
mod rebinds;
mod refunds;
mod retests;
mod session;
mod slots;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use fluent_bundle::FluentValue;
use minijinja::value::{Kwargs, Value};

use crate::domain::StaffAction;
use crate::http::{headers, templates};
use crate::i18n::{I18n, Locale};
use crate::services::Ctx;
use crate::services::console::{self, StaffSession};

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(overview::page))
        .route("/console/overview/live", get(overview::live))
        .route("/console/login", get(login::login))
        .route("/console/logout", post(login::logout))
        .route("/console/applications", get(applications::list).post(applications::search))
        .route("/console/applications/{id}", get(applications::detail))
        .route("/console/applications/{id}/{action}", get(applications::confirm).post(applications::act))
        .route("/console/slots", get(slots::list))
        .route("/console/slots/{id}", get(slots::edit).post(slots::apply))
        .route("/console/slots/{id}/preview", post(slots::preview))
        .route("/console/refunds", get(refunds::list))
        .route("/console/refunds/{payment}/done", post(refunds::done))
        .route("/console/rebinds", get(rebinds::list))
        .route("/console/rebinds/preview", post(rebinds::preview))
        .route("/console/rebinds/apply", post(rebinds::apply))
        .route("/console/rebinds/{id}", get(rebinds::request))
        .route("/console/rebinds/{id}/refuse", post(rebinds::refuse))
        .route("/console/retests", get(retests::list))
        .route("/console/retests/{id}", get(retests::detail))
        .route("/console/retests/{id}/documents/{n}", get(retests::document))
        .route("/console/retests/{id}/approve", post(retests::approve))
        .route("/console/retests/{id}/refuse", post(retests::refuse))
        .route("/console/late-registrations", post(retests::late_registration))
        .route("/console/exports", get(exports::page))
        .route("/console/exports/download", get(exports::download))
        .route("/console/audit", get(audit::page))
        .route("/console/broadcast", get(broadcast::compose))
        .route("/console/broadcast/preview", post(broadcast::preview))
        .route("/console/broadcast/send", post(broadcast::send))
        .route("/console/broadcast/{id}", get(broadcast::progress))
        .route("/console/broadcast/{id}/live", get(broadcast::live))
        .route("/console/session", get(session::list))
        .route("/console/session/{code}/settings", post(session::settings))
        .route("/console/session/{code}/venue", post(session::venue))
        .route("/console/session/{code}/sheet", post(session::sheet))
        .route("/console/session/{code}/apply", post(session::apply))
        .route("/console/console.css", get(css))
        .route("/console/console.js", get(js))
        .layer(axum::middleware::map_response(security_headers))
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

async fn security_headers(response: Response) -> Response {
    headers::secure(response, CSP)
}

const CSS: &str = include_str!("../../../assets/console/console.css");
const JS: &str = include_str!("../../../assets/console/console.js");

async fn css() -> Response {
    headers::css(CSS)
}

async fn js() -> Response {
    headers::javascript(JS)
}

// ───────────────────────────── session, roles, CSRF ─────────────────────────────

/// A signed-in staff member (any role). Without a live session the request is refused.
pub struct Staff(pub StaffSession);

impl FromRequestParts<Ctx> for Staff {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, console::COOKIE).unwrap_or_default();
        match console::session(ctx, &token).await {
            Ok(Some(s)) => Ok(Staff(s)),
            Ok(None) => Err(ConsoleError::SignedOut),
            Err(e) => Err(ConsoleError::Internal(e)),
        }
    }
}

/// The value of a cookie; never logged.
pub(crate) fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|pair| {
            let (k, val) = pair.trim().split_once('=')?;
            (k == name).then(|| val.to_string())
        })
    })
}

/// A form that carries nothing but its CSRF token (a button that does one thing).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

impl Staff {
    /// 403 unless the permission table lets his role take `action`.
    pub fn may(&self, action: StaffAction) -> Result<(), ConsoleError> {
        if self.0.may(action) { Ok(()) } else { Err(ConsoleError::Forbidden) }
    }

    pub fn csrf(&self, given: &str) -> Result<(), ConsoleError> {
        if self.0.csrf_ok(given) { Ok(()) } else { Err(ConsoleError::Csrf) }
    }

    /// A form that changes something: his role may take `action`, and the form is his.
    pub fn posts(&self, action: StaffAction, csrf: &str) -> Result<(), ConsoleError> {
        self.may(action)?;
        self.csrf(csrf)
    }

    pub fn locale(&self) -> Locale {
        self.0.locale
    }
}

#[derive(Debug)]
pub enum ConsoleError {
    SignedOut,
    Forbidden,
    Csrf,
    NotFound,
    BadRequest,
    /// The request is answered with this page instead (the form again, saying what is wrong).
    Page(Box<Response>),
    Internal(anyhow::Error),
}

impl ConsoleError {
    /// Answers with `page` instead of the page the handler was building.
    pub fn page(page: Response) -> ConsoleError {
        ConsoleError::Page(Box::new(page))
    }
}

impl<E: Into<anyhow::Error>> From<E> for ConsoleError {
    fn from(e: E) -> Self {
        ConsoleError::Internal(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let show_hint = matches!(self, ConsoleError::SignedOut);
        let (status, key) = match self {
            ConsoleError::Page(page) => return *page,
            ConsoleError::SignedOut => (StatusCode::UNAUTHORIZED, "console-signed-out"),
            ConsoleError::Forbidden => (StatusCode::FORBIDDEN, "console-forbidden"),
            ConsoleError::Csrf => (StatusCode::FORBIDDEN, "console-csrf"),
            ConsoleError::NotFound => (StatusCode::NOT_FOUND, "console-not-found"),
            ConsoleError::BadRequest => (StatusCode::BAD_REQUEST, "console-bad-request"),
            ConsoleError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "console: a request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "console-error")
            }
        };
        let i18n = i18n();
        let body = templates::render(
            "console/message.html",
            minijinja::context! {
                lang => "kk",
                title => i18n.t(Locale::Ru, key),
                messages => Locale::ALL.iter().map(|l| i18n.t(*l, key)).collect::<Vec<_>>(),
                hints => Locale::ALL.iter().map(|l| i18n.t(*l, "console-how-to-sign-in")).collect::<Vec<_>>(),
                show_hint => show_hint,
            },
        )
        .unwrap_or_else(|_| "error".into());
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
    }
}

/// The error pages have no session (so no `Ctx` at hand): the texts are the same bundles.
fn i18n() -> Arc<I18n> {
    static I18N: std::sync::OnceLock<Arc<I18n>> = std::sync::OnceLock::new();
    I18N.get_or_init(|| Arc::new(I18n::load().expect("the embedded locales load"))).clone()
}

/// A template function `t("key", name=value…)` translating into `locale`.
fn translator(i18n: Arc<I18n>, locale: Locale) -> Value {
    Value::from_function(move |key: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
        let mut args: Vec<(&str, FluentValue)> = vec![];
        let names: Vec<String> = kwargs.args().map(str::to_string).collect();
        for name in &names {
            let v: Value = kwargs.get(name)?;
            let fv: FluentValue = match v.as_i64() {
                Some(n) => n.into(),
                None => v.to_string().into(),
            };
            args.push((name.as_str(), fv));
        }
        Ok(i18n.f(locale, key, &args))
    })
}

/// Renders a console page for the signed-in staff member: the layout gets his name, role,
/// language, the CSRF token for forms and `t`.
pub fn page(ctx: &Ctx, staff: &Staff, name: &str, values: Value) -> Result<Response, ConsoleError> {
    let s = &staff.0;
    let context = minijinja::context! {
        t => translator(ctx.i18n.clone(), s.locale),
        lang => s.locale.code(),
        me => minijinja::context! { id => s.user, name => s.name.clone(), role => s.role.as_str(),
                                    may => StaffAction::ALL.iter().map(|a| (a.as_str(), s.may(*a)))
                                        .collect::<std::collections::BTreeMap<_, _>>() },
        csrf => s.csrf_token(),
        ..values
    };
    let body = templates::render(name, context)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

/// A page outside a session (sign-in results) in the given language.
pub fn public_page(ctx: &Ctx, locale: Locale, status: StatusCode, key: &str, hint: bool) -> Response {
    let body = templates::render(
        "console/message.html",
        minijinja::context! {
            lang => locale.code(),
            title => ctx.i18n.t(locale, key),
            messages => Locale::ALL.iter().map(|l| ctx.i18n.t(*l, key)).collect::<Vec<_>>(),
            hints => Locale::ALL.iter().map(|l| ctx.i18n.t(*l, "console-how-to-sign-in")).collect::<Vec<_>>(),
            show_hint => hint,
        },
    );
    match body {
        Ok(b) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], b).into_response(),
        Err(e) => ConsoleError::from(e).into_response(),
    }
}

/// Optional form and query values: an empty field is no filter.
pub fn opt<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}

/// Formats for pages.
pub mod fmt {
    use chrono::{DateTime, Utc};

    use crate::format;
    use crate::i18n::Locale;
    use crate::services::Ctx;

    pub fn when(ctx: &Ctx, at: DateTime<Utc>, l: Locale) -> String {
        let tz = ctx.config.timezone;
        format!("{} {}", format::short_date(format::local_date(at, tz), l), format::time(at, tz))
    }

    pub fn stamp(ctx: &Ctx, at: DateTime<Utc>) -> String {
        at.with_timezone(&ctx.config.timezone).format("%Y-%m-%d %H:%M:%S").to_string()
    }
}
