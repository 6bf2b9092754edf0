//! The static background of a variant: the top-level elements drawn before
//! anything that changes per row (slots, placeholders). They are the same on
//! every poster, so they are rendered once per variant and output size and
//! each poster starts from a copy; only the rest is parsed and drawn per row.
//!
//! resvg draws top-level elements one after the other onto the canvas, so
//! drawing the background first and the foreground over it gives the very
//! same pixels as drawing the whole document (a test checks it byte for byte).

use std::ops::Range;
use std::sync::Arc;

use resvg::{tiny_skia, usvg};
use roxmltree::Document;

use crate::fonts::Fonts;
use crate::once_map::OnceMap;
use crate::template::Template;

/// Where a variant's static background ends in its source.
#[derive(Debug, Clone)]
pub(crate) struct Background {
    /// The background document: the source up to the first dynamic element.
    pub svg: String,
    /// Top-level drawable elements of the background, hidden (wrapped in
    /// `<defs>`) in the per-row document so they stay referenceable.
    pub drawables: Vec<Range<usize>>,
}

/// Elements that draw nothing by themselves.
const NON_DRAWING: &[&str] = &[
    "defs",
    "style",
    "title",
    "desc",
    "metadata",
    "linearGradient",
    "radialGradient",
    "pattern",
    "clipPath",
    "mask",
    "filter",
    "marker",
    "symbol",
    "script",
];

/// Finds the static background of `source`. `dynamic` lists byte ranges that
/// change per row (slots, removed boxes). `None` when nothing can be cached:
/// the first element is dynamic, or the root element applies a group effect
/// (opacity, filter, mask, clip) that must see the whole drawing at once.
pub(crate) fn background(source: &str, dynamic: &[Range<usize>]) -> Option<Background> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = Document::parse_with_options(source, opts).ok()?;
    let root = doc.root_element();
    let effects = ["opacity", "filter", "mask", "clip-path", "style", "class"];
    if root.attributes().any(|a| effects.contains(&a.name())) {
        return None;
    }
    let root_tag_end = root.first_child().map_or(root.range().end, |c| c.range().start);
    if source[root.range().start..root_tag_end].contains("{{") {
        return None;
    }
    let mut drawables = Vec::new();
    let mut end = root_tag_end;
    for child in root.children().filter(|c| c.is_element()) {
        let r = child.range();
        let changes = source[r.clone()].contains("{{") || dynamic.iter().any(|d| d.start < r.end && r.start < d.end);
        if changes {
            break;
        }
        if !NON_DRAWING.contains(&child.tag_name().name()) {
            drawables.push(r.clone());
        }
        end = r.end;
    }
    if drawables.is_empty() {
        return None;
    }
    Some(Background {
        svg: format!("{}</svg>", &source[..end]),
        drawables,
    })
}

/// Rendered backgrounds, by (variant, width, height), each computed once even
/// when several threads ask at the same time.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    slots: OnceMap<(usize, u32, u32), Option<Arc<tiny_skia::Pixmap>>>,
}

impl Cache {
    /// A canvas holding the background of `variant` at `w`×`h` under
    /// `transform`: a copy of the cached one up to [`CACHE_PIXELS`], drawn
    /// afresh (and not kept) above.
    pub fn get(
        &self,
        template: &Template,
        variant: usize,
        (w, h): (u32, u32),
        transform: tiny_skia::Transform,
        fonts: &Fonts,
    ) -> Option<tiny_skia::Pixmap> {
        let bg = template.variants[variant].background.as_ref()?;
        let draw = || {
            // The background holds no slot, so no photo is ever asked for.
            let opt = crate::confine::usvg_options(template, fonts, |_| None);
            let tree = usvg::Tree::from_str(&bg.svg, &opt).ok()?;
            let mut pixmap = tiny_skia::Pixmap::new(w, h)?;
            resvg::render(&tree, transform, &mut pixmap.as_mut());
            Some(pixmap)
        };
        if u64::from(w) * u64::from(h) > CACHE_PIXELS {
            return draw();
        }
        self.slots
            .get_or_init((variant, w, h), || draw().map(Arc::new))
            .as_deref()
            .cloned()
    }
}

/// Largest background kept in the cache, in pixels: every social size, not print.
pub const CACHE_PIXELS: u64 = 4_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><linearGradient id="g"/></defs><rect id="bg" width="10" height="10"/><circle r="2"/><text id="name">x</text><rect id="late" width="1" height="1"/></svg>"##;

    #[test]
    fn background_stops_at_the_first_dynamic_element() {
        let text = SVG.find("<text").unwrap()..SVG.find("</text>").unwrap() + 7;
        let bg = background(SVG, &[text]).unwrap();
        assert!(bg.svg.ends_with("<circle r=\"2\"/></svg>"), "{}", bg.svg);
        assert_eq!(bg.drawables.len(), 2, "defs is not drawable; rect and circle are");
        assert!(roxmltree::Document::parse(&bg.svg).is_ok());
    }

    #[test]
    fn no_background_when_the_first_element_changes_or_the_root_has_effects() {
        assert!(background(&SVG.replace("<rect id=\"bg\"", "<rect fill=\"{{c}}\" id=\"bg\""), &[]).is_none());
        assert!(background(&SVG.replace("height=\"10\">", "height=\"10\" opacity=\"0.5\">"), &[]).is_none());
    }
}
