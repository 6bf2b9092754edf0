//! The ink outline: a Sobel edge map of the lightly blurred photo, thresholded and
//! ramped, thickened with a disc when asked, inked over the photo.

use image::{GrayImage, RgbaImage};
use imageproc::morphology::{Mask, grayscale_dilate};

use super::{BLACK, Color, box_filter, gray_over_white, mix};

#[inline(always)]
pub(super) fn outline(image: &mut RgbaImage, ink: Option<Color>, threshold: Option<f32>, thickness: Option<u32>) {
    let (ink, threshold, thickness) = (ink.unwrap_or(BLACK), threshold.unwrap_or(0.15), thickness.unwrap_or(2));
    // A light blur first so JPEG noise and skin texture don't read as edges.
    let gray = box_filter(&gray_over_white(image), 1, 1).into_raw();
    let (w, h) = (image.width() as usize, image.height() as usize);
    // Threshold is a fraction of a full black→white step's Sobel response (4·255), so manifests stay unit-free;
    // ink ramps from the threshold to twice it, which gives strong edges solid lines and weak ones thin grey.
    let t = threshold.clamp(0.01, 1.0) * 1020.0;
    let mut ink_map = GrayImage::new(w as u32, h as u32);
    // Hand-rolled Sobel: imageproc's generic `sobel_gradients` alone takes ~23 ms at 1000², over the whole budget.
    // Three-pixel windows of three rows, so the loop has no bounds checks and vectorises.
    let inv = 1.0 / t;
    for y in 1..h.saturating_sub(1) {
        let row = |dy: usize| gray[(y + dy - 1) * w..(y + dy) * w].windows(3);
        let out = &mut ink_map.as_mut()[y * w + 1..(y + 1) * w - 1];
        for (o, ((up, mid), down)) in out.iter_mut().zip(row(0).zip(row(1)).zip(row(2))) {
            let p = |row: &[u8], dx: usize| row[dx] as i32;
            let gx = p(up, 2) - p(up, 0) + 2 * (p(mid, 2) - p(mid, 0)) + p(down, 2) - p(down, 0);
            let gy = p(down, 0) - p(up, 0) + 2 * (p(down, 1) - p(up, 1)) + p(down, 2) - p(up, 2);
            let m2 = (gx * gx + gy * gy) as f32;
            // Below the threshold this is 0 anyway (under 1/255 before truncation): no branch,
            // so the loop vectorises, square roots and all.
            *o = ((m2.sqrt() * inv - 1.0).clamp(0.0, 1.0) * 255.0) as u8;
        }
    }
    // Sobel lines are already ~2 px wide; thicker lines grow them with a disc.
    if thickness > 2 {
        // Capped because dilation cost grows with the disc's area (a 32 px line is already a poster-sized stroke).
        ink_map = grayscale_dilate(&ink_map, &Mask::disk((thickness.min(32) - 1) as u8 / 2));
    }
    for (px, &cover) in image.chunks_exact_mut(4).zip(ink_map.iter()) {
        // Edges are sparse: most pixels are left as they are.
        if cover != 0 {
            (0..3).for_each(|c| px[c] = mix(px[c], ink.0[c], cover));
        }
    }
}
