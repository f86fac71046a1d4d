//! `ent-bot rehearse`: opening day against a staging deployment. It plays Telegram (the
//! Bot API emulator, on the deployment's `TELEGRAM_API_URL`), the mail server (an SMTP sink
//! on its `SMTP_URL`) and Kaspi (`pay` callbacks to its `/payments/kaspi`), and sends N
//! simulated applicants who register and pay as people do, arriving ever faster as in the
//! first minutes of registration. It prints updates/s, registrations a minute, reply
//! latency per step, errors, parked updates and seats left, and fails (exit 1) when a
//! threshold given on the command line is not met. The pipeline benchmark
//! (`benches/pipeline.rs`) drives the same applicants ([`journey`]).

pub mod journey;
pub mod mailbox;
mod report;
pub mod waiter;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use telegram_emulator::{Emulator, EmulatorConfig};

pub use journey::{Arrivals, Behaviour, Completion, Drive, Journey, Outcome, STEP_NAMES, STEPS, run_load};
pub use mailbox::Mailbox;
pub use report::Thresholds;

use crate::config::{Config, ExposeSecret, Refusal};
use crate::db::{campaigns, rehearsal};
use crate::domain::{ApplicationStatus, Iin, Sex};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Simulated applicants.
    #[arg(long, default_value_t = 1000)]
    pub applicants: usize,
    /// They arrive over this many seconds, ever more of them a second.
    #[arg(long, default_value_t = 60.0)]
    pub ramp_secs: f64,
    /// Mean pause before each step, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub think_ms: u64,
    /// Share who mistype their email and IIN once each (0 to 1).
    #[arg(long, default_value_t = 0.1, value_parser = share)]
    pub typos: f64,
    /// Share who give up at a random step.
    #[arg(long, default_value_t = 0.1, value_parser = share)]
    pub abandon: f64,
    /// Share who pay late, `--late-pay-after-secs` after getting the order number.
    #[arg(long, default_value_t = 0.1, value_parser = share)]
    pub late_pay: f64,
    #[arg(long, default_value_t = 30)]
    pub late_pay_after_secs: u64,
    /// Kaspi's `pay` goes here (repeat for each process); default PUBLIC_URL/payments/kaspi.
    #[arg(long = "kaspi-url", value_name = "URL")]
    pub kaspi_urls: Vec<String>,
    /// Enforce Telegram's limits in the emulator (30 messages/s, 1 a second per chat).
    #[arg(long)]
    pub telegram_limits: bool,
    /// How long to wait for the deployment to connect to the emulator.
    #[arg(long, default_value_t = 120)]
    pub connect_secs: u64,
    /// A step not answered within this many seconds is an error.
    #[arg(long, default_value_t = 120)]
    pub step_timeout_secs: u64,
    #[command(flatten)]
    pub thresholds: Thresholds,
}

fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share between 0 and 1")),
    }
}

/// The address to listen on for a URL the deployment was given (`TELEGRAM_API_URL`,
/// `SMTP_URL`): this machine must be that host.
fn listen_addr(name: &str, url: &str) -> anyhow::Result<SocketAddr> {
    let parsed = url::Url::parse(url).map_err(|_| Refusal(format!("{name} is not a URL")))?;
    let host = parsed.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let ip: std::net::IpAddr = host.parse().map_err(|_| {
        Refusal(format!(
            "{name} must name this machine by address (http://127.0.0.1:8181/ and smtp://127.0.0.1:2525): \
             rehearse plays that server for the deployment"
        ))
    })?;
    let port = parsed.port().ok_or_else(|| Refusal(format!("{name} must have a port")))?;
    Ok(SocketAddr::new(ip, port))
}

/// Runs the rehearsal with the deployment's own environment.
pub async fn run(args: &Args) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let api_url = config.telegram.api_url.to_string();
    if api_url.contains("api.telegram.org") {
        return Err(Refusal(
            "TELEGRAM_API_URL is Telegram's: rehearse runs only against a staging deployment whose \
             TELEGRAM_API_URL is the emulator rehearse serves (e.g. http://127.0.0.1:8181/)"
                .into(),
        )
        .into());
    }
    let api_addr = listen_addr("TELEGRAM_API_URL", &api_url)?;
    let smtp_url = config.mail.smtp_url.as_ref().map(|s| s.expose_secret().to_string()).unwrap_or_default();
    let smtp_addr = listen_addr("SMTP_URL", &smtp_url)?;
    let kaspi_urls = if args.kaspi_urls.is_empty() {
        vec![config.http.public_url.join("payments/kaspi")?.to_string()]
    } else {
        args.kaspi_urls.clone()
    };
    let pool = crate::db::connect(config.database.url.expose_secret(), 4).await?;
    let now = Utc::now();
    let campaign = campaigns::current(&pool, now)
        .await?
        .filter(|c| c.is_open(now))
        .ok_or_else(|| Refusal("no campaign is open on this database: applicants could not apply".into()))?;

    // Ids of this run: users of earlier runs have registered already.
    let first = 7_000_000_000 + (now.timestamp() as u64 % 100_000) * 100_000;
    let (ping, learner) = (first, first + 1);
    let ids: Vec<u64> = (first + 2..first + 2 + args.applicants as u64).collect();
    let iins = registry_entries(&pool, std::iter::once(learner).chain(ids.iter().copied())).await?;

    let token = if config.telegram.bot_token.is_empty() {
        EmulatorConfig::default().token
    } else {
        config.telegram.bot_token.expose().to_string()
    };
    let limits = args.telegram_limits;
    let emulator = Emulator::new(EmulatorConfig {
        token,
        global_rate_per_sec: limits.then_some(30),
        per_chat_rate_per_sec: limits.then_some(1),
        first_update_id: rehearsal::last_update_id(&pool).await? + 1,
        ..EmulatorConfig::default()
    });
    let served = emulator.serve_on(api_addr).await.with_context(|| format!("listen on {api_addr}"))?;
    let mailbox = Mailbox::start(smtp_addr).await.with_context(|| format!("listen on {smtp_addr}"))?;
    println!(
        "rehearsal: Telegram at http://{served}/, mail at {}, Kaspi at {}; campaign {}; waiting for the bot…",
        mailbox.url(),
        kaspi_urls.join(", "),
        campaign.code
    );
    let kaspi_basic_auth = config
        .payments
        .kaspi_basic_auth
        .as_ref()
        .and_then(|s| s.expose_secret().split_once(':').map(|(u, p)| (u.to_string(), p.to_string())));
    let behaviour = Behaviour {
        think: Duration::from_millis(args.think_ms),
        typos: args.typos,
        abandon: args.abandon,
        late_pay: args.late_pay,
        late_pay_after: Duration::from_secs(args.late_pay_after_secs),
    };
    let drive = Arc::new(Drive {
        emulator: emulator.clone(),
        completion: Completion::Replies(Default::default()),
        mailbox: mailbox.clone(),
        http: reqwest::Client::builder().timeout(Duration::from_secs(args.step_timeout_secs)).build()?,
        kaspi_urls,
        kaspi_basic_auth,
        iins,
        behaviour: behaviour.clone(),
        within: Duration::from_secs(args.step_timeout_secs),
        counter: None,
    });
    drive.learn(ping, learner, Duration::from_secs(args.connect_secs)).await?;
    let (capacity, booked_before) = rehearsal::seats(&pool, campaign.id).await?;
    let parked_before = crate::db::inbox::depth(&pool).await?.1;

    let arrivals = Arrivals::Ramp { over: Duration::from_secs_f64(args.ramp_secs.max(0.0)) };
    println!("rehearsal: {} applicants arriving over {} s…", args.applicants, args.ramp_secs);
    let outcome = run_load(drive, ids.clone(), arrivals, Journey::Register).await;

    // The database may have restarted under the run (a failover rehearsed): the pool's
    // connections are then dead until it notices, so each read is asked again.
    let (_, booked_after) = patiently(|| rehearsal::seats(&pool, campaign.id)).await?;
    let parked = patiently(|| crate::db::inbox::depth(&pool)).await?.1 - parked_before;
    let last = ids.last().copied().unwrap_or(first) as i64;
    let paid =
        patiently(|| rehearsal::applications_of(&pool, first as i64 + 2, last, ApplicationStatus::Paid))
            .await?;
    let facts = report::Facts {
        applicants: args.applicants,
        ramp_secs: args.ramp_secs,
        behaviour,
        parked,
        paid,
        seats_taken: booked_after - booked_before,
        seats_left: capacity - booked_after,
        capacity,
        mails: mailbox.mails(),
    };
    let failed = report::print(&outcome, &facts, &args.thresholds);
    pool.close().await;
    if failed > 0 {
        anyhow::bail!("rehearse: {failed} threshold(s) not met");
    }
    Ok(())
}

/// A read tried up to five times, a second apart.
async fn patiently<T, F: std::future::Future<Output = sqlx::Result<T>>>(
    read: impl Fn() -> F,
) -> sqlx::Result<T> {
    let mut tries = 0;
    loop {
        match read().await {
            Err(e) if tries < 4 => {
                tries += 1;
                tracing::debug!(error = %e, "a read failed; asking again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            done => return done,
        }
    }
}

/// Puts a person in the registry for each applicant (IINs not taken yet); returns them.
async fn registry_entries(
    pool: &sqlx::PgPool,
    ids: impl Iterator<Item = u64>,
) -> anyhow::Result<HashMap<u64, String>> {
    let taken = rehearsal::taken_iins(pool).await?;
    let mut births = (0..3 * 365)
        .map(|d| NaiveDate::from_ymd_opt(2006, 1, 1).expect("a date") + chrono::Duration::days(d));
    let mut birth = births.next().expect("a day");
    let mut serial: u16 = 0;
    let mut iins = HashMap::new();
    for id in ids {
        let iin = loop {
            if serial > 9_999 {
                birth = births.next().context("no free IIN left for the simulated applicants")?;
                serial = 0;
            }
            serial += 1;
            if let Some(iin) = Iin::from_parts(birth, Sex::Male, serial).map(|i| i.as_str().to_string())
                && !taken.contains(&iin)
            {
                break iin;
            }
        };
        iins.insert(id, iin);
    }
    let list: Vec<String> = iins.values().cloned().collect();
    rehearsal::insert_persons(pool, &list, journey::PERSON_LAST_NAME, "Репетиция").await?;
    Ok(iins)
}
