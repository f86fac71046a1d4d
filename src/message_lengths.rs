//! Every message as the applicant sees it, with realistic arguments: the longest names the
//! demo data has (venues, addresses, categories, combinations), 5-digit application ids,
//! long emails, the longest dates. Telegram shows about 600 characters on a phone screen;
//! no message may need more.
//! (Its own module: it renders texts with the demo data of `seed`, a layer above `i18n`.)

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone, Utc};
use fluent_bundle::FluentValue;

use crate::bot::state::WizardStep;
use crate::format;
use crate::i18n::*;
use crate::seed;

const LIMIT: usize = 600;

fn longest<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    values.into_iter().max_by_key(|v| v.chars().count()).unwrap_or_default().to_string()
}

fn pick(l: Locale, kk: &str, ru: &str) -> String {
    in_locale(l, kk, ru).to_string()
}

/// The seed's paired `&'static str` columns, read in one language.
fn in_locale<'a>(l: Locale, kk: &'a str, ru: &'a str) -> &'a str {
    Bilingual::new(kk, ru).get(l)
}

fn demo() -> crate::session::Session {
    seed::demo_session(chrono_tz::Asia::Almaty).expect("the demo session")
}

fn combinations(l: Locale) -> Vec<String> {
    let d = demo();
    let name = |code: &str| {
        let s = d.subjects.iter().find(|s| s.code == code).unwrap();
        pick(l, &s.name.kk, &s.name.ru)
    };
    d.combinations
        .iter()
        .map(|c| match &c.second {
            Some(b) => format!("{} – {}", name(&c.first), name(b)),
            None => name(&c.first),
        })
        .collect()
}

/// The longest local date-time the bot can show: every weekday of two months tried.
fn longest_when(l: Locale) -> String {
    let tz = chrono_tz::Asia::Almaty;
    (0..60)
        .map(|d| Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap() + chrono::Duration::days(d))
        .map(|t| format::date_time(t, tz, l))
        .max_by_key(|s| s.chars().count())
        .unwrap()
}

/// A realistic value for argument `var` of message `id`.
fn arg(l: Locale, id: &str, var: &str) -> FluentValue<'static> {
    let d = demo();
    let venues = || d.venues.iter().map(move |v| in_locale(l, &v.name.kk, &v.name.ru));
    let shorts = || d.categories.iter().map(move |c| in_locale(l, &c.short.kk, &c.short.ru));
    let fulls = || d.categories.iter().map(move |c| in_locale(l, &c.name.kk, &c.name.ru));
    let cities = || d.cities.iter().map(move |c| in_locale(l, &c.name.kk, &c.name.ru));
    let text = match var {
        "address" => longest(d.venues.iter().map(|v| in_locale(l, &v.address.kk, &v.address.ru))),
        "venue" => longest(venues()),
        "city" => longest(cities()),
        "region" => longest(d.regions.iter().map(|r| in_locale(l, &r.name.kk, &r.name.ru))),
        "place" => format!("{}, {}", longest(cities()), longest(venues())),
        // Every message names a category by its short label; the full wording is only in
        // the category step's details.
        "category" => longest(shorts()),
        "full" => longest(fulls()),
        "short" => longest(shorts()),
        "combination" | "value" => longest(combinations(l).iter().map(String::as_str)),
        "language" => longest(d.test_languages.iter().map(|t| in_locale(l, &t.name.kk, &t.name.ru))),
        "campaign" => pick(l, "ҰБТ — қаңтар 2027", "ЕНТ — январь 2027"),
        "when" => longest_when(l),
        // Help shows these without the weekday.
        "closes" | "db_closes" => format!("30 {}, 10:00", pick(l, "желтоқсан", "сентября")),
        "date" => format::long_date(NaiveDate::from_ymd_opt(2027, 1, 13).unwrap(), l),
        "test_days" => format::day_range(
            NaiveDate::from_ymd_opt(2027, 1, 25).unwrap(),
            NaiveDate::from_ymd_opt(2027, 2, 10).unwrap(),
            l,
        ),
        "time" | "deadline" => "11:00".into(),
        "email" => "nurlan.serikbayev.2008.almaty@gmail.com".into(),
        "support" => "8 (7172) 69-50-83, uto@testcenter.kz".into(),
        "fee" | "amount" => "5\u{a0}640\u{a0}₸".into(),
        "payments_sum" => "1\u{a0}128\u{a0}000\u{a0}000\u{a0}₸".into(),
        "order" => "123456789012".into(),
        "iin" => "080315600016".into(),
        "name" => "Нұрмағамбетова Айгерім Нұрланқызы".into(),
        "phone" => "+77012345678".into(),
        "url" => "https://pay.tiptoppay.kz/payments/0b6f3c1a9e5d4f7a8c2b1d0e9f8a7b6c".into(),
        "code" => "482915".into(),
        "service" => "Национальный центр тестирования".into(),
        "status" => longest(
            crate::domain::ApplicationStatus::ALL
                .map(|s| I18n::load().unwrap().t(l, s.fluent_id()))
                .iter()
                .map(String::as_str),
        ),
        "method" => "Kaspi".into(),
        // A retest: the longest reason label, a refusal reason at its cap.
        "reason" if id.starts_with("retest") || id.starts_with("console-retest") => longest(
            crate::domain::RetestReason::ALL
                .map(|r| I18n::load().unwrap().t(l, r.fluent_id()))
                .iter()
                .map(String::as_str),
        ),
        "note" if id == "retest-refused" => "ж".repeat(crate::services::retest::NOTE_CHARS),
        "request" | "max" => return FluentValue::from(12345),
        "role" => pick(l, "әкімші", "администратор"),
        "text" => "Тестілеу уақыты өзгерді.".into(),
        "id" | "tg" => return FluentValue::from(12345),
        "window" => return FluentValue::from(60),
        "n" | "total" if id == "wizard-step" => return FluentValue::from(WizardStep::REGION_COUNT),
        "minutes" | "n" | "free" => return FluentValue::from(25),
        "left" => return FluentValue::from(4),
        "seconds" => return FluentValue::from(59),
        "length" => return FluentValue::from(4097),
        "total" => return FluentValue::from(7),
        _ => return FluentValue::from(123_456),
    };
    FluentValue::from(text)
}

fn render(i18n: &I18n, l: Locale, id: &str, vars: &BTreeSet<String>) -> String {
    let args: Vec<(&str, FluentValue)> = vars.iter().map(|v| (v.as_str(), arg(l, id, v))).collect();
    i18n.try_format(l, id, &args).unwrap_or_else(|e| panic!("{}: {id}: {e}", l.code()))
}

fn all(i18n: &I18n, l: Locale) -> BTreeMap<String, String> {
    crate::i18n::tests::variables(l)
        .into_iter()
        .map(|(id, vars)| (id.clone(), render(i18n, l, &id, &vars)))
        .collect()
}

/// Emails are not chat messages, and a preview quotes whatever staff wrote.
fn exempt(id: &str) -> bool {
    id.starts_with("mail-") || id == "broadcast-preview"
}

/// Messages the bot joins into one (a notice above a step, a step line above its body).
fn shown_together(l: Locale, m: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let g = |id: &str| m[id].clone();
    let step = g("wizard-step");
    let list_item = g("history-item");
    let together: Vec<(&str, String)> = vec![
        ("summary", format!("{}\n\n{step}\n{}", g("use-buttons"), g("wizard-summary"))),
        (
            "rules",
            format!("{}\n\n{step}\n{}\n\n{}", g("use-buttons"), g("wizard-rules"), g("wizard-under-16")),
        ),
        ("slot taken", format!("{}\n\n{step}\n{}", g("wizard-slot-taken"), g("wizard-time"))),
        ("test info", format!("{}\n\n{}", g("test-info"), g("test-info-bring-under-16"))),
        (
            "retest test info",
            format!(
                "{}\n\n{}\n\n{}",
                g("retest-test-info-paper"),
                g("test-info"),
                g("test-info-bring-under-16")
            ),
        ),
        (
            "menu help",
            format!(
                "{}\n\n{}\n{}\n{}",
                g("help-menu"),
                g("help-dates"),
                g("help-dates-db"),
                g("help-db-meaning")
            ),
        ),
        (
            "details",
            format!(
                "{}\n\n{}\n\n{}",
                g("history-combination-changed"),
                g("history-details"),
                g("history-db-closed-note")
            ),
        ),
        ("details unpaid", format!("{}\n\n{}", g("history-details"), g("history-deadline"))),
        ("history page", format!("{}\n\n{list_item}\n\n{list_item}\n\n{list_item}", g("history-title"))),
        (
            "history page in line",
            format!(
                "{}\n\n{list_item}\n\n{list_item}\n\n{list_item}\n\n{}",
                g("history-title"),
                g("waitlist-history-offered")
            ),
        ),
        ("reset", format!("{}\n\n{}", g("state-reset"), g("menu-title"))),
        ("booked", g("wizard-booked")),
        ("language", format!("{}\n\n{}", g("help-language"), g("choose-language"))),
        ("retest documents", format!("{}\n\n{}", g("retest-received"), g("retest-send-documents"))),
        ("retest details", format!("{}\n\n{}", g("history-details"), g("retest-note-approved"))),
    ];
    together.into_iter().map(|(name, text)| (format!("{}: {name}", l.code()), text)).collect()
}

#[test]
fn no_message_needs_more_than_one_phone_screen() {
    let i18n = I18n::load().unwrap();
    let mut longest_per_locale = vec![];
    for l in Locale::ALL {
        let rendered = all(&i18n, l);
        let mut over = vec![];
        let mut max = (0, String::new());
        for (id, text) in rendered.iter().filter(|(id, _)| !exempt(id)) {
            let n = text.chars().count();
            if n > LIMIT {
                over.push(format!("{id} ({n}):\n{text}"));
            }
            max = max.max((n, id.clone()));
        }
        for (name, text) in shown_together(l, &rendered) {
            let n = text.chars().count();
            if n > LIMIT {
                over.push(format!("{name} ({n}):\n{text}"));
            }
            max = max.max((n, name));
        }
        assert!(over.is_empty(), "{}: over {LIMIT} characters:\n\n{}", l.code(), over.join("\n\n"));
        longest_per_locale.push(format!("{}: {} ({} chars)", l.code(), max.1, max.0));
    }
    // Visible with --nocapture: the headroom left.
    println!("longest: {}", longest_per_locale.join("; "));
}

/// The category step's button labels fit one line of a phone.
#[test]
fn buttons_fit_one_line() {
    let i18n = I18n::load().unwrap();
    for l in Locale::ALL {
        for id in crate::i18n::tests::variables(l).keys() {
            let is_button = [
                "wizard-confirm",
                "wizard-rules-button",
                "wizard-category-more",
                "wizard-back",
                "wizard-cancel",
                "iin-yes",
                "iin-no",
                "phone-share",
                "email-resend",
                "email-change",
                "pay-button-card",
                "pay-card-open",
                "history-pay",
                "history-cancel",
                "history-cancel-yes",
                "history-keep",
                "history-open",
                "history-back",
                "history-edit-language",
                "history-edit-combination",
                "history-withdraw",
                "history-withdraw-yes",
                "waitlist-button",
                "waitlist-any-time",
                "waitlist-close",
                "waitlist-accept",
                "waitlist-decline",
                "waitlist-leave",
                "miniapp-open",
            ]
            .contains(&id.as_str())
                || id.starts_with("menu-") && id != "menu-title";
            if is_button {
                let text = render(&i18n, l, id, &crate::i18n::tests::variables(l)[id]);
                assert!(text.chars().count() <= 32, "{}: {id}: {text}", l.code());
            }
        }
    }
}

const COUNTS: [i64; 7] = [1, 2, 5, 11, 21, 22, 25];

fn with(i18n: &I18n, l: Locale, id: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    i18n.try_format(l, id, args).unwrap()
}

/// The confirmation of a booking with an `n`-minute payment window.
fn booked(i18n: &I18n, l: Locale, n: i64) -> String {
    let args =
        [("id", 1.into()), ("window", n.into()), ("deadline", "11:00".into()), ("fee", "5 640 ₸".into())];
    with(i18n, l, "wizard-booked", &args)
}

fn minutes_args(n: i64) -> Vec<(&'static str, FluentValue<'static>)> {
    vec![
        ("id", 12345.into()),
        ("fee", "5\u{a0}640\u{a0}₸".into()),
        ("deadline", "11:00".into()),
        ("minutes", n.into()),
    ]
}

#[test]
fn russian_plurals_agree_with_the_number() {
    let i18n = I18n::load().unwrap();
    let ru = Locale::Ru;
    let seats = ["1 место", "2 места", "5 мест", "11 мест", "21 место", "22 места", "25 мест"];
    let left = [
        "осталась 1 минута",
        "осталось 2 минуты",
        "осталось 5 минут",
        "осталось 11 минут",
        "осталась 21 минута",
        "осталось 22 минуты",
        "осталось 25 минут",
    ];
    let held = ["1 минуту", "2 минуты", "5 минут", "11 минут", "21 минуту", "22 минуты", "25 минут"];
    let within = ["1 минуты", "2 минут", "5 минут", "11 минут", "21 минуты", "22 минут", "25 минут"];
    let applicants = [
        "1 заявитель",
        "2 заявителя",
        "5 заявителей",
        "11 заявителей",
        "21 заявитель",
        "22 заявителя",
        "25 заявителей",
    ];
    for (i, n) in COUNTS.into_iter().enumerate() {
        assert_eq!(with(&i18n, ru, "wizard-seats", &[("n", n.into())]), seats[i]);
        for id in ["pay-reminder", "pay-choose"] {
            let text = with(&i18n, ru, id, &minutes_args(n));
            assert!(text.contains(left[i]), "{id} with {n}: {text}");
        }
        let booked = booked(&i18n, ru, n);
        assert!(booked.contains(&format!("на {}", held[i])), "{booked}");
        let annulled = with(&i18n, ru, "pay-annulled", &[("id", 1.into()), ("window", n.into())]);
        assert!(annulled.contains(&format!("за {}", held[i])), "{annulled}");
        let queued = with(&i18n, ru, "staff-notify-queued", &[("count", n.into())]);
        assert!(queued.contains(applicants[i]), "{queued}");
        let mut pay = minutes_args(n);
        pay.extend([
            ("order", "12345678901".into()),
            ("service", "НЦТ".into()),
            ("url", "https://pay.example.kz".into()),
        ]);
        for id in ["pay-card", "pay-kaspi"] {
            let text = with(&i18n, ru, id, &pay);
            assert!(text.contains(left[i]), "{id} with {n}: {text}");
        }
        let rules = with(&i18n, ru, "wizard-rules", &[("window", n.into())]);
        assert!(rules.contains(&format!("в течение {}", within[i])), "{rules}");
        let campaign = [("count", n.into()), ("campaign", "ЕНТ — январь 2027".into())];
        let queued = with(&i18n, ru, "staff-notify-queued-campaign", &campaign);
        assert!(queued.contains(applicants[i]), "{queued}");
        let recipients = [
            "получатель",
            "получателя",
            "получателей",
            "получателей",
            "получатель",
            "получателя",
            "получателей",
        ];
        let preview = with(&i18n, ru, "broadcast-preview", &[("count", n.into()), ("text", "Текст".into())]);
        assert!(preview.contains(&format!("{n} {}", recipients[i])), "{preview}");
        let characters = ["символ", "символа", "символов", "символов", "символ", "символа", "символов"];
        let too_long = with(&i18n, ru, "broadcast-too-long", &[("length", n.into())]);
        assert!(too_long.contains(&format!("{n} {}", characters[i])), "{too_long}");
    }
}

#[test]
fn kazakh_nouns_stay_singular_after_numerals() {
    let i18n = I18n::load().unwrap();
    let kk = Locale::Kk;
    // A numeral followed by a word with a plural suffix («5 орындар»).
    let plural_after_number = |text: &str| {
        let words: Vec<&str> = text.split_whitespace().collect();
        words.windows(2).any(|w| {
            w[0].chars().all(|c| c.is_ascii_digit())
                && ["лар", "лер", "дар", "дер", "тар", "тер"]
                    .iter()
                    .any(|s| w[1].trim_end_matches(|c: char| !c.is_alphabetic()).ends_with(s))
        })
    };
    for n in COUNTS {
        assert_eq!(with(&i18n, kk, "wizard-seats", &[("n", n.into())]), format!("{n} орын"));
        for id in ["pay-reminder", "pay-choose"] {
            let text = with(&i18n, kk, id, &minutes_args(n));
            assert!(text.contains(&format!("{n} минут қалды")), "{text}");
            assert!(!plural_after_number(&text), "{text}");
        }
        let queued = with(&i18n, kk, "staff-notify-queued", &[("count", n.into())]);
        assert!(queued.contains(&format!("{n} өтініш беруші.")), "{queued}");
        let booked = booked(&i18n, kk, n);
        assert!(booked.contains(&format!("{n} минутқа")), "{booked}");
        for text in [queued, booked] {
            assert!(!plural_after_number(&text), "{text}");
        }
    }
}
