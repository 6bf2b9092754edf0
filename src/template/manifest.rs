//! A template folder's manifest, `template.toml`: its name, description and the
//! rules of each field (text sizes, lines, alignment, fallback fonts, photo
//! fit, focus and effects). Every key is optional.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::text::fit::{Align, Case, VAlign};

/// The manifest's name inside a template folder.
pub const MANIFEST: &str = "template.toml";

/// Per-field rules from the manifest. Every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlotRules {
    /// Largest font size in template units. Default: the `<text>` element's own font size.
    pub max_size: Option<f32>,
    /// Smallest font size before the value counts as overflowing. Default: 40% of `max_size`.
    pub min_size: Option<f32>,
    /// Lines the value may wrap to. Default: as many as the drawn box holds at `min_size`
    /// (its height ÷ (`min_size` × `line_height`), 1 to 4): a box drawn for two lines gets two.
    pub max_lines: Option<usize>,
    /// Horizontal alignment in the box. Default: the drawing's (the text's `text-anchor`
    /// or `text-align`), else `center`.
    pub align: Option<Align>,
    /// Vertical alignment in the box. Default: `middle`.
    pub valign: VAlign,
    /// Case transform. Default: `none` (names are never re-cased unless asked).
    pub case: Case,
    /// Baseline-to-baseline distance as a multiple of the font size. Default: 1.1.
    pub line_height: f32,
    /// Extra space between letters, in em. Default: 0.
    pub letter_spacing: f32,
    /// An empty value is a row error. Default: true.
    pub required: bool,
    /// Fallback font families, in order, for characters the slot's own font lacks. Default: none
    /// (any font in the font folders that has the character).
    pub fonts: Vec<String>,
    /// Photo effects applied in order after cropping (duotone, tint, halftone,
    /// posterize, outline). Default: none.
    pub effects: Vec<crate::photo::effects::Effect>,
    /// Photo fit: `cover` fills the frame (cropping), `contain` shows the whole photo. Default: `cover`.
    pub fit: crate::photo::Fit,
    /// Photo focus point (fractions of width and height) kept in view when cropping.
    /// Default: none, the detected face (or, without one, the largest skin area or the most detailed one).
    pub focus: Option<[f32; 2]>,
}

impl Default for SlotRules {
    fn default() -> Self {
        SlotRules {
            max_size: None,
            min_size: None,
            max_lines: None,
            align: None,
            valign: VAlign::Middle,
            case: Case::None,
            line_height: 1.1,
            letter_spacing: 0.0,
            required: true,
            fonts: Vec::new(),
            effects: Vec::new(),
            fit: crate::photo::Fit::Cover,
            focus: None,
        }
    }
}

/// A template folder's `template.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) fields: BTreeMap<String, SlotRules>,
    /// Families the drawing names, drawn with others: `"MyriadPro-Bold" = "Roboto Condensed Bold"`.
    #[serde(default)]
    pub(crate) font_aliases: BTreeMap<String, String>,
}

impl Manifest {
    /// The manifest of template folder `folder` and its text (hashed into the
    /// template's fingerprint); the defaults and no text when the folder has none.
    pub(crate) fn read(folder: &Path) -> Result<(String, Manifest)> {
        let path = folder.join(MANIFEST);
        if !path.is_file() {
            return Ok((String::new(), Manifest::default()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let manifest = toml::from_str::<Manifest>(&text).map_err(|e| Error::Template {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok((text, manifest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_a_manifest_gets_the_documented_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let (text, m) = Manifest::read(dir.path()).unwrap();
        assert!(text.is_empty() && m.name.is_none() && m.fields.is_empty());
        let r = SlotRules::default();
        assert_eq!(
            (r.max_lines, r.align, r.valign, r.line_height),
            (None, None, VAlign::Middle, 1.1)
        );
        assert!(r.required && r.fonts.is_empty() && r.focus.is_none());
    }

    #[test]
    fn a_field_sets_only_the_keys_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let toml = "name = \"Héros\"\n[fields.nom]\nmax_lines = 2\ncase = \"upper\"\n";
        std::fs::write(dir.path().join(MANIFEST), toml).unwrap();
        let (text, m) = Manifest::read(dir.path()).unwrap();
        assert_eq!(text, toml);
        assert_eq!(m.name.as_deref(), Some("Héros"));
        let nom = &m.fields["nom"];
        assert_eq!((nom.max_lines, nom.case, nom.align), (Some(2), Case::Upper, None));
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_the_manifest_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), "[fields.nom]\nmax_line = 2\n").unwrap();
        let e = Manifest::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains(MANIFEST) && e.contains("max_line"), "{e}");
    }
}
