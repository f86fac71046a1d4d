//! Keeps the in-memory reference data fresh: reloads on `NOTIFY catalog_changed` (a
//! trigger on the reference tables), and every few minutes in case a notification was lost.

use std::time::Duration;

use crate::runtime::shutdown::Shutdown;
use crate::runtime::worker::{self, Next, Worker};
use crate::services::Ctx;

const EVERY: Duration = Duration::from_secs(300);

struct Reloader {
    ctx: Ctx,
    /// The process loaded the catalog as it started: the first pass only waits.
    loaded: bool,
}

impl Worker for Reloader {
    const NAME: &'static str = "catalog";
    const CHANNEL: Option<&'static str> = Some("catalog_changed");

    async fn step(&mut self) -> anyhow::Result<Next> {
        if std::mem::replace(&mut self.loaded, false) {
            return Ok(Next::After(EVERY));
        }
        match self.ctx.catalog.reload(&self.ctx.db).await {
            Ok(c) => {
                tracing::debug!(cities = c.cities.len(), venues = c.venues.len(), "reference data reloaded")
            }
            Err(e) => tracing::warn!(error = %e, "reference data not reloaded; keeping what we have"),
        }
        Ok(Next::After(EVERY))
    }
}

pub async fn run(ctx: Ctx, mut shutdown: Shutdown) -> anyhow::Result<()> {
    let wakeups = ctx.wakeups.clone();
    worker::run(&mut Reloader { ctx, loaded: true }, &wakeups, &mut shutdown).await;
    Ok(())
}
