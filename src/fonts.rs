//! The shared font database: loaded once from the project's font folder and
//! handed to every parse, so that what is measured is what is drawn.
//!
//! Foundation: imports nothing from the pipeline.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use resvg::usvg::fontdb;

use crate::error::{Error, Result};

/// Where fonts come from.
#[derive(Debug, Clone)]
pub struct FontOptions {
    /// Folders searched recursively for `.ttf`, `.otf`, `.ttc` files.
    /// Default: `["fonts"]`.
    pub dirs: Vec<PathBuf>,
    /// Also load the operating system's fonts. Default: `false`, so that a
    /// poster renders the same on every machine.
    pub system: bool,
}

impl Default for FontOptions {
    fn default() -> Self {
        FontOptions {
            dirs: vec![PathBuf::from("fonts")],
            system: false,
        }
    }
}

/// Fonts loaded once and shared (cheaply cloned) by every render.
#[derive(Debug, Clone)]
pub struct Fonts {
    pub(crate) db: Arc<fontdb::Database>,
    /// The family used for unstyled text and generic families.
    pub(crate) default_family: String,
    /// Hash of every font file loaded, for incremental runs.
    pub fingerprint: [u8; 32],
    /// The same fonts for svg2pdf's usvg, built on first use (see [`Fonts::pdf_db`]).
    pdf_db: Arc<OnceLock<Arc<svg2pdf::usvg::fontdb::Database>>>,
}

/// The face compiled into the binary, for text that must draw with no font folder at hand
/// (contact sheet labels, a template inspected before its fonts are in place). OFL.
pub(crate) const BUILTIN_FONT: &[u8] = include_bytes!("../fonts/roboto-condensed/RobotoCondensed_700Bold.ttf");

/// The built-in face's name when it stands in for every family of an inspected template.
const INSPECTION_FAMILY: &str = "affiche built-in (no font folder)";

/// Families tried, in order, for generic names (`sans-serif`, …) and unstyled text.
const PREFERRED_DEFAULTS: &[&str] = &["Noto Sans", "DejaVu Sans", "Roboto Condensed"];

impl Fonts {
    /// Loads the fonts described by `options`. A missing folder is an error;
    /// an empty database is an error too, since no text could be drawn.
    pub fn load(options: &FontOptions) -> Result<Fonts> {
        let mut db = fontdb::Database::new();
        let mut hasher = blake3::Hasher::new();
        for dir in &options.dirs {
            if !dir.is_dir() {
                return Err(Error::io(
                    dir,
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "font folder not found; set `fonts = [\"…\"]` in the campaign (relative to it) or pass --fonts",
                    ),
                ));
            }
            load_dir(&mut db, dir, &mut hasher)?;
        }
        if options.system {
            db.load_system_fonts();
            hasher.update(b"system fonts");
        }
        let default_family = PREFERRED_DEFAULTS
            .iter()
            .map(|f| f.to_string())
            .find(|f| has_family(&db, f))
            .or_else(|| db.faces().next().and_then(|f| f.families.first()).map(|f| f.0.clone()))
            .ok_or_else(|| {
                let dirs: Vec<String> = options.dirs.iter().map(|d| d.display().to_string()).collect();
                Error::io(
                    dirs.join(", "),
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no font files found"),
                )
            })?;
        let mut db = raster::with_aliases(db);
        db.set_sans_serif_family(&default_family);
        db.set_serif_family(&default_family);
        db.set_monospace_family(&default_family);
        Ok(Fonts {
            db: Arc::new(db),
            default_family,
            fingerprint: *hasher.finalize().as_bytes(),
            pdf_db: Arc::default(),
        })
    }

    /// Loads every font in one folder, without system fonts.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Fonts> {
        Fonts::load(&FontOptions {
            dirs: vec![dir.as_ref().to_path_buf()],
            system: false,
        })
    }

    /// `builtin` (font bytes compiled into the binary), then the fonts under
    /// whichever of `dirs` can be read; `builtin`'s family draws unstyled text.
    /// For the contact sheet's labels, which must draw even with no font folder
    /// at hand: a folder that is missing or unreadable only loses its fallbacks.
    pub(crate) fn with_builtin(builtin: &[u8], dirs: &[PathBuf]) -> Fonts {
        let mut db = fontdb::Database::new();
        db.load_font_data(builtin.to_vec());
        let default_family = db
            .faces()
            .next()
            .and_then(|f| f.families.first())
            .map(|f| f.0.clone())
            .unwrap_or_default();
        let mut hasher = blake3::Hasher::new();
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let _ = load_dir(&mut db, dir, &mut hasher);
        }
        let mut db = raster::with_aliases(db);
        db.set_sans_serif_family(&default_family);
        Fonts {
            db: Arc::new(db),
            default_family,
            fingerprint: *hasher.finalize().as_bytes(),
            pdf_db: Arc::default(),
        }
    }

    /// The family that draws unstyled text and generic names (`sans-serif`).
    pub fn default_family(&self) -> &str {
        &self.default_family
    }

    /// The fonts under whichever of `dirs` can be read, and a built-in face (Roboto Condensed
    /// Bold) drawing text whose family is in none: enough to look at a template before its
    /// fonts are in place (`Template::inspect`), never to render a campaign.
    pub fn inspecting(dirs: &[PathBuf]) -> Fonts {
        let readable: Vec<PathBuf> = dirs.iter().filter(|d| d.is_dir()).cloned().collect();
        Fonts::load(&FontOptions {
            dirs: readable,
            system: false,
        })
        .unwrap_or_else(|_| {
            // Under a name no template asks for, so that it never counts as a family found.
            let mut db = fontdb::Database::new();
            db.load_font_data(BUILTIN_FONT.to_vec());
            let mut hidden = fontdb::Database::new();
            for face in db.faces() {
                let mut face = face.clone();
                face.families = vec![(INSPECTION_FAMILY.into(), fontdb::Language::English_UnitedStates)];
                face.post_script_name = INSPECTION_FAMILY.into();
                hidden.push_face_info(face);
            }
            hidden.set_sans_serif_family(INSPECTION_FAMILY);
            hidden.set_serif_family(INSPECTION_FAMILY);
            Fonts {
                db: Arc::new(hidden),
                default_family: INSPECTION_FAMILY.into(),
                fingerprint: [0; 32],
                pdf_db: Arc::default(),
            }
        })
    }

    /// Whether `self` and `other` share one loaded database (clones do; each load makes its own).
    pub fn shares_database(&self, other: &Fonts) -> bool {
        Arc::ptr_eq(&self.db, &other.db)
    }

    /// Whether a family (or a generic name such as `sans-serif`) can be drawn.
    pub fn has_family(&self, family: &str) -> bool {
        is_generic(family) || has_family(&self.db, family)
    }

    /// Every family in the database by its own name (not the PostScript or weight names
    /// it also answers to), sorted, without duplicates.
    pub fn families(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .db
            .faces()
            .filter_map(|f| f.families.first().map(|(name, _)| name.clone()))
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// usvg options that use these fonts and resolve no file on their own.
    /// A character the styled font lacks is drawn from the first family of
    /// `fallbacks` that has it, then from any font, closest weight and style first.
    pub(crate) fn usvg_options<'a>(&self, fallbacks: &'a [String]) -> resvg::usvg::Options<'a> {
        let mut opt = resvg::usvg::Options {
            fontdb: self.db.clone(),
            font_family: self.default_family.clone(),
            ..Default::default()
        };
        // Nothing may be read from disk behind our back: photos and template
        // images are served by `render` itself.
        opt.image_href_resolver.resolve_string = Box::new(|_, _| None);
        // resvg decodes embedded images without limits: refuse any whose header
        // claims more pixels than a photo may have, before it is decoded.
        let default_data = resvg::usvg::ImageHrefResolver::default_data_resolver();
        opt.image_href_resolver.resolve_data = Box::new(move |mime, data, opts| match crate::limits::embedded(&data) {
            crate::limits::Embedded::Refuse => None,
            crate::limits::Embedded::Inflated(svg) => default_data(mime, std::sync::Arc::new(svg), opts),
            crate::limits::Embedded::AsIs => default_data(mime, data, opts),
        });
        opt.font_resolver.select_fallback = Box::new(move |c, exclude, db| raster::fallback(c, exclude, db, fallbacks));
        opt
    }

    /// The same font bytes in svg2pdf's fontdb (0.23; resvg's is 0.24), shared,
    /// not copied; built once, on the first PDF.
    pub(crate) fn pdf_db(&self) -> Arc<svg2pdf::usvg::fontdb::Database> {
        self.pdf_db
            .get_or_init(|| {
                let mut db = svg2pdf::usvg::fontdb::Database::new();
                let mut seen = std::collections::HashSet::new();
                for face in self.db.faces() {
                    // Faces of one collection file share one source: load it once.
                    let source = match &face.source {
                        fontdb::Source::Binary(data) | fontdb::Source::SharedFile(_, data) => seen
                            .insert(format!("{:p}", Arc::as_ptr(data)))
                            .then(|| svg2pdf::usvg::fontdb::Source::Binary(data.clone())),
                        // System fonts (`system = true`) are files fontdb opens on demand.
                        fontdb::Source::File(path) => seen
                            .insert(path.display().to_string())
                            .then(|| svg2pdf::usvg::fontdb::Source::File(path.clone())),
                    };
                    if let Some(source) = source {
                        db.load_font_source(source);
                    }
                }
                let mut db = print::with_aliases(db);
                db.set_sans_serif_family(&self.default_family);
                db.set_serif_family(&self.default_family);
                db.set_monospace_family(&self.default_family);
                Arc::new(db)
            })
            .clone()
    }

    /// The family name of a face, for reports.
    pub(crate) fn family_of(&self, id: fontdb::ID) -> String {
        self.db
            .face(id)
            .and_then(|f| f.families.first())
            .map(|f| f.0.clone())
            .unwrap_or_default()
    }
}

/// usvg's own fallback takes the first face in the database with the glyph;
/// this one honours the template's chain, then picks the nearest weight and
/// style. Written once for both fontdb versions: resvg's and svg2pdf's.
macro_rules! fallback_for {
    ($module:ident, $fontdb:path) => {
        pub(crate) mod $module {
            use $fontdb as fontdb;

            pub(crate) fn fallback(
                c: char,
                exclude: &[fontdb::ID],
                db: &fontdb::Database,
                chain: &[String],
            ) -> Option<fontdb::ID> {
                let base = db.face(*exclude.first()?)?;
                let distance = |f: &fontdb::FaceInfo| {
                    (i32::from(f.weight.0) - i32::from(base.weight.0)).abs()
                        + if f.style == base.style { 0 } else { 1000 }
                };
                let usable = |f: &&fontdb::FaceInfo| !exclude.contains(&f.id) && has_char(db, f.id, c);
                let in_family =
                    |f: &fontdb::FaceInfo, family: &str| f.families.iter().any(|(n, _)| n.eq_ignore_ascii_case(family));
                chain
                    .iter()
                    .find_map(|family| {
                        db.faces()
                            .filter(usable)
                            .filter(|f| in_family(f, family))
                            .min_by_key(|f| distance(f))
                    })
                    .or_else(|| db.faces().filter(usable).min_by_key(|f| distance(f)))
                    .map(|f| f.id)
            }

            /// `db` again, its faces in the same order, each also named as design tools name
            /// it: by its PostScript name (`Anton-Regular`, `RobotoCondensed-Bold`: what
            /// Illustrator writes in `font-family`) and by family and weight (`Roboto Condensed
            /// Bold`, `Oswald Light Italic`). A real family of that name always wins.
            pub(crate) fn with_aliases(db: fontdb::Database) -> fontdb::Database {
                let real: std::collections::HashSet<String> = db
                    .faces()
                    .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
                    .collect();
                let mut taken = std::collections::HashSet::new();
                let mut out = fontdb::Database::new();
                for face in db.faces() {
                    let mut face = face.clone();
                    if let Some((family, _)) = face.families.first().cloned() {
                        let italic = face.style != fontdb::Style::Normal;
                        let weight = super::weight_name(face.weight.0);
                        let full = match (weight, italic) {
                            ("Regular", true) => format!("{family} Italic"),
                            (w, true) => format!("{family} {w} Italic"),
                            (w, false) => format!("{family} {w}"),
                        };
                        for alias in [face.post_script_name.clone(), full] {
                            if !alias.is_empty() && !real.contains(&alias) && taken.insert(alias.clone()) {
                                face.families
                                    .push((alias, fontdb::Language::English_UnitedStates));
                            }
                        }
                    }
                    out.push_face_info(face);
                }
                out
            }

            /// Whether a face has a glyph for `c` (ab_glyph reads the cmap).
            fn has_char(db: &fontdb::Database, id: fontdb::ID, c: char) -> bool {
                use ab_glyph::Font;
                db.with_face_data(id, |data, index| {
                    ab_glyph::FontRef::try_from_slice_and_index(data, index).is_ok_and(|f| f.glyph_id(c).0 != 0)
                })
                .unwrap_or(false)
            }
        }
    };
}
fallback_for!(raster, resvg::usvg::fontdb);
fallback_for!(print, svg2pdf::usvg::fontdb);

/// The name a weight goes by in a font's full name (`Bold` for 700).
pub(crate) fn weight_name(weight: u16) -> &'static str {
    match weight {
        0..=149 => "Thin",
        150..=249 => "ExtraLight",
        250..=349 => "Light",
        350..=449 => "Regular",
        450..=549 => "Medium",
        550..=649 => "SemiBold",
        650..=749 => "Bold",
        750..=849 => "ExtraBold",
        _ => "Black",
    }
}

/// Loads every font file under `dir` into memory. fontdb's own folder loader
/// maps the file again on every glyph lookup (36,000 `open`+`mmap` calls for the
/// 84 sample posters); bytes held in memory cost nothing per lookup.
fn load_dir(db: &mut fontdb::Database, dir: &Path, hasher: &mut blake3::Hasher) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            load_dir(db, &path, hasher)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc"))
        {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            hasher.update(&bytes);
            db.load_font_data(bytes);
        }
    }
    Ok(())
}

fn has_family(db: &fontdb::Database, family: &str) -> bool {
    db.faces()
        .any(|f| f.families.iter().any(|(name, _)| name.eq_ignore_ascii_case(family)))
}

/// CSS generic family names, which fontdb maps to a concrete family, and Inkscape's `Sans`
/// (fontconfig's alias, Inkscape's default text font).
pub(crate) fn is_generic(family: &str) -> bool {
    matches!(
        family.to_ascii_lowercase().as_str(),
        "serif" | "sans-serif" | "monospace" | "cursive" | "fantasy" | "system-ui" | "sans"
    )
}

/// Splits a CSS `font-family` list into family names without quotes.
pub(crate) fn split_families(list: &str) -> Vec<String> {
    list.split(',')
        .map(|f| f.trim().trim_matches(|c| c == '"' || c == '\'').trim().to_string())
        .filter(|f| !f.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_answer_to_their_postscript_and_weight_names_as_editors_write_them() {
        let fonts = Fonts::from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts")).unwrap();
        let face = |family: &str, weight: u16| {
            let query = fontdb::Query {
                families: &[fontdb::Family::Name(family)],
                weight: fontdb::Weight(weight),
                ..Default::default()
            };
            let id = fonts.db.query(&query)?;
            fonts.db.face(id).map(|f| (f.post_script_name.clone(), f.weight.0))
        };
        // Illustrator's PostScript names, Figma's and Canva's "Family Weight", at the weight
        // the SVG asks (usually none, so 400): the named face, not the family's regular.
        for (name, ps, weight) in [
            ("Anton-Regular", "Anton-Regular", 400),
            ("RobotoCondensed-Bold", "RobotoCondensed-Bold", 700),
            ("RobotoCondensed-Black", "RobotoCondensed-Black", 900),
            ("Roboto Condensed Bold", "RobotoCondensed-Bold", 700),
            ("Noto Sans Regular", "NotoSans-Regular", 400),
        ] {
            assert!(fonts.has_family(name), "{name}");
            assert_eq!(face(name, 400), Some((ps.to_string(), weight)), "{name}");
        }
        assert_eq!(
            face("Roboto Condensed", 700).unwrap().0,
            "RobotoCondensed-Bold",
            "real families query as before"
        );
        assert!(!fonts.has_family("Anton-Bold") && !fonts.has_family("Montserrat-Bold"));
        let families = fonts.families();
        assert!(families.contains(&"Anton".to_string()) && !families.contains(&"Anton-Regular".to_string()));
    }

    #[test]
    fn splits_quoted_family_lists() {
        assert_eq!(
            split_families("'Bebas Neue', \"Noto Sans\",sans-serif"),
            ["Bebas Neue", "Noto Sans", "sans-serif"]
        );
        assert!(split_families(" , ").is_empty());
    }

    #[test]
    fn generic_names_are_recognised() {
        assert!(is_generic("Sans-Serif"));
        assert!(!is_generic("Bangers"));
    }

    #[test]
    fn missing_font_folder_is_an_error_naming_it() {
        let err = Fonts::from_dir("/nonexistent/fonts").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/fonts"), "{err}");
    }
}
