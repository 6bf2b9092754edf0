//! Arbitrary bytes as an SVG (or .svgz) template, filled with a row and rendered
//! small. Input: template bytes, then optionally 0xFF and the row's value.
//! Nothing may panic, hang or allocate without bound.
#![no_main]

use std::sync::OnceLock;

use affiche::{Overflow, RenderOptions};
use affiche::{Fonts, Record, Template};
use libfuzzer_sys::fuzz_target;

struct Env {
    fonts: Fonts,
    dir: tempfile::TempDir,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| Env {
        fonts: Fonts::from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../fonts")).expect("the repository's fonts"),
        // In memory where there is a tmpfs: one file written per input.
        dir: tempfile::Builder::new()
            .tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("a temp dir"),
    })
}

fuzz_target!(|data: &[u8]| {
    let (svg, value) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], String::from_utf8_lossy(&data[i + 1..]).into_owned()),
        None => (data, "Léa ROY-ÉTIENNE".to_string()),
    };
    let env = env();
    let path = env.dir.path().join("t.svg");
    std::fs::write(&path, svg).expect("write the template");
    let Ok(template) = Template::load(&path, &env.fonts) else {
        return;
    };
    let record = Record::from_values(1, template.fields().into_iter().map(|f| (f.name, value.clone())));
    for overflow in [Overflow::Error, Overflow::Truncate] {
        let options = RenderOptions { overflow };
        if let Ok(poster) = affiche::render(&template, &record, Some((96, 120)), &options, &env.fonts, &affiche::Caches::default()) {
            assert_eq!(poster.image.dimensions(), (96, 120));
        }
    }
});
