//! Staff roles and what staff look up.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::{ApplicationStatus, Method, PaymentStatus};
use crate::i18n::Bilingual;

pub use crate::domain::Role;

/// What `ADMIN_IDS` did to one id at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootstrapped {
    /// Never staff (or brought back by `/staff add`): made an admin now.
    Added,
    /// Staff already, with this role: left as he is (a demotion by `/staff` stands).
    Kept(Role),
    /// Removed by `/staff remove`: not made staff again.
    Removed,
}

/// `ADMIN_IDS` makes admins of the ids that are not staff yet and were never removed: a
/// `/staff remove` or a demotion stands across restarts.
pub async fn bootstrap_admins(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<(i64, Bootstrapped)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // The outer SELECT sees the tables as they were before the INSERT.
    let rows: Vec<(i64, bool, bool, Option<Role>)> = sqlx::query_as(
        "WITH ids AS (SELECT DISTINCT id FROM unnest($1::bigint[]) AS id),
         added AS (
             INSERT INTO staff (telegram_user_id, role)
             SELECT id, 'admin' FROM ids
             WHERE NOT EXISTS (SELECT 1 FROM staff_removals r WHERE r.telegram_user_id = ids.id)
             ON CONFLICT (telegram_user_id) DO NOTHING
             RETURNING telegram_user_id
         )
         SELECT ids.id, EXISTS (SELECT 1 FROM added WHERE added.telegram_user_id = ids.id),
                r.telegram_user_id IS NOT NULL, s.role
         FROM ids LEFT JOIN staff_removals r ON r.telegram_user_id = ids.id
         LEFT JOIN staff s ON s.telegram_user_id = ids.id
         ORDER BY ids.id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, added, removed, role)| {
            let what = match (added, removed, role) {
                (true, _, _) => Bootstrapped::Added,
                (false, _, Some(role)) => Bootstrapped::Kept(role),
                (false, true, None) => Bootstrapped::Removed,
                // Added by another process starting at the same moment.
                (false, false, None) => Bootstrapped::Kept(Role::Admin),
            };
            (id, what)
        })
        .collect())
}

pub async fn role(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<Role>> {
    sqlx::query_scalar("SELECT role FROM staff WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .fetch_optional(pool)
        .await
}

pub async fn all(pool: &PgPool) -> sqlx::Result<Vec<(i64, Role)>> {
    sqlx::query_as("SELECT telegram_user_id, role FROM staff ORDER BY telegram_user_id").fetch_all(pool).await
}

pub async fn put(pool: &PgPool, telegram_user_id: i64, role: Role, added_by: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO staff (telegram_user_id, role, added_by) VALUES ($1, $2, $3)
         ON CONFLICT (telegram_user_id) DO UPDATE SET role = EXCLUDED.role, added_by = EXCLUDED.added_by",
    )
    .bind(telegram_user_id)
    .bind(role)
    .bind(added_by)
    .execute(&mut *tx)
    .await?;
    // An admin's `/staff add` is how a removed member comes back (`ADMIN_IDS` never does it).
    sqlx::query("DELETE FROM staff_removals WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Removes a staff member and, in the same transaction, his console links and sessions;
/// the removal is recorded, so `ADMIN_IDS` does not make him staff again.
pub async fn remove(pool: &PgPool, telegram_user_id: i64, removed_by: i64) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("DELETE FROM staff WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 1 {
        sqlx::query(
            "INSERT INTO staff_removals (telegram_user_id, removed_by) VALUES ($1, $2)
             ON CONFLICT (telegram_user_id) DO UPDATE SET removed_by = $2, removed_at = now()",
        )
        .bind(telegram_user_id)
        .bind(removed_by)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM console_links WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM console_sessions WHERE telegram_user_id = $1")
        .bind(telegram_user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoundApplicant {
    pub id: i64,
    pub telegram_user_id: i64,
    pub full_name: Option<String>,
    pub iin: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What a staff search names, already normalised; each kind is one indexed lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindKey {
    Iin(String),
    /// Lower case, as stored.
    Email(String),
    /// `+77XXXXXXXXX`, as stored.
    Phone(String),
    Order(String),
    Application(i64),
}

/// The applicant the key names (at most one: each key is unique to an applicant), by one
/// indexed lookup.
pub async fn find_applicant(pool: &PgPool, key: &FindKey) -> sqlx::Result<Option<FoundApplicant>> {
    let filter = match key {
        // CHAR(12): compared as text, the unique index on it could not be used.
        FindKey::Iin(_) => "ap.iin = $1",
        FindKey::Email(_) => "ap.email = $1",
        FindKey::Phone(_) => "ap.phone = $1",
        FindKey::Order(_) => {
            "ap.id = (SELECT a.applicant_id FROM payments p JOIN applications a ON a.id = p.application_id
                      WHERE p.order_number = $1)"
        }
        FindKey::Application(_) => "ap.id = (SELECT applicant_id FROM applications WHERE id = $1)",
    };
    let sql = format!(
        "SELECT ap.id, ap.telegram_user_id, ap.full_name, ap.iin, ap.email, ap.phone
         FROM applicants ap WHERE {filter}"
    );
    let query = sqlx::query_as(&sql);
    let query = match key {
        FindKey::Application(id) => query.bind(*id),
        FindKey::Iin(v) | FindKey::Email(v) | FindKey::Phone(v) | FindKey::Order(v) => query.bind(v.as_str()),
    };
    query.fetch_optional(pool).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoundApplication {
    pub id: i64,
    pub status: ApplicationStatus,
    pub starts_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
}

pub async fn applications_of(pool: &PgPool, applicant_id: i64) -> sqlx::Result<Vec<FoundApplication>> {
    sqlx::query_as(
        "SELECT a.id, a.status, s.starts_at, ARRAY[c.name_kk, c.name_ru] AS city,
                ARRAY[v.name_kk, v.name_ru] AS venue
         FROM applications a JOIN slots s ON s.id = a.slot_id JOIN venues v ON v.id = s.venue_id
         JOIN cities c ON c.id = v.city_id
         WHERE a.applicant_id = $1 ORDER BY a.created_at DESC",
    )
    .bind(applicant_id)
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoundPayment {
    pub order_number: String,
    pub method: Method,
    pub amount_tenge: i32,
    pub status: PaymentStatus,
}

pub async fn payments_of(pool: &PgPool, applicant_id: i64) -> sqlx::Result<Vec<FoundPayment>> {
    sqlx::query_as(
        "SELECT p.order_number, p.method, p.amount_tenge, p.status
         FROM payments p JOIN applications a ON a.id = p.application_id
         WHERE a.applicant_id = $1 ORDER BY p.created_at DESC",
    )
    .bind(applicant_id)
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Stats {
    pub awaiting: i64,
    pub paid: i64,
    pub annulled: i64,
    pub cancelled: i64,
    pub withdrawn: i64,
    pub no_show: i64,
    pub booked: i64,
    pub capacity: i64,
    pub payments_sum: i64,
    /// Open refunds of the campaign's applications and of unknown orders.
    pub refunds: i64,
    pub outbox: i64,
    pub unreachable: i64,
    /// Updates waiting for a handler, and updates parked after failing again and again.
    pub inbox: i64,
    pub parked: i64,
}

/// A campaign's figures. The applications are read once: one pass counts every status
/// (`FILTER`) and sums the paid fees (an application has at most one paid payment).
pub async fn stats(pool: &PgPool, campaign_id: i64) -> sqlx::Result<Stats> {
    sqlx::query_as(
        "WITH apps AS (
             SELECT count(*) FILTER (WHERE a.status = 'awaiting_payment') AS awaiting,
                    count(*) FILTER (WHERE a.status = 'paid') AS paid,
                    count(*) FILTER (WHERE a.status = 'annulled') AS annulled,
                    count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
                    count(*) FILTER (WHERE a.status = 'withdrawn') AS withdrawn,
                    count(*) FILTER (WHERE a.status = 'no_show') AS no_show,
                    COALESCE(sum(p.amount_tenge), 0)::bigint AS payments_sum
             FROM applications a LEFT JOIN payments p ON p.application_id = a.id AND p.status = 'paid'
             WHERE a.campaign_id = $1
         ), seats AS (
             SELECT COALESCE(sum(booked), 0)::bigint AS booked, COALESCE(sum(capacity), 0)::bigint AS capacity
             FROM slots WHERE campaign_id = $1
         ), owed AS (
             SELECT count(*) AS refunds FROM refunds r LEFT JOIN applications a ON a.id = r.application_id
             WHERE r.refunded_at IS NULL AND (a.campaign_id = $1 OR r.application_id IS NULL)
         )
         SELECT apps.*, seats.*, owed.*,
                (SELECT count(*) FROM outbox WHERE status = 'pending') AS outbox,
                (SELECT count(*) FROM telegram_users WHERE unreachable) AS unreachable,
                (SELECT count(*) FROM inbox WHERE handled_at IS NULL AND parked_at IS NULL) AS inbox,
                (SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL) AS parked
         FROM apps, seats, owed",
    )
    .bind(campaign_id)
    .fetch_one(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlotLoad {
    pub id: i64,
    pub city: Bilingual<String>,
    pub starts_at: DateTime<Utc>,
    pub free: i32,
    pub capacity: i32,
}

/// Future slots of the campaign with their load, soonest first.
pub async fn slot_load(
    pool: &PgPool,
    campaign_id: i64,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<SlotLoad>> {
    sqlx::query_as(
        "SELECT s.id, ARRAY[c.name_kk, c.name_ru] AS city, s.starts_at, s.capacity - s.booked AS free, s.capacity
         FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
         WHERE s.campaign_id = $1 AND s.starts_at > $2
         ORDER BY c.sort_order, s.starts_at, v.id LIMIT $3",
    )
    .bind(campaign_id)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Whom to tell about a change to his application.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Holder {
    pub telegram_user_id: i64,
    pub locale: Option<crate::i18n::Locale>,
}

/// Marks a paid application as a no-show once its test has begun; the seat stays used.
/// `None` when it is not paid or its test is still ahead.
pub async fn mark_no_show(
    db: impl sqlx::PgExecutor<'_>,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Holder>> {
    sqlx::query_as(
        "WITH marked AS (
             UPDATE applications a SET status = 'no_show', closed_at = $2, updated_at = $2
             FROM slots s
             WHERE a.id = $1 AND a.status = 'paid' AND s.id = a.slot_id AND s.starts_at <= $2
             RETURNING a.applicant_id
         )
         SELECT u.id AS telegram_user_id, u.locale
         FROM marked JOIN applicants ap ON ap.id = marked.applicant_id
         JOIN telegram_users u ON u.id = ap.telegram_user_id",
    )
    .bind(application_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Takes a no-show back: the application is paid again. `None` when it is not a no-show.
pub async fn undo_no_show(
    db: impl sqlx::PgExecutor<'_>,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Holder>> {
    sqlx::query_as(
        "WITH undone AS (
             UPDATE applications SET status = 'paid', closed_at = NULL, updated_at = $2
             WHERE id = $1 AND status = 'no_show'
             RETURNING applicant_id
         )
         SELECT u.id AS telegram_user_id, u.locale
         FROM undone JOIN applicants ap ON ap.id = undone.applicant_id
         JOIN telegram_users u ON u.id = ap.telegram_user_id",
    )
    .bind(application_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// An application's status and when its test begins.
pub async fn status_and_test_time(
    pool: &PgPool,
    application_id: i64,
) -> sqlx::Result<Option<(ApplicationStatus, DateTime<Utc>)>> {
    sqlx::query_as(
        "SELECT a.status, s.starts_at FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = $1",
    )
    .bind(application_id)
    .fetch_optional(pool)
    .await
}

/// Closes a campaign's database; false when it was closed already.
pub async fn close_database(
    db: impl sqlx::PgExecutor<'_>,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE campaigns SET database_closed_at = $2 WHERE id = $1 AND (database_closed_at IS NULL OR database_closed_at > $2)",
    )
    .bind(campaign_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
