//! PostgreSQL restarted under load loses nothing: a private cluster (initdb on a port of
//! its own, never the shared server the other tests use), `ent-bot serve` on it, and a
//! rehearsal's applicants registering and paying while the cluster restarts. Every
//! applicant finishes, nothing is parked, and the database holds exactly the payments the
//! rehearsal made. Skipped where PostgreSQL's server binaries are not installed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::process::{Running, ent_bot};

use sqlx::{Connection, Executor, PgConnection};

/// `initdb` and `pg_ctl`: on PATH, or Debian's newest /usr/lib/postgresql/N/bin.
fn server_binaries() -> Option<PathBuf> {
    let on_path = std::env::var("PATH")
        .ok()?
        .split(':')
        .map(PathBuf::from)
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists());
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| d.join("initdb").exists())
            .collect();
        versions.sort();
        versions.pop()
    })
}

/// A cluster in a temporary directory, stopped when dropped.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs a server binary as the owner of the data directory: `postgres` when the
    /// tests run as root (initdb refuses root), the current user otherwise.
    fn run(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let tool = self.bin.join(tool);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(tool);
            c
        } else {
            Command::new(tool)
        };
        command.args(args).stdin(Stdio::null()).output().expect("run a PostgreSQL binary")
    }

    fn start(bin: PathBuf) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Cluster { bin, dir, port };
        if is_root() {
            let chown =
                Command::new("chown").args(["postgres:postgres"]).arg(cluster.dir.path()).status().unwrap();
            assert!(chown.success());
        }
        let data = cluster.data();
        let out = cluster
            .run("initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        cluster.pg_ctl("start");
        cluster
    }

    fn pg_ctl(&self, action: &str) {
        let data = self.data();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        let mut args =
            vec![action, "-D", data.to_str().unwrap(), "-w", "-t", "60", "-l", log.to_str().unwrap()];
        if action != "stop" {
            args.extend(["-o", &options]);
        }
        if action != "start" {
            args.extend(["-m", "fast"]);
        }
        let out = self.run("pg_ctl", &args);
        assert!(out.status.success(), "pg_ctl {action}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}?sslmode=disable", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["stop", "-D", data.to_str().unwrap(), "-m", "immediate", "-w"]);
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn paid(url: &str) -> Option<i64> {
    let mut conn = PgConnection::connect(url).await.ok()?;
    sqlx::query_scalar("SELECT count(*) FROM applications WHERE status = 'paid'")
        .fetch_one(&mut conn)
        .await
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_under_load_loses_nothing() {
    let Some(bin) = server_binaries() else {
        eprintln!("initdb/pg_ctl not installed: the restart is not rehearsed");
        return;
    };
    if is_root() && Command::new("runuser").arg("--help").output().is_err() {
        eprintln!("running as root without runuser: the restart is not rehearsed");
        return;
    }
    let cluster = Cluster::start(bin);
    let mut admin =
        PgConnection::connect(&cluster.url("postgres")).await.expect("the private cluster answers");
    admin.execute("CREATE DATABASE ent").await.unwrap();
    let url = cluster.url("ent");
    let pool = ent_bot::db::connect(&url, 2).await.unwrap();
    ent_bot::db::migrate(&pool).await.unwrap();
    ent_bot::seed::seed_demo(&pool, chrono::Utc::now(), chrono_tz::Asia::Almaty).await.unwrap();
    pool.close().await;
    drop(admin);

    let (api_port, smtp_port, http_port) = (free_port(), free_port(), free_port());
    let env: BTreeMap<String, String> = [
        ("DATABASE_URL", url.clone()),
        ("DATABASE_MAX_CONNECTIONS", "10".into()),
        ("UPDATE_WORKERS", "4".into()),
        ("BOT_TOKEN", "424242:RESTART-token".into()),
        ("TELEGRAM_API_URL", format!("http://127.0.0.1:{api_port}/")),
        ("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ("HTTP_ADDR", format!("127.0.0.1:{http_port}")),
        ("PUBLIC_URL", format!("http://127.0.0.1:{http_port}")),
        ("CONSOLE_SECRET", "restart-console-secret-0123456789abcdef".into()),
        ("CARD_PAYMENTS", "off".into()),
        ("KASPI_ALLOW_LOOPBACK", "true".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let applicants = 40;
    let rehearse = ent_bot(
        &env,
        &[
            "rehearse",
            "--applicants",
            &applicants.to_string(),
            "--ramp-secs",
            "4",
            "--think-ms",
            "150",
            "--typos",
            "0",
            "--abandon",
            "0",
            "--late-pay",
            "0",
            "--connect-secs",
            "60",
            "--step-timeout-secs",
            "90",
        ],
    )
    .spawn()
    .expect("start rehearse");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", api_port)).is_err() {
        assert!(tokio::time::Instant::now() < deadline, "the rehearsal's emulator never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _serve = Running(ent_bot(&env, &["serve"]).stdout(Stdio::null()).spawn().expect("start serve"));

    // Once the crowd is paying, PostgreSQL restarts (a fast shutdown: every connection cut,
    // then seconds without a server).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while paid(&url).await.unwrap_or(0) < 6 {
        assert!(tokio::time::Instant::now() < deadline, "nobody paid");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = paid(&url).await.unwrap();
    cluster.pg_ctl("restart");

    let out = tokio::task::spawn_blocking(move || rehearse.wait_with_output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    println!("restart with {before} paid:\n{stdout}");
    assert!(before < applicants as i64, "the restart came before the end: {before} paid");
    assert!(stdout.contains(&format!("registrations: {applicants} paid")), "everyone paid:\n{stdout}");
    assert!(stdout.contains("parked updates: 0;") && stdout.contains(" 0 errors"), "{stdout}");
    // Exactly one payment each (and the learning applicant's), nothing left in the inbox.
    assert_eq!(paid(&url).await, Some(applicants as i64 + 1));
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let unhandled: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(unhandled, 0);
    let payments: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE status = 'paid'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(payments, applicants as i64 + 1, "one payment per paid application");
}
