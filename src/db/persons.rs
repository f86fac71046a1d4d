//! The person registry the IIN is looked up in.

use sqlx::PgPool;

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
