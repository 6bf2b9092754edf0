//! Where a variant's canvas lands on an output of a given size (scaled to cover
//! it, centred), which slots that crop cuts into, and the finished canvas handed
//! back as straight RGBA.

use image::RgbaImage;
use resvg::tiny_skia;

use crate::template::Variant;

/// Where the variant's canvas goes on a `w`×`h` output: scaled to cover it, centred.
pub(crate) fn cover(v: &Variant, (w, h): (u32, u32)) -> tiny_skia::Transform {
    let scale = cover_scale(v, (w, h));
    let (ox, oy) = ((w as f32 - v.width * scale) / 2.0, (h as f32 - v.height * scale) / 2.0);
    tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, ox, oy)
}

/// The output size for `size` (the variant's own size when `None`) and the
/// cover scale from the variant's canvas to it.
pub(crate) fn output_size(v: &Variant, size: Option<(u32, u32)>) -> ((u32, u32), f32) {
    let (w, h) = size.unwrap_or((v.width.ceil() as u32, v.height.ceil() as u32));
    ((w, h), cover_scale(v, (w, h)))
}

/// Output pixels per canvas unit when the canvas covers a `w`×`h` output.
fn cover_scale(v: &Variant, (w, h): (u32, u32)) -> f32 {
    (w as f32 / v.width).max(h as f32 / v.height)
}

/// Slots that a cover crop pushes partly outside the output.
pub(crate) fn cropped_slots(v: &Variant, transform: tiny_skia::Transform, (w, h): (u32, u32)) -> Vec<String> {
    let (scale, ox, oy) = (transform.sx, transform.tx, transform.ty);
    let frames = v
        .texts
        .iter()
        .map(|s| (&s.field, s.canvas))
        .chain(v.photos.iter().map(|s| (&s.field, s.canvas)));
    frames
        .filter(|(_, f)| {
            let (x0, y0) = (f.x * scale + ox, f.y * scale + oy);
            let (x1, y1) = (x0 + f.width * scale, y0 + f.height * scale);
            x0 < -0.5 || y0 < -0.5 || x1 > w as f32 + 0.5 || y1 > h as f32 + 0.5
        })
        .map(|(field, _)| {
            format!(
                "{field}: the {w}×{h} crop of variant {:?} cuts into this slot; add a variant with this aspect ratio",
                v.name
            )
        })
        .collect()
}

/// The finished canvas as straight (not premultiplied) RGBA, demultiplied in
/// place: no second canvas-sized buffer.
pub(crate) fn into_image(pixmap: tiny_skia::Pixmap) -> RgbaImage {
    let (w, h) = (pixmap.width(), pixmap.height());
    let mut data = pixmap.take();
    // Opaque pixels (most of a poster) are the same either way: whole opaque runs are skipped
    // by one vectorised test instead of a branch per pixel.
    for run in data.chunks_mut(64).filter(|run| !crate::pixel::opaque(run)) {
        for px in run.chunks_exact_mut(4).filter(|px| px[3] != 255) {
            let c = tiny_skia::PremultipliedColorU8::from_rgba(px[0], px[1], px[2], px[3]).map_or([0; 4], |c| {
                let c = c.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            });
            px.copy_from_slice(&c);
        }
    }
    RgbaImage::from_raw(w, h, data).expect("w×h×4 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canvas_covers_the_output_centred_and_the_crop_names_the_slots_it_cuts() {
        let (_, t) = crate::template::sample();
        let v = t
            .variants
            .iter()
            .find(|v| v.aspect() < 0.9)
            .expect("a portrait variant");
        // Twice as wide as the variant: the width sets the scale, the height is cropped evenly.
        let w = (v.width * 2.0).round() as u32;
        let h = (v.height * 0.8).round() as u32;
        let c = cover(v, (w, h));
        assert!((c.sx - w as f32 / v.width).abs() < 1e-4 && c.sx == c.sy);
        assert!(c.tx.abs() < 1e-3);
        assert!(
            (c.ty * 2.0 + v.height * c.sy - h as f32).abs() < 1e-2,
            "centred: {}",
            c.ty
        );
        assert_eq!(output_size(v, Some((w, h))), ((w, h), c.sx));
        assert_eq!(output_size(v, None).0, (v.width.ceil() as u32, v.height.ceil() as u32));
        // Its own aspect ratio cuts nothing; a strip of it cuts slots, each named once.
        let own = (v.width.round() as u32, v.height.round() as u32);
        assert!(cropped_slots(v, cover(v, own), own).is_empty());
        let strip = (own.0, own.1 / 4);
        let cut = cropped_slots(v, cover(v, strip), strip);
        assert!(!cut.is_empty());
        assert!(
            cut.iter()
                .all(|m| m.contains("cuts into this slot") && m.contains(&v.name))
        );
    }

    #[test]
    fn the_canvas_comes_back_straight_and_opaque_pixels_unchanged() {
        let mut pixmap = tiny_skia::Pixmap::new(70, 1).unwrap();
        pixmap.fill(tiny_skia::Color::from_rgba8(10, 200, 30, 255));
        // One pixel half-transparent red, premultiplied: (128, 0, 0, 128); one fully clear.
        let half = tiny_skia::PremultipliedColorU8::from_rgba(128, 0, 0, 128).unwrap();
        pixmap.pixels_mut()[66] = half;
        pixmap.pixels_mut()[67] = tiny_skia::PremultipliedColorU8::TRANSPARENT;
        let image = into_image(pixmap);
        assert_eq!(image.dimensions(), (70, 1));
        assert_eq!(image.get_pixel(0, 0).0, [10, 200, 30, 255]);
        assert_eq!(image.get_pixel(66, 0).0, [255, 0, 0, 128]);
        assert_eq!(image.get_pixel(67, 0).0, [0, 0, 0, 0]);
        assert_eq!(image.get_pixel(69, 0).0, [10, 200, 30, 255]);
    }
}
