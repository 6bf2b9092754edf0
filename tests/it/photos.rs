//! Photos as candidates send them, generated here: EXIF orientations 1–8,
//! grayscale, 16-bit, alpha cut-outs, WebP; each decodes upright, in colour,
//! with its transparency kept through cropping.

use crate::common;

use std::io::Cursor;

use affiche::photos::{self as photo, Fit, Placement};
use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};

const RED: [u8; 3] = [230, 20, 20];
const GREEN: [u8; 3] = [20, 200, 20];
const BLUE: [u8; 3] = [20, 20, 230];
const WHITE: [u8; 3] = [250, 250, 250];

/// 64×32: red top-left, green top-right, blue bottom-left, white bottom-right.
fn quadrants() -> image::RgbImage {
    image::RgbImage::from_fn(64, 32, |x, y| {
        image::Rgb(match (x < 32, y < 16) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => WHITE,
        })
    })
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

/// A JPEG of [`quadrants`] `times` as large, with an EXIF APP1 segment holding only the orientation tag.
fn jpeg_with_orientation(orientation: u16, times: u32) -> Vec<u8> {
    let q = image::imageops::resize(
        &quadrants(),
        64 * times,
        32 * times,
        image::imageops::FilterType::Nearest,
    );
    jpeg_exif(&DynamicImage::ImageRgb8(q), orientation)
}

fn jpeg_exif(img: &DynamicImage, orientation: u16) -> Vec<u8> {
    let jpeg = encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::Jpeg);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(exif_tiff(orientation));
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// The TIFF block of an EXIF segment holding only the orientation tag (little endian:
/// header, one IFD entry 0x0112 SHORT 1, no next IFD).
fn exif_tiff(orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    tiff.extend(orientation.to_le_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    tiff
}

/// A WebP of [`quadrants`] (lossless or lossy) with an `EXIF` chunk.
fn webp_with_orientation(orientation: u16, lossy: bool, prefixed: bool) -> Vec<u8> {
    webp_exif(&DynamicImage::ImageRgb8(quadrants()), orientation, lossy, prefixed)
}

/// `img` as a WebP with an `EXIF` chunk. Writers disagree on whether the chunk starts
/// with JPEG's `Exif\0\0` (Pillow writes it, the spec does not): `prefixed` says which.
fn webp_exif(img: &DynamicImage, orientation: u16, lossy: bool, prefixed: bool) -> Vec<u8> {
    let (w, h) = (img.width(), img.height());
    let plain = if lossy {
        webp::Encoder::from_rgba(&img.to_rgba8(), w, h).encode(95.0).to_vec()
    } else {
        encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::WebP)
    };
    let image_chunk = &plain[12..]; // after RIFF size WEBP
    let mut vp8x = vec![0x08, 0, 0, 0]; // flags: EXIF
    vp8x.extend(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend(&(h - 1).to_le_bytes()[..3]);
    let mut exif = if prefixed { b"Exif\0\0".to_vec() } else { Vec::new() };
    exif.extend(exif_tiff(orientation));
    let mut body = b"WEBP".to_vec();
    for (tag, data) in [(&b"VP8X"[..], &vp8x[..]), (&b"EXIF"[..], &exif[..])] {
        if tag == b"EXIF" {
            body.extend(image_chunk);
        }
        body.extend(tag);
        body.extend((data.len() as u32).to_le_bytes());
        body.extend(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// A PNG of [`quadrants`] with an `eXIf` chunk.
fn png_with_orientation(orientation: u16, after_pixels: bool) -> Vec<u8> {
    png_exif(&DynamicImage::ImageRgb8(quadrants()), orientation, after_pixels)
}

/// `img` as a PNG with an `eXIf` chunk before or after the pixels (both are seen: the
/// PNG extension asks for before, some tools append it).
fn png_exif(img: &DynamicImage, orientation: u16, after_pixels: bool) -> Vec<u8> {
    let png = encode(img, ImageFormat::Png);
    let data = exif_tiff(orientation);
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut crc = flate2::Crc::new();
    crc.update(b"eXIf");
    crc.update(&data);
    chunk.extend(b"eXIf");
    chunk.extend(&data);
    chunk.extend(crc.sum().to_be_bytes());
    // Signature (8) + IHDR (25); IEND is the last 12 bytes.
    let at = if after_pixels { png.len() - 12 } else { 33 };
    [&png[..at], &chunk[..], &png[at..]].concat()
}

fn close(p: &Rgba<u8>, c: [u8; 3]) -> bool {
    (0..3).all(|i| p[i].abs_diff(c[i]) < 40)
}

/// Where the red (top-left) quadrant lands once the photo is shown upright, per orientation.
const RED_CORNER: [(u16, &str); 8] = [
    (1, "tl"),
    (2, "tr"),
    (3, "br"),
    (4, "bl"),
    (5, "tl"),
    (6, "tr"),
    (7, "br"),
    (8, "bl"),
];

fn assert_upright(img: &RgbaImage, orientation: u16, corner: &str, what: &str) {
    let rotated = orientation >= 5;
    assert_eq!(
        img.dimensions(),
        if rotated { (32, 64) } else { (64, 32) },
        "{what}, orientation {orientation}"
    );
    let (w, h) = img.dimensions();
    let (x, y) = match corner {
        "tl" => (4, 4),
        "tr" => (w - 5, 4),
        "bl" => (4, h - 5),
        _ => (w - 5, h - 5),
    };
    assert!(
        close(img.get_pixel(x, y), RED),
        "{what}, orientation {orientation}: {:?} at {corner}",
        img.get_pixel(x, y)
    );
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    // Full decodes (image's decoder) and DCT-scaled ones (jpeg-decoder): a 4× photo
    // for a 16×16 frame is decoded at a quarter, back to 64×32.
    for ((orientation, corner), times) in RED_CORNER.into_iter().flat_map(|e| [(e, 1), (e, 4)]) {
        let (img, scale) = photo::decode_for(&jpeg_with_orientation(orientation, times), Some((16, 16))).unwrap();
        assert_eq!(scale, 1.0 / times as f32, "orientation {orientation}");
        assert_upright(&img, orientation, corner, &format!("jpeg {times}×"));
    }
}

#[test]
fn webp_and_png_exif_orientations_come_out_upright() {
    for (orientation, corner) in RED_CORNER {
        let cases = [
            ("webp lossless", webp_with_orientation(orientation, false, false)),
            ("webp lossy", webp_with_orientation(orientation, true, false)),
            (
                "webp lossy, Exif\\0\\0 prefix",
                webp_with_orientation(orientation, true, true),
            ),
            ("png eXIf before the pixels", png_with_orientation(orientation, false)),
            ("png eXIf after the pixels", png_with_orientation(orientation, true)),
        ];
        for (what, bytes) in cases {
            let img = photo::decode(&bytes).unwrap_or_else(|e| panic!("{what}, orientation {orientation}: {e}"));
            assert_upright(&img, orientation, corner, what);
        }
    }
}

#[test]
fn every_format_people_send_decodes_to_the_same_picture() {
    let rgb = DynamicImage::ImageRgb8(quadrants());
    let cases = [
        ("png 8-bit", encode(&rgb, ImageFormat::Png)),
        (
            "png 16-bit",
            encode(&DynamicImage::ImageRgb16(rgb.to_rgb16()), ImageFormat::Png),
        ),
        ("webp lossless", encode(&rgb, ImageFormat::WebP)),
        ("jpeg baseline", encode(&rgb, ImageFormat::Jpeg)),
        ("gif (first frame)", encode(&rgb, ImageFormat::Gif)),
        ("tiff", encode(&rgb, ImageFormat::Tiff)),
    ];
    for (name, bytes) in cases {
        let img = photo::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(img.dimensions(), (64, 32), "{name}");
        assert!(
            close(img.get_pixel(4, 4), RED) && close(img.get_pixel(60, 28), WHITE),
            "{name}"
        );
    }
    for (name, gray) in [
        ("gray 8", DynamicImage::ImageLuma8(rgb.to_luma8())),
        ("gray 16", DynamicImage::ImageLuma16(rgb.to_luma16())),
    ] {
        let img = photo::decode(&encode(&gray, ImageFormat::Png)).unwrap();
        let p = img.get_pixel(60, 28);
        assert!(
            p[0] == p[1] && p[1] == p[2] && p[0] > 240 && p[3] == 255,
            "{name}: {p:?}"
        );
    }
}

/// A real portrait stored turned as a phone stores it, for each EXIF orientation, as
/// JPEG, WebP (Pillow's prefixed chunk) and PNG: each decodes to the upright portrait,
/// and a batch finds the face in every one (a face detector misses a face upside down or
/// on its side, so "no face found" is what a turned photo looked like in a report).
#[test]
fn a_real_portrait_turned_by_every_orientation_comes_out_upright_with_its_face() {
    use image::metadata::Orientation;
    let upright = image::open(common::root().join("samples/photos/hopper.jpg")).unwrap();
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("photos")).unwrap();
    let mut csv = String::from("prenom,nom,circonscription,photo,slogan\n");
    for o in 1..=8u16 {
        // What the camera stored: the upright picture turned back by the orientation's inverse.
        let inverse = match o {
            6 => 8,
            8 => 6,
            o => o,
        };
        let mut stored = upright.clone();
        stored.apply_orientation(Orientation::from_exif(inverse as u8).unwrap());
        let files = [
            ("jpg", jpeg_exif(&stored, o)),
            ("webp", webp_exif(&stored, o, true, true)),
            ("png", png_exif(&stored, o, false)),
        ];
        for (ext, bytes) in files {
            let decoded = photo::decode(&bytes).unwrap();
            let diff = common::mean_difference(&decoded, &upright.to_rgba8());
            assert!(
                diff < 3.0,
                "{ext}, orientation {o}: differs from the upright photo by {diff:.2}"
            );
            let file = format!("hopper-{o}.{ext}");
            std::fs::write(t.path().join("photos").join(&file), bytes).unwrap();
            csv += &format!("Grace,HOPPER {ext} {o},Paris (1re circonscription),{file},\n");
        }
    }
    std::fs::write(t.path().join("data.csv"), csv).unwrap();
    let (data, photos, out) = (t.path().join("data.csv"), t.path().join("photos"), t.path().join("out"));
    let args = ["render", "samples/campaign.toml", "--data", data.to_str().unwrap()];
    let more = [
        "--photos",
        photos.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--preset",
        "instagram-square",
    ];
    common::affiche(&[&args[..], &more[..]].concat()).expect(0);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 24);
    for e in entries {
        let warnings = e["warnings"].to_string();
        assert!(!warnings.contains("no face"), "{}: {warnings}", e["output"]);
    }
}

/// Real camera JPEGs in all eight EXIF orientations (recurser/exif-orientation-examples, MIT,
/// tests/fixtures/exif-orientation/): each decodes, in full and at a DCT scale, to the upright
/// picture of orientation 1 (they differ only by the digit drawn on each: a mean of 0.3–2.4 per
/// channel; a photo left turned differs by 40–65).
#[test]
fn real_camera_jpegs_in_every_orientation_come_out_upright() {
    let dir = common::root().join("tests/fixtures/exif-orientation");
    let read = |n: u32| std::fs::read(dir.join(format!("Portrait_{n}.jpg"))).unwrap();
    let upright = photo::decode(&read(1)).unwrap();
    let (upright_small, _) = photo::decode_for(&read(1), Some((300, 450))).unwrap();
    assert_eq!(upright.dimensions(), (1200, 1800));
    for n in 1..=8 {
        let full = photo::decode(&read(n)).unwrap();
        let (small, scale) = photo::decode_for(&read(n), Some((300, 450))).unwrap();
        assert!(scale < 1.0, "orientation {n}: decoded at a DCT scale");
        for (what, got, want) in [("full", &full, &upright), ("scaled", &small, &upright_small)] {
            assert_eq!(got.dimensions(), want.dimensions(), "orientation {n}, {what}");
            let diff = common::mean_difference(got, want);
            assert!(diff < 5.0, "orientation {n}, {what}: differs from upright by {diff:.1}");
        }
    }
}

/// The first bytes of an ISO-BMFF file (HEIC, AVIF): a `ftyp` box with its brands.
fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let mut body = b"ftyp".to_vec();
    body.extend(major);
    body.extend([0, 0, 0, 0]);
    compatible.iter().for_each(|b| body.extend(*b));
    let mut out = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    out.extend(body);
    out.extend([0; 64]); // the rest of the file does not matter: it is never decoded
    out
}

#[test]
fn formats_affiche_cannot_read_are_named_with_how_to_convert_them() {
    let cases: [(&str, Vec<u8>, &[&str]); 6] = [
        (
            "iPhone HEIC",
            ftyp(b"heic", &[b"mif1", b"heic"]),
            &["HEIC", "Most Compatible", "photo.heic photo.jpg"],
        ),
        ("HEIF, mif1 only", ftyp(b"mif1", &[b"mif1", b"miaf"]), &["HEIC"]),
        (
            "Android AVIF",
            ftyp(b"avif", &[b"avif", b"mif1", b"miaf"]),
            &["AVIF", "photo.avif photo.jpg"],
        ),
        (
            "BMP",
            [&b"BM"[..], &[0; 52]].concat(),
            &["BMP", "convert it to JPEG or PNG"],
        ),
        ("PDF", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj".to_vec(), &["PDF document"]),
        (
            "text",
            b"Jean Dupont, 3e circonscription".to_vec(),
            &["not a JPEG, PNG, WebP, GIF or TIFF image"],
        ),
    ];
    for (what, bytes, says) in cases {
        let msg = photo::decode(&bytes).unwrap_err();
        for said in says {
            assert!(msg.contains(said), "{what}: {msg:?} should say {said:?}");
        }
    }
}

/// Real files from the encoders phones use (libheif, libavif): the same outcome as the headers
/// above, read from the whole file.
#[test]
fn a_real_heic_and_a_real_avif_are_named_with_how_to_convert_them() {
    let dir = common::root().join("tests/fixtures/phone");
    for (file, says) in [
        ("zPug_3.heic", ["HEIC photo", "Most Compatible"]),
        ("hopper.avif", ["AVIF photo", "photo.avif photo.jpg"]),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let msg = photo::decode(&bytes).unwrap_err();
        for said in says {
            assert!(msg.contains(said), "{file}: {msg:?} should say {said:?}");
        }
        assert_eq!(photo::decode_for(&bytes, Some((300, 300))).unwrap_err(), msg, "{file}");
    }
}

#[test]
fn a_cut_out_keeps_its_transparency_through_cropping() {
    // A disc on a transparent ground, as a PNG with alpha.
    let cut = RgbaImage::from_fn(200, 200, |x, y| {
        let d = (x as f32 - 100.0).hypot(y as f32 - 100.0);
        if d < 60.0 {
            Rgba([200, 50, 50, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let img = photo::decode(&encode(&DynamicImage::ImageRgba8(cut), ImageFormat::Png)).unwrap();
    let p = photo::prepare(
        &img,
        100,
        100,
        Fit::Cover,
        Placement::Focus {
            focus: [0.5, 0.5],
            zoom: 1.0,
        },
    );
    assert_eq!(p.image.get_pixel(2, 2)[3], 0, "the corner stays transparent");
    assert_eq!(
        p.image.get_pixel(50, 50),
        &Rgba([200, 50, 50, 255]),
        "the subject stays opaque, colour unchanged"
    );
}

#[test]
fn truncated_and_garbage_files_are_errors_not_panics() {
    let jpeg = encode(&DynamicImage::ImageRgb8(quadrants()), ImageFormat::Jpeg);
    assert!(photo::decode(&jpeg[..jpeg.len() / 3]).is_err());
    assert!(photo::decode(b"GIF89a not really").is_err());
    assert!(photo::decode(&[]).is_err());
}

/// Ink amounts (0 = no ink) for an RGB colour, the naive way print tools export.
fn to_cmyk(img: &image::RgbImage) -> Vec<u8> {
    img.pixels()
        .flat_map(|p| {
            let k = 255 - p.0.iter().copied().max().unwrap();
            let white = 255 - u16::from(k);
            let ink = |c: u8| ((white - u16::from(c)) * 255).checked_div(white).unwrap_or(0) as u8;
            [ink(p[0]), ink(p[1]), ink(p[2]), k]
        })
        .collect()
}

fn jpeg(
    data: &[u8],
    w: u32,
    h: u32,
    color: jpeg_encoder::ColorType,
    setup: impl Fn(&mut jpeg_encoder::Encoder<&mut Vec<u8>>),
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
    setup(&mut encoder);
    encoder.encode(data, w as u16, h as u16, color).unwrap();
    out
}

fn quadrant_colours(img: &RgbaImage) -> [Rgba<u8>; 4] {
    let (w, h) = img.dimensions();
    [
        (w / 4, h / 4),
        (3 * w / 4, h / 4),
        (w / 4, 3 * h / 4),
        (3 * w / 4, 3 * h / 4),
    ]
    .map(|(x, y)| *img.get_pixel(x, y))
}

#[test]
fn cmyk_and_ycck_jpegs_from_print_shops_come_out_in_their_colours() {
    let q = quadrants();
    let cmyk = to_cmyk(&q);
    for color in [jpeg_encoder::ColorType::Cmyk, jpeg_encoder::ColorType::CmykAsYcck] {
        let bytes = jpeg(&cmyk, 64, 32, color, |_| {});
        let img = photo::decode(&bytes).unwrap_or_else(|e| panic!("{color:?}: {e}"));
        assert_eq!(img.dimensions(), (64, 32));
        let got = quadrant_colours(&img);
        for (p, want) in got.iter().zip([RED, GREEN, BLUE, WHITE]) {
            assert!(close(p, want), "{color:?}: {p:?} for {want:?}");
            assert_eq!(p[3], 255, "{color:?}: opaque");
        }
    }
}

#[test]
fn progressive_jpeg_decodes_like_baseline() {
    let portrait = image::open("samples/photos/hopper.jpg").unwrap().into_rgb8();
    let (w, h) = portrait.dimensions();
    let baseline = photo::decode(&jpeg(portrait.as_raw(), w, h, jpeg_encoder::ColorType::Rgb, |_| {})).unwrap();
    let progressive = jpeg(portrait.as_raw(), w, h, jpeg_encoder::ColorType::Rgb, |e| {
        e.set_progressive(true)
    });
    assert!(
        progressive.windows(2).any(|m| m == [0xFF, 0xC2]),
        "an SOF2 (progressive) frame"
    );
    let progressive = photo::decode(&progressive).unwrap();
    assert_eq!(progressive.dimensions(), (w, h));
    let mean = common::mean_difference(&baseline, &progressive);
    assert!(mean < 2.0, "mean channel difference {mean}");
}

#[test]
fn icc_tagged_photos_are_converted_to_srgb() {
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let q = quadrants();
    let untagged = photo::decode(&jpeg(q.as_raw(), 64, 32, jpeg_encoder::ColorType::Rgb, |_| {})).unwrap();
    let tagged = jpeg(q.as_raw(), 64, 32, jpeg_encoder::ColorType::Rgb, |e| {
        e.add_icc_profile(&p3).unwrap()
    });
    let tagged_png = {
        use image::ImageEncoder;
        let mut out = Vec::new();
        let mut e = image::codecs::png::PngEncoder::new(&mut out);
        e.set_icc_profile(p3.clone()).unwrap();
        e.write_image(q.as_raw(), 64, 32, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    };
    let big = image::imageops::resize(&q, 256, 128, image::imageops::FilterType::Nearest);
    let tagged_big = jpeg(big.as_raw(), 256, 128, jpeg_encoder::ColorType::Rgb, |e| {
        e.add_icc_profile(&p3).unwrap()
    });
    let scaled = photo::decode_for(&tagged_big, Some((16, 16))).unwrap();
    assert_eq!(scaled.1, 0.25);
    for (name, img) in [
        ("jpeg", photo::decode(&tagged).unwrap()),
        ("png", photo::decode(&tagged_png).unwrap()),
        ("scaled jpeg", scaled.0),
    ] {
        // P3's red (230, 20, 20) is ≈ sRGB (251, 0, 0): redder than the same numbers read as sRGB.
        let (red, plain) = (quadrant_colours(&img)[0], quadrant_colours(&untagged)[0]);
        assert!(red[0] >= 245 && plain[0] <= 235, "{name}: {red:?} vs {plain:?}");
        // Greys stay grey: P3 and sRGB share white and tone curve.
        let white = quadrant_colours(&img)[3];
        assert!(close(&white, WHITE), "{name}: {white:?}");
    }
}

#[test]
fn a_large_jpeg_is_decoded_at_a_dct_scale_that_still_covers_its_frame() {
    let big = image::imageops::resize(&quadrants(), 2400, 1200, image::imageops::FilterType::Nearest);
    let bytes = jpeg(big.as_raw(), 2400, 1200, jpeg_encoder::ColorType::Rgb, |_| {});
    let (full, scale) = photo::decode_for(&bytes, None).unwrap();
    assert_eq!((full.dimensions(), scale), ((2400, 1200), 1.0));
    // A 150×150 frame: cover needs 1/8 (150 of 1200 rows); twice that is a quarter.
    let (small, scale) = photo::decode_for(&bytes, Some((150, 150))).unwrap();
    assert_eq!((small.dimensions(), scale), ((600, 300), 0.25));
    for (p, want) in quadrant_colours(&small).iter().zip([RED, GREEN, BLUE, WHITE]) {
        assert!(close(p, want), "{p:?} for {want:?}");
    }
    // A frame as large as the photo: full size.
    assert_eq!(photo::decode_for(&bytes, Some((2400, 1200))).unwrap().1, 1.0);
}

#[test]
fn lossy_webp_with_alpha_decodes_close_to_its_source() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let webp = std::fs::read(dir.join("hopper-lossy-alpha.webp")).unwrap();
    assert_eq!(&webp[12..16], b"VP8X", "extended WebP");
    assert!(
        webp.windows(4).any(|w| w == b"ALPH") && webp.windows(4).any(|w| w == b"VP8 "),
        "lossy with alpha"
    );
    let img = photo::decode(&webp).unwrap();
    let source = image::open(dir.join("hopper-lossy-alpha.png")).unwrap().into_rgba8();
    assert_eq!(img.dimensions(), source.dimensions());
    assert_eq!(img.get_pixel(10, 50)[3], 0, "the cut-out stays transparent");
    assert_eq!(img.get_pixel(60, 50)[3], 255);
    let opaque: Vec<_> = img.enumerate_pixels().filter(|(x, _, _)| *x >= 40).collect();
    let diff: u64 = opaque
        .iter()
        .map(|(x, y, p)| {
            (0..3)
                .map(|c| u64::from(p[c].abs_diff(source.get_pixel(*x, *y)[c])))
                .sum::<u64>()
        })
        .sum();
    let mean = diff as f64 / (opaque.len() * 3) as f64;
    assert!(mean < 8.0, "mean channel difference from the source {mean}");
}
