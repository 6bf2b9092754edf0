//! Output files: encoding, safe names from a pattern, and atomic writes.
//!
//! Also owns how files reach the disk (`disk`), social delivery: size budgets, credit, alt
//! text (`delivery`), and lossy WebP (`webp`).
//!
//! May import: every stage below it (foundation to `pdf`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbaImage};

use crate::limits::MAX_NAME_BYTES;

pub(crate) mod delivery;
mod disk;
mod webp;

pub use self::disk::{sync_folder, write_atomic};

/// Image file format of the posters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// PNG with fast compression: photo content barely compresses further.
    #[default]
    Png,
    /// JPEG at [`Encoding::quality`], flattened over white.
    Jpeg,
    /// WebP: lossy at [`Encoding::quality`] (alpha kept), or lossless.
    Webp {
        /// `format = "webp-lossless"`.
        lossless: bool,
    },
    /// A print PDF page, vector text and shapes (see [`to_pdf`](crate::print::to_pdf)).
    Pdf,
}

impl Format {
    /// File extension, without the dot.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp { .. } => "webp",
            Format::Pdf => "pdf",
        }
    }

    /// Parses `png`, `jpg`/`jpeg`, `webp` (lossy), `webp-lossless` or `pdf`.
    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "png" => Some(Format::Png),
            "jpg" | "jpeg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp { lossless: false }),
            "webp-lossless" => Some(Format::Webp { lossless: true }),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// How posters are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    /// File format. Default: PNG.
    pub format: Format,
    /// JPEG and lossy WebP quality, 1–100. Default: 90.
    pub quality: u8,
}

impl Default for Encoding {
    fn default() -> Self {
        Encoding {
            format: Format::Png,
            quality: 90,
        }
    }
}

/// PNG at the fast compression level (fdeflate), no metadata.
pub fn encode_png_fast(image: &RgbaImage) -> Vec<u8> {
    crate::png::encode_fast(image, &[])
}

pub use crate::png::encode_stored as encode_png_stored;

/// Encodes a poster, with no metadata. PDF pages are written from the vector
/// document by [`crate::pdf::to_pdf`], not from pixels: an image asked for as PDF is PNG.
pub fn encode(image: &RgbaImage, encoding: Encoding) -> Vec<u8> {
    encode_at(image, encoding.format, encoding.quality, &[])
}

/// Encodes a poster in `format` (`quality` for JPEG and lossy WebP), carrying the EXIF block
/// `exif` when it is not empty and nothing else: no text chunks, no comments.
pub fn encode_at(image: &RgbaImage, format: Format, quality: u8, exif: &[u8]) -> Vec<u8> {
    let (w, h) = (image.width(), image.height());
    // Room for the worst case up front: growing by doubling copied the file
    // several times over, and the pages never written are never touched.
    let mut out = Vec::with_capacity(image.as_raw().len() + h as usize + exif.len() + 4096);
    let result = match format {
        Format::Png | Format::Pdf => return crate::png::encode_fast(image, exif),
        Format::Jpeg => return encode_jpeg(&flatten(image), w, h, quality, exif),
        Format::Webp { lossless: false } => return crate::output::webp::encode_lossy(image, quality, exif),
        Format::Webp { lossless: true } => {
            let mut encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            with_exif(&mut encoder, exif);
            encoder.write_image(image.as_raw(), w, h, ExtendedColorType::Rgba8)
        }
    };
    result.expect("encoding into memory cannot fail");
    out
}

/// JPEG has no alpha: RGB flattened over white, as a printer would.
pub fn flatten(image: &RgbaImage) -> Vec<u8> {
    image
        .pixels()
        .flat_map(|p| {
            let a = u32::from(p[3]);
            [0, 1, 2].map(|i| ((u32::from(p[i]) * a + 255 * (255 - a) + 127) / 255) as u8)
        })
        .collect()
}

/// Encodes flattened RGB pixels (from [`flatten`]) as JPEG, with `exif` if not empty.
pub fn encode_jpeg(rgb: &[u8], width: u32, height: u32, quality: u8, exif: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    with_exif(&mut encoder, exif);
    encoder
        .write_image(rgb, width, height, ExtendedColorType::Rgb8)
        .expect("encoding into memory cannot fail");
    out
}

fn with_exif(encoder: &mut impl ImageEncoder, exif: &[u8]) {
    if !exif.is_empty() {
        encoder
            .set_exif_metadata(exif.to_vec())
            .expect("PNG, JPEG and WebP encoders take EXIF");
    }
}

/// A file-name-safe ASCII slug: `Jean-Luc Mélenchon` → `jean-luc-melenchon`.
pub fn slug(text: &str) -> String {
    // `Mei-Lin ZHANG (张美琳)`: a name already written in Latin letters keeps
    // only those; a name in another script alone is transliterated.
    let latin =
        |c: char| c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c) || ('\u{1E00}'..='\u{1EFF}').contains(&c);
    let text: String = if text.chars().any(|c| c.is_ascii_alphabetic()) {
        text.chars().filter(|&c| latin(c) || !c.is_alphabetic()).collect()
    } else {
        text.to_string()
    };
    let ascii = deunicode::deunicode(&text).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    // Keep names short enough for every file system, and never empty.
    let out: String = out
        .chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    if out.is_empty() { "poster".into() } else { out }
}

/// Fills a file-name pattern. `{name}` takes a variable or a field value,
/// always slugged, so no value can add a folder or leave the output folder.
/// Only the pattern itself (the user's own) may contain `/` for subfolders.
pub fn file_name(pattern: &str, vars: &BTreeMap<String, String>) -> std::result::Result<PathBuf, String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in name pattern {pattern:?}"))?
            + start;
        let key = &rest[start + 1..end];
        let value = vars
            .get(key)
            .ok_or_else(|| format!("name pattern {pattern:?}: unknown variable {{{key}}}"))?;
        out.push_str(&if key == "ext" { value.clone() } else { slug(value) });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let path = PathBuf::from(&out);
    if out.is_empty() || out.contains('\0') || path.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!(
            "name pattern {pattern:?} gives {out:?}, which is not a plain relative file name"
        ));
    }
    // Past 255 bytes every common file system refuses the name: say so now, not mid-batch.
    if let Some(long) = path.components().find(|c| c.as_os_str().len() > MAX_NAME_BYTES) {
        return Err(format!(
            "name pattern {pattern:?} gives a file or folder name of {} bytes; at most {MAX_NAME_BYTES} are possible",
            long.as_os_str().len()
        ));
    }
    Ok(path)
}

/// Makes names unique in order: the second `a.png` becomes `a-2.png`.
/// Returns, for each renamed entry, its index.
pub fn disambiguate(names: &mut [PathBuf]) -> Vec<usize> {
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    let mut taken: std::collections::HashSet<PathBuf> = names.iter().cloned().collect();
    let mut renamed = Vec::new();
    for (i, name) in names.iter_mut().enumerate() {
        let count = seen.entry(name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            let stem = name
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ext = name
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            let mut n = *count;
            let mut candidate = name.with_file_name(format!("{stem}-{n}{ext}"));
            while taken.contains(&candidate) {
                n += 1;
                candidate = name.with_file_name(format!("{stem}-{n}{ext}"));
            }
            taken.insert(candidate.clone());
            *name = candidate;
            renamed.push(i);
        }
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn slugs_transliterate_and_never_escape() {
        assert_eq!(slug("Jean-Luc Mélenchon"), "jean-luc-melenchon");
        assert_eq!(
            slug("Marie-Éléonore DE LA TOUR D'AUVERGNE"),
            "marie-eleonore-de-la-tour-d-auvergne"
        );
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("王"), "wang");
        assert_eq!(slug("Mei-Lin ZHANG (张美琳)"), "mei-lin-zhang");
        assert_eq!(slug("Nguyễn Thị ÁNH"), "nguyen-thi-anh");
        assert_eq!(slug("???"), "poster");
    }

    #[test]
    fn file_names_come_from_the_pattern_with_slugged_values() {
        let v = vars(&[
            ("slug", "Léa ROY"),
            ("preset", "x-post"),
            ("ext", "png"),
            ("nom", "../x"),
        ]);
        assert_eq!(
            file_name("{slug}-{preset}.{ext}", &v).unwrap(),
            PathBuf::from("lea-roy-x-post.png")
        );
        assert_eq!(
            file_name("{preset}/{nom}.{ext}", &v).unwrap(),
            PathBuf::from("x-post/x.png")
        );
        assert!(file_name("../{slug}.{ext}", &v).is_err());
        assert!(file_name("/tmp/{slug}", &v).is_err());
        assert!(file_name("{unknown}", &v).unwrap_err().contains("unknown"));
        // Found by the `naming` fuzz target: a NUL byte or a name too long for any
        // file system passed, and the write failed mid-batch.
        assert!(
            file_name("{slug}\t\0.{ext}", &v)
                .unwrap_err()
                .contains("not a plain relative")
        );
        let long = format!("{}{{slug}}.{{ext}}", "a".repeat(250));
        assert!(file_name(&long, &v).unwrap_err().contains("name of 261 bytes"));
        assert!(file_name(&format!("{}/{{slug}}.{{ext}}", "a".repeat(255)), &v).is_ok());
    }

    #[test]
    fn collisions_get_numbered_in_order() {
        let mut names: Vec<PathBuf> = ["a.png", "b.png", "a.png", "a-2.png", "a.png"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let renamed = disambiguate(&mut names);
        let got: Vec<&str> = names.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(got, ["a.png", "b.png", "a-3.png", "a-2.png", "a-4.png"]);
        assert_eq!(renamed, [2, 4]);
    }

    #[test]
    fn jpeg_flattens_alpha_over_white() {
        let img = RgbaImage::from_pixel(8, 8, image::Rgba([0, 0, 0, 0]));
        let jpg = encode(
            &img,
            Encoding {
                format: Format::Jpeg,
                quality: 90,
            },
        );
        let back = image::load_from_memory(&jpg).unwrap().to_rgb8();
        assert!(back.get_pixel(4, 4)[0] > 250);
    }
}
