//! Raster: one poster's pixels. A template, one composed record and an output size in;
//! an RGBA image and what was done to fit it out. Pure: no files, no printing, no global
//! state; what posters share is memoised in the caller's [`Caches`]. Each speed path has
//! its own file, with the test that it gives the pixels of the plain path beside it:
//! `background` (static background drawn once per size), `overlay` (static runs above
//! the slots as layers), `window` (photos copied 1:1 through their slot's alpha),
//! `shadow_layer` (hard shadows drawn from their element's layer).
//!
//! May import: foundation modules, `photo`, `text`, `template`, `compose`.

use std::collections::BTreeMap;
use std::sync::Arc;

use image::RgbaImage;
use resvg::{tiny_skia, usvg};

pub(crate) mod background;
mod caches;
mod once_map;
pub(crate) mod overlay;
mod shadow_layer;
pub(crate) mod window;

pub use self::caches::Caches;
use crate::compose::placement::PreparedPhotos;
use crate::compose::{Composed, Record, RenderOptions, TextReport};
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::limits::MAX_PIXELS;
use crate::template::{Template, Variant};

/// A rendered poster.
#[derive(Debug, Clone)]
pub struct Poster {
    /// Straight (not premultiplied) RGBA pixels at the requested size.
    pub image: RgbaImage,
    /// Name of the variant used.
    pub variant: String,
    pub texts: Vec<TextReport>,
    /// Problems worth a reviewer's look (low-resolution photo, cropped slot…).
    pub warnings: Vec<String>,
    /// What a viewer must see, `[x, y, width, height]` in output pixels: each
    /// text's ink (by field) and each placed face (`<field> face`). Checked
    /// against a preset's safe zone ([`crate::Preset::safe_zone_warnings`]).
    pub boxes: Vec<(String, [f32; 4])>,
}

/// Fills variant `variant` with `record`: fits every text slot into its box (text
/// decisions only, before any pixel). `caches` keeps the measurements for later posters.
pub fn compose(
    template: &Template,
    variant: usize,
    record: &Record,
    options: &RenderOptions,
    fonts: &Fonts,
    caches: &Caches,
) -> Result<Composed> {
    crate::compose::compose(template, variant, record, options, fonts, &caches.measures)
}

/// Rasterizes a composed poster at `size` (or the template's own size),
/// scaling to cover and centring when the aspect ratios differ.
pub fn rasterize(
    template: &Template,
    composed: &Composed,
    record: &Record,
    size: Option<(u32, u32)>,
    fonts: &Fonts,
    caches: &Caches,
) -> Result<Poster> {
    rasterize_with(template, composed, record, size, fonts, caches, None)
}

/// [`rasterize`] with the photos already prepared at this output's scale (from
/// [`crate::compose::placement::frames`] for another output of the same variant and scale), or prepared here when `None`.
pub(crate) fn rasterize_with(
    template: &Template,
    composed: &Composed,
    record: &Record,
    size: Option<(u32, u32)>,
    fonts: &Fonts,
    caches: &Caches,
    frames: Option<&PreparedPhotos>,
) -> Result<Poster> {
    let fresh;
    let caches = match caches.serving(template) {
        Some(caches) => caches,
        None => {
            fresh = Caches::default();
            &fresh
        }
    };
    let v = &template.variants[composed.variant];
    let fail = |message: String| Error::Render {
        row: record.row,
        message,
    };
    let ((w, h), _) = crate::template::canvas::output_size(v, size);
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(fail(format!("{w}×{h} is over the {MAX_PIXELS}-pixel limit")));
    }
    let transform = crate::template::canvas::cover(v, (w, h));
    let prepared;
    let frames = match frames {
        Some(frames) => frames,
        None => {
            prepared = crate::compose::placement::prepare_photos(template, v, record, transform.sx);
            &prepared
        }
    };
    let (warnings, boxes) = to_review(v, composed, frames, transform, (w, h));
    // Placeholders may set a radius or size: check the filled document too.
    crate::limits::check_extents(&composed.svg).map_err(|message| Error::Template {
        path: v.path.clone(),
        message,
    })?;
    // The static runs above the first slot come from layers drawn once per size: hidden
    // in the tree's <defs>, they are neither laid out nor drawn again.
    let overlays = caches
        .overlays
        .get(template, composed.variant, (w, h), transform, fonts);
    let svg = match overlays {
        Some(_) => overlay::strip(&composed.svg),
        None => std::borrow::Cow::Borrowed(composed.svg.as_str()),
    };
    let parse = |served: &BTreeMap<String, Arc<Vec<u8>>>| {
        let served = served.clone();
        let opt = crate::template::confine::usvg_options(template, fonts, move |field| {
            served.get(field).map(|b| usvg::ImageKind::PNG(b.clone()))
        });
        usvg::Tree::from_str(&svg, &opt)
    };
    let (served, direct) = window::serve(
        &caches.windows,
        v,
        composed.variant,
        &frames.photos,
        (w, h),
        transform,
        &parse,
    );
    let tree = parse(&served).map_err(|e| fail(e.to_string()))?;
    let filter_error = |(filter, message)| Error::Filter {
        path: v.path.clone(),
        filter,
        message,
    };
    // Placeholders may change a filter: check the filled tree too, before any pixel.
    crate::limits::check_filters(&v.filters, transform, (w, h)).map_err(filter_error)?;
    crate::limits::check_filters(&crate::limits::filters(&tree), transform, (w, h)).map_err(filter_error)?;
    let mut pixmap = match &v.background {
        // Start from the static background: cached and copied for social sizes,
        // drawn afresh for print sizes, where one more canvas costs hundreds of MB.
        Some(_) => caches
            .backgrounds
            .get(template, composed.variant, (w, h), transform, fonts)
            .ok_or_else(|| fail(format!("the static background of variant {:?} cannot be drawn", v.name)))?,
        None => tiny_skia::Pixmap::new(w, h).ok_or_else(|| fail(format!("cannot allocate a {w}×{h} image")))?,
    };
    draw(
        &tree,
        transform,
        &mut pixmap,
        overlays.as_deref().map(Vec::as_slice),
        &direct,
    );
    drop(tree);
    Ok(Poster {
        image: crate::template::canvas::into_image(pixmap),
        variant: v.name.clone(),
        texts: composed.texts.clone(),
        warnings,
        boxes,
    })
}

/// What a reviewer is told about one output: the text warnings, the slots its crop cuts, the
/// photos' warnings; and what a viewer must see in output pixels (each text's ink, each face).
fn to_review(
    v: &Variant,
    composed: &Composed,
    frames: &PreparedPhotos,
    transform: tiny_skia::Transform,
    size: (u32, u32),
) -> (Vec<String>, Vec<(String, [f32; 4])>) {
    let (scale, ox, oy) = (transform.sx, transform.tx, transform.ty);
    let mut warnings = composed.warnings.clone();
    warnings.extend(crate::template::canvas::cropped_slots(v, transform, size));
    warnings.extend(frames.warnings.iter().cloned());
    let inks = composed.inks.iter().map(|(field, f)| {
        let at = [f.x * scale + ox, f.y * scale + oy, f.width * scale, f.height * scale];
        (field.clone(), at)
    });
    let faces = frames
        .faces
        .iter()
        .map(|(label, [x, y, fw, fh])| (label.clone(), [x + ox, y + oy, *fw, *fh]));
    (warnings, inks.chain(faces).collect())
}

/// Draws `tree` node by node, as `resvg::render` would, except for the overlay runs (laid
/// from their layers), the photos copied through their window, and hard shadows drawn from
/// their element's pixels (`shadow_layer`).
fn draw(
    tree: &usvg::Tree,
    transform: tiny_skia::Transform,
    pixmap: &mut tiny_skia::Pixmap,
    overlays: Option<&[overlay::Layer]>,
    direct: &[window::Direct],
) {
    // Shadow pairs are drawn from absolute transforms, other nodes under their parent's.
    let (nodes, parent) = window::top_level(tree);
    let under_parent = transform.pre_concat(parent);
    shadow_layer::draw_nodes(nodes, transform, pixmap, &mut |node, pixmap| {
        let layer = overlays.and_then(|o| o.get(overlay::run_of(node)?));
        match (layer, direct.iter().find(|(id, ..)| window::holds(node, id))) {
            (Some(layer), _) => layer.draw(pixmap),
            (None, Some((_, window, image))) => window.draw(image, pixmap),
            (None, None) => window::draw_node(node, under_parent, pixmap),
        }
    });
}

/// Renders one poster: [`compose`] then [`rasterize`], with the variant whose
/// aspect ratio is nearest to `size` (see the crate's example).
pub fn render(
    template: &Template,
    record: &Record,
    size: Option<(u32, u32)>,
    options: &RenderOptions,
    fonts: &Fonts,
    caches: &Caches,
) -> Result<Poster> {
    let variant = size.map_or(0, |(w, h)| template.variant_index_for(w, h));
    let composed = compose(template, variant, record, options, fonts, caches)?;
    rasterize(template, &composed, record, size, fonts, caches)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The sample template, its fonts and a record with a small gradient photo.
    pub(crate) fn hero(name: &str) -> (Fonts, Template, Record) {
        let (fonts, template) = crate::template::sample();
        let mut record = Record::from_values(1, [("name", name), ("constituency", "Paris (1re circonscription)")]);
        let photo = image::RgbaImage::from_fn(40, 50, |x, y| image::Rgba([(x * 6) as u8, (y * 5) as u8, 90, 255]));
        record.photos.insert("photo".into(), Arc::new(photo));
        (fonts, template, record)
    }
}
