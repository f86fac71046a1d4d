//! An order number belongs to one payment method: Kaspi cannot check or settle a card
//! order, nor the card gateway a Kaspi order. A card payment that went through anyway is
//! not applied; it is owed back.

use serde_json::json;

use crate::payments::{
    SECRET, applicant_with_seat, card, card_fields, kaspi_check, kaspi_pay, order_of, payment_status, spawn,
    status_of,
};

#[tokio::test]
async fn an_order_is_paid_only_by_the_method_it_was_made_for() {
    let app = spawn(&[]).await;
    let (user, application) = applicant_with_seat(&app, 3201).await;
    let options = user.last().message_id;
    user.press("💳 Банковская карта").await;
    let card_order = order_of(&app, application, "card").await;

    assert_eq!(kaspi_check(&app, &card_order, "5640.00").await["result"], 5, "unknown to Kaspi");
    assert_eq!(kaspi_pay(&app, &card_order, "7772001", "5640.00").await["result"], 5);
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(payment_status(&app, &card_order).await, "pending");

    user.press_on(options, "Kaspi").await;
    let kaspi_order = order_of(&app, application, "kaspi").await;
    let (_, check) = card(&app, "check", &card_fields(&kaspi_order, "5640.00", "2001"), Some(SECRET)).await;
    assert_eq!(check, json!({ "code": 10 }), "unknown to the card gateway");
    let (_, pay) = card(&app, "pay", &card_fields(&kaspi_order, "5640.00", "2002"), Some(SECRET)).await;
    assert_eq!(pay, json!({ "code": 10 }));
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    assert_eq!(payment_status(&app, &kaspi_order).await, "pending");
    let owed: Vec<(String, String, String)> =
        sqlx::query_as("SELECT reason, provider::text, order_number FROM refunds ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(owed, [("method_mismatch".to_string(), "card".to_string(), kaspi_order.clone())]);

    // Each order still works with its own method, and records which one paid.
    assert_eq!(kaspi_check(&app, &kaspi_order, "5640.00").await["result"], 0);
    assert_eq!(kaspi_pay(&app, &kaspi_order, "7772002", "5640.00").await["result"], 0);
    assert_eq!(status_of(&app, application).await, "paid");
    let method: String =
        sqlx::query_scalar("SELECT method::text FROM payments WHERE application_id = $1 AND status = 'paid'")
            .bind(application)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(method, "kaspi");
}
