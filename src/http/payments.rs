//! Provider callbacks (DESIGN §3): Kaspi's biller protocol and the card gateway's signed
//! notifications. They parse and authenticate; `services::payments` decides.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::payments::Method;
use crate::payments::card::{self, Kind};
use crate::payments::kaspi::{self, Command};
use crate::services::Ctx;
use crate::services::payments as service;

pub fn routes() -> Router<Ctx> {
    Router::new().route("/payments/kaspi", get(kaspi)).route("/payments/card/{kind}", post(card))
}

// ---- Kaspi ----

async fn kaspi(
    State(ctx): State<Ctx>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !kaspi_may_call(&ctx, peer.ip()) {
        tracing::warn!(peer = %peer.ip(), "Kaspi endpoint called from an address not in KASPI_ALLOWED_IPS");
        let answer = json!({ "result": kaspi::result::OTHER, "comment": "forbidden" });
        return (StatusCode::FORBIDDEN, Json(answer)).into_response();
    }
    let req = match kaspi::parse(&params) {
        Ok(req) => req,
        Err(answer) => {
            tracing::warn!(result = answer.result, comment = %answer.comment, "malformed Kaspi request");
            return Json(answer).into_response();
        }
    };
    let answer = match req.command {
        Command::Check => service::check(&ctx, Method::Kaspi, &req.account, req.sum_tiyn)
            .await
            .map(|outcome| serde_json::to_value(kaspi::check_answer(&req, &outcome)).unwrap_or_default()),
        Command::Pay => {
            let request = json!(params);
            service::pay(&ctx, &req.event(), &request, |outcome| {
                serde_json::to_value(kaspi::pay_answer(&req, outcome)).unwrap_or_default()
            })
            .await
        }
    };
    match answer {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => {
            tracing::error!(command = req.command.code(), error = %format!("{e:#}"), "Kaspi callback failed");
            Json(kaspi::temporary(&req.txn_id)).into_response()
        }
    }
}

/// `KASPI_ALLOWED_IPS`, or loopback only when it is empty. The TCP peer is checked: put
/// the proxy's own address there only if the proxy filters Kaspi's addresses itself.
fn kaspi_may_call(ctx: &Ctx, ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    if ctx.config.kaspi_allowed_ips.is_empty() {
        ip.is_loopback()
    } else {
        ctx.config.kaspi_allowed_ips.iter().any(|allowed| allowed.to_canonical() == ip)
    }
}

// ---- card ----

async fn card(State(ctx): State<Ctx>, Path(kind): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(kind) = Kind::from_path(&kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers.get(card::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !card::verify(&ctx.config.card_api_secret, &body, signature) {
        tracing::warn!(kind = kind.code(), "card notification with a bad signature refused");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let n = match card::parse(kind, &body) {
        Ok(n) => n,
        Err(code) => {
            tracing::warn!(kind = kind.code(), code, "malformed card notification");
            return Json(json!({ "code": code })).into_response();
        }
    };
    match card_answer(&ctx, kind, &n).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => {
            // A non-200 makes the gateway send the notification again later.
            tracing::error!(kind = kind.code(), error = %format!("{e:#}"), "card notification failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn card_answer(ctx: &Ctx, kind: Kind, n: &card::Notification) -> anyhow::Result<Value> {
    let request = json!(n.fields);
    match kind {
        // The fee is in tenge: any other currency is the wrong amount. A check stops the
        // payment; a pay reports money already taken, which is owed back.
        Kind::Check if !n.is_tenge() => Ok(json!({ "code": card::code::WRONG_AMOUNT })),
        Kind::Pay if !n.is_tenge() => {
            let event = n.event().ok_or_else(|| anyhow::anyhow!("pay without TransactionId"))?;
            let response = json!({ "code": card::code::WRONG_AMOUNT });
            service::pay_in_other_currency(ctx, &event, &n.currency, &request, &response).await
        }
        Kind::Check => {
            let outcome = service::check(ctx, Method::Card, &n.invoice_id, n.amount_tiyn).await?;
            Ok(json!({ "code": card::check_code(&outcome) }))
        }
        Kind::Pay => {
            let event = n.event().ok_or_else(|| anyhow::anyhow!("pay without TransactionId"))?;
            service::pay(ctx, &event, &request, |outcome| json!({ "code": card::pay_code(outcome) })).await
        }
        Kind::Fail => {
            // The applicant may try another card on the same page: nothing changes here.
            let txn = n.transaction_id.as_deref().unwrap_or_default();
            tracing::info!(reason = n.reason.as_deref().unwrap_or("-"), "card payment declined");
            service::note(ctx, Method::Card, kind.code(), txn, &request, &json!({ "code": card::code::OK }))
                .await
        }
    }
}
