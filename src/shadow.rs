//! Hard drop shadows (flood, `in` SourceAlpha, offset, merged under the
//! source: the comic shadow of the sample template) rewritten as vectors for
//! the PDF: an offset copy of the element in the flood colour, drawn under it.
//! svg2pdf would rasterize the filtered element, and a candidate's name would
//! become a picture instead of text. Other filters are left to svg2pdf.
//!
//! For pixels ([`draw_nodes`]), the copy is not drawn as vectors: the element is drawn
//! once into a layer, and the layer's coverage is laid down in the shadow colour
//! at the offset, then the layer itself. The name's stroked outline was the most
//! expensive drawing on a poster, and the vector copy drew it twice.

use std::collections::HashMap;
use std::fmt::Write;
use std::ops::Range;

use resvg::{tiny_skia, usvg};
use roxmltree::{Document, Node};
use tiny_skia::{Pixmap, Transform};

/// Id prefix of the shadow copies, numbered from 1 (an id the template is unlikely to use).
const COPY_ID: &str = "affiche-shadow-";

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
                copy.insert_str(at, &format!(" id=\"{COPY_ID}{}\"", done.len() + 1));
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

/// Draws `nodes` (a filled poster's top-level nodes) onto `pixmap`, each through
/// `other`, except each marked shadow copy and its element, drawn together (see
/// [`draw_pair`]); groups that only group are opened to reach the copies inside.
pub(crate) fn draw_nodes(
    nodes: &[usvg::Node],
    transform: Transform,
    pixmap: &mut Pixmap,
    other: &mut impl FnMut(&usvg::Node, &mut Pixmap),
) {
    let mut i = 0;
    while i < nodes.len() {
        let node = &nodes[i];
        if let Some(original) = nodes.get(i + 1).filter(|_| marked(node))
            && draw_pair(node, original, transform, pixmap)
        {
            i += 2;
            continue;
        }
        match node {
            usvg::Node::Group(g) if plain(g) && has_copy(g) => draw_nodes(g.children(), transform, pixmap, other),
            _ => other(node, pixmap),
        }
        i += 1;
    }
}

/// Whether `g` may be drawn child by child: nothing that needs a layer, and no
/// transform (its children are then drawn with the canvas transform alone).
fn plain(g: &usvg::Group) -> bool {
    plain_but_transform(g) && g.transform().is_identity()
}

/// Whether a marked copy is among `g`'s children, or theirs through groups that only group.
fn has_copy(g: &usvg::Group) -> bool {
    g.children()
        .iter()
        .any(|c| marked(c) || matches!(c, usvg::Node::Group(inner) if plain(inner) && has_copy(inner)))
}

/// A shadow copy: the marked element, or the group usvg made for its transform.
fn marked(node: &usvg::Node) -> bool {
    leaf(node).is_some_and(|l| l.id().starts_with(COPY_ID))
}

/// The one text or path under `node` and the groups usvg adds for transforms.
fn leaf(node: &usvg::Node) -> Option<&usvg::Node> {
    match node {
        usvg::Node::Text(_) | usvg::Node::Path(_) => Some(node),
        usvg::Node::Group(g) if g.children().len() == 1 && plain_but_transform(g) => leaf(&g.children()[0]),
        _ => None,
    }
}

/// Whether `g` only groups, perhaps with a transform: nothing that needs a layer.
fn plain_but_transform(g: &usvg::Group) -> bool {
    g.opacity() == usvg::Opacity::ONE
        && g.clip_path().is_none()
        && g.mask().is_none()
        && g.filters().is_empty()
        && g.blend_mode() == usvg::BlendMode::Normal
        && !g.isolate()
}

/// The paths a text or path leaf draws.
fn paths(leaf: &usvg::Node) -> Vec<&usvg::Path> {
    fn walk<'a>(g: &'a usvg::Group, out: &mut Vec<&'a usvg::Path>) -> bool {
        g.children().iter().all(|c| match c {
            usvg::Node::Path(p) => {
                out.push(p);
                true
            }
            usvg::Node::Group(inner) => plain_but_transform(inner) && walk(inner, out),
            _ => false,
        })
    }
    let mut out = Vec::new();
    let complete = match leaf {
        usvg::Node::Path(p) => {
            out.push(p.as_ref());
            true
        }
        usvg::Node::Text(t) => walk(t.flattened(), &mut out),
        _ => false,
    };
    if complete { out } else { Vec::new() }
}

/// Draws `copy` (the shadow) and `original` from one drawing of `original`: its
/// layer's coverage in the shadow colour, offset by the copy's translation rounded
/// to whole pixels, then the layer. Only when that is the vector copy's picture:
/// every paint of the original a solid colour (so the layer's coverage is the
/// copy's), the copy one colour. `false` leaves both to the caller.
fn draw_pair(copy: &usvg::Node, original: &usvg::Node, transform: Transform, pixmap: &mut Pixmap) -> bool {
    let (Some(copy_leaf), Some(own_leaf)) = (leaf(copy), leaf(original)) else {
        return false;
    };
    let solid = |paint: &usvg::Paint, opacity: usvg::Opacity| {
        matches!(paint, usvg::Paint::Color(_)) && opacity == usvg::Opacity::ONE
    };
    let own = paths(own_leaf);
    let opaque = !own.is_empty()
        && own.iter().all(|p| {
            p.fill().is_none_or(|f| solid(f.paint(), f.opacity()))
                && p.stroke().is_none_or(|s| solid(s.paint(), s.opacity()))
        });
    let Some(usvg::Paint::Color(c)) = paths(copy_leaf)
        .first()
        .and_then(|p| p.fill())
        .map(|f| f.paint().clone())
    else {
        return false;
    };
    let (a, b) = (
        transform.pre_concat(copy_leaf.abs_transform()),
        transform.pre_concat(own_leaf.abs_transform()),
    );
    let same_linear = [a.sx - b.sx, a.kx - b.kx, a.ky - b.ky, a.sy - b.sy]
        .iter()
        .all(|d| d.abs() < 1e-4);
    if !opaque || !same_linear {
        return false;
    }
    // The offset rounded to whole pixels: the shadow moves by at most half a pixel,
    // and stays as sharp as the vector copy (interpolating it softened its edge more
    // than that half pixel moved it: the golden posters differed more).
    let (dx, dy) = ((a.tx - b.tx).round() as i32, (a.ty - b.ty).round() as i32);
    // The paths' own stroked boxes: a text node's layer box leaves out accents above its line.
    let Some(bbox) = own
        .iter()
        .map(|p| p.abs_stroke_bounding_box())
        .reduce(|a, b| {
            let (l, t) = (a.left().min(b.left()), a.top().min(b.top()));
            tiny_skia::Rect::from_ltrb(l, t, a.right().max(b.right()), a.bottom().max(b.bottom())).unwrap_or(a)
        })
        .and_then(|r| r.transform(transform))
    else {
        return true; // nothing drawn
    };
    // The layer: the element's pixel box plus a margin, limited to what lands on the
    // canvas either as the element or as its shadow.
    let (w, h) = (pixmap.width() as i32, pixmap.height() as i32);
    let x0 = (bbox.left().floor() as i32 - 1).max(0.min(-dx));
    let y0 = (bbox.top().floor() as i32 - 1).max(0.min(-dy));
    let x1 = (bbox.right().ceil() as i32 + 1).min(w.max(w - dx));
    let y1 = (bbox.bottom().ceil() as i32 + 1).min(h.max(h - dy));
    let Some(mut layer) = Pixmap::new((x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32) else {
        return true; // empty: nothing drawn
    };
    let at = Transform::from_translate(-x0 as f32, -y0 as f32).pre_concat(transform);
    crate::window::draw_node(original, at, &mut layer);
    let lw = layer.width() as usize;
    let shadow = [c.red, c.green, c.blue].map(u32::from);
    let tint = |px: &[u8]| {
        let a = u32::from(px[3]);
        let [r, g, b] = shadow.map(|v| crate::window::div255(v * a) as u8);
        [r, g, b, px[3]]
    };
    over(pixmap, layer.data(), lw, (x0 + dx, y0 + dy), tint);
    over(pixmap, layer.data(), lw, (x0, y0), |px| [px[0], px[1], px[2], px[3]]);
    true
}

/// Source-over of premultiplied RGBA `src` (`src_w` pixels a row), each pixel as
/// `paint` turns it, onto `pixmap` with its origin at `at`. By hand: tiny-skia draws
/// a pixmap through its high-precision pattern pipeline, several times this loop's cost.
fn over(pixmap: &mut Pixmap, src: &[u8], src_w: usize, at: (i32, i32), paint: impl Fn(&[u8]) -> [u8; 4]) {
    let (w, h) = (pixmap.width() as i32, pixmap.height() as i32);
    let (lw, lh) = (src_w as i32, (src.len() / 4 / src_w.max(1)) as i32);
    let (xa, xb) = (at.0.max(0), (at.0 + lw).min(w));
    if xa >= xb {
        return;
    }
    let dst = pixmap.data_mut();
    for y in at.1.max(0)..(at.1 + lh).min(h) {
        let s = &src[(((y - at.1) * lw + xa - at.0) * 4) as usize..][..((xb - xa) * 4) as usize];
        let d = &mut dst[((y * w + xa) * 4) as usize..((y * w + xb) * 4) as usize];
        for (d, s) in d.chunks_exact_mut(4).zip(s.chunks_exact(4)) {
            if s[3] == 0 {
                continue;
            }
            let s = paint(s);
            let keep = 255 - u32::from(s[3]);
            for i in 0..4 {
                d[i] = (u32::from(s[i]) + crate::window::div255(u32::from(d[i]) * keep)) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILTER: &str = r##"<filter id="pop"><feFlood flood-color="#14001A"/><feComposite in2="SourceAlpha" operator="in"/><feOffset dx="7" dy="7" result="shadow"/><feMerge><feMergeNode in="shadow"/><feMergeNode in="SourceGraphic"/></feMerge></filter>"##;

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

    /// The vectorized document drawn by resvg (the copy as vectors) and through
    /// [`draw_nodes`] (the copy from the element's layer), at `scale`.
    fn both_ways(svg: &str, scale: f32) -> (Pixmap, Pixmap, usize) {
        let (out, _) = vectorize(svg);
        let tree = usvg::Tree::from_str(&out, &usvg::Options::default()).unwrap();
        let size = tree.size().to_int_size().scale_by(scale).unwrap();
        let transform = Transform::from_scale(scale, scale);
        let mut vectors = Pixmap::new(size.width(), size.height()).unwrap();
        resvg::render(&tree, transform, &mut vectors.as_mut());
        let mut layered = vectors.clone();
        layered.fill(tiny_skia::Color::TRANSPARENT);
        let mut others = 0;
        draw_nodes(tree.root().children(), transform, &mut layered, &mut |node, pixmap| {
            others += 1;
            crate::window::draw_node(node, transform, pixmap)
        });
        (vectors, layered, others)
    }

    fn max_difference(a: &Pixmap, b: &Pixmap) -> u8 {
        a.data()
            .iter()
            .zip(b.data())
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap()
    }

    #[test]
    fn a_shadow_from_the_layer_is_the_vector_copy() {
        // Stroked and filled, half off the canvas on the left: the shadow, 7 px to the
        // right, shows part of the element that is itself cut off.
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><defs>{FILTER}</defs><g><rect x="-20" y="10" width="70" height="40" rx="9" fill="#FFD400" stroke="#E6007E" stroke-width="6" filter="url(#pop)"/></g><circle cx="100" cy="60" r="10" fill="blue"/></svg>"##
        );
        let (vectors, layered, others) = both_ways(&svg, 1.0);
        // The circle went to `other`; the copy and the rect did not.
        assert_eq!(others, 1);
        assert!(
            max_difference(&vectors, &layered) <= 2,
            "{}",
            max_difference(&vectors, &layered)
        );
        // The shadow is there: the shadow colour right of and below the rect, on the canvas.
        let px = vectors.pixel(54, 55).unwrap();
        assert_eq!((px.red(), px.alpha()), (0x14, 255));
        assert_eq!(layered.pixel(54, 55), vectors.pixel(54, 55));
    }

    #[test]
    fn a_fractional_offset_moves_the_shadow_by_at_most_half_a_pixel() {
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="60"><defs>{FILTER}</defs><rect x="10" y="10" width="50" height="30" fill="#FFD400" filter="url(#pop)"/></svg>"##
        );
        // 7 × 1.2 = 8.4 px: drawn at 8. Only the shadow's edge columns and rows differ.
        let (vectors, layered, others) = both_ways(&svg, 1.2);
        assert_eq!(others, 0, "drawn as a pair");
        let differing = vectors
            .pixels()
            .iter()
            .zip(layered.pixels())
            .filter(|(a, b)| a.alpha().abs_diff(b.alpha()) > 2 || a.red().abs_diff(b.red()) > 2)
            .count();
        // Along the shadow's two visible edges only (its box is 60 × 36 px): at most two
        // pixel columns and rows, and no pixel off by more than half a pixel's coverage.
        assert!(differing > 0 && differing <= 2 * (60 + 36), "{differing}");
        let worst = vectors
            .pixels()
            .iter()
            .zip(layered.pixels())
            .map(|(a, b)| a.alpha().abs_diff(b.alpha()))
            .max();
        assert!(worst.unwrap() <= 128, "{worst:?}");
    }

    #[test]
    fn translucent_paint_keeps_the_vector_copy() {
        // A half-transparent fill: the layer's coverage is not the copy's (drawn opaque).
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="60"><defs>{FILTER}</defs><rect x="10" y="10" width="50" height="30" fill="#FFD400" fill-opacity="0.5" filter="url(#pop)"/></svg>"##
        );
        let (vectors, layered, others) = both_ways(&svg, 1.0);
        assert_eq!(others, 2, "copy and element drawn as they are");
        assert_eq!(vectors.data(), layered.data());
    }
}
