//! Text layout, pure: where a value's lines may break (`line_break`) and the size and
//! lines that fit a box (`fit`), given a measuring function. No fonts, no SVG.
//!
//! May import: foundation modules only.

pub(crate) mod fit;
pub(crate) mod line_break;
