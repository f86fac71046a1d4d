//! What `ent-bot doctor` asks the database: the migrations it has, its limits and clock,
//! and how the campaign's seats are spread.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A migration as `_sqlx_migrations` records it.
#[derive(Debug, Clone)]
pub struct Applied {
    pub version: i64,
    pub checksum: Vec<u8>,
    pub success: bool,
}

/// `None` when the database has never been migrated (no `_sqlx_migrations`).
pub async fn applied_migrations(pool: &PgPool) -> sqlx::Result<Option<Vec<Applied>>> {
    let exists = sqlx::query_scalar!(r#"SELECT to_regclass('_sqlx_migrations') IS NOT NULL AS "exists!""#)
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(None);
    }
    let rows =
        sqlx::query_as!(Applied, "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await?;
    Ok(Some(rows))
}

#[derive(Debug, Clone)]
pub struct Server {
    pub version: String,
    pub max_connections: i32,
    pub reserved_connections: i32,
    pub connections_now: i64,
    pub now: DateTime<Utc>,
    pub time_zone: String,
}

pub async fn server(pool: &PgPool) -> sqlx::Result<Server> {
    sqlx::query_as!(
        Server,
        r#"SELECT current_setting('server_version') AS "version!",
                  current_setting('max_connections')::int AS "max_connections!",
                  current_setting('superuser_reserved_connections')::int AS "reserved_connections!",
                  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS "connections_now!",
                  now() AS "now!",
                  current_setting('TimeZone') AS "time_zone!""#,
    )
    .fetch_one(pool)
    .await
}

/// Slots and seats of a campaign in one city (every city with a venue, slots or not).
#[derive(Debug, Clone)]
pub struct CitySeats {
    pub city: String,
    pub slots: i64,
    pub seats: i64,
    pub booked: i64,
}

pub async fn seats_by_city(pool: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<CitySeats>> {
    sqlx::query_as!(
        CitySeats,
        r#"SELECT c.name_ru AS "city!", count(s.id) AS "slots!",
                  coalesce(sum(s.capacity), 0)::bigint AS "seats!", coalesce(sum(s.booked), 0)::bigint AS "booked!"
           FROM cities c
           JOIN venues v ON v.city_id = c.id
           LEFT JOIN slots s ON s.venue_id = v.id AND s.campaign_id = $1
           GROUP BY c.id, c.name_ru, c.sort_order
           ORDER BY c.sort_order, c.name_ru"#,
        campaign_id,
    )
    .fetch_all(pool)
    .await
}

/// The first and the last test time of a campaign.
pub async fn slot_span(
    pool: &PgPool,
    campaign_id: i64,
) -> sqlx::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let r = sqlx::query!(
        "SELECT min(starts_at) AS first, max(starts_at) AS last FROM slots WHERE campaign_id = $1",
        campaign_id,
    )
    .fetch_one(pool)
    .await?;
    Ok(r.first.zip(r.last))
}

/// Persons in the registry (whom an IIN can be bound to).
pub async fn persons(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM persons"#).fetch_one(pool).await
}
