//! Loading the data file (CSV, JSON, XLSX or ODS) into a [`Table`] of text
//! cells: the shared types and checks here, one submodule per format.
//!
//! Spreadsheet exports are messy: French Excel writes `;`-separated
//! windows-1252 "CSV", sometimes with a `sep=;` first line; other tools write
//! UTF-8 with a BOM, or UTF-16. Everything is decoded to clean `String`s here
//! so that later stages never see encodings, delimiters or control characters.
//!
//! Stage 1 of the pipeline. May import: foundation modules (`error`, …) only.

mod csv;
mod json;
mod pattern;
mod sheet;

pub use self::csv::parse_csv;
pub use self::json::parse_json;
pub use self::pattern::{interpolate, pattern_columns};
pub use self::sheet::parse_sheet;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::error::{Error, Result};

/// A loaded data file: one [`Row`] per poster.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file it came from.
    pub path: PathBuf,
    /// Header names in file order, trimmed.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// "UTF-8", "UTF-16LE", "UTF-16BE" or "windows-1252".
    pub encoding: &'static str,
    /// Cleanups done on values (stripped control and bidi characters).
    pub warnings: Vec<DataWarning>,
}

/// One data record. Every column of the table has a value (possibly empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based data row: the first record after the header is 1 (JSON: index + 1).
    pub number: usize,
    pub values: BTreeMap<String, String>,
}

/// A change made to a value while loading, reported so the user can check it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DataWarning {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl Row {
    /// The value of `column`, if the table has that column.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values.get(column).map(String::as_str)
    }
}

/// How a data file is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataOptions {
    /// Worksheet of a spreadsheet to read (case ignored). Default: `None`, the first sheet.
    pub sheet: Option<String>,
}

/// Reads `path` and parses it according to its extension (first sheet of a spreadsheet).
pub fn load(path: &Path) -> Result<Table> {
    load_with(path, &DataOptions::default())
}

/// Reads `path` and parses it according to its extension, with `options`.
pub fn load_with(path: &Path, options: &DataOptions) -> Result<Table> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let spreadsheet = sheet::EXTENSIONS.contains(&ext.as_str());
    if !spreadsheet && let Some(name) = &options.sheet {
        let message =
            format!("sheet {name:?} was asked for, but a .{ext} file has no sheets; remove the `sheet` setting");
        return Err(err(path, message));
    }
    let parse = match ext.as_str() {
        "csv" | "tsv" | "txt" => parse_csv,
        "json" => parse_json,
        _ if spreadsheet => {
            return parse_sheet(&read(path)?, path, options.sheet.as_deref());
        }
        "numbers" | "fods" => {
            let fix = "export it as .xlsx, .ods or \"CSV UTF-8\" and use that file";
            return Err(err(path, format!("a .{ext} file cannot be read directly; {fix}")));
        }
        _ => {
            let supported = "use a .csv, .tsv, .txt, .json, .xlsx or .ods file";
            let message = format!("unsupported data file extension {ext:?}; {supported}");
            return Err(err(path, message));
        }
    };
    parse(&read(path)?, path)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    let hint = "check `data` in the campaign (relative to the campaign file) or --data";
    std::fs::read(path).map_err(|e| Error::io_or_missing(path, e, hint))
}

/// A problem with the file as a whole.
fn err(path: &Path, message: String) -> Error {
    data_err(path, None, None, message)
}

fn data_err(path: &Path, row: Option<usize>, col: Option<&str>, message: String) -> Error {
    let (path, column) = (path.to_path_buf(), col.map(str::to_string));
    Error::Data {
        path,
        row,
        column,
        message,
    }
}

/// Decodes by BOM; BOM-less text that is not UTF-8 is taken as windows-1252,
/// which is what French Excel's plain "CSV" export writes.
fn decode<'a>(bytes: &'a [u8], path: &Path) -> Result<(Cow<'a, str>, &'static str)> {
    const RESAVE: &str = "save the sheet again as \"CSV UTF-8\"";
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
            Err(e) => {
                let at = e.valid_up_to() + 4;
                let message = format!("has a UTF-8 byte order mark but byte {at} is not UTF-8");
                Err(err(path, format!("{message}; {RESAVE}")))
            }
        };
    }
    for (bom, enc) in [(b"\xFF\xFE", UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(rest);
            if had_errors {
                let name = enc.name();
                let message = format!("has a {name} byte order mark but is not {name}; {RESAVE}");
                return Err(err(path, message));
            }
            return Ok((text, enc.name()));
        }
    }
    // NULs among the first bytes: UTF-16 that lost its BOM, which would
    // otherwise pass for UTF-8 text full of NULs.
    if bytes.len() >= 4 && ((bytes[0] == 0 && bytes[2] == 0) || (bytes[1] == 0 && bytes[3] == 0)) {
        let message = format!("looks like UTF-16 without a byte order mark; {RESAVE}");
        return Err(err(path, message));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
        Err(_) => {
            let text = WINDOWS_1252.decode_without_bom_handling(bytes).0;
            Ok((text, WINDOWS_1252.name()))
        }
    }
}

/// Trims header names and rejects empty or duplicated ones, since columns are looked up by name.
/// A header written on two lines in its cell (Alt+Enter: `Factor group↵(for Rental items
/// only)`) is read on one, its runs of spaces and line breaks each one space, so that a
/// `{pattern}` can name it. `first` is the spreadsheet column index of the first name (0 = column A).
fn header_columns<'a>(names: impl Iterator<Item = &'a str>, path: &Path, first: usize) -> Result<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for (i, raw) in names.enumerate() {
        // A stray BOM can survive in a header pasted from another file.
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        let one_line = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = if trimmed.contains(char::is_whitespace) {
            one_line.as_str()
        } else {
            trimmed
        };
        if name.is_empty() {
            let (n, letters) = (i + 1, column_letters(first + i));
            let fix = "give every column its own name (a merged header cell names only its first column), \
                       or delete the empty column";
            let message = format!("header cell {n} (spreadsheet column {letters}) is empty; {fix}");
            return Err(err(path, message));
        }
        if let Some(j) = columns.iter().position(|c| c == name) {
            let (a, b) = (column_letters(first + j), column_letters(first + i));
            let message = format!("appears twice in the header (columns {a} and {b}); rename one");
            return Err(data_err(path, None, Some(name), message));
        }
        columns.push(name.to_string());
    }
    Ok(columns)
}

/// Spreadsheet column name for a 0-based index: A, B, ..., Z, AA, ...
fn column_letters(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

/// Strips invisible characters that would corrupt the SVG or reorder text
/// (a bidi override can make a name render backwards), then trims.
fn clean(raw: &str, row: usize, column: &str, warnings: &mut Vec<DataWarning>) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        // CR is half of a newline inside a quoted multi-line cell, not junk.
        if c == '\r' {
            if chars.peek() != Some(&'\n') {
                out.push('\n');
            }
            continue;
        }
        match forbidden_name(c) {
            Some(name) => warnings.push(DataWarning {
                row,
                column: column.to_string(),
                message: format!("removed U+{:04X} {name}", u32::from(c)),
            }),
            None => out.push(c),
        }
    }
    out.trim().to_string()
}

fn forbidden_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\t' | '\n' => return None,
        '\0' => "NULL",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        // C0, DEL and C1 controls.
        c if c.is_control() => "control character",
        _ => return None,
    })
}

/// The error of a data-loading test, as (row, column, message).
#[cfg(test)]
fn data_error(result: Result<Table>) -> (Option<usize>, Option<String>, String) {
    match result {
        Err(Error::Data {
            row, column, message, ..
        }) => (row, column, message),
        other => panic!("expected Error::Data, got {other:?}"),
    }
}

/// One column of a table, row by row (tests).
#[cfg(test)]
fn values(table: &Table, column: &str) -> Vec<String> {
    table.rows.iter().map(|r| r.get(column).unwrap().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_match_spreadsheets() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn load_dispatches_on_extension() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("people.CSV");
        std::fs::write(&csv_path, "a;b\n1;2\n").unwrap();
        let t = load(&csv_path).unwrap();
        assert_eq!((t.columns.len(), t.path.as_path()), (2, csv_path.as_path()));
        let json_path = dir.path().join("people.json");
        std::fs::write(&json_path, r#"[{"a": 1}]"#).unwrap();
        assert_eq!(load(&json_path).unwrap().rows[0].get("a"), Some("1"));

        let (_, _, message) = data_error(load(&dir.path().join("people.numbers")));
        assert!(message.contains("CSV UTF-8") && message.contains(".xlsx"), "{message}");
        let missing_sheet = DataOptions {
            sheet: Some("Candidats".into()),
        };
        let (_, _, message) = data_error(load_with(&csv_path, &missing_sheet));
        assert!(
            message.contains("\"Candidats\"") && message.contains("no sheets"),
            "{message}"
        );
        let (_, _, message) = data_error(load(&dir.path().join("people.docx")));
        assert!(message.contains("\"docx\"") && message.contains(".csv"), "{message}");
        let missing = dir.path().join("missing.csv");
        assert!(matches!(load(&missing), Err(Error::Io { path, .. }) if path == missing));
        assert!(
            load(&missing)
                .unwrap_err()
                .to_string()
                .contains("not found; check `data`")
        );
        let err = load(&dir.path().join("x.odt")).unwrap_err().to_string();
        assert!(err.contains("x.odt"), "{err}");
    }
}
