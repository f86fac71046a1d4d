//! Late registration for a valid reason (2026 rules): an admin opens an individual window
//! for one IIN; within it, that person may apply after the campaign's registration closed
//! (`booking::eligibility` and the booking statement ask for it); nobody else can.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::db::{audit, campaigns, late_registrations};
use crate::domain::Iin;
use crate::services::Ctx;

/// The longest window an admin may grant at once: a month.
pub const MAX_HOURS: i64 = 720;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Granted { campaign: String, until: DateTime<Utc> },
    BadHours,
    NoCampaign,
}

/// Grants `iin` a window of `hours` in the campaign staff act on by default (the latest whose
/// registration opened), audited with the IIN masked.
pub async fn grant(ctx: &Ctx, actor: i64, iin: &Iin, hours: i64) -> anyhow::Result<Grant> {
    if !(1..=MAX_HOURS).contains(&hours) {
        return Ok(Grant::BadHours);
    }
    let now = ctx.clock.now();
    let Some(campaign) = campaigns::latest_opened(&ctx.db, now).await? else {
        return Ok(Grant::NoCampaign);
    };
    let until = now + Duration::hours(hours);
    let mut tx = ctx.db.begin().await?;
    let id = late_registrations::grant(&mut *tx, campaign.id, iin.as_str(), until, actor, now).await?;
    let details = json!({ "iin": iin.masked(), "hours": hours, "campaign": campaign.code, "grant": id });
    audit::record(&mut *tx, actor, "late_registration.grant", &format!("campaign:{}", campaign.id), details)
        .await?;
    tx.commit().await?;
    tracing::info!(actor, iin = %iin.masked(), hours, campaign = %campaign.code, "late registration granted");
    Ok(Grant::Granted { campaign: campaign.code, until })
}
