//! JPEG photos: decoded at 1/2, 1/4 or 1/8 scale in the DCT itself when the
//! photo is much larger than the largest frame it fills (less entropy-to-pixel
//! work and a quarter to a 64th of the memory), CMYK/YCCK and ICC profiles
//! converted to sRGB, EXIF orientation read from the header.
//!
//! jpeg-decoder rather than image's zune-jpeg: only it scales in the DCT and
//! hands over raw CMYK for profile conversion (measured in BENCHMARKS.md).

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbaImage};
use jpeg_decoder::{Decoder, PixelFormat};

/// Zoom past the smallest cover that a scaled decode still serves without
/// upscaling. Face normalisation zooms in on small faces (1.0–3.2× past the
/// cover on the sample and benchmark portraits, most under 1.5×); the row
/// decodes again at full size when a face needs more (see `row_photos`). At 2,
/// every 3000×4000 benchmark photo was decoded in full for the social
/// frames; at 1.5, 32 of 40 are decoded at half size and 8 twice.
pub const ZOOM_MARGIN: f32 = 1.5;

/// Decodes a JPEG upright, as RGBA in sRGB, when it needs this path: a DCT
/// scale below 1 or CMYK pixels. `need` is the largest frame (in pixels,
/// upright) the photo will fill; `None` means full size. Returns the image
/// and the DCT scale used (1/2, 1/4 or 1/8; 1 for CMYK), or `None` when a
/// full-size RGB or grey decode is wanted: image's zune-jpeg does that
/// faster (85 against 106 ms for 20 MP to RGB, BENCHMARKS.md).
pub fn decode(bytes: &[u8], need: Option<(u32, u32)>) -> Result<Option<(RgbaImage, f32)>, String> {
    let mut d = Decoder::new(bytes);
    d.set_max_decoding_buffer_size(crate::limits::MAX_PHOTO_ALLOC as usize);
    d.read_info().map_err(|e| e.to_string())?;
    let info = d.info().ok_or("no JPEG frame header")?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w > crate::limits::MAX_PHOTO_SIDE || h > crate::limits::MAX_PHOTO_SIDE {
        return Err(format!(
            "{w}×{h} pixels is over the {} px limit",
            crate::limits::MAX_PHOTO_SIDE
        ));
    }
    // APP1 comes before the frame header, so the orientation is known before decoding.
    let orientation = d
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let turned = matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    );
    let (uw, uh) = if turned { (h, w) } else { (w, h) };
    let scale = need.map_or(1.0, |need| dct_scale((uw, uh), need));
    if scale == 1.0 && info.pixel_format == PixelFormat::RGB24 {
        let mut image = DynamicImage::ImageRgba8(full_rgba(bytes, (w, h))?);
        image.apply_orientation(orientation);
        return Ok(Some((image.into_rgba8(), 1.0)));
    }
    if scale == 1.0 && info.pixel_format != PixelFormat::CMYK32 {
        return Ok(None);
    }
    let (w, h) = if scale < 1.0 {
        let req = |v: u32| ((v as f32 * scale).ceil() as u32).clamp(1, u32::from(u16::MAX)) as u16;
        let (sw, sh) = d.scale(req(w), req(h)).map_err(|e| e.to_string())?;
        (u32::from(sw), u32::from(sh))
    } else {
        (w, h)
    };
    let pixels = d.decode().map_err(|e| e.to_string())?;
    let icc = d.icc_profile();
    let size_error = || "decoded pixels do not match the JPEG's size".to_string();
    let mut image = match info.pixel_format {
        PixelFormat::L8 => DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, pixels).ok_or_else(size_error)?),
        PixelFormat::L16 => {
            // 12-bit or lossless 16-bit grey, big-endian: the high byte is enough for a poster.
            let high = pixels.chunks_exact(2).map(|p| p[0]).collect();
            DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, high).ok_or_else(size_error)?)
        }
        PixelFormat::RGB24 => {
            if pixels.len() != w as usize * h as usize * 3 {
                return Err(size_error());
            }
            let mut rgba = RgbaImage::from_raw(w, h, rgb_to_rgba(&pixels)).ok_or_else(size_error)?;
            drop(pixels); // not held through the colour conversion and the turn
            if let Some(icc) = &icc {
                crate::photo::icc::rgba_to_srgb(icc, &mut rgba);
            }
            DynamicImage::ImageRgba8(rgba)
        }
        PixelFormat::CMYK32 => {
            // jpeg-decoder undoes Adobe's inversion: values are ink amounts.
            let rgba = crate::photo::icc::cmyk_to_rgba(icc.as_deref(), &pixels);
            drop(pixels);
            DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, rgba).ok_or_else(size_error)?)
        }
    };
    image.apply_orientation(orientation);
    Ok(Some((image.into_rgba8(), scale)))
}

/// A full-size colour JPEG straight to sRGB RGBA with zune-jpeg (the decoder
/// image uses, faster than jpeg-decoder at full size), asking it for RGBA
/// itself: through image, the RGB buffer and its conversion to RGBA cost a
/// third more memory and ≈ 15 ms for 12 MP.
fn full_rgba(bytes: &[u8], (w, h): (u32, u32)) -> Result<RgbaImage, String> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    // image's own settings (lenient with damaged streams), with our size limit.
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(crate::limits::MAX_PHOTO_SIDE as usize)
        .set_max_height(crate::limits::MAX_PHOTO_SIDE as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGBA);
    let mut d = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let pixels = d.decode().map_err(|e| e.to_string())?;
    let mut rgba = RgbaImage::from_raw(w, h, pixels).ok_or("decoded pixels do not match the JPEG's size")?;
    if let Some(icc) = d.icc_profile() {
        crate::photo::icc::rgba_to_srgb(&icc, &mut rgba);
    }
    Ok(rgba)
}

/// Opaque RGBA from packed RGB: a plain copy loop, several times faster than
/// image's generic colour conversion.
fn rgb_to_rgba(rgb: &[u8]) -> Vec<u8> {
    let mut out = vec![255u8; rgb.len() / 3 * 4];
    for (d, s) in out.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
        d[..3].copy_from_slice(s);
    }
    out
}

/// The smallest DCT scale whose output still covers a `need`-sized frame at
/// [`ZOOM_MARGIN`] times the cover zoom, for an upright `size` photo.
pub fn dct_scale(size: (u32, u32), need: (u32, u32)) -> f32 {
    let cover = (need.0 as f32 / size.0.max(1) as f32).max(need.1 as f32 / size.1.max(1) as f32);
    let wanted = cover * ZOOM_MARGIN;
    [0.125, 0.25, 0.5].into_iter().find(|&s| s >= wanted).unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_keeps_one_and_a_half_times_the_cover_resolution() {
        // A 3000×4000 photo for an 800×1000 frame: cover 0.27, so 1.5× needs half size;
        // for 1100×1200, cover 0.37 → 0.55 needs full size.
        assert_eq!(dct_scale((3000, 4000), (800, 1000)), 0.5);
        assert_eq!(dct_scale((3000, 4000), (1100, 1200)), 1.0);
        // For a 360×450 frame: cover 0.12 → 0.24 → a quarter.
        assert_eq!(dct_scale((3000, 4000), (360, 450)), 0.25);
        assert_eq!(dct_scale((3000, 4000), (100, 100)), 0.125);
        // A photo smaller than its frame is never scaled down.
        assert_eq!(dct_scale((300, 400), (800, 1000)), 1.0);
    }
}
