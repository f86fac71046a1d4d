//! Offers of freed seats: sent, answered, expired or voided.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::db::applications::{HoldCap, hold_limited_until};
use crate::i18n::{Bilingual, Locale};

/// An open offer, locked until the caller's transaction ends, with what its message says.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: i64,
    pub entry_id: i64,
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
    pub slot_id: i64,
    pub starts_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
    pub address: Bilingual<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The campaign takes applications at `now` and the test has not begun.
    pub bookable: bool,
}

pub async fn lock_open(
    conn: &mut PgConnection,
    offer_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Offer>> {
    sqlx::query_as!(
        Offer,
        r#"SELECT f.id, f.entry_id, ap.telegram_user_id, u.locale AS "locale: Locale", f.slot_id, s.starts_at,
                  ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>",
                  ARRAY[v.name_kk, v.name_ru] AS "venue!: Bilingual<String>",
                  ARRAY[v.address_kk, v.address_ru] AS "address!: Bilingual<String>",
                  f.sent_at, f.expires_at,
                  (s.starts_at > $2 AND $2 >= c.registration_opens_at AND $2 < c.registration_closes_at
                   AND (c.database_closed_at IS NULL OR c.database_closed_at > $2)) AS "bookable!"
           FROM waitlist_offers f
           JOIN waitlist_entries w ON w.id = f.entry_id
           JOIN applicants ap ON ap.id = w.applicant_id
           JOIN telegram_users u ON u.id = ap.telegram_user_id
           JOIN slots s ON s.id = f.slot_id
           JOIN venues v ON v.id = s.venue_id
           JOIN cities ci ON ci.id = v.city_id
           JOIN campaigns c ON c.id = s.campaign_id
           WHERE f.id = $1 AND f.status = 'open'
           FOR UPDATE OF f, w"#,
        offer_id,
        now,
    )
    .fetch_optional(conn)
    .await
}

/// The offer goes out: valid until `expires_at`, when the expiry job is due.
pub async fn mark_sent(
    conn: &mut PgConnection,
    offer_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "WITH sent AS (UPDATE waitlist_offers SET sent_at = $2, expires_at = $3 WHERE id = $1)
         INSERT INTO scheduled_jobs (kind, due_at, payload)
         VALUES ('waitlist_offer_expiry', $3, jsonb_build_object('offer_id', $1::bigint))",
        offer_id,
        now,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How an offer ends without a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// He said no: out of line, the seat to the next.
    Declined,
    /// He was silent: out of line, the seat to the next.
    Expired,
    /// The slot can no longer be booked (the campaign closed, the test began): he keeps
    /// his place, and the seat is released without being offered again.
    Void,
}

/// Ends a locked open offer and gives its seat back, which the `slots` trigger offers to
/// the next in line (except for `Void`).
pub async fn close(
    conn: &mut PgConnection,
    offer: &Offer,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (offer_status, entry_status, action) = match outcome {
        Outcome::Declined => ("declined", "passed", "waitlist_decline"),
        Outcome::Expired => ("expired", "passed", "waitlist_expire"),
        Outcome::Void => ("void", "waiting", "waitlist_void"),
    };
    if outcome == Outcome::Void {
        sqlx::query_scalar!("SELECT set_config('ent.waitlist_fill', 'off', true)")
            .fetch_one(&mut *conn)
            .await?;
    }
    sqlx::query!(
        "WITH o AS (UPDATE waitlist_offers SET status = $2::text::waitlist_offer_status, closed_at = $4
                    WHERE id = $1 AND status = 'open' RETURNING entry_id, slot_id),
              e AS (UPDATE waitlist_entries w
                    SET status = $3::text::waitlist_status,
                        closed_at = CASE WHEN $3 = 'waiting' THEN NULL ELSE $4::timestamptz END
                    FROM o WHERE w.id = o.entry_id)
         UPDATE slots s SET booked = s.booked - 1 FROM o WHERE s.id = o.slot_id",
        offer.id,
        offer_status,
        entry_status,
        now,
    )
    .execute(&mut *conn)
    .await?;
    if outcome == Outcome::Void {
        sqlx::query_scalar!("SELECT set_config('ent.waitlist_fill', 'on', true)")
            .fetch_one(&mut *conn)
            .await?;
    }
    let actor = if outcome == Outcome::Declined { offer.telegram_user_id } else { 0 };
    crate::db::audit::record(
        &mut *conn,
        actor,
        action,
        &format!("offer:{}", offer.id),
        serde_json::json!({ "entry_id": offer.entry_id, "slot_id": offer.slot_id }),
    )
    .await?;
    Ok(())
}

/// What accepting an offer needs to write the application the wizard would have.
#[derive(Debug, Clone)]
pub struct Acceptance<'a> {
    pub telegram_user_id: i64,
    pub offer_id: i64,
    pub now: DateTime<Utc>,
    /// The campaign's payment window and the reminders that fit in it.
    pub window_minutes: i32,
    pub reminder_minutes: &'a [i32],
    pub cap: HoldCap,
}

/// The campaign an offer's seat belongs to.
pub async fn offer_campaign(pool: &PgPool, offer_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT w.campaign_id FROM waitlist_offers f JOIN waitlist_entries w ON w.id = f.entry_id WHERE f.id = $1",
        offer_id
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    Booked {
        application_id: i64,
        payment_deadline: DateTime<Utc>,
    },
    /// Not his, not open, not yet sent or past its time.
    Gone,
    /// Held by the caller: his unpaid holds are capped until then; the offer stays open.
    HoldLimit(DateTime<Utc>),
    /// The campaign or the slot can no longer be booked.
    NotBookable,
    /// He has a live application in the campaign (the unique index refused).
    ActiveApplication,
}

/// Turns the offer's held seat into an application `awaiting_payment` with its payment
/// window, reminders and expiry, as booking does, without touching `booked` (the offer
/// already counts the seat). The applicant's row is locked first, as booking does.
pub async fn accept(pool: &PgPool, a: &Acceptance<'_>) -> sqlx::Result<Accepted> {
    let mut tx = pool.begin().await?;
    let Some(applicant) = crate::db::applicants::lock_for_booking(&mut tx, a.telegram_user_id).await? else {
        return Ok(Accepted::Gone);
    };
    let Some(offer) = lock_open(&mut tx, a.offer_id, a.now).await? else {
        return Ok(Accepted::Gone);
    };
    if offer.telegram_user_id != a.telegram_user_id || offer.expires_at.is_none_or(|t| t <= a.now) {
        return Ok(Accepted::Gone);
    }
    if !offer.bookable {
        return Ok(Accepted::NotBookable);
    }
    if let Some(until) = hold_limited_until(&mut *tx, applicant, a.now, a.cap).await? {
        return Ok(Accepted::HoldLimit(until));
    }
    let deadline = a.now + chrono::Duration::minutes(i64::from(a.window_minutes));
    // The offer is closed before the application exists, so the `applications` trigger
    // (which ends the applicant's place in line) finds no open offer of his to release.
    sqlx::query!(
        "WITH o AS (UPDATE waitlist_offers SET status = 'accepted', closed_at = $2 WHERE id = $1 RETURNING entry_id)
         UPDATE waitlist_entries w SET status = 'booked', closed_at = $2 FROM o WHERE w.id = o.entry_id",
        offer.id,
        a.now,
    )
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query!(
        r#"WITH app AS (
             INSERT INTO applications (applicant_id, campaign_id, category_id, test_language,
                                       combination_id, slot_id, status, payment_deadline, created_at, updated_at)
             SELECT $1, w.campaign_id, w.category_id, w.test_language, w.combination_id, $3,
                    'awaiting_payment', $5, $4, $4
             FROM waitlist_entries w WHERE w.id = $2
             RETURNING id
         ), offer AS (
             UPDATE waitlist_offers SET application_id = (SELECT id FROM app) WHERE id = $7
         )
         SELECT app.id AS "id!", schedule_payment_jobs(app.id, $5, $4, $6) AS "jobs!" FROM app"#,
        applicant,
        offer.entry_id,
        offer.slot_id,
        a.now,
        deadline,
        a.reminder_minutes,
        offer.id,
    )
    .fetch_one(&mut *tx)
    .await;
    let application_id = match inserted {
        Ok(row) => row.id,
        Err(e) if crate::db::violates(&e, crate::db::applications::ONE_ACTIVE) => {
            return Ok(Accepted::ActiveApplication);
        }
        Err(e) => return Err(e),
    };
    crate::db::audit::record(
        &mut *tx,
        a.telegram_user_id,
        "waitlist_accept",
        &format!("offer:{}", offer.id),
        serde_json::json!({ "application_id": application_id, "slot_id": offer.slot_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Accepted::Booked { application_id, payment_deadline: deadline })
}

/// Seats of a slot held by open offers.
pub async fn held(pool: &PgPool, slot_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM waitlist_offers WHERE slot_id = $1 AND status = 'open'"#,
        slot_id
    )
    .fetch_one(pool)
    .await
}
