//! Re-binding IINs (security review finding 6): the queue of applicants' requests (every
//! view audited), a request in full, and an admin's re-bind behind a confirmation page
//! (the same use case as the bot's `/rebind`) or refusal with a note. IINs travel in POST
//! bodies only, never in a URL.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

use super::{ConsoleError, Staff, fmt, page};
use crate::domain::{Iin, StaffAction};
use crate::services::Ctx;
use crate::services::console;
use crate::services::identity::{self, Rebind, RebindRequest};

pub async fn list(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Find)?;
    render(&ctx, &staff, None).await
}

async fn render(ctx: &Ctx, staff: &Staff, notice: Option<Value>) -> Result<Response, ConsoleError> {
    let rows = identity::open_requests(ctx, staff.0.user).await?;
    let rows = rows.iter().map(|r| row(ctx, r, true)).collect::<Vec<_>>();
    page(ctx, staff, "console/rebinds.html", context! { rows => rows, notice => notice })
}

/// A request for a page: masked in the list, in full on its own page.
fn row(ctx: &Ctx, r: &RebindRequest, masked: bool) -> Value {
    let (iin, email, phone) = if masked {
        (
            console::mask_iin(Some(&r.iin)),
            console::mask_email(r.email.as_deref()),
            console::mask_phone(r.phone.as_deref()),
        )
    } else {
        (r.iin.clone(), r.email.clone().unwrap_or_default(), r.phone.clone().unwrap_or_default())
    };
    context! {
        id => r.id, telegram => r.telegram_user_id, name => r.first_name.clone().unwrap_or_default(),
        iin => iin, email => email, phone => phone, status => minijinja::value::Serde(r.status),
        holder => r.holder, at => fmt::stamp(ctx, r.created_at),
        resolved => r.resolved_at.map(|t| fmt::stamp(ctx, t)).unwrap_or_default(),
        resolved_by => r.resolved_by, note => r.note.clone().unwrap_or_default(),
    }
}

pub async fn request(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Find)?;
    let Some(r) = identity::request(&ctx, staff.0.user, id).await? else {
        return Err(ConsoleError::NotFound);
    };
    page(&ctx, &staff, "console/rebind_request.html", context! { r => row(&ctx, &r, false) })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RebindForm {
    csrf: String,
    iin: String,
    telegram: String,
}

impl RebindForm {
    fn parse(&self) -> Option<(Iin, i64)> {
        Some((Iin::parse(&self.iin).ok()?, self.telegram.trim().parse().ok()?))
    }
}

/// The role, the CSRF token, then the IIN and the Telegram id, or the page again saying
/// they are not valid (a preview and an apply check the same).
async fn checked(ctx: &Ctx, staff: &Staff, f: &RebindForm) -> Result<(Iin, i64), ConsoleError> {
    staff.posts(StaffAction::Rebind, &f.csrf)?;
    match f.parse() {
        Some(valid) => Ok(valid),
        None => Err(ConsoleError::page(
            render(ctx, staff, Some(notice("console-rebind-bad-input", false))).await?,
        )),
    }
}

/// `POST …/preview`: what the re-bind would do, and the button that does it.
pub async fn preview(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<RebindForm>,
) -> Result<Response, ConsoleError> {
    let (iin, to) = checked(&ctx, &staff, &f).await?;
    let Some((name, plan)) = identity::rebind_plan(&ctx, staff.0.user, &iin, to).await? else {
        return render(&ctx, &staff, Some(notice("console-rebind-not-in-registry", false))).await;
    };
    let values = context! {
        iin => iin.as_str(), masked => iin.masked(), name => name, to => to,
        holder => plan.holder, target_known => plan.target_known,
        target_other => plan.target_iin.as_deref().is_some_and(|t| t != iin.as_str()),
        target_same => plan.target_iin.as_deref() == Some(iin.as_str()),
        applications => plan.applications, live => plan.live,
    };
    page(&ctx, &staff, "console/rebind_confirm.html", values)
}

/// `POST …/apply`: the re-bind itself.
pub async fn apply(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<RebindForm>,
) -> Result<Response, ConsoleError> {
    let (iin, to) = checked(&ctx, &staff, &f).await?;
    let n = match identity::rebind(&ctx, staff.0.user, &iin, to).await? {
        Rebind::Done { from, applications, live } => context! {
            key => "console-rebind-done", ok => true, iin => iin.masked(), to => to,
            from => from.map_or_else(|| "—".to_string(), |f| f.to_string()),
            applications => applications, live => live,
        },
        Rebind::Forbidden => return Err(ConsoleError::Forbidden),
        Rebind::NotInRegistry => notice("console-rebind-not-in-registry", false),
        Rebind::UnknownAccount => context! { to => to, ..notice("console-rebind-unknown-account", false) },
        Rebind::AlreadyHolder => context! { to => to, ..notice("console-rebind-already", false) },
        Rebind::HoldsAnother => context! { to => to, ..notice("console-rebind-holds-another", false) },
        Rebind::Conflict => notice("console-rebind-conflict", false),
    };
    render(&ctx, &staff, Some(n)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RefuseForm {
    csrf: String,
    note: String,
}

/// `POST …/{id}/refuse`: closes the request; the applicant is told.
pub async fn refuse(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<RefuseForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::Rebind, &f.csrf)?;
    let note: String = f.note.trim().chars().take(1000).collect();
    let refused = identity::refuse_request(&ctx, staff.0.user, id, &note).await?;
    let n = if refused {
        notice("console-rebind-refused", true)
    } else {
        notice("console-rebind-not-open", false)
    };
    render(&ctx, &staff, Some(n)).await
}

/// A notice above the list; every page argument is present (the templates refuse to
/// print what is undefined).
fn notice(key: &str, ok: bool) -> Value {
    context! { key => key, ok => ok, iin => "", to => 0, from => "", applications => 0, live => 0 }
}
