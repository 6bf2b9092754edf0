//! Templates as designers hand them over (real files, tests/editors/SOURCES.md): a named
//! image or labelled text is artwork until the data binds it, and a template is inspected
//! (`affiche fields`, `affiche check --template`) before its fonts are in place.

use std::path::Path;

use crate::common::{self, affiche_in};
use image::RgbaImage;

fn corpus(file: &str) -> std::path::PathBuf {
    common::root().join("tests/editors").join(file)
}

const CHART: &str = "other-sketch-18f-cloud-gov-chart-bitmap.svg";
const BADGE: &str = "inkscape1-srobo-name-badge.svg";

/// A folder holding `file` as `t.svg`, `rows` as `data.csv` and the sample portrait.
fn folder(file: &str, rows: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(corpus(file), dir.path().join("t.svg")).unwrap();
    std::fs::write(dir.path().join("data.csv"), rows).unwrap();
    std::fs::copy(
        common::root().join("samples/photos/hopper.jpg"),
        dir.path().join("face.jpg"),
    )
    .unwrap();
    dir
}

/// `affiche render --template t.svg --data data.csv EXTRA…` in `dir`.
fn render(dir: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec!["render", "--template", "t.svg", "--data", "data.csv"];
    args.extend(extra);
    affiche_in(dir, &args)
}

fn fonts_dir() -> String {
    common::root().join("fonts").display().to_string()
}

fn poster(dir: &Path) -> RgbaImage {
    let png = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a poster");
    image::open(png).unwrap().into_rgba8()
}

/// Mean channel difference inside (`true`) or outside the canvas rectangle `r`.
fn difference(a: &RgbaImage, b: &RgbaImage, [x0, y0, x1, y1]: [u32; 4], inside: bool) -> f64 {
    let (mut sum, mut n) = (0u64, 0u64);
    for (x, y, p) in a.enumerate_pixels() {
        if ((x0..x1).contains(&x) && (y0..y1).contains(&y)) == inside {
            let q = b.get_pixel(x, y);
            sum += (0..3).map(|c| u64::from(p[c].abs_diff(q[c]))).sum::<u64>();
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
fn a_sketch_bitmap_is_artwork_until_a_column_names_it() {
    // Sketch names every image layer `Bitmap`: here a 581×88 band at (14, 53).
    let band = [14, 53, 595, 141];
    let fonts = fonts_dir();
    let run = |dir: &Path| {
        render(
            dir,
            &[
                "--out",
                "out",
                "--fonts",
                &fonts,
                "--font-alias",
                "Helvetica Neue=Noto Sans",
            ],
        )
    };
    let drawn = folder(CHART, "name\nLéa ROY\n");
    let said = run(drawn.path()).expect(0);
    assert!(!said.all().contains("Bitmap\" has no column"), "{}", said.all());
    let check = affiche_in(
        drawn.path(),
        &[
            "check",
            "--template",
            "t.svg",
            "--data",
            "data.csv",
            "--fonts",
            &fonts_dir(),
            "--font-alias",
            "Helvetica Neue=Noto Sans",
        ],
    )
    .expect(0);
    assert!(
        check.stdout.contains(
            "note: photo \"Bitmap\" is not bound: drawn as in the template; add a column \"Bitmap\" to fill it"
        ),
        "{}",
        check.all()
    );
    // As drawn: the band is the file's own picture (resvg, the same fonts aliased).
    let as_drawn = poster(drawn.path());
    let svg = std::fs::read_to_string(corpus(CHART))
        .unwrap()
        .replace("Helvetica Neue", "Noto Sans");
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_fonts_dir(common::root().join("fonts"));
    let options = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(db),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(&svg, &options).unwrap();
    let mut plain = resvg::tiny_skia::Pixmap::new(610, 190).unwrap();
    plain.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::identity(), &mut plain.as_mut());
    let plain = RgbaImage::from_raw(610, 190, plain.take()).unwrap();
    assert_eq!(as_drawn.dimensions(), (610, 190));
    assert!(
        difference(&as_drawn, &plain, band, true) < 2.0,
        "the band is drawn as in the file"
    );

    // A column `Bitmap` makes it a photo slot: the portrait in the band, the rest unchanged.
    let filled = folder(CHART, "name,Bitmap\nLéa ROY,face.jpg\n");
    run(filled.path()).expect(0);
    let with_photo = poster(filled.path());
    assert!(
        difference(&with_photo, &as_drawn, band, true) > 20.0,
        "the portrait fills the band"
    );
    assert!(
        difference(&with_photo, &as_drawn, band, false) < 0.5,
        "nothing else moved"
    );
}

#[test]
fn fields_and_check_describe_a_template_whose_fonts_are_not_in_place() {
    // No font folder at all: the template is still read, its fonts listed.
    let dir = folder(CHART, "name\nLéa\n");
    let fields = affiche_in(dir.path(), &["fields", "t.svg"]).expect(0);
    for said in [
        "Bitmap           photo        not bound: drawn as in the template; add a column \"Bitmap\" to fill it",
        "Helvetica Neue Bold, Regular: missing, used by 8 elements (320-security-control-copy, 41-copy",
        "1 font family is missing",
    ] {
        assert!(fields.stdout.contains(said), "{said:?} in\n{}", fields.all());
    }
    // `check` of the bare template says the same, and fails while a family is missing.
    let check = affiche_in(dir.path(), &["check", "--template", "t.svg"]).expect(1);
    assert!(
        check.stdout.contains("Helvetica Neue Bold, Regular: missing"),
        "{}",
        check.all()
    );
    // Rendering names the family once, with the weights wanted and the alias to write.
    let render = render(dir.path(), &["--fonts", &fonts_dir()]).expect(2);
    let message = render.all();
    assert_eq!(
        message.matches("font family \"Helvetica Neue\"").count(),
        1,
        "{message}"
    );
    assert!(message.contains("(Bold, Regular; used by 8 elements"), "{message}");
    // The campaign's own [font_aliases], while the font is being licensed.
    std::fs::write(
        dir.path().join("campaign.toml"),
        format!(
            "template = \"t.svg\"\ndata = \"data.csv\"\nfonts = [{:?}]\n[font_aliases]\n\"Helvetica Neue\" = \"Noto Sans\"\n",
            fonts_dir()
        ),
    )
    .unwrap();
    affiche_in(dir.path(), &["render", "campaign.toml"]).expect(0);
    let fields = affiche_in(dir.path(), &["fields", "t.svg", "--fonts", &fonts_dir()]).expect(0);
    assert!(
        fields.stdout.contains("Helvetica Neue Bold, Regular: missing"),
        "aliases are the campaign's, not the file's"
    );
}

#[test]
fn a_labelled_text_says_what_makes_it_a_slot() {
    // An Inkscape 1.1 name badge whose texts are labelled Name, Pronouns and Role.
    let fonts = corpus("fonts").display().to_string();
    let dir = folder(BADGE, "Name\nMarie-Thérèse ROY\n");
    let fields = affiche_in(dir.path(), &["fields", "t.svg", "--fonts", &fonts]).expect(0);
    for label in ["Name", "Pronouns", "Role"] {
        let said = format!("add a column {label:?} and draw a rectangle named \"{label}-box\"");
        assert!(fields.stdout.contains(&said), "{said:?} in\n{}", fields.all());
    }
    assert!(fields.stdout.contains("Oswald Regular: found"), "{}", fields.all());
    // A column `Name` without a box: the badge renders as drawn, and says why.
    let render = render(dir.path(), &["--out", "out", "--fonts", &fonts]).expect(0);
    assert!(
        render
            .stdout
            .contains("note: text \"Name\" has the name of a column but no box"),
        "{}",
        render.all()
    );
}
