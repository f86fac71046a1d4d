//! Applying: who may apply now, and taking a seat without ever overselling.

use chrono::{DateTime, Duration, Utc};

use crate::db::applications::{self, Booked, HoldCap, NewApplication};
use crate::db::campaigns;
pub use crate::db::campaigns::Campaign;
use crate::domain::ApplicationStatus;
use crate::services::Ctx;

/// Why an applicant cannot start an application now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoCampaign,
    NotYetOpen {
        opens_at: DateTime<Utc>,
    },
    Over,
    DatabaseClosed,
    ActiveApplication,
    NoShowBan,
    /// `HOLDS_PER_DAY` unpaid holds in the last 24 hours; he may book again at `until`.
    HoldLimit {
        until: DateTime<Utc>,
    },
    /// His IIN is not bound (it was re-bound to another account meanwhile).
    NotOnboarded,
}

/// The cap on unpaid holds: `HOLDS_PER_DAY` in a rolling day (a calendar day would allow
/// twice as many around midnight).
pub fn hold_cap(ctx: &Ctx) -> HoldCap {
    HoldCap { holds: i64::from(ctx.config.payments.holds_per_day), window: Duration::hours(24) }
}

/// The campaign he may apply to, or why not.
pub async fn eligibility(ctx: &Ctx, telegram_user_id: i64) -> anyhow::Result<Result<Campaign, Refusal>> {
    let now = ctx.clock.now();
    let Some(campaign) = campaigns::current(&ctx.db, now).await? else {
        return Ok(Err(Refusal::NoCampaign));
    };
    if now < campaign.registration_opens_at {
        return Ok(Err(Refusal::NotYetOpen { opens_at: campaign.registration_opens_at }));
    }
    if campaign.database_closed(now) {
        return Ok(Err(Refusal::DatabaseClosed));
    }
    if !campaign.is_open(now) && !late_window_open(ctx, telegram_user_id, &campaign).await? {
        return Ok(Err(Refusal::Over));
    }
    if let Some(refusal) = live_refusal(ctx, telegram_user_id, campaign.id).await? {
        return Ok(Err(refusal));
    }
    // Said before the wizard, so he does not walk seven steps to be refused; booking
    // checks it again atomically.
    if let Some(applicant) = applications::bookable_applicant(&ctx.db, telegram_user_id).await?
        && let Some(until) = applications::hold_limited_until(&ctx.db, applicant, now, hold_cap(ctx)).await?
    {
        return Ok(Err(Refusal::HoldLimit { until }));
    }
    Ok(Ok(campaign))
}

/// After registration closed, an admin's window for his IIN lets him apply (a valid reason,
/// 2026 rules); `/closedb` still ends it: the lists are final then.
async fn late_window_open(ctx: &Ctx, telegram_user_id: i64, campaign: &Campaign) -> sqlx::Result<bool> {
    let now = ctx.clock.now();
    if now < campaign.registration_closes_at {
        return Ok(false);
    }
    let until =
        crate::db::late_registrations::open_until(&ctx.db, telegram_user_id, campaign.id, now).await?;
    Ok(until.is_some())
}

async fn live_refusal(ctx: &Ctx, telegram_user_id: i64, campaign_id: i64) -> sqlx::Result<Option<Refusal>> {
    Ok(match applications::live_status(&ctx.db, telegram_user_id, campaign_id).await? {
        Some(ApplicationStatus::NoShow) => Some(Refusal::NoShowBan),
        Some(_) => Some(Refusal::ActiveApplication),
        None => None,
    })
}

/// The reminders (minutes left) that fall inside a window of `window` minutes: one at or
/// beyond the window would be due before the seat was even held, so it is left out (a
/// campaign may have a shorter window than `PAYMENT_REMINDER_MINUTES` was checked against).
pub fn reminders_within(reminder_minutes: &[u32], window: i32) -> Vec<i32> {
    reminder_minutes.iter().filter_map(|m| i32::try_from(*m).ok()).filter(|m| *m > 0 && *m < window).collect()
}

/// Where a new wizard's button sequence starts in this chat: the chat's count of started
/// wizards in the upper 32 bits, so sequences never repeat across wizards (a wizard would
/// need four billion renders to reach the next one's start).
pub async fn wizard_first_seq(ctx: &Ctx, chat_id: i64) -> sqlx::Result<u64> {
    let started = crate::db::wizard_starts::next(&ctx.db, chat_id).await?;
    Ok(u64::try_from(started).unwrap_or(0) << 32)
}

#[derive(Debug, Clone)]
pub struct Choices {
    pub campaign_id: i64,
    pub category_id: i16,
    pub test_language: String,
    pub combination_id: i16,
    pub slot_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booking {
    Booked {
        application_id: i64,
        payment_deadline: DateTime<Utc>,
    },
    /// The last seat went to someone else a moment ago.
    SlotFull,
    Refused(Refusal),
}

/// Holds a seat and creates the application `awaiting_payment`, with its reminders and
/// expiry queued in the same statement.
pub async fn confirm(ctx: &Ctx, telegram_user_id: i64, choices: &Choices) -> anyhow::Result<Booking> {
    let now = ctx.clock.now();
    let Some(campaign) = campaigns::by_id(&ctx.db, choices.campaign_id).await? else {
        return Ok(Booking::Refused(Refusal::NoCampaign));
    };
    let window = campaign.payment_window_minutes;
    let deadline = now + Duration::minutes(i64::from(window));
    let reminders = reminders_within(&ctx.config.payments.reminder_minutes, window);
    let new = NewApplication {
        telegram_user_id,
        campaign_id: campaign.id,
        category_id: choices.category_id,
        test_language: &choices.test_language,
        combination_id: choices.combination_id,
        slot_id: choices.slot_id,
        now,
        payment_deadline: deadline,
        reminder_minutes: &reminders,
    };
    match applications::book(&ctx.db, &new, hold_cap(ctx)).await {
        Ok(Booked::Booked(application_id)) => {
            tracing::info!(user = telegram_user_id, application_id, slot = choices.slot_id, "seat held");
            crate::metrics::seat_booked();
            Ok(Booking::Booked { application_id, payment_deadline: deadline })
        }
        Ok(Booked::HoldLimit(until)) => {
            tracing::warn!(user = telegram_user_id, %until, "unpaid holds capped");
            Ok(Booking::Refused(Refusal::HoldLimit { until }))
        }
        Ok(Booked::NoApplicant) => Ok(Booking::Refused(Refusal::NotOnboarded)),
        Ok(Booked::NoSeat) => {
            // Either the slot filled up or the campaign closed in the meantime.
            if campaign.database_closed(now) {
                Ok(Booking::Refused(Refusal::DatabaseClosed))
            } else if !campaign.is_open(now) && !late_window_open(ctx, telegram_user_id, &campaign).await? {
                Ok(Booking::Refused(Refusal::Over))
            } else {
                Ok(Booking::SlotFull)
            }
        }
        Err(e) if crate::db::violates(&e, applications::ONE_ACTIVE) => {
            // The same confirmation again (an update tried again after its first try
            // committed): the seat it holds, not a refusal.
            if let Some((application_id, payment_deadline)) = applications::held_with(&ctx.db, &new).await? {
                tracing::info!(
                    user = telegram_user_id,
                    application_id,
                    "confirmation repeated; its seat is already held"
                );
                return Ok(Booking::Booked { application_id, payment_deadline });
            }
            let refusal =
                live_refusal(ctx, telegram_user_id, campaign.id).await?.unwrap_or(Refusal::ActiveApplication);
            Ok(Booking::Refused(refusal))
        }
        Err(e) => Err(e.into()),
    }
}

/// The campaign's fee in tenge (0 when the campaign is gone).
pub async fn fee(ctx: &Ctx, campaign_id: i64) -> anyhow::Result<crate::domain::Money> {
    Ok(campaigns::by_id(&ctx.db, campaign_id).await?.map(|c| c.fee_tenge).unwrap_or_default())
}

/// True when the applicant will be under 16 on the slot's test day: he then brings other
/// documents (instruction §2).
pub async fn under_16_on_test_day(ctx: &Ctx, telegram_user_id: i64, slot: i64) -> anyhow::Result<bool> {
    let Some(applicant) = crate::db::applicants::by_user(&ctx.db, telegram_user_id).await? else {
        return Ok(false);
    };
    let (Some(birth), Some(place)) =
        (applicant.birth_date, crate::db::catalog::slot_place(&ctx.db, slot).await?)
    else {
        return Ok(false);
    };
    let test_day = crate::format::local_date(place.starts_at, ctx.config.timezone);
    Ok(test_day.years_since(birth).unwrap_or(0) < 16)
}

pub async fn campaign(ctx: &Ctx, id: i64) -> anyhow::Result<Option<Campaign>> {
    Ok(campaigns::by_id(&ctx.db, id).await?)
}

/// The campaign that matters now: the open one, else the next to open, else the latest.
pub async fn current_campaign(ctx: &Ctx) -> anyhow::Result<Option<Campaign>> {
    Ok(campaigns::current(&ctx.db, ctx.clock.now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_that_do_not_fit_the_window_are_left_out() {
        assert_eq!(reminders_within(&[30, 10], 60), [30, 10]);
        assert_eq!(reminders_within(&[30, 10], 20), [10]);
        assert_eq!(reminders_within(&[30, 10], 10), Vec::<i32>::new());
        assert_eq!(reminders_within(&[30, 10], 30), [10], "30 left of a 30-minute window is the start");
    }
}
