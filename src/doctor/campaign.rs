//! The campaign about to open (or open): its dates in order, seats in every city, and
//! the person registry loaded.

use chrono::Utc;
use sqlx::PgPool;

use super::{Check, count};
use crate::config::Config;
use crate::db::{campaigns, preflight};

pub(super) async fn checks(pool: &PgPool, config: &Config) -> Vec<Check> {
    let now = Utc::now();
    let tz = config.timezone;
    let local = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let mut out = Vec::new();
    let persons = preflight::persons(pool).await;
    let registry = match &persons {
        Ok(0) => Check::fail(
            "registry",
            "no persons: no IIN can be bound",
            "import the registry: ent-bot import persons FILE.csv",
        ),
        Ok(n) => Check::pass("registry", format!("{} persons", count(*n))),
        Err(e) => Check::fail("registry", format!("unreadable: {e}"), "check the role's rights"),
    };
    let persons = persons.unwrap_or_default();
    let campaign = match campaigns::current(pool, now).await {
        Ok(Some(c)) if c.registration_closes_at > now => c,
        Ok(found) => {
            let found = found.map_or("no campaign at all".to_string(), |c| {
                format!("the latest, {}, closed on {}", c.code, local(c.registration_closes_at))
            });
            out.push(Check::fail(
                "campaign",
                format!("none open or planned ({found})"),
                "load the session: ent-bot session apply FILE.toml",
            ));
            out.push(Check::skip("campaign dates", "no campaign"));
            out.push(Check::skip("seats", "no campaign"));
            out.push(registry);
            return out;
        }
        Err(e) => {
            out.push(Check::fail("campaign", format!("unreadable: {e}"), "check the role's rights"));
            out.push(Check::skip("campaign dates", "no campaign"));
            out.push(Check::skip("seats", "no campaign"));
            out.push(registry);
            return out;
        }
    };
    let state = if campaign.is_open(now) { "open" } else { "next" };
    out.push(Check::pass(
        "campaign",
        format!(
            "{} ({state}): registration {} – {} ({tz}), fee {} ₸, {} min to pay",
            campaign.code,
            local(campaign.registration_opens_at),
            local(campaign.registration_closes_at),
            count(campaign.fee_tenge.tenge() as i64),
            campaign.payment_window_minutes
        ),
    ));

    let span = preflight::slot_span(pool, campaign.id).await.ok().flatten();
    let mut wrong = Vec::new();
    if campaign.registration_opens_at >= campaign.registration_closes_at {
        wrong.push("registration closes before it opens".to_string());
    }
    if let Some(closed) = campaign.database_closed_at
        && closed < campaign.registration_opens_at
    {
        wrong.push(format!("the database closes ({}) before registration opens", local(closed)));
    }
    match span {
        None => wrong.push("no test slots".to_string()),
        Some((first, last)) => {
            if first <= campaign.registration_opens_at {
                wrong.push(format!("a test ({}) is before registration opens", local(first)));
            }
            if last <= campaign.registration_closes_at {
                wrong.push(format!("registration closes after the last test ({})", local(last)));
            }
        }
    }
    out.push(match (wrong.is_empty(), span) {
        (true, Some((first, last))) => {
            Check::pass("campaign dates", format!("in order; tests from {} to {}", local(first), local(last)))
        }
        _ => Check::fail(
            "campaign dates",
            wrong.join("; "),
            "correct the session file's dates or slots and apply it again (ent-bot session check FILE.toml first)",
        ),
    });

    out.push(match preflight::seats_by_city(pool, campaign.id).await {
        Err(e) => Check::fail("seats", format!("unreadable: {e}"), "check the role's rights"),
        Ok(cities) => {
            let slots: i64 = cities.iter().map(|c| c.slots).sum();
            let seats: i64 = cities.iter().map(|c| c.seats).sum();
            let free: i64 = cities.iter().map(|c| c.seats - c.booked).sum();
            let empty: Vec<&str> = cities.iter().filter(|c| c.seats == 0).map(|c| c.city.as_str()).collect();
            let fewest = cities.iter().filter(|c| c.seats > 0).min_by_key(|c| c.seats);
            let share = if persons > 0 { format!("{:.2}", seats as f64 / persons as f64) } else { "–".into() };
            let mut found = format!(
                "{} cities, {} slots, {} seats ({} free) for {} persons in the registry ({share} a person)",
                cities.len(),
                count(slots),
                count(seats),
                count(free),
                count(persons)
            );
            if let Some(c) = fewest {
                found.push_str(&format!("; fewest in {}: {}", c.city, count(c.seats)));
            }
            if cities.is_empty() || seats == 0 {
                Check::fail("seats", found, "load the venues and slots: ent-bot session apply FILE.toml")
            } else if !empty.is_empty() {
                Check::fail(
                    "seats",
                    format!("{found}; no seats in {}", empty.join(", ")),
                    "add slots for these cities, or remove their venues (applicants would see a city with no date)",
                )
            } else if free == 0 {
                Check::fail("seats", found, "every seat is taken: add slots or capacity")
            } else {
                Check::pass("seats", found)
            }
        }
    });
    out.push(registry);
    out
}
