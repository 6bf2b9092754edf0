//! affiche fills SVG templates drawn in any editor with rows of a data file
//! (names, constituencies, photos) and renders whole batches of posters.
//!
//! The library renders one poster in memory ([`render()`]) or whole batches
//! ([`Batch`]); it never prints and never exits. See `ARCHITECTURE.md` for the
//! pipeline.
//!
//! ```no_run
//! use affiche::{Fonts, Record, Template};
//! let fonts = Fonts::from_dir("fonts")?;
//! let template = Template::load("templates/hero", &fonts)?;
//! let mut record = Record::from_values(1, [("name", "Léa ROY"), ("constituency", "Paris (1re circonscription)")]);
//! let photo = std::fs::read("samples/photos/hopper.jpg")?;
//! record.photos.insert("photo".into(), affiche::photo::decode(&photo).map_err(std::io::Error::other)?.into());
//! let poster = affiche::render(&template, &record, Some((1080, 1080)), &Default::default(), &fonts)?;
//! assert_eq!(poster.image.dimensions(), (1080, 1080));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod batch;
pub mod campaign;
mod canvas;
mod caps;
mod confine;
pub mod data;
pub mod delivery;
mod disk;
pub mod effects;
pub mod error;
pub mod face;
pub mod fill;
pub mod fonts;
pub mod gallery;
mod icc;
pub mod init;
mod jpeg;
mod layers;
mod line_break;
mod manifest;
mod measure;
mod once_map;
pub mod output;
mod overlay;
pub mod pattern;
pub mod pdf;
pub mod photo;
mod placement;
pub mod preset;
pub mod preview;
pub mod render;
pub mod report;
mod row;
mod row_photos;
mod shadow;
mod shard;
pub mod sheet;
pub mod slot;
pub mod state;
pub mod template;
pub mod text_fit;
pub mod typeset;
mod webp;
mod window;

pub use batch::{Batch, RunOptions};
pub use campaign::{Campaign, CampaignFile};
pub use error::{Error, Result};
pub use fonts::{FontOptions, Fonts};
pub use preset::{PRESETS, Preset};
pub use render::{Poster, Record, RenderOptions, compose, rasterize, render, text_ink};
pub use report::Report;
pub use template::Template;
