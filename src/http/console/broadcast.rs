//! The broadcast composer: audience and text → preview with the recipient count → send
//! (`services::notifications::broadcast`, the same as the bot's `/broadcast`) → live
//! progress. Admins only.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, Staff, opt, page};
use crate::domain::StaffAction;
use crate::services::Ctx;
use crate::services::console;
use crate::services::notifications::{self, Audience};

pub async fn compose(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Broadcast)?;
    form_page(&ctx, &staff, &BroadcastForm::default(), None).await
}

async fn form_page(
    ctx: &Ctx,
    staff: &Staff,
    f: &BroadcastForm,
    error: Option<&str>,
) -> Result<Response, ConsoleError> {
    let l = staff.locale();
    let values = context! {
        f => context! { audience => f.audience.clone(), status => f.status.clone().unwrap_or_default(),
                        city => opt::<i32>(&f.city).unwrap_or_default(), venue => opt::<i32>(&f.venue).unwrap_or_default(),
                        text => f.text.clone() },
        statuses => crate::domain::ApplicationStatus::ALL.map(|st| st.as_str()),
        cities => super::applications::cities(ctx, l).await?,
        venues => super::applications::venues(ctx, l).await?,
        error => error,
        max => notifications::MAX_TEXT_CHARS,
    };
    page(ctx, staff, "console/broadcast.html", values)
}

#[derive(Deserialize, Default)]
pub struct BroadcastForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    audience: String,
    status: Option<String>,
    city: Option<String>,
    venue: Option<String>,
    #[serde(default)]
    text: String,
    /// The preview's one-time key: the same confirmation sent twice starts one broadcast.
    #[serde(default)]
    key: String,
}

async fn audience(ctx: &Ctx, f: &BroadcastForm) -> Result<Option<Audience>, ConsoleError> {
    let value = match f.audience.as_str() {
        "status" => f.status.as_deref(),
        "city" => f.city.as_deref(),
        "venue" => f.venue.as_deref(),
        _ => None,
    };
    Ok(notifications::audience(&f.audience, value, console::campaign_id(ctx).await?))
}

pub async fn preview(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<BroadcastForm>,
) -> Result<Response, ConsoleError> {
    let (audience, text) = checked(&ctx, &staff, &f).await?;
    confirm_page(&ctx, &staff, &f, &audience, text).await
}

/// The role, the CSRF token, then the audience and the text: both or the form again with
/// what is wrong (a preview and a send check the same).
async fn checked<'f>(
    ctx: &Ctx,
    staff: &Staff,
    f: &'f BroadcastForm,
) -> Result<(Audience, &'f str), ConsoleError> {
    staff.posts(StaffAction::Broadcast, &f.csrf)?;
    let text = f.text.trim();
    let Some(audience) = audience(ctx, f).await? else {
        return Err(ConsoleError::page(
            form_page(ctx, staff, f, Some("console-broadcast-no-audience")).await?,
        ));
    };
    if !notifications::text_fits(text) {
        return Err(ConsoleError::page(form_page(ctx, staff, f, Some("console-broadcast-bad-text")).await?));
    }
    Ok((audience, text))
}

/// The preview with the count, and a fresh one-time key for its send button.
async fn confirm_page(
    ctx: &Ctx,
    staff: &Staff,
    f: &BroadcastForm,
    audience: &Audience,
    text: &str,
) -> Result<Response, ConsoleError> {
    let count = notifications::audience_size(ctx, audience).await?;
    let values = context! {
        f => context! { audience => f.audience.clone(), status => f.status.clone().unwrap_or_default(),
                        city => f.city.clone().unwrap_or_default(), venue => f.venue.clone().unwrap_or_default(),
                        text => text },
        count => count,
        key => notifications::new_broadcast_key(),
    };
    page(ctx, staff, "console/broadcast_confirm.html", values)
}

pub async fn send(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<BroadcastForm>,
) -> Result<Response, ConsoleError> {
    let (audience, text) = checked(&ctx, &staff, &f).await?;
    if !notifications::is_broadcast_key(&f.key) {
        // A form from before keys existed, or a forged one: confirm again, with a key.
        return confirm_page(&ctx, &staff, &f, &audience, text).await;
    }
    let (id, _, _) = notifications::broadcast_once(&ctx, staff.0.user, &f.key, &audience, text, None).await?;
    Ok(Redirect::to(&format!("/console/broadcast/{id}")).into_response())
}

async fn progress_values(ctx: &Ctx, id: i64) -> Result<minijinja::Value, ConsoleError> {
    let p = console::broadcast_progress(ctx, id).await?.ok_or(ConsoleError::NotFound)?;
    let done = p.sent + p.failed;
    let percent = if p.total > 0 { done * 100 / i64::from(p.total) } else { 100 };
    Ok(
        context! { id => p.id, status => minijinja::value::Serde(p.status), total => p.total, sent => p.sent, failed => p.failed,
        pending => p.pending, percent => percent, finished => p.pending == 0 },
    )
}

pub async fn progress(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, ConsoleError> {
    progress_page(&ctx, &staff, id, "console/broadcast_progress.html").await
}

pub async fn live(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, ConsoleError> {
    progress_page(&ctx, &staff, id, "console/broadcast_live.html").await
}

/// The page, or the part of it that refreshes itself, with the broadcast's progress.
async fn progress_page(ctx: &Ctx, staff: &Staff, id: i64, template: &str) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Broadcast)?;
    let values = context! { p => progress_values(ctx, id).await? };
    page(ctx, staff, template, values)
}
