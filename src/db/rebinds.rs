//! Moving an IIN from one Telegram account to another (support's re-bind), and the queue
//! of requests for it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::i18n::Locale;

/// `rebind_requests.status`, as PostgreSQL's `rebind_request_status` spells it (the console shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::Type)]
#[sqlx(type_name = "rebind_request_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RebindStatus {
    Open,
    Rebound,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewRequest {
    Recorded(i64),
    /// He asked about this IIN already and the request is still open.
    AlreadyOpen,
    /// He has this many open requests already.
    TooMany,
}

/// Records a request with what support needs to reach him (his verified email, his phone
/// if the applicant row has one). Serialised per account on its user row, so a double tap
/// or a burst cannot pass the cap on open requests.
pub async fn create_request(
    pool: &PgPool,
    telegram_user_id: i64,
    iin: &str,
    now: DateTime<Utc>,
    max_open: i64,
) -> sqlx::Result<NewRequest> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!("SELECT id FROM telegram_users WHERE id = $1 FOR UPDATE", telegram_user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let open: Vec<String> = sqlx::query_scalar!(
        "SELECT iin FROM rebind_requests WHERE telegram_user_id = $1 AND status = 'open'",
        telegram_user_id,
    )
    .fetch_all(&mut *tx)
    .await?;
    if open.iter().any(|i| i == iin) {
        return Ok(NewRequest::AlreadyOpen);
    }
    if open.len() as i64 >= max_open {
        return Ok(NewRequest::TooMany);
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO rebind_requests (telegram_user_id, iin, email, phone, created_at)
         SELECT $1, $2, ap.email, ap.phone, $3
         FROM (SELECT 1) one LEFT JOIN applicants ap ON ap.telegram_user_id = $1
         RETURNING id",
        telegram_user_id,
        iin,
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(NewRequest::Recorded(id))
}

/// Adds the phone he shared to his open requests. The number of requests it was added to.
pub async fn attach_phone(pool: &PgPool, telegram_user_id: i64, phone: &str) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE rebind_requests SET phone = $2 WHERE telegram_user_id = $1 AND status = 'open'",
        telegram_user_id,
        phone,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub telegram_user_id: i64,
    pub first_name: Option<String>,
    pub iin: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: RebindStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<i64>,
    pub note: Option<String>,
    /// The account holding the IIN now.
    pub holder: Option<i64>,
}

/// Open requests, oldest first.
pub async fn open_requests(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<Request>> {
    requests(pool, None, limit).await
}

pub async fn request(pool: &PgPool, id: i64) -> sqlx::Result<Option<Request>> {
    Ok(requests(pool, Some(id), 1).await?.pop())
}

/// The request `id`, or without one the open requests (a short queue).
async fn requests(pool: &PgPool, id: Option<i64>, limit: i64) -> sqlx::Result<Vec<Request>> {
    sqlx::query_as!(
        Request,
        r#"SELECT id AS "id!", telegram_user_id AS "telegram_user_id!", first_name, iin AS "iin!", email, phone,
                  status AS "status!: RebindStatus", created_at AS "created_at!", resolved_at, resolved_by, note, holder
           FROM rebind_request_views
           WHERE CASE WHEN $1::bigint IS NULL THEN status = 'open' ELSE id = $1 END
           ORDER BY created_at, id LIMIT $2"#,
        id,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Closes an open request as refused; `(requester, IIN, his locale)` when it was open.
pub async fn refuse(
    conn: &mut PgConnection,
    id: i64,
    actor: i64,
    note: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<(i64, String, Option<Locale>)>> {
    let row = sqlx::query!(
        r#"UPDATE rebind_requests SET status = 'refused', resolved_at = $3, resolved_by = $2, note = $4
           WHERE id = $1 AND status = 'open'
           RETURNING telegram_user_id, iin,
                     (SELECT locale FROM telegram_users WHERE id = telegram_user_id) AS "locale?: Locale""#,
        id,
        actor,
        now,
        note,
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.telegram_user_id, r.iin, r.locale)))
}

/// Closes the open requests of `telegram_user_id` about `iin` as re-bound; their ids.
pub async fn resolve_rebound(
    conn: &mut PgConnection,
    telegram_user_id: i64,
    iin: &str,
    actor: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "UPDATE rebind_requests SET status = 'rebound', resolved_at = $4, resolved_by = $3
         WHERE telegram_user_id = $1 AND iin = $2 AND status = 'open' RETURNING id",
        telegram_user_id,
        iin,
        actor,
        now,
    )
    .fetch_all(conn)
    .await
}

/// What a re-bind would do, for the confirmation page.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The account holding the IIN now.
    pub holder: Option<i64>,
    /// Whether the new account ever wrote to the bot.
    pub target_known: bool,
    /// The IIN the new account holds now, if any.
    pub target_iin: Option<String>,
    /// The holder's applications (all of them move), and how many are live.
    pub applications: i64,
    pub live: i64,
}

pub async fn plan(pool: &PgPool, iin: &str, to: i64) -> sqlx::Result<Plan> {
    let holder = sqlx::query!("SELECT id, telegram_user_id FROM applicants WHERE iin = $1", iin)
        .fetch_optional(pool)
        .await?;
    let target_known: bool =
        sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM telegram_users WHERE id = $1) AS "known!""#, to)
            .fetch_one(pool)
            .await?;
    let target_iin: Option<String> = sqlx::query_scalar!(
        r#"SELECT iin::text AS "iin!" FROM applicants WHERE telegram_user_id = $1 AND iin IS NOT NULL"#,
        to,
    )
    .fetch_optional(pool)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) AS "applications!",
                  count(*) FILTER (WHERE status IN ('awaiting_payment', 'paid', 'no_show')) AS "live!"
           FROM applications WHERE applicant_id = $1"#,
        holder.as_ref().map_or(0, |h| h.id),
    )
    .fetch_one(pool)
    .await?;
    Ok(Plan {
        holder: holder.map(|h| h.telegram_user_id),
        target_known,
        target_iin,
        applications: counts.applications,
        live: counts.live,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moved {
    Moved {
        /// The account that held the IIN (`None`: it was bound to nobody).
        from: Option<i64>,
        from_locale: Option<Locale>,
        to_locale: Option<Locale>,
        applications: i64,
        live: i64,
    },
    /// The new account never wrote to the bot: nothing can reach it.
    UnknownAccount,
    /// The new account holds this IIN already.
    AlreadyHolder,
    /// The new account holds another IIN: that one would have to move first.
    HoldsAnother,
}

/// Moves the IIN, with the registry name and birth date and every application made under
/// it, from the account holding it to `to`, in the caller's transaction. Both applicant
/// rows are locked (in id order) before anything changes; the unique index on the IIN
/// still decides a race with someone binding it at this moment (the caller sees the
/// violation and nothing is changed).
pub async fn move_iin(
    conn: &mut PgConnection,
    iin: &str,
    full_name: &str,
    birth_date: NaiveDate,
    to: i64,
) -> sqlx::Result<Moved> {
    let target: Option<Option<Locale>> =
        sqlx::query_scalar!(r#"SELECT locale AS "locale?: Locale" FROM telegram_users WHERE id = $1"#, to)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(to_locale) = target else {
        return Ok(Moved::UnknownAccount);
    };
    let rows: Vec<(i64, i64, Option<String>)> = sqlx::query!(
        r#"SELECT id, telegram_user_id, iin::text AS "iin?" FROM applicants WHERE iin = $1 OR telegram_user_id = $2
           ORDER BY id FOR NO KEY UPDATE"#,
        iin,
        to,
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, r.telegram_user_id, r.iin))
    .collect();
    let target = rows.iter().find(|r| r.1 == to);
    match target.and_then(|t| t.2.as_deref()) {
        Some(held) if held == iin => return Ok(Moved::AlreadyHolder),
        Some(_) => return Ok(Moved::HoldsAnother),
        None => {}
    }
    let previous = rows.iter().find(|r| r.1 != to && r.2.as_deref() == Some(iin));
    if let Some((id, _, _)) = previous {
        sqlx::query!(
            "UPDATE applicants SET iin = NULL, full_name = NULL, birth_date = NULL, updated_at = now() WHERE id = $1",
            id,
        )
        .execute(&mut *conn)
        .await?;
    }
    // The new account may not have confirmed an email yet: onboarding then asks for it
    // and finds the IIN in place.
    let target_id: i64 = sqlx::query_scalar!(
        "INSERT INTO applicants (telegram_user_id, iin, full_name, birth_date) VALUES ($1, $2, $3, $4)
         ON CONFLICT (telegram_user_id) DO UPDATE
            SET iin = EXCLUDED.iin, full_name = EXCLUDED.full_name, birth_date = EXCLUDED.birth_date,
                updated_at = now()
         RETURNING id",
        to,
        iin,
        full_name,
        birth_date,
    )
    .fetch_one(&mut *conn)
    .await?;
    let (mut applications, mut live) = (0, 0);
    let mut from_locale = None;
    if let Some((id, from, _)) = previous {
        let moved = sqlx::query!(
            r#"WITH moved AS (
                   UPDATE applications SET applicant_id = $2, updated_at = now() WHERE applicant_id = $1
                   RETURNING status)
               SELECT count(*) AS "applications!",
                      count(*) FILTER (WHERE status IN ('awaiting_payment', 'paid', 'no_show')) AS "live!"
               FROM moved"#,
            id,
            target_id,
        )
        .fetch_one(&mut *conn)
        .await?;
        (applications, live) = (moved.applications, moved.live);
        from_locale = sqlx::query_scalar!(
            r#"SELECT locale AS "locale?: Locale" FROM telegram_users WHERE id = $1"#,
            from
        )
        .fetch_one(&mut *conn)
        .await?;
    }
    Ok(Moved::Moved { from: previous.map(|p| p.1), from_locale, to_locale, applications, live })
}
