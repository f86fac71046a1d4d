//! Dates, times and counts for applicants, formatted in Rust in the display time zone.
//! Month and weekday names are formatting data (like CLDR's), not messages.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::i18n::Locale;

const MONTHS_KK: [&str; 12] = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
];
const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const WEEKDAYS_KK: [&str; 7] = ["дүйсенбі", "сейсенбі", "сәрсенбі", "бейсенбі", "жұма", "сенбі", "жексенбі"];
const WEEKDAYS_RU: [&str; 7] =
    ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"];
const WEEKDAYS_SHORT_KK: [&str; 7] = ["дс", "сс", "ср", "бс", "жм", "сб", "жс"];
const WEEKDAYS_SHORT_RU: [&str; 7] = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"];

/// «12 қаңтар, дүйсенбі» / «12 января, понедельник».
pub fn long_date(date: NaiveDate, locale: Locale) -> String {
    let (months, days) = match locale {
        Locale::Kk => (MONTHS_KK, WEEKDAYS_KK),
        Locale::Ru => (MONTHS_RU, WEEKDAYS_RU),
    };
    let month = months[date.month0() as usize];
    let weekday = days[date.weekday().num_days_from_monday() as usize];
    format!("{} {month}, {weekday}", date.day())
}

/// «11 қаңтар» / «11 января».
pub fn day_month(date: NaiveDate, locale: Locale) -> String {
    let months = match locale {
        Locale::Kk => MONTHS_KK,
        Locale::Ru => MONTHS_RU,
    };
    format!("{} {}", date.day(), months[date.month0() as usize])
}

/// «11–17 января», «30 января – 3 февраля», or one day.
pub fn day_range(first: NaiveDate, last: NaiveDate, locale: Locale) -> String {
    if first == last {
        day_month(first, locale)
    } else if (first.year(), first.month()) == (last.year(), last.month()) {
        format!("{}–{}", first.day(), day_month(last, locale))
    } else {
        format!("{} – {}", day_month(first, locale), day_month(last, locale))
    }
}

/// «12.01 дс» / «12.01 пн»: short enough for a button.
pub fn short_date(date: NaiveDate, locale: Locale) -> String {
    let days = match locale {
        Locale::Kk => WEEKDAYS_SHORT_KK,
        Locale::Ru => WEEKDAYS_SHORT_RU,
    };
    format!("{:02}.{:02} {}", date.day(), date.month(), days[date.weekday().num_days_from_monday() as usize])
}

pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// «12 қаңтар, дүйсенбі, 09:00».
pub fn date_time(at: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    format!("{}, {}", long_date(local_date(at, tz), locale), time(at, tz))
}

/// The first letter in upper case: category names in the instruction start in lower case
/// (they continue a sentence) but head a line or a field on their own.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn dates_read_naturally_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 11).unwrap();
        assert_eq!(long_date(d, Locale::Kk), "11 қаңтар, дүйсенбі");
        assert_eq!(long_date(d, Locale::Ru), "11 января, понедельник");
        assert_eq!(short_date(d, Locale::Kk), "11.01 дс");
        assert_eq!(short_date(d, Locale::Ru), "11.01 пн");
    }

    #[test]
    fn capitalizes_the_first_letter_only() {
        assert_eq!(capitalize("жалпы білім беретін мектеп"), "Жалпы білім беретін мектеп");
        assert_eq!(capitalize("ёлка"), "Ёлка");
        assert_eq!(capitalize(""), "");
    }

    #[test]
    fn ranges_of_days_name_the_month_once_when_they_can() {
        let d = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        assert_eq!(day_range(d(1, 11), d(1, 17), Locale::Ru), "11–17 января");
        assert_eq!(day_range(d(1, 11), d(1, 17), Locale::Kk), "11–17 қаңтар");
        assert_eq!(day_range(d(1, 30), d(2, 3), Locale::Ru), "30 января – 3 февраля");
        assert_eq!(day_range(d(1, 11), d(1, 11), Locale::Kk), "11 қаңтар");
    }

    #[test]
    fn times_are_shown_in_almaty() {
        let at = Utc.with_ymd_and_hms(2027, 1, 11, 4, 0, 0).unwrap();
        assert_eq!(time(at, chrono_tz::Asia::Almaty), "09:00");
        assert_eq!(date_time(at, chrono_tz::Asia::Almaty, Locale::Ru), "11 января, понедельник, 09:00");
    }
}
