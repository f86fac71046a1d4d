//! Staff commands, notifications pushed from PostgreSQL, broadcasts.

use std::time::Duration;

use crate::helpers::{TestApp, TestUser, spawn_app_with};

const ADMIN: u64 = 9001;

async fn scalar<T>(app: &TestApp, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

async fn admin_app() -> (TestApp, TestUser) {
    let app = spawn_app_with(&[("ADMIN_IDS", "9001")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(ADMIN, "ru").await;
    (app, admin)
}

/// A fixture applicant with a paid application in the first Almaty slot.
async fn paid_applicant(app: &TestApp, id: u64, locale: &str) -> (TestUser, i64) {
    let user = app.applicant_fixture(id, locale).await;
    let application: i64 = sqlx::query_scalar(
        "INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                                   status, payment_deadline, paid_at)
         SELECT ap.id, c.id, (SELECT min(id) FROM categories), 'ru', (SELECT min(id) FROM subject_combinations),
                (SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities ci ON ci.id = v.city_id
                 WHERE ci.code = 'almaty' ORDER BY s.starts_at, v.id LIMIT 1),
                'paid', now(), now()
         FROM applicants ap, campaigns c WHERE ap.telegram_user_id = $1
         RETURNING id",
    )
    .bind(id as i64)
    .fetch_one(app.pool())
    .await
    .unwrap();
    sqlx::query(
        "UPDATE slots SET booked = booked + 1 WHERE id = (SELECT slot_id FROM applications WHERE id = $1)",
    )
    .bind(application)
    .execute(app.pool())
    .await
    .unwrap();
    (user, application)
}

#[tokio::test]
async fn every_staff_command_is_unknown_to_an_applicant() {
    let (app, _admin) = admin_app().await;
    let (user, application) = paid_applicant(&app, 7001, "ru").await;
    let commands = [
        "/find 080315600016".to_string(),
        "/stats".into(),
        "/slots".into(),
        "/markpaid 1234567890".into(),
        format!("/noshow {application}"),
        "/refunds".into(),
        "/closedb".into(),
        "/notify all hello".into(),
        "/broadcast".into(),
        "/staff add 7001 admin".into(),
    ];
    for command in commands {
        user.send(&command).await;
        assert_eq!(user.last_text(), "Такой команды нет. Подсказка: /help", "for {command}");
    }
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM audit_log").await, 0);
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "paid");
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM staff WHERE telegram_user_id = 7001").await, 0);
    assert_eq!(
        scalar::<i64>(&app, "SELECT count(*) FROM campaigns WHERE database_closed_at IS NOT NULL").await,
        0
    );
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn roles_admins_add_operators_who_cannot_run_admin_commands() {
    let (app, admin) = admin_app().await;
    let operator = app.applicant_fixture(9002, "ru").await;

    admin.send("/staff add 9002 operator").await;
    assert_eq!(admin.last_text(), "Пользователь 9002 добавлен: оператор.");
    let menu = app.emulator.commands("chat:9002", Some("ru")).expect("a staff menu in the operator's chat");
    assert!(menu.iter().any(|(c, _)| c == "find"));

    operator.send("/stats").await;
    assert!(operator.last_text().starts_with("📊 "), "{}", operator.last_text());
    // The admin wrote only after the bot started: /start gives him the staff menu.
    assert!(app.emulator.commands("chat:9001", Some("ru")).is_none());
    admin.send("/start").await;
    let admin_menu = app.emulator.commands("chat:9001", Some("ru")).expect("the staff menu after /start");
    assert!(admin_menu.iter().any(|(c, _)| c == "broadcast"));
    operator.send("/closedb").await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");
    operator.send("/staff add 9003 admin").await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");

    admin.send("/staff remove 9002").await;
    assert_eq!(admin.last_text(), "Пользователь 9002 удалён из списка сотрудников.");
    operator.send("/stats").await;
    assert_eq!(operator.last_text(), "Такой команды нет. Подсказка: /help");
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(app.pool()).await.unwrap();
    assert_eq!(actions, ["staff.add", "staff.remove"]);
}

#[tokio::test]
async fn find_stats_and_slots() {
    let (app, admin) = admin_app().await;
    let (_user, application) = paid_applicant(&app, 7002, "kk").await;
    let (iin, email): (String, String) =
        sqlx::query_as("SELECT iin::text, email FROM applicants WHERE telegram_user_id = 7002")
            .fetch_one(app.pool())
            .await
            .unwrap();

    sqlx::query(
        "INSERT INTO payments (application_id, order_number, method, amount_tenge, status, paid_at)
         VALUES ($1, '123456789012', 'kaspi', 5640, 'paid', now())",
    )
    .bind(application)
    .execute(app.pool())
    .await
    .unwrap();
    for query in [iin.clone(), email.to_uppercase(), application.to_string()] {
        admin.send(&format!("/find {query}")).await;
        let text = admin.last_text();
        assert!(text.starts_with("👤 Тестов Тест"), "{query}: {text}");
        assert!(text.contains(&format!("№{application} · ✅ Оплачено")), "{text}");
        // Codes are translated, not shown raw.
        assert!(text.contains("💳 123456789012 · Kaspi · 5\u{a0}640\u{a0}₸ · оплачен"), "{text}");
    }
    admin.send("/find nobody@nowhere.kz").await;
    assert_eq!(admin.last_text(), "Ничего не найдено.");
    admin.send("/find").await;
    assert!(admin.last_text().starts_with("Использование: /find"));

    admin.send("/stats").await;
    assert!(admin.last_text().contains("оплачены 1"), "{}", admin.last_text());
    admin.send("/slots").await;
    assert!(admin.last_text().starts_with("🗓 Свободные места"));
    assert!(admin.last_text().lines().count() > 5);
}

#[tokio::test]
async fn a_no_show_bans_a_new_application_in_the_campaign() {
    let (app, admin) = admin_app().await;
    let (user, application) = paid_applicant(&app, 7003, "ru").await;
    // His test (on an early day of the session) began an hour ago; registration is open still.
    sqlx::query(
        "WITH past AS (
             INSERT INTO slots (campaign_id, venue_id, starts_at, capacity, booked)
             SELECT campaign_id, venue_id, $2 - interval '1 hour', 10, 1 FROM slots
             WHERE id = (SELECT slot_id FROM applications WHERE id = $1)
             RETURNING id
         )
         UPDATE applications SET slot_id = (SELECT id FROM past) WHERE id = $1",
    )
    .bind(application)
    .bind(app.clock.now())
    .execute(app.pool())
    .await
    .unwrap();

    admin.send(&format!("/noshow {application}")).await;
    assert_eq!(admin.last_text(), format!("Заявление №{application} отмечено как неявка."));
    user.wait_for("the no-show notice", |m| m.text.starts_with("Вы не пришли на тестирование по заявлению"))
        .await;
    admin.send(&format!("/noshow {application}")).await;
    assert!(admin.last_text().contains("нельзя отметить"));
    admin.send("/noshow abc").await;
    assert!(admin.last_text().starts_with("Использование: /noshow"));

    user.send("📝 Подать заявление").await;
    assert!(user.last_text().starts_with("Вы пропустили тестирование без уважительной причины"));
    assert_eq!(scalar::<String>(&app, "SELECT action FROM audit_log").await, "no_show");
}

#[tokio::test]
async fn closing_the_database_asks_first() {
    let (app, admin) = admin_app().await;
    admin.send("/closedb").await;
    assert!(admin.last_text().starts_with("Закрыть базу данных «ЕНТ"), "{}", admin.last_text());
    admin.press("Нет").await;
    assert_eq!(admin.last_text(), "Отменено.");
    assert_eq!(
        scalar::<i64>(&app, "SELECT count(*) FROM campaigns WHERE database_closed_at IS NOT NULL").await,
        0
    );

    admin.send("/closedb").await;
    admin.press("Да, закрыть").await;
    assert!(admin.last_text().starts_with("База данных «ЕНТ"), "{}", admin.last_text());
    assert_eq!(
        scalar::<i64>(&app, "SELECT count(*) FROM campaigns WHERE database_closed_at IS NOT NULL").await,
        1
    );
    assert_eq!(scalar::<String>(&app, "SELECT action FROM audit_log").await, "close_database");
}

#[tokio::test]
async fn notify_reaches_the_paid_applicants_of_a_slot_in_their_language() {
    let (app, admin) = admin_app().await;
    let (kk, application) = paid_applicant(&app, 7004, "kk").await;
    let (ru, _) = paid_applicant(&app, 7005, "ru").await;
    let bystander = app.applicant_fixture(7006, "ru").await;
    let slot: i64 = sqlx::query_scalar("SELECT slot_id FROM applications WHERE id = $1")
        .bind(application)
        .fetch_one(app.pool())
        .await
        .unwrap();

    admin.send(&format!("/notify slot {slot} Аудитория 204, второй этаж")).await;
    assert_eq!(admin.last_text(), "Сообщение в очереди: 2 заявителя.");
    kk.wait_for("the notice in Kazakh", |m| m.text == "📢 ҰТО хабарламасы:\n\nАудитория 204, второй этаж")
        .await;
    ru.wait_for("the notice in Russian", |m| m.text == "📢 Сообщение НЦТ:\n\nАудитория 204, второй этаж")
        .await;
    assert!(bystander.messages().is_empty());
    admin.send("/notify slot").await;
    assert!(admin.last_text().starts_with("Использование: /notify"));
}

#[tokio::test]
async fn the_day_before_reminder_goes_once() {
    let (app, _admin) = admin_app().await;
    let (user, application) = paid_applicant(&app, 7007, "ru").await;
    let starts: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT s.starts_at FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = $1",
    )
    .bind(application)
    .fetch_one(app.pool())
    .await
    .unwrap();
    // 17:59 the day before in Almaty: too early; 18:00: due.
    let day_before_18 = (starts - chrono::Duration::days(1))
        .with_timezone(&chrono_tz::Asia::Almaty)
        .date_naive()
        .and_hms_opt(18, 0, 0)
        .unwrap()
        .and_local_timezone(chrono_tz::Asia::Almaty)
        .unwrap()
        .with_timezone(&chrono::Utc);
    app.clock.set(day_before_18 - chrono::Duration::minutes(1));
    assert_eq!(ent_bot::services::notifications::test_day_reminders(app.ctx()).await.unwrap(), 0);
    app.clock.set(day_before_18);
    // Another process sweeping at this moment: this one leaves it to him.
    let mut other = app.pool().begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ent_bot::runtime::leader::SWEEPER)
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(
        ent_bot::services::notifications::test_day_reminders(app.ctx()).await.unwrap(),
        0,
        "one sweeper"
    );
    other.rollback().await.unwrap();
    assert_eq!(ent_bot::services::notifications::test_day_reminders(app.ctx()).await.unwrap(), 1);
    assert_eq!(ent_bot::services::notifications::test_day_reminders(app.ctx()).await.unwrap(), 0, "once");
    // The next sweeps do not even render him again.
    let day = (starts.with_timezone(&chrono_tz::Asia::Almaty)).date_naive();
    let left = ent_bot::db::notifications::paid_on_day_not_told(
        app.pool(),
        day,
        "Asia/Almaty",
        ent_bot::db::outbox::DedupKey::TestDay { date: day },
    )
    .await
    .unwrap();
    assert!(left.is_empty(), "already told: {left:?}");
    let m = user.wait_for("the reminder", |m| m.text.starts_with("⏰ Завтра тестирование")).await;
    assert!(m.text.contains("09:00"));
    assert!(m.text.contains("Алматы"));
    assert!(m.text.contains("удостоверение личности или паспорт"), "{}", m.text);
    assert!(m.text.contains("свидетельство о рождении и справку из школы с фото 3×4"), "{}", m.text);
}

#[tokio::test]
async fn a_plain_sql_update_of_a_slot_notifies_its_paid_applicants() {
    let (app, _admin) = admin_app().await;
    let (kk, application) = paid_applicant(&app, 7008, "kk").await;
    sqlx::query(
        "UPDATE slots SET starts_at = starts_at + interval '2 hours'
         WHERE id = (SELECT slot_id FROM applications WHERE id = $1)",
    )
    .bind(application)
    .execute(app.pool())
    .await
    .unwrap();
    let m = kk
        .wait_for("the change notice", |m| m.text.starts_with("⚠️ Тестілеу уақыты немесе орны өзгерді"))
        .await;
    assert!(m.text.contains("11:00"), "the new time: {}", m.text);
    assert!(m.text.contains(&format!("(№{application} өтініш)")), "{}", m.text);
    // A second worker pass sends nothing more.
    ent_bot::workers::jobs::run_due(app.ctx()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let notices = kk.messages().iter().filter(|m| m.text.starts_with("⚠️")).count();
    assert_eq!(notices, 1);
}

#[tokio::test]
async fn a_broadcast_survives_429_403_and_a_restart_without_duplicates_or_gaps() {
    let (mut app, admin) = admin_app().await;
    let mut users = vec![];
    for i in 0..24u64 {
        users.push(app.applicant_fixture(7100 + i, if i % 2 == 0 { "kk" } else { "ru" }).await);
    }
    for blocked in &users[..3] {
        app.emulator.set_blocked(blocked.id() as u64, true);
    }
    admin.send("/broadcast").await;
    admin.press("Всем").await;
    assert!(admin.last_text().starts_with("Напишите текст сообщения"), "{}", admin.transcript());
    admin.send("Завтра пункт №1 открывается в 8:00.").await;
    assert!(admin.last_text().starts_with("Предпросмотр. 25 получателей."), "{}", admin.last_text());
    // Telegram allows 5 messages a second here, fewer than the sender's budget: 429s follow.
    app.emulator.set_rate_limits(Some(5), None);
    admin.press("✅ Отправить").await;
    assert!(admin.last_text().starts_with("📤 Рассылка №"));

    // Killed mid-broadcast, at a moment when no send is in doubt: Telegram accepts nothing
    // more (every send draws a 429), and each message it accepted is recorded as sent. A
    // kill between Telegram's answer and that record would send the message again after
    // the restart (at-least-once, see README); that moment is what this avoids.
    let text = "Завтра пункт №1 открывается в 8:00.";
    let accepted = || app.emulator.sends().iter().filter(|s| s.text == text).count() as i64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while accepted() < 5 {
        assert!(tokio::time::Instant::now() < deadline, "the broadcast did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.emulator.set_rate_limits(Some(0), None);
    let accepted = accepted();
    let recorded = "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL AND status = 'sent'";
    while scalar::<i64>(&app, recorded).await < accepted {
        assert!(tokio::time::Instant::now() < deadline, "accepted sends were not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.restart().await;
    app.emulator.set_rate_limits(Some(5), None);

    let done = admin.wait_for("the final report", |m| m.text.starts_with("✅ Рассылка №")).await;
    assert!(done.text.contains("отправлено 22 из 25"), "{}", done.text);
    assert!(done.text.contains("недоступных 3"), "{}", done.text);
    for user in &users[3..] {
        let copies =
            user.messages().iter().filter(|m| m.text == "Завтра пункт №1 открывается в 8:00.").count();
        assert_eq!(copies, 1, "exactly one copy for user {}", user.id());
    }
    for blocked in &users[..3] {
        let unreachable: bool = sqlx::query_scalar("SELECT unreachable FROM telegram_users WHERE id = $1")
            .bind(blocked.id())
            .fetch_one(app.pool())
            .await
            .unwrap();
        assert!(unreachable);
    }
    assert!(app.emulator.too_many_requests_served() > 0, "the limit was hit and handled");
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM broadcasts").await, "done");
}
