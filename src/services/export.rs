//! Attendance lists: the paid applications of a campaign, a venue, a slot or a test date,
//! as CSV (UTF-8 with a BOM, so Excel reads Cyrillic) or XLSX. Used by the console's
//! exports page and by `ent-bot export applications`.

use chrono::NaiveDate;
use chrono_tz::Tz;
use sqlx::PgPool;

use crate::db::reports::{self, AttendanceRow};
use crate::domain::Iin;
use crate::format;
use crate::i18n::{I18n, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What to export. Codes are what the CLI takes; ids what the console's forms send.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub campaign_code: Option<String>,
    pub campaign_id: Option<i64>,
    pub venue_code: Option<String>,
    pub venue_id: Option<i32>,
    pub slot_id: Option<i64>,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unknown campaign `{0}`")]
    UnknownCampaign(String),
    #[error("unknown venue `{0}`")]
    UnknownVenue(String),
    #[error("a campaign is needed")]
    NoCampaign,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl ExportError {
    /// Bad input (exit code 2 on the command line) rather than a failure.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ExportError::Other(_))
    }
}

impl From<sqlx::Error> for ExportError {
    fn from(e: sqlx::Error) -> Self {
        ExportError::Other(e.into())
    }
}

pub struct Export {
    pub filename: String,
    pub format: Format,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

const COLUMNS: [&str; 11] = [
    "export-col-city",
    "export-col-venue",
    "export-col-date",
    "export-col-time",
    "export-col-seat",
    "export-col-name",
    "export-col-iin",
    "export-col-category",
    "export-col-language",
    "export-col-subjects",
    "export-col-application",
];

/// One row as the cells of [`COLUMNS`]; the IIN is masked.
fn cells(r: &AttendanceRow, l: Locale, tz: Tz) -> [String; 11] {
    [
        r.city.text(l).to_string(),
        format!("{} ({})", r.venue.text(l), r.venue_code),
        format::local_date(r.starts_at, tz).format("%Y-%m-%d").to_string(),
        format::time(r.starts_at, tz),
        r.seat.to_string(),
        r.full_name.clone().unwrap_or_default(),
        r.iin.as_deref().and_then(|i| Iin::parse(i).ok()).map(|i| i.masked()).unwrap_or_default(),
        r.category.text(l).to_string(),
        r.language.text(l).to_string(),
        r.subjects.text(l).to_string(),
        r.application_id.to_string(),
    ]
}

pub async fn applications(
    pool: &PgPool,
    i18n: &I18n,
    tz: Tz,
    locale: Locale,
    req: &Request,
    format: Format,
) -> Result<Export, ExportError> {
    let campaign = match (&req.campaign_code, req.campaign_id) {
        (_, Some(id)) => id,
        (Some(code), None) => crate::db::slots::campaign_by_code(pool, code)
            .await?
            .ok_or_else(|| ExportError::UnknownCampaign(code.clone()))?,
        (None, None) => return Err(ExportError::NoCampaign),
    };
    let venue = match (&req.venue_code, req.venue_id) {
        (_, Some(id)) => Some(id),
        (Some(code), None) => Some(
            crate::db::slots::venue_by_code(pool, code)
                .await?
                .ok_or_else(|| ExportError::UnknownVenue(code.clone()))?,
        ),
        (None, None) => None,
    };
    let rows = reports::attendance(pool, campaign, venue, req.slot_id, req.date, tz.name()).await?;
    let header: Vec<String> = COLUMNS.iter().map(|k| i18n.t(locale, k)).collect();
    let table: Vec<[String; 11]> = rows.iter().map(|r| cells(r, locale, tz)).collect();
    let bytes = match format {
        Format::Csv => csv_bytes(&header, &table)?,
        Format::Xlsx => xlsx_bytes(&i18n.t(locale, "export-sheet"), &header, &table)?,
    };
    let mut name = format!("attendance-{campaign}");
    if let Some(v) = venue {
        name.push_str(&format!("-venue{v}"));
    }
    if let Some(s) = req.slot_id {
        name.push_str(&format!("-slot{s}"));
    }
    if let Some(d) = req.date {
        name.push_str(&format!("-{d}"));
    }
    Ok(Export { filename: format!("{name}.{}", format.extension()), format, bytes, rows: rows.len() })
}

fn csv_bytes(header: &[String], table: &[[String; 11]]) -> anyhow::Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(header)?;
        for row in table {
            w.write_record(row)?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn xlsx_bytes(sheet: &str, header: &[String], table: &[[String; 11]]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = CellFormat::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, if c == 1 || c == 5 || c == 9 { 32 } else { 14 })?;
    }
    for (r, row) in table.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            // The seat and the application id are numbers; the rest is text.
            if (c == 4 || c == 10)
                && let Ok(n) = v.parse::<f64>()
            {
                ws.write_number(r, c as u16, n)?;
            } else {
                ws.write_string(r, c as u16, v)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}
