//! Staff roles and what staff look up.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db::applicants::Applicant;
use crate::domain::{ApplicationStatus, Method, Money, PaymentStatus};
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
    let rows = sqlx::query!(
        r#"WITH ids AS (SELECT DISTINCT id FROM unnest($1::bigint[]) AS id),
         added AS (
             INSERT INTO staff (telegram_user_id, role)
             SELECT id, 'admin' FROM ids
             WHERE NOT EXISTS (SELECT 1 FROM staff_removals r WHERE r.telegram_user_id = ids.id)
             ON CONFLICT (telegram_user_id) DO NOTHING
             RETURNING telegram_user_id
         )
         SELECT ids.id AS "id!", EXISTS (SELECT 1 FROM added WHERE added.telegram_user_id = ids.id) AS "added!",
                r.telegram_user_id IS NOT NULL AS "removed!", s.role AS "role?: Role"
         FROM ids LEFT JOIN staff_removals r ON r.telegram_user_id = ids.id
         LEFT JOIN staff s ON s.telegram_user_id = ids.id
         ORDER BY ids.id"#,
        ids,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let what = match (row.added, row.removed, row.role) {
                (true, _, _) => Bootstrapped::Added,
                (false, _, Some(role)) => Bootstrapped::Kept(role),
                (false, true, None) => Bootstrapped::Removed,
                // Added by another process starting at the same moment.
                (false, false, None) => Bootstrapped::Kept(Role::Admin),
            };
            (row.id, what)
        })
        .collect())
}

pub async fn role(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<Role>> {
    sqlx::query_scalar!(
        r#"SELECT role AS "role: Role" FROM staff WHERE telegram_user_id = $1"#,
        telegram_user_id
    )
    .fetch_optional(pool)
    .await
}

pub async fn all(pool: &PgPool) -> sqlx::Result<Vec<(i64, Role)>> {
    let rows =
        sqlx::query!(r#"SELECT telegram_user_id, role AS "role: Role" FROM staff ORDER BY telegram_user_id"#)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|r| (r.telegram_user_id, r.role)).collect())
}

pub async fn put(pool: &PgPool, telegram_user_id: i64, role: Role, added_by: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO staff (telegram_user_id, role, added_by) VALUES ($1, $2, $3)
         ON CONFLICT (telegram_user_id) DO UPDATE SET role = EXCLUDED.role, added_by = EXCLUDED.added_by",
        telegram_user_id,
        role as Role,
        added_by,
    )
    .execute(&mut *tx)
    .await?;
    // An admin's `/staff add` is how a removed member comes back (`ADMIN_IDS` never does it).
    sqlx::query!("DELETE FROM staff_removals WHERE telegram_user_id = $1", telegram_user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Removes a staff member and, in the same transaction, his console links and sessions;
/// the removal is recorded, so `ADMIN_IDS` does not make him staff again.
pub async fn remove(pool: &PgPool, telegram_user_id: i64, removed_by: i64) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!("DELETE FROM staff WHERE telegram_user_id = $1", telegram_user_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 1 {
        sqlx::query!(
            "INSERT INTO staff_removals (telegram_user_id, removed_by) VALUES ($1, $2)
             ON CONFLICT (telegram_user_id) DO UPDATE SET removed_by = $2, removed_at = now()",
            telegram_user_id,
            removed_by,
        )
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query!("DELETE FROM console_links WHERE telegram_user_id = $1", telegram_user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM console_sessions WHERE telegram_user_id = $1", telegram_user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
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
pub async fn find_applicant(pool: &PgPool, key: &FindKey) -> sqlx::Result<Option<Applicant>> {
    let (mut iin, mut email, mut phone, mut order, mut application) = (None, None, None, None, None);
    match key {
        FindKey::Iin(v) => iin = Some(v.as_str()),
        FindKey::Email(v) => email = Some(v.as_str()),
        FindKey::Phone(v) => phone = Some(v.as_str()),
        FindKey::Order(v) => order = Some(v.as_str()),
        FindKey::Application(v) => application = Some(*v),
    }
    // One branch per kind of key, each on its own unique index; the branches whose
    // parameter is NULL find nothing at the cost of an index probe. A filter shared by all
    // kinds (`iin = $1 OR email = $2 …`) would be planned as a scan of the table.
    sqlx::query_as!(
        Applicant,
        r#"WITH wanted AS (
               SELECT id FROM applicants WHERE iin = $1
               UNION ALL SELECT id FROM applicants WHERE email = $2
               UNION ALL SELECT id FROM applicants WHERE phone = $3
               UNION ALL SELECT a.applicant_id FROM payments p JOIN applications a ON a.id = p.application_id
                         WHERE p.order_number = $4
               UNION ALL SELECT applicant_id FROM applications WHERE id = $5
           )
           SELECT ap.id, ap.telegram_user_id, ap.email, ap.iin, ap.full_name, ap.birth_date, ap.phone
           FROM applicants ap WHERE ap.id = (SELECT id FROM wanted LIMIT 1)"#,
        iin,
        email,
        phone,
        order,
        application,
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone)]
pub struct FoundApplication {
    pub id: i64,
    pub status: ApplicationStatus,
    pub starts_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
}

pub async fn applications_of(pool: &PgPool, applicant_id: i64) -> sqlx::Result<Vec<FoundApplication>> {
    sqlx::query_as!(
        FoundApplication,
        r#"SELECT a.id, a.status AS "status: ApplicationStatus", s.starts_at,
                  ARRAY[c.name_kk, c.name_ru] AS "city!: Bilingual<String>",
                  ARRAY[v.name_kk, v.name_ru] AS "venue!: Bilingual<String>"
           FROM applications a JOIN slots s ON s.id = a.slot_id JOIN venues v ON v.id = s.venue_id
           JOIN cities c ON c.id = v.city_id
           WHERE a.applicant_id = $1 ORDER BY a.created_at DESC"#,
        applicant_id,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone)]
pub struct FoundPayment {
    pub order_number: String,
    pub method: Method,
    pub amount_tenge: Money,
    pub status: PaymentStatus,
}

pub async fn payments_of(pool: &PgPool, applicant_id: i64) -> sqlx::Result<Vec<FoundPayment>> {
    sqlx::query_as!(
        FoundPayment,
        r#"SELECT p.order_number, p.method AS "method: Method", p.amount_tenge AS "amount_tenge: Money", p.status AS "status: PaymentStatus"
           FROM payments p JOIN applications a ON a.id = p.application_id
           WHERE a.applicant_id = $1 ORDER BY p.created_at DESC"#,
        applicant_id,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub awaiting: i64,
    pub paid: i64,
    pub annulled: i64,
    pub cancelled: i64,
    pub withdrawn: i64,
    pub no_show: i64,
    pub booked: i64,
    pub capacity: i64,
    pub payments_sum: Money,
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
    sqlx::query_as!(
        Stats,
        r#"WITH apps AS (
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
         SELECT apps.awaiting AS "awaiting!", apps.paid AS "paid!", apps.annulled AS "annulled!",
                apps.cancelled AS "cancelled!", apps.withdrawn AS "withdrawn!", apps.no_show AS "no_show!",
                apps.payments_sum AS "payments_sum!: Money", seats.booked AS "booked!", seats.capacity AS "capacity!",
                owed.refunds AS "refunds!",
                (SELECT count(*) FROM outbox WHERE status = 'pending') AS "outbox!",
                (SELECT count(*) FROM telegram_users WHERE unreachable) AS "unreachable!",
                (SELECT count(*) FROM inbox WHERE handled_at IS NULL AND parked_at IS NULL) AS "inbox!",
                (SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL) AS "parked!"
         FROM apps, seats, owed"#,
        campaign_id,
    )
    .fetch_one(pool)
    .await
}

#[derive(Debug, Clone)]
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
    sqlx::query_as!(
        SlotLoad,
        r#"SELECT s.id, ARRAY[c.name_kk, c.name_ru] AS "city!: Bilingual<String>", s.starts_at,
                  s.capacity - s.booked AS "free!", s.capacity
           FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
           WHERE s.campaign_id = $1 AND s.starts_at > $2
           ORDER BY c.sort_order, s.starts_at, v.id LIMIT $3"#,
        campaign_id,
        now,
        limit,
    )
    .fetch_all(pool)
    .await
}
