//! `/find` branches on what was typed (IIN, email, phone, order number, application
//! number) and reads each table through an index; `/stats` reads the applications once.

use std::time::Duration;

use crate::helpers::{TestApp, TestUser, spawn_app_with};
use crate::indexes::fill;
use crate::staff_campaign::paid_in;

const ADMIN: u64 = 9801;

async fn admin_app() -> (TestApp, TestUser) {
    let app = spawn_app_with(&[("ADMIN_IDS", "9801")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(ADMIN, "ru").await;
    (app, admin)
}

async fn campaign_code(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap()
}

/// A Kaspi order with a well-formed number for the application; returns the number.
async fn order_for(app: &TestApp, application: i64) -> String {
    let order = ent_bot::payments::order_number::generate(&mut rand::thread_rng());
    sqlx::query("INSERT INTO payments (application_id, order_number, method, amount_tenge) VALUES ($1, $2, 'kaspi', 5640)")
        .bind(application)
        .bind(&order)
        .execute(app.pool())
        .await
        .unwrap();
    order
}

#[tokio::test]
async fn find_takes_an_iin_email_phone_order_or_application_number_as_typed() {
    let (app, admin) = admin_app().await;
    let (_user, id) = paid_in(&app, 7801, "ru", &campaign_code(&app).await).await;
    let order = order_for(&app, id).await;
    let (iin, email): (String, String) =
        sqlx::query_as("SELECT iin::text, email FROM applicants WHERE telegram_user_id = 7801")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let queries = [
        iin,
        email.to_uppercase(),
        "+77010007801".to_string(),
        "+7 (701) 000-78-01".to_string(),
        "8 701 000 78 01".to_string(),
        order,
        id.to_string(),
        format!("№{id}"),
    ];
    for query in queries {
        admin.send(&format!("/find {query}")).await;
        let text = admin.last_text();
        assert!(text.starts_with("👤 Тестов Тест"), "{query}: {text}");
        assert!(text.contains(&format!("№{id} · ✅ Оплачено")), "{query}: {text}");
    }
    for nobody in ["+7 702 000 00 00", "nobody@nowhere.kz", "999999999", "hello"] {
        admin.send(&format!("/find {nobody}")).await;
        assert_eq!(admin.last_text(), "Ничего не найдено.", "{nobody}");
    }
}

/// `(seq_scan, idx_scan)` of a table, as PostgreSQL's statistics have it now.
async fn scans(app: &TestApp, table: &str) -> (i64, i64) {
    sqlx::query_as("SELECT seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = $1")
        .bind(table)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// Backends publish their counters when idle, but no sooner than 10 s after their last
/// publication (PostgreSQL's idle stats interval): wait that out.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(12)).await;
}

async fn seq_scans(app: &TestApp, tables: &[&str]) -> Vec<i64> {
    let mut out = vec![];
    for table in tables {
        out.push(scans(app, table).await.0);
    }
    out
}

#[tokio::test]
async fn find_uses_indexes_and_stats_reads_the_applications_once() {
    let (app, admin) = admin_app().await;
    fill(&app, 20_000).await;
    let tables = ["applicants", "applications", "payments"];
    for table in tables {
        sqlx::query(&format!("ALTER TABLE {table} SET (autovacuum_enabled = false)"))
            .execute(app.pool())
            .await
            .unwrap();
    }
    let application: i64 = sqlx::query_scalar(
        "SELECT a.id FROM applications a JOIN applicants ap ON ap.id = a.applicant_id WHERE ap.telegram_user_id = 1004321",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    settle().await;

    let before = seq_scans(&app, &tables).await;
    for query in ["bulk4321@mail.kz".to_string(), "+7 701 000 43 21".to_string(), format!("№{application}")]
    {
        admin.send(&format!("/find {query}")).await;
        assert!(admin.last_text().starts_with("👤 "), "{query}: {}", admin.last_text());
    }
    settle().await;
    let after = seq_scans(&app, &tables).await;
    assert_eq!(after, before, "/find read a whole table ({tables:?}: sequential scans before and after)");

    let before = scans(&app, "applications").await.0;
    admin.send("/stats").await;
    assert!(admin.last_text().starts_with("📊 "), "{}", admin.last_text());
    assert!(admin.last_text().contains("оплачены 8000"), "{}", admin.last_text());
    settle().await;
    let reads = scans(&app, "applications").await.0 - before;
    assert!(reads <= 2, "/stats read the whole applications table {reads} times");
}
