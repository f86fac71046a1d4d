//! The public axum router: health, payment callbacks, webhook, console, sandbox pages
//! (templated HTML), and metrics only where `METRICS_TOKEN` lets them; `server` serves it.

pub mod app;
pub mod console;
pub mod headers;
pub mod payments;
pub mod sandbox;
pub mod server;
pub mod templates;
pub mod webhook;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::ExposeSecret;
use crate::services::Ctx;

#[derive(Clone)]
struct Ops {
    ctx: Ctx,
    metrics: Option<PrometheusHandle>,
}

/// `metrics`: `/metrics` on this (public) listener, which `app` allows only behind
/// `METRICS_TOKEN` and without `METRICS_ADDR`; `None` answers 404.
pub fn router(ctx: Ctx, metrics: Option<PrometheusHandle>) -> Router {
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
        .with_state(Ops { ctx: ctx.clone(), metrics });
    ops.merge(payments::routes().with_state(ctx.clone()))
        .merge(app::routes().with_state(ctx.clone()))
        .merge(console::routes().with_state(ctx))
}

/// `/metrics` alone, for the private listener on `METRICS_ADDR`.
pub fn metrics_router(ctx: Ctx, metrics: Option<PrometheusHandle>) -> Router {
    Router::new().route("/metrics", get(metrics_page)).with_state(Ops { ctx, metrics })
}

/// 200 when the database answers, the bot is connected to the Bot API, updates can reach
/// it (the webhook is set, or polling works) and no vital task stopped; 503 with the reason otherwise (and while stopping), so a load balancer stops
/// sending here and a supervisor can restart the process.
async fn healthz(State(ops): State<Ops>) -> (StatusCode, String) {
    match readiness(&ops.ctx).await {
        Ok(()) => (StatusCode::OK, "ok".into()),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason.into()),
    }
}

/// Why this process cannot take traffic, if it cannot (`/healthz`, `ent_ready`).
async fn readiness(ctx: &Ctx) -> Result<(), &'static str> {
    let health = &ctx.health;
    if !crate::runtime::health::database_ok(&ctx.db).await {
        return Err("database unavailable");
    }
    if health.stopping() {
        return Err("stopping");
    }
    if health.tasks_down() > 0 {
        return Err("a background task stopped");
    }
    if !health.bot_ready() {
        return Err("not connected to the Bot API yet");
    }
    if let Some(reason) = health.intake().waiting_for() {
        return Err(reason);
    }
    Ok(())
}

/// Prometheus text format. Backlogs are read from the database at scrape time, so every
/// process reports the same figures for the shared queues.
/// With `METRICS_TOKEN` set, only for `Authorization: Bearer <token>` (checked before the
/// two queries, so strangers cannot make the database work either).
async fn metrics_page(State(ops): State<Ops>, headers: HeaderMap) -> impl IntoResponse {
    let Some(handle) = ops.metrics else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain")], String::new())
            .into_response();
    };
    if let Some(token) = &ops.ctx.config.http.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose_secret().as_bytes())) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], String::new())
                .into_response();
        }
    }
    match crate::services::inbox::depth(&ops.ctx).await {
        Ok((pending, parked)) => crate::metrics::inbox_depth(pending, parked),
        Err(e) => tracing::warn!(error = %e, "inbox depth not read"),
    }
    match crate::services::notifications::outbox_backlog(&ops.ctx).await {
        Ok(lanes) => {
            for (lane, backlog) in lanes {
                crate::metrics::outbox_backlog(lane, backlog.pending, backlog.lag_secs);
            }
        }
        Err(e) => tracing::warn!(error = %e, "outbox backlog not read"),
    }
    crate::metrics::ready(readiness(&ops.ctx).await.is_ok());
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
