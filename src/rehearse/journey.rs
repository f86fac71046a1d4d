//! Simulated applicants: each registers by chatting through the Bot API emulator as
//! `tests/api/journey.rs` walks it, reads his code from the SMTP sink, and pays with
//! Kaspi's `pay` callback over HTTP; some think, mistype, give up or pay late. The
//! pipeline benchmark and `ent-bot rehearse` drive the same applicants.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use rand::{Rng, SeedableRng};
use telegram_emulator::{EmuError, EmuUser, Emulator};

use super::Mailbox;
use super::waiter::Waiter;

/// Updates one registration takes: /start, language, email, code, IIN, yes, contact,
/// apply, category, test language, subjects, city, date, time, confirm, Kaspi.
pub const STEPS: usize = 16;
pub const STEP_NAMES: [&str; STEPS] = [
    "/start",
    "language",
    "email",
    "code",
    "IIN",
    "yes, it's me",
    "contact",
    "apply",
    "category",
    "test language",
    "subjects",
    "city",
    "date",
    "time",
    "confirm",
    "Kaspi",
];
pub const EMAIL_TYPO: &str = "email (typo)";
pub const IIN_TYPO: &str = "IIN (typo)";
/// The simulated applicants' family name in the registry (the bot shows it: «Is this you?»).
pub const PERSON_LAST_NAME: &str = "Тестов";
/// The registration fee as Kaspi sends it.
pub const FEE: &str = "5640.00";

const LANGUAGE: &str = "Русский";
const APPLY: &str = "📝 Подать заявление";
/// The label as the bot shows it for the January 2027 session (`{ $year }` filled with the
/// campaign's graduation year).
const CATEGORY: &str = "Выпускник школы 2027 года";
const TEST_LANGUAGE: &str = "Русский язык";
const SUBJECTS: &str = "Физика – Математика";
const CONFIRM: &str = "✅ Правила прочитаны, подтверждаю";
const KASPI: &str = "Kaspi";

/// How long the chat must stay quiet for a step's replies to count as complete while
/// they are being learned (one applicant alone, before the load).
const QUIET: Duration = Duration::from_millis(400);

/// How the applicants behave, as shares of them and a mean think time.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Mean pause before each step (exponentially distributed); zero: none.
    pub think: Duration,
    /// Share who mistype their email and their IIN once each.
    pub typos: f64,
    /// Share who give up at a random step (one who gives up after choosing Kaspi holds a
    /// seat until the payment window ends).
    pub abandon: f64,
    /// Share who pay `late_pay_after` after getting the order number.
    pub late_pay: f64,
    pub late_pay_after: Duration,
}

/// What one applicant will do, drawn from the behaviour with his id as the seed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Plan {
    pub think: Duration,
    pub typos: bool,
    /// Stops before this step (index into `STEP_NAMES`, or `STEPS`: never pays).
    pub abandon_before: Option<usize>,
    pub pay_after: Duration,
}

impl Behaviour {
    pub fn plan(&self, id: u64) -> Plan {
        let mut rng = rand::rngs::StdRng::seed_from_u64(id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let typos = rng.gen_bool(self.typos.clamp(0.0, 1.0));
        let abandon_before = rng.gen_bool(self.abandon.clamp(0.0, 1.0)).then(|| rng.gen_range(1..=STEPS));
        let late = rng.gen_bool(self.late_pay.clamp(0.0, 1.0));
        Plan {
            think: self.think,
            typos,
            abandon_before,
            pay_after: if late { self.late_pay_after } else { Duration::ZERO },
        }
    }
}

/// How a step counts as done.
pub enum Completion {
    /// The bot in this process: the update's commit, as its probe reports (the benchmark).
    Handled(Waiter),
    /// Any deployment: the bot's first reply in the chat is the step's latency, and the
    /// step is done once the chat saw as many sends and edits as that step makes when an
    /// applicant walks alone (learned first, see [`Drive::learn`]).
    Replies(Mutex<HashMap<&'static str, u64>>),
}

/// What the applicants of a run share.
pub struct Drive {
    pub emulator: Emulator,
    pub completion: Completion,
    pub mailbox: Mailbox,
    pub http: reqwest::Client,
    /// Where Kaspi's `pay` goes (`…/payments/kaspi`), one per process, taken in turn.
    pub kaspi_urls: Vec<String>,
    /// `KASPI_BASIC_AUTH` as `user:password`, when the deployment asks for it.
    pub kaspi_basic_auth: Option<(String, String)>,
    /// The registry entry of each applicant.
    pub iins: HashMap<u64, String>,
    pub behaviour: Behaviour,
    /// How long one step may take before the applicant gives up with an error.
    pub within: Duration,
    /// Statements sent so far (the benchmark counts SQL); a traced walk records each step's.
    pub counter: Option<fn() -> u64>,
}

/// One applicant's run.
#[derive(Default, Debug)]
pub struct UserRun {
    /// Each step's latency, by step name.
    pub steps: Vec<(&'static str, Duration)>,
    /// Kaspi's `pay` round trip, when he paid.
    pub kaspi: Option<Duration>,
    pub abandoned_before: Option<&'static str>,
    pub error: Option<String>,
}

/// Statements per step of a traced walk.
pub type Trace = Vec<u64>;

impl Drive {
    /// One applicant's action, timed until the bot answered it.
    async fn step(
        &self,
        user: &EmuUser,
        plan: &Plan,
        run: &mut UserRun,
        trace: &mut Option<Trace>,
        name: &'static str,
        mut act: impl FnMut() -> Result<i32, EmuError>,
    ) -> anyhow::Result<()> {
        if !plan.think.is_zero() {
            let u: f64 = rand::thread_rng().gen_range(f64::EPSILON..1.0);
            tokio::time::sleep(plan.think.mul_f64(-u.ln())).await;
        }
        let chat = user.id() as i64;
        // A button the bot has not drawn yet (the previous step's last edit still on its
        // way) is pressed as soon as it is there.
        let deadline = tokio::time::Instant::now() + self.within;
        let before = self.counter.map(|count| count());
        let (update_id, seen, started) = loop {
            let seen = self.emulator.chat_activity(chat);
            let started = Instant::now();
            match act() {
                Ok(id) => break (id, seen, started),
                Err(
                    e @ (EmuError::ButtonNotFound { .. }
                    | EmuError::ReplyButtonNotFound { .. }
                    | EmuError::NoReplyKeyboard { .. }),
                ) => {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    if left.is_zero() || !self.emulator.wait_chat_activity(chat, seen, left).await {
                        bail!("{name}: {e:?}");
                    }
                }
                Err(e) => bail!("{name}: {e:?}"),
            }
        };
        match &self.completion {
            Completion::Handled(waiter) => {
                let Some(done) = waiter.handled(update_id, self.within).await else {
                    bail!("{name}: update {update_id} was not handled within {:?}", self.within);
                };
                run.steps.push((name, done.saturating_duration_since(started)));
            }
            Completion::Replies(expected) => {
                if !self.emulator.wait_chat_activity(chat, seen, self.within).await {
                    bail!("{name}: no answer within {:?}", self.within);
                }
                run.steps.push((name, started.elapsed()));
                let known = expected.lock().expect("not poisoned").get(name).copied();
                match known {
                    Some(n) => {
                        let left =
                            deadline.saturating_duration_since(tokio::time::Instant::now()).max(self.within);
                        if !self.emulator.wait_chat_activity(chat, seen + n.max(1) - 1, left).await {
                            bail!("{name}: the bot's {n} replies did not all arrive");
                        }
                    }
                    None => {
                        // Learning: every reply this step makes, however many.
                        loop {
                            let now = self.emulator.chat_activity(chat);
                            if !self.emulator.wait_chat_activity(chat, now, QUIET).await {
                                break;
                            }
                        }
                        let n = self.emulator.chat_activity(chat) - seen;
                        expected.lock().expect("not poisoned").insert(name, n);
                    }
                }
            }
        }
        if let (Some(trace), Some(count), Some(before)) = (trace, self.counter, before) {
            // Let the workers' follow-up (the next empty claim) land in this step.
            tokio::time::sleep(Duration::from_millis(100)).await;
            trace.push(count() - before);
        }
        Ok(())
    }

    /// With [`Completion::Replies`]: one applicant (`learner`, who needs a person in the
    /// registry) walks alone, mistyping once each time he can, and each step's replies are
    /// counted. First `ping` sends `/start` and waits up to `connect` for an answer: the
    /// wait for the deployment to poll or set its webhook.
    pub async fn learn(&self, ping: u64, learner: u64, connect: Duration) -> anyhow::Result<()> {
        let pinger = self.emulator.user(ping, "Айгерім", Some("ru"));
        let seen = self.emulator.chat_activity(ping as i64);
        pinger.send_command("/start");
        if !self.emulator.wait_chat_activity(ping as i64, seen, connect).await {
            bail!(
                "the bot did not answer within {connect:?}: is the deployment's TELEGRAM_API_URL this \
                 emulator, and its BOT_TOKEN the emulator's?"
            );
        }
        let plan = Plan { typos: true, ..Plan::default() };
        let user = self.emulator.user(learner, "Айгерім", Some("ru"));
        let mut run = UserRun::default();
        self.register_as(user, learner, &plan, &mut run, &mut None).await.with_context(|| {
            format!("the learning applicant failed:\n{}", self.emulator.render_transcript(learner as i64))
        })
    }

    /// The whole registration of applicant `id`, as his plan says.
    pub async fn register(
        &self,
        id: u64,
        run: &mut UserRun,
        trace: &mut Option<Trace>,
    ) -> anyhow::Result<()> {
        let plan = self.behaviour.plan(id);
        let user = self.emulator.user(id, "Айгерім", Some("ru"));
        self.register_as(user, id, &plan, run, trace).await
    }

    async fn register_as(
        &self,
        user: EmuUser,
        id: u64,
        plan: &Plan,
        run: &mut UserRun,
        trace: &mut Option<Trace>,
    ) -> anyhow::Result<()> {
        let email = format!("user{id}@mail.kz");
        let iin = self.iins.get(&id).context("no person for this applicant")?.clone();
        // A Kazakhstan mobile number, whatever the id (Telegram's default would be 77 and
        // the id's last nine digits).
        user.set_phone(&format!("77017{:06}", id % 1_000_000));
        let gives_up = |step: usize| plan.abandon_before == Some(step);
        macro_rules! step {
            ($index:expr, $act:expr) => {
                if gives_up($index) {
                    run.abandoned_before = Some(STEP_NAMES[$index]);
                    return Ok(());
                }
                self.step(&user, plan, run, trace, STEP_NAMES[$index], $act).await?;
            };
        }
        step!(0, || Ok(user.send_command("/start")));
        step!(1, || user.press_button(LANGUAGE));
        if plan.typos {
            let typo = email.replace('@', "");
            self.step(&user, plan, run, trace, EMAIL_TYPO, || Ok(user.send_text(&typo))).await?;
        }
        step!(2, || Ok(user.send_text(&email)));
        let code = self.mailbox.wait_code(&email, self.within).await.context("no code was mailed")?;
        step!(3, || Ok(user.send_text(&code)));
        if plan.typos {
            let last = iin.as_bytes()[11] - b'0';
            let typo = format!("{}{}", &iin[..11], (last + 1) % 10);
            self.step(&user, plan, run, trace, IIN_TYPO, || Ok(user.send_text(&typo))).await?;
        }
        step!(4, || Ok(user.send_text(&iin)));
        // «Is this you?»: its first button, once the registry's name is shown.
        step!(5, || {
            let last = user
                .last_message()
                .filter(|m| m.text.contains(PERSON_LAST_NAME) && !m.inline_keyboard.is_empty());
            let yes = last.map(|m| m.button_texts()).and_then(|b| b.into_iter().next());
            match yes {
                Some(yes) => user.press_button(&yes),
                None => Err(EmuError::ButtonNotFound {
                    chat_id: id as i64,
                    text: "yes".into(),
                    available: vec![],
                }),
            }
        });
        step!(6, || {
            let share =
                user.reply_keyboard().and_then(|k| k.into_iter().flatten().find(|b| b.request_contact));
            match share {
                Some(b) => user.press_reply(&b.text),
                None => Err(EmuError::NoReplyKeyboard { chat_id: id as i64 }),
            }
        });
        step!(7, || user.press_reply(APPLY));
        // The wizard, read from the screen as a person reads it: after a database outage a
        // step may have been drawn again (a new render), and the press on the old one is
        // answered as stale; the applicant then simply chooses again on what he sees.
        let mut rest = id as usize;
        for _ in 0..24 {
            let screen = wait_for(&self.emulator, &user, self.within, || wizard_screen(&user)).await;
            let Some(screen) = screen else { bail!("no wizard step on the screen") };
            if screen.kaspi {
                break;
            }
            let (index, pick) = match screen.step {
                1 => (8, CATEGORY.to_string()),
                2 => (9, TEST_LANGUAGE.to_string()),
                3 => (10, SUBJECTS.to_string()),
                // City, date, time: spread over what is offered, so seats and slot rows are
                // shared the way a crowd shares them, not all on one slot.
                n @ 4..=6 => {
                    let pick = screen.choices[rest % screen.choices.len()].clone();
                    rest /= screen.choices.len();
                    (7 + n as usize, pick)
                }
                _ => (14, CONFIRM.to_string()),
            };
            let message = screen.message;
            step!(index, || user.press_button_on(message, &pick));
        }
        step!(15, || user.press_button(KASPI));
        if gives_up(STEPS) {
            run.abandoned_before = Some("pay");
            return Ok(());
        }
        let order = wait_for(&self.emulator, &user, self.within, || {
            user.messages().iter().rev().find_map(|m| {
                m.text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 12).map(str::to_string)
            })
        })
        .await
        .context("no Kaspi order number in the chat")?;
        if !plan.pay_after.is_zero() {
            tokio::time::sleep(plan.pay_after).await;
        }
        let url = &self.kaspi_urls[id as usize % self.kaspi_urls.len()];
        let before = self.counter.map(|count| count());
        let started = Instant::now();
        let mut request = self.http.get(url).query(&[
            ("command", "pay"),
            ("txn_id", &format!("rehearsal{id}")),
            ("txn_date", &Utc::now().format("%Y%m%d%H%M%S").to_string()),
            ("account", &order),
            ("sum", FEE),
        ]);
        if let Some((user, password)) = &self.kaspi_basic_auth {
            request = request.basic_auth(user, Some(password));
        }
        // Kaspi repeats a payment answered «temporary error» (result 1), as billers expect.
        let deadline = tokio::time::Instant::now() + self.within;
        loop {
            let answer: serde_json::Value =
                request.try_clone().context("a GET request")?.send().await?.json().await?;
            match answer["result"].as_i64() {
                Some(0) => break,
                Some(1) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_secs(1)).await
                }
                _ => bail!("Kaspi pay answered {answer}"),
            }
        }
        run.kaspi = Some(started.elapsed());
        if let (Some(trace), Some(count), Some(before)) = (trace, self.counter, before) {
            trace.push(count() - before);
        }
        Ok(())
    }

    /// The echo baseline's user: as many messages as a registration has updates.
    pub async fn chat(&self, id: u64, run: &mut UserRun) -> anyhow::Result<()> {
        let user = self.emulator.user(id, "Айгерім", Some("ru"));
        let plan = Plan::default();
        for (i, step) in STEP_NAMES.iter().enumerate() {
            let text = format!("message {i} from {id}");
            self.step(&user, &plan, run, &mut None, step, || Ok(user.send_text(&text))).await?;
        }
        Ok(())
    }
}

/// Waits until `found` finds something in the chat.
async fn wait_for<T>(
    emulator: &Emulator,
    user: &EmuUser,
    within: Duration,
    found: impl Fn() -> Option<T>,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let seen = emulator.chat_activity(user.id() as i64);
        if let Some(t) = found() {
            return Some(t);
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() || !emulator.wait_chat_activity(user.id() as i64, seen, left).await {
            return found();
        }
    }
}

/// What the wizard shows: its newest message, the step it is at («Шаг n/7»), its choice
/// buttons, and whether the payment choice came after it.
struct Screen {
    message: i32,
    step: u8,
    choices: Vec<String>,
    kaspi: bool,
}

fn wizard_screen(user: &EmuUser) -> Option<Screen> {
    let messages = user.messages();
    let newest = messages.iter().rev().find(|m| !m.inline_keyboard.is_empty())?;
    if newest.button_texts().iter().any(|b| b == KASPI) {
        return Some(Screen { message: newest.message_id, step: 0, choices: vec![], kaspi: true });
    }
    let step = newest.text.split("Шаг ").nth(1)?.split('/').next()?.trim().parse().ok()?;
    let choices = newest
        .inline_keyboard
        .iter()
        .flatten()
        .filter(|b| b.callback_data.as_deref().is_some_and(|d| d.starts_with("w:") && d.contains(":v:")))
        .map(|b| b.text.clone())
        .collect::<Vec<_>>();
    if (4..=6).contains(&step) && choices.is_empty() {
        return None;
    }
    Some(Screen { message: newest.message_id, step, choices, kaspi: false })
}

/// How applicants arrive.
#[derive(Clone, Copy, Debug)]
pub enum Arrivals {
    /// Everyone at once.
    Closed,
    /// At random, this many a second (exponential gaps).
    Open { users_per_sec: f64 },
    /// Over this long, ever more of them a second (the rate rises linearly from zero, as
    /// in the first minutes after registration opens).
    Ramp { over: Duration },
}

/// What a run of many applicants measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub users: usize,
    pub elapsed: Duration,
    /// Every step's latency, by step name.
    pub steps: BTreeMap<&'static str, Vec<Duration>>,
    pub kaspi: Vec<Duration>,
    pub registrations: u64,
    pub abandoned: u64,
    pub errors: Vec<(u64, String)>,
}

impl Outcome {
    /// Every step's latency, sorted.
    pub fn latencies(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self.steps.values().flatten().copied().collect();
        all.sort();
        all
    }

    pub fn updates(&self) -> u64 {
        self.steps.values().map(|v| v.len() as u64).sum()
    }
}

/// Which journey the applicants walk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Journey {
    Register,
    /// The echo baseline: plain messages.
    Echo,
}

/// Runs one applicant per id, arriving as `arrivals` says, and gathers what they measured.
pub async fn run_load(
    drive: std::sync::Arc<Drive>,
    ids: Vec<u64>,
    arrivals: Arrivals,
    journey: Journey,
) -> Outcome {
    let users = ids.len();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let mut next_arrival = Duration::ZERO;
    for (i, id) in ids.into_iter().enumerate() {
        match arrivals {
            Arrivals::Closed => {}
            Arrivals::Open { users_per_sec } => {
                tokio::time::sleep_until((started + next_arrival).into()).await;
                let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                next_arrival += Duration::from_secs_f64(-u.ln() / users_per_sec);
            }
            Arrivals::Ramp { over } => {
                // The i-th of n arrives at over·√(i/n): the arrival rate grows linearly.
                let at = over.mul_f64(((i as f64) / (users as f64)).sqrt());
                tokio::time::sleep_until((started + at).into()).await;
            }
        }
        let drive = drive.clone();
        tasks.spawn(async move {
            let mut run = UserRun::default();
            let outcome = match journey {
                Journey::Register => drive.register(id, &mut run, &mut None).await,
                Journey::Echo => drive.chat(id, &mut run).await,
            };
            if let Err(e) = outcome {
                run.error = Some(format!("{e:#}"));
            }
            (id, run)
        });
    }
    let mut out = Outcome { users, ..Outcome::default() };
    while let Some(joined) = tasks.join_next().await {
        let Ok((id, run)) = joined else { continue };
        for (step, took) in run.steps {
            out.steps.entry(step).or_default().push(took);
        }
        if let Some(k) = run.kaspi {
            out.kaspi.push(k);
            out.registrations += 1;
        }
        if run.abandoned_before.is_some() {
            out.abandoned += 1;
        }
        if let Some(e) = run.error {
            out.errors.push((id, e));
        }
    }
    out.elapsed = started.elapsed();
    for v in out.steps.values_mut() {
        v.sort();
    }
    out.kaspi.sort();
    out
}

pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_the_shares() {
        let behaviour = Behaviour {
            typos: 0.1,
            abandon: 0.2,
            late_pay: 0.3,
            late_pay_after: Duration::from_secs(5),
            ..Behaviour::default()
        };
        let plans: Vec<Plan> = (0..10_000).map(|id| behaviour.plan(id)).collect();
        let share =
            |f: &dyn Fn(&Plan) -> bool| plans.iter().filter(|p| f(p)).count() as f64 / plans.len() as f64;
        assert!((share(&|p| p.typos) - 0.1).abs() < 0.02);
        assert!((share(&|p| p.abandon_before.is_some()) - 0.2).abs() < 0.02);
        assert!((share(&|p| !p.pay_after.is_zero()) - 0.3).abs() < 0.02);
        assert!(plans.iter().filter_map(|p| p.abandon_before).all(|s| (1..=STEPS).contains(&s)));
        assert_eq!(behaviour.plan(7).typos, behaviour.plan(7).typos, "one id, one plan");
        let nobody = Behaviour::default().plan(1);
        assert!(!nobody.typos && nobody.abandon_before.is_none() && nobody.pay_after.is_zero());
    }

    #[test]
    fn percentiles_take_the_rank_above() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&d, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&d, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
