//! `/pay/<order>`: the payment provider's side in the sandbox. «Pay» / «Decline» for a card
//! order and «Pay in Kaspi» for a Kaspi order call this server's own `/payments/card/*`
//! (signed as the gateway signs) and `/payments/kaspi` over HTTP, exactly as the providers
//! do, and the page shows each request and answer.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;

use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ApiError, Attached, Sandbox, html_page};
use crate::config::ExposeSecret;
use crate::domain::{ApplicationStatus, Method, PaymentStatus};
use crate::payments::card;

use crate::services::payments::OrderRow as Order;

pub(super) async fn page(
    State(sandbox): State<Sandbox>,
    Path(order): Path<String>,
) -> Result<Response, ApiError> {
    render(sandbox.attached()?, &order, None).await
}

#[derive(Deserialize)]
pub(super) struct PayForm {
    action: String,
}

/// What the provider's side of the sandbox did: each HTTP call to our endpoints.
#[derive(Serialize)]
struct Call {
    request: String,
    status: u16,
    body: String,
    accepted: bool,
}

/// What the page says happened; the template words it.
#[derive(Clone, Copy)]
enum Outcome {
    Paid,
    Declined,
    Refused,
}

impl Outcome {
    fn code(self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::Declined => "declined",
            Outcome::Refused => "refused",
        }
    }
}

pub(super) async fn submit(
    State(sandbox): State<Sandbox>,
    Path(order): Path<String>,
    Form(form): Form<PayForm>,
) -> Result<Response, ApiError> {
    let attached = sandbox.attached()?;
    let Some(found) = crate::services::payments::order_by_number(&attached.ctx, &order).await? else {
        return render(attached, &order, None).await;
    };
    let flow = match (found.method, form.action.as_str()) {
        (Method::Card, "pay") => card_flow(&sandbox, attached, &found, true).await,
        (Method::Card, "decline") => card_flow(&sandbox, attached, &found, false).await,
        (Method::Kaspi, "kaspi") => kaspi_flow(&sandbox, attached, &found).await,
        _ => return Err(ApiError::bad_request("this order is not paid that way")),
    };
    render(attached, &order, Some(flow)).await
}

fn sum(order: &Order) -> String {
    format!("{}.00", order.amount_tenge.tenge())
}

fn random_txn_id() -> String {
    format!("{}", rand::random::<u64>() % 9_000_000_000 + 1_000_000_000)
}

/// The card gateway (TipTop Pay / CloudPayments): `check`, then `pay` or `fail`, each a
/// form POST signed with `Content-HMAC`, stopping when our endpoint refuses.
async fn card_flow(
    sandbox: &Sandbox,
    attached: &Attached,
    order: &Order,
    approve: bool,
) -> (Vec<Call>, Outcome) {
    let now = attached.ctx.clock.now();
    let mut fields: Vec<(&str, String)> = vec![
        ("TransactionId", random_txn_id()),
        ("Amount", sum(order)),
        ("Currency", "KZT".into()),
        ("PaymentAmount", sum(order)),
        ("PaymentCurrency", "KZT".into()),
        ("DateTime", now.format("%Y-%m-%d %H:%M:%S").to_string()),
        ("CardFirstSix", "400000".into()),
        ("CardLastFour", if approve { "0002".into() } else { "0036".into() }),
        ("CardType", "Visa".into()),
        ("CardExpDate", "12/29".into()),
        ("TestMode", "1".into()),
        ("OperationType", "Payment".into()),
        ("InvoiceId", order.order_number.clone()),
        ("AccountId", order.telegram_user_id.to_string()),
        ("Description", "ENT registration fee (sandbox)".into()),
    ];
    let mut calls = Vec::new();
    let check = card_call(sandbox, attached, "check", &fields).await;
    let go_on = check.accepted;
    calls.push(check);
    if !go_on {
        return (calls, Outcome::Refused);
    }
    let (kind, outcome) = if approve {
        fields.push(("Status", "Completed".into()));
        ("pay", Outcome::Paid)
    } else {
        fields.push(("Status", "Declined".into()));
        fields.push(("Reason", "InsufficientFunds".into()));
        fields.push(("ReasonCode", "5051".into()));
        ("fail", Outcome::Declined)
    };
    let call = card_call(sandbox, attached, kind, &fields).await;
    let accepted = call.accepted;
    calls.push(call);
    (calls, if accepted { outcome } else { Outcome::Refused })
}

async fn card_call(sandbox: &Sandbox, attached: &Attached, kind: &str, fields: &[(&str, String)]) -> Call {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let signature = card::sign(attached.ctx.config.payments.card_api_secret.expose_secret(), body.as_bytes());
    let path = format!("/payments/card/{kind}");
    let request = format!("POST {path}\n{}: {signature}\n\n{body}", card::SIGNATURE_HEADER);
    let sent = sandbox
        .inner
        .http
        .post(format!("{}{path}", attached.callbacks_base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(card::SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await;
    finish_call(request, sent, |v| v["code"].as_i64() == Some(0)).await
}

/// Kaspi's biller protocol: `check`, then `pay` with the same transaction, from loopback.
async fn kaspi_flow(sandbox: &Sandbox, attached: &Attached, order: &Order) -> (Vec<Call>, Outcome) {
    let txn_id = random_txn_id();
    let txn_date = attached
        .ctx
        .clock
        .now()
        .with_timezone(&attached.ctx.config.timezone)
        .format("%Y%m%d%H%M%S")
        .to_string();
    let mut calls = Vec::new();
    for command in ["check", "pay"] {
        let mut pairs = vec![("command", command), ("txn_id", &txn_id)];
        if command == "pay" {
            pairs.push(("txn_date", &txn_date));
        }
        let amount = sum(order);
        pairs.extend([("account", order.order_number.as_str()), ("sum", &amount)]);
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let path = format!("/payments/kaspi?{query}");
        let sent = sandbox.inner.http.get(format!("{}{path}", attached.callbacks_base)).send().await;
        let call = finish_call(format!("GET {path}"), sent, |v| v["result"].as_i64() == Some(0)).await;
        let accepted = call.accepted;
        calls.push(call);
        if !accepted {
            return (calls, Outcome::Refused);
        }
    }
    (calls, Outcome::Paid)
}

async fn finish_call(
    request: String,
    sent: Result<reqwest::Response, reqwest::Error>,
    accepted: impl Fn(&Value) -> bool,
) -> Call {
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let ok = status == 200 && serde_json::from_str::<Value>(&body).is_ok_and(|v| accepted(&v));
            Call { request, status, body, accepted: ok }
        }
        Err(e) => Call { request, status: 0, body: format!("request failed: {e}"), accepted: false },
    }
}

/// The order as the page shows it.
#[derive(Serialize)]
struct OrderView {
    number: String,
    /// `card` or `kaspi`: which buttons the page has.
    method: &'static str,
    fee: String,
    application_id: i64,
    application_status: ApplicationStatus,
    /// Local time, `dd.mm.yyyy HH:MM`.
    deadline: String,
    status: PaymentStatus,
}

async fn render(
    attached: &Attached,
    order_number: &str,
    flow: Option<(Vec<Call>, Outcome)>,
) -> Result<Response, ApiError> {
    let ctx = &attached.ctx;
    let Some(order) = crate::services::payments::order_by_number(ctx, order_number).await? else {
        let mut response = html_page("sandbox/payment_not_found.html", context! { order_number })?;
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Ok(response);
    };
    let view = OrderView {
        method: order.method.code(),
        fee: order.amount_tenge.to_string(),
        application_id: order.application_id,
        deadline: order
            .payment_deadline
            .with_timezone(&ctx.config.timezone)
            .format("%d.%m.%Y %H:%M")
            .to_string(),
        number: order.order_number,
        application_status: order.application_status,
        status: order.status,
    };
    let chat = format!("/?user={}", order.telegram_user_id);
    let order = Serde(&view);
    match flow {
        None => html_page("sandbox/payment.html", context! { order, chat }),
        Some((calls, outcome)) => html_page(
            "sandbox/payment.html",
            context! { order, chat, outcome => outcome.code(), calls => Serde(&calls) },
        ),
    }
}
