//! Venue and slot sheets: CSV (UTF-8, optional BOM and header) or XLSX (the first sheet,
//! header row required). Each row keeps its place (`venues.csv:4`, `venues.xlsx row 4`)
//! so a problem names it.

use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::Problem;

pub struct Row {
    pub place: String,
    pub fields: Vec<String>,
}

/// The rows under the header. `columns` are the header names, in order.
pub fn read(path: &Path, shown: &str, columns: &[&str]) -> Result<Vec<Row>, Vec<Problem>> {
    let is_xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let bytes =
        std::fs::read(path).map_err(|e| vec![Problem::new(shown, format!("cannot read the file: {e}"))])?;
    if is_xlsx { read_xlsx(bytes, shown, columns) } else { read_csv(&bytes, shown, columns) }
}

fn read_csv(bytes: &[u8], shown: &str, columns: &[&str]) -> Result<Vec<Row>, Vec<Problem>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![Problem::new(
            format!("{shown}:{line}"),
            "the file is not UTF-8 text; save it as «CSV UTF-8» or as XLSX",
        )]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut raw = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            vec![Problem::new(format!("{shown}:{line}"), format!("not valid CSV: {e}"))]
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        raw.push((format!("{shown}:{line}"), record.iter().map(|f| f.trim().to_owned()).collect()));
    }
    checked(raw, shown, columns, false)
}

fn read_xlsx(bytes: Vec<u8>, shown: &str, columns: &[&str]) -> Result<Vec<Row>, Vec<Problem>> {
    let fail =
        |e: &dyn std::fmt::Display| vec![Problem::new(shown, format!("not a readable XLSX file: {e}"))];
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| fail(&e))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(vec![Problem::new(shown, "the workbook has no sheet")]);
    };
    // A formula's value is whatever the spreadsheet last computed: refused, so what is
    // loaded is what the operator sees typed.
    let formulas = book.worksheet_formula(&sheet).map_err(|e| fail(&e))?;
    let mut problems = Vec::new();
    for (r, c, formula) in formulas.used_cells() {
        if !formula.is_empty() {
            let (row, col) = absolute(formulas.start(), r, c);
            problems.push(Problem::new(
                format!("{shown} row {row}, column {}", column_name(col)),
                format!("a formula (={formula}); type the value instead"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let range = book.worksheet_range(&sheet).map_err(|e| fail(&e))?;
    let start = range.start().unwrap_or((0, 0));
    let mut raw = Vec::new();
    for (r, cells) in range.rows().enumerate() {
        // Columns left of the used range are empty: keep them, so a sheet whose table
        // starts in column B reads as shifted.
        let mut fields = vec![String::new(); start.1 as usize];
        fields.extend(cells.iter().map(cell_text));
        while fields.last().is_some_and(String::is_empty) {
            fields.pop();
        }
        raw.push((format!("{shown} row {}", start.0 as usize + r + 1), fields));
    }
    checked(raw, shown, columns, true)
}

fn absolute(start: Option<(u32, u32)>, r: usize, c: usize) -> (usize, usize) {
    let (r0, c0) = start.unwrap_or((0, 0));
    (r0 as usize + r + 1, c0 as usize + c)
}

fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// A cell as the text a CSV would hold: whole numbers without `.0`, dates as
/// `YYYY-MM-DD`, times of day as `HH:MM`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, _, _) = dt.to_ymd_hms_milli();
            if dt.as_f64() < 1.0 {
                format!("{h:02}:{mi:02}")
            } else if dt.as_f64().fract() == 0.0 {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Drops blank rows, checks the header (required in XLSX, optional in CSV) and each row's
/// width.
fn checked(
    raw: Vec<(String, Vec<String>)>,
    shown: &str,
    columns: &[&str],
    header_required: bool,
) -> Result<Vec<Row>, Vec<Problem>> {
    let expected = columns.join(",");
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut first = true;
    for (place, fields) in raw {
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if std::mem::take(&mut first) {
            let is_header = fields.first().is_some_and(|f| f.eq_ignore_ascii_case(columns[0]));
            if is_header || header_required {
                let matches = fields.len() == columns.len()
                    && fields.iter().zip(columns).all(|(f, c)| f.eq_ignore_ascii_case(c));
                if !matches {
                    problems.push(Problem::new(
                        place,
                        format!("the header must be {expected}, found {}", fields.join(",")),
                    ));
                    return Err(problems);
                }
                continue;
            }
        }
        if fields.len() != columns.len() {
            problems.push(Problem::new(
                place,
                format!("expected {} fields ({expected}), found {}", columns.len(), fields.len()),
            ));
            continue;
        }
        rows.push(Row { place, fields });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Problem::new(shown, "no rows under the header"));
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_like_a_spreadsheet() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
    }

    #[test]
    fn csv_that_is_not_utf8_names_the_line() {
        let bytes = b"code,city_code\nast-1,\xc0\xf1\n";
        let e = read_csv(bytes, "v.csv", &["code", "city_code"]).err().unwrap();
        assert_eq!(
            e[0].to_string(),
            "v.csv:2: the file is not UTF-8 text; save it as «CSV UTF-8» or as XLSX"
        );
    }
}
