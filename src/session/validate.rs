//! From the file as written to a [`Session`] every part of which is known to fit: codes
//! unique, references resolved, texts in both languages, dates in order, slots inside the
//! test period. Every problem is collected, not just the first.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use toml::Spanned;

use super::file::{self, SessionFile, SlotsFile, Text, VenuesFile, line_of};
use super::model::*;
use super::{Problem, table};

/// A button holds one line on a phone.
pub const SHORT_LABEL_MAX: usize = 40;

pub const VENUE_COLUMNS: [&str; 6] = ["code", "city_code", "name_kk", "name_ru", "address_kk", "address_ru"];
pub const SLOT_COLUMNS: [&str; 5] = ["campaign_code", "venue_code", "date", "time", "capacity"];

struct Ctx<'a> {
    text: &'a str,
    shown: &'a str,
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn at<T>(&self, spanned: &Spanned<T>) -> String {
        let span = spanned.span();
        if span.end == 0 {
            self.shown.to_owned()
        } else {
            format!("{}:{}", self.shown, line_of(self.text, span.start))
        }
    }

    fn problem(&mut self, place: String, reason: impl Into<String>) {
        self.problems.push(Problem::new(place, reason));
    }

    fn text(&mut self, place: &str, key: &str, text: &Text) -> Text {
        for (lang, value) in [("kk", &text.kk), ("ru", &text.ru)] {
            if value.trim().is_empty() {
                self.problem(place.to_owned(), format!("{key}.{lang} is empty"));
            }
        }
        Text { kk: text.kk.trim().to_owned(), ru: text.ru.trim().to_owned() }
    }

    fn code(&mut self, place: &str, kind: &str, code: &str, seen: &mut HashMap<String, String>) {
        let ok = !code.is_empty()
            && code.len() <= 40
            && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            self.problem(
                place.to_owned(),
                format!("{kind} code \"{code}\" must be 1–40 of a-z, 0-9, - and _"),
            );
        }
        if let Some(first) = seen.insert(code.to_owned(), place.to_owned()) {
            self.problem(place.to_owned(), format!("{kind} code \"{code}\" is already used at {first}"));
        }
    }
}

/// Parses and checks the file at `path` (sheets are read relative to it).
pub fn load(path: &Path, tz: Tz) -> Result<Session, Vec<Problem>> {
    let shown = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| vec![Problem::new(&shown, format!("cannot read the file: {e}"))])?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![Problem::new(format!("{shown}:{line}"), "the file is not UTF-8 text")]
    })?;
    load_str(&text, &shown, path.parent().unwrap_or(Path::new(".")), tz)
}

/// Like [`load`] for a file already read; `shown` names it in problems, `dir` is where its
/// sheets are.
pub fn load_str(text: &str, shown: &str, dir: &Path, tz: Tz) -> Result<Session, Vec<Problem>> {
    let parsed: SessionFile = toml::from_str(text).map_err(|e| {
        let place = e.span().map_or(shown.to_owned(), |s| format!("{shown}:{}", line_of(text, s.start)));
        vec![Problem::new(place, e.message().trim().to_owned())]
    })?;
    let mut ctx = Ctx { text, shown, problems: Vec::new() };
    let session = check(&mut ctx, parsed, dir, tz);
    if ctx.problems.is_empty() { Ok(session) } else { Err(ctx.problems) }
}

fn check(ctx: &mut Ctx, f: SessionFile, dir: &Path, tz: Tz) -> Session {
    let campaign = campaign(ctx, &f.campaign, tz);

    let mut seen = HashMap::new();
    let mut categories = Vec::new();
    for sp in &f.categories {
        let (at, c) = (ctx.at(sp), sp.get_ref());
        ctx.code(&at, "category", &c.code, &mut seen);
        let short = ctx.text(&at, "short", &c.short);
        for (lang, s) in [("kk", &short.kk), ("ru", &short.ru)] {
            let n = s.chars().count();
            if n > SHORT_LABEL_MAX {
                ctx.problem(
                    at.clone(),
                    format!("short.{lang} has {n} characters, at most {SHORT_LABEL_MAX}"),
                );
            }
        }
        let name = ctx.text(&at, "name", &c.name);
        categories.push(Category { code: c.code.clone(), short, name });
    }
    if categories.is_empty() {
        ctx.problem(ctx.shown.to_owned(), "no [[categories]]: applicants could not choose one");
    }

    let named = |ctx: &mut Ctx, kind: &str, items: &[Spanned<file::NamedFile>]| {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for sp in items {
            let (at, item) = (ctx.at(sp), sp.get_ref());
            ctx.code(&at, kind, &item.code, &mut seen);
            let name = ctx.text(&at, "name", &item.name);
            out.push(Named { code: item.code.clone(), name });
        }
        out
    };
    let test_languages = named(ctx, "test language", &f.test_languages);
    for (l, item) in test_languages.iter().zip(&f.test_languages) {
        if !(l.code.len() == 2 && l.code.chars().all(|c| c.is_ascii_lowercase())) {
            let at = ctx.at(item);
            ctx.problem(at, format!("test language code \"{}\" must be two letters (kk, ru, en)", l.code));
        }
    }
    let subjects = named(ctx, "subject", &f.subjects);
    let regions = named(ctx, "region", &f.regions);
    for (kind, list) in [("test_languages", test_languages.len()), ("subjects", subjects.len())] {
        if list == 0 {
            ctx.problem(ctx.shown.to_owned(), format!("no [[{kind}]]"));
        }
    }

    let subject_codes: HashSet<&str> = subjects.iter().map(|s| s.code.as_str()).collect();
    let mut seen = HashMap::new();
    let mut pairs = HashMap::new();
    let mut combinations = Vec::new();
    for sp in &f.combinations {
        let (at, c) = (ctx.at(sp), sp.get_ref());
        ctx.code(&at, "combination", &c.code, &mut seen);
        if !(1..=2).contains(&c.subjects.len()) {
            ctx.problem(at.clone(), format!("combination \"{}\" needs one or two subjects", c.code));
        }
        for s in &c.subjects {
            if !subject_codes.contains(s.as_str()) {
                ctx.problem(
                    at.clone(),
                    format!("combination \"{}\": subject \"{s}\" is not in [[subjects]]", c.code),
                );
            }
        }
        if c.subjects.len() == 2 && c.subjects[0] == c.subjects[1] {
            ctx.problem(at.clone(), format!("combination \"{}\" names the same subject twice", c.code));
        }
        if let Some(first) = pairs.insert(c.subjects.clone(), at.clone()) {
            ctx.problem(at.clone(), format!("combination \"{}\" repeats the subjects of {first}", c.code));
        }
        let mut subjects = c.subjects.iter().cloned();
        combinations.push(Combination {
            code: c.code.clone(),
            first: subjects.next().unwrap_or_default(),
            second: subjects.next(),
        });
    }
    if combinations.is_empty() {
        ctx.problem(ctx.shown.to_owned(), "no [[combinations]]");
    }

    let region_codes: HashSet<&str> = regions.iter().map(|r| r.code.as_str()).collect();
    let mut seen = HashMap::new();
    let mut cities = Vec::new();
    for sp in &f.cities {
        let (at, c) = (ctx.at(sp), sp.get_ref());
        ctx.code(&at, "city", &c.code, &mut seen);
        if !region_codes.contains(c.region.as_str()) {
            ctx.problem(
                at.clone(),
                format!("city \"{}\": region \"{}\" is not in [[regions]]", c.code, c.region),
            );
        }
        let name = ctx.text(&at, "name", &c.name);
        cities.push(City { code: c.code.clone(), region: c.region.clone(), name });
    }

    let venues = venues(ctx, f.venues.as_ref(), dir, &cities);
    let slots = slots(ctx, f.slots.as_ref(), dir, &campaign, &venues, tz);
    Session { campaign, categories, test_languages, subjects, combinations, regions, cities, venues, slots }
}

fn local_time(ctx: &mut Ctx, at: String, key: &str, value: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let Ok(naive) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M") else {
        ctx.problem(at, format!("{key} \"{value}\" is not a local time in YYYY-MM-DDTHH:MM form"));
        return None;
    };
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        _ => {
            ctx.problem(at, format!("{key} \"{value}\" does not exist once in {tz}"));
            None
        }
    }
}

fn date(ctx: &mut Ctx, at: String, key: &str, value: &str) -> Option<NaiveDate> {
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    if parsed.is_none() {
        ctx.problem(at, format!("{key} \"{value}\" is not a date in YYYY-MM-DD form"));
    }
    parsed
}

fn campaign(ctx: &mut Ctx, sp: &Spanned<file::CampaignFile>, tz: Tz) -> CampaignSpec {
    let (at, c) = (ctx.at(sp), sp.get_ref());
    let code_ok = !c.code.is_empty() && c.code.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-');
    if !code_ok {
        ctx.problem(at.clone(), format!("campaign.code \"{}\" must be letters, digits and -", c.code));
    }
    let name = ctx.text(&at, "campaign.name", &c.name);
    let opens = local_time(
        ctx,
        ctx.at(&c.registration_opens),
        "registration_opens",
        c.registration_opens.get_ref(),
        tz,
    );
    let closes = local_time(
        ctx,
        ctx.at(&c.registration_closes),
        "registration_closes",
        c.registration_closes.get_ref(),
        tz,
    );
    let database_closes = c
        .database_closes
        .as_ref()
        .and_then(|d| local_time(ctx, ctx.at(d), "database_closes", d.get_ref(), tz).map(|t| (t, ctx.at(d))));
    let from = date(ctx, ctx.at(&c.tests_from), "tests_from", c.tests_from.get_ref());
    let until = date(ctx, ctx.at(&c.tests_until), "tests_until", c.tests_until.get_ref());
    if let (Some(o), Some(cl)) = (opens, closes)
        && cl <= o
    {
        ctx.problem(ctx.at(&c.registration_closes), "registration_closes must be after registration_opens");
    }
    if let (Some(cl), Some((d, place))) = (closes, &database_closes)
        && *d < cl
    {
        ctx.problem(place.clone(), "database_closes must not be before registration_closes");
    }
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        ctx.problem(ctx.at(&c.tests_until), "tests_until must not be before tests_from");
    }
    if let (Some(o), Some(f)) = (opens, from)
        && f < o.with_timezone(&tz).date_naive()
    {
        ctx.problem(ctx.at(&c.tests_from), "tests_from must not be before registration_opens");
    }
    let fee = *c.fee_tenge.get_ref();
    if !(1..=1_000_000).contains(&fee) {
        ctx.problem(ctx.at(&c.fee_tenge), format!("fee_tenge {fee} must be 1 to 1000000"));
    }
    let window = *c.payment_window_minutes.get_ref();
    if !(1..=1440).contains(&window) {
        ctx.problem(
            ctx.at(&c.payment_window_minutes),
            format!("payment_window_minutes {window} must be 1 to 1440"),
        );
    }
    let reminders = c.reminders_minutes_left.get_ref();
    if reminders.iter().any(|m| *m <= 0 || *m >= window) {
        ctx.problem(
            ctx.at(&c.reminders_minutes_left),
            format!(
                "reminders_minutes_left must each be above 0 and below payment_window_minutes ({window})"
            ),
        );
    }
    let year = *c.graduation_year.get_ref();
    if !(2000..=2100).contains(&year) {
        ctx.problem(ctx.at(&c.graduation_year), format!("graduation_year {year} must be 2000 to 2100"));
    }
    let retest = *c.retest_request_days.get_ref();
    if !(0..=60).contains(&retest) {
        ctx.problem(ctx.at(&c.retest_request_days), format!("retest_request_days {retest} must be 0 to 60"));
    }
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    let day0 = NaiveDate::MIN;
    CampaignSpec {
        code: c.code.clone(),
        name,
        opens_at: opens.unwrap_or(epoch),
        closes_at: closes.unwrap_or(epoch),
        database_closes_at: database_closes.map(|d| d.0),
        tests_from: from.unwrap_or(day0),
        tests_until: until.unwrap_or(day0),
        fee_tenge: fee.clamp(0, i64::from(i32::MAX)) as i32,
        payment_window_minutes: window.clamp(0, 1440) as i32,
        reminders_minutes_left: reminders.iter().map(|m| (*m).clamp(0, 1440) as i32).collect(),
        graduation_year: year.clamp(0, 9999) as i16,
        retest_request_days: retest.clamp(0, 60) as i16,
    }
}

fn venues(ctx: &mut Ctx, v: Option<&VenuesFile>, dir: &Path, cities: &[City]) -> Vec<Venue> {
    let Some(v) = v else {
        ctx.problem(ctx.shown.to_owned(), "no venues (venues = \"venues.xlsx\" or [[venues]])");
        return Vec::new();
    };
    let rows: Vec<(String, Venue)> = match v {
        VenuesFile::Path(p) => match table::read(&dir.join(p), p, &VENUE_COLUMNS) {
            Ok(rows) => rows
                .into_iter()
                .map(|r| {
                    let [code, city, name_kk, name_ru, address_kk, address_ru] =
                        <[String; 6]>::try_from(r.fields).expect("read() checks the width");
                    let venue = Venue {
                        code,
                        city,
                        name: Text { kk: name_kk, ru: name_ru },
                        address: Text { kk: address_kk, ru: address_ru },
                    };
                    (r.place, venue)
                })
                .collect(),
            Err(problems) => {
                ctx.problems.extend(problems);
                return Vec::new();
            }
        },
        VenuesFile::List(list) => list
            .iter()
            .map(|sp| {
                let v = sp.get_ref();
                let venue = Venue {
                    code: v.code.clone(),
                    city: v.city.clone(),
                    name: v.name.clone(),
                    address: v.address.clone(),
                };
                (ctx.at(sp), venue)
            })
            .collect(),
    };
    let city_codes: HashSet<&str> = cities.iter().map(|c| c.code.as_str()).collect();
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (at, v) in rows {
        ctx.code(&at, "venue", &v.code, &mut seen);
        if !city_codes.contains(v.city.as_str()) {
            ctx.problem(
                at.clone(),
                format!("venue \"{}\": city \"{}\" is not in [[cities]]", v.code, v.city),
            );
        }
        let name = ctx.text(&at, "name", &v.name);
        let address = ctx.text(&at, "address", &v.address);
        out.push(Venue { name, address, ..v });
    }
    out
}

/// `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`.
fn days(spec: &str) -> Option<Vec<NaiveDate>> {
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    match spec.split_once("..") {
        None => parse(spec).map(|d| vec![d]),
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            (a <= b && (b - a).num_days() <= 400)
                .then(|| (0..=(b - a).num_days()).map(|i| a + Duration::days(i)).collect())
        }
    }
}

fn slots(
    ctx: &mut Ctx,
    s: Option<&SlotsFile>,
    dir: &Path,
    campaign: &CampaignSpec,
    venues: &[Venue],
    tz: Tz,
) -> Vec<Slot> {
    let Some(s) = s else {
        ctx.problem(ctx.shown.to_owned(), "no slots (slots = \"slots.csv\" or [[slots]])");
        return Vec::new();
    };
    // (place, venue, date, time, capacity) as written.
    let mut wanted: Vec<(String, String, String, String, String)> = Vec::new();
    match s {
        SlotsFile::Path(p) => match table::read(&dir.join(p), p, &SLOT_COLUMNS) {
            Ok(rows) => {
                for r in rows {
                    let [camp, venue, date, time, capacity] =
                        <[String; 5]>::try_from(r.fields).expect("read() checks the width");
                    if camp != campaign.code {
                        ctx.problem(
                            r.place.clone(),
                            format!(
                                "campaign_code \"{camp}\" is not this file's campaign \"{}\"",
                                campaign.code
                            ),
                        );
                    }
                    wanted.push((r.place, venue, date, time, capacity));
                }
            }
            Err(problems) => ctx.problems.extend(problems),
        },
        SlotsFile::List(rules) => {
            for sp in rules {
                let (at, rule) = (ctx.at(sp), sp.get_ref());
                let targets: Vec<&str> = if rule.venue == "*" {
                    venues.iter().map(|v| v.code.as_str()).collect()
                } else {
                    vec![rule.venue.as_str()]
                };
                let mut dates = BTreeSet::new();
                for spec in &rule.dates {
                    match days(spec) {
                        Some(d) => dates.extend(d),
                        None => ctx.problem(
                            at.clone(),
                            format!("dates \"{spec}\" is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"),
                        ),
                    }
                }
                for venue in &targets {
                    for day in &dates {
                        for time in &rule.times {
                            let (v, d, c) = (venue.to_string(), day.to_string(), rule.capacity.to_string());
                            wanted.push((at.clone(), v, d, time.clone(), c));
                        }
                    }
                }
            }
        }
    }
    let venue_codes: HashSet<&str> = venues.iter().map(|v| v.code.as_str()).collect();
    let mut seen: HashMap<(String, DateTime<Utc>), String> = HashMap::new();
    let mut out = Vec::new();
    for (at, venue, date, time, capacity) in wanted {
        if !venue_codes.contains(venue.as_str()) {
            ctx.problem(at.clone(), format!("venue \"{venue}\" is not among the venues"));
            continue;
        }
        let Some(day) = NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok() else {
            ctx.problem(at, format!("date \"{date}\" is not a real date in YYYY-MM-DD form"));
            continue;
        };
        let Some(clock) = NaiveTime::parse_from_str(&time, "%H:%M").ok() else {
            ctx.problem(at, format!("time \"{time}\" is not a time in HH:MM form"));
            continue;
        };
        if day < campaign.tests_from || day > campaign.tests_until {
            ctx.problem(
                at,
                format!(
                    "{venue} {date} {time} is outside the test period {} – {}",
                    campaign.tests_from, campaign.tests_until
                ),
            );
            continue;
        }
        let Some(cap) = capacity.parse::<i32>().ok().filter(|c| (1..=100_000).contains(c)) else {
            ctx.problem(at, format!("capacity \"{capacity}\" is not a whole number above 0"));
            continue;
        };
        let LocalResult::Single(starts) = tz.from_local_datetime(&day.and_time(clock)) else {
            ctx.problem(at, format!("{date} {time} does not exist once in {tz}"));
            continue;
        };
        let starts_at = starts.with_timezone(&Utc);
        if let Some(first) = seen.insert((venue.clone(), starts_at), at.clone()) {
            ctx.problem(at, format!("the slot {venue} {date} {time} is already at {first}"));
            continue;
        }
        out.push(Slot { venue, starts_at, capacity: cap });
    }
    out
}
