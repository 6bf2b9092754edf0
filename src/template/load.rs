//! Loading a template: its folder (every `*.svg` and `*.svgz` a variant) or single SVG
//! file, the manifest, each variant's slots, referenced files and static parts, then the
//! first parse of each variant (`probe`) for its geometry.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::limits::MAX_SVG_BYTES;
use crate::template::font_use::{self, FontUse};
use crate::template::manifest::{MANIFEST, Manifest};
use crate::template::slot::bind::Binding;
use crate::template::{Template, Unbound, Variant, is_svg_file, probe, slot};

impl Template {
    /// Loads a template folder (every `*.svg` and `*.svgz` in it is a variant) or a single SVG file.
    /// Its slots are the elements the manifest names and those the drawing declares (a text
    /// with a `<name>-box`, an image with a `<name>-face`); any other named element is
    /// artwork, listed in [`Template::unbound`]. [`Template::load_binding`] binds more.
    pub fn load(path: impl AsRef<Path>, fonts: &Fonts) -> Result<Template> {
        Template::load_binding(path, fonts, &[])
    }

    /// [`Template::load`] with `fields` bound as well, as a campaign's columns bind them:
    /// an `<image id="photo">` is a photo slot once `"photo"` is among them.
    pub fn load_binding(path: impl AsRef<Path>, fonts: &Fonts, fields: &[&str]) -> Result<Template> {
        Template::load_with(
            path.as_ref(),
            fonts,
            &LoadContext::binding(&|name| fields.contains(&name)),
        )
    }

    /// [`Template::load_binding`] for looking at a template before its fonts are in place
    /// (`affiche fields`, `affiche check`): a family in no font folder is listed in
    /// [`Template::fonts`] instead of refused, and its text draws with the default font.
    pub fn inspect(path: impl AsRef<Path>, fonts: &Fonts, fields: &[&str]) -> Result<Template> {
        let listed = |name: &str| fields.contains(&name);
        let context = LoadContext {
            inspect: true,
            ..LoadContext::binding(&listed)
        };
        Template::load_with(path.as_ref(), fonts, &context)
    }

    /// Loads as `context` says (see [`LoadContext`]).
    pub(crate) fn load_with(path: &Path, fonts: &Fonts, context: &LoadContext) -> Result<Template> {
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
            // A bare file name (`t.svg`) has the empty path for parent: its folder is `.`.
            let folder = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let folder = folder.to_path_buf();
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
        let mut said = Vec::new();
        let mut problems = Vec::new();
        for file in &files {
            match load_variant(file, &folder, &manifest, fonts, &mut assets, context) {
                Ok((v, s)) => {
                    variants.push(v);
                    said.push(s);
                }
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
        let mut uses: Vec<FontUse> = Vec::new();
        for s in &mut said {
            font_use::merge(&mut uses, std::mem::take(&mut s.fonts));
        }
        let fonts_path = if variants.len() == 1 {
            variants[0].path.clone()
        } else {
            path.to_path_buf()
        };
        // A family is reported once for the whole template, with every weight and element.
        for u in uses
            .iter()
            .filter(|u| !u.available && !u.falls_back && !context.inspect)
        {
            problems.push(missing_font(&fonts_path, u, fonts));
        }
        let mut fallbacks: Vec<String> = Vec::new();
        for (field, r) in &rules {
            for family in &r.fonts {
                if !fonts.has_family(family) {
                    let u = FontUse {
                        family: family.clone(),
                        styles: vec!["Regular".into()],
                        elements: vec![format!("the fallback fonts of field {field:?}")],
                        available: false,
                        written: family.clone(),
                        falls_back: false,
                    };
                    if !context.inspect {
                        problems.push(missing_font(&path.join(MANIFEST), &u, fonts));
                    }
                    font_use::merge(&mut uses, vec![u]);
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
        let (unbound, notes) = unbound_and_notes(&variants, &said, &rules);
        let mut template = Template {
            unbound,
            notes,
            fonts: uses,
            fingerprint: *hasher.finalize().as_bytes(),
            fallbacks,
            name,
            path: path.to_path_buf(),
            description: manifest.description,
            rules,
            variants,
            assets: Arc::new(assets),
        };
        for i in 0..template.variants.len() {
            let geometry = probe::analyse(&template, i, fonts)?;
            let v = &mut template.variants[i];
            (v.width, v.height) = geometry.size;
            v.filters = geometry.filters;
            for (slot, canvas) in v.photos.iter_mut().zip(geometry.photo_frames) {
                slot.canvas = canvas;
            }
            for (slot, canvas) in v.texts.iter_mut().zip(geometry.text_frames) {
                slot.canvas = canvas;
                // A box reaching off the page would have the value cut: Inkscape's text frames
                // are often drawn wider than the page, and nothing else shows it.
                let (tx, ty) = ((v.width * 0.01).max(1.0), (v.height * 0.01).max(1.0));
                if canvas.x < -tx
                    || canvas.y < -ty
                    || canvas.x + canvas.width > v.width + tx
                    || canvas.y + canvas.height > v.height + ty
                {
                    return Err(Error::Template {
                        path: v.path.clone(),
                        message: format!(
                            "the box of text slot {:?} ({:.0}, {:.0}, {:.0}×{:.0}) reaches outside the page \
                             ({:.0}×{:.0}), where the value would be cut off; draw the box (or text frame) \
                             inside the page",
                            slot.field, canvas.x, canvas.y, canvas.width, canvas.height, v.width, v.height
                        ),
                    });
                }
            }
        }
        Ok(template)
    }
}

/// The error for a family in no font folder, offering the default family (in the style
/// wanted, when the font folders have it) for the alias.
fn missing_font(path: &Path, u: &FontUse, fonts: &Fonts) -> Error {
    let default = fonts.default_family();
    let styled = u.styles.first().map(|s| format!("{default} {s}"));
    let instead = match styled {
        Some(s) if u.styles.len() == 1 && !s.ends_with(" Regular") && fonts.has_family(&s) => s,
        _ => default.to_string(),
    };
    Error::MissingFont {
        path: path.to_path_buf(),
        family: u.family.clone(),
        wanted: font_use::wanted(u),
        instead,
    }
}

/// How a template is loaded, beyond its path and fonts.
pub(crate) struct LoadContext<'a> {
    /// Placeholders holding one value on every row, filled ahead (`Some(value)`; see
    /// [`crate::template::fill::substitute_constants`]), so that the elements holding them
    /// count as static: drawn once into the cached background and overlay layers instead of
    /// on every poster. The fingerprint covers the filled text, so a change of those values
    /// renders everything again.
    pub constant: &'a dyn Fn(&str) -> Option<Option<String>>,
    /// What the campaign binds beyond the manifest (its `[fields]` and columns).
    pub binding: Binding<'a>,
    /// The campaign's `[font_aliases]` and `--font-alias`, over the manifest's.
    pub font_aliases: &'a BTreeMap<String, String>,
    /// Inspecting: a family in no font folder is listed, not refused.
    pub inspect: bool,
}

impl<'a> LoadContext<'a> {
    /// Nothing filled ahead, no alias, `listed` bound.
    pub(crate) fn binding(listed: &'a dyn Fn(&str) -> bool) -> LoadContext<'a> {
        static NO_ALIASES: BTreeMap<String, String> = BTreeMap::new();
        LoadContext {
            constant: &|_| None,
            binding: Binding {
                listed,
                column: &|_| false,
            },
            font_aliases: &NO_ALIASES,
            inspect: false,
        }
    }
}

/// What a variant's file says beyond its slots, merged into the template's lists at load.
struct Said {
    /// Named elements nothing binds.
    unbound: Vec<Unbound>,
    /// What a designer should know about the file.
    notes: Vec<String>,
    /// The font families the file asks for.
    fonts: Vec<FontUse>,
}

/// The named elements no variant binds (merged across variants), and the notes: each
/// variant's, named by its file when there are several.
fn unbound_and_notes(
    variants: &[Variant],
    said: &[Said],
    rules: &BTreeMap<String, crate::template::SlotRules>,
) -> (Vec<Unbound>, Vec<String>) {
    let mut unbound: Vec<Unbound> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (v, s) in variants.iter().zip(said) {
        let file = v.path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default();
        for u in s.unbound.iter().filter(|u| !rules.contains_key(&u.name)) {
            match unbound.iter_mut().find(|f| f.name == u.name) {
                Some(f) => f.variants.push(v.name.clone()),
                None => unbound.push(Unbound {
                    variants: vec![v.name.clone()],
                    ..u.clone()
                }),
            }
        }
        notes.extend(s.notes.iter().map(|n| match variants.len() {
            1 => n.clone(),
            _ => format!("{file}: {n}"),
        }));
    }
    (unbound, notes)
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
    context: &LoadContext,
) -> Result<(Variant, Said)> {
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
    let original = crate::limits::svg_text(bytes).map_err(err)?;
    let source = crate::template::fill::substitute_constants(&original, context.constant);
    // The campaign's aliases (a family being licensed) win over the template's.
    let mut aliases = manifest.font_aliases.clone();
    aliases.extend(context.font_aliases.iter().map(|(k, v)| (k.clone(), v.clone())));
    let source = crate::template::font_alias::apply(&source, &aliases);
    let binding = &context.binding;
    let listed = |name: &str| manifest.fields.contains_key(name) || (binding.listed)(name);
    let binding = Binding {
        listed: &listed,
        column: binding.column,
    };
    let source = crate::template::referenced::as_images(&source, &binding).into_owned();
    let found = slot::find(&source, file, &binding)?;
    // Every problem of the file at once, so a designer fixes them in one pass.
    let mut problems = Vec::new();
    for href in &found.hrefs {
        if !assets.contains_key(href) {
            match crate::template::confine::read_asset(folder, href) {
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
    let said = Said {
        unbound: found.unbound,
        notes: found.notes,
        fonts: font_use::gather(&found.families, fonts),
    };
    let variant = Variant {
        name: stem(file),
        path: file.to_path_buf(),
        width: 0.0,
        height: 0.0,
        texts: found.texts,
        // All of the designer's placeholders, those filled ahead included.
        placeholders: slot::placeholders(&original),
        filters: Vec::new(),
        background: crate::template::statics::background(&source, &dynamic),
        overlays: crate::template::statics::overlays(&source, &dynamic),
        fixed_photos: crate::template::statics::fixed(&source, &found.photos),
        photos: found.photos,
        source,
        removals: found.removals,
        styles: found.styles,
    };
    Ok((variant, said))
}
