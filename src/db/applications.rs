//! Applications and the seats they hold.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Statuses that hold a seat: `booked` counts exactly these.
pub const SEAT_HOLDING: [&str; 3] = ["awaiting_payment", "paid", "no_show"];

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

/// Takes a seat and creates the application with its reminder and expiry jobs, in one
/// statement: the seat is taken only if one is free (`booked < capacity`), the campaign
/// is open and its database not closed, and all of it is undone if the applicant already
/// has a live application (the unique index). `None` when no seat could be taken.
pub async fn book(pool: &PgPool, a: &NewApplication<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "WITH open_campaign AS (
             SELECT id FROM campaigns
             WHERE id = $2 AND $7 >= registration_opens_at AND $7 < registration_closes_at
               AND (database_closed_at IS NULL OR database_closed_at > $7)
         ), seat AS (
             UPDATE slots SET booked = booked + 1, updated_at = $7
             WHERE id = $6 AND campaign_id = (SELECT id FROM open_campaign)
               AND booked < capacity AND starts_at > $7
               AND EXISTS (SELECT 1 FROM applicants WHERE telegram_user_id = $1)
             RETURNING id
         ), app AS (
             INSERT INTO applications (applicant_id, campaign_id, category_id, test_language,
                                       combination_id, slot_id, status, payment_deadline, created_at, updated_at)
             SELECT ap.id, $2, $3, $4, $5, seat.id, 'awaiting_payment', $8, $7, $7
             FROM seat, applicants ap WHERE ap.telegram_user_id = $1
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
    .bind(a.telegram_user_id)
    .bind(a.campaign_id)
    .bind(a.category_id)
    .bind(a.test_language)
    .bind(a.combination_id)
    .bind(a.slot_id)
    .bind(a.now)
    .bind(a.payment_deadline)
    .bind(a.reminder_minutes)
    .fetch_optional(pool)
    .await
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
