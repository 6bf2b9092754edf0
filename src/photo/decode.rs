//! Photo files to pixels: JPEG (at a DCT scale when the frames allow), PNG or
//! WebP, upright (EXIF orientation), in sRGB (ICC profiles), within size and
//! memory limits, so a decompression bomb is refused rather than decoded.

use std::io::Cursor;

use crate::limits::{MAX_PHOTO_ALLOC, MAX_PHOTO_SIDE};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbaImage};

/// Decodes a JPEG, PNG or WebP photo at full size, applies its EXIF
/// orientation and colour profile and returns RGBA pixels in sRGB. Errors are
/// plain messages: the caller knows the file and row.
pub fn decode(bytes: &[u8]) -> Result<RgbaImage, String> {
    decode_for(bytes, None).map(|(image, _)| image)
}

/// Like [`decode`], but a JPEG much larger than `need` (the largest frame it
/// will fill, in upright pixels) is decoded at 1/2, 1/4 or 1/8 scale in the
/// DCT. Returns the image and that scale (1.0 for a full decode).
pub fn decode_for(bytes: &[u8], need: Option<(u32, u32)>) -> Result<(RgbaImage, f32), String> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => match crate::photo::jpeg::decode(bytes, need)? {
            Some(scaled) => Ok(scaled),
            None => decode_other(bytes).map(|image| (image, 1.0)),
        },
        Ok(ImageFormat::Png | ImageFormat::WebP) => decode_other(bytes).map(|image| (image, 1.0)),
        _ => Err("not a JPEG, PNG or WebP file".into()),
    }
}

fn decode_other(bytes: &[u8]) -> Result<RgbaImage, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PHOTO_SIDE);
    limits.max_image_height = Some(MAX_PHOTO_SIDE);
    limits.max_alloc = Some(MAX_PHOTO_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    let mut rgba = img.into_rgba8();
    if let Some(icc) = icc {
        crate::photo::icc::rgba_to_srgb(&icc, &mut rgba);
    }
    Ok(rgba)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncated_files_are_errors_and_a_png_decodes_as_it_is() {
        assert!(decode(b"definitely not an image").is_err());
        // A 2×1 PNG (red, blue): no orientation, so it stays 2×1. EXIF orientations are
        // tested through the public API (tests/photos.rs).
        let mut png = Vec::new();
        RgbaImage::from_fn(2, 1, |x, _| image::Rgba([255 * (1 - x as u8), 0, 255 * x as u8, 255]))
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let img = decode(&png).unwrap();
        assert_eq!(img.dimensions(), (2, 1));
        assert_eq!(
            (img.get_pixel(0, 0).0, img.get_pixel(1, 0).0),
            ([255, 0, 0, 255], [0, 0, 255, 255])
        );
        assert!(decode(&png[..png.len() / 2]).is_err(), "truncated file is an error");
    }
}
