//! The static parts of a variant, found once at load: the background (the top-level
//! elements drawn before anything that changes per row), the runs of static elements above
//! it (overlays), and the photo slots whose element is the same on every row. The raster
//! stage draws each once per output size (`raster::background`, `raster::overlay`,
//! `raster::window`); here is only where they are in the source.
//!
//! An element changes per row when it holds a placeholder or a slot, or refers to an
//! element that does; resvg draws top-level elements one after the other, so static ones
//! drawn apart and laid in their place give the very same picture.

use std::collections::HashSet;
use std::ops::Range;

use roxmltree::Document;

use crate::template::slot::PhotoSlot;

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

/// The template source as a tree (DTDs allowed, as usvg allows them).
fn parse(source: &str) -> Option<Document<'_>> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    Document::parse_with_options(source, opts).ok()
}

/// Where the root tag ends, when its children may be drawn apart: `None` when the root
/// applies a group effect (opacity, filter, mask, clip) that must see the whole drawing at
/// once, or holds a placeholder.
fn cacheable_root(doc: &Document, source: &str) -> Option<usize> {
    let root = doc.root_element();
    let effects = ["opacity", "filter", "mask", "clip-path", "style", "class"];
    let end = root.first_child().map_or(root.range().end, |c| c.range().start);
    let plain = !root.attributes().any(|a| effects.contains(&a.name()));
    (plain && !source[root.range().start..end].contains("{{")).then_some(end)
}

/// Whether the element at `r` changes per row: it holds a placeholder or overlaps a slot.
fn changes(source: &str, dynamic: &[Range<usize>], r: &Range<usize>) -> bool {
    source[r.clone()].contains("{{") || dynamic.iter().any(|d| d.start < r.end && r.start < d.end)
}

/// The ids `text` may refer to: every `#name` ended by `)`, `"` or `'` (`url(#id)`,
/// `href="#id"`). Colours such as `"#fff"` come along; they only make the answer cautious.
fn references(text: &str) -> Vec<&str> {
    text.split('#')
        .skip(1)
        .filter_map(|after| {
            let end = after.find([')', '"', '\'', '#', '<', '>'])?;
            matches!(after.as_bytes()[end], b')' | b'"' | b'\'').then(|| &after[..end])
        })
        .collect()
}

/// Finds the static background of `source`. `dynamic` lists byte ranges that
/// change per row (slots, removed boxes). `None` when nothing can be cached:
/// the first element is dynamic, or the root element applies a group effect
/// (opacity, filter, mask, clip) that must see the whole drawing at once.
pub(crate) fn background(source: &str, dynamic: &[Range<usize>]) -> Option<Background> {
    let doc = parse(source)?;
    let root = doc.root_element();
    let root_tag_end = cacheable_root(&doc, source)?;
    let mut drawables = Vec::new();
    let mut end = root_tag_end;
    for child in root.children().filter(|c| c.is_element()) {
        let r = child.range();
        if changes(source, dynamic, &r) {
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

/// The static elements above the first dynamic one: runs of consecutive static
/// top-level elements, each drawn once per output size into a layer
/// ([`crate::raster::overlay`]) and laid onto every poster where the run stands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overlays {
    /// Every top-level drawable element of the source, in order.
    pub drawables: Vec<Range<usize>>,
    /// The runs: each lists its drawable elements, in order.
    pub runs: Vec<Vec<Range<usize>>>,
}

/// Finds the overlay runs of `source` (empty where [`background`] would find
/// nothing to cache for the whole document). An element is static when it holds
/// no placeholder, no slot, and refers to no element that does.
pub(crate) fn overlays(source: &str, dynamic: &[Range<usize>]) -> Overlays {
    let Some(doc) = parse(source) else {
        return Overlays::default();
    };
    let styled = doc
        .descendants()
        .any(|n| n.has_tag_name("style") && n.text().is_some_and(|t| t.contains("{{")));
    if cacheable_root(&doc, source).is_none() || styled || source.contains(crate::template::ids::OVERLAY_MARK) {
        return Overlays::default();
    }
    let root = doc.root_element();
    // Ids of elements that change per row, and of those that refer to one (to a fixed point).
    // Each element's references are read once: the fixed point then only compares ids.
    let ided: Vec<(&str, bool, Vec<&str>)> = doc
        .descendants()
        .filter_map(|n| {
            let r = n.range();
            Some((n.attribute("id")?, changes(source, dynamic, &r), references(&source[r])))
        })
        .collect();
    let mut changing: HashSet<&str> = ided.iter().filter(|(_, c, _)| *c).map(|(id, ..)| *id).collect();
    loop {
        let more: Vec<&str> = ided
            .iter()
            .filter(|(id, _, refs)| !changing.contains(id) && refs.iter().any(|r| changing.contains(r)))
            .map(|(id, ..)| *id)
            .collect();
        if more.is_empty() {
            break;
        }
        changing.extend(more);
    }
    let mut out = Overlays::default();
    let mut run: Vec<Range<usize>> = Vec::new();
    let mut above = false;
    for child in root.children().filter(|c| c.is_element()) {
        let r = child.range();
        let drawable = !NON_DRAWING.contains(&child.tag_name().name());
        if drawable {
            out.drawables.push(r.clone());
        }
        // Above the background: from its end, the first element that changes (as in [`background`]).
        let changed = changes(source, dynamic, &r);
        above |= changed;
        if !above {
            continue;
        }
        if changed || references(&source[r.clone()]).iter().any(|id| changing.contains(id)) {
            if !run.is_empty() {
                out.runs.push(std::mem::take(&mut run));
            }
        } else if drawable {
            run.push(r);
        }
    }
    if !run.is_empty() {
        out.runs.push(run);
    }
    out
}

/// The fields of `photos` whose top-level element in `source` holds no
/// `{{placeholder}}`.
pub(crate) fn fixed(source: &str, photos: &[PhotoSlot]) -> Vec<String> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let Ok(doc) = roxmltree::Document::parse_with_options(source, opts) else {
        return Vec::new();
    };
    let tops: Vec<std::ops::Range<usize>> = doc
        .root_element()
        .children()
        .filter(|c| c.is_element())
        .map(|c| c.range())
        .collect();
    photos
        .iter()
        .filter(|p| {
            tops.iter()
                .find(|t| t.start <= p.range.start && p.range.end <= t.end)
                .is_some_and(|t| !source[t.clone()].contains("{{"))
        })
        .map(|p| p.field.clone())
        .collect()
}

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
    fn overlay_runs_are_the_static_elements_between_dynamic_ones() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect id="bg" width="10" height="10"/><text id="name">x</text><path id="a" d="M0 0H1"/><clipPath id="c"><rect width="1" height="1"/></clipPath><path id="b" d="M0 0H2"/><path fill="{{accent}}" d="M0 0H3"/><use href="#name"/><g clip-path="url(#c)"><path id="d" d="M0 0H4"/></g></svg>"##;
        let name = svg.find("<text").unwrap()..svg.find("</text>").unwrap() + 7;
        let o = overlays(svg, &[name]);
        let ids: Vec<Vec<&str>> = o
            .runs
            .iter()
            .map(|run| run.iter().map(|r| &svg[r.start..r.start + 12]).collect())
            .collect();
        // The clip path does not break a run; the placeholder and the use of the slot do;
        // the background (before the first slot) is not an overlay.
        assert_eq!(ids, [vec!["<path id=\"a\"", "<path id=\"b\""], vec!["<g clip-path"]]);
        assert_eq!(o.drawables.len(), 7);
        // An element referring to one that changes changes too, through a chain of references.
        let chained = svg.replace(
            "<clipPath id=\"c\"><rect",
            "<clipPath id=\"c\"><use href=\"#name\"/><rect",
        );
        let name = chained.find("<text").unwrap()..chained.find("</text>").unwrap() + 7;
        // The clip path now changes: it splits the first run, and the group it clips is no overlay.
        let runs: Vec<usize> = overlays(&chained, &[name]).runs.iter().map(Vec::len).collect();
        assert_eq!(runs, [1, 1]);
        assert!(
            overlays(&SVG.replace("height=\"10\">", "height=\"10\" opacity=\"0.5\">"), &[])
                .runs
                .is_empty()
        );
    }

    #[test]
    fn references_are_the_ids_after_a_hash_in_urls_and_hrefs() {
        let text =
            r##"<g clip-path="url(#c)" fill="url('#g')"><use href="#name"/><path fill="#fff" d="M0 0"/>#loose</g>"##;
        assert_eq!(references(text), ["c", "g", "name", "fff"]);
    }

    #[test]
    fn no_background_when_the_first_element_changes_or_the_root_has_effects() {
        assert!(background(&SVG.replace("<rect id=\"bg\"", "<rect fill=\"{{c}}\" id=\"bg\""), &[]).is_none());
        assert!(background(&SVG.replace("height=\"10\">", "height=\"10\" opacity=\"0.5\">"), &[]).is_none());
    }
}
