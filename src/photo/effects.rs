//! Deterministic "superhero" photo effects (duotone, tint, comic halftone, posterize, ink outline).
//!
//! Effects run on the photo after it has been resized to its frame, so every size here is in output pixels.
//! Only RGB is ever written: alpha passes through untouched so cut-out photos keep their transparency.
//! Everything is single-threaded integer/f32 arithmetic in a fixed order, so the same input gives the same bytes.

use image::{GrayImage, RgbaImage};
use serde::{Deserialize, Deserializer};

use crate::pixel::div255;

mod halftone;
mod outline;

/// One step of a manifest's `effects = [...]` list, applied in order by [`apply`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Effect {
    /// Map luminance to a gradient between two colours (campaign colours).
    Duotone { dark: Color, light: Color },
    /// Blend the photo toward one colour, `amount` 0–1.
    Tint { color: Color, amount: f32 },
    /// Comic halftone: dots on a grid of `cell` px (rotated by `angle` degrees, default 45) whose area follows the
    /// local darkness, in `ink` (default black) over `paper` (default: the photo's own colours, lightened).
    Halftone {
        cell: u32,
        #[serde(default)]
        ink: Option<Color>,
        #[serde(default)]
        paper: Option<Color>,
        #[serde(default)]
        angle: Option<f32>,
    },
    /// Reduce each channel to `levels` levels (clamped to 2..=255).
    Posterize { levels: u8 },
    /// Ink lines about `thickness` px wide (default 2, at most 32) in `color` (default black) on edges stronger than
    /// `threshold` (0–1, fraction of a full black→white step; default 0.15).
    /// List it before `halftone`: after it, every dot is an edge.
    Outline {
        #[serde(default)]
        color: Option<Color>,
        #[serde(default)]
        threshold: Option<f32>,
        #[serde(default)]
        thickness: Option<u32>,
    },
}

/// `#RRGGBB` colour; deserializes from a string such as `"#2B0A3D"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color(pub [u8; 3]);

impl std::str::FromStr for Color {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let hex = s
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        let hex = hex.ok_or_else(|| format!("invalid colour {s:?}: expected \"#RRGGBB\" (six hex digits)"))?;
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("validated hex");
        Ok(Color([byte(0), byte(2), byte(4)]))
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `String`, not `&str`: internally tagged enums buffer their fields, which can't lend borrowed strings.
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

const BLACK: Color = Color([0, 0, 0]);

/// Applies `effects` in order, in place. Alpha is preserved exactly; output is deterministic.
pub fn apply(image: &mut RgbaImage, effects: &[Effect]) {
    // The same code compiled twice: with AVX2 where the CPU has it (found at run time, so
    // the binary still runs on any x86-64), twice the lanes of the SSE2 baseline in these
    // loops. Integer arithmetic and the same float operations in the same order: the same
    // bytes either way (tested).
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just found to have AVX2.
        return unsafe { apply_avx2(image, effects) };
    }
    apply_any(image, effects)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn apply_avx2(image: &mut RgbaImage, effects: &[Effect]) {
    apply_any(image, effects)
}

/// The effects themselves; inlined into [`apply_avx2`] (with its callees) so they
/// are compiled with its target features.
#[inline(always)]
fn apply_any(image: &mut RgbaImage, effects: &[Effect]) {
    if image.width() == 0 || image.height() == 0 {
        return; // Nothing to do, and row-wise loops need a non-zero row length.
    }
    for effect in effects {
        match *effect {
            Effect::Duotone { dark, light } => {
                let lut: Vec<[u8; 3]> = (0..=255)
                    .map(|l| std::array::from_fn(|c| mix(dark.0[c], light.0[c], l)))
                    .collect();
                for px in image.chunks_exact_mut(4) {
                    let l = luma(px) as usize;
                    px[..3].copy_from_slice(&lut[l]);
                }
            }
            Effect::Tint { color, amount } => {
                let a = (amount.clamp(0.0, 1.0) * 255.0).round() as u8;
                let lut: Vec<[u8; 256]> = (0..3)
                    .map(|c| std::array::from_fn(|v| mix(v as u8, color.0[c], a)))
                    .collect();
                for px in image.chunks_exact_mut(4) {
                    (0..3).for_each(|c| px[c] = lut[c][px[c] as usize]);
                }
            }
            Effect::Posterize { levels } => {
                let n = levels.max(2) as u32 - 1;
                let lut: [u8; 256] = std::array::from_fn(|v| (((v as u32 * n + 127) / 255 * 255 + n / 2) / n) as u8);
                for px in image.chunks_exact_mut(4) {
                    (0..3).for_each(|c| px[c] = lut[px[c] as usize]);
                }
            }
            Effect::Halftone {
                cell,
                ink,
                paper,
                angle,
            } => halftone::halftone(image, cell, ink, paper, angle),
            Effect::Outline {
                color,
                threshold,
                thickness,
            } => outline::outline(image, color, threshold, thickness),
        }
    }
}

/// `a` → `b` as `t` goes 0 → 255, rounded; exact at both ends (so duotone hits its colours exactly).
#[inline(always)]
fn mix(a: u8, b: u8, t: u8) -> u8 {
    let (a, b, t) = (a as u32, b as u32, t as u32);
    div255(a * (255 - t) + b * t) as u8
}

/// Rec. 601 luma with weights summing to 256, so black → 0 and white → 255 exactly.
#[inline(always)]
fn luma(px: &[u8]) -> u8 {
    ((77 * px[0] as u32 + 150 * px[1] as u32 + 29 * px[2] as u32 + 128) >> 8) as u8
}

/// Luma composited over white: transparent pixels' hidden RGB (often black) must not create dots or edges.
/// One formula for every pixel (exact for opaque ones), written into a sized buffer: no branch
/// and no collect in the loop.
#[inline(always)]
fn gray_over_white(image: &RgbaImage) -> GrayImage {
    let mut data = vec![0u8; image.as_raw().len() / 4];
    for (g, px) in data.iter_mut().zip(image.chunks_exact(4)) {
        *g = 255 - mix(0, 255 - luma(px), px[3]);
    }
    GrayImage::from_raw(image.width(), image.height(), data).expect("same dimensions")
}

/// imageproc's `box_filter` (edges repeated, each pass's mean rounded down),
/// with the vertical pass run row by row instead of column by column: the
/// same bytes, 4–5× faster on a photo, where the column walk missed the cache.
#[inline(always)]
fn box_filter(image: &GrayImage, rx: u32, ry: u32) -> GrayImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (rx, ry) = (rx as usize, ry as usize);
    // Means by a multiply and a shift: a division by a run-time divisor per pixel was most of the
    // filter's time. `(s · ⌊2³²/k + 1⌋) >> 32` is exactly ⌊s/k⌋ while s·k < 2³², and s ≤ 255·k.
    let (kw, kh) = (2 * rx as u64 + 1, 2 * ry as u64 + 1);
    let (mw, mh) = ((1u64 << 32) / kw + 1, (1u64 << 32) / kh + 1);
    let mean = |sum: u32, m: u64| ((u64::from(sum) * m) >> 32) as u8;
    let src = image.as_raw();
    let mut horizontal = vec![0u8; w * h];
    // Each row padded with its edge pixels, so the running sum needs no clamping.
    let mut padded = vec![0u8; w + 2 * rx + 1];
    for (row, out) in src.chunks_exact(w).zip(horizontal.chunks_exact_mut(w)) {
        padded[..rx].fill(row[0]);
        padded[rx..rx + w].copy_from_slice(row);
        padded[rx + w..].fill(row[w - 1]);
        if rx == 1 {
            // The radius both effects use: three-tap sums have no running dependency, so
            // they vectorise (the running sum below cannot).
            let taps = padded.iter().zip(&padded[1..]).zip(&padded[2..]);
            for (o, ((&a, &b), &c)) in out.iter_mut().zip(taps) {
                *o = mean(u32::from(a) + u32::from(b) + u32::from(c), mw);
            }
            continue;
        }
        let mut sum: u32 = padded[..2 * rx + 1].iter().map(|&v| u32::from(v)).sum();
        for ((o, &add), &sub) in out.iter_mut().zip(&padded[2 * rx + 1..]).zip(&padded) {
            *o = mean(sum, mw);
            sum = sum + u32::from(add) - u32::from(sub);
        }
    }
    let line = |y: isize| &horizontal[y.clamp(0, h as isize - 1) as usize * w..][..w];
    let mut sums = vec![0u32; w];
    for k in -(ry as isize)..=ry as isize {
        sums.iter_mut().zip(line(k)).for_each(|(s, &v)| *s += u32::from(v));
    }
    let mut out = vec![0u8; w * h];
    for (y, o) in out.chunks_exact_mut(w).enumerate() {
        o.iter_mut().zip(&sums).for_each(|(o, &s)| *o = mean(s, mh));
        let (add, sub) = (line((y + ry + 1) as isize), line(y as isize - ry as isize));
        for ((s, &a), &b) in sums.iter_mut().zip(add).zip(sub) {
            *s = *s + u32::from(a) - u32::from(b);
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("same dimensions")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    /// Effects from a manifest's inline-table syntax, so the tests also cover deserialisation.
    fn fx(list: &str) -> Result<Vec<Effect>, toml::de::Error> {
        #[derive(Deserialize)]
        struct Manifest {
            effects: Vec<Effect>,
        }
        toml::from_str::<Manifest>(&format!("effects = [{list}]")).map(|m| m.effects)
    }

    fn gradient() -> RgbaImage {
        RgbaImage::from_fn(64, 48, |x, y| {
            Rgba([x as u8 * 4, y as u8 * 5, (x + y) as u8, (x * y) as u8])
        })
    }

    const ALL: &str = r##"{ kind = "duotone", dark = "#2B0A3D", light = "#FFD400" },
        { kind = "tint", color = "#E4002B", amount = 0.3 }, { kind = "halftone", cell = 8, angle = 15 },
        { kind = "posterize", levels = 4 }, { kind = "outline", threshold = 0.2, thickness = 3 },
        { kind = "tint", color = "#090909", amount = 2 }, { kind = "halftone", cell = 0, paper = "#FFD400" }"##;

    #[test]
    fn box_filter_gives_imageprocs_bytes() {
        let image = GrayImage::from_fn(37, 23, |x, y| image::Luma([((x * 97 + y * 61) ^ (x * y)) as u8]));
        for (rx, ry) in [(0, 0), (1, 1), (3, 2), (40, 30)] {
            assert_eq!(
                box_filter(&image, rx, ry),
                imageproc::filter::box_filter(&image, rx, ry),
                "{rx} {ry}"
            );
        }
    }

    #[test]
    fn parses_manifest_and_rejects_bad_input() {
        let all = fx(ALL).unwrap();
        let (dark, light) = (Color([0x2B, 0x0A, 0x3D]), Color([0xFF, 0xD4, 0]));
        assert_eq!(all[0], Effect::Duotone { dark, light });
        let expected = "Halftone { cell: 8, ink: None, paper: None, angle: Some(15.0) }";
        assert_eq!(format!("{:?}", all[2]), expected);
        for bad in ["red", "#12345", "#1234567", "#GGGGGG", "2B0A3D"] {
            let msg = fx(&format!(r#"{{ kind = "tint", color = "{bad}", amount = 1 }}"#)).unwrap_err();
            let msg = msg.to_string();
            assert!(msg.contains("expected \"#RRGGBB\"") && msg.contains(bad), "{msg}");
        }
        let unknown_field = r#"{ kind = "halftone", cell = 8, size = 3 }"#;
        assert!(fx(unknown_field).is_err(), "unknown field");
        assert!(fx(r#"{ kind = "sparkle" }"#).is_err(), "unknown kind");
    }

    #[test]
    fn duotone_maps_black_and_white_exactly() {
        let mut img = RgbaImage::from_fn(2, 1, |x, _| Rgba([255 * x as u8, 255 * x as u8, 255 * x as u8, 7]));
        apply(&mut img, &fx(ALL).unwrap()[..1]);
        assert_eq!(img.as_raw(), &[0x2B, 0x0A, 0x3D, 7, 0xFF, 0xD4, 0, 7]);
    }

    #[test]
    fn posterize_two_levels_is_binary() {
        let mut img = gradient();
        apply(&mut img, &[Effect::Posterize { levels: 2 }]);
        assert!(img.pixels().all(|p| p.0[..3].iter().all(|&v| v == 0 || v == 255)));
        assert!(img.pixels().any(|p| p.0[0] == 0) && img.pixels().any(|p| p.0[0] == 255));
    }

    #[test]
    fn halftone_of_mid_gray_is_half_dots() {
        let mut img = RgbaImage::from_pixel(200, 200, Rgba([128, 128, 128, 255]));
        let effects = fx(r##"{ kind = "halftone", cell = 8, paper = "#FFFFFF" }"##).unwrap();
        apply(&mut img, &effects);
        let ink = img.pixels().filter(|p| p.0[0] < 128).count() as f32 / 40_000.0;
        assert!((0.4..=0.6).contains(&ink), "ink coverage {ink}");
        assert!(img.pixels().any(|p| p.0[..3] == [0; 3]) && img.pixels().any(|p| p.0[..3] == [255; 3]));
    }

    #[test]
    fn outline_inks_edges_only() {
        let mut img = RgbaImage::from_fn(80, 80, |x, _| Rgba(if x < 40 { [20, 20, 20, 255] } else { [230; 4] }));
        apply(&mut img, &fx(r##"{ kind = "outline", color = "#FF0000" }"##).unwrap());
        let red = |x: u32, y: u32| img.get_pixel(x, y).0[..3] == [255, 0, 0];
        let inked = (1..79).all(|y| (38..42).filter(|&x| red(x, y)).count() >= 2);
        let flat = |y| {
            (0..35)
                .chain(45..80)
                .all(|x| img.get_pixel(x, y).0[0] == [20, 230][x as usize / 40])
        };
        assert!(
            inked && (0..80).all(flat),
            "ink missing on the edge or present in a flat area"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_build_of_the_effects_gives_the_same_bytes() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("no AVX2 on this CPU: nothing to compare");
            return;
        }
        // The sample template's pair, then every other effect.
        let all = fx(&format!(
            r#"{{ kind = "outline", thickness = 2 }}, {{ kind = "halftone", cell = 7 }}, {ALL}"#
        ))
        .unwrap();
        for (w, h) in [(97, 61), (300, 200)] {
            let mut base = image::imageops::resize(&gradient(), w, h, image::imageops::FilterType::Triangle);
            // Translucent corners: alpha must pass through both builds alike.
            for (x, y, px) in base.enumerate_pixels_mut() {
                px[3] = if x < 10 && y < 10 { (x * 25) as u8 } else { 255 };
            }
            let (mut any, mut avx2) = (base.clone(), base);
            apply_any(&mut any, &all);
            // SAFETY: checked above that the CPU has AVX2.
            unsafe { apply_avx2(&mut avx2, &all) };
            assert!(any.as_raw() == avx2.as_raw(), "{w}×{h}: the two builds differ");
        }
    }

    #[test]
    fn alpha_preserved_and_deterministic() {
        for effect in fx(ALL).unwrap() {
            let effect = std::slice::from_ref(&effect);
            for (w, h) in [(0, 0), (1, 1), (2, 3), (3, 0)] {
                let mut tiny = RgbaImage::from_pixel(w, h, Rgba([9, 99, 199, 42]));
                apply(&mut tiny, effect);
                assert!(tiny.pixels().all(|p| p.0[3] == 42), "{effect:?} changed alpha");
            }
            let (mut a, mut b) = (gradient(), gradient());
            apply(&mut a, effect);
            apply(&mut b, effect);
            assert_eq!(a, b, "{effect:?} is not deterministic");
            assert!(
                a.pixels().zip(gradient().pixels()).all(|(p, q)| p.0[3] == q.0[3]),
                "{effect:?} changed alpha"
            );
            assert_ne!(a, gradient(), "{effect:?} did nothing");
        }
    }
}
