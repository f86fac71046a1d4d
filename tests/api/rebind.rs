//! Security review finding 6: an IIN claimed by the wrong account. Its owner asks support
//! from the chat; an admin re-binds it with `/rebind` or in the console (the same use case),
//! or refuses; the IIN and its applications move in one transaction, both accounts are told.
//! And an IIN's name is shown to at most three accounts an hour.

use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;

use crate::helpers::console::sign_in;
use crate::helpers::{TestApp, TestUser, spawn_app};

use crate::console::{ADMIN, OPERATOR, scalar};

const TAKEN: &str = "Этот ИИН уже привязан к другому аккаунту Telegram. Если это ваш ИИН, напишите в поддержку: support@ent.test";
const ASK: &str = "🆘 Это мой ИИН — написать в поддержку";

/// An admin and an operator, as every console test has them.
async fn app_with_staff() -> (TestApp, TestUser, TestUser) {
    crate::console::console_app().await
}

/// A user who confirmed his email and is asked for his IIN.
async fn at_iin_step(app: &TestApp, id: u64, language: &str) -> TestUser {
    let user = app.user(id, None);
    let email = format!("owner{id}@mail.kz");
    user.send("/start").await.press(language).await;
    user.send(&email).await;
    let code = app.smtp.last_code_for(&email);
    user.send(&code).await;
    user
}

/// The squatter: onboarded with someone's IIN, holding a seat in Almaty under that name.
async fn squatter_with_hold(app: &TestApp, id: u64) -> (TestUser, String) {
    let user = app.onboarded_user(id, "Русский").await;
    user.send("📝 Подать заявление").await;
    user.press("Выпускник школы 2027 года").await.press("Русский язык").await;
    user.press("Физика – Математика").await.press("Алматы").await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    let time = user.buttons()[0].clone();
    user.press(&time).await.press("✅ Правила прочитаны, подтверждаю").await;
    let iin: String = sqlx::query_scalar("SELECT iin::text FROM applicants WHERE telegram_user_id = $1")
        .bind(id as i64)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(scalar::<i64>(app, "SELECT count(*) FROM applications").await, 1, "{}", user.transcript());
    (user, iin)
}

/// The owner finds his IIN taken and asks support, sharing his phone.
async fn owner_asks(app: &TestApp, id: u64, iin: &str) -> TestUser {
    let owner = at_iin_step(app, id, "Русский").await;
    owner.send(iin).await;
    assert_eq!(owner.last_text(), TAKEN);
    assert_eq!(owner.buttons(), [ASK]);
    owner.press(ASK).await;
    assert!(owner.last_text().starts_with("Запрос в поддержку принят."), "{}", owner.transcript());
    assert_eq!(owner.keyboard(), ["📱 Поделиться номером"]);
    owner.share_contact("+77017770011", Some(id)).await;
    assert!(owner.last_text().starts_with("Спасибо, номер добавлен к запросу."), "{}", owner.last_text());
    // A second press records nothing more.
    owner.press(ASK).await;
    assert!(owner.last_text().starts_with("Запрос по этому ИИН уже принят"), "{}", owner.last_text());
    owner
}

#[tokio::test]
async fn the_owner_asks_support_and_an_admin_rebinds_his_iin_with_its_application_by_bot() {
    let (app, admin, operator) = app_with_staff().await;
    let (squatter, iin) = squatter_with_hold(&app, 5101).await;
    let owner = owner_asks(&app, 5102, &iin).await;

    let request: (i64, String, Option<String>, Option<String>, String) =
        sqlx::query_as("SELECT telegram_user_id, iin, email, phone, status::text FROM rebind_requests")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        request,
        (5102, iin.clone(), Some("owner5102@mail.kz".into()), Some("+77017770011".into()), "open".into())
    );

    // Operators may not; applicants do not even see the command.
    operator.send(&format!("/rebind {iin} 5102")).await;
    assert_eq!(operator.last_text(), "Эта команда только для администратора.");
    squatter.send(&format!("/rebind {iin} 5101")).await;
    assert_eq!(squatter.last_text(), "Такой команды нет. Подсказка: /help");
    admin.send("/rebind 12345 5102").await;
    assert!(
        admin.last_text().starts_with("Использование: /rebind <ИИН> <Telegram id>"),
        "{}",
        admin.last_text()
    );
    admin.send(&format!("/rebind {iin} 777")).await;
    assert_eq!(admin.last_text(), "Аккаунт 777 ещё не писал боту: пусть сначала отправит /start.");

    let masked = format!("{}******{}", &iin[..4], &iin[10..]);
    admin.send(&format!("/rebind {iin} 5102")).await;
    assert_eq!(
        admin.last_text(),
        format!(
            "ИИН {masked} перепривязан: 5101 → 5102. Перенесено заявлений: 1 (действующих: 1). Оба аккаунта получат сообщение."
        )
    );
    let holders: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT telegram_user_id, iin::text FROM applicants WHERE telegram_user_id IN (5101, 5102) ORDER BY 1")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(holders, [(5101, None), (5102, Some(iin.clone()))]);
    let application_owner: i64 = scalar(
        &app,
        "SELECT ap.telegram_user_id FROM applications a JOIN applicants ap ON ap.id = a.applicant_id",
    )
    .await;
    assert_eq!(application_owner, 5102, "the hold moved with the IIN");
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM rebind_requests").await, "rebound");
    let audit: (i64, String, serde_json::Value) =
        sqlx::query_as("SELECT actor_id, target, details FROM audit_log WHERE action = 'iin.rebind'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!((audit.0, audit.1.as_str()), (ADMIN as i64, "telegram:5102"));
    assert_eq!(audit.2["from"], 5101);
    assert_eq!(audit.2["iin"], masked.as_str(), "the audit log keeps the IIN masked");

    squatter
        .wait_for("telling the squatter", |m| {
            m.text.starts_with(&format!("По решению поддержки НЦТ ИИН {masked} отвязан от этого аккаунта"))
        })
        .await;
    owner
        .wait_for("telling the owner", |m| {
            m.text == format!("Поддержка НЦТ привязала ИИН {masked} к этому аккаунту. Перенесено заявлений: 1. Нажмите /start, чтобы продолжить.")
        })
        .await;

    // The owner goes on from the phone step and finds the application; the squatter is
    // asked for an IIN again.
    owner.send("/start").await;
    assert!(owner.last_text().starts_with("Отправьте номер телефона"), "{}", owner.transcript());
    owner.share_contact("+77017770011", Some(5102)).await;
    owner.tap("📋 Мои заявления").await;
    assert!(owner.last_text().contains("⏳ Ожидает оплаты"), "{}", owner.last_text());
    squatter.tap("📋 Мои заявления").await;
    assert!(squatter.last_text().starts_with("Напишите ваш ИИН"), "{}", squatter.last_text());
    squatter.send(&iin).await;
    assert_eq!(squatter.last_text(), TAKEN);

    admin.send(&format!("/rebind {iin} 5102")).await;
    assert_eq!(admin.last_text(), "Этот ИИН уже привязан к аккаунту 5102.");
}

#[tokio::test]
async fn staff_see_the_queue_in_the_console_and_an_admin_rebinds_or_refuses() {
    let (app, admin, operator) = app_with_staff().await;
    let (squatter, iin) = squatter_with_hold(&app, 5201).await;
    let owner = owner_asks(&app, 5202, &iin).await;
    let masked = format!("{}******{}", &iin[..4], &iin[10..]);
    let request: i64 = scalar(&app, "SELECT id FROM rebind_requests").await;

    // Operators read the queue (audited), masked in the list, in full on the request's page.
    let op = sign_in(&app, &operator).await;
    let (status, list) = op.get("/console/rebinds").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.contains(&masked) && !list.contains(&iin), "{list}");
    assert!(list.contains("5202") && list.contains("5201"), "requester and holder: {list}");
    let (status, page) = op.get(&format!("/console/rebinds/{request}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&iin) && page.contains("owner5202@mail.kz") && page.contains("+77017770011"),
        "{page}"
    );
    let views: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT actor_id, action, coalesce(target, '') FROM audit_log WHERE action LIKE 'console.rebind%' OR target LIKE 'rebind_request:%' ORDER BY id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(
        views,
        [
            (OPERATOR as i64, "console.rebind_requests".into(), String::new()),
            (OPERATOR as i64, "console.view".into(), format!("rebind_request:{request}")),
        ]
    );
    // ... but may not act.
    let op_csrf = op.csrf().await;
    let form = [("csrf", op_csrf.as_str()), ("iin", iin.as_str()), ("telegram", "5202")];
    assert_eq!(op.post("/console/rebinds/preview", &form).await.0, StatusCode::FORBIDDEN);
    assert_eq!(op.post("/console/rebinds/apply", &form).await.0, StatusCode::FORBIDDEN);

    let ad = sign_in(&app, &admin).await;
    let csrf = ad.csrf().await;
    // Without the CSRF token nothing happens.
    let forged = [("csrf", ""), ("iin", iin.as_str()), ("telegram", "5202")];
    assert_eq!(ad.post("/console/rebinds/apply", &forged).await.0, StatusCode::FORBIDDEN);
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM audit_log WHERE action = 'iin.rebind'").await, 0);

    let form = [("csrf", csrf.as_str()), ("iin", iin.as_str()), ("telegram", "5202")];
    let (status, confirm) = ad.post("/console/rebinds/preview", &form).await;
    assert_eq!(status, StatusCode::OK, "{confirm}");
    assert!(confirm.contains("Перепривязка ИИН") && confirm.contains("действующих: 1"), "{confirm}");
    assert!(confirm.contains(r#"action="/console/rebinds/apply""#), "{confirm}");
    assert_eq!(
        scalar::<i64>(
            &app,
            "SELECT count(*) FROM applicants WHERE telegram_user_id = 5202 AND iin IS NOT NULL"
        )
        .await,
        0,
        "the preview changes nothing"
    );

    let (status, done) = ad.post("/console/rebinds/apply", &form).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done.contains(&format!("ИИН {masked} перепривязан: 5201 → 5202.")), "{done}");
    let holder: i64 = sqlx::query_scalar("SELECT telegram_user_id FROM applicants WHERE iin = $1")
        .bind(&iin)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(holder, 5202);
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM rebind_requests").await, "rebound");
    let actor: i64 = scalar(&app, "SELECT actor_id FROM audit_log WHERE action = 'iin.rebind'").await;
    assert_eq!(actor, ADMIN as i64);
    squatter.wait_for("the squatter told", |m| m.text.starts_with("По решению поддержки НЦТ ИИН")).await;
    owner.wait_for("the owner told", |m| m.text.starts_with("Поддержка НЦТ привязала ИИН")).await;

    // Another account now claims the IIN: an admin refuses, with a note; he is told in his language.
    let claimer = at_iin_step(&app, 5203, "Қазақша").await;
    claimer.send(&iin).await;
    assert!(
        claimer.last_text().starts_with("Бұл ЖСН басқа Telegram аккаунтына тіркелген."),
        "{}",
        claimer.last_text()
    );
    claimer.press("🆘 Бұл менің ЖСН-ім — қолдау қызметіне жазу").await;
    assert!(claimer.last_text().starts_with("Қолдау қызметіне сұрау қабылданды."), "{}", claimer.last_text());
    let second: i64 = scalar(&app, "SELECT id FROM rebind_requests WHERE status = 'open'").await;
    let (status, page) = ad
        .post(
            &format!("/console/rebinds/{second}/refuse"),
            &[("csrf", csrf.as_str()), ("note", "не подтвердил личность")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Запрос отклонён"), "{page}");
    let refused: (String, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT status::text, note, resolved_by FROM rebind_requests WHERE id = $1")
            .bind(second)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(refused, ("refused".into(), Some("не подтвердил личность".into()), Some(ADMIN as i64)));
    claimer
        .wait_for("the refusal", |m| {
            m.text.starts_with(&format!("Қолдау қызметі {masked} ЖСН бойынша сұрауыңызды қарады"))
        })
        .await;
    let (_, again) =
        ad.post(&format!("/console/rebinds/{second}/refuse"), &[("csrf", csrf.as_str()), ("note", "")]).await;
    assert!(again.contains("Этот запрос уже закрыт."), "{again}");
}

#[tokio::test]
async fn an_iin_is_looked_up_by_at_most_three_accounts_an_hour() {
    let app = spawn_app().await;
    let iin = app
        .add_person(3801, NaiveDate::from_ymd_opt(2008, 4, 2).unwrap(), "Әбілов", "Дәурен", Some("Талғатұлы"))
        .await;
    let mut users = vec![];
    for id in 3801..=3804 {
        users.push(at_iin_step(&app, id, if id == 3804 { "Қазақша" } else { "Русский" }).await);
    }
    for user in &users[..3] {
        user.send(&iin).await;
        assert_eq!(user.last_text(), "Это вы?\nӘбілов Дәурен Талғатұлы", "{}", user.transcript());
    }
    let fourth = &users[3];
    fourth.send(&iin).await;
    assert_eq!(
        fourth.last_text(),
        "Бұл ЖСН соңғы бір сағатта бірнеше аккаунттан тексерілді. 60 минуттан кейін қайталап көріңіз. Бұл сіздің ЖСН болса және көмек керек болса, қолдау қызметіне жазыңыз: support@ent.test"
    );
    // An account that looked it up already may look again.
    users[0].send(&iin).await;
    assert!(users[0].last_text().starts_with("Это вы?"), "{}", users[0].last_text());
    // The refused lookup still counts against the account.
    let counted: i64 = scalar(&app, "SELECT count(*) FROM iin_lookups WHERE telegram_user_id = 3804").await;
    assert_eq!(counted, 1);

    app.clock.advance(Duration::minutes(61));
    fourth.send(&iin).await;
    assert!(fourth.last_text().starts_with("Бұл сіз бе?"), "{}", fourth.last_text());
    assert_eq!(
        scalar::<i64>(&app, "SELECT count(*) FROM iin_lookup_accounts").await,
        1,
        "rows older than the hour are gone"
    );
}

#[tokio::test]
async fn accounts_racing_for_one_iin_get_its_name_at_most_three_times() {
    let app = spawn_app().await;
    let iin =
        app.add_person(3901, NaiveDate::from_ymd_opt(2008, 6, 9).unwrap(), "Серікова", "Айгерім", None).await;
    let mut users = vec![];
    for id in 3901..=3908 {
        users.push(at_iin_step(&app, id, "Русский").await);
    }
    futures::future::join_all(users.iter().map(|u| u.send(&iin))).await;
    let shown = users.iter().filter(|u| u.last_text().starts_with("Это вы?")).count();
    let refused = users.iter().filter(|u| u.last_text().starts_with("Этот ИИН за последний час")).count();
    assert_eq!((shown, refused), (3, 5));
}
