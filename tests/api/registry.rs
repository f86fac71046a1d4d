//! The registry of persons (#21 item 5) through `ent-bot import persons`: XLSX as well as
//! CSV, streamed in chunks, and all or nothing even when the bad line comes after chunks
//! were already sent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDate;
use ent_bot::domain::{Iin, Sex};

use crate::helpers::db::{TestDb, output_text as text};

fn import(db: &TestDb, file: &Path) -> Output {
    db.command().args(["import", "persons"]).arg(file).output().expect("run ent-bot")
}

fn temp(ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ent-registry-{}.{ext}", rand::random::<u64>()))
}

/// `n` distinct valid IINs.
fn iins(n: usize) -> Vec<String> {
    let day = NaiveDate::from_ymd_opt(2007, 5, 1).unwrap();
    (0..10_000u16)
        .filter_map(|s| Iin::from_parts(day, Sex::Male, s))
        .take(n)
        .map(|i| i.as_str().into())
        .collect()
}

async fn names(db: &TestDb) -> Vec<(String, String)> {
    sqlx::query_as("SELECT iin, last_name FROM persons ORDER BY iin").fetch_all(&db.pool).await.unwrap()
}

fn sheet(path: &Path, rows: &[(&str, bool, &str)], formula: bool) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in ["iin", "last_name", "first_name", "patronymic"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (iin, as_number, last)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        if *as_number {
            s.write_number(r, 0, iin.parse::<f64>().unwrap()).unwrap();
        } else {
            s.write_string(r, 0, *iin).unwrap();
        }
        s.write_string(r, 1, *last).unwrap();
        s.write_string(r, 2, "Айгерім").unwrap();
    }
    if formula {
        s.write_formula(2, 1, "=UPPER(\"ким\")").unwrap();
    }
    book.save(path).unwrap();
}

#[tokio::test]
async fn an_xlsx_registry_imports_and_a_number_keeps_the_iins_leading_zero() {
    let db = TestDb::new().await;
    let path = temp("xlsx");
    // 080315600016 typed into a spreadsheet becomes the number 80315600016.
    sheet(&path, &[("080315600016", true, "Серікова"), ("990101301001", false, "Иванов")], false);
    let out = import(&db, &path);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("imported 2 rows"), "{}", text(&out));
    assert_eq!(
        names(&db).await,
        [("080315600016".into(), "Серікова".into()), ("990101301001".into(), "Иванов".into())]
    );

    // Re-importing corrects names.
    sheet(&path, &[("080315600016", true, "Серікқызы")], false);
    assert_eq!(import(&db, &path).status.code(), Some(0));
    assert_eq!(names(&db).await[0], ("080315600016".into(), "Серікқызы".into()));

    // A formula is refused, and nothing of the sheet is written.
    sheet(&path, &[("061211600012", false, "Ким"), ("990101301001", false, "Петров")], true);
    let out = import(&db, &path);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("line 3: a formula (=UPPER(\"ким\")); type the value instead"),
        "{}",
        text(&out)
    );
    assert_eq!(names(&db).await.len(), 2);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_bad_line_after_many_chunks_imports_nothing() {
    let db = TestDb::new().await;
    let path = temp("csv");
    let people = iins(5_000);
    let write = |bad_tail: Option<&str>| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(f, "iin,last_name,first_name,patronymic").unwrap();
        for iin in &people {
            // Long names, so the file spans several of the importer's chunks.
            writeln!(f, "{iin},{},Асқар,{}", "Жақсыбеков".repeat(8), "Серікұлы".repeat(8)).unwrap();
        }
        if let Some(tail) = bad_tail {
            writeln!(f, "{tail}").unwrap();
        }
    };
    write(Some(&format!("{},Екінші,Рет,", people[10])));
    assert!(std::fs::metadata(&path).unwrap().len() > 1_000_000);
    let out = import(&db, &path);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let iin = &people[10];
    let masked = format!("{}******{}", &iin[..4], &iin[10..]);
    assert!(
        text(&out)
            .contains(&format!("line {}: iin \"{masked}\" already appears on line 12", people.len() + 2)),
        "{}",
        text(&out)
    );
    write(Some("123,Бұзылған,Жол,"));
    assert_eq!(import(&db, &path).status.code(), Some(2));
    assert_eq!(names(&db).await.len(), 0, "a refused file wrote persons");

    write(None);
    let out = import(&db, &path);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(names(&db).await.len(), people.len());
    let staged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM persons_import").fetch_one(&db.pool).await.unwrap();
    assert_eq!(staged, 0, "the staging table is left empty");
    let _ = std::fs::remove_file(&path);
}
