//! Hard drop shadows (flood, `in` SourceAlpha, offset, merged under the
//! source: the comic shadow of the sample template) rewritten as vectors for
//! the PDF: an offset copy of the element in the flood colour, drawn under it.
//! svg2pdf would rasterize the filtered element, and a candidate's name would
//! become a picture instead of text. Other filters are left to svg2pdf.
//! For pixels, the copies are drawn from their element's layer (`raster::shadow_layer`).

use std::collections::HashMap;
use std::fmt::Write;
use std::ops::Range;

use roxmltree::{Document, Node};

use crate::template::ids::SHADOW_COPY;

/// A filter that is only an offset copy of the source's shape in one colour.
#[derive(Debug, Clone, PartialEq)]
struct Shadow {
    dx: String,
    dy: String,
    color: String,
}

/// `svg` with every element using a hard-shadow filter drawn as two vector
/// elements; and how many filtered elements were left as they are.
pub(crate) fn vectorize(svg: &str) -> (String, usize) {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let Ok(doc) = Document::parse_with_options(svg, opts) else {
        return (svg.to_string(), 0);
    };
    let shadows: HashMap<&str, Shadow> = doc
        .descendants()
        .filter(|n| n.has_tag_name("filter"))
        .filter_map(|n| Some((n.attribute("id")?, shadow(n)?)))
        .collect();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut left = 0;
    let mut done: Vec<Range<usize>> = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let Some(id) = filter_ref(node) else { continue };
        let inside = done.iter().any(|r| r.contains(&node.range().start));
        match shadows.get(id) {
            Some(s) if !inside => {
                let own = node_edits(node, None);
                let mut copy = apply(svg, node.range(), &node_edits(node, Some(s)));
                // Marked so the rasterizer can draw it from the element's own pixels (see `draw_nodes`).
                let at = 1 + node.tag_name().name().len();
                copy.insert_str(at, &format!(" id=\"{SHADOW_COPY}{}\"", done.len() + 1));
                edits.push((node.range().start..node.range().start, copy));
                edits.extend(own);
                done.push(node.range());
            }
            _ => left += 1,
        }
    }
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    (apply(svg, 0..svg.len(), &edits), left)
}

/// The hard shadow a `<filter>` draws, if that is all it draws.
fn shadow(filter: Node) -> Option<Shadow> {
    let steps: Vec<Node> = filter.children().filter(|n| n.is_element()).collect();
    let [flood, composite, offset, merge] = steps.as_slice() else {
        return None;
    };
    let opaque = flood.attribute("flood-opacity").is_none_or(|o| o.trim() == "1");
    let units = filter.attribute("primitiveUnits").is_none_or(|u| u == "userSpaceOnUse");
    let chained = |n: &Node| n.attribute("in").is_none();
    let nodes: Vec<Option<&str>> = merge
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.attribute("in"))
        .collect();
    let ok = flood.has_tag_name("feFlood")
        && opaque
        && units
        && composite.has_tag_name("feComposite")
        && composite.attribute("in2") == Some("SourceAlpha")
        && composite.attribute("operator") == Some("in")
        && chained(composite)
        && offset.has_tag_name("feOffset")
        && chained(offset)
        && merge.has_tag_name("feMerge")
        && nodes.len() == 2
        && nodes[0].is_some()
        && nodes[0] == offset.attribute("result")
        && nodes[1] == Some("SourceGraphic");
    ok.then(|| Shadow {
        dx: offset.attribute("dx").unwrap_or("0").to_string(),
        dy: offset.attribute("dy").unwrap_or("0").to_string(),
        color: flood.attribute("flood-color").unwrap_or("black").to_string(),
    })
}

/// The filter id an element refers to, by attribute or style.
fn filter_ref<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    let value = node.attribute("filter").or_else(|| {
        let style = node.attribute("style")?;
        style
            .split(';')
            .filter_map(|d| d.split_once(':'))
            .find(|(k, _)| k.trim() == "filter")
            .map(|(_, v)| v)
    })?;
    value.trim().strip_prefix("url(#")?.split(')').next().map(str::trim)
}

/// Edits of an element's start tag: the filter dropped; for the shadow copy,
/// also the id dropped, the paint in the flood colour and the offset added.
fn node_edits(node: Node, shadow: Option<&Shadow>) -> Vec<(Range<usize>, String)> {
    let mut edits = Vec::new();
    let mut style = String::from("filter:none");
    if let Some(s) = shadow {
        let stroked = node.attribute("stroke").is_some_and(|v| v.trim() != "none")
            || node.attribute("style").is_some_and(|v| {
                v.split(';')
                    .filter_map(|d| d.split_once(':'))
                    .any(|(k, v)| k.trim() == "stroke" && v.trim() != "none")
            });
        let _ = write!(style, ";fill:{c};fill-opacity:1", c = s.color);
        if stroked {
            let _ = write!(style, ";stroke:{c};stroke-opacity:1", c = s.color);
        }
    }
    let mut has_style = false;
    let mut has_transform = false;
    for a in node.attributes() {
        match (a.name(), a.namespace()) {
            ("filter", None) => edits.push((a.range(), String::new())),
            ("id", None) if shadow.is_some() => edits.push((a.range(), String::new())),
            ("style", None) => {
                has_style = true;
                edits.push((a.range_value(), format!("{};{style}", a.value())));
            }
            ("transform", None) if shadow.is_some() => {
                has_transform = true;
                let s = shadow.expect("checked");
                edits.push((a.range_value(), format!("{} translate({} {})", a.value(), s.dx, s.dy)));
            }
            _ => {}
        }
    }
    // New attributes go right after the tag name.
    let at = node.range().start + 1 + node.tag_name().name().len();
    let mut added = String::new();
    if !has_style {
        let _ = write!(added, " style=\"{style}\"");
    }
    if let (Some(s), false) = (shadow, has_transform) {
        let _ = write!(added, " transform=\"translate({} {})\"", s.dx, s.dy);
    }
    if !added.is_empty() {
        edits.push((at..at, added));
    }
    edits
}

/// `src[within]` with `edits` (sorted, not overlapping, inside `within`) applied.
fn apply(src: &str, within: Range<usize>, edits: &[(Range<usize>, String)]) -> String {
    let mut edits: Vec<&(Range<usize>, String)> = edits.iter().collect();
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(within.len() + 256);
    let mut at = within.start;
    for (r, text) in edits {
        out.push_str(&src[at..r.start]);
        out.push_str(text);
        at = r.end;
    }
    out.push_str(&src[at..within.end]);
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const FILTER: &str = r##"<filter id="pop"><feFlood flood-color="#14001A"/><feComposite in2="SourceAlpha" operator="in"/><feOffset dx="7" dy="7" result="shadow"/><feMerge><feMergeNode in="shadow"/><feMergeNode in="SourceGraphic"/></feMerge></filter>"##;

    #[test]
    fn a_hard_shadow_becomes_an_offset_copy_under_the_element() {
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg"><defs>{FILTER}</defs><text id="name" x="1" fill="red" stroke="blue" filter="url(#pop)"><tspan>Léa</tspan></text></svg>"##
        );
        let (out, left) = vectorize(&svg);
        assert_eq!(left, 0);
        let doc = Document::parse(&out).unwrap();
        let texts: Vec<Node> = doc.descendants().filter(|n| n.has_tag_name("text")).collect();
        assert_eq!(texts.len(), 2, "{out}");
        let (copy, own) = (texts[0], texts[1]);
        assert_eq!(copy.attribute("id"), Some("affiche-shadow-1"));
        assert_eq!(copy.attribute("transform"), Some("translate(7 7)"));
        assert!(copy.attribute("style").unwrap().contains("fill:#14001A"));
        assert!(copy.attribute("style").unwrap().contains("stroke:#14001A"));
        assert_eq!(own.attribute("id"), Some("name"));
        assert_eq!(own.attribute("filter"), None);
        assert_eq!(own.attribute("transform"), None);
        assert_eq!(copy.text(), None);
        assert_eq!(copy.first_element_child().and_then(|t| t.text()), Some("Léa"));
    }

    #[test]
    fn other_filters_are_left_and_counted() {
        let blur = r#"<filter id="blur"><feGaussianBlur stdDeviation="3"/></filter>"#;
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg"><defs>{blur}</defs><rect style="filter:url(#blur)" width="5" height="5"/></svg>"##
        );
        let (out, left) = vectorize(&svg);
        assert_eq!((out.as_str(), left), (svg.as_str(), 1));
    }

    #[test]
    fn an_existing_transform_and_style_are_kept_and_extended() {
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg"><defs>{FILTER}</defs><rect transform="rotate(3)" style="fill:red;filter:url(#pop)" width="5" height="5"/></svg>"##
        );
        let (out, left) = vectorize(&svg);
        assert_eq!(left, 0);
        assert!(out.contains(r#"transform="rotate(3) translate(7 7)""#), "{out}");
        assert!(
            out.contains(r#"style="fill:red;filter:url(#pop);filter:none""#),
            "{out}"
        );
        assert!(
            !out.contains("stroke:#14001A"),
            "an unstroked shape gets no stroke: {out}"
        );
    }
}
