//! Webhook mode: Telegram POSTs updates to `/telegram/webhook` (with the secret header),
//! so several processes behind a load balancer can share the work. The route feeds a
//! channel that the dispatcher reads like any update listener.

use std::convert::Infallible;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use subtle::ConstantTimeEq;
use teloxide::stop::{StopToken, mk_stop_token};
use teloxide::types::Update;
use teloxide::update_listeners::{StatefulListener, UpdateListener};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

pub const PATH: &str = "/telegram/webhook";
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Clone)]
struct Ingress {
    secret: String,
    tx: mpsc::UnboundedSender<Result<Update, Infallible>>,
}

type Stream = UnboundedReceiverStream<Result<Update, Infallible>>;

fn stream(state: &mut (Stream, StopToken)) -> &mut Stream {
    &mut state.0
}

fn stop_token(state: &mut (Stream, StopToken)) -> StopToken {
    state.1.clone()
}

/// The route to mount and the listener to give the dispatcher.
pub fn listener(secret: String) -> (Router, impl UpdateListener<Err = Infallible>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (token, _flag) = mk_stop_token();
    let router = Router::new().route(PATH, post(receive)).with_state(Ingress { secret, tx });
    let listener = StatefulListener::new((UnboundedReceiverStream::new(rx), token), stream, stop_token);
    (router, listener)
}

async fn receive(State(ingress): State<Ingress>, headers: HeaderMap, body: String) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !bool::from(given.ct_eq(ingress.secret.as_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
    match serde_json::from_str::<Update>(&body) {
        Ok(update) => match ingress.tx.send(Ok(update)) {
            Ok(()) => StatusCode::OK,
            // The dispatcher is gone (shutting down): let Telegram deliver it again later.
            Err(_) => StatusCode::SERVICE_UNAVAILABLE,
        },
        Err(e) => {
            // Answering an error would make Telegram retry the same update forever.
            tracing::warn!(error = %e, "webhook update does not parse; dropped");
            StatusCode::OK
        }
    }
}
