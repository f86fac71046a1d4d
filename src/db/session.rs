//! What a session file is compared with: a snapshot of the campaign and the catalogs, with
//! how much uses each row (the writes are in `session_writes`). All run on the one
//! connection of the apply's transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::domain::ApplicationStatus;

/// Statuses that hold a seat or block a new application: what a change must not strand.
const LIVE: [ApplicationStatus; 3] =
    [ApplicationStatus::AwaitingPayment, ApplicationStatus::Paid, ApplicationStatus::NoShow];

#[derive(Debug, Clone)]
pub struct StoredCampaign {
    pub id: i64,
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub database_closed_at: Option<DateTime<Utc>>,
    pub tests_from: Option<NaiveDate>,
    pub tests_until: Option<NaiveDate>,
    pub fee_tenge: i32,
    pub payment_window_minutes: i32,
    pub reminders_minutes_left: Option<Vec<i32>>,
    pub graduation_year: Option<i16>,
    pub retest_request_days: i16,
}

pub async fn campaign(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<StoredCampaign>> {
    sqlx::query_as!(
        StoredCampaign,
        "SELECT id, code, name_kk, name_ru, registration_opens_at, registration_closes_at, database_closed_at,
                tests_from, tests_until, fee_tenge, payment_window_minutes, reminders_minutes_left,
                graduation_year, retest_request_days
         FROM campaigns WHERE code = $1 FOR UPDATE",
        code,
    )
    .fetch_optional(conn)
    .await
}

/// A catalog row as stored, with `live`: applications still holding a seat or blocking
/// (in any campaign) that point at it, and `used`: any row at all that points at it.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub code: String,
    /// The fields compared, in a fixed order per kind.
    pub fields: Vec<String>,
    pub live: i64,
    pub used: i64,
}

// Each query builds the compared fields itself (`fields`, a text array in the kind's fixed
// order), so every kind reads straight into `StoredRow`.

/// Global rows; `used` leaves out what `campaign` offers (the file decides that).
pub async fn categories(conn: &mut PgConnection, campaign: i64) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT c.code,
                  ARRAY[COALESCE(c.short_kk, ''), COALESCE(c.short_ru, ''), c.name_kk, c.name_ru,
                        c.sort_order::text] AS "fields!",
                  (SELECT count(*) FROM applications a WHERE a.category_id = c.id AND a.status = ANY($1)) AS "live!",
                  (SELECT count(*) FROM applications a WHERE a.category_id = c.id)
                  + (SELECT count(*) FROM campaign_categories cc
                     WHERE cc.category_id = c.id AND cc.campaign_id <> $2) AS "used!"
           FROM categories c ORDER BY c.sort_order, c.id"#,
        &LIVE as &[ApplicationStatus],
        campaign,
    )
    .fetch_all(conn)
    .await
}

/// The categories the campaign offers, in its order, with its live applications of each.
pub async fn offered(conn: &mut PgConnection, campaign: i64) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT code AS "code!", fields AS "fields!", live AS "live!", live AS "used!"
           FROM (SELECT c.code, ARRAY[cc.sort_order::text] AS fields, cc.sort_order, c.id,
                        (SELECT count(*) FROM applications a
                         WHERE a.category_id = c.id AND a.campaign_id = $1 AND a.status = ANY($2)) AS live
                 FROM campaign_categories cc JOIN categories c ON c.id = cc.category_id
                 WHERE cc.campaign_id = $1) o
           ORDER BY sort_order, id"#,
        campaign,
        &LIVE as &[ApplicationStatus],
    )
    .fetch_all(conn)
    .await
}

pub async fn test_languages(conn: &mut PgConnection) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT t.code, ARRAY[t.name_kk, t.name_ru, t.sort_order::text] AS "fields!",
                  (SELECT count(*) FROM applications a WHERE a.test_language = t.code AND a.status = ANY($1)) AS "live!",
                  (SELECT count(*) FROM applications a WHERE a.test_language = t.code) AS "used!"
           FROM test_languages t ORDER BY t.sort_order, t.code"#,
        &LIVE as &[ApplicationStatus],
    )
    .fetch_all(conn)
    .await
}

pub async fn subjects(conn: &mut PgConnection) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT s.code, ARRAY[s.name_kk, s.name_ru] AS "fields!", 0::bigint AS "live!",
                  (SELECT count(*) FROM subject_combinations c
                   WHERE c.first_subject_id = s.id OR c.second_subject_id = s.id) AS "used!"
           FROM subjects s ORDER BY s.id"#,
    )
    .fetch_all(conn)
    .await
}

pub async fn combinations(conn: &mut PgConnection) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT c.code, ARRAY[f.code, COALESCE(s.code, ''), c.sort_order::text] AS "fields!",
                  (SELECT count(*) FROM applications a WHERE a.combination_id = c.id AND a.status = ANY($1)) AS "live!",
                  (SELECT count(*) FROM applications a WHERE a.combination_id = c.id) AS "used!"
           FROM subject_combinations c JOIN subjects f ON f.id = c.first_subject_id
           LEFT JOIN subjects s ON s.id = c.second_subject_id ORDER BY c.sort_order, c.id"#,
        &LIVE as &[ApplicationStatus],
    )
    .fetch_all(conn)
    .await
}

pub async fn regions(conn: &mut PgConnection) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT r.code, ARRAY[r.name_kk, r.name_ru, r.sort_order::text] AS "fields!",
                  0::bigint AS "live!", 0::bigint AS "used!"
           FROM regions r ORDER BY r.sort_order, r.id"#,
    )
    .fetch_all(conn)
    .await
}

pub async fn cities(conn: &mut PgConnection) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT c.code, ARRAY[COALESCE(r.code, ''), c.name_kk, c.name_ru, c.sort_order::text] AS "fields!",
                  0::bigint AS "live!", 0::bigint AS "used!"
           FROM cities c LEFT JOIN regions r ON r.id = c.region_id ORDER BY c.sort_order, c.id"#,
    )
    .fetch_all(conn)
    .await
}

/// `used`: slots of other campaigns than `campaign` (the file decides about its own).
pub async fn venues(conn: &mut PgConnection, campaign: i64) -> sqlx::Result<Vec<StoredRow>> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT v.code, ARRAY[c.code, v.name_kk, v.name_ru, v.address_kk, v.address_ru] AS "fields!",
                  0::bigint AS "live!",
                  (SELECT count(*) FROM slots s WHERE s.venue_id = v.id AND s.campaign_id <> $1) AS "used!"
           FROM venues v JOIN cities c ON c.id = v.city_id ORDER BY c.sort_order, v.id"#,
        campaign,
    )
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone)]
pub struct StoredSlot {
    pub id: i64,
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    pub capacity: i32,
    pub booked: i32,
    pub live: i64,
    pub paid: i64,
    /// Applications of any status: a slot with past ones is kept.
    pub used: i64,
}

/// The campaign's slots, locked: no booking changes them until the apply commits.
pub async fn slots(conn: &mut PgConnection, campaign: i64) -> sqlx::Result<Vec<StoredSlot>> {
    sqlx::query_as!(
        StoredSlot,
        r#"SELECT s.id, v.code AS venue, s.starts_at, s.capacity, s.booked,
                  (SELECT count(*) FROM applications a WHERE a.slot_id = s.id AND a.status = ANY($2)) AS "live!",
                  (SELECT count(*) FROM applications a WHERE a.slot_id = s.id AND a.status = $3) AS "paid!",
                  (SELECT count(*) FROM applications a WHERE a.slot_id = s.id) AS "used!"
           FROM slots s JOIN venues v ON v.id = s.venue_id
           WHERE s.campaign_id = $1 ORDER BY s.starts_at, v.code FOR UPDATE OF s"#,
        campaign,
        &LIVE as &[ApplicationStatus],
        ApplicationStatus::Paid as ApplicationStatus,
    )
    .fetch_all(conn)
    .await
}

pub use super::session_writes::*;
