//! Slots and venues: capacity, booked, free; an admin changes a slot's capacity, time or
//! venue after a preview saying how many paid applicants will be told.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use minijinja::context;
use serde::Deserialize;

use super::{ConsoleError, Staff, fmt, opt, page};
use crate::domain::StaffAction;
use crate::format;
use crate::services::Ctx;
use crate::services::console::{self, SlotRow, SlotUpdate};

#[derive(Deserialize, Default)]
pub struct SlotFilter {
    city: Option<String>,
    date: Option<String>,
}

pub async fn list(
    State(ctx): State<Ctx>,
    staff: Staff,
    Query(f): Query<SlotFilter>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Slots)?;
    let l = staff.locale();
    let city: Option<i32> = opt(&f.city);
    let date: Option<NaiveDate> = opt(&f.date);
    let rows = console::slots(&ctx, city, date).await?;
    let rows = rows.iter().map(|s| row(&ctx, s, l)).collect::<Vec<_>>();
    let values = context! {
        rows => rows,
        cities => super::applications::cities(&ctx, l).await?,
        filter => context! { city => city.unwrap_or_default(), date => date.map(|d| d.to_string()).unwrap_or_default() },
    };
    page(&ctx, &staff, "console/slots.html", values)
}

fn row(ctx: &Ctx, s: &SlotRow, l: crate::i18n::Locale) -> minijinja::Value {
    let tz = ctx.config.timezone;
    context! {
        id => s.id, city => s.city.text(l), venue => s.venue.text(l), venue_code => s.venue_code.clone(),
        venue_id => s.venue_id, when => fmt::when(ctx, s.starts_at, l),
        date => format::local_date(s.starts_at, tz).to_string(), time => format::time(s.starts_at, tz),
        capacity => s.capacity, booked => s.booked, free => s.capacity - s.booked, paid => s.paid,
    }
}

pub async fn edit(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::ChangeSlot)?;
    let l = staff.locale();
    let slot = console::slot(&ctx, id).await?.ok_or(ConsoleError::NotFound)?;
    let values =
        context! { slot => row(&ctx, &slot, l), venues => super::applications::venues(&ctx, l).await? };
    page(&ctx, &staff, "console/slot_edit.html", values)
}

#[derive(Deserialize)]
pub struct SlotForm {
    #[serde(default)]
    csrf: String,
    capacity: String,
    date: String,
    time: String,
    venue: String,
}

struct Change {
    capacity: i32,
    starts_at: DateTime<Utc>,
    venue_id: i32,
}

fn parse(ctx: &Ctx, f: &SlotForm) -> Option<Change> {
    let capacity = f.capacity.trim().parse::<i32>().ok().filter(|c| *c > 0)?;
    let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d").ok()?;
    let time = NaiveTime::parse_from_str(f.time.trim(), "%H:%M").ok()?;
    let starts_at =
        ctx.config.timezone.from_local_datetime(&date.and_time(time)).single()?.with_timezone(&Utc);
    let venue_id = f.venue.trim().parse::<i32>().ok()?;
    Some(Change { capacity, starts_at, venue_id })
}

/// The confirmation: what changes, and whom it notifies; a capacity below the booked
/// seats is refused here already.
pub async fn preview(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<SlotForm>,
) -> Result<Response, ConsoleError> {
    let l = staff.locale();
    let (slot, change) = checked(&ctx, &staff, id, &f).await?;
    if change.capacity < slot.booked {
        return refused(&ctx, &staff, &slot, "console-slot-below-booked", slot.booked);
    }
    let moves = change.starts_at != slot.starts_at || change.venue_id != slot.venue_id;
    let venues = console::venues(&ctx).await?;
    let venue = venues.iter().find(|v| v.id == change.venue_id).ok_or(ConsoleError::BadRequest)?;
    let values = context! {
        slot => row(&ctx, &slot, l),
        new => context! {
            capacity => change.capacity, date => f.date.trim(), time => f.time.trim(), venue_id => change.venue_id,
            venue => format!("{} ({})", venue.name.text(l), venue.code), when => fmt::when(&ctx, change.starts_at, l),
        },
        moves => moves,
        notified => if moves { slot.paid } else { 0 },
    };
    page(&ctx, &staff, "console/slot_confirm.html", values)
}

/// The role, the CSRF token, the slot and the form: the slot with its change, or the page
/// saying what is wrong (a preview and an apply check the same).
async fn checked(ctx: &Ctx, staff: &Staff, id: i64, f: &SlotForm) -> Result<(SlotRow, Change), ConsoleError> {
    staff.posts(StaffAction::ChangeSlot, &f.csrf)?;
    let slot = console::slot(ctx, id).await?.ok_or(ConsoleError::NotFound)?;
    match parse(ctx, f) {
        Some(change) => Ok((slot, change)),
        None => Err(ConsoleError::page(refused(ctx, staff, &slot, "console-slot-bad-input", 0)?)),
    }
}

fn refused(
    ctx: &Ctx,
    staff: &Staff,
    slot: &SlotRow,
    key: &str,
    booked: i32,
) -> Result<Response, ConsoleError> {
    let l = staff.locale();
    let values = context! { slot => row(ctx, slot, l), key => key, booked => booked };
    let mut r = page(ctx, staff, "console/slot_refused.html", values)?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

pub async fn apply(
    State(ctx): State<Ctx>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<SlotForm>,
) -> Result<Response, ConsoleError> {
    let (slot, change) = checked(&ctx, &staff, id, &f).await?;
    let l = staff.locale();
    match console::change_slot(&ctx, staff.0.user, id, change.capacity, change.starts_at, change.venue_id)
        .await?
    {
        SlotUpdate::Done => {
            let now = console::slot(&ctx, id).await?.ok_or(ConsoleError::NotFound)?;
            let moved = now.starts_at != slot.starts_at || now.venue_id != slot.venue_id;
            let values =
                context! { slot => row(&ctx, &now, l), notified => if moved { slot.paid } else { 0 } };
            Ok(page(&ctx, &staff, "console/slot_done.html", values)?.into_response())
        }
        SlotUpdate::BelowBooked { booked } => {
            refused(&ctx, &staff, &slot, "console-slot-below-booked", booked)
        }
        SlotUpdate::Clash => refused(&ctx, &staff, &slot, "console-slot-clash", 0),
        SlotUpdate::NotFound => Err(ConsoleError::NotFound),
    }
}
