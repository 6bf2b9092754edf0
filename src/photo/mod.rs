//! Candidate photos: decoded once per row (`photo/decode`: upright, RGBA, with memory
//! limits), then cropped and resized to each slot's exact pixel frame.
//!
//! Also owns faces (`face`) and where to centre without one (`focus`), JPEG at a DCT scale (`jpeg`), colour profiles (`icc`) and the
//! comic effects (`effects`).
//!
//! May import: foundation modules (and `data`, below it, though it needs nothing there).

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbaImage;
use serde::Deserialize;

mod decode;
pub(crate) mod effects;
pub(crate) mod face;
mod focus;
mod icc;
mod jpeg;
pub use decode::{decode, decode_for};

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

/// Upscaling beyond this factor is reported as a low-resolution photo.
const UPSCALE_WARNING: f32 = 1.5;

/// A photo fitted to one frame, with what a reviewer should know about it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Exactly the frame's pixel size.
    pub image: RgbaImage,
    /// Quality warnings (low resolution).
    pub warnings: Vec<String>,
    /// Where the photo went: frame pixel = photo pixel × `map[0]` + (`map[1]`, `map[2]`).
    pub map: [f32; 3],
}

impl Prepared {
    /// Where `face` (photo pixels) shows in the frame, clipped to it:
    /// `[x, y, width, height]` in frame pixels, `None` when it is cropped away.
    pub fn face_box(&self, face: &crate::photo::face::Face) -> Option<[f32; 4]> {
        let [s, dx, dy] = self.map;
        let (w, h) = (self.image.width() as f32, self.image.height() as f32);
        let x0 = (face.x * s + dx).clamp(0.0, w);
        let y0 = (face.y * s + dy).clamp(0.0, h);
        let x1 = ((face.x + face.width) * s + dx).clamp(0.0, w);
        let y1 = ((face.y + face.height) * s + dy).clamp(0.0, h);
        (x1 > x0 && y1 > y0).then_some([x0, y0, x1 - x0, y1 - y0])
    }
}

/// Where the photo goes in its frame (for `cover`; `contain` shows it whole).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Keep `focus` (fractions of the photo's width and height) as central as
    /// possible, zoomed in `zoom` times past the smallest cover (1.0).
    Focus { focus: [f32; 2], zoom: f32 },
    /// Scale and move so that `face` (photo pixels) fills `target` (frame
    /// pixels): every candidate of a series at the same size and eye-line.
    Face {
        face: crate::photo::face::Face,
        target: [f32; 4],
    },
}

/// The scale (frame pixels per photo pixel) at which `photo` fills a
/// `width`×`height` frame.
pub fn scale(photo: (u32, u32), width: u32, height: u32, fit: Fit, placement: Placement) -> f32 {
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let (pw, ph) = (photo.0.max(1) as f32, photo.1.max(1) as f32);
    match (fit, placement) {
        (Fit::Contain, _) => (w / pw).min(h / ph),
        (Fit::Cover, Placement::Focus { zoom, .. }) => (w / pw).max(h / ph) * zoom.max(1.0),
        (Fit::Cover, Placement::Face { face, target }) => (target[2] / face.width)
            .min(target[3] / face.height)
            .max((w / pw).max(h / ph)),
    }
}

/// Crops (cover) or pads (contain) `photo` to `width`×`height` pixels.
pub fn prepare(photo: &RgbaImage, width: u32, height: u32, fit: Fit, placement: Placement) -> Prepared {
    let opaque = crate::pixel::opaque(photo.as_raw());
    prepare_known(photo, opaque, width, height, fit, placement)
}

/// [`prepare`] for a photo already known to be `opaque` (or not): a batch prepares
/// each photo for several presets and scans it once.
pub(crate) fn prepare_known(
    photo: &RgbaImage,
    opaque: bool,
    width: u32,
    height: u32,
    fit: Fit,
    placement: Placement,
) -> Prepared {
    let (width, height) = (width.max(1), height.max(1));
    let (w, h) = (width as f32, height as f32);
    let (pw, ph) = (photo.width() as f32, photo.height() as f32);
    let cover = (w / pw).max(h / ph);
    let mut warnings = Vec::new();
    let map;
    let image = match fit {
        Fit::Cover => {
            let scale = scale(photo.dimensions(), width, height, fit, placement);
            // The photo point that lands on the frame's centre.
            let centre = match placement {
                Placement::Focus { focus, .. } => [focus[0] * pw, focus[1] * ph],
                Placement::Face {
                    face,
                    target: [tx, ty, tw, th],
                } => {
                    let wanted = (tw / face.width).min(th / face.height);
                    // Up to 15% larger reads as the same size in a series; beyond, say so.
                    if wanted * 1.15 < cover {
                        warnings.push(format!(
                            "the photo cannot cover its frame with the face at the template's face size: face drawn {:.0}% larger",
                            (cover / wanted - 1.0) * 100.0
                        ));
                    }
                    // The face centre goes to the target's centre.
                    let (fx, fy) = (face.x + face.width / 2.0, face.y + face.height / 2.0);
                    [
                        fx + (w / 2.0 - (tx + tw / 2.0)) / scale,
                        fy + (h / 2.0 - (ty + th / 2.0)) / scale,
                    ]
                }
            };
            let (cw, ch) = (w / scale, h / scale);
            let left = (centre[0] - cw / 2.0).clamp(0.0, (pw - cw).max(0.0));
            let top = (centre[1] - ch / 2.0).clamp(0.0, (ph - ch).max(0.0));
            upscale_warning(&mut warnings, scale, photo, width, height);
            map = [scale, -left * scale, -top * scale];
            resize(photo, opaque, width, height, Some((left, top, cw.min(pw), ch.min(ph))))
        }
        Fit::Contain => {
            let scale = scale(photo.dimensions(), width, height, fit, placement);
            upscale_warning(&mut warnings, scale, photo, width, height);
            let iw = ((pw * scale).round() as u32).clamp(1, width);
            let ih = ((ph * scale).round() as u32).clamp(1, height);
            let inner = resize(photo, opaque, iw, ih, None);
            map = [scale, ((width - iw) / 2) as f32, ((height - ih) / 2) as f32];
            let mut canvas = RgbaImage::new(width, height);
            image::imageops::replace(
                &mut canvas,
                &inner,
                i64::from((width - iw) / 2),
                i64::from((height - ih) / 2),
            );
            canvas
        }
    };
    Prepared { image, warnings, map }
}

fn upscale_warning(warnings: &mut Vec<String>, scale: f32, photo: &RgbaImage, width: u32, height: u32) {
    if scale > UPSCALE_WARNING {
        let (pw, ph) = photo.dimensions();
        let much = if scale > 3.0 {
            ", much smaller than its frame"
        } else {
            ""
        };
        warnings.push(format!(
            "photo upscaled {scale:.1}× ({pw}×{ph} px for a {width}×{height} px frame): low resolution{much}"
        ));
    }
}

/// A crop's start and length along one side, inside `0..size` in the f64 the
/// resizer checks (f32 rounding put the far edge an ulp past the photo: found
/// by the `photo` fuzz target), and finite (a NaN focus starts at 0).
fn inside(start: f32, len: f32, size: u32) -> (f64, f64) {
    let size = f64::from(size);
    let len = if len.is_finite() {
        f64::from(len).clamp(size.min(1.0), size)
    } else {
        size
    };
    let start = if start.is_finite() {
        f64::from(start).clamp(0.0, size - len)
    } else {
        0.0
    };
    let len = if start + len > size {
        size - start - size * f64::EPSILON
    } else {
        len
    };
    (start, len)
}

/// `opaque`: whether every pixel of `src` is opaque, which needs no premultiplying before
/// the filter and dividing after (a tenth of the resize time).
fn resize(src: &RgbaImage, opaque: bool, width: u32, height: u32, crop: Option<(f32, f32, f32, f32)>) -> RgbaImage {
    let mut dst = RgbaImage::new(width, height);
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if let Some((l, t, w, h)) = crop {
        let (l, w) = inside(l, w, src.width());
        let (t, h) = inside(t, h, src.height());
        options = options.crop(l, t, w, h);
    }
    options = options.use_alpha(!opaque);
    thread_local! {
        // Keeps its scratch buffers between photos instead of faulting in new ones.
        static RESIZER: std::cell::RefCell<Resizer> = std::cell::RefCell::new(Resizer::new());
    }
    // Both images are RGBA8, so the only possible error (pixel types differ) cannot happen.
    RESIZER.with_borrow_mut(|r| r.resize(src, &mut dst, &options).expect("RGBA8 to RGBA8 resize"));
    dst
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    fn focus(x: f32, y: f32) -> Placement {
        Placement::Focus {
            focus: [x, y],
            zoom: 1.0,
        }
    }

    /// Found by the `photo` fuzz target: a focus outside the photo (a manifest's
    /// `focus` is not clamped) put the crop's edge an ulp past it, and the resizer panicked.
    #[test]
    fn crops_stay_inside_the_photo_whatever_the_focus() {
        let photo = RgbaImage::from_pixel(16, 12, Rgba([9, 9, 9, 255]));
        for focus in [[1.5, -0.2], [f32::NAN, 0.5], [f32::INFINITY, -1e30]] {
            for (w, h) in [(40, 50), (97, 13), (1, 1)] {
                let p = prepare(&photo, w, h, Fit::Cover, Placement::Focus { focus, zoom: 3.0 });
                assert_eq!(p.image.dimensions(), (w, h));
            }
        }
    }

    #[test]
    fn face_placement_puts_the_face_on_its_target() {
        // A 400×400 photo with a "face" box at 100..140 × 100..140.
        let mut photo = RgbaImage::from_pixel(400, 400, Rgba([0, 0, 0, 255]));
        for (x, y, p) in photo.enumerate_pixels_mut() {
            if (100..140).contains(&x) && (100..140).contains(&y) {
                *p = Rgba([255, 255, 255, 255]);
            }
        }
        let face = crate::photo::face::Face {
            x: 100.0,
            y: 100.0,
            width: 40.0,
            height: 40.0,
            score: 10.0,
        };
        // Target: 80×80 box centred at (100, 60) in a 200×200 frame: scale 2.
        let p = prepare(
            &photo,
            200,
            200,
            Fit::Cover,
            Placement::Face {
                face,
                target: [60.0, 20.0, 80.0, 80.0],
            },
        );
        assert!(
            !p.warnings.iter().any(|w| w.contains("cannot cover")),
            "{:?}",
            p.warnings
        );
        assert_eq!(p.image.get_pixel(100, 60)[0], 255, "face centre on the target centre");
        assert_eq!(p.image.get_pixel(100, 150)[0], 0, "below the face is not face");
        assert_eq!(p.image.get_pixel(65, 25)[0], 255, "target corner is inside the face");
        let [s, dx, dy] = p.map;
        let placed = [100.0 * s + dx, 100.0 * s + dy, 140.0 * s + dx, 140.0 * s + dy];
        assert!(
            placed
                .iter()
                .zip([60.0, 20.0, 140.0, 100.0])
                .all(|(a, b)| (a - b).abs() < 0.5),
            "map puts the face box on its target: {placed:?}"
        );
        // A target too small for the frame to be covered: the report says so.
        let p = prepare(
            &photo,
            200,
            200,
            Fit::Cover,
            Placement::Face {
                face,
                target: [90.0, 40.0, 10.0, 10.0],
            },
        );
        assert!(
            p.warnings.iter().any(|w| w.contains("cannot cover")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn zoom_crops_tighter_around_the_focus() {
        let p = prepare(
            &halves(400, 100),
            100,
            100,
            Fit::Cover,
            Placement::Focus {
                focus: [0.5, 0.5],
                zoom: 4.0,
            },
        );
        // Zoomed 4× around the centre line: the left quarter is red, the right blue.
        assert_eq!(p.image.get_pixel(10, 50), &Rgba([255, 0, 0, 255]));
        assert_eq!(p.image.get_pixel(90, 50), &Rgba([0, 0, 255, 255]));
    }

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
        let p = prepare(&halves(400, 100), 100, 100, Fit::Cover, focus(0.9, 0.5));
        assert_eq!(p.image.dimensions(), (100, 100));
        assert_eq!(
            p.image.get_pixel(50, 50),
            &Rgba([0, 0, 255, 255]),
            "focus on the right keeps blue"
        );
        let p = prepare(&halves(400, 100), 100, 100, Fit::Cover, focus(0.1, 0.5));
        assert_eq!(p.image.get_pixel(50, 50), &Rgba([255, 0, 0, 255]));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn contain_pads_with_transparency() {
        let p = prepare(&halves(400, 100), 100, 100, Fit::Contain, focus(0.5, 0.5));
        assert_eq!(p.image.get_pixel(50, 5)[3], 0, "band above is transparent");
        assert_eq!(p.image.get_pixel(10, 50)[3], 255);
    }

    #[test]
    fn upscaling_is_reported() {
        let p = prepare(&halves(100, 100), 400, 400, Fit::Cover, focus(0.5, 0.5));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("4.0×"), "{:?}", p.warnings);
    }
}
