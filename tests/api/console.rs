//! The staff web console over HTTP: sign-in links from the bot, sessions, roles on every
//! route, CSRF, exports, slot changes.

use std::io::Cursor;

use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

pub(crate) use crate::helpers::console::{anonymous, client, link_for, sign_in, with_cookie};
use crate::helpers::{TestApp, TestUser, spawn_app_with};

pub(crate) const ADMIN: u64 = 9001;
pub(crate) const OPERATOR: u64 = 9002;

pub(crate) async fn scalar<T>(app: &TestApp, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

/// An app with an admin (9001) and an operator (9002), both chatting in Russian.
pub(crate) async fn console_app() -> (TestApp, TestUser, TestUser) {
    console_app_with(&[]).await
}

/// `console_app` with extra settings.
pub(crate) async fn console_app_with(settings: &[(&str, &str)]) -> (TestApp, TestUser, TestUser) {
    let mut settings = settings.to_vec();
    settings.extend([("ADMIN_IDS", "9001"), ("CONSOLE_SECRET", "test-console-secret")]);
    let app = spawn_app_with(&settings).await;
    app.seed().await;
    let admin = app.applicant_fixture(ADMIN, "ru").await;
    let operator = app.applicant_fixture(OPERATOR, "ru").await;
    sqlx::query("INSERT INTO staff (telegram_user_id, role, added_by) VALUES ($1, 'operator', $2)")
        .bind(OPERATOR as i64)
        .bind(ADMIN as i64)
        .execute(app.pool())
        .await
        .unwrap();
    (app, admin, operator)
}

/// A fixture applicant with a paid application in the first slot of Almaty.
pub(crate) async fn paid_applicant(app: &TestApp, id: u64) -> (TestUser, i64, i64) {
    let user = app.applicant_fixture(id, "ru").await;
    let (application, slot): (i64, i64) = sqlx::query_as(
        "INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                                   status, payment_deadline, paid_at)
         SELECT ap.id, c.id, (SELECT min(id) FROM categories), 'ru', (SELECT min(id) FROM subject_combinations),
                (SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id
                 WHERE ci.code = 'almaty' ORDER BY s.starts_at, v.id LIMIT 1),
                'paid', now(), now()
         FROM applicants ap, campaigns c WHERE ap.telegram_user_id = $1
         RETURNING id, slot_id",
    )
    .bind(id as i64)
    .fetch_one(app.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE slots SET booked = booked + 1 WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO payments (application_id, order_number, method, amount_tenge, status, paid_at)
         VALUES ($1, $2, 'kaspi', 5640, 'paid', now())",
    )
    .bind(application)
    .bind(format!("{:010}", 1_000_000_000 + application))
    .execute(app.pool())
    .await
    .unwrap();
    (user, application, slot)
}

#[tokio::test]
async fn a_link_signs_in_once_within_ten_minutes() {
    let (app, admin, _) = console_app().await;
    let link = link_for(&admin).await;
    assert!(link.starts_with(&app.http_url("/console/login?token=")), "{link}");
    assert!(admin.last_text().contains("10"), "{}", admin.last_text());

    let http = client();
    let first = http.get(&link).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let cookie = first.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let browser = with_cookie(&app, cookie);
    let (status, page) = browser.get("/console/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Консоль ЕНТ") && page.contains("Регистрации по часам"), "{page}");

    // Used: a second open shows why and how to get a new one.
    let again = http.get(&link).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    let text = again.text().await.unwrap();
    assert!(text.contains("уже использована") && text.contains("/console"), "{text}");

    // Expired after ten minutes.
    let late = link_for(&admin).await;
    // A new /console ended the old session.
    assert_eq!(browser.get("/console/").await.0, StatusCode::UNAUTHORIZED);
    app.clock.advance(chrono::Duration::minutes(11));
    let r = http.get(&late).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("истёк"));

    // A forged signature is refused.
    let fresh = link_for(&admin).await;
    let forged = format!("{}x", &fresh[..fresh.len() - 1]);
    assert_eq!(http.get(&forged).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(http.get(&fresh).send().await.unwrap().status(), StatusCode::SEE_OTHER);

    let links: i64 = scalar(&app, "SELECT count(*) FROM console_links WHERE used_at IS NOT NULL").await;
    assert_eq!(links, 3, "each issued link is used up or voided");
}

#[tokio::test]
async fn console_is_an_unknown_command_to_applicants_and_removal_ends_sessions() {
    let (app, admin, operator) = console_app().await;
    let applicant = app.applicant_fixture(7001, "ru").await;
    applicant.send("/console").await;
    assert_eq!(applicant.last_text(), "Такой команды нет. Подсказка: /help");
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM console_links").await, 0);

    let browser = sign_in(&app, &operator).await;
    assert_eq!(browser.get("/console/").await.0, StatusCode::OK);
    admin.send(&format!("/staff remove {OPERATOR}")).await;
    assert_eq!(browser.get("/console/").await.0, StatusCode::UNAUTHORIZED);
    operator.send("/console").await;
    assert_eq!(operator.last_text(), "Такой команды нет. Подсказка: /help");
}

#[tokio::test]
async fn every_route_checks_the_session_and_the_role() {
    let (app, admin, operator) = console_app().await;
    let (_, application, slot) = paid_applicant(&app, 7001).await;
    let capacity: i32 = scalar(&app, &format!("SELECT capacity FROM slots WHERE id = {slot}")).await;
    let admin_b = sign_in(&app, &admin).await;
    let operator_b = sign_in(&app, &operator).await;
    let nobody = anonymous(&app);

    let read = [
        "/console/".to_string(),
        "/console/overview/live".into(),
        "/console/applications".into(),
        format!("/console/applications/{application}"),
        "/console/slots".into(),
        "/console/refunds".into(),
        "/console/exports".into(),
        "/console/exports/download?format=csv".into(),
        "/console/exports/download?format=xlsx".into(),
        "/console/audit".into(),
    ];
    let admin_reads = [
        format!("/console/applications/{application}/withdraw"),
        format!("/console/applications/{application}/noshow"),
        format!("/console/slots/{slot}"),
        "/console/broadcast".into(),
    ];
    for path in &read {
        assert_eq!(nobody.get(path).await.0, StatusCode::UNAUTHORIZED, "{path} without a session");
        assert_eq!(operator_b.get(path).await.0, StatusCode::OK, "{path} as operator");
        assert_eq!(admin_b.get(path).await.0, StatusCode::OK, "{path} as admin");
    }
    for path in &admin_reads {
        assert_eq!(nobody.get(path).await.0, StatusCode::UNAUTHORIZED, "{path} without a session");
        assert_eq!(operator_b.get(path).await.0, StatusCode::FORBIDDEN, "{path} as operator");
        assert_eq!(admin_b.get(path).await.0, StatusCode::OK, "{path} as admin");
    }

    // State changes: refused to operators even with their valid CSRF token.
    let op_csrf = operator_b.csrf().await;
    let slot_form = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("capacity", "30".to_string()),
            ("date", "2027-01-11".to_string()),
            ("time", "09:00".to_string()),
            ("venue", "1".to_string()),
        ]
    };
    let posts: Vec<(String, Vec<(&str, String)>)> = vec![
        (format!("/console/applications/{application}/withdraw"), vec![("csrf", op_csrf.clone())]),
        (format!("/console/applications/{application}/noshow"), vec![("csrf", op_csrf.clone())]),
        (format!("/console/applications/{application}/markpaid"), vec![("csrf", op_csrf.clone())]),
        (format!("/console/slots/{slot}/preview"), slot_form(&op_csrf)),
        (format!("/console/slots/{slot}"), slot_form(&op_csrf)),
        ("/console/refunds/1/done".into(), vec![("csrf", op_csrf.clone())]),
        (
            "/console/broadcast/preview".into(),
            vec![("csrf", op_csrf.clone()), ("audience", "all".into()), ("text", "hi".into())],
        ),
        (
            "/console/broadcast/send".into(),
            vec![("csrf", op_csrf.clone()), ("audience", "all".into()), ("text", "hi".into())],
        ),
    ];
    for (path, form) in &posts {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            nobody.post(path, &form).await.0,
            StatusCode::UNAUTHORIZED,
            "POST {path} without a session"
        );
        assert_eq!(operator_b.post(path, &form).await.0, StatusCode::FORBIDDEN, "POST {path} as operator");
    }
    // Search is for everyone signed in.
    let (status, _) = operator_b.post("/console/applications", &[("csrf", &op_csrf), ("q", "")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "paid");
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM broadcasts").await, 0);
    assert_eq!(scalar::<i32>(&app, &format!("SELECT capacity FROM slots WHERE id = {slot}")).await, capacity);

    // Sign-out ends the session.
    let csrf = admin_b.csrf().await;
    assert_eq!(admin_b.post("/console/logout", &[("csrf", &csrf)]).await.0, StatusCode::OK);
    assert_eq!(admin_b.get("/console/").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_post_without_the_sessions_csrf_token_changes_nothing() {
    let (app, admin, _) = console_app().await;
    let (_, application, _) = paid_applicant(&app, 7001).await;
    let browser = sign_in(&app, &admin).await;
    let path = format!("/console/applications/{application}/withdraw");
    for form in [vec![], vec![("csrf", "")], vec![("csrf", "forged-token")]] {
        let (status, page) = browser.post(&path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form:?}");
        assert!(page.contains("Форма устарела"), "{page}");
    }
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "paid");
    let csrf = browser.csrf().await;
    let (status, page) = browser.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Готово"), "{page}");
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "withdrawn");
    // Withdrawn before closure: the payment waits in the refund queue.
    let (_, refunds) = browser.get("/console/refunds").await;
    assert!(refunds.contains("отозвано до закрытия базы данных"), "{refunds}");
    let payment: i64 = scalar(&app, "SELECT id FROM payments").await;
    let (_, done) = browser.post(&format!("/console/refunds/{payment}/done"), &[("csrf", &csrf)]).await;
    assert!(done.contains("Возврат отмечен"), "{done}");
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM audit_log WHERE action = 'refund.done'").await, 1);
}

#[tokio::test]
async fn search_masks_personal_data_and_the_detail_view_is_audited() {
    let (app, admin, _) = console_app().await;
    let (_, application, _) = paid_applicant(&app, 7001).await;
    let iin: String = scalar(&app, "SELECT iin::text FROM applicants WHERE telegram_user_id = 7001").await;
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    let (status, list) = browser.post("/console/applications", &[("csrf", &csrf), ("q", &iin)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("/console/applications/{application}")), "{list}");
    let table = &list[list.find("<tbody>").unwrap()..];
    assert!(!table.contains(&iin), "the full IIN is not in the list");
    assert!(list.contains(&format!("{}******{}", &iin[..4], &iin[10..])), "{list}");
    assert!(!table.contains("fixture7001@mail.kz"), "the email is masked");
    let (_, detail) = browser.get(&format!("/console/applications/{application}")).await;
    assert!(detail.contains(&iin) && detail.contains("fixture7001@mail.kz"), "{detail}");
    let views: i64 = scalar(&app, "SELECT count(*) FROM audit_log WHERE action = 'console.view'").await;
    assert_eq!(views, 1);
    // A phone finds him too; the audit log page shows the view.
    let (_, by_phone) =
        browser.post("/console/applications", &[("csrf", &csrf), ("q", "+7701 000 70 01")]).await;
    assert!(by_phone.contains(&format!("/console/applications/{application}")), "{by_phone}");
    let (_, audit) = browser.get("/console/audit?action=console.view").await;
    assert!(audit.contains(&format!("application:{application}")), "{audit}");
}

#[tokio::test]
async fn attendance_lists_as_csv_and_xlsx() {
    let (app, admin, operator) = console_app().await;
    let (_, first, slot) = paid_applicant(&app, 7001).await;
    let (_, second, _) = paid_applicant(&app, 7002).await;
    let iin: String = scalar(&app, "SELECT iin::text FROM applicants WHERE telegram_user_id = 7001").await;
    let masked = format!("{}******{}", &iin[..4], &iin[10..]);
    let browser = sign_in(&app, &operator).await;

    let (status, csv) = browser.get_bytes(&format!("/console/exports/download?slot={slot}&format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("\u{feff}".as_bytes()), "a BOM first");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("Город,Площадка,Дата,Время,Место №,ФИО,ИИН"), "{}", lines[0]);
    assert!(lines[1].contains(&masked) && lines[1].contains("Тестов Тест"), "{}", lines[1]);
    assert!(lines[1].contains(",1,Тестов Тест,") && lines[2].contains(",2,Тестов Тест,"), "{text}");
    assert!(lines[1].ends_with(&first.to_string()) && lines[2].ends_with(&second.to_string()), "{text}");
    assert!(!text.contains(&iin));

    let (status, xlsx) = browser.get_bytes("/console/exports/download?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range("Список явки").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][5], "ФИО");
    assert_eq!(rows[1][6], masked);
    assert_eq!(rows[1][4], "1");
    assert_eq!(rows[2][10], second.to_string());
    let exports: i64 = scalar(&app, "SELECT count(*) FROM audit_log WHERE action = 'export'").await;
    assert_eq!(exports, 2);
    drop(admin);
}

#[tokio::test]
async fn the_cli_export_service_writes_a_campaign() {
    let (app, _, _) = console_app().await;
    paid_applicant(&app, 7001).await;
    let code: String = scalar(&app, "SELECT code FROM campaigns").await;
    let venue: String = scalar(
        &app,
        "SELECT v.code FROM applications a JOIN slots s ON s.id = a.slot_id JOIN venues v ON v.id = s.venue_id",
    )
    .await;
    let i18n = std::sync::Arc::new(ent_bot::i18n::I18n::load().unwrap());
    let tz = chrono_tz::Asia::Almaty;
    use ent_bot::services::export::{self, Format, Request};
    let req = Request { campaign_code: Some(code.clone()), venue_code: Some(venue), ..Request::default() };
    let out = export::prepare(app.pool(), tz, &req, Format::Csv).await.unwrap();
    assert_eq!(out.rows, 1);
    let mut bytes = Vec::new();
    out.write_to(app.pool().clone(), i18n, tz, ent_bot::i18n::Locale::Kk, &mut bytes).await.unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("Қала,Алаң"), "{text}");
    let bad = Request { campaign_code: Some("nope".into()), ..Request::default() };
    let err = export::prepare(app.pool(), tz, &bad, Format::Xlsx).await.err().unwrap();
    assert!(err.is_bad_input(), "{err}");

    // The binary itself, when it has been built.
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_ent-bot"));
    let file = std::env::temp_dir().join(format!("ent-export-{}.xlsx", std::process::id()));
    let out = std::process::Command::new(bin)
        .args(["export", "applications", "--campaign", &code, "--format", "xlsx", "--output"])
        .arg(&file)
        .env("DATABASE_URL", &app.db.url)
        .env_remove("BOT_TOKEN")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    let _ = std::fs::remove_file(&file);
    let unknown = std::process::Command::new(bin)
        .args(["export", "applications", "--campaign", "nope"])
        .env("DATABASE_URL", &app.db.url)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2), "{}", String::from_utf8_lossy(&unknown.stderr));
}

#[tokio::test]
async fn capacity_below_booked_is_refused_and_a_new_time_notifies_paid_applicants() {
    let (app, admin, _) = console_app().await;
    let (user, _, slot) = paid_applicant(&app, 7001).await;
    paid_applicant(&app, 7002).await;
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    let (date, venue): (String, i32) = sqlx::query_as(
        "SELECT to_char(starts_at AT TIME ZONE 'Asia/Almaty', 'YYYY-MM-DD'), venue_id FROM slots WHERE id = $1",
    )
    .bind(slot)
    .fetch_one(app.pool())
    .await
    .unwrap();
    let venue = venue.to_string();
    let capacity: i32 = scalar(&app, &format!("SELECT capacity FROM slots WHERE id = {slot}")).await;
    let path = format!("/console/slots/{slot}");

    let form =
        [("csrf", csrf.as_str()), ("capacity", "1"), ("date", &date), ("time", "09:00"), ("venue", &venue)];
    let (status, page) = browser.post(&format!("{path}/preview"), &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Нельзя сделать мест меньше, чем уже занято (2)"), "{page}");
    let (status, _) = browser.post(&path, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(scalar::<i32>(&app, &format!("SELECT capacity FROM slots WHERE id = {slot}")).await, capacity);

    // Moved to 15:30 the same day: the preview counts the two paid applicants.
    let form =
        [("csrf", csrf.as_str()), ("capacity", "60"), ("date", &date), ("time", "15:30"), ("venue", &venue)];
    let (status, page) = browser.post(&format!("{path}/preview"), &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("уйдёт уведомление — 2 чел."), "{page}");
    let (status, page) = browser.post(&path, &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Слот #") && page.contains("сохранён"), "{page}");
    assert_eq!(scalar::<i32>(&app, &format!("SELECT capacity FROM slots WHERE id = {slot}")).await, 60);
    let pushed = user.wait_for("about the new time", |m| m.text.contains("15:30")).await;
    assert!(pushed.text.contains("15:30"), "{}", pushed.text);
    let changes: i64 = scalar(&app, "SELECT count(*) FROM audit_log WHERE action = 'slot.change'").await;
    assert_eq!(changes, 1);
}

#[tokio::test]
async fn the_overview_shows_counts_chart_and_heat_map() {
    let (app, admin, _) = console_app().await;
    paid_applicant(&app, 7001).await;
    let browser = sign_in(&app, &admin).await;
    let (status, page) = browser.get("/console/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"data-live="/console/overview/live""#), "{page}");
    assert!(page.contains("<svg class=\"chart\"") && page.contains("<rect class=\"bar\""), "{page}");
    assert!(page.contains("class=\"heat\"") && page.contains("Алматы"), "{page}");
    assert!(page.replace(['\u{a0}', '\u{202f}', ' '], "").contains("5640₸"), "money received: {page}");
    let (status, live) = browser.get("/console/overview/live").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!live.contains("<html"), "a fragment");
    let (_, js) = browser.get("/console/console.js").await;
    assert!(js.contains("data-live"));
}
