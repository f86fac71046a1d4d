//! `ent-bot seed demo` through the real binary, checked in the database.

use std::process::Output;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc, Weekday};
use ent_bot::domain::Iin;
use sqlx::PgPool;

use crate::helpers::db::TestDb;

fn ent_bot(db: &TestDb, args: &[&str]) -> Output {
    db.command().args(args).output().expect("run ent-bot")
}

fn seed(db: &TestDb) -> u64 {
    let out = ent_bot(db, &["seed", "demo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "seed failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let count = stdout
        .split("demo data: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no report in {stdout:?}"));
    count.parse().expect("a row count")
}

const SEEDED_TABLES: [&str; 9] = [
    "campaigns",
    "categories",
    "subjects",
    "subject_combinations",
    "test_languages",
    "cities",
    "venues",
    "slots",
    "persons",
];

/// Every row of every seeded table as text, so any change at all shows up.
async fn dump(pool: &PgPool) -> Vec<String> {
    let mut out = Vec::new();
    for table in SEEDED_TABLES {
        let rows: Option<String> = sqlx::query_scalar(&format!(
            "SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM {table} t"
        ))
        .fetch_one(pool)
        .await
        .unwrap();
        out.push(format!("{table}:\n{}", rows.unwrap_or_default()));
    }
    out
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn seed_twice_inserts_once_and_changes_nothing() {
    let db = TestDb::new().await;
    let first = seed(&db);
    assert!(first > 200, "first run inserted only {first} rows");
    let before = dump(&db.pool).await;
    let second = seed(&db);
    assert_eq!(second, 0);
    assert_eq!(dump(&db.pool).await, before);
}

#[tokio::test]
async fn seed_gives_the_reference_data_the_bot_needs() {
    let db = TestDb::new().await;
    seed(&db);
    let pool = &db.pool;

    assert_eq!(count(pool, "SELECT count(*) FROM subject_combinations").await, 13);
    assert_eq!(
        count(pool, "SELECT count(*) FROM subject_combinations WHERE second_subject_id IS NULL").await,
        1
    );
    let kk_names: Vec<String> = sqlx::query_scalar(
        "SELECT f.name_kk || coalesce(' – ' || s.name_kk, '') FROM subject_combinations c \
         JOIN subjects f ON f.id = c.first_subject_id LEFT JOIN subjects s ON s.id = c.second_subject_id \
         ORDER BY c.sort_order",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(kk_names[0], "Физика – Математика");
    assert!(kk_names.contains(&"Шет тілі – Дүниежүзі тарихы".to_string()));
    assert!(kk_names.contains(&"Дүниежүзі тарихы – Құқық негіздері".to_string()));
    assert!(kk_names.contains(&"Шығармашылық емтихан".to_string()));

    // The eight categories of the January session, offered by the campaign in their order,
    // each with a short label and its full wording in the nominative.
    let categories: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.short_kk, c.short_ru, c.name_kk, c.name_ru FROM categories c
         JOIN campaign_categories cc ON cc.category_id = c.id ORDER BY cc.sort_order",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(categories.len(), 8);
    assert_eq!(categories[0].0, "{ $year } жылғы мектеп бітіруші");
    assert_eq!(categories[0].1, "Выпускник школы { $year } года");
    assert!(categories[0].3.starts_with("Обучающиеся выпускных 11 (12) классов"));
    assert!(
        categories[1]
            .3
            .starts_with("Зачисленные в ОВПО по очной форме обучения на платной основе, не набравшие")
    );
    assert_eq!(categories[2].1, "Выпускник колледжа");
    assert_eq!(categories[5].0, "Қандас (шетел азаматы)");
    assert!(categories[7].3.starts_with("Обучающиеся ОВПО, желающие перевестись"));
    assert!(categories[7].3.contains("«Педагогические науки» на платной основе"));
    for (short_kk, short_ru, kk, ru) in &categories {
        assert!(short_kk.chars().count() <= 31 && short_ru.chars().count() <= 31, "{short_kk} / {short_ru}");
        assert!(!kk.contains("  ") && !ru.contains("  ") && !ru.ends_with(';'));
    }

    let languages: Vec<String> = sqlx::query_scalar("SELECT code FROM test_languages ORDER BY sort_order")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(languages, ["kk", "ru", "en"]);
    // Astana, Almaty, Shymkent and the seventeen regional centres.
    assert_eq!(count(pool, "SELECT count(*) FROM cities").await, 20);
    let cities_without_venues = "SELECT count(*) FROM cities c \
                                 WHERE NOT EXISTS (SELECT 1 FROM venues v WHERE v.city_id = c.id)";
    assert_eq!(count(pool, cities_without_venues).await, 0);
}

#[derive(sqlx::FromRow)]
struct CampaignRow {
    code: String,
    registration_opens_at: DateTime<Utc>,
    registration_closes_at: DateTime<Utc>,
    database_closed_at: Option<DateTime<Utc>>,
    fee_tenge: i32,
    payment_window_minutes: i32,
}

#[tokio::test]
async fn seed_opens_a_january_campaign_with_a_week_of_slots() {
    let db = TestDb::new().await;
    let now = Utc::now();
    seed(&db);
    let pool = &db.pool;

    let c: CampaignRow = sqlx::query_as(
        "SELECT code, registration_opens_at, registration_closes_at, database_closed_at, fee_tenge, \
         payment_window_minutes FROM campaigns",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let (code, opens, closes) = (c.code, c.registration_opens_at, c.registration_closes_at);
    let (closed, fee, window) = (c.database_closed_at, c.fee_tenge, c.payment_window_minutes);
    let year = ent_bot::seed::january_session_year(now.with_timezone(&chrono_tz::Asia::Almaty).date_naive());
    assert_eq!(code, format!("ent-{year}-01"));
    assert!(opens < now && now < closes, "registration is not open now");
    assert_eq!((closes - opens).num_days(), 10);
    assert_eq!((closed, fee, window), (None, 5640, 60));

    let local: Vec<(NaiveDateTime, i32)> =
        sqlx::query_as("SELECT starts_at AT TIME ZONE 'Asia/Almaty', capacity FROM slots ORDER BY starts_at")
            .fetch_all(pool)
            .await
            .unwrap();
    let days: std::collections::BTreeSet<NaiveDate> = local.iter().map(|(t, _)| t.date()).collect();
    assert_eq!(days.len(), 7);
    let monday = *days.first().unwrap();
    assert_eq!(monday.weekday(), Weekday::Mon);
    let closes_local = closes.with_timezone(&chrono_tz::Asia::Almaty).date_naive();
    // Testing in January, like the real session, after the window closed.
    assert!(monday > closes_local, "{monday} {closes_local}");
    assert_eq!((monday.year(), monday.month()), (year, 1));
    assert!(monday.day() >= 10, "{monday}");
    for day in &days {
        for hour in ["09:00", "14:00"] {
            assert!(
                local.iter().any(|(t, _)| t.date() == *day && t.format("%H:%M").to_string() == hour),
                "{day} {hour}"
            );
        }
    }
    assert!(local.iter().all(|(t, c)| (30..=60).contains(c)
        && ["09:00", "14:00"].contains(&t.format("%H:%M").to_string().as_str())));
    let venues = count(pool, "SELECT count(*) FROM venues").await;
    assert_eq!(local.len() as i64, venues * 14);

    let iins: Vec<String> = sqlx::query_scalar("SELECT iin FROM persons").fetch_all(pool).await.unwrap();
    assert!(iins.len() >= 50);
    assert!(iins.contains(&"080315600016".to_string()));
    let iins: Vec<Iin> = iins.iter().map(|s| Iin::parse(s).expect("seeded IINs are valid")).collect();
    assert!(iins.iter().any(|i| i.age_on(monday) < 16));
    assert!(iins.iter().any(|i| (1990..2000).contains(&i.birth_date().year())));
}

/// A campaign from before categories belonged to campaigns keeps the four it offered; the
/// seed's January campaign offers eight, and the old rows get labels and the nominative.
#[tokio::test]
async fn an_older_campaign_keeps_its_four_categories() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    // The schema as it was before the migration that links categories to campaigns…
    sqlx::raw_sql(
        "DROP TABLE campaign_categories;
         ALTER TABLE categories DROP COLUMN short_kk, DROP COLUMN short_ru;
         INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, registration_closes_at, fee_tenge)
         VALUES ('ent-2026-01', 'ҰБТ — қаңтар 2026', 'ЕНТ — январь 2026', '2025-12-22', '2025-12-31', 5640);
         INSERT INTO categories (code, name_kk, name_ru, sort_order) VALUES
             ('graduate', 'бітірушілер', 'обучающихся выпускных 11 (12) классов', 1),
             ('paid_enrolled', 'қабылданғандар', 'зачисленных в ОВПО', 2),
             ('creative_transfer', 'шығармашылық', 'обучающихся ОВПО творческих', 3),
             ('pedagogy_transfer', 'педагогика', 'обучающихся ОВПО желающих', 4);",
    )
    .execute(pool)
    .await
    .unwrap();
    // …then the migration itself, as it runs on a database in service.
    let migration = ent_bot::db::MIGRATOR
        .iter()
        .find(|m| m.description.contains("category labels"))
        .expect("the category labels migration");
    sqlx::raw_sql(&migration.sql).execute(pool).await.unwrap();
    let old: i64 = sqlx::query_scalar("SELECT id FROM campaigns WHERE code = 'ent-2026-01'")
        .fetch_one(pool)
        .await
        .unwrap();
    let offered = |campaign: i64| async move {
        let codes: Vec<String> = sqlx::query_scalar(
            "SELECT c.code FROM categories c JOIN campaign_categories cc ON cc.category_id = c.id
             WHERE cc.campaign_id = $1 ORDER BY cc.sort_order",
        )
        .bind(campaign)
        .fetch_all(pool)
        .await
        .unwrap();
        codes
    };
    assert_eq!(offered(old).await, ["graduate", "paid_enrolled", "creative_transfer", "pedagogy_transfer"]);

    seed(&db);
    assert_eq!(offered(old).await.len(), 4, "the older campaign keeps its four");
    let new: i64 = sqlx::query_scalar("SELECT id FROM campaigns WHERE code <> 'ent-2026-01'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        offered(new).await,
        [
            "graduate",
            "paid_enrolled",
            "college",
            "previous_years",
            "abroad",
            "kandas",
            "creative_transfer",
            "pedagogy_transfer"
        ]
    );
    let as_offered = ent_bot::db::catalog::campaign_categories(pool, old).await.unwrap();
    assert_eq!(as_offered.len(), 4);
    assert_eq!(as_offered[0].short(ent_bot::i18n::Locale::Ru), "Выпускник школы { $year } года");
    assert!(as_offered[0].full(ent_bot::i18n::Locale::Ru).starts_with("Обучающиеся выпускных"));
    // A campaign that lists none offers every category.
    sqlx::query("DELETE FROM campaign_categories WHERE campaign_id = $1")
        .bind(old)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(ent_bot::db::catalog::campaign_categories(pool, old).await.unwrap().len(), 8);
    assert_eq!(seed(&db), 0, "a later seed changes nothing");
}
