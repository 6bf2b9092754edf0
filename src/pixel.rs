//! Pixel arithmetic shared by the photo effects, the canvas and the raster speed paths:
//! one home, so each stage rounds exactly as the others do.
//!
//! Foundation: imports nothing from the pipeline.

/// Whether every pixel of RGBA8 bytes has alpha 255. One AND over the pixels as words, which
/// vectorises: a branch per pixel was a tenth of a photo's resize time.
pub(crate) fn opaque(rgba: &[u8]) -> bool {
    let all = rgba
        .chunks_exact(4)
        .fold(u32::MAX, |a, px| a & u32::from_ne_bytes([px[0], px[1], px[2], px[3]]));
    all.to_ne_bytes()[3] == 255
}

/// `v / 255`, rounded, for `v` up to 255²: shifts instead of a division (also the
/// photo effects' blend, `effects::mix`, and the layers' compositing).
#[inline]
pub(crate) fn div255(v: u32) -> u32 {
    (v + 128 + ((v + 128) >> 8)) >> 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div255_rounds_like_the_float_division() {
        for v in 0..=255 * 255 {
            assert_eq!(div255(v), (v as f32 / 255.0).round() as u32, "{v}");
            // The integer form the photo effects' blend was written with.
            assert_eq!(div255(v), (v + 127) / 255, "{v}");
        }
    }

    #[test]
    fn one_translucent_pixel_anywhere_makes_pixels_not_opaque() {
        let mut pixels = [200u8; 4 * 37];
        pixels.chunks_exact_mut(4).for_each(|px| px[3] = 255);
        assert!(opaque(&pixels) && opaque(&[]));
        for i in 0..37 {
            let mut one = pixels;
            one[4 * i + 3] = 254;
            assert!(!opaque(&one), "pixel {i}");
            // A colour byte of 0 is no alpha of 0.
            let mut dark = pixels;
            dark[4 * i..4 * i + 3].fill(0);
            assert!(opaque(&dark), "pixel {i}");
        }
    }
}
