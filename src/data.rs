//! Loading the data file (CSV or JSON) into a [`Table`] of text cells, and
//! filling `{column}` patterns from one of its rows.
//!
//! Spreadsheet exports are messy: French Excel writes `;`-separated
//! windows-1252 "CSV", sometimes with a `sep=;` first line; other tools write
//! UTF-8 with a BOM, or UTF-16. Everything is decoded to clean `String`s here
//! so that later stages never see encodings, delimiters or control characters.

pub use crate::pattern::{interpolate, pattern_columns};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

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

/// Reads `path` and parses it according to its extension.
pub fn load(path: &Path) -> Result<Table> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let parse = match ext.to_ascii_lowercase().as_str() {
        "csv" | "tsv" | "txt" => parse_csv,
        "json" => parse_json,
        // The commonest mistake: pointing at the workbook instead of an export.
        "xlsx" | "xlsm" | "xls" | "ods" | "numbers" => {
            let fix = "save the sheet as \"CSV UTF-8\" and use that file";
            let message = format!("a .{ext} spreadsheet cannot be read directly; {fix}");
            return Err(err(path, message));
        }
        _ => {
            let supported = "use a .csv, .tsv, .txt or .json file";
            let message = format!("unsupported data file extension {ext:?}; {supported}");
            return Err(err(path, message));
        }
    };
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(&bytes, path)
}

/// Parses CSV (or TSV) bytes; `path` names the file in errors and makes `.tsv` tab-separated.
pub fn parse_csv(bytes: &[u8], path: &Path) -> Result<Table> {
    let (text, encoding) = decode(bytes, path)?;
    let (sep_line, body) = split_sep_line(&text);
    let ext = path.extension().and_then(|e| e.to_str());
    let tsv = ext.is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let delimiter = sep_line.unwrap_or_else(|| if tsv { b'\t' } else { sniff(body) });
    // csv counts lines of `body`; the file has one more before it when `sep=` was cut off.
    let line_offset = u64::from(sep_line.is_some());
    let csv_err = |e, row| data_err(path, row, None, csv_message(&e, delimiter, line_offset));

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(body.as_bytes());
    let header = reader.headers().map_err(|e| csv_err(e, None))?.clone();
    if header.iter().all(|h| h.trim().is_empty()) {
        let message = "the file is empty or its first line is blank; it must name the columns";
        return Err(err(path, message.into()));
    }
    let mut table = Table {
        path: path.to_path_buf(),
        columns: header_columns(header.iter(), path)?,
        rows: Vec::new(),
        encoding,
        warnings: Vec::new(),
    };
    for (i, record) in reader.records().enumerate() {
        let number = i + 1;
        let record = record.map_err(|e| csv_err(e, Some(number)))?;
        // Spreadsheets export trailing blank rows as `;;;`: not posters.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let warnings = &mut table.warnings;
        let values = (table.columns.iter().zip(&record))
            .map(|(col, raw)| (col.clone(), clean(raw, number, col, warnings)))
            .collect();
        table.rows.push(Row { number, values });
    }
    Ok(table)
}

/// Parses a JSON array of flat objects.
pub fn parse_json(bytes: &[u8], path: &Path) -> Result<Table> {
    let (text, encoding) = decode(bytes, path)?;
    let invalid = |e: serde_json::Error| err(path, format!("is not valid JSON: {e}"));
    let top: Value = serde_json::from_str(&text).map_err(invalid)?;
    let Value::Array(items) = top else {
        let shape = "a JSON array of objects, one per poster: [{\"name\": \"...\"}, ...]";
        return Err(err(path, format!("must be {shape}, not {}", kind(&top))));
    };
    if let Some(i) = items.iter().position(|item| !item.is_object()) {
        let message = format!("must be an object, not {}", kind(&items[i]));
        return Err(data_err(path, Some(i + 1), None, message));
    }
    // serde_json's Map sorts keys (no `preserve_order`), so read them again in file order.
    let key_lists: Vec<KeyOrder> = serde_json::from_str(&text).map_err(invalid)?;

    let (mut columns, mut rows, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (item, keys)) in items.iter().zip(key_lists).enumerate() {
        let number = i + 1;
        let mut values = BTreeMap::new();
        for key in keys.0 {
            let name = key.trim().to_string();
            if name.is_empty() {
                let message = "has an empty key; name every field".into();
                return Err(data_err(path, Some(number), None, message));
            }
            let raw = match &item[key.as_str()] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                nested => {
                    let allowed = "a value must be text, a number, true/false or null";
                    let message = format!("is {}; {allowed}", kind(nested));
                    return Err(data_err(path, Some(number), Some(&name), message));
                }
            };
            let value = clean(&raw, number, &name, &mut warnings);
            if values.insert(name.clone(), value).is_some() {
                let message = "appears twice in this object; remove one".into();
                return Err(data_err(path, Some(number), Some(&name), message));
            }
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
        rows.push(Row { number, values });
    }
    // Every row gets every column, as with CSV.
    for row in &mut rows {
        for col in &columns {
            row.values.entry(col.clone()).or_default();
        }
    }
    let path = path.to_path_buf();
    Ok(Table {
        path,
        columns,
        rows,
        encoding,
        warnings,
    })
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

/// Recognises Excel's `sep=X` first line; returns the delimiter and the text after that line.
fn split_sep_line(text: &str) -> (Option<u8>, &str) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    // Some tools quote the whole line.
    let first = first.strip_suffix('\r').unwrap_or(first).trim_matches('"');
    let value = match first.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("sep=") => &first[4..],
        _ => return (None, text),
    };
    let delimiter = match value.as_bytes() {
        b"\\t" | b"\t" => b'\t',
        &[b] if b.is_ascii_punctuation() && b != b'"' => b,
        _ => return (None, text),
    };
    (Some(delimiter), rest)
}

/// Picks the delimiter occurring most often in the header line outside quotes.
/// Ties go to tab, then `;` (a header like `Nom, prénom;Ville` is French, not
/// comma-separated); no candidate at all means a one-column file, so `,`.
fn sniff(body: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for c in body.bytes() {
        match c {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if in_quotes => {}
            _ => {
                if let Some(slot) = counts.iter_mut().find(|(d, _)| *d == c) {
                    slot.1 += 1;
                }
            }
        }
    }
    // `max_by_key` keeps the last of equal maxima, hence the order above.
    match counts.iter().max_by_key(|(_, n)| *n) {
        Some(&(d, n)) if n > 0 => d,
        _ => b',',
    }
}

/// Says what is wrong with the CSV, and how to fix the usual cause.
fn csv_message(e: &csv::Error, delimiter: u8, line_offset: u64) -> String {
    let shown = format!("{:?}", delimiter as char);
    let (expected, found) = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => (expected_len, len),
        _ => return format!("cannot be read as CSV (delimiter {shown}): {e}"),
    };
    let line = match e.position() {
        Some(p) => format!(" (line {} of the file)", p.line() + line_offset),
        None => String::new(),
    };
    let fix = "check for a missing or extra one, and put values containing it in double quotes";
    format!("has {found} fields but the header has {expected}{line}; the delimiter is {shown}: {fix}")
}

/// Trims header names and rejects empty or duplicated ones, since columns are looked up by name.
fn header_columns<'a>(names: impl Iterator<Item = &'a str>, path: &Path) -> Result<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for (i, raw) in names.enumerate() {
        // A stray BOM can survive in a header pasted from another file.
        let name = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if name.is_empty() {
            let (n, letters) = (i + 1, column_letters(i));
            let fix = "give every column a name, or delete the empty column";
            let message = format!("header cell {n} (spreadsheet column {letters}) is empty; {fix}");
            return Err(err(path, message));
        }
        if let Some(j) = columns.iter().position(|c| c == name) {
            let (a, b) = (column_letters(j), column_letters(i));
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

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The keys of one JSON object, in file order (values skipped).
struct KeyOrder(Vec<String>);

impl<'de> Deserialize<'de> for KeyOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(KeyOrderVisitor)
    }
}

struct KeyOrderVisitor;

impl<'de> Visitor<'de> for KeyOrderVisitor {
    type Value = KeyOrder;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<KeyOrder, A::Error> {
        let mut keys = Vec::new();
        while let Some((key, IgnoredAny)) = map.next_entry()? {
            keys.push(key);
        }
        Ok(KeyOrder(keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Table {
        parse_csv(text.as_bytes(), Path::new("d.csv")).unwrap()
    }

    fn data_error(result: Result<Table>) -> (Option<usize>, Option<String>, String) {
        match result {
            Err(Error::Data {
                row, column, message, ..
            }) => (row, column, message),
            other => panic!("expected Error::Data, got {other:?}"),
        }
    }

    fn values(table: &Table, column: &str) -> Vec<String> {
        table.rows.iter().map(|r| r.get(column).unwrap().to_string()).collect()
    }

    #[test]
    fn reads_plain_utf8() {
        let t = csv("nom,ville\nAlice,Paris\nBob,Lyon\n");
        assert_eq!(t.columns, ["nom", "ville"]);
        assert_eq!(values(&t, "ville"), ["Paris", "Lyon"]);
        assert_eq!(t.rows[1].number, 2);
        assert_eq!(t.encoding, "UTF-8");
        assert_eq!(t.path, Path::new("d.csv"));
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn strips_utf8_bom() {
        let t = parse_csv(b"\xEF\xBB\xBFnom,ville\nAlice,Paris\n", Path::new("d.csv")).unwrap();
        assert_eq!(t.columns, ["nom", "ville"]);
        assert_eq!(t.encoding, "UTF-8");
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let text = "nom;ville\nHélène;Besançon\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend(unit.to_le_bytes());
            be.extend(unit.to_be_bytes());
        }
        for (bytes, name) in [(le, "UTF-16LE"), (be, "UTF-16BE")] {
            let t = parse_csv(&bytes, Path::new("d.csv")).unwrap();
            assert_eq!(t.encoding, name);
            assert_eq!(t.columns, ["nom", "ville"]);
            assert_eq!(values(&t, "ville"), ["Besançon"]);
        }
    }

    #[test]
    fn rejects_utf16_without_bom() {
        let bytes: Vec<u8> = "nom\nA\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let (_, _, message) = data_error(parse_csv(&bytes, Path::new("d.csv")));
        assert!(message.contains("UTF-16"), "{message}");
    }

    #[test]
    fn falls_back_to_windows_1252() {
        // "Député Hélène" as French Excel's plain CSV export writes it.
        let t = parse_csv(b"titre;nom\nD\xE9put\xE9;H\xE9l\xE8ne\n", Path::new("d.csv")).unwrap();
        assert_eq!(t.encoding, "windows-1252");
        assert_eq!(values(&t, "titre"), ["Député"]);
        assert_eq!(values(&t, "nom"), ["Hélène"]);
        assert!(!t.rows[0].values.values().any(|v| v.contains('\u{FFFD}')));
    }

    #[test]
    fn honours_and_skips_sep_line() {
        let t = csv("sep=;\r\nnom, prénom;ville\r\nDupont, Jean;Paris\r\n");
        assert_eq!(t.columns, ["nom, prénom", "ville"]);
        assert_eq!(values(&t, "nom, prénom"), ["Dupont, Jean"]);
        assert_eq!(t.rows[0].number, 1);
        // The sep line overrides what sniffing would pick.
        let t = csv("sep=,\na;b,c\n1;2,3\n");
        assert_eq!(t.columns, ["a;b", "c"]);
        for line in ["sep=\t", "sep=\\t"] {
            let t = csv(&format!("{line}\na,b\tc\n1,2\t3\n"));
            assert_eq!(t.columns, ["a,b", "c"], "{line:?}");
        }
    }

    #[test]
    fn sniffs_delimiter_outside_quotes() {
        assert_eq!(csv("a;b;c\n1;2;3\n").columns, ["a", "b", "c"]);
        assert_eq!(csv("a\tb\n1\t2\n").columns, ["a", "b"]);
        // Three commas inside quotes, one real semicolon.
        let t = csv("\"x,y,z,w\";b\n1;2\n");
        assert_eq!(t.columns, ["x,y,z,w", "b"]);
        // One column: nothing to sniff.
        assert_eq!(csv("nom\nAlice\n").columns, ["nom"]);
    }

    #[test]
    fn tsv_defaults_to_tab() {
        let text = "a,b,c\td\n1,2,3\t4\n";
        let t = parse_csv(text.as_bytes(), Path::new("d.TSV")).unwrap();
        assert_eq!(t.columns, ["a,b,c", "d"]);
        assert_eq!(csv(text).columns.len(), 3);
    }

    #[test]
    fn handles_crlf_and_quoted_fields() {
        let t =
            csv("nom,devise\r\n\"Dupont, Jean\",\"dit \"\"le Grand\"\"; ou pas\"\r\n\"Line\r\nBreak\",\"a\nb\"\r\n");
        assert_eq!(values(&t, "nom"), ["Dupont, Jean", "Line\nBreak"]);
        assert_eq!(values(&t, "devise"), ["dit \"le Grand\"; ou pas", "a\nb"]);
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn wrong_field_count_names_row() {
        let (row, _, message) = data_error(parse_csv(b"sep=;\na;b\n1;2\n3;4;5\n", Path::new("d.csv")));
        assert_eq!(row, Some(2));
        assert!(message.contains("3 fields") && message.contains("line 4"), "{message}");
    }

    #[test]
    fn header_is_trimmed_and_checked() {
        assert_eq!(csv(" nom , ville\nA,B\n").columns, ["nom", "ville"]);
        let (row, column, message) = data_error(parse_csv(b"nom,,ville\n1,2,3\n", Path::new("d.csv")));
        assert_eq!((row, column), (None, None));
        assert!(
            message.contains("header cell 2") && message.contains("column B"),
            "{message}"
        );
        let (_, column, message) = data_error(parse_csv(b"nom,ville, nom\n1,2,3\n", Path::new("d.csv")));
        assert_eq!(column.as_deref(), Some("nom"));
        assert!(message.contains("columns A and C"), "{message}");
        let (_, _, message) = data_error(parse_csv(b"", Path::new("d.csv")));
        assert!(message.contains("empty"), "{message}");
    }

    #[test]
    fn column_letters_match_spreadsheets() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn strips_controls_and_bidi_with_warnings() {
        let t = csv("nom,note\n\"Ali\u{202E}ce\0\",\"a\tb\nc\u{85}\u{7}\"\n");
        assert_eq!(values(&t, "nom"), ["Alice"]);
        assert_eq!(values(&t, "note"), ["a\tb\nc"]);
        let messages: Vec<_> = t
            .warnings
            .iter()
            .map(|w| (w.row, w.column.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (1, "nom", "removed U+202E RIGHT-TO-LEFT OVERRIDE"),
                (1, "nom", "removed U+0000 NULL"),
                (1, "note", "removed U+0085 control character"),
                (1, "note", "removed U+0007 control character"),
            ]
        );
        let t = csv("a\n\u{2066}x\u{2069}\n");
        assert_eq!(values(&t, "a"), ["x"]);
        assert_eq!(t.warnings.len(), 2);
    }

    #[test]
    fn trims_values_silently() {
        let t = csv("a,b\n  x  , \ty\n");
        assert_eq!(values(&t, "a"), ["x"]);
        assert_eq!(values(&t, "b"), ["y"]);
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn skips_empty_records_but_counts_them() {
        let t = csv("a;b\n1;2\n;\n ; \n3;4\n;\n");
        let numbers: Vec<_> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 4]);
        assert_eq!(values(&t, "a"), ["1", "3"]);
    }

    fn json(text: &str) -> Result<Table> {
        parse_json(text.as_bytes(), Path::new("d.json"))
    }

    #[test]
    fn reads_json_values_as_text() {
        let t = json(r#"[{"z": "Zoé", "n": 4, "f": 1.5, "b": true, "x": null}, {"a": " new ", "z": "Y"}]"#).unwrap();
        assert_eq!(t.columns, ["z", "n", "f", "b", "x", "a"]);
        let first = &t.rows[0];
        assert_eq!(
            (first.get("n"), first.get("f"), first.get("b")),
            (Some("4"), Some("1.5"), Some("true"))
        );
        assert_eq!((first.get("x"), first.get("a")), (Some(""), Some("")));
        assert_eq!(
            (t.rows[1].number, t.rows[1].get("a"), t.rows[1].get("n")),
            (2, Some("new"), Some(""))
        );
        assert_eq!(t.encoding, "UTF-8");
    }

    #[test]
    fn json_values_are_cleaned() {
        let t = json("[{\"a\": \"x\\u202ey\"}]").unwrap();
        assert_eq!(t.rows[0].get("a"), Some("xy"));
        assert_eq!(t.warnings[0].message, "removed U+202E RIGHT-TO-LEFT OVERRIDE");
    }

    #[test]
    fn json_shape_errors() {
        let (row, column, message) = data_error(json(r#"[{"a": 1}, {"a": 2, "b": [1]}]"#));
        assert_eq!((row, column.as_deref()), (Some(2), Some("b")));
        assert!(message.contains("array"), "{message}");
        let (row, column, _) = data_error(json(r#"[{"a": {"b": 1}}]"#));
        assert_eq!((row, column.as_deref()), (Some(1), Some("a")));
        let (row, _, message) = data_error(json(r#"{"a": 1}"#));
        assert_eq!(row, None);
        assert!(
            message.contains("array of objects") && message.contains("an object"),
            "{message}"
        );
        let (row, _, message) = data_error(json(r#"[{"a": 1}, "b"]"#));
        assert_eq!(row, Some(2));
        assert!(message.contains("a string"), "{message}");
        let (row, column, _) = data_error(json(r#"[{"a": 1, "a": 2}]"#));
        assert_eq!((row, column.as_deref()), (Some(1), Some("a")));
        let (_, _, message) = data_error(json("[{\"a\": 1,}]"));
        assert!(message.contains("not valid JSON"), "{message}");
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

        let (_, _, message) = data_error(load(&dir.path().join("people.xlsx")));
        assert!(message.contains("CSV UTF-8"), "{message}");
        let (_, _, message) = data_error(load(&dir.path().join("people.docx")));
        assert!(message.contains("\"docx\"") && message.contains(".csv"), "{message}");
        let missing = dir.path().join("missing.csv");
        assert!(matches!(load(&missing), Err(Error::Io { path, .. }) if path == missing));
        let err = load(&dir.path().join("x.odt")).unwrap_err().to_string();
        assert!(err.contains("x.odt"), "{err}");
    }
}
