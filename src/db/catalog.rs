//! Reference data (categories, languages, combinations, cities) and seat availability.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;

use crate::i18n::{Bilingual, Locale};

/// A row with a name in each language.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Named<K> {
    pub id: K,
    pub name: Bilingual<String>,
}

impl<K> Named<K> {
    pub fn name(&self, locale: Locale) -> &str {
        self.name.text(locale)
    }
}

pub async fn categories(pool: &PgPool) -> sqlx::Result<Vec<Named<i16>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT id, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>" FROM categories ORDER BY sort_order, id"#
    )
    .fetch_all(pool)
    .await
}

pub async fn test_languages(pool: &PgPool) -> sqlx::Result<Vec<Named<String>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT code AS id, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>"
           FROM test_languages ORDER BY sort_order, code"#
    )
    .fetch_all(pool)
    .await
}

/// A combination's name is its subjects' names joined by « – ».
pub async fn combinations(pool: &PgPool) -> sqlx::Result<Vec<Named<i16>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT c.id,
                  ARRAY[s1.name_kk || COALESCE(' – ' || s2.name_kk, ''),
                        s1.name_ru || COALESCE(' – ' || s2.name_ru, '')] AS "name!: Bilingual<String>"
           FROM subject_combinations c
           JOIN subjects s1 ON s1.id = c.first_subject_id
           LEFT JOIN subjects s2 ON s2.id = c.second_subject_id
           ORDER BY c.sort_order, c.id"#
    )
    .fetch_all(pool)
    .await
}

/// Cities (of the region, when given) with at least one free seat in a slot of the campaign
/// starting after `after` (now for the wizard, the next local day for a retest).
pub async fn cities_with_seats(
    pool: &PgPool,
    campaign: i64,
    region: Option<i32>,
    after: DateTime<Utc>,
) -> sqlx::Result<Vec<Named<i32>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT ci.id, ARRAY[ci.name_kk, ci.name_ru] AS "name!: Bilingual<String>" FROM cities ci
           WHERE ($3::int IS NULL OR ci.region_id = $3)
             AND EXISTS (SELECT 1 FROM slots s JOIN venues v ON v.id = s.venue_id
                         WHERE v.city_id = ci.id AND s.campaign_id = $1 AND s.starts_at > $2
                           AND s.booked < s.capacity)
           ORDER BY ci.sort_order, ci.id"#,
        campaign,
        after,
        region,
    )
    .fetch_all(pool)
    .await
}

pub async fn city(pool: &PgPool, id: i32) -> sqlx::Result<Option<Named<i32>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT id, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>" FROM cities WHERE id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await
}

// The wizard, the waitlist picker and the Mini App list the same cities, days and slots;
// the wizard keeps what has a free seat, the others show full ones too.

/// A city with a future slot of the campaign, and its free seats.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CitySeats {
    pub id: i32,
    pub name: Bilingual<String>,
    pub free: i64,
}

/// Cities with a future slot of the campaign, full or not, with their free seats.
pub async fn cities_with_slots(
    pool: &PgPool,
    campaign: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<CitySeats>> {
    sqlx::query_as!(
        CitySeats,
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

/// A local test day (in the campaign's time zone) of a city, with its seats.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Day {
    pub date: NaiveDate,
    pub free: i64,
    pub capacity: i64,
}

/// The city's local test days (in `tz`) with a future slot, full or not.
pub async fn days(
    pool: &PgPool,
    campaign: i64,
    city: i32,
    now: DateTime<Utc>,
    tz: Tz,
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

/// A future slot with its free seats (0 when full).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct DaySlot {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub free: i32,
    pub venue: Bilingual<String>,
}

/// The city's future slots starting in `[from, to)`, full or not.
pub async fn day_slots(
    pool: &PgPool,
    campaign: i64,
    city: i32,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
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

/// Everything an applicant is shown about a slot: when and where.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlotPlace {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
    pub address: Bilingual<String>,
}

pub async fn slot_place(pool: &PgPool, slot: i64) -> sqlx::Result<Option<SlotPlace>> {
    sqlx::query_as!(
        SlotPlace,
        r#"SELECT s.id, s.starts_at, ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>",
                  ARRAY[v.name_kk, v.name_ru] AS "venue!: Bilingual<String>",
                  ARRAY[v.address_kk, v.address_ru] AS "address!: Bilingual<String>"
           FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id
           WHERE s.id = $1"#,
        slot,
    )
    .fetch_optional(pool)
    .await
}

pub async fn all_cities(pool: &PgPool) -> sqlx::Result<Vec<Named<i32>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT id, ARRAY[name_kk, name_ru] AS "name!: Bilingual<String>" FROM cities ORDER BY sort_order, id"#
    )
    .fetch_all(pool)
    .await
}

pub async fn all_venues(pool: &PgPool) -> sqlx::Result<Vec<Named<i32>>> {
    sqlx::query_as!(
        Named,
        r#"SELECT v.id, ARRAY[c.name_kk || ': ' || v.name_kk, c.name_ru || ': ' || v.name_ru] AS "name!: Bilingual<String>"
           FROM venues v JOIN cities c ON c.id = v.city_id ORDER BY c.sort_order, v.id"#
    )
    .fetch_all(pool)
    .await
}

/// A venue by its code (`ast-1`) or id.
pub async fn venue_id(pool: &PgPool, key: &str) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!("SELECT id FROM venues WHERE code = $1 OR id::text = $1", key)
        .fetch_optional(pool)
        .await
}

/// A participant category as a campaign offers it: a short label for its button and the
/// full official wording.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryOption {
    pub id: i16,
    /// The button label; a category stored without one shows its wording.
    pub short: Bilingual<String>,
    pub name: Bilingual<String>,
}

impl CategoryOption {
    pub fn short(&self, l: Locale) -> &str {
        self.short.text(l)
    }

    pub fn full(&self, l: Locale) -> &str {
        self.name.text(l)
    }
}

/// The categories a campaign offers, in its order; a campaign with none listed offers all.
pub async fn campaign_categories(pool: &PgPool, campaign: i64) -> sqlx::Result<Vec<CategoryOption>> {
    // The same columns as application_category's. Not a view: the migration tests rewind
    // `categories` to its older columns, which a view on them would pin.
    sqlx::query_as!(
        CategoryOption,
        r#"SELECT c.id,
                  ARRAY[COALESCE(c.short_kk, c.name_kk), COALESCE(c.short_ru, c.name_ru)] AS "short!: Bilingual<String>",
                  ARRAY[c.name_kk, c.name_ru] AS "name!: Bilingual<String>"
           FROM categories c
           LEFT JOIN campaign_categories cc ON cc.category_id = c.id AND cc.campaign_id = $1
           WHERE cc.campaign_id IS NOT NULL
              OR NOT EXISTS (SELECT 1 FROM campaign_categories x WHERE x.campaign_id = $1)
           ORDER BY COALESCE(cc.sort_order, c.sort_order), c.id"#,
        campaign,
    )
    .fetch_all(pool)
    .await
}

/// The category of an application, and the application's campaign.
pub async fn application_category(
    pool: &PgPool,
    application: i64,
) -> sqlx::Result<Option<(CategoryOption, i64)>> {
    let row = sqlx::query!(
        r#"SELECT c.id,
                  ARRAY[COALESCE(c.short_kk, c.name_kk), COALESCE(c.short_ru, c.name_ru)] AS "short!: Bilingual<String>",
                  ARRAY[c.name_kk, c.name_ru] AS "name!: Bilingual<String>", a.campaign_id
           FROM categories c JOIN applications a ON a.category_id = c.id WHERE a.id = $1"#,
        application,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (CategoryOption { id: r.id, short: r.short, name: r.name }, r.campaign_id)))
}

/// The first and the last local day with a slot in the campaign.
pub async fn test_days(pool: &PgPool, campaign: i64, tz: Tz) -> sqlx::Result<Option<(NaiveDate, NaiveDate)>> {
    let days = sqlx::query!(
        "SELECT min((starts_at AT TIME ZONE $2)::date) AS first, max((starts_at AT TIME ZONE $2)::date) AS last
         FROM slots WHERE campaign_id = $1",
        campaign,
        tz.name(),
    )
    .fetch_one(pool)
    .await?;
    Ok(days.first.zip(days.last))
}
