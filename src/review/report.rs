//! The batch report: one entry per row × preset, written as `report.json` and `report.csv`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::compose::TextReport;
use crate::error::Result;

/// Outcome of one poster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Error,
}

/// One row × preset. `Default` is an empty entry that rendered fine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Entry {
    /// 1-based data row.
    pub row: usize,
    /// Who the poster is for (the row's `name` value, else its slug source), for reviewers.
    #[serde(default)]
    pub name: String,
    /// Preset name, or `template` when rendering at the template's own size.
    pub preset: String,
    pub status: Status,
    /// Output file, relative to the output folder (also set for errors: the name it would have had).
    pub output: String,
    /// The error, for failed rows.
    pub message: Option<String>,
    pub warnings: Vec<String>,
    /// Template variant used.
    pub variant: Option<String>,
    /// How each text value was set.
    pub texts: Vec<TextReport>,
    /// Not rendered again: the file is there and its inputs did not change.
    pub skipped: bool,
    /// Hash of everything the output depends on (template, fonts, values, photos, preset, settings).
    pub inputs: Option<String>,
    /// Alt text, when the campaign has an `alt` pattern (also in `<output stem>.txt`).
    #[serde(default)]
    pub alt: Option<String>,
    /// JPEG quality used when lowered to fit the `max_kb` budget.
    #[serde(default)]
    pub quality: Option<u8>,
    /// Photo decodes made for this poster. A row's photos are decoded once, for its first
    /// poster rendered, whatever its number of presets: one per photo, plus one for a photo
    /// decoded again at full size because a face zooms past the scaled decode. 0 for the
    /// row's other posters, and when skipped or failed before decoding.
    #[serde(default)]
    pub decodes: usize,
}

impl Entry {
    /// A skipped poster keeps what the run that rendered it found (warnings,
    /// variant, text sizes), taken from that run's entry with the same file
    /// and the same input hash.
    pub fn carry_over(&mut self, previous: &Report) {
        if !self.skipped || self.inputs.is_none() {
            return;
        }
        if let Some(p) = previous
            .entries
            .iter()
            .find(|p| p.output == self.output && p.inputs == self.inputs)
        {
            self.warnings.clone_from(&p.warnings);
            self.variant.clone_from(&p.variant);
            self.texts.clone_from(&p.texts);
        }
    }
}

/// Everything a batch did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub template: String,
    pub data: String,
    /// Posters written.
    pub rendered: usize,
    /// Posters that failed.
    pub failed: usize,
    /// Posters left as they were (counted in `rendered`): inputs unchanged.
    pub skipped: usize,
    /// Batch-level notes (renamed colliding outputs, data clean-ups).
    pub notes: Vec<String>,
    pub entries: Vec<Entry>,
}

impl Report {
    /// Builds a report from entries (in row, then preset order).
    pub fn new(template: String, data: String, notes: Vec<String>, entries: Vec<Entry>) -> Report {
        let rendered = entries.iter().filter(|e| e.status == Status::Ok).count();
        let skipped = entries.iter().filter(|e| e.skipped).count();
        Report {
            template,
            data,
            rendered,
            failed: entries.len() - rendered,
            skipped,
            notes,
            entries,
        }
    }

    /// Rows with at least one failed poster, ascending.
    pub fn failed_rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .entries
            .iter()
            .filter(|e| e.status == Status::Error)
            .map(|e| e.row)
            .collect();
        rows.dedup();
        rows
    }

    /// Posters that rendered with warnings.
    pub fn warned(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.status == Status::Ok && !e.warnings.is_empty())
            .count()
    }

    /// Writes the report as pretty JSON, atomically, into `dir/report.json`.
    /// Reads a `report.json`.
    pub fn read(path: &Path) -> Result<Report> {
        let bytes = std::fs::read(path).map_err(|e| crate::error::Error::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| crate::error::Error::Data {
            path: path.into(),
            row: None,
            column: None,
            message: format!("not an affiche report: {e}"),
        })
    }

    /// One report from the reports of shards (or of several runs): entries in
    /// row order, counts recomputed, notes kept.
    pub fn merge(reports: Vec<Report>) -> Report {
        let first = reports.first();
        let (template, data) = first.map(|r| (r.template.clone(), r.data.clone())).unwrap_or_default();
        let notes = reports.iter().flat_map(|r| r.notes.iter().cloned()).collect();
        let mut entries: Vec<Entry> = reports.into_iter().flat_map(|r| r.entries).collect();
        entries.sort_by_key(|e| e.row); // stable: presets keep their order within a row
        Report::new(template, data, notes, entries)
    }

    /// Also writes `report.csv` for spreadsheet users.
    pub fn write(&self, dir: &Path) -> Result<std::path::PathBuf> {
        let json = serde_json::to_vec_pretty(self).expect("report serializes");
        crate::output::write_atomic(dir, Path::new("report.csv"), &self.csv())?;
        crate::output::write_atomic(dir, Path::new("report.json"), &json)
    }

    /// The entries as CSV (UTF-8 with BOM, so Excel reads the accents), one line each.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let header = [
            "row", "preset", "status", "output", "skipped", "message", "warnings", "alt",
        ];
        w.write_record(header).expect("writing to memory");
        for e in &self.entries {
            let status = if e.status == Status::Ok { "ok" } else { "error" };
            let fields = [
                e.row.to_string(),
                e.preset.clone(),
                status.into(),
                e.output.clone(),
                e.skipped.to_string(),
                e.message.clone().unwrap_or_default(),
                e.warnings.join(" | "),
                e.alt.clone().unwrap_or_default(),
            ];
            w.write_record(fields.iter().map(|f| defuse(f)))
                .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-`, `@` (or a tab or CR
/// before them) as a formula: a value from a data file must never become one.
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(row: usize, ok: bool) -> Entry {
        Entry {
            row,
            name: format!("Candidate {row}"),
            preset: "x-post".into(),
            status: if ok { Status::Ok } else { Status::Error },
            output: format!("{row}.png"),
            message: (!ok).then(|| "boom".into()),
            ..Default::default()
        }
    }

    #[test]
    fn csv_report_defuses_formulas() {
        let mut bad = entry(2, false);
        bad.message = Some("=HYPERLINK(\"http://x\")".into());
        bad.output = "-2.png".into();
        bad.alt = Some("=cmd".into());
        let r = Report::new("t".into(), "d".into(), vec![], vec![entry(1, true), bad]);
        let text = String::from_utf8(r.csv()).unwrap();
        let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
        assert_eq!(
            rows[0].iter().take(4).collect::<Vec<_>>(),
            ["1", "x-post", "ok", "1.png"]
        );
        assert_eq!(&rows[1][5], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&rows[1][3], "'-2.png");
        assert_eq!((&rows[0][7], &rows[1][7]), ("", "'=cmd"));
    }

    #[test]
    fn merging_shard_reports_orders_rows_and_recounts() {
        let a = Report::new(
            "t".into(),
            "d".into(),
            vec!["a".into()],
            vec![entry(3, true), entry(1, false)],
        );
        let b = Report::new("t".into(), "d".into(), vec![], vec![entry(2, true)]);
        let json = serde_json::to_string(&b).unwrap();
        let b: Report = serde_json::from_str(&json).unwrap();
        let m = Report::merge(vec![a, b]);
        assert_eq!(m.entries.iter().map(|e| e.row).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!((m.rendered, m.failed, m.notes.len()), (2, 1, 1));
    }

    #[test]
    fn skipped_entries_keep_the_warnings_of_the_run_that_rendered_them() {
        let mut old = entry(1, true);
        old.inputs = Some("h1".into());
        old.warnings = vec!["photo: no face found".into()];
        let previous = Report::new("t".into(), "d".into(), vec![], vec![old]);
        let mut same = entry(1, true);
        (same.skipped, same.inputs) = (true, Some("h1".into()));
        same.carry_over(&previous);
        assert_eq!(same.warnings, ["photo: no face found"]);
        let mut changed = entry(1, true);
        (changed.skipped, changed.inputs) = (true, Some("h2".into()));
        changed.carry_over(&previous);
        assert!(changed.warnings.is_empty(), "another input hash is another poster");
    }

    #[test]
    fn counts_and_serializes_statuses_in_lowercase() {
        let r = Report::new(
            "t".into(),
            "d".into(),
            vec![],
            vec![entry(1, true), entry(2, false), entry(2, false)],
        );
        assert_eq!((r.rendered, r.failed), (1, 2));
        assert_eq!(r.failed_rows(), [2]);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["entries"][1]["status"], "error");
        assert_eq!(json["entries"][0]["message"], serde_json::Value::Null);
    }
}
