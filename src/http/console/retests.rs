//! Retest requests (2026 rules): the queue, a request with its documents (each streamed
//! from Telegram through getFile, each view audited), an admin's approval or refusal with
//! the reason in both languages; and the late-registration form. The same use cases as the
//! bot's `/retests` and `/latereg`.

use axum::Form;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

use super::{ConsoleError, Staff, fmt, page};
use crate::domain::{Iin, StaffAction};
use crate::i18n::Bilingual;
use crate::services::Ctx;
use crate::services::late_registration::{self as late, Grant};
use crate::services::retest::{self, Decision, Verdict};
use crate::services::retest_files;

pub async fn list(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Retests)?;
    render(&ctx, &staff, None).await
}

async fn render(ctx: &Ctx, staff: &Staff, notice: Option<Value>) -> Result<Response, ConsoleError> {
    let l = staff.locale();
    let (rows, total) = retest::queue(ctx, staff.0.user, 100).await?;
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            context! {
                id => r.id, application => r.application_id, name => r.full_name.clone().unwrap_or_default(),
                reason => ctx.i18n.t(l, r.reason.fluent_id()), city => r.city.text(l),
                missed => fmt::when(ctx, r.missed_at, l), at => fmt::stamp(ctx, r.created_at),
                documents => r.documents,
            }
        })
        .collect();
    let values = context! { rows => rows, total => total, notice => notice, max_hours => late::MAX_HOURS };
    page(ctx, staff, "console/retests.html", values)
}

pub async fn detail(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Retests)?;
    let l = staff.locale();
    let Some((r, docs)) = retest::request(&ctx, staff.0.user, id).await? else {
        return Err(ConsoleError::NotFound);
    };
    let documents: Vec<Value> = docs
        .iter()
        .map(|d| context! { n => d.position, photo => d.kind == "photo", name => d.file_name.clone().unwrap_or_default() })
        .collect();
    let values = context! {
        r => context! {
            id => r.id, application => r.application_id, telegram => r.telegram_user_id,
            name => r.full_name.clone().unwrap_or_default(), iin => r.iin.clone().unwrap_or_default(),
            reason => ctx.i18n.t(l, r.reason.fluent_id()), status => r.status.as_str(),
            pending => r.status == crate::domain::RetestStatus::Pending,
            city => r.city.text(l), missed => fmt::when(&ctx, r.missed_at, l), at => fmt::stamp(&ctx, r.created_at),
            decided => r.decided_at.map(|t| fmt::stamp(&ctx, t)).unwrap_or_default(),
            decided_by => r.decided_by, note_kk => r.note_kk.clone().unwrap_or_default(),
            note_ru => r.note_ru.clone().unwrap_or_default(),
        },
        documents => documents,
    };
    page(&ctx, &staff, "console/retest.html", values)
}

/// `GET …/{id}/documents/{n}`: the file itself, as Telegram serves it.
pub async fn document(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path((id, n)): Path<(i64, i16)>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Retests)?;
    let Some(d) = retest_files::open(&ctx, staff.0.user, id, n).await? else {
        return Err(ConsoleError::NotFound);
    };
    let disposition = format!("inline; filename=\"{}\"", d.file_name);
    let body = Body::from_stream(d.response.bytes_stream());
    Ok((
        [(header::CONTENT_TYPE, d.content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    note_kk: String,
    note_ru: String,
}

pub async fn approve(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    decide(&ctx, &staff, id, &f, false).await
}

pub async fn refuse(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, ConsoleError> {
    decide(&ctx, &staff, id, &f, true).await
}

/// A refusal needs its reason in both languages (the applicant reads it in his).
async fn decide(
    ctx: &Ctx,
    staff: &Staff,
    id: i64,
    f: &DecisionForm,
    refusal: bool,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::DecideRetest, &f.csrf)?;
    let verdict = if refusal {
        let (kk, ru) = (f.note_kk.trim(), f.note_ru.trim());
        if kk.is_empty() || ru.is_empty() {
            return render(ctx, staff, Some(notice("console-retest-bad-note", false))).await;
        }
        Verdict::Refuse(Bilingual::new(kk.to_string(), ru.to_string()))
    } else {
        Verdict::Approve
    };
    let done = if refusal { "console-retest-refused" } else { "console-retest-approved" };
    let n = match retest::decide(ctx, staff.0.user, id, verdict).await? {
        Decision::Done => notice(done, true),
        Decision::NotPending => notice("console-retest-not-pending", false),
    };
    render(ctx, staff, Some(n)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LateForm {
    csrf: String,
    iin: String,
    hours: String,
}

/// `POST /console/late-registrations`: the IIN travels in the body, never in a URL.
pub async fn late_registration(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<LateForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::LateRegistration, &f.csrf)?;
    let bad = || notice("console-latereg-bad", false);
    let (Ok(iin), Ok(hours)) = (Iin::parse(&f.iin), f.hours.trim().parse::<i64>()) else {
        return render(&ctx, &staff, Some(bad())).await;
    };
    let n = match late::grant(&ctx, staff.0.user, &iin, hours).await? {
        Grant::Granted { campaign, until } => context! {
            key => "console-latereg-granted", ok => true, iin => iin.masked(), campaign => campaign,
            when => fmt::when(&ctx, until, staff.locale()),
        },
        Grant::BadHours => bad(),
        Grant::NoCampaign => {
            context! { key => "apply-no-campaign", ok => false, iin => "", campaign => "", when => "" }
        }
    };
    render(&ctx, &staff, Some(n)).await
}

/// A notice above the list; every argument is present (templates refuse what is undefined).
fn notice(key: &str, ok: bool) -> Value {
    context! { key => key, ok => ok, iin => "", campaign => "", when => "" }
}
