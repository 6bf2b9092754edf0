//! Data files as volunteers save them, each with its exact outcome: the bytes that Excel,
//! Google Sheets and Numbers write (made here, byte for byte, where the program cannot run
//! on a test machine), files saved by LibreOffice itself, and real Google Sheets XLSX
//! downloads (tests/fixtures/volunteers/).

use std::path::{Path, PathBuf};

use affiche::Error;
use affiche::tables::{self as data, Table};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/volunteers")
        .join(name)
}

/// `bytes` written as `name` in a temp folder, then loaded.
fn load_bytes(name: &str, bytes: &[u8]) -> affiche::Result<Table> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    data::load(&path)
}

fn rows(t: &Table) -> Vec<Vec<&str>> {
    t.rows
        .iter()
        .map(|r| t.columns.iter().map(|c| r.get(c).unwrap()).collect())
        .collect()
}

/// The message of a data error, checked to name `row` and `column`.
fn data_error(e: Error, row: Option<usize>, column: Option<&str>) -> String {
    match e {
        Error::Data {
            row: r,
            column: c,
            message,
            ..
        } => {
            assert_eq!((r, c.as_deref()), (row, column), "{message}");
            message
        }
        other => panic!("not a data error: {other}"),
    }
}

#[test]
fn excel_french_csv_is_windows_1252_with_semicolons() {
    // Excel (French locale) "CSV (séparateur: point-virgule)": windows-1252, `;`, CRLF,
    // a decimal comma, a quoted cell holding the separator.
    let text = "prénom;nom;circonscription;score\r\nHélène;GUÉRIN;\"Bouches-du-Rhône; 4e\";12,5\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let t = load_bytes("excel.csv", &bytes).unwrap();
    assert_eq!(t.encoding, "windows-1252");
    assert_eq!(t.columns, ["prénom", "nom", "circonscription", "score"]);
    assert_eq!(rows(&t), [["Hélène", "GUÉRIN", "Bouches-du-Rhône; 4e", "12,5"]]);
    // The same with Excel's `sep=;` first line (what "open in Excel" files carry).
    let t = load_bytes("excel-sep.csv", &[&b"sep=;\r\n"[..], &bytes].concat()).unwrap();
    assert_eq!(rows(&t), [["Hélène", "GUÉRIN", "Bouches-du-Rhône; 4e", "12,5"]]);
}

#[test]
fn google_sheets_csv_is_utf8_with_commas_and_multiline_cells() {
    // Google Sheets' "Comma-separated values" download: UTF-8 without BOM, CRLF, quotes only
    // where needed, a cell with a line break, no newline at the end.
    let bytes = "nom,slogan,photo\r\nLéa ROY,\"Ensemble,\npour nos quartiers\",roy.jpg\r\nAmy BAH,,bah.jpg";
    let t = load_bytes("Candidats - Feuille 1.csv", bytes.as_bytes()).unwrap();
    assert_eq!(t.encoding, "UTF-8");
    assert_eq!(
        rows(&t),
        [
            ["Léa ROY", "Ensemble,\npour nos quartiers", "roy.jpg"],
            ["Amy BAH", "", "bah.jpg"]
        ]
    );
}

#[test]
fn numbers_csv_has_a_byte_order_mark_that_never_reaches_a_column_name() {
    // Numbers' "Export to CSV" (Unicode UTF-8): a BOM, then `,` and LF.
    let t = load_bytes("numbers.csv", "\u{FEFF}prenom,nom\nZoé,N'DIAYE\n".as_bytes()).unwrap();
    assert_eq!(t.columns, ["prenom", "nom"]);
    assert_eq!(rows(&t), [["Zoé", "N'DIAYE"]]);
}

#[test]
fn header_spaces_are_trimmed_and_case_is_kept_for_the_suggestion() {
    // ` Nom ` typed with spaces: trimmed. Its case is kept, so a template asking for `nom`
    // gets the "did you mean" of tests/it/paths.rs rather than a silent match.
    let t = load_bytes("spaces.csv", b" Nom ;Prenom\nROY;Lea\n").unwrap();
    assert_eq!(t.columns, ["Nom", "Prenom"]);
}

#[test]
fn trailing_empty_columns_are_not_columns_but_a_value_under_no_name_is_an_error() {
    // Excel writes a sheet's formatted empty columns as trailing separators.
    let t = load_bytes("trailing.csv", b"nom;prenom;;;\r\nROY;Lea;;;\r\n;;;;\r\n").unwrap();
    assert_eq!(t.columns, ["nom", "prenom"]);
    assert_eq!(rows(&t), [["ROY", "Lea"]]);
    let e = load_bytes("stray.csv", b"nom;prenom;;\nROY;Lea;;\nBAH;Amy;;oops\n").unwrap_err();
    let message = data_error(e, Some(2), None);
    assert!(
        message.contains("spreadsheet column D") && message.contains("no column name"),
        "{message}"
    );
}

#[test]
fn a_merged_header_cell_saved_as_csv_says_to_name_every_column() {
    // "Candidat" merged over A1:B1 comes out of every spreadsheet as `Candidat;;…`.
    let e = load_bytes("merged.csv", b"Candidat;;circonscription\nLea;ROY;Paris 1re\n").unwrap_err();
    let message = data_error(e, None, None);
    assert!(
        message.contains("header cell 2 (spreadsheet column B) is empty") && message.contains("merged header cell"),
        "{message}"
    );
}

#[test]
fn emoji_and_names_in_any_script_are_kept_as_typed() {
    // The data keeps them; whether a font draws them is the text stage's business
    // (tests/it/typography.rs: a clear row error without an emoji font).
    let t = load_bytes("emoji.csv", "nom\nLéa ROY 🦸\nمريم\n".as_bytes()).unwrap();
    assert_eq!(rows(&t), [["Léa ROY 🦸"], ["مريم"]]);
}

/// The same sheet saved by LibreOffice Calc 7.4 as XLSX, ODS, "CSV UTF-8" and Excel-style
/// windows-1252 `;` CSV (tests/fixtures/volunteers/README.md): a header typed `Prénom ` and
/// `NOM`, two formatted empty columns after it, an emoji, a photo given as a web address.
#[test]
fn a_sheet_saved_by_libreoffice_in_four_formats_reads_the_same() {
    let hero = |nom: &str| {
        vec![
            vec![
                "Hélène",
                "GUÉRIN",
                "Bouches-du-Rhône (4e circonscription)",
                "hopper.jpg",
                "Ensemble; pour nos quartiers",
            ],
            vec![
                "Zoé",
                nom,
                "Paris (1re circonscription)",
                "https://example.org/ndiaye.jpg",
                "",
            ],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    };
    // windows-1252 has no emoji: LibreOffice (like Excel) writes `?` in its place.
    for (file, encoding, nom) in [
        ("candidats.xlsx", "UTF-8", "N'DIAYE 🦸"),
        ("candidats.ods", "UTF-8", "N'DIAYE 🦸"),
        ("candidats-utf8.csv", "UTF-8", "N'DIAYE 🦸"),
        ("candidats-windows-1252.csv", "windows-1252", "N'DIAYE ?"),
    ] {
        let t = data::load(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            t.columns,
            ["Prénom", "NOM", "circonscription", "photo", "slogan"],
            "{file}"
        );
        assert_eq!(t.encoding, encoding, "{file}");
        let got: Vec<Vec<String>> = rows(&t)
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(got, hero(nom), "{file}");
    }
}

#[test]
fn a_merged_header_cell_saved_by_libreoffice_says_to_name_every_column() {
    for file in ["merged.xlsx", "merged.ods"] {
        let message = data_error(data::load(&fixture(file)).unwrap_err(), None, None);
        assert!(
            message.contains("header cell 2 (spreadsheet column B) is empty") && message.contains("merged header cell"),
            "{file}: {message}"
        );
    }
}

/// Through the CLI, as a volunteer's sheet meets the sample campaign: the columns typed
/// `Prénom ` and `NOM` are named as the ones meant, and nothing renders (exit 2).
#[test]
fn check_names_the_columns_a_volunteer_typed_differently() {
    let data = fixture("candidats.xlsx");
    let args = [
        "check",
        "samples/campaign.toml",
        "--data",
        data.to_str().unwrap(),
        "--time-budget",
        "0",
    ];
    let run = crate::common::affiche(&args).expect(2);
    for said in [
        r#"the file has a column "Prénom": case, accents and spaces count, rename it "prenom""#,
        r#"the file has a column "NOM": case, accents and spaces count, rename it "nom""#,
    ] {
        assert!(run.stderr.contains(said), "{}", run.all());
    }
}

/// Real downloads from Google Sheets (File › Download › Microsoft Excel), from two spreadsheet
/// readers' test suites (tests/fixtures/README.md): the 2017 export (no docProps, sheets stored
/// out of order: the first sheet in the workbook, "Africa", is `sheet4.xml`) and the 2022 one
/// (Google's custom-data part, a 1000-row grid of empty rows, header cells on two lines).
#[test]
fn google_sheets_xlsx_downloads_read_as_the_sheet_shows_them() {
    let t = data::load(&fixture("google-sheets/gapminder-readxl.xlsx")).unwrap();
    assert_eq!(
        t.columns,
        ["country", "continent", "year", "lifeExp", "pop", "gdpPercap"]
    );
    assert_eq!(
        rows(&t)[0],
        ["Algeria", "Africa", "1952", "43.077", "9279525", "2449.0082"]
    );
    assert_eq!(rows(&t).len(), 5);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // Another sheet by name: its own rows, found through the workbook's relations.
    let options = data::DataOptions {
        sheet: Some("Europe".into()),
    };
    let europe = data::load_with(&fixture("google-sheets/gapminder-readxl.xlsx"), &options).unwrap();
    assert_eq!(rows(&europe)[0][..2], ["Albania", "Europe"]);

    let t = data::load(&fixture("google-sheets/inventory-phpspreadsheet.xlsx")).unwrap();
    assert_eq!(t.columns.len(), 47);
    // A header cell written on two lines is one name a pattern can use.
    assert_eq!(t.columns[4], "Critical stock (for Sales items only)");
    assert_eq!(t.columns[15], "Factor group (for Rental items only)");
    let names: Vec<&str> = t.rows.iter().map(|r| r.get("Name (in database)").unwrap()).collect();
    assert_eq!(
        names,
        [
            "XLR cable (5m)",
            "XLR cable (10m)",
            "Martin Atomic 3000 DMX",
            "DJ Kit A1",
            "Smoke machine fluid (5L)"
        ]
    );
    // The empty rows of the grid are skipped; the rows keep their numbers for reports.
    assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3, 6, 7]);
    assert_eq!(t.rows[0].get("Location in warehouse"), Some("Aisle 4, rack C"));
    assert_eq!(t.rows[4].get("Critical stock (for Sales items only)"), Some("5"));
}
