//! A fresh, migrated database per test.

use sqlx::{Connection, Executor, PgConnection, PgPool};

/// The server the tests create their databases on; `scripts/test.sh` makes sure it runs.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDb {
    /// The `ent-bot` command line on this database, as an operator runs it: Almaty time,
    /// quiet logs, and no Telegram.
    pub fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ent-bot"));
        command
            .env("DATABASE_URL", &self.url)
            .env("TIMEZONE", "Asia/Almaty")
            .env("RUST_LOG", "warn")
            .env_remove("BOT_TOKEN");
        command
    }

    /// Creates `ent_test_<random>` and applies the migrations.
    pub async fn new() -> TestDb {
        let server = server_url();
        let name = format!("ent_test_{}", rand::random::<u64>());
        let mut admin = PgConnection::connect(&server)
            .await
            .expect("PostgreSQL is not reachable: run the tests with scripts/test.sh");
        admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create test database");
        let mut url = url::Url::parse(&server).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        let url = url.to_string();
        let pool = ent_bot::db::connect(&url, 20).await.expect("connect to test database");
        ent_bot::db::migrate(&pool).await.expect("migrations apply");
        TestDb { name, url, pool }
    }

    /// Cuts every connection to this database, as a failover or a restart of PostgreSQL
    /// would; returns how many were cut.
    pub async fn terminate_other_connections(&self) -> i64 {
        let mut admin = PgConnection::connect(&server_url()).await.expect("PostgreSQL answers");
        sqlx::query_scalar(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&self.name)
        .fetch_one(&mut admin)
        .await
        .expect("connections terminated")
    }
}

/// What a command printed, standard output then errors.
pub fn output_text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
