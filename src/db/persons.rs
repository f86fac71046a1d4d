//! The person registry the IIN is looked up in.

use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub iin: String,
    pub last_name: String,
    pub first_name: String,
    pub patronymic: Option<String>,
}

impl Person {
    /// «Фамилия Имя Отчество», as documents print it.
    pub fn full_name(&self) -> String {
        match &self.patronymic {
            Some(p) => format!("{} {} {}", self.last_name, self.first_name, p),
            None => format!("{} {}", self.last_name, self.first_name),
        }
    }
}

pub async fn find(pool: &PgPool, iin: &str) -> sqlx::Result<Option<Person>> {
    sqlx::query_as!(Person, "SELECT iin, last_name, first_name, patronymic FROM persons WHERE iin = $1", iin)
        .fetch_optional(pool)
        .await
}

/// The staging table's `COPY`, for [`begin_import`]'s transaction.
pub const COPY_STAGED: &str =
    "COPY persons_import (line, iin, last_name, first_name, patronymic) FROM STDIN (FORMAT text)";

/// Empties the staging table for this transaction; a second import waits for the first.
pub async fn begin_import(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("LOCK TABLE persons_import IN ACCESS EXCLUSIVE MODE").execute(&mut *conn).await?;
    sqlx::query!("TRUNCATE persons_import").execute(&mut *conn).await?;
    Ok(())
}

/// An IIN staged twice: the lines of its first and second appearance.
pub async fn first_staged_duplicate(conn: &mut PgConnection) -> sqlx::Result<Option<(String, i64, i64)>> {
    let row = sqlx::query!(
        r#"SELECT iin AS "iin!", lines[1] AS "first!", lines[2] AS "second!"
           FROM (SELECT iin, array_agg(line ORDER BY line) AS lines FROM persons_import
                 GROUP BY iin HAVING count(*) > 1) d
           ORDER BY lines[2] LIMIT 1"#
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| (r.iin, r.first, r.second)))
}

/// Upserts the staged persons on the IIN (a later extract corrects names), leaving rows
/// that did not change untouched; returns how many were added or changed.
pub async fn upsert_staged(conn: &mut PgConnection) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "INSERT INTO persons (iin, last_name, first_name, patronymic)
         SELECT iin, last_name, first_name, patronymic FROM persons_import
         ON CONFLICT (iin) DO UPDATE
             SET last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name,
                 patronymic = EXCLUDED.patronymic
             WHERE (persons.last_name, persons.first_name, persons.patronymic)
                 IS DISTINCT FROM (EXCLUDED.last_name, EXCLUDED.first_name, EXCLUDED.patronymic)"
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("TRUNCATE persons_import").execute(&mut *conn).await?;
    Ok(done.rows_affected())
}
