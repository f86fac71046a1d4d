//! What every benchmark needs: a scratch database on the local server, dropped afterwards.

use std::future::Future;

use sqlx::{Connection, Executor, PgConnection};

/// Runs `body` with the URL of a fresh database named `<prefix>_<random>`, then drops it,
/// whatever `body` returned.
pub async fn with_scratch_database<F, Fut>(prefix: &str, body: F) -> anyhow::Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
    let name = format!("{prefix}_{}", rand::random::<u32>());
    let mut admin = PgConnection::connect(&server).await?;
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await?;
    let mut url = url::Url::parse(&server)?;
    url.set_path(&name);
    let result = body(url.to_string()).await;
    admin.execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str()).await?;
    result
}
