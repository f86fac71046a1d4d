//! Kaspi behind a reverse proxy: `X-Forwarded-For` names the caller only when the direct
//! peer is one of `TRUSTED_PROXIES`; otherwise the header is ignored.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::payments::{applicant_with_seat, order_of, spawn};

async fn check_via(app: &TestApp, order: &str, forwarded_for: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(app.http_url("/payments/kaspi")).query(&[
        ("command", "check"),
        ("txn_id", "5550101"),
        ("account", order),
        ("sum", "5640.00"),
    ]);
    if let Some(chain) = forwarded_for {
        request = request.header("X-Forwarded-For", chain);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_checked() {
    let app = spawn(&[("KASPI_ALLOWED_IPS", "10.20.30.40"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let (user, application) = applicant_with_seat(&app, 3601).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;

    let (status, answer) = check_via(&app, &order, Some("10.20.30.40")).await;
    assert_eq!((status, answer["result"].as_i64()), (200, Some(0)), "{answer}");
    // A caller who writes the allowed address himself: the proxy appends the real one.
    let (status, _) = check_via(&app, &order, Some("10.20.30.40, 203.0.113.7")).await;
    assert_eq!(status, 403);
    // The proxy itself is not Kaspi.
    let (status, _) = check_via(&app, &order, None).await;
    assert_eq!(status, 403);
    let (status, _) = check_via(&app, &order, Some("not an address")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn without_trusted_proxies_the_header_is_ignored() {
    let app = spawn(&[("KASPI_ALLOWED_IPS", "10.20.30.40")]).await;
    let (user, application) = applicant_with_seat(&app, 3602).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let (status, _) = check_via(&app, &order, Some("10.20.30.40")).await;
    assert_eq!(status, 403, "anyone can write the header");
}
