//! Attendance lists: the paid applications of a campaign, a venue, a slot or a test date,
//! as CSV (UTF-8 with a BOM, so Excel reads Cyrillic) or XLSX. Used by the console's
//! exports page and by `ent-bot export applications`.
//!
//! A list is written while it is read: its lines come from one statement as PostgreSQL
//! sends them and leave in chunks of about 64 KiB, so a whole campaign costs the process
//! about the same memory as one slot. An XLSX sheet is written through rust_xlsxwriter's
//! constant-memory worksheet (its rows go to a temporary file), and the finished file waits
//! in another unnamed temporary file while it is sent. Each running export keeps a database
//! connection, so a process runs at most `EXPORTS_AT_ONCE` ([`Limiter`]).
//!
//! A CSV cell a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) gets a leading `'`, as OWASP advises: a name in the person
//! registry is data, never a formula. XLSX cells are typed strings and stay as they are.

use std::borrow::Cow;
use std::io::{Read, Seek, Write};
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use futures::{Stream, StreamExt};
use sqlx::PgPool;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::db::audit;
use crate::db::reports::{self, AttendanceFilter, AttendanceRow};
use crate::domain::Iin;
use crate::format;
use crate::i18n::{I18n, Locale};
use crate::services::Ctx;

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

/// A prepared attendance list: what it holds and its name; [`Export::stream`] writes it.
pub struct Export {
    pub filename: String,
    pub format: Format,
    /// Lines when it was prepared (the audit log's figure); the list itself is read later,
    /// in one snapshot, and holds the applications paid by then.
    pub rows: i64,
    filter: AttendanceFilter,
    /// Fills `{ $year }` in category names (the campaign's graduation year).
    year: i32,
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

/// About this much of the file is handed over at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for a slow reader before the export waits too (and with it PostgreSQL).
const CHUNKS_AHEAD: usize = 4;
/// Lines waiting for the XLSX writer's thread.
const ROWS_AHEAD: usize = 256;

/// One row as the cells of [`COLUMNS`]; the IIN is masked.
fn cells(r: &AttendanceRow, l: Locale, tz: Tz, year: i32) -> [String; 11] {
    [
        r.city.text(l).to_string(),
        format!("{} ({})", r.venue.text(l), r.venue_code),
        format::local_date(r.starts_at, tz).format("%Y-%m-%d").to_string(),
        format::time(r.starts_at, tz),
        r.seat.to_string(),
        r.full_name.clone().unwrap_or_default(),
        r.iin.as_deref().and_then(|i| Iin::parse(i).ok()).map(|i| i.masked()).unwrap_or_default(),
        crate::domain::fill_year(r.category.text(l), year),
        r.language.text(l).to_string(),
        r.subjects.text(l).to_string(),
        r.application_id.to_string(),
    ]
}

/// A CSV cell no spreadsheet evaluates: one that would start a formula (OWASP: `=`, `+`,
/// `-`, `@`, tab, carriage return) gets a leading `'`. Excel and LibreOffice show the
/// quote; the text after it is intact.
pub fn defused(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Resolves what to export and counts its lines; the list is written by [`Export::stream`].
#[tracing::instrument(skip_all, fields(format = format.extension()))]
pub async fn prepare(pool: &PgPool, tz: Tz, req: &Request, format: Format) -> Result<Export, ExportError> {
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
    let filter = AttendanceFilter {
        campaign_id: campaign,
        venue_id: venue,
        slot_id: req.slot_id,
        date: req.date,
        tz: tz.name().to_string(),
    };
    let rows = reports::attendance_count(pool, &filter).await?;
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
    let year = match crate::db::campaigns::by_id(pool, campaign).await? {
        Some(c) => crate::domain::graduation_year(
            c.graduation_year,
            format::local_date(c.registration_closes_at, tz),
        ),
        None => 0,
    };
    Ok(Export { filename: format!("{name}.{}", format.extension()), format, rows, filter, year })
}

/// A staff member's export from the console: prepared, and written to the audit log
/// before a line of it leaves.
#[tracing::instrument(skip_all, fields(actor))]
pub async fn for_staff(ctx: &Ctx, actor: i64, req: &Request, format: Format) -> Result<Export, ExportError> {
    let export = prepare(&ctx.db, ctx.config.timezone, req, format).await?;
    let details = serde_json::json!({
        "format": format.extension(), "rows": export.rows, "venue_id": req.venue_id,
        "slot_id": req.slot_id, "date": req.date,
    });
    audit::record(&ctx.db, actor, "export", &export.filename, details).await?;
    Ok(export)
}

/// At most `EXPORTS_AT_ONCE` exports at once in this process: each keeps a database
/// connection and a little memory for as long as it runs, and a slow browser can make
/// that long. Cheap to clone; clones share the places.
#[derive(Clone)]
pub struct Limiter(Arc<Semaphore>);

/// A place taken by a running export; dropping it frees the place.
pub struct Running(#[allow(dead_code)] OwnedSemaphorePermit);

impl Limiter {
    pub fn new(at_once: u32) -> Limiter {
        Limiter(Arc::new(Semaphore::new(at_once.max(1) as usize)))
    }

    /// A place for one more export, or `None` when all are taken: the caller refuses
    /// rather than queues, so a crowd of clicks cannot pile up behind a long export.
    pub fn try_start(&self) -> Option<Running> {
        self.0.clone().try_acquire_owned().ok().map(Running)
    }
}

/// A piece of the file; an error ends the file unfinished (the download fails rather
/// than leaving a list that looks whole).
pub type Chunk = std::io::Result<Vec<u8>>;

/// Why writing stopped early.
enum Stop {
    /// The reader went away (the browser closed the download): nothing to report.
    Gone,
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Failed(e.into())
    }
}

impl Export {
    /// The file in chunks, written by a task of its own as the reader takes them: it
    /// holds `running` (and a database connection) until the last chunk is handed over or
    /// the reader is dropped.
    pub fn stream(
        self,
        pool: PgPool,
        i18n: Arc<I18n>,
        tz: Tz,
        locale: Locale,
        running: Option<Running>,
    ) -> impl Stream<Item = Chunk> + Send + 'static {
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        tokio::spawn(async move {
            let _running = running;
            let layout = Layout { i18n: &i18n, tz, year: self.year, locale };
            let written = match self.format {
                Format::Csv => write_csv(&pool, &self.filter, &layout, &tx).await,
                Format::Xlsx => write_xlsx(&pool, &self.filter, &layout, &tx).await,
            };
            match written {
                Ok(()) => {}
                Err(Stop::Gone) => tracing::info!(file = %self.filename, "export abandoned by its reader"),
                Err(Stop::Failed(e)) => {
                    tracing::error!(file = %self.filename, error = %format!("{e:#}"), "export failed midway");
                    let _ = tx.send(Err(std::io::Error::other("the export failed midway"))).await;
                }
            }
        });
        tokio_stream::wrappers::ReceiverStream::new(rx)
    }

    /// Writes the whole file to `out` (the command line).
    pub async fn write_to(
        self,
        pool: PgPool,
        i18n: Arc<I18n>,
        tz: Tz,
        locale: Locale,
        out: &mut impl Write,
    ) -> Result<(), ExportError> {
        let mut chunks = std::pin::pin!(self.stream(pool, i18n, tz, locale, None));
        while let Some(chunk) = chunks.next().await {
            out.write_all(&chunk.map_err(anyhow::Error::from)?).map_err(anyhow::Error::from)?;
        }
        out.flush().map_err(anyhow::Error::from)?;
        Ok(())
    }
}

/// How lines become cells: in the staff member's language, at local times, with the
/// campaign's graduation year in category names.
struct Layout<'a> {
    i18n: &'a I18n,
    tz: Tz,
    year: i32,
    locale: Locale,
}

impl Layout<'_> {
    fn header(&self) -> Vec<String> {
        COLUMNS.iter().map(|k| self.i18n.t(self.locale, k)).collect()
    }

    fn cells(&self, r: &AttendanceRow) -> [String; 11] {
        cells(r, self.locale, self.tz, self.year)
    }
}

async fn hand_over(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> Result<(), Stop> {
    tx.send(Ok(bytes)).await.map_err(|_| Stop::Gone)
}

fn csv_chunk(start: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(start)
}

#[tracing::instrument(skip_all, fields(rows = tracing::field::Empty))]
async fn write_csv(
    pool: &PgPool,
    filter: &AttendanceFilter,
    layout: &Layout<'_>,
    tx: &mpsc::Sender<Chunk>,
) -> Result<(), Stop> {
    let mut chunk = csv_chunk("\u{feff}".as_bytes().to_vec());
    let header = layout.header();
    let header: Vec<Cow<str>> = header.iter().map(|h| defused(h)).collect();
    chunk.write_record(header.iter().map(|h| h.as_bytes()))?;
    let mut lines = reports::attendance(pool, filter);
    let mut written = 0u64;
    while let Some(line) = lines.next().await {
        let cells = layout.cells(&line?);
        let safe = cells.each_ref().map(|c| defused(c));
        chunk.write_record(safe.iter().map(|c| c.as_bytes()))?;
        written += 1;
        if chunk.get_ref().len() >= CHUNK {
            let full = std::mem::replace(&mut chunk, csv_chunk(Vec::with_capacity(CHUNK * 2)));
            hand_over(tx, full.into_inner().map_err(|e| e.into_error())?).await?;
        }
    }
    tracing::Span::current().record("rows", written);
    hand_over(tx, chunk.into_inner().map_err(|e| e.into_error())?).await
}

/// The rows go to a blocking thread, which writes the workbook as they come; `None` marks
/// the end, so a channel closed without it means the reading failed and the file is not
/// finished.
#[tracing::instrument(skip_all)]
async fn write_xlsx(
    pool: &PgPool,
    filter: &AttendanceFilter,
    layout: &Layout<'_>,
    tx: &mpsc::Sender<Chunk>,
) -> Result<(), Stop> {
    let sheet = layout.i18n.t(layout.locale, "export-sheet");
    let header = layout.header();
    let (rows_tx, rows_rx) = mpsc::channel::<Option<[String; 11]>>(ROWS_AHEAD);
    let out = tx.clone();
    let writer = tokio::task::spawn_blocking(move || xlsx_file(&sheet, &header, rows_rx, &out));
    let mut lines = reports::attendance(pool, filter);
    let mut read = Ok(());
    while let Some(line) = lines.next().await {
        match line {
            Ok(line) => {
                if rows_tx.send(Some(layout.cells(&line))).await.is_err() {
                    break; // The writer stopped; its result says why.
                }
            }
            Err(e) => {
                read = Err(Stop::Failed(e.into()));
                break;
            }
        }
    }
    if read.is_ok() {
        let _ = rows_tx.send(None).await;
    }
    drop(rows_tx);
    let written = writer.await.map_err(anyhow::Error::from)?;
    read.and(written)
}

fn xlsx_file(
    sheet: &str,
    header: &[String],
    mut rows: mpsc::Receiver<Option<[String; 11]>>,
    out: &mpsc::Sender<Chunk>,
) -> Result<(), Stop> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet)?;
    let bold = CellFormat::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.set_column_width(c as u16, if c == 1 || c == 5 || c == 9 { 32 } else { 14 })?;
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut r = 0u32;
    loop {
        let row = match rows.blocking_recv() {
            Some(Some(row)) => row,
            Some(None) => break,
            None => return Err(Stop::Gone), // The reading stopped: it reports why.
        };
        r += 1;
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
    let mut file = tempfile::tempfile()?;
    book.save_to_writer(&mut file)?;
    file.rewind()?;
    loop {
        let mut buf = vec![0; CHUNK];
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        buf.truncate(n);
        out.blocking_send(Ok(buf)).map_err(|_| Stop::Gone)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_become_text() {
        for (cell, expected) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+77011234567", "'+77011234567"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
        ] {
            assert_eq!(defused(cell), expected);
        }
        for plain in ["Сейтқали Айгерім", "0803******16", "2027-01-11", "09:00", "", "a=b", "O'Neil"]
        {
            assert!(matches!(defused(plain), Cow::Borrowed(c) if c == plain), "{plain} kept as is");
        }
    }
}
