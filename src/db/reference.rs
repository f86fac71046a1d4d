//! Reference data as operators load it: `ent-bot seed demo` (catalogues, a campaign, its
//! slots, registry persons) and `ent-bot import` (persons and slots from CSV), and the
//! checks that say whether this database was seeded. The inserts return how many rows they
//! wrote, so a seed run can report what it added.

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

/// A campaign to create unless its code exists.
pub struct NewCampaign<'a> {
    pub code: &'a str,
    pub name_kk: &'a str,
    pub name_ru: &'a str,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub fee_tenge: i32,
    pub payment_window_minutes: i32,
}

pub async fn insert_campaign(conn: &mut PgConnection, c: &NewCampaign<'_>) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, \
         registration_closes_at, database_closed_at, fee_tenge, payment_window_minutes) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7) ON CONFLICT (code) DO NOTHING",
        c.code,
        c.name_kk,
        c.name_ru,
        c.opens_at,
        c.closes_at,
        c.fee_tenge,
        c.payment_window_minutes,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// The campaign's id and when its registration closes.
pub async fn campaign_by_code(conn: &mut PgConnection, code: &str) -> sqlx::Result<(i64, DateTime<Utc>)> {
    let r = sqlx::query!("SELECT id, registration_closes_at FROM campaigns WHERE code = $1", code)
        .fetch_one(conn)
        .await?;
    Ok((r.id, r.registration_closes_at))
}

/// A row stored before categories had short labels gets them, and this wording, once; a
/// row that has them is never touched again.
pub async fn put_category(
    conn: &mut PgConnection,
    code: &str,
    short_kk: &str,
    short_ru: &str,
    name_kk: &str,
    name_ru: &str,
    sort_order: i16,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO categories (code, short_kk, short_ru, name_kk, name_ru, sort_order) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (code) DO UPDATE SET short_kk = EXCLUDED.short_kk, short_ru = EXCLUDED.short_ru, \
             name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru, sort_order = EXCLUDED.sort_order \
         WHERE categories.short_kk IS NULL OR categories.short_ru IS NULL",
        code,
        short_kk,
        short_ru,
        name_kk,
        name_ru,
        sort_order,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn insert_subject(
    conn: &mut PgConnection,
    code: &str,
    name_kk: &str,
    name_ru: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO subjects (code, name_kk, name_ru) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
        code,
        name_kk,
        name_ru,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// No conflict target: an existing row with the same code or the same pair both count.
pub async fn insert_combination(
    conn: &mut PgConnection,
    code: &str,
    first: &str,
    second: Option<&str>,
    sort_order: i16,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO subject_combinations (code, first_subject_id, second_subject_id, sort_order) \
         SELECT $1, f.id, s.id, $4 FROM subjects f LEFT JOIN subjects s ON s.code = $3 \
         WHERE f.code = $2 ON CONFLICT DO NOTHING",
        code,
        first,
        second,
        sort_order,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn insert_test_language(
    conn: &mut PgConnection,
    code: &str,
    name_kk: &str,
    name_ru: &str,
    sort_order: i16,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO test_languages (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO NOTHING",
        code,
        name_kk,
        name_ru,
        sort_order,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn insert_city(
    conn: &mut PgConnection,
    code: &str,
    name_kk: &str,
    name_ru: &str,
    sort_order: i16,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO cities (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO NOTHING",
        code,
        name_kk,
        name_ru,
        sort_order,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// A venue in the city of that code.
pub async fn insert_venue(
    conn: &mut PgConnection,
    code: &str,
    city: &str,
    name_kk: &str,
    name_ru: &str,
    address_kk: &str,
    address_ru: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO venues (code, city_id, name_kk, name_ru, address_kk, address_ru) \
         SELECT $1, c.id, $3, $4, $5, $6 FROM cities c WHERE c.code = $2 \
         ON CONFLICT (code) DO NOTHING",
        code,
        city,
        name_kk,
        name_ru,
        address_kk,
        address_ru,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Offers the category of that code in the campaign, at `sort_order`.
pub async fn put_campaign_category(
    conn: &mut PgConnection,
    campaign_id: i64,
    category: &str,
    sort_order: i16,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO campaign_categories (campaign_id, category_id, sort_order) \
         SELECT $1, id, $3 FROM categories WHERE code = $2 \
         ON CONFLICT (campaign_id, category_id) DO UPDATE SET sort_order = EXCLUDED.sort_order \
         WHERE campaign_categories.sort_order <> EXCLUDED.sort_order",
        campaign_id,
        category,
        sort_order,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// A slot at the venue of that code, unless it exists.
pub async fn insert_slot(
    conn: &mut PgConnection,
    campaign_id: i64,
    venue: &str,
    starts_at: DateTime<Utc>,
    capacity: i32,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity) \
         SELECT $1, v.id, $3, $4 FROM venues v WHERE v.code = $2 \
         ON CONFLICT (campaign_id, venue_id, starts_at) DO NOTHING",
        campaign_id,
        venue,
        starts_at,
        capacity,
    )
    .execute(conn)
    .await?
    .rows_affected())
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
