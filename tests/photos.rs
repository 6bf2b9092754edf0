//! Photos as candidates send them, generated here: EXIF orientations 1–8,
//! grayscale, 16-bit, alpha cut-outs, WebP; each decodes upright, in colour,
//! with its transparency kept through cropping.

use std::io::Cursor;

use affiche::photo::{self, Fit, Placement};
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

/// A JPEG with an EXIF APP1 segment holding only the orientation tag.
fn jpeg_with_orientation(orientation: u16) -> Vec<u8> {
    let jpeg = encode(&DynamicImage::ImageRgb8(quadrants()), ImageFormat::Jpeg);
    // TIFF, little endian: header, one IFD entry (0x0112 SHORT 1 = orientation), no next IFD.
    let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    tiff.extend(orientation.to_le_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn close(p: &Rgba<u8>, c: [u8; 3]) -> bool {
    (0..3).all(|i| p[i].abs_diff(c[i]) < 40)
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    // Where the red (top-left) quadrant lands once the photo is shown upright.
    let expected = [
        (1, "tl"),
        (2, "tr"),
        (3, "br"),
        (4, "bl"),
        (5, "tl"),
        (6, "tr"),
        (7, "br"),
        (8, "bl"),
    ];
    for (orientation, corner) in expected {
        let img = photo::decode(&jpeg_with_orientation(orientation)).unwrap();
        let rotated = orientation >= 5;
        assert_eq!(
            img.dimensions(),
            if rotated { (32, 64) } else { (64, 32) },
            "orientation {orientation}"
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
            "orientation {orientation}: {:?} at {corner}",
            img.get_pixel(x, y)
        );
    }
}

#[test]
fn grayscale_16_bit_and_webp_decode_to_the_same_picture() {
    let rgb = DynamicImage::ImageRgb8(quadrants());
    let cases = [
        ("png 8-bit", encode(&rgb, ImageFormat::Png)),
        (
            "png 16-bit",
            encode(&DynamicImage::ImageRgb16(rgb.to_rgb16()), ImageFormat::Png),
        ),
        ("webp lossless", encode(&rgb, ImageFormat::WebP)),
        ("jpeg baseline", encode(&rgb, ImageFormat::Jpeg)),
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
