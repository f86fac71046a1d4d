//! Attendance lists as CSV or XLSX: a campaign, a venue, a slot or a test date, streamed
//! as they are written; at most `EXPORTS_AT_ONCE` at once, the next one is asked to retry.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, Staff, opt};
use crate::domain::StaffAction;
use crate::services::Ctx;
use crate::services::console;
use crate::services::export::{self, ExportError, Format, Request};

pub async fn page(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Export)?;
    form(&ctx, &staff, false).await
}

async fn form(ctx: &Ctx, staff: &Staff, busy: bool) -> Result<Response, ConsoleError> {
    let l = staff.locale();
    let values = context! {
        venues => super::applications::venues(ctx, l).await?,
        campaign => console::campaign_id(ctx).await?,
        busy,
    };
    super::page(ctx, staff, "console/exports.html", values)
}

/// How long the refusal suggests waiting: a campaign's list takes seconds to a minute.
const RETRY_AFTER_SECS: &str = "30";

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
    let Some(running) = ctx.exports.try_start() else {
        tracing::warn!(
            at_once = ctx.config.console.exports_at_once,
            "export refused: EXPORTS_AT_ONCE are running"
        );
        // 429 rather than 503: the server is well, this request is one too many for now.
        let mut response = form(&ctx, &staff, true).await?;
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
        return Ok(response);
    };
    let export = match export::for_staff(&ctx, staff.0.user, &req, format).await {
        Ok(e) => e,
        Err(ExportError::Other(e)) => return Err(ConsoleError::Internal(e)),
        Err(_) => return Err(ConsoleError::BadRequest),
    };
    let disposition = format!("attachment; filename=\"{}\"", export.filename);
    let chunks =
        export.stream(ctx.db.clone(), ctx.i18n.clone(), ctx.config.timezone, staff.locale(), Some(running));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition)?),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}
