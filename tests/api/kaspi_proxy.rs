//! Kaspi behind a reverse proxy: `X-Forwarded-For` names the caller only when the direct
//! peer is one of `TRUSTED_PROXIES`; otherwise the header is ignored. Kaspi's protocol has
//! no signature, so these are attacks on the only thing that stands between an applicant
//! and a free seat (security review, finding 1).

use serde_json::Value;

use crate::helpers::TestApp;
use crate::payments::{applicant_with_seat, order_of, spawn, status_of};

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
    let app = spawn(&[
        ("KASPI_ALLOWED_IPS", "10.20.30.40"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("KASPI_ALLOW_LOOPBACK", "false"),
    ])
    .await;
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
    let app = spawn(&[("KASPI_ALLOWED_IPS", "10.20.30.40"), ("KASPI_ALLOW_LOOPBACK", "false")]).await;
    let (user, application) = applicant_with_seat(&app, 3602).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let (status, _) = check_via(&app, &order, Some("10.20.30.40")).await;
    assert_eq!(status, 403, "anyone can write the header");
}

/// What an nginx on the same host sends for an internet caller: loopback peer, his
/// address appended to `X-Forwarded-For`.
async fn pay_via(
    app: &TestApp,
    order: &str,
    forwarded_for: Option<&str>,
    auth: Option<&str>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(app.http_url("/payments/kaspi")).query(&[
        ("command", "pay"),
        ("txn_id", "900002"),
        ("txn_date", "20261222100000"),
        ("account", order),
        ("sum", "5640.00"),
    ]);
    if let Some(chain) = forwarded_for {
        request = request.header("X-Forwarded-For", chain);
    }
    if let Some(basic) = auth {
        request = request.header("Authorization", format!("Basic {basic}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn by_default_nobody_may_pay_not_even_a_same_host_proxy() {
    // The review's attack: no allow-list configured, nginx on the same host relaying an
    // applicant who pays his own order. Before the fix: result 0 and a paid seat.
    let app = spawn(&[("KASPI_ALLOW_LOOPBACK", "false")]).await;
    let (user, application) = applicant_with_seat(&app, 3603).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let (status, answer) = pay_via(&app, &order, Some("203.0.113.9"), None).await;
    assert_eq!(status, 403, "{answer}");
    let (status, _) = pay_via(&app, &order, None, None).await;
    assert_eq!(status, 403);
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    let payments: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payment_callbacks").fetch_one(app.pool()).await.unwrap();
    assert_eq!(payments, 0, "a refused call records nothing");
}

#[tokio::test]
async fn a_trusted_proxy_that_names_no_caller_is_not_the_caller() {
    // Even when the proxy's own address is (wrongly) allowed: without X-Forwarded-For the
    // caller is unknown. Before the fix the proxy stood in for whoever it relayed.
    let app = spawn(&[
        ("KASPI_ALLOW_LOOPBACK", "false"),
        ("KASPI_ALLOWED_IPS", "127.0.0.1, 10.20.30.40"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let (user, application) = applicant_with_seat(&app, 3604).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    assert_eq!(pay_via(&app, &order, None, None).await.0, 403);
    assert_eq!(pay_via(&app, &order, Some(""), None).await.0, 403);
    assert_eq!(pay_via(&app, &order, Some("127.0.0.1"), None).await.0, 403, "only proxies in the chain");
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    let (status, answer) = pay_via(&app, &order, Some("10.20.30.40"), None).await;
    assert_eq!((status, answer["result"].as_i64()), (200, Some(0)), "{answer}");
    assert_eq!(status_of(&app, application).await, "paid");
}

#[tokio::test]
async fn basic_auth_is_a_second_factor_when_configured() {
    use base64::Engine;
    let app = spawn(&[("KASPI_BASIC_AUTH", "kaspi:s3cret-pass")]).await;
    let (user, application) = applicant_with_seat(&app, 3605).await;
    user.press("Kaspi").await;
    let order = order_of(&app, application, "kaspi").await;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    assert_eq!(pay_via(&app, &order, None, None).await.0, 401);
    assert_eq!(pay_via(&app, &order, None, Some(&b64("kaspi:wrong"))).await.0, 401);
    assert_eq!(pay_via(&app, &order, None, Some("not base64!")).await.0, 401);
    assert_eq!(status_of(&app, application).await, "awaiting_payment");
    let (status, answer) = pay_via(&app, &order, None, Some(&b64("kaspi:s3cret-pass"))).await;
    assert_eq!((status, answer["result"].as_i64()), (200, Some(0)), "{answer}");
    assert_eq!(status_of(&app, application).await, "paid");
}
