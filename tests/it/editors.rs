//! The editor corpus: real SVGs exported by Inkscape 0.92 and 1.x, Illustrator, Figma,
//! Affinity Designer, Canva and Sketch, made by people outside the project
//! (tests/editors/SOURCES.md). Each is made a template only the way a designer would in
//! the editor: an existing text renamed `name` with a box drawn around it, an existing
//! image renamed `photo`; the file is never restructured. Each then renders with the rest
//! of its drawing untouched (against the unedited file, and the unedited file against
//! resvg's own rendering), or fails with the error a designer can act on.
//!
//! `AFFICHE_EDITORS_OUT=dir` writes each poster there, to look at.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use affiche::{Caches, FontOptions, Fonts, Record, RenderOptions, Template};
use image::RgbaImage;
use resvg::usvg;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editors")
}

/// The project's fonts and the OFL faces these files name (tests/editors/fonts/): what a
/// designer adds to the font folder.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let dirs = vec![
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"),
            corpus().join("fonts"),
        ];
        Fonts::load(&FontOptions { dirs, system: false }).unwrap()
    })
}

/// Plain usvg, affiche aside: the same font files. A text in a font nobody has is drawn
/// in a stand-in (usvg would drop it), so the box drawn around it has a size.
fn plain_options() -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    db.load_fonts_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"));
    db.load_fonts_dir(corpus().join("fonts"));
    db.set_serif_family("Noto Sans");
    usvg::Options {
        fontdb: Arc::new(db),
        ..Default::default()
    }
}

/// An element as a designer picks it in the editor: by its id, or the `n`th of a tag; a
/// text in an Inkscape text frame (`shape-inside`) is only renamed: the frame is its box.
#[derive(Clone, Copy)]
enum Pick {
    Id(&'static str),
    Nth(&'static str, usize),
    Framed(&'static str),
}

/// What the designer's template must do.
enum Expect {
    /// Renders, the value inside its box and the rest as drawn.
    Renders,
    /// Fails when loaded, naming this font family and the fixes; then, with the families it
    /// names mapped to Noto Sans in `[font_aliases]`, renders as above.
    Error(&'static str),
    /// As `Error`, but once aliased still refused, saying the second text.
    Refused(&'static str, &'static str),
}

struct Case {
    file: &'static str,
    /// The text renamed `name` (a box is drawn around it).
    text: Option<Pick>,
    /// The image renamed `photo`.
    photo: Option<Pick>,
    expect: Expect,
}

const fn case(file: &'static str, text: Option<Pick>, photo: Option<Pick>, expect: Expect) -> Case {
    Case {
        file,
        text,
        photo,
        expect,
    }
}

use Expect::{Error, Refused, Renders};
use Pick::{Framed, Id, Nth};

const FONT_FIX: &str = "add its font files to the campaign's fonts or the template's fonts/ folder";

const CASES: &[Case] = &[
    case(
        "inkscape092-godot-business-card.svg",
        Some(Id("text17209-9-3-4")),
        None,
        Renders,
    ),
    case(
        "inkscape092-godotcon-banner-2019.svg",
        Some(Id("text5244")),
        Some(Id("image1214")),
        Renders,
    ),
    case(
        "inkscape092-osc-poster.svg",
        Some(Id("text3521")),
        None,
        Error("\"Verdana\" (Bold, Regular"),
    ),
    case(
        "inkscape1-cldt-hex-sticker.svg",
        Some(Id("text1997-9-9-0-8-1-9-45-2")),
        None,
        Renders,
    ),
    case(
        "inkscape1-k8s-award-template.svg",
        Some(Id("text31106-7")),
        None,
        Error("\"Calibri\""),
    ),
    case(
        "inkscape1-k8s-kcs-logo-text-frames.svg",
        None,
        None,
        Error("\"Hollywood Capital Hills\""),
    ),
    case(
        "inkscape1-osgeo-deegree-shape-inside.svg",
        Some(Framed("text111")),
        None,
        // Its text frame is drawn 122 mm wide on a 71 mm page.
        Refused("\"ITC Avant Garde Gothic\" (Book", "reaches outside the page"),
    ),
    case(
        "illustrator-jupyter-poweredby.svg",
        None,
        None,
        Error("\"Myriad Pro\" (Bold"),
    ),
    case("illustrator-pycon-badge-template.svg", None, None, Renders),
    case("illustrator-knative-audience.svg", Some(Nth("text", 0)), None, Renders),
    case(
        "illustrator-git-novice-github.svg",
        // "www.github.com" as Illustrator writes it: a glyph run per tspan, styled there.
        Some(Nth("text", 0)),
        Some(Nth("image", 0)),
        Error("\"Helvetica\" (Bold"),
    ),
    case(
        "illustrator-shell-redirects-pipes.svg",
        Some(Id("svg_8")),
        None,
        Error("\"Courier New\" (Bold"),
    ),
    // Figma: the layer holding the image fill (a rect filled with a pattern) is named.
    case("figma-18f-design-methods-hero.svg", None, Some(Nth("rect", 0)), Renders),
    case("figma-otel-sdk.svg", None, Some(Nth("rect", 2)), Renders),
    case("figma-mdn-http-message-anatomy.svg", Some(Id("Request")), None, Renders),
    case("affinity-k8s-release-team.svg", Some(Nth("text", 0)), None, Renders),
    // Affinity: the image layer, a <use> of an image kept in <defs>.
    case("affinity-shinpuru-header.svg", None, Some(Nth("use", 0)), Renders),
    case("affinity-godot-snoo.svg", None, None, Renders),
    case("canva-digitalgov-social-media.svg", None, None, Renders),
    case(
        "other-ai16-inkscape091-blacksash-poster.svg",
        Some(Id("organisation-name")),
        None,
        Error("\"Gill Sans\" (Bold, Bold Italic, Light, Regular"),
    ),
    case(
        "other-sketch-18f-cloud-gov-chart.svg",
        Some(Id("security-controls")),
        None,
        Error("\"Helvetica Neue\" (Bold"),
    ),
    // Sketch names every image layer `Bitmap`: renamed `photo` here; left alone, it is
    // artwork (tests/it/artwork.rs).
    case(
        "other-sketch-18f-cloud-gov-chart-bitmap.svg",
        Some(Id("customer-copy")),
        Some(Id("Bitmap")),
        Error("\"Helvetica Neue\" (Bold, Regular"),
    ),
    case("inkscape1-srobo-name-badge.svg", Some(Id("Name")), None, Renders),
];

/// The start of the element `pick` names in `source` (the `<` of its tag).
fn find(source: &str, pick: Pick) -> usize {
    match pick {
        Id(id) | Framed(id) => {
            let at = source
                .find(&format!(" id=\"{id}\""))
                .unwrap_or_else(|| panic!("no id {id:?}"));
            source[..at].rfind('<').unwrap()
        }
        Nth(tag, n) => {
            source
                .match_indices(&format!("<{tag}"))
                .nth(n)
                .unwrap_or_else(|| panic!("no <{tag}> {n}"))
                .0
        }
    }
}

/// Renames the element at `at` to `field` as the editor writes it: Affinity in `serif:id`
/// (its `id` is generated), the others in `id`.
fn rename(source: &str, at: usize, field: &str) -> String {
    let tag_end = at + source[at..].find(['>', '/']).unwrap();
    let tag = &source[at..tag_end];
    let attr = if source.contains("http://www.serif.com/") {
        "serif:id"
    } else {
        "id"
    };
    let renamed = match tag.find(&format!(" {attr}=\"")) {
        Some(i) => {
            let value_end = i + attr.len() + 3 + tag[i + attr.len() + 3..].find('"').unwrap();
            format!("{} {attr}=\"{field}{}", &tag[..i], &tag[value_end..])
        }
        None => {
            let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
            format!("{} {attr}=\"{field}\"{}", &tag[..name_end], &tag[name_end..])
        }
    };
    format!("{}{renamed}{}", &source[..at], &source[tag_end..])
}

/// The text at `at` with a box drawn around it as the designer draws one: in the same
/// layer, over the text's extent with a margin, turned like the text (a box drawn over a
/// text rotated by 6° is rotated by 6° too; Illustrator's placing matrix comes along).
fn draw_box(source: &str, at: usize) -> String {
    // usvg finds the text by id: its own, or one given in this measuring copy only.
    let tag = &source[at..at + source[at..].find('>').unwrap()];
    let (id, measured) = match tag.split_once(" id=\"") {
        Some((_, rest)) => (rest.split('"').next().unwrap().to_string(), source.to_string()),
        None => {
            let name_end = at + tag.find(char::is_whitespace).unwrap();
            let copy = format!("{} id=\"affiche-measure\"{}", &source[..name_end], &source[name_end..]);
            ("affiche-measure".into(), copy)
        }
    };
    let tree = usvg::Tree::from_str(&measured, &plain_options()).unwrap();
    let node = tree.node_by_id(&id).unwrap_or_else(|| panic!("no node {id}"));
    // The extent in the text's own units: usvg holds a transformed element in a group.
    let b = match node {
        usvg::Node::Group(g) if g.children().len() == 1 => g.children()[0].bounding_box(),
        n => n.bounding_box(),
    };
    let turn = tag
        .split_once(" transform=\"")
        .map(|(_, rest)| format!(" transform=\"{}\"", rest.split('"').next().unwrap()))
        .unwrap_or_default();
    let margin = 0.02 * b.width();
    let rect = format!(
        "<rect id=\"name-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\"{turn}/>",
        b.left() - margin,
        b.top(),
        b.width() + 2.0 * margin,
        b.height()
    );
    format!("{}{rect}{}", &source[..at], &source[at..])
}

/// The designer's edits: the text renamed `name` and boxed, the image renamed `photo`.
fn made_template(source: &str, case: &Case) -> String {
    let mut s = source.to_string();
    if let Some(pick) = case.photo {
        s = rename(&s, find(&s, pick), "photo");
    }
    if let Some(pick) = case.text {
        let at = find(&s, pick);
        s = rename(&s, at, "name");
        if !matches!(pick, Framed(_)) {
            s = draw_box(&s, at);
        }
    }
    s
}

fn load(dir: &Path, name: &str, svg: &str, manifest: &str) -> affiche::Result<Template> {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("poster.svg"), svg).unwrap();
    std::fs::write(folder.join("template.toml"), manifest).unwrap();
    Template::load_binding(&folder, fonts(), &["name", "photo"])
}

/// The designer's answer to a missing-font error: the alias each message offers, pasted
/// into `template.toml`.
fn aliases_for(message: &str) -> String {
    let mut toml = String::from("[font_aliases]\n");
    for part in message.split("`[font_aliases]` ").skip(1) {
        toml += part.split(" in template.toml").next().unwrap();
        toml += "\n";
    }
    toml
}

/// Share (per thousand) of 4×4 blocks whose mean colour, laid on white (affiche's posters
/// are opaque where the drawing is not), differs by more than 40 in a channel, outside
/// `skip` (canvas rectangles): a missing, moved or recoloured part of the drawing, not
/// anti-aliasing or a sub-pixel shift of a hairline (affiche centres a canvas whose size
/// is fractional; one resvg pass stretches it).
fn differing(a: &RgbaImage, b: &RgbaImage, skip: &[[f32; 4]]) -> usize {
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = (a.width() / 4, a.height() / 4);
    let mean = |img: &RgbaImage, bx: u32, by: u32| {
        let mut sum = [0u32; 3];
        for y in by * 4..by * 4 + 4 {
            for x in bx * 4..bx * 4 + 4 {
                let p = on_white(img.get_pixel(x, y));
                (0..3).for_each(|i| sum[i] += u32::from(p[i]));
            }
        }
        sum.map(|v| v / 16)
    };
    let mut bad = 0;
    for by in 0..h {
        for bx in 0..w {
            let (cx, cy) = (bx as f32 * 4.0 + 2.0, by as f32 * 4.0 + 2.0);
            let skipped = skip
                .iter()
                .any(|r| cx >= r[0] - 6.0 && cy >= r[1] - 6.0 && cx <= r[0] + r[2] + 6.0 && cy <= r[1] + r[3] + 6.0);
            let (p, q) = (mean(a, bx, by), mean(b, bx, by));
            if !skipped && (0..3).any(|i| p[i].abs_diff(q[i]) > 40) {
                bad += 1;
            }
        }
    }
    bad * 1000 / (w * h).max(1) as usize
}

/// A straight-alpha pixel laid on white, as a page or a feed shows it.
fn on_white(p: &image::Rgba<u8>) -> [u8; 3] {
    let a = u32::from(p[3]);
    [0, 1, 2].map(|i| ((u32::from(p[i]) * a + 255 * (255 - a) + 127) / 255) as u8)
}

fn resvg_render(svg: &str, size: (u32, u32)) -> RgbaImage {
    let tree = usvg::Tree::from_str(svg, &plain_options()).unwrap();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.0, size.1).unwrap();
    let s = tree.size();
    let t = resvg::tiny_skia::Transform::from_scale(size.0 as f32 / s.width(), size.1 as f32 / s.height());
    resvg::render(&tree, t, &mut pixmap.as_mut());
    let mut img = RgbaImage::from_raw(size.0, size.1, pixmap.take()).unwrap();
    for p in img.pixels_mut() {
        // tiny-skia is premultiplied; affiche hands out straight alpha.
        if p[3] > 0 && p[3] < 255 {
            for i in 0..3 {
                p[i] = ((u32::from(p[i]) * 255 + u32::from(p[3]) / 2) / u32::from(p[3])).min(255) as u8;
            }
        }
    }
    img
}

#[test]
fn every_editor_export_becomes_a_template_the_way_a_designer_makes_one() {
    let mut listed: Vec<&str> = CASES.iter().map(|c| c.file).collect();
    let mut files: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    listed.sort();
    files.sort();
    assert_eq!(listed, files, "every corpus file has its case");

    let out = std::env::var_os("AFFICHE_EDITORS_OUT").map(PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let photo = affiche::decode_photo(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/photos/hopper.jpg")).unwrap(),
    )
    .unwrap();
    // Every file is tried, and every failure reported at once.
    let failed: Vec<&str> = CASES
        .iter()
        .filter(|case| {
            let run = || check(case, dir.path(), &photo, out.as_deref());
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).is_err()
        })
        .map(|case| case.file)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} files failed (messages above): {failed:?}",
        failed.len(),
        CASES.len()
    );
}

/// One corpus file made a template and checked; panics with what went wrong.
fn check(case: &Case, dir: &Path, photo: &RgbaImage, out: Option<&Path>) {
    let source = std::fs::read_to_string(corpus().join(case.file)).unwrap();
    let edited = made_template(&source, case);
    let stem = case.file.trim_end_matches(".svg");
    let loaded = load(dir, stem, &edited, "");
    let (template, manifest) = match (&case.expect, loaded) {
        (Error(said) | Refused(said, _), Err(e)) => {
            let message = e.to_string();
            assert!(
                message.contains(said) && message.contains(FONT_FIX),
                "{}: {message}",
                case.file
            );
            // The fix the error offers: the families mapped to a font at hand.
            let manifest = aliases_for(&message);
            let aliased = load(dir, stem, &edited, &manifest);
            if let Refused(_, then) = case.expect {
                let message = aliased.err().map(|e| e.to_string()).unwrap_or_default();
                assert!(
                    message.contains(then),
                    "{}, aliased: {message:?} should say {then}",
                    case.file
                );
                return;
            }
            (
                aliased.unwrap_or_else(|e| panic!("{}, aliased: {e}", case.file)),
                manifest,
            )
        }
        (Error(said) | Refused(said, _), Ok(_)) => panic!("{}: loaded, but should fail saying {said}", case.file),
        (Renders, Err(e)) => panic!("{}: {e}", case.file),
        (Renders, Ok(t)) => (t, String::new()),
    };
    let fields: Vec<String> = template.fields().into_iter().map(|f| f.name).collect();
    let want: Vec<&str> = case
        .text
        .map(|_| "name")
        .into_iter()
        .chain(case.photo.map(|_| "photo"))
        .collect();
    assert_eq!(fields, want, "{}: the designer's names are its only fields", case.file);

    let mut record = Record::from_values(1, [("name", "Marie-Thérèse DE LA TOUR D'AUVERGNE")]);
    record.photos.insert("photo".into(), photo.clone().into());
    let caches = Caches::default();
    let poster = affiche::render(&template, &record, None, &RenderOptions::default(), fonts(), &caches)
        .unwrap_or_else(|e| panic!("{}: {e}", case.file));

    // The drawing as it was: the unedited file through affiche, and through resvg alone.
    let plain = load(dir, &format!("{stem}-plain"), &source, &manifest).unwrap();
    let empty = Record::from_values(1, [("", "")]);
    let before = affiche::render(&plain, &empty, None, &RenderOptions::default(), fonts(), &caches).unwrap();
    let own = resvg_render(&source, before.image.dimensions());
    let total = before.image.width() as usize * before.image.height() as usize;
    if let Some(out) = out {
        std::fs::create_dir_all(out).unwrap();
        own.save(out.join(format!("{stem}-resvg.png"))).unwrap();
        before.image.save(out.join(format!("{stem}-before.png"))).unwrap();
        poster.image.save(out.join(format!("{stem}.png"))).unwrap();
    }
    let off = differing(&before.image, &own, &[]);
    assert!(
        off * 500 <= total,
        "{}: {off} of {total} pixels differ from resvg's rendering",
        case.file
    );

    // Only the slots changed: their boxes, the original text's place and the photo's frame.
    let mut skip: Vec<[f32; 4]> = poster.boxes.iter().map(|(_, b)| *b).collect();
    if case.text.is_some() {
        let (_, ink) = poster
            .boxes
            .iter()
            .find(|(f, _)| f == "name")
            .expect("the name's ink box");
        let slot = template.variants[0].texts[0].canvas;
        let s = poster.image.width() as f32 / template.variants[0].width;
        assert!(
            ink[0] >= slot.x * s - 1.0
                && ink[1] >= slot.y * s - 1.0
                && ink[0] + ink[2] <= (slot.x + slot.width) * s + 1.0
                && ink[1] + ink[3] <= (slot.y + slot.height) * s + 1.0,
            "{}: the name's ink {ink:?} leaves its box {slot:?}",
            case.file
        );
        skip.push([slot.x * s, slot.y * s, slot.width * s, slot.height * s]);
    }
    for slot in &template.variants[0].photos {
        let s = poster.image.width() as f32 / template.variants[0].width;
        skip.push([
            slot.canvas.x * s,
            slot.canvas.y * s,
            slot.canvas.width * s,
            slot.canvas.height * s,
        ]);
    }
    let changed = differing(&poster.image, &before.image, &skip);
    assert!(
        changed <= 2,
        "{}: {changed}‰ of the drawing changed outside the slots",
        case.file
    );
}
