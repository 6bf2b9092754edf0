//! Hostile inputs, generated here, each with the exact outcome it must have:
//! a clear template error, a row error while the other rows render, or a
//! clean render. Nothing may crash, hang, read outside the named folders or
//! write outside the output folder.

use crate::common;

use std::path::Path;
use std::sync::OnceLock;

use affiche::{Batch, Campaign, CampaignFile, Error, Fonts, RunOptions, Template};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::from_dir(common::root().join("fonts")).unwrap())
}

const HEAD: &str =
    r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100">"#;
const NAME: &str = r#"<rect id="name-box" x="10" y="10" width="180" height="80"/><text id="name" font-family="Anton" font-size="40">x</text>"#;

/// A template folder holding `t.svg` = HEAD + `body` + NAME, plus whatever `setup` adds.
fn load(body: &str, setup: impl FnOnce(&Path)) -> (tempfile::TempDir, Result<Template, Error>) {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    std::fs::create_dir(&t).unwrap();
    setup(&t);
    std::fs::write(t.join("t.svg"), format!("{HEAD}{body}{NAME}</svg>")).unwrap();
    let result = Template::load(&t, fonts());
    (dir, result)
}

/// A valid PNG claiming `w`×`h` pixels, with (almost) no pixel data.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    // One tiny compressed chunk and the end: a decoder reads the header, then
    // would have to allocate w×h×4 bytes to go on.
    for (kind, data) in [
        (&b"IDAT"[..], &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01][..]),
        (b"IEND", &[]),
    ] {
        png.extend((data.len() as u32).to_be_bytes());
        let chunk: Vec<u8> = kind.iter().chain(data).copied().collect();
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

fn template_error(body: &str, setup: impl FnOnce(&Path), expect: &[&str]) {
    let (_dir, result) = load(body, setup);
    let err = result.expect_err(body);
    let msg = err.to_string();
    for e in expect {
        assert!(msg.contains(e), "{body}: {msg:?} should contain {e:?}");
    }
}

#[test]
fn template_references_outside_its_folder_are_errors_naming_them() {
    for href in [
        "/etc/passwd",
        "../outside.png",
        "file:///etc/passwd",
        "http://example.com/x.png",
        "sub/../../x.png",
    ] {
        let body = format!(r#"<image href="{href}" width="1" height="1"/>"#);
        template_error(&body, |_| {}, &[href, "inside the template folder"]);
    }
    let body = r#"<image xlink:href="/etc/hostname" width="1" height="1"/>"#;
    template_error(body, |_| {}, &["/etc/hostname"]);
}

#[cfg(unix)]
#[test]
fn special_files_are_never_opened() {
    // A FIFO would block a reader forever; /dev/zero would fill memory.
    let body = r#"<image href="pipe.png" width="1" height="1"/>"#;
    let fifo = |t: &Path| {
        let status = std::process::Command::new("mkfifo")
            .arg(t.join("pipe.png"))
            .status()
            .unwrap();
        assert!(status.success());
    };
    template_error(body, fifo, &["pipe.png", "regular file"]);
    let body = r#"<image href="zero.png" width="1" height="1"/>"#;
    template_error(
        body,
        |t| std::os::unix::fs::symlink("/dev/zero", t.join("zero.png")).unwrap(),
        &["zero.png"],
    );
}

#[test]
fn size_bombs_are_refused_before_allocation() {
    let body = r#"<image href="bomb.png" width="10" height="10"/>"#;
    let bomb = |t: &Path| std::fs::write(t.join("bomb.png"), png_claiming(100_000, 100_000)).unwrap();
    template_error(body, bomb, &["bomb.png", "100000×100000", "limit"]);

    let (_d, r) = load("", |_| {});
    assert!(r.is_ok());
    let dir = tempfile::tempdir().unwrap();
    let huge = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">{NAME}</svg>"#);
    std::fs::write(dir.path().join("huge.svg"), huge).unwrap();
    let err = Template::load(dir.path().join("huge.svg"), fonts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("pixel limit"), "{err}");
}

#[test]
fn an_embedded_image_claiming_a_huge_size_is_dropped_not_decoded() {
    let b64 = base64_encode(&png_claiming(100_000, 100_000));
    let body = format!(r#"<image href="data:image/png;base64,{b64}" width="10" height="10"/>"#);
    let (_d, t) = load(&body, |_| {});
    let t = t.unwrap();
    let record = affiche::Record::from_values(1, [("name", "Léa ROY")]);
    let poster = affiche::render(
        &t,
        &record,
        None,
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap();
    assert_eq!(poster.image.dimensions(), (200, 100));
}

fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn deep_nesting_and_floods_are_template_errors() {
    let deep = format!("{}{}", "<svg>".repeat(1020), "</svg>".repeat(1020));
    template_error(&deep, |_| {}, &["nested deeper than 256"]);
    let huge_data = format!(
        r#"<image href="data:image/png;base64,{}" width="1" height="1"/>"#,
        "A".repeat(9 << 20)
    );
    template_error(&huge_data, |_| {}, &["data: image", "limit"]);
    template_error(
        &NAME.replace("Anton", "No Such Family"),
        |_| {},
        &["No Such Family", "fonts/"],
    );
}

/// Renders `csv` (columns name, photo) against a template with a name and a
/// photo slot; returns the report's (row, status, message) and the out folder.
fn batch(csv: &str, photos: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, Vec<(usize, bool, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let svg = format!(r#"{HEAD}<image id="photo" x="120" y="10" width="70" height="80"/>{NAME}</svg>"#);
    std::fs::write(dir.path().join("t.svg"), svg).unwrap();
    std::fs::write(dir.path().join("people.csv"), csv).unwrap();
    std::fs::create_dir(dir.path().join("photos")).unwrap();
    for (name, bytes) in photos {
        std::fs::write(dir.path().join("photos").join(name), bytes).unwrap();
    }
    let file = CampaignFile {
        template: Some(dir.path().join("t.svg")),
        data: Some(dir.path().join("people.csv")),
        photos: Some(dir.path().join("photos")),
        out: Some(dir.path().join("out")),
        presets: Some(vec!["x-post".into()]),
        fonts: Some(vec![common::root().join("fonts")]),
        ..Default::default()
    };
    let campaign = Campaign::resolve(file, Path::new("test")).unwrap();
    let report = Batch::load(campaign)
        .unwrap()
        .run(&RunOptions::default(), &|| {})
        .unwrap();
    let rows = report
        .entries
        .iter()
        .map(|e| (e.row, e.message.is_none(), e.message.clone().unwrap_or_default()))
        .collect();
    (dir, rows)
}

fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 80, |x, y| image::Rgb([x as u8 * 3, y as u8 * 3, 128]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

#[test]
fn hostile_rows_fail_alone_and_the_batch_goes_on() {
    let long = "Anne ".repeat(2000);
    let good = jpeg();
    let truncated = good[..good.len() / 2].to_vec();
    let csv = format!(
        "name,photo\n\
         Léa ROY,ok.jpg\n\
         ../../x,ok.jpg\n\
         CON,ok.jpg\n\
         {long},ok.jpg\n\
         ,ok.jpg\n\
         Bomb,bomb.png\n\
         Half,half.jpg\n\
         Escape,../people.csv\n\
         Abs,/etc/hostname\n\
         \"Zoé\u{202E}\u{0} ROY\",ok.jpg\n"
    );
    let photos = [
        ("ok.jpg", good),
        ("bomb.png", png_claiming(100_000, 100_000)),
        ("half.jpg", truncated),
    ];
    let (dir, rows) = batch(&csv, &photos);
    let expect: [(bool, &str); 10] = [
        (true, ""),
        (true, ""),
        (true, ""),
        (false, "over the limit"),
        (false, "value is empty"),
        (false, "bomb.png"),
        (false, "half.jpg"),
        (false, "../people.csv"),
        (false, "/etc/hostname"),
        (true, ""),
    ];
    assert_eq!(rows.len(), expect.len());
    for ((row, ok, msg), (want_ok, want)) in rows.iter().zip(expect) {
        assert_eq!(*ok, want_ok, "row {row}: {msg}");
        assert!(msg.contains(want), "row {row}: {msg:?} should contain {want:?}");
    }
    // Everything written is inside the output folder, under slugged names.
    let mut written: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "con-x-post.png",
            "lea-roy-x-post.png",
            "x-x-post.png",
            "zoe-roy-x-post.png"
        ]
    );
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(
        top,
        ["out", "people.csv", "photos", "t.svg"],
        "nothing written beside the inputs"
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn svgz_templates_render_and_gzip_bombs_are_refused() {
    let svg = format!(r#"{HEAD}<rect width="200" height="100" fill="blue"/>{NAME}</svg>"#);
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    std::fs::create_dir(&t).unwrap();
    std::fs::write(t.join("square.svgz"), gzip(svg.as_bytes())).unwrap();
    // Gzip magic bytes are enough, whatever the extension.
    std::fs::write(dir.path().join("single.svg"), gzip(svg.as_bytes())).unwrap();
    let record = affiche::Record::from_values(1, [("name", "Léa ROY")]);
    for path in [t.clone(), dir.path().join("single.svg")] {
        let template = Template::load(&path, fonts()).unwrap();
        assert_eq!(
            template.variants[0].texts[0].field, "name",
            "slots found in the inflated text"
        );
        let poster = affiche::render(
            &template,
            &record,
            None,
            &Default::default(),
            fonts(),
            &affiche::Caches::default(),
        )
        .unwrap();
        assert_eq!(poster.image.dimensions(), (200, 100));
        assert_eq!(
            poster.image.get_pixel(2, 2).0,
            [0, 0, 255, 255],
            "drawn from the inflated text"
        );
    }

    // 17 MiB of spaces after a valid SVG: 17 KB compressed, over the 16 MiB cap once inflated.
    let mut bomb = svg.into_bytes();
    bomb.resize(17 << 20, b' ');
    std::fs::write(t.join("bomb.svgz"), gzip(&bomb)).unwrap();
    let err = Template::load(&t, fonts()).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "template {}: inflates to over the 16777216-byte limit for an SVG template (a gzip bomb?)",
            t.join("bomb.svgz").display()
        )
    );
    std::fs::write(t.join("bomb.svgz"), b"\x1f\x8bnot gzip").unwrap();
    let err = Template::load(&t, fonts()).unwrap_err().to_string();
    assert!(err.contains("bomb.svgz: not a valid gzip"), "{err}");
}

#[test]
fn an_embedded_gzip_bomb_is_dropped_not_inflated() {
    // A red square padded to 17 MiB, gzip-compressed and embedded: usvg alone
    // would inflate it whole and draw it; affiche stops at the 16 MiB cap.
    let red = |pad: usize| {
        let mut s = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/><!--{}--></svg>"#,
            " ".repeat(pad)
        );
        s.shrink_to_fit();
        base64_encode(&gzip(s.as_bytes()))
    };
    let body = |b64: &str| format!(r#"<image href="data:image/svg+xml;base64,{b64}" width="200" height="100"/>"#);
    let record = affiche::Record::from_values(1, [("name", "Léa ROY")]);
    let pixel = |b64: &str| {
        let (_d, t) = load(&body(b64), |_| {});
        let poster = affiche::render(
            &t.unwrap(),
            &record,
            None,
            &Default::default(),
            fonts(),
            &affiche::Caches::default(),
        )
        .unwrap();
        poster.image.get_pixel(100, 50).0
    };
    assert_eq!(pixel(&red(1000)), [255, 0, 0, 255], "a small compressed SVG is drawn");
    assert_eq!(pixel(&red(17 << 20)), [0, 0, 0, 0], "the bomb is dropped");
}

#[test]
fn filters_that_would_allocate_or_compute_too_much_are_template_errors() {
    let full = |filter: &str| format!(r#"{filter}<rect width="200" height="100" fill="red" filter="url(#f)"/>"#);
    let exact = |body: &str, message: &str| {
        let (dir, result) = load(body, |_| {});
        let path = dir.path().join("t/t.svg");
        assert_eq!(
            result.unwrap_err().to_string(),
            format!("template {}: {message}", path.display())
        );
    };
    // Without the cap, resvg allocates this region clamped to 25 times the
    // poster (here 1000×500), and one more buffer per primitive: at print-a1,
    // 35080×49665 pixels, 7 GB each.
    exact(
        &full(
            r#"<filter id="f" x="-5000%" y="-5000%" width="10000%" height="10000%"><feGaussianBlur stdDeviation="2"/></filter>"#,
        ),
        r#"filter "f": its region is 1000×500 pixels on a 200×100 poster, over the limit of 80000 (4 times the poster, at most 120000000 pixels): reduce the filter's x, y, width and height"#,
    );
    // Without the cap: 240×120 pixels × (479×239) kernel reads (resvg clamps the
    // radius to the region) take seconds at this size; at 2160×1080, about 10¹³
    // reads: hours.
    exact(
        &full(r#"<filter id="f"><feMorphology radius="500"/></filter>"#),
        r#"filter "f": its feMorphology radius or feConvolveMatrix order would read 3.4e9 pixels on a 200×100 poster, over the limit of 1e9: use a smaller radius, order or region"#,
    );
    // Without the cap, resvg's box blur overflows its integer box sizes
    // ("attempt to add with overflow" at box_blur.rs:48 in a debug build).
    exact(
        &full(r#"<filter id="f"><feGaussianBlur stdDeviation="1e10"/></filter>"#),
        r#"filter "f": a blur of 10000000000 pixels (standard deviation) on a 200×100 poster is over the limit of 10000"#,
    );
}

#[test]
fn a_filter_fine_at_the_template_size_is_refused_at_a_print_preset() {
    let dir = tempfile::tempdir().unwrap();
    let svg = format!(
        r#"{HEAD}<filter id="soft"><feGaussianBlur stdDeviation="3"/></filter><rect width="200" height="100" fill="red" filter="url(#soft)"/>{NAME}</svg>"#
    );
    std::fs::write(dir.path().join("t.svg"), svg).unwrap();
    std::fs::write(dir.path().join("people.csv"), "name\nLéa ROY\n").unwrap();
    let campaign = |preset: &str| {
        let file = CampaignFile {
            template: Some(dir.path().join("t.svg")),
            data: Some(dir.path().join("people.csv")),
            out: Some(dir.path().join("out")),
            presets: Some(vec![preset.into()]),
            fonts: Some(vec![common::root().join("fonts")]),
            ..Default::default()
        };
        Campaign::resolve(file, Path::new("test")).unwrap()
    };
    assert!(Batch::load(campaign("x-post")).is_ok());
    // At print-a1 the blurred layer alone is 23839×11920 pixels (1.1 GB), before
    // the blur's own copies.
    let err = Batch::load(campaign("print-a1")).unwrap_err();
    assert!(
        matches!(&err, Error::Filter { filter, .. } if filter == "soft"),
        "{err:?}"
    );
    assert!(err.to_string().contains("at most 120000000 pixels"), "{err}");
}

#[test]
fn a_filter_filled_from_a_row_is_checked_before_drawing() {
    let body = r#"<filter id="f"><feMorphology radius="{{r|1}}"/></filter><rect width="200" height="100" fill="red" filter="url(#f)"/>"#;
    let (_d, t) = load(body, |_| {});
    let t = t.unwrap();
    let render = |r: &str| {
        let record = affiche::Record::from_values(1, [("name", "Léa ROY"), ("r", r)]);
        affiche::render(
            &t,
            &record,
            None,
            &Default::default(),
            fonts(),
            &affiche::Caches::default(),
        )
    };
    assert!(render("2").is_ok());
    let err = render("500").unwrap_err();
    assert!(matches!(&err, Error::Filter { filter, .. } if filter == "f"), "{err:?}");
}

#[test]
fn huge_radii_are_refused_before_usvg_parses_them() {
    // Found by the `template` fuzz target (a mutated hero template): usvg splits
    // an arc into about (radius / 0.1)^(1/6) curves, so this one arc asked for
    // 10^14 of them and memory ran out while the template loaded.
    let (dir, result) = load(r#"<path d="M700 0a3.8e85 380 0 1 0 760 0Z" fill="red"/>"#, |_| {});
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "template {}: <path d>: 3.8e85 is over the 1e7 limit for a size or radius",
            dir.path().join("t/t.svg").display()
        )
    );
    template_error(r#"<circle r="1e30mm"/>"#, |_| {}, &["<circle r>", "1e30"]);
    template_error(
        r#"<rect width="10" height="10" rx="{{r|1e40}}"/>"#,
        |_| {},
        &["<rect rx>"],
    );

    // The same through a row's value, and inside an embedded SVG (then dropped).
    let (_d, t) = load(r#"<circle r="{{r|5}}" fill="red"/>"#, |_| {});
    let t = t.unwrap();
    let record = |r: &str| affiche::Record::from_values(1, [("name", "Léa ROY"), ("r", r)]);
    assert!(
        affiche::render(
            &t,
            &record("40"),
            None,
            &Default::default(),
            fonts(),
            &affiche::Caches::default()
        )
        .is_ok()
    );
    let err = affiche::render(
        &t,
        &record("1e85"),
        None,
        &Default::default(),
        fonts(),
        &affiche::Caches::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("<circle r>: 1e85 is over"), "{err}");
    let nested = |r: &str| {
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="{r}" fill="red"/></svg>"#
        );
        format!(
            r#"<image href="data:image/svg+xml;base64,{}" width="200" height="100"/>"#,
            base64_encode(svg.as_bytes())
        )
    };
    let pixel = |body: &str| {
        let (_d, t) = load(body, |_| {});
        let poster = affiche::render(
            &t.unwrap(),
            &record("1"),
            None,
            &Default::default(),
            fonts(),
            &affiche::Caches::default(),
        )
        .unwrap();
        poster.image.get_pixel(100, 50).0
    };
    assert_eq!(pixel(&nested("5")), [255, 0, 0, 255]);
    assert_eq!(pixel(&nested("1e85")), [0, 0, 0, 0], "dropped, not parsed");
}
