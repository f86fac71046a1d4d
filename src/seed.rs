//! `ent-bot seed demo`: `sessions/demo.toml` applied like any session file, with its
//! campaign moved to today (registration open now, tests in the coming January), plus
//! registry persons, so a sandbox is usable at once. A second run changes nothing.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use crate::db::{campaigns, reference as store};
use crate::domain::{Iin, Sex};
use crate::session::{self, Session, model::Text};

pub struct SeedReport {
    pub inserted: u64,
    pub campaign_code: String,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "demo data: {} rows inserted (campaign {})", self.inserted, self.campaign_code)
    }
}

/// The ENT-FACTS §6 worked example, so demos and manual tests have a number to type.
pub const DEMO_PERSON_IIN: &str = "080315600016";
const DEMO_PERSON: (&str, &str, &str) = ("Сейтқали", "Айгерим", "Нұрланқызы");

const SYNTHETIC_PERSONS: usize = 50;

/// [`seed_demo_with_window`] with the default payment window.
pub async fn seed_demo(pool: &PgPool, now: DateTime<Utc>, tz: Tz) -> anyhow::Result<SeedReport> {
    seed_demo_with_window(pool, now, tz, crate::config::DEFAULT_PAYMENT_DEADLINE_MINUTES).await
}

/// The demo data; the campaign gets `payment_window_minutes` (`PAYMENT_DEADLINE_MINUTES`)
/// when it is created. A campaign seeded before keeps its own window.
pub async fn seed_demo_with_window(
    pool: &PgPool,
    now: DateTime<Utc>,
    tz: Tz,
    payment_window_minutes: u32,
) -> anyhow::Result<SeedReport> {
    let window = i32::try_from(payment_window_minutes).context("payment window out of range")?;
    let year = january_session_year(now.with_timezone(&tz).date_naive());
    let campaign_code = format!("ent-{year}-01");
    // Everything time-dependent follows the campaign as first stored, so a later run
    // (even days later) plans no change.
    let stored = campaigns::by_code(pool, &campaign_code).await?;
    let (opens_at, closes_at, window) = match &stored {
        Some(c) => (c.registration_opens_at, c.registration_closes_at, c.payment_window_minutes),
        None => (now - Duration::days(1), now + Duration::days(9), window),
    };
    let mut session = demo_session(tz)?;
    let first_day = first_test_day(closes_at.with_timezone(&tz).date_naive(), year);
    let shift = first_day - session.campaign.tests_from;
    for slot in &mut session.slots {
        let local = slot.starts_at.with_timezone(&tz).naive_local() + shift;
        slot.starts_at = tz
            .from_local_datetime(&local)
            .earliest()
            .with_context(|| format!("{local} does not exist in {tz}"))?
            .with_timezone(&Utc);
    }
    let c = &mut session.campaign;
    c.code = campaign_code.clone();
    c.name =
        Text { kk: format!("ҰБТ — қаңтар {year}"), ru: format!("ЕНТ — январь {year}") };
    (c.opens_at, c.closes_at, c.payment_window_minutes) = (opens_at, closes_at, window);
    c.tests_from = first_day;
    c.tests_until += shift;
    c.graduation_year = i16::try_from(year).context("year out of range")?;
    c.reminders_minutes_left.retain(|m| *m < window);

    let opts = session::Options::default();
    let plan = session::apply(pool, &session, opts, now, tz, session::apply::UNAUDITED, "sessions/demo.toml")
        .await?;
    let mut inserted = plan.changes() as u64;

    let mut tx = pool.begin().await?;
    // Not counted: it says what the database is, not what it holds.
    store::mark_sandbox(&mut tx).await?;
    inserted += seed_persons(&mut tx, first_day).await?;
    tx.commit().await?;
    Ok(SeedReport { inserted, campaign_code })
}

/// The demo session file (sessions/demo.toml), as written.
pub fn demo_session(tz: Tz) -> anyhow::Result<Session> {
    session::validate::load_str(DEMO_FILE, "sessions/demo.toml", std::path::Path::new("sessions"), tz)
        .map_err(|problems| session::SessionError::from(problems).into())
}

const DEMO_FILE: &str = include_str!("../sessions/demo.toml");

/// The January whose session is being registered for: this one in January, else the next.
pub fn january_session_year(today: NaiveDate) -> i32 {
    if today.month() == 1 { today.year() } else { today.year() + 1 }
}

/// Like the real session, testing starts on a Monday from 10 January on, and never before
/// the registration window has closed.
pub fn first_test_day(registration_closes: NaiveDate, year: i32) -> NaiveDate {
    let january_10 = NaiveDate::from_ymd_opt(year, 1, 10).expect("10 January exists");
    first_monday_after(registration_closes).max(first_monday_after(january_10 - Duration::days(1)))
}

/// Strictly after: a window that closes on a Monday leaves the week to prepare the rooms.
pub fn first_monday_after(date: NaiveDate) -> NaiveDate {
    let mut day = date + Duration::days(1);
    while day.weekday() != Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

async fn seed_persons(tx: &mut PgConnection, test_day: NaiveDate) -> anyhow::Result<u64> {
    let (last, first, patronymic) = DEMO_PERSON;
    let mut persons =
        vec![(Iin::parse(DEMO_PERSON_IIN)?, last.to_owned(), first.to_owned(), Some(patronymic.to_owned()))];
    persons.extend(synthetic_persons(test_day));
    let mut inserted = 0;
    for (iin, last, first, patronymic) in persons {
        inserted += store::insert_person(tx, iin.as_str(), &last, &first, patronymic.as_deref()).await?;
    }
    Ok(inserted)
}

// (male, female) surname forms; a repeated form is a surname that does not change.
const KAZAKH_SURNAMES: [(&str, &str); 12] = [
    ("Ахметов", "Ахметова"),
    ("Оспанов", "Оспанова"),
    ("Жұмабаев", "Жұмабаева"),
    ("Серікбаев", "Серікбаева"),
    ("Қасымов", "Қасымова"),
    ("Әбілов", "Әбілова"),
    ("Төлегенов", "Төлегенова"),
    ("Байжанов", "Байжанова"),
    ("Сәрсенбаев", "Сәрсенбаева"),
    ("Нұрмағамбетов", "Нұрмағамбетова"),
    ("Бекболат", "Бекболат"),
    ("Ержан", "Ержан"),
];
const KAZAKH_MALE: [&str; 10] =
    ["Нұрлан", "Асқар", "Ерлан", "Дәурен", "Айбек", "Бауыржан", "Ерболат", "Алихан", "Темірлан", "Арман"];
const KAZAKH_FEMALE: [&str; 10] =
    ["Айгерім", "Әсел", "Дана", "Жансая", "Аружан", "Мөлдір", "Гүлназ", "Інжу", "Томирис", "Ақбота"];
const KAZAKH_FATHERS: [&str; 10] =
    ["Нұрлан", "Серік", "Асқар", "Бауыржан", "Ерлан", "Марат", "Қайрат", "Талғат", "Дәурен", "Бақыт"];
const RUSSIAN_SURNAMES: [(&str, &str); 8] = [
    ("Иванов", "Иванова"),
    ("Петров", "Петрова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Ким", "Ким"),
    ("Ковальчук", "Ковальчук"),
    ("Шевченко", "Шевченко"),
];
const RUSSIAN_MALE: [&str; 6] = ["Александр", "Дмитрий", "Максим", "Никита", "Артём", "Иван"];
const RUSSIAN_FEMALE: [&str; 6] = ["Анастасия", "Екатерина", "Дарья", "Полина", "Мария", "Алина"];
// (son's, daughter's) patronymic.
const RUSSIAN_PATRONYMICS: [(&str, &str); 6] = [
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"),
    ("Олегович", "Олеговна"),
    ("Александрович", "Александровна"),
    ("Игоревич", "Игоревна"),
];

type PersonRow = (Iin, String, String, Option<String>);

/// Deterministic: the same test day gives the same people. Every tenth is under 16 on the
/// test day (other documents on test day), every tenth was born in the 1990s, the rest are
/// 16–25 like most applicants.
fn synthetic_persons(test_day: NaiveDate) -> Vec<PersonRow> {
    let mut used: HashSet<Iin> = HashSet::from([Iin::parse(DEMO_PERSON_IIN).expect("a valid IIN")]);
    let mut out = Vec::with_capacity(SYNTHETIC_PERSONS);
    for i in 0..SYNTHETIC_PERSONS {
        let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
        let birth = match i % 10 {
            3 => NaiveDate::from_ymd_opt(
                1990 + (i / 10) as i32 * 2,
                1 + (i % 12) as u32,
                1 + (i * 7 % 28) as u32,
            )
            .expect("day ≤ 28 exists in every month"),
            7 => test_day - Duration::days(15 * 365 + (i as i64 * 37) % 300),
            _ => test_day - Duration::days(16 * 365 + 10 + (i as i64 * 53) % (9 * 365)),
        };
        let iin = (0..10_000)
            .map(|k| ((i * 389 + 101 + k) % 10_000) as u16)
            .filter_map(|serial| Iin::from_parts(birth, sex, serial))
            .find(|iin| !used.contains(iin))
            .expect("a free serial among ten thousand");
        used.insert(iin.clone());
        let pick = |names: &[&str], step: usize| names[(i * step + i / 7) % names.len()].to_owned();
        let female = sex == Sex::Female;
        let (last, first, patronymic) = if i % 3 == 2 {
            let (m, f) = RUSSIAN_SURNAMES[(i * 5) % RUSSIAN_SURNAMES.len()];
            let (son, daughter) = RUSSIAN_PATRONYMICS[(i * 7) % RUSSIAN_PATRONYMICS.len()];
            let first = if female { pick(&RUSSIAN_FEMALE, 5) } else { pick(&RUSSIAN_MALE, 5) };
            (if female { f } else { m }, first, Some(if female { daughter } else { son }.to_owned()))
        } else {
            let (m, f) = KAZAKH_SURNAMES[(i * 5) % KAZAKH_SURNAMES.len()];
            let first = if female { pick(&KAZAKH_FEMALE, 3) } else { pick(&KAZAKH_MALE, 3) };
            let father = KAZAKH_FATHERS[(i * 7) % KAZAKH_FATHERS.len()];
            // Some registry records have no patronymic at all.
            let patronymic =
                (i % 11 != 4).then(|| format!("{father}{}", if female { "қызы" } else { "ұлы" }));
            (if female { f } else { m }, first, patronymic)
        };
        out.push((iin, last.to_owned(), first, patronymic));
    }
    out
}

/// True when `seed demo` (or the sandbox) wrote this database: the sandbox may run on it.
pub async fn is_sandbox_database(pool: &PgPool) -> anyhow::Result<bool> {
    Ok(store::is_sandbox(pool).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_monday_is_strictly_after() {
        let monday = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
        assert_eq!(first_monday_after(monday), monday + Duration::days(7));
        assert_eq!(first_monday_after(monday - Duration::days(1)), monday);
        assert_eq!(first_monday_after(monday - Duration::days(6)), monday);
    }

    #[test]
    fn testing_is_in_january_after_the_window() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(january_session_year(day(2026, 12, 22)), 2027);
        assert_eq!(january_session_year(day(2027, 1, 5)), 2027);
        // The harness: the window closes on 31 December; testing from Monday 11 January.
        assert_eq!(first_test_day(day(2026, 12, 31), 2027), day(2027, 1, 11));
        assert_eq!(first_test_day(day(2026, 12, 11), 2027), day(2027, 1, 11));
        // A window still open in January pushes testing after it.
        assert_eq!(first_test_day(day(2027, 1, 14), 2027), day(2027, 1, 18));
        assert_eq!(first_test_day(day(2027, 1, 10), 2028).weekday(), Weekday::Mon);
    }

    fn demo() -> Session {
        demo_session(chrono_tz::Asia::Almaty).expect("sessions/demo.toml is valid")
    }

    #[test]
    fn categories_have_short_labels_and_full_wording() {
        let d = demo();
        let codes: HashSet<&str> = d.categories.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes.len(), 8);
        for c in &d.categories {
            for short in [&c.short.kk, &c.short.ru] {
                assert!(short.chars().count() <= 31, "{short}");
            }
            for full in [&c.name.kk, &c.name.ru] {
                assert!(full.chars().next().unwrap().is_uppercase(), "{full}");
                assert!(!full.contains("  ") && !full.ends_with(['.', ';']), "{full}");
                assert!(full.chars().count() > c.short.kk.chars().count());
            }
        }
        // The graduation year is filled in where the category is shown.
        assert!(d.categories[0].short.ru.contains("{ $year }"));
    }

    #[test]
    fn every_regional_centre_and_republican_city_has_a_venue() {
        let d = demo();
        assert_eq!(d.cities.len(), 17 + 3);
        assert_eq!(d.regions.len(), 17 + 3);
        for c in &d.cities {
            assert!(d.venues.iter().any(|v| v.city == c.code), "{}", c.code);
        }
        for v in &d.venues {
            let city = d.cities.iter().find(|c| c.code == v.city).unwrap();
            assert!(v.address.kk.starts_with(&format!("{} қ., ", city.name.kk)), "{}", v.address.kk);
            assert!(v.address.ru.starts_with(&format!("г. {}, ", city.name.ru)), "{}", v.address.ru);
        }
    }

    #[test]
    fn synthetic_persons_are_deterministic_distinct_and_varied() {
        let day = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        let people = synthetic_persons(day);
        assert_eq!(people, synthetic_persons(day));
        let iins: HashSet<&Iin> = people.iter().map(|p| &p.0).collect();
        assert_eq!(iins.len(), SYNTHETIC_PERSONS);
        assert!(!iins.contains(&Iin::parse(DEMO_PERSON_IIN).unwrap()));
        assert!(people.iter().filter(|p| p.0.age_on(day) < 16).count() >= 3);
        assert!(people.iter().filter(|p| (1990..2000).contains(&p.0.birth_date().year())).count() >= 3);
        assert!(people.iter().all(|p| p.0.age_on(day) <= 40));
        assert!(people.iter().any(|p| p.3.is_none()));
        assert!(people.iter().any(|p| p.1 == "Ким"));
    }
}
