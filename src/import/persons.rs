//! The registry of persons from CSV or XLSX, streamed: a reader thread checks each line
//! and encodes it for `COPY`, a bounded channel carries chunks of it to the transaction,
//! which stages the file and upserts it in one statement. A million persons import in one
//! transaction while the process holds a few chunks, never the file.

use std::path::{Path, PathBuf};

use calamine::{DataRef, Reader, Xlsx};
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::{
    ImportError, PERSON_COLUMNS, PersonLine, Record, Rows, bad, for_each_csv_record, person_line, shown,
};
use crate::db::persons as store;

/// What a chunk of `COPY` data holds before it is sent.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks in flight between the reader and the database.
const CHUNKS_QUEUED: usize = 4;

pub enum Source {
    Csv(PathBuf),
    Xlsx(PathBuf),
    /// A file already read (small files, tests).
    CsvText(Vec<u8>),
}

impl Source {
    /// By the file's extension: `.xlsx` is a workbook, anything else CSV.
    pub fn file(path: &Path) -> Source {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
            Source::Xlsx(path.to_owned())
        } else {
            Source::Csv(path.to_owned())
        }
    }
}

/// Imports the registry file; every line is checked before the transaction commits, and a
/// bad line (or an IIN twice) rolls it back whole. Returns the number of persons in the file.
#[tracing::instrument(skip_all)]
pub async fn import(pool: &PgPool, source: Source) -> Result<usize, ImportError> {
    let (tx_chunks, mut chunks) = mpsc::channel::<Result<Vec<u8>, ImportError>>(CHUNKS_QUEUED);
    let reader = tokio::task::spawn_blocking(move || read(source, &tx_chunks));

    let mut tx = pool.begin().await?;
    store::begin_import(&mut tx).await?;
    let mut copy = tx.copy_in_raw(store::COPY_STAGED).await?;
    while let Some(chunk) = chunks.recv().await {
        match chunk {
            Ok(bytes) => {
                if let Err(e) = copy.send(bytes).await {
                    drop(chunks);
                    let _ = reader.await;
                    return Err(e.into());
                }
            }
            Err(e) => {
                copy.abort("the file has a bad line").await.ok();
                return Err(e);
            }
        }
    }
    let count = reader
        .await
        .map_err(|e| ImportError::Unreadable { path: "the file".into(), reason: e.to_string() })??;
    copy.finish().await?;
    if let Some((iin, first, second)) = store::first_staged_duplicate(&mut tx).await? {
        return Err(bad(second as usize, format!("iin \"{}\" already appears on line {first}", shown(&iin))));
    }
    let changed = store::upsert_staged(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(persons = count, changed, "registry imported");
    Ok(count)
}

/// The reader thread: checks and encodes every line, sending full chunks as it goes.
fn read(source: Source, out: &mpsc::Sender<Result<Vec<u8>, ImportError>>) -> Result<usize, ImportError> {
    let mut sink = Sink { out, buf: Vec::with_capacity(CHUNK_BYTES + 4096), count: 0 };
    let result = match source {
        Source::Csv(path) => {
            let file = std::fs::File::open(&path).map_err(|e| unreadable(&path, e))?;
            for_each_csv_record(std::io::BufReader::new(file), &PERSON_COLUMNS, |r| sink.push(r))
        }
        Source::CsvText(bytes) => for_each_csv_record(bytes.as_slice(), &PERSON_COLUMNS, |r| sink.push(r)),
        Source::Xlsx(path) => for_each_xlsx_row(&path, |r| sink.push(r)),
    };
    match result.and_then(|()| sink.flush()) {
        Ok(()) => Ok(sink.count),
        Err(e) => {
            // The importer hears of it through the channel and rolls back.
            let _ = out.blocking_send(Err(e));
            Ok(0)
        }
    }
}

struct Sink<'a> {
    out: &'a mpsc::Sender<Result<Vec<u8>, ImportError>>,
    buf: Vec<u8>,
    count: usize,
}

impl Sink<'_> {
    fn push(&mut self, record: Record) -> Result<(), ImportError> {
        let p = person_line(record)?;
        encode(&mut self.buf, &p);
        self.count += 1;
        if self.buf.len() >= CHUNK_BYTES { self.flush() } else { Ok(()) }
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES + 4096));
        // A closed channel: the importer failed and says why itself.
        self.out.blocking_send(Ok(chunk)).map_err(|_| bad(0, "the import stopped"))
    }
}

/// One line in `COPY`'s text format. Names hold no control characters (checked), so only
/// the backslash needs escaping.
fn encode(buf: &mut Vec<u8>, p: &PersonLine) {
    use std::io::Write;
    let esc = |s: &str| s.replace('\\', "\\\\");
    let patronymic = p.patronymic.as_deref().map_or_else(|| "\\N".to_owned(), esc);
    let _ = writeln!(
        buf,
        "{}\t{}\t{}\t{}\t{patronymic}",
        p.line,
        p.iin.as_str(),
        esc(&p.last_name),
        esc(&p.first_name)
    );
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> ImportError {
    ImportError::Unreadable { path: path.display().to_string(), reason: e.to_string() }
}

/// The first sheet's rows, a row at a time from the workbook's XML (the sheet is never
/// held whole; the workbook's table of distinct strings is). A formula cell is refused:
/// what is imported is what the operator sees typed.
fn for_each_xlsx_row(
    path: &Path,
    mut each: impl FnMut(Record) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::BufReader::new(file))
        .map_err(|e| unreadable(path, format!("not a readable XLSX file: {e}")))?;
    let sheet =
        book.sheet_names().first().cloned().ok_or_else(|| unreadable(path, "the workbook has no sheet"))?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(|e| unreadable(path, e))?;
    let mut rows = Rows::new(&PERSON_COLUMNS);
    let mut current: Option<(u32, Vec<String>)> = None;
    // A sheet has no cell where nothing was typed: a row ends at its last value.
    let mut emit = |row: u32, mut fields: Vec<String>, rows: &mut Rows| -> Result<(), ImportError> {
        if fields.len() < PERSON_COLUMNS.len() {
            fields.resize(PERSON_COLUMNS.len(), String::new());
        }
        match rows.check(row as usize + 1, fields)? {
            Some(r) => each(r),
            None => Ok(()),
        }
    };
    while let Some(cell) = cells.next_cell_with_formula().map_err(|e| unreadable(path, e))? {
        let (row, col) = cell.pos;
        if let Some(formula) = cell.formula.filter(|f| !f.is_empty()) {
            return Err(bad(row as usize + 1, format!("a formula (={formula}); type the value instead")));
        }
        if current.as_ref().is_some_and(|(r, _)| *r != row) {
            let (r, fields) = current.take().expect("checked");
            emit(r, fields, &mut rows)?;
        }
        let fields = &mut current.get_or_insert_with(|| (row, Vec::new())).1;
        let col = col as usize;
        if fields.len() <= col {
            fields.resize(col + 1, String::new());
        }
        fields[col] = cell_text(&cell.value, col);
    }
    if let Some((r, fields)) = current {
        emit(r, fields, &mut rows)?;
    }
    Ok(())
}

/// A cell as the CSV would have it. An IIN typed as a number loses its leading zero in a
/// spreadsheet (born in the 2000s: `0803…`): in the first column it gets it back.
fn cell_text(value: &DataRef, col: usize) -> String {
    let text = match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Int(i) => i.to_string(),
        other => calamine::Data::from(other.clone()).to_string(),
    };
    let text = text.trim().to_owned();
    if col == 0
        && (1..12).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !matches!(value, DataRef::String(_) | DataRef::SharedString(_))
    {
        return format!("{text:0>12}");
    }
    text
}
