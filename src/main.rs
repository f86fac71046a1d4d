//! The thin binary: parse the command line, build the app, run one command.
//! Exit codes: 0 ok, 2 bad input (the message names the line), 1 any other failure.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ent_bot::config::{Config, ExposeSecret};
use ent_bot::import::ImportError;
use ent_bot::services::export::{self, ExportError};
use ent_bot::services::inbox::RetryError;
use ent_bot::session::SessionError;

/// mimalloc rather than glibc's malloc: under load the bot allocates many small buffers on
/// one thread and frees them on another, where glibc spent a quarter of the process's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "ent-bot", version, about = "Registers UNT (ЕНТ / ҰБТ) applicants through Telegram")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot and the HTTP server (the default). Applies migrations first; needs BOT_TOKEN.
    Serve,
    /// Try the bot without Telegram: an emulated Telegram in the browser and demo data
    /// (on an empty or a demo database only).
    Sandbox,
    /// Apply database migrations and exit.
    Migrate,
    /// Load reference data.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// A session file (sessions/*.toml): check it against the database, or apply it.
    Session {
        #[command(subcommand)]
        what: SessionWhat,
    },
    /// Import a CSV file in one transaction; a bad line imports nothing.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Write attendance lists (paid applications) as CSV or XLSX.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Check a production configuration and the systems it points at (exit 1 if any fails).
    Doctor(ent_bot::doctor::Args),
    /// Opening day against a staging deployment: simulated applicants through an emulated
    /// Telegram, mail server and Kaspi; a report and pass/fail against thresholds.
    Rehearse(ent_bot::rehearse::Args),
    /// The update inbox.
    Inbox {
        #[command(subcommand)]
        what: InboxWhat,
    },
}

#[derive(Subcommand)]
enum InboxWhat {
    /// Put parked updates back in line once their cause is fixed (audited).
    RetryParked {
        /// Only this update (its update_id); every parked one without it.
        #[arg(long)]
        id: Option<i64>,
    },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// Paid applications of a campaign, optionally one venue and one test date.
    Applications {
        /// Campaign code (e.g. ent-2027-01).
        #[arg(long)]
        campaign: String,
        /// Venue code.
        #[arg(long)]
        venue: Option<String>,
        /// Local test date, YYYY-MM-DD.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// Where to write; standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Language of the headers and names: kk or ru.
        #[arg(long, default_value = "ru", value_parser = ["kk", "ru"])]
        lang: String,
    },
}

#[derive(Subcommand)]
enum SessionWhat {
    /// Validate the file and print the plan (added, changed, removed); writes nothing.
    Check {
        file: PathBuf,
        #[command(flatten)]
        allow: SessionAllow,
    },
    /// Print the plan and apply it in one transaction (a second apply changes nothing).
    Apply {
        file: PathBuf,
        #[command(flatten)]
        allow: SessionAllow,
    },
}

#[derive(clap::Args)]
struct SessionAllow {
    /// Move slots that hold applicants, and send them the slot-change notice.
    #[arg(long)]
    notify: bool,
    /// Change the fee, payment window or registration start after registration opened.
    #[arg(long)]
    allow_live_changes: bool,
}

#[derive(Subcommand)]
enum SeedWhat {
    /// A January campaign open now, categories, subjects, venues, a week of slots, persons.
    Demo,
}

#[derive(Subcommand)]
enum ImportWhat {
    /// The registry: iin,last_name,first_name,patronymic (CSV or XLSX, streamed)
    Persons { file: PathBuf },
    /// campaign,venue,date,time,capacity (see README)
    Slots { file: PathBuf },
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    ent_bot::telemetry::init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let bad_input = e.downcast_ref::<ImportError>().is_some_and(ImportError::is_bad_input)
                || e.downcast_ref::<ent_bot::config::Refusal>().is_some()
                || e.downcast_ref::<ExportError>().is_some_and(ExportError::is_bad_input)
                || e.downcast_ref::<SessionError>().is_some_and(SessionError::is_bad_input)
                || e.downcast_ref::<RetryError>().is_some_and(RetryError::is_bad_input);
            eprintln!("error: {}", ent_bot::telemetry::scrub(&format!("{e:#}")));
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // The doctor reports a configuration that does not parse as one of its checks.
    if let Some(Command::Doctor(args)) = &cli.command {
        return ent_bot::doctor::run(args).await;
    }
    let config = Config::from_env()?;
    ent_bot::telemetry::redact(config.telegram.bot_token.expose());
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => ent_bot::serve::serve(config, false).await,
        Command::Sandbox => ent_bot::serve::serve(config, true).await,
        Command::Migrate => {
            let pool = ent_bot::db::connect(config.database.url.expose_secret(), 2).await?;
            ent_bot::db::migrate(&pool).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { what: SeedWhat::Demo } => {
            let pool = ent_bot::db::connect(config.database.url.expose_secret(), 2).await?;
            ent_bot::db::migrate(&pool).await?;
            let report = ent_bot::seed::seed_demo_with_window(
                &pool,
                chrono::Utc::now(),
                config.timezone,
                config.payments.deadline_minutes,
            )
            .await?;
            println!("{report}");
            Ok(())
        }
        Command::Session { what } => {
            let (file, allow, write) = match what {
                SessionWhat::Check { file, allow } => (file, allow, false),
                SessionWhat::Apply { file, allow } => (file, allow, true),
            };
            let session = ent_bot::session::load(&file, config.timezone).map_err(SessionError::from)?;
            let pool = ent_bot::db::connect(config.database.url.expose_secret(), 2).await?;
            ent_bot::db::migrate(&pool).await?;
            let opts = ent_bot::session::Options {
                notify: allow.notify,
                allow_live_changes: allow.allow_live_changes,
            };
            let now = chrono::Utc::now();
            let plan = if write {
                let source = file.display().to_string();
                let actor = ent_bot::session::apply::COMMAND_LINE;
                ent_bot::session::apply(&pool, &session, opts, now, config.timezone, actor, &source).await?
            } else {
                let plan = ent_bot::session::check(&pool, &session, opts, now, config.timezone).await?;
                if !plan.refusals.is_empty() {
                    return Err(SessionError::Refused(Box::new(plan)).into());
                }
                plan
            };
            print!("{plan}");
            if write && !plan.is_empty() {
                println!("applied");
            }
            Ok(())
        }
        Command::Import { what } => {
            let pool = ent_bot::db::connect(config.database.url.expose_secret(), 2).await?;
            ent_bot::db::migrate(&pool).await?;
            let unreadable = |path: &PathBuf, e: std::io::Error| {
                anyhow::Error::new(ImportError::Unreadable {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })
            };
            let (path, n) = match &what {
                ImportWhat::Persons { file } => {
                    std::fs::metadata(file).map_err(|e| unreadable(file, e))?;
                    let source = ent_bot::import::persons::Source::file(file);
                    (file, ent_bot::import::persons::import(&pool, source).await?)
                }
                ImportWhat::Slots { file } => {
                    let text = std::fs::read_to_string(file).map_err(|e| unreadable(file, e))?;
                    (file, ent_bot::import::import_slots(&pool, &text, config.timezone).await?)
                }
            };
            println!("imported {n} rows from {}", path.display());
            Ok(())
        }
        Command::Doctor(args) => ent_bot::doctor::run(&args).await,
        Command::Rehearse(args) => ent_bot::rehearse::run(&args).await,
        Command::Inbox { what: InboxWhat::RetryParked { id } } => {
            let pool = ent_bot::db::connect(config.database.url.expose_secret(), 2).await?;
            let operator = std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).unwrap_or_default();
            let ids = ent_bot::services::inbox::retry_parked(&pool, id, &operator).await?;
            println!("{} parked update(s) back in line: {ids:?}", ids.len());
            Ok(())
        }
        Command::Export {
            what: ExportWhat::Applications { campaign, venue, date, format, output, lang },
        } => {
            let pool = ent_bot::db::connect(config.database.url.expose_secret(), 2).await?;
            ent_bot::db::migrate(&pool).await?;
            let i18n = std::sync::Arc::new(ent_bot::i18n::I18n::load()?);
            let locale = ent_bot::i18n::Locale::from_code(&lang).unwrap_or(ent_bot::i18n::Locale::Ru);
            let format = export::Format::parse(&format).unwrap_or(export::Format::Csv);
            let request = export::Request {
                campaign_code: Some(campaign),
                venue_code: venue,
                date,
                ..export::Request::default()
            };
            let out = export::prepare(&pool, config.timezone, &request, format).await?;
            let rows = out.rows;
            match output {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
                    if let Err(e) = out.write_to(pool, i18n, config.timezone, locale, &mut file).await {
                        // Half a list must not pass for the list.
                        drop(file);
                        let _ = std::fs::remove_file(&path);
                        return Err(e.into());
                    }
                    eprintln!("wrote {rows} applications to {}", path.display());
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    out.write_to(pool, i18n, config.timezone, locale, &mut stdout).await?;
                }
            }
            Ok(())
        }
    }
}
