//! `ent-bot seed demo`: reference data and a January campaign open now, so a sandbox is
//! usable at once. Idempotent: rows are keyed by their natural keys and never overwritten,
//! and everything time-dependent is derived from the campaign as first stored, so a second
//! run (even days later) inserts nothing.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use crate::domain::{Iin, Sex};

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

const FEE_TENGE: i32 = 5640;
const SLOT_TIMES: [(u32, u32); 2] = [(9, 0), (14, 0)];
const SLOT_DAYS: i64 = 7;
const SYNTHETIC_PERSONS: usize = 50;

/// (code, kk, ru). Russian verbatim from the 2022 instruction (its missing spaces restored,
/// list punctuation dropped); Kazakh in the NCT's own terms (ENT-FACTS §4.1).
const CATEGORIES: [(&str, &str, &str); 4] = [
    (
        "graduate",
        "ЖОО-ға өз қалауы бойынша ақылы негізде қабылдану үшін орта білім беру ұйымдарының \
         11 (12) бітіруші сыныптарында білім алушылар",
        "обучающихся выпускных 11 (12) классов организаций среднего образования для зачисления \
         в ОВПО на платной основе по желанию",
    ),
    (
        "paid_enrolled",
        "ЖОО-ға күндізгі оқу нысаны бойынша ақылы негізде қабылданған, ҰБТ нәтижелері бойынша \
         шекті балл жинамаған, ҰБТ нәтижелері сәйкес келмейтін бейіндік пәндер комбинациясымен, \
         ҰБТ нәтижелері жойылған, күнтізбелік жыл ішінде ЖОО-ға ақылы негізде одан әрі \
         қабылдану үшін тұлғалар",
        "зачисленных в ОВПО по очной форме обучения на платной основе, не набравших пороговый \
         балл по результатам ЕНТ, с результатами ЕНТ с несоответствующими комбинациями \
         профильных предметов, с аннулированными результатами ЕНТ для дальнейшего зачисления \
         в ОВПО на платной основе в календарном году",
    ),
    (
        "creative_transfer",
        "Шығармашылық дайындықты талап ететін білім беру бағдарламалары тобы бойынша ЖОО-да \
         білім алып жүрген және ақылы негізде басқа білім беру бағдарламалары топтарына \
         ауысқысы келетін тұлғалар",
        "обучающихся ОВПО по группе образовательных программ, требующих творческой подготовки, \
         и желающих перевестись на другие группы образовательных программ на платной основе",
    ),
    (
        "pedagogy_transfer",
        "ЖОО-да білім алып жүрген және ақылы негізде «Педагогикалық ғылымдар» білім беру \
         саласының білім беру бағдарламалары тобына ауысқысы келетін тұлғалар",
        "обучающихся ОВПО желающих перевестись на группу образовательных программ области \
         образования \"Педагогические науки\" на платной основе",
    ),
];

/// Names exactly as a combination shows them: the bot joins them with « – ».
const SUBJECTS: [(&str, &str, &str); 14] = [
    ("math", "Математика", "Математика"),
    ("physics", "Физика", "Физика"),
    ("chemistry", "Химия", "Химия"),
    ("biology", "Биология", "Биология"),
    ("geography", "География", "География"),
    ("informatics", "Информатика", "Информатика"),
    ("foreign_language", "Шет тілі", "Иностранный язык"),
    ("world_history", "Дүниежүзі тарихы", "Всемирная история"),
    ("kazakh_language", "Қазақ тілі", "Казахский язык"),
    ("kazakh_literature", "Қазақ әдебиеті", "Казахская литература"),
    ("russian_language", "Орыс тілі", "Русский язык"),
    ("russian_literature", "Орыс әдебиеті", "Русская литература"),
    ("law", "Құқық негіздері", "Основы права"),
    ("creative_exam", "Шығармашылық емтихан", "Творческий экзамен"),
];

/// (code, first subject, second subject) in the order and orientation of ENT-FACTS §1.2.
const COMBINATIONS: [(&str, &str, Option<&str>); 13] = [
    ("physics_math", "physics", Some("math")),
    ("chemistry_biology", "chemistry", Some("biology")),
    ("geography_math", "geography", Some("math")),
    ("informatics_math", "informatics", Some("math")),
    ("foreign_world_history", "foreign_language", Some("world_history")),
    ("geography_foreign", "geography", Some("foreign_language")),
    ("world_history_geography", "world_history", Some("geography")),
    ("kazakh_language_literature", "kazakh_language", Some("kazakh_literature")),
    ("russian_language_literature", "russian_language", Some("russian_literature")),
    ("creative_exam", "creative_exam", None),
    ("biology_geography", "biology", Some("geography")),
    ("chemistry_physics", "chemistry", Some("physics")),
    ("world_history_law", "world_history", Some("law")),
];

const TEST_LANGUAGES: [(&str, &str, &str); 3] = [
    ("kk", "Қазақ тілі", "Казахский язык"),
    ("ru", "Орыс тілі", "Русский язык"),
    ("en", "Ағылшын тілі", "Английский язык"),
];

const CITIES: [(&str, &str, &str); 7] = [
    ("astana", "Астана", "Астана"),
    ("almaty", "Алматы", "Алматы"),
    ("shymkent", "Шымкент", "Шымкент"),
    ("karaganda", "Қарағанды", "Караганда"),
    ("aktobe", "Ақтөбе", "Актобе"),
    ("pavlodar", "Павлодар", "Павлодар"),
    ("oral", "Орал", "Уральск"),
];

struct Venue {
    code: &'static str,
    city: &'static str,
    name_kk: &'static str,
    name_ru: &'static str,
    address_kk: &'static str,
    address_ru: &'static str,
}

/// Synthetic: real street names, made-up numbers and venues.
const VENUES: [Venue; 10] = [
    Venue {
        code: "ast-1",
        city: "astana",
        name_kk: "ҰБТ өткізу пункті №1",
        name_ru: "Пункт проведения ЕНТ №1",
        address_kk: "Астана қ., Қабанбай батыр даңғылы, 53",
        address_ru: "г. Астана, пр. Кабанбай батыра, 53",
    },
    Venue {
        code: "ast-2",
        city: "astana",
        name_kk: "ҰБТ өткізу пункті №2",
        name_ru: "Пункт проведения ЕНТ №2",
        address_kk: "Астана қ., Сарыарқа даңғылы, 12",
        address_ru: "г. Астана, пр. Сарыарка, 12",
    },
    Venue {
        code: "alm-1",
        city: "almaty",
        name_kk: "ҰБТ өткізу пункті №3",
        name_ru: "Пункт проведения ЕНТ №3",
        address_kk: "Алматы қ., Абай даңғылы, 52",
        address_ru: "г. Алматы, пр. Абая, 52",
    },
    Venue {
        code: "alm-2",
        city: "almaty",
        name_kk: "ҰБТ өткізу пункті №4",
        name_ru: "Пункт проведения ЕНТ №4",
        address_kk: "Алматы қ., Сәтбаев көшесі, 22",
        address_ru: "г. Алматы, ул. Сатпаева, 22",
    },
    Venue {
        code: "shm-1",
        city: "shymkent",
        name_kk: "ҰБТ өткізу пункті №5",
        name_ru: "Пункт проведения ЕНТ №5",
        address_kk: "Шымкент қ., Тәуке хан даңғылы, 5",
        address_ru: "г. Шымкент, пр. Тауке хана, 5",
    },
    Venue {
        code: "krg-1",
        city: "karaganda",
        name_kk: "ҰБТ өткізу пункті №6",
        name_ru: "Пункт проведения ЕНТ №6",
        address_kk: "Қарағанды қ., Бұқар жырау даңғылы, 47",
        address_ru: "г. Караганда, пр. Бухар-Жырау, 47",
    },
    Venue {
        code: "krg-2",
        city: "karaganda",
        name_kk: "ҰБТ өткізу пункті №7",
        name_ru: "Пункт проведения ЕНТ №7",
        address_kk: "Қарағанды қ., Университет көшесі, 28",
        address_ru: "г. Караганда, ул. Университетская, 28",
    },
    Venue {
        code: "akt-1",
        city: "aktobe",
        name_kk: "Ақтөбе өңірлік тестілеу орталығы",
        name_ru: "Актюбинский региональный центр тестирования",
        address_kk: "Ақтөбе қ., Әбілқайыр хан даңғылы, 30",
        address_ru: "г. Актобе, пр. Абилкайыр хана, 30",
    },
    Venue {
        code: "pvl-1",
        city: "pavlodar",
        name_kk: "ҰБТ өткізу пункті №9",
        name_ru: "Пункт проведения ЕНТ №9",
        address_kk: "Павлодар қ., Ломов көшесі, 64",
        address_ru: "г. Павлодар, ул. Ломова, 64",
    },
    Venue {
        code: "ora-1",
        city: "oral",
        name_kk: "ҰБТ өткізу пункті №10",
        name_ru: "Пункт проведения ЕНТ №10",
        address_kk: "Орал қ., Достық даңғылы, 186",
        address_ru: "г. Уральск, пр. Достык, 186",
    },
];

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
    let mut tx = pool.begin().await?;
    let mut inserted = 0;

    let year = now.with_timezone(&tz).year() + 1;
    let campaign_code = format!("ent-{year}-01");
    inserted += sqlx::query(
        "INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, \
         registration_closes_at, database_closed_at, fee_tenge, payment_window_minutes) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7) ON CONFLICT (code) DO NOTHING",
    )
    .bind(&campaign_code)
    .bind(format!("ҰБТ — қаңтар {year}"))
    .bind(format!("ЕНТ — январь {year}"))
    .bind(now - Duration::days(1))
    .bind(now + Duration::days(9))
    .bind(FEE_TENGE)
    .bind(window)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let (campaign_id, closes_at): (i64, DateTime<Utc>) =
        sqlx::query_as("SELECT id, registration_closes_at FROM campaigns WHERE code = $1")
            .bind(&campaign_code)
            .fetch_one(&mut *tx)
            .await?;
    let first_test_day = first_monday_after(closes_at.with_timezone(&tz).date_naive());

    inserted += seed_reference_data(&mut tx).await?;
    inserted += seed_slots(&mut tx, campaign_id, first_test_day, tz).await?;
    inserted += seed_persons(&mut tx, first_test_day).await?;

    tx.commit().await?;
    Ok(SeedReport { inserted, campaign_code })
}

/// Strictly after: a window that closes on a Monday leaves the week to prepare the rooms.
pub fn first_monday_after(date: NaiveDate) -> NaiveDate {
    let mut day = date + Duration::days(1);
    while day.weekday() != Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

async fn seed_reference_data(tx: &mut PgConnection) -> anyhow::Result<u64> {
    let mut inserted = 0;
    for (order, (code, kk, ru)) in CATEGORIES.iter().enumerate() {
        inserted += sqlx::query(
            "INSERT INTO categories (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(kk)
        .bind(ru)
        .bind(order as i16 + 1)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for (code, kk, ru) in SUBJECTS {
        inserted += sqlx::query(
            "INSERT INTO subjects (code, name_kk, name_ru) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(kk)
        .bind(ru)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for (order, (code, first, second)) in COMBINATIONS.iter().enumerate() {
        // No conflict target: an existing row with the same code or the same pair both count.
        inserted += sqlx::query(
            "INSERT INTO subject_combinations (code, first_subject_id, second_subject_id, sort_order) \
             SELECT $1, f.id, s.id, $4 FROM subjects f LEFT JOIN subjects s ON s.code = $3 \
             WHERE f.code = $2 ON CONFLICT DO NOTHING",
        )
        .bind(code)
        .bind(first)
        .bind(second)
        .bind(order as i16 + 1)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for (order, (code, kk, ru)) in TEST_LANGUAGES.iter().enumerate() {
        inserted += sqlx::query(
            "INSERT INTO test_languages (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(kk)
        .bind(ru)
        .bind(order as i16 + 1)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for (order, (code, kk, ru)) in CITIES.iter().enumerate() {
        inserted += sqlx::query(
            "INSERT INTO cities (code, name_kk, name_ru, sort_order) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(kk)
        .bind(ru)
        .bind(order as i16 + 1)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for v in &VENUES {
        inserted += sqlx::query(
            "INSERT INTO venues (code, city_id, name_kk, name_ru, address_kk, address_ru) \
             SELECT $1, c.id, $3, $4, $5, $6 FROM cities c WHERE c.code = $2 \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(v.code)
        .bind(v.city)
        .bind(v.name_kk)
        .bind(v.name_ru)
        .bind(v.address_kk)
        .bind(v.address_ru)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    Ok(inserted)
}

async fn seed_slots(
    tx: &mut PgConnection,
    campaign_id: i64,
    first_day: NaiveDate,
    tz: Tz,
) -> anyhow::Result<u64> {
    let mut inserted = 0;
    for (v, venue) in VENUES.iter().enumerate() {
        for day in 0..SLOT_DAYS {
            for (half, (hour, minute)) in SLOT_TIMES.iter().enumerate() {
                let local = (first_day + Duration::days(day))
                    .and_time(NaiveTime::from_hms_opt(*hour, *minute, 0).expect("a valid time"));
                let starts_at = tz
                    .from_local_datetime(&local)
                    .earliest()
                    .with_context(|| format!("{local} does not exist in {tz}"))?;
                let capacity = 30 + (v as i64 * 13 + day * 7 + half as i64 * 5) % 31;
                inserted += sqlx::query(
                    "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity) \
                     SELECT $1, v.id, $3, $4 FROM venues v WHERE v.code = $2 \
                     ON CONFLICT (campaign_id, venue_id, starts_at) DO NOTHING",
                )
                .bind(campaign_id)
                .bind(venue.code)
                .bind(starts_at.with_timezone(&Utc))
                .bind(capacity as i32)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
        }
    }
    Ok(inserted)
}

async fn seed_persons(tx: &mut PgConnection, test_day: NaiveDate) -> anyhow::Result<u64> {
    let (last, first, patronymic) = DEMO_PERSON;
    let mut persons =
        vec![(Iin::parse(DEMO_PERSON_IIN)?, last.to_owned(), first.to_owned(), Some(patronymic.to_owned()))];
    persons.extend(synthetic_persons(test_day));
    let mut inserted = 0;
    for (iin, last, first, patronymic) in persons {
        inserted += sqlx::query(
            "INSERT INTO persons (iin, last_name, first_name, patronymic) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (iin) DO NOTHING",
        )
        .bind(iin.as_str())
        .bind(last)
        .bind(first)
        .bind(patronymic)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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

    #[test]
    fn combinations_name_known_subjects() {
        let codes: HashSet<&str> = SUBJECTS.iter().map(|s| s.0).collect();
        for (_, first, second) in COMBINATIONS {
            assert!(codes.contains(first));
            assert!(second.is_none_or(|s| codes.contains(s) && s != first));
        }
        let cities: HashSet<&str> = CITIES.iter().map(|c| c.0).collect();
        assert!(VENUES.iter().all(|v| cities.contains(v.city)));
    }
}
