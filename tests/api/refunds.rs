//! Money a provider reports as taken but that paid for nothing (a second card transaction
//! on a settled order, a payment in another currency, a late payment) is recorded as owed
//! back, counted in `/stats` and listed to staff by `/refunds`.

use chrono::Duration;
use serde_json::json;

use crate::payments::{
    SECRET, applicant_with_seat, card, card_fields, deliver, kaspi_pay, order_of, payment_status, spawn,
    status_of,
};

type RefundRow = (String, String, String, i64, String, Option<i64>);

async fn refunds(app: &crate::helpers::TestApp) -> Vec<RefundRow> {
    sqlx::query_as(
        "SELECT reason, provider::text, txn_id, amount_minor, currency, application_id FROM refunds ORDER BY id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn money_taken_but_not_applied_is_listed_for_a_refund() {
    let app = spawn(&[("ADMIN_IDS", "9101")]).await;

    // A second successful card transaction on an order that is already paid.
    let (first, first_app) = applicant_with_seat(&app, 3101).await;
    first.press("💳 Банковская карта").await;
    let order = order_of(&app, first_app, "card").await;
    let (_, paid) = card(&app, "pay", &card_fields(&order, "5640.00", "1001"), Some(SECRET)).await;
    assert_eq!(paid, json!({ "code": 0 }));
    let (_, second) = card(&app, "pay", &card_fields(&order, "5640.00", "1002"), Some(SECRET)).await;
    assert_eq!(second, json!({ "code": 13 }), "refused, as before");
    let (_, repeated) = card(&app, "pay", &card_fields(&order, "5640.00", "1002"), Some(SECRET)).await;
    assert_eq!(repeated, json!({ "code": 13 }), "the gateway's retry gets the first answer");

    // A card payment in dollars for a tenge order.
    let (other, other_app) = applicant_with_seat(&app, 3102).await;
    other.press("💳 Банковская карта").await;
    let usd_order = order_of(&app, other_app, "card").await;
    let mut dollars = card_fields(&usd_order, "12.50", "1003");
    dollars.retain(|(k, _)| *k != "Currency");
    dollars.push(("Currency", "USD"));
    let (_, usd) = card(&app, "pay", &dollars, Some(SECRET)).await;
    assert_eq!(usd, json!({ "code": 12 }));
    assert_eq!(status_of(&app, other_app).await, "awaiting_payment", "not applied");
    assert_eq!(payment_status(&app, &usd_order).await, "pending");
    let (_, usd_again) = card(&app, "pay", &dollars, Some(SECRET)).await;
    assert_eq!(usd_again, json!({ "code": 12 }));

    // A Kaspi payment after the deadline.
    let (late, late_app) = applicant_with_seat(&app, 3103).await;
    late.press("Kaspi").await;
    let kaspi_order = order_of(&app, late_app, "kaspi").await;
    app.clock.advance(Duration::minutes(61));
    deliver(&app).await;
    assert_eq!(kaspi_pay(&app, &kaspi_order, "7773001", "5640.00").await["result"], 0);

    assert_eq!(
        refunds(&app).await,
        [
            ("duplicate".into(), "card".into(), "1002".into(), 564_000, "KZT".into(), Some(first_app)),
            ("wrong_currency".into(), "card".into(), "1003".into(), 1_250, "USD".into(), Some(other_app)),
            ("late".into(), "kaspi".into(), "7773001".into(), 564_000, "KZT".into(), Some(late_app)),
        ]
    );

    // Staff see them counted and listed, each in his language.
    let admin = app.applicant_fixture(9101, "ru").await;
    admin.send("/stats").await;
    assert!(admin.last_text().contains("к возврату: 3"), "{}", admin.last_text());
    admin.send("/refunds").await;
    let list = admin.last_text();
    assert!(list.starts_with("💸 К возврату: 3"), "{list}");
    assert!(list.contains(&format!("заказ {order}")) && list.contains("повторная оплата"), "{list}");
    assert!(list.contains("12.50 USD") && list.contains("другая валюта"), "{list}");
    assert!(list.contains(&format!("заказ {kaspi_order}")) && list.contains("оплата после срока"), "{list}");
    assert!(list.contains("5\u{a0}640\u{a0}₸"), "{list}");

    let operator = app.applicant_fixture(9102, "kk").await;
    sqlx::query("INSERT INTO staff (telegram_user_id, role) VALUES (9102, 'operator')")
        .execute(app.pool())
        .await
        .unwrap();
    operator.send("/refunds").await;
    let kk = operator.last_text();
    assert!(kk.starts_with("💸 Қайтарылатын төлемдер: 3"), "{kk}");
    assert!(kk.contains("мерзімнен кейін төленді"), "{kk}");
    let audit: Vec<(i64, String)> =
        sqlx::query_as("SELECT actor_id, action FROM audit_log WHERE action = 'refunds' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(audit, [(9101, "refunds".to_string()), (9102, "refunds".to_string())]);

    // An applicant does not even learn that the command exists.
    first.send("/refunds").await;
    assert_eq!(first.last_text(), "Такой команды нет. Подсказка: /help");
}
