//! A campaign as the database holds it, written back as a session file. The console edits
//! a campaign by changing this file (a setting, a venue, a sheet) and sending it through
//! the same check, plan and apply as `ent-bot session apply`: one set of rules.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use toml::{Table, Value};

use std::path::Path;

use super::SessionError;
use super::apply::snapshot;
use super::model::Session;
use crate::db::session::StoredRow;

/// The campaign `code` as a session file; `None` when there is no such campaign.
pub async fn current(pool: &PgPool, code: &str, tz: Tz) -> sqlx::Result<Option<Table>> {
    let mut tx = pool.begin().await?;
    let stored = snapshot(&mut tx, code).await?;
    tx.rollback().await?;
    let Some(c) = &stored.campaign else { return Ok(None) };
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string();
    let closes = c.registration_closes_at.with_timezone(&tz).date_naive();
    let mut campaign = Table::new();
    campaign.insert("code".into(), c.code.clone().into());
    campaign.insert("name".into(), text(&c.name_kk, &c.name_ru));
    campaign.insert("registration_opens".into(), local(c.registration_opens_at).into());
    campaign.insert("registration_closes".into(), local(c.registration_closes_at).into());
    if let Some(d) = c.database_closed_at {
        campaign.insert("database_closes".into(), local(d).into());
    }
    let from = c.tests_from.unwrap_or(closes + Duration::days(1));
    campaign.insert("tests_from".into(), from.to_string().into());
    campaign
        .insert("tests_until".into(), c.tests_until.unwrap_or(from + Duration::days(31)).to_string().into());
    campaign.insert("fee_tenge".into(), i64::from(c.fee_tenge).into());
    campaign.insert("payment_window_minutes".into(), i64::from(c.payment_window_minutes).into());
    let reminders = c.reminders_minutes_left.clone().unwrap_or_default();
    campaign.insert(
        "reminders_minutes_left".into(),
        reminders.into_iter().map(i64::from).collect::<Vec<_>>().into(),
    );
    let year = c.graduation_year.map_or(i64::from(closes.year() + 1), i64::from);
    campaign.insert("graduation_year".into(), year.into());
    campaign.insert("retest_request_days".into(), i64::from(c.retest_request_days).into());

    let mut file = Table::new();
    file.insert("campaign".into(), campaign.into());
    let by_code: BTreeMap<&str, &StoredRow> =
        stored.categories.iter().map(|r| (r.code.as_str(), r)).collect();
    let categories = stored.offered.iter().filter_map(|o| by_code.get(o.code.as_str())).map(|r| {
        table([
            ("code", r.code.clone().into()),
            ("short", text(&r.fields[0], &r.fields[1])),
            ("name", text(&r.fields[2], &r.fields[3])),
        ])
    });
    file.insert("categories".into(), Value::Array(categories.collect()));
    let named = |rows: &[StoredRow]| -> Value {
        Value::Array(
            rows.iter()
                .map(|r| table([("code", r.code.clone().into()), ("name", text(&r.fields[0], &r.fields[1]))]))
                .collect(),
        )
    };
    file.insert("test_languages".into(), named(&stored.test_languages));
    file.insert("subjects".into(), named(&stored.subjects));
    let combinations = stored.combinations.iter().map(|r| {
        let subjects: Vec<Value> =
            r.fields[..2].iter().filter(|s| !s.is_empty()).map(|s| s.clone().into()).collect();
        table([("code", r.code.clone().into()), ("subjects", subjects.into())])
    });
    file.insert("combinations".into(), Value::Array(combinations.collect()));
    file.insert("regions".into(), named(&stored.regions));
    let cities = stored.cities.iter().filter(|r| !r.fields[0].is_empty()).map(|r| {
        table([
            ("code", r.code.clone().into()),
            ("region", r.fields[0].clone().into()),
            ("name", text(&r.fields[1], &r.fields[2])),
        ])
    });
    file.insert("cities".into(), Value::Array(cities.collect()));
    let venues = stored.venues.iter().map(|r| {
        table([
            ("code", r.code.clone().into()),
            ("city", r.fields[0].clone().into()),
            ("name", text(&r.fields[1], &r.fields[2])),
            ("address", text(&r.fields[3], &r.fields[4])),
        ])
    });
    file.insert("venues".into(), Value::Array(venues.collect()));
    // One rule per venue, time and capacity, listing its days: a season's slots stay a
    // few dozen rules.
    let mut rules: BTreeMap<(String, String, i32), Vec<String>> = BTreeMap::new();
    for s in &stored.slots {
        let at = s.starts_at.with_timezone(&tz);
        let key = (s.venue.clone(), at.format("%H:%M").to_string(), s.capacity);
        rules.entry(key).or_default().push(at.date_naive().to_string());
    }
    file.insert("slots".into(), slot_rules(rules));
    Ok(Some(file))
}

/// A file the console proposes, checked as `session check` checks one. The file's times
/// are minutes: a stored time with seconds (a campaign created by `seed demo`) is kept as
/// stored when the minute is the same, so an unchanged setting is no change.
pub async fn load_edited(pool: &PgPool, text: &str, dir: &Path, tz: Tz) -> Result<Session, SessionError> {
    let mut session = super::validate::load_str(text, "console", dir, tz).map_err(SessionError::from)?;
    let mut conn = pool.acquire().await?;
    if let Some(stored) = crate::db::session::campaign(&mut conn, &session.campaign.code).await? {
        let same_minute = |a: DateTime<Utc>, b: DateTime<Utc>| a.timestamp() / 60 == b.timestamp() / 60;
        let c = &mut session.campaign;
        if same_minute(c.opens_at, stored.registration_opens_at) {
            c.opens_at = stored.registration_opens_at;
        }
        if same_minute(c.closes_at, stored.registration_closes_at) {
            c.closes_at = stored.registration_closes_at;
        }
        if let (Some(a), Some(b)) = (c.database_closes_at, stored.database_closed_at)
            && same_minute(a, b)
        {
            c.database_closes_at = Some(b);
        }
    }
    Ok(session)
}

/// A checked session written back as a file with every row inline (after a sheet was read).
pub fn inline(session: &Session, tz: Tz) -> Table {
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string();
    let c = &session.campaign;
    let mut campaign = Table::new();
    campaign.insert("code".into(), c.code.clone().into());
    campaign.insert("name".into(), text(&c.name.kk, &c.name.ru));
    campaign.insert("registration_opens".into(), local(c.opens_at).into());
    campaign.insert("registration_closes".into(), local(c.closes_at).into());
    if let Some(d) = c.database_closes_at {
        campaign.insert("database_closes".into(), local(d).into());
    }
    campaign.insert("tests_from".into(), c.tests_from.to_string().into());
    campaign.insert("tests_until".into(), c.tests_until.to_string().into());
    campaign.insert("fee_tenge".into(), i64::from(c.fee_tenge).into());
    campaign.insert("payment_window_minutes".into(), i64::from(c.payment_window_minutes).into());
    let reminders: Vec<i64> = c.reminders_minutes_left.iter().map(|m| i64::from(*m)).collect();
    campaign.insert("reminders_minutes_left".into(), reminders.into());
    campaign.insert("graduation_year".into(), i64::from(c.graduation_year).into());
    campaign.insert("retest_request_days".into(), i64::from(c.retest_request_days).into());
    let mut file = Table::new();
    file.insert("campaign".into(), campaign.into());
    let list = |items: Vec<Value>| Value::Array(items);
    file.insert(
        "categories".into(),
        list(
            session
                .categories
                .iter()
                .map(|x| {
                    table([
                        ("code", x.code.clone().into()),
                        ("short", text(&x.short.kk, &x.short.ru)),
                        ("name", text(&x.name.kk, &x.name.ru)),
                    ])
                })
                .collect(),
        ),
    );
    let named = |xs: &[super::model::Named]| {
        list(
            xs.iter()
                .map(|x| table([("code", x.code.clone().into()), ("name", text(&x.name.kk, &x.name.ru))]))
                .collect(),
        )
    };
    file.insert("test_languages".into(), named(&session.test_languages));
    file.insert("subjects".into(), named(&session.subjects));
    file.insert(
        "combinations".into(),
        list(
            session
                .combinations
                .iter()
                .map(|x| {
                    let subjects: Vec<Value> =
                        std::iter::once(x.first.clone()).chain(x.second.clone()).map(Value::from).collect();
                    table([("code", x.code.clone().into()), ("subjects", subjects.into())])
                })
                .collect(),
        ),
    );
    file.insert("regions".into(), named(&session.regions));
    file.insert(
        "cities".into(),
        list(
            session
                .cities
                .iter()
                .map(|x| {
                    table([
                        ("code", x.code.clone().into()),
                        ("region", x.region.clone().into()),
                        ("name", text(&x.name.kk, &x.name.ru)),
                    ])
                })
                .collect(),
        ),
    );
    file.insert(
        "venues".into(),
        list(
            session
                .venues
                .iter()
                .map(|x| {
                    table([
                        ("code", x.code.clone().into()),
                        ("city", x.city.clone().into()),
                        ("name", text(&x.name.kk, &x.name.ru)),
                        ("address", text(&x.address.kk, &x.address.ru)),
                    ])
                })
                .collect(),
        ),
    );
    let mut rules: BTreeMap<(String, String, i32), Vec<String>> = BTreeMap::new();
    for s in &session.slots {
        let at = s.starts_at.with_timezone(&tz);
        rules
            .entry((s.venue.clone(), at.format("%H:%M").to_string(), s.capacity))
            .or_default()
            .push(at.date_naive().to_string());
    }
    file.insert("slots".into(), slot_rules(rules));
    file
}

fn slot_rules(rules: BTreeMap<(String, String, i32), Vec<String>>) -> Value {
    Value::Array(
        rules
            .into_iter()
            .map(|((venue, time, capacity), dates)| {
                table([
                    ("venue", venue.into()),
                    ("dates", dates.into()),
                    ("times", vec![time].into()),
                    ("capacity", i64::from(capacity).into()),
                ])
            })
            .collect(),
    )
}

fn text(kk: &str, ru: &str) -> Value {
    table([("kk", kk.into()), ("ru", ru.into())])
}

fn table<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Table(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}
