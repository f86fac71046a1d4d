//! The card gateway's notifications as the gateway sends them, signed: what is kept of
//! them and for how long (security review finding 13), and which `Pay` is money
//! (finding 14: an authorisation or a test payment marks nothing paid).

use std::time::Duration;

use chrono::Duration as Days;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::payments::{SECRET, applicant_with_seat, card, card_fields, order_of, spawn, status_of};

/// What a real `Pay` carries besides our fields: the cardholder, his address, a reusable
/// card token and the card's expiry.
const PERSONAL: [(&str, &str); 9] = [
    ("Name", "AIGERIM SEITKALI"),
    ("Email", "aigerim.payer@mail.kz"),
    ("IpAddress", "203.0.113.77"),
    ("IpCountry", "Kazakhstan"),
    ("IpCity", "Алматы"),
    ("Token", "tk_9f86d081884c7d659a2feaa0c55ad015"),
    ("CardExpDate", "12/29"),
    ("Issuer", "Halyk Bank"),
    ("Data", r#"{"phone":"+77011234567"}"#),
];

async fn stored_request(app: &TestApp, command: &str, txn: &str) -> Value {
    sqlx::query_scalar("SELECT request FROM payment_callbacks WHERE command = $1 AND txn_id = $2")
        .bind(command)
        .bind(txn)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

fn assert_nothing_personal(stored: &Value) {
    let text = stored.to_string();
    for (field, value) in PERSONAL {
        assert!(stored.get(field).is_none(), "{field} kept: {stored}");
        assert!(!text.contains(value), "{value} kept: {stored}");
    }
    assert!(
        stored.get("CardFirstSix").is_none() && !text.contains("411111"),
        "the card's BIN kept: {stored}"
    );
}

#[tokio::test]
async fn a_card_notification_is_stored_without_the_cardholder_token_or_expiry() {
    let app = spawn(&[]).await;
    let (_, application) = applicant_with_seat(&app, 3101).await;
    let user = app.user(3101, Some("ru"));
    user.press("💳 Банковская карта").await;
    let order = order_of(&app, application, "card").await;

    // A declined card first, then the payment: each as the gateway posts it.
    let mut fail = card_fields(&order, "5640.00", "9101");
    fail.retain(|(k, _)| *k != "Status");
    fail.extend([("Status", "Declined"), ("Reason", "InsufficientFunds"), ("ReasonCode", "5051")]);
    fail.extend(PERSONAL);
    let (status, answer) = card(&app, "fail", &fail, Some(SECRET)).await;
    assert_eq!((status, answer), (200, json!({ "code": 0 })));
    let mut pay = card_fields(&order, "5640.00", "9102");
    pay.extend(PERSONAL);
    pay.push(("OperationType", "Payment"));
    let (status, answer) = card(&app, "pay", &pay, Some(SECRET)).await;
    assert_eq!((status, answer), (200, json!({ "code": 0 })));
    assert_eq!(status_of(&app, application).await, "paid");

    let stored = stored_request(&app, "pay", "9102").await;
    assert_nothing_personal(&stored);
    // What a dispute or a reconciliation needs is there.
    assert_eq!(stored["InvoiceId"], order.as_str());
    assert_eq!(stored["TransactionId"], "9102");
    assert_eq!(stored["Amount"], "5640.00");
    assert_eq!(stored["Currency"], "KZT");
    assert_eq!(stored["Status"], "Completed");
    assert_eq!(stored["OperationType"], "Payment");
    assert_eq!(stored["DateTime"], "2026-12-22 05:10:00");
    assert_eq!(stored["CardLastFour"], "1111");
    let declined = stored_request(&app, "fail", "9101").await;
    assert_nothing_personal(&declined);
    assert_eq!((&declined["Reason"], &declined["ReasonCode"]), (&json!("InsufficientFunds"), &json!("5051")));

    // Kaspi's requests carry nothing personal; only its own parameters are kept.
    let (_, kaspi_application) = applicant_with_seat(&app, 3102).await;
    app.user(3102, Some("ru")).press("Kaspi").await;
    let kaspi_order = order_of(&app, kaspi_application, "kaspi").await;
    let params = [
        ("command", "pay"),
        ("txn_id", "9103"),
        ("txn_date", "20261222101500"),
        ("account", kaspi_order.as_str()),
        ("sum", "5640.00"),
        ("fio", "Сейтқали Айгерім"),
    ];
    let (status, answer) = crate::payments::kaspi(&app, &params).await;
    assert_eq!((status, &answer["result"]), (200, &json!(0)), "{answer}");
    let stored = stored_request(&app, "pay", "9103").await;
    assert_eq!(
        stored,
        json!({"command": "pay", "txn_id": "9103", "txn_date": "20261222101500", "account": kaspi_order, "sum": "5640.00"})
    );
}

#[tokio::test]
async fn only_a_completed_real_payment_pays_an_authorisation_or_a_test_is_recorded() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3111).await;
    user.press("💳 Банковская карта").await;
    let order = order_of(&app, application, "card").await;

    // Two-stage terminal: money only held. Accepted (so the gateway stops repeating it),
    // recorded, and the application still awaits payment.
    let mut authorised = card_fields(&order, "5640.00", "9201");
    authorised.retain(|(k, _)| *k != "Status");
    authorised.extend([("Status", "Authorized"), ("OperationType", "Payment")]);
    let (status, answer) = card(&app, "pay", &authorised, Some(SECRET)).await;
    assert_eq!((status, answer), (200, json!({ "code": 0 })));
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(stored_request(&app, "pay_unsettled", "9201").await["Status"], "Authorized");
    // The gateway's repeat is answered the same and still pays nothing.
    let (_, again) = card(&app, "pay", &authorised, Some(SECRET)).await;
    assert_eq!(again, json!({ "code": 0 }));
    assert_eq!(status_of(&app, application).await, "awaiting_payment");

    // A test card (TestMode=1) is no money either, outside the sandbox.
    let mut test = card_fields(&order, "5640.00", "9202");
    test.push(("TestMode", "1"));
    let (_, checked) = card(&app, "check", &test, Some(SECRET)).await;
    assert_eq!(checked, json!({ "code": 13 }), "a test card is stopped at the check");
    let (status, answer) = card(&app, "pay", &test, Some(SECRET)).await;
    assert_eq!((status, answer), (200, json!({ "code": 0 })));
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(stored_request(&app, "pay_unsettled", "9202").await["TestMode"], "1");
    // Nor is anything but a payment.
    let mut refund = card_fields(&order, "5640.00", "9203");
    refund.push(("OperationType", "Refund"));
    card(&app, "pay", &refund, Some(SECRET)).await;
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE status = 'paid'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(paid, 0);

    // The payment itself: completed, a payment, not a test.
    let mut completed = card_fields(&order, "5640.00", "9204");
    completed.extend([("OperationType", "Payment"), ("TestMode", "0")]);
    let (status, answer) = card(&app, "pay", &completed, Some(SECRET)).await;
    assert_eq!((status, answer), (200, json!({ "code": 0 })));
    assert_eq!(status_of(&app, application).await, "paid");
}

#[tokio::test]
async fn card_callbacks_older_than_the_retention_are_purged_by_the_worker() {
    let mut app = spawn_app().await;
    let now = app.clock.now();
    // The default retention is 400 days.
    for (txn, age) in [("old", Days::days(401)), ("recent", Days::days(399)), ("today", Days::zero())] {
        sqlx::query(
            "INSERT INTO payment_callbacks (provider, command, txn_id, request, response, received_at)
             VALUES ('card', 'pay', $1, '{}', '{\"code\":0}', $2)",
        )
        .bind(txn)
        .bind(now - age)
        .execute(app.pool())
        .await
        .unwrap();
    }
    // A process purges soon after it starts, and every ten minutes after.
    app.restart().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let old: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_callbacks WHERE txn_id = 'old'")
            .fetch_one(app.pool())
            .await
            .unwrap();
        if old == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the 401-day-old callback is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kept: Vec<String> = sqlx::query_scalar("SELECT txn_id FROM payment_callbacks ORDER BY received_at")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(kept, ["recent", "today"]);
}
