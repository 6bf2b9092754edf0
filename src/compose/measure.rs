//! Measuring a text slot's candidate lines with the same usvg that draws them, and
//! finding which fonts draw a value's characters. Measurements are kept by the
//! measuring document: the same value in the same slot style on several variants
//! (the sample's six presets are five variants) is laid out once per row, not once
//! per variant. And where a composed poster's text ink lands ([`text_ink`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use resvg::usvg;

use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::geometry::Bounds;
use crate::template::fill;
use crate::template::slot::TextSlot;
use crate::template::{SlotRules, Template, Variant};
use crate::text::fit::{Ink, REF_SIZE};

/// Lines measured at [`REF_SIZE`], and how the whole value's characters are covered.
#[derive(Debug)]
pub(crate) struct Measured {
    pub inks: HashMap<String, Ink>,
    /// Characters no font has (drawn as tofu).
    pub missing: Vec<char>,
    /// Families other than the slot's own that draw some characters.
    pub fallbacks: Vec<String>,
}

/// Measures every candidate line of one text slot at [`REF_SIZE`] in one parse,
/// and checks, on the glyphs usvg really chose, which font draws each character
/// of `full`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn measure(
    variant: &Variant,
    slot: &TextSlot,
    rules: &SlotRules,
    values: &BTreeMap<String, String>,
    full: &str,
    lines: &[String],
    fallbacks: &[String],
    fonts: &Fonts,
    cache: &Measurements,
) -> Result<Arc<Measured>> {
    let mut doc = String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">");
    if !variant.styles.is_empty() {
        let _ = write!(doc, "<style><![CDATA[{}]]></style>", variant.styles);
    }
    for g in &slot.context {
        doc.push_str(&fill::substitute(g, values));
    }
    // `probe` reveals the slot's own font; `full` the fonts of the whole value.
    let named = [("probe".to_string(), "A"), ("full".to_string(), full)];
    let all = named
        .into_iter()
        .chain(lines.iter().enumerate().map(|(i, l)| (format!("m{i}"), l.as_str())));
    for (id, line) in all {
        doc.push_str(&fill::text_open(
            slot,
            values,
            &id,
            REF_SIZE,
            rules.letter_spacing * REF_SIZE,
            true,
        ));
        let _ = write!(doc, "<tspan x=\"0\" y=\"0\">{}</tspan></text>", fill::escape(line));
    }
    doc.push_str(&"</g>".repeat(slot.context.len()));
    doc.push_str("</svg>");
    cache.get_or_try(Key::new(doc, fallbacks, fonts), |doc| {
        parse(variant, slot, doc, lines, fallbacks, fonts)
    })
}

/// What the measuring document `doc` tells: each candidate line's ink and the fonts of `full`.
fn parse(
    variant: &Variant,
    slot: &TextSlot,
    doc: &str,
    lines: &[String],
    fallbacks: &[String],
    fonts: &Fonts,
) -> Result<Measured> {
    let tree = usvg::Tree::from_str(doc, &fonts.usvg_options(fallbacks)).map_err(|e| Error::Template {
        path: variant.path.clone(),
        message: format!("text slot {:?} cannot be measured: {e}", slot.field),
    })?;
    let text = |id: &str| match tree.node_by_id(id) {
        Some(usvg::Node::Text(t)) => Some(t),
        _ => None,
    };
    let mut inks = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(t) = text(&format!("m{i}")) {
            let b = t.flattened().abs_stroke_bounding_box();
            inks.insert(
                line.clone(),
                Ink {
                    left: b.left(),
                    top: b.top(),
                    right: b.right(),
                    bottom: b.bottom(),
                },
            );
        }
    }
    let glyphs = |id: &str| {
        text(id)
            .into_iter()
            .flat_map(|t| t.layouted().iter().flat_map(|s| s.positioned_glyphs.iter()))
    };
    let own = glyphs("probe").next().map(|g| g.font);
    let (mut missing, mut fallback_ids) = (Vec::new(), Vec::new());
    for g in glyphs("full") {
        if g.id.0 == 0 {
            for c in g.text.chars().filter(|c| !c.is_whitespace()) {
                if !missing.contains(&c) {
                    missing.push(c);
                }
            }
        } else if Some(g.font) != own && !fallback_ids.contains(&g.font) {
            fallback_ids.push(g.font);
        }
    }
    let fallbacks = fallback_ids.into_iter().map(|id| fonts.family_of(id)).collect();
    Ok(Measured {
        inks,
        missing,
        fallbacks,
    })
}

/// Measurements kept by measuring document, fallback families and fonts.
#[derive(Debug, Default)]
pub(crate) struct Measurements {
    kept: Mutex<HashMap<Key, Arc<Measured>>>,
}

/// Everything a measurement depends on: the document holds the slot's style, context
/// and lines; the fonts are named by the hash of every font file and their default family.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    doc: String,
    fallbacks: Vec<String>,
    fonts: ([u8; 32], String),
}

impl Key {
    fn new(doc: String, fallbacks: &[String], fonts: &Fonts) -> Key {
        Key {
            doc,
            fallbacks: fallbacks.to_vec(),
            fonts: (fonts.fingerprint, fonts.default_family.clone()),
        }
    }
}

/// Entries kept before the cache is emptied: a row needs a few (one per text slot and
/// distinct style), and rows in flight are as many as worker threads, so this only
/// bounds memory over a long batch.
const KEPT: usize = 256;

impl Measurements {
    fn get_or_try(&self, key: Key, measure: impl FnOnce(&str) -> Result<Measured>) -> Result<Arc<Measured>> {
        if let Some(m) = self.lock().get(&key) {
            return Ok(m.clone());
        }
        // Not locked while measuring: two threads measuring one document both get the same answer.
        let measured = Arc::new(measure(&key.doc)?);
        let mut kept = self.lock();
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(key, measured.clone());
        Ok(measured)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<Measured>>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where each text slot's ink really lands, from the same usvg tree that is
/// drawn: `(field, box, ink)` in template canvas units. Lets a caller (and the
/// tests) prove that nothing is drawn outside a text box.
pub fn text_ink(
    template: &Template,
    composed: &crate::compose::Composed,
    fonts: &Fonts,
) -> Result<Vec<(String, Bounds, Bounds)>> {
    let v = &template.variants[composed.variant];
    crate::limits::check_extents(&composed.svg).map_err(|message| Error::Template {
        path: v.path.clone(),
        message,
    })?;
    let tree =
        usvg::Tree::from_str(&composed.svg, &fonts.usvg_options(&template.fallbacks)).map_err(|e| Error::Template {
            path: v.path.clone(),
            message: e.to_string(),
        })?;
    let mut out = Vec::new();
    for slot in &v.texts {
        if let Some(usvg::Node::Text(t)) = tree.node_by_id(&crate::template::ids::text_id(&slot.field)) {
            let b = t.flattened().abs_stroke_bounding_box();
            out.push((
                slot.field.clone(),
                slot.canvas,
                Bounds {
                    x: b.x(),
                    y: b.y(),
                    width: b.width(),
                    height: b.height(),
                },
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_in_a_slot_styled_alike_on_every_variant_is_measured_once() {
        let (fonts, template) = crate::template::sample();
        let full = "Marie-Éléonore DE LA TOUR";
        let values = BTreeMap::from([("name".to_string(), full.to_string())]);
        let lines = [full, "Marie-Éléonore", "DE LA TOUR"].map(String::from);
        let rules = template.rules_for("name");
        let measures = Measurements::default();
        let in_variant = |v: &Variant, cache: &Measurements| {
            let slot = v.texts.iter().find(|s| s.field == "name").unwrap();
            measure(
                v,
                slot,
                &rules,
                &values,
                full,
                &lines,
                &template.fallbacks,
                &fonts,
                cache,
            )
            .unwrap()
        };
        // The hero variants place and size the name differently, in the same style.
        let first = in_variant(&template.variants[0], &measures);
        for v in &template.variants[1..] {
            let m = in_variant(v, &measures);
            assert!(
                Arc::ptr_eq(&first, &m),
                "the name was measured again for variant {}",
                v.name
            );
            // What was kept is what measuring afresh gives.
            let fresh = in_variant(v, &Measurements::default());
            assert_eq!(fresh.inks, m.inks, "variant {}", v.name);
            assert_eq!(fresh.fallbacks, m.fallbacks);
        }
        assert_eq!(first.inks.len(), 3);
        // A different value is a different document.
        let other = BTreeMap::from([("name".to_string(), "Jean DUPONT".to_string())]);
        let v = &template.variants[0];
        let slot = v.texts.iter().find(|s| s.field == "name").unwrap();
        let jean = ["Jean DUPONT".to_string()];
        let m = measure(
            v,
            slot,
            &rules,
            &other,
            "Jean DUPONT",
            &jean,
            &template.fallbacks,
            &fonts,
            &measures,
        )
        .unwrap();
        assert!(!Arc::ptr_eq(&first, &m));
    }
}
