//! Retest requests (order No. 204): a no-show's request with its documents, staff's
//! decision, and the new seat an approved applicant takes. Every change is one statement
//! guarded by the request's status, so a double tap or two staff members at once change
//! it once.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::domain::{ApplicationStatus, RetestFile, RetestReason, RetestStatus};
use crate::i18n::{Bilingual, Locale};

/// The index allowing one pending, approved or used request per application.
pub const ONE_PER_APPLICATION: &str = "retest_requests_one";

/// An application as the retest rules look at it.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: i64,
    pub status: ApplicationStatus,
    pub starts_at: DateTime<Utc>,
    pub retest_request_days: i16,
    /// The latest request about it, if any.
    pub request: Option<RetestStatus>,
}

/// One of the applicant's applications with its latest retest request.
pub async fn target(pool: &PgPool, telegram_user_id: i64, application: i64) -> sqlx::Result<Option<Target>> {
    sqlx::query_as!(
        Target,
        r#"SELECT a.id, a.status AS "status: ApplicationStatus", s.starts_at, c.retest_request_days,
                  (SELECT r.status FROM retest_requests r WHERE r.application_id = a.id
                   ORDER BY r.id DESC LIMIT 1) AS "request: RetestStatus"
           FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
           JOIN slots s ON s.id = a.slot_id JOIN campaigns c ON c.id = a.campaign_id
           WHERE a.id = $2 AND ap.telegram_user_id = $1"#,
        telegram_user_id,
        application,
    )
    .fetch_optional(pool)
    .await
}

/// Records a request with its documents, if the application is his no-show whose test
/// began at most the campaign's `retest_request_days` ago. `None` when that guard refused;
/// a request already pending (or approved, or used) fails on [`ONE_PER_APPLICATION`].
pub async fn create(
    conn: &mut PgConnection,
    telegram_user_id: i64,
    application: i64,
    reason: RetestReason,
    files: &[RetestFile],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO retest_requests (application_id, telegram_user_id, reason, missed_slot_id, created_at)
           SELECT a.id, $1, $3, a.slot_id, $4
           FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
           JOIN slots s ON s.id = a.slot_id JOIN campaigns c ON c.id = a.campaign_id
           WHERE a.id = $2 AND ap.telegram_user_id = $1 AND a.status = 'no_show'
             AND s.starts_at <= $4 AND $4 <= s.starts_at + make_interval(days => c.retest_request_days)
           RETURNING id"#,
        telegram_user_id,
        application,
        reason as RetestReason,
        now,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let positions: Vec<i16> = (1..=files.len() as i16).collect();
    let kinds: Vec<String> = files.iter().map(|f| f.kind.as_str().to_string()).collect();
    let ids: Vec<String> = files.iter().map(|f| f.file_id.clone()).collect();
    let uniques: Vec<String> = files.iter().map(|f| f.file_unique_id.clone()).collect();
    let sizes: Vec<Option<i64>> = files.iter().map(|f| f.size.and_then(|s| i64::try_from(s).ok())).collect();
    let names: Vec<Option<String>> = files.iter().map(|f| f.name.clone()).collect();
    sqlx::query!(
        "INSERT INTO retest_documents (request_id, position, kind, file_id, file_unique_id, file_size, file_name)
         SELECT $1, * FROM unnest($2::smallint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])",
        id,
        &positions,
        &kinds,
        &ids,
        &uniques,
        &sizes as &[Option<i64>],
        &names as &[Option<String>],
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some(id))
}

/// A request as staff see it.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub application_id: i64,
    pub telegram_user_id: i64,
    pub full_name: Option<String>,
    pub iin: Option<String>,
    pub reason: RetestReason,
    pub status: RetestStatus,
    pub created_at: DateTime<Utc>,
    pub missed_at: DateTime<Utc>,
    pub city: Bilingual<String>,
    pub documents: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note_kk: Option<String>,
    pub note_ru: Option<String>,
}

/// The pending requests, oldest first, and how many there are.
pub async fn pending(pool: &PgPool, limit: i64) -> sqlx::Result<(Vec<Request>, i64)> {
    let rows = requests(pool, None, limit).await?;
    let total =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM retest_requests WHERE status = 'pending'"#)
            .fetch_one(pool)
            .await?;
    Ok((rows, total))
}

pub async fn request(pool: &PgPool, id: i64) -> sqlx::Result<Option<Request>> {
    Ok(requests(pool, Some(id), 1).await?.pop())
}

/// The request `id`, or without one the pending requests (a short queue: it is read whole).
async fn requests(pool: &PgPool, id: Option<i64>, limit: i64) -> sqlx::Result<Vec<Request>> {
    sqlx::query_as!(
        Request,
        r#"SELECT r.id, r.application_id, r.telegram_user_id, ap.full_name, ap.iin::text AS iin,
                  r.reason AS "reason: RetestReason", r.status AS "status: RetestStatus", r.created_at,
                  s.starts_at AS missed_at, ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>",
                  (SELECT count(*) FROM retest_documents d WHERE d.request_id = r.id) AS "documents!",
                  r.decided_by, r.decided_at, r.note_kk, r.note_ru
           FROM retest_requests r JOIN applications a ON a.id = r.application_id
           JOIN applicants ap ON ap.id = a.applicant_id
           JOIN slots s ON s.id = r.missed_slot_id JOIN venues v ON v.id = s.venue_id
           JOIN cities ci ON ci.id = v.city_id
           WHERE CASE WHEN $1::bigint IS NULL THEN r.status = 'pending' ELSE r.id = $1 END
           ORDER BY r.created_at, r.id LIMIT $2"#,
        id,
        limit,
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone)]
pub struct Document {
    pub position: i16,
    pub kind: String,
    pub file_id: String,
    pub file_size: Option<i64>,
    pub file_name: Option<String>,
}

pub async fn documents(pool: &PgPool, request: i64) -> sqlx::Result<Vec<Document>> {
    sqlx::query_as!(
        Document,
        "SELECT position, kind, file_id, file_size, file_name FROM retest_documents
         WHERE request_id = $1 ORDER BY position",
        request,
    )
    .fetch_all(pool)
    .await
}

/// Who to tell about a decision, and in which language.
#[derive(Debug, Clone)]
pub struct Decided {
    pub application_id: i64,
    pub telegram_user_id: i64,
    pub locale: Option<Locale>,
}

/// Decides a pending request: `Approved`, or `Refused` with the reason in both languages.
/// `None` when it is not pending (decided already).
pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    actor: i64,
    verdict: RetestStatus,
    note: Option<&Bilingual<String>>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Decided>> {
    sqlx::query_as!(
        Decided,
        r#"WITH decided AS (
             UPDATE retest_requests SET status = $4, decided_at = $3, decided_by = $2, note_kk = $5, note_ru = $6
             WHERE id = $1 AND status = 'pending'
             RETURNING application_id
         )
         SELECT d.application_id, ap.telegram_user_id, u.locale AS "locale: Locale"
         FROM decided d JOIN applications a ON a.id = d.application_id
         JOIN applicants ap ON ap.id = a.applicant_id JOIN telegram_users u ON u.id = ap.telegram_user_id"#,
        id,
        actor,
        now,
        verdict as RetestStatus,
        note.map(|n| n.kk.as_str()),
        note.map(|n| n.ru.as_str()),
    )
    .fetch_optional(conn)
    .await
}

/// An approved request whose applicant has not picked his new slot yet.
#[derive(Debug, Clone)]
pub struct Approved {
    pub id: i64,
    pub application_id: i64,
    pub campaign_id: i64,
    pub test_language: String,
}

/// The applicant's approved request, if it still waits for a slot.
pub async fn approved(pool: &PgPool, telegram_user_id: i64, id: i64) -> sqlx::Result<Option<Approved>> {
    sqlx::query_as!(
        Approved,
        "SELECT r.id, r.application_id, a.campaign_id, a.test_language
         FROM retest_requests r JOIN applications a ON a.id = r.application_id
         JOIN applicants ap ON ap.id = a.applicant_id
         WHERE r.id = $2 AND ap.telegram_user_id = $1 AND r.status = 'approved' AND a.status = 'no_show'",
        telegram_user_id,
        id,
    )
    .fetch_optional(pool)
    .await
}

/// Moves the approved no-show to a new slot of the same campaign on a later local day than
/// `today`, paid as before (no new fee), in one statement: the seat is taken only if one
/// is free (`booked < capacity`, as booking does), the missed slot's seat is given back, the
/// request is marked booked. `None` when a guard refused (the slot filled up a moment ago,
/// is not later than today, is another campaign's, or the request is no longer approved).
pub async fn book(
    conn: &mut PgConnection,
    telegram_user_id: i64,
    id: i64,
    slot: i64,
    today: NaiveDate,
    tz: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"WITH req AS (
             SELECT r.id, r.application_id, r.missed_slot_id, a.campaign_id
             FROM retest_requests r JOIN applications a ON a.id = r.application_id
             JOIN applicants ap ON ap.id = a.applicant_id
             WHERE r.id = $2 AND ap.telegram_user_id = $1 AND r.status = 'approved' AND a.status = 'no_show'
             FOR UPDATE OF r, a
         ), seat AS (
             UPDATE slots s SET booked = s.booked + 1, updated_at = $6
             FROM req
             WHERE s.id = $3 AND s.campaign_id = req.campaign_id AND s.booked < s.capacity
               AND (s.starts_at AT TIME ZONE $5)::date > $4 AND s.starts_at > $6
             RETURNING s.id
         ), moved AS (
             UPDATE applications a SET status = 'paid', slot_id = seat.id, closed_at = NULL, updated_at = $6
             FROM req, seat WHERE a.id = req.application_id
             RETURNING a.id
         ), released AS (
             UPDATE slots s SET booked = s.booked - 1, updated_at = $6
             FROM req WHERE s.id = req.missed_slot_id AND EXISTS (SELECT 1 FROM moved)
         ), used AS (
             UPDATE retest_requests r SET status = 'booked', new_slot_id = seat.id, booked_at = $6
             FROM seat, moved WHERE r.id = $2
         )
         SELECT id AS "id!" FROM moved"#,
        telegram_user_id,
        id,
        slot,
        today,
        tz,
        now,
    )
    .fetch_optional(conn)
    .await
}

/// Whether the application's seat came from a retest (it is then sat on paper).
pub async fn is_retest(pool: &PgPool, application: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM retest_requests WHERE application_id = $1 AND status = 'booked') AS "x!""#,
        application,
    )
    .fetch_one(pool)
    .await
}
