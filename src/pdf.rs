//! PDF for print: one composed poster as a one-page PDF, with vector shapes,
//! real text in embedded subset fonts, and each photo embedded once as the
//! prepared (cropped, resized, effects applied) image at 300 dpi.
//!
//! svg2pdf draws it. It brings its own usvg (0.45, beside resvg's 0.49: a tree
//! of one cannot feed the other), so the filled SVG text is parsed a second
//! time by that usvg, with the same font bytes and the same fallback rule.
//!
//! May import: foundation modules, `photo`, `text`, `template`, `compose`, `raster`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use image::RgbaImage;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
use svg2pdf::usvg;

use crate::compose::{Composed, Record, TextReport};
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::template::Template;
use crate::template::confine::ImageFormat;
use crate::template::ids::PHOTO_HREF;

/// Pixels per inch of a preset's size on paper: the print presets' resolution.
pub const DPI: f32 = 300.0;

const PT_PER_MM: f32 = 72.0 / 25.4;

/// Print options of a PDF page.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PdfOptions {
    /// Bleed on each side of the trimmed page, in millimetres (3 is usual):
    /// the page grows by it and the artwork is scaled to cover it. Default: 0.
    pub bleed_mm: f32,
    /// Crop marks at the trim corners, outside the bleed (the page grows to
    /// hold them). Default: false.
    pub crop_marks: bool,
}

/// A poster as a one-page PDF.
#[derive(Debug, Clone)]
pub struct PdfPoster {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// Name of the variant used.
    pub variant: String,
    pub texts: Vec<TextReport>,
    /// Problems worth a reviewer's look.
    pub warnings: Vec<String>,
}

/// The page's boxes in points, origin at the bottom left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageBoxes {
    pub media: [f32; 4],
    pub bleed: [f32; 4],
    pub trim: [f32; 4],
}

/// Crop marks: this far outside the trim box at least, this long.
const MARK_OFFSET_MM: f32 = 2.0;
const MARK_LENGTH_MM: f32 = 5.0;

/// The page for a `w`×`h`-pixel poster at 300 dpi.
pub fn page_boxes((w, h): (u32, u32), options: &PdfOptions) -> PageBoxes {
    let (tw, th) = (w as f32 / DPI * 72.0, h as f32 / DPI * 72.0);
    let bleed = options.bleed_mm.max(0.0) * PT_PER_MM;
    let margin = if options.crop_marks {
        mark_offset(bleed) + MARK_LENGTH_MM * PT_PER_MM
    } else {
        bleed
    };
    let (x1, y1) = (margin + tw, margin + th);
    PageBoxes {
        media: [0.0, 0.0, x1 + margin, y1 + margin],
        bleed: [margin - bleed, margin - bleed, x1 + bleed, y1 + bleed],
        trim: [margin, margin, x1, y1],
    }
}

/// Marks start past the bleed, so trimming never leaves a mark on the poster.
fn mark_offset(bleed: f32) -> f32 {
    bleed.max(MARK_OFFSET_MM * PT_PER_MM)
}

/// Writes a composed poster as a PDF page of `size` pixels at 300 dpi (the
/// variant's own size when `None`), the artwork covering the bleed box.
pub fn to_pdf(
    template: &Template,
    composed: &Composed,
    record: &Record,
    size: Option<(u32, u32)>,
    options: &PdfOptions,
    fonts: &Fonts,
) -> Result<PdfPoster> {
    let v = &template.variants[composed.variant];
    let ((w, h), _) = crate::template::canvas::output_size(v, size);
    let boxes = page_boxes((w, h), options);
    let [bx0, by0, bx1, by1] = boxes.bleed;
    // Points per canvas unit, covering the bleed box; pixels at DPI for photos.
    let scale = ((bx1 - bx0) / v.width).max((by1 - by0) / v.height);
    let px_scale = scale * DPI / 72.0;
    let fail = |message: String| Error::Render {
        row: record.row,
        message,
    };
    // Photos are prepared at the bleed box's pixel size: the raster limit holds here too.
    let (pw, ph) = ((v.width * px_scale) as u64, (v.height * px_scale) as u64);
    if pw * ph > crate::limits::MAX_PIXELS {
        return Err(fail(format!(
            "{pw}×{ph} at {DPI} dpi is over the {}-pixel limit",
            crate::limits::MAX_PIXELS
        )));
    }
    let frames = crate::compose::placement::prepare_photos(template, v, record, px_scale);
    let mut warnings = frames.warnings;
    let photos: BTreeMap<String, usvg::ImageKind> =
        frames.photos.into_iter().map(|(f, p)| (f, embeddable(&p))).collect();
    let options_for = |photos: BTreeMap<String, usvg::ImageKind>| usvg_options(template, fonts, photos);

    let mut documents = Vec::new();
    if let Some(bg) = &v.background {
        documents.push(bg.svg.clone());
    }
    let (svg, left) = crate::compose::shadow::vectorize(&composed.svg);
    documents.push(svg);
    if left > 0 {
        warnings.push(format!(
            "{left} filtered element(s) drawn as images in the PDF, not as vectors"
        ));
    }

    let conversion = svg2pdf::ConversionOptions {
        // Filters svg2pdf cannot draw as vectors are rasterized at print resolution.
        raster_scale: px_scale,
        ..Default::default()
    };
    let mut alloc = Ref::new(1);
    let (catalog, tree_id, page_id, content_id, info) =
        (alloc.bump(), alloc.bump(), alloc.bump(), alloc.bump(), alloc.bump());
    let mut pdf = Pdf::new();
    let mut xobjects = Vec::new();
    for (i, document) in documents.iter().enumerate() {
        let tree = usvg::Tree::from_str(document, &options_for(photos.clone())).map_err(|e| fail(e.to_string()))?;
        let (chunk, root) =
            svg2pdf::to_chunk(&tree, conversion).map_err(|e| fail(format!("PDF conversion failed: {e}")))?;
        let mut map = HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        xobjects.push((format!("Art{i}"), map[&root]));
        pdf.extend(&chunk);
    }

    let mut content = Content::new();
    content.save_state();
    content.rect(bx0, by0, bx1 - bx0, by1 - by0).clip_nonzero().end_path();
    let (aw, ah) = (v.width * scale, v.height * scale);
    let (cx, cy) = ((bx0 + bx1) / 2.0, (by0 + by1) / 2.0);
    content.transform([aw, 0.0, 0.0, ah, cx - aw / 2.0, cy - ah / 2.0]);
    for (name, _) in &xobjects {
        content.x_object(Name(name.as_bytes()));
    }
    content.restore_state();
    if options.crop_marks {
        crop_marks(&mut content, &boxes);
    }
    pdf.stream(content_id, &content.finish());

    pdf.catalog(catalog).pages(tree_id);
    pdf.pages(tree_id).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    let rect = |[x0, y0, x1, y1]: [f32; 4]| Rect::new(x0, y0, x1, y1);
    page.media_box(rect(boxes.media))
        .bleed_box(rect(boxes.bleed))
        .trim_box(rect(boxes.trim))
        .parent(tree_id)
        .contents(content_id);
    page.group()
        .transparency()
        .isolated(true)
        .knockout(false)
        .color_space()
        .srgb();
    let mut resources = page.resources();
    let mut names = resources.x_objects();
    for (name, id) in &xobjects {
        names.pair(Name(name.as_bytes()), *id);
    }
    names.finish();
    resources.finish();
    page.finish();
    pdf.document_info(info).producer(TextStr("affiche"));
    Ok(PdfPoster {
        pdf: pdf.finish(),
        variant: v.name.clone(),
        texts: composed.texts.clone(),
        warnings: composed.warnings.iter().cloned().chain(warnings).collect(),
    })
}

/// Thin registration-black lines at the four trim corners, in the margin.
fn crop_marks(content: &mut Content, boxes: &PageBoxes) {
    let [x0, y0, x1, y1] = boxes.trim;
    let bleed = x0 - boxes.bleed[0];
    let (near, far) = (mark_offset(bleed), mark_offset(bleed) + MARK_LENGTH_MM * PT_PER_MM);
    content.save_state();
    content.set_line_width(0.25);
    // 100 % of every ink, so the marks show on every plate.
    content.set_stroke_cmyk(1.0, 1.0, 1.0, 1.0);
    for (x, sx) in [(x0, -1.0), (x1, 1.0)] {
        for (y, sy) in [(y0, -1.0), (y1, 1.0)] {
            content.move_to(x + sx * near, y).line_to(x + sx * far, y);
            content.move_to(x, y + sy * near).line_to(x, y + sy * far);
        }
    }
    content.stroke();
    content.restore_state();
}

/// A prepared photo as svg2pdf embeds it: JPEG (kept as is, DCT-encoded in the
/// PDF) when opaque, PNG when it has transparency (cut-outs).
fn embeddable(photo: &RgbaImage) -> usvg::ImageKind {
    if photo.pixels().all(|p| p[3] == 255) {
        use image::buffer::ConvertBuffer;
        let rgb: image::RgbImage = photo.convert();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
            .encode_image(&rgb)
            .expect("encoding into memory cannot fail");
        usvg::ImageKind::JPEG(Arc::new(out))
    } else {
        usvg::ImageKind::PNG(Arc::new(crate::png::encode_fast(photo, &[])))
    }
}

/// svg2pdf's usvg options, as [`crate::template::confine::usvg_options`] makes resvg's:
/// the same fonts and fallback chain, the template's files, the prepared photos.
fn usvg_options<'a>(
    template: &'a Template,
    fonts: &Fonts,
    photos: BTreeMap<String, usvg::ImageKind>,
) -> usvg::Options<'a> {
    let mut opt = usvg::Options {
        fontdb: fonts.pdf_db(),
        font_family: fonts.default_family.clone(),
        ..Default::default()
    };
    let assets = template.assets.clone();
    opt.image_href_resolver.resolve_string = Box::new(move |href, _| match href.strip_prefix(PHOTO_HREF) {
        Some(field) => photos.get(field).cloned(),
        None => {
            let data = assets.get(href)?.clone();
            Some(match crate::template::confine::sniff(&data)? {
                ImageFormat::Png => usvg::ImageKind::PNG(data),
                ImageFormat::Jpeg => usvg::ImageKind::JPEG(data),
                ImageFormat::WebP => usvg::ImageKind::WEBP(data),
                ImageFormat::Gif => usvg::ImageKind::GIF(data),
            })
        }
    });
    // The same guard as for rasters (`caps::embedded`): size, gzip and shape caps.
    let default_data = usvg::ImageHrefResolver::default_data_resolver();
    opt.image_href_resolver.resolve_data = Box::new(move |mime, data, opts| match crate::limits::embedded(&data) {
        crate::limits::Embedded::Refuse => None,
        crate::limits::Embedded::Inflated(svg) => default_data(mime, std::sync::Arc::new(svg), opts),
        crate::limits::Embedded::AsIs => default_data(mime, data, opts),
    });
    let fallbacks = &template.fallbacks;
    opt.font_resolver.select_fallback =
        Box::new(move |c, exclude, db| crate::fonts::print::fallback(c, exclude, db, fallbacks));
    opt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_with_bleed_and_marks_has_nested_boxes() {
        let mm = |pt: f32| pt / PT_PER_MM;
        let plain = page_boxes((2480, 3508), &PdfOptions::default());
        assert!((mm(plain.media[2]) - 210.0).abs() < 0.05 && (mm(plain.media[3]) - 297.0).abs() < 0.05);
        assert_eq!(plain.trim, plain.media);
        let bled = page_boxes(
            (2480, 3508),
            &PdfOptions {
                bleed_mm: 3.0,
                crop_marks: false,
            },
        );
        assert!((mm(bled.media[2]) - 216.0).abs() < 0.05, "{bled:?}");
        assert_eq!(bled.bleed, bled.media);
        let marked = page_boxes(
            (2480, 3508),
            &PdfOptions {
                bleed_mm: 3.0,
                crop_marks: true,
            },
        );
        assert!(
            (mm(marked.trim[0]) - 8.0).abs() < 0.01,
            "3 mm offset + 5 mm marks: {marked:?}"
        );
        assert!((mm(marked.bleed[0]) - 5.0).abs() < 0.01);
        assert!((mm(marked.media[2]) - 226.0).abs() < 0.05);
    }
}
