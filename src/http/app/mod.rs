//! The Mini App under `/app/…`: a month calendar of the campaign's test days with free
//! seats, the times of a day with live counts, and the choice of a time, which continues
//! the wizard in the chat. Served from this binary (no CDN: it works on the offline
//! network like the console). Its API believes only an `initData` signed with our bot's
//! token at most an hour ago (`Authorization: tma <initData>`); anything else is 401.

pub mod init_data;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::format;
use crate::http::headers;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::miniapp::{self, Choice, Known};

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/app/", get(page))
        .route("/app/app.js", get(js))
        .route("/app/app.css", get(css))
        .route("/app/api/start", get(start))
        .route("/app/api/days", get(days))
        .route("/app/api/slots", get(slots))
        .route("/app/api/choose", post(choose))
        .layer(axum::middleware::map_response(security_headers))
}

/// Telegram shows the page in its own frame (web clients), so framing is allowed.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'none'";

async fn security_headers(response: Response) -> Response {
    headers::secure(response, CSP)
}

const PAGE: &str = include_str!("../../../assets/app/index.html");
const JS: &str = include_str!("../../../assets/app/app.js");
const CSS: &str = include_str!("../../../assets/app/app.css");

async fn page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response()
}

async fn js() -> Response {
    headers::javascript(JS)
}

async fn css() -> Response {
    headers::css(CSS)
}

/// The Telegram user a verified `initData` names, known to the bot.
pub struct AppUser {
    pub id: i64,
    pub known: Known,
    pub locale: Locale,
}

impl FromRequestParts<Ctx> for AppUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let unauthorized =
            |why: &str| (StatusCode::UNAUTHORIZED, Json(json!({ "error": why }))).into_response();
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("tma "))
            .ok_or_else(|| unauthorized("no initData"))?;
        let launch =
            init_data::verify(given, ctx.config.effective_bot_token(), ctx.clock.now()).map_err(|e| {
                tracing::info!(error = %e, "mini app request refused");
                unauthorized("invalid initData")
            })?;
        let known = miniapp::known(ctx, launch.user_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| unauthorized("unknown user"))?;
        let locale = known.locale.unwrap_or(Locale::Kk);
        Ok(AppUser { id: launch.user_id, known, locale })
    }
}

fn internal(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "mini app request failed");
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "internal" }))).into_response()
}

async fn campaign(ctx: &Ctx) -> Result<i64, Response> {
    miniapp::current_campaign(ctx)
        .await
        .map_err(internal)?
        .ok_or_else(|| (StatusCode::NOT_FOUND, Json(json!({ "error": "no campaign" }))).into_response())
}

/// The texts of the page in the user's language (`miniapp-*` in `locales/`).
const TEXTS: &[&str] = &[
    "miniapp-title",
    "miniapp-search",
    "miniapp-no-city",
    "miniapp-pick-day",
    "miniapp-pick-time",
    "miniapp-full",
    "miniapp-back",
    "miniapp-sent",
    "miniapp-taken",
    "miniapp-failed",
    "miniapp-months",
    "miniapp-weekdays",
    "miniapp-choose",
];

async fn start(State(ctx): State<Ctx>, user: AppUser) -> Response {
    let campaign = match campaign(&ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = user.locale;
    let cities = match miniapp::cities(&ctx, campaign).await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let texts: serde_json::Map<String, serde_json::Value> =
        TEXTS.iter().map(|id| (id.to_string(), ctx.i18n.t(l, id).into())).collect();
    let cities: Vec<_> = cities
        .iter()
        .map(
            |c| json!({ "id": c.id, "name": c.name.text(l), "other": c.name.text(other(l)), "free": c.free }),
        )
        .collect();
    Json(json!({ "locale": l.code(), "texts": texts, "cities": cities })).into_response()
}

fn other(l: Locale) -> Locale {
    if l == Locale::Kk { Locale::Ru } else { Locale::Kk }
}

#[derive(Deserialize)]
struct CityQuery {
    city: i32,
}

async fn days(State(ctx): State<Ctx>, user: AppUser, Query(q): Query<CityQuery>) -> Response {
    let campaign = match campaign(&ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match miniapp::days(&ctx, campaign, q.city).await {
        Ok(days) => {
            let days: Vec<_> = days
                .iter()
                .map(|d| {
                    json!({ "date": d.date.to_string(), "label": format::long_date(d.date, user.locale),
                            "free": d.free, "capacity": d.capacity })
                })
                .collect();
            Json(json!({ "days": days })).into_response()
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct DayQuery {
    city: i32,
    date: NaiveDate,
}

async fn slots(State(ctx): State<Ctx>, user: AppUser, Query(q): Query<DayQuery>) -> Response {
    let campaign = match campaign(&ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let tz = ctx.config.timezone;
    match miniapp::slots(&ctx, campaign, q.city, q.date).await {
        Ok(slots) => {
            let slots: Vec<_> = slots
                .iter()
                .map(|s| {
                    json!({ "id": s.id, "time": format::time(s.starts_at, tz), "venue": s.venue.text(user.locale),
                            "free": s.free })
                })
                .collect();
            Json(json!({ "slots": slots })).into_response()
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct ChooseBody {
    slot: i64,
}

async fn choose(State(ctx): State<Ctx>, user: AppUser, Json(body): Json<ChooseBody>) -> Response {
    let campaign = match campaign(&ctx).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let button = ctx.i18n.t(user.locale, "miniapp-button");
    match miniapp::choose(&ctx, (user.id, &user.known), campaign, body.slot, &button).await {
        Ok(Choice::Sent) => (StatusCode::ACCEPTED, Json(json!({ "ok": true }))).into_response(),
        Ok(Choice::Unavailable) => (StatusCode::CONFLICT, Json(json!({ "error": "taken" }))).into_response(),
        Err(e) => internal(e),
    }
}
