//! Keeps the in-memory reference data fresh: reloads on `NOTIFY catalog_changed` (a
//! trigger on the reference tables), and every few minutes in case a notification was lost.

use std::time::Duration;

use crate::runtime::shutdown::Shutdown;
use crate::services::Ctx;

const EVERY: Duration = Duration::from_secs(300);

pub async fn run(ctx: Ctx, mut shutdown: Shutdown) -> anyhow::Result<()> {
    while !shutdown.is_triggered() {
        tokio::select! {
            _ = ctx.wakeups.wait("catalog_changed", EVERY) => {}
            _ = shutdown.triggered() => return Ok(()),
        }
        match ctx.catalog.reload(&ctx.db).await {
            Ok(c) => {
                tracing::debug!(cities = c.cities.len(), venues = c.venues.len(), "reference data reloaded")
            }
            Err(e) => tracing::warn!(error = %e, "reference data not reloaded; keeping what we have"),
        }
    }
    Ok(())
}
