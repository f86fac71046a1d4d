//! The retest for a valid reason (order No. 204), driven as the people do it: the no-show
//! asks in «My applications» and sends documents in the chat; staff approve with `/retests`
//! (or refuse with a reason in both languages); the approved applicant picks a later slot of
//! the same session and is told the retest is on paper. Bad input changes nothing.

use chrono::{DateTime, Duration, Utc};

use crate::helpers::{TestApp, TestUser, spawn_app_with};
use crate::staff_campaign::paid_in;

async fn scalar<T>(app: &TestApp, sql: &str, id: i64) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sql).bind(id).fetch_one(app.pool()).await.unwrap()
}

pub(crate) async fn campaign_code(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT code FROM campaigns").fetch_one(app.pool()).await.unwrap()
}

/// A paid applicant whose test began four hours ago and whom the admin marked a no-show.
pub(crate) async fn no_show(app: &TestApp, admin: &TestUser, id: u64, locale: &str) -> (TestUser, i64) {
    let code = campaign_code(app).await;
    let (user, application) = paid_in(app, id, locale, &code).await;
    let starts_at: DateTime<Utc> = scalar(
        app,
        "SELECT s.starts_at FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = $1",
        application,
    )
    .await;
    if app.clock.now() < starts_at + Duration::hours(4) {
        app.clock.set(starts_at + Duration::hours(4));
    }
    admin.send(&format!("/noshow {application}")).await;
    let status: String =
        scalar(app, "SELECT status::text FROM applications WHERE id = $1", application).await;
    assert_eq!(status, "no_show", "{}", admin.transcript());
    (user, application)
}

async fn requests(app: &TestApp, application: i64) -> Vec<(i64, String, i64)> {
    sqlx::query_as(
        "SELECT r.id, r.status::text, (SELECT count(*) FROM retest_documents d WHERE d.request_id = r.id)
         FROM retest_requests r WHERE r.application_id = $1 ORDER BY r.id",
    )
    .bind(application)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

fn answered(user: &TestUser) -> String {
    user.callback_answers().last().map(|a| a.0.clone()).unwrap_or_default()
}

#[tokio::test]
async fn a_no_show_asks_with_documents_staff_approve_once_and_he_takes_a_later_seat_on_paper() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9701")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9701, "ru").await;
    let operator = app.applicant_fixture(9702, "ru").await;
    sqlx::query("INSERT INTO staff (telegram_user_id, role) VALUES (9702, 'operator')")
        .execute(app.pool())
        .await
        .unwrap();
    let (user, id) = no_show(&app, &admin, 7701, "kk").await;
    let missed_slot: i64 = scalar(&app, "SELECT slot_id FROM applications WHERE id = $1", id).await;

    user.send("📋 Менің өтініштерім").await.press(&format!("№{id} толығырақ")).await;
    let details = user.last();
    assert!(details.text.contains("🚫"), "{}", details.text);
    user.press("📝 Қайта тапсыруға өтініш беру").await;
    assert!(user.last_text().contains("Дәлелді себепті таңдаңыз"), "{}", user.last_text());
    assert_eq!(
        user.buttons(),
        [
            "🏥 Ауру (ДКК қорытындысы)",
            "🕯 Жақын туысының қайтыс болуы",
            "🏆 Олимпиада не жарыс",
            "⚠️ Төтенше жағдай",
            "◀️ Тізімге"
        ]
    );
    user.press("🏥 Ауру (ДКК қорытындысы)").await;
    assert!(user.last_text().contains("фото немесе PDF"), "{}", user.last_text());

    // Where documents are expected, anything else is answered with the reason; nothing is kept.
    user.send("Мен ауырдым").await;
    assert!(user.last_text().starts_with("Құжат керек"), "{}", user.last_text());
    user.send_sticker().await;
    assert!(user.last_text().starts_with("Бұл файл жарамайды"), "{}", user.last_text());
    user.send_voice().await;
    assert!(user.last_text().starts_with("Бұл файл жарамайды"), "{}", user.last_text());
    user.send_document(
        "anyqtama.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK".to_vec(),
    )
    .await;
    assert!(user.last_text().starts_with("Бұл файл жарамайды"), "{}", user.last_text());
    user.send_document_of_size("scan.pdf", "application/pdf", 21 * 1024 * 1024).await;
    assert!(user.last_text().contains("20 МБ-тан үлкен"), "{}", user.last_text());
    assert_eq!(user.buttons(), ["✖️ Болдырмау"], "no «done» before a document");

    user.send_photo().await;
    assert_eq!(user.last_text(), "Алынған файл: 1/5.");
    let pdf = b"%PDF-1.7\nanyqtama VKK".to_vec();
    user.send_document("anyqtama.pdf", "application/pdf", pdf.clone()).await;
    assert_eq!(user.last_text(), "Алынған файл: 2/5.");
    assert!(requests(&app, id).await.is_empty(), "nothing is recorded before confirming");
    user.press("✅ Дайын").await;
    let confirm = user.last_text();
    assert!(confirm.contains("Себебі: 🏥 Ауру (ДКК қорытындысы)") && confirm.contains("2 файл"), "{confirm}");
    user.press("📨 Жіберу").await;
    let sent = requests(&app, id).await;
    assert_eq!(sent.len(), 1);
    let (request, ref status, documents) = sent[0];
    assert_eq!((status.as_str(), documents), ("pending", 2));
    assert_eq!(
        user.last_text(),
        format!("№{request} қайта тапсыру өтініші жіберілді. ҰТО шешім қабылдағанда, осында жазамыз.")
    );

    // A second request while one is pending: the old button is answered, nothing is added.
    user.press_data(details.message_id, &format!("rt:a:{id}")).await;
    assert_eq!(answered(&user), "Қайта тапсыру өтініші жіберілген, шешім күтуде.");
    user.press_data(details.message_id, &format!("rt:r:{id}:olympiad")).await;
    assert_eq!(answered(&user), "Қайта тапсыру өтініші жіберілген, шешім күтуде.");
    assert_eq!(requests(&app, id).await.len(), 1);
    // A forged approval from the applicant's own account is a stale button to him.
    user.press_data(details.message_id, &format!("rt:ok:{request}")).await;
    assert_eq!(answered(&user), "Бұл батырма енді жарамсыз.");
    // An operator sees the queue but may not decide.
    operator.send("/retests").await;
    assert!(
        operator.last_text().contains(&format!("Пересдача №{request} · заявление №{id}")),
        "{}",
        operator.transcript()
    );
    assert!(
        operator.last_text().contains("Болезнь (заключение ВКК)")
            && operator.last_text().contains("Документов: 2")
    );
    operator.press("✅ Одобрить").await;
    assert_eq!(answered(&operator), "Эта команда только для администратора.");
    // The request with its documents, sent to him by their Telegram file ids.
    operator.send(&format!("/retests {request}")).await;
    let shown: Vec<(&str, String)> =
        operator.messages().iter().rev().take(2).map(|m| (m.kind, m.text.clone())).collect();
    assert_eq!(shown, [("document", "Документ 2".to_string()), ("photo", "Документ 1".to_string())]);
    assert_eq!(requests(&app, id).await[0].1, "pending");

    // The admin approves; a second press approves nothing and sends nothing more.
    admin.send("/retests").await;
    let queue = admin.last();
    admin.press("✅ Одобрить").await;
    assert_eq!(admin.last_text(), format!("Пересдача №{request} одобрена, заявителю сообщили."));
    admin.press_on(queue.message_id, "✅ Одобрить").await;
    assert_eq!(admin.last_text(), format!("По пересдаче №{request} решение уже принято (или её нет)."));
    assert_eq!(requests(&app, id).await[0].1, "approved");
    let told: i64 = scalar(
        &app,
        "SELECT count(*) FROM outbox WHERE telegram_user_id = $1 AND text LIKE '%қайта тапсыруды мақұлдады%'",
        user.id(),
    )
    .await;
    assert_eq!(told, 1, "one approval, one message");

    // He picks a city, a later day (today's slots are not offered) and a time.
    let approval = user.wait_for("the approval", |m| m.text.contains("мақұлдады")).await;
    assert!(approval.text.contains("қағаз жүзінде"), "{}", approval.text);
    user.press_on(approval.message_id, "📅 Күнді таңдау").await;
    user.press("Алматы").await;
    let today = app.clock.now().with_timezone(&chrono_tz::Asia::Almaty).format("%d.%m").to_string();
    let days = user.buttons();
    assert!(!days.is_empty() && days.iter().all(|d| !d.starts_with(&today)), "{days:?} after {today}");
    user.press(&days[0]).await;
    let time = user.buttons()[0].clone();
    let seats_before: i32 = scalar(&app, "SELECT booked FROM slots WHERE id = $1", missed_slot).await;
    user.press(&time).await;
    let booked = user.last_text();
    assert!(booked.starts_with(&format!("✅ №{id} өтініш бойынша қайта тапсыру белгіленді.")), "{booked}");
    assert!(
        booked.contains("Тест қағаз жүзінде өтеді") && booked.contains("Тапсыру тілі: Орыс тілі"),
        "{booked}"
    );

    let (status, slot): (String, i64) =
        sqlx::query_as("SELECT status::text, slot_id FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(status, "paid");
    assert_ne!(slot, missed_slot);
    let seats_after: i32 = scalar(&app, "SELECT booked FROM slots WHERE id = $1", missed_slot).await;
    assert_eq!(seats_after, seats_before - 1, "the missed seat is given back");
    let payments: i64 = scalar(&app, "SELECT count(*) FROM payments WHERE application_id = $1", id).await;
    assert_eq!(payments, 0, "no new fee");
    assert_eq!(requests(&app, id).await[0].1, "booked");
    user.send("ℹ️ Тест туралы").await;
    assert!(
        user.last_text().starts_with("📝 Бұл дәлелді себеппен қайта тапсыру: тест қағаз жүзінде өтеді."),
        "{}",
        user.last_text()
    );
    // The picker's buttons are spent.
    user.press_data(approval.message_id, &format!("rt:p:{request}")).await;
    assert_eq!(answered(&user), "Бұл қайта тапсыру енді қолжетімсіз.");

    let audit: Vec<(i64, String)> =
        sqlx::query_as("SELECT actor_id, action FROM audit_log WHERE action LIKE 'retest%' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    let audit: Vec<(i64, &str)> = audit.iter().map(|(a, s)| (*a, s.as_str())).collect();
    assert_eq!(
        audit,
        [
            (7701, "retest.request"),
            (9702, "retests.view"),
            (9702, "retest.view"),
            (9702, "retest.document"),
            (9702, "retest.document"),
            (9701, "retests.view"),
            (9701, "retest.approve"),
            (7701, "retest.book")
        ]
    );
    assert_eq!(app.emulator.spec_violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_refused_request_is_told_why_in_his_language_and_the_ban_stays() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9711")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9711, "kk").await;
    let (user, id) = no_show(&app, &admin, 7711, "ru").await;

    user.send("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    user.press("📝 Подать заявление на пересдачу").await.press("🏆 Олимпиада или соревнование").await;
    user.send_photo().await.press("✅ Готово").await;
    assert!(user.last_text().contains("Документы: 1 файл\n"), "{}", user.last_text());
    user.press("📨 Отправить").await;
    let request = requests(&app, id).await[0].0;

    // Bad refusals change nothing: no reason, one language only.
    admin.send(&format!("/retests refuse {request}")).await;
    assert!(admin.last_text().starts_with("Қолданылуы: /retests"), "{}", admin.last_text());
    admin.send(&format!("/retests refuse {request} Тек қазақша")).await;
    assert!(admin.last_text().starts_with("Қолданылуы: /retests"), "{}", admin.last_text());
    assert_eq!(requests(&app, id).await[0].1, "pending");

    admin
        .send(&format!(
            "/retests refuse {request} Олимпиада күні сәйкес келмейді | Дата олимпиады не совпадает"
        ))
        .await;
    assert_eq!(
        admin.last_text(),
        format!("№{request} қайта тапсырудан бас тартылды, өтініш берушіге хабарланды.")
    );
    admin.send(&format!("/retests refuse {request} екінші | второй")).await;
    assert_eq!(
        admin.last_text(),
        format!("№{request} қайта тапсыру бойынша шешім қабылданған (немесе ол жоқ).")
    );
    let told = user.wait_for("the refusal", |m| m.text.starts_with("❌")).await;
    assert_eq!(
        told.text,
        format!(
            "❌ НЦТ отказал в пересдаче по заявлению №{id}.\nПричина: Дата олимпиады не совпадает\nВопросы: support@ent.test"
        )
    );
    let (status, kk, ru): (String, String, String) =
        sqlx::query_as("SELECT status::text, note_kk, note_ru FROM retest_requests WHERE id = $1")
            .bind(request)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), kk.as_str(), ru.as_str()),
        ("refused", "Олимпиада күні сәйкес келмейді", "Дата олимпиады не совпадает")
    );
    // The no-show ban stays: he still cannot apply anew (in this session registration has
    // closed by the test day, which is said first).
    user.send("📝 Подать заявление").await;
    assert!(!user.last_text().starts_with("Шаг"), "{}", user.last_text());
    let own: i64 = scalar(
        &app,
        "SELECT count(*) FROM applications a JOIN applicants ap ON ap.id = a.applicant_id WHERE ap.telegram_user_id = $1",
        user.id(),
    )
    .await;
    assert_eq!(own, 1);
    let status: String = scalar(&app, "SELECT status::text FROM applications WHERE id = $1", id).await;
    assert_eq!(status, "no_show");
}

#[tokio::test]
async fn only_a_recent_no_show_may_ask_and_a_forged_button_changes_nothing() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9721")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9721, "ru").await;
    let code = campaign_code(&app).await;
    let (paid, paid_id) = paid_in(&app, 7721, "ru", &code).await;
    let (late, late_id) = no_show(&app, &admin, 7722, "ru").await;

    // Not a no-show: the offer is not shown, and a forged reason button is refused.
    paid.send("📋 Мои заявления").await.press(&format!("№{paid_id} подробнее")).await;
    assert!(!paid.buttons().iter().any(|b| b.contains("пересдачу")), "{:?}", paid.buttons());
    let m = paid.last().message_id;
    paid.press_data(m, &format!("rt:r:{paid_id}:illness")).await;
    assert_eq!(answered(&paid), "Пересдачу можно запросить только по заявлению с неявкой.");
    // Someone else's application is not his to ask about.
    paid.press_data(m, &format!("rt:a:{late_id}")).await;
    assert_eq!(answered(&paid), "Это заявление больше недоступно.");

    // Past the campaign's window (3 days by default) the offer is gone.
    app.clock.set(app.clock.now() + Duration::days(4));
    late.send("📋 Мои заявления").await.press(&format!("№{late_id} подробнее")).await;
    assert!(!late.buttons().iter().any(|b| b.contains("пересдачу")), "{:?}", late.buttons());
    let m = late.last().message_id;
    late.press_data(m, &format!("rt:r:{late_id}:illness")).await;
    assert_eq!(answered(&late), "Срок подачи заявления на пересдачу по этой неявке истёк.");
    assert!(requests(&app, late_id).await.is_empty() && requests(&app, paid_id).await.is_empty());
    // A non-staff account's approve button for a request that exists changes nothing either.
    sqlx::query(
        "INSERT INTO retest_requests (application_id, telegram_user_id, reason, missed_slot_id, created_at)
         SELECT id, 7722, 'illness', slot_id, now() FROM applications WHERE id = $1",
    )
    .bind(late_id)
    .execute(app.pool())
    .await
    .unwrap();
    let request = requests(&app, late_id).await[0].0;
    paid.press_data(m, &format!("rt:ok:{request}")).await;
    assert_eq!(answered(&paid), "Эта кнопка уже не действует.");
    assert_eq!(requests(&app, late_id).await[0].1, "pending");
    let sent: i64 = scalar(&app, "SELECT count(*) FROM outbox WHERE telegram_user_id = $1", 7722).await;
    assert_eq!(sent, 1, "only the no-show notice");
}

#[tokio::test]
async fn the_console_queue_shows_the_documents_from_telegram_audits_each_view_and_decides_once() {
    use crate::console::{console_app, sign_in};
    use reqwest::StatusCode;

    let (app, admin, operator) = console_app().await;
    let (user, id) = no_show(&app, &admin, 7731, "ru").await;
    user.send("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    user.press("📝 Подать заявление на пересдачу").await.press("🕯 Смерть близкого родственника").await;
    let pdf = b"%PDF-1.7\nsvidetelstvo o smerti".to_vec();
    user.send_photo().await;
    user.send_document("svidetelstvo.pdf", "application/pdf", pdf.clone()).await;
    user.press("✅ Готово").await.press("📨 Отправить").await;
    let request = requests(&app, id).await[0].0;

    let operator_b = sign_in(&app, &operator).await;
    let (code, list) = operator_b.get("/console/retests").await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        list.contains(&format!("/console/retests/{request}"))
            && list.contains("Смерть близкого родственника"),
        "{list}"
    );
    assert!(!list.contains("/console/late-registrations"), "the late-registration form is an admin's");
    let (code, page) = operator_b.get(&format!("/console/retests/{request}")).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        page.contains(&format!("/console/retests/{request}/documents/1"))
            && page.contains("svidetelstvo.pdf"),
        "{page}"
    );
    assert!(!page.contains("/approve"), "an operator is not offered the decision");
    let (code, bytes) = operator_b.get_bytes(&format!("/console/retests/{request}/documents/2")).await;
    assert_eq!((code, bytes), (StatusCode::OK, pdf));
    let (code, photo) = operator_b.get_bytes(&format!("/console/retests/{request}/documents/1")).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(photo.len(), 45_678, "the largest size of the photo");
    assert_eq!(
        operator_b.get(&format!("/console/retests/{request}/documents/3")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.emulator.downloads(), 2);
    let csrf = operator_b.csrf().await;
    let (code, _) = operator_b.post(&format!("/console/retests/{request}/approve"), &[("csrf", &csrf)]).await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    let admin_b = sign_in(&app, &admin).await;
    let csrf = admin_b.csrf().await;
    let (code, _) = admin_b.post(&format!("/console/retests/{request}/approve"), &[("csrf", "forged")]).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "no CSRF token, no decision");
    let refuse = format!("/console/retests/{request}/refuse");
    let (_, page) =
        admin_b.post(&refuse, &[("csrf", &csrf), ("note_kk", ""), ("note_ru", "Нет печати")]).await;
    assert!(page.contains("Укажите причину отказа на обоих языках."), "{page}");
    assert_eq!(requests(&app, id).await[0].1, "pending");
    let (_, page) = admin_b.post(&format!("/console/retests/{request}/approve"), &[("csrf", &csrf)]).await;
    assert!(page.contains("Пересдача одобрена, заявителю сообщили."), "{page}");
    let (_, page) = admin_b.post(&format!("/console/retests/{request}/approve"), &[("csrf", &csrf)]).await;
    assert!(page.contains("Решение по этой пересдаче уже принято."), "{page}");
    user.wait_for("the approval", |m| m.text.starts_with("✅ НЦТ одобрил пересдачу")).await;

    // The late-registration form: the same use case as /latereg.
    let (_, page) = admin_b
        .post("/console/late-registrations", &[("csrf", &csrf), ("iin", "12345"), ("hours", "24")])
        .await;
    assert!(page.contains("Проверьте ИИН"), "{page}");
    let iin: String = sqlx::query_scalar("SELECT iin::text FROM applicants WHERE telegram_user_id = 7731")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let (_, page) =
        admin_b.post("/console/late-registrations", &[("csrf", &csrf), ("iin", &iin), ("hours", "48")]).await;
    assert!(
        page.contains(&format!("ИИН {}******{} может подать заявление", &iin[..4], &iin[10..])),
        "{page}"
    );

    // Each view of the queue, of the request and of each document is in the audit log.
    let count = |action: &'static str| {
        let pool = app.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("retest.view").await, 1);
    assert_eq!(count("retest.document").await, 2);
    assert!(count("retests.view").await >= 2);
    assert_eq!((count("retest.approve").await, count("late_registration.grant").await), (1, 1));
}

#[tokio::test]
async fn approvals_and_the_last_seat_race_safely() {
    use ent_bot::services::retest::{self as service, Decision};

    let app = spawn_app_with(&[("ADMIN_IDS", "9741")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9741, "ru").await;
    let (first, a) = no_show(&app, &admin, 7741, "ru").await;
    let (second, b) = no_show(&app, &admin, 7742, "kk").await;
    let mut ids = vec![];
    for application in [a, b] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO retest_requests (application_id, telegram_user_id, reason, missed_slot_id, created_at)
             SELECT a.id, ap.telegram_user_id, 'emergency', a.slot_id, now()
             FROM applications a JOIN applicants ap ON ap.id = a.applicant_id WHERE a.id = $1 RETURNING id",
        )
        .bind(application)
        .fetch_one(app.pool())
        .await
        .unwrap();
        ids.push(id);
    }
    // Two staff members approve the same request at once: one approval, one message.
    let (x, y) =
        tokio::join!(service::approve(app.ctx(), 9741, ids[0]), service::approve(app.ctx(), 9741, ids[0]));
    let mut decisions = [x.unwrap(), y.unwrap()];
    decisions.sort_by_key(|d| *d == Decision::Done);
    assert_eq!(decisions, [Decision::NotPending, Decision::Done]);
    assert_eq!(service::approve(app.ctx(), 9741, ids[1]).await.unwrap(), Decision::Done);
    let messages: i64 =
        scalar(&app, "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'retest:%' AND $1 > 0", 1).await;
    assert_eq!(messages, 2, "one message per approved request");

    // One seat left on a later day; both press for it at once: one gets it, the other is
    // asked to pick again, and the slot is never oversold.
    let slot: i64 = sqlx::query_scalar(
        "UPDATE slots SET capacity = booked + 1 WHERE id = (
             SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
             WHERE c.code = 'almaty' AND s.starts_at > $1 + interval '1 day' ORDER BY s.starts_at LIMIT 1)
         RETURNING id",
    )
    .bind(app.clock.now())
    .fetch_one(app.pool())
    .await
    .unwrap();
    let (data_one, data_two) = (format!("rt:t:{}:{slot}", ids[0]), format!("rt:t:{}:{slot}", ids[1]));
    tokio::join!(first.press_data(0, &data_one), second.press_data(0, &data_two));
    let (booked, capacity): (i32, i32) = sqlx::query_as("SELECT booked, capacity FROM slots WHERE id = $1")
        .bind(slot)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(booked, capacity);
    let moved: i64 =
        scalar(&app, "SELECT count(*) FROM applications WHERE slot_id = $1 AND status = 'paid'", slot).await;
    assert_eq!(moved, 1);
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status::text FROM retest_requests ORDER BY status")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(statuses, ["approved", "booked"]);
}
