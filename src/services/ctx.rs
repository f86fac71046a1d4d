//! What every handler, service and worker shares. It lives below the adapters so that
//! nothing needs to import the wiring (`app`) to get it.

use std::sync::Arc;

use sqlx::PgPool;

use crate::clock::Clock;
use crate::config::Config;
use crate::i18n::I18n;
use crate::mail::Mailer;
use crate::runtime::health::Health;
use crate::runtime::wakeups::Wakeups;
use crate::services::catalog::CatalogCache;

/// Cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    pub db: PgPool,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub i18n: Arc<I18n>,
    pub mailer: Mailer,
    pub catalog: CatalogCache,
    pub wakeups: Wakeups,
    pub health: Health,
    /// Attendance exports running in this process (`EXPORTS_AT_ONCE`).
    pub exports: crate::services::export::Limiter,
    /// Signs console sign-in links: `CONSOLE_SECRET`, or (sandbox, tests) a random one made
    /// at start.
    pub console_secret: crate::config::SecretString,
    /// The Bot API as the bot reaches it (base URL, token), for the calls a use case makes
    /// itself (a retest document's getFile): set by the wiring once known, since the
    /// sandbox serves its emulator on the app's own port.
    pub bot_api: Arc<std::sync::OnceLock<(url::Url, crate::config::SecretString)>>,
}
