//! Integration tests through the public library API: templates, filling,
//! fitting and rendering in memory, checked with plain assertions and a few
//! small golden images.

use crate::common;

use std::sync::{Arc, OnceLock};

use affiche::{Batch, Campaign, CampaignFile, Error, FieldKind, Fonts, PRESETS, Record, Template};
use common::root;
use image::{Rgba, RgbaImage};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::from_dir(root().join("fonts")).unwrap())
}

fn hero() -> &'static Template {
    static HERO: OnceLock<Template> = OnceLock::new();
    HERO.get_or_init(|| Template::load(root().join("templates/hero"), fonts()).unwrap())
}

fn sample_batch() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        let path = root().join("samples/campaign.toml");
        Batch::load(Campaign::resolve(CampaignFile::load(&path).unwrap(), &path).unwrap()).unwrap()
    })
}

fn sample_record(row: usize) -> Record {
    let batch = sample_batch();
    let r = &batch.table.rows[row - 1];
    let values = batch.values(r).unwrap();
    let photos = batch.photos(r.number, &values).unwrap();
    Record {
        row: r.number,
        values,
        photos,
        ..Default::default()
    }
}

/// Writes a one-variant template into a temp dir and loads it, binding `name` and `photo`
/// as the values the tests pass do.
fn svg_template(svg: &str) -> Result<(tempfile::TempDir, Template), Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.svg");
    std::fs::write(&path, svg).unwrap();
    let t = Template::load_binding(&path, fonts(), &["name", "photo"])?;
    Ok((dir, t))
}

const SIMPLE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
  <rect width="400" height="200" fill="{{bg|#ffffff}}"/>
  <rect id="name-box" x="20" y="20" width="360" height="80"/>
  <text id="name" font-family="Anton" font-size="60" fill="#000000">Nom</text>
  <clipPath id="c"><circle cx="300" cy="150" r="40"/></clipPath>
  <image id="photo" x="260" y="110" width="80" height="80" clip-path="url(#c)" href="nothing.png"/>
</svg>"##;

#[test]
fn every_sample_row_fits_its_boxes_in_every_preset() {
    // "Measure with what draws": the ink of the usvg tree that is rendered stays
    // inside each text box, for every sample row and every built-in preset.
    let batch = sample_batch();
    let t = hero();
    let mut checked = 0;
    for row in &batch.table.rows {
        let record = Record {
            row: row.number,
            values: batch.values(row).unwrap(),
            ..Default::default()
        };
        let mut variants: Vec<usize> = PRESETS.iter().map(|p| t.variant_index_for(p.width, p.height)).collect();
        variants.sort();
        variants.dedup();
        for v in variants {
            let composed =
                affiche::compose(t, v, &record, &Default::default(), fonts(), &affiche::Caches::default()).unwrap();
            for (field, frame, ink) in affiche::text_ink(t, &composed, fonts()).unwrap() {
                let tol = 0.5;
                assert!(
                    ink.x >= frame.x - tol
                        && ink.y >= frame.y - tol
                        && ink.x + ink.width <= frame.x + frame.width + tol
                        && ink.y + ink.height <= frame.y + frame.height + tol,
                    "row {} variant {} field {field}: ink {ink:?} outside box {frame:?}",
                    row.number,
                    t.variants[v].name
                );
                assert!(
                    ink.width > 0.0 && ink.height > 0.0,
                    "row {} {field}: nothing drawn",
                    row.number
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= batch.table.rows.len() * 2 * 3,
        "checked only {checked} boxes"
    );
}

#[test]
fn long_names_shrink_and_wrap_short_ones_do_not() {
    let t = hero();
    let v = t.variants.iter().position(|v| v.name == "portrait").unwrap();
    let short = Record::from_values(
        1,
        [("name", "Léa ROY"), ("constituency", "Paris (1re circonscription)")],
    );
    let long = Record::from_values(
        2,
        [
            ("name", "Marie-Éléonore DE LA TOUR D'AUVERGNE-LAURAGUAIS"),
            ("constituency", "Paris (1re circonscription)"),
        ],
    );
    let s = affiche::compose(t, v, &short, &Default::default(), fonts(), &affiche::Caches::default()).unwrap();
    let l = affiche::compose(t, v, &long, &Default::default(), fonts(), &affiche::Caches::default()).unwrap();
    let (s, l) = (&s.texts[0], &l.texts[0]);
    assert_eq!((s.field.as_str(), s.lines, s.shrink), ("name", 1, 1.0));
    assert_eq!(l.lines, 2);
    assert!(l.shrink < 1.0, "long name must shrink: {l:?}");
}

#[test]
fn a_value_too_long_even_at_min_size_is_a_row_error() {
    let t = hero();
    let huge = "Anne Hélène Janine Marie DAGUENEL NGUYEN CONG DUC ".repeat(8);
    let record = Record::from_values(7, [("name", huge.as_str()), ("constituency", "Paris")]);
    match affiche::compose(t, 0, &record, &Default::default(), fonts(), &affiche::Caches::default()) {
        Err(e @ Error::TextOverflow { .. }) => {
            assert!(e.is_row_error());
            let msg = e.to_string();
            assert!(msg.contains("row 7") && msg.contains("\"name\""), "{msg}");
        }
        other => panic!("expected an overflow error, got {other:?}"),
    }
}

#[test]
fn values_are_escaped_and_render_literally() {
    let (_dir, t) = svg_template(SIMPLE).unwrap();
    let nasty = "<b>&amp; \"O'Brien\" ]]> {{bg}}";
    let record = Record::from_values(1, [("name", nasty), ("bg", "#00ff00")]);
    let composed = affiche::compose(
        &t,
        0,
        &record,
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap();
    let poster = affiche::rasterize(&t, &composed, &record, None, fonts(), &affiche::Caches::default()).unwrap();
    assert_eq!(poster.image.dimensions(), (400, 200));
    // The value's `{{bg}}` is text, not a placeholder: only the template's own one is filled.
    assert_eq!(poster.image.get_pixel(5, 195), &Rgba([0, 255, 0, 255]));
    let ink = affiche::text_ink(&t, &composed, fonts()).unwrap();
    assert_eq!(ink.len(), 1, "the text element survived the value");
}

#[test]
fn placeholder_defaults_apply_to_empty_values() {
    let (_dir, t) = svg_template(SIMPLE).unwrap();
    let record = Record::from_values(1, [("name", "Zoé"), ("bg", "")]);
    let poster = affiche::render(
        &t,
        &record,
        None,
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap();
    assert_eq!(poster.image.get_pixel(5, 195), &Rgba([255, 255, 255, 255]));
}

#[test]
fn photo_is_drawn_in_its_frame_through_the_clip_path() {
    let (_dir, t) = svg_template(SIMPLE).unwrap();
    let mut record = Record::from_values(1, [("name", "Zoé")]);
    record.photos.insert(
        "photo".into(),
        Arc::new(RgbaImage::from_pixel(50, 60, Rgba([255, 0, 0, 255]))),
    );
    let poster = affiche::render(
        &t,
        &record,
        Some((800, 400)),
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap();
    assert_eq!(poster.image.dimensions(), (800, 400));
    assert_eq!(
        poster.image.get_pixel(600, 300),
        &Rgba([255, 0, 0, 255]),
        "circle centre is photo"
    );
    assert_eq!(
        poster.image.get_pixel(525, 225),
        &Rgba([255, 255, 255, 255]),
        "frame corner is clipped"
    );
    assert!(
        poster.warnings.iter().any(|w| w.contains("upscaled")),
        "{:?}",
        poster.warnings
    );
}

#[test]
fn nothing_is_drawn_outside_the_name_box() {
    let (_dir, t) = svg_template(SIMPLE).unwrap();
    let record = Record::from_values(1, [("name", "Jean-Baptiste DU PLESSIS-VARENNE")]);
    let img = affiche::render(
        &t,
        &record,
        None,
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap()
    .image;
    let dark = |x: u32, y: u32| img.get_pixel(x, y)[0] < 128;
    let inside = |x: u32, y: u32| (20..380).contains(&x) && (20..100).contains(&y);
    let mut drawn = 0;
    for (x, y, _) in img.enumerate_pixels() {
        if dark(x, y) {
            assert!(inside(x, y), "text pixel at {x},{y} outside the box");
            drawn += 1;
        }
    }
    assert!(drawn > 1000, "the name was drawn ({drawn} dark pixels)");
}

#[test]
fn inkscape_labels_and_text_frames_bind_slots() {
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="300" height="100">
      <rect id="rect12" x="10" y="10" width="280" height="80" fill="none"/>
      <text id="text3" inkscape:label="name" style="font-family:'Roboto Condensed';font-size:50px;shape-inside:url(#rect12)">x</text>
    </svg>"##;
    let (dir, t) = svg_template(svg).unwrap();
    assert_eq!(t.fields().iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["name"]);
    assert_eq!(t.variants[0].texts[0].frame.width, 280.0);
    // Unbound, the labelled frame is artwork (an Inkscape flyer labels every paragraph),
    // listed so that a misspelt column is seen.
    let drawn = Template::load(dir.path().join("t.svg"), fonts()).unwrap();
    assert!(drawn.fields().is_empty());
    let unbound: Vec<(&str, FieldKind)> = drawn.unbound.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    assert_eq!(unbound, [("name", FieldKind::Text)]);
}

#[test]
fn template_errors_name_the_problem() {
    let missing_font = SIMPLE.replace("Anton", "Comic Neue Ultra");
    let err = svg_template(&missing_font).err().unwrap();
    assert!(
        matches!(err, Error::MissingFont { ref family, .. } if family == "Comic Neue Ultra"),
        "{err}"
    );
    let outside = SIMPLE.replace(
        r#"<rect width="400""#,
        r#"<image href="../../etc/passwd" width="1" height="1"/><rect width="400""#,
    );
    let err = svg_template(&outside).err().unwrap();
    assert!(err.to_string().contains("../../etc/passwd"), "{err}");
    // A text without a box: static when nothing binds it, an error when the caller does.
    let no_box = SIMPLE.replace("name-box", "other");
    let err = svg_template(&no_box).err().unwrap();
    assert!(
        err.to_string().contains("draw a <rect> with id or label \"name-box\""),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.svg"), no_box.replace("href=\"nothing.png\"", "")).unwrap();
    let t = Template::load(dir.path().join("t.svg"), fonts()).unwrap();
    assert!(
        t.variants[0].texts.is_empty(),
        "a text without box is static, not a slot"
    );
}

#[test]
fn presets_pick_the_nearest_variant_and_render_at_exact_size() {
    let t = hero();
    for (preset, variant) in [
        ("instagram-story", "story"),
        ("x-post", "landscape"),
        ("linkedin-post", "wide"),
        ("print-a4", "print"),
    ] {
        let p = affiche::Preset::find(preset).unwrap();
        assert_eq!(t.variant_for(p.width, p.height).name, variant, "{preset}");
    }
    let poster = affiche::render(
        t,
        &sample_record(4),
        Some((1200, 627)),
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap();
    assert_eq!(poster.image.dimensions(), (1200, 627));
    assert_eq!(poster.variant, "wide");
}

#[test]
fn golden_hero_square_and_story() {
    let t = hero();
    let record = sample_record(3); // the longest name and constituency
    common::golden(
        "hero-square-row3",
        &affiche::render(
            t,
            &record,
            Some((270, 270)),
            &Default::default(),
            fonts(),
            &affiche::Caches::default(),
        )
        .unwrap()
        .image,
    );
    common::golden(
        "hero-story-row3",
        &affiche::render(
            t,
            &record,
            Some((216, 384)),
            &Default::default(),
            fonts(),
            &affiche::Caches::default(),
        )
        .unwrap()
        .image,
    );
}

/// Renders `bytes` as row 1's photo in `preset` through a batch (which decodes
/// as little as the frame needs) and through the library from a full decode:
/// with the faces the row placed the photo by: the mean channel difference between
/// the two posters (what the scaled decode costs in pixels).
fn scaled_against_full(bytes: &[u8], preset: &str, size: (u32, u32), frame: (u32, u32)) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    std::fs::write(photos.join("big.jpg"), bytes).unwrap();
    let data = dir.path().join("data.csv");
    let csv = "prenom,nom,circonscription,photo,slogan\nGrace,HOPPER,Paris (1re circonscription),big.jpg,Test\n";
    std::fs::write(&data, csv).unwrap();
    let path = root().join("samples/campaign.toml");
    let mut file = CampaignFile::load(&path).unwrap();
    (file.data, file.photos, file.out) = (Some(data), Some(photos), Some(dir.path().join("out")));
    file.presets = Some(vec![preset.into()]);
    let batch = Batch::load(Campaign::resolve(file, &path).unwrap()).unwrap();
    let report = batch
        .run(&affiche::RunOptions { jobs: 1, force: true }, &|| {})
        .unwrap();
    let entry = &report.entries[0];
    assert!(entry.message.is_none(), "{entry:?}");
    let scaled = image::open(dir.path().join("out").join(&entry.output))
        .unwrap()
        .into_rgba8();
    // The faces the row placed the photo by: found once on the scaled decode, in its
    // pixels, and rescaled when the row decodes the photo again at full size.
    let (scaled_photo, _) = affiche::photos::decode_for(bytes, Some(frame)).unwrap();
    let full_photo = affiche::photos::decode(bytes).unwrap();
    let (mut faces, focus) = affiche::photos::find_faces(&scaled_photo);
    affiche::photos::rescale_faces(&mut faces, scaled_photo.dimensions(), full_photo.dimensions());
    let record = Record {
        row: 1,
        values: batch.values(&batch.table.rows[0]).unwrap(),
        photos: [("photo".to_string(), Arc::new(full_photo))].into(),
        faces: [("photo".to_string(), (faces, focus))].into(),
    };
    let full = affiche::render(
        &batch.template,
        &record,
        Some(size),
        &Default::default(),
        &batch.fonts,
        &affiche::Caches::default(),
    )
    .unwrap()
    .image;
    common::mean_difference(&scaled, &full)
}

fn jpeg(image: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(image)
        .unwrap();
    out
}

#[test]
fn a_large_photo_decoded_at_a_dct_scale_gives_the_poster_a_full_decode_gives() {
    let portrait = image::open(root().join("samples/photos/hopper-square-large.jpg")).unwrap();
    // 3072² upscaled: the facebook-link frame (490×568 px) needs half of it at most.
    let big = jpeg(
        &portrait
            .resize_exact(3072, 3072, image::imageops::FilterType::Triangle)
            .to_rgb8(),
    );
    assert_eq!(
        affiche::photos::decode_for(&big, Some((490, 568))).unwrap().1,
        0.5,
        "decoded at half scale"
    );
    let mean = scaled_against_full(&big, "facebook-link", (1200, 630), (490, 568));
    assert!(mean < 1.0, "mean channel difference {mean}");
    // The same portrait small in a wide grey field: face normalisation zooms
    // in past what the half-scale decode holds, so the row decodes it again.
    let mut field = image::RgbImage::from_pixel(3072, 3072, image::Rgb([128, 128, 128]));
    let small = portrait
        .resize_exact(640, 640, image::imageops::FilterType::Triangle)
        .to_rgb8();
    image::imageops::replace(&mut field, &small, 1216, 1216);
    let field = jpeg(&field);
    assert_eq!(affiche::photos::decode_for(&field, Some((490, 568))).unwrap().1, 0.5);
    let mean = scaled_against_full(&field, "facebook-link", (1200, 630), (490, 568));
    assert!(mean < 1.0, "mean channel difference {mean}");
}

/// Photo bytes that are no photo are an `affiche::Error` saying why, not a string to convert.
#[test]
fn undecodable_photo_bytes_are_a_library_error() {
    let err = affiche::decode_photo(b"GIF89a, or rather not").unwrap_err();
    assert!(matches!(err, Error::PhotoBytes { .. }), "{err:?}");
    assert!(err.to_string().starts_with("photo: "), "{err}");
    let photo = std::fs::read(root().join("samples/photos/hopper.jpg")).unwrap();
    assert_eq!(affiche::decode_photo(&photo).unwrap().dimensions(), (512, 600));
}
