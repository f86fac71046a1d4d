//! Several bot processes on one database: more `App`s beside the `TestApp`'s own, and a
//! load balancer in front of their webhooks that knows nothing about chats — as in a
//! deployment behind nginx. Tests of the update pipeline under crashes and concurrency.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ent_bot::app::{App, Options};

use super::app::{TestApp, TestUser};

/// Tests that run several processes take many connections and both cores: one at a time.
static HEAVY: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub async fn one_heavy_test_at_a_time() -> tokio::sync::SemaphorePermit<'static> {
    HEAVY.acquire().await.expect("never closed")
}

/// Round robin over the backends, one try per request: a dead backend answers 502 and
/// Telegram delivers the update again, as it would behind a real balancer.
#[derive(Clone)]
pub struct LoadBalancer {
    pub addr: SocketAddr,
    backends: Arc<Mutex<Vec<SocketAddr>>>,
}

#[derive(Clone)]
struct Balancing {
    backends: Arc<Mutex<Vec<SocketAddr>>>,
    next: Arc<AtomicUsize>,
    client: reqwest::Client,
}

impl LoadBalancer {
    pub async fn start() -> LoadBalancer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let backends: Arc<Mutex<Vec<SocketAddr>>> = Arc::default();
        let state =
            Balancing { backends: backends.clone(), next: Arc::default(), client: reqwest::Client::new() };
        let router = axum::Router::new()
            .route(ent_bot::http::webhook::PATH, axum::routing::post(forward))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, router).await });
        LoadBalancer { addr, backends }
    }

    /// What `PUBLIC_URL` must be for the webhook to point here.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn set_backends(&self, backends: Vec<SocketAddr>) {
        *self.backends.lock().unwrap() = backends;
    }

    pub fn add_backend(&self, backend: SocketAddr) {
        self.backends.lock().unwrap().push(backend);
    }
}

async fn forward(State(lb): State<Balancing>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let backend = {
        let backends = lb.backends.lock().unwrap();
        if backends.is_empty() {
            return StatusCode::BAD_GATEWAY;
        }
        backends[lb.next.fetch_add(1, Ordering::Relaxed) % backends.len()]
    };
    let mut request = lb
        .client
        .post(format!("http://{backend}{}", ent_bot::http::webhook::PATH))
        .header("content-type", "application/json")
        .body(body);
    if let Some(secret) = headers.get("x-telegram-bot-api-secret-token") {
        request = request.header("x-telegram-bot-api-secret-token", secret);
    }
    match request.send().await {
        Ok(response) => StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}

impl TestApp {
    /// Another process on the same database, emulator and configuration.
    pub async fn spawn_peer(&self) -> App {
        let options = Options {
            clock: Some(self.clock.clone()),
            probe: Some(self.probe.clone()),
            ..Options::default()
        };
        App::build(self.config(), options).await.expect("peer starts")
    }

    /// The onboarding as a person does it, by chat, in Russian; returns him at the main
    /// menu. Unlike `onboarded_user`, safe to run for many users at once.
    pub async fn onboard_by_chat(&self, id: u64) -> TestUser {
        let user = self.user(id, Some("ru"));
        let birth =
            chrono::NaiveDate::from_ymd_opt(2008, 1, 1).unwrap() + chrono::Duration::days((id % 2000) as i64);
        let iin = self.add_person(id, birth, "Серікова", "Айгерім", None).await;
        let email = format!("user{id}@mail.kz");
        user.send("/start").await.press("Русский").await;
        user.send(&email).await;
        let Some(mail) = self.smtp.mails_to(&email).pop() else {
            panic!("no code mailed to user {id}:\n{}", self.emulator.render_transcript(id as i64));
        };
        let code = super::smtp::extract_code(&mail.text).expect("a code in the mail");
        user.send(&code).await;
        user.send(&iin).await;
        let Some(yes) = user.buttons().into_iter().next() else {
            panic!("no Yes button for user {id}:\n{}", self.emulator.render_transcript(id as i64));
        };
        user.press(&yes).await;
        user.tap(&user.keyboard()[0]).await;
        user
    }
}
