//! Who is told what: paid applicants of a slot, broadcast audiences, test-day reminders.

use super::dedup_key::DedupKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use crate::domain::ApplicationStatus;
use crate::i18n::{Bilingual, Locale};

/// `broadcasts.status`, as PostgreSQL's `broadcast_status` spells it (the console shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[sqlx(type_name = "broadcast_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BroadcastStatus {
    Sending,
    Done,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub application_id: i64,
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
}

/// Paid applications of a slot and who holds them.
pub async fn paid_on_slot(pool: &PgPool, slot_id: i64) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as!(
        Recipient,
        r#"SELECT a.id AS application_id, ap.telegram_user_id, u.locale AS "locale: Locale"
           FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
           JOIN telegram_users u ON u.id = ap.telegram_user_id
           WHERE a.slot_id = $1 AND a.status = 'paid' ORDER BY a.id"#,
        slot_id,
    )
    .fetch_all(pool)
    .await
}

/// Paid applications whose test is on `day` (local date in `tz`).
/// Paid applications whose test is on `day` and who have no message with the dedup key
/// [`DedupKey::per_application`] yet: a sweep that runs every minute renders each once.
pub async fn paid_on_day_not_told(
    db: impl sqlx::PgExecutor<'_>,
    day: chrono::NaiveDate,
    tz: &str,
    key: DedupKey,
) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as!(
        Recipient,
        r#"SELECT a.id AS application_id, ap.telegram_user_id, u.locale AS "locale: Locale"
           FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
           JOIN telegram_users u ON u.id = ap.telegram_user_id
           JOIN slots s ON s.id = a.slot_id
           WHERE a.status = 'paid' AND (s.starts_at AT TIME ZONE $2)::date = $1
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedup_key = $3 || ':' || a.id)
           ORDER BY a.id"#,
        day,
        tz,
        key.to_string(),
    )
    .fetch_all(db)
    .await
}

/// The sweep's turn: true in one transaction at a time across processes (released at its
/// end), so two processes never render the same evening's reminders side by side.
pub async fn try_lead_sweep(conn: &mut sqlx::PgConnection, key: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock($1) AS "taken!""#, key).fetch_one(conn).await
}

/// Whom a staff notification or broadcast reaches. Stored with the broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// Everyone who ever started the bot.
    All,
    /// Applicants with a live (awaiting payment or paid) application in the campaign.
    Campaign {
        campaign_id: i64,
    },
    Status {
        campaign_id: i64,
        status: ApplicationStatus,
    },
    City {
        campaign_id: i64,
        city_id: i32,
    },
    Venue {
        campaign_id: i64,
        venue_id: i32,
    },
    Slot {
        slot_id: i64,
    },
    /// Paid applicants only (staff `/notify`): of a slot, a venue, or the whole campaign.
    PaidSlot {
        slot_id: i64,
    },
    PaidVenue {
        venue_id: i32,
    },
    PaidCampaign {
        campaign_id: i64,
    },
}

/// A statement over `broadcast_audience($1 … $6)` (migrations/20261207600001_views.sql):
/// the filter's six arguments first, then the statement's own.
macro_rules! audience_query {
    ($query:ident, $sql:literal, $f:expr $(, $arg:expr)* $(,)?) => {
        sqlx::$query!(
            $sql,
            $f.everyone,
            $f.campaign,
            $f.status as Option<ApplicationStatus>,
            $f.city,
            $f.venue,
            $f.slot
            $(, $arg)*
        )
    };
}

struct Filter {
    everyone: bool,
    campaign: Option<i64>,
    status: Option<ApplicationStatus>,
    city: Option<i32>,
    venue: Option<i32>,
    slot: Option<i64>,
}

impl Audience {
    fn filter(&self) -> Filter {
        let none =
            Filter { everyone: false, campaign: None, status: None, city: None, venue: None, slot: None };
        match self.clone() {
            Audience::All => Filter { everyone: true, ..none },
            Audience::Campaign { campaign_id } => Filter { campaign: Some(campaign_id), ..none },
            Audience::Status { campaign_id, status } => {
                Filter { campaign: Some(campaign_id), status: Some(status), ..none }
            }
            Audience::City { campaign_id, city_id } => {
                Filter { campaign: Some(campaign_id), city: Some(city_id), ..none }
            }
            Audience::Venue { campaign_id, venue_id } => {
                Filter { campaign: Some(campaign_id), venue: Some(venue_id), ..none }
            }
            Audience::Slot { slot_id } => Filter { slot: Some(slot_id), ..none },
            Audience::PaidSlot { slot_id } => {
                Filter { slot: Some(slot_id), status: Some(ApplicationStatus::Paid), ..none }
            }
            Audience::PaidVenue { venue_id } => {
                Filter { venue: Some(venue_id), status: Some(ApplicationStatus::Paid), ..none }
            }
            Audience::PaidCampaign { campaign_id } => {
                Filter { campaign: Some(campaign_id), status: Some(ApplicationStatus::Paid), ..none }
            }
        }
    }
}

pub async fn count(pool: &PgPool, audience: &Audience) -> sqlx::Result<i64> {
    let f = audience.filter();
    // broadcast_audience (migrations/20261207600001_views.sql): reachable users, each once
    // however many applications match.
    audience_query!(
        query_scalar,
        r#"SELECT count(*) AS "count!" FROM broadcast_audience($1, $2, $3, $4, $5, $6)"#,
        f
    )
    .fetch_one(pool)
    .await
}

/// Queues one message per user of the audience, the text chosen by his interface
/// language; `key` makes a repeat of the same notice queue nothing.
pub async fn enqueue_for(
    conn: &mut PgConnection,
    audience: &Audience,
    text: &Bilingual<String>,
    key: DedupKey,
    broadcast_id: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let f = audience.filter();
    let done = audience_query!(
        query,
        "INSERT INTO outbox (telegram_user_id, chat_id, text, dedup_key, broadcast_id, not_before, created_at, lane)
         SELECT u.id, u.chat_id, CASE WHEN u.locale = 'kk' THEN $7 ELSE $8 END, $9 || ':' || u.id, $10, $11, $11, 1
         FROM broadcast_audience($1, $2, $3, $4, $5, $6) u
         ON CONFLICT (dedup_key) DO NOTHING",
        f,
        &text.kk,
        &text.ru,
        key.to_string(),
        broadcast_id,
        now,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A new broadcast, under a one-time key when given: `None` when a broadcast with this key
/// exists (a concurrent insert of the same key waits for the first to commit). Without a
/// key it is always new (NULL keys never conflict).
pub async fn create_broadcast(
    conn: &mut PgConnection,
    key: Option<&str>,
    created_by: i64,
    audience: &Audience,
    text: &str,
    progress: Option<(i64, i32)>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO broadcasts (send_key, created_by, audience, text, recipients, progress_chat_id, progress_message_id)
         VALUES ($1, $2, $3, $4, 0, $5, $6)
         ON CONFLICT (send_key) DO NOTHING RETURNING id",
        key,
        created_by,
        serde_json::to_value(audience).expect("audience serializes"),
        text,
        progress.map(|p| p.0),
        progress.map(|p| p.1),
    )
    .fetch_optional(conn)
    .await
}

/// The broadcast started under this key, and its recipient count.
pub async fn broadcast_by_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<(i64, i32)>> {
    let found = sqlx::query!("SELECT id, recipients FROM broadcasts WHERE send_key = $1", key)
        .fetch_optional(conn)
        .await?;
    Ok(found.map(|b| (b.id, b.recipients)))
}

/// The audience size, and the progress text the staff member's message shows at the start.
pub async fn set_recipients(
    conn: &mut PgConnection,
    id: i64,
    recipients: i64,
    progress_text: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE broadcasts SET recipients = $2, progress_text = $3 WHERE id = $1",
        id,
        recipients as i32,
        progress_text,
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Progress {
    pub id: i64,
    pub created_by: i64,
    pub progress_chat_id: Option<i64>,
    pub progress_message_id: Option<i32>,
    pub total: i32,
    pub sent: i64,
    pub failed: i64,
    pub unreachable: i64,
    /// Still to send to reachable users.
    pub pending: i64,
    /// Finished; only its final report is still to be put in place.
    pub finished: bool,
    /// Created moments ago: the confirm handler may still be editing its message.
    pub fresh: bool,
}

/// Broadcasts still sending or whose final report is not in place yet, with their counts.
/// A message to a user who became unreachable is counted as such even if it was never tried.
pub async fn sending(pool: &PgPool) -> sqlx::Result<Vec<Progress>> {
    sqlx::query_as!(
        Progress,
        r#"SELECT b.id, b.created_by, b.progress_chat_id, b.progress_message_id, b.recipients AS total,
                b.status = 'done' AS "finished!", b.created_at > now() - interval '2 seconds' AS "fresh!",
                count(*) FILTER (WHERE o.status = 'sent') AS "sent!",
                count(*) FILTER (WHERE o.status = 'failed') AS "failed!",
                count(*) FILTER (WHERE o.status IN ('pending', 'skipped') AND u.unreachable) AS "unreachable!",
                count(*) FILTER (WHERE o.status = 'pending' AND NOT u.unreachable) AS "pending!"
         FROM broadcasts b
         LEFT JOIN outbox o ON o.broadcast_id = b.id
         LEFT JOIN telegram_users u ON u.id = o.telegram_user_id
         WHERE b.status = 'sending' OR (b.reported_at IS NULL AND b.progress_message_id IS NOT NULL)
         GROUP BY b.id ORDER BY b.id"#
    )
    .fetch_all(pool)
    .await
}

pub async fn finish_broadcast(pool: &PgPool, id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE broadcasts SET status = 'done', finished_at = $2 WHERE id = $1 AND status = 'sending'",
        id,
        now,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the right to put `text` in the progress message: false when it shows that text
/// already (or another process is putting it there). A final report claimed by a process
/// that died before it was in place is claimable again after a minute.
pub async fn claim_progress_text(pool: &PgPool, id: i64, text: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE broadcasts SET progress_text = $2, progress_edited_at = now()
         WHERE id = $1
           AND (progress_text IS DISTINCT FROM $2
                OR (status = 'done' AND reported_at IS NULL AND progress_edited_at < now() - interval '1 minute'))",
        id,
        text,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The edit with `text` failed: the next pass tries again.
pub async fn unclaim_progress_text(pool: &PgPool, id: i64, text: &str) -> sqlx::Result<()> {
    sqlx::query!("UPDATE broadcasts SET progress_text = NULL WHERE id = $1 AND progress_text = $2", id, text)
        .execute(pool)
        .await?;
    Ok(())
}

/// The final report is in place (or can never be: the message is gone).
pub async fn mark_reported(pool: &PgPool, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!("UPDATE broadcasts SET reported_at = $2 WHERE id = $1", id, now).execute(pool).await?;
    Ok(())
}
