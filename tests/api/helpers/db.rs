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
        let pool = ent_bot::db::connect(&url, 30).await.expect("connect to test database");
        ent_bot::db::migrate(&pool).await.expect("migrations apply");
        TestDb { name, url, pool }
    }
}
