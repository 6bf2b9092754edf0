//! Arbitrary bytes as a CSV, TSV or JSON data file, then field patterns filled
//! from each row. Nothing may panic; every row has every column.
#![no_main]

use std::path::Path;

use affiche::tables::{self as data, Table};
use libfuzzer_sys::fuzz_target;

fn check(table: &Table) {
    for row in &table.rows {
        assert_eq!(row.values.len(), table.columns.len(), "row {}", row.number);
        for v in row.values.values() {
            let bad = |c: char| (c.is_control() && c != '\t' && c != '\n') || ('\u{202A}'..='\u{202E}').contains(&c);
            assert!(!v.chars().any(bad), "control or bidi character left in {v:?}");
        }
        for pattern in ["{name}", "{prenom} {nom}", "{a|b}", "{"] {
            let _ = data::interpolate(pattern, row);
        }
        if let Some(c) = table.columns.first() {
            let _ = data::interpolate(&format!("{{{c}}} x"), row);
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    for name in ["people.csv", "people.tsv"] {
        if let Ok(table) = data::parse_csv(bytes, Path::new(name)) {
            check(&table);
        }
    }
    if let Ok(table) = data::parse_json(bytes, Path::new("people.json")) {
        check(&table);
    }
});
