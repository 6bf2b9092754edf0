//! A row as Python hands it (a dict, a DataFrame record) turned into an [`Order`]: cells read
//! as text under the GIL, then photo file names read from the photos folder without it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use affiche::tables::{Row, interpolate};
use affiche::{Error, Order};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyString};

/// One row's cells, read from Python: text by column, and photo fields' values.
#[derive(Debug, Default)]
pub struct RowIn {
    pub values: BTreeMap<String, String>,
    pub photos: BTreeMap<String, Photo>,
}

/// A photo field's value: the photo's bytes, or a file name in the photos folder.
#[derive(Debug)]
pub enum Photo {
    Bytes(Vec<u8>),
    File(String),
}

/// Reads a mapping's cells. A photo field's cell is a photo (bytes, or a file name; empty
/// and missing ones are no photo); every other cell is text ([`text`]).
pub fn read(row: &Bound<'_, PyAny>, photo_fields: &[String]) -> PyResult<RowIn> {
    let mut out = RowIn::default();
    for item in row.call_method0("items")?.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        // pandas allows any column label: say it as Python would.
        let key = key.str()?.to_string();
        if let Some(bytes) = bytes_of(&value) {
            out.photos.insert(key, Photo::Bytes(bytes));
        } else if photo_fields.contains(&key) {
            let name = text(&value)?;
            if !name.is_empty() {
                out.photos.insert(key, Photo::File(name));
            }
        } else {
            out.values.insert(key, text(&value)?);
        }
    }
    Ok(out)
}

/// `bytes` or `bytearray` contents; `None` for anything else.
pub fn bytes_of(value: &Bound<'_, PyAny>) -> Option<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Some(b.as_bytes().to_vec())
    } else {
        value.cast::<PyByteArray>().ok().map(|b| b.to_vec())
    }
}

/// A cell as text: `None`, NaN and pandas' `NA`/`NaT` (missing cells) are empty; a float
/// holding a whole number is written without `.0` (pandas reads an integer column with
/// gaps as floats); anything else as `str()` says it.
pub fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_none() {
        return Ok(String::new());
    }
    if let Ok(s) = value.cast::<PyString>() {
        return s.extract();
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(value.str()?.to_string());
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let x = f.value();
        if x.is_nan() {
            return Ok(String::new());
        }
        // Whole numbers up to 2^53 are exact in a float.
        if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
            return Ok(format!("{}", x as i64));
        }
        return Ok(value.str()?.to_string());
    }
    let kind = value.get_type().name()?.to_string();
    // pandas' missing values; NaN of other float types (NumPy's float32) is unequal to itself.
    if kind == "NAType" || kind == "NaTType" || value.ne(value).unwrap_or(false) {
        return Ok(String::new());
    }
    Ok(value.str()?.to_string())
}

/// A folder photo file names are read from, checked once for a list of rows.
pub struct PhotosDir {
    /// As given, for messages.
    given: PathBuf,
    /// Its canonical path, which every photo read must stay under; or why there is none.
    real: Result<PathBuf, String>,
}

impl PhotosDir {
    pub fn new(dir: &Path) -> PhotosDir {
        let real = match dir.canonicalize() {
            Ok(real) if real.is_dir() => Ok(real),
            Ok(_) => Err(format!("photos_dir {}: not a folder", dir.display())),
            Err(e) => Err(format!("photos_dir {}: {e}", dir.display())),
        };
        PhotosDir {
            given: dir.to_path_buf(),
            real,
        }
    }

    /// Whether the folder is there to read from.
    pub fn check(&self) -> Result<(), String> {
        self.real.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// The bytes of `name`, a file inside the folder: a name leading out of it (`../x`, an
    /// absolute path, a link to elsewhere) is refused, since rows may come from anyone.
    pub fn read(&self, name: &str) -> Result<Vec<u8>, String> {
        let root = self.real.as_ref().map_err(Clone::clone)?;
        let what = format!("photos_dir {}", self.given.display());
        affiche::photos::read_in(root, name, &what).map_err(|m| format!("photo file {name:?}: {m}"))
    }
}

/// What turns a [`RowIn`] into an [`Order`], the same for every row of a list.
pub struct Resolver<'a> {
    /// The template's photo fields.
    pub photo_fields: &'a [String],
    /// Field → `{column}` pattern (a campaign's `[fields]`): fills a photo field the row
    /// leaves out with a file name from its columns (`photo = "{portrait}"`).
    pub patterns: &'a BTreeMap<String, String>,
    pub photos_dir: Option<&'a PhotosDir>,
    pub preset: Option<affiche::Preset>,
    pub format: Option<affiche::files::Format>,
}

impl Resolver<'_> {
    /// The order of row `number` (1-based; 0 for a single poster, named by no row). A photo
    /// that cannot be read is an [`Error::Order`] naming the row and field.
    pub fn order(&self, row: RowIn, number: usize) -> Result<Order, Error> {
        let RowIn { values, mut photos } = row;
        for field in self.photo_fields {
            if photos.contains_key(field) {
                continue;
            }
            let Some(pattern) = self.patterns.get(field) else {
                continue;
            };
            let columns = Row {
                number,
                values: values.clone(),
            };
            if let Ok(name) = interpolate(pattern, &columns)
                && !name.trim().is_empty()
            {
                photos.insert(field.clone(), Photo::File(name));
            }
        }
        let fail = |field: &str, message: String| Error::Order {
            row: (number > 0).then_some(number),
            field: field.to_string(),
            message,
        };
        let mut bytes = BTreeMap::new();
        for (field, photo) in photos {
            let data = match photo {
                Photo::Bytes(b) => b,
                Photo::File(name) => match self.photos_dir {
                    Some(dir) => dir.read(&name).map_err(|m| fail(&field, m))?,
                    None => {
                        return Err(fail(
                            &field,
                            format!(
                                "{name:?} names a photo file, but there is no photos folder to read it from (render_many's photos_dir=, or a campaign's photos); pass photos_dir= or give the photo's bytes"
                            ),
                        ));
                    }
                },
            };
            bytes.insert(field, data);
        }
        Ok(Order {
            values,
            photos: bytes,
            preset: self.preset,
            format: self.format,
            row: number,
        })
    }
}
