//! Structured logs. Personal data (IIN, email, phone, codes) is masked before it reaches a log.

use tracing_subscriber::{EnvFilter, fmt};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,teloxide=info,hyper=warn"));
    let _ = fmt().with_env_filter(filter).with_target(true).try_init();
}
