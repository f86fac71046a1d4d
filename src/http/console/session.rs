//! The session page: each campaign's timeline and figures (operators read it); an admin
//! changes a campaign's settings, adds or edits a venue, or uploads a venue or slot sheet,
//! sees the plan, and applies it. Every change is a changed session file run through the
//! same check, plan and apply as `ent-bot session apply`.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, Staff, fmt, page};
use crate::domain::StaffAction;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::console::session_page::{self as service, CampaignFigures, Proposal, Sheet};
use crate::session::{Options, SessionError};

fn campaign(ctx: &Ctx, c: &CampaignFigures, l: Locale) -> minijinja::Value {
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&ctx.config.timezone).format("%Y-%m-%d %H:%M").to_string()
    };
    let now = ctx.clock.now();
    let state = if now < c.opens_at {
        "console-session-upcoming"
    } else if now < c.closes_at {
        "console-session-open"
    } else {
        "console-session-closed"
    };
    context! {
        code => c.code.clone(), name => c.name.text(l),
        state => state,
        opens => fmt::when(ctx, c.opens_at, l), closes => fmt::when(ctx, c.closes_at, l),
        database_closes => c.database_closes_at.map(|t| fmt::when(ctx, t, l)),
        tests_from => c.tests_from.map(|d| d.to_string()), tests_until => c.tests_until.map(|d| d.to_string()),
        fee => c.fee_tenge, window => c.payment_window_minutes,
        venues => c.venues, slots => c.slots, capacity => c.capacity, booked => c.booked,
        awaiting => c.awaiting, paid => c.paid,
        form => context! {
            registration_opens => local(c.opens_at), registration_closes => local(c.closes_at),
            database_closes => c.database_closes_at.map(local).unwrap_or_default(),
            tests_from => c.tests_from.map(|d| d.to_string()).unwrap_or_default(),
            tests_until => c.tests_until.map(|d| d.to_string()).unwrap_or_default(),
        },
    }
}

pub async fn list(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Session)?;
    let l = staff.locale();
    let campaigns = service::campaigns(&ctx).await?;
    let rows: Vec<_> = campaigns.iter().map(|c| campaign(&ctx, c, l)).collect();
    page(&ctx, &staff, "console/session.html", context! { campaigns => rows })
}

/// The plan of a proposal, with the form that applies it (or what is wrong with it).
fn proposal(ctx: &Ctx, staff: &Staff, code: &str, mut p: Proposal) -> Result<Response, ConsoleError> {
    // A check returns its refusals in the plan; an apply, as an error: one shape here.
    if let Ok(plan) = &p.outcome
        && !plan.refusals.is_empty()
    {
        p.outcome = Err(SessionError::Refused(Box::new(plan.clone())));
    }
    let (plan, problems, ok) = match &p.outcome {
        Ok(plan) => (plan.to_string(), String::new(), !plan.is_empty()),
        Err(SessionError::Refused(plan)) => (plan.to_string(), String::new(), false),
        Err(SessionError::Invalid(problems)) => {
            (String::new(), problems.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"), false)
        }
        Err(SessionError::Db(e)) => return Err(ConsoleError::Internal(anyhow::anyhow!("{e}"))),
    };
    let refused = matches!(p.outcome, Err(SessionError::Refused(_)));
    let unprocessable = problems_or_refused(&p);
    let live = p.outcome.as_ref().is_ok_and(|plan| !plan.live_changes.is_empty());
    let values = context! {
        code => code, plan => plan, problems => problems, applicable => ok, refused => refused,
        live => live, text => p.text, done => false,
    };
    let mut r = page(ctx, staff, "console/session_plan.html", values)?;
    if !unprocessable {
        return Ok(r);
    }
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

fn problems_or_refused(p: &Proposal) -> bool {
    matches!(p.outcome, Err(SessionError::Invalid(_) | SessionError::Refused(_)))
}

async fn current(ctx: &Ctx, code: &str) -> Result<toml::Table, ConsoleError> {
    service::current(ctx, code).await?.ok_or(ConsoleError::NotFound)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    csrf: String,
    registration_opens: String,
    registration_closes: String,
    database_closes: String,
    tests_from: String,
    tests_until: String,
    fee_tenge: String,
    payment_window_minutes: String,
}

pub async fn settings(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::EditSession, &f.csrf)?;
    let file = current(&ctx, &code).await?;
    let form = [
        ("registration_opens", f.registration_opens.as_str()),
        ("registration_closes", f.registration_closes.as_str()),
        ("database_closes", f.database_closes.as_str()),
        ("tests_from", f.tests_from.as_str()),
        ("tests_until", f.tests_until.as_str()),
        ("fee_tenge", f.fee_tenge.as_str()),
        ("payment_window_minutes", f.payment_window_minutes.as_str()),
    ];
    let p = service::propose(&ctx, &service::with_settings(file, &form)).await?;
    proposal(&ctx, &staff, &code, p)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VenueForm {
    csrf: String,
    code: String,
    city: String,
    name_kk: String,
    name_ru: String,
    address_kk: String,
    address_ru: String,
}

pub async fn venue(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<VenueForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::EditSession, &f.csrf)?;
    let file = current(&ctx, &code).await?;
    let row = [&*f.code, &*f.city, &*f.name_kk, &*f.name_ru, &*f.address_kk, &*f.address_ru];
    let p = service::propose(&ctx, &service::with_venue(file, row)).await?;
    proposal(&ctx, &staff, &code, p)
}

/// A venue or slot sheet (multipart: `csrf`, `kind` venues|slots, `file`).
pub async fn sheet(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(code): Path<String>,
    mut form: Multipart,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::EditSession)?;
    let (mut csrf, mut kind, mut upload) = (String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|_| ConsoleError::BadRequest)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(|_| ConsoleError::BadRequest)?,
            "kind" => kind = field.text().await.map_err(|_| ConsoleError::BadRequest)?,
            "file" => {
                let name = field.file_name().unwrap_or("sheet.csv").to_owned();
                let bytes = field.bytes().await.map_err(|_| ConsoleError::BadRequest)?;
                upload = Some((name, bytes));
            }
            _ => {}
        }
    }
    staff.csrf(&csrf)?;
    let sheet = match kind.as_str() {
        "venues" => Sheet::Venues,
        "slots" => Sheet::Slots,
        _ => return Err(ConsoleError::BadRequest),
    };
    let (name, bytes) = upload.filter(|(_, b)| !b.is_empty()).ok_or(ConsoleError::BadRequest)?;
    let file = current(&ctx, &code).await?;
    let p = service::with_sheet(&ctx, file, sheet, &name, &bytes).await?;
    proposal(&ctx, &staff, &code, p)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplyForm {
    csrf: String,
    text: String,
    allow_live_changes: Option<String>,
    notify: Option<String>,
}

pub async fn apply(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<ApplyForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::EditSession, &f.csrf)?;
    let opts = Options { notify: f.notify.is_some(), allow_live_changes: f.allow_live_changes.is_some() };
    let outcome = service::apply(&ctx, staff.0.user, &code, &f.text, opts).await;
    if let Ok(plan) = &outcome {
        let values = context! {
            code => code, plan => plan.to_string(), problems => "", applicable => false, refused => false,
            live => false, text => "", done => true,
        };
        return page(&ctx, &staff, "console/session_plan.html", values);
    }
    proposal(&ctx, &staff, &code, Proposal { text: f.text, outcome })
}
