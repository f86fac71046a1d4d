//! Read models for the staff console: the overview's figures, application search and
//! detail, slot tables, the refund queue and the attendance exports.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::db::notifications::BroadcastStatus;
use crate::db::outbox::OutboxStatus;
use crate::domain::{ApplicationStatus, Method, Money, PaymentStatus};
use crate::i18n::{Bilingual, Locale};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HourCount {
    pub hour: DateTime<Utc>,
    pub count: i64,
}

/// Applications created per hour in the campaign (hours without any are absent).
pub async fn registrations_per_hour(pool: &PgPool, campaign_id: i64) -> sqlx::Result<Vec<HourCount>> {
    sqlx::query_as!(
        HourCount,
        r#"SELECT date_trunc('hour', created_at) AS "hour!", count(*) AS "count!"
           FROM applications WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1"#,
        campaign_id,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeatsCell {
    pub city_id: i32,
    pub city: Bilingual<String>,
    pub day: NaiveDate,
    pub free: i64,
    pub capacity: i64,
}

/// Free seats per city and local test date.
pub async fn seats_by_city_and_day(
    pool: &PgPool,
    campaign_id: i64,
    tz: &str,
) -> sqlx::Result<Vec<SeatsCell>> {
    sqlx::query_as!(
        SeatsCell,
        r#"SELECT ci.id AS city_id, ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>",
                  (s.starts_at AT TIME ZONE $2)::date AS "day!",
                  sum(s.capacity - s.booked)::bigint AS "free!", sum(s.capacity)::bigint AS "capacity!"
           FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id
           WHERE s.campaign_id = $1
           GROUP BY ci.id, ci.sort_order, 3 ORDER BY ci.sort_order, ci.id, 3"#,
        campaign_id,
        tz,
    )
    .fetch_all(pool)
    .await
}

/// What the application list filters on. `query` matches an IIN, an email, a phone, an
/// order number or an application id exactly (the caller normalises it).
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub campaign_id: Option<i64>,
    pub iin: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub order_number: Option<String>,
    pub application_id: Option<i64>,
    pub status: Option<ApplicationStatus>,
    pub city_id: Option<i32>,
    pub venue_id: Option<i32>,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub applicant_id: i64,
    pub status: ApplicationStatus,
    pub full_name: Option<String>,
    pub iin: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
    pub starts_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub async fn search(pool: &PgPool, s: &Search, tz: &str, limit: i64) -> sqlx::Result<Vec<ApplicationRow>> {
    sqlx::query_as!(
        ApplicationRow,
        r#"SELECT a.id, ap.id AS applicant_id, a.status AS "status: ApplicationStatus", ap.full_name, ap.iin,
                ap.email, ap.phone, ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>",
                ARRAY[v.name_kk, v.name_ru] AS "venue!: Bilingual<String>", sl.starts_at, a.created_at
         FROM applications a
         JOIN applicants ap ON ap.id = a.applicant_id
         JOIN slots sl ON sl.id = a.slot_id JOIN venues v ON v.id = sl.venue_id JOIN cities ci ON ci.id = v.city_id
         WHERE ($1::bigint IS NULL OR a.campaign_id = $1)
           AND ($2::text IS NULL OR ap.iin = $2)
           AND ($3::text IS NULL OR ap.email = $3)
           AND ($4::text IS NULL OR ap.phone = $4)
           AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM payments p WHERE p.application_id = a.id AND p.order_number = $5))
           AND ($6::bigint IS NULL OR a.id = $6)
           AND ($7::application_status IS NULL OR a.status = $7)
           AND ($8::int IS NULL OR ci.id = $8)
           AND ($9::int IS NULL OR v.id = $9)
           AND ($10::date IS NULL OR (sl.starts_at AT TIME ZONE $11)::date = $10)
         ORDER BY a.created_at DESC, a.id DESC LIMIT $12"#,
        s.campaign_id,
        s.iin.as_deref(),
        s.email.as_deref(),
        s.phone.as_deref(),
        s.order_number.as_deref(),
        s.application_id,
        s.status as Option<ApplicationStatus>,
        s.city_id,
        s.venue_id,
        s.date,
        tz,
        limit,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationDetail {
    pub id: i64,
    pub status: ApplicationStatus,
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
    pub full_name: Option<String>,
    pub iin: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub campaign: Bilingual<String>,
    pub category: Bilingual<String>,
    pub language: Bilingual<String>,
    pub combination: Bilingual<String>,
    pub slot_id: i64,
    pub starts_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_deadline: DateTime<Utc>,
}

pub async fn application(pool: &PgPool, id: i64) -> sqlx::Result<Option<ApplicationDetail>> {
    sqlx::query_as!(
        ApplicationDetail,
        r#"SELECT v.id AS "id!", v.status AS "status!: ApplicationStatus", v.telegram_user_id AS "telegram_user_id!",
                  u.locale AS "locale: Locale", v.full_name, v.iin, v.email, v.phone,
                  v.campaign AS "campaign!: Bilingual<String>", v.category AS "category!: Bilingual<String>",
                  v.language AS "language!: Bilingual<String>", v.combination AS "combination!: Bilingual<String>",
                  v.slot_id AS "slot_id!", v.starts_at AS "starts_at!", v.city AS "city!: Bilingual<String>",
                  v.venue AS "venue!: Bilingual<String>", v.created_at AS "created_at!", v.paid_at,
                  v.payment_deadline AS "payment_deadline!"
           FROM application_views v LEFT JOIN telegram_users u ON u.id = v.telegram_user_id
           WHERE v.id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub order_number: String,
    pub method: Method,
    pub amount_tenge: Money,
    pub status: PaymentStatus,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

pub async fn payments_of_application(pool: &PgPool, application_id: i64) -> sqlx::Result<Vec<PaymentRow>> {
    sqlx::query_as!(
        PaymentRow,
        r#"SELECT id, order_number, method AS "method: Method", amount_tenge AS "amount_tenge: Money", status AS "status: PaymentStatus",
                  created_at, paid_at
           FROM payments WHERE application_id = $1 ORDER BY created_at, id"#,
        application_id,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub text: String,
    pub status: OutboxStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The messages the system sent (or will send) to this Telegram user, newest first.
pub async fn outbox_of(pool: &PgPool, telegram_user_id: i64, limit: i64) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as!(
        OutboxRow,
        r#"SELECT id, text, status AS "status: OutboxStatus", created_at, sent_at FROM outbox
           WHERE telegram_user_id = $1 ORDER BY id DESC LIMIT $2"#,
        telegram_user_id,
        limit,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlotRow {
    pub id: i64,
    pub venue_id: i32,
    pub venue_code: String,
    pub venue: Bilingual<String>,
    pub city: Bilingual<String>,
    pub starts_at: DateTime<Utc>,
    pub capacity: i32,
    pub booked: i32,
    pub paid: i64,
}

pub async fn slots(
    pool: &PgPool,
    campaign_id: i64,
    city_id: Option<i32>,
    date: Option<NaiveDate>,
    tz: &str,
) -> sqlx::Result<Vec<SlotRow>> {
    // slot_rows (migrations/20261207600010_slot_rows.sql): a view's columns
    // all look nullable to sqlx, hence the `!`.
    sqlx::query_as!(
        SlotRow,
        r#"SELECT id AS "id!", venue_id AS "venue_id!", venue_code AS "venue_code!",
                  venue AS "venue!: Bilingual<String>", city AS "city!: Bilingual<String>",
                  starts_at AS "starts_at!", capacity AS "capacity!", booked AS "booked!", paid AS "paid!"
           FROM slot_rows
           WHERE campaign_id = $1 AND ($2::int IS NULL OR city_id = $2)
             AND ($3::date IS NULL OR (starts_at AT TIME ZONE $4)::date = $3)
           ORDER BY city_sort_order, city_id, starts_at, venue_id LIMIT 500"#,
        campaign_id,
        city_id,
        date,
        tz,
    )
    .fetch_all(pool)
    .await
}

pub async fn slot(pool: &PgPool, id: i64) -> sqlx::Result<Option<SlotRow>> {
    sqlx::query_as!(
        SlotRow,
        r#"SELECT id AS "id!", venue_id AS "venue_id!", venue_code AS "venue_code!",
                  venue AS "venue!: Bilingual<String>", city AS "city!: Bilingual<String>",
                  starts_at AS "starts_at!", capacity AS "capacity!", booked AS "booked!", paid AS "paid!"
           FROM slot_rows WHERE id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundRow {
    pub payment_id: i64,
    pub application_id: i64,
    pub applicant_id: i64,
    pub order_number: String,
    pub amount_tenge: Money,
    /// `late` (paid after the application was annulled) or `withdrawn` (withdrawn before
    /// the database closed).
    pub reason: String,
    pub full_name: Option<String>,
    pub iin: Option<String>,
    pub at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<i64>,
}

/// Money taken but not kept: late payments, and paid applications withdrawn while the
/// database was open. Waiting ones first, then the latest done.
pub async fn refunds(pool: &PgPool, include_done: bool) -> sqlx::Result<Vec<RefundRow>> {
    sqlx::query_as!(
        RefundRow,
        r#"SELECT payment_id AS "payment_id!", application_id AS "application_id!",
                  applicant_id AS "applicant_id!", order_number AS "order_number!",
                  amount_tenge AS "amount_tenge!: Money", reason AS "reason!", full_name, iin, at AS "at!",
                  done_at AS "done_at?", done_by AS "done_by?"
           FROM (
            SELECT p.id AS payment_id, a.id AS application_id, ap.id AS applicant_id, p.order_number, p.amount_tenge,
                   CASE WHEN p.status = 'late' THEN 'late' ELSE 'withdrawn' END AS reason,
                   ap.full_name, ap.iin, COALESCE(a.closed_at, p.updated_at) AS at,
                   r.done_at, r.done_by
            FROM payments p
            JOIN applications a ON a.id = p.application_id
            JOIN applicants ap ON ap.id = a.applicant_id
            JOIN campaigns c ON c.id = a.campaign_id
            LEFT JOIN refund_marks r ON r.payment_id = p.id
            WHERE p.status = 'late'
               OR (p.status = 'paid' AND a.status = 'withdrawn'
                   AND (c.database_closed_at IS NULL OR a.closed_at < c.database_closed_at))
         ) q WHERE $1 OR done_at IS NULL
         ORDER BY done_at IS NOT NULL, COALESCE(done_at, at) DESC LIMIT 500"#,
        include_done,
    )
    .fetch_all(pool)
    .await
}

/// Marks a refund done; false when the payment is not in the queue or was marked already.
pub async fn mark_refunded(
    db: impl sqlx::PgExecutor<'_>,
    payment_id: i64,
    actor: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO refund_marks (payment_id, done_by, done_at)
         SELECT p.id, $2, $3 FROM payments p
         JOIN applications a ON a.id = p.application_id JOIN campaigns c ON c.id = a.campaign_id
         WHERE p.id = $1 AND (p.status = 'late' OR (p.status = 'paid' AND a.status = 'withdrawn'
               AND (c.database_closed_at IS NULL OR a.closed_at < c.database_closed_at)))
         ON CONFLICT (payment_id) DO NOTHING",
        payment_id,
        actor,
        now,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One line of an attendance list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendanceRow {
    pub application_id: i64,
    pub venue_code: String,
    pub venue: Bilingual<String>,
    pub city: Bilingual<String>,
    pub slot_id: i64,
    pub starts_at: DateTime<Utc>,
    pub seat: i64,
    pub full_name: Option<String>,
    pub iin: Option<String>,
    pub category: Bilingual<String>,
    pub language: Bilingual<String>,
    pub subjects: Bilingual<String>,
}

/// Which paid applications an attendance list holds: a campaign, optionally one venue, one
/// slot, one local test date (in the time zone `tz`).
#[derive(Debug, Clone)]
pub struct AttendanceFilter {
    pub campaign_id: i64,
    pub venue_id: Option<i32>,
    pub slot_id: Option<i64>,
    pub date: Option<NaiveDate>,
    pub tz: String,
}

/// How many lines [`attendance`] gives for `f` now (what the audit log records).
pub async fn attendance_count(pool: &PgPool, f: &AttendanceFilter) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM applications a JOIN slots sl ON sl.id = a.slot_id
           WHERE a.campaign_id = $1 AND a.status = 'paid'
             AND ($2::int IS NULL OR sl.venue_id = $2) AND ($3::bigint IS NULL OR sl.id = $3)
             AND ($4::date IS NULL OR (sl.starts_at AT TIME ZONE $5)::date = $4)"#,
        f.campaign_id,
        f.venue_id,
        f.slot_id,
        f.date,
        f.tz,
    )
    .fetch_one(pool)
    .await
}

/// The lines of an attendance list by venue, slot and seat order (the order they paid in),
/// as PostgreSQL sends them: the caller holds one line at a time, however long the list.
/// One statement, so one snapshot; it keeps its connection until the stream ends or is
/// dropped.
pub fn attendance<'a>(
    pool: &'a PgPool,
    f: &'a AttendanceFilter,
) -> futures::stream::BoxStream<'a, sqlx::Result<AttendanceRow>> {
    sqlx::query_as!(
        AttendanceRow,
        r#"SELECT id AS "application_id!", venue_code AS "venue_code!", venue AS "venue!: Bilingual<String>",
                  city AS "city!: Bilingual<String>", slot_id AS "slot_id!", starts_at AS "starts_at!",
                  row_number() OVER (PARTITION BY slot_id ORDER BY paid_at, id) AS "seat!",
                  full_name, iin, category AS "category!: Bilingual<String>",
                  language AS "language!: Bilingual<String>", combination AS "subjects!: Bilingual<String>"
           FROM application_views
           WHERE campaign_id = $1 AND status = 'paid'
             AND ($2::int IS NULL OR venue_id = $2) AND ($3::bigint IS NULL OR slot_id = $3)
             AND ($4::date IS NULL OR (starts_at AT TIME ZONE $5)::date = $4)
           ORDER BY city_sort_order, venue_code, starts_at, slot_id, 7"#,
        f.campaign_id,
        f.venue_id,
        f.slot_id,
        f.date,
        f.tz,
    )
    .fetch(pool)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub actor_id: i64,
    pub action: String,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn audit(
    pool: &PgPool,
    actor: Option<i64>,
    action: Option<&str>,
    target: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        "SELECT id, actor_id, action, target, details, created_at FROM audit_log
         WHERE ($1::bigint IS NULL OR actor_id = $1) AND ($2::text IS NULL OR action LIKE $2 || '%')
           AND ($3::text IS NULL OR target = $3)
         ORDER BY id DESC LIMIT $4",
        actor,
        action,
        target,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Audit entries about an application (its own actions and its orders'), oldest first.
pub async fn audit_of_application(pool: &PgPool, application_id: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        "SELECT id, actor_id, action, target, details, created_at FROM audit_log
         WHERE target = 'application:' || $1::bigint::text
            OR target IN (SELECT order_number FROM payments WHERE application_id = $1)
         ORDER BY id",
        application_id,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BroadcastProgress {
    pub id: i64,
    pub status: BroadcastStatus,
    pub total: i32,
    pub sent: i64,
    pub failed: i64,
    pub pending: i64,
}

pub async fn broadcast_progress(pool: &PgPool, id: i64) -> sqlx::Result<Option<BroadcastProgress>> {
    sqlx::query_as!(
        BroadcastProgress,
        r#"SELECT b.id, b.status AS "status: BroadcastStatus", b.recipients AS total,
                  count(o.id) FILTER (WHERE o.status = 'sent') AS "sent!",
                  count(o.id) FILTER (WHERE o.status IN ('failed', 'skipped')) AS "failed!",
                  count(o.id) FILTER (WHERE o.status = 'pending') AS "pending!"
           FROM broadcasts b LEFT JOIN outbox o ON o.broadcast_id = b.id
           WHERE b.id = $1 GROUP BY b.id"#,
        id,
    )
    .fetch_optional(pool)
    .await
}
