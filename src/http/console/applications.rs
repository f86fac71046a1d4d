//! Applications: search (a POST, so no personal data lands in a URL or a log), filters,
//! the detail page (audited), and admin actions behind a confirmation page.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

use super::{ConsoleError, CsrfForm, Staff, fmt, opt, page};
use crate::domain::StaffAction;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::console::{self, Action, ActionOutcome, Filters};

#[derive(Deserialize, Default)]
pub struct FilterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
    status: Option<String>,
    city: Option<String>,
    venue: Option<String>,
    date: Option<String>,
}

impl FilterForm {
    fn filters(&self) -> Filters {
        Filters {
            query: self.q.clone(),
            status: self.status.clone().filter(|s| !s.is_empty()),
            city_id: opt(&self.city),
            venue_id: opt(&self.venue),
            date: opt(&self.date),
        }
    }
}

/// `GET`: filters only (no personal data), from the query string.
pub async fn list(
    State(ctx): State<Ctx>,
    staff: Staff,
    Query(f): Query<FilterForm>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Find)?;
    let f = FilterForm { q: String::new(), ..f };
    render(&ctx, &staff, &f).await
}

/// `POST`: the typed query travels in the body.
pub async fn search(
    State(ctx): State<Ctx>,
    staff: Staff,
    Form(f): Form<FilterForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::Find, &f.csrf)?;
    render(&ctx, &staff, &f).await
}

async fn render(ctx: &Ctx, staff: &Staff, f: &FilterForm) -> Result<Response, ConsoleError> {
    let l = staff.locale();
    let filters = f.filters();
    let rows = console::search(ctx, staff.0.user, &filters).await?;
    let rows = rows
        .iter()
        .map(|r| {
            context! {
                id => r.id,
                status => r.status.as_str(),
                name => r.full_name.clone().unwrap_or_default(),
                iin => console::mask_iin(r.iin.as_deref()),
                email => console::mask_email(r.email.as_deref()),
                phone => console::mask_phone(r.phone.as_deref()),
                place => format!("{}, {}", r.city.text(l), r.venue.text(l)),
                when => fmt::when(ctx, r.starts_at, l),
                created => fmt::stamp(ctx, r.created_at),
            }
        })
        .collect::<Vec<_>>();
    let values = context! {
        count => rows.len(),
        rows => rows,
        q => f.q.clone(),
        filter => context! {
            status => filters.status.clone().unwrap_or_default(),
            city => filters.city_id.unwrap_or_default(),
            venue => filters.venue_id.unwrap_or_default(),
            date => filters.date.map(|d| d.to_string()).unwrap_or_default(),
        },
        statuses => crate::domain::ApplicationStatus::ALL.map(|st| st.as_str()),
        cities => cities(ctx, l).await?,
        venues => venues(ctx, l).await?,
        searched => !f.q.trim().is_empty(),
    };
    page(ctx, staff, "console/applications.html", values)
}

pub async fn cities(ctx: &Ctx, l: Locale) -> Result<Vec<Value>, ConsoleError> {
    Ok(console::cities(ctx).await?.iter().map(|c| context! { id => c.id, name => c.name(l) }).collect())
}

pub async fn venues(ctx: &Ctx, l: Locale) -> Result<Vec<Value>, ConsoleError> {
    Ok(console::venues(ctx)
        .await?
        .iter()
        .map(|v| context! { id => v.id, name => format!("{} — {} ({})", v.city.text(l), v.name.text(l), v.code) })
        .collect())
}

pub async fn detail(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Find)?;
    let l = staff.locale();
    let Some(d) = console::detail(&ctx, staff.0.user, id).await? else {
        return Err(ConsoleError::NotFound);
    };
    let a = &d.application;
    let payments = d
        .payments
        .iter()
        .map(|p| {
            context! {
                order => p.order_number.clone(), method => p.method.code(), amount => p.amount_tenge.to_string(),
                status => p.status.as_str(), created => fmt::stamp(&ctx, p.created_at),
                paid => p.paid_at.map(|t| fmt::stamp(&ctx, t)).unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>();
    let audit = d.audit.iter().map(|e| audit_row(&ctx, e)).collect::<Vec<_>>();
    let outbox = d
        .outbox
        .iter()
        .map(|m| {
            context! { id => m.id, text => m.text.clone(), status => minijinja::value::Serde(m.status),
            created => fmt::stamp(&ctx, m.created_at),
            sent => m.sent_at.map(|t| fmt::stamp(&ctx, t)).unwrap_or_default() }
        })
        .collect::<Vec<_>>();
    let values = context! {
        a => context! {
            id => a.id, status => a.status.as_str(), telegram => a.telegram_user_id,
            name => a.full_name.clone().unwrap_or_default(), iin => a.iin.clone().unwrap_or_default(),
            email => a.email.clone().unwrap_or_default(), phone => a.phone.clone().unwrap_or_default(),
            campaign => a.campaign.text(l), category => a.category.text(l), language => a.language.text(l),
            subjects => a.combination.text(l), slot => a.slot_id, when => fmt::when(&ctx, a.starts_at, l),
            place => format!("{}, {}", a.city.text(l), a.venue.text(l)),
            created => fmt::stamp(&ctx, a.created_at),
            deadline => fmt::stamp(&ctx, a.payment_deadline),
            paid => a.paid_at.map(|t| fmt::stamp(&ctx, t)).unwrap_or_default(),
        },
        payments => payments,
        audit => audit,
        outbox => outbox,
        can => context! {
            markpaid => d.can_mark_paid,
            noshow => d.can_mark_no_show,
            withdraw => d.can_withdraw,
        },
    };
    page(&ctx, &staff, "console/application.html", values)
}

pub fn audit_row(ctx: &Ctx, e: &console::AuditRow) -> Value {
    context! {
        id => e.id, actor => e.actor_id, action => e.action.clone(), target => e.target.clone().unwrap_or_default(),
        details => e.details.to_string(), at => fmt::stamp(ctx, e.created_at),
    }
}

/// `GET …/{action}`: the confirmation page (admins only).
pub async fn confirm(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, ConsoleError> {
    let action = Action::parse(&action).ok_or(ConsoleError::NotFound)?;
    staff.may(action.staff_action())?;
    let values = context! { id => id, action => action.as_str() };
    page(&ctx, &staff, "console/confirm.html", values)
}

/// `POST …/{action}`: does it, then shows the application with the outcome.
pub async fn act(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    let action = Action::parse(&action).ok_or(ConsoleError::NotFound)?;
    staff.may(action.staff_action())?;
    staff.csrf(&f.csrf)?;
    let outcome = console::act(&ctx, staff.0.user, id, action).await?;
    let key = match outcome {
        ActionOutcome::Done => "console-action-done",
        ActionOutcome::Refused => "console-action-refused",
        ActionOutcome::NotFound => return Err(ConsoleError::NotFound),
    };
    let values =
        context! { id => id, action => action.as_str(), key => key, done => outcome == ActionOutcome::Done };
    page(&ctx, &staff, "console/action_done.html", values)
}
