//! The overview page's figures: registrations per hour, seats, refunds and the inbox.

use chrono::{DateTime, Utc};

use crate::db::reports;
use crate::db::reports::{HourCount, SeatsCell};
use crate::services::Ctx;

pub struct Overview {
    pub campaign: crate::db::campaigns::Campaign,
    pub stats: crate::db::staff::Stats,
    /// One entry per hour of the registration window so far (zeros included).
    pub per_hour: Vec<(DateTime<Utc>, i64)>,
    pub seats: Vec<SeatsCell>,
    pub refunds_waiting: usize,
    pub inbox_pending: i64,
    pub inbox_parked: i64,
    pub parked: Vec<crate::services::inbox::Parked>,
}

pub async fn overview(ctx: &Ctx) -> anyhow::Result<Option<Overview>> {
    let now = ctx.clock.now();
    let Some(campaign) = crate::db::campaigns::current(&ctx.db, now).await? else {
        return Ok(None);
    };
    let stats = crate::db::staff::stats(&ctx.db, campaign.id).await?;
    let counts = reports::registrations_per_hour(&ctx.db, campaign.id).await?;
    let per_hour = hours(&campaign, now, &counts);
    let seats = reports::seats_by_city_and_day(&ctx.db, campaign.id, ctx.config.timezone.name()).await?;
    let refunds_waiting = reports::refunds(&ctx.db, false).await?.len();
    let (inbox_pending, inbox_parked) = crate::services::inbox::depth(ctx).await?;
    let parked = crate::services::inbox::parked(ctx, 10).await?;
    Ok(Some(Overview {
        campaign,
        stats,
        per_hour,
        seats,
        refunds_waiting,
        inbox_pending,
        inbox_parked,
        parked,
    }))
}

/// Every hour from the window's opening to its close (or now, if sooner), at most two weeks.
fn hours(
    campaign: &crate::db::campaigns::Campaign,
    now: DateTime<Utc>,
    counts: &[HourCount],
) -> Vec<(DateTime<Utc>, i64)> {
    use chrono::{DurationRound, TimeDelta};
    let hour = TimeDelta::hours(1);
    let Ok(start) = campaign.registration_opens_at.duration_trunc(hour) else {
        return vec![];
    };
    let end = campaign.registration_closes_at.min(now);
    let mut out = vec![];
    let mut at = start;
    while at <= end && out.len() < 14 * 24 {
        let n = counts.iter().find(|c| c.hour == at).map(|c| c.count).unwrap_or(0);
        out.push((at, n));
        at += hour;
    }
    out
}
