//! Review: what a batch did, for people. The report (`report.json`, `report.csv`), the
//! gallery page built from it (`index.html`) and contact sheets of the posters.
//!
//! May import: every stage below `batch`.

pub(crate) mod gallery;
pub(crate) mod report;
pub(crate) mod sheet;
