//! The photo's window: how much of each output pixel a photo slot lets its
//! photo through (the slot's clip path, mask and opacity), at one output size.
//!
//! The photo is prepared at its frame's exact output pixels, so drawing it is
//! a 1:1 copy through that window. resvg would instead decode the photo again,
//! sample it through a pattern, draw it into a layer and clip the layer: about
//! 18 ms for a 952×712 photo, against about 1 ms here. The window depends only
//! on the template, the slot and the size, so it is found once (by drawing the
//! slot's element with a white photo) and kept.
//!
//! Only slots whose element changes nothing but the photo's alpha take this
//! path: no filter or blend mode around the photo, nothing else drawn in the
//! element, the photo axis-aligned and 1:1. Others are drawn by resvg.

use std::collections::BTreeMap;
use std::sync::Arc;

use image::RgbaImage;
use resvg::{tiny_skia, usvg};

use crate::pixel::{div255, opaque};
use crate::raster::once_map::OnceMap;
use crate::template::Variant;

/// Where a photo lands on the output and how much of it shows.
#[derive(Debug)]
pub(crate) struct Window {
    /// Output pixel of the photo's top-left corner.
    at: (i32, i32),
    /// Output rectangle `[x, y, width, height]` the window covers.
    rect: [i32; 4],
    /// Coverage 0–255 over `rect`, row by row.
    alpha: Vec<u8>,
    /// An opaque white photo of the same size, stored as PNG: served to usvg
    /// in place of the real one, so the tree has the same geometry and no
    /// photo is encoded for a renderer that will not draw it.
    pub stand_in: Arc<Vec<u8>>,
}

/// A photo drawn by copying it through its window: its element's id, the window, the photo.
pub(crate) type Direct<'a> = (String, Arc<Window>, &'a RgbaImage);

/// The photos of one poster, each either copied 1:1 through its slot's window ([`Direct`],
/// when the slot is fixed and its element only changes alpha) or served to usvg to draw: what
/// usvg is served by field (a window's white stand-in, or the photo as a stored PNG).
/// `parse(served)` gives the poster's tree with those images.
pub(crate) fn serve<'a, E>(
    windows: &Windows,
    v: &Variant,
    variant: usize,
    photos: &'a BTreeMap<String, RgbaImage>,
    size: (u32, u32),
    transform: tiny_skia::Transform,
    parse: &impl Fn(&BTreeMap<String, Arc<Vec<u8>>>) -> Result<usvg::Tree, E>,
) -> (BTreeMap<String, Arc<Vec<u8>>>, Vec<Direct<'a>>) {
    let mut served = BTreeMap::new();
    let mut direct = Vec::new();
    for (field, image) in photos {
        let window = v.fixed_photos.contains(field).then(|| {
            let key = (variant, field.as_str(), size, image.dimensions());
            windows.get(key, transform, |stand_in| {
                let mut served: BTreeMap<String, Arc<Vec<u8>>> = BTreeMap::new();
                served.insert(field.clone(), stand_in);
                parse(&served).ok()
            })
        });
        match window.flatten() {
            Some(window) => {
                served.insert(field.clone(), window.stand_in.clone());
                direct.push((crate::template::ids::photo_id(field), window, image));
            }
            None => {
                served.insert(field.clone(), Arc::new(crate::png::encode_stored(image)));
            }
        }
    }
    (served, direct)
}

/// Whether `node` is or holds the element `id` (usvg puts an image's id on
/// the group it wraps the image in).
pub(crate) fn holds(node: &usvg::Node, id: &str) -> bool {
    node.id() == id || matches!(node, usvg::Node::Group(g) if g.children().iter().any(|c| holds(c, id)))
}

/// Windows by (variant, field, output size, photo size), each found once.
#[derive(Debug, Default)]
pub(crate) struct Windows {
    slots: OnceMap<Key, Option<Arc<Window>>>,
}

/// Variant, field, output size, photo size.
type Key = (usize, String, (u32, u32), (u32, u32));

impl Windows {
    /// The window of `field` in variant `variant` at output size `size` with a
    /// photo of `photo` pixels, `parse(stand_in)` giving the poster's tree with
    /// the stand-in served for `field`. `None` when the slot must be drawn by
    /// resvg. Only for slots whose element holds no placeholder
    /// ([`fixed`]), since it is kept across rows.
    pub fn get(
        &self,
        key: (usize, &str, (u32, u32), (u32, u32)),
        transform: tiny_skia::Transform,
        parse: impl Fn(Arc<Vec<u8>>) -> Option<usvg::Tree>,
    ) -> Option<Arc<Window>> {
        let (variant, field, size, photo) = key;
        self.slots.get_or_init((variant, field.to_string(), size, photo), || {
            find(field, size, photo, transform, parse).map(Arc::new)
        })
    }
}

/// The window of `field`'s photo: its element checked (only the photo, under
/// groups that change nothing but alpha, drawn 1:1), then drawn with a white
/// photo, whose alpha is the window.
fn find(
    field: &str,
    (w, h): (u32, u32),
    (pw, ph): (u32, u32),
    transform: tiny_skia::Transform,
    parse: impl Fn(Arc<Vec<u8>>) -> Option<usvg::Tree>,
) -> Option<Window> {
    let id = crate::template::ids::photo_id(field);
    let white = image::Rgba([255; 4]);
    // Compressed: a flat white PNG is a few kB where a stored one held the photo's size in every
    // cached window; usvg only reads its header, and it is decoded once, below.
    let stand_in = RgbaImage::from_pixel(pw, ph, white);
    let mut stand_in = crate::png::encode_fast(&stand_in, &[]);
    stand_in.shrink_to_fit(); // the encoder reserves room for the worst case
    let stand_in = Arc::new(stand_in);
    let tree = parse(stand_in.clone())?;
    let node = top_level(&tree).0.iter().find(|n| holds(n, &id))?;
    // Nothing but the photo in the element, and nothing around it but alpha.
    if !plain_path(node, &id) || !only_images(node) {
        return None;
    }
    let image = find_image(node, &id)?;
    // 1:1 and axis-aligned on the output, or the copy would not be exact.
    let t = transform.pre_concat(image.abs_transform());
    let size = image.size();
    let fits = t.kx.abs() < 1e-4
        && t.ky.abs() < 1e-4
        && ((t.sx * size.width()) - pw as f32).abs() < 0.75
        && ((t.sy * size.height()) - ph as f32).abs() < 0.75
        && (t.sx - 1.0).abs() < 0.01
        && (t.sy - 1.0).abs() < 0.01;
    if !fits {
        return None;
    }
    let at = (t.tx.round() as i32, t.ty.round() as i32);
    // Drawn with the white photo on a canvas the size of the element's box
    // only (a print poster's whole canvas is hundreds of MB): its alpha is
    // the window.
    let bbox = node.abs_layer_bounding_box()?.transform(transform)?.to_int_rect();
    let (x0, y0) = (bbox.x().max(0), bbox.y().max(0));
    let x1 = (bbox.x() + bbox.width() as i32).min(w as i32);
    let y1 = (bbox.y() + bbox.height() as i32).min(h as i32);
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    let (bw, bh) = ((x1 - x0) as u32, (y1 - y0) as u32);
    let mut pixmap = tiny_skia::Pixmap::new(bw, bh)?;
    draw_node(node, transform.post_translate(-x0 as f32, -y0 as f32), &mut pixmap);
    let alpha = pixmap.data().iter().skip(3).step_by(4).copied().collect();
    Some(Window {
        at,
        rect: [x0, y0, bw as i32, bh as i32],
        alpha,
        stand_in,
    })
}

fn plain_group(g: &usvg::Group) -> bool {
    g.filters().is_empty() && g.blend_mode() == usvg::BlendMode::Normal
}

/// Whether the groups from `node` down to element `id` only change its alpha
/// (clip path, mask, opacity: no filter, no blend mode), and element `id`
/// draws images and nothing else.
fn plain_path(node: &usvg::Node, id: &str) -> bool {
    if node.id() == id {
        return only_images(node);
    }
    match node {
        usvg::Node::Group(g) => {
            plain_group(g) && g.children().iter().filter(|c| holds(c, id)).all(|c| plain_path(c, id))
        }
        _ => false,
    }
}

fn only_images(node: &usvg::Node) -> bool {
    match node {
        usvg::Node::Image(_) => true,
        usvg::Node::Group(g) => plain_group(g) && g.children().iter().all(only_images),
        _ => false,
    }
}

/// The image drawn by element `id` under `node`.
fn find_image<'a>(node: &'a usvg::Node, id: &str) -> Option<&'a usvg::Image> {
    fn first(node: &usvg::Node) -> Option<&usvg::Image> {
        match node {
            usvg::Node::Image(i) => Some(i),
            usvg::Node::Group(g) => g.children().iter().find_map(first),
            _ => None,
        }
    }
    match node {
        _ if node.id() == id => first(node),
        usvg::Node::Group(g) => g.children().iter().find_map(|c| find_image(c, id)),
        _ => None,
    }
}

/// Draws one top-level node as [`resvg::render`] would draw it among the others.
/// The document's top-level elements, where the static runs and photo windows are found,
/// and the transform their parent adds. usvg wraps them all in one group when the root
/// element has a viewBox scale or a transform (an Inkscape page in millimetres, a viewBox
/// smaller than the width): looking only at the root's children lost every overlay run of
/// such a file (a sticker's artwork vanished from the poster). A plain group drawn child by
/// child, each under the group's transform, gives the same picture.
pub(crate) fn top_level(tree: &usvg::Tree) -> (&[usvg::Node], tiny_skia::Transform) {
    match tree.root().children() {
        [usvg::Node::Group(g)] if g.id().is_empty() && plain_but_transform(g) => (g.children(), g.transform()),
        all => (all, tiny_skia::Transform::identity()),
    }
}

/// Whether `g` only groups, perhaps with a transform: nothing that needs a layer.
pub(crate) fn plain_but_transform(g: &usvg::Group) -> bool {
    g.opacity() == usvg::Opacity::ONE
        && g.clip_path().is_none()
        && g.mask().is_none()
        && g.filters().is_empty()
        && g.blend_mode() == usvg::BlendMode::Normal
        && !g.isolate()
}

pub(crate) fn draw_node(node: &usvg::Node, transform: tiny_skia::Transform, pixmap: &mut tiny_skia::Pixmap) {
    // `render_node` draws the node at its layer box's origin: undo that shift.
    if let Some(b) = node.abs_layer_bounding_box() {
        resvg::render_node(node, transform.pre_translate(b.x(), b.y()), &mut pixmap.as_mut());
    }
}

impl Window {
    /// Draws `photo` (straight RGBA, the size the window was found for) onto
    /// `canvas` (premultiplied) through the window: source-over, 1:1.
    pub fn draw(&self, photo: &RgbaImage, canvas: &mut tiny_skia::Pixmap) {
        let [x0, y0, rw, rh] = self.rect;
        let (cw, ch) = (canvas.width() as i32, canvas.height() as i32);
        let (pw, ph) = (photo.width() as i32, photo.height() as i32);
        // Columns inside the canvas, the window and the photo at once.
        let (xa, xb) = (x0.max(0).max(self.at.0), (x0 + rw).min(cw).min(self.at.0 + pw));
        if xa >= xb {
            return;
        }
        let data = canvas.data_mut();
        let src = photo.as_raw();
        for y in y0.max(0).max(self.at.1)..(y0 + rh).min(ch).min(self.at.1 + ph) {
            let cov = &self.alpha[((y - y0) * rw + xa - x0) as usize..][..(xb - xa) as usize];
            let out = &mut data[((y * cw + xa) * 4) as usize..((y * cw + xb) * 4) as usize];
            let row = ((y - self.at.1) * pw + xa - self.at.0) as usize * 4;
            let inp = &src[row..row + (xb - xa) as usize * 4];
            // Where the window is fully open over opaque pixels (most of a row, between its
            // antialiased ends) the photo is copied as it is; the rest is blended.
            let first = cov.iter().position(|&c| c == 255).unwrap_or(0);
            let last = cov.iter().rposition(|&c| c == 255).map_or(first, |l| l + 1);
            let (a, b) = (first * 4, last * 4);
            if cov[first..last].iter().all(|&c| c == 255) && opaque(&inp[a..b]) {
                out[a..b].copy_from_slice(&inp[a..b]);
                blend_row(&mut out[..a], &inp[..a], &cov[..first]);
                blend_row(&mut out[b..], &inp[b..], &cov[last..]);
            } else {
                blend_row(out, inp, cov);
            }
        }
    }
}

/// Source-over of straight `inp` pixels through coverage `cov` onto premultiplied `out`.
fn blend_row(out: &mut [u8], inp: &[u8], cov: &[u8]) {
    for ((d, s), &c) in out.chunks_exact_mut(4).zip(inp.chunks_exact(4)).zip(cov) {
        let a = div255(s[3] as u32 * c as u32);
        if a == 255 {
            d.copy_from_slice(&[s[0], s[1], s[2], 255]);
            continue;
        }
        if a == 0 {
            continue;
        }
        let keep = 255 - a;
        for i in 0..3 {
            d[i] = div255(s[i] as u32 * a + d[i] as u32 * keep) as u8;
        }
        d[3] = (a + div255(d[3] as u32 * keep)) as u8;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use image::RgbaImage;

    use crate::compose::RenderOptions;
    use crate::raster::tests::hero;
    use crate::raster::{Caches, render};
    use crate::template::Template;

    /// The photo copied 1:1 through its slot's window against the same poster drawn by
    /// resvg, which takes over when the slot is not fixed (its element holds a placeholder).
    #[test]
    fn a_photo_copied_through_its_window_matches_resvg_drawing_it() {
        let (fonts, mut template, mut record) = hero("Zoé LE GOFF");
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/photos/collins.jpg")).unwrap();
        let photo = crate::photo::decode(&bytes).unwrap();
        let photo = image::imageops::resize(&photo, 1400, 1400, image::imageops::FilterType::Triangle);
        record.photos.insert("photo".into(), Arc::new(photo));
        let draw = |t: &Template, size| {
            render(
                t,
                &record,
                Some(size),
                &RenderOptions::default(),
                &fonts,
                &Caches::default(),
            )
            .unwrap()
            .image
        };
        let v = template.variant_index_for(1080, 1350);
        assert_eq!(
            template.variants[v].fixed_photos,
            ["photo"],
            "the portrait's photo has a window"
        );
        let fast = [(1080, 1350), (733, 916)].map(|size| draw(&template, size));
        template.variants[v].fixed_photos.clear();
        let slow = [(1080, 1350), (733, 916)].map(|size| draw(&template, size));
        // At the canvas's own size the copy is exact.
        assert!(fast[0] == slow[0], "1:1 copy differs from resvg's drawing");
        // At a fractional scale, resvg's sampling may land a column or row one
        // pixel over: compare 4×4 block means.
        let blocks =
            |img: &RgbaImage| image::imageops::resize(img, 733 / 4, 916 / 4, image::imageops::FilterType::Triangle);
        let (a, b) = (blocks(&fast[1]), blocks(&slow[1]));
        let sum: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        let mean = sum as f64 / a.as_raw().len() as f64;
        assert!(mean < 1.0, "mean block difference {mean}");
    }
}
