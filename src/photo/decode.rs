//! Photo files to pixels: JPEG (at a DCT scale when the frames allow), PNG,
//! WebP, GIF or TIFF, upright (EXIF orientation), in sRGB (ICC profiles), within size and
//! memory limits, so a decompression bomb is refused rather than decoded.

use std::io::Cursor;

use crate::limits::{MAX_PHOTO_ALLOC, MAX_PHOTO_SIDE};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbaImage};

/// Decodes a JPEG, PNG, WebP, GIF (its first frame) or TIFF photo at full size, applies its EXIF
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
        Ok(ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif | ImageFormat::Tiff) => {
            decode_other(bytes).map(|image| (image, 1.0))
        }
        _ => Err(unsupported(bytes)),
    }
}

/// Why a file is not read, naming its format when it is one people send, and how to convert it.
fn unsupported(bytes: &[u8]) -> String {
    let convert = |ext: &str| {
        format!(
            "convert it to JPEG or PNG (on a Mac: open it in Preview, File › Export; \
             on Windows: open it in Photos, Save as; or `magick photo.{ext} photo.jpg`)"
        )
    };
    let brands = || bytes.get(8..bytes.len().min(64)).unwrap_or_default().chunks_exact(4);
    if bytes.get(4..8) == Some(b"ftyp") {
        if brands().any(|b| b == b"avif" || b == b"avis") {
            return format!("an AVIF photo, which affiche cannot decode: {}", convert("avif"));
        }
        if brands().any(|b| matches!(b, b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1")) {
            return format!(
                "a HEIC photo (what iPhones send by default), which affiche cannot decode: {}; \
                 on the iPhone, Settings › Camera › Formats › Most Compatible takes JPEGs from then on",
                convert("heic")
            );
        }
    }
    let (named, ext) = match image::guess_format(bytes) {
        Ok(ImageFormat::Bmp) => ("a BMP image", "bmp"),
        _ if bytes.starts_with(b"%PDF") => ("a PDF document", "pdf"),
        _ if bytes.starts_with(b"8BPS") => ("a Photoshop document", "psd"),
        _ if looks_like_svg(bytes) => ("an SVG drawing (a photo slot takes pixels)", "svg"),
        _ => return "not a JPEG, PNG, WebP, GIF or TIFF image".into(),
    };
    format!("{named}, which affiche does not read: {}", convert(ext))
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    head.contains("<svg")
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
    let exif = match png_exif(bytes) {
        Some(exif) => Some(exif.to_vec()),
        None => decoder.exif_metadata().ok().flatten(),
    };
    let orientation = orientation(exif);
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    let mut rgba = img.into_rgba8();
    if let Some(icc) = icc {
        crate::photo::icc::rgba_to_srgb(&icc, &mut rgba);
    }
    Ok(rgba)
}

/// The EXIF orientation of a metadata block. Writers disagree on whether a WebP `EXIF`
/// (or PNG `eXIf`) chunk starts with JPEG's `Exif\0\0` marker: Pillow writes it, the
/// specs do not, and image's reader only knows the bare form, so a photo from Pillow
/// came out mirrored or upside down. Both are read here.
fn orientation(exif: Option<Vec<u8>>) -> Orientation {
    exif.and_then(|exif| {
        let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(&exif);
        Orientation::from_exif_chunk(tiff)
    })
    .unwrap_or(Orientation::NoTransforms)
}

/// A PNG's `eXIf` chunk, wherever it is: the PNG extension asks for it before the pixels,
/// but some tools append it after them, where a decoder reading the header never looks.
fn png_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut rest = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n")?;
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        if &rest[4..8] == b"eXIf" {
            return Some(data);
        }
        rest = rest.get(12 + len..)?;
    }
    None
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
