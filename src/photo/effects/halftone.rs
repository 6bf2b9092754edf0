//! The comic halftone: dots on a rotated grid whose area follows the local tone.

use image::RgbaImage;

use super::{BLACK, Color, box_filter, gray_over_white, luma, mix};

/// How far (of 255) the photo is lifted toward white to become halftone paper: bright enough for the dots to
/// carry the shading, dark enough to keep the photo's hues.
const PAPER_LIFT: u8 = 64;

/// Fraction of a unit cell covered by a disc of radius `r` (in cells) centred in it, clipped to the cell.
fn disc_coverage(r: f32) -> f32 {
    let r2 = r * r;
    if r <= 0.5 {
        std::f32::consts::PI * r2
    } else if r2 < 0.5 {
        let segment = r2 * (0.5 / r).acos() - 0.5 * (r2 - 0.25).sqrt();
        std::f32::consts::PI * r2 - 4.0 * segment
    } else {
        1.0
    }
}

#[inline(always)]
pub(super) fn halftone(image: &mut RgbaImage, cell: u32, ink: Option<Color>, paper: Option<Color>, angle: Option<f32>) {
    let (cell, ink, angle) = (cell.max(2) as f32, ink.unwrap_or(BLACK), angle.unwrap_or(45.0));
    // Dot size follows a lightly blurred tone (⅛ cell): enough to stop JPEG noise fraying dot edges, little enough
    // that dots still clip to strong edges (collars, glasses) instead of smearing them as a cell-wide average would.
    let r = (cell / 8.0).round().max(1.0) as u32;
    let tone = box_filter(&gray_over_white(image), r, r);
    let ink_luma = luma(&ink.0) as f32;
    // Dot radius (px) per tone: ink coverage c solves paper·(1−c) + ink·c = tone, so the print keeps the photo's
    // values; then the disc (clipped to its cell) with area c is found by bisection.
    let radius: Vec<f32> = (0..=255u8)
        .map(|l| {
            let paper_luma = paper.map_or(mix(l, 255, PAPER_LIFT), |p| luma(&p.0)) as f32;
            let c = ((paper_luma - l as f32) / (paper_luma - ink_luma)).clamp(0.0, 1.0);
            let (mut lo, mut hi) = (0.0f32, std::f32::consts::FRAC_1_SQRT_2);
            for _ in 0..20 {
                let mid = (lo + hi) / 2.0;
                *(if disc_coverage(mid) < c { &mut lo } else { &mut hi }) = mid;
            }
            // Empty and solid tones get no ramp pixels at all (no stray centre dot, no uncovered corner).
            [-1.0, lo * cell, cell][(c > 0.0) as usize + (c >= 1.0) as usize]
        })
        .collect();
    // Paper lift per luma: the photo is raised toward white by the same amount on every channel, which keeps its
    // chroma (a plain mix toward white washes colours out once the black dots are added).
    let lift: [u8; 256] = std::array::from_fn(|l| mix(0, 255 - l as u8, PAPER_LIFT));
    let (sin, cos) = angle.to_radians().sin_cos();
    let (sin, cos) = (sin / cell, cos / cell);
    let (width, height) = (image.width() as usize, image.height() as usize);
    // Shift rotated coordinates positive: their fraction is then `x - floor(x)` on both axes.
    let shift = ((width + height) as f32 / cell).ceil() + 1.0;
    // Per byte, not per pixel (alpha lanes get no ink and no lift, which leaves them as they
    // are), so the blend is one flat loop in 16-bit lanes that vectorises.
    let (mut dist, mut cover, mut ups) = (vec![0f32; width], vec![0u8; width * 4], vec![0u8; width * 4]);
    let ink: Vec<u8> = (0..width).flat_map(|_| [ink.0[0], ink.0[1], ink.0[2], 0]).collect();
    let paper: Option<Vec<u8>> = paper.map(|p| (0..width).flat_map(|_| [p.0[0], p.0[1], p.0[2], 0]).collect());
    let colour: Vec<u8> = (0..width).flat_map(|_| [255, 255, 255, 0]).collect();
    for (y, (row, tone_row)) in image
        .chunks_exact_mut(width * 4)
        .zip(tone.chunks_exact(width))
        .enumerate()
    {
        let y = y as f32 + 0.5;
        // Pure arithmetic in its own loop (no table lookups), so it vectorises.
        for (x, d) in dist.iter_mut().enumerate() {
            let x = x as i32 as f32 + 0.5; // via i32: SSE2 converts i32 lanes, not usize
            let (u, v) = (x * cos + y * sin + shift, y * cos - x * sin + shift);
            // Dot centres sit at cell middles, so the offset from the nearest one is frac − ½ on each axis.
            // `floor`, not `as i32` (the same value, u and v being positive): the saturating cast
            // took a third of the halftone's time (3.5 → 2.5 ms at 952×712 with AVX2, BENCHMARKS.md).
            let (du, dv) = (u - u.floor() - 0.5, v - v.floor() - 0.5);
            *d = (du * du + dv * dv).sqrt() * cell;
        }
        // One-pixel ramp across the dot edge: antialiased dots without supersampling.
        for ((cov, &d), &l) in cover.chunks_exact_mut(4).zip(&dist).zip(tone_row) {
            let c = ((radius[l as usize] - d + 0.5).clamp(0.0, 1.0) * 255.0) as u8;
            cov.copy_from_slice(&[c, c, c, 0]);
        }
        match &paper {
            None => {
                // The lift's lookups in a loop of their own, so the blend below has none.
                for (u, px) in ups.chunks_exact_mut(4).zip(row.chunks_exact(4)) {
                    let l = lift[luma(px) as usize];
                    u.copy_from_slice(&[l, l, l, 0]);
                }
                for (((v, &up), &cov), &ink) in row.iter_mut().zip(&ups).zip(&cover).zip(&ink) {
                    let base = (u16::from(*v) + u16::from(up)).min(255);
                    *v = div255_u16(base * (255 - u16::from(cov)) + u16::from(ink) * u16::from(cov));
                }
            }
            Some(paper) => {
                for ((((v, &p), &cov), &ink), &m) in row.iter_mut().zip(paper).zip(&cover).zip(&ink).zip(&colour) {
                    let new = div255_u16(u16::from(p) * (255 - u16::from(cov)) + u16::from(ink) * u16::from(cov));
                    *v = (new & m) | (*v & !m); // alpha lanes keep their value
                }
            }
        }
    }
}

/// [`div255`] in 16-bit lanes: `v` ≤ 255² keeps every step below 2¹⁶.
#[inline(always)]
fn div255_u16(v: u16) -> u8 {
    ((v + 128 + ((v + 128) >> 8)) >> 8) as u8
}

#[cfg(test)]
mod tests {
    #[test]
    fn div255_u16_is_div255() {
        for v in 0..=255u16 * 255 {
            assert_eq!(
                u32::from(super::div255_u16(v)),
                crate::pixel::div255(u32::from(v)),
                "{v}"
            );
        }
    }
}
