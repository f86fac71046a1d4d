//! A payment arriving in the deadline's last second races the expiry job. Both must end
//! with one consistent outcome (paid, or annulled with the money kept as late), never a
//! deadlock that aborts one of them (Kaspi would get «temporary error», the job a retry).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use ent_bot::clock::Clock;
use ent_bot::i18n::Locale;
use ent_bot::payments::Method;
use ent_bot::services::Ctx;
use ent_bot::services::payments::{self as payment_service, Choice};
use ent_bot::workers::jobs::run_due;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::payments::{ctx, first_slot, hold_seat, spawn};

const ROUNDS: u64 = 24;

async fn lock_waiters(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap()
}

async fn until_waiting(app: &TestApp, n: i64, round: u64) {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(15);
    while lock_waiters(app).await < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "round {round}: fewer than {n} sides reached the lock"
        );
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_payment_in_the_deadline_second_and_the_expiry_never_deadlock() {
    let app = spawn(&[]).await;
    let slot = first_slot(&app).await;
    sqlx::query("UPDATE slots SET capacity = 100 WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();

    for round in 0..ROUNDS {
        let user = app.applicant_fixture(3300 + round, "ru").await;
        let application = hold_seat(&app, &user, slot).await;
        let choice = payment_service::choose(ctx(&app), user.id(), Locale::Ru, application, Method::Kaspi)
            .await
            .unwrap();
        let Choice::Kaspi { order, .. } = choice else { panic!("no Kaspi order: {choice:?}") };
        let deadline: DateTime<Utc> =
            sqlx::query_scalar("SELECT payment_deadline FROM applications WHERE id = $1")
                .bind(application)
                .fetch_one(app.pool())
                .await
                .unwrap();

        // Half the rounds pay one second before the deadline (the payment applies if it
        // wins), half at the deadline itself (it is late either way); the expiry runs in
        // another process whose clock already reads the deadline.
        let applies = round % 2 == 0;
        app.clock.set(if applies { deadline - Duration::seconds(1) } else { deadline });
        let expiry_ctx = Ctx { clock: Clock::manual(deadline), ..ctx(&app).clone() };

        // Both sides queue on the application row, in either order, then go at once.
        let mut blocker = app.pool().begin().await.unwrap();
        sqlx::query("SELECT 1 FROM applications WHERE id = $1 FOR UPDATE")
            .bind(application)
            .execute(&mut *blocker)
            .await
            .unwrap();
        let url = app.http_url("/payments/kaspi");
        let txn = format!("88{round:05}");
        let pay = move || {
            tokio::spawn(async move {
                let query = [
                    ("command", "pay"),
                    ("txn_id", txn.as_str()),
                    ("txn_date", "20261222101500"),
                    ("account", order.as_str()),
                    ("sum", "5640.00"),
                ];
                let response = reqwest::Client::new().get(url).query(&query).send().await.unwrap();
                response.json::<Value>().await.unwrap()
            })
        };
        let expire = move || tokio::spawn(async move { run_due(&expiry_ctx).await });
        let (paid, expired) = if round % 4 < 2 {
            let expired = expire();
            until_waiting(&app, 1, round).await;
            let paid = pay();
            until_waiting(&app, 2, round).await;
            (paid, expired)
        } else {
            let paid = pay();
            until_waiting(&app, 1, round).await;
            let expired = expire();
            until_waiting(&app, 2, round).await;
            (paid, expired)
        };
        blocker.rollback().await.unwrap();
        let answer = paid.await.unwrap();
        expired.await.unwrap().unwrap();

        assert_eq!(answer["result"], 0, "round {round}: Kaspi got a definite answer, not a retry: {answer}");
        let failed: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT kind, last_error FROM scheduled_jobs
             WHERE application_id = $1 AND (status NOT IN ('done', 'cancelled') OR last_error LIKE '%deadlock%')",
        )
        .bind(application)
        .fetch_all(app.pool())
        .await
        .unwrap();
        assert!(failed.is_empty(), "round {round}: a job failed or waits for a retry: {failed:?}");
        let outcome: (String, String) = sqlx::query_as(
            "SELECT a.status::text, p.status::text FROM applications a JOIN payments p ON p.application_id = a.id
             WHERE a.id = $1",
        )
        .bind(application)
        .fetch_one(app.pool())
        .await
        .unwrap();
        let consistent = [("paid", "paid"), ("annulled", "late")];
        assert!(consistent.contains(&(outcome.0.as_str(), outcome.1.as_str())), "round {round}: {outcome:?}");
        if !applies {
            assert_eq!(
                outcome,
                ("annulled".to_string(), "late".to_string()),
                "round {round}: at the deadline"
            );
        }
        app.clock.set(deadline + Duration::minutes(1));
    }

    let (booked, holding): (i32, i64) = sqlx::query_as(
        "SELECT s.booked, (SELECT count(*) FROM applications a
                           WHERE a.slot_id = s.id AND a.status IN ('awaiting_payment', 'paid', 'no_show'))
         FROM slots s WHERE s.id = $1",
    )
    .bind(slot)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(i64::from(booked), holding, "the seat count matches the applications holding seats");
}
