//! Where a crop centres when no face is found: on the person, seen as the largest patch of
//! skin, in a colour photo; else on the detail (edge energy) in the upper two thirds.
//!
//! A profile, a face behind sunglasses or a mask, or a head turned away is missed by the
//! frontal detector, yet the person is plainly in the picture: the edge centroid alone then
//! drifts to whatever is busiest (a poster wall, foliage, a crowd behind).

use image::{GrayImage, Luma, RgbaImage};
use imageproc::region_labelling::{Connectivity, connected_components};

/// Focus used when neither a face, nor skin, nor any edge is found (the templates' default).
pub const DEFAULT_FOCUS: [f32; 2] = [0.5, 0.4];

/// A skin patch counts from this fraction of the image: smaller ones are hands, or noise.
const MIN_SKIN: f64 = 0.004;
/// A patch beyond this fraction is a wall or a table of skin colour, not a person.
const MAX_SKIN: f64 = 0.4;
/// A head is at most this many times as tall as the patch is wide: rows below it are the
/// neck and chest, left out so the focus stays on the face.
const HEAD_ASPECT: f32 = 1.3;

/// The focus for a photo without a detected face, from its small colour copy and that copy's
/// luma (the same size).
pub fn fallback(small: &RgbaImage, gray: &GrayImage) -> [f32; 2] {
    skin_focus(small).unwrap_or_else(|| edge_focus(gray))
}

/// Skin by the usual explicit rule (Kovač et al. 2003, daylight) and Chai & Ngan's YCbCr box
/// together: either alone takes in too much wood, sand and brick.
fn is_skin([r, g, b, a]: [u8; 4]) -> bool {
    let [r, g, b] = [r, g, b].map(i32::from);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let rgb = r > 95 && g > 40 && b > 20 && max - min > 15 && (r - g).abs() > 15 && r > g && r > b;
    // BT.601 chroma in integers (×1024), offset 128.
    let cb = 128 + ((-173 * r - 339 * g + 512 * b) >> 10);
    let cr = 128 + ((512 * r - 429 * g - 83 * b) >> 10);
    a >= 128 && rgb && (77..=127).contains(&cb) && (133..=173).contains(&cr)
}

/// The centre of the head at the top of the largest skin patch, or `None` when the photo has
/// no patch of a person's size (grayscale, a logo, a back turned).
fn skin_focus(img: &RgbaImage) -> Option<[f32; 2]> {
    let (w, h) = img.dimensions();
    let area = f64::from(w) * f64::from(h);
    if area == 0.0 {
        return None;
    }
    let mask = GrayImage::from_fn(w, h, |x, y| Luma([u8::from(is_skin(img.get_pixel(x, y).0))]));
    let labels = connected_components(&mask, Connectivity::Eight, Luma([0]));
    // Per label: pixel count and bounding box.
    let mut patches: Vec<(u64, [u32; 4])> = Vec::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l[0] as usize;
        if l == 0 {
            continue;
        }
        if patches.len() < l {
            patches.resize(l, (0, [u32::MAX, u32::MAX, 0, 0]));
        }
        let (n, b) = &mut patches[l - 1];
        *n += 1;
        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    // The largest of a person's size; ties go to the lower label (the upper one), so the
    // result never depends on iteration order.
    let (index, &(_, [x0, y0, x1, y1])) = patches
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| (MIN_SKIN * area..=MAX_SKIN * area).contains(&(*n as f64)))
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(&a.0)))?;
    let label = index as u32 + 1;
    let head_bottom = y0 + ((x1 - x0 + 1) as f32 * HEAD_ASPECT) as u32;
    let (mut n, mut sx, mut sy) = (0u64, 0u64, 0u64);
    for y in y0..=y1.min(head_bottom) {
        for x in x0..=x1 {
            if labels.get_pixel(x, y)[0] == label {
                (n, sx, sy) = (n + 1, sx + u64::from(x), sy + u64::from(y));
            }
        }
    }
    // +0.5: pixel centres. `n` ≥ 1: the patch's top row is in the range.
    Some([
        ((sx as f64 / n as f64 + 0.5) / f64::from(w)) as f32,
        ((sy as f64 / n as f64 + 0.5) / f64::from(h)) as f32,
    ])
}

/// Centroid of Sobel gradient magnitude (L1, integer) over the upper two thirds, where a
/// portrait's head usually is; [`DEFAULT_FOCUS`] for an image without any edge.
fn edge_focus(gray: &GrayImage) -> [f32; 2] {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let rows = (h * 2).div_ceil(3);
    if w < 3 || rows < 3 {
        return DEFAULT_FOCUS;
    }
    let px = gray.as_raw();
    let (mut sum, mut sum_x, mut sum_y) = (0u64, 0u64, 0u64);
    for y in 1..rows.min(h - 1) {
        let [up, mid, down] = [y - 1, y, y + 1].map(|r| &px[r * w..(r + 1) * w]);
        // Column and row sums weighted 1-2-1: the two Sobel kernels.
        let v = |x: usize| i32::from(up[x]) + 2 * i32::from(mid[x]) + i32::from(down[x]);
        let hz = |row: &[u8], x: usize| i32::from(row[x - 1]) + 2 * i32::from(row[x]) + i32::from(row[x + 1]);
        for x in 1..w - 1 {
            let m = u64::from((v(x + 1) - v(x - 1)).unsigned_abs() + (hz(down, x) - hz(up, x)).unsigned_abs());
            sum += m;
            sum_x += m * x as u64;
            sum_y += m * y as u64;
        }
    }
    if sum == 0 {
        return DEFAULT_FOCUS;
    }
    // Integer sums make the result exact and independent of summation order; +0.5 = pixel centre.
    [
        ((sum_x as f64 / sum as f64 + 0.5) / w as f64) as f32,
        ((sum_y as f64 / sum as f64 + 0.5) / h as f64) as f32,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    fn focus(image: &RgbaImage) -> [f32; 2] {
        let gray = GrayImage::from_fn(image.width(), image.height(), |x, y| {
            let p = image.get_pixel(x, y);
            Luma([((u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3) as u8])
        });
        fallback(image, &gray)
    }

    #[test]
    fn fallback_is_the_edge_centroid_of_the_upper_two_thirds() {
        // A checkerboard patch centred on (80, 80) in a flat 400×500 image.
        let patch = |lo: u32, hi: u32| {
            RgbaImage::from_fn(400, 500, move |x, y| {
                let inside = (40..120).contains(&x) && (lo..hi).contains(&y);
                let v = if inside && (x / 8 + y / 8) % 2 == 0 { 230 } else { 60 };
                Rgba([v, v, v, 255])
            })
        };
        let centre = focus(&patch(40, 120));
        assert!(
            (centre[0] - 0.2).abs() < 0.02 && (centre[1] - 0.16).abs() < 0.02,
            "{centre:?}"
        );
        assert_eq!(focus(&patch(40, 120)), centre);
        // Edges in the bottom third only are ignored.
        assert_eq!(focus(&patch(400, 480)), DEFAULT_FOCUS);
    }

    fn photo(name: &str) -> RgbaImage {
        let path = format!("{}/samples/photos/{name}", env!("CARGO_MANIFEST_DIR"));
        image::open(&path).expect(&path).into_rgba8()
    }

    fn inside(p: [f32; 2], face: &crate::photo::face::Face, (w, h): (u32, u32)) -> bool {
        let (x, y) = (p[0] * w as f32, p[1] * h as f32);
        (face.x..face.x + face.width).contains(&x) && (face.y..face.y + face.height).contains(&y)
    }

    #[test]
    fn the_skin_focus_falls_in_the_face_the_detector_finds() {
        for name in [
            "hopper.jpg",
            "hopper-mirror.jpg",
            "collins.jpg",
            "collins-closeup.jpg",
            "collins-wide.jpg",
        ] {
            let img = photo(name);
            let face = crate::photo::face::find(&img).0[0];
            let skin = skin_focus(&img).expect(name);
            assert!(
                inside(skin, &face, img.dimensions()),
                "{name}: skin {skin:?}, face {face:?}"
            );
        }
        // Grayscale: no skin to see, the edges decide.
        assert_eq!(skin_focus(&photo("photographer-gray.png")), None);
    }

    #[test]
    fn a_person_whose_face_is_not_detected_is_focused_on_not_the_clutter_beside() {
        // A face the frontal detector cannot see (eyes behind a dark band, as sunglasses or a
        // profile hide them) in a wide shot beside a high-contrast poster wall.
        let portrait = photo("hopper.jpg");
        let face = crate::photo::face::find(&portrait).0[0];
        let mut scene = RgbaImage::from_pixel(1400, 900, Rgba([170, 175, 180, 255]));
        for (x, y, p) in scene.enumerate_pixels_mut() {
            if x < 600 && y < 500 && ((x / 30) + (y / 30)) % 2 == 0 {
                *p = Rgba([15, 15, 15, 255]);
            }
        }
        image::imageops::overlay(&mut scene, &portrait, 800, 200);
        let band = (face.y + face.height * 0.2) as u32 + 200..(face.y + face.height * 0.5) as u32 + 200;
        for (x, y, p) in scene.enumerate_pixels_mut() {
            if (790..800 + (face.x + face.width) as u32 + 10).contains(&x) && band.contains(&y) {
                *p = Rgba([15, 15, 20, 255]);
            }
        }
        let (faces, focus) = crate::photo::face::find(&scene);
        assert_eq!(faces, vec![], "the hidden face is not detected");
        let moved = crate::photo::face::Face {
            x: face.x + 800.0,
            y: face.y + 200.0,
            ..face
        };
        assert!(
            inside(focus, &moved, scene.dimensions()),
            "focus {focus:?}, face {moved:?}"
        );
        // The edges alone would have gone to the wall: this is the case the skin is for.
        let gray = GrayImage::from_fn(1400, 900, |x, y| Luma([scene.get_pixel(x, y)[1]]));
        assert!(!inside(edge_focus(&gray), &moved, scene.dimensions()));
    }

    #[test]
    fn a_wall_of_skin_colour_or_a_speck_is_not_a_person() {
        let beige = Rgba([225, 180, 150, 255]);
        assert!(is_skin(beige.0));
        assert_eq!(skin_focus(&RgbaImage::from_pixel(300, 400, beige)), None, "a wall");
        let speck = RgbaImage::from_fn(300, 400, |x, y| {
            if x < 10 && y < 10 {
                beige
            } else {
                Rgba([40, 90, 160, 255])
            }
        });
        assert_eq!(skin_focus(&speck), None, "a hand's worth");
        // Transparent pixels of a cut-out are never skin, whatever colour they hold.
        assert!(!is_skin([225, 180, 150, 0]));
    }
}
