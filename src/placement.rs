//! Where a photo goes in its slot's frame at one output size (per-row focus
//! and zoom columns, the manifest's focus, the detected face on the
//! template's face box, or the most detailed area), and the photo prepared
//! there: cropped, resized to the frame's exact pixels, effects applied.
//! Shared by the raster and PDF paths and by the batch's decode sizing.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use image::RgbaImage;

use crate::face;
use crate::photo::Placement;
use crate::render::Record;
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
            let opaque = crate::window::opaque(photo.as_raw());
            *last = Some((Arc::downgrade(photo), opaque));
            opaque
        }
    })
}

/// Each photo slot's photo placed, cropped and resized to its frame at `scale`
/// (output pixels per canvas unit, canvas origin at `origin`), effects applied;
/// with what a reviewer should know and where each face landed (output pixels).
pub(crate) type PreparedPhotos = (BTreeMap<String, RgbaImage>, Vec<String>, Vec<(String, [f32; 4])>);

pub(crate) fn prepare_photos(
    template: &Template,
    v: &Variant,
    record: &Record,
    scale: f32,
    (ox, oy): (f32, f32),
) -> PreparedPhotos {
    let mut photos = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut faces = Vec::new();
    for slot in &v.photos {
        let Some(photo) = record.photos.get(&slot.field) else {
            continue;
        };
        let rules = template.rules_for(&slot.field);
        let (pw, ph) = frame_pixels(slot, scale);
        let (placement, notes) = placement(slot, &rules, record, photo, (pw, ph));
        warnings.extend(notes.into_iter().map(|m| format!("{}: {m}", slot.field)));
        let mut prepared = crate::photo::prepare_known(photo, opaque(photo), pw, ph, rules.fit, placement);
        let face = match placement {
            Placement::Face { face, .. } => Some(face),
            Placement::Focus { .. } => record.faces.get(&slot.field).and_then(|(f, _)| f.first().copied()),
        };
        if let Some([x, y, w, h]) = face.and_then(|f| prepared.face_box(&f)) {
            let (fx, fy) = (slot.canvas.x * scale + ox, slot.canvas.y * scale + oy);
            faces.push((format!("{} face", slot.field), [fx + x, fy + y, w, h]));
        }
        crate::effects::apply(&mut prepared.image, &rules.effects);
        warnings.extend(prepared.warnings.into_iter().map(|m| format!("{}: {m}", slot.field)));
        photos.insert(slot.field.clone(), prepared.image);
    }
    (photos, warnings, faces)
}

/// A photo slot's frame in output pixels at `scale`.
pub(crate) fn frame_pixels(slot: &crate::slot::PhotoSlot, scale: f32) -> (u32, u32) {
    (
        (slot.canvas.width * scale).round() as u32,
        (slot.canvas.height * scale).round() as u32,
    )
}

/// Where a photo goes in its slot: per-row columns `<field>_focus_x`,
/// `<field>_focus_y`, `<field>_zoom` first, then the manifest's `focus`, then
/// the detected face (on the template's `<field>-face` box when it has one),
/// then the most detailed area. Also says what a reviewer should know.
pub(crate) fn placement(
    slot: &crate::slot::PhotoSlot,
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
        0 => notes.push("no face found: cropped around the most detailed area".to_string()),
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
