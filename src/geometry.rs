//! Boxes: where a slot, an ink or a photo sits.
//!
//! Foundation: imports nothing from the pipeline.

/// An axis-aligned box (a slot's, an ink's), in the units of the document it was read from:
/// the template's user units, or the canvas after the slot's transforms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Bounds {
    /// This box, given in `from`'s units, in `to`'s units: slot boxes are
    /// axis-aligned, so the mapping is a scale and a shift.
    pub fn mapped(self, from: Bounds, to: Bounds) -> Bounds {
        let sx = to.width / from.width.max(f32::EPSILON);
        let sy = to.height / from.height.max(f32::EPSILON);
        Bounds {
            x: to.x + (self.x - from.x) * sx,
            y: to.y + (self.y - from.y) * sy,
            width: self.width * sx,
            height: self.height * sy,
        }
    }
}
