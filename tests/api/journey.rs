//! A new applicant's whole path, as he would walk it: from /start to a paid registration,
//! counting what he has to do, and reading every message the bot sends on the way.

use std::cell::Cell;

use chrono::NaiveDate;

use crate::helpers::{TestApp, TestUser, spawn_app};

/// The most taps and messages a registration may take (the NCT's path, nothing added).
const MAX_ACTIONS: u32 = 16;
/// What a phone screen shows of a message at once.
const MAX_CHARS: usize = 600;

/// The applicant, with a count of everything he does.
struct Applicant<'a> {
    user: &'a TestUser,
    actions: Cell<u32>,
}

impl Applicant<'_> {
    fn count(&self) {
        self.actions.set(self.actions.get() + 1);
    }

    async fn send(&self, text: &str) {
        self.count();
        self.user.send(text).await;
    }

    async fn press(&self, button: &str) {
        self.count();
        self.user.press(button).await;
    }

    async fn press_first(&self) {
        let first = self.user.buttons()[0].clone();
        self.press(&first).await;
    }

    async fn tap(&self, button: &str) {
        self.count();
        self.user.tap(button).await;
    }
}

struct Words {
    language: &'static str,
    yes: &'static str,
    share: &'static str,
    apply: &'static str,
    category: &'static str,
    test_language: &'static str,
    confirm: &'static str,
    paid: &'static str,
}

const KK: Words = Words {
    language: "Қазақша",
    yes: "✅ Иә, менмін",
    share: "📱 Нөмірімді жіберу",
    apply: "📝 Өтініш беру",
    category: "2027 жылғы мектеп бітіруші",
    test_language: "Қазақ тілі",
    confirm: "✅ Ережелерді оқыдым, растаймын",
    paid: "✅ Төлем қабылданды",
};

const RU: Words = Words {
    language: "Русский",
    yes: "✅ Да, это я",
    share: "📱 Отправить мой номер",
    apply: "📝 Подать заявление",
    category: "Выпускник школы 2027 года",
    test_language: "Русский язык",
    confirm: "✅ Правила прочитаны, подтверждаю",
    paid: "✅ Оплата получена",
};

async fn register_and_pay(app: &TestApp, id: u64, words: &Words) -> u32 {
    let iin =
        app.add_person(id, NaiveDate::from_ymd_opt(2008, 3, 15).unwrap(), "Серікова", "Айгерім", None).await;
    let user = app.user(id, None);
    let a = Applicant { user: &user, actions: Cell::new(0) };
    let email = format!("journey{id}@mail.kz");

    a.send("/start").await;
    a.press(words.language).await;
    a.send(&email).await;
    a.send(&app.smtp.last_code_for(&email)).await;
    a.send(&iin).await;
    a.press(words.yes).await;
    a.tap(words.share).await;
    a.tap(words.apply).await;
    a.press(words.category).await;
    a.press(words.test_language).await;
    a.press("Физика – Математика").await;
    a.press("Алматы").await;
    a.press_first().await; // the first date
    a.press_first().await; // the first time
    a.press(words.confirm).await;
    a.press("Kaspi").await;

    // He pays in the Kaspi app; Kaspi calls the bot's server, not the chat.
    let order: String = sqlx::query_scalar(
        "SELECT p.order_number FROM payments p JOIN applications a ON a.id = p.application_id
                             JOIN applicants ap ON ap.id = a.applicant_id WHERE ap.telegram_user_id = $1",
    )
    .bind(id as i64)
    .fetch_one(app.pool())
    .await
    .unwrap();
    let answer: serde_json::Value = reqwest::Client::new()
        .get(app.http_url("/payments/kaspi"))
        .query(&[
            ("command", "pay"),
            ("txn_id", &format!("9{id}")),
            ("txn_date", "20261222101500"),
            ("account", &order),
            ("sum", "5640.00"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["result"], 0, "{answer}");
    user.wait_for("the confirmation", |m| m.text.starts_with(words.paid)).await;

    for m in user.messages().iter().filter(|m| m.from_bot) {
        let n = m.text.chars().count();
        assert!(n <= MAX_CHARS, "{n} characters:\n{}", m.text);
    }
    a.actions.get()
}

#[tokio::test]
async fn a_new_applicant_registers_and_pays_in_sixteen_actions_in_either_language() {
    let app = spawn_app().await;
    app.seed().await;
    for (id, words) in [(8801, &KK), (8802, &RU)] {
        let actions = register_and_pay(&app, id, words).await;
        assert!(actions <= MAX_ACTIONS, "{actions} actions from /start to a paid registration");
        assert_eq!(
            actions, 16,
            "/start, language, email, code, IIN, yes, contact, apply, category, \
                                 test language, subjects, city, date, time, confirm, payment method"
        );
    }
    let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM applications WHERE status = 'paid'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(paid, 2);
}
