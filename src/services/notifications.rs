//! Messages the NCT pushes: slot changes (from a PostgreSQL trigger), the day-before
//! reminder, staff `/notify` and broadcasts. All go through the outbox, so the sender's
//! rate limits and its 429/403 handling apply, and a repeat of the same cause (a retried
//! job, a restart) queues nothing twice thanks to dedup keys.

use crate::db::outbox::DedupKey;
use chrono::{Duration, Timelike};
use sqlx::PgConnection;

use crate::db::applications::ApplicationView;
pub use crate::db::notifications::Audience;
use crate::db::notifications::{self as store, Recipient};
use crate::db::outbox::{self, NewMessage};
use crate::domain::ApplicationStatus;
use crate::format;
use crate::i18n::{Bilingual, Locale};
use crate::services::Ctx;

/// Longest text staff may send in a notice or broadcast: the header and the preview wrap
/// it, and Telegram refuses a message over 4096 characters.
pub const MAX_TEXT_CHARS: usize = 3500;

/// Whether staff's text may be sent: not empty, not over [`MAX_TEXT_CHARS`].
pub fn text_fits(text: &str) -> bool {
    let n = text.trim().chars().count();
    n > 0 && n <= MAX_TEXT_CHARS
}

/// The audience staff chose, from the bot's buttons or the console's form alike:
/// `kind` is `all`, `campaign`, `status`, `city` or `venue`, `value` the status, city or
/// venue picked. Anything else (an unknown status, a forged id, no campaign for a
/// campaign-bound audience) is `None`: nobody is messaged.
pub fn audience(kind: &str, value: Option<&str>, campaign_id: Option<i64>) -> Option<Audience> {
    if kind == "all" {
        return Some(Audience::All);
    }
    let campaign_id = campaign_id?;
    let value = value.map(str::trim).unwrap_or_default();
    Some(match kind {
        "campaign" => Audience::Campaign { campaign_id },
        "status" => Audience::Status { campaign_id, status: ApplicationStatus::parse(value)? },
        "city" => Audience::City { campaign_id, city_id: value.parse().ok().filter(|id: &i32| *id > 0)? },
        "venue" => Audience::Venue { campaign_id, venue_id: value.parse().ok().filter(|id: &i32| *id > 0)? },
        _ => return None,
    })
}

fn place_args<'a>(
    ctx: &Ctx,
    l: Locale,
    app: &'a ApplicationView,
) -> Vec<(&'static str, fluent_bundle::FluentValue<'a>)> {
    vec![
        ("id", app.id.into()),
        ("when", format::date_time(app.starts_at, ctx.config.timezone, l).into()),
        ("city", app.city.text(l).into()),
        ("venue", app.venue.text(l).into()),
        ("address", app.address.text(l).into()),
    ]
}

/// Renders `message` with each recipient's application and queues it once per `key`.
async fn queue_each(
    conn: &mut PgConnection,
    ctx: &Ctx,
    recipients: &[Recipient],
    message: &str,
    key: DedupKey,
    bulk: bool,
) -> anyhow::Result<usize> {
    let now = ctx.clock.now();
    let mut queued = 0;
    for r in recipients {
        let Some(app) = crate::db::applications::view(&ctx.db, r.telegram_user_id, r.application_id).await?
        else {
            continue;
        };
        let l = r.locale.unwrap_or(Locale::Kk);
        let text = ctx.i18n.f(l, message, &place_args(ctx, l, &app));
        let m = NewMessage {
            telegram_user_id: r.telegram_user_id,
            text: &text,
            reply_markup: None,
            dedup_key: key.per_application(r.application_id),
            not_before: now,
            bulk,
        };
        if outbox::enqueue(conn, &m).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// A slot moved (time or venue): tell its paid applicants where and when now. Runs in
/// the job's transaction, so the messages and the job's completion commit together.
pub async fn slot_changed(
    conn: &mut PgConnection,
    ctx: &Ctx,
    job_id: i64,
    slot_id: i64,
) -> anyhow::Result<usize> {
    let recipients = store::paid_on_slot(&ctx.db, slot_id).await?;
    let queued =
        queue_each(conn, ctx, &recipients, "slot-changed", DedupKey::SlotChanged { job: job_id }, false)
            .await?;
    tracing::info!(slot_id, queued, "slot change notified");
    Ok(queued)
}

/// The day before the test, from the configured local hour on: a reminder to every paid
/// applicant, once (the key carries the test date, so a moved slot reminds again).
pub async fn test_day_reminders(ctx: &Ctx) -> anyhow::Result<usize> {
    let tz = ctx.config.timezone;
    let local = ctx.clock.now().with_timezone(&tz);
    if local.hour() < ctx.config.notices.test_day_reminder_hour {
        return Ok(0);
    }
    let tomorrow = local.date_naive() + Duration::days(1);
    let key = DedupKey::TestDay { date: tomorrow };
    let mut tx = ctx.db.begin().await?;
    if !store::try_lead_sweep(&mut tx, crate::runtime::leader::SWEEPER).await? {
        return Ok(0);
    }
    let recipients = store::paid_on_day_not_told(&mut *tx, tomorrow, tz.name(), key).await?;
    let queued = queue_each(&mut tx, ctx, &recipients, "test-day-reminder", key, true).await?;
    tx.commit().await?;
    Ok(queued)
}

/// Staff `/notify`: the text as typed, under a localized header.
pub async fn notify(ctx: &Ctx, actor: i64, audience: &Audience, text: &str) -> anyhow::Result<u64> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let kk = format!("{}\n\n{text}", ctx.i18n.t(Locale::Kk, "notice-header"));
    let ru = format!("{}\n\n{text}", ctx.i18n.t(Locale::Ru, "notice-header"));
    let event = crate::db::audit::record_id(
        &mut *tx,
        actor,
        "notify",
        &serde_json::to_string(audience)?,
        serde_json::json!({ "length": text.chars().count() }),
    )
    .await?;
    let queued =
        store::enqueue_for(&mut tx, audience, &Bilingual::new(kk, ru), DedupKey::Notice { event }, None, now)
            .await?;
    tx.commit().await?;
    Ok(queued)
}

pub async fn audience_size(ctx: &Ctx, audience: &Audience) -> sqlx::Result<i64> {
    store::count(&ctx.db, audience).await
}

/// Starts a broadcast: one outbox row per person, in one transaction with the audit entry.
pub async fn broadcast(
    ctx: &Ctx,
    actor: i64,
    audience: &Audience,
    text: &str,
    progress: Option<(i64, i32)>,
) -> anyhow::Result<(i64, u64)> {
    let (id, queued, _) = start_broadcast(ctx, actor, None, audience, text, progress).await?;
    Ok((id, queued))
}

/// A fresh one-time key for a broadcast form (see [`broadcast_once`]).
pub fn new_broadcast_key() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Whether a form's key looks like one [`new_broadcast_key`] makes (the bot's keys, `tg:…`,
/// have a colon and so never come from a form).
pub fn is_broadcast_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A broadcast started at most once per `key`: the same confirmation sent again (a double
/// click, a resubmitted form, an update handled again after a crash) returns the broadcast
/// it started, and `false`, queuing nothing more.
pub async fn broadcast_once(
    ctx: &Ctx,
    actor: i64,
    key: &str,
    audience: &Audience,
    text: &str,
    progress: Option<(i64, i32)>,
) -> anyhow::Result<(i64, u64, bool)> {
    start_broadcast(ctx, actor, Some(key), audience, text, progress).await
}

async fn start_broadcast(
    ctx: &Ctx,
    actor: i64,
    key: Option<&str>,
    audience: &Audience,
    text: &str,
    progress: Option<(i64, i32)>,
) -> anyhow::Result<(i64, u64, bool)> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(id) = store::create_broadcast(&mut tx, key, actor, audience, text, progress).await? else {
        let key = key.unwrap_or_default();
        let (id, recipients) = store::broadcast_by_key(&mut tx, key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("broadcast key vanished"))?;
        tracing::info!(actor, broadcast_id = id, "broadcast confirmed again: not started twice");
        return Ok((id, recipients.max(0) as u64, false));
    };
    let queued = store::enqueue_for(
        &mut tx,
        audience,
        &Bilingual::new(text.to_string(), text.to_string()),
        DedupKey::Broadcast { id },
        Some(id),
        now,
    )
    .await?;
    // What the confirm handler puts in its message: the progress pass leaves it alone
    // until something moved, so the two never edit the same message with the same text.
    let first_progress = match progress {
        Some(_) => {
            let locale = crate::services::users::locale(ctx, actor).await?.unwrap_or(Locale::Ru);
            let args = [
                ("id", id.into()),
                ("sent", 0.into()),
                ("total", queued.into()),
                ("failed", 0.into()),
                ("unreachable", 0.into()),
            ];
            Some(ctx.i18n.f(locale, "broadcast-progress", &args))
        }
        None => None,
    };
    store::set_recipients(&mut tx, id, queued as i64, first_progress.as_deref()).await?;
    crate::db::audit::record(
        &mut *tx,
        actor,
        "broadcast",
        &format!("broadcast:{id}"),
        serde_json::json!({ "audience": audience, "recipients": queued }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(broadcast_id = id, recipients = queued, "broadcast queued");
    Ok((id, queued, true))
}

/// Pending messages and the oldest due one's wait per outbox lane, for `/metrics`.
pub async fn outbox_backlog(ctx: &Ctx) -> anyhow::Result<Vec<(&'static str, crate::db::outbox::Lane)>> {
    let (transactional, bulk) = crate::db::outbox::backlog(&ctx.db).await?;
    Ok(vec![("transactional", transactional), ("bulk", bulk)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_constructor_checks_every_choice() {
        let c = Some(7);
        assert_eq!(audience("all", None, None), Some(Audience::All));
        assert_eq!(audience("campaign", None, c), Some(Audience::Campaign { campaign_id: 7 }));
        assert_eq!(audience("campaign", None, None), None, "no campaign, nobody");
        assert_eq!(
            audience("status", Some("no_show"), c),
            Some(Audience::Status { campaign_id: 7, status: ApplicationStatus::NoShow })
        );
        assert_eq!(audience("status", Some("everyone'; --"), c), None);
        assert_eq!(audience("city", Some("3"), c), Some(Audience::City { campaign_id: 7, city_id: 3 }));
        assert_eq!(audience("city", Some("x"), c), None);
        assert_eq!(audience("venue", Some("-1"), c), None);
        assert_eq!(audience("slot", Some("1"), c), None);
        assert!(text_fits("hi") && !text_fits("  ") && !text_fits(&"я".repeat(MAX_TEXT_CHARS + 1)));
        assert!(text_fits(&"я".repeat(MAX_TEXT_CHARS)));
    }
}
