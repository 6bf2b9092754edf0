//! Renders one poster in memory with the library: no campaign, no files written.
//!
//!     cargo run --release --example render_one
//!
//! Prints the poster's size and how the name was set; a real tool would hand
//! `poster.image` (RGBA pixels) to its own code.

use affiche::{Fonts, Record, Template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fonts = Fonts::from_dir("fonts")?;
    let template = Template::load("templates/hero", &fonts)?;
    let mut record = Record::from_values(
        1,
        [
            ("name", "Marie-Christine PRUD'HOMME-VASSEUR"),
            ("constituency", "Bouches-du-Rhône (4e circonscription)"),
            ("slogan", "Le courage d'agir"),
        ],
    );
    let photo = std::fs::read("samples/photos/hopper.jpg")?;
    record
        .photos
        .insert("photo".into(), affiche::decode_photo(&photo)?.into());

    let preset = affiche::Preset::find("instagram-portrait")?;
    let poster = affiche::render(
        &template,
        &record,
        Some((preset.width, preset.height)),
        &Default::default(),
        &fonts,
        &affiche::Caches::default(),
    )?;

    let (w, h) = poster.image.dimensions();
    println!("{w}×{h} RGBA from variant {:?}", poster.variant);
    for t in &poster.texts {
        println!(
            "{}: {:.0}px, {} line(s), {:.0}% of max size",
            t.field,
            t.size,
            t.lines,
            t.shrink * 100.0
        );
    }
    Ok(())
}
