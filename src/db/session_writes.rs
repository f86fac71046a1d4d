//! The statements that apply a session plan, on the apply's transaction. Each upsert
//! leaves a row alone when nothing in it differs, so a repeated apply touches nothing.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::i18n::Bilingual;

type Text = Bilingual<String>;

/// One apply at a time; a booking racing it is held back by the row locks it takes.
pub async fn lock(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('ent-bot session apply'))").execute(conn).await?;
    Ok(())
}

/// The campaign as a session file sets it (`put_campaign` writes it, returning its id).
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSpec {
    pub code: String,
    pub name: Text,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub database_closes_at: Option<DateTime<Utc>>,
    pub tests_from: NaiveDate,
    pub tests_until: NaiveDate,
    pub fee_tenge: i32,
    pub payment_window_minutes: i32,
    pub reminders_minutes_left: Vec<i32>,
    pub graduation_year: i16,
    pub retest_request_days: i16,
}

pub async fn put_campaign(conn: &mut PgConnection, c: &CampaignSpec) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, registration_closes_at,
                database_closed_at, tests_from, tests_until, fee_tenge, payment_window_minutes,
                reminders_minutes_left, graduation_year, retest_request_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (code) DO UPDATE SET name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru,
             registration_opens_at = EXCLUDED.registration_opens_at,
             registration_closes_at = EXCLUDED.registration_closes_at,
             -- /closedb may have closed it; a file without the key leaves that alone.
             database_closed_at = COALESCE(EXCLUDED.database_closed_at, campaigns.database_closed_at),
             tests_from = EXCLUDED.tests_from, tests_until = EXCLUDED.tests_until,
             fee_tenge = EXCLUDED.fee_tenge, payment_window_minutes = EXCLUDED.payment_window_minutes,
             reminders_minutes_left = EXCLUDED.reminders_minutes_left,
             graduation_year = EXCLUDED.graduation_year, retest_request_days = EXCLUDED.retest_request_days
         RETURNING id",
        c.code,
        c.name.kk,
        c.name.ru,
        c.opens_at,
        c.closes_at,
        c.database_closes_at,
        c.tests_from,
        c.tests_until,
        c.fee_tenge,
        c.payment_window_minutes,
        &c.reminders_minutes_left,
        c.graduation_year,
        c.retest_request_days,
    )
    .fetch_one(conn)
    .await
}

pub async fn put_category(
    conn: &mut PgConnection,
    code: &str,
    short: &Text,
    name: &Text,
    sort_order: i16,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO categories (code, sort_order, short_kk, short_ru, name_kk, name_ru)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (code) DO UPDATE SET short_kk = EXCLUDED.short_kk, short_ru = EXCLUDED.short_ru,
             name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru, sort_order = EXCLUDED.sort_order
         WHERE (categories.short_kk, categories.short_ru, categories.name_kk, categories.name_ru, categories.sort_order)
             IS DISTINCT FROM (EXCLUDED.short_kk, EXCLUDED.short_ru, EXCLUDED.name_kk, EXCLUDED.name_ru, EXCLUDED.sort_order)",
        code,
        sort_order,
        short.kk,
        short.ru,
        name.kk,
        name.ru,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The campaign offers exactly these categories, in this order.
pub async fn set_offered(conn: &mut PgConnection, campaign: i64, codes: &[String]) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM campaign_categories cc USING categories c
         WHERE cc.campaign_id = $1 AND c.id = cc.category_id AND NOT c.code = ANY($2)",
        campaign,
        codes,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO campaign_categories (campaign_id, category_id, sort_order)
         SELECT $1, c.id, w.ord::smallint FROM UNNEST($2::text[]) WITH ORDINALITY AS w(code, ord)
         JOIN categories c ON c.code = w.code
         ON CONFLICT (campaign_id, category_id) DO UPDATE SET sort_order = EXCLUDED.sort_order
         WHERE campaign_categories.sort_order <> EXCLUDED.sort_order",
        campaign,
        codes,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An upsert into a table of codes with a name in each language and a sort order
/// (`test_languages`, `regions`): one body for both, each with its own checked statement.
macro_rules! put_named {
    ($(#[$doc:meta])* $fn:ident, $sql:literal) => {
        $(#[$doc])*
        pub async fn $fn(conn: &mut PgConnection, code: &str, name: &Text, sort_order: i16) -> sqlx::Result<()> {
            sqlx::query!($sql, code, name.kk, name.ru, sort_order).execute(conn).await?;
            Ok(())
        }
    };
}

put_named!(
    put_test_language,
    "INSERT INTO test_languages (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru,
             sort_order = EXCLUDED.sort_order
         WHERE (test_languages.name_kk, test_languages.name_ru, test_languages.sort_order)
             IS DISTINCT FROM (EXCLUDED.name_kk, EXCLUDED.name_ru, EXCLUDED.sort_order)"
);

pub async fn put_subject(conn: &mut PgConnection, code: &str, name: &Text) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO subjects (code, name_kk, name_ru) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO UPDATE SET name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru
         WHERE (subjects.name_kk, subjects.name_ru) IS DISTINCT FROM (EXCLUDED.name_kk, EXCLUDED.name_ru)",
        code,
        name.kk,
        name.ru,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn put_combination(
    conn: &mut PgConnection,
    code: &str,
    first: &str,
    second: Option<&str>,
    sort_order: i16,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO subject_combinations (code, first_subject_id, second_subject_id, sort_order)
         SELECT $1, f.id, s.id, $4 FROM subjects f LEFT JOIN subjects s ON s.code = $3 WHERE f.code = $2
         ON CONFLICT (code) DO UPDATE SET first_subject_id = EXCLUDED.first_subject_id,
             second_subject_id = EXCLUDED.second_subject_id, sort_order = EXCLUDED.sort_order
         WHERE (subject_combinations.first_subject_id, subject_combinations.second_subject_id,
                subject_combinations.sort_order)
             IS DISTINCT FROM (EXCLUDED.first_subject_id, EXCLUDED.second_subject_id, EXCLUDED.sort_order)",
        code,
        first,
        second,
        sort_order,
    )
    .execute(conn)
    .await?;
    Ok(())
}

put_named!(
    put_region,
    "INSERT INTO regions (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru,
             sort_order = EXCLUDED.sort_order
         WHERE (regions.name_kk, regions.name_ru, regions.sort_order)
             IS DISTINCT FROM (EXCLUDED.name_kk, EXCLUDED.name_ru, EXCLUDED.sort_order)"
);

pub async fn put_city(
    conn: &mut PgConnection,
    code: &str,
    region: &str,
    name: &Text,
    sort_order: i16,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO cities (code, region_id, name_kk, name_ru, sort_order)
         SELECT $1, r.id, $3, $4, $5 FROM regions r WHERE r.code = $2
         ON CONFLICT (code) DO UPDATE SET region_id = EXCLUDED.region_id, name_kk = EXCLUDED.name_kk,
             name_ru = EXCLUDED.name_ru, sort_order = EXCLUDED.sort_order
         WHERE (cities.region_id, cities.name_kk, cities.name_ru, cities.sort_order)
             IS DISTINCT FROM (EXCLUDED.region_id, EXCLUDED.name_kk, EXCLUDED.name_ru, EXCLUDED.sort_order)",
        code,
        region,
        name.kk,
        name.ru,
        sort_order,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A changed name or address queues the slot-change notice (the `venues_changed` trigger).
pub async fn put_venue(
    conn: &mut PgConnection,
    code: &str,
    city: &str,
    name: &Text,
    address: &Text,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO venues (code, city_id, name_kk, name_ru, address_kk, address_ru)
         SELECT $1, c.id, $3, $4, $5, $6 FROM cities c WHERE c.code = $2
         ON CONFLICT (code) DO UPDATE SET city_id = EXCLUDED.city_id, name_kk = EXCLUDED.name_kk,
             name_ru = EXCLUDED.name_ru, address_kk = EXCLUDED.address_kk, address_ru = EXCLUDED.address_ru
         WHERE (venues.city_id, venues.name_kk, venues.name_ru, venues.address_kk, venues.address_ru)
             IS DISTINCT FROM (EXCLUDED.city_id, EXCLUDED.name_kk, EXCLUDED.name_ru, EXCLUDED.address_kk,
                               EXCLUDED.address_ru)",
        code,
        city,
        name.kk,
        name.ru,
        address.kk,
        address.ru,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Rows of a catalog the file no longer lists and nothing uses.
pub async fn delete_unused(conn: &mut PgConnection, kind: Kind, codes: &[String]) -> sqlx::Result<()> {
    match kind {
        Kind::Categories => {
            sqlx::query!("DELETE FROM categories WHERE code = ANY($1)", codes).execute(conn).await?
        }
        Kind::TestLanguages => {
            sqlx::query!("DELETE FROM test_languages WHERE code = ANY($1)", codes).execute(conn).await?
        }
        Kind::Subjects => {
            sqlx::query!("DELETE FROM subjects WHERE code = ANY($1)", codes).execute(conn).await?
        }
        Kind::Combinations => {
            sqlx::query!("DELETE FROM subject_combinations WHERE code = ANY($1)", codes).execute(conn).await?
        }
        Kind::Regions => {
            sqlx::query!("DELETE FROM regions WHERE code = ANY($1)", codes).execute(conn).await?
        }
        Kind::Cities => sqlx::query!("DELETE FROM cities WHERE code = ANY($1)", codes).execute(conn).await?,
        Kind::Venues => sqlx::query!("DELETE FROM venues WHERE code = ANY($1)", codes).execute(conn).await?,
    };
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Categories,
    TestLanguages,
    Subjects,
    Combinations,
    Regions,
    Cities,
    Venues,
}

pub async fn insert_slots(
    conn: &mut PgConnection,
    campaign: i64,
    venues: &[String],
    starts: &[DateTime<Utc>],
    capacities: &[i32],
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity)
         SELECT $1, v.id, w.starts_at, w.capacity
         FROM UNNEST($2::text[], $3::timestamptz[], $4::int[]) AS w(venue, starts_at, capacity)
         JOIN venues v ON v.code = w.venue",
        campaign,
        venues,
        starts,
        capacities,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// New capacities; the `booked ≤ capacity` CHECK stays the last word.
pub async fn set_capacities(conn: &mut PgConnection, ids: &[i64], capacities: &[i32]) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE slots s SET capacity = w.capacity, updated_at = now()
         FROM UNNEST($1::bigint[], $2::int[]) AS w(id, capacity) WHERE s.id = w.id",
        ids,
        capacities,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a slot; the `slots_changed` trigger queues the notice to its applicants.
pub async fn move_slot(
    conn: &mut PgConnection,
    id: i64,
    starts_at: DateTime<Utc>,
    capacity: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE slots SET starts_at = $2, capacity = $3, updated_at = now() WHERE id = $1",
        id,
        starts_at,
        capacity,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Slots nobody holds a seat in. Past, closed applications of such a slot keep it.
pub async fn delete_slots(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM slots s WHERE s.id = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.slot_id = s.id)",
        ids,
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn notify_catalog(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_notify('catalog_changed', 'session')").execute(conn).await?;
    Ok(())
}
