//! The audit log: who did what, when; filtered by actor, action (prefix) and target.

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, Staff, opt};
use crate::domain::StaffAction;
use crate::services::Ctx;
use crate::services::console;

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
}

pub async fn page(
    State(ctx): State<Ctx>,
    staff: Staff,
    Query(f): Query<AuditFilter>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::AuditLog)?;
    let actor: Option<i64> = opt(&f.actor);
    let action = f.action.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let target = f.target.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let rows = console::audit_log(&ctx, actor, action, target).await?;
    let rows = rows.iter().map(|e| super::applications::audit_row(&ctx, e)).collect::<Vec<_>>();
    let values = context! {
        rows => rows,
        filter => context! { actor => f.actor.clone().unwrap_or_default(), action => action.unwrap_or_default(),
                             target => target.unwrap_or_default() },
    };
    super::page(&ctx, &staff, "console/audit.html", values)
}
