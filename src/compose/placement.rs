//! Where a photo goes in its slot's frame at one output size (per-row focus
//! and zoom columns, the manifest's focus, the detected face on the
//! template's face box, or `photo::focus`'s fallback), and the photo prepared
//! there: cropped, resized to the frame's exact pixels, effects applied.
//! Shared by the raster and PDF paths and by the batch's decode sizing.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use image::RgbaImage;

use crate::compose::Record;
use crate::photo::Placement;
use crate::photo::face;
use crate::template::{Template, Variant};

/// Whether every pixel of `photo` is opaque: scanned once per photo, not once per preset
/// (12 MB a scan for a 12 MP photo decoded at half size). The last answer is kept with a
/// weak reference, which keeps the photo's allocation from being reused by another photo
/// and its pixels from changing (`Arc::get_mut` fails while it lives).
fn opaque(photo: &Arc<RgbaImage>) -> bool {
    thread_local! {
        static LAST: RefCell<Option<(Weak<RgbaImage>, bool)>> = const { RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((seen, opaque)) if seen.strong_count() > 0 && std::ptr::eq(seen.as_ptr(), Arc::as_ptr(photo)) => *opaque,
        _ => {
            let opaque = crate::pixel::opaque(photo.as_raw());
            *last = Some((Arc::downgrade(photo), opaque));
            opaque
        }
    })
}

/// Each photo slot's photo placed, cropped and resized to its frame at one scale,
/// effects applied, with what a reviewer should know. Depends on the variant, the
/// record and the scale only, not on the output size: two outputs of one variant at one
/// scale (1200×630 and 1200×627, the same canvas cropped 1.5 px apart) share it.
#[derive(Debug, Clone, Default)]
pub(crate) struct PreparedPhotos {
    /// The prepared photo of each slot, by field, at its frame's exact pixel size.
    pub photos: BTreeMap<String, RgbaImage>,
    pub warnings: Vec<String>,
    /// Where each face landed: output pixels from the scaled canvas's origin (add the
    /// output's own offset of that origin).
    pub faces: Vec<(String, [f32; 4])>,
}

/// The [`PreparedPhotos`] of variant `v` for `record` at `scale` (output pixels per canvas unit).
pub(crate) fn prepare_photos(template: &Template, v: &Variant, record: &Record, scale: f32) -> PreparedPhotos {
    let mut out = PreparedPhotos::default();
    for slot in &v.photos {
        let Some(photo) = record.photos.get(&slot.field) else {
            continue;
        };
        let rules = template.rules_for(&slot.field);
        let (pw, ph) = slot_pixels(slot, scale);
        let (placement, notes) = placement(slot, &rules, record, photo, (pw, ph));
        out.warnings
            .extend(notes.into_iter().map(|m| format!("{}: {m}", slot.field)));
        let mut prepared = crate::photo::prepare_known(photo, opaque(photo), pw, ph, rules.fit, placement);
        let face = match placement {
            Placement::Face { face, .. } => Some(face),
            Placement::Focus { .. } => record.faces.get(&slot.field).and_then(|(f, _)| f.first().copied()),
        };
        if let Some([x, y, w, h]) = face.and_then(|f| prepared.face_box(&f)) {
            let (fx, fy) = (slot.canvas.x * scale, slot.canvas.y * scale);
            out.faces.push((format!("{} face", slot.field), [fx + x, fy + y, w, h]));
        }
        crate::photo::effects::apply(&mut prepared.image, &rules.effects);
        out.warnings
            .extend(prepared.warnings.into_iter().map(|m| format!("{}: {m}", slot.field)));
        out.photos.insert(slot.field.clone(), prepared.image);
    }
    out
}

/// The photos of `composed`'s variant prepared for an output of `size`: outputs of
/// one variant at one scale can share them ([`crate::raster::rasterize_with`], [`share_key`]).
pub(crate) fn frames(
    template: &Template,
    composed: &crate::compose::Composed,
    record: &Record,
    size: Option<(u32, u32)>,
) -> PreparedPhotos {
    let v = &template.variants[composed.variant];
    let (_, scale) = crate::template::canvas::output_size(v, size);
    prepare_photos(template, v, record, scale)
}

/// Outputs with equal keys draw the same [`PreparedPhotos`]: the variant and the scale (as bits).
pub(crate) fn share_key(template: &Template, variant: usize, size: Option<(u32, u32)>) -> (usize, u32) {
    (
        variant,
        crate::template::canvas::output_size(&template.variants[variant], size)
            .1
            .to_bits(),
    )
}

/// A photo slot's frame in output pixels at `scale`.
pub(crate) fn slot_pixels(slot: &crate::template::slot::PhotoSlot, scale: f32) -> (u32, u32) {
    (
        (slot.canvas.width * scale).round() as u32,
        (slot.canvas.height * scale).round() as u32,
    )
}

/// Where a photo goes in its slot: per-row columns `<field>_focus_x`,
/// `<field>_focus_y`, `<field>_zoom` first, then the manifest's `focus`, then
/// the detected face (on the template's `<field>-face` box when it has one),
/// then the fallback focus (skin, then edges). Also says what a reviewer should know.
pub(crate) fn placement(
    slot: &crate::template::slot::PhotoSlot,
    rules: &crate::template::SlotRules,
    record: &Record,
    photo: &RgbaImage,
    (pw, ph): (u32, u32),
) -> (Placement, Vec<String>) {
    let column = |suffix: &str| {
        record
            .values
            .get(&format!("{}_{suffix}", slot.field))
            .and_then(|v| v.trim().parse::<f32>().ok())
    };
    let zoom = column("zoom").unwrap_or(1.0);
    if let (Some(x), Some(y)) = (column("focus_x"), column("focus_y")) {
        return (
            Placement::Focus {
                focus: [x.clamp(0.0, 1.0), y.clamp(0.0, 1.0)],
                zoom,
            },
            Vec::new(),
        );
    }
    if let Some(focus) = rules.focus {
        return (Placement::Focus { focus, zoom }, Vec::new());
    }
    let detected;
    let (faces, focus) = match record.faces.get(&slot.field) {
        Some(found) => found,
        None => {
            detected = face::find(photo);
            &detected
        }
    };
    let mut notes = Vec::new();
    match faces.len() {
        0 => notes
            .push("no face found: cropped around the largest area of skin, or else the most detailed one".to_string()),
        1 => {}
        n => notes.push(format!("{n} faces found: the largest was used")),
    }
    let placement = match (faces.first(), slot.face) {
        (Some(face), Some(target)) if zoom == 1.0 => {
            let (sx, sy) = (pw as f32 / slot.frame.width, ph as f32 / slot.frame.height);
            let target = [
                (target.x - slot.frame.x) * sx,
                (target.y - slot.frame.y) * sy,
                target.width * sx,
                target.height * sy,
            ];
            Placement::Face { face: *face, target }
        }
        _ => Placement::Focus { focus: *focus, zoom },
    };
    (placement, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::RenderOptions;
    use crate::raster::{compose, rasterize, rasterize_with};

    /// Two outputs of the wide variant at one scale, 3 px apart in height, share their
    /// photo frames: the shared frames give the very poster of preparing them afresh.
    #[test]
    fn outputs_of_one_variant_at_one_scale_share_their_frames() {
        let (fonts, template) = crate::template::sample();
        let mut record = Record::from_values(1, [("name", "Zoé LE GOFF"), ("constituency", "Paris (1re)")]);
        let photo = RgbaImage::from_fn(80, 100, |x, y| image::Rgba([(x * 3) as u8, (y * 2) as u8, 90, 255]));
        record.photos.insert("photo".into(), Arc::new(photo));
        // The 1200×630 variant at 1/5: 240×126 and 240×125 are drawn at one scale, 240×130 is not.
        let (a, b, c) = (Some((240, 126)), Some((240, 125)), Some((240, 130)));
        let v = template.variant_index_for(240, 126);
        assert_eq!(template.variant_index_for(240, 125), v);
        assert_eq!(share_key(&template, v, a), share_key(&template, v, b));
        assert_ne!(share_key(&template, v, a), share_key(&template, v, c));
        let composed = compose(
            &template,
            v,
            &record,
            &RenderOptions::default(),
            &fonts,
            &crate::raster::Caches::default(),
        )
        .unwrap();
        let shared = frames(&template, &composed, &record, a);
        assert!(shared.photos.contains_key("photo"));
        let fresh = rasterize(
            &template,
            &composed,
            &record,
            b,
            &fonts,
            &crate::raster::Caches::default(),
        )
        .unwrap();
        let reused = rasterize_with(
            &template,
            &composed,
            &record,
            b,
            &fonts,
            &crate::raster::Caches::default(),
            Some(&shared),
        )
        .unwrap();
        assert_eq!(reused.image.dimensions(), (240, 125));
        assert!(reused.image == fresh.image, "shared frames draw other pixels");
        assert_eq!(reused.boxes, fresh.boxes);
        assert_eq!(reused.warnings, fresh.warnings);
        // And the frames handed over are the ones drawn.
        let mut red = shared.clone();
        red.photos
            .values_mut()
            .for_each(|p| p.pixels_mut().for_each(|px| *px = image::Rgba([255, 0, 0, 255])));
        let drawn = rasterize_with(
            &template,
            &composed,
            &record,
            b,
            &fonts,
            &crate::raster::Caches::default(),
            Some(&red),
        )
        .unwrap();
        let reds = |img: &RgbaImage| img.pixels().filter(|p| p.0 == [255, 0, 0, 255]).count();
        assert!(
            reds(&drawn.image) > reds(&fresh.image) + 500,
            "the given frames are drawn"
        );
    }

    #[test]
    fn opacity_is_kept_for_the_same_photo_and_found_again_for_another() {
        let solid = Arc::new(RgbaImage::from_pixel(9, 7, image::Rgba([1, 2, 3, 255])));
        let mut pixels = (*solid).clone();
        pixels.get_pixel_mut(8, 6)[3] = 254;
        let clear = Arc::new(pixels);
        assert!(opaque(&solid));
        assert!(!opaque(&clear), "another photo is scanned");
        assert!(opaque(&solid));
        assert!(opaque(&Arc::clone(&solid)), "the same photo through another handle");
        // The kept answer holds the photo's allocation: a photo made after it is dropped
        // cannot take its address and inherit its answer.
        drop(solid);
        let later = Arc::new(clear.as_ref().clone());
        assert!(!opaque(&later));
    }
}
