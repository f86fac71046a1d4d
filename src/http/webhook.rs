//! Webhook mode: Telegram POSTs each update here (with the secret header). The answer is
//! 200 only once the update is committed to the inbox, so an update acknowledged is never
//! lost; any process behind the load balancer may take it, because handling reads from
//! the inbox. While shutting down, or when the database does not answer, the answer is
//! 503 and Telegram delivers the update again (to this or another process).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use subtle::ConstantTimeEq;

use crate::runtime::shutdown::Shutdown;
use crate::services::{Ctx, inbox};

pub use crate::config::WEBHOOK_PATH as PATH;
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Clone)]
struct Intake {
    queue: inbox::IntakeQueue,
    secret: String,
    shutdown: Shutdown,
}

pub fn routes(ctx: Ctx, secret: String, shutdown: Shutdown) -> Router {
    let queue = inbox::IntakeQueue::start(ctx);
    Router::new().route(PATH, post(receive)).with_state(Intake { queue, secret, shutdown })
}

#[tracing::instrument(skip_all)]
async fn receive(State(intake): State<Intake>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !bool::from(given.ct_eq(intake.secret.as_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
    if intake.shutdown.is_triggered() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Some(update) = serde_json::from_slice(&body).ok().and_then(|v| inbox::describe(&v)) else {
        // Answering an error would make Telegram retry the same update forever.
        tracing::warn!(bytes = body.len(), "webhook body is not an update; dropped");
        return StatusCode::OK;
    };
    if intake.queue.store(update).await { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
}
