//! Creating a card payment page at the gateway (TipTop Pay / CloudPayments `orders/create`):
//! POST JSON with Basic auth `public id : API secret`; the answer's `Model.Url` is the
//! page the applicant pays on.

use std::sync::LazyLock;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::config::ExposeSecret;
use crate::domain::Money;

/// One client for the process: it keeps connections to the gateway warm.
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        // The applicant is waiting on a button press; better a clear «try again» than a hang.
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the HTTP client builds")
});

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateOrder<'a> {
    amount: u64,
    currency: &'a str,
    description: &'a str,
    invoice_id: &'a str,
    account_id: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    success: bool,
    message: Option<String>,
    model: Option<Model>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Model {
    url: String,
}

pub struct Order<'a> {
    pub order_number: &'a str,
    pub amount: Money,
    pub description: &'a str,
    pub account_id: &'a str,
}

/// The payment page for the order, from the gateway at `CARD_API_URL`.
pub async fn create_link(config: &Config, base: &url::Url, order: &Order<'_>) -> anyhow::Result<String> {
    let endpoint = with_trailing_slash(base).join("orders/create")?;
    let body = CreateOrder {
        amount: order.amount.tenge(),
        currency: "KZT",
        description: order.description,
        invoice_id: order.order_number,
        account_id: order.account_id,
    };
    let response = CLIENT
        .post(endpoint)
        .basic_auth(&config.payments.card_public_id, Some(config.payments.card_api_secret.expose_secret()))
        .json(&body)
        .send()
        .await
        .context("card gateway unreachable")?;
    let status = response.status();
    if !status.is_success() {
        bail!("card gateway answered HTTP {status}");
    }
    let answer: Answer = response.json().await.context("card gateway answer is not the expected JSON")?;
    match (answer.success, answer.model) {
        (true, Some(model)) if model.url.starts_with("https://") || model.url.starts_with("http://") => {
            Ok(model.url)
        }
        (true, _) => bail!("card gateway answered without a payment URL"),
        (false, _) => bail!("card gateway refused the order: {}", answer.message.unwrap_or_default()),
    }
}

/// The sandbox's own payment page, `{PUBLIC_URL}/pay/<order>`.
pub fn sandbox_link(public_url: &url::Url, order_number: &str) -> String {
    with_trailing_slash(public_url)
        .join(&format!("pay/{order_number}"))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("{public_url}/pay/{order_number}"))
}

/// `Url::join` replaces the last path segment unless the base ends with a slash.
fn with_trailing_slash(u: &url::Url) -> url::Url {
    let mut u = u.clone();
    if !u.path().ends_with('/') {
        let path = format!("{}/", u.path());
        u.set_path(&path);
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_links_keep_the_public_path() {
        let u: url::Url = "https://ent.example.kz/bot".parse().unwrap();
        assert_eq!(sandbox_link(&u, "123"), "https://ent.example.kz/bot/pay/123");
        let u: url::Url = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(sandbox_link(&u, "123"), "http://127.0.0.1:8080/pay/123");
    }
}
