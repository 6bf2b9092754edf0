//! One poster: a template, one record and an output size in; an RGBA image and
//! what was done to fit it out. Pure: no files, no printing, no global state.

use std::collections::BTreeMap;
use std::sync::Arc;

use image::RgbaImage;
use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};
use crate::face;
use crate::fill::{self, TextFill};
use crate::fonts::Fonts;
pub use crate::measure::text_ink;
use crate::placement::Frames;
use crate::template::Template;
use crate::text_fit::Frame;
use crate::typeset;
pub use crate::typeset::{Overflow, TextReport};

/// Largest poster, in pixels (checked before allocating): an A1 print at 300 dpi
/// (7016×9933) fits, a 100,000-pixel-wide canvas does not.
pub const MAX_PIXELS: u64 = 120_000_000;

/// One row's values, by field name, and its decoded photos.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// 1-based data row, used in error messages. Default: 0 (not from a file).
    pub row: usize,
    /// Text values by field (and placeholder column) name.
    pub values: BTreeMap<String, String>,
    /// Decoded photos by photo-slot field name (see [`crate::photo::decode`]).
    pub photos: BTreeMap<String, Arc<RgbaImage>>,
    /// Faces (largest first) and focus point per photo, from [`face::find`].
    /// Missing entries are detected when the poster renders; a batch fills
    /// them once per row so that presets share one detection.
    pub faces: BTreeMap<String, (Vec<face::Face>, [f32; 2])>,
}

impl Record {
    /// A record with text values only.
    pub fn from_values<K: Into<String>, V: Into<String>>(
        row: usize,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Record {
        Record {
            row,
            values: values.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            photos: BTreeMap::new(),
            faces: BTreeMap::new(),
        }
    }
}

impl Composed {
    /// The filled SVG, as handed to usvg: for debugging a template. The static elements
    /// drawn from layers when rasterizing are bracketed by `<!--affiche-overlay:N-->` comments.
    pub fn svg(&self) -> &str {
        &self.svg
    }
}

/// Options for composing and rendering one poster.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// What to do with text that cannot fit. Default: [`Overflow::Error`].
    pub overflow: Overflow,
}

/// A variant filled with one record: the text decisions, before any pixel.
#[derive(Debug, Clone)]
pub struct Composed {
    /// Index of the variant in [`Template::variants`].
    pub variant: usize,
    pub(crate) svg: String,
    pub texts: Vec<TextReport>,
    /// Fallback fonts, truncations and other text warnings.
    pub warnings: Vec<String>,
    /// Each text's ink, by field, in canvas units.
    pub inks: Vec<(String, Frame)>,
}

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

/// Fills variant `variant` with `record`: fits every text slot into its box.
pub fn compose(
    template: &Template,
    variant: usize,
    record: &Record,
    options: &RenderOptions,
    fonts: &Fonts,
) -> Result<Composed> {
    let v = &template.variants[variant];
    let mut sets = Vec::with_capacity(v.texts.len());
    for slot in &v.texts {
        sets.push((
            typeset::set(template, v, slot, record.row, &record.values, options.overflow, fonts)?,
            slot,
        ));
    }
    let fills: Vec<TextFill> = sets
        .iter()
        .map(|(s, slot)| TextFill::Fitted(&s.layout, template.rules_for(&slot.field).letter_spacing))
        .collect();
    Ok(Composed {
        variant,
        // A hard drop shadow drawn as an offset copy instead of a filter: the
        // same picture, without a filter layer the size of the element (the
        // name's shadow was most of a poster's drawing time).
        svg: crate::shadow::vectorize(&fill::fill_svg(v, &record.values, &fills)).0,
        texts: sets.iter().map(|(s, _)| s.report.clone()).collect(),
        warnings: sets.iter().flat_map(|(s, _)| s.warnings.iter().cloned()).collect(),
        inks: sets
            .iter()
            .filter_map(|(s, slot)| Some((slot.field.clone(), s.ink?.mapped(slot.frame, slot.canvas))))
            .collect(),
    })
}

/// Rasterizes a composed poster at `size` (or the template's own size),
/// scaling to cover and centring when the aspect ratios differ.
pub fn rasterize(
    template: &Template,
    composed: &Composed,
    record: &Record,
    size: Option<(u32, u32)>,
    fonts: &Fonts,
) -> Result<Poster> {
    rasterize_with(template, composed, record, size, fonts, None)
}

/// [`rasterize`] with the photos already prepared at this output's scale (from
/// [`crate::placement::frames`] for another output of the same variant and scale), or prepared here when `None`.
pub(crate) fn rasterize_with(
    template: &Template,
    composed: &Composed,
    record: &Record,
    size: Option<(u32, u32)>,
    fonts: &Fonts,
    frames: Option<&Frames>,
) -> Result<Poster> {
    let v = &template.variants[composed.variant];
    let ((w, h), _) = crate::canvas::output_size(v, size);
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        let message = format!("{w}×{h} is over the {MAX_PIXELS}-pixel limit");
        return Err(Error::Render {
            row: record.row,
            message,
        });
    }
    let transform = crate::canvas::cover(v, (w, h));
    let (scale, ox, oy) = (transform.sx, transform.tx, transform.ty);
    let mut warnings = composed.warnings.clone();
    warnings.extend(crate::canvas::cropped_slots(v, transform, (w, h)));
    let mut boxes: Vec<(String, [f32; 4])> = composed
        .inks
        .iter()
        .map(|(field, f)| {
            (
                field.clone(),
                [f.x * scale + ox, f.y * scale + oy, f.width * scale, f.height * scale],
            )
        })
        .collect();
    let prepared;
    let frames = match frames {
        Some(frames) => frames,
        None => {
            prepared = crate::placement::prepare_photos(template, v, record, scale);
            &prepared
        }
    };
    warnings.extend(frames.warnings.iter().cloned());
    boxes.extend(
        frames
            .faces
            .iter()
            .map(|(label, [x, y, fw, fh])| (label.clone(), [x + ox, y + oy, *fw, *fh])),
    );
    // Placeholders may set a radius or size: check the filled document too.
    crate::caps::check_extents(&composed.svg).map_err(|message| Error::Template {
        path: v.path.clone(),
        message,
    })?;
    // The static runs above the first slot come from layers drawn once per size: hidden
    // in the tree's <defs>, they are neither laid out nor drawn again.
    let overlays = template
        .overlays
        .get(template, composed.variant, (w, h), transform, fonts);
    let svg = match overlays {
        Some(_) => crate::overlay::strip(&composed.svg),
        None => std::borrow::Cow::Borrowed(composed.svg.as_str()),
    };
    let parse = |served: &BTreeMap<String, Arc<Vec<u8>>>| {
        let served = served.clone();
        let opt = crate::confine::usvg_options(template, fonts, move |field| {
            served.get(field).map(|b| usvg::ImageKind::PNG(b.clone()))
        });
        usvg::Tree::from_str(&svg, &opt)
    };
    // Photos that can be copied 1:1 through their slot's window are drawn here,
    // between the nodes below and above them; resvg draws the others.
    let mut served = BTreeMap::new();
    let mut direct = Vec::new();
    for (field, image) in &frames.photos {
        let window = v.fixed_photos.contains(field).then(|| {
            let key = (composed.variant, field.as_str(), (w, h), image.dimensions());
            template.windows.get(key, transform, |stand_in| {
                let mut served: BTreeMap<String, Arc<Vec<u8>>> = BTreeMap::new();
                served.insert(field.clone(), stand_in);
                parse(&served).ok()
            })
        });
        match window.flatten() {
            Some(window) => {
                served.insert(field.clone(), window.stand_in.clone());
                direct.push((crate::window::image_id(field), window, image));
            }
            None => {
                served.insert(field.clone(), Arc::new(crate::output::encode_png_stored(image)));
            }
        }
    }
    let tree = parse(&served).map_err(|e| Error::Render {
        row: record.row,
        message: e.to_string(),
    })?;
    let filter_error = |(filter, message)| Error::Filter {
        path: v.path.clone(),
        filter,
        message,
    };
    // Placeholders may change a filter: check the filled tree too, before any pixel.
    crate::caps::check_filters(&v.filters, transform, (w, h)).map_err(filter_error)?;
    crate::caps::check_filters(&crate::caps::filters(&tree), transform, (w, h)).map_err(filter_error)?;
    let fail = |message: String| Error::Render {
        row: record.row,
        message,
    };
    let mut pixmap = match &v.background {
        // Start from the static background: cached and copied for social sizes,
        // drawn afresh for print sizes, where one more canvas costs hundreds of MB.
        Some(_) => template
            .backgrounds
            .get(template, composed.variant, (w, h), transform, fonts)
            .ok_or_else(|| fail(format!("the static background of variant {:?} cannot be drawn", v.name)))?,
        None => tiny_skia::Pixmap::new(w, h).ok_or_else(|| fail(format!("cannot allocate a {w}×{h} image")))?,
    };
    // Node by node, as resvg::render would, but for photos copied through their
    // window and hard shadows drawn from their element's pixels (`shadow`).
    crate::shadow::draw_nodes(tree.root().children(), transform, &mut pixmap, &mut |node, pixmap| {
        let layer = overlays.as_ref().and_then(|o| o.get(crate::overlay::run_of(node)?));
        match (layer, direct.iter().find(|(id, ..)| crate::window::holds(node, id))) {
            (Some(layer), _) => layer.draw(pixmap),
            (None, Some((_, window, image))) => window.draw(image, pixmap),
            (None, None) => crate::window::draw_node(node, transform, pixmap),
        }
    });
    drop(tree);
    let image = crate::canvas::into_image(pixmap);
    Ok(Poster {
        image,
        variant: v.name.clone(),
        texts: composed.texts.clone(),
        warnings,
        boxes,
    })
}

/// Renders one poster: [`compose`] then [`rasterize`], with the variant whose
/// aspect ratio is nearest to `size`.
///
/// ```no_run
/// use affiche::{Fonts, Record, Template};
/// let fonts = Fonts::from_dir("fonts")?;
/// let template = Template::load("templates/hero", &fonts)?;
/// let mut record = Record::from_values(1, [("name", "Hélène GUÉRIN"), ("constituency", "Paris (1re circonscription)")]);
/// let photo = affiche::photo::decode(&std::fs::read("samples/photos/hopper.jpg")?).map_err(std::io::Error::other)?;
/// record.photos.insert("photo".into(), photo.into());
/// let poster = affiche::render(&template, &record, Some((1080, 1350)), &Default::default(), &fonts)?;
/// assert_eq!(poster.image.dimensions(), (1080, 1350));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(
    template: &Template,
    record: &Record,
    size: Option<(u32, u32)>,
    options: &RenderOptions,
    fonts: &Fonts,
) -> Result<Poster> {
    let variant = size.map_or(0, |(w, h)| template.variant_index_for(w, h));
    let composed = compose(template, variant, record, options, fonts)?;
    rasterize(template, &composed, record, size, fonts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample template, its fonts and a record with a small gradient photo.
    fn hero(name: &str) -> (Fonts, Template, Record) {
        let (fonts, template) = crate::template::sample();
        let mut record = Record::from_values(1, [("name", name), ("constituency", "Paris (1re circonscription)")]);
        let photo = image::RgbaImage::from_fn(40, 50, |x, y| image::Rgba([(x * 6) as u8, (y * 5) as u8, 90, 255]));
        record.photos.insert("photo".into(), Arc::new(photo));
        (fonts, template, record)
    }

    /// The cached background plus the per-row foreground gives the very pixels
    /// of drawing the whole document at once.
    #[test]
    fn cached_background_gives_identical_pixels() {
        let (fonts, mut template, record) = hero("Zoé LE GOFF-KERMARREC");
        let options = RenderOptions::default();
        for size in [(216, 270), (320, 180)] {
            let variant = template.variant_index_for(size.0, size.1);
            assert!(
                template.variants[variant].background.is_some(),
                "the hero template has a static background"
            );
            let cached = render(&template, &record, Some(size), &options, &fonts).unwrap().image;
            let saved = template.variants[variant].background.take();
            let whole = render(&template, &record, Some(size), &options, &fonts).unwrap().image;
            template.variants[variant].background = saved;
            assert!(cached == whole, "{size:?}: layered and whole renders differ");
        }
    }

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
        let poster = render(&template, &record, None, &RenderOptions::default(), &fonts)
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
            let layered = render(&template, &record, Some(size), &options, &fonts).unwrap().image;
            let saved = std::mem::take(&mut template.variants[variant].overlays);
            let in_place = render(&template, &record, Some(size), &options, &fonts).unwrap().image;
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
}
