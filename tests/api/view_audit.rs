//! Every view of applicants' personal data is audited with whose data it showed: bot
//! `/find`, the console's application lists (any filter) and its refund queue (security
//! review finding 7). A typed IIN, email or phone is kept masked.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::console::sign_in;
use crate::helpers::{TestApp, TestUser, spawn_app_with};

const ADMIN: u64 = 9001;

async fn staff_app() -> (TestApp, TestUser) {
    let app = spawn_app_with(&[("ADMIN_IDS", "9001")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(ADMIN, "ru").await;
    (app, admin)
}

/// A fixture applicant with an application in `status` (and a payment in `payment`);
/// returns his applicant id and the application's id.
async fn applicant_with(app: &TestApp, id: u64, status: &str, payment: &str) -> (i64, i64) {
    app.applicant_fixture(id, "ru").await;
    let (applicant, application): (i64, i64) = sqlx::query_as(
        "INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                                   status, payment_deadline, paid_at, closed_at)
         SELECT ap.id, c.id, (SELECT min(id) FROM categories), 'ru', (SELECT min(id) FROM subject_combinations),
                (SELECT min(id) FROM slots), $2::application_status, now(),
                CASE WHEN $2 = 'paid' THEN now() END, CASE WHEN $2 = 'annulled' THEN now() END
         FROM applicants ap, campaigns c WHERE ap.telegram_user_id = $1
         RETURNING applicant_id, id",
    )
    .bind(id as i64)
    .bind(status)
    .fetch_one(app.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO payments (application_id, order_number, method, amount_tenge, status, paid_at)
         VALUES ($1, $2, 'kaspi', 5640, $3::payment_status, now())",
    )
    .bind(application)
    .bind(format!("{:012}", 100_000_000_000 + application))
    .bind(payment)
    .execute(app.pool())
    .await
    .unwrap();
    (applicant, application)
}

/// The audit rows of `action`, oldest first: target and details.
async fn audited(app: &TestApp, action: &str) -> Vec<(String, Value)> {
    sqlx::query_as("SELECT coalesce(target, ''), details FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(app.pool())
        .await
        .unwrap()
}

async fn personal_data(app: &TestApp, telegram_id: u64) -> (String, String, String) {
    sqlx::query_as("SELECT iin::text, email, phone FROM applicants WHERE telegram_user_id = $1")
        .bind(telegram_id as i64)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// No full IIN, email or phone anywhere in the audit log.
async fn nothing_in_clear(app: &TestApp, secrets: &[&str]) {
    let log: Vec<String> =
        sqlx::query_scalar("SELECT coalesce(target, '') || ' ' || details::text FROM audit_log")
            .fetch_all(app.pool())
            .await
            .unwrap();
    for secret in secrets {
        assert!(log.iter().all(|row| !row.contains(secret)), "`{secret}` in the audit log: {log:?}");
    }
}

#[tokio::test]
async fn find_in_the_bot_audits_whose_data_it_showed() {
    let (app, admin) = staff_app().await;
    let (applicant, application) = applicant_with(&app, 7401, "paid", "paid").await;
    let (iin, email, phone) = personal_data(&app, 7401).await;

    admin.send(&format!("/find {iin}")).await;
    assert!(admin.last_text().contains(&iin), "the full IIN shown: {}", admin.last_text());
    admin.send(&format!("/find {phone}")).await;
    assert!(admin.last_text().contains(&email), "{}", admin.last_text());
    admin.send("/find nobody@nowhere.kz").await;

    let masked_iin = format!("{}******{}", &iin[..4], &iin[10..]);
    let masked_phone = format!("{}*****{}", &phone[..5], &phone[10..]);
    let target = format!("applicant:{applicant}");
    assert_eq!(
        audited(&app, "find").await,
        [
            (
                target.clone(),
                json!({ "filter": { "query": { "iin": masked_iin } },
                        "applicants": [applicant], "applications": [application] })
            ),
            (
                target,
                json!({ "filter": { "query": { "phone": masked_phone } },
                        "applicants": [applicant], "applications": [application] })
            ),
            (
                String::new(),
                json!({ "filter": { "query": { "email": "n***@nowhere.kz" } },
                        "applicants": [], "applications": [] })
            ),
        ]
    );
    nothing_in_clear(&app, &[&iin, &email, &phone, "nobody@nowhere.kz"]).await;
}

#[tokio::test]
async fn console_lists_and_the_refund_queue_audit_whose_data_they_showed() {
    let (app, admin) = staff_app().await;
    let (first, first_app) = applicant_with(&app, 7402, "paid", "paid").await;
    let (second, second_app) = applicant_with(&app, 7403, "paid", "paid").await;
    let (late, late_app) = applicant_with(&app, 7404, "annulled", "late").await;
    let (iin, email, phone) = personal_data(&app, 7402).await;
    let browser = sign_in(&app, &admin).await;

    // A status filter only: no typed query, yet the page names both applicants.
    let (status, page) = browser.get("/console/applications?status=paid").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("Тестов Тест").count(), 2, "{page}");
    let lists = audited(&app, "console.list").await;
    assert_eq!(
        lists,
        [(
            String::new(),
            json!({ "filter": { "query": null, "status": "paid", "city_id": null, "venue_id": null, "date": null },
                    "applicants": [second, first], "applications": [second_app, first_app] })
        )]
    );

    // A typed IIN: the one applicant, the IIN masked.
    let csrf = browser.csrf().await;
    let (status, found) = browser.post("/console/applications", &[("csrf", &csrf), ("q", &iin)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(found.contains(&format!("/console/applications/{first_app}")), "{found}");
    let masked = format!("{}******{}", &iin[..4], &iin[10..]);
    let (target, details) = audited(&app, "console.search").await.pop().expect("the search audited");
    assert_eq!(target, format!("applicant:{first}"));
    assert_eq!(details["filter"]["query"], json!({ "iin": masked }));
    assert_eq!((&details["applicants"], &details["applications"]), (&json!([first]), &json!([first_app])));

    // The refund queue names the applicant who paid late.
    let (status, refunds) = browser.get("/console/refunds").await;
    assert_eq!(status, StatusCode::OK);
    assert!(refunds.contains("Тестов Тест"), "{refunds}");
    assert_eq!(
        audited(&app, "console.refunds").await,
        [(
            format!("applicant:{late}"),
            json!({ "filter": { "all": false }, "applicants": [late], "applications": [late_app] })
        )]
    );
    nothing_in_clear(&app, &[&iin, &email, &phone]).await;
}
