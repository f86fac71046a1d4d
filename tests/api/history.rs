//! «My applications»: view, cancel, edit after payment, withdraw with the refund rules,
//! database closure; «Test information».

use crate::helpers::{TestApp, TestUser, spawn_app};

async fn scalar<T>(app: &TestApp, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

/// An applicant with an application awaiting payment in Almaty (first date, first time).
async fn with_application(app: &TestApp, id: u64, language: &str) -> TestUser {
    let user = app.onboarded_user(id, language).await;
    let (apply, category, lang, confirm) = if language == "Русский" {
        (
            "📝 Подать заявление",
            "Выпускник школы 2027 года",
            "Русский язык",
            "✅ Правила прочитаны, подтверждаю",
        )
    } else {
        ("📝 Өтініш беру", "2027 жылғы мектеп бітіруші", "Орыс тілі", "✅ Ережелерді оқыдым, растаймын")
    };
    user.send(apply).await;
    user.press(category).await.press(lang).await.press("Физика – Математика").await.press("Алматы").await;
    let date = user.buttons()[0].clone();
    user.press(&date).await;
    let time = user.buttons()[0].clone();
    user.press(&time).await.press(confirm).await;
    let mine: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM applications a JOIN applicants p ON p.id = a.applicant_id WHERE p.telegram_user_id = $1",
    )
    .bind(user.id())
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(mine, 1, "{}", user.transcript());
    user
}

async fn mark_paid(app: &TestApp) {
    sqlx::query("UPDATE applications SET status = 'paid', paid_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unpaid_application_is_listed_and_can_be_cancelled() {
    let app = spawn_app().await;
    app.seed().await;
    let user = with_application(&app, 4001, "Русский").await;
    let id: i64 = scalar(&app, "SELECT id FROM applications").await;

    user.tap("📋 Мои заявления").await;
    assert!(user.last_text().starts_with("Ваши заявления (новые сверху):"));
    assert!(user.last_text().contains(&format!("№{id} · ⏳ Ожидает оплаты")));
    assert!(user.last_text().contains("Физика – Математика, Русский язык"));
    user.press(&format!("№{id} подробнее")).await;
    let details = user.last_text();
    assert!(
        details
            .starts_with(&format!("Заявление №{id}\nСтатус: ⏳ Ожидает оплаты\nПериод: ЕНТ — январь 2027\n"))
    );
    assert!(details.contains("\nКатегория: Выпускник школы 2027 года\n"), "the short label: {details}");
    assert!(details.contains("\nМесто: КазНУ им. аль-Фараби, г. Алматы, пр. аль-Фараби, 71\n"), "{details}");
    assert!(details.ends_with("Срок оплаты — 11:00."));
    assert_eq!(user.buttons(), ["💳 Оплатить", "✖️ Отменить заявление", "◀️ К списку"]);

    user.press("✖️ Отменить заявление").await;
    assert!(user.last_text().starts_with("Отменить заявление? Место освободится"));
    user.press("Нет, оставить").await;
    assert!(user.last_text().starts_with(&format!("Заявление №{id}")));
    user.press("✖️ Отменить заявление").await;
    let ask = user.last().message_id;
    user.press("Да, отменить").await;
    assert_eq!(user.last_text(), format!("Заявление №{id} отменено, место освобождено."));
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "cancelled");
    assert_eq!(scalar::<i64>(&app, "SELECT sum(booked)::bigint FROM slots").await, 0);
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM scheduled_jobs WHERE status = 'pending'").await, 0);

    // The same «yes» again (a stale button) changes nothing.
    user.press_data(ask, &format!("h:cy:{id}")).await;
    assert_eq!(
        user.callback_answers().last().unwrap().0,
        "Это действие уже невозможно: статус заявления изменился."
    );
    assert_eq!(scalar::<i64>(&app, "SELECT sum(booked)::bigint FROM slots").await, 0);

    // Someone else's application id is not found.
    user.press_data(ask, "h:v:999999").await;
    assert_eq!(user.callback_answers().last().unwrap().0, "Это заявление больше недоступно.");
    // He may apply again.
    user.send("📝 Подать заявление").await;
    assert!(user.last_text().starts_with(&crate::helpers::step(1)));
}

#[tokio::test]
async fn a_paid_application_can_change_language_and_subjects_but_not_time_or_place() {
    let app = spawn_app().await;
    app.seed().await;
    let user = with_application(&app, 4002, "Қазақша").await;
    mark_paid(&app).await;
    let (id, slot): (i64, i64) =
        sqlx::query_as("SELECT id, slot_id FROM applications").fetch_one(app.pool()).await.unwrap();

    user.tap("📋 Менің өтініштерім").await;
    user.press(&format!("№{id} толығырақ")).await;
    assert!(user.last_text().contains("Мәртебесі: ✅ Төленді"));
    assert!(user.last_text().ends_with("Уақыт пен орынды өзгертуге болмайды."));
    assert_eq!(
        user.buttons(),
        ["✏️ Тестілеу тілін өзгерту", "✏️ Пәндерді өзгерту", "🗑 Өтінішті кері қайтарып алу", "◀️ Тізімге"]
    );

    user.press("✏️ Тестілеу тілін өзгерту").await;
    assert!(user.buttons().contains(&"✓ Орыс тілі".to_string()), "the current one is marked");
    user.press("Қазақ тілі").await;
    assert!(user.last_text().starts_with("Тестілеу тілі өзгертілді: Қазақ тілі ✅"));
    user.press("✏️ Пәндерді өзгерту").await;
    user.press("Химия – Биология").await;
    assert!(user.last_text().starts_with("Пәндер өзгертілді: Химия – Биология ✅"));

    let (language, combo, slot_after): (String, String, i64) = sqlx::query_as(
        "SELECT a.test_language, s1.name_ru || ' – ' || s2.name_ru, a.slot_id FROM applications a
         JOIN subject_combinations c ON c.id = a.combination_id
         JOIN subjects s1 ON s1.id = c.first_subject_id JOIN subjects s2 ON s2.id = c.second_subject_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!((language.as_str(), combo.as_str(), slot_after), ("kk", "Химия – Биология", slot));
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(app.pool()).await.unwrap();
    assert_eq!(audit, ["application.test_language", "application.combination"]);

    // After the database closes: no edit buttons, and an old one is refused.
    sqlx::query("UPDATE campaigns SET database_closed_at = $1")
        .bind(app.clock.now())
        .execute(app.pool())
        .await
        .unwrap();
    let message = user.last().message_id;
    user.press("◀️ Тізімге").await.press(&format!("№{id} толығырақ")).await;
    assert!(
        user.last_text()
            .ends_with("Деректер базасы жабылды: өтінішті өзгертуге болмайды, төлем қайтарылмайды.")
    );
    assert_eq!(user.buttons(), ["🗑 Өтінішті кері қайтарып алу", "◀️ Тізімге"]);
    user.press_data(message, &format!("h:sl:{id}:ru")).await;
    assert_eq!(
        user.callback_answers().last().unwrap().0,
        "Деректер базасы жабылды: өтінішті енді өзгертуге болмайды."
    );
    assert_eq!(scalar::<String>(&app, "SELECT test_language FROM applications").await, "kk");
}

#[tokio::test]
async fn withdrawing_before_closure_releases_the_seat_and_emails_the_refund_documents() {
    let app = spawn_app().await;
    app.seed().await;
    let user = with_application(&app, 4003, "Русский").await;
    mark_paid(&app).await;
    let id: i64 = scalar(&app, "SELECT id FROM applications").await;
    let mails_before = app.smtp.mails().len();

    user.tap("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    user.press("🗑 Отозвать заявление").await;
    let ask = user.last_text();
    assert!(ask.starts_with("Если отозвать заявление, оно будет удалено, а место освободится."));
    assert!(ask.contains(
        "Чтобы вернуть оплату (5\u{a0}640\u{a0}₸), нужно отправить на uto@testcenter.kz документы:"
    ));
    assert!(ask.contains("5) 20-значный номер счёта с реквизитами банка."));
    user.press("Да, отозвать").await;
    assert!(user.last_text().starts_with(&format!("Заявление №{id} отозвано, место освобождено.")));

    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "withdrawn");
    assert_eq!(scalar::<i64>(&app, "SELECT sum(booked)::bigint FROM slots").await, 0);
    let mails = app.smtp.wait_for(mails_before + 1).await;
    let refund = mails.last().unwrap();
    assert_eq!(refund.to, ["user4003@mail.kz"]);
    assert_eq!(refund.subject, "ЕНТ: возврат оплаты");
    assert!(refund.text.contains(&format!("Вы отозвали заявление №{id}")));
    assert!(refund.text.contains("3) копию удостоверения личности;"));
    assert!(refund.html.contains("<ol>"));
    assert_eq!(scalar::<String>(&app, "SELECT action FROM audit_log").await, "application.withdraw");
}

#[tokio::test]
async fn withdrawing_after_closure_says_the_payment_is_not_refunded() {
    let app = spawn_app().await;
    app.seed().await;
    let user = with_application(&app, 4004, "Русский").await;
    mark_paid(&app).await;
    sqlx::query("UPDATE campaigns SET database_closed_at = $1")
        .bind(app.clock.now())
        .execute(app.pool())
        .await
        .unwrap();
    let id: i64 = scalar(&app, "SELECT id FROM applications").await;
    let mails_before = app.smtp.mails().len();

    user.tap("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    user.press("🗑 Отозвать заявление").await;
    assert_eq!(
        user.last_text(),
        "База данных закрыта: если отозвать заявление, оплата не вернётся. Всё равно отозвать?"
    );
    user.press("Да, отозвать").await;
    assert_eq!(
        user.last_text(),
        format!("Заявление №{id} отозвано. База данных закрыта, поэтому оплата не возвращается.")
    );
    assert_eq!(scalar::<String>(&app, "SELECT status::text FROM applications").await, "withdrawn");
    assert_eq!(app.smtp.mails().len(), mails_before, "no refund email after closure");
}

#[tokio::test]
async fn test_information_in_both_languages() {
    let app = spawn_app().await;
    app.seed().await;
    let ru = with_application(&app, 4005, "Русский").await;
    ru.tap("ℹ️ О тестировании").await;
    assert!(ru.last_text().starts_with("Оплаченных заявлений пока нет."));
    mark_paid(&app).await;
    ru.tap("ℹ️ О тестировании").await;
    let text = ru.last_text();
    assert!(text.starts_with("Тестирование по заявлению №"), "{text}");
    assert!(text.contains("📍 КазНУ им. аль-Фараби\nг. Алматы, пр. аль-Фараби, 71\n"), "{text}");
    assert!(text.contains(
        "удостоверение личности или паспорт (подойдёт электронный документ в eGov, Kaspi или Halyk)"
    ));
    assert!(text.contains("09:00"));

    let kk = with_application(&app, 4006, "Қазақша").await;
    sqlx::query("UPDATE applications SET status = 'paid', paid_at = now()")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE applicants SET birth_date = '2011-06-01' WHERE telegram_user_id = $1")
        .bind(kk.id())
        .execute(app.pool())
        .await
        .unwrap();
    kk.tap("ℹ️ Тест туралы").await;
    let text = kk.last_text();
    assert!(text.starts_with("№"), "{text}");
    assert!(text.contains("өтініш бойынша тестілеу:"));
    assert!(text.contains("туу туралы куәлік"), "under 16 on the test day: {text}");
    assert!(text.contains("3×4 фотосуреті бар анықтама"));
}

#[tokio::test]
async fn a_long_history_pages_instead_of_growing() {
    let app = spawn_app().await;
    app.seed().await;
    let user = with_application(&app, 4007, "Қазақша").await;
    // Four earlier applications he cancelled.
    sqlx::query(
        "INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id,
                                   slot_id, status, payment_deadline, closed_at, created_at)
         SELECT applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                'cancelled', payment_deadline, now(), created_at - make_interval(hours => n)
         FROM applications, generate_series(1, 4) n",
    )
    .execute(app.pool())
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM applications ORDER BY created_at DESC")
        .fetch_all(app.pool())
        .await
        .unwrap();

    user.tap("📋 Менің өтініштерім").await;
    let list = user.last().message_id;
    let first = user.last_text();
    assert!(first.chars().count() <= 600, "{first}");
    assert_eq!(first.matches("\n\n№").count(), 3, "{first}");
    assert!(first.contains(&format!("№{} · ⏳ Төлем күтілуде", ids[0])));
    assert_eq!(
        user.buttons(),
        [
            format!("№{} толығырақ", ids[0]),
            format!("№{} толығырақ", ids[1]),
            format!("№{} толығырақ", ids[2]),
            "▶️".into()
        ]
    );
    user.press("▶️").await;
    assert_eq!(user.last().message_id, list, "the same message, edited");
    let second = user.last_text();
    assert!(second.contains(&format!("№{} · ✖️ Тоқтатылды", ids[4])), "{second}");
    assert_eq!(
        user.buttons(),
        [format!("№{} толығырақ", ids[3]), format!("№{} толығырақ", ids[4]), "◀️".into()]
    );
    user.press("◀️").await;
    assert_eq!(user.last_text(), first);
    // A page past the end shows the last one.
    user.press_data(list, "h:l:9").await;
    assert_eq!(user.last_text(), second);
}

#[tokio::test]
async fn an_edit_button_pressed_after_closure_is_refused_at_the_first_press() {
    let app = spawn_app().await;
    app.seed().await;
    let user = with_application(&app, 4007, "Русский").await;
    mark_paid(&app).await;
    let id: i64 = scalar(&app, "SELECT id FROM applications").await;
    user.tap("📋 Мои заявления").await.press(&format!("№{id} подробнее")).await;
    let details = user.last().message_id;
    assert!(user.buttons().contains(&"✏️ Изменить язык сдачи".to_string()), "{:?}", user.buttons());

    sqlx::query("UPDATE campaigns SET database_closed_at = $1")
        .bind(app.clock.now())
        .execute(app.pool())
        .await
        .unwrap();
    // The buttons shown before the closure, pressed after it.
    for verb in ["el", "ec"] {
        user.press_data(details, &format!("h:{verb}:{id}")).await;
        assert_eq!(
            user.callback_answers().last().unwrap().0,
            "База данных закрыта: изменить заявление уже нельзя."
        );
        let shown = user.messages().into_iter().find(|m| m.message_id == details).unwrap();
        assert!(
            shown.text.starts_with(&format!(
                "База данных закрыта: изменить заявление уже нельзя.\n\nЗаявление №{id}"
            )),
            "{}",
            shown.text
        );
        assert!(!shown.button_texts().contains(&"✓ Русский язык".to_string()), "no list to choose from");
    }
    assert_eq!(scalar::<String>(&app, "SELECT test_language FROM applications").await, "ru");
}
