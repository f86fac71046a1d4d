//! Every campaign with its timeline and figures, for the console's session page.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::domain::ApplicationStatus;
use crate::i18n::Bilingual;

#[derive(Debug, Clone)]
pub struct CampaignFigures {
    pub code: String,
    pub name: Bilingual<String>,
    /// Named as the session file names them (the page edits the file's settings).
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub database_closes_at: Option<DateTime<Utc>>,
    pub tests_from: Option<NaiveDate>,
    pub tests_until: Option<NaiveDate>,
    pub fee_tenge: i32,
    pub payment_window_minutes: i32,
    pub venues: i64,
    pub slots: i64,
    pub capacity: i64,
    pub booked: i64,
    pub awaiting: i64,
    pub paid: i64,
}

/// Newest registration first.
pub async fn all(pool: &PgPool) -> sqlx::Result<Vec<CampaignFigures>> {
    sqlx::query_as!(
        CampaignFigures,
        r#"SELECT c.code, ARRAY[c.name_kk, c.name_ru] AS "name!: Bilingual<String>", c.registration_opens_at AS opens_at,
                  c.registration_closes_at AS closes_at, c.database_closed_at AS database_closes_at, c.tests_from, c.tests_until, c.fee_tenge, c.payment_window_minutes,
                  (SELECT count(DISTINCT s.venue_id) FROM slots s WHERE s.campaign_id = c.id) AS "venues!",
                  (SELECT count(*) FROM slots s WHERE s.campaign_id = c.id) AS "slots!",
                  (SELECT COALESCE(sum(s.capacity), 0) FROM slots s WHERE s.campaign_id = c.id) AS "capacity!",
                  (SELECT COALESCE(sum(s.booked), 0) FROM slots s WHERE s.campaign_id = c.id) AS "booked!",
                  (SELECT count(*) FROM applications a WHERE a.campaign_id = c.id AND a.status = $1) AS "awaiting!",
                  (SELECT count(*) FROM applications a WHERE a.campaign_id = c.id AND a.status = $2) AS "paid!"
           FROM campaigns c ORDER BY c.registration_opens_at DESC, c.id DESC"#,
        ApplicationStatus::AwaitingPayment as ApplicationStatus,
        ApplicationStatus::Paid as ApplicationStatus,
    )
    .fetch_all(pool)
    .await
}
