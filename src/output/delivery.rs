//! Social delivery: a file-size budget per preset (JPEG or lossy WebP quality
//! searched to fit), the only metadata a poster carries (an optional credit line), and
//! alt text written beside each image.
//!
//! Posters are encoded from pixels, so nothing from the photos' own metadata
//! (EXIF GPS, camera, editing software) can leak into them; the encoders add
//! no text chunks of their own.

use std::path::{Path, PathBuf};

use image::RgbaImage;

use crate::output::{self, Encoding, Format, encode_at};

mod budget;
pub use budget::MaxKb;

/// Lowest JPEG or WebP quality tried to fit a budget: below it, posters look blocky.
pub const MIN_QUALITY: u8 = 40;

/// How posters are delivered, besides their format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    /// File-size budget. Default: none.
    pub max_kb: Option<MaxKb>,
    /// Alt-text pattern over fields and columns (`Portrait de {name}`), written to
    /// `<output stem>.txt` and into the report. Default: none, no sidecar.
    pub alt: Option<String>,
    /// Credit line stored as the EXIF Copyright of every file. Default: none, no metadata.
    pub credit: Option<String>,
}

impl Delivery {
    /// The budget in bytes for a preset (or `template`), if any.
    pub fn budget_for(&self, preset: &str) -> Option<usize> {
        let kb = self.max_kb.as_ref()?.for_preset(preset)?;
        Some(kb as usize * 1000)
    }
}

/// A poster encoded for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub bytes: Vec<u8>,
    /// The JPEG or WebP quality used, when lowered to fit the budget.
    pub quality: Option<u8>,
    /// Set when the file is over its budget even so.
    pub warning: Option<String>,
}

/// Encodes `image`, with the credit as its only metadata, within `budget` bytes
/// when the format allows: JPEG and lossy WebP quality is searched between
/// [`MIN_QUALITY`] and the requested quality; PNG and lossless WebP only get a
/// warning when over.
pub fn deliver(image: &RgbaImage, encoding: Encoding, budget: Option<usize>, credit: Option<&str>) -> Delivered {
    let exif = credit.map(credit_exif).unwrap_or_default();
    let encode = |quality: u8| encode_at(image, encoding.format, quality, &exif);
    let Some(budget) = budget else {
        let bytes = encode(encoding.quality);
        return Delivered {
            bytes,
            quality: None,
            warning: None,
        };
    };
    let kb = |n: usize| n.div_ceil(1000);
    let lossy = match encoding.format {
        Format::Jpeg => Some("JPEG"),
        Format::Webp { lossless: false } => Some("WebP"),
        _ => None,
    };
    if let Some(name) = lossy {
        let top = encoding.quality.clamp(1, 100);
        let (bytes, quality, fits) = if encoding.format == Format::Jpeg {
            // Flattened once for every quality tried.
            let rgb = output::flatten(image);
            let encode = |q| output::encode_jpeg(&rgb, image.width(), image.height(), q, &exif);
            fit_quality(MIN_QUALITY.min(top), top, budget, encode)
        } else {
            fit_quality(MIN_QUALITY.min(top), top, budget, encode)
        };
        let warning = (!fits).then(|| {
            format!(
                "{} kB at {name} quality {quality}, the lowest tried: over the {} kB budget (max_kb); use a simpler template or a larger budget",
                kb(bytes.len()),
                budget / 1000
            )
        });
        let quality = (quality != top).then_some(quality);
        return Delivered {
            bytes,
            quality,
            warning,
        };
    }
    let bytes = encode(encoding.quality);
    let warning = (bytes.len() > budget).then(|| {
        let fix = match encoding.format {
            Format::Png => "PNG is lossless; use format = \"jpg\" or \"webp\" to fit a budget",
            _ => "WebP is written lossless (webp-lossless); use format = \"webp\" to fit a budget",
        };
        format!(
            "{} kB: over the {} kB budget (max_kb); {fix}",
            kb(bytes.len()),
            budget / 1000
        )
    });
    Delivered {
        bytes,
        quality: None,
        warning,
    }
}

/// The highest quality in `lo..=hi` whose encoding is at most `budget` bytes,
/// assuming size grows with quality: `hi` first (usually enough), then a binary
/// search. Returns the encoding, its quality and whether it fits; when nothing
/// fits, the encoding at `lo`.
pub fn fit_quality(lo: u8, hi: u8, budget: usize, mut encode: impl FnMut(u8) -> Vec<u8>) -> (Vec<u8>, u8, bool) {
    let first = encode(hi);
    if first.len() <= budget || lo >= hi {
        let fits = first.len() <= budget;
        return (first, hi, fits);
    }
    let (mut low, mut high) = (lo, hi - 1);
    let mut best: Option<(Vec<u8>, u8)> = None;
    let mut lowest: Option<Vec<u8>> = None;
    while low <= high {
        let mid = low + (high - low) / 2;
        let bytes = encode(mid);
        if bytes.len() <= budget {
            best = Some((bytes, mid));
            low = mid + 1;
        } else {
            if mid == lo {
                lowest = Some(bytes);
                break;
            }
            high = mid - 1;
        }
    }
    match best {
        Some((bytes, q)) => (bytes, q, true),
        None => (lowest.unwrap_or_else(|| encode(lo)), lo, false),
    }
}

/// A minimal EXIF block holding only the Copyright tag.
pub fn credit_exif(credit: &str) -> Vec<u8> {
    use exif::{Field, In, Tag, Value};
    let field = Field {
        tag: Tag::Copyright,
        ifd_num: In::PRIMARY,
        // EXIF says ASCII; readers take UTF-8 there, and a credit may be "Photo : Éric".
        value: Value::Ascii(vec![credit.as_bytes().to_vec()]),
    };
    let mut writer = exif::experimental::Writer::new();
    writer.push_field(&field);
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, false).expect("writing EXIF into memory");
    out.into_inner()
}

/// The alt-text file beside an output: `lea-roy-x-post.png` → `lea-roy-x-post.txt`.
pub fn alt_path(output: &Path) -> PathBuf {
    output.with_extension("txt")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake encoder whose size is 10 bytes per quality point, counting calls.
    fn sized(calls: &mut Vec<u8>) -> impl FnMut(u8) -> Vec<u8> + '_ {
        move |q| {
            calls.push(q);
            vec![0; q as usize * 10]
        }
    }

    #[test]
    fn finds_the_highest_quality_under_budget() {
        let mut calls = Vec::new();
        let (bytes, q, fits) = fit_quality(40, 90, 555, sized(&mut calls));
        assert_eq!((bytes.len(), q, fits), (550, 55, true));
        assert!(calls.len() <= 8, "{calls:?}");
        assert_eq!(calls[0], 90);
    }

    #[test]
    fn the_requested_quality_is_kept_when_it_fits() {
        let mut calls = Vec::new();
        assert_eq!(fit_quality(40, 90, 900, sized(&mut calls)).1, 90);
        assert_eq!(calls, [90]);
    }

    #[test]
    fn nothing_fits_gives_the_lowest_quality_and_says_so() {
        let mut calls = Vec::new();
        let (bytes, q, fits) = fit_quality(40, 90, 100, sized(&mut calls));
        assert_eq!((bytes.len(), q, fits), (400, 40, false));
        assert_eq!(calls.iter().filter(|&&q| q == 40).count(), 1, "{calls:?}");
        // Exactly at the lowest quality.
        assert_eq!(fit_quality(40, 90, 400, sized(&mut Vec::new())).1, 40);
    }

    #[test]
    fn credit_exif_reads_back() {
        let exif = exif::Reader::new().read_raw(credit_exif("Photo : Éric")).unwrap();
        let field = exif.get_field(exif::Tag::Copyright, exif::In::PRIMARY).unwrap();
        assert!(matches!(&field.value, exif::Value::Ascii(v) if v == &[b"Photo : \xC3\x89ric".to_vec()]));
    }

    #[test]
    fn every_format_carries_the_credit_and_nothing_without_it() {
        let image = RgbaImage::from_pixel(16, 16, image::Rgba([200, 0, 100, 255]));
        for format in [
            Format::Png,
            Format::Jpeg,
            Format::Webp { lossless: false },
            Format::Webp { lossless: true },
        ] {
            let encoding = Encoding { format, quality: 90 };
            let read = |bytes: Vec<u8>| exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes));
            let exif = read(deliver(&image, encoding, None, Some("© X")).bytes).unwrap();
            let field = exif.get_field(exif::Tag::Copyright, exif::In::PRIMARY).unwrap();
            assert!(
                matches!(&field.value, exif::Value::Ascii(v) if v == &[b"\xC2\xA9 X".to_vec()]),
                "{format:?}"
            );
            assert_eq!(exif.fields().count(), 1, "{format:?}");
            assert!(read(deliver(&image, encoding, None, None).bytes).is_err(), "{format:?}");
            let back = image::load_from_memory(&deliver(&image, encoding, None, Some("© X")).bytes).unwrap();
            assert_eq!(back.width(), 16, "{format:?} still decodes");
        }
    }

    #[test]
    fn a_noisy_jpeg_is_brought_under_budget() {
        // Noise compresses badly: quality must drop to fit.
        let mut seed = 1u32;
        let image = RgbaImage::from_fn(300, 300, |_, _| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let [a, b, c, _] = seed.to_le_bytes();
            image::Rgba([a, b, c, 255])
        });
        let jpeg = Encoding {
            format: Format::Jpeg,
            quality: 95,
        };
        let full = deliver(&image, jpeg, None, None).bytes.len();
        let budget = full / 2;
        let d = deliver(&image, jpeg, Some(budget), Some("x"));
        assert!(
            d.bytes.len() <= budget && d.warning.is_none(),
            "{} > {budget}",
            d.bytes.len()
        );
        assert!(
            d.quality.is_some_and(|q| (MIN_QUALITY..95).contains(&q)),
            "{:?}",
            d.quality
        );
        let png = deliver(&image, Encoding::default(), Some(1000), None);
        assert!(png.warning.is_some_and(|w| w.contains("over the 1 kB budget")));
    }
}
