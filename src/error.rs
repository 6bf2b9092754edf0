//! The library's one error type. Every variant carries enough context (file,
//! row, column, slot) for a user to find and fix the problem without a debugger.
//!
//! Foundation: imports nothing from the pipeline.

use std::path::PathBuf;

/// Everything that can go wrong in affiche.
///
/// Rows are 1-based data rows (the header is not counted), as a spreadsheet
/// user counts them below the header line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        /// Kept out of `source()` since the message already says it (no doubled cause).
        cause: std::io::Error,
    },

    /// A file could not be written into the output folder (disk full, file
    /// size limit, read-only or not permitted): a batch stops at the first one.
    #[error("output folder {folder}: cannot write {file}: {cause}")]
    Output {
        folder: PathBuf,
        /// The file, relative to `folder`.
        file: PathBuf,
        cause: std::io::Error,
    },

    /// The template (SVG or manifest) is unusable.
    #[error("template {path}: {message}")]
    Template { path: PathBuf, message: String },

    /// A filter of the template would make the renderer allocate or compute far too much.
    #[error("template {path}: filter {filter:?}: {message}")]
    Filter {
        path: PathBuf,
        /// The `<filter>` element's id.
        filter: String,
        message: String,
    },

    /// A font family named by a template is not in the font folder.
    #[error(
        "template {path}: font family {family:?} ({wanted}) is in no font folder; add its font files to the campaign's fonts or the template's fonts/ folder, map it to a font you have (`[font_aliases]` \"{family}\" = \"{instead}\" in template.toml or the campaign file, or --font-alias \"{family}={instead}\"), or choose another font in the editor"
    )]
    MissingFont {
        path: PathBuf,
        /// The family as a designer knows it (`Sintony` for `'Sintony-Bold', Sintony`).
        family: String,
        /// Weights and styles wanted and the elements asking: `Bold; used by 3 elements: About, …`.
        wanted: String,
        /// A family the font folders have, offered for the alias.
        instead: String,
    },

    /// The campaign file or the options given on the command line are unusable.
    #[error("campaign {path}: {message}")]
    Campaign { path: PathBuf, message: String },

    /// The data file is unusable as a whole, or one of its cells is.
    #[error("{}", data_message(path, *row, column.as_deref(), message))]
    Data {
        path: PathBuf,
        /// 1-based data row, when the problem is in one row.
        row: Option<usize>,
        /// Column (or field) name, when the problem is in one cell.
        column: Option<String>,
        message: String,
    },

    /// A photo could not be found, read or decoded.
    #[error("row {row}, column {column:?}: photo {path}: {message}")]
    Photo {
        path: PathBuf,
        row: usize,
        column: String,
        message: String,
    },

    /// Photo bytes handed to the library (not read from a batch's row) cannot be decoded.
    #[error("photo: {message}")]
    PhotoBytes { message: String },

    /// A text value cannot fit its box, even at the slot's minimum size.
    #[error("row {row}, field {slot:?}: {message}")]
    TextOverflow { row: usize, slot: String, message: String },

    /// A required field is empty or missing in a row.
    #[error(
        "row {row}, field {slot:?}: value is empty; fill the cell or mark the field `required = false` in template.toml"
    )]
    MissingValue { row: usize, slot: String },

    /// A poster asked of a [`Studio`](crate::Studio) has a value or photo it cannot use:
    /// text that cannot fit, an empty required value, photo bytes that cannot be decoded.
    #[error("{}field {field:?}: {message}", row.map(|r| format!("row {r}, ")).unwrap_or_default())]
    Order {
        /// The caller's row number, when the order came in a list.
        row: Option<usize>,
        field: String,
        message: String,
    },

    /// Several problems found at once (a template or campaign is checked whole).
    #[error("{} problems:\n{}", .0.len(), .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<Error>),

    /// A preset name is not one of the built-in presets.
    #[error("unknown preset {name:?}; run `affiche presets` to list them")]
    UnknownPreset { name: String },

    /// Rendering one poster failed (a panic in the renderer, an impossible size).
    #[error("row {row}: render failed: {message}")]
    Render { row: usize, message: String },
}

fn data_message(path: &std::path::Path, row: Option<usize>, column: Option<&str>, message: &str) -> String {
    match (row, column) {
        (Some(r), Some(c)) => format!("{}: row {r}, column {c:?}: {message}", path.display()),
        (Some(r), None) => format!("{}: row {r}: {message}", path.display()),
        (None, Some(c)) => format!("{}: column {c:?}: {message}", path.display()),
        (None, None) => format!("{}: {message}", path.display()),
    }
}

impl Error {
    /// Shorthand for an I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// An I/O error on `path`; when the file is missing, the message says what to check instead.
    pub fn io_or_missing(path: impl Into<PathBuf>, cause: std::io::Error, hint: &str) -> Self {
        let cause = match cause.kind() {
            std::io::ErrorKind::NotFound => std::io::Error::new(cause.kind(), format!("not found; {hint}")),
            _ => cause,
        };
        Error::io(path, cause)
    }

    /// Shorthand for a write error on `file` inside the output folder `folder`.
    pub fn output(folder: impl Into<PathBuf>, file: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Output {
            folder: folder.into(),
            file: file.into(),
            cause,
        }
    }

    /// One error from several: none is `Ok`, one is itself, more are [`Error::Problems`].
    pub fn from_many(mut errors: Vec<Error>) -> Result<()> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Problems(errors.into_iter().flat_map(Error::into_list).collect())),
        }
    }

    /// The individual problems: the list of a [`Error::Problems`], or this error alone.
    pub fn into_list(self) -> Vec<Error> {
        match self {
            Error::Problems(list) => list,
            e => vec![e],
        }
    }

    /// The 1-based data row (or order row) the error is about, if one.
    pub fn row(&self) -> Option<usize> {
        match self {
            Error::Photo { row, .. }
            | Error::TextOverflow { row, .. }
            | Error::MissingValue { row, .. }
            | Error::Render { row, .. } => Some(*row).filter(|&r| r > 0),
            Error::Data { row, .. } | Error::Order { row, .. } => *row,
            _ => None,
        }
    }

    /// The field, column or slot the error is about, if one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Photo { column: f, .. }
            | Error::TextOverflow { slot: f, .. }
            | Error::MissingValue { slot: f, .. }
            | Error::Order { field: f, .. } => Some(f),
            Error::Data { column, .. } => column.as_deref(),
            _ => None,
        }
    }

    /// Whether this error is about one row only (the batch goes on) rather than
    /// about the template, campaign or output folder (the batch cannot start).
    pub fn is_row_error(&self) -> bool {
        match self {
            Error::Photo { .. }
            | Error::TextOverflow { .. }
            | Error::MissingValue { .. }
            | Error::Render { .. }
            | Error::Order { .. } => true,
            Error::Data { row, .. } => row.is_some(),
            _ => false,
        }
    }
}

/// Result with affiche's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
