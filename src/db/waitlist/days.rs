//! What the waitlist picker lists: every future city, day and slot, full ones too.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::i18n::Bilingual;

/// Cities with a future slot of the campaign, full or not.
pub async fn cities_with_slots(
    pool: &PgPool,
    campaign: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<crate::db::catalog::Named<i32>>> {
    sqlx::query_as!(
        crate::db::catalog::Named,
        r#"SELECT ci.id, ARRAY[ci.name_kk, ci.name_ru] AS "name!: Bilingual<String>" FROM cities ci
           WHERE EXISTS (SELECT 1 FROM slots s JOIN venues v ON v.id = s.venue_id
                         WHERE v.city_id = ci.id AND s.campaign_id = $1 AND s.starts_at > $2)
           ORDER BY ci.sort_order, ci.id"#,
        campaign,
        now,
    )
    .fetch_all(pool)
    .await
}

/// Local dates (in `tz`) with a future slot in the city, full or not.
pub async fn dates_with_slots(
    pool: &PgPool,
    campaign: i64,
    city: i32,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> sqlx::Result<Vec<NaiveDate>> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT (s.starts_at AT TIME ZONE $4)::date AS "day!"
           FROM slots s JOIN venues v ON v.id = s.venue_id
           WHERE s.campaign_id = $1 AND v.city_id = $2 AND s.starts_at > $3
           ORDER BY 1"#,
        campaign,
        city,
        now,
        tz.name(),
    )
    .fetch_all(pool)
    .await
}

/// A slot of a day with its free seats (0 when full).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DaySlot {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub free: i32,
    pub venue: Bilingual<String>,
}

pub async fn day_slots(
    pool: &PgPool,
    campaign: i64,
    city: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<DaySlot>> {
    sqlx::query_as!(
        DaySlot,
        r#"SELECT s.id, s.starts_at, s.capacity - s.booked AS "free!",
                  ARRAY[v.name_kk, v.name_ru] AS "venue!: Bilingual<String>"
           FROM slots s JOIN venues v ON v.id = s.venue_id
           WHERE s.campaign_id = $1 AND v.city_id = $2 AND s.starts_at >= $3 AND s.starts_at < $4
             AND s.starts_at > $5
           ORDER BY s.starts_at, v.id"#,
        campaign,
        city,
        from,
        to,
        now,
    )
    .fetch_all(pool)
    .await
}
