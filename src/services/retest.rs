//! The retest for a valid reason (order No. 204 of 15 March 2026): a no-show asks within
//! the campaign's `retest_request_days` with documents; staff approve or refuse (with the
//! reason in both languages); an approved applicant takes a seat on a later day of the same
//! session, in the same test language, without paying again, and sits the test on paper.
//! Everything is audited; the no-show ban stays for everyone else (his registration is the
//! one that moves, so the one-live-application index still bars a new one).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use teloxide::types::InlineKeyboardMarkup;

use crate::callback::{Callback, RetestButton};
use crate::db::audit;
use crate::db::outbox::{DedupKey, NewMessage};
use crate::db::retests::{self, Document};
use crate::domain::{ApplicationStatus, RetestFile, RetestReason, RetestStatus, within_request_window};
use crate::i18n::{Bilingual, Locale};
use crate::services::Ctx;

pub use crate::db::retests::{Approved, Request};

/// What «My applications» may offer for an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// A no-show within the window with no request yet (or only refused ones).
    Allowed,
    NotNoShow,
    PastWindow,
    /// A request is pending, approved or used.
    Requested(RetestStatus),
}

fn offer_for(t: &retests::Target, now: DateTime<Utc>) -> Offer {
    match t.request {
        Some(r @ (RetestStatus::Pending | RetestStatus::Approved | RetestStatus::Booked)) => {
            Offer::Requested(r)
        }
        _ if t.status != ApplicationStatus::NoShow => Offer::NotNoShow,
        _ if !within_request_window(t.starts_at, t.retest_request_days, now) => Offer::PastWindow,
        _ => Offer::Allowed,
    }
}

/// `None` when the application is not his.
pub async fn offer(ctx: &Ctx, telegram_user_id: i64, application: i64) -> anyhow::Result<Option<Offer>> {
    let target = retests::target(&ctx.db, telegram_user_id, application).await?;
    Ok(target.map(|t| offer_for(&t, ctx.clock.now())))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Sent(i64),
    Refused(Offer),
    NoDocuments,
    NotHis,
}

/// Records the request with its documents and the audit entry, in one transaction.
pub async fn submit(
    ctx: &Ctx,
    telegram_user_id: i64,
    application: i64,
    reason: RetestReason,
    files: &[RetestFile],
) -> anyhow::Result<Submitted> {
    if files.is_empty() || files.len() > crate::domain::MAX_DOCUMENTS {
        return Ok(Submitted::NoDocuments);
    }
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let created = retests::create(&mut tx, telegram_user_id, application, reason, files, now).await;
    let id = match created {
        Ok(Some(id)) => id,
        Ok(None) => {
            drop(tx);
            return Ok(match offer(ctx, telegram_user_id, application).await? {
                Some(o) => Submitted::Refused(if o == Offer::Allowed { Offer::PastWindow } else { o }),
                None => Submitted::NotHis,
            });
        }
        Err(e) if crate::db::violates(&e, retests::ONE_PER_APPLICATION) => {
            return Ok(Submitted::Refused(Offer::Requested(RetestStatus::Pending)));
        }
        Err(e) => return Err(e.into()),
    };
    let details = json!({ "request": id, "reason": reason.as_str(), "documents": files.len() });
    audit::record(
        &mut *tx,
        telegram_user_id,
        "retest.request",
        &format!("application:{application}"),
        details,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = telegram_user_id, application, request = id, "retest requested");
    Ok(Submitted::Sent(id))
}

/// The queue of pending requests for staff, its view audited with the ids it showed.
pub async fn queue(ctx: &Ctx, actor: i64, limit: i64) -> anyhow::Result<(Vec<Request>, i64)> {
    let (rows, total) = retests::pending(&ctx.db, limit).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let applications: Vec<i64> = rows.iter().map(|r| r.application_id).collect();
    let details = json!({ "requests": ids, "applications": applications, "pending": total });
    audit::record(&ctx.db, actor, "retests.view", "", details).await?;
    Ok((rows, total))
}

/// One request with its documents' descriptions, the view audited.
pub async fn request(ctx: &Ctx, actor: i64, id: i64) -> anyhow::Result<Option<(Request, Vec<Document>)>> {
    let Some(r) = retests::request(&ctx.db, id).await? else { return Ok(None) };
    let docs = retests::documents(&ctx.db, id).await?;
    let details = json!({ "application": r.application_id });
    audit::record(&ctx.db, actor, "retest.view", &format!("retest:{id}"), details).await?;
    Ok(Some((r, docs)))
}

/// A document shown to a staff member in the bot (the console audits its own downloads).
pub async fn document_shown(ctx: &Ctx, actor: i64, id: i64, position: i16) -> anyhow::Result<()> {
    let details = json!({ "position": position, "channel": "bot" });
    audit::record(&ctx.db, actor, "retest.document", &format!("retest:{id}"), details).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Done,
    /// Decided already (by this or another staff member), or no such request.
    NotPending,
}

/// What staff decided of a request.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// The applicant is told, with the button to pick a new slot.
    Approve,
    /// The applicant reads the reason in his language.
    Refuse(Bilingual<String>),
}

/// Approves a pending request (see [`decide`]).
pub async fn approve(ctx: &Ctx, actor: i64, id: i64) -> anyhow::Result<Decision> {
    decide(ctx, actor, id, Verdict::Approve).await
}

/// Refuses a pending request (see [`decide`]).
pub async fn refuse(ctx: &Ctx, actor: i64, id: i64, note: Bilingual<String>) -> anyhow::Result<Decision> {
    decide(ctx, actor, id, Verdict::Refuse(note)).await
}

/// Longest refusal reason kept, per language: it is quoted in a chat message.
pub const NOTE_CHARS: usize = 300;

/// Decides a pending request: the applicant told, the audit log written, in one
/// transaction. A second decision changes and sends nothing.
pub async fn decide(ctx: &Ctx, actor: i64, id: i64, verdict: Verdict) -> anyhow::Result<Decision> {
    let (status, action, note) = match verdict {
        Verdict::Approve => (RetestStatus::Approved, "retest.approve", None),
        Verdict::Refuse(note) => {
            let note = note.map(|n| n.trim().chars().take(NOTE_CHARS).collect::<String>());
            (RetestStatus::Refused, "retest.refuse", Some(note))
        }
    };
    let mut tx = ctx.db.begin().await?;
    let Some(d) = retests::decide(&mut tx, id, actor, status, note.as_ref(), ctx.clock.now()).await? else {
        return Ok(Decision::NotPending);
    };
    let details = json!({ "application": d.application_id });
    let event = audit::record_id(&mut *tx, actor, action, &format!("retest:{id}"), details).await?;
    let l = d.locale.unwrap_or(Locale::Kk);
    let (text, keyboard) = match &note {
        None => {
            let text = ctx.i18n.f(l, "retest-approved", &[("id", d.application_id.into())]);
            let pick = Callback::Retest(RetestButton::Pick(id)).button(ctx.i18n.t(l, "retest-pick-slot"));
            (text, Some(InlineKeyboardMarkup::new([[pick]])))
        }
        Some(note) => {
            let args = [
                ("id", d.application_id.into()),
                ("note", note.get(l).clone().into()),
                ("support", ctx.config.support_contact.as_str().into()),
            ];
            (ctx.i18n.f(l, "retest-refused", &args), None)
        }
    };
    let key = DedupKey::Retest { event };
    queue_message(&mut tx, ctx, d.telegram_user_id, &text, keyboard.as_ref(), key).await?;
    tx.commit().await?;
    tracing::info!(
        actor,
        request = id,
        application = d.application_id,
        verdict = status.as_str(),
        "retest decided"
    );
    Ok(Decision::Done)
}

async fn queue_message(
    conn: &mut sqlx::PgConnection,
    ctx: &Ctx,
    user: i64,
    text: &str,
    keyboard: Option<&InlineKeyboardMarkup>,
    key: DedupKey,
) -> anyhow::Result<bool> {
    let message = NewMessage::transactional(user, text, key, ctx.clock.now())
        .with_markup(keyboard.map(serde_json::to_value).transpose()?);
    Ok(crate::db::outbox::enqueue(conn, &message).await?)
}

/// The applicant's approved request, still waiting for his slot.
pub async fn approved(ctx: &Ctx, telegram_user_id: i64, id: i64) -> anyhow::Result<Option<Approved>> {
    Ok(retests::approved(&ctx.db, telegram_user_id, id).await?)
}

/// The first local day a retest may be on: tomorrow.
pub fn today(ctx: &Ctx) -> NaiveDate {
    crate::format::local_date(ctx.clock.now(), ctx.config.timezone)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booking {
    Booked,
    /// The slot filled up or is not a later day of the session: pick another.
    SlotGone,
    /// Not (or no longer) an approved request of his.
    NotApproved,
}

/// Takes the seat (see `db::retests::book`) and audits it; the applicant is his own actor.
pub async fn book(ctx: &Ctx, telegram_user_id: i64, id: i64, slot: i64) -> anyhow::Result<Booking> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let tz = ctx.config.timezone.name();
    let Some(application) = retests::book(&mut tx, telegram_user_id, id, slot, today(ctx), tz, now).await?
    else {
        drop(tx);
        return Ok(match approved(ctx, telegram_user_id, id).await? {
            Some(_) => Booking::SlotGone,
            None => Booking::NotApproved,
        });
    };
    let details = json!({ "request": id, "slot": slot });
    audit::record(&mut *tx, telegram_user_id, "retest.book", &format!("application:{application}"), details)
        .await?;
    tx.commit().await?;
    crate::metrics::seat_booked();
    tracing::info!(user = telegram_user_id, application, request = id, slot, "retest seat taken");
    Ok(Booking::Booked)
}

/// Cities with a free seat on a later day of the campaign.
pub async fn cities(ctx: &Ctx, campaign: i64) -> anyhow::Result<Vec<crate::services::catalog::Named<i32>>> {
    let tomorrow = crate::services::catalog::day_bounds(today(ctx), ctx.config.timezone).1;
    Ok(crate::db::catalog::cities_with_seats(&ctx.db, campaign, None, tomorrow).await?)
}

/// Days after today with a free seat in the city.
pub async fn dates(ctx: &Ctx, campaign: i64, city: i32) -> anyhow::Result<Vec<NaiveDate>> {
    let today = today(ctx);
    let days = crate::services::catalog::dates_with_seats(ctx, campaign, city).await?;
    Ok(days.into_iter().filter(|d| *d > today).collect())
}

/// Free slots in the city on a day after today (none for today or earlier).
pub async fn slots(
    ctx: &Ctx,
    campaign: i64,
    city: i32,
    date: NaiveDate,
) -> anyhow::Result<Vec<crate::services::catalog::DaySlot>> {
    if date <= today(ctx) {
        return Ok(vec![]);
    }
    crate::services::catalog::free_slots(ctx, campaign, city, date).await
}

/// Whether the application's seat came from a retest (sat on paper).
pub async fn is_retest(ctx: &Ctx, application: i64) -> anyhow::Result<bool> {
    Ok(retests::is_retest(&ctx.db, application).await?)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn target(status: ApplicationStatus, request: Option<RetestStatus>) -> retests::Target {
        let starts_at = Utc.with_ymd_and_hms(2027, 1, 11, 4, 0, 0).unwrap();
        retests::Target { id: 1, status, starts_at, retest_request_days: 3, request }
    }

    #[test]
    fn only_a_recent_no_show_without_a_live_request_may_ask() {
        let t = target(ApplicationStatus::NoShow, None);
        let day_after = t.starts_at + Duration::days(1);
        assert_eq!(offer_for(&t, day_after), Offer::Allowed);
        assert_eq!(offer_for(&t, t.starts_at + Duration::days(4)), Offer::PastWindow);
        assert_eq!(offer_for(&target(ApplicationStatus::Paid, None), day_after), Offer::NotNoShow);
        let refused = target(ApplicationStatus::NoShow, Some(RetestStatus::Refused));
        assert_eq!(offer_for(&refused, day_after), Offer::Allowed);
        let pending = target(ApplicationStatus::NoShow, Some(RetestStatus::Pending));
        assert_eq!(offer_for(&pending, day_after), Offer::Requested(RetestStatus::Pending));
    }
}
