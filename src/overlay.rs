//! The static elements above the photo and the text (frame strokes, a movement's
//! lettering, bursts): the same on every poster, so each run of them
//! ([`crate::layers::Overlays`]) is drawn once per variant and output size into a
//! layer, and laid onto every poster where the run stands, instead of being laid
//! out, stroked and filled again per poster.
//!
//! A layer keeps only its visible pixels, as spans along each row, so laying it
//! down touches nothing else. Drawing a run into a layer and laying the layer
//! over the canvas is source-over twice instead of once: the same picture, with
//! an antialiased edge off by a rounding step at most (tested).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::fonts::Fonts;
use crate::once_map::OnceMap;
use crate::template::Template;
use crate::window::div255;

/// The comment that brackets a run's elements in a filled poster (`<!--affiche-overlay:N-->`
/// before, `<!--/affiche-overlay:N-->` after): values are escaped, so only the fill writes it,
/// and a template that holds it gets no overlays.
pub(crate) const MARK: &str = "affiche-overlay";

/// The id of the empty group that stands for run `n` in the drawn tree.
fn group_id(n: usize) -> String {
    format!("{MARK}-{n}")
}

/// The comments written around each element of run `n`.
pub(crate) fn brackets(n: usize) -> (String, String) {
    (format!("<!--{MARK}:{n}-->"), format!("<!--/{MARK}:{n}-->"))
}

/// The run a drawn node stands for, if it is one of [`strip`]'s groups.
pub(crate) fn run_of(node: &usvg::Node) -> Option<usize> {
    match node {
        usvg::Node::Group(g) if g.children().is_empty() => g.id().strip_prefix(MARK)?.strip_prefix('-')?.parse().ok(),
        _ => None,
    }
}

/// `svg` with each run's elements hidden in `<defs>` (not drawn, but what they define stays
/// referenceable, as for the background), and an empty group with the run's id before the
/// first of each run (where its layer goes in the drawing order).
pub(crate) fn strip(svg: &str) -> Cow<'_, str> {
    let open = format!("<!--{MARK}:");
    if !svg.contains(&open) {
        return Cow::Borrowed(svg);
    }
    let mut out = String::with_capacity(svg.len() + 64);
    let mut placed: Vec<usize> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find(&open) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len()..];
        // "N-->", the element, then its closing comment.
        let parsed = after.split_once("-->").and_then(|(n, body)| {
            let n: usize = n.parse().ok()?;
            let close = brackets(n).1;
            let end = body.find(&close)?;
            Some((n, &body[..end], &body[end + close.len()..]))
        });
        let Some((n, element, next)) = parsed else {
            // Not one of ours after all: keep it as it is.
            out.push_str(&open);
            rest = after;
            continue;
        };
        if !placed.contains(&n) {
            placed.push(n);
            out.push_str(&format!("<g id=\"{}\"/>", group_id(n)));
        }
        out.push_str("<defs>");
        out.push_str(element);
        out.push_str("</defs>");
        rest = next;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One run drawn at one size: its visible pixels (premultiplied RGBA) as spans.
#[derive(Debug, Default)]
pub(crate) struct Layer {
    /// `(offset into pixels, canvas index of the first pixel, length, opaque)`, in pixels.
    spans: Vec<(usize, usize, usize, bool)>,
    pixels: Vec<u8>,
}

impl Layer {
    /// The visible pixels of `pixmap`, split into runs that are all opaque or all translucent.
    fn from_pixmap(pixmap: &tiny_skia::Pixmap) -> Layer {
        let mut layer = Layer::default();
        let data = pixmap.data();
        let mut i = 0;
        let len = data.len() / 4;
        let alpha = |i: usize| data[i * 4 + 3];
        let width = pixmap.width() as usize;
        while i < len {
            if alpha(i) == 0 {
                i += 1;
                continue;
            }
            let opaque = alpha(i) == 255;
            let row_end = (i / width + 1) * width;
            let mut j = i + 1;
            while j < row_end && alpha(j) != 0 && (alpha(j) == 255) == opaque {
                j += 1;
            }
            layer.spans.push((layer.pixels.len() / 4, i, j - i, opaque));
            layer.pixels.extend_from_slice(&data[i * 4..j * 4]);
            i = j;
        }
        layer
    }

    /// Lays the layer over `pixmap` (the size it was drawn at), source-over.
    pub(crate) fn draw(&self, pixmap: &mut tiny_skia::Pixmap) {
        let canvas = pixmap.data_mut();
        for &(from, at, len, opaque) in &self.spans {
            let src = &self.pixels[from * 4..(from + len) * 4];
            let dst = &mut canvas[at * 4..(at + len) * 4];
            if opaque {
                dst.copy_from_slice(src);
                continue;
            }
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                let keep = 255 - u32::from(s[3]);
                for c in 0..4 {
                    d[c] = (u32::from(s[c]) + div255(u32::from(d[c]) * keep)) as u8;
                }
            }
        }
    }
}

/// Layers by (variant, width, height), each variant's drawn once per size.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    slots: OnceMap<(usize, u32, u32), Option<Layers>>,
}

/// The layers of a variant's runs at one size, in run order.
pub(crate) type Layers = Arc<Vec<Layer>>;

impl Cache {
    /// The layers of every run of `variant` at `w`×`h` under `transform`; `None` when a
    /// run cannot be drawn on its own, or the size is a print size (not kept, as backgrounds).
    pub fn get(
        &self,
        template: &Template,
        variant: usize,
        (w, h): (u32, u32),
        transform: tiny_skia::Transform,
        fonts: &Fonts,
    ) -> Option<Layers> {
        let v = &template.variants[variant];
        if v.overlays.runs.is_empty() || u64::from(w) * u64::from(h) > crate::layers::CACHE_PIXELS {
            return None;
        }
        let draw = || -> Option<Layers> {
            let layers = (0..v.overlays.runs.len()).map(|n| {
                let svg = document(&v.source, &v.overlays, n);
                let pixmap = crate::layers::draw_static(template, fonts, &svg, (w, h), transform)?;
                Some(Layer::from_pixmap(&pixmap))
            });
            layers.collect::<Option<Vec<_>>>().map(Arc::new)
        };
        self.slots.get_or_init((variant, w, h), draw)
    }
}

/// The document that draws run `n` alone: every other top-level drawable hidden in
/// `<defs>` (still referenceable), placeholders at their defaults (nothing the run
/// draws depends on them), hard shadows as the poster draws them.
fn document(source: &str, overlays: &crate::layers::Overlays, n: usize) -> String {
    let run = &overlays.runs[n];
    let mut doc = String::with_capacity(source.len() + 64 * overlays.drawables.len());
    let mut at = 0;
    for r in overlays.drawables.iter().filter(|r| !run.contains(r)) {
        doc.push_str(&source[at..r.start]);
        doc.push_str("<defs>");
        doc.push_str(&source[r.clone()]);
        doc.push_str("</defs>");
        at = r.end;
    }
    doc.push_str(&source[at..]);
    crate::shadow::vectorize(&crate::fill::substitute(&doc, &BTreeMap::new())).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_cuts_each_run_and_leaves_one_group_where_it_stood() {
        let ((o0, c0), (o1, c1)) = (brackets(0), brackets(1));
        let svg = format!("<svg>{o0}<a/>{c0} <b/> {o0}<c/>{c0}<d/>{o1}<e/>{c1}<!--kept--></svg>");
        assert_eq!(
            strip(&svg),
            "<svg><g id=\"affiche-overlay-0\"/><defs><a/></defs> <b/> <defs><c/></defs><d/>\
             <g id=\"affiche-overlay-1\"/><defs><e/></defs><!--kept--></svg>"
        );
        assert!(matches!(strip("<svg><a/></svg>"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_layer_keeps_only_visible_pixels_and_lays_them_over() {
        let mut pixmap = tiny_skia::Pixmap::new(8, 2).unwrap();
        // Row 0: an opaque run of 2 and a translucent pixel; row 1: empty.
        let data = pixmap.data_mut();
        data[4..12].copy_from_slice(&[255, 0, 0, 255, 255, 0, 0, 255]);
        data[12..16].copy_from_slice(&[0, 64, 0, 128]);
        let layer = Layer::from_pixmap(&pixmap);
        assert_eq!(layer.spans, [(0, 1, 2, true), (2, 3, 1, false)]);
        let mut canvas = tiny_skia::Pixmap::new(8, 2).unwrap();
        canvas.fill(tiny_skia::Color::from_rgba8(0, 0, 200, 255));
        layer.draw(&mut canvas);
        let px = |i: usize| &canvas.data()[i * 4..i * 4 + 4];
        assert_eq!(px(0), [0, 0, 200, 255], "left as it was");
        assert_eq!(px(1), [255, 0, 0, 255]);
        assert_eq!(px(3), [0, 64, 100, 255], "half over blue");
        assert_eq!(px(8), [0, 0, 200, 255]);
    }
}
