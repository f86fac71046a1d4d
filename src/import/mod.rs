//! `ent-bot import persons FILE.csv|xlsx` (streamed: see `persons`) and `import slots FILE.csv`.
//!
//! Every line is validated before anything is written, and the writes share one transaction,
//! so a file either imports whole or not at all. Files come from spreadsheets: a header line
//! is optional, a UTF-8 BOM, CRLF line ends and quoted fields with commas are fine, and rows
//! that are nothing but empty cells (what Excel leaves below the data) are skipped.

use std::collections::HashMap;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;

use crate::db::reference as store;
use crate::domain::Iin;

pub mod persons;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl ImportError {
    /// Bad input exits with code 2; a database failure with 1.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ImportError::Db(_))
    }
}

fn bad(line: usize, reason: impl Into<String>) -> ImportError {
    ImportError::BadLine { line, reason: reason.into() }
}

/// A field as an error message (printed to stderr, kept in shell histories and CI logs)
/// may show it: when it holds seven digits or more (an IIN, or most of one), only the
/// first four and the last two digits are kept, as the logs mask IINs (`0803-****-**16`).
fn shown(value: &str) -> String {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits < 7 {
        return value.to_owned();
    }
    let (head, tail) = (4.min(digits / 3), 2);
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > digits - tail { c } else { '*' }
        })
        .collect()
}

/// Each column with the header names accepted for it.
const PERSON_COLUMNS: [&[&str]; 4] = [&["iin"], &["last_name"], &["first_name"], &["patronymic"]];
const SLOT_COLUMNS: [&[&str]; 5] =
    [&["campaign_code", "campaign"], &["venue_code", "venue"], &["date"], &["time"], &["capacity"]];

struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Data records with their 1-based line numbers in the file, header checked and removed.
fn records(text: &str, columns: &[&[&str]]) -> Result<Vec<Record>, ImportError> {
    let mut out = Vec::new();
    for_each_csv_record(text.as_bytes(), columns, |record| {
        out.push(record);
        Ok(())
    })?;
    Ok(out)
}

/// Reads CSV from `source` a record at a time (nothing but the current record is held),
/// checks the header and the field counts, and hands each data record to `each`.
fn for_each_csv_record(
    source: impl std::io::Read,
    columns: &[&[&str]],
    mut each: impl FnMut(Record) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(source);
    let mut rows = Rows::new(columns);
    let mut record = csv::StringRecord::new();
    let mut index = 0;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            bad(line, format!("not valid CSV: {e}"))
        })?;
        if !more {
            return Ok(());
        }
        index += 1;
        let line = record.position().map_or(index, |p| p.line() as usize);
        let fields: Vec<String> = record.iter().map(|f| f.trim().to_owned()).collect();
        if let Some(r) = rows.check(line, fields)? {
            each(r)?;
        }
    }
}

/// The header and field-count rules, a row at a time: rows of nothing but empty cells are
/// skipped, a header (recognised by its first name) must name every column in order.
struct Rows<'c> {
    columns: &'c [&'c [&'c str]],
    first: bool,
}

impl<'c> Rows<'c> {
    fn new(columns: &'c [&'c [&'c str]]) -> Self {
        Rows { columns, first: true }
    }

    fn check(&mut self, line: usize, mut fields: Vec<String>) -> Result<Option<Record>, ImportError> {
        let columns = self.columns;
        let expected = || columns.iter().map(|names| names[0]).collect::<Vec<_>>().join(",");
        if fields.iter().all(String::is_empty) {
            return Ok(None);
        }
        if std::mem::take(&mut self.first) {
            if let Some(f) = fields.first_mut().filter(|f| f.starts_with('\u{feff}')) {
                *f = f.trim_start_matches('\u{feff}').to_owned();
            }
            if is_header_name(columns[0], &fields[0]) {
                let matches = fields.len() == columns.len()
                    && fields.iter().zip(columns).all(|(field, names)| is_header_name(names, field));
                if !matches {
                    return Err(bad(
                        line,
                        format!("the header must be {}, found {}", expected(), fields.join(",")),
                    ));
                }
                return Ok(None);
            }
        }
        if fields.len() != columns.len() {
            return Err(bad(
                line,
                format!("expected {} fields ({}), found {}", columns.len(), expected(), fields.len()),
            ));
        }
        Ok(Some(Record { line, fields }))
    }
}

fn is_header_name(names: &[&str], field: &str) -> bool {
    names.iter().any(|name| name.eq_ignore_ascii_case(field))
}

struct PersonLine {
    line: usize,
    iin: Iin,
    last_name: String,
    first_name: String,
    patronymic: Option<String>,
}

fn name_field(column: &str, value: &str, required: bool) -> Result<Option<String>, String> {
    if value.is_empty() {
        return if required { Err(format!("{column} is empty")) } else { Ok(None) };
    }
    // A digit in a name is nearly always a shifted column.
    if value.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
        return Err(format!("{column} \"{}\" contains a digit or a control character", shown(value)));
    }
    if value.chars().count() > 100 {
        return Err(format!("{column} is longer than 100 characters"));
    }
    Ok(Some(value.to_owned()))
}

/// One registry line checked: the IIN valid, the names plausible.
fn person_line(Record { line, fields }: Record) -> Result<PersonLine, ImportError> {
    let iin = Iin::parse(&fields[0]).map_err(|e| bad(line, format!("iin \"{}\" {e}", shown(&fields[0]))))?;
    let last_name = name_field("last_name", &fields[1], true).map_err(|r| bad(line, r))?;
    let first_name = name_field("first_name", &fields[2], true).map_err(|r| bad(line, r))?;
    let patronymic = name_field("patronymic", &fields[3], false).map_err(|r| bad(line, r))?;
    Ok(PersonLine {
        line,
        iin,
        last_name: last_name.expect("required"),
        first_name: first_name.expect("required"),
        patronymic,
    })
}

/// The whole file in memory, for the fuzz targets and the unit tests; the import itself
/// streams (`persons::import_file`).
fn parse_persons(text: &str) -> Result<Vec<PersonLine>, ImportError> {
    let mut seen: HashMap<Iin, usize> = HashMap::new();
    let mut persons = Vec::new();
    for record in records(text, &PERSON_COLUMNS)? {
        let raw = shown(&record.fields[0]);
        let person = person_line(record)?;
        if let Some(first) = seen.insert(person.iin.clone(), person.line) {
            return Err(bad(person.line, format!("iin \"{raw}\" already appears on line {first}")));
        }
        persons.push(person);
    }
    Ok(persons)
}

/// Upserts on the IIN: a later registry extract corrects names. Streams like a file.
pub async fn import_persons(pool: &PgPool, csv: &str) -> Result<usize, ImportError> {
    persons::import(pool, persons::Source::CsvText(csv.as_bytes().to_vec())).await
}

struct SlotLine {
    line: usize,
    campaign_id: i64,
    venue_id: i32,
    starts_at: DateTime<Utc>,
    capacity: i32,
}

fn parse_slots(
    text: &str,
    tz: Tz,
    campaigns: &HashMap<String, i64>,
    venues: &HashMap<String, i32>,
) -> Result<Vec<SlotLine>, ImportError> {
    let mut seen: HashMap<(i64, i32, DateTime<Utc>), usize> = HashMap::new();
    let mut slots = Vec::new();
    for Record { line, fields } in records(text, &SLOT_COLUMNS)? {
        let [campaign, venue, date, time, capacity] = &fields[..] else {
            unreachable!("records() checks the field count")
        };
        let campaign_id = *campaigns
            .get(campaign)
            .ok_or_else(|| bad(line, format!("campaign_code \"{campaign}\" is not a known campaign")))?;
        let venue_id = *venues
            .get(venue)
            .ok_or_else(|| bad(line, format!("venue_code \"{venue}\" is not a known venue")))?;
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| bad(line, format!("date \"{date}\" is not a real date in YYYY-MM-DD form")))?;
        let clock = NaiveTime::parse_from_str(time, "%H:%M")
            .map_err(|_| bad(line, format!("time \"{time}\" is not a time in HH:MM form")))?;
        let starts_at = match tz.from_local_datetime(&day.and_time(clock)) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::None => {
                return Err(bad(line, format!("{date} {time} does not exist in {tz} (the clocks change)")));
            }
            LocalResult::Ambiguous(..) => {
                return Err(bad(line, format!("{date} {time} happens twice in {tz} (the clocks change)")));
            }
        };
        let capacity =
            capacity.parse::<i32>().ok().filter(|c| *c > 0).ok_or_else(|| {
                bad(line, format!("capacity \"{capacity}\" is not a positive whole number"))
            })?;
        if let Some(first) = seen.insert((campaign_id, venue_id, starts_at), line) {
            return Err(bad(
                line,
                format!("the same slot (campaign, venue, date and time) is on line {first}"),
            ));
        }
        slots.push(SlotLine { line, campaign_id, venue_id, starts_at, capacity });
    }
    Ok(slots)
}

/// The line parsing of both imports without a database, for the fuzz targets (`fuzz/`):
/// how many lines a file would import, or why it is refused.
#[doc(hidden)]
pub mod fuzzing {
    use std::collections::HashMap;

    use chrono_tz::Tz;

    use super::ImportError;

    pub fn parse_persons_csv(text: &str) -> Result<usize, ImportError> {
        super::parse_persons(text).map(|persons| persons.len())
    }

    pub fn parse_slots_csv(
        text: &str,
        tz: Tz,
        campaigns: &HashMap<String, i64>,
        venues: &HashMap<String, i32>,
    ) -> Result<usize, ImportError> {
        super::parse_slots(text, tz, campaigns, venues).map(|slots| slots.len())
    }
}

/// Upserts on (campaign, venue, start), updating the capacity. The `booked ≤ capacity` CHECK
/// decides whether a smaller capacity fits, so a booking racing the import cannot slip past.
pub async fn import_slots(pool: &PgPool, csv: &str, tz: Tz) -> Result<usize, ImportError> {
    let mut tx = pool.begin().await?;
    let campaigns = store::campaign_ids(&mut tx).await?;
    let venues = store::venue_ids(&mut tx).await?;
    let slots = parse_slots(csv, tz, &campaigns, &venues)?;
    for slot in &slots {
        let result =
            store::upsert_slot(&mut tx, slot.campaign_id, slot.venue_id, slot.starts_at, slot.capacity).await;
        match result {
            Ok(_) => {}
            Err(e) if crate::db::violates(&e, "slots_check") => {
                tx.rollback().await?;
                return Err(capacity_below_booked(pool, slot).await);
            }
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(slots.len())
}

/// Names the booked count when it can be read; the line is refused either way.
async fn capacity_below_booked(pool: &PgPool, slot: &SlotLine) -> ImportError {
    let booked = store::booked(pool, slot.campaign_id, slot.venue_id, slot.starts_at).await.ok().flatten();
    let seats = booked.map_or_else(|| "the seats".to_owned(), |n| format!("the {n} seats"));
    bad(slot.line, format!("capacity {} is below {seats} already booked in this slot", slot.capacity))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persons_error(text: &str) -> String {
        match parse_persons(text) {
            Err(e) => e.to_string(),
            Ok(p) => panic!("accepted {} persons", p.len()),
        }
    }

    #[test]
    fn reads_header_bom_crlf_and_quotes() {
        let text = "\u{feff}IIN,last_name,first_name,patronymic\r\n\
                    080315600016,\"Сейтқали, мл.\",Айгерим,Нұрланқызы\r\n\
                    \r\n\
                    0612 1160 0012,Ким,Дана,\r\n";
        let persons = parse_persons(text).unwrap();
        assert_eq!(persons.len(), 2);
        assert_eq!(persons[0].last_name, "Сейтқали, мл.");
        assert_eq!(persons[1].iin.as_str(), "061211600012");
        assert_eq!(persons[1].patronymic, None);
    }

    #[test]
    fn names_the_line_and_the_field() {
        assert_eq!(
            persons_error("iin,last_name,first_name,patronymic\n080315600016,А,Б,\n08031560001,В,Г,\n"),
            "line 3: iin \"080******01\" has 11 digits, expected 12"
        );
        assert_eq!(
            persons_error("080315600016,А,Б\n"),
            "line 1: expected 4 fields (iin,last_name,first_name,patronymic), found 3"
        );
        assert_eq!(persons_error("080315600016,А,Б,\n061211600012,,Г,\n"), "line 2: last_name is empty");
        assert_eq!(
            persons_error("080315600016,А,Б,\n0803-1560-0016,В,Г,\n"),
            "line 2: iin \"0803-****-**16\" already appears on line 1"
        );
        assert_eq!(
            persons_error("iin,surname\n"),
            "line 1: the header must be iin,last_name,first_name,patronymic, found iin,surname"
        );
    }

    #[test]
    fn error_messages_mask_iins() {
        assert_eq!(shown("080315600016"), "0803******16");
        assert_eq!(shown("08031560001A"), "080******01A");
        assert_eq!(shown("0803 1560 0016"), "0803 **** **16");
        assert_eq!(shown("Иванов2"), "Иванов2", "a stray digit is no IIN");
        assert_eq!(
            persons_error("080315600016,061211600012,Б,\n"),
            "line 1: last_name \"0612******12\" contains a digit or a control character"
        );
    }

    #[test]
    fn a_quoted_line_break_in_a_name_is_refused() {
        assert_eq!(
            persons_error("080315600016,\"А\nА\",Б,\n"),
            "line 1: last_name \"А\nА\" contains a digit or a control character"
        );
    }

    #[test]
    fn slot_lines_are_checked_against_known_codes() {
        let campaigns = HashMap::from([("ent-2027-01".to_owned(), 1)]);
        let venues = HashMap::from([("ast-1".to_owned(), 7)]);
        let tz: Tz = "Asia/Almaty".parse().unwrap();
        let parse = |text: &str| parse_slots(text, tz, &campaigns, &venues).map_err(|e| e.to_string());
        let ok =
            parse("campaign_code,venue_code,date,time,capacity\nent-2027-01,ast-1,2027-01-11,09:00,40\n")
                .unwrap();
        assert_eq!(ok[0].starts_at.to_rfc3339(), "2027-01-11T04:00:00+00:00");
        assert_eq!(
            parse("ent-2027-01,xxx,2027-01-11,09:00,40").err().unwrap(),
            "line 1: venue_code \"xxx\" is not a known venue"
        );
        assert!(parse("ent-2099-01,ast-1,2027-01-11,09:00,40").err().unwrap().contains("campaign_code"));
        assert!(
            parse("ent-2027-01,ast-1,2027-02-30,09:00,40").err().unwrap().contains("date \"2027-02-30\"")
        );
        assert!(parse("ent-2027-01,ast-1,2027-01-11,25:00,40").err().unwrap().contains("time \"25:00\""));
        assert!(parse("ent-2027-01,ast-1,2027-01-11,09:00,0").err().unwrap().contains("capacity \"0\""));
        assert!(
            parse("ent-2027-01,ast-1,2027-01-11,09:00,40\nent-2027-01,ast-1,2027-01-11,09:00,50")
                .err()
                .unwrap()
                .starts_with("line 2: the same slot")
        );
    }
}
