//! The other 2026 rules: late registration for a valid reason (an admin's window for one
//! IIN) and participant categories named by graduation year.

use crate::helpers::{TestApp, TestUser, spawn_app_with};

async fn iin_of(app: &TestApp, user: &TestUser) -> String {
    sqlx::query_scalar("SELECT iin::text FROM applicants WHERE telegram_user_id = $1")
        .bind(user.id())
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn applications(app: &TestApp, user: &TestUser) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT a.status::text FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
         WHERE ap.telegram_user_id = $1",
    )
    .bind(user.id())
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// Walks the wizard to the summary and confirms (Russian interface, category by its label).
async fn apply(user: &TestUser, category: &str) {
    user.send("📝 Подать заявление").await;
    user.press(category)
        .await
        .press("Русский язык")
        .await
        .press("Физика – Математика")
        .await
        .press("Алматы")
        .await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    let time = user.buttons()[0].clone();
    user.press(&time).await.press("✅ Правила прочитаны, подтверждаю").await;
}

#[tokio::test]
async fn an_admins_window_lets_one_iin_apply_after_registration_closed_and_nobody_else() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9801")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9801, "kk").await;
    let operator = app.applicant_fixture(9802, "ru").await;
    sqlx::query("INSERT INTO staff (telegram_user_id, role) VALUES (9802, 'operator')")
        .execute(app.pool())
        .await
        .unwrap();
    let ill = app.applicant_fixture(7801, "ru").await;
    let other = app.applicant_fixture(7802, "ru").await;
    // Registration closed an hour ago; tests are still ahead.
    sqlx::query("UPDATE campaigns SET registration_closes_at = $1 - interval '1 hour'")
        .bind(app.clock.now())
        .execute(app.pool())
        .await
        .unwrap();
    ill.send("📝 Подать заявление").await;
    assert_eq!(ill.last_text(), "Приём заявлений завершён.");

    let iin = iin_of(&app, &ill).await;
    // Bad input changes nothing.
    admin.send("/latereg 123 24").await;
    assert!(admin.last_text().starts_with("Қолданылуы: /latereg"), "{}", admin.last_text());
    admin.send(&format!("/latereg {iin} 0")).await;
    assert_eq!(admin.last_text(), "Сағат саны 1-ден 720-ке дейін болуы керек.");
    operator.send(&format!("/latereg {iin} 24")).await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");
    let windows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM late_registrations").fetch_one(app.pool()).await.unwrap();
    assert_eq!(windows, 0);

    admin.send(&format!("/latereg {iin} 24")).await;
    let masked = format!("{}******{}", &iin[..4], &iin[10..]);
    assert!(
        admin.last_text().starts_with(&format!("{masked} ЖСН «"))
            && admin.last_text().contains("дейін өтініш бере алады"),
        "{}",
        admin.last_text()
    );
    assert!(!admin.last_text().contains(&iin), "the IIN is masked in the answer");

    apply(&ill, "Выпускник школы 2027 года").await;
    assert!(ill.transcript().contains("принято ✅"), "{}", ill.transcript());
    assert_eq!(applications(&app, &ill).await, ["awaiting_payment"]);
    other.send("📝 Подать заявление").await;
    assert_eq!(other.last_text(), "Приём заявлений завершён.");
    assert!(applications(&app, &other).await.is_empty());

    // The window ends when it ends.
    app.clock.set(app.clock.now() + chrono::Duration::hours(25));
    let (status, details): (String, serde_json::Value) =
        sqlx::query_as("SELECT action, details FROM audit_log WHERE action = 'late_registration.grant'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(status, "late_registration.grant");
    assert_eq!(details["iin"], masked.as_str());
    assert_eq!(details["hours"], 24);
    sqlx::query("UPDATE applications SET status = 'cancelled', closed_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
    ill.send("📝 Подать заявление").await;
    assert_eq!(ill.last_text(), "Приём заявлений завершён.");
}

#[tokio::test]
async fn categories_carry_the_campaigns_graduation_year_and_the_help_names_it() {
    let app = spawn_app_with(&[]).await;
    app.seed().await;
    // As the session file stores them: the year is a placeholder.
    sqlx::query(
        "UPDATE categories SET short_ru = 'Выпускник школы { $year } года', short_kk = '{ $year } жылғы мектеп бітіруші',
                               name_ru = 'Выпускники организаций среднего образования { $year } года',
                               name_kk = '{$year} жылғы орта білім беру ұйымдарының түлектері'
         WHERE code = 'graduate'",
    )
    .execute(app.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE campaigns SET graduation_year = 2027").execute(app.pool()).await.unwrap();
    let ru = app.applicant_fixture(7811, "ru").await;
    ru.send("📝 Подать заявление").await;
    assert!(ru.buttons().contains(&"Выпускник школы 2027 года".to_string()), "{:?}", ru.buttons());
    ru.press("ℹ️ Подробнее о категориях").await;
    assert!(
        ru.last_text().contains("Выпускники организаций среднего образования 2027 года"),
        "{}",
        ru.last_text()
    );
    ru.send("/help").await;
    let help = &ru.messages()[ru.messages().len() - 2].text;
    assert!(
        help.contains("Оканчиваете школу в 2027 году — «Выпускник школы 2027 года»")
            && help.contains("Окончили её в 2026 году или раньше — «Выпускник школы прошлых лет»"),
        "{help}"
    );

    // Without a stored year: registration closing in December is for next year's leavers.
    sqlx::query("UPDATE campaigns SET graduation_year = NULL").execute(app.pool()).await.unwrap();
    let kk = app.applicant_fixture(7812, "kk").await;
    kk.send("📝 Өтініш беру").await;
    assert!(kk.buttons().contains(&"2027 жылғы мектеп бітіруші".to_string()), "{:?}", kk.buttons());
    kk.press("2027 жылғы мектеп бітіруші").await;
    kk.send("/cancel").await;
    // The summary and «My applications» show the label with the year too.
    ru.send("/cancel").await;
    apply(&ru, "Выпускник школы 2027 года").await;
    ru.send("📋 Мои заявления").await;
    let id: i64 = sqlx::query_scalar("SELECT max(id) FROM applications").fetch_one(app.pool()).await.unwrap();
    ru.press(&format!("№{id} подробнее")).await;
    assert!(ru.last_text().contains("Категория: Выпускник школы 2027 года"), "{}", ru.last_text());

    // The attendance list prints the full wording with the year.
    sqlx::query("UPDATE applications SET status = 'paid', paid_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
    use ent_bot::services::export::{self, Format, Request};
    let code: String = sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap();
    let tz = chrono_tz::Asia::Almaty;
    let req = Request { campaign_code: Some(code), ..Request::default() };
    let out = export::prepare(app.pool(), tz, &req, Format::Csv).await.unwrap();
    let mut bytes = Vec::new();
    let i18n = std::sync::Arc::new(ent_bot::i18n::I18n::load().unwrap());
    out.write_to(app.pool().clone(), i18n, tz, ent_bot::i18n::Locale::Ru, &mut bytes).await.unwrap();
    let csv = String::from_utf8(bytes).unwrap();
    assert!(csv.contains("Выпускники организаций среднего образования 2027 года"), "{csv}");
    assert!(!csv.contains("$year"), "{csv}");
}
