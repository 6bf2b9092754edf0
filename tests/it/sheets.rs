//! Spreadsheet data files (XLSX and ODS) through the public API: the first sheet
//! or a named one, cells as the sheet shows them. Fixtures: tests/fixtures/README.md.

use std::path::{Path, PathBuf};

use affiche::Error;
use affiche::tables::{self as data, DataOptions, Table};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn load(name: &str, sheet: Option<&str>) -> affiche::Result<Table> {
    let options = DataOptions {
        sheet: sheet.map(str::to_string),
    };
    data::load_with(&fixture(name), &options)
}

fn column(table: &Table, name: &str) -> Vec<String> {
    table.rows.iter().map(|r| r.get(name).unwrap().to_string()).collect()
}

#[test]
fn first_sheet_reads_like_the_spreadsheet_shows_it() {
    for file in ["candidates.xlsx", "candidates.ods"] {
        let t = load(file, None).unwrap();
        assert_eq!(
            t.columns,
            [
                "prenom",
                "nom",
                "circonscription",
                "photo",
                "numero",
                "meeting",
                "score"
            ],
            "{file}"
        );
        // The blank third row is skipped but keeps its number.
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 4], "{file}");
        assert_eq!(column(&t, "prenom"), ["Hélène", "Jean-Baptiste", "Zoé"], "{file}");
        assert_eq!(column(&t, "numero"), ["4", "1", "2"], "{file}");
        assert_eq!(
            column(&t, "meeting"),
            ["2026-03-15", "2026-03-15 18:30", "2026-04-01"],
            "{file}"
        );
        assert_eq!(column(&t, "score"), ["0.3", "12.5", ""], "{file}");
    }
}

#[test]
fn a_formula_error_is_left_empty_with_a_warning_naming_the_cell() {
    let t = load("candidates.xlsx", None).unwrap();
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = &t.warnings[0];
    assert_eq!((w.row, w.column.as_str()), (4, "score"));
    assert!(w.message.contains("G5") && w.message.contains("#N/A"), "{}", w.message);
}

#[test]
fn a_named_sheet_is_read_and_a_missing_one_lists_the_sheets() {
    for file in ["candidates.xlsx", "candidates.ods"] {
        let t = load(file, Some("brouillon")).unwrap();
        assert_eq!(t.columns, ["prenom", "nom"], "{file}");
        assert_eq!(column(&t, "nom"), ["SEUL"], "{file}");
        match load(file, Some("Titulaires")) {
            Err(e @ Error::Data { row: None, .. }) => {
                let m = e.to_string();
                assert!(
                    m.contains(file) && m.contains("\"Candidats\", \"Brouillon\"") && m.contains("--sheet"),
                    "{m}"
                );
            }
            other => panic!("expected a data error, got {other:?}"),
        }
    }
}

/// XLSX cells keep their number format: percent, currency, leading zeros,
/// fixed decimals; General numbers read plain (no `.0`, 15 significant digits).
#[test]
fn xlsx_number_formats_read_as_the_sheet_shows_them() {
    let t = load("formats.xlsx", None).unwrap();
    assert_eq!(column(&t, "nom"), ["GUÉRIN", "ROY"]);
    assert_eq!(column(&t, "code_postal"), ["01000", "75001"]);
    assert_eq!(column(&t, "score"), ["12.5%", "50.0%"]);
    assert_eq!(column(&t, "part"), ["30%", "100%"]);
    assert_eq!(column(&t, "budget"), ["1,234.50 €", "80.00 €"]);
    assert_eq!(column(&t, "dollars"), ["$2,500,000", "$12"]);
    assert_eq!(column(&t, "pi"), ["3.14", "2.00"]);
    assert_eq!(column(&t, "general"), ["75001", "0.3"]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}
