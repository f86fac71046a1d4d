//! Applications and the seats they hold.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::ApplicationStatus;
use crate::i18n::Bilingual;

/// The partial unique index: one live application per applicant and campaign.
pub const ONE_ACTIVE: &str = "applications_one_active";

#[derive(Debug, Clone)]
pub struct NewApplication<'a> {
    pub telegram_user_id: i64,
    pub campaign_id: i64,
    pub category_id: i16,
    pub test_language: &'a str,
    pub combination_id: i16,
    pub slot_id: i64,
    pub now: DateTime<Utc>,
    pub payment_deadline: DateTime<Utc>,
    /// Minutes before the deadline at which to remind.
    pub reminder_minutes: &'a [i32],
}

/// How a booking ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    Booked(i64),
    /// No seat could be taken: the slot is full, gone or past, or the campaign closed.
    NoSeat,
    /// He took `HOLDS_PER_DAY` unpaid holds in the last 24 hours; the next is allowed then.
    HoldLimit(DateTime<Utc>),
    /// No applicant row with an IIN (onboarding unfinished, or the IIN was re-bound away).
    NoApplicant,
}

/// Unpaid holds an applicant may take, and over how long.
#[derive(Debug, Clone, Copy)]
pub struct HoldCap {
    pub holds: i64,
    pub window: chrono::Duration,
}

/// When the applicant may take another unpaid hold: `None` now, else the time the oldest
/// of his last `cap.holds` unpaid holds in the window leaves it. A hold is an application
/// that was never paid (awaiting payment, cancelled or annulled).
pub async fn hold_limited_until(
    db: impl sqlx::PgExecutor<'_>,
    applicant_id: i64,
    now: DateTime<Utc>,
    cap: HoldCap,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let recent: Vec<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT created_at FROM applications
         WHERE applicant_id = $1 AND paid_at IS NULL AND created_at > $2
         ORDER BY created_at DESC LIMIT $3",
    )
    .bind(applicant_id)
    .bind(now - cap.window)
    .bind(cap.holds)
    .fetch_all(db)
    .await?;
    Ok(if recent.len() as i64 >= cap.holds { recent.last().map(|at| *at + cap.window) } else { None })
}

/// The id of the applicant who may book (his IIN is bound).
pub async fn bookable_applicant(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM applicants WHERE telegram_user_id = $1 AND iin IS NOT NULL")
        .bind(telegram_user_id)
        .fetch_optional(pool)
        .await
}

/// Takes a seat and creates the application with its reminder and expiry jobs: the seat
/// is taken only if one is free (`booked < capacity`), the campaign is open and its
/// database not closed, and all of it is undone if the applicant already has a live
/// application (the unique index). First the applicant's row is locked, so his bookings
/// run one after another and the count of his unpaid holds (`cap`) cannot be passed by
/// bookings racing each other; the booking statement then sees every hold committed before.
pub async fn book(pool: &PgPool, a: &NewApplication<'_>, cap: HoldCap) -> sqlx::Result<Booked> {
    let mut tx = pool.begin().await?;
    let applicant: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM applicants WHERE telegram_user_id = $1 AND iin IS NOT NULL FOR NO KEY UPDATE",
    )
    .bind(a.telegram_user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(applicant) = applicant else {
        return Ok(Booked::NoApplicant);
    };
    if let Some(until) = hold_limited_until(&mut *tx, applicant, a.now, cap).await? {
        return Ok(Booked::HoldLimit(until));
    }
    let id: Option<i64> = sqlx::query_scalar(
        "WITH open_campaign AS (
             SELECT id FROM campaigns
             WHERE id = $2 AND $7 >= registration_opens_at AND $7 < registration_closes_at
               AND (database_closed_at IS NULL OR database_closed_at > $7)
         ), seat AS (
             UPDATE slots SET booked = booked + 1, updated_at = $7
             WHERE id = $6 AND campaign_id = (SELECT id FROM open_campaign)
               AND booked < capacity AND starts_at > $7
             RETURNING id
         ), app AS (
             INSERT INTO applications (applicant_id, campaign_id, category_id, test_language,
                                       combination_id, slot_id, status, payment_deadline, created_at, updated_at)
             SELECT $1, $2, $3, $4, $5, seat.id, 'awaiting_payment', $8, $7, $7
             FROM seat
             RETURNING id
         ), jobs AS (
             INSERT INTO scheduled_jobs (kind, application_id, due_at, payload)
             SELECT 'payment_reminder', app.id, $8 - make_interval(mins => m), jsonb_build_object('minutes_left', m)
             FROM app, unnest($9::int[]) AS m
             WHERE $8 - make_interval(mins => m) > $7
             UNION ALL
             SELECT 'payment_expiry', app.id, $8, '{}'::jsonb FROM app
         )
         SELECT id FROM app",
    )
    .bind(applicant)
    .bind(a.campaign_id)
    .bind(a.category_id)
    .bind(a.test_language)
    .bind(a.combination_id)
    .bind(a.slot_id)
    .bind(a.now)
    .bind(a.payment_deadline)
    .bind(a.reminder_minutes)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id.map_or(Booked::NoSeat, Booked::Booked))
}

/// The applicant's live application in a campaign, if any, with its status.
pub async fn live_status(
    pool: &PgPool,
    telegram_user_id: i64,
    campaign_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT a.status::text FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
         WHERE ap.telegram_user_id = $1 AND a.campaign_id = $2
           AND a.status IN ('awaiting_payment', 'paid', 'no_show')",
    )
    .bind(telegram_user_id)
    .bind(campaign_id)
    .fetch_optional(pool)
    .await
}

/// An application as the applicant sees it: every name in both languages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationView {
    pub id: i64,
    pub status: ApplicationStatus,
    pub campaign_id: i64,
    pub campaign: Bilingual<String>,
    pub database_closed_at: Option<DateTime<Utc>>,
    pub fee_tenge: i32,
    pub category: Bilingual<String>,
    pub language_code: String,
    pub language: Bilingual<String>,
    pub combination_id: i16,
    pub combination: Bilingual<String>,
    pub starts_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub venue: Bilingual<String>,
    pub address: Bilingual<String>,
    pub payment_deadline: DateTime<Utc>,
    pub birth_date: Option<chrono::NaiveDate>,
}

const VIEW: &str = "SELECT a.id, a.status, a.campaign_id,
        ARRAY[c.name_kk, c.name_ru] AS campaign, c.database_closed_at, c.fee_tenge,
        ARRAY[cat.name_kk, cat.name_ru] AS category,
        a.test_language AS language_code, ARRAY[tl.name_kk, tl.name_ru] AS language,
        a.combination_id,
        ARRAY[s1.name_kk || COALESCE(' – ' || s2.name_kk, ''),
              s1.name_ru || COALESCE(' – ' || s2.name_ru, '')] AS combination,
        sl.starts_at, ARRAY[ci.name_kk, ci.name_ru] AS city,
        ARRAY[v.name_kk, v.name_ru] AS venue, ARRAY[v.address_kk, v.address_ru] AS address,
        a.payment_deadline, ap.birth_date
    FROM applications a
    JOIN applicants ap ON ap.id = a.applicant_id
    JOIN campaigns c ON c.id = a.campaign_id
    JOIN categories cat ON cat.id = a.category_id
    JOIN test_languages tl ON tl.code = a.test_language
    JOIN subject_combinations sc ON sc.id = a.combination_id
    JOIN subjects s1 ON s1.id = sc.first_subject_id
    LEFT JOIN subjects s2 ON s2.id = sc.second_subject_id
    JOIN slots sl ON sl.id = a.slot_id
    JOIN venues v ON v.id = sl.venue_id
    JOIN cities ci ON ci.id = v.city_id
    WHERE ap.telegram_user_id = $1";

/// The applicant's applications, newest first.
pub async fn views(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Vec<ApplicationView>> {
    sqlx::query_as(&format!("{VIEW} ORDER BY a.created_at DESC, a.id DESC"))
        .bind(telegram_user_id)
        .fetch_all(pool)
        .await
}

/// One of the applicant's applications (`None` for someone else's id).
pub async fn view(pool: &PgPool, telegram_user_id: i64, id: i64) -> sqlx::Result<Option<ApplicationView>> {
    sqlx::query_as(&format!("{VIEW} AND a.id = $2"))
        .bind(telegram_user_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Whose application `id` is: his Telegram id and interface language.
pub async fn holder(pool: &PgPool, id: i64) -> sqlx::Result<Option<(i64, Option<crate::i18n::Locale>)>> {
    sqlx::query_as(
        "SELECT ap.telegram_user_id, u.locale FROM applications a
         JOIN applicants ap ON ap.id = a.applicant_id JOIN telegram_users u ON u.id = ap.telegram_user_id
         WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Which field of a paid application the applicant may change.
#[derive(Debug, Clone, Copy)]
pub enum Editable {
    TestLanguage,
    Combination,
}

/// Changes a paid application while its campaign's database is open. False when the
/// guard refused (not his, not paid, database closed).
pub async fn edit(
    pool: &PgPool,
    telegram_user_id: i64,
    id: i64,
    field: Editable,
    value: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let set = match field {
        Editable::TestLanguage => "test_language = $3",
        Editable::Combination => "combination_id = $3::smallint",
    };
    let done = sqlx::query(&format!(
        "UPDATE applications a SET {set}, updated_at = $4
         FROM applicants ap, campaigns c
         WHERE a.id = $2 AND ap.id = a.applicant_id AND ap.telegram_user_id = $1
           AND c.id = a.campaign_id AND a.status = 'paid'
           AND (c.database_closed_at IS NULL OR c.database_closed_at > $4)"
    ))
    .bind(telegram_user_id)
    .bind(id)
    .bind(value)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which applications `close` may end, besides the status guard.
#[derive(Debug, Clone, Copy)]
pub enum CloseGuard {
    /// The applicant's own action: only his application.
    Owner(i64),
    /// The payment deadline: only once it has passed.
    DeadlinePassed,
}

/// Who to tell that an application was closed, and in which language.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Closed {
    pub id: i64,
    pub telegram_user_id: i64,
    pub locale: Option<crate::i18n::Locale>,
    pub payment_window_minutes: i32,
}

/// Ends an application whose status is one of `from` (cancel, withdraw, annul at the
/// deadline), and in the same statement gives its seat back and cancels its pending jobs
/// and payments. `None` when a guard refused.
pub async fn close(
    db: impl sqlx::PgExecutor<'_>,
    id: i64,
    guard: CloseGuard,
    from: &[&str],
    to: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Closed>> {
    let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
    let (owner, deadline_passed) = match guard {
        CloseGuard::Owner(user) => (Some(user), false),
        CloseGuard::DeadlinePassed => (None, true),
    };
    sqlx::query_as(
        "WITH closed AS (
             UPDATE applications a SET status = $4::application_status, closed_at = $5, updated_at = $5
             FROM applicants ap
             WHERE a.id = $1 AND ap.id = a.applicant_id
               AND ($2::bigint IS NULL OR ap.telegram_user_id = $2)
               AND (NOT $6 OR a.payment_deadline <= $5)
               AND a.status = ANY($3::text[]::application_status[])
             RETURNING a.id, a.slot_id, a.campaign_id, ap.telegram_user_id
         ), seat AS (
             UPDATE slots s SET booked = s.booked - 1, updated_at = $5 FROM closed WHERE s.id = closed.slot_id
         ), jobs AS (
             -- A job a runner holds is left to it (see jobs::cancel_for_application).
             UPDATE scheduled_jobs j SET status = 'cancelled', finished_at = $5
             WHERE j.id IN (SELECT id FROM scheduled_jobs
                            WHERE application_id = (SELECT id FROM closed) AND status = 'pending'
                            FOR UPDATE SKIP LOCKED)
         ), pays AS (
             UPDATE payments p SET status = 'cancelled', updated_at = $5
             FROM closed WHERE p.application_id = closed.id AND p.status = 'pending'
         )
         SELECT closed.id, closed.telegram_user_id, u.locale, c.payment_window_minutes
         FROM closed
         JOIN campaigns c ON c.id = closed.campaign_id
         JOIN telegram_users u ON u.id = closed.telegram_user_id",
    )
    .bind(id)
    .bind(owner)
    .bind(from)
    .bind(to)
    .bind(now)
    .bind(deadline_passed)
    .fetch_optional(db)
    .await
}

/// Whether a withdrawal now is refunded: the campaign's database is still open. Holds a
/// share lock on the campaign until the caller's transaction ends, so /closedb (an
/// update of that row) waits for the withdrawal, or the withdrawal sees the closure.
pub async fn refundable_locked(
    db: impl sqlx::PgExecutor<'_>,
    campaign_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT database_closed_at IS NULL OR database_closed_at > $2 FROM campaigns WHERE id = $1 FOR SHARE",
    )
    .bind(campaign_id)
    .bind(now)
    .fetch_optional(db)
    .await
    .map(|open| open.unwrap_or(false))
}

/// Withdraws a paid application whose test has not begun and gives its seat back, with
/// its pending jobs and payments cancelled, in one statement ([`close_and_release`] with
/// the test-time guard). `None` when the guard refused.
pub async fn withdraw_before_test(
    db: impl sqlx::PgExecutor<'_>,
    telegram_user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "WITH closed AS (
             UPDATE applications a SET status = 'withdrawn', closed_at = $3, updated_at = $3
             FROM applicants ap, slots s
             WHERE a.id = $2 AND ap.id = a.applicant_id AND ap.telegram_user_id = $1
               AND a.status = 'paid' AND s.id = a.slot_id AND s.starts_at > $3
             RETURNING a.id, a.slot_id
         ), seat AS (
             UPDATE slots s SET booked = s.booked - 1, updated_at = $3 FROM closed WHERE s.id = closed.slot_id
         ), jobs AS (
             UPDATE scheduled_jobs j SET status = 'cancelled', finished_at = $3
             WHERE j.id IN (SELECT id FROM scheduled_jobs
                            WHERE application_id = (SELECT id FROM closed) AND status = 'pending'
                            FOR UPDATE SKIP LOCKED)
         ), pays AS (
             UPDATE payments p SET status = 'cancelled', updated_at = $3
             FROM closed WHERE p.application_id = closed.id AND p.status = 'pending'
         )
         SELECT id FROM closed",
    )
    .bind(telegram_user_id)
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await
}
