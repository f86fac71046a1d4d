//! The Mini App's own reads: where a chosen slot is, who the signed user is, and the ids
//! of the updates its choices become (the cities, days and slots it lists are
//! `db::catalog`'s, as the wizard's and the waitlist's are).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::i18n::Locale;

/// A slot's campaign, city and local day, and whether a seat is free.
#[derive(Debug, Clone)]
pub struct SlotAt {
    pub campaign_id: i64,
    pub city_id: i32,
    pub date: NaiveDate,
    pub free: bool,
    pub future: bool,
}

pub async fn slot_at(
    pool: &PgPool,
    slot: i64,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> sqlx::Result<Option<SlotAt>> {
    sqlx::query_as!(
        SlotAt,
        r#"SELECT s.campaign_id, v.city_id, (s.starts_at AT TIME ZONE $3)::date AS "date!",
                  s.booked < s.capacity AS "free!", s.starts_at > $2 AS "future!"
           FROM slots s JOIN venues v ON v.id = s.venue_id WHERE s.id = $1"#,
        slot,
        now,
        tz.name(),
    )
    .fetch_optional(pool)
    .await
}

/// Who the Mini App's user is to the bot: his chat, name and interface language.
#[derive(Debug, Clone)]
pub struct Known {
    pub chat_id: i64,
    pub first_name: String,
    pub locale: Option<Locale>,
}

pub async fn known(pool: &PgPool, user_id: i64) -> sqlx::Result<Option<Known>> {
    sqlx::query_as!(
        Known,
        r#"SELECT chat_id, first_name, locale AS "locale: Locale" FROM telegram_users WHERE id = $1"#,
        user_id
    )
    .fetch_optional(pool)
    .await
}

/// The inbox id of the next Mini App update: negative, below every Telegram id (see the
/// migration).
pub async fn next_update_id(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT nextval('miniapp_update_ids') - 1099511627776 AS "id!""#)
        .fetch_one(pool)
        .await
}
