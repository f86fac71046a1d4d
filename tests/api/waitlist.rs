//! The waitlist (#25): a freed seat is held for the first in line in the transaction that
//! frees it, offered to him, and passed on when he declines or stays silent; a booker never
//! gets it meanwhile, and nothing is lost across a restart.

use chrono::{Duration, NaiveDate};
use ent_bot::services::booking::{self, Booking};
use ent_bot::services::waitlist::{self, Answer, Join, Wish};
use ent_bot::workers::jobs::run_due;
use ent_bot::workers::outbox::send_due;

use crate::helpers::{TestApp, TestUser};
use crate::payments::{bot, choices, ctx, first_slot, hold_seat, spawn};

async fn scalar_i64(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(app.pool()).await.unwrap()
}

async fn booked(app: &TestApp, slot: i64) -> i64 {
    scalar_i64(app, "SELECT booked::bigint FROM slots WHERE id = $1", slot).await
}

async fn live_applications(app: &TestApp, slot: i64) -> i64 {
    scalar_i64(
        app,
        "SELECT count(*) FROM applications WHERE slot_id = $1 AND status IN ('awaiting_payment', 'paid')",
        slot,
    )
    .await
}

async fn open_offers(app: &TestApp, slot: i64) -> i64 {
    scalar_i64(app, "SELECT count(*) FROM waitlist_offers WHERE slot_id = $1 AND status = 'open'", slot).await
}

/// `booked` counts every live application and every seat an open offer holds (and the
/// seats a test marked taken by plain SQL, `faked`).
async fn assert_seats_add_up(app: &TestApp, slot: i64) {
    assert_seats_add_up_with(app, slot, 0).await
}

async fn assert_seats_add_up_with(app: &TestApp, slot: i64, faked: i64) {
    assert_eq!(
        booked(app, slot).await,
        faked + live_applications(app, slot).await + open_offers(app, slot).await,
        "booked = applications + held offers"
    );
}

/// What the wizard would have chosen for `slot`: its city and local day.
async fn wish_for(app: &TestApp, slot: i64, any_time: bool) -> Wish {
    let c = choices(app, slot).await;
    let (city, date): (i32, NaiveDate) = sqlx::query_as(
        "SELECT v.city_id, (s.starts_at AT TIME ZONE 'Asia/Almaty')::date FROM slots s
         JOIN venues v ON v.id = s.venue_id WHERE s.id = $1",
    )
    .bind(slot)
    .fetch_one(app.pool())
    .await
    .unwrap();
    Wish {
        category: c.category_id,
        language: c.test_language,
        combination: c.combination_id,
        city,
        date,
        slot: if any_time { None } else { Some(slot) },
    }
}

async fn set_capacity(app: &TestApp, slot: i64, capacity: i32) {
    sqlx::query("UPDATE slots SET capacity = $2 WHERE id = $1")
        .bind(slot)
        .bind(capacity)
        .execute(app.pool())
        .await
        .unwrap();
}

/// Fills every other slot of `slot`'s city and day, so a day-wide wish can only get `slot`.
async fn fill_the_rest_of_the_day(app: &TestApp, slot: i64) {
    sqlx::query(
        "UPDATE slots s SET booked = s.capacity FROM slots t, venues v, venues tv
         WHERE t.id = $1 AND s.id <> t.id AND v.id = s.venue_id AND tv.id = t.venue_id
           AND v.city_id = tv.city_id
           AND (s.starts_at AT TIME ZONE 'Asia/Almaty')::date = (t.starts_at AT TIME ZONE 'Asia/Almaty')::date",
    )
    .bind(slot)
    .execute(app.pool())
    .await
    .unwrap();
}

async fn join(app: &TestApp, user: &TestUser, wish: &Wish) -> i64 {
    match waitlist::join(ctx(app), user.id(), wish).await.unwrap() {
        Join::Joined { position, offered: false } => position,
        other => panic!("not in line: {other:?}"),
    }
}

/// Offer ids by applicant, oldest first.
async fn offers_of(app: &TestApp, user: &TestUser) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT f.id, f.status::text FROM waitlist_offers f JOIN waitlist_entries w ON w.id = f.entry_id
         JOIN applicants ap ON ap.id = w.applicant_id WHERE ap.telegram_user_id = $1 ORDER BY f.id",
    )
    .bind(user.id())
    .fetch_all(app.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn freed_seats_go_to_the_line_in_order_never_to_a_booker_and_never_twice() {
    let app = spawn(&[]).await;
    let slot = first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    set_capacity(&app, slot, 10).await;
    let mut holders = vec![];
    for i in 0..10 {
        let user = app.applicant_fixture(25_000 + i, "ru").await;
        holders.push(hold_seat(&app, &user, slot).await);
    }
    assert_eq!(booked(&app, slot).await, 10);
    let mut line = vec![];
    for i in 0..50 {
        let user = app.applicant_fixture(25_100 + i, if i % 2 == 0 { "ru" } else { "kk" }).await;
        let any_time = i % 3 == 0;
        assert_eq!(join(&app, &user, &wish_for(&app, slot, any_time).await).await, i as i64 + 1);
        line.push(user);
    }
    let mut bookers = vec![];
    for i in 0..20 {
        bookers.push(app.applicant_fixture(25_200 + i, "ru").await);
    }

    // 20 bookers hammer the slot while the 10 holds run out and are annulled.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for user in &bookers {
        let (ctx, c, id, stop) = (ctx(&app).clone(), choices(&app, slot).await, user.id(), stop.clone());
        tasks.spawn(async move {
            let mut tries = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || tries < 5 {
                tries += 1;
                match booking::confirm(&ctx, id, &c).await.unwrap() {
                    Booking::SlotFull => {}
                    other => return Some(other),
                }
                tokio::task::yield_now().await;
            }
            None
        });
    }
    app.clock.advance(Duration::minutes(61));
    run_due(ctx(&app)).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.unwrap(), None, "a booker got the seat");
    }

    let annulled = scalar_i64(
        &app,
        "SELECT count(*) FROM applications WHERE slot_id = $1 AND status = 'annulled'",
        slot,
    );
    assert_eq!(annulled.await, 10);
    // The first ten in line, each offered one seat, and nobody else.
    for (i, user) in line.iter().enumerate() {
        let offers = offers_of(&app, user).await;
        let expected = if i < 10 { 1 } else { 0 };
        assert_eq!(offers.len(), expected, "applicant {i} in line: {offers:?}");
    }
    assert_eq!(open_offers(&app, slot).await, 10);
    assert_eq!(booked(&app, slot).await, 10, "the seats stay held");
    assert_seats_add_up(&app, slot).await;
    let free: Vec<_> = booking_free_slots(&app, slot).await;
    assert!(!free.contains(&slot), "a held seat is not shown to the wizard");
    // Sent once each.
    let sent =
        scalar_i64(&app, "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'waitlist-offer:%' AND $1 > 0", 1);
    assert_eq!(sent.await, 10);
    let jobs =
        "SELECT count(*) FROM scheduled_jobs WHERE kind = 'waitlist_offer' AND status = 'done' AND $1 > 0";
    assert_eq!(scalar_i64(&app, jobs, 1).await, 10);

    // All ten book: the seats become applications, nothing more.
    for user in &line[..10] {
        let (offer, _) = offers_of(&app, user).await[0].clone();
        let answer = waitlist::accept(ctx(&app), user.id(), offer).await.unwrap();
        assert!(matches!(answer, Answer::Booked { .. }), "{answer:?}");
        // A second press finds it answered.
        assert_eq!(waitlist::accept(ctx(&app), user.id(), offer).await.unwrap(), Answer::Gone);
    }
    assert_eq!(live_applications(&app, slot).await, 10);
    assert_eq!(open_offers(&app, slot).await, 0);
    assert_seats_add_up(&app, slot).await;
    let audit =
        "SELECT count(*) FROM audit_log WHERE action IN ('waitlist_offer', 'waitlist_accept') AND $1 > 0";
    assert_eq!(scalar_i64(&app, audit, 1).await, 20);
}

async fn booking_free_slots(app: &TestApp, slot: i64) -> Vec<i64> {
    let w = wish_for(app, slot, true).await;
    let c = choices(app, slot).await;
    ent_bot::services::catalog::free_slots(ctx(app), c.campaign_id, w.city, w.date)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[tokio::test]
async fn an_offer_nobody_answers_passes_to_the_next_and_a_decline_too() {
    let app = spawn(&[("WAITLIST_OFFER_MINUTES", "10")]).await;
    let slot = first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    let capacity = booked(&app, slot).await.max(1) as i32;
    sqlx::query("UPDATE slots SET capacity = $2, booked = $2 WHERE id = $1")
        .bind(slot)
        .bind(capacity)
        .execute(app.pool())
        .await
        .unwrap();
    let (first, second, third) = (
        app.applicant_fixture(25_301, "ru").await,
        app.applicant_fixture(25_302, "kk").await,
        app.applicant_fixture(25_303, "ru").await,
    );
    for user in [&first, &second, &third] {
        join(&app, user, &wish_for(&app, slot, true).await).await;
    }

    // Staff raise the capacity by plain SQL: the new seat is the first's.
    set_capacity(&app, slot, capacity + 1).await;
    assert_eq!(offers_of(&app, &first).await.len(), 1);
    run_due(ctx(&app)).await.unwrap();
    let (offer, _) = offers_of(&app, &first).await[0].clone();

    // He is silent past the offer's ten minutes: the seat moves on to the second.
    app.clock.advance(Duration::minutes(9));
    run_due(ctx(&app)).await.unwrap();
    assert_eq!(offers_of(&app, &first).await[0].1, "open", "still his within the ten minutes");
    app.clock.advance(Duration::minutes(1));
    run_due(ctx(&app)).await.unwrap();
    assert_eq!(offers_of(&app, &first).await, [(offer, "expired".to_string())]);
    assert_eq!(waitlist::accept(ctx(&app), first.id(), offer).await.unwrap(), Answer::Gone, "too late");
    let second_offer = offers_of(&app, &second).await;
    assert_eq!(second_offer.len(), 1, "the seat passed to the second");
    assert_eq!(booked(&app, slot).await, i64::from(capacity) + 1);

    // The second says no: the third gets it.
    let (offer2, _) = second_offer[0].clone();
    assert_eq!(waitlist::decline(ctx(&app), second.id(), offer2).await.unwrap(), Answer::Declined);
    assert_eq!(offers_of(&app, &third).await.len(), 1);
    // Someone else's offer cannot be answered.
    let (offer3, _) = offers_of(&app, &third).await[0].clone();
    run_due(ctx(&app)).await.unwrap();
    assert_eq!(waitlist::accept(ctx(&app), second.id(), offer3).await.unwrap(), Answer::Gone);
    assert_eq!(waitlist::decline(ctx(&app), first.id(), offer3).await.unwrap(), Answer::Gone);
    assert_eq!(offers_of(&app, &third).await[0].1, "open");
    assert_seats_add_up_with(&app, slot, i64::from(capacity)).await;

    // The first was told; the outbox carries both messages in his language.
    send_due(ctx(&app), bot(&app)).await.unwrap();
    let told = first.wait_for("the expiry", |m| m.text.contains("Время на ответ вышло")).await;
    assert!(told.inline_keyboard.is_empty());
    second.wait_for("the offer in Kazakh", |m| m.text.contains("Сізге орын босады")).await;
}

#[tokio::test]
async fn a_slot_added_for_a_full_day_goes_to_the_line() {
    let app = spawn(&[]).await;
    let slot = first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let user = app.applicant_fixture(25_401, "ru").await;
    join(&app, &user, &wish_for(&app, slot, true).await).await;
    let added: i64 = sqlx::query_scalar(
        "INSERT INTO slots (campaign_id, venue_id, starts_at, capacity)
         SELECT campaign_id, venue_id, starts_at + interval '17 minutes', 2 FROM slots WHERE id = $1 RETURNING id",
    )
    .bind(slot)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(booked(&app, added).await, 1, "one of the two seats is held for him");
    assert_eq!(open_offers(&app, added).await, 1);
}

#[tokio::test]
async fn a_restart_between_the_release_and_the_offer_loses_nothing() {
    let mut app = spawn(&[]).await;
    let slot = first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    set_capacity(&app, slot, 1).await;
    let holder = app.applicant_fixture(25_501, "ru").await;
    let application = hold_seat(&app, &holder, slot).await;
    let waiter = app.applicant_fixture(25_502, "kk").await;
    join(&app, &waiter, &wish_for(&app, slot, false).await).await;

    // The holder withdraws his hold while the bot is down: the seat is held for the
    // waiter in that transaction, his offer waits in the table.
    app.app.take().unwrap().stop().await;
    use ent_bot::db::applications::{CloseGuard, close};
    use ent_bot::domain::ApplicationStatus;
    let closed = close(
        app.pool(),
        application,
        CloseGuard::Owner(holder.id()),
        &[ApplicationStatus::AwaitingPayment],
        ApplicationStatus::Cancelled,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(closed.is_some());
    assert_eq!(open_offers(&app, slot).await, 1);
    assert_eq!(booked(&app, slot).await, 1);

    // A new process sends it.
    app.restart().await;
    let offer = waiter.wait_for("the offer", |m| m.text.contains("Сізге орын босады")).await;
    assert_eq!(offer.inline_keyboard.iter().flatten().count(), 2);
    assert_seats_add_up(&app, slot).await;
}

/// Walks the wizard to the time step of `slot`'s day and joins the line for any time.
async fn join_by_chat(user: &TestUser, city: &str, kk: bool) {
    if kk {
        user.send("📝 Өтініш беру").await;
        user.press("2027 жылғы мектеп бітіруші").await;
        user.press("Орыс тілі").await;
        user.press("Физика – Математика").await;
    } else {
        user.send("📝 Подать заявление").await;
        user.press("Выпускник школы 2027 года").await;
        user.press("Русский язык").await;
        user.press("Физика – Математика").await;
    }
    user.press(city).await;
}

#[tokio::test]
async fn joining_accepting_and_leaving_by_chat_in_russian() {
    let app = crate::helpers::spawn_app().await;
    app.seed().await;
    let user = app.applicant_fixture(25_601, "ru").await;
    let other = app.applicant_fixture(25_602, "ru").await;
    let slot = karaganda_first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let faked = booked(&app, slot).await - 2;
    join(&app, &other, &wish_for(&app, slot, true).await).await;

    join_by_chat(&user, "Караганда", false).await;
    assert!(user.buttons().contains(&"⏳ Встать в очередь на место".to_string()), "{:?}", user.buttons());
    user.press("⏳ Встать в очередь на место").await;
    assert!(user.last_text().starts_with("Караганда: выберите дату."), "{}", user.transcript());
    let date = slot_day_label(&app, slot, "ru").await;
    user.press(&date).await;
    assert!(user.buttons().iter().any(|b| b.ends_with("мест нет")), "{:?}", user.buttons());
    user.press("Любое время этого дня").await;
    assert!(user.transcript().contains("Ваше место в очереди: 2"), "{}", user.transcript());

    // «My applications» shows his place.
    user.send("📋 Мои заявления").await;
    assert!(user.last_text().contains("Ваше место: 2"), "{}", user.last_text());
    assert_eq!(user.buttons(), ["Выйти из очереди"]);

    // Two seats come back: the first in line is offered one, he the other.
    sqlx::query("UPDATE slots SET booked = booked - 2 WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let offer = user.wait_for("the offer", |m| m.text.contains("Освободилось место для вас")).await;
    let buttons: Vec<_> = offer.inline_keyboard.iter().flatten().map(|b| b.text.clone()).collect();
    assert_eq!(buttons, ["✅ Забронировать", "Отказаться"]);
    user.press_on(offer.message_id, "✅ Забронировать").await;
    assert!(user.transcript().contains("Место за вами! Заявление №"), "{}", user.transcript());
    let app_status: String = sqlx::query_scalar(
        "SELECT a.status::text FROM applications a JOIN applicants ap ON ap.id = a.applicant_id
         WHERE ap.telegram_user_id = $1 AND a.slot_id = $2",
    )
    .bind(user.id())
    .bind(slot)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(app_status, "awaiting_payment");
    assert!(
        user.buttons().iter().any(|b| b.contains("Kaspi")),
        "the payment options follow: {:?}",
        user.buttons()
    );
    // The old offer's buttons are stale now.
    let data = offer.inline_keyboard[0][0].callback_data.clone().unwrap();
    user.press_data(offer.message_id, &data).await;
    assert!(
        user.callback_answers().iter().any(|(text, _)| text.contains("уже недействительно")),
        "{:?}",
        user.callback_answers()
    );
    assert!(user.transcript().contains("Место за вами!"), "the booking stays in the chat");
    assert_eq!(live_applications(&app, slot).await, 1);
    assert_seats_add_up_with(&app, slot, faked).await;
}

#[tokio::test]
async fn declining_by_chat_in_kazakh_and_forged_buttons() {
    let app = crate::helpers::spawn_app().await;
    app.seed().await;
    let user = app.applicant_fixture(25_701, "kk").await;
    let next = app.applicant_fixture(25_702, "ru").await;
    let slot = karaganda_first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let faked = booked(&app, slot).await - 1;

    join_by_chat(&user, "Қарағанды", true).await;
    user.press("⏳ Орынға кезекке тұру").await;
    let date = slot_day_label(&app, slot, "kk").await;
    user.press(&date).await;
    user.press("Осы күннің кез келген уақыты").await;
    assert!(user.transcript().contains("Кезектегі орныңыз: 1"), "{}", user.transcript());
    join(&app, &next, &wish_for(&app, slot, true).await).await;

    // A forged picker button (a city of no slot) changes nothing.
    let menu = user.last().message_id;
    user.press_data(menu, "wl:p:1.ru.1.999999.20270111.0").await;
    assert!(
        user.transcript().contains("Сіз осы кезеңге кезекте тұрсыз")
            || user.transcript().contains("мұндай қала")
    );

    sqlx::query("UPDATE slots SET booked = booked - 1 WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let offer = user.wait_for("the offer", |m| m.text.contains("Сізге орын босады")).await;
    // Someone else's press of it (a forged callback in another chat) is refused.
    let data = offer.inline_keyboard[0][0].callback_data.clone().unwrap();
    next.send("📋 Мои заявления").await;
    next.press_data(next.last().message_id, &data).await;
    assert_eq!(offers_of(&app, &user).await[0].1, "open");
    // A forged offer id.
    user.press_data(offer.message_id, "wo:y:99999999").await;
    assert_eq!(offers_of(&app, &user).await[0].1, "open");

    user.press_on(offer.message_id, "Бас тарту").await;
    assert!(user.transcript().contains("Сіз орыннан бас тарттыңыз"), "{}", user.transcript());
    assert_eq!(offers_of(&app, &user).await[0].1, "declined");
    next.wait_for("the seat passed on", |m| m.text.contains("Освободилось место для вас")).await;
    assert_seats_add_up_with(&app, slot, faked).await;
    // He left the line.
    user.send("📋 Менің өтініштерім").await;
    assert!(!user.last_text().contains("Кезек"), "{}", user.last_text());
}

async fn karaganda_first_slot(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT s.id FROM slots s JOIN venues v ON v.id = s.venue_id JOIN cities c ON c.id = v.city_id
         WHERE c.name_ru = 'Караганда' ORDER BY s.starts_at, s.id LIMIT 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap()
}

async fn slot_day_label(app: &TestApp, slot: i64, locale: &str) -> String {
    let date: NaiveDate =
        sqlx::query_scalar("SELECT (starts_at AT TIME ZONE 'Asia/Almaty')::date FROM slots WHERE id = $1")
            .bind(slot)
            .fetch_one(app.pool())
            .await
            .unwrap();
    let l = ent_bot::i18n::Locale::from_code(locale).unwrap();
    ent_bot::format::short_date(date, l)
}

#[tokio::test]
async fn one_place_in_line_per_campaign_and_bad_wishes_are_refused() {
    let app = spawn(&[]).await;
    let slot = first_slot(&app).await;
    let user = app.applicant_fixture(25_801, "ru").await;
    fill_the_rest_of_the_day(&app, slot).await;
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    let wish = wish_for(&app, slot, false).await;
    join(&app, &user, &wish).await;
    assert_eq!(waitlist::join(ctx(&app), user.id(), &wish).await.unwrap(), Join::AlreadyWaiting);
    let other = app.applicant_fixture(25_802, "ru").await;
    let elsewhere = Wish { city: wish.city + 1000, ..wish.clone() };
    assert_eq!(waitlist::join(ctx(&app), other.id(), &elsewhere).await.unwrap(), Join::NoSuchPlace);
    let wrong_day = Wish { date: wish.date + Duration::days(1), ..wish.clone() };
    assert_eq!(waitlist::join(ctx(&app), other.id(), &wrong_day).await.unwrap(), Join::NoSuchPlace);
    let past = Wish { date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), slot: None, ..wish.clone() };
    assert_eq!(waitlist::join(ctx(&app), other.id(), &past).await.unwrap(), Join::NoSuchPlace);
    let bad_category = Wish { category: 999, ..wish.clone() };
    assert_eq!(waitlist::join(ctx(&app), other.id(), &bad_category).await.unwrap(), Join::NoSuchPlace);
    let entries = "SELECT count(*) FROM waitlist_entries WHERE $1 > 0";
    assert_eq!(scalar_i64(&app, entries, 1).await, 1);

    // Booking a seat by himself ends his place in line.
    let free: i64 = sqlx::query_scalar("SELECT id FROM slots WHERE booked < capacity ORDER BY id LIMIT 1")
        .fetch_one(app.pool())
        .await
        .unwrap();
    hold_seat(&app, &user, free).await;
    assert!(waitlist::current(ctx(&app), user.id()).await.unwrap().is_none());
}

#[tokio::test]
async fn staff_see_waitlist_sizes_per_city_and_day() {
    let (app, admin, _) = crate::console::console_app().await;
    let slot = karaganda_first_slot(&app).await;
    fill_the_rest_of_the_day(&app, slot).await;
    sqlx::query("UPDATE slots SET booked = capacity WHERE id = $1")
        .bind(slot)
        .execute(app.pool())
        .await
        .unwrap();
    for id in [25_901, 25_902, 25_903] {
        let user = app.applicant_fixture(id, "ru").await;
        join(&app, &user, &wish_for(&app, slot, id != 25_903).await).await;
    }
    let browser = crate::helpers::console::sign_in(&app, &admin).await;
    let (status, live) = browser.get("/console/overview/live").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let section = &live[live.find("id=\"waitlist\"").expect("the waitlist section")..];
    assert!(section.contains("Очереди на места"), "{section}");
    assert!(section.contains("<td>Караганда</td>"), "{section}");
    assert!(section.contains("<td class=\"waitlist-waiting\">3</td>"), "{section}");
}
