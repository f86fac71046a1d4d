//! Attendance lists as CSV or XLSX: a campaign, a venue, a slot or a test date.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, Staff, opt};
use crate::domain::StaffAction;
use crate::services::Ctx;
use crate::services::console;
use crate::services::export::{ExportError, Format, Request};

pub async fn page(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Export)?;
    let l = staff.locale();
    let values = context! {
        venues => super::applications::venues(&ctx, l).await?,
        campaign => console::campaign_id(&ctx).await?,
    };
    super::page(&ctx, &staff, "console/exports.html", values)
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    venue: Option<String>,
    slot: Option<String>,
    date: Option<String>,
    format: Option<String>,
}

pub async fn download(
    State(ctx): State<Ctx>,
    staff: Staff,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Export)?;
    let format = Format::parse(q.format.as_deref().unwrap_or("csv")).ok_or(ConsoleError::BadRequest)?;
    let campaign = console::campaign_id(&ctx).await?.ok_or(ConsoleError::NotFound)?;
    let req = Request {
        campaign_id: Some(campaign),
        venue_id: opt(&q.venue),
        slot_id: opt(&q.slot),
        date: opt(&q.date),
        ..Request::default()
    };
    let export = match console::export(&ctx, staff.0.user, staff.locale(), &req, format).await {
        Ok(e) => e,
        Err(ExportError::Other(e)) => return Err(ConsoleError::Internal(e)),
        Err(_) => return Err(ConsoleError::BadRequest),
    };
    let disposition = format!("attachment; filename=\"{}\"", export.filename);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition)?),
        ],
        export.bytes,
    )
        .into_response())
}
