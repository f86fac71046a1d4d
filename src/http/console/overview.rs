//! `GET /console/`: the overview. Its figures are a fragment (`/console/overview/live`)
//! that console.js fetches again every few seconds.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Value;

use super::{ConsoleError, Staff, fmt};
use crate::domain::{ApplicationStatus, StaffAction};
use crate::format;
use crate::i18n::Locale;
use crate::services::Ctx;
use crate::services::console;

pub async fn page_handler(ctx: &Ctx, staff: &Staff, name: &str) -> Result<Response, ConsoleError> {
    let values = values(ctx, staff.locale()).await?;
    super::page(ctx, staff, name, values)
}

pub async fn page(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Stats)?;
    page_handler(&ctx, &staff, "console/overview.html").await
}

pub async fn live(State(ctx): State<Ctx>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.may(StaffAction::Stats)?;
    let mut r = page_handler(&ctx, &staff, "console/overview_live.html").await?;
    r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(r.into_response())
}

/// Chart geometry: the SVG is drawn in these units and scaled by the browser.
const CHART_H: f64 = 120.0;
const BAR_W: f64 = 4.0;

async fn values(ctx: &Ctx, l: Locale) -> Result<Value, ConsoleError> {
    let Some(o) = console::overview(ctx).await? else {
        return Ok(context! { campaign => Value::from(()) });
    };
    let st = &o.stats;
    let statuses = [
        (ApplicationStatus::AwaitingPayment, st.awaiting),
        (ApplicationStatus::Paid, st.paid),
        (ApplicationStatus::Annulled, st.annulled),
        (ApplicationStatus::Cancelled, st.cancelled),
        (ApplicationStatus::Withdrawn, st.withdrawn),
        (ApplicationStatus::NoShow, st.no_show),
    ]
    .iter()
    .map(|(k, n)| context! { key => k.as_str(), count => *n })
    .collect::<Vec<_>>();

    let tz = ctx.config.timezone;
    let max = o.per_hour.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let bars = o
        .per_hour
        .iter()
        .enumerate()
        .map(|(i, (at, n))| {
            let h = (*n as f64 / max * (CHART_H - 4.0)).max(if *n > 0 { 2.0 } else { 0.0 });
            context! {
                x => format!("{:.1}", i as f64 * BAR_W),
                y => format!("{:.1}", CHART_H - h),
                w => format!("{:.1}", BAR_W - 1.0),
                h => format!("{:.1}", h),
                label => format!("{} · {}", fmt::when(ctx, *at, l), n),
            }
        })
        .collect::<Vec<_>>();
    // A tick at each local midnight.
    let ticks = o
        .per_hour
        .iter()
        .enumerate()
        .filter(|(_, (at, _))| at.with_timezone(&tz).format("%H").to_string() == "00")
        .map(|(i, (at, _))| {
            context! { x => format!("{:.1}", i as f64 * BAR_W),
            label => format::short_date(format::local_date(*at, tz), l) }
        })
        .collect::<Vec<_>>();
    let total: i64 = o.per_hour.iter().map(|(_, n)| n).sum();

    let days: BTreeSet<_> = o.seats.iter().map(|c| c.day).collect();
    let days: Vec<_> = days.into_iter().collect();
    let mut rows: Vec<Value> = vec![];
    let mut cities: Vec<i32> = vec![];
    for c in &o.seats {
        if !cities.contains(&c.city_id) {
            cities.push(c.city_id);
        }
    }
    for city in cities {
        let of_city: Vec<_> = o.seats.iter().filter(|c| c.city_id == city).collect();
        let name = of_city[0].city.text(l).to_string();
        let cells = days
            .iter()
            .map(|d| match of_city.iter().find(|c| c.day == *d) {
                Some(c) => {
                    let ratio = if c.capacity > 0 { c.free as f64 / c.capacity as f64 } else { 0.0 };
                    let level = if c.free == 0 { 0 } else { 1 + (ratio * 3.99) as i64 };
                    context! { free => c.free, capacity => c.capacity, level => level }
                }
                None => context! { free => Value::from(()), capacity => 0, level => -1 },
            })
            .collect::<Vec<_>>();
        rows.push(context! { city => name, cells => cells });
    }
    let day_labels = days.iter().map(|d| format::short_date(*d, l)).collect::<Vec<_>>();
    let parked = o
        .parked
        .iter()
        .map(|p| context! { update_id => p.update_id, error => p.last_error.clone(), kind => p.kind.clone() })
        .collect::<Vec<_>>();

    let waitlist = crate::services::waitlist::sizes(ctx, o.campaign.id)
        .await?
        .iter()
        .map(|w| {
            context! { city => w.city.text(l), date => format::short_date(w.test_date, l),
            waiting => w.waiting, offered => w.offered }
        })
        .collect::<Vec<_>>();

    Ok(context! {
        waitlist => waitlist,
        campaign => o.campaign.name.text(l),
        statuses => statuses,
        money => st.payments_sum.to_string(),
        booked => st.booked,
        capacity => st.capacity,
        late => st.refunds,
        refunds_waiting => o.refunds_waiting,
        outbox => st.outbox,
        unreachable => st.unreachable,
        inbox_pending => o.inbox_pending,
        inbox_parked => o.inbox_parked,
        parked => parked,
        chart => context! {
            width => format!("{:.0}", (o.per_hour.len() as f64 * BAR_W).max(BAR_W)),
            height => CHART_H,
            bars => bars,
            ticks => ticks,
            total => total,
        },
        heat => context! { days => day_labels, rows => rows },
        updated => fmt::stamp(ctx, ctx.clock.now()),
    })
}
