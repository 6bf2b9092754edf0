//! Colour profiles: photos tagged with an ICC profile (Display P3 from phones,
//! Adobe RGB from cameras, CMYK from print shops) are converted to sRGB, the
//! space SVG and PNG output assume. moxcms is already in the tree through image.

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

/// Converts RGBA pixels described by `icc` to sRGB in place. A profile that
/// cannot be read, or is not an RGB profile, leaves the pixels as they are
/// (read as sRGB, as browsers do).
pub fn rgba_to_srgb(icc: &[u8], rgba: &mut [u8]) {
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        return;
    };
    if profile.color_space != DataColorSpace::Rgb {
        return;
    }
    let Ok(transform) = profile.create_transform_8bit(Layout::Rgba, &ColorProfile::new_srgb(), Layout::Rgba, options())
    else {
        return;
    };
    // sRGB-tagged photos (most of them) skip the pass: a probe of greys and
    // primaries comes back unchanged.
    let probe: Vec<u8> = (0..=255u8)
        .step_by(15)
        .flat_map(|v| [v, v, v, 255, v, 0, 0, 255, 0, v, 0, 255, 0, 0, v, 255])
        .collect();
    let mut probed = vec![0; probe.len()];
    if transform.transform(&probe, &mut probed).is_err() || probe.iter().zip(&probed).all(|(a, b)| a.abs_diff(*b) <= 1)
    {
        return;
    }
    let source = rgba.to_vec();
    if transform.transform(&source, rgba).is_err() {
        rgba.copy_from_slice(&source);
    }
}

/// Converts CMYK pixels (ink amounts, 0 = no ink) to RGBA: through the file's
/// own CMYK profile when it has one, otherwise with the plain formula every
/// browser uses for untagged CMYK.
pub fn cmyk_to_rgba(icc: Option<&[u8]>, cmyk: &[u8]) -> Vec<u8> {
    let mut rgba = vec![255u8; cmyk.len()];
    if let Some(profile) = icc.and_then(|p| ColorProfile::new_from_slice(p).ok())
        && profile.color_space == DataColorSpace::Cmyk
        && let Ok(transform) =
            profile.create_transform_8bit(Layout::Rgba, &ColorProfile::new_srgb(), Layout::Rgba, options())
    {
        // moxcms reads CMYK with "0 = no ink" too; its alpha slot is K, so restore opacity after.
        if transform.transform(cmyk, &mut rgba).is_ok() {
            rgba.chunks_exact_mut(4).for_each(|p| p[3] = 255);
            return rgba;
        }
    }
    for (out, p) in rgba.chunks_exact_mut(4).zip(cmyk.chunks_exact(4)) {
        let white = 255 - u16::from(p[3]);
        for c in 0..3 {
            out[c] = ((255 - u16::from(p[c])) * white / 255) as u8;
        }
        out[3] = 255;
    }
    rgba
}

fn options() -> TransformOptions {
    // Perceptual intent: out-of-gamut colours (P3 reds, print blacks) are compressed, not clipped flat.
    TransformOptions {
        rendering_intent: moxcms::RenderingIntent::Perceptual,
        ..TransformOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(profile: &ColorProfile) -> Vec<u8> {
        profile.encode().expect("moxcms writes its own profiles")
    }

    #[test]
    fn linear_profile_is_converted_to_srgb_gamma() {
        // A linear-light RGB profile: half intensity is 188 in sRGB's curve, not 128.
        let mut linear = ColorProfile::new_srgb();
        linear.red_trc = Some(moxcms::ToneReprCurve::Lut(vec![]));
        linear.green_trc = Some(moxcms::ToneReprCurve::Lut(vec![]));
        linear.blue_trc = Some(moxcms::ToneReprCurve::Lut(vec![]));
        linear.cicp = None;
        let mut px = [128u8, 128, 128, 200];
        rgba_to_srgb(&encoded(&linear), &mut px);
        for c in &px[..3] {
            assert!((186..=190).contains(c), "{px:?}");
        }
        assert_eq!(px[3], 200, "alpha kept");
    }

    #[test]
    fn display_p3_is_converted_and_srgb_or_garbage_is_left_alone() {
        // P3 (200, 60, 60) is a redder red than sRGB's: through the published
        // P3 → sRGB matrix it is ≈ (218, 42, 52) in sRGB.
        let mut px = [200u8, 60, 60, 255];
        rgba_to_srgb(&encoded(&ColorProfile::new_display_p3()), &mut px);
        for (got, want) in px.iter().zip([218u8, 42, 52, 255]) {
            assert!(got.abs_diff(want) <= 3, "{px:?}");
        }
        let mut px = [10u8, 128, 240, 255];
        rgba_to_srgb(&encoded(&ColorProfile::new_srgb()), &mut px);
        assert_eq!(px, [10, 128, 240, 255]);
        rgba_to_srgb(b"not a profile", &mut px);
        assert_eq!(px, [10, 128, 240, 255]);
    }

    #[test]
    fn untagged_cmyk_uses_the_plain_formula() {
        let cmyk = [255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 255, 255, 0];
        let rgba = cmyk_to_rgba(None, &cmyk);
        assert_eq!(
            rgba,
            [0, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255]
        );
    }
}
