//! Per-stage timings of one poster (medians), on the sample template and photo.
//!
//!     cargo bench --bench stages
//!
//! A plain `benches/` binary (no criterion) to keep CI's dependency build lean.

mod common;

use std::time::{Duration, Instant};

use affiche::{Fonts, Record, Template};

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let runs = std::env::args()
        .nth(1)
        .filter(|a| a != "--bench")
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let fonts = Fonts::from_dir("fonts").unwrap();
    let template = Template::load("templates/hero", &fonts).unwrap();
    // One per template, kept across iterations as a batch keeps its own.
    let caches = affiche::Caches::default();
    let bytes = std::fs::read("samples/photos/hopper-square-large.jpg").unwrap();
    let photo = affiche::photos::decode(&bytes).unwrap();
    let mut record = Record::from_values(
        1,
        [
            ("name", "Marie-Christine PRUD'HOMME-VASSEUR"),
            ("constituency", "Bouches-du-Rhône (4e circonscription)"),
        ],
    );
    record.photos.insert("photo".into(), photo.clone().into());
    // As in a batch: faces are found once per row, not per preset.
    record.faces.insert("photo".into(), affiche::photos::find_faces(&photo));
    let (w, h) = (1080, 1350);
    let variant = template.variants.iter().position(|v| v.name == "portrait").unwrap();
    let composed = affiche::compose(&template, variant, &record, &Default::default(), &fonts, &caches).unwrap();
    let poster = affiche::rasterize(&template, &composed, &record, Some((w, h)), &fonts, &caches).unwrap();

    println!("stage (1080×1350, hero/portrait, {runs} runs)      median");
    let row = |name: &str, d: Duration| println!("{name:<44} {:>8.1} ms", d.as_secs_f64() * 1e3);
    row(
        "decode 1024×1024 JPEG",
        median(runs, || drop(affiche::photos::decode(&bytes).unwrap())),
    );
    // A 20-megapixel JPEG (3648×5472, a DSLR's size), made from the sample.
    let big = common::upscaled_jpeg(&bytes, 3648, 5472);
    for (need, label) in [
        (None, "decode 20 MP JPEG, full (zune-jpeg)"),
        (Some((490, 568)), "decode 20 MP JPEG for a 490×568 frame (1/2)"),
        (Some((245, 284)), "decode 20 MP JPEG for a 245×284 frame (1/4)"),
    ] {
        row(
            label,
            median(runs.min(7), || drop(affiche::photos::decode_for(&big, need).unwrap())),
        );
    }
    // Which decoder for a full-size decode: the two decoders alone, to RGB, nothing else.
    row(
        "decode 20 MP JPEG to RGB, image (zune-jpeg)",
        median(runs.min(7), || {
            drop(image::load_from_memory_with_format(&big, image::ImageFormat::Jpeg).unwrap());
        }),
    );
    row(
        "decode 20 MP JPEG to RGB, jpeg-decoder",
        median(runs.min(7), || {
            drop(jpeg_decoder::Decoder::new(&big[..]).decode().unwrap());
        }),
    );
    // The prepared photo handed to resvg: PNG written, then read back as resvg's PNG path does.
    let frame = affiche::photos::prepare(
        &photo,
        952,
        712,
        affiche::photos::Fit::Cover,
        affiche::photos::Placement::Focus {
            focus: [0.5, 0.4],
            zoom: 1.0,
        },
    )
    .image;
    for (label, encode) in [
        (
            "photo hand-off, PNG fast (952×712, write + read)",
            affiche::files::encode_png_fast as fn(&_) -> _,
        ),
        (
            "photo hand-off, PNG stored (952×712, write + read)",
            affiche::files::encode_png_stored,
        ),
    ] {
        row(
            label,
            median(runs, || {
                let png = encode(&frame);
                drop(image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap());
            }),
        );
    }
    row(
        "find faces (rustface, on a 256 px copy)",
        median(runs, || drop(affiche::photos::find_faces(&photo))),
    );
    // No face to find (eyes hidden, as behind sunglasses): every search runs (400 px, 800 px,
    // turned ±25°), then the fallback reads the skin.
    let mut hidden = photo.clone();
    let face = affiche::photos::find_faces(&photo).0[0];
    for (x, y, p) in hidden.enumerate_pixels_mut() {
        let (x, y) = (x as f32, y as f32);
        if (face.x - 10.0..face.x + face.width + 10.0).contains(&x)
            && (face.y + face.height * 0.2..face.y + face.height * 0.5).contains(&y)
        {
            *p = image::Rgba([15, 15, 20, 255]);
        }
    }
    assert!(affiche::photos::find_faces(&hidden).0.is_empty());
    row(
        "find no face (every search, then skin fallback)",
        median(runs, || drop(affiche::photos::find_faces(&hidden))),
    );
    row(
        "prepare photo (crop + Lanczos3 to frame)",
        median(runs, || {
            drop(affiche::photos::prepare(
                &photo,
                952,
                712,
                affiche::photos::Fit::Cover,
                affiche::photos::Placement::Focus {
                    focus: [0.5, 0.4],
                    zoom: 1.0,
                },
            ))
        }),
    );
    let effects = &template.rules_for("photo").effects;
    row(
        "photo effects (hero: outline + halftone, 952×712)",
        median(runs, || {
            let mut image = frame.clone();
            affiche::photos::apply_effects(&mut image, effects);
        }),
    );
    // Each effect alone, by the kind the manifest names it.
    for e in effects {
        let kind = format!("{e:?}")
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_lowercase();
        row(
            &format!("  of which {kind}"),
            median(runs, || {
                let mut image = frame.clone();
                affiche::photos::apply_effects(&mut image, std::slice::from_ref(e));
            }),
        );
    }
    row(
        "compose (measure + fit 2 text slots, fill)",
        median(runs, || {
            drop(affiche::compose(&template, variant, &record, &Default::default(), &fonts, &caches).unwrap())
        }),
    );
    row(
        "rasterize (prepare + parse + render)",
        median(runs, || {
            drop(affiche::rasterize(&template, &composed, &record, Some((w, h)), &fonts, &caches).unwrap())
        }),
    );
    row(
        "encode PNG (fast)",
        median(runs, || drop(affiche::files::encode_png_fast(&poster.image))),
    );
    row(
        "whole poster (compose + rasterize + encode)",
        median(runs, || {
            let c = affiche::compose(&template, variant, &record, &Default::default(), &fonts, &caches).unwrap();
            let p = affiche::rasterize(&template, &c, &record, Some((w, h)), &fonts, &caches).unwrap();
            drop(affiche::files::encode_png_fast(&p.image));
        }),
    );
    floors(
        runs,
        &bytes,
        &photo,
        &template,
        &composed,
        &record,
        &fonts,
        &caches,
        &poster.image,
    );
}

/// Each stage of one poster beside its floor: the least the same work costs with the
/// libraries alone (the JPEG decoder, resvg drawing the template as the designer drew it,
/// the PNG encoder's fastest settings), and affiche's time above the sum of floors.
#[allow(clippy::too_many_arguments)]
fn floors(
    runs: usize,
    jpeg: &[u8],
    photo: &image::RgbaImage,
    template: &Template,
    composed: &affiche::Composed,
    record: &Record,
    fonts: &Fonts,
    caches: &affiche::Caches,
    image: &image::RgbaImage,
) {
    let (w, h) = image.dimensions();
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_fonts_dir("fonts");
    let options = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(db),
        resources_dir: Some("templates/hero".into()),
        ..Default::default()
    };
    let drawn = std::fs::read_to_string("templates/hero/portrait.svg").unwrap();
    let resvg_alone = || {
        let tree = resvg::usvg::Tree::from_str(&drawn, &options).unwrap();
        let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
        let scale = w as f32 / tree.size().width();
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
    };
    let png_alone = || {
        use image::ImageEncoder;
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::NoFilter,
        )
        .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgba8)
        .unwrap();
    };
    let stages: [(&str, std::time::Duration, std::time::Duration); 4] = [
        (
            "decode the 1024×1024 JPEG",
            median(runs, || drop(affiche::photos::decode(jpeg).unwrap())),
            median(runs, || {
                drop(image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap())
            }),
        ),
        (
            "find faces",
            median(runs, || drop(affiche::photos::find_faces(photo))),
            std::time::Duration::ZERO,
        ),
        (
            "rasterize",
            median(runs, || {
                drop(affiche::rasterize(template, composed, record, Some((w, h)), fonts, caches).unwrap())
            }),
            median(runs, resvg_alone),
        ),
        (
            "encode PNG",
            median(runs, || drop(affiche::files::encode_png_fast(image))),
            median(runs, png_alone),
        ),
    ];
    println!();
    println!("stage ({w}×{h}, medians)          affiche      floor  (floor: what it is)");
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let what = [
        "image's JPEG decoder (zune-jpeg) alone, to RGB",
        "none: the detector is the work",
        "resvg drawing portrait.svg as drawn, at the same size",
        "the same encoder, no filter (fdeflate alone)",
    ];
    for ((name, ours, floor), what) in stages.iter().zip(what) {
        println!("{name:<32} {:>7.1} ms {:>7.1} ms  {what}", ms(*ours), ms(*floor));
    }
    let (ours, floor): (f64, f64) = stages
        .iter()
        .map(|(_, o, f)| (ms(*o), ms(*f)))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "{:<32} {ours:>7.1} ms {floor:>7.1} ms  overhead above the floors: {:.1} ms",
        "sum",
        ours - floor
    );
}
