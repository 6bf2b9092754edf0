//! Templates: a folder of SVG variants plus an optional `template.toml`, or a
//! single SVG file. Loading finds the slots (by `id` or Inkscape label), checks
//! fonts and references, and parses each variant once to learn its geometry.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fill;
use crate::fonts::Fonts;
use crate::slot::{self, PhotoSlot, TextSlot};

use crate::caps::MAX_SVG_BYTES;
use crate::manifest::Manifest;
pub use crate::manifest::{MANIFEST, SlotRules};

/// Whether `path` names a template file: `.svg`, or gzip-compressed `.svgz`.
pub fn is_svg_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg") || e.eq_ignore_ascii_case("svgz"))
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
    pub(crate) filters: Vec<crate::caps::FilterUse>,
    /// The static part drawn before any slot, rendered once per size.
    pub(crate) background: Option<crate::layers::Background>,
    /// Runs of static elements above the first slot, drawn from layers.
    pub(crate) overlays: crate::layers::Overlays,
    /// Photo fields whose top-level element holds no placeholder, so that its
    /// [`crate::window`] is the same on every row.
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
    /// Rendered static backgrounds, by variant and size.
    pub(crate) backgrounds: crate::layers::Cache,
    /// Photo slots' windows, by variant, field and size.
    pub(crate) windows: crate::window::Cache,
    /// Static runs above the first slot drawn as layers, by variant and size.
    pub(crate) overlays: crate::overlay::Cache,
    /// Text measurements, by measuring document (shared by a row's variants).
    pub(crate) measures: crate::measure::Cache,
    /// Template-local files referenced by `<image href>`, read once at load.
    pub(crate) assets: Arc<BTreeMap<String, Arc<Vec<u8>>>>,
}

impl Template {
    /// Loads a template folder (every `*.svg` and `*.svgz` in it is a variant) or a single SVG file.
    pub fn load(path: impl AsRef<Path>, fonts: &Fonts) -> Result<Template> {
        Template::load_with(path.as_ref(), fonts, &|_| None)
    }

    /// [`Template::load`] with the placeholders that hold one value on every row
    /// filled ahead (`constant(name)`: see [`crate::fill::substitute_constants`]), so
    /// that the elements holding them count as static: drawn once into the cached
    /// background and overlay layers instead of on every poster. The fingerprint
    /// covers the filled text, so a change of those values renders everything again.
    pub(crate) fn load_with(
        path: &Path,
        fonts: &Fonts,
        constant: &dyn Fn(&str) -> Option<Option<String>>,
    ) -> Result<Template> {
        let hint = "check `template` in the campaign (relative to the campaign file) or --template; `affiche templates` lists templates";
        let meta = std::fs::metadata(path).map_err(|e| Error::io_or_missing(path, e, hint))?;
        let (folder, files, (manifest_text, manifest)) = if meta.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_svg_file(p))
                .collect();
            files.sort();
            (path.to_path_buf(), files, Manifest::read(path)?)
        } else {
            let folder = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            (folder, vec![path.to_path_buf()], (String::new(), Manifest::default()))
        };
        if files.is_empty() {
            return Err(Error::Template {
                path: path.to_path_buf(),
                message: "no .svg or .svgz file in the template folder".into(),
            });
        }
        let name = manifest.name.clone().unwrap_or_else(|| stem(path));
        let mut assets = BTreeMap::new();
        let mut variants = Vec::new();
        let mut problems = Vec::new();
        for file in &files {
            match load_variant(file, &folder, &manifest, fonts, &mut assets, constant) {
                Ok(v) => variants.push(v),
                Err(e) => problems.extend(e.into_list()),
            }
        }
        Error::from_many(std::mem::take(&mut problems))?;
        let mut rules = manifest.fields;
        for v in &variants {
            for field in v
                .texts
                .iter()
                .map(|s| &s.field)
                .chain(v.photos.iter().map(|s| &s.field))
            {
                rules.entry(field.clone()).or_default();
            }
        }
        if let Some(unused) = rules.keys().find(|f| {
            !variants
                .iter()
                .any(|v| v.texts.iter().any(|s| &s.field == *f) || v.photos.iter().any(|s| &s.field == *f))
        }) {
            return Err(Error::Template {
                path: path.join(MANIFEST),
                message: format!(
                    "field {unused:?} is in the manifest but no variant has a slot with that id or label (a <text> with a {unused:?}-box rect, or an <image>)"
                ),
            });
        }
        let mut fallbacks: Vec<String> = Vec::new();
        for (field, r) in &rules {
            for family in &r.fonts {
                if !fonts.has_family(family) {
                    problems.push(Error::MissingFont {
                        path: path.join(MANIFEST),
                        slot: field.clone(),
                        family: family.clone(),
                    });
                } else if !fallbacks.contains(family) {
                    fallbacks.push(family.clone());
                }
            }
        }
        Error::from_many(problems)?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(manifest_text.as_bytes());
        for v in &variants {
            hasher.update(v.name.as_bytes());
            hasher.update(v.source.as_bytes());
        }
        for (href, bytes) in &assets {
            hasher.update(href.as_bytes());
            hasher.update(bytes);
        }
        let mut template = Template {
            fingerprint: *hasher.finalize().as_bytes(),
            backgrounds: Default::default(),
            windows: Default::default(),
            overlays: Default::default(),
            measures: Default::default(),
            fallbacks,
            name,
            path: path.to_path_buf(),
            description: manifest.description,
            rules,
            variants,
            assets: Arc::new(assets),
        };
        for i in 0..template.variants.len() {
            let geometry = fill::analyse(&template, i, fonts)?;
            let v = &mut template.variants[i];
            (v.width, v.height) = geometry.size;
            v.filters = geometry.filters;
            for (slot, canvas) in v.photos.iter_mut().zip(geometry.photo_frames) {
                slot.canvas = canvas;
            }
            for (slot, canvas) in v.texts.iter_mut().zip(geometry.text_frames) {
                slot.canvas = canvas;
            }
        }
        Ok(template)
    }

    /// Every field the template binds: text and photo slots, then placeholders.
    pub fn fields(&self) -> Vec<FieldInfo> {
        let mut out: Vec<FieldInfo> = Vec::new();
        let mut add = |name: &str, kind: &'static str, variant: &str| match out.iter_mut().find(|f| f.name == name) {
            Some(f) => f.variants.push(variant.to_string()),
            None => out.push(FieldInfo {
                name: name.to_string(),
                kind,
                variants: vec![variant.to_string()],
            }),
        };
        for v in &self.variants {
            v.texts.iter().for_each(|s| add(&s.field, "text", &v.name));
            v.photos.iter().for_each(|s| add(&s.field, "photo", &v.name));
            v.placeholders.iter().for_each(|(c, _)| add(c, "placeholder", &v.name));
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

/// One binding of a template, as `affiche fields` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    pub name: String,
    /// `text`, `photo` or `placeholder`.
    pub kind: &'static str,
    /// Variants that have it.
    pub variants: Vec<String>,
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn load_variant(
    file: &Path,
    folder: &Path,
    manifest: &Manifest,
    fonts: &Fonts,
    assets: &mut BTreeMap<String, Arc<Vec<u8>>>,
    constant: &dyn Fn(&str) -> Option<Option<String>>,
) -> Result<Variant> {
    let err = |message: String| Error::Template {
        path: file.into(),
        message,
    };
    let meta = std::fs::metadata(file).map_err(|e| Error::io(file, e))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    if meta.len() > MAX_SVG_BYTES {
        return Err(err(format!(
            "{} bytes is over the {MAX_SVG_BYTES}-byte limit",
            meta.len()
        )));
    }
    // Read and inflated here, once: slots, fills and checks all see this text.
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let original = crate::caps::svg_text(bytes).map_err(err)?;
    let source = crate::fill::substitute_constants(&original, constant);
    let found = slot::find(&source, file, |name| manifest.fields.contains_key(name))?;
    // Every problem of the file at once, so a designer fixes them in one pass.
    let mut problems = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    for (family, slot_name) in &found.families {
        if !fonts.has_family(family) && !missing.contains(&family.as_str()) {
            missing.push(family);
            problems.push(Error::MissingFont {
                path: file.into(),
                slot: slot_name.clone(),
                family: family.clone(),
            });
        }
    }
    for href in &found.hrefs {
        if !assets.contains_key(href) {
            match crate::confine::read_asset(folder, href) {
                Ok(bytes) => {
                    assets.insert(href.clone(), Arc::new(bytes));
                }
                Err(message) => problems.push(Error::Template {
                    path: file.into(),
                    message,
                }),
            }
        }
    }
    Error::from_many(problems)?;
    let dynamic: Vec<Range<usize>> = found
        .texts
        .iter()
        .map(|s| s.range.clone())
        .chain(found.photos.iter().map(|s| s.range.clone()))
        .chain(found.removals.iter().cloned())
        .collect();
    Ok(Variant {
        name: stem(file),
        path: file.to_path_buf(),
        width: 0.0,
        height: 0.0,
        texts: found.texts,
        // All of the designer's placeholders, those filled ahead included.
        placeholders: slot::placeholders(&original),
        filters: Vec::new(),
        background: crate::layers::background(&source, &dynamic),
        overlays: crate::layers::overlays(&source, &dynamic),
        fixed_photos: crate::window::fixed(&source, &found.photos),
        photos: found.photos,
        source,
        removals: found.removals,
        styles: found.styles,
    })
}

/// The sample template (`templates/hero`) with the repository's fonts, for unit tests.
#[cfg(test)]
pub(crate) fn sample() -> (Fonts, Template) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fonts = Fonts::from_dir(root.join("fonts")).unwrap();
    let template = Template::load(root.join("templates/hero"), &fonts).unwrap();
    (fonts, template)
}
