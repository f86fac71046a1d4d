//! Refunds, the audit log and broadcast progress.

use crate::db::audit;
use crate::db::reports;
use crate::db::reports::{AuditRow, BroadcastProgress, RefundRow};
use crate::services::Ctx;

/// The refund queue; it names applicants, so the view is audited with whose rows it shows.
pub async fn refunds(ctx: &Ctx, actor: i64, include_done: bool) -> anyhow::Result<Vec<RefundRow>> {
    let rows = reports::refunds(&ctx.db, include_done).await?;
    let mut shown = crate::services::views::Shown::default();
    for r in &rows {
        shown.add(r.applicant_id, Some(r.application_id));
    }
    let filter = serde_json::json!({ "all": include_done });
    crate::services::views::record(&ctx.db, actor, "console.refunds", filter, &shown).await?;
    Ok(rows)
}

pub async fn mark_refunded(ctx: &Ctx, actor: i64, payment_id: i64) -> anyhow::Result<bool> {
    let mut tx = ctx.db.begin().await?;
    if !reports::mark_refunded(&mut *tx, payment_id, actor, ctx.clock.now()).await? {
        return Ok(false);
    }
    audit::record(&mut *tx, actor, "refund.done", &format!("payment:{payment_id}"), serde_json::json!({}))
        .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn audit_log(
    ctx: &Ctx,
    actor: Option<i64>,
    action: Option<&str>,
    target: Option<&str>,
) -> anyhow::Result<Vec<AuditRow>> {
    Ok(reports::audit(&ctx.db, actor, action, target, 300).await?)
}

pub async fn broadcast_progress(ctx: &Ctx, id: i64) -> anyhow::Result<Option<BroadcastProgress>> {
    Ok(reports::broadcast_progress(&ctx.db, id).await?)
}
