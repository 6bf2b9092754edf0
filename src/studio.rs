//! Studio: one poster on demand, from field values and photo *bytes*, for the tools that
//! embed affiche (a campaign site's "make your own poster" page, the Python package,
//! `affiche serve`). Loaded once (template parsed, fonts read) and shared: [`Studio::render`]
//! takes `&self`, so one studio serves any number of threads. Nothing is read from or
//! written to disk per poster. A poster comes out byte for byte as a batch renders the
//! same row (`tests/it/studio.rs`), because both go through the same stages:
//! `batch::row_photos::decode_for`, `compose`, `raster`, `batch::row::finish` (encoding, budget, warnings).
//!
//! May import: every stage.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::batch::Batch;
use crate::batch::campaign::Campaign;
use crate::batch::row::{self, Drawn};
use crate::batch::row_photos::{self, PhotoFile};
use crate::compose::{Overflow, RenderOptions};
use crate::data::{self, Row};
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::output::delivery::Delivery;
use crate::output::{Encoding, Format};
use crate::pdf::PdfOptions;
use crate::preset::Preset;
use crate::raster::{self, Caches};
use crate::review::report::Entry;
use crate::template::{FieldKind, Template};

/// What a studio applies to every poster: the campaign settings that concern one poster.
#[derive(Debug, Clone, Default)]
pub struct StudioOptions {
    /// Field → `{column}` pattern filling a field the order leaves out from the values it
    /// does give (`name = "{prenom} {nom}"`), as a campaign's `[fields]`. Default: none.
    pub fields: BTreeMap<String, String>,
    /// Text that cannot fit. Default: [`Overflow::Error`].
    pub overflow: Overflow,
    /// Format (when the order names none) and JPEG/WebP quality. Default: PNG, quality 90.
    pub encoding: Encoding,
    /// Size budget, alt-text pattern and credit line. Default: none of them.
    pub delivery: Delivery,
    /// PDF bleed and crop marks. Default: neither.
    pub pdf: PdfOptions,
}

/// One poster asked of a [`Studio`].
#[derive(Debug, Clone, Default)]
pub struct Order {
    /// Text values by field name (or by column, for [`StudioOptions::fields`]' patterns).
    /// Values the template has no use for are ignored. Default: none.
    pub values: BTreeMap<String, String>,
    /// Photo bytes (JPEG, PNG, WebP, …) by photo field. Default: none.
    pub photos: BTreeMap<String, Vec<u8>>,
    /// Size. Default: `None`, the template's own size.
    pub preset: Option<Preset>,
    /// File format. Default: `None`, the studio's [`StudioOptions::encoding`].
    pub format: Option<Format>,
    /// Row number said in errors and in the entry (a caller's list of orders). Default: 0, none.
    pub row: usize,
}

/// A poster made by a [`Studio`]: its file's bytes and its report entry.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The encoded file.
    pub bytes: Vec<u8>,
    pub format: Format,
    /// Size in pixels (for a PDF: at 300 dpi).
    pub width: u32,
    pub height: u32,
    /// What a batch's report says of it: font sizes and lines, warnings, variant, alt text.
    /// `output` is empty: nothing was written.
    pub entry: Entry,
}

/// A template with its fonts, loaded once, rendering posters in memory.
#[derive(Debug)]
pub struct Studio {
    template: Template,
    fonts: Fonts,
    caches: Caches,
    options: StudioOptions,
}

impl Studio {
    /// A studio for `template`, drawn with `fonts`.
    pub fn new(template: Template, fonts: Fonts, options: StudioOptions) -> Studio {
        Studio {
            template,
            fonts,
            caches: Caches::default(),
            options,
        }
    }

    /// A campaign's studio: its template, fonts, `[fields]`, overflow, format and delivery,
    /// bound as its batch binds them (the data file's columns; [`Batch::load`]).
    pub fn from_campaign(campaign: Campaign) -> Result<Studio> {
        Ok(Studio::from_batch(Batch::load(campaign)?))
    }

    /// A loaded batch's studio, keeping what it has drawn and measured.
    pub fn from_batch(batch: Batch) -> Studio {
        let c = batch.campaign;
        Studio {
            template: batch.template,
            fonts: batch.fonts,
            caches: batch.caches,
            options: StudioOptions {
                fields: c.fields,
                overflow: c.overflow,
                encoding: c.encoding,
                delivery: c.delivery,
                pdf: c.pdf,
            },
        }
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    pub fn options(&self) -> &StudioOptions {
        &self.options
    }

    /// The template's photo fields, in its order: the keys [`Order::photos`] may have.
    pub fn photo_fields(&self) -> Vec<String> {
        let fields = self.template.fields().into_iter();
        fields.filter(|f| f.kind == FieldKind::Photo).map(|f| f.name).collect()
    }

    /// Renders one poster. A problem with the order's values or photos is an
    /// [`Error::Order`] naming the field; a renderer panic is an [`Error::Render`].
    pub fn render(&self, order: &Order) -> Result<Rendered> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.render_unguarded(order)))
            .unwrap_or_else(|panic| Err(crate::batch::panicked(order.row, &*panic)))
    }

    /// Renders every order on `jobs` threads (0: one per core), results in the orders' order.
    /// Number the orders' `row`s to have errors name them.
    pub fn render_all(&self, orders: &[Order], jobs: usize) -> Result<Vec<Result<Rendered>>> {
        crate::batch::par_map(orders, jobs, |_, o| self.render(o))
    }

    fn render_unguarded(&self, order: &Order) -> Result<Rendered> {
        let row = order.row;
        let values = self.values(order);
        let files = self.photo_files(order)?;
        let format = order.format.unwrap_or(self.options.encoding.format);
        let target = (order.preset.map_or("template", |p| p.name).to_string(), order.preset);
        let decoded = row_photos::decode_for(&self.template, row, values, &files, std::slice::from_ref(&target))
            .map_err(|e| by_field(e, row))?;
        let record = &decoded.record;
        let size = order.preset.map(|p| (p.width, p.height));
        let variant = size.map_or(0, |(w, h)| self.template.variant_index_for(w, h));
        let options = RenderOptions {
            overflow: self.options.overflow,
        };
        let composed = raster::compose(&self.template, variant, record, &options, &self.fonts, &self.caches)
            .map_err(|e| by_field(e, row))?;
        let alt = match &self.options.delivery.alt {
            Some(pattern) => Some(
                data::interpolate(
                    pattern,
                    &Row {
                        number: row,
                        values: record.values.clone(),
                    },
                )
                .map_err(|column| Error::Order {
                    row: (row > 0).then_some(row),
                    field: column,
                    message: format!("the alt-text pattern {pattern:?} needs this value"),
                })?,
            ),
            None => None,
        };
        let mut entry = Entry {
            row,
            name: record.values.get("name").cloned().unwrap_or_default(),
            preset: target.0.clone(),
            alt,
            decodes: decoded.decodes,
            ..Default::default()
        };
        let v = &self.template.variants[variant];
        let ((width, height), _) = crate::template::canvas::output_size(v, size);
        let drawn = if format == Format::Pdf {
            Drawn::Pdf(crate::pdf::to_pdf(
                &self.template,
                &composed,
                record,
                size,
                &self.options.pdf,
                &self.fonts,
            )?)
        } else {
            Drawn::Raster(raster::rasterize(
                &self.template,
                &composed,
                record,
                size,
                &self.fonts,
                &self.caches,
            )?)
        };
        let encoding = Encoding {
            format,
            quality: self.options.encoding.quality,
        };
        let bytes = row::finish(
            drawn,
            encoding,
            &self.options.delivery,
            &target.0,
            order.preset,
            &mut entry,
        );
        Ok(Rendered {
            bytes,
            format,
            width,
            height,
            entry,
        })
    }

    /// The order's values, with the fields it leaves out filled from the options' patterns
    /// where the values those need are given.
    fn values(&self, order: &Order) -> BTreeMap<String, String> {
        let mut values = order.values.clone();
        let given = Row {
            number: order.row,
            values: order.values.clone(),
        };
        for (field, pattern) in &self.options.fields {
            if !values.contains_key(field)
                && let Ok(v) = data::interpolate(pattern, &given)
            {
                values.insert(field.clone(), v);
            }
        }
        values
    }

    /// The order's photos as the batch's photo files; only bytes, never a path to read.
    fn photo_files(&self, order: &Order) -> Result<Vec<PhotoFile>> {
        let row = (order.row > 0).then_some(order.row);
        let fields = self.photo_fields();
        if let Some(unknown) = order.photos.keys().find(|k| !fields.contains(k)) {
            return Err(Error::Order {
                row,
                field: unknown.clone(),
                message: format!("the template has no photo field by this name; its photo fields: {fields:?}"),
            });
        }
        let mut files = Vec::new();
        for field in fields {
            match order.photos.get(&field) {
                Some(bytes) if !bytes.is_empty() => files.push(PhotoFile {
                    path: PathBuf::from(format!("({field})")),
                    field,
                    bytes: bytes.clone(),
                }),
                _ if self.template.rules_for(&field).required => {
                    return Err(Error::Order {
                        row,
                        field,
                        message: "no photo given, and the template requires one".into(),
                    });
                }
                _ => {}
            }
        }
        Ok(files)
    }
}

/// A row error of the batch's stages said of the order's field instead: the order has no
/// file and no data row to name.
fn by_field(e: Error, row: usize) -> Error {
    let row = (row > 0).then_some(row);
    match e {
        Error::Photo { column, message, .. } => Error::Order {
            row,
            field: column,
            message: format!("photo: {message}"),
        },
        Error::TextOverflow { slot, message, .. } => Error::Order {
            row,
            field: slot,
            message,
        },
        Error::MissingValue { slot, .. } => Error::Order {
            row,
            field: slot,
            message: "value is empty, and the template requires it".into(),
        },
        e => e,
    }
}
