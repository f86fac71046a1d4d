//! Application search (one classifier of the query, shared with `/find`), detail and actions.

use chrono::NaiveDate;

use crate::db::audit;
use crate::db::reports::{self, Search};
use crate::db::reports::{ApplicationDetail, ApplicationRow, AuditRow, OutboxRow, PaymentRow};
use crate::db::staff::FindKey;
use crate::domain::{ApplicationStatus, Email, Iin, Phone, StaffAction};
use crate::services::Ctx;
use crate::services::staff;

/// The list's filters; `query` is what staff typed (IIN, email, phone, order, id).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub query: String,
    pub status: Option<String>,
    pub city_id: Option<i32>,
    pub venue_id: Option<i32>,
    pub date: Option<NaiveDate>,
}

/// Applications matching the filters (at most 200). Every list is audited with the ids it
/// shows, whatever chose them. The query is personal data: it is never logged.
pub async fn search(ctx: &Ctx, actor: i64, f: &Filters) -> anyhow::Result<Vec<ApplicationRow>> {
    let rows = find_applications(ctx, f).await?;
    record_list(ctx, actor, f, &rows).await?;
    Ok(rows)
}

async fn record_list(ctx: &Ctx, actor: i64, f: &Filters, rows: &[ApplicationRow]) -> sqlx::Result<()> {
    use crate::services::views;
    let mut shown = views::Shown::default();
    for r in rows {
        shown.add(r.applicant_id, Some(r.id));
    }
    let filter = serde_json::json!({
        "query": views::masked_query(&f.query),
        "status": f.status.as_deref().and_then(ApplicationStatus::parse), "city_id": f.city_id,
        "venue_id": f.venue_id, "date": f.date,
    });
    let action = if f.query.trim().is_empty() { "console.list" } else { "console.search" };
    views::record(&ctx.db, actor, action, filter, &shown).await
}

/// The query is read by the same classifier as the bot's `/find` ([`staff::find_keys`]):
/// a query of several shapes (an IIN that is also a valid order number) is looked up as
/// each; one that is none of the searchable identifiers finds nothing.
async fn find_applications(ctx: &Ctx, f: &Filters) -> anyhow::Result<Vec<ApplicationRow>> {
    const LIMIT: usize = 200;
    let filters = Search {
        campaign_id: None,
        status: f.status.as_deref().and_then(ApplicationStatus::parse),
        city_id: f.city_id,
        venue_id: f.venue_id,
        date: f.date,
        ..Search::default()
    };
    let tz = ctx.config.timezone.name();
    if f.query.trim().is_empty() {
        return Ok(reports::search(&ctx.db, &filters, tz, LIMIT as i64).await?);
    }
    let mut rows: Vec<ApplicationRow> = vec![];
    for key in staff::find_keys(&f.query) {
        let mut s = filters.clone();
        match key {
            FindKey::Iin(v) => s.iin = Some(v),
            FindKey::Email(v) => s.email = Some(v),
            FindKey::Phone(v) => s.phone = Some(v),
            FindKey::Order(v) => s.order_number = Some(v),
            FindKey::Application(id) => s.application_id = Some(id),
        }
        for row in reports::search(&ctx.db, &s, tz, LIMIT as i64).await? {
            if !rows.iter().any(|seen| seen.id == row.id) {
                rows.push(row);
            }
        }
    }
    rows.sort_by_key(|row| std::cmp::Reverse((row.created_at, row.id)));
    rows.truncate(LIMIT);
    Ok(rows)
}

/// Masks for lists: never a full IIN, email or phone outside the detail page.
pub fn mask_iin(iin: Option<&str>) -> String {
    iin.and_then(|i| Iin::parse(i).ok()).map(|i| i.masked()).unwrap_or_else(|| "—".into())
}

pub fn mask_email(email: Option<&str>) -> String {
    email.and_then(|e| Email::parse(e).ok()).map(|e| e.masked()).unwrap_or_else(|| "—".into())
}

pub fn mask_phone(phone: Option<&str>) -> String {
    phone.and_then(|p| Phone::parse(p).ok()).map(|p| p.masked()).unwrap_or_else(|| "—".into())
}

pub struct Detail {
    pub application: ApplicationDetail,
    pub payments: Vec<PaymentRow>,
    pub audit: Vec<AuditRow>,
    pub outbox: Vec<OutboxRow>,
    /// What staff may do with it now (the rules beside [`crate::domain::ApplicationStatus`]).
    pub can_mark_paid: bool,
    pub can_mark_no_show: bool,
    pub can_withdraw: bool,
}

/// An application in full; the view itself is audited (it shows personal data).
pub async fn detail(ctx: &Ctx, actor: i64, id: i64) -> anyhow::Result<Option<Detail>> {
    let Some(mut application) = reports::application(&ctx.db, id).await? else {
        return Ok(None);
    };
    // The wording with the campaign's graduation year filled in.
    if let Some(category) = crate::services::catalog::application_category(ctx, id).await? {
        application.category = category.name;
    }
    audit::record(&ctx.db, actor, "console.view", &format!("application:{id}"), serde_json::json!({}))
        .await?;
    let payments = reports::payments_of_application(&ctx.db, id).await?;
    let audit = reports::audit_of_application(&ctx.db, id).await?;
    let outbox = reports::outbox_of(&ctx.db, application.telegram_user_id, 30).await?;
    let (now, status, starts) = (ctx.clock.now(), application.status, application.starts_at);
    let can_mark_paid = status.can_pay() && payments.iter().any(|p| p.status.is_open());
    let (can_mark_no_show, can_withdraw) =
        (status.can_mark_no_show(now, starts), status.can_withdraw(now, starts));
    Ok(Some(Detail { application, payments, audit, outbox, can_mark_paid, can_mark_no_show, can_withdraw }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    MarkPaid,
    NoShow,
    Withdraw,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "markpaid" => Some(Action::MarkPaid),
            "noshow" => Some(Action::NoShow),
            "withdraw" => Some(Action::Withdraw),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::MarkPaid => "markpaid",
            Action::NoShow => "noshow",
            Action::Withdraw => "withdraw",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    Done,
    /// The application is not in a state this action applies to (or its test is ahead).
    Refused,
    NotFound,
}

impl Action {
    /// The permission-table entry the action falls under.
    pub fn staff_action(self) -> StaffAction {
        match self {
            Action::MarkPaid => StaffAction::MarkPaid,
            Action::NoShow => StaffAction::NoShow,
            Action::Withdraw => StaffAction::Withdraw,
        }
    }
}

/// An admin's action on an application (the caller checked the role): the same use cases
/// as the bot's `/markpaid`, `/noshow` and `/withdraw`, so the applicant is told the same.
pub async fn act(ctx: &Ctx, actor: i64, id: i64, action: Action) -> anyhow::Result<ActionOutcome> {
    let Some(app) = reports::application(&ctx.db, id).await? else {
        return Ok(ActionOutcome::NotFound);
    };
    let outcome = match action {
        Action::MarkPaid => {
            if !app.status.can_pay() {
                return Ok(ActionOutcome::Refused);
            }
            let payments = reports::payments_of_application(&ctx.db, id).await?;
            let Some(order) = payments.iter().rev().find(|p| p.status.is_open()) else {
                return Ok(ActionOutcome::Refused);
            };
            match crate::services::payments::mark_paid_by_staff(ctx, actor, &order.order_number).await? {
                crate::payments::PayOutcome::Applied { .. } => ActionOutcome::Done,
                _ => ActionOutcome::Refused,
            }
        }
        Action::NoShow => match crate::services::staff::no_show(ctx, actor, id).await? {
            crate::services::staff::NoShow::Marked => ActionOutcome::Done,
            crate::services::staff::NoShow::TooEarly | crate::services::staff::NoShow::NotPaid => {
                ActionOutcome::Refused
            }
        },
        Action::Withdraw => match crate::services::history::withdraw_on_behalf(ctx, actor, id).await? {
            crate::services::history::Withdrawal::Withdrawn { .. } => ActionOutcome::Done,
            crate::services::history::Withdrawal::NotAllowed => ActionOutcome::Refused,
        },
    };
    tracing::info!(actor, application_id = id, action = action.as_str(), outcome = ?outcome, "console action");
    Ok(outcome)
}
