//! `ent-bot serve`: the process's life, from start to a graceful stop.

use crate::app::{App, Options, STOP_WITHIN};
use crate::config::Config;

/// `ent-bot serve`: runs until SIGTERM or SIGINT (then exits 0 after a graceful stop), or
/// until a vital task dies (then fails, so the supervisor restarts the process).
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let sandbox = config.is_sandbox();
    let mut app = if sandbox {
        // Demo data if the database is empty, the emulated Bot API and the sandbox pages.
        crate::sandbox::start(config, Options::default()).await?.0
    } else {
        App::build(config, Options::default()).await?
    };
    if sandbox {
        println!("ent-bot sandbox is running: open http://{}/", app.http_addr);
        println!("  mailbox: http://{}/mailbox", app.http_addr);
    } else {
        tracing::info!(addr = %app.http_addr, "ent-bot is running");
    }
    tokio::select! {
        signal = stop_signal() => {
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

async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}
