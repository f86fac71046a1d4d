//! Reference data as operators load it besides session files (`db::session`): registry
//! persons (`seed demo`, `ent-bot import persons`), slots from CSV (`import slots`), and
//! the checks that say whether this database was seeded.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// Marks the database as a sandbox's (the sandbox refuses to run on any other).
pub async fn mark_sandbox(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO sandbox_marker DEFAULT VALUES ON CONFLICT DO NOTHING").execute(conn).await?;
    Ok(())
}

/// True when `seed demo` (or the sandbox) wrote this database.
pub async fn is_sandbox(pool: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM sandbox_marker) AS "seeded!""#).fetch_one(pool).await
}

/// No campaign means nothing was ever seeded or imported.
pub async fn no_campaign(pool: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT NOT EXISTS (SELECT 1 FROM campaigns) AS "empty!""#).fetch_one(pool).await
}

/// A registry person, unless the IIN exists.
pub async fn insert_person(
    conn: &mut PgConnection,
    iin: &str,
    last_name: &str,
    first_name: &str,
    patronymic: Option<&str>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO persons (iin, last_name, first_name, patronymic) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (iin) DO NOTHING",
        iin,
        last_name,
        first_name,
        patronymic,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Registry persons, column by column: inserted, or their names corrected when they differ.
pub async fn upsert_persons(
    conn: &mut PgConnection,
    iins: &[&str],
    last_names: &[&str],
    first_names: &[&str],
    patronymics: &[Option<&str>],
) -> sqlx::Result<()> {
    // The casts skip the macro's check of the arrays' Rust types, which knows `text[]` as
    // `Vec<String>` only.
    sqlx::query!(
        "INSERT INTO persons (iin, last_name, first_name, patronymic) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
         ON CONFLICT (iin) DO UPDATE SET last_name = EXCLUDED.last_name, \
             first_name = EXCLUDED.first_name, patronymic = EXCLUDED.patronymic \
         WHERE (persons.last_name, persons.first_name, persons.patronymic) \
             IS DISTINCT FROM (EXCLUDED.last_name, EXCLUDED.first_name, EXCLUDED.patronymic)",
        iins as &[&str],
        last_names as &[&str],
        first_names as &[&str],
        patronymics as &[Option<&str>],
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Every campaign's id by its code.
pub async fn campaign_ids(conn: &mut PgConnection) -> sqlx::Result<HashMap<String, i64>> {
    Ok(sqlx::query!("SELECT code, id FROM campaigns")
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|r| (r.code, r.id))
        .collect())
}

/// Every venue's id by its code.
pub async fn venue_ids(conn: &mut PgConnection) -> sqlx::Result<HashMap<String, i32>> {
    Ok(sqlx::query!("SELECT code, id FROM venues")
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|r| (r.code, r.id))
        .collect())
}

/// A slot, or a new capacity for it. The `booked ≤ capacity` CHECK (`slots_check`) refuses
/// a capacity below what is booked.
pub async fn upsert_slot(
    conn: &mut PgConnection,
    campaign_id: i64,
    venue_id: i32,
    starts_at: DateTime<Utc>,
    capacity: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (campaign_id, venue_id, starts_at) \
         DO UPDATE SET capacity = EXCLUDED.capacity, updated_at = now() \
         WHERE slots.capacity <> EXCLUDED.capacity",
        campaign_id,
        venue_id,
        starts_at,
        capacity,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Seats booked in the slot, if it exists.
pub async fn booked(
    pool: &PgPool,
    campaign_id: i64,
    venue_id: i32,
    starts_at: DateTime<Utc>,
) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!(
        "SELECT booked FROM slots WHERE campaign_id = $1 AND venue_id = $2 AND starts_at = $3",
        campaign_id,
        venue_id,
        starts_at,
    )
    .fetch_optional(pool)
    .await
}
