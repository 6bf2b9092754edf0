//! Candidate photos: decoded once per row (upright, RGBA, with memory limits),
//! then cropped and resized to each slot's exact pixel frame.

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbaImage};
use serde::Deserialize;

/// How a photo fills its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Fill the frame, cropping what falls outside (around the focus point).
    #[default]
    Cover,
    /// Show the whole photo, leaving transparent bands.
    Contain,
}

/// Largest width or height accepted from a photo file, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Largest decoding allocation, in bytes: a decompression bomb is refused, not decoded.
pub const MAX_ALLOC: u64 = 512 << 20;

/// Largest photo file read, in bytes (a 20-megapixel JPEG is 5–15 MB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Upscaling beyond this factor is reported as a low-resolution photo.
const UPSCALE_WARNING: f32 = 1.5;

/// Decodes a JPEG, PNG or WebP photo, applies its EXIF orientation and returns
/// RGBA pixels. Errors are plain messages: the caller knows the file and row.
pub fn decode(bytes: &[u8]) -> Result<RgbaImage, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("not a JPEG, PNG or WebP file".into());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    Ok(img.into_rgba8())
}

/// A photo fitted to one frame, with what a reviewer should know about it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Exactly the frame's pixel size.
    pub image: RgbaImage,
    /// Quality warnings (low resolution).
    pub warnings: Vec<String>,
}

/// Crops (cover) or pads (contain) `photo` to `width`×`height` pixels, keeping
/// `focus` (fractions of the photo's width and height) as central as possible.
pub fn prepare(photo: &RgbaImage, width: u32, height: u32, fit: Fit, focus: [f32; 2]) -> Prepared {
    let (width, height) = (width.max(1), height.max(1));
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    let scale = match fit {
        Fit::Cover => (width as f32 / pw).max(height as f32 / ph),
        Fit::Contain => (width as f32 / pw).min(height as f32 / ph),
    };
    let mut warnings = Vec::new();
    if scale > UPSCALE_WARNING {
        warnings.push(format!(
            "photo upscaled {scale:.1}× ({}×{} px for a {width}×{height} px frame): low resolution",
            photo.width(),
            photo.height()
        ));
    }
    let image = match fit {
        Fit::Cover => {
            let (cw, ch) = (width as f32 / scale, height as f32 / scale);
            let left = (focus[0] * pw - cw / 2.0).clamp(0.0, (pw - cw).max(0.0));
            let top = (focus[1] * ph - ch / 2.0).clamp(0.0, (ph - ch).max(0.0));
            resize(photo, width, height, Some((left, top, cw.min(pw), ch.min(ph))))
        }
        Fit::Contain => {
            let w = ((pw * scale).round() as u32).clamp(1, width);
            let h = ((ph * scale).round() as u32).clamp(1, height);
            let inner = resize(photo, w, h, None);
            let mut canvas = RgbaImage::new(width, height);
            image::imageops::replace(
                &mut canvas,
                &inner,
                i64::from((width - w) / 2),
                i64::from((height - h) / 2),
            );
            canvas
        }
    };
    Prepared { image, warnings }
}

fn resize(src: &RgbaImage, width: u32, height: u32, crop: Option<(f32, f32, f32, f32)>) -> RgbaImage {
    let mut dst = RgbaImage::new(width, height);
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if let Some((l, t, w, h)) = crop {
        options = options.crop(l.into(), t.into(), w.into(), h.into());
    }
    // Both images are RGBA8, so the only possible error (pixel types differ) cannot happen.
    Resizer::new()
        .resize(src, &mut dst, &options)
        .expect("RGBA8 to RGBA8 resize");
    dst
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    /// Left half red, right half blue.
    fn halves(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                Rgba([255, 0, 0, 255])
            } else {
                Rgba([0, 0, 255, 255])
            }
        })
    }

    #[test]
    fn cover_fills_the_frame_around_the_focus() {
        let p = prepare(&halves(400, 100), 100, 100, Fit::Cover, [0.9, 0.5]);
        assert_eq!(p.image.dimensions(), (100, 100));
        assert_eq!(
            p.image.get_pixel(50, 50),
            &Rgba([0, 0, 255, 255]),
            "focus on the right keeps blue"
        );
        let p = prepare(&halves(400, 100), 100, 100, Fit::Cover, [0.1, 0.5]);
        assert_eq!(p.image.get_pixel(50, 50), &Rgba([255, 0, 0, 255]));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn contain_pads_with_transparency() {
        let p = prepare(&halves(400, 100), 100, 100, Fit::Contain, [0.5, 0.5]);
        assert_eq!(p.image.get_pixel(50, 5)[3], 0, "band above is transparent");
        assert_eq!(p.image.get_pixel(10, 50)[3], 255);
    }

    #[test]
    fn upscaling_is_reported() {
        let p = prepare(&halves(100, 100), 400, 400, Fit::Cover, [0.5, 0.5]);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("4.0×"), "{:?}", p.warnings);
    }

    #[test]
    fn decode_applies_exif_orientation_and_rejects_garbage() {
        assert!(decode(b"definitely not an image").is_err());
        // A 2×1 PNG (red, blue): no orientation, so it stays 2×1.
        let mut png = Vec::new();
        halves(2, 1)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let img = decode(&png).unwrap();
        assert_eq!(img.dimensions(), (2, 1));
        assert!(decode(&png[..png.len() / 2]).is_err(), "truncated file is an error");
    }
}
