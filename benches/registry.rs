//! The registry of persons: `ent-bot import persons` of a 1,000,000-line CSV (the real
//! binary, as an operator runs it), next to a bare `COPY` of the same file by `psql \copy`
//! into a table of the same columns (the baseline, measured in the same run). Reports rows/s
//! and the peak RSS of each process (GNU time), then a re-import of the same file (every
//! person already there: the upsert changes nothing) and one with every tenth name changed.
//!
//! Run: `scripts/bench.sh registry` (PERSONS=… to change the size).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use ent_bot::domain::{Iin, Sex};

mod common;

const LAST: [&str; 8] =
    ["Серікова", "Иванов", "Әбілова", "Нұрланов", "Ким", "Жақсыбеков", "Петрова", "Оспанов"];
const FIRST: [&str; 8] = ["Айгерім", "Сергей", "Гүлназ", "Дана", "Асқар", "Мария", "Ерлан", "Әлия"];
const PATRONYMIC: [&str; 4] = ["Нұрланқызы", "Петрович", "", "Серікұлы"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let persons: usize = std::env::var("PERSONS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    common::with_scratch_database("ent_bench_registry", |url| async move { run(&url, persons).await }).await
}

/// `persons` valid, distinct IINs with names; `changed` alters every tenth last name.
fn write_file(path: &Path, persons: usize, changed: bool) -> anyhow::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "iin,last_name,first_name,patronymic")?;
    let (mut day, mut serial, mut written) = (NaiveDate::from_ymd_opt(1995, 1, 1).unwrap(), 0u16, 0usize);
    while written < persons {
        if serial > 9999 {
            (day, serial) = (day + Duration::days(1), 0);
        }
        let sex = if serial % 2 == 0 { Sex::Female } else { Sex::Male };
        serial += 1;
        let Some(iin) = Iin::from_parts(day, sex, serial - 1) else { continue };
        let i = written;
        let last = if changed && i % 10 == 0 { "Өзгертілген" } else { LAST[i % 8] };
        writeln!(out, "{},{last},{},{}", iin.as_str(), FIRST[(i / 8) % 8], PATRONYMIC[i % 4])?;
        written += 1;
    }
    out.flush()?;
    Ok(())
}

struct Run {
    seconds: f64,
    peak_kb: u64,
}

/// Runs a command under GNU time and returns its wall time and peak RSS.
fn timed(cmd: Command) -> anyhow::Result<Run> {
    let rss = std::env::temp_dir().join(format!("ent-bench-rss-{}", rand::random::<u32>()));
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let mut timed = Command::new("/usr/bin/time");
    timed.arg("-f").arg("%M").arg("-o").arg(&rss).arg(program).args(args);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let started = Instant::now();
    let out = timed.output()?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}{}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kb = std::fs::read_to_string(&rss)?.trim().lines().last().unwrap_or("0").parse()?;
    let _ = std::fs::remove_file(&rss);
    Ok(Run { seconds, peak_kb })
}

fn import(url: &str, file: &Path) -> anyhow::Result<Run> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ent-bot"));
    cmd.args(["import", "persons"]).arg(file).env("DATABASE_URL", url).env("RUST_LOG", "warn");
    timed(cmd)
}

async fn run(url: &str, persons: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir();
    let file = dir.join(format!("ent-bench-registry-{persons}.csv"));
    let changed = dir.join(format!("ent-bench-registry-{persons}-changed.csv"));
    write_file(&file, persons, false)?;
    write_file(&changed, persons, true)?;
    let size_mb = std::fs::metadata(&file)?.len() as f64 / 1e6;

    // The schema, so the import's own migration run is a no-op in what is timed.
    let pool = ent_bot::db::connect(url, 2).await?;
    ent_bot::db::migrate(&pool).await?;
    sqlx::query("CREATE TABLE bare (iin TEXT PRIMARY KEY, last_name TEXT, first_name TEXT, patronymic TEXT)")
        .execute(&pool)
        .await?;

    let mut psql = Command::new("psql");
    psql.arg(url).arg("-qc").arg(format!("\\copy bare FROM '{}' (FORMAT csv, HEADER true)", file.display()));
    let bare = timed(psql)?;
    let first = import(url, &file)?;
    let again = import(url, &file)?;
    let names = import(url, &changed)?;

    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM persons").fetch_one(&pool).await?;
    let renamed: i64 = sqlx::query_scalar("SELECT count(*) FROM persons WHERE last_name = 'Өзгертілген'")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(stored as usize == persons && renamed as usize == persons.div_ceil(10), "wrong contents");
    let _ = (std::fs::remove_file(&file), std::fs::remove_file(&changed));

    println!("registry import: {persons} persons, {size_mb:.1} MB of CSV\n");
    println!("| run | seconds | rows/s | peak RSS MB | vs bare COPY |");
    println!("|---|---:|---:|---:|---:|");
    for (name, r) in [
        ("bare COPY by psql (baseline)", &bare),
        ("import, empty registry", &first),
        ("re-import, nothing changed", &again),
        ("re-import, every tenth name changed", &names),
    ] {
        println!(
            "| {name} | {:.2} | {:.0} | {:.1} | {:.2} |",
            r.seconds,
            persons as f64 / r.seconds,
            r.peak_kb as f64 / 1024.0,
            bare.seconds / r.seconds
        );
    }
    Ok(())
}
