//! The hot lookups by applicant, by application and by user use an index on a table of
//! realistic size (tens of thousands of rows, statistics gathered), shown by `EXPLAIN`.

use crate::helpers::{TestApp, spawn_app};

/// `n` onboarded applicants (Telegram ids from 1 000 000), each with one application in the
/// demo campaign, its payment and a pending outbox message; then `ANALYZE`.
pub(crate) async fn fill(app: &TestApp, n: i64) {
    let statements = [
        "INSERT INTO telegram_users (id, chat_id, first_name, locale)
         SELECT 1000000 + g, 1000000 + g, 'Bulk', 'ru' FROM generate_series(1, $1) g",
        "INSERT INTO applicants (telegram_user_id, email, email_verified_at, phone)
         SELECT 1000000 + g, 'bulk' || g || '@mail.kz', now(), '+7701' || lpad(g::text, 7, '0')
         FROM generate_series(1, $1) g",
        "INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                                   status, payment_deadline, paid_at)
         SELECT ap.id, s.campaign_id, (SELECT min(id) FROM categories), 'ru',
                (SELECT min(id) FROM subject_combinations), s.id,
                (ARRAY['paid', 'annulled', 'cancelled', 'withdrawn', 'paid'])[1 + ap.id % 5]::application_status,
                now(), now()
         FROM applicants ap
         JOIN LATERAL (SELECT id, campaign_id FROM slots ORDER BY id OFFSET ap.id % 50 LIMIT 1) s ON TRUE
         WHERE ap.telegram_user_id > 1000000",
        "INSERT INTO payments (application_id, order_number, method, amount_tenge, status, paid_at)
         SELECT a.id, lpad((100000000000 + a.id)::text, 12, '0'), 'kaspi', 5640,
                CASE WHEN a.status = 'paid' THEN 'paid' ELSE 'cancelled' END::payment_status, now()
         FROM applications a",
        // Not due for a year: the running sender leaves them alone.
        "INSERT INTO outbox (telegram_user_id, chat_id, text, not_before)
         SELECT 1000000 + g, 1000000 + g, 'Bulk notice', now() + interval '1 year' FROM generate_series(1, $1) g",
    ];
    for sql in statements {
        let q = sqlx::query(sql);
        let q = if sql.contains("$1") { q.bind(n) } else { q };
        q.execute(app.pool()).await.unwrap();
    }
    sqlx::query("ANALYZE").execute(app.pool()).await.unwrap();
}

pub(crate) async fn explain(app: &TestApp, sql: &str) -> String {
    let lines: Vec<String> =
        sqlx::query_scalar(&format!("EXPLAIN {sql}")).fetch_all(app.pool()).await.unwrap();
    lines.join("\n")
}

#[tokio::test]
async fn lookups_by_applicant_application_and_user_use_an_index() {
    let app = spawn_app().await;
    app.seed().await;
    fill(&app, 20_000).await;
    let (user, applicant, application): (i64, i64, i64) = sqlx::query_as(
        "SELECT ap.telegram_user_id, ap.id, a.id FROM applicants ap JOIN applications a ON a.applicant_id = ap.id
         WHERE ap.telegram_user_id = 1012345",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();

    let hot = [
        // «My applications» (db::applications::views) and the staff view of an applicant.
        (
            format!(
                "SELECT a.id FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
                 WHERE ap.telegram_user_id = {user} ORDER BY a.created_at DESC"
            ),
            "applications_applicant",
        ),
        (
            format!("SELECT a.id, a.status FROM applications a WHERE a.applicant_id = {applicant}"),
            "applications_applicant",
        ),
        // An applicant's payments (db::staff::payments_of) and one application's payments.
        (
            format!(
                "SELECT p.order_number FROM payments p JOIN applications a ON a.id = p.application_id
                 WHERE a.applicant_id = {applicant}"
            ),
            "payments_application",
        ),
        (
            format!("SELECT id, status FROM payments WHERE application_id = {application}"),
            "payments_application",
        ),
        // db::outbox::mark_unreachable.
        (
            format!(
                "UPDATE outbox SET status = 'skipped', last_error = 'blocked', claimed_until = NULL
                 WHERE telegram_user_id = {user} AND status = 'pending'"
            ),
            "outbox_user_pending",
        ),
    ];
    for (sql, index) in hot {
        let plan = explain(&app, &sql).await;
        println!("{sql}\n{plan}\n");
        assert!(plan.contains(index), "{index} not used:\n{sql}\n{plan}");
        for table in ["applications", "payments", "outbox"] {
            assert!(!plan.contains(&format!("Seq Scan on {table}")), "a sequential scan:\n{sql}\n{plan}");
        }
    }
}
