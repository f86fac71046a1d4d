//! `ent-bot import persons|slots FILE.csv` through the real binary: exit codes, messages,
//! and what is (or is not) in the database afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::helpers::db::TestDb;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A CSV file for one test, removed when dropped; its name is random so parallel tests do
/// not collide.
struct TempCsv(PathBuf);

impl Drop for TempCsv {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl AsRef<Path> for TempCsv {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

fn csv_file(content: &str) -> TempCsv {
    let path = std::env::temp_dir().join(format!("ent-import-{}.csv", rand::random::<u64>()));
    std::fs::write(&path, content).expect("write a temporary CSV");
    TempCsv(path)
}

fn ent_bot_import(db: &TestDb, what: &str, file: impl AsRef<Path>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ent-bot"))
        .args(["import", what])
        .arg(file.as_ref())
        .env("DATABASE_URL", &db.url)
        .env("TIMEZONE", "Asia/Almaty")
        .env("RUST_LOG", "warn")
        .env_remove("BOT_TOKEN")
        .output()
        .expect("run ent-bot")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_imported(out: &Output, rows: usize) {
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("imported {rows} rows")), "{}", text(&out.stdout));
}

fn assert_bad_line(out: &Output, line: usize, fragment: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stdout: {}\nstderr: {stderr}", text(&out.stdout));
    assert!(stderr.contains(&format!("line {line}: ")), "line {line} not named in {stderr:?}");
    assert!(stderr.contains(fragment), "{fragment:?} not in {stderr:?}");
}

type PersonRow = (String, String, String, Option<String>);

async fn persons(pool: &PgPool) -> Vec<PersonRow> {
    sqlx::query_as("SELECT iin::text, last_name, first_name, patronymic FROM persons ORDER BY iin")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn persons_file_with_header_bom_crlf_and_quoted_commas_imports() {
    let raw = std::fs::read(fixture("persons_good.csv")).unwrap();
    assert!(
        raw.starts_with(b"\xef\xbb\xbf") && raw.windows(2).any(|w| w == b"\r\n"),
        "the fixture lost its BOM or CRLF"
    );
    let db = TestDb::new().await;

    assert_imported(&ent_bot_import(&db, "persons", fixture("persons_good.csv")), 4);

    let rows = persons(&db.pool).await;
    assert_eq!(rows.len(), 4);
    assert!(rows.contains(&("061211600012".into(), "Ким".into(), "Дана, Виктория".into(), None)));
    assert!(rows.contains(&(
        "990101301001".into(),
        "Иванов".into(),
        "Сергей".into(),
        Some("Петрович".into())
    )));
    assert!(rows.contains(&(
        "080315600016".into(),
        "Сейтқали".into(),
        "Айгерим".into(),
        Some("Нұрланқызы".into())
    )));
}

#[tokio::test]
async fn importing_persons_again_updates_names() {
    let db = TestDb::new().await;
    assert_imported(&ent_bot_import(&db, "persons", fixture("persons_good.csv")), 4);

    let correction = csv_file("080315600016,Сейтқали,Айгерім,\n");
    assert_imported(&ent_bot_import(&db, "persons", &correction), 1);

    let rows = persons(&db.pool).await;
    assert_eq!(rows.len(), 4);
    assert!(rows.contains(&("080315600016".into(), "Сейтқали".into(), "Айгерім".into(), None)));
}

#[tokio::test]
async fn a_bad_person_line_names_the_line_and_imports_nothing() {
    let db = TestDb::new().await;
    let cases = [
        ("08031560001A,Сейтқали,Айгерим,", "iin \"080******01A\" contains characters other than digits"),
        ("080315600017,Сейтқали,Айгерим,", "iin \"0803******17\" has a wrong check digit"),
        ("08031560001,Сейтқали,Айгерим,", "iin \"080******01\" has 11 digits, expected 12"),
        ("080315600016,Сейтқали", "expected 4 fields (iin,last_name,first_name,patronymic), found 2"),
        ("990101301001,Иванов,Сергей,", "iin \"9901******01\" already appears on line 2"),
        ("051130501009,,Асқар,", "last_name is empty"),
    ];
    for (bad, message) in cases {
        let file = csv_file(&format!(
            "iin,last_name,first_name,patronymic\n\
             990101301001,Иванов,Сергей,Петрович\n\
             {bad}\n\
             950721401001,Әбілова,Гүлназ,\n"
        ));
        assert_bad_line(&ent_bot_import(&db, "persons", &file), 3, message);
        assert_eq!(persons(&db.pool).await, vec![], "a bad file imported rows ({bad})");
    }
}

const CAMPAIGN_AND_VENUES: &str = "
    INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, registration_closes_at, fee_tenge)
    VALUES ('ent-2027-01', 'ҰБТ — қаңтар 2027', 'ЕНТ — январь 2027',
            now() - interval '1 day', now() + interval '9 days', 5640);
    INSERT INTO cities (code, name_kk, name_ru) VALUES ('astana', 'Астана', 'Астана');
    INSERT INTO venues (code, city_id, name_kk, name_ru, address_kk, address_ru)
    SELECT v, c.id, 'ҰБТ өткізу пункті', 'Пункт проведения ЕНТ', 'Астана қ.', 'г. Астана'
    FROM cities c, unnest(ARRAY['ast-1', 'ast-2']) v;
";

async fn db_with_venues() -> TestDb {
    let db = TestDb::new().await;
    sqlx::raw_sql(CAMPAIGN_AND_VENUES).execute(&db.pool).await.unwrap();
    db
}

type SlotRow = (String, DateTime<Utc>, i32, i32);

async fn slots(pool: &PgPool) -> Vec<SlotRow> {
    sqlx::query_as(
        "SELECT v.code, s.starts_at, s.capacity, s.booked FROM slots s JOIN venues v ON v.id = s.venue_id \
         ORDER BY v.code, s.starts_at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn slots_import_in_local_time_and_update_capacity() {
    let db = db_with_venues().await;

    assert_imported(&ent_bot_import(&db, "slots", fixture("slots_good.csv")), 3);
    assert_eq!(
        slots(&db.pool).await,
        vec![
            ("ast-1".into(), utc("2027-01-11T04:00:00Z"), 40, 0),
            ("ast-1".into(), utc("2027-01-11T09:00:00Z"), 45, 0),
            ("ast-2".into(), utc("2027-01-12T04:30:00Z"), 30, 0),
        ]
    );

    let bigger = csv_file("ent-2027-01,ast-1,2027-01-11,09:00,55\r\n");
    assert_imported(&ent_bot_import(&db, "slots", &bigger), 1);
    let after = slots(&db.pool).await;
    assert_eq!(after.len(), 3);
    assert_eq!(after[0], ("ast-1".into(), utc("2027-01-11T04:00:00Z"), 55, 0));
}

#[tokio::test]
async fn an_unknown_venue_names_the_line_and_imports_nothing() {
    let db = db_with_venues().await;
    assert_imported(&ent_bot_import(&db, "slots", fixture("slots_good.csv")), 3);
    let before = slots(&db.pool).await;

    let file = csv_file(
        "campaign_code,venue_code,date,time,capacity\n\
         ent-2027-01,ast-1,2027-01-11,09:00,50\n\
         ent-2027-01,nowhere-7,2027-01-13,09:00,40\n\
         ent-2027-01,ast-2,2027-01-13,14:00,40\n",
    );
    assert_bad_line(&ent_bot_import(&db, "slots", &file), 3, "venue_code \"nowhere-7\" is not a known venue");
    assert_eq!(slots(&db.pool).await, before);
}

#[tokio::test]
async fn capacity_below_booked_seats_is_a_bad_line() {
    let db = db_with_venues().await;
    assert_imported(&ent_bot_import(&db, "slots", fixture("slots_good.csv")), 3);
    sqlx::query("UPDATE slots SET booked = 25 WHERE capacity = 40").execute(&db.pool).await.unwrap();
    let before = slots(&db.pool).await;
    assert!(before.iter().any(|s| s.3 == 25));

    let file = csv_file(
        "ent-2027-01,ast-2,2027-01-14,09:00,40\n\
         ent-2027-01,ast-2,2027-01-12,09:30,35\n\
         ent-2027-01,ast-1,2027-01-11,09:00,10\n",
    );
    assert_bad_line(
        &ent_bot_import(&db, "slots", &file),
        3,
        "capacity 10 is below the 25 seats already booked",
    );
    assert_eq!(slots(&db.pool).await, before, "earlier lines of a refused file were kept");

    let exactly_booked = csv_file("ent-2027-01,ast-1,2027-01-11,09:00,25\n");
    assert_imported(&ent_bot_import(&db, "slots", &exactly_booked), 1);
}

/// The longest run of consecutive digits in `s`.
fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0)
}

#[tokio::test]
async fn import_errors_never_print_a_full_iin() {
    let db = TestDb::new().await;
    let cases = [
        "08031560001A,Сейтқали,Айгерим,",
        "080315600017,Сейтқали,Айгерим,",
        "08031560001,Сейтқали,Айгерим,",
        "990101301001,Иванов,Сергей,",
        // A shifted column puts someone's IIN into the surname.
        "051130501009,061211600012,Асқар,",
    ];
    for bad in cases {
        let file = csv_file(&format!(
            "iin,last_name,first_name,patronymic\n\
             990101301001,Иванов,Сергей,Петрович\n\
             {bad}\n"
        ));
        let out = ent_bot_import(&db, "persons", &file);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("line 3: "), "{stderr}");
        assert!(longest_digit_run(&stderr) < 8, "an IIN (or most of one) printed for {bad:?}: {stderr}");
    }
}
