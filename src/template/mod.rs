//! Template: a folder of SVG variants plus an optional `template.toml`, or a single SVG
//! file, loaded once (`load`) and shared by every row and thread. Owns the slots (`slot`:
//! by `id` or Inkscape label; `slot/bind`: which named elements the data binds, the rest
//! artwork), the fields it lists (`field`), the fonts it asks for (`font_use`,
//! `font_alias`), the manifest's rules (`manifest`), the internal ids
//! (`ids`), the static parts (`statics`), where the canvas lands on an output (`canvas`),
//! the files a template may read (`confine`) and the filled SVG (`fill`). Holds no cache:
//! what posters share is the caller's (`raster::Caches`).
//!
//! May import: foundation modules, `data`, `photo`, `text`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) mod canvas;
pub(crate) mod confine;
pub(crate) mod field;
pub(crate) mod fill;
mod font_alias;
pub(crate) mod font_use;
pub(crate) mod ids;
pub(crate) mod load;
mod manifest;
mod probe;
mod referenced;
pub(crate) mod slot;
pub(crate) mod statics;

pub use self::field::{FieldInfo, FieldKind, Unbound};
pub use self::font_use::FontUse;
use self::slot::{PhotoSlot, TextSlot};
pub use crate::template::manifest::SlotRules;

/// Whether `path` names a template file: `.svg`, or gzip-compressed `.svgz`.
pub fn is_svg_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg") || e.eq_ignore_ascii_case("svgz"))
}

/// The template's own font folder: `fonts/` inside a template folder, or beside a single SVG
/// file. Campaigns and `affiche fields` read it after the font folders they are given.
pub fn own_fonts_dir(template: &Path) -> PathBuf {
    if template.is_dir() {
        template.join("fonts")
    } else {
        template.with_file_name("fonts")
    }
}

/// One layout of a template (square, story, …): an SVG file and its slots.
#[derive(Debug)]
pub struct Variant {
    /// File stem, such as `square`.
    pub name: String,
    /// The SVG file.
    pub path: PathBuf,
    /// Canvas width in template units.
    pub width: f32,
    /// Canvas height in template units.
    pub height: f32,
    /// Text slots, in document order.
    pub texts: Vec<TextSlot>,
    /// Photo slots, in document order.
    pub photos: Vec<PhotoSlot>,
    /// Columns named by `{{column}}` placeholders, with their defaults.
    pub placeholders: Vec<(String, Option<String>)>,
    pub(crate) source: String,
    /// Byte ranges removed from the output (box and face rectangles).
    pub(crate) removals: Vec<Range<usize>>,
    /// `<style>` elements' text, needed to measure text as it will be drawn.
    pub(crate) styles: String,
    /// Filters drawn, with their regions on the canvas (for the caps at each output size).
    pub(crate) filters: Vec<crate::limits::FilterUse>,
    /// The static part drawn before any slot, rendered once per size.
    pub(crate) background: Option<crate::template::statics::Background>,
    /// Runs of static elements above the first slot, drawn from layers.
    pub(crate) overlays: crate::template::statics::Overlays,
    /// Photo fields whose top-level element holds no placeholder, so that its
    /// [`crate::raster::window`] is the same on every row.
    pub(crate) fixed_photos: Vec<String>,
}

impl Variant {
    /// Width divided by height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }
}

/// A loaded template: parsed once, shared by every row and thread.
#[derive(Debug)]
pub struct Template {
    /// Folder name (or file stem for a single SVG).
    pub name: String,
    /// Folder or file it was loaded from.
    pub path: PathBuf,
    /// The manifest's description, or empty.
    pub description: String,
    /// Rules per field name (defaults for fields the manifest does not list).
    pub rules: BTreeMap<String, SlotRules>,
    /// Variants sorted by name.
    pub variants: Vec<Variant>,
    /// Fallback families of every slot, in manifest order: the font resolver's preference.
    pub fallbacks: Vec<String>,
    /// Hash of the manifest, every variant and every referenced file, for incremental runs.
    pub fingerprint: [u8; 32],
    /// Template-local files referenced by `<image href>`, read once at load.
    pub(crate) assets: Arc<BTreeMap<String, Arc<Vec<u8>>>>,
    /// Named elements that could be slots but that nothing binds (no column, no manifest
    /// entry, no box): drawn as in the file. A misspelt column shows up here.
    pub unbound: Vec<Unbound>,
    /// What a designer should know that does not stop the template rendering (flowed text
    /// that renderers do not draw, a text named like a column but without a box).
    pub notes: Vec<String>,
    /// The font families the drawing and the manifest ask for, with the elements asking and
    /// whether the font folders have them.
    pub fonts: Vec<FontUse>,
}

impl Template {
    /// Every field the template binds: text and photo slots, then placeholders.
    pub fn fields(&self) -> Vec<FieldInfo> {
        let mut out: Vec<FieldInfo> = Vec::new();
        let mut add = |name: &str, kind: FieldKind, variant: &str| match out.iter_mut().find(|f| f.name == name) {
            Some(f) => f.variants.push(variant.to_string()),
            None => out.push(FieldInfo {
                name: name.to_string(),
                kind,
                variants: vec![variant.to_string()],
            }),
        };
        for v in &self.variants {
            v.texts.iter().for_each(|s| add(&s.field, FieldKind::Text, &v.name));
            v.photos.iter().for_each(|s| add(&s.field, FieldKind::Photo, &v.name));
            v.placeholders
                .iter()
                .for_each(|(c, _)| add(c, FieldKind::Placeholder, &v.name));
        }
        out.dedup_by(|a, b| a.name == b.name && a.kind == b.kind);
        out
    }

    /// Rules for a field (defaults when the manifest does not list it).
    pub fn rules_for(&self, field: &str) -> SlotRules {
        self.rules.get(field).cloned().unwrap_or_default()
    }

    /// The variant whose aspect ratio is nearest to `width`×`height`.
    pub fn variant_for(&self, width: u32, height: u32) -> &Variant {
        &self.variants[self.variant_index_for(width, height)]
    }

    /// Index in [`Template::variants`] of [`Template::variant_for`]`(width, height)`.
    pub fn variant_index_for(&self, width: u32, height: u32) -> usize {
        let target = f64::from(width) / f64::from(height);
        crate::preset::nearest_aspect(target, self.variants.iter().map(Variant::aspect)).unwrap_or(0)
    }
}

/// The sample template (`templates/hero`) with the repository's fonts, for unit tests.
#[cfg(test)]
pub(crate) fn sample() -> (crate::fonts::Fonts, Template) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fonts = crate::fonts::Fonts::from_dir(root.join("fonts")).unwrap();
    let template = Template::load(root.join("templates/hero"), &fonts).unwrap();
    (fonts, template)
}
