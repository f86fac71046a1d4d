//! Slots: lists, and changes that never go below the booked seats.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::reports;
use crate::db::reports::SlotRow;
use crate::db::slots::{SlotUpdate, VenueOption};
use crate::db::{audit, slots as slot_store};
use crate::services::Ctx;

pub async fn campaign_id(ctx: &Ctx) -> anyhow::Result<Option<i64>> {
    Ok(crate::db::campaigns::current(&ctx.db, ctx.clock.now()).await?.map(|c| c.id))
}

pub async fn slots(ctx: &Ctx, city_id: Option<i32>, date: Option<NaiveDate>) -> anyhow::Result<Vec<SlotRow>> {
    let Some(campaign) = campaign_id(ctx).await? else {
        return Ok(vec![]);
    };
    Ok(reports::slots(&ctx.db, campaign, city_id, date, ctx.config.timezone.name()).await?)
}

pub async fn slot(ctx: &Ctx, id: i64) -> anyhow::Result<Option<SlotRow>> {
    Ok(reports::slot(&ctx.db, id).await?)
}

pub async fn venues(ctx: &Ctx) -> anyhow::Result<Vec<VenueOption>> {
    Ok(slot_store::venues(&ctx.db).await?)
}

pub async fn cities(ctx: &Ctx) -> anyhow::Result<Vec<crate::db::catalog::Named<i32>>> {
    Ok(crate::db::catalog::all_cities(&ctx.db).await?)
}

/// A slot change: capacity never below the booked seats; a new time or venue makes the
/// `slots_changed` trigger queue a message to each paid applicant.
pub async fn change_slot(
    ctx: &Ctx,
    actor: i64,
    id: i64,
    capacity: i32,
    starts_at: DateTime<Utc>,
    venue_id: i32,
) -> anyhow::Result<SlotUpdate> {
    let before = reports::slot(&ctx.db, id).await?;
    let outcome = slot_store::update(&ctx.db, id, capacity, starts_at, venue_id, ctx.clock.now()).await?;
    if outcome == SlotUpdate::Done
        && let Some(b) = before
    {
        let details = serde_json::json!({
            "capacity": [b.capacity, capacity],
            "starts_at": [b.starts_at, starts_at],
            "venue_id": [b.venue_id, venue_id],
        });
        audit::record(&ctx.db, actor, "slot.change", &format!("slot:{id}"), details).await?;
    }
    tracing::info!(actor, slot_id = id, outcome = ?outcome, "console slot change");
    Ok(outcome)
}
