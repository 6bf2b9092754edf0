//! The static elements above the photo and the text (frame strokes, a movement's
//! lettering, bursts): the same on every poster, so each run of them
//! ([`crate::template::statics::Overlays`]) is drawn once per variant and output size into a
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
use crate::pixel::div255;
use crate::raster::once_map::OnceMap;
use crate::template::Template;
use crate::template::ids::{OVERLAY_MARK, overlay_brackets, overlay_group};

/// The run a drawn node stands for, if it is one of [`strip`]'s groups.
pub(crate) fn run_of(node: &usvg::Node) -> Option<usize> {
    match node {
        usvg::Node::Group(g) if g.children().is_empty() => {
            g.id().strip_prefix(OVERLAY_MARK)?.strip_prefix('-')?.parse().ok()
        }
        _ => None,
    }
}

/// `svg` with each run's elements hidden in `<defs>` (not drawn, but what they define stays
/// referenceable, as for the background), and an empty group with the run's id before the
/// first of each run (where its layer goes in the drawing order).
pub(crate) fn strip(svg: &str) -> Cow<'_, str> {
    let open = format!("<!--{OVERLAY_MARK}:");
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
            let close = overlay_brackets(n).1;
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
            out.push_str(&format!("<g id=\"{}\"/>", overlay_group(n)));
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
pub(crate) struct OverlayLayers {
    slots: OnceMap<(usize, u32, u32), Option<Layers>>,
}

/// The layers of a variant's runs at one size, in run order.
pub(crate) type Layers = Arc<Vec<Layer>>;

impl OverlayLayers {
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
        if v.overlays.runs.is_empty() || u64::from(w) * u64::from(h) > crate::raster::background::CACHE_PIXELS {
            return None;
        }
        let draw = || -> Option<Layers> {
            let layers = (0..v.overlays.runs.len()).map(|n| {
                let svg = document(&v.source, &v.overlays, n);
                let pixmap = crate::raster::background::draw_static(template, fonts, &svg, (w, h), transform)?;
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
fn document(source: &str, overlays: &crate::template::statics::Overlays, n: usize) -> String {
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
    crate::compose::shadow::vectorize(&crate::template::fill::substitute(&doc, &BTreeMap::new())).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{Record, RenderOptions};
    use crate::fonts::Fonts;
    use crate::raster::tests::hero;
    use crate::raster::{Caches, render};
    use crate::template::Template;

    /// What an overlay element defines stays usable by the slots: a gradient defined inside
    /// a static group above the name still paints the name.
    #[test]
    fn a_slot_may_use_what_an_overlay_defines() {
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("t.svg");
        std::fs::write(
            &svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" height="50" fill="#fff"/><rect id="name-box" x="0" y="0" width="100" height="40" fill="none"/><text id="name" x="50" y="30" text-anchor="middle" font-family="Roboto Condensed" font-weight="900" font-size="30" fill="url(#red)">X</text><g><linearGradient id="red"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#f00"/></linearGradient><rect y="44" width="100" height="6" fill="#00f"/></g></svg>"##,
        )
        .unwrap();
        let fonts = Fonts::from_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts")).unwrap();
        let template = Template::load(&svg, &fonts).unwrap();
        assert_eq!(template.variants[0].overlays.runs.len(), 1, "the group is an overlay");
        let record = Record::from_values(1, [("name", "HHHH")]);
        let poster = render(
            &template,
            &record,
            None,
            &RenderOptions::default(),
            &fonts,
            &Caches::default(),
        )
        .unwrap()
        .image;
        let red = poster.pixels().filter(|p| p[0] > 200 && p[1] < 60 && p[2] < 60).count();
        let blue = poster.pixels().filter(|p| p[2] > 200 && p[0] < 60 && p[1] < 60).count();
        assert!(
            red > 100,
            "the name is painted with the overlay's gradient ({red} red pixels)"
        );
        assert!(blue >= 500, "the overlay's bar is drawn ({blue} blue pixels)");
    }

    /// The static runs above the photo drawn from layers give the picture of drawing
    /// them in place, within a rounding step on antialiased edges.
    #[test]
    fn overlay_layers_give_the_pixels_of_drawing_in_place() {
        let (fonts, mut template, record) = hero("Zoé LE GOFF");
        let options = RenderOptions::default();
        for size in [(270, 338), (400, 225)] {
            let variant = template.variant_index_for(size.0, size.1);
            let runs = template.variants[variant].overlays.runs.len();
            assert!(runs >= 3, "frame, lettering, burst, ribbon: {runs} runs");
            let layered = render(&template, &record, Some(size), &options, &fonts, &Caches::default())
                .unwrap()
                .image;
            let saved = std::mem::take(&mut template.variants[variant].overlays);
            let in_place = render(&template, &record, Some(size), &options, &fonts, &Caches::default())
                .unwrap()
                .image;
            template.variants[variant].overlays = saved;
            let worst = layered
                .as_raw()
                .iter()
                .zip(in_place.as_raw())
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap();
            assert!(worst <= 2, "{size:?}: a channel differs by {worst}");
        }
    }

    #[test]
    fn strip_cuts_each_run_and_leaves_one_group_where_it_stood() {
        let ((o0, c0), (o1, c1)) = (overlay_brackets(0), overlay_brackets(1));
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
