//! The waitlist: places in line and the offers of freed seats. Offers are made by the
//! `waitlist_fill` function (a trigger on `slots`, see the migration), in the transaction
//! that frees the seat; what is here joins and leaves the line and settles offers.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::i18n::Bilingual;

mod offers;
pub use offers::*;

/// The partial unique index: one place in line per applicant and campaign.
pub const ONE_PER_CAMPAIGN: &str = "waitlist_one_per_campaign";

#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub telegram_user_id: i64,
    pub campaign_id: i64,
    pub category_id: i16,
    pub test_language: &'a str,
    pub combination_id: i16,
    pub city_id: i32,
    pub test_date: NaiveDate,
    pub day_from: DateTime<Utc>,
    pub day_to: DateTime<Utc>,
    pub slot_id: Option<i64>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// In line; `offered` when a seat was free and is offered at once.
    Joined {
        entry_id: i64,
        offered: bool,
    },
    AlreadyWaiting,
    /// The slot is not of that city and day, or the choices are not of the campaign.
    NoSuchPlace,
    NoApplicant,
}

/// Puts the applicant in line, then gives him any seat of the day already free (it came
/// back in the moment between the wizard's list and this).
pub async fn join(pool: &PgPool, e: &NewEntry<'_>) -> sqlx::Result<Joined> {
    let mut tx = pool.begin().await?;
    let applicant: Option<i64> = sqlx::query_scalar!(
        "SELECT id FROM applicants WHERE telegram_user_id = $1 AND iin IS NOT NULL FOR NO KEY UPDATE",
        e.telegram_user_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(applicant) = applicant else {
        return Ok(Joined::NoApplicant);
    };
    let place_ok: bool = sqlx::query_scalar!(
        r#"SELECT $3::bigint IS NULL OR EXISTS (
               SELECT 1 FROM slots s JOIN venues v ON v.id = s.venue_id
               WHERE s.id = $3 AND s.campaign_id = $1 AND v.city_id = $2
                 AND s.starts_at >= $4 AND s.starts_at < $5) AS "ok!""#,
        e.campaign_id,
        e.city_id,
        e.slot_id,
        e.day_from,
        e.day_to,
    )
    .fetch_one(&mut *tx)
    .await?;
    if !place_ok {
        return Ok(Joined::NoSuchPlace);
    }
    let inserted = sqlx::query_scalar!(
        "INSERT INTO waitlist_entries (applicant_id, campaign_id, category_id, test_language, combination_id,
                                       city_id, test_date, day_from, day_to, slot_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        applicant,
        e.campaign_id,
        e.category_id,
        e.test_language,
        e.combination_id,
        e.city_id,
        e.test_date,
        e.day_from,
        e.day_to,
        e.slot_id,
        e.now,
    )
    .fetch_one(&mut *tx)
    .await;
    let entry_id = match inserted {
        Ok(id) => id,
        Err(err) if crate::db::violates(&err, ONE_PER_CAMPAIGN) => return Ok(Joined::AlreadyWaiting),
        Err(err) if err.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
            return Ok(Joined::NoSuchPlace);
        }
        Err(err) => return Err(err),
    };
    // Slots in id order, so two joins lock them in the same order.
    sqlx::query!(
        "SELECT waitlist_fill(s.id) FROM slots s JOIN venues v ON v.id = s.venue_id
         WHERE s.campaign_id = $1 AND v.city_id = $2 AND s.starts_at >= $3 AND s.starts_at < $4
           AND s.starts_at > $6 AND ($5::bigint IS NULL OR s.id = $5) AND s.booked < s.capacity
         ORDER BY s.id",
        e.campaign_id,
        e.city_id,
        e.day_from,
        e.day_to,
        e.slot_id,
        e.now,
    )
    .fetch_all(&mut *tx)
    .await?;
    // The fill above may have offered him a seat at once.
    let offered = sqlx::query_scalar!(
        r#"SELECT status = 'offered' AS "offered!" FROM waitlist_entries WHERE id = $1"#,
        entry_id
    )
    .fetch_one(&mut *tx)
    .await?;
    crate::db::audit::record(
        &mut *tx,
        e.telegram_user_id,
        "waitlist_join",
        &format!("entry:{entry_id}"),
        serde_json::json!({ "city_id": e.city_id, "date": e.test_date, "slot_id": e.slot_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(Joined::Joined { entry_id, offered })
}

/// The applicant's place in line (waiting or being offered a seat) as he sees it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub id: i64,
    pub offered: bool,
    pub city: Bilingual<String>,
    pub test_date: NaiveDate,
    pub slot_starts_at: Option<DateTime<Utc>>,
    pub venue: Option<Bilingual<String>>,
    /// 1 for the first in line.
    pub position: i64,
}

pub async fn current(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<EntryView>> {
    sqlx::query_as!(
        EntryView,
        r#"SELECT w.id, w.status = 'offered' AS "offered!", ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>",
                  w.test_date, s.starts_at AS "slot_starts_at?",
                  CASE WHEN v.id IS NULL THEN NULL ELSE ARRAY[v.name_kk, v.name_ru] END AS "venue?: Bilingual<String>",
                  1 + (SELECT count(*) FROM waitlist_entries o
                       WHERE o.status = 'waiting' AND o.campaign_id = w.campaign_id AND o.city_id = w.city_id
                         AND o.day_from = w.day_from AND o.id < w.id) AS "position!"
           FROM waitlist_entries w
           JOIN applicants ap ON ap.id = w.applicant_id
           JOIN cities ci ON ci.id = w.city_id
           LEFT JOIN slots s ON s.id = w.slot_id
           LEFT JOIN venues v ON v.id = s.venue_id
           WHERE ap.telegram_user_id = $1 AND w.status IN ('waiting', 'offered')
           ORDER BY w.id DESC LIMIT 1"#,
        telegram_user_id,
    )
    .fetch_optional(pool)
    .await
}

/// Takes the applicant out of line; a seat offered to him goes to the next. False when
/// the entry is not his or no longer in line.
pub async fn leave(
    pool: &PgPool,
    telegram_user_id: i64,
    entry_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let left = sqlx::query_scalar!(
        "UPDATE waitlist_entries w SET status = 'left', closed_at = $3
         FROM applicants ap
         WHERE w.id = $2 AND ap.id = w.applicant_id AND ap.telegram_user_id = $1
           AND w.status IN ('waiting', 'offered')
         RETURNING w.id",
        telegram_user_id,
        entry_id,
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if left.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        "WITH o AS (UPDATE waitlist_offers SET status = 'withdrawn', closed_at = $2
                    WHERE entry_id = $1 AND status = 'open' RETURNING slot_id)
         UPDATE slots s SET booked = s.booked - 1 FROM o WHERE s.id = o.slot_id",
        entry_id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    crate::db::audit::record(
        &mut *tx,
        telegram_user_id,
        "waitlist_leave",
        &format!("entry:{entry_id}"),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Waitlist sizes of a campaign per city and day, for the console.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DaySize {
    pub city: Bilingual<String>,
    pub test_date: NaiveDate,
    pub waiting: i64,
    pub offered: i64,
}

pub async fn sizes(pool: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<DaySize>> {
    sqlx::query_as!(
        DaySize,
        r#"SELECT ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>", w.test_date,
                  count(*) FILTER (WHERE w.status = 'waiting') AS "waiting!",
                  count(*) FILTER (WHERE w.status = 'offered') AS "offered!"
           FROM waitlist_entries w JOIN cities ci ON ci.id = w.city_id
           WHERE w.campaign_id = $1 AND w.status IN ('waiting', 'offered')
           GROUP BY ci.id, ci.name_kk, ci.name_ru, ci.sort_order, w.test_date
           ORDER BY w.test_date, ci.sort_order, ci.id"#,
        campaign_id,
    )
    .fetch_all(pool)
    .await
}

/// Free seats left behind by a fill that skipped entries another transaction held: each
/// such slot is filled again (housekeeping).
pub async fn refill(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(waitlist_fill(s.id)), 0)::bigint AS "n!" FROM slots s
           JOIN campaigns c ON c.id = s.campaign_id
           WHERE s.booked < s.capacity AND s.starts_at > $1
             AND $1 >= c.registration_opens_at AND $1 < c.registration_closes_at
             AND (c.database_closed_at IS NULL OR c.database_closed_at > $1)
             AND EXISTS (SELECT 1 FROM waitlist_entries w JOIN venues v ON v.city_id = w.city_id
                         WHERE v.id = s.venue_id AND w.status = 'waiting' AND w.campaign_id = s.campaign_id
                           AND (w.slot_id = s.id OR (w.slot_id IS NULL AND w.day_from <= s.starts_at
                                                     AND s.starts_at < w.day_to)))"#,
        now,
    )
    .fetch_one(pool)
    .await
}
