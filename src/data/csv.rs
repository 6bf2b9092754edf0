//! CSV and TSV: encodings, Excel's `sep=` line, delimiter sniffing.

use std::path::Path;

use super::{Row, Table, clean, column_letters, data_err, decode, err, header_columns};
use crate::error::Result;

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
    // Excel and LibreOffice write a sheet's formatted but empty columns as trailing `;;`:
    // nameless and valueless, they are not columns.
    let width = (0..header.len())
        .rposition(|i| !header[i].trim().is_empty())
        .map_or(0, |i| i + 1);
    let mut table = Table {
        path: path.to_path_buf(),
        columns: header_columns(header.iter().take(width), path, 0)?,
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
        if let Some(j) = (width..record.len()).find(|&j| !record[j].trim().is_empty()) {
            let (letters, field) = (column_letters(j), j + 1);
            let fix = "give its column a name in the header, or clear it";
            let message = format!("field {field} (spreadsheet column {letters}) has a value but no column name; {fix}");
            return Err(data_err(path, Some(number), None, message));
        }
        let warnings = &mut table.warnings;
        let values = (table.columns.iter().zip(&record))
            .map(|(col, raw)| (col.clone(), clean(raw, number, col, warnings)))
            .collect();
        table.rows.push(Row { number, values });
    }
    Ok(table)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{data_error, values};

    fn csv(text: &str) -> Table {
        parse_csv(text.as_bytes(), Path::new("d.csv")).unwrap()
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
}
