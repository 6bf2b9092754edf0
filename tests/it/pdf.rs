//! PDF output for print: page boxes, embedded subset fonts, real text, the
//! photo as an image, crop marks; rendered back with poppler when installed.

use crate::common;

use std::io::Read;
use std::path::Path;
use std::process::Command;

use affiche::print::{self as pdf, PdfOptions};
use affiche::{Fonts, Preset, Record, Template};

const PT_PER_MM: f32 = 72.0 / 25.4;

/// Hélène GUÉRIN, the first sample row, at print-a4 with 3 mm bleed and crop marks.
fn sample_pdf() -> Vec<u8> {
    let root = common::root();
    let (fonts, template) = fonts_and_template();
    let mut record = Record::from_values(
        1,
        [
            ("name", "Hélène GUÉRIN"),
            ("constituency", "Bouches-du-Rhône (4e circonscription)"),
            ("slogan", "Ensemble, pour nos quartiers"),
        ],
    );
    let photo = std::fs::read(root.join("samples/photos/hopper.jpg")).unwrap();
    record
        .photos
        .insert("photo".into(), affiche::photos::decode(&photo).unwrap().into());
    let a4 = Preset::find("print-a4").unwrap();
    let variant = template.variant_index_for(a4.width, a4.height);
    let composed = affiche::compose(
        &template,
        variant,
        &record,
        &Default::default(),
        &fonts,
        &affiche::Caches::default(),
    )
    .unwrap();
    let options = PdfOptions {
        bleed_mm: 3.0,
        crop_marks: true,
    };
    let poster = pdf::to_pdf(
        &template,
        &composed,
        &record,
        Some((a4.width, a4.height)),
        &options,
        &fonts,
    )
    .unwrap();
    assert!(
        poster.warnings.iter().all(|w| !w.contains("drawn as images")),
        "the hard shadow is drawn as vectors: {:?}",
        poster.warnings
    );
    if let Some(keep) = std::env::var_os("AFFICHE_KEEP_PDF") {
        std::fs::write(keep, &poster.pdf).unwrap();
    }
    poster.pdf
}

fn fonts_and_template() -> (Fonts, Template) {
    let fonts = Fonts::from_dir(common::root().join("fonts")).unwrap();
    let template = Template::load(common::root().join("templates/hero"), &fonts).unwrap();
    (fonts, template)
}

/// The four numbers after `/Key` in the page dictionary.
fn page_box(pdf: &str, key: &str) -> [f32; 4] {
    let at = pdf.find(&format!("/{key} [")).unwrap_or_else(|| panic!("no /{key}")) + key.len() + 3;
    let end = at + pdf[at..].find(']').unwrap();
    let v: Vec<f32> = pdf[at..end].split_whitespace().map(|n| n.parse().unwrap()).collect();
    v.try_into().unwrap()
}

/// Every stream of the file, inflated when it is Flate-compressed.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(start) = find(rest, b"stream\n") {
        let body = &rest[start + 7..];
        let Some(end) = find(body, b"endstream") else { break };
        let mut inflated = Vec::new();
        let data = &body[..end];
        match flate2::read::ZlibDecoder::new(data).read_to_end(&mut inflated) {
            Ok(_) => out.push(inflated),
            Err(_) => out.push(data.to_vec()),
        }
        rest = &body[end + b"endstream".len()..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a4_with_bleed_and_crop_marks_has_real_text_in_embedded_fonts() {
    let bytes = sample_pdf();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("%PDF-"));
    let mm = |pt: f32| pt / PT_PER_MM;
    let [tx0, ty0, tx1, ty1] = page_box(&text, "TrimBox");
    assert!(
        (mm(tx1 - tx0) - 210.0).abs() < 0.1 && (mm(ty1 - ty0) - 297.0).abs() < 0.1,
        "A4 trim"
    );
    let [bx0, by0, bx1, by1] = page_box(&text, "BleedBox");
    assert!(
        (mm(bx1 - bx0) - 216.0).abs() < 0.1 && (mm(by1 - by0) - 303.0).abs() < 0.1,
        "A4 + 2 × 3 mm"
    );
    assert!((mm(tx0 - bx0) - 3.0).abs() < 0.05 && (mm(by1 - ty1) - 3.0).abs() < 0.05);
    let [mx0, my0, mx1, my1] = page_box(&text, "MediaBox");
    assert!(
        mx0 == 0.0 && my0 == 0.0 && mx1 > bx1 && my1 > by1,
        "room for the marks outside the bleed"
    );

    // Fonts embedded as subsets, and text drawn with them, not as paths.
    assert!(
        text.contains("/FontFile2") || text.contains("/FontFile3"),
        "no embedded font file"
    );
    assert!(text.contains("+Bangers"), "the name's font is embedded as a subset");
    let inflated = streams(&bytes);
    let all: Vec<String> = inflated
        .iter()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    assert!(
        all.iter()
            .any(|s| s.contains("BT\n") && (s.contains(") Tj") || s.contains("] TJ"))),
        "no text operator"
    );
    // Crop marks: 8 thin strokes in registration black (all four inks) on the page itself.
    let page = all
        .iter()
        .find(|s| s.contains("/Art0 Do"))
        .expect("the page's content stream");
    assert!(page.contains("1 1 1 1 K") && page.contains("0.25 w"), "{page}");
    assert_eq!(page.matches(" m\n").count(), 8, "{page}");

    // The ToUnicode maps let a reader copy the name: É (U+00C9) is mapped.
    assert!(all.iter().any(|s| s.contains("beginbfchar") && s.contains("> <00C9>")));
    // The photo is one JPEG image: the prepared frame at 300 dpi over the bleed
    // box (216 mm wide), not the 512-pixel original.
    let jpeg = text.find("/DCTDecode").expect("the photo is embedded as JPEG");
    let width: u32 = text[jpeg..]
        .split("/Width ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (fonts, template) = fonts_and_template();
    drop(fonts);
    let v = &template.variants[template.variant_index_for(2480, 3508)];
    let px_per_unit = (216.0 / 25.4 * 300.0 / v.width).max(303.0 / 25.4 * 300.0 / v.height);
    assert_eq!(width, (v.photos[0].canvas.width * px_per_unit).round() as u32);
}

/// Text extraction and rendering by poppler, when it is installed (Debian:
/// poppler-utils); skipped with a message otherwise.
#[test]
fn poppler_reads_the_name_and_draws_the_page() {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        eprintln!("skipped: pdftotext (poppler-utils) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poster.pdf");
    std::fs::write(&path, sample_pdf()).unwrap();
    let out = Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let words = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("Hélène GUÉRIN"), "{words}");
    assert!(words.contains("Bouches-du-Rhône"), "{words}");

    let png = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "40", "-png", "-singlefile"])
        .arg(&path)
        .arg(&png)
        .status()
        .unwrap();
    assert!(status.success());
    let page = image::open(png.with_extension("png")).unwrap().to_rgb8();
    if let Some(keep) = std::env::var_os("AFFICHE_KEEP_PDF_PNG") {
        page.save(Path::new(&keep)).unwrap();
    }
    let (w, h) = page.dimensions();
    let dark = |x: u32, y: u32| page.get_pixel(x, y).0.iter().map(|&c| u32::from(c)).sum::<u32>() < 300;
    // Page corners are paper; the artwork covers the bleed box, magenta.
    assert!(!dark(1, 1) && !dark(w - 2, h - 2), "the slug is blank paper");
    let centre_of_bleed_edge = page.get_pixel(w / 2, (5.5 * PT_PER_MM * 40.0 / 72.0) as u32 + 1).0;
    assert!(
        centre_of_bleed_edge[0] > 120 && centre_of_bleed_edge[1] < 100,
        "artwork in the bleed: {centre_of_bleed_edge:?}"
    );
    // A crop mark: on the trim line's extension left of the page, 2–5 mm from the paper's edge.
    let px = |mm: f32| (mm * PT_PER_MM * 40.0 / 72.0) as u32;
    let mark_row = px(8.0);
    let marked = (px(0.5)..px(4.5)).any(|x| (mark_row.saturating_sub(1)..=mark_row + 1).any(|y| dark(x, y)));
    assert!(marked, "no crop mark at the top-left corner");
}

/// `--format pdf --bleed 3 --crop-marks` from the command line: one PDF per
/// row, skipped when rerun unchanged; bleed on a PNG run is a campaign error.
#[test]
fn the_cli_writes_print_pdfs() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(common::root().join("samples/candidates.csv")).unwrap();
    let data = dir.path().join("one.csv");
    std::fs::write(&data, sample.lines().take(2).collect::<Vec<_>>().join("\n")).unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "render",
            "samples/campaign.toml",
            "--photos",
            "samples/photos",
            "--preset",
            "print-a4",
        ];
        args.extend(["--data", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        args.extend(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_affiche"))
            .args(&args)
            .current_dir(common::root())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let pdf_flags = ["--format", "pdf", "--bleed", "3", "--crop-marks"];
    let (code, text) = run(&pdf_flags);
    assert_eq!(code, Some(0), "{text}");
    let bytes = std::fs::read(out.join("helene-guerin-print-a4.pdf")).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&bytes).contains("/TrimBox"));
    let (code, text) = run(&pdf_flags);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("1 of them unchanged"), "{text}");
    let (code, text) = run(&["--bleed", "3"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("bleed") && text.contains("pdf"), "{text}");
}
