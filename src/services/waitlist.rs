//! The waitlist: an applicant who finds no seat waits in line for a city's day (or one
//! slot of it); a seat that frees is held for the first in line by the database in the
//! transaction that frees it (`waitlist_fill`), and offered to him here: a message with
//! «book» and «pass», valid `WAITLIST_OFFER_MINUTES`. Silence or «pass» gives the seat to
//! the next; «book» writes the application the wizard would have, with its payment window.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgConnection;
use teloxide::types::InlineKeyboardMarkup;

use crate::callback::{Callback, WaitlistButton};
use crate::db::jobs::{DueJob, JobKind};
use crate::db::outbox;
use crate::db::waitlist::{self as db, Accepted, Joined, Outcome};
pub use crate::db::waitlist::{DaySize, EntryView};
use crate::format;
use crate::i18n::{Bilingual, Locale};
use crate::services::Ctx;
use crate::services::booking::{self, Refusal};
use crate::services::catalog::day_bounds;
use crate::services::expiry::Done;

/// What the applicant waits for.
#[derive(Debug, Clone)]
pub struct Wish {
    pub category: i16,
    pub language: String,
    pub combination: i16,
    pub city: i32,
    pub date: NaiveDate,
    /// One slot of the day, or any.
    pub slot: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Join {
    /// In line at `position`; `offered` when a free seat was offered at once.
    Joined {
        position: i64,
        offered: bool,
    },
    AlreadyWaiting,
    /// The city, day or slot is not one of the campaign's.
    NoSuchPlace,
    Refused(Refusal),
}

#[tracing::instrument(skip_all, fields(user = telegram_user_id, city = wish.city))]
pub async fn join(ctx: &Ctx, telegram_user_id: i64, wish: &Wish) -> anyhow::Result<Join> {
    let campaign = match booking::eligibility(ctx, telegram_user_id).await? {
        Ok(c) => c,
        Err(refusal) => return Ok(Join::Refused(refusal)),
    };
    let categories = crate::services::catalog::campaign_categories(ctx, campaign.id).await?;
    if !categories.iter().any(|c| c.id == wish.category) {
        return Ok(Join::NoSuchPlace);
    }
    let now = ctx.clock.now();
    let (day_from, day_to) = day_bounds(wish.date, ctx.config.timezone);
    if day_to <= now {
        return Ok(Join::NoSuchPlace);
    }
    let entry = db::NewEntry {
        telegram_user_id,
        campaign_id: campaign.id,
        category_id: wish.category,
        test_language: &wish.language,
        combination_id: wish.combination,
        city_id: wish.city,
        test_date: wish.date,
        day_from,
        day_to,
        slot_id: wish.slot,
        now,
    };
    Ok(match db::join(&ctx.db, &entry).await? {
        Joined::Joined { offered, .. } => {
            let position = db::current(&ctx.db, telegram_user_id).await?.map_or(1, |e| e.position);
            tracing::info!(offered, position, "joined the waitlist");
            Join::Joined { position, offered }
        }
        Joined::AlreadyWaiting => Join::AlreadyWaiting,
        Joined::NoSuchPlace => Join::NoSuchPlace,
        Joined::NoApplicant => Join::Refused(Refusal::NotOnboarded),
    })
}

/// His place in line, if he has one.
pub async fn current(ctx: &Ctx, telegram_user_id: i64) -> anyhow::Result<Option<EntryView>> {
    Ok(db::current(&ctx.db, telegram_user_id).await?)
}

#[tracing::instrument(skip_all, fields(user = telegram_user_id, entry))]
pub async fn leave(ctx: &Ctx, telegram_user_id: i64, entry: i64) -> anyhow::Result<bool> {
    Ok(db::leave(&ctx.db, telegram_user_id, entry, ctx.clock.now()).await?)
}

/// A waitlist job: sending the offer it names, or closing it when its time is up. An offer
/// answered (or voided) meanwhile is no longer open, and the job has nothing to do.
pub async fn run_offer_job(
    conn: &mut PgConnection,
    ctx: &Ctx,
    job: &DueJob,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let offer_id =
        job.payload["offer_id"].as_i64().ok_or_else(|| anyhow::anyhow!("waitlist job without offer_id"))?;
    let Some(offer) = db::lock_open(conn, offer_id, now).await? else {
        return Ok(Done::Skipped("offer no longer open"));
    };
    match job.kind {
        JobKind::WaitlistOffer => send_offer(conn, ctx, offer, now).await,
        JobKind::WaitlistOfferExpiry => expire_offer(conn, ctx, offer, now).await,
        other => anyhow::bail!("{other} is not a waitlist job"),
    }
}

/// Sends an offer the database made (the `waitlist_offer` job): starts its time, queues
/// the message and the expiry. An offer for a slot that can no longer be booked is voided:
/// the applicant keeps his place, and the seat is not offered again.
async fn send_offer(
    conn: &mut PgConnection,
    ctx: &Ctx,
    offer: db::Offer,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    if offer.sent_at.is_some() {
        return Ok(Done::Skipped("offer already sent"));
    }
    if !offer.bookable {
        db::close(conn, &offer, Outcome::Void, now).await?;
        return Ok(Done::Skipped("slot no longer bookable"));
    }
    let minutes = i64::from(ctx.config.payments.waitlist_offer_minutes);
    let expires_at = now + Duration::minutes(minutes);
    db::mark_sent(conn, offer.id, now, expires_at).await?;
    let locale = offer.locale.unwrap_or(Locale::Kk);
    let tz = ctx.config.timezone;
    let place = |b: &Bilingual<String>| b.text(locale).to_string();
    let args = [
        ("city", place(&offer.city).into()),
        ("venue", place(&offer.venue).into()),
        ("address", place(&offer.address).into()),
        ("when", format::date_time(offer.starts_at, tz, locale).into()),
        ("until", format::time(expires_at, tz).into()),
        ("minutes", minutes.into()),
    ];
    let text = ctx.i18n.f(locale, "waitlist-offer", &args);
    let markup = offer_keyboard(ctx, locale, offer.id);
    let key = outbox::DedupKey::WaitlistOffer { offer: offer.id };
    let message = outbox::NewMessage::transactional(offer.telegram_user_id, &text, key, now)
        .with_markup(Some(serde_json::to_value(markup)?));
    outbox::enqueue(conn, &message).await?;
    tracing::info!(offer = offer.id, slot = offer.slot_id, "waitlist offer sent");
    Ok(Done::Sent)
}

fn offer_keyboard(ctx: &Ctx, locale: Locale, offer: i64) -> InlineKeyboardMarkup {
    let answer = |accept| Callback::Waitlist(WaitlistButton::Offer { offer, accept });
    InlineKeyboardMarkup::new([[
        answer(true).button(ctx.i18n.t(locale, "waitlist-accept")),
        answer(false).button(ctx.i18n.t(locale, "waitlist-decline")),
    ]])
}

/// The offer's time is up (the `waitlist_offer_expiry` job): the seat goes to the next,
/// and the applicant is told.
async fn expire_offer(
    conn: &mut PgConnection,
    ctx: &Ctx,
    offer: db::Offer,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    if offer.expires_at.is_some_and(|t| t > now) {
        return Ok(Done::Skipped("offer not yet expired"));
    }
    db::close(conn, &offer, Outcome::Expired, now).await?;
    let locale = offer.locale.unwrap_or(Locale::Kk);
    let text = ctx.i18n.t(locale, "waitlist-offer-expired");
    let key = outbox::DedupKey::WaitlistOfferExpired { offer: offer.id };
    let message = outbox::NewMessage::transactional(offer.telegram_user_id, &text, key, now);
    outbox::enqueue(conn, &message).await?;
    tracing::info!(offer = offer.id, "waitlist offer expired; seat passed on");
    Ok(Done::Sent)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Booked {
        application_id: i64,
        payment_deadline: DateTime<Utc>,
    },
    Declined,
    /// Not his, answered already, or past its time.
    Gone,
    /// He may not book it: the seat went to the next.
    Refused(Refusal),
}

/// «Book»: the application, as the wizard's confirm writes it.
#[tracing::instrument(skip_all, fields(user = telegram_user_id, offer))]
pub async fn accept(ctx: &Ctx, telegram_user_id: i64, offer: i64) -> anyhow::Result<Answer> {
    let now = ctx.clock.now();
    let Some(campaign_id) = db::offer_campaign(&ctx.db, offer).await? else {
        return Ok(Answer::Gone);
    };
    let Some(campaign) = booking::campaign(ctx, campaign_id).await? else {
        return Ok(Answer::Gone);
    };
    let window = campaign.payment_window_minutes;
    let reminders = booking::reminders_within(&ctx.config.payments.reminder_minutes, window);
    let acceptance = db::Acceptance {
        telegram_user_id,
        offer_id: offer,
        now,
        window_minutes: window,
        reminder_minutes: &reminders,
        cap: booking::hold_cap(ctx),
    };
    let refused = match db::accept(&ctx.db, &acceptance).await? {
        Accepted::Booked { application_id, payment_deadline } => {
            tracing::info!(application_id, "waitlist offer accepted; seat held");
            crate::metrics::seat_booked();
            return Ok(Answer::Booked { application_id, payment_deadline });
        }
        Accepted::Gone => return Ok(Answer::Gone),
        Accepted::HoldLimit(until) => (Refusal::HoldLimit { until }, Outcome::Declined),
        Accepted::ActiveApplication => (Refusal::ActiveApplication, Outcome::Declined),
        Accepted::NotBookable if campaign.database_closed(now) => (Refusal::DatabaseClosed, Outcome::Void),
        Accepted::NotBookable => (Refusal::Over, Outcome::Void),
    };
    // He cannot take it: it is not kept for him.
    let mut tx = ctx.db.begin().await?;
    if let Some(o) = db::lock_open(&mut tx, offer, now).await?
        && o.telegram_user_id == telegram_user_id
    {
        db::close(&mut tx, &o, refused.1, now).await?;
    }
    tx.commit().await?;
    Ok(Answer::Refused(refused.0))
}

/// «Pass»: the seat goes to the next in line, and he leaves the line.
#[tracing::instrument(skip_all, fields(user = telegram_user_id, offer))]
pub async fn decline(ctx: &Ctx, telegram_user_id: i64, offer: i64) -> anyhow::Result<Answer> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(o) = db::lock_open(&mut tx, offer, now).await? else {
        return Ok(Answer::Gone);
    };
    if o.telegram_user_id != telegram_user_id || o.expires_at.is_none_or(|t| t <= now) {
        return Ok(Answer::Gone);
    }
    db::close(&mut tx, &o, Outcome::Declined, now).await?;
    tx.commit().await?;
    Ok(Answer::Declined)
}

/// Waitlist sizes per city and day of a campaign (the console's overview).
pub async fn sizes(ctx: &Ctx, campaign_id: i64) -> anyhow::Result<Vec<DaySize>> {
    Ok(db::sizes(&ctx.db, campaign_id).await?)
}

/// Offers the free seats a fill left behind (it skips entries other transactions hold).
pub async fn refill(ctx: &Ctx) -> anyhow::Result<i64> {
    Ok(db::refill(&ctx.db, ctx.clock.now()).await?)
}
