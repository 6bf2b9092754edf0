//! Every limit in one place: how large a poster, a photo, a template document or a text
//! value may be, and the caps on what a template can make us allocate or compute, checked
//! before the work: gzip-compressed SVG (`.svgz`, embedded `data:` SVG) inflated under a
//! size cap, shape extents, and filters whose offscreen region or kernel would be huge.
//!
//! Foundation: imports nothing from the pipeline.

use std::io::Read;

use resvg::usvg;

// Posters.

/// Largest poster, in pixels (checked before allocating): an A1 print at 300 dpi
/// (7016×9933) fits, a 100,000-pixel-wide canvas does not.
pub const MAX_PIXELS: u64 = 120_000_000;

// Photos.

/// Largest width or height accepted from a photo file, in pixels.
pub const MAX_PHOTO_SIDE: u32 = 20_000;
/// Largest decoding allocation, in bytes: a decompression bomb is refused, not decoded.
pub const MAX_PHOTO_ALLOC: u64 = 512 << 20;
/// Largest photo file read, in bytes (a 20-megapixel JPEG is 5–15 MB).
pub const MAX_PHOTO_BYTES: u64 = 256 << 20;

// Template documents.

/// Most XML nodes (elements, text, comments) in one template file.
pub const MAX_NODES: u32 = 500_000;
/// Deepest element nesting accepted in a template.
pub const MAX_DEPTH: usize = 256;
/// Largest `data:` URI accepted in a template, in bytes.
pub const MAX_DATA_URI: usize = 8 << 20;

/// Largest file a template may reference, in bytes.
pub const MAX_ASSET_BYTES: u64 = 32 << 20;

// Output files.

/// Longest file or folder name most file systems accept, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

// Text values.

/// Longest value a text slot accepts (official names reach 51, labels 53).
pub const MAX_CHARS: usize = 400;
/// Most words a text slot accepts.
pub const MAX_WORDS: usize = 40;
/// Most lines a value may wrap to, whatever the manifest says.
pub const MAX_LINES: usize = 4;

// SVG and filters.

/// Largest SVG source accepted, in bytes: a template file, or what a `.svgz`
/// (or an embedded gzip-compressed SVG) inflates to.
pub const MAX_SVG_BYTES: u64 = 16 << 20;

/// The two magic bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` are gzip-compressed.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Inflates gzip `bytes`, stopping as soon as the output would pass `cap`
/// bytes: a gzip bomb costs at most `cap` bytes of memory, never its claimed size.
pub fn inflate(bytes: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not a valid gzip (.svgz) file: {e}"))?;
    if out.len() as u64 > cap {
        return Err(format!(
            "inflates to over the {cap}-byte limit for an SVG template (a gzip bomb?)"
        ));
    }
    Ok(out)
}

/// An SVG file's bytes as text: inflated first when gzip-compressed (by magic
/// bytes, whatever the extension).
pub fn svg_text(bytes: Vec<u8>) -> Result<String, String> {
    let bytes = if is_gzip(&bytes) {
        inflate(&bytes, MAX_SVG_BYTES)?
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// What to do with an image a template embeds as `data:`, decided once for
/// both usvg versions (resvg's and svg2pdf's), whose resolvers differ in type only.
pub(crate) enum Embedded {
    /// Dropped: its header claims more pixels than a photo may have, it is a
    /// gzip bomb, or it is an SVG whose shapes are over [`MAX_EXTENT`].
    Refuse,
    /// A gzip-compressed SVG, inflated here under [`MAX_SVG_BYTES`] (usvg would
    /// inflate it without a cap) and checked.
    Inflated(Vec<u8>),
    /// Safe to hand to usvg as it is.
    AsIs,
}

/// Decides what happens to an embedded image (see [`Embedded`]).
pub(crate) fn embedded(data: &[u8]) -> Embedded {
    let dims = image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok());
    match dims {
        Some((w, h)) if w > crate::limits::MAX_PHOTO_SIDE || h > crate::limits::MAX_PHOTO_SIDE => Embedded::Refuse,
        _ if is_gzip(data) => match inflate(data, MAX_SVG_BYTES) {
            Ok(svg) if std::str::from_utf8(&svg).is_ok_and(|t| check_extents(t).is_ok()) => Embedded::Inflated(svg),
            _ => Embedded::Refuse,
        },
        // An embedded SVG is parsed by usvg too: the same caps apply.
        _ if std::str::from_utf8(data).is_ok_and(|t| check_extents(t).is_err()) => Embedded::Refuse,
        _ => Embedded::AsIs,
    }
}

/// Largest size or radius a shape may have, in user units. usvg turns an arc
/// into about (radius / 0.1)^(1/6) curves, so a radius of 1e85 (found by the
/// `template` fuzz target) asks for 10^14 of them: memory runs out while parsing.
pub const MAX_EXTENT: f64 = 1e7;

/// Checks every radius and size in an SVG document (`r`, `rx`, `ry`, `width`,
/// `height`, `viewBox`, arcs in path data) before usvg parses it. Invalid XML
/// passes: usvg reports it.
pub fn check_extents(svg: &str) -> Result<(), String> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: crate::limits::MAX_NODES,
    };
    let Ok(doc) = roxmltree::Document::parse_with_options(svg, opts) else {
        return Ok(());
    };
    let numbers = |v: &str| {
        v.split(|c: char| c == ',' || c.is_whitespace())
            .filter_map(|n| n.parse::<f64>().ok())
            .map(f64::abs)
            .reduce(f64::max)
    };
    let arcs = |d: &str| {
        svgtypes::PathParser::from(d)
            .map_while(Result::ok)
            .filter_map(|s| match s {
                svgtypes::PathSegment::EllipticalArc { rx, ry, .. } => Some(rx.abs().max(ry.abs())),
                _ => None,
            })
            .reduce(f64::max)
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            let largest = match a.name() {
                "r" | "rx" | "ry" | "width" | "height" => {
                    a.value().parse::<svgtypes::Length>().ok().map(|l| l.number.abs())
                }
                "viewBox" => numbers(a.value()),
                "d" => arcs(a.value()),
                _ => None,
            };
            if let Some(v) = largest
                && (v.is_nan() || v > MAX_EXTENT)
            {
                return Err(format!(
                    "<{} {}>: {v:e} is over the {MAX_EXTENT:e} limit for a size or radius",
                    node.tag_name().name(),
                    a.name()
                ));
            }
        }
    }
    Ok(())
}

/// Largest filter region, as a multiple of the output's area. resvg itself
/// only clamps a filtered layer to 25 times the canvas (5 × 5), at 4 bytes a
/// pixel plus one more buffer per primitive: gigabytes at print sizes.
pub const MAX_FILTER_CANVASES: u64 = 4;

/// Most pixel reads a kernel filter (`feMorphology`, `feConvolveMatrix`) may
/// make: resvg reads every kernel pixel for every output pixel, so a radius of
/// 500 on a 1080×1080 poster is 10¹² reads (hours). 10⁹ reads took 3.7 s
/// on the CI machine (feMorphology radius 11 px over 2160×1080).
pub const MAX_FILTER_READS: u64 = 1_000_000_000;

/// Largest blur standard deviation, in output pixels. A blur this wide turns
/// any poster into a flat wash already; from about 10⁹ resvg's box blur
/// overflows its integer box sizes (a panic, or garbage in a release build).
pub const MAX_BLUR_PIXELS: f32 = 10_000.0;

/// One filter as used in a parsed template, in canvas units.
#[derive(Debug, Clone)]
pub(crate) struct FilterUse {
    /// The `<filter>` element's id.
    pub id: String,
    /// Its region on the canvas.
    pub rect: usvg::NonZeroRect,
    /// Largest kernel: morphology radii in canvas units, or a convolution's size in pixels.
    pub kernel: Kernel,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Kernel {
    pub radius: (f32, f32),
    pub matrix: u64,
    /// Largest blur (`feGaussianBlur`, `feDropShadow`) standard deviation.
    pub blur: f32,
}

/// Every filter drawn by `tree`, with its region and kernel in canvas units.
pub(crate) fn filters(tree: &usvg::Tree) -> Vec<FilterUse> {
    fn walk(group: &usvg::Group, out: &mut Vec<FilterUse>) {
        let ts = group.abs_transform();
        let (sx, sy) = ts.get_scale();
        for filter in group.filters() {
            let Some(rect) = filter.rect().transform(ts) else {
                continue;
            };
            let mut kernel = Kernel::default();
            for p in filter.primitives() {
                match p.kind() {
                    usvg::filter::Kind::Morphology(m) => {
                        kernel.radius.0 = kernel.radius.0.max(m.radius_x().get() * sx);
                        kernel.radius.1 = kernel.radius.1.max(m.radius_y().get() * sy);
                    }
                    usvg::filter::Kind::GaussianBlur(b) => {
                        kernel.blur = kernel.blur.max(b.std_dev_x().get() * sx).max(b.std_dev_y().get() * sy);
                    }
                    usvg::filter::Kind::DropShadow(b) => {
                        kernel.blur = kernel.blur.max(b.std_dev_x().get() * sx).max(b.std_dev_y().get() * sy);
                    }
                    usvg::filter::Kind::ConvolveMatrix(c) => {
                        let size = u64::from(c.matrix().columns()) * u64::from(c.matrix().rows());
                        kernel.matrix = kernel.matrix.max(size);
                    }
                    _ => {}
                }
            }
            out.push(FilterUse {
                id: filter.id().to_string(),
                rect,
                kernel,
            });
        }
        for node in group.children() {
            if let usvg::Node::Group(g) = node {
                walk(g, out);
            }
            // Masks, clip paths, feImage and nested SVG images have their own groups.
            node.subroots(|g| walk(g, out));
        }
    }
    let mut out = Vec::new();
    walk(tree.root(), &mut out);
    out
}

/// Checks what each filter would cost when the canvas is drawn under
/// `transform` onto a `w`×`h` output. Err: (filter id, what is wrong).
pub(crate) fn check_filters(
    filters: &[FilterUse],
    transform: usvg::Transform,
    (w, h): (u32, u32),
) -> Result<(), (String, String)> {
    let (w, h) = (f64::from(w), f64::from(h));
    let limit = (MAX_FILTER_CANVASES as f64 * w * h).min(crate::limits::MAX_PIXELS as f64);
    let (sx, sy) = transform.get_scale();
    for f in filters {
        let Some(r) = f.rect.transform(transform) else {
            continue;
        };
        // What resvg allocates: the region, clamped to its own 5 × 5 canvas bound.
        let clamp = |a: f32, lo: f64, len: f64| f64::from(a).clamp(lo, lo + len);
        let width = clamp(r.right(), -2.0 * w, 5.0 * w) - clamp(r.left(), -2.0 * w, 5.0 * w);
        let height = clamp(r.bottom(), -2.0 * h, 5.0 * h) - clamp(r.top(), -2.0 * h, 5.0 * h);
        let pixels = (width.ceil() * height.ceil()).max(0.0);
        if pixels > limit {
            return Err((
                f.id.clone(),
                format!(
                    "its region is {:.0}×{:.0} pixels on a {w}×{h} poster, over the limit of {limit:.0} \
                     ({MAX_FILTER_CANVASES} times the poster, at most {} pixels): reduce the filter's x, y, width and height",
                    width.ceil(),
                    height.ceil(),
                    crate::limits::MAX_PIXELS
                ),
            ));
        }
        let blur = f.kernel.blur * sx.max(sy);
        if blur > MAX_BLUR_PIXELS {
            return Err((
                f.id.clone(),
                format!(
                    "a blur of {blur:.0} pixels (standard deviation) on a {w}×{h} poster is over the limit of {MAX_BLUR_PIXELS}"
                ),
            ));
        }
        // resvg clamps a morphology radius to the region's size.
        let rx = f64::from((f.kernel.radius.0 * sx).round())
            .min(width.ceil() - 1.0)
            .max(0.0);
        let ry = f64::from((f.kernel.radius.1 * sy).round())
            .min(height.ceil() - 1.0)
            .max(0.0);
        let reads = pixels * (2.0 * rx + 1.0) * (2.0 * ry + 1.0);
        let reads = reads.max(pixels * f.kernel.matrix as f64);
        if reads > MAX_FILTER_READS as f64 {
            return Err((
                f.id.clone(),
                format!(
                    "its feMorphology radius or feConvolveMatrix order would read {reads:.1e} pixels on a {w}×{h} poster, \
                     over the limit of {MAX_FILTER_READS:.0e}: use a smaller radius, order or region"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn inflates_under_the_cap_and_refuses_over_it() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(svg_text(gzip(svg)).unwrap().as_bytes(), svg);
        assert_eq!(svg_text(svg.to_vec()).unwrap().as_bytes(), svg);
        assert_eq!(inflate(&gzip(&[b' '; 100]), 100).unwrap().len(), 100);
        assert!(
            inflate(&gzip(&[b' '; 101]), 100)
                .unwrap_err()
                .contains("100-byte limit")
        );
        assert!(
            svg_text(vec![0x1f, 0x8b, 0, 0])
                .unwrap_err()
                .contains("not a valid gzip")
        );
    }
}
