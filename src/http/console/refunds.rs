//! The refund queue: late payments and payments of applications withdrawn before the
//! database closed; an admin marks each refund done (audited).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, CsrfForm, Staff, fmt, page};
use crate::domain::StaffAction;
use crate::services::Ctx;
use crate::services::console;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RefundFilter {
    all: Option<String>,
}

pub async fn list(
    State(ctx): State<Ctx>,
    staff: Staff,
    Query(f): Query<RefundFilter>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Refunds)?;
    render(&ctx, &staff, f.all.is_some(), None).await
}

async fn render(ctx: &Ctx, staff: &Staff, all: bool, notice: Option<&str>) -> Result<Response, ConsoleError> {
    let rows = console::refunds(ctx, staff.0.user, all).await?;
    let rows = rows
        .iter()
        .map(|r| {
            context! {
                payment => r.payment_id, application => r.application_id, order => r.order_number.clone(),
                amount => r.amount_tenge.to_string(), reason => r.reason.clone(),
                name => r.full_name.clone().unwrap_or_default(), iin => console::mask_iin(r.iin.as_deref()),
                at => fmt::stamp(ctx, r.at), done => r.done_at.map(|t| fmt::stamp(ctx, t)).unwrap_or_default(),
                done_by => r.done_by,
            }
        })
        .collect::<Vec<_>>();
    page(ctx, staff, "console/refunds.html", context! { rows => rows, all => all, notice => notice })
}

pub async fn done(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(payment): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    staff.posts(StaffAction::RefundDone, &f.csrf)?;
    let marked = console::mark_refunded(&ctx, staff.0.user, payment).await?;
    let notice = if marked { "console-refund-marked" } else { "console-refund-not-marked" };
    render(&ctx, &staff, false, Some(notice)).await
}
