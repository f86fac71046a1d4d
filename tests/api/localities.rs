//! Many localities (#21 item 4): a session of 60 localities over five regions, applied as
//! an operator applies a session file; the wizard asks the region first, then the
//! locality, and books a seat there.

use std::fmt::Write;

use crate::helpers::{TestApp, TestUser, spawn_app};

const REGIONS: [(&str, &str, &str); 5] = [
    ("akmola", "Ақмола облысы", "Акмолинская область"),
    ("karaganda", "Қарағанды облысы", "Карагандинская область"),
    ("kostanay", "Қостанай облысы", "Костанайская область"),
    ("pavlodar", "Павлодар облысы", "Павлодарская область"),
    ("north", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область"),
];
const PER_REGION: usize = 12;

/// A session open at the harness clock (2026-12-22) with one venue in each of 60 localities.
fn sixty_localities() -> String {
    let mut s = String::from(
        r#"[campaign]
code = "ent-2027-01"
name = { kk = "ҰБТ — қаңтар 2027", ru = "ЕНТ — январь 2027" }
registration_opens = "2026-12-21T09:00"
registration_closes = "2026-12-30T23:59"
tests_from = "2027-01-10"
tests_until = "2027-01-12"
fee_tenge = 5640
graduation_year = 2027

[[categories]]
code = "graduate"
short = { kk = "Биылғы мектеп бітіруші", ru = "Выпускник школы этого года" }
name = { kk = "Биылғы мектеп бітірушілер", ru = "Выпускники школ этого года" }

[[test_languages]]
code = "ru"
name = { kk = "Орыс тілі", ru = "Русский язык" }

[[subjects]]
code = "math"
name = { kk = "Математика", ru = "Математика" }

[[subjects]]
code = "physics"
name = { kk = "Физика", ru = "Физика" }

[[combinations]]
code = "math_physics"
subjects = ["math", "physics"]

[[slots]]
venue = "*"
dates = ["2027-01-11"]
times = ["09:00"]
capacity = 2
"#,
    );
    for (code, kk, ru) in REGIONS {
        writeln!(s, "\n[[regions]]\ncode = \"{code}\"\nname = {{ kk = \"{kk}\", ru = \"{ru}\" }}").unwrap();
    }
    for n in 1..=REGIONS.len() * PER_REGION {
        let region = REGIONS[(n - 1) / PER_REGION].0;
        writeln!(
            s,
            "\n[[cities]]\ncode = \"p{n}\"\nregion = \"{region}\"\n\
             name = {{ kk = \"Елді мекен {n}\", ru = \"Населённый пункт {n}\" }}\n\n\
             [[venues]]\ncode = \"v{n}\"\ncity = \"p{n}\"\n\
             name = {{ kk = \"№{n} мектеп\", ru = \"Школа №{n}\" }}\n\
             address = {{ kk = \"Орталық к., {n}\", ru = \"ул. Центральная, {n}\" }}"
        )
        .unwrap();
    }
    s
}

async fn apply(app: &TestApp, text: &str) {
    let tz = chrono_tz::Asia::Almaty;
    let session = ent_bot::session::validate::load_str(text, "sixty.toml", std::path::Path::new("."), tz)
        .unwrap_or_else(|p| panic!("{p:?}"));
    let opts = ent_bot::session::Options::default();
    ent_bot::session::apply(app.pool(), &session, opts, app.clock.now(), tz, Some(0), "sixty.toml")
        .await
        .expect("applied");
}

async fn state(app: &TestApp, user: &TestUser) -> serde_json::Value {
    sqlx::query_scalar("SELECT state FROM dialogue_states WHERE chat_id = $1")
        .bind(user.id())
        .fetch_one(app.pool())
        .await
        .unwrap()
}

fn names(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|n| format!("Населённый пункт {n}")).collect()
}

#[tokio::test]
async fn sixty_localities_ask_the_region_first_and_book_a_seat_in_one() {
    let app = spawn_app().await;
    apply(&app, &sixty_localities()).await;
    let user = app.onboarded_user(6001, "Русский").await;

    user.tap("📝 Подать заявление").await;
    assert!(user.last_text().starts_with("Шаг 1/8\n"), "{}", user.transcript());
    user.press("Выпускник школы этого года").await;
    user.press("Русский язык").await;
    user.press("Математика – Физика").await;
    assert!(user.last_text().starts_with("Шаг 4/8\nВыберите регион тестирования"), "{}", user.transcript());
    let regions: Vec<String> = REGIONS.iter().map(|r| r.2.to_string()).collect();
    assert_eq!(user.buttons(), [regions.clone(), vec!["◀️ Назад".into(), "✖️ Отмена".into()]].concat());

    // The region's twelve localities, and none of another region.
    user.press("Карагандинская область").await;
    assert!(user.last_text().starts_with("Шаг 5/8\nВыберите город тестирования"), "{}", user.last_text());
    let waitlist = "⏳ Встать в очередь на место".to_string();
    assert_eq!(
        user.buttons(),
        [names(13..=24), vec![waitlist, "◀️ Назад".into(), "✖️ Отмена".into()]].concat()
    );

    // Back to the regions; another region offers its own localities.
    user.press("◀️ Назад").await;
    assert!(user.last_text().starts_with("Шаг 4/8\n"));
    assert_eq!(state(&app, &user).await["region"], serde_json::Value::Null);
    user.press("Павлодарская область").await;
    assert_eq!(user.buttons()[..PER_REGION], names(37..=48)[..]);
    user.press("Населённый пункт 40").await;
    assert!(
        user.last_text().starts_with("Шаг 6/8\nНаселённый пункт 40: выберите дату."),
        "{}",
        user.last_text()
    );

    // Back from the dates keeps the region: its localities again.
    user.press("◀️ Назад").await;
    assert_eq!(user.buttons()[..PER_REGION], names(37..=48)[..]);
    user.press("Населённый пункт 40").await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    assert!(user.last_text().starts_with("Шаг 7/8\n"));
    let time = user.buttons()[0].clone();
    assert!(time.contains("Школа №40"), "{time}");
    user.press(&time).await;
    assert!(user.last_text().starts_with("Шаг 8/8\n"), "{}", user.last_text());
    assert!(user.last_text().contains("Населённый пункт 40"));
    user.press("✅ Правила прочитаны, подтверждаю").await;

    let (venue, status): (String, String) = sqlx::query_as(
        "SELECT v.code, a.status::text FROM applications a JOIN slots s ON s.id = a.slot_id
         JOIN venues v ON v.id = s.venue_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!((venue.as_str(), status.as_str()), ("v40", "awaiting_payment"));
}

#[tokio::test]
async fn a_region_never_offered_is_a_stale_button() {
    let app = spawn_app().await;
    apply(&app, &sixty_localities()).await;
    // A region with no seats in this campaign: its id exists but is not offered.
    sqlx::query(
        "INSERT INTO regions (code, name_kk, name_ru, sort_order) VALUES ('empty', 'Бос', 'Пусто', 99)",
    )
    .execute(app.pool())
    .await
    .unwrap();
    let empty: i32 = sqlx::query_scalar("SELECT id FROM regions WHERE code = 'empty'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let user = app.onboarded_user(6002, "Русский").await;
    user.tap("📝 Подать заявление").await;
    user.press("Выпускник школы этого года").await;
    user.press("Русский язык").await;
    user.press("Математика – Физика").await;
    let wizard = user.last().message_id;
    let before = state(&app, &user).await;
    let seq = before["seq"].as_u64().unwrap();
    for value in [empty.to_string(), "zz".into()] {
        user.press_data(wizard, &format!("w:{seq}:v:{value}")).await;
        assert_eq!(user.callback_answers().last().unwrap().0, "Эта кнопка уже не действует.");
        assert_eq!(state(&app, &user).await, before);
    }
}
