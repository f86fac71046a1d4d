//! Looking up IINs reveals full names: an account gets 10 lookups an hour (unknown IINs
//! count too), then a polite answer in its language until the hour has passed.

use chrono::{Duration, NaiveDate};
use ent_bot::domain::{Iin, Sex};

use crate::helpers::{TestApp, TestUser, spawn_app};

/// A user who confirmed his email and is asked for his IIN.
async fn at_iin_step(app: &TestApp, id: u64, language: &str) -> TestUser {
    let user = app.user(id, None);
    let email = format!("limit{id}@mail.kz");
    user.send("/start").await.press(language).await;
    user.send(&email).await;
    let code = app.smtp.last_code_for(&email);
    user.send(&code).await;
    user
}

/// Valid IINs that are not in the registry.
fn strangers(n: usize) -> Vec<String> {
    let birth = NaiveDate::from_ymd_opt(2007, 5, 20).unwrap();
    (5000..6000u16)
        .filter_map(|s| Iin::from_parts(birth, Sex::Male, s))
        .take(n)
        .map(|i| i.as_str().to_string())
        .collect()
}

#[tokio::test]
async fn ten_lookups_an_hour_then_a_polite_refusal_in_both_languages() {
    let app = spawn_app().await;
    let own = app
        .add_person(3701, NaiveDate::from_ymd_opt(2008, 3, 15).unwrap(), "Серікова", "Айгерім", None)
        .await;

    let ru = at_iin_step(&app, 3701, "Русский").await;
    for iin in strangers(10) {
        ru.send(&iin).await;
        assert!(ru.last_text().starts_with("Такого ИИН нет в реестре"), "{}", ru.last_text());
    }
    ru.send(&own).await;
    assert_eq!(
        ru.last_text(),
        "Слишком много проверок ИИН за час. Попробуйте снова через 60 мин. Если нужна помощь, напишите в поддержку: support@ent.test"
    );
    // A malformed IIN is answered as before: it never reaches the registry.
    ru.send("12345").await;
    assert_eq!(ru.last_text(), "В ИИН 12 цифр. Проверьте и напишите ещё раз.");

    app.clock.advance(Duration::minutes(61));
    ru.send(&own).await;
    assert!(ru.last_text().starts_with("Это вы?"), "{}", ru.last_text());

    let kk = at_iin_step(&app, 3702, "Қазақша").await;
    for iin in strangers(10) {
        kk.send(&iin).await;
    }
    kk.send(&own).await;
    assert!(kk.last_text().starts_with("Бір сағатта ЖСН тым көп тексерілді."), "{}", kk.last_text());
}
