//! Spreadsheets (XLSX, XLSM, XLSB, XLS, ODS) through calamine: the first sheet
//! or a named one, cells as text the way the spreadsheet shows them.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Ods, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_from_rs};

use super::{DataWarning, Row, Table, clean, column_letters, data_err, err, header_columns};
use crate::error::Result;

/// Extensions read as spreadsheets.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Parses the workbook `bytes` (format from `path`'s extension); `sheet` names
/// the worksheet to read (matched ignoring case), `None` the first one.
pub fn parse_sheet(bytes: &[u8], path: &Path, sheet: Option<&str>) -> Result<Table> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let cursor = Cursor::new(bytes);
    let opened: std::result::Result<Sheets<_>, String> = match ext.as_str() {
        "xls" => open_workbook_from_rs::<Xls<_>, _>(cursor)
            .map(Sheets::Xls)
            .map_err(|e| e.to_string()),
        "xlsb" => open_workbook_from_rs::<Xlsb<_>, _>(cursor)
            .map(Sheets::Xlsb)
            .map_err(|e| e.to_string()),
        "ods" => open_workbook_from_rs::<Ods<_>, _>(cursor)
            .map(Sheets::Ods)
            .map_err(|e| e.to_string()),
        _ => open_workbook_from_rs::<Xlsx<_>, _>(cursor)
            .map(Sheets::Xlsx)
            .map_err(|e| e.to_string()),
    };
    let mut book = opened.map_err(|e| {
        let fix = "open it in your spreadsheet program and save it again, or export it as \"CSV UTF-8\"";
        err(path, format!("cannot be read as a .{ext} workbook ({e}); {fix}"))
    })?;
    let names = book.sheet_names();
    let listed = || names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
    let name = match sheet {
        None => names
            .first()
            .ok_or_else(|| err(path, "has no worksheet".into()))?
            .clone(),
        Some(wanted) => names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            .cloned()
            .ok_or_else(|| {
                let fix = "set `sheet = \"…\"` in the campaign (or --sheet) to one of them";
                err(
                    path,
                    format!("has no sheet named {wanted:?}; its sheets are {}; {fix}", listed()),
                )
            })?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| err(path, format!("sheet {name:?} cannot be read: {e}")))?;
    // XLSX number formats (other workbooks give none): absolute positions.
    let styles = book.worksheet_style(&name).unwrap_or_default();
    // The range starts at the first used cell, which is not always A1.
    let (top, left) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap_or_default().iter().map(header_text).collect();
    // A formatted but empty column right of the data has an empty header and no values.
    let width = header.iter().rposition(|h| !h.trim().is_empty()).map_or(0, |i| i + 1);
    if width == 0 {
        let message = format!("sheet {name:?} is empty or its first row is blank; that row must name the columns");
        return Err(err(path, message));
    }
    let columns = header_columns(header[..width].iter().map(String::as_str), path, left)?;
    let mut table = Table {
        path: path.to_path_buf(),
        columns,
        rows: Vec::new(),
        encoding: "UTF-8",
        warnings: Vec::new(),
    };
    for (i, cells) in rows.enumerate() {
        let number = i + 1;
        if let Some(j) = (width..cells.len()).find(|&j| !cell_is_blank(&cells[j])) {
            let cell = format!("{}{}", column_letters(left + j), top + number + 1);
            let fix = "give its column a name in the first row, or clear it";
            let message = format!("cell {cell} of sheet {name:?} has a value but no column name; {fix}");
            return Err(data_err(path, Some(number), None, message));
        }
        if cells.iter().all(cell_is_blank) {
            continue;
        }
        let mut values = std::collections::BTreeMap::new();
        for (j, column) in table.columns.iter().enumerate() {
            let cell = cells.get(j).unwrap_or(&Data::Empty);
            let raw = match cell {
                Data::Error(e) => {
                    let at = format!("{}{}", column_letters(left + j), top + number + 1);
                    table.warnings.push(DataWarning {
                        row: number,
                        column: column.clone(),
                        message: format!("cell {at} shows the formula error {e}; left empty (fix the formula)"),
                    });
                    String::new()
                }
                Data::Float(f) => {
                    let at = ((top + number) as u32, (left + j) as u32);
                    formatted(*f, styles.get(at)).unwrap_or_else(|| number_text(*f))
                }
                Data::Int(i) => {
                    let at = ((top + number) as u32, (left + j) as u32);
                    formatted(*i as f64, styles.get(at)).unwrap_or_else(|| i.to_string())
                }
                cell => cell_text(cell),
            };
            values.insert(column.clone(), clean(&raw, number, column, &mut table.warnings));
        }
        table.rows.push(Row { number, values });
    }
    Ok(table)
}

fn cell_is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A header cell: a number heading (`2026`) reads as the sheet shows it.
fn header_text(cell: &Data) -> String {
    match cell {
        Data::Error(_) => String::new(),
        cell => cell_text(cell),
    }
}

/// A cell as text, close to what the spreadsheet displays: integers without
/// `.0`, at most 15 significant digits (as spreadsheets show), dates in ISO
/// form (`2026-03-15`, with ` 18:30` when there is a time), booleans as
/// `TRUE`/`FALSE`. XLSX number formats are applied by the caller (`formatted`),
/// which knows the cell's position.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(d) if d.is_duration() => {
            let seconds = (d.as_f64() * 86_400.0).round() as i64;
            let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
            format!("{h}:{m:02}:{s:02}")
        }
        Data::DateTime(d) => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            let time = match (h, mi, s) {
                (0, 0, 0) => String::new(),
                (h, mi, 0) => format!("{h:02}:{mi:02}"),
                (h, mi, s) => format!("{h:02}:{mi:02}:{s:02}"),
            };
            match d.as_f64() {
                // A time of day alone is stored as a fraction of a day.
                v if v < 1.0 && !time.is_empty() => time,
                _ if time.is_empty() => format!("{y:04}-{mo:02}-{day:02}"),
                _ => format!("{y:04}-{mo:02}-{day:02} {time}"),
            }
        }
        // ODS stores dates as ISO text: `2026-03-15T18:30:00`.
        Data::DateTimeIso(s) => match s.split_once('T') {
            Some((date, "00:00:00")) => date.to_string(),
            Some((date, time)) => format!("{date} {}", time.strip_suffix(":00").unwrap_or(time)),
            None => s.clone(),
        },
        Data::DurationIso(s) => s.clone(),
    }
}

/// A number through its cell's XLSX number format, as Excel shows it in the
/// format code's own (en-US) notation: `0.0%` → `12.5%`, `00000` → `01000`,
/// `#,##0.00\ "€"` → `1,234.50 €`. `None` for the General format, no format,
/// or a code ssfmt cannot read: the number is then shown by [`number_text`].
fn formatted(value: f64, style: Option<&calamine::Style>) -> Option<String> {
    let code = &style?.number_format.as_ref()?.format_code;
    if code.eq_ignore_ascii_case("general") {
        return None;
    }
    // `_)` and `_-` leave a space the width of a character for alignment: not wanted on a poster.
    ssfmt::format_default(value, code).ok().map(|t| t.trim().to_string())
}

/// `3.0` → `3`, `0.1 + 0.2` → `0.3`: 15 significant digits, trailing zeros cut.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let digits = 14 - f.abs().log10().floor() as i32;
    let text = format!("{f:.*}", digits.clamp(0, 20) as usize);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    match text {
        "-0" => "0".into(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn numbers_read_as_the_sheet_shows_them() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-12.0), "-12");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(75011.0), "75011");
        assert_eq!(number_text(1234.5678), "1234.5678");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
    }

    #[test]
    fn number_formats_apply_and_general_keeps_the_plain_number() {
        let style = |code: &str| {
            let mut s = calamine::Style::default();
            s.number_format = Some(calamine::NumberFormat::default());
            s.number_format.as_mut().unwrap().format_code = code.into();
            s
        };
        assert_eq!(formatted(0.125, Some(&style("0.0%"))).as_deref(), Some("12.5%"));
        assert_eq!(formatted(1000.0, Some(&style("00000"))).as_deref(), Some("01000"));
        assert_eq!(formatted(1.23456, Some(&style("0.00"))).as_deref(), Some("1.23"));
        assert_eq!(
            formatted(1234.5, Some(&style("#,##0.00_-"))).as_deref(),
            Some("1,234.50")
        );
        assert_eq!(formatted(75001.0, Some(&style("General"))), None);
        assert_eq!(formatted(75001.0, None), None);
    }

    #[test]
    fn dates_and_times_read_in_iso_form() {
        let date = |v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        // Serial 46096 is 2026-03-15 in the 1900 system.
        assert_eq!(cell_text(&date(46096.0)), "2026-03-15");
        assert_eq!(cell_text(&date(46096.5 + 0.25 / 24.0)), "2026-03-15 12:15");
        assert_eq!(cell_text(&date(0.75)), "18:00");
        let duration = Data::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(cell_text(&duration), "36:00:00");
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-03-15T00:00:00".into())),
            "2026-03-15"
        );
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-03-15T18:30:00".into())),
            "2026-03-15 18:30"
        );
    }

    #[test]
    fn a_broken_workbook_says_how_to_fix_it() {
        let e = parse_sheet(b"not a zip", Path::new("d.xlsx"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.xlsx") && e.contains("save it again"), "{e}");
    }
}
