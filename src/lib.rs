//! affiche fills SVG templates drawn in any editor with rows of a data file
//! (names, constituencies, photos) and renders whole batches of posters.
//!
//! The library renders one poster in memory ([`render()`]) or whole batches
//! ([`Batch`]); it never prints and never exits. Everything public is named
//! here; the stages behind it are private (`ARCHITECTURE.md` has the pipeline).
//!
//! One poster from values and photo bytes, with no file written: a [`Studio`] loads the
//! template and fonts once and serves any number of threads (`affiche serve` and the Python
//! package are built on it). The same poster a batch writes for the same row, byte for byte.
//!
//! ```
//! use affiche::{Fonts, Order, Preset, Studio, Template};
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
//! let fonts = Fonts::from_dir(root.join("fonts"))?;
//! let template = Template::load(root.join("templates/hero"), &fonts)?;
//! let studio = Studio::new(template, fonts, Default::default());
//! let order = Order {
//!     values: [("name", "Léa ROY"), ("constituency", "Paris (1re circonscription)")]
//!         .map(|(k, v)| (k.to_string(), v.to_string()))
//!         .into(),
//!     photos: [("photo".to_string(), std::fs::read(root.join("samples/photos/hopper.jpg"))?)].into(),
//!     preset: Some(Preset::find("instagram-story")?),
//!     ..Default::default()
//! };
//! let poster = studio.render(&order)?;
//! assert!(poster.bytes.starts_with(b"\x89PNG"));
//! assert_eq!((poster.width, poster.height), (1080, 1920));
//! // What the batch report says of it: each text's size and lines, warnings.
//! assert_eq!(poster.entry.texts[0].field, "name");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Below it, [`render()`] draws a [`Record`] of decoded photos into pixels with the caller's
//! [`Caches`]: for tools that place photos themselves or encode elsewhere.

// Every type a public item shows is named here: a public field of a private type would
// leave users holding values they cannot name.
#![warn(unnameable_types)]

// Foundation: imported by every stage.
mod error;
mod fonts;
mod geometry;
mod limits;
mod pixel;
mod png;
mod preset;
// The pipeline, in order: each stage imports only the foundation and the stages above
// it in this list (checked by `tests/it/architecture.rs`, whose `STAGES` is this order).
mod data;
mod photo;
mod text;
mod template;
mod compose;
mod raster;
mod pdf;
mod output;
mod review;
mod batch;
mod studio;

pub use batch::campaign::{Campaign, CampaignFile};
pub use batch::init::init;
pub use batch::{Batch, RunOptions};
pub use compose::measure::text_ink;
pub use compose::{Composed, Overflow, Record, RenderOptions, TextReport};
pub use error::{Error, Result};
pub use fonts::{FontOptions, Fonts};
pub use geometry::Bounds;
pub use output::delivery::MaxKb;
pub use preset::{PRESETS, Preset};
pub use raster::{Caches, Poster, compose, rasterize, render};
pub use review::gallery::write as write_gallery;
pub use review::report::{Entry, Report, Status};
pub use review::sheet::{SheetOptions, compose as contact_sheet, preset_of as sheet_preset};
pub use studio::{Order, Rendered, Studio, StudioOptions};
pub use template::slot::{PhotoSlot, TextSlot};
pub use template::{FieldInfo, FieldKind, FontUse, SlotRules, Template, Unbound, Variant, is_svg_file, own_fonts_dir};
pub use text::fit::{Align, Case, VAlign};

/// Decodes a photo from its bytes (JPEG, PNG, WebP, …): upright by its EXIF orientation,
/// in sRGB, within the size limits a batch applies to candidates' photos.
pub fn decode_photo(bytes: &[u8]) -> Result<image::RgbaImage> {
    photo::decode(bytes).map_err(|message| Error::PhotoBytes { message })
}

/// Photos as a batch handles them: decoding (at a scale), faces, crops, effects.
pub mod photos {
    pub use crate::photo::effects::{Color, Effect, apply as apply_effects};
    pub use crate::photo::face::{Face, find as find_faces, rescale as rescale_faces};
    pub use crate::photo::{Fit, Placement, Prepared, decode, decode_for, prepare};

    /// Reads photo file `name` inside `folder` as a batch reads its photo column: no absolute
    /// path, no `..`, no URL, no link leading out, a regular file within the photo size limit.
    /// `what` names the folder in messages (`the photo folder`). Errors are plain messages: the
    /// caller knows the row and field.
    pub fn read_in(folder: &std::path::Path, name: &str, what: &str) -> Result<Vec<u8>, String> {
        crate::template::confine::read(folder, name, what, crate::limits::MAX_PHOTO_BYTES).map(|(_, bytes)| bytes)
    }
}

/// Data files (CSV, JSON, XLSX, ODS) read into a table of text cells.
pub mod tables {
    pub use crate::data::{DataOptions, DataWarning, Row, Table, interpolate, load, load_with, pattern_columns};
}

/// Encoders and how files reach the disk.
pub mod files {
    pub use crate::output::delivery::Delivery;
    pub use crate::output::{
        Encoding, Format, encode, encode_png_fast, encode_png_stored, file_name, slug, write_atomic,
    };
}

/// Print: one composed poster as a PDF page with bleed and crop marks.
pub mod print {
    pub use crate::pdf::{PageBoxes, PdfOptions, PdfPoster, page_boxes, to_pdf};
}
