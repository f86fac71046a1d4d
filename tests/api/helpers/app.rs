//! `spawn_app`: a fresh database, the Bot API emulator on a free port, and the bot wired
//! to both over real HTTP. `TestUser` reads like the person in the chat.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use ent_bot::app::{App, Options};
use ent_bot::clock::Clock;
use ent_bot::config::Config;
use ent_bot::runtime::probe::UpdateProbe;
use sqlx::PgPool;
use telegram_emulator::{EmuMessage, EmuReplyButton, EmuUser, Emulator, EmulatorConfig};

use super::db::TestDb;
use super::smtp::SmtpSink;

/// How long a test waits for the bot to finish handling one update.
const HANDLED_WITHIN: Duration = Duration::from_secs(15);
/// How long a test waits for a message pushed by a worker (rate limits may delay it).
const PUSHED_WITHIN: Duration = Duration::from_secs(30);

pub struct TestApp {
    pub db: TestDb,
    pub smtp: SmtpSink,
    pub emulator: Emulator,
    pub clock: Clock,
    pub probe: UpdateProbe,
    pub app: Option<App>,
    env: HashMap<String, String>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with extra environment settings (`("PAYMENT_DEADLINE_MINUTES", "60")` …).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        // As zero2prod does: logs only when asked for, to follow one failing test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,ent_bot=debug"))
            .with_test_writer()
            .try_init();
    }
    let db = TestDb::new().await;
    // Dialogue tests answer with several messages at once; limits are tested on their own.
    let emulator_config =
        EmulatorConfig { per_chat_rate_per_sec: None, global_rate_per_sec: None, ..Default::default() };
    let (emulator, _) = Emulator::serve(emulator_config).await.expect("emulator starts");
    let smtp = SmtpSink::start().await;
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("SMTP_URL".into(), smtp.url());
    env.insert("MAIL_FROM".into(), "ENT <no-reply@ent.test>".into());
    env.insert("SUPPORT_CONTACT".into(), "support@ent.test".into());
    env.insert("DATABASE_URL".into(), db.url.clone());
    env.insert("BOT_TOKEN".into(), emulator.token().to_string());
    env.insert("TELEGRAM_API_URL".into(), emulator.api_url().to_string());
    env.insert("HTTP_ADDR".into(), "127.0.0.1:0".into());
    // Several tests run at once against one PostgreSQL (100 connections by default).
    env.insert("DATABASE_MAX_CONNECTIONS".into(), "10".into());
    env.insert("UPDATE_WORKERS".into(), "4".into());
    // The tests call the Kaspi endpoint from loopback, as the sandbox's payment page does;
    // tests/api/kaspi_proxy.rs turns it off to attack the endpoint.
    env.insert("KASPI_ALLOW_LOOPBACK".into(), "true".into());
    // `serve` (the binary in a child process) requires one.
    env.insert("CONSOLE_SECRET".into(), format!("test-console-secret-{}", rand::random::<u64>()));
    env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    // A fixed start keeps dates in assertions stable: Tuesday 2026-12-22 10:00 in Almaty.
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 12, 22, 5, 0, 0).unwrap());
    let mut test_app = TestApp { db, smtp, emulator, clock, probe: UpdateProbe::default(), app: None, env };
    test_app.start().await;
    test_app
}

impl TestApp {
    /// The environment the app runs with, for starting the binary as a child process.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        self.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    pub fn config(&self) -> Config {
        Config::from_lookup(|k| self.env.get(k).cloned()).expect("test config is valid")
    }

    async fn start(&mut self) {
        // The app opens its own pool, as a process does: a restart that kills it mid-work
        // then leaves no half-finished transaction on a connection the next app would reuse.
        let options = Options {
            clock: Some(self.clock.clone()),
            probe: Some(self.probe.clone()),
            ..Options::default()
        };
        self.app = Some(App::build(self.config(), options).await.expect("app starts"));
    }

    /// Changes a setting for the next [`TestApp::restart`] (a deploy with a new environment).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_string(), value.to_string());
    }

    /// Kills the bot and starts a new one on the same database, like a process restart.
    pub async fn restart(&mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        self.start().await;
    }

    pub fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    /// The running app's shared context (for single-stepping workers in tests).
    pub fn ctx(&self) -> &ent_bot::services::Ctx {
        &self.app.as_ref().expect("app runs").ctx
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{}", self.app.as_ref().expect("app runs").http_addr, path)
    }

    /// Puts a person into the registry (reference data, as `import persons` would) and
    /// returns his IIN: born on `birth`, a serial derived from `seed`.
    pub async fn add_person(
        &self,
        seed: u64,
        birth: chrono::NaiveDate,
        last: &str,
        first: &str,
        patronymic: Option<&str>,
    ) -> String {
        let iin = (0..1000u16)
            .find_map(|k| {
                ent_bot::domain::Iin::from_parts(
                    birth,
                    ent_bot::domain::Sex::Female,
                    ((seed as u16).wrapping_mul(7) + k) % 10_000,
                )
            })
            .expect("an issuable IIN");
        sqlx::query("INSERT INTO persons (iin, last_name, first_name, patronymic) VALUES ($1, $2, $3, $4)")
            .bind(iin.as_str())
            .bind(last)
            .bind(first)
            .bind(patronymic)
            .execute(self.pool())
            .await
            .expect("person inserted");
        iin.as_str().to_string()
    }

    /// A user who went through the whole onboarding by chatting, in `language`
    /// ("Қазақша" or "Русский"). Returns him at the main menu.
    pub async fn onboarded_user(&self, id: u64, language: &str) -> TestUser {
        let user = self.user(id, None);
        let birth = chrono::NaiveDate::from_ymd_opt(2008, 3, 15).unwrap();
        let iin = self.add_person(id, birth, "Серікова", "Айгерім", Some("Нұрланқызы")).await;
        let email = format!("user{id}@mail.kz");
        user.send("/start").await.press(language).await;
        user.send(&email).await;
        let code = self.smtp.last_code_for(&email);
        user.send(&code).await;
        user.send(&iin).await;
        let yes = user.buttons().into_iter().next().expect("a Yes button");
        user.press(&yes).await;
        user.tap(&user.keyboard()[0]).await;
        assert_eq!(user.keyboard().len(), 5, "at the main menu after onboarding:\n{}", user.transcript());
        user
    }

    /// The demo reference data: the campaign (open at the harness clock), categories,
    /// subjects, cities, venues and a week of slots.
    pub async fn seed(&self) {
        ent_bot::seed::seed_demo(self.pool(), self.clock.now(), chrono_tz::Asia::Almaty).await.expect("seed");
    }

    /// Makes every write of an email verification for `email` fail below the bot, as a
    /// broken constraint would: the update that asks for it fails on every try.
    pub async fn fail_email_verifications_for(&self, email: &str) {
        sqlx::raw_sql(&format!(
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.email = '{email}' THEN RAISE EXCEPTION 'injected fault'; END IF;
                 RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON email_verifications
                 FOR EACH ROW EXECUTE FUNCTION refuse_boom();"
        ))
        .execute(self.pool())
        .await
        .unwrap();
    }

    /// An applicant who finished onboarding, written straight to the database: for tests
    /// of later journeys that need many of them (onboarding itself is tested by chat).
    pub async fn applicant_fixture(&self, id: u64, locale: &str) -> TestUser {
        let birth =
            chrono::NaiveDate::from_ymd_opt(2007, 1, 1).unwrap() + chrono::Duration::days((id % 3000) as i64);
        let iin = self.add_person(id, birth, "Тестов", "Тест", None).await;
        let uid = id as i64;
        let mut tx = self.pool().begin().await.unwrap();
        sqlx::query("INSERT INTO telegram_users (id, chat_id, first_name, locale) VALUES ($1, $1, 'Test', $2::locale)")
            .bind(uid)
            .bind(locale)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO applicants (telegram_user_id, email, email_verified_at, iin, full_name, birth_date, phone)
             VALUES ($1, $2, now(), $3, 'Тестов Тест', $4, $5)",
        )
        .bind(uid)
        .bind(format!("fixture{id}@mail.kz"))
        .bind(&iin)
        .bind(birth)
        .bind(format!("+7701{:07}", id % 10_000_000))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query("INSERT INTO dialogue_states (chat_id, state) VALUES ($1, '{\"step\":\"menu\"}')")
            .bind(uid)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        self.user(id, Some(locale))
    }

    /// A Telegram user whose client reports `language_code`.
    pub fn user(&self, id: u64, language_code: Option<&str>) -> TestUser {
        TestUser {
            emu: self.emulator.user(id, "Айгерім", language_code),
            probe: self.probe.clone(),
            emulator: self.emulator.clone(),
            db: self.pool().clone(),
        }
    }
}

pub struct TestUser {
    pub emu: EmuUser,
    probe: UpdateProbe,
    emulator: Emulator,
    db: PgPool,
}

impl TestUser {
    pub fn id(&self) -> i64 {
        self.emu.id() as i64
    }

    /// Waits for the bot to have handled the update. The probe hears of it once the
    /// update's commit went through; a process killed in the instant between its commit
    /// and hearing back never tells, so the inbox is asked too once the probe has been
    /// silent for a while (not sooner: a crowd asking at once would crowd the pool).
    async fn handled(&self, update_id: i32) {
        let id = u32::try_from(update_id).expect("update ids are positive");
        let deadline = tokio::time::Instant::now() + HANDLED_WITHIN;
        if self.probe.wait(id, Duration::from_secs(2)).await {
            return;
        }
        while !self.probe.wait(id, Duration::from_secs(1)).await {
            let committed: Option<bool> =
                sqlx::query_scalar("SELECT handled_at IS NOT NULL FROM inbox WHERE update_id = $1")
                    .bind(i64::from(update_id))
                    .fetch_optional(&self.db)
                    .await
                    .unwrap_or(None);
            if committed == Some(true) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the bot did not handle update {update_id} in time"
            );
        }
    }

    pub async fn send(&self, text: &str) -> &Self {
        let id = if text.starts_with('/') { self.emu.send_command(text) } else { self.emu.send_text(text) };
        self.handled(id).await;
        self
    }

    /// Presses the inline button with this text on the newest message that has one.
    pub async fn press(&self, button: &str) -> &Self {
        let id = self
            .emu
            .press_button(button)
            .unwrap_or_else(|e| panic!("no button `{button}`: {e:?}; chat:\n{}", self.transcript()));
        self.handled(id).await;
        self
    }

    pub async fn press_on(&self, message_id: i32, button: &str) -> &Self {
        let id = self
            .emu
            .press_button_on(message_id, button)
            .unwrap_or_else(|e| panic!("no button `{button}`: {e:?}"));
        self.handled(id).await;
        self
    }

    pub async fn press_data(&self, message_id: i32, data: &str) -> &Self {
        let id = self.emu.press_callback_data(message_id, data);
        self.handled(id).await;
        self
    }

    /// Presses a button of the reply keyboard.
    pub async fn tap(&self, button: &str) -> &Self {
        let id = self
            .emu
            .press_reply(button)
            .unwrap_or_else(|e| panic!("no keyboard button `{button}`: {e:?}; chat:\n{}", self.transcript()));
        self.handled(id).await;
        self
    }

    pub async fn share_contact(&self, phone: &str, owner: Option<u64>) -> &Self {
        let id = self.emu.share_contact(phone, owner);
        self.handled(id).await;
        self
    }

    pub async fn send_sticker(&self) -> &Self {
        let id = self.emu.send_sticker();
        self.handled(id).await;
        self
    }

    pub async fn send_photo(&self) -> &Self {
        let id = self.emu.send_photo();
        self.handled(id).await;
        self
    }

    pub async fn send_document(&self, name: &str, mime: &str, bytes: Vec<u8>) -> &Self {
        let id = self.emu.send_document(name, mime, bytes);
        self.handled(id).await;
        self
    }

    /// A document of `size` bytes (above 20 MB the bot can never download it).
    pub async fn send_document_of_size(&self, name: &str, mime: &str, size: u64) -> &Self {
        let id = self.emu.send_document_of_size(name, mime, size);
        self.handled(id).await;
        self
    }

    pub async fn send_voice(&self) -> &Self {
        let id = self.emu.send_voice();
        self.handled(id).await;
        self
    }

    /// Waits for a message the bot sends on its own (outbox, workers): until some bot
    /// message satisfies `pred`, or panics after `PUSHED_WITHIN`.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&EmuMessage) -> bool) -> EmuMessage {
        let deadline = tokio::time::Instant::now() + PUSHED_WITHIN;
        loop {
            let seen = self.emulator.chat_activity(self.id());
            if let Some(m) = self.messages().into_iter().find(|m| pred(m)) {
                return m;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                panic!("no message {what} arrived; chat:\n{}", self.transcript());
            }
            self.emulator.wait_chat_activity(self.id(), seen, left).await;
        }
    }

    pub fn messages(&self) -> Vec<EmuMessage> {
        self.emu.messages()
    }

    pub fn last(&self) -> EmuMessage {
        self.emu.last_message().expect("the bot has said something")
    }

    pub fn last_text(&self) -> String {
        self.last().text
    }

    /// The inline buttons of the newest bot message, row by row flattened.
    pub fn buttons(&self) -> Vec<String> {
        self.last().inline_keyboard.iter().flatten().map(|b| b.text.clone()).collect()
    }

    pub fn keyboard(&self) -> Vec<String> {
        self.emu
            .reply_keyboard()
            .unwrap_or_default()
            .iter()
            .flatten()
            .map(|b: &EmuReplyButton| b.text.clone())
            .collect()
    }

    pub fn callback_answers(&self) -> Vec<(String, bool)> {
        self.emu.callback_answers()
    }

    pub fn transcript(&self) -> String {
        self.messages()
            .iter()
            .map(|m| format!("[{}] {}", m.message_id, m.text))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
