//! `ent-bot session check|apply` through the real binary, as an operator runs it: the plan
//! printed, exit codes, what the database holds afterwards, and bad input refused with the
//! file and line named and nothing written.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::helpers::db::{TestDb, output_text as text};

fn ent_bot(db: &TestDb, args: &[&str]) -> Output {
    db.command().args(args).output().expect("run ent-bot")
}

/// A small session: registration far in the future unless `opens` says otherwise.
fn session(opens: &str, extra: &str) -> String {
    format!(
        r#"[campaign]
code = "ent-2099-01"
name = {{ kk = "ҰБТ — қаңтар 2099", ru = "ЕНТ — январь 2099" }}
registration_opens = "{opens}"
registration_closes = "2098-12-30T23:59"
tests_from = "2099-01-10"
tests_until = "2099-01-12"
fee_tenge = 5640
graduation_year = 2099

[[categories]]
code = "graduate"
short = {{ kk = "{{ $year }} жылғы мектеп бітіруші", ru = "Выпускник школы {{ $year }} года" }}
name = {{ kk = "{{ $year }} жылғы мектеп бітірушілер", ru = "Выпускники школ {{ $year }} года" }}

[[test_languages]]
code = "kk"
name = {{ kk = "Қазақ тілі", ru = "Казахский язык" }}

[[subjects]]
code = "math"
name = {{ kk = "Математика", ru = "Математика" }}

[[subjects]]
code = "physics"
name = {{ kk = "Физика", ru = "Физика" }}

[[combinations]]
code = "math_physics"
subjects = ["math", "physics"]

[[regions]]
code = "astana"
name = {{ kk = "Астана", ru = "Астана" }}

[[cities]]
code = "astana"
region = "astana"
name = {{ kk = "Астана", ru = "Астана" }}

[[venues]]
code = "ast-1"
city = "astana"
name = {{ kk = "ЕҰУ", ru = "ЕНУ" }}
address = {{ kk = "Астана қ., Сәтбаев к., 2", ru = "г. Астана, ул. Сатпаева, 2" }}

[[slots]]
venue = "*"
dates = ["2099-01-10..2099-01-11"]
times = ["09:00", "14:30"]
capacity = 30
{extra}"#
    )
}

const FUTURE: &str = "2098-12-22T09:00";

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn apply_prints_the_plan_writes_once_and_a_second_apply_changes_nothing() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &session(FUTURE, ""));
    let f = file.to_str().unwrap();

    let check = ent_bot(&db, &["session", "check", f]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("campaign ent-2099-01: new"), "{}", text(&check));
    assert!(text(&check).contains("slots: 4 added (ast-1 2099-01-10 09:00"), "{}", text(&check));
    assert_eq!(count(&db, "SELECT count(*) FROM campaigns").await, 0, "check writes nothing");

    let apply = ent_bot(&db, &["session", "apply", f]);
    assert!(apply.status.success(), "{}", text(&apply));
    assert!(text(&apply).contains("applied"));
    assert_eq!(count(&db, "SELECT count(*) FROM slots").await, 4);
    assert_eq!(count(&db, "SELECT count(*) FROM cities WHERE region_id IS NOT NULL").await, 1);
    let stored: (String, i16, Vec<i32>) = sqlx::query_as(
        "SELECT c.short_ru, cc.sort_order, ca.reminders_minutes_left FROM categories c
         JOIN campaign_categories cc ON cc.category_id = c.id JOIN campaigns ca ON ca.id = cc.campaign_id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(stored, ("Выпускник школы { $year } года".to_owned(), 1, vec![30, 10]));
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'session_apply'").await, 1);

    let again = ent_bot(&db, &["session", "apply", f]);
    assert!(again.status.success());
    assert!(text(&again).contains("nothing to change"), "{}", text(&again));
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'session_apply'").await, 1);

    // A slot less, one more venue, a capacity changed: the plan says which.
    let changed = session(FUTURE, "")
        .replace("times = [\"09:00\", \"14:30\"]\ncapacity = 30", "times = [\"09:00\"]\ncapacity = 35");
    write(dir.path(), "s.toml", &changed);
    let out = ent_bot(&db, &["session", "apply", f]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 changed"), "{}", text(&out));
    assert!(
        text(&out).contains("2 removed (ast-1 2099-01-10 14:30, ast-1 2099-01-11 14:30)"),
        "{}",
        text(&out)
    );
    assert_eq!(count(&db, "SELECT count(*) FROM slots WHERE capacity = 35").await, 2);
}

/// Two campaigns side by side: loading March keeps January's venues and slots.
#[tokio::test]
async fn a_second_campaign_loads_beside_the_first() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let jan = write(dir.path(), "jan.toml", &session(FUTURE, ""));
    assert!(ent_bot(&db, &["session", "apply", jan.to_str().unwrap()]).status.success());
    let march = session(FUTURE, "")
        .replace("ent-2099-01", "ent-2099-03")
        .replace("code = \"ast-1\"", "code = \"ast-9\"")
        .replace("venue = \"*\"", "venue = \"ast-9\"");
    let mar = write(dir.path(), "mar.toml", &march);
    let out = ent_bot(&db, &["session", "apply", mar.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("venues: 1 added (ast-9); 1 kept (ast-1)"), "{}", text(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM slots").await, 8);
}

async fn hold_seat(db: &TestDb, paid: bool) {
    sqlx::raw_sql(&format!(
        "INSERT INTO persons VALUES ('080315600016', 'А', 'Б', NULL);
         INSERT INTO telegram_users (id, chat_id) VALUES (1, 1);
         INSERT INTO applicants (telegram_user_id, iin, full_name, birth_date) VALUES (1, '080315600016', 'А Б', '2008-03-15');
         UPDATE slots SET booked = 1 WHERE id = (SELECT id FROM slots ORDER BY starts_at LIMIT 1);
         INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                                   status, payment_deadline, paid_at)
         SELECT ap.id, s.campaign_id, (SELECT min(id) FROM categories), 'kk', (SELECT min(id) FROM subject_combinations),
                s.id, '{}', now(), now()
         FROM applicants ap, slots s WHERE s.id = (SELECT id FROM slots ORDER BY starts_at LIMIT 1);",
        if paid { "paid" } else { "awaiting_payment" }
    ))
    .execute(&db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn changes_that_would_strand_applicants_are_refused_and_nothing_is_written() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Registration opened long ago: the campaign is live.
    let file = write(dir.path(), "s.toml", &session("2020-01-01T09:00", ""));
    let f = file.to_str().unwrap();
    assert!(ent_bot(&db, &["session", "apply", f]).status.success());
    hold_seat(&db, true).await;
    let before = count(&db, "SELECT count(*) FROM audit_log").await;

    let refused = |body: String, args: &'static [&'static str], reason: &'static str| {
        let dir = dir.path().to_owned();
        let db = &db;
        async move {
            let file = write(&dir, "s.toml", &body);
            let mut all = vec!["session", "apply", file.to_str().unwrap()];
            all.extend_from_slice(args);
            let out = ent_bot(db, &all);
            assert_eq!(out.status.code(), Some(2), "{}", text(&out));
            assert!(text(&out).contains(reason), "{reason} not in {}", text(&out));
            assert!(text(&out).contains("refused, nothing written"));
        }
    };
    let base = session("2020-01-01T09:00", "");
    refused(base.replace("fee_tenge = 5640", "fee_tenge = 6000"), &[], "fee_tenge of campaign ent-2099-01 would change (5640 → 6000) after its registration opened; pass --allow-live-changes").await;
    refused(
        base.replace("\"09:00\", \"14:30\"", "\"09:30\", \"14:30\""),
        &[],
        "would move 1 applicants (1 paid); pass --notify",
    )
    .await;
    refused(
        base.replace("code = \"math_physics\"", "code = \"math_physics2\""),
        &[],
        "combinations \"math_physics\" is not in the file, but 1 live applications use it",
    )
    .await;
    refused(
        base.replace("dates = [\"2099-01-10..2099-01-11\"]", "dates = [\"2099-01-11\"]"),
        &[],
        "applicants hold seats in it (1 paid)",
    )
    .await;
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log").await, before);
    assert_eq!(count(&db, "SELECT count(*) FROM scheduled_jobs WHERE kind = 'slot_changed'").await, 0);
    let fee: i32 = sqlx::query_scalar("SELECT fee_tenge FROM campaigns").fetch_one(&db.pool).await.unwrap();
    assert_eq!(fee, 5640);

    // Said so: the fee changes (audited), the slot moves and its applicant is told.
    let file = write(dir.path(), "s.toml", &base.replace("fee_tenge = 5640", "fee_tenge = 6000"));
    let out = ent_bot(&db, &["session", "apply", file.to_str().unwrap(), "--allow-live-changes"]);
    assert!(out.status.success(), "{}", text(&out));
    let live: serde_json::Value = sqlx::query_scalar(
        "SELECT details->'live_changes' FROM audit_log WHERE action = 'session_apply' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(live, serde_json::json!(["fee_tenge: 5640 → 6000"]));
    let moved = base
        .replace("fee_tenge = 5640", "fee_tenge = 6000")
        .replace("\"09:00\", \"14:30\"", "\"09:30\", \"14:30\"");
    let file = write(dir.path(), "s.toml", &moved);
    let out = ent_bot(&db, &["session", "apply", file.to_str().unwrap(), "--notify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ast-1 2099-01-10 09:00 → ast-1 2099-01-10 09:30 (moved, 1 applicants told)"),
        "{}",
        text(&out)
    );
    assert_eq!(count(&db, "SELECT count(*) FROM scheduled_jobs WHERE kind = 'slot_changed'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM applications a JOIN slots s ON s.id = a.slot_id WHERE s.starts_at = '2099-01-10 09:30+05'").await, 1);
}

#[tokio::test]
async fn capacity_below_booked_is_refused() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &session(FUTURE, ""));
    assert!(ent_bot(&db, &["session", "apply", file.to_str().unwrap()]).status.success());
    hold_seat(&db, false).await;
    sqlx::query("UPDATE slots SET booked = 5 WHERE booked = 1").execute(&db.pool).await.unwrap();
    let file = write(dir.path(), "s.toml", &session(FUTURE, "").replace("capacity = 30", "capacity = 3"));
    let out = ent_bot(&db, &["session", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("slot ast-1 2099-01-10 09:00: capacity 3 is below the 5 seats booked"),
        "{}",
        text(&out)
    );
}

/// Each bad input: exit 2, the place and the reason named, no campaign written.
async fn bad(db: &TestDb, dir: &Path, body: &str, expected: &[&str]) {
    let file = write(dir, "bad.toml", body);
    let out = ent_bot(db, &["session", "apply", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    for e in expected {
        assert!(text(&out).contains(e), "{e:?} not in {}", text(&out));
    }
    assert_eq!(count(db, "SELECT count(*) FROM campaigns").await, 0);
}

#[tokio::test]
async fn bad_session_files_name_the_line_and_write_nothing() {
    let db = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let base = session(FUTURE, "");
    bad(
        &db,
        dir,
        &base.replace("fee_tenge = 5640", "fee_tenge = 5640\nfee = 1"),
        &["bad.toml:9:", "unknown field `fee`"],
    )
    .await;
    bad(&db, dir, &base.replace("kk = \"Физика\", ", ""), &["bad.toml:", "missing field `kk`"]).await;
    bad(
        &db,
        dir,
        &base.replace("code = \"physics\"", "code = \"math\""),
        &["bad.toml:24:", "subject code \"math\" is already used at", "bad.toml:20"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace("region = \"astana\"", "region = \"nowhere\""),
        &["bad.toml:36: city \"astana\": region \"nowhere\" is not in [[regions]]"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace("city = \"astana\"", "city = \"almaty\""),
        &["bad.toml:41: venue \"ast-1\": city \"almaty\" is not in [[cities]]"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace("[\"math\", \"physics\"]", "[\"math\", \"chemistry\"]"),
        &["bad.toml:28: combination \"math_physics\": subject \"chemistry\" is not in [[subjects]]"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace("2098-12-30T23:59", "2098-12-01T23:59"),
        &["bad.toml:5: registration_closes must be after registration_opens"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace("2099-01-10..2099-01-11", "2099-01-10..2099-01-13"),
        &["bad.toml:47: ast-1 2099-01-13 09:00 is outside the test period 2099-01-10 – 2099-01-12"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace("capacity = 30", "capacity = 0"),
        &["bad.toml:47: capacity \"0\" is not a whole number above 0"],
    )
    .await;
    bad(
        &db,
        dir,
        &base.replace(
            "Выпускник школы { $year } года\" }",
            "Выпускник общеобразовательной школы { $year } года\" }",
        ),
        &["bad.toml:11: short.ru has 50 characters, at most 40"],
    )
    .await;
    // Several problems at once: every one listed.
    let many =
        base.replace("capacity = 30", "capacity = -1").replace("region = \"astana\"", "region = \"x\"");
    bad(&db, dir, &many, &["2 problems", "region \"x\"", "capacity \"-1\""]).await;
    let out = ent_bot(&db, &["session", "check", dir.join("missing.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("missing.toml: cannot read the file"), "{}", text(&out));
    let mut latin1 = base.clone().into_bytes();
    latin1.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(dir.join("bad.toml"), latin1).unwrap();
    let out = ent_bot(&db, &["session", "check", dir.join("bad.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("bad.toml:52: the file is not UTF-8 text"), "{}", text(&out));
}

fn venues_sheet(path: &Path, rows: &[[&str; 6]], formula: bool) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = ["code", "city_code", "name_kk", "name_ru", "address_kk", "address_ru"];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    if formula {
        sheet.write_formula(1, 2, "=UPPER(\"ЕНУ\")").unwrap();
    }
    book.save(path).unwrap();
}

const ENU: [&str; 6] =
    ["ast-1", "astana", "ЕҰУ", "ЕНУ", "Астана қ., Сәтбаев к., 2", "г. Астана, ул. Сатпаева, 2"];

#[tokio::test]
async fn venues_and_slots_come_from_xlsx_and_csv_sheets() {
    let db = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let inline_venues = session(FUTURE, "");
    let start = inline_venues.find("[[venues]]").unwrap();
    let body = format!("venues = \"venues.xlsx\"\nslots = \"slots.csv\"\n{}", &inline_venues[..start]);
    venues_sheet(&dir.join("venues.xlsx"), &[ENU], false);
    write(
        dir,
        "slots.csv",
        "campaign_code,venue_code,date,time,capacity\nent-2099-01,ast-1,2099-01-10,09:00,25\n",
    );
    let file = write(dir, "s.toml", &body);
    let out = ent_bot(&db, &["session", "apply", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM slots WHERE capacity = 25").await, 1);
    sqlx::query("DELETE FROM slots").execute(&db.pool).await.unwrap();
    sqlx::query("DELETE FROM campaign_categories").execute(&db.pool).await.unwrap();
    sqlx::query("DELETE FROM campaigns").execute(&db.pool).await.unwrap();

    // A row shifted one column right, and a formula cell.
    let shifted = ["", "ast-1", "astana", "ЕҰУ", "ЕНУ", "Астана қ."];
    venues_sheet(&dir.join("venues.xlsx"), &[ENU, shifted], false);
    bad(
        &db,
        dir,
        &body,
        &[
            "venues.xlsx row 3: venue code \"\" must be",
            "venues.xlsx row 3: venue \"\": city \"ast-1\" is not in [[cities]]",
        ],
    )
    .await;
    venues_sheet(&dir.join("venues.xlsx"), &[ENU], true);
    bad(
        &db,
        dir,
        &body,
        &["venues.xlsx row 2, column C: a formula (=UPPER(\"ЕНУ\")); type the value instead"],
    )
    .await;
    // CSV slots: another campaign's row, a bad date, a non-UTF-8 file.
    venues_sheet(&dir.join("venues.xlsx"), &[ENU], false);
    write(dir, "slots.csv", "ent-2099-03,ast-1,2099-01-10,09:00,25\nent-2099-01,ast-1,2099-02-30,09:00,25\n");
    bad(
        &db,
        dir,
        &body,
        &[
            "slots.csv:1: campaign_code \"ent-2099-03\" is not this file's campaign",
            "slots.csv:2: date \"2099-02-30\"",
        ],
    )
    .await;
    std::fs::write(dir.join("slots.csv"), b"ent-2099-01,ast-1,2099-01-10,09:00,25\n\xff\n").unwrap();
    bad(&db, dir, &body, &["slots.csv:2: the file is not UTF-8 text"]).await;
    std::fs::remove_file(dir.join("slots.csv")).unwrap();
    bad(&db, dir, &body, &["slots.csv: cannot read the file"]).await;
}

/// The shipped January 2027 file loads as it is.
#[tokio::test]
async fn the_shipped_january_2027_session_applies() {
    let db = TestDb::new().await;
    let out = ent_bot(&db, &["session", "apply", "sessions/january-2027.toml"]);
    assert!(out.status.success(), "{}", text(&out));
    let combos: Vec<String> = sqlx::query_scalar(
        "SELECT f.name_ru || coalesce(' – ' || s.name_ru, '') FROM subject_combinations c
         JOIN subjects f ON f.id = c.first_subject_id LEFT JOIN subjects s ON s.id = c.second_subject_id
         ORDER BY c.sort_order",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(&combos[..3], ["Математика – Физика", "Биология – Химия", "Математика – Информатика"]);
    let times: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT to_char(starts_at AT TIME ZONE 'Asia/Almaty', 'HH24:MI') FROM slots ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(times, ["09:00", "14:30"]);
    assert_eq!(
        count(&db, "SELECT count(DISTINCT (starts_at AT TIME ZONE 'Asia/Almaty')::date) FROM slots").await,
        32
    );
    assert_eq!(count(&db, "SELECT count(*) FROM regions").await, 20);
    let kandas: String = sqlx::query_scalar("SELECT name_ru FROM categories WHERE code = 'kandas'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(
        kandas.starts_with("Лица казахской национальности, не являющиеся гражданами Республики Казахстан")
    );
}
