//! `ent-bot serve`: the process's life, from start to a graceful stop.

use crate::app::{App, Options, STOP_WITHIN};
use crate::config::Config;
use crate::config::ExposeSecret;

/// `ent-bot serve`: runs until SIGTERM or SIGINT (then exits 0 after a graceful stop), or
/// until a vital task dies (then fails, so the supervisor restarts the process).
pub async fn serve(config: Config, sandbox: bool) -> anyhow::Result<()> {
    if !sandbox && config.telegram.bot_token.is_empty() {
        return Err(crate::config::Refusal(
            "BOT_TOKEN is not set. Set it to run the bot, or run `ent-bot sandbox` to try the bot \
             without Telegram (scripts/run.sh does when no token is set)"
                .into(),
        )
        .into());
    }
    if !sandbox {
        production_ready(&config)?;
    }
    // Caught from the start: a stop requested while the app starts ends the start (nothing
    // is handled yet) with exit 0, instead of the signal's default kill.
    let mut stop = std::pin::pin!(stop_signal()?);
    let start = async {
        if sandbox {
            // Demo data if the database is empty, the emulated Bot API and the sandbox pages.
            Ok(crate::sandbox::start(config, Options::default()).await?.0)
        } else {
            App::build(config, Options::default()).await
        }
    };
    let mut app = tokio::select! {
        app = start => app?,
        signal = &mut stop => {
            tracing::info!(signal, "stop requested while starting");
            return Ok(());
        }
    };
    if sandbox {
        println!("ent-bot sandbox is running: open http://{}/", app.http_addr);
        println!("  mailbox: http://{}/mailbox", app.http_addr);
    } else {
        tracing::info!(addr = %app.http_addr, "ent-bot is running");
    }
    tokio::select! {
        signal = &mut stop => {
            tracing::info!(signal, "stop requested");
            app.shutdown(STOP_WITHIN).await;
            Ok(())
        }
        e = app.vital_task_ended() => {
            app.ctx.health.task_down();
            tracing::error!(error = %format!("{e:#}"), "a vital task ended; exiting so the process is restarted");
            Err(e)
        }
    }
}

/// SIGTERM or SIGINT, whichever comes first; both are caught from this call on.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    })
}

/// Outside the sandbox nothing may fall back to a sandbox stand-in: codes sent to an
/// in-memory mailbox never reach anyone, and a card link to `/pay/…` is a 404.
fn production_ready(config: &Config) -> anyhow::Result<()> {
    use crate::config::Refusal;
    if config.mail.smtp_url.is_none() {
        return Err(Refusal("SMTP_URL is not set: confirmation codes could not be emailed".into()).into());
    }
    if config.payments.card_payments && config.payments.card_api_url.is_none() {
        return Err(Refusal(
            "CARD_API_URL is not set: set the card gateway, or CARD_PAYMENTS=off to offer Kaspi only".into(),
        )
        .into());
    }
    if config.payments.kaspi_allowed_ips.is_empty() && !config.payments.kaspi_allow_loopback {
        return Err(Refusal(
            "KASPI_ALLOWED_IPS is not set: Kaspi's callbacks carry no signature, so only the \
             addresses listed there may mark orders paid (KASPI_ALLOW_LOOPBACK=true allows \
             loopback callers, for development only: behind a reverse proxy on the same host \
             every caller is loopback)"
                .into(),
        )
        .into());
    }
    if config.console.secret.expose_secret().is_empty() {
        return Err(Refusal(
            "CONSOLE_SECRET is not set: console sign-in links are signed with it, and every \
             process must use the same one (a long random string)"
                .into(),
        )
        .into());
    }
    if config.payments.card_test_payments {
        tracing::warn!(
            "CARD_TEST_PAYMENTS=true: card payments the gateway marks as test payments (TestMode=1) \
             pay for applications; only for a staging deployment against a test terminal"
        );
    }
    Ok(())
}
