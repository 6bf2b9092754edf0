//! What one `Studio::render` of README's example costs in Rust (instagram-story PNG, the
//! sample's hopper.jpg): the median of CALLS calls after a warm-up, to set beside
//! `python python/bench.py` (the same render through the Python package).
//!
//!     cargo bench --bench studio [-- CALLS]

use std::time::Instant;

use affiche::{Fonts, Order, Preset, Studio, Template};

fn main() {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(30);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fonts = Fonts::from_dir(root.join("fonts")).unwrap();
    let template = Template::load(root.join("templates/hero"), &fonts).unwrap();
    let studio = Studio::new(template, fonts, Default::default());
    let order = Order {
        values: [("name", "Léa ROY"), ("constituency", "Paris (1re circonscription)")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
        photos: [(
            "photo".to_string(),
            std::fs::read(root.join("samples/photos/hopper.jpg")).unwrap(),
        )]
        .into(),
        preset: Some(Preset::find("instagram-story").unwrap()),
        ..Default::default()
    };
    for _ in 0..3 {
        studio.render(&order).unwrap();
    }
    let mut ms: Vec<f64> = (0..calls)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(studio.render(&order).unwrap());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let bytes = studio.render(&order).unwrap().bytes.len();
    println!(
        "rust Studio::render: {calls} calls, median {:.1} ms, min {:.1} ms, max {:.1} ms ({bytes} bytes)",
        ms[calls / 2],
        ms[0],
        ms[calls - 1]
    );
}
