//! `affiche.Template`: a template (or a campaign's) loaded once, rendering posters from
//! values and photo bytes. Frozen and `Sync`, so Python threads share one; every load and
//! render runs with the GIL released.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use affiche::files::{Encoding, Format};
use affiche::{Campaign, CampaignFile, Error, FontOptions, Fonts, Overflow, Preset, Rendered, Studio, StudioOptions};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::{affiche_error, load_error, render_error, render_error_value};
use crate::poster::Poster;
use crate::rows::{self, Photo, PhotosDir, Resolver, RowIn};

/// A template loaded once, with its fonts; renders posters in memory from any thread.
#[pyclass(module = "affiche", frozen)]
pub struct Template {
    studio: Arc<Studio>,
    /// Its photo fields, in template order: `photo=` fills the only one, and a row's cell
    /// for one is a photo rather than text.
    photo_fields: Vec<String>,
    /// A campaign's photos folder: where rows' photo file names are read by default.
    photos_dir: Option<PathBuf>,
}

#[pymethods]
impl Template {
    /// A template folder or SVG file, drawn with the fonts in `fonts` (a folder or a list;
    /// default: `fonts` in the working directory) and the template's own `fonts/` folder.
    #[staticmethod]
    #[pyo3(signature = (path, fonts=None, *, fields=None, overflow="error", format="png", quality=90, system_fonts=false))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments.
    fn load(
        py: Python<'_>,
        path: PathBuf,
        fonts: Option<&Bound<'_, PyAny>>,
        fields: Option<BTreeMap<String, String>>,
        overflow: &str,
        format: &str,
        quality: i64,
        system_fonts: bool,
    ) -> PyResult<Template> {
        let fonts = match fonts {
            None => None,
            Some(f) => Some(match f.extract::<PathBuf>() {
                Ok(one) => vec![one],
                Err(_) => f.extract::<Vec<PathBuf>>()?,
            }),
        };
        let overflow = match overflow {
            "error" => Overflow::Error,
            "truncate" => Overflow::Truncate,
            "warn" => Overflow::Warn,
            other => {
                return Err(affiche_error(
                    py,
                    format!("overflow={other:?}: use \"error\", \"truncate\" or \"warn\""),
                ));
            }
        };
        let format = parse_format(py, format)?;
        let quality = u8::try_from(quality)
            .ok()
            .filter(|q| (1..=100).contains(q))
            .ok_or_else(|| affiche_error(py, format!("quality={quality}: give 1 to 100")))?;
        let dirs = font_dirs(&path, fonts);
        if dirs.is_empty() && !system_fonts {
            return Err(affiche_error(
                py,
                format!(
                    "template {}: no font folder: there is no `fonts` folder in the working directory nor in the template; pass fonts=\"a folder of .ttf/.otf files\"",
                    path.display()
                ),
            ));
        }
        let options = StudioOptions {
            fields: fields.unwrap_or_default(),
            overflow,
            encoding: Encoding { format, quality },
            ..Default::default()
        };
        let studio = py
            .detach(|| -> Result<Studio, Error> {
                let fonts = Fonts::load(&FontOptions {
                    dirs,
                    system: system_fonts,
                })?;
                // Bound as a campaign binds its columns: the fields given patterns, and `photo`.
                let mut names: Vec<&str> = options.fields.keys().map(String::as_str).collect();
                names.push("photo");
                let template = affiche::Template::load_binding(&path, &fonts, &names)?;
                Ok(Studio::new(template, fonts, options))
            })
            .map_err(|e| load_error(py, &e))?;
        Ok(Template::new(studio, None))
    }

    /// A campaign file's template, fonts, `[fields]` patterns, overflow, format and delivery
    /// settings; rows may then give its data file's columns, and photo file names from its
    /// photos folder.
    #[staticmethod]
    fn from_campaign(py: Python<'_>, path: PathBuf) -> PyResult<Template> {
        let (studio, photos) = py
            .detach(|| -> Result<(Studio, PathBuf), Error> {
                let campaign = Campaign::resolve(CampaignFile::load(&path)?, &path)?;
                let photos = campaign.photos.clone();
                Ok((Studio::from_campaign(campaign)?, photos))
            })
            .map_err(|e| load_error(py, &e))?;
        Ok(Template::new(studio, Some(photos)))
    }

    /// What the template binds: `[{"name", "kind" ("text", "photo", "placeholder"), "variants"}, …]`.
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.studio
            .template()
            .fields()
            .into_iter()
            .map(|f| {
                let d = PyDict::new(py);
                d.set_item("name", f.name)?;
                d.set_item("kind", f.kind.to_string())?;
                d.set_item("variants", f.variants)?;
                Ok(d)
            })
            .collect()
    }

    /// The template's name (its folder's, or its SVG file's stem).
    #[getter]
    fn name(&self) -> &str {
        &self.studio.template().name
    }

    fn __repr__(&self) -> String {
        let t = self.studio.template();
        format!("<affiche.Template {:?} from {}>", t.name, t.path.display())
    }

    /// One poster's file bytes; the arguments are `poster()`'s.
    #[pyo3(signature = (values, photo=None, *, photos=None, preset=None, format=None))]
    fn render(
        &self,
        py: Python<'_>,
        values: &Bound<'_, PyAny>,
        photo: Option<&Bound<'_, PyAny>>,
        photos: Option<&Bound<'_, PyDict>>,
        preset: Option<&str>,
        format: Option<&str>,
    ) -> PyResult<Py<PyBytes>> {
        let made = self.make(py, values, photo, photos, preset, format)?;
        Ok(PyBytes::new(py, &made.bytes).unbind())
    }

    /// One poster from `values` (field or column → value), `photo` (the bytes of the
    /// template's only photo field) or `photos` (field → bytes), at `preset`'s size (default:
    /// the template's) in `format` (default: the template's or campaign's).
    #[pyo3(signature = (values, photo=None, *, photos=None, preset=None, format=None))]
    fn poster(
        &self,
        py: Python<'_>,
        values: &Bound<'_, PyAny>,
        photo: Option<&Bound<'_, PyAny>>,
        photos: Option<&Bound<'_, PyDict>>,
        preset: Option<&str>,
        format: Option<&str>,
    ) -> PyResult<Poster> {
        let made = self.make(py, values, photo, photos, preset, format)?;
        Poster::new(py, made)
    }

    /// Many posters' bytes, in the rows' order, rendered on `jobs` threads (0: one per core).
    /// `rows`: mappings, or a DataFrame (anything with `.to_dict("records")`). A photo
    /// field's cell is bytes or a file name in `photos_dir`. `errors="raise"` raises the first
    /// failing row's `RenderError` once every row is rendered; `"collect"` puts it in the list.
    #[pyo3(signature = (rows, *, preset=None, format=None, photos_dir=None, jobs=0, errors="raise"))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments.
    fn render_many(
        &self,
        py: Python<'_>,
        rows: &Bound<'_, PyAny>,
        preset: Option<&str>,
        format: Option<&str>,
        photos_dir: Option<PathBuf>,
        jobs: usize,
        errors: &str,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let collect = match errors {
            "raise" => false,
            "collect" => true,
            other => {
                return Err(affiche_error(
                    py,
                    format!("errors={other:?}: use \"raise\" or \"collect\""),
                ));
            }
        };
        let (preset, format) = (
            parse_preset(py, preset)?,
            format.map(|f| parse_format(py, f)).transpose()?,
        );
        let dir = match (&photos_dir, &self.photos_dir) {
            (Some(given), _) => {
                let dir = PhotosDir::new(given);
                dir.check().map_err(|m| affiche_error(py, m))?;
                Some(dir)
            }
            (None, campaign) => campaign.as_deref().map(PhotosDir::new),
        };
        let table = read_rows(rows, &self.photo_fields)?;
        let resolver = self.resolver(dir.as_ref(), preset, format);
        let results = py
            .detach(|| -> Result<Vec<Result<Rendered, Error>>, Error> {
                // Rows whose photos cannot be read fail alone; the others render together.
                let prepared: Vec<Result<affiche::Order, Error>> = table
                    .into_iter()
                    .enumerate()
                    .map(|(i, row)| resolver.order(row, i + 1))
                    .collect();
                let mut failed = Vec::with_capacity(prepared.len());
                let mut orders = Vec::new();
                for p in prepared {
                    match p {
                        Ok(order) => {
                            orders.push(order);
                            failed.push(None);
                        }
                        Err(e) => failed.push(Some(e)),
                    }
                }
                let mut made = self.studio.render_all(&orders, jobs)?.into_iter();
                Ok(failed
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| match e {
                        Some(e) => Err(e),
                        None => made.next().unwrap_or_else(|| {
                            Err(Error::Render {
                                row: i + 1,
                                message: "no result came back for this row".into(),
                            })
                        }),
                    })
                    .collect())
            })
            .map_err(|e| load_error(py, &e))?;
        if !collect && let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
            return Err(render_error(py, e));
        }
        results
            .into_iter()
            .map(|r| match r {
                Ok(made) => Ok(PyBytes::new(py, &made.bytes).into_any().unbind()),
                Err(e) => Ok(render_error_value(py, &e)?.unbind()),
            })
            .collect()
    }
}

impl Template {
    fn new(studio: Studio, photos_dir: Option<PathBuf>) -> Template {
        let photo_fields = studio.photo_fields();
        Template {
            studio: Arc::new(studio),
            photo_fields,
            photos_dir,
        }
    }

    fn resolver<'a>(
        &'a self,
        dir: Option<&'a PhotosDir>,
        preset: Option<Preset>,
        format: Option<Format>,
    ) -> Resolver<'a> {
        Resolver {
            photo_fields: &self.photo_fields,
            patterns: &self.studio.options().fields,
            photos_dir: dir,
            preset,
            format,
        }
    }

    /// One poster, for `render` and `poster`.
    fn make(
        &self,
        py: Python<'_>,
        values: &Bound<'_, PyAny>,
        photo: Option<&Bound<'_, PyAny>>,
        photos: Option<&Bound<'_, PyDict>>,
        preset: Option<&str>,
        format: Option<&str>,
    ) -> PyResult<Rendered> {
        let (preset, format) = (
            parse_preset(py, preset)?,
            format.map(|f| parse_format(py, f)).transpose()?,
        );
        let mut row = rows::read(values, &self.photo_fields)?;
        self.add_photos(py, &mut row, photo, photos)?;
        let dir = self.photos_dir.as_deref().map(PhotosDir::new);
        let resolver = self.resolver(dir.as_ref(), preset, format);
        py.detach(|| resolver.order(row, 0).and_then(|order| self.studio.render(&order)))
            .map_err(|e| render_error(py, &e))
    }

    /// `photo=` (the only photo field's bytes) and `photos=` (field → bytes) into the row.
    fn add_photos(
        &self,
        py: Python<'_>,
        row: &mut RowIn,
        photo: Option<&Bound<'_, PyAny>>,
        photos: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let mut given: Vec<(String, Bound<'_, PyAny>)> = Vec::new();
        if let Some(photo) = photo {
            let [field] = self.photo_fields.as_slice() else {
                return Err(affiche_error(
                    py,
                    format!(
                        "photo= fills the template's only photo field, but its photo fields are {:?}; pass photos={{field: bytes}}",
                        self.photo_fields
                    ),
                ));
            };
            given.push((field.clone(), photo.clone()));
        }
        for (field, bytes) in photos.iter().flat_map(|d| d.iter()) {
            given.push((field.extract()?, bytes));
        }
        for (field, value) in given {
            let bytes = rows::bytes_of(&value).ok_or_else(|| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "photo for field {field:?}: expected bytes, got {}",
                    value.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                ))
            })?;
            if row.photos.insert(field.clone(), Photo::Bytes(bytes)).is_some() {
                return Err(affiche_error(py, format!("field {field:?}: photo given twice")));
            }
        }
        Ok(())
    }
}

/// The rows of a list of mappings or of a DataFrame, read under the GIL.
fn read_rows(rows: &Bound<'_, PyAny>, photo_fields: &[String]) -> PyResult<Vec<RowIn>> {
    // A DataFrame iterates over its column names: take its records instead.
    let rows = if !rows.is_instance_of::<PyDict>() && rows.hasattr("to_dict")? {
        rows.call_method1("to_dict", ("records",))?
    } else {
        rows.clone()
    };
    let mut out = Vec::new();
    for (i, row) in rows.try_iter()?.enumerate() {
        let row = row?;
        if !row.hasattr("items")? {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "row {}: expected a mapping of column to value, got {}",
                i + 1,
                row.get_type().name()?
            )));
        }
        out.push(rows::read(&row, photo_fields)?);
    }
    Ok(out)
}

/// The font folders of `Template.load`: those given, else `fonts` in the working directory if
/// there is one; then the template's own `fonts/` folder, as a campaign has them.
fn font_dirs(template: &Path, given: Option<Vec<PathBuf>>) -> Vec<PathBuf> {
    let mut dirs = given.unwrap_or_else(|| {
        let here = PathBuf::from("fonts");
        if here.is_dir() { vec![here] } else { Vec::new() }
    });
    let own = affiche::own_fonts_dir(template);
    if own.is_dir() && !dirs.contains(&own) {
        dirs.push(own);
    }
    dirs
}

fn parse_preset(py: Python<'_>, name: Option<&str>) -> PyResult<Option<Preset>> {
    name.map(|n| Preset::find(n).map_err(|e| load_error(py, &e)))
        .transpose()
}

fn parse_format(py: Python<'_>, name: &str) -> PyResult<Format> {
    Format::parse(name).ok_or_else(|| {
        affiche_error(
            py,
            format!("format={name:?}: use \"png\", \"jpeg\", \"webp\", \"webp-lossless\" or \"pdf\""),
        )
    })
}
