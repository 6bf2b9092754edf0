//! PNG bytes: the form usvg takes images in (photos, stand-ins) and the default poster
//! format. Foundation, so that the template, raster and PDF stages hand pixels to usvg
//! without importing the output stage.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbaImage};

/// PNG at the fast compression level (fdeflate), carrying the EXIF block `exif` when it is
/// not empty: ~30× faster than the default level for files barely larger (BENCHMARKS.md).
pub fn encode_fast(image: &RgbaImage, exif: &[u8]) -> Vec<u8> {
    let (w, h) = (image.width(), image.height());
    // Room for the worst case up front: growing by doubling copied the file
    // several times over, and the pages never written are never touched.
    let mut out = Vec::with_capacity(image.as_raw().len() + h as usize + exif.len() + 4096);
    // Paeth alone, not the adaptive choice per row: 20–25% less time
    // for files 1–2% larger on the sample posters.
    let mut encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Paeth);
    if !exif.is_empty() {
        encoder
            .set_exif_metadata(exif.to_vec())
            .expect("the PNG encoder takes EXIF");
    }
    encoder
        .write_image(image.as_raw(), w, h, ExtendedColorType::Rgba8)
        .expect("encoding into memory cannot fail");
    out
}

/// PNG without compression or filtering, for handing pixels to resvg, which
/// only takes encoded images: 0.5 ms to write and read back for a 952×712
/// photo, against 11 ms at the fast level (BENCHMARKS.md).
pub fn encode_stored(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Uncompressed, FilterType::NoFilter)
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgba8)
        .expect("encoding into memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_decode_to_the_same_pixels() {
        let image = RgbaImage::from_fn(37, 11, |x, y| {
            image::Rgba([x as u8 * 7, y as u8 * 20, 90, (x * y) as u8])
        });
        for bytes in [encode_fast(&image, &[]), encode_stored(&image)] {
            assert_eq!(image::load_from_memory(&bytes).unwrap().to_rgba8(), image);
        }
        assert!(encode_fast(&image, &[]).len() < encode_stored(&image).len());
    }
}
