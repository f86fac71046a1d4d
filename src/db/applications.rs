//! Applications and the seats they hold.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::{ApplicationStatus, Money};
use crate::i18n::{Bilingual, Locale};

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
    let recent: Vec<DateTime<Utc>> = sqlx::query_scalar!(
        "SELECT created_at FROM applications
         WHERE applicant_id = $1 AND paid_at IS NULL AND created_at > $2
         ORDER BY created_at DESC LIMIT $3",
        applicant_id,
        now - cap.window,
        cap.holds,
    )
    .fetch_all(db)
    .await?;
    Ok(if recent.len() as i64 >= cap.holds { recent.last().map(|at| *at + cap.window) } else { None })
}

/// The id of the applicant who may book (his IIN is bound).
pub async fn bookable_applicant(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM applicants WHERE telegram_user_id = $1 AND iin IS NOT NULL",
        telegram_user_id
    )
    .fetch_optional(pool)
    .await
}

/// Takes a seat and creates the application with its reminder and expiry jobs: the seat
/// is taken only if one is free (`booked < capacity`), the campaign is open (or closed,
/// with an admin's late-registration window for the applicant's IIN still open) and its
/// database not closed, and all of it is undone if the applicant already has a live
/// application (the unique index). First the applicant's row is locked, so his bookings
/// run one after another and the count of his unpaid holds (`cap`) cannot be passed by
/// bookings racing each other; the booking statement then sees every hold committed before.
pub async fn book(pool: &PgPool, a: &NewApplication<'_>, cap: HoldCap) -> sqlx::Result<Booked> {
    let mut tx = pool.begin().await?;
    let Some(applicant) = crate::db::applicants::lock_for_booking(&mut tx, a.telegram_user_id).await? else {
        return Ok(Booked::NoApplicant);
    };
    if let Some(until) = hold_limited_until(&mut *tx, applicant, a.now, cap).await? {
        return Ok(Booked::HoldLimit(until));
    }
    let booked = sqlx::query!(
        r#"WITH open_campaign AS (
             SELECT id FROM campaigns
             WHERE id = $2 AND $7 >= registration_opens_at
               AND ($7 < registration_closes_at OR EXISTS (
                     SELECT 1 FROM late_registrations lr JOIN applicants ap ON ap.iin = lr.iin
                     WHERE ap.id = $1 AND lr.campaign_id = $2 AND lr.until > $7))
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
         )
         -- Selecting the jobs' count makes them part of the statement's result, so they run.
         SELECT app.id AS "id!", schedule_payment_jobs(app.id, $8, $7, $9) AS "jobs!" FROM app"#,
        applicant,
        a.campaign_id,
        a.category_id,
        a.test_language,
        a.combination_id,
        a.slot_id,
        a.now,
        a.payment_deadline,
        a.reminder_minutes,
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(booked.map_or(Booked::NoSeat, |b| Booked::Booked(b.id)))
}

/// The applicant's live application in a campaign, if any, with its status.
pub async fn live_status(
    pool: &PgPool,
    telegram_user_id: i64,
    campaign_id: i64,
) -> sqlx::Result<Option<ApplicationStatus>> {
    sqlx::query_scalar!(
        r#"SELECT a.status AS "status: ApplicationStatus" FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
           WHERE ap.telegram_user_id = $1 AND a.campaign_id = $2
             AND a.status IN ('awaiting_payment', 'paid', 'no_show')"#,
        telegram_user_id,
        campaign_id,
    )
    .fetch_optional(pool)
    .await
}

/// The applicant's unpaid application in the campaign made with exactly these choices:
/// what a confirmation that is tried again (its first try committed, its answer was lost
/// with the connection) finds instead of a new seat.
pub async fn held_with(
    pool: &PgPool,
    new: &NewApplication<'_>,
) -> sqlx::Result<Option<(i64, DateTime<Utc>)>> {
    let row = sqlx::query!(
        "SELECT a.id, a.payment_deadline FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
         WHERE ap.telegram_user_id = $1 AND a.campaign_id = $2 AND a.status = 'awaiting_payment'
           AND a.slot_id = $3 AND a.category_id = $4 AND a.test_language = $5 AND a.combination_id = $6
           AND a.payment_deadline > $7",
        new.telegram_user_id,
        new.campaign_id,
        new.slot_id,
        new.category_id,
        new.test_language,
        new.combination_id,
        new.now,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.id, r.payment_deadline)))
}

/// An application as the applicant sees it: every name in both languages.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub id: i64,
    pub status: ApplicationStatus,
    pub campaign_id: i64,
    pub campaign: Bilingual<String>,
    pub database_closed_at: Option<DateTime<Utc>>,
    pub fee: Money,
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

/// The applicant's applications, newest first.
pub async fn views(pool: &PgPool, telegram_user_id: i64) -> sqlx::Result<Vec<ApplicationView>> {
    views_of(pool, telegram_user_id, None).await
}

/// One of the applicant's applications (`None` for someone else's id).
pub async fn view(pool: &PgPool, telegram_user_id: i64, id: i64) -> sqlx::Result<Option<ApplicationView>> {
    Ok(views_of(pool, telegram_user_id, Some(id)).await?.pop())
}

async fn views_of(
    pool: &PgPool,
    telegram_user_id: i64,
    id: Option<i64>,
) -> sqlx::Result<Vec<ApplicationView>> {
    sqlx::query_as!(
        ApplicationView,
        r#"SELECT id AS "id!", status AS "status!: ApplicationStatus", campaign_id AS "campaign_id!",
                  campaign AS "campaign!: Bilingual<String>", database_closed_at, fee_tenge AS "fee!: Money",
                  category AS "category!: Bilingual<String>", language_code AS "language_code!",
                  language AS "language!: Bilingual<String>", combination_id AS "combination_id!",
                  combination AS "combination!: Bilingual<String>", starts_at AS "starts_at!",
                  city AS "city!: Bilingual<String>", venue AS "venue!: Bilingual<String>",
                  address AS "address!: Bilingual<String>", payment_deadline AS "payment_deadline!", birth_date
           FROM application_views
           WHERE telegram_user_id = $1 AND ($2::bigint IS NULL OR id = $2)
           ORDER BY created_at DESC, id DESC"#,
        telegram_user_id,
        id,
    )
    .fetch_all(pool)
    .await
}

/// Whose application `id` is: his Telegram id and interface language.
pub async fn holder(pool: &PgPool, id: i64) -> sqlx::Result<Option<(i64, Option<Locale>)>> {
    let row = sqlx::query!(
        r#"SELECT ap.telegram_user_id, u.locale AS "locale: Locale" FROM applications a
           JOIN applicants ap ON ap.id = a.applicant_id JOIN telegram_users u ON u.id = ap.telegram_user_id
           WHERE a.id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.telegram_user_id, r.locale)))
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
    let (language, combination) = match field {
        Editable::TestLanguage => (Some(value), None),
        Editable::Combination => match value.parse::<i16>() {
            Ok(id) => (None, Some(id)),
            Err(_) => return Ok(false),
        },
    };
    let done = sqlx::query!(
        "UPDATE applications a
         SET test_language = COALESCE($3, a.test_language), combination_id = COALESCE($4, a.combination_id),
             updated_at = $5
         FROM applicants ap, campaigns c
         WHERE a.id = $2 AND ap.id = a.applicant_id AND ap.telegram_user_id = $1
           AND c.id = a.campaign_id AND a.status = 'paid'
           AND (c.database_closed_at IS NULL OR c.database_closed_at > $5)",
        telegram_user_id,
        id,
        language,
        combination,
        now,
    )
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
#[derive(Debug, Clone)]
pub struct Closed {
    pub id: i64,
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
    pub payment_window_minutes: i32,
}

/// Ends an application whose status is one of `from` (cancel, withdraw, annul at the
/// deadline), and in the same statement gives its seat back and cancels its pending jobs
/// and payments. `None` when a guard refused.
pub async fn close(
    db: impl sqlx::PgExecutor<'_>,
    id: i64,
    guard: CloseGuard,
    from: &[ApplicationStatus],
    to: ApplicationStatus,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Closed>> {
    let (owner, deadline_passed) = match guard {
        CloseGuard::Owner(user) => (Some(user), false),
        CloseGuard::DeadlinePassed => (None, true),
    };
    sqlx::query_as!(
        Closed,
        r#"WITH closed AS (
             UPDATE applications a SET status = $4, closed_at = $5, updated_at = $5
             FROM applicants ap
             WHERE a.id = $1 AND ap.id = a.applicant_id
               AND ($2::bigint IS NULL OR ap.telegram_user_id = $2)
               AND (NOT $6 OR a.payment_deadline <= $5)
               AND a.status = ANY($3)
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
         SELECT closed.id AS "id!", closed.telegram_user_id AS "telegram_user_id!", u.locale AS "locale: Locale",
                c.payment_window_minutes
         FROM closed
         JOIN campaigns c ON c.id = closed.campaign_id
         JOIN telegram_users u ON u.id = closed.telegram_user_id"#,
        id,
        owner,
        from as &[ApplicationStatus],
        to as ApplicationStatus,
        now,
        deadline_passed,
    )
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
    sqlx::query_scalar!(
        r#"SELECT database_closed_at IS NULL OR database_closed_at > $2 AS "open!" FROM campaigns WHERE id = $1 FOR SHARE"#,
        campaign_id,
        now,
    )
    .fetch_optional(db)
    .await
    .map(|open| open.unwrap_or(false))
}

/// Withdraws a paid application whose test has not begun and gives its seat back, with
/// its pending jobs and payments cancelled, in one statement (what [`close`] does, with
/// the test-time guard). `None` when the guard refused.
pub async fn withdraw_before_test(
    db: impl sqlx::PgExecutor<'_>,
    telegram_user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"WITH closed AS (
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
         SELECT id AS "id!" FROM closed"#,
        telegram_user_id,
        id,
        now,
    )
    .fetch_optional(db)
    .await
}

/// Whom to tell about a change to his application.
#[derive(Debug, Clone)]
pub struct Holder {
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
}

/// Marks a paid application as a no-show once its test has begun; the seat stays used.
/// `None` when it is not paid or its test is still ahead.
pub async fn mark_no_show(
    db: impl sqlx::PgExecutor<'_>,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Holder>> {
    set_no_show(db, application_id, true, now).await
}

/// Takes a no-show back: the application is paid again. `None` when it is not a no-show.
pub async fn undo_no_show(
    db: impl sqlx::PgExecutor<'_>,
    application_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Holder>> {
    set_no_show(db, application_id, false, now).await
}

async fn set_no_show(
    db: impl sqlx::PgExecutor<'_>,
    application_id: i64,
    no_show: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Holder>> {
    sqlx::query_as!(
        Holder,
        r#"WITH changed AS (
             UPDATE applications a
             SET status = CASE WHEN $3 THEN 'no_show' ELSE 'paid' END::application_status,
                 closed_at = CASE WHEN $3 THEN $2 END, updated_at = $2
             FROM slots s
             WHERE a.id = $1 AND s.id = a.slot_id
               AND CASE WHEN $3 THEN a.status = 'paid' AND s.starts_at <= $2 ELSE a.status = 'no_show' END
             RETURNING a.applicant_id
         )
         SELECT u.id AS telegram_user_id, u.locale AS "locale?: Locale"
         FROM changed JOIN applicants ap ON ap.id = changed.applicant_id
         JOIN telegram_users u ON u.id = ap.telegram_user_id"#,
        application_id,
        now,
        no_show,
    )
    .fetch_optional(db)
    .await
}

/// An application's status and when its test begins.
pub async fn status_and_test_time(
    pool: &PgPool,
    application_id: i64,
) -> sqlx::Result<Option<(ApplicationStatus, DateTime<Utc>)>> {
    let row = sqlx::query!(
        r#"SELECT a.status AS "status: ApplicationStatus", s.starts_at
           FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = $1"#,
        application_id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.status, r.starts_at)))
}
