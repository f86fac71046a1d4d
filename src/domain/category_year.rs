//! Participant categories named by graduation year (the NCT's wording since 2026:
//! «Выпускник школы 2027 года»): category texts stored in the database may carry
//! `{ $year }`, filled with the campaign's graduation year when shown.

use chrono::{Datelike, NaiveDate};

/// The placeholder as the session file writes it (fluent's spelling, spaces optional).
const PLACEHOLDERS: [&str; 2] = ["{ $year }", "{$year}"];

/// The text with every `{ $year }` replaced by `year`.
pub fn fill_year(text: &str, year: i32) -> String {
    let mut out = text.to_string();
    for p in PLACEHOLDERS {
        if out.contains(p) {
            out = out.replace(p, &year.to_string());
        }
    }
    out
}

/// The year whose school graduates are "this year's" for a campaign: the stored one, or,
/// when a campaign was created without it, the school year's end as seen from the day its
/// registration closes — a registration closing in December is for the tests of January
/// and the school year ending the next summer; one closing in any other month is for that
/// year's school leavers (June's main session closes in spring).
pub fn graduation_year(stored: Option<i16>, registration_closes_local: NaiveDate) -> i32 {
    match stored {
        Some(y) => i32::from(y),
        None if registration_closes_local.month() == 12 => registration_closes_local.year() + 1,
        None => registration_closes_local.year(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_is_filled_in_either_spelling() {
        assert_eq!(fill_year("Выпускник школы { $year } года", 2027), "Выпускник школы 2027 года");
        assert_eq!(fill_year("{$year} жылғы мектеп бітіруші", 2027), "2027 жылғы мектеп бітіруші");
        assert_eq!(fill_year("Без года", 2027), "Без года");
    }

    #[test]
    fn a_missing_year_follows_the_registration_close() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 20).unwrap();
        assert_eq!(graduation_year(Some(2030), d(2026, 12)), 2030);
        assert_eq!(graduation_year(None, d(2026, 12)), 2027);
        assert_eq!(graduation_year(None, d(2027, 1)), 2027);
        assert_eq!(graduation_year(None, d(2027, 5)), 2027);
    }
}
