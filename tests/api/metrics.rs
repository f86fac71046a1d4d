//! `/metrics` is not for the internet (security review, finding 15): on the public listener
//! only with `METRICS_TOKEN` as a bearer token; `METRICS_ADDR` serves it on a listener of
//! its own (and then never on the public one).

use reqwest::StatusCode;

use crate::helpers::spawn_app_with;

const TOKEN: &str = "metrics-token-0123456789abcdef";

#[tokio::test]
async fn metrics_are_not_served_publicly_by_default() {
    let app = spawn_app_with(&[]).await;
    let response = reqwest::get(app.http_url("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.unwrap();
    assert!(!body.contains("ent_"), "no figure leaks: {body}");
}

#[tokio::test]
async fn on_the_public_listener_metrics_need_the_token() {
    let app = spawn_app_with(&[("METRICS_TOKEN", TOKEN)]).await;
    let client = reqwest::Client::new();
    for auth in [None, Some("Bearer wrong-token-0123456789abcdef"), Some(TOKEN)] {
        let mut request = client.get(app.http_url("/metrics"));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "with {auth:?}");
        assert!(!response.text().await.unwrap().contains("ent_"));
    }
    let response = client.get(app.http_url("/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("ent_inbox_pending"));
}

#[tokio::test]
async fn metrics_addr_serves_them_on_a_listener_of_their_own() {
    let app = spawn_app_with(&[("METRICS_ADDR", "127.0.0.1:0"), ("METRICS_TOKEN", TOKEN)]).await;
    let client = reqwest::Client::new();
    // Not on the public listener, token or not.
    let public = client.get(app.http_url("/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);

    let addr = app.app.as_ref().unwrap().metrics_addr.expect("a metrics listener");
    let url = format!("http://{addr}/metrics");
    let without = client.get(&url).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED, "the token is asked there too when set");
    let response = client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("ent_inbox_pending"));
    // Nothing else is served there.
    let other = client.get(format!("http://{addr}/payments/kaspi")).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_addr_alone_serves_them_without_a_token() {
    let app = spawn_app_with(&[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let addr = app.app.as_ref().unwrap().metrics_addr.expect("a metrics listener");
    let response = reqwest::get(format!("http://{addr}/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(reqwest::get(app.http_url("/metrics")).await.unwrap().status(), StatusCode::NOT_FOUND);
}
