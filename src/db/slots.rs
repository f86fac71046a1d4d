//! Staff changes to slots: capacity, time, venue. The `slots_changed` trigger queues the
//! notification job for its paid applicants in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::i18n::Bilingual;

#[derive(Debug, PartialEq, Eq)]
pub enum SlotUpdate {
    Done,
    NotFound,
    /// The new capacity is below the seats already booked.
    BelowBooked {
        booked: i32,
    },
    /// Another slot of the campaign already has this venue and time.
    Clash,
}

pub async fn update(
    pool: &PgPool,
    id: i64,
    capacity: i32,
    starts_at: DateTime<Utc>,
    venue_id: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<SlotUpdate> {
    let mut tx = pool.begin().await?;
    // Locked, so a booking cannot slip in between the guard and the answer.
    let booked: Option<i32> = sqlx::query_scalar!("SELECT booked FROM slots WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(booked) = booked else {
        return Ok(SlotUpdate::NotFound);
    };
    if capacity < booked.max(1) {
        return Ok(SlotUpdate::BelowBooked { booked });
    }
    let done = sqlx::query!(
        "UPDATE slots SET capacity = $2, starts_at = $3, venue_id = $4, updated_at = $5
         WHERE id = $1 AND booked <= $2",
        id,
        capacity,
        starts_at,
        venue_id,
        now,
    )
    .execute(&mut *tx)
    .await;
    match done {
        Ok(r) if r.rows_affected() == 1 => {
            tx.commit().await?;
            Ok(SlotUpdate::Done)
        }
        Ok(_) => Ok(SlotUpdate::BelowBooked { booked }),
        Err(e) if crate::db::violates(&e, "slots_campaign_id_venue_id_starts_at_key") => {
            Ok(SlotUpdate::Clash)
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Clone)]
pub struct VenueOption {
    pub id: i32,
    pub code: String,
    pub name: Bilingual<String>,
    pub city: Bilingual<String>,
}

pub async fn venues(pool: &PgPool) -> sqlx::Result<Vec<VenueOption>> {
    sqlx::query_as!(
        VenueOption,
        r#"SELECT v.id, v.code, ARRAY[v.name_kk, v.name_ru] AS "name!: Bilingual<String>",
                  ARRAY[ci.name_kk, ci.name_ru] AS "city!: Bilingual<String>"
           FROM venues v JOIN cities ci ON ci.id = v.city_id ORDER BY ci.sort_order, ci.id, v.code"#,
    )
    .fetch_all(pool)
    .await
}

pub async fn venue_by_code(pool: &PgPool, code: &str) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!("SELECT id FROM venues WHERE code = $1", code).fetch_optional(pool).await
}

pub async fn campaign_by_code(pool: &PgPool, code: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT id FROM campaigns WHERE code = $1", code).fetch_optional(pool).await
}

pub async fn campaigns(pool: &PgPool) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!("SELECT id, code FROM campaigns ORDER BY registration_opens_at DESC, id DESC")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.code)).collect())
}
