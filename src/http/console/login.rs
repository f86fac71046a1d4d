//! `GET /console/login?token=…` (the link from the bot) and `POST /console/logout`.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{ConsoleError, CsrfForm, Staff, public_page};
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::console::{self, SignIn};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    token: String,
}

fn session_cookie(ctx: &Ctx, value: &str, max_age: i64) -> HeaderValue {
    let secure = if ctx.config.http.public_url.scheme() == "https" { "; Secure" } else { "" };
    let cookie = format!(
        "{}={value}; Path=/console; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        console::COOKIE
    );
    HeaderValue::from_str(&cookie).expect("a cookie of URL-safe characters")
}

pub async fn login(State(ctx): State<Ctx>, Query(q): Query<LoginQuery>) -> Result<Response, ConsoleError> {
    let outcome = console::sign_in(&ctx, &q.token).await?;
    let l = Locale::Ru;
    Ok(match outcome {
        SignIn::SignedIn { session_token, .. } => {
            let cookie = session_cookie(&ctx, &session_token, console::SESSION_HOURS * 3600);
            let mut response = Redirect::to("/console/").into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        SignIn::Used => public_page(&ctx, l, StatusCode::GONE, "console-link-used", true),
        SignIn::Expired => public_page(&ctx, l, StatusCode::GONE, "console-link-expired", true),
        SignIn::Invalid => public_page(&ctx, l, StatusCode::BAD_REQUEST, "console-link-invalid", true),
    })
}

pub async fn logout(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    staff.csrf(&f.csrf)?;
    console::sign_out(&ctx, &staff.0).await?;
    let mut response = public_page(&ctx, staff.locale(), StatusCode::OK, "console-signed-out-done", true);
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&ctx, "", 0));
    Ok(response)
}
