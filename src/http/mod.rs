//! One axum server: health, payment callbacks, webhook, sandbox pages (templated HTML).

pub mod payments;
pub mod sandbox;
pub mod templates;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::app::Ctx;

pub fn router(ctx: Ctx) -> Router {
    Router::new().route("/healthz", get(healthz)).merge(payments::routes()).with_state(ctx)
}

/// 200 when the database answers.
async fn healthz(State(ctx): State<Ctx>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&ctx.db).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
