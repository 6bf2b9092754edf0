//! Compose: one record written into a variant, before any pixel. Each text value is
//! typeset into its slot (`typeset`, measured by `measure` with the very fonts that draw
//! it), the filled SVG is written, and hard drop shadows become vector copies (`shadow`).
//! `placement` decides where each photo goes at one output scale and prepares it there.
//!
//! May import: foundation modules, `data`, `photo`, `text`, `template`.

use std::collections::BTreeMap;
use std::sync::Arc;

use image::RgbaImage;

use crate::error::Result;
use crate::fonts::Fonts;
use crate::geometry::Bounds;
use crate::photo::face;
use crate::template::Template;
use crate::template::fill::{self, TextFill};
use measure::Measurements;

pub(crate) mod measure;
pub(crate) mod placement;
pub(crate) mod shadow;
pub(crate) mod typeset;

pub use typeset::{Overflow, TextReport};

/// One row's values, by field name, and its decoded photos.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// 1-based data row, used in error messages. Default: 0 (not from a file).
    pub row: usize,
    /// Text values by field (and placeholder column) name.
    pub values: BTreeMap<String, String>,
    /// Decoded photos by photo-slot field name (see [`crate::photo::decode`]).
    pub photos: BTreeMap<String, Arc<RgbaImage>>,
    /// Faces (largest first) and focus point per photo, from [`face::find`].
    /// Missing entries are detected when the poster renders; a batch fills
    /// them once per row so that presets share one detection.
    pub faces: BTreeMap<String, (Vec<face::Face>, [f32; 2])>,
}

impl Record {
    /// A record with text values only.
    pub fn from_values<K: Into<String>, V: Into<String>>(
        row: usize,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Record {
        Record {
            row,
            values: values.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            photos: BTreeMap::new(),
            faces: BTreeMap::new(),
        }
    }
}

impl Composed {
    /// The filled SVG, as handed to usvg: for debugging a template. The static elements
    /// drawn from layers when rasterizing are bracketed by `<!--affiche-overlay:N-->` comments.
    pub fn svg(&self) -> &str {
        &self.svg
    }
}

/// Options for composing and rendering one poster.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// What to do with text that cannot fit. Default: [`Overflow::Error`].
    pub overflow: Overflow,
}

/// A variant filled with one record: the text decisions, before any pixel.
#[derive(Debug, Clone)]
pub struct Composed {
    /// Index of the variant in [`Template::variants`].
    pub variant: usize,
    pub(crate) svg: String,
    pub texts: Vec<TextReport>,
    /// Fallback fonts, truncations and other text warnings.
    pub warnings: Vec<String>,
    /// Each text's ink, by field, in canvas units.
    pub inks: Vec<(String, Bounds)>,
}

/// Fills variant `variant` with `record`: fits every text slot into its box, measuring each
/// value once per measuring document (`measures`, shared by a row's variants and presets).
pub(crate) fn compose(
    template: &Template,
    variant: usize,
    record: &Record,
    options: &RenderOptions,
    fonts: &Fonts,
    measures: &Measurements,
) -> Result<Composed> {
    let v = &template.variants[variant];
    let mut sets = Vec::with_capacity(v.texts.len());
    for slot in &v.texts {
        sets.push((
            typeset::set(template, v, slot, record, options.overflow, fonts, measures)?,
            slot,
        ));
    }
    let fills: Vec<TextFill> = sets
        .iter()
        .map(|(s, slot)| TextFill::Fitted(&s.layout, template.rules_for(&slot.field).letter_spacing))
        .collect();
    Ok(Composed {
        variant,
        // A hard drop shadow drawn as an offset copy instead of a filter: the
        // same picture, without a filter layer the size of the element (the
        // name's shadow was most of a poster's drawing time).
        svg: crate::compose::shadow::vectorize(&fill::fill_svg(v, &record.values, &fills)).0,
        texts: sets.iter().map(|(s, _)| s.report.clone()).collect(),
        warnings: sets.iter().flat_map(|(s, _)| s.warnings.iter().cloned()).collect(),
        inks: sets
            .iter()
            .filter_map(|(s, slot)| Some((slot.field.clone(), s.ink?.mapped(slot.frame, slot.canvas))))
            .collect(),
    })
}
