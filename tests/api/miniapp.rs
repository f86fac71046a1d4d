//! The Mini App (#25 item 2): its API believes only `initData` signed with our bot's token
//! within the hour, answers from the database, and a chosen time continues the wizard in
//! the chat.

use chrono::Duration;
use ent_bot::http::app::init_data;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, spawn_app_with};

const PUBLIC: &str = "https://ent.example.kz/";

async fn app() -> TestApp {
    let app = spawn_app_with(&[("PUBLIC_URL", PUBLIC)]).await;
    app.seed().await;
    app
}

fn token(app: &TestApp) -> String {
    app.emulator.token().to_string()
}

fn signed(app: &TestApp, user: &TestUser) -> String {
    init_data::for_user(user.id(), "Айгерім", "ru", app.clock.now(), &token(app))
}

async fn get(app: &TestApp, path: &str, init: Option<&str>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().get(app.http_url(path));
    if let Some(init) = init {
        req = req.header("Authorization", format!("tma {init}"));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn choose(app: &TestApp, init: &str, slot: i64) -> StatusCode {
    reqwest::Client::new()
        .post(app.http_url("/app/api/choose"))
        .header("Authorization", format!("tma {init}"))
        .json(&json!({ "slot": slot }))
        .send()
        .await
        .unwrap()
        .status()
}

async fn queued_choices(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inbox WHERE update_id < 0").fetch_one(app.pool()).await.unwrap()
}

#[tokio::test]
async fn the_page_is_served_without_any_cdn() {
    let app = app().await;
    let page = reqwest::get(app.http_url("/app/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("/app/app.js") && html.contains("/app/app.css"), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from elsewhere: {html}");
    for asset in ["/app/app.js", "/app/app.css"] {
        let r = reqwest::get(app.http_url(asset)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{asset}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("telegram.org"), "{asset} loads nothing from a CDN");
    }
}

#[tokio::test]
async fn forged_stale_or_foreign_init_data_gets_401_and_changes_nothing() {
    let app = app().await;
    let user = app.applicant_fixture(26_001, "ru").await;
    let slot: i64 =
        sqlx::query_scalar("SELECT id FROM slots WHERE booked < capacity ORDER BY starts_at LIMIT 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let valid = signed(&app, &user);
    let stale =
        init_data::for_user(user.id(), "A", "ru", app.clock.now() - Duration::minutes(61), &token(&app));
    let foreign = init_data::for_user(user.id(), "A", "ru", app.clock.now(), "654321:ANOTHER-BOT");
    let forged = valid.replace(&format!("%22id%22%3A{}", user.id()), "%22id%22%3A26002");
    assert_ne!(forged, valid);
    for (name, init) in
        [("none", None), ("stale", Some(&stale)), ("foreign", Some(&foreign)), ("forged", Some(&forged))]
    {
        let (status, _) = get(&app, "/app/api/start", init.map(String::as_str)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        if let Some(init) = init {
            assert_eq!(choose(&app, init, slot).await, StatusCode::UNAUTHORIZED, "{name}");
        }
    }
    let garbage = reqwest::Client::new()
        .get(app.http_url("/app/api/start"))
        .header("Authorization", "Bearer x")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(queued_choices(&app).await, 0, "nothing reached the chat");
    // Someone who never talked to the bot.
    let stranger = init_data::for_user(999_999, "X", "ru", app.clock.now(), &token(&app));
    assert_eq!(get(&app, "/app/api/start", Some(&stranger)).await.0, StatusCode::UNAUTHORIZED);
    // The valid one passes.
    assert_eq!(get(&app, "/app/api/start", Some(&valid)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_api_answers_what_the_database_holds() {
    let app = app().await;
    let user = app.applicant_fixture(26_101, "kk").await;
    let init = signed(&app, &user);
    let (status, start) = get(&app, "/app/api/start", Some(&init)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(start["locale"], "kk", "the applicant's language, not the client's");
    assert_eq!(start["texts"]["miniapp-search"], "Қаланы іздеу");
    let cities: Vec<(i32, String, i64)> = sqlx::query_as(
        "SELECT ci.id, ci.name_kk, sum(s.capacity - s.booked)::bigint FROM cities ci
         JOIN venues v ON v.city_id = ci.id JOIN slots s ON s.venue_id = v.id
         GROUP BY ci.id ORDER BY ci.sort_order, ci.id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    let listed: Vec<(i32, String, i64)> = start["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap() as i32,
                c["name"].as_str().unwrap().into(),
                c["free"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, cities);

    // A day of the first city, one seat taken meanwhile: the counts follow.
    let city = cities[0].0;
    let (_, days) = get(&app, &format!("/app/api/days?city={city}"), Some(&init)).await;
    let day = days["days"][0].clone();
    let date = day["date"].as_str().unwrap().to_string();
    let (_, slots) = get(&app, &format!("/app/api/slots?city={city}&date={date}"), Some(&init)).await;
    let first = slots["slots"][0].clone();
    let slot = first["id"].as_i64().unwrap();
    let free_before = first["free"].as_i64().unwrap();
    sqlx::query("UPDATE slots SET booked = booked + 1 WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let (_, slots) = get(&app, &format!("/app/api/slots?city={city}&date={date}"), Some(&init)).await;
    assert_eq!(slots["slots"][0]["free"].as_i64().unwrap(), free_before - 1, "live counts");
    let (_, days) = get(&app, &format!("/app/api/days?city={city}"), Some(&init)).await;
    assert_eq!(days["days"][0]["free"].as_i64().unwrap(), day["free"].as_i64().unwrap() - 1);
    let day_total: i64 = slots["slots"].as_array().unwrap().iter().map(|s| s["free"].as_i64().unwrap()).sum();
    assert_eq!(day_total, days["days"][0]["free"].as_i64().unwrap());

    // A full slot cannot be chosen; bad input is refused.
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    assert_eq!(choose(&app, &init, slot).await, StatusCode::CONFLICT);
    assert_eq!(choose(&app, &init, 0).await, StatusCode::CONFLICT);
    assert_eq!(get(&app, "/app/api/days?city=x", Some(&init)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(queued_choices(&app).await, 0);
}

#[tokio::test]
async fn a_time_chosen_in_the_mini_app_continues_the_wizard_in_the_chat() {
    let app = app().await;
    for (id, kk) in [(26_201u64, false), (26_202, true)] {
        let user = app.applicant_fixture(id, if kk { "kk" } else { "ru" }).await;
        if kk {
            user.send("📝 Өтініш беру").await;
            user.press("2027 жылғы мектеп бітіруші").await;
            user.press("Орыс тілі").await;
        } else {
            user.send("📝 Подать заявление").await;
            user.press("Выпускник школы 2027 года").await;
            user.press("Русский язык").await;
        }
        user.press("Физика – Математика").await;
        let open = if kk {
            "📅 Бос орындар күнтізбесі"
        } else {
            "📅 Календарь свободных мест"
        };
        let button = user.last().button(open).cloned().unwrap_or_else(|| panic!("{}", user.transcript()));
        assert_eq!(button.web_app.as_deref(), Some(&*format!("{PUBLIC}app/")));

        let init = signed(&app, &user);
        let slot: i64 = sqlx::query_scalar(
            "SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
             WHERE c.code = 'karaganda' AND s.booked < s.capacity ORDER BY s.starts_at DESC LIMIT 1",
        )
        .fetch_one(app.pool())
        .await
        .unwrap();
        assert_eq!(choose(&app, &init, slot).await, StatusCode::ACCEPTED);
        let summary = if kk {
            "Өтінішті тексеріңіз"
        } else {
            "Проверьте заявление"
        };
        let shown = user.wait_for("the summary", |m| m.text.contains(summary)).await;
        assert!(shown.text.contains(if kk { "Қарағанды" } else { "Караганда" }), "{}", shown.text);
        let confirm = shown.inline_keyboard[0][0].text.clone();
        user.press_on(shown.message_id, &confirm).await;
        let booked: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
             WHERE ap.telegram_user_id = $1 AND a.slot_id = $2 AND a.status = 'awaiting_payment'",
        )
        .bind(user.id())
        .bind(slot)
        .fetch_one(app.pool())
        .await
        .unwrap();
        assert_eq!(booked, 1, "{}", user.transcript());
    }

    // Outside the wizard, a choice is explained and books nothing.
    let idle = app.applicant_fixture(26_203, "ru").await;
    let slot: i64 =
        sqlx::query_scalar("SELECT id FROM slots WHERE booked < capacity ORDER BY starts_at LIMIT 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(choose(&app, &signed(&app, &idle), slot).await, StatusCode::ACCEPTED);
    idle.wait_for("the explanation", |m| m.text.contains("только для подачи заявления")).await;
}
