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

use crate::config::ExposeSecret;
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
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let caller = caller(&ctx.config.http.trusted_proxies, peer.ip(), &headers);
    if !caller.is_some_and(|ip| kaspi_may_call(&ctx.config, ip)) {
        let caller =
            caller.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown (no usable X-Forwarded-For)".into());
        tracing::warn!(peer = %peer.ip(), %caller, "Kaspi endpoint called from an address not allowed by KASPI_ALLOWED_IPS");
        crate::metrics::payment_callback("kaspi", "refused");
        let answer = json!({ "result": kaspi::result::OTHER, "comment": "forbidden" });
        return (StatusCode::FORBIDDEN, Json(answer)).into_response();
    }
    if let Some(expected) = &ctx.config.payments.kaspi_basic_auth
        && !basic_auth_matches(expected.expose_secret(), &headers)
    {
        tracing::warn!(peer = %peer.ip(), "Kaspi endpoint called without the right KASPI_BASIC_AUTH");
        crate::metrics::payment_callback("kaspi", "refused");
        let answer = json!({ "result": kaspi::result::OTHER, "comment": "unauthorized" });
        let challenge = [(axum::http::header::WWW_AUTHENTICATE, "Basic realm=\"kaspi\"")];
        return (StatusCode::UNAUTHORIZED, challenge, Json(answer)).into_response();
    }
    let req = match kaspi::parse(&params) {
        Ok(req) => req,
        Err(answer) => {
            tracing::warn!(result = answer.result, comment = %answer.comment, "malformed Kaspi request");
            crate::metrics::payment_callback("kaspi", "malformed");
            return Json(answer).into_response();
        }
    };
    let answer = match req.command {
        Command::Check => service::check(&ctx, Method::Kaspi, &req.account, req.sum_tiyn)
            .await
            .map(|outcome| serde_json::to_value(kaspi::check_answer(&req, &outcome)).unwrap_or_default()),
        Command::Pay => {
            let request = kaspi::record(&params);
            service::pay(&ctx, &req.event(), &request, |outcome| {
                serde_json::to_value(kaspi::pay_answer(&req, outcome)).unwrap_or_default()
            })
            .await
        }
    };
    match answer {
        Ok(answer) => {
            crate::metrics::payment_callback("kaspi", "ok");
            Json(answer).into_response()
        }
        Err(e) => {
            crate::metrics::payment_callback("kaspi", "error");
            tracing::error!(command = req.command.code(), error = %format!("{e:#}"), "Kaspi callback failed");
            Json(kaspi::temporary(&req.txn_id)).into_response()
        }
    }
}

/// Who is calling: the TCP peer, unless the peer is one of `TRUSTED_PROXIES`; then
/// `X-Forwarded-For` is read from the right (each proxy appends the address it saw) and
/// the first address that is not a trusted proxy is the caller. Entries left of it were
/// written by the caller himself and are never believed. `None` (nobody may be believed)
/// when an entry that must be read is not an address, or when a trusted proxy names no
/// caller: the proxy's own address would stand for everyone it relays.
pub fn caller(trusted: &[IpAddr], peer: IpAddr, headers: &HeaderMap) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.to_canonical() == ip);
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in forwarded.iter().rev() {
        let ip = entry
            .parse::<IpAddr>()
            .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
            .ok()?
            .to_canonical();
        if !is_trusted(ip) {
            return Some(ip);
        }
    }
    None
}

/// Kaspi's protocol carries no signature: the caller's address is its authentication.
/// Only `KASPI_ALLOWED_IPS`, and loopback only when `KASPI_ALLOW_LOOPBACK` says so.
fn kaspi_may_call(config: &crate::config::Config, ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    config.payments.kaspi_allowed_ips.iter().any(|allowed| allowed.to_canonical() == ip)
        || (config.payments.kaspi_allow_loopback && ip.is_loopback())
}

/// `Authorization: Basic base64(user:password)` equal to `KASPI_BASIC_AUTH`, compared in
/// constant time.
fn basic_auth_matches(expected: &str, headers: &HeaderMap) -> bool {
    use base64::Engine;
    use subtle::ConstantTimeEq;
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
        .unwrap_or_default();
    bool::from(given.ct_eq(expected.as_bytes()))
}

// ---- card ----

async fn card(State(ctx): State<Ctx>, Path(kind): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(kind) = Kind::from_path(&kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers.get(card::SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !card::verify(ctx.config.payments.card_api_secret.expose_secret(), &body, signature) {
        tracing::warn!(kind = kind.code(), "card notification with a bad signature refused");
        crate::metrics::payment_callback("card", "refused");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let n = match card::parse(kind, &body) {
        Ok(n) => n,
        Err(code) => {
            tracing::warn!(kind = kind.code(), code, "malformed card notification");
            crate::metrics::payment_callback("card", "malformed");
            return Json(json!({ "code": code })).into_response();
        }
    };
    match card_answer(&ctx, kind, &n).await {
        Ok(answer) => {
            crate::metrics::payment_callback("card", "ok");
            Json(answer).into_response()
        }
        Err(e) => {
            crate::metrics::payment_callback("card", "error");
            // A non-200 makes the gateway send the notification again later.
            tracing::error!(kind = kind.code(), error = %format!("{e:#}"), "card notification failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn card_answer(ctx: &Ctx, kind: Kind, n: &card::Notification) -> anyhow::Result<Value> {
    let request = n.record();
    match kind {
        // The fee is in tenge: any other currency is the wrong amount. A check stops the
        // payment; a pay reports money already taken, which is owed back.
        Kind::Check if !n.is_tenge() => Ok(json!({ "code": card::code::WRONG_AMOUNT })),
        // Held, refunded or test money is not a payment: recorded, never applied, and
        // acknowledged with code 0 so the gateway does not repeat it for days.
        Kind::Pay if let Some(why) = n.not_money(ctx.config.payments.card_test_payments) => {
            let txn = n.transaction_id.as_deref().unwrap_or_default();
            tracing::warn!(
                txn,
                reason = why.code(),
                status = n.status.as_deref().unwrap_or("-"),
                operation = n.operation_type.as_deref().unwrap_or("-"),
                test_mode = n.test_mode,
                "card Pay notification that is not a completed real payment: recorded, nothing marked paid"
            );
            let accepted = json!({ "code": card::code::OK });
            service::note(ctx, Method::Card, "pay_unsettled", txn, &request, &accepted).await
        }
        Kind::Pay if !n.is_tenge() => {
            let event = n.event().ok_or_else(|| anyhow::anyhow!("pay without TransactionId"))?;
            let response = json!({ "code": card::code::WRONG_AMOUNT });
            service::pay_in_other_currency(ctx, &event, &n.currency, &request, &response).await
        }
        // A test card on a terminal that should take real money: stopped before it "pays".
        Kind::Check if n.test_mode && !ctx.config.payments.card_test_payments => {
            tracing::warn!("card Check in test mode refused (CARD_TEST_PAYMENTS is off)");
            Ok(json!({ "code": card::code::NOT_PAYABLE }))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(chain: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in chain {
            h.append("x-forwarded-for", c.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let kaspi: IpAddr = "194.187.247.152".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // No trusted proxies: the peer, whatever the header says.
        assert_eq!(caller(&[], proxy, &forwarded(&["194.187.247.152"])), Some(proxy));
        // Behind the proxy: the address it appended.
        assert_eq!(caller(&[proxy], proxy, &forwarded(&["194.187.247.152"])), Some(kaspi));
        // A forged entry on the left is never reached.
        assert_eq!(
            caller(&[proxy], proxy, &forwarded(&["194.187.247.152, 203.0.113.7"])),
            Some(ip("203.0.113.7"))
        );
        // Two proxies in a row, header lines split, a port and an IPv4-mapped address.
        let two = [proxy, ip("10.0.0.3")];
        let h = forwarded(&["203.0.113.7", "194.187.247.152:443, ::ffff:10.0.0.3"]);
        assert_eq!(caller(&two, proxy, &h), Some(kaspi));
        // No header, or only proxies in it: nobody, never the proxy (which relays everyone).
        assert_eq!(caller(&[proxy], proxy, &HeaderMap::new()), None);
        assert_eq!(caller(&two, proxy, &forwarded(&["10.0.0.3"])), None);
        // Garbage: nobody.
        assert_eq!(caller(&[proxy], proxy, &forwarded(&["kaspi.kz"])), None);
    }
}
