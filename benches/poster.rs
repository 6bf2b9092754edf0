//! criterion benches, one per stage of one poster and for the whole poster:
//!
//!     cargo bench --bench poster
//!
//! 1080×1350 (instagram-portrait, hero/portrait variant), the sample's largest
//! photo and a 12-megapixel JPEG made from it (3000×4000, like a phone's).
//! `benches/stages.rs` prints the same stages as one quick table.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use affiche::photos::{Fit, Placement};
use affiche::{Fonts, Record, Template};

fn stages(c: &mut Criterion) {
    let fonts = Fonts::from_dir("fonts").unwrap();
    let template = Template::load("templates/hero", &fonts).unwrap();
    // One per template, kept across iterations as a batch keeps its own.
    let caches = affiche::Caches::default();
    let sample = std::fs::read("samples/photos/hopper-square-large.jpg").unwrap();
    let photo = affiche::photos::decode(&sample).unwrap();
    let twelve = common::upscaled_jpeg(&sample, 3000, 4000);
    let mut record = Record::from_values(
        1,
        [
            ("name", "Marie-Christine PRUD'HOMME-VASSEUR"),
            ("constituency", "Bouches-du-Rhône (4e circonscription)"),
        ],
    );
    record.photos.insert("photo".into(), photo.clone().into());
    record.faces.insert("photo".into(), affiche::photos::find_faces(&photo));
    let variant = template.variants.iter().position(|v| v.name == "portrait").unwrap();
    let size = Some((1080, 1350));
    let composed = affiche::compose(&template, variant, &record, &Default::default(), &fonts, &caches).unwrap();
    let poster = affiche::rasterize(&template, &composed, &record, size, &fonts, &caches).unwrap();
    let focus = Placement::Focus {
        focus: [0.5, 0.4],
        zoom: 1.0,
    };

    let mut g = c.benchmark_group("stage");
    g.sample_size(20);
    g.bench_function("decode 12 MP JPEG (full)", |b| {
        b.iter(|| affiche::photos::decode(black_box(&twelve)).unwrap())
    });
    g.bench_function("decode 12 MP JPEG for a 490×568 frame (DCT 1/2)", |b| {
        b.iter(|| affiche::photos::decode_for(black_box(&twelve), Some((490, 568))).unwrap())
    });
    g.bench_function("find faces", |b| {
        b.iter(|| affiche::photos::find_faces(black_box(&photo)))
    });
    g.bench_function("resize (crop + Lanczos3 to 952×712)", |b| {
        b.iter(|| affiche::photos::prepare(black_box(&photo), 952, 712, Fit::Cover, focus))
    });
    g.bench_function("fill + parse (compose: measure, fit, fill)", |b| {
        b.iter(|| {
            affiche::compose(
                &template,
                variant,
                black_box(&record),
                &Default::default(),
                &fonts,
                &caches,
            )
            .unwrap()
        })
    });
    g.bench_function("raster (prepare photo, parse, render)", |b| {
        b.iter(|| affiche::rasterize(&template, black_box(&composed), &record, size, &fonts, &caches).unwrap())
    });
    g.bench_function("encode PNG (fast)", |b| {
        b.iter(|| affiche::files::encode(black_box(&poster.image), Default::default()))
    });
    g.finish();

    let mut g = c.benchmark_group("poster");
    g.sample_size(10);
    g.bench_function("whole poster (compose + rasterize + encode)", |b| {
        b.iter(|| {
            let composed = affiche::compose(&template, variant, &record, &Default::default(), &fonts, &caches).unwrap();
            let p = affiche::rasterize(&template, &composed, &record, size, &fonts, &caches).unwrap();
            affiche::files::encode(&p.image, Default::default())
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
