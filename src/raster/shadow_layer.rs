//! Marked shadow copies drawn from their element's pixels: the element is drawn
//! once into a layer, and the layer's coverage is laid down in the shadow colour
//! at the offset, then the layer itself. The name's stroked outline was the most
//! expensive drawing on a poster, and the vector copy drew it twice.

use resvg::{tiny_skia, usvg};
use tiny_skia::{Pixmap, Transform};

use crate::raster::window::plain_but_transform;
use crate::template::ids::SHADOW_COPY;

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
    leaf(node).is_some_and(|l| l.id().starts_with(SHADOW_COPY))
}

/// The one text or path under `node` and the groups usvg adds for transforms.
fn leaf(node: &usvg::Node) -> Option<&usvg::Node> {
    match node {
        usvg::Node::Text(_) | usvg::Node::Path(_) => Some(node),
        usvg::Node::Group(g) if g.children().len() == 1 && plain_but_transform(g) => leaf(&g.children()[0]),
        _ => None,
    }
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
    crate::raster::window::draw_node(original, at, &mut layer);
    let lw = layer.width() as usize;
    let shadow = [c.red, c.green, c.blue].map(u32::from);
    let tint = |px: &[u8]| {
        let a = u32::from(px[3]);
        let [r, g, b] = shadow.map(|v| crate::pixel::div255(v * a) as u8);
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
                d[i] = (u32::from(s[i]) + crate::pixel::div255(u32::from(d[i]) * keep)) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::shadow::tests::FILTER;
    use crate::compose::shadow::vectorize;

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
            crate::raster::window::draw_node(node, transform, pixmap)
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
