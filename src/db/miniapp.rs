//! What the Mini App shows: the campaign's cities and days with their free seats; and the
//! ids of the updates its choices become.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::i18n::{Bilingual, Locale};

#[derive(Debug, Clone, serde::Serialize)]
pub struct City {
    pub id: i32,
    pub name: Bilingual<String>,
    pub free: i64,
}

/// Cities with a future slot of the campaign, with their free seats.
pub async fn cities(pool: &PgPool, campaign: i64, now: DateTime<Utc>) -> sqlx::Result<Vec<City>> {
    sqlx::query_as!(
        City,
        r#"SELECT ci.id, ARRAY[ci.name_kk, ci.name_ru] AS "name!: Bilingual<String>",
                  sum(s.capacity - s.booked)::bigint AS "free!"
           FROM cities ci JOIN venues v ON v.city_id = ci.id JOIN slots s ON s.venue_id = v.id
           WHERE s.campaign_id = $1 AND s.starts_at > $2
           GROUP BY ci.id ORDER BY ci.sort_order, ci.id"#,
        campaign,
        now,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Day {
    pub date: NaiveDate,
    pub free: i64,
    pub capacity: i64,
}

/// The city's local test days (in `tz`) with their free seats.
pub async fn days(
    pool: &PgPool,
    campaign: i64,
    city: i32,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> sqlx::Result<Vec<Day>> {
    sqlx::query_as!(
        Day,
        r#"SELECT (s.starts_at AT TIME ZONE $4)::date AS "date!", sum(s.capacity - s.booked)::bigint AS "free!",
                  sum(s.capacity)::bigint AS "capacity!"
           FROM slots s JOIN venues v ON v.id = s.venue_id
           WHERE s.campaign_id = $1 AND v.city_id = $2 AND s.starts_at > $3
           GROUP BY 1 ORDER BY 1"#,
        campaign,
        city,
        now,
        tz.name(),
    )
    .fetch_all(pool)
    .await
}

/// A slot's campaign, city and local day, and whether a seat is free.
#[derive(Debug, Clone)]
pub struct SlotAt {
    pub campaign_id: i64,
    pub city_id: i32,
    pub date: NaiveDate,
    pub free: bool,
    pub future: bool,
}

pub async fn slot_at(
    pool: &PgPool,
    slot: i64,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> sqlx::Result<Option<SlotAt>> {
    sqlx::query_as!(
        SlotAt,
        r#"SELECT s.campaign_id, v.city_id, (s.starts_at AT TIME ZONE $3)::date AS "date!",
                  s.booked < s.capacity AS "free!", s.starts_at > $2 AS "future!"
           FROM slots s JOIN venues v ON v.id = s.venue_id WHERE s.id = $1"#,
        slot,
        now,
        tz.name(),
    )
    .fetch_optional(pool)
    .await
}

/// Who the Mini App's user is to the bot: his chat, name and interface language.
#[derive(Debug, Clone)]
pub struct Known {
    pub chat_id: i64,
    pub first_name: String,
    pub locale: Option<Locale>,
}

pub async fn known(pool: &PgPool, user_id: i64) -> sqlx::Result<Option<Known>> {
    sqlx::query_as!(
        Known,
        r#"SELECT chat_id, first_name, locale AS "locale: Locale" FROM telegram_users WHERE id = $1"#,
        user_id
    )
    .fetch_optional(pool)
    .await
}

/// The inbox id of the next Mini App update: negative, below every Telegram id (see the
/// migration).
pub async fn next_update_id(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT nextval('miniapp_update_ids') - 1099511627776 AS "id!""#)
        .fetch_one(pool)
        .await
}
