//! Regions with free seats, and the localities in one: the wizard's region step.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::catalog::Named;
use crate::i18n::Bilingual;

/// How the localities with free seats in a campaign spread over regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    pub localities: i64,
    /// Localities that belong to a region (loaded before regions existed, some may not).
    pub in_regions: i64,
    pub regions: i64,
}

pub async fn spread(pool: &PgPool, campaign: i64, now: DateTime<Utc>) -> sqlx::Result<Spread> {
    sqlx::query_as!(
        Spread,
        r#"SELECT count(*) AS "localities!", count(ci.region_id) AS "in_regions!",
                  count(DISTINCT ci.region_id) AS "regions!"
           FROM cities ci
           WHERE EXISTS (SELECT 1 FROM slots s JOIN venues v ON v.id = s.venue_id
                         WHERE v.city_id = ci.id AND s.campaign_id = $1 AND s.starts_at > $2
                           AND s.booked < s.capacity)"#,
        campaign,
        now,
    )
    .fetch_one(pool)
    .await
}

/// Regions with a free seat in a future slot of the campaign.
pub async fn with_seats(pool: &PgPool, campaign: i64, now: DateTime<Utc>) -> sqlx::Result<Vec<Named<i32>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT r.id, ARRAY[r.name_kk, r.name_ru] AS "name!: Bilingual<String>" FROM regions r
           WHERE EXISTS (SELECT 1 FROM slots s JOIN venues v ON v.id = s.venue_id
                         JOIN cities ci ON ci.id = v.city_id
                         WHERE ci.region_id = r.id AND s.campaign_id = $1 AND s.starts_at > $2
                           AND s.booked < s.capacity)
           ORDER BY r.sort_order, r.id"#,
        campaign,
        now,
    )
    .fetch_all(pool)
    .await
}
