//! Typography through the public API: fallback fonts and their order, glyph
//! coverage errors, overflow policies and case rules, on small templates
//! written into temp folders.

use std::path::Path;
use std::sync::OnceLock;

use affiche::Overflow;
use affiche::{Error, Fonts, Record, RenderOptions, Template};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::from_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts")).unwrap())
}

const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200">
  <rect width="600" height="200" fill="#fff"/>
  <rect id="name-box" x="20" y="20" width="560" height="100"/>
  <text id="name" font-family="Bangers" font-size="90" fill="#000">Nom</text>
</svg>"##;

/// A template folder with `SVG` and the given manifest.
fn template(manifest: &str) -> (tempfile::TempDir, Template) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("card.svg"), SVG).unwrap();
    std::fs::write(dir.path().join("template.toml"), manifest).unwrap();
    let t = Template::load(dir.path(), fonts()).unwrap();
    (dir, t)
}

fn compose(t: &Template, name: &str, overflow: Overflow) -> affiche::Result<affiche::Composed> {
    let record = Record::from_values(3, [("name", name)]);
    affiche::compose(
        t,
        0,
        &record,
        &RenderOptions { overflow },
        fonts(),
        &affiche::Caches::default(),
    )
}

#[test]
fn characters_the_slot_font_lacks_come_from_the_chain_in_order() {
    // Bangers has no Greek; both Roboto Condensed and Noto Sans do.
    for (chain, expected) in [
        ("\"Roboto Condensed\", \"Noto Sans\"", "Roboto Condensed"),
        ("\"Noto Sans\"", "Noto Sans"),
    ] {
        let (_d, t) = template(&format!("[fields.name]\nfonts = [{chain}]\n"));
        let c = compose(&t, "Eleni ΠΑΠΑΔΟΠΟΥΛΟΥ", Overflow::Error).unwrap();
        assert_eq!(c.texts[0].fallback_fonts, [expected], "chain {chain}");
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("fallback") && w.contains(expected)),
            "{:?}",
            c.warnings
        );
    }
    let (_d, t) = template("");
    let latin = compose(&t, "Zoé LE GOFF-KERMARREC", Overflow::Error).unwrap();
    assert!(latin.texts[0].fallback_fonts.is_empty() && latin.warnings.is_empty());
}

#[test]
fn a_character_no_font_has_is_a_row_error_naming_it() {
    let (_d, t) = template("");
    let err = compose(&t, "Léa ROY \u{E000}", Overflow::Error).unwrap_err();
    assert!(err.is_row_error());
    let msg = err.to_string();
    assert!(
        msg.contains("U+E000") && msg.contains("row 3") && msg.contains("\"name\""),
        "{msg}"
    );
}

#[test]
fn emoji_without_an_emoji_font_is_a_clear_row_error() {
    let (_d, t) = template("");
    let msg = compose(&t, "Léa ROY 🦸", Overflow::Error).unwrap_err().to_string();
    assert!(msg.contains("U+1F9B8"), "{msg}");
}

#[test]
fn a_missing_chain_family_is_a_template_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("card.svg"), SVG).unwrap();
    std::fs::write(
        dir.path().join("template.toml"),
        "[fields.name]\nfonts = [\"Papyrus\"]\n",
    )
    .unwrap();
    let err = Template::load(dir.path(), fonts()).unwrap_err();
    assert!(
        matches!(err, Error::MissingFont { ref family, .. } if family == "Papyrus"),
        "{err}"
    );
}

const LONG: &str = "Anne Hélène Janine Marie DAGUENEL NGUYEN CONG DUC DE LA TOUR D'AUVERGNE";

#[test]
fn overflow_policies() {
    let (_d, t) = template("[fields.name]\nmin_size = 60\nmax_lines = 1\n");
    let err = compose(&t, LONG, Overflow::Error).unwrap_err();
    assert!(matches!(err, Error::TextOverflow { .. }), "{err}");
    assert!(
        err.to_string().contains("overflow = \"truncate\", --overflow truncate"),
        "says what to do: {err}"
    );

    let cut = compose(&t, LONG, Overflow::Truncate).unwrap();
    assert!(
        cut.texts[0].size >= 60.0 - 0.01,
        "truncated text keeps the minimum size"
    );
    let w = cut
        .warnings
        .iter()
        .find(|w| w.contains("truncated"))
        .expect("truncation is reported");
    assert!(w.contains('…') && w.contains("Anne Hélène"), "{w}");

    let small = compose(&t, LONG, Overflow::Warn).unwrap();
    assert!(small.texts[0].size < 60.0);
    assert!(
        small.warnings.iter().any(|w| w.contains("below the minimum size")),
        "{:?}",
        small.warnings
    );
    for c in [&cut, &small] {
        for (_, frame, ink) in affiche::text_ink(&t, c, fonts()).unwrap() {
            assert!(
                ink.x >= frame.x - 0.5 && ink.x + ink.width <= frame.x + frame.width + 0.5,
                "{ink:?} in {frame:?}"
            );
        }
    }
}

#[test]
fn case_upper_keeps_accents_and_wraps_balanced() {
    let (_d, t) = template("[fields.name]\ncase = \"upper\"\nmax_lines = 2\nmin_size = 20\n");
    let c = compose(&t, "Marie-Éléonore de la Tour d'Auvergne-Lauraguais", Overflow::Error).unwrap();
    assert_eq!(c.texts[0].lines, 2);
    assert!(
        c.svg().contains(">MARIE-ÉLÉONORE DE LA TOUR<") || c.svg().contains(">MARIE-ÉLÉONORE<"),
        "{}",
        c.svg()
    );
    assert!(
        c.svg().contains("D&apos;AUVERGNE-LAURAGUAIS<"),
        "accents and apostrophe kept, escaped"
    );
}

use crate::common;

/// Names in scripts the slot's font (Bangers) lacks render shaped, right to left
/// where needed, through the fallback fonts in `fonts/`.
#[test]
fn arabic_hebrew_and_cjk_names_render_through_fallbacks() {
    let (_d, t) = template("[fields.name]\nmin_size = 20\n");
    for (file, name, family) in [
        ("script-arabic", "فاطمة الزهراء", "Noto Sans Arabic"),
        ("script-hebrew", "דוד בן־גוריון", "Noto Sans Hebrew"),
        ("script-cjk", "山田太郎 王小明", "Droid Sans Fallback"),
    ] {
        let record = Record::from_values(1, [("name", name)]);
        let c = affiche::compose(
            &t,
            0,
            &record,
            &RenderOptions::default(),
            fonts(),
            &affiche::Caches::default(),
        )
        .unwrap();
        assert_eq!(c.texts[0].fallback_fonts, [family], "{name}");
        for (_, frame, ink) in affiche::text_ink(&t, &c, fonts()).unwrap() {
            assert!(
                ink.x >= frame.x - 0.5 && ink.x + ink.width <= frame.x + frame.width + 0.5,
                "{name}: {ink:?}"
            );
        }
        let poster =
            affiche::rasterize(&t, &c, &record, Some((300, 100)), fonts(), &affiche::Caches::default()).unwrap();
        common::golden(file, &poster.image);
    }
}

/// A template exactly as a new user draws it, with no `template.toml`: a 800×300 box and a
/// 160 px name, room for two lines at a smaller size. The defaults follow the drawing: every
/// name of the real stress list (58 candidates: the longest, particles, apostrophes, parentheses)
/// and the longest compound names wrap into the lines the box holds, inside it, with no manifest.
#[test]
fn with_no_manifest_real_long_names_wrap_into_the_lines_the_drawn_box_holds() {
    const DRAWN: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="500">
  <rect width="1000" height="500" fill="#fff"/>
  <rect id="name-box" x="100" y="100" width="800" height="300" fill="none"/>
  <text id="name" x="500" y="300" font-family="Anton" font-size="160" text-anchor="middle">NOM</text>
</svg>"##;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("poster.svg"), DRAWN).unwrap();
    let t = Template::load(dir.path(), fonts()).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stress-names.csv");
    let mut names: Vec<String> = csv::Reader::from_path(fixture)
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            format!("{} {}", &r[0], &r[1])
        })
        .collect();
    assert_eq!(names.len(), 58);
    names.extend(
        [
            "Jean-François GRILHAULT DES FONTAINES",
            "Alexandra TARRIEUX-ANTRANIKIAN",
            "Marie-Thérèse-Jeanne DE LA GUÉRONNIÈRE-MORTEMART D'AUBIGNÉ",
        ]
        .map(String::from),
    );
    let mut wrapped = 0;
    for name in &names {
        let c = compose(&t, name, Overflow::Error).unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = &c.texts[0];
        wrapped += usize::from(report.lines > 1);
        let (_, ink) = c.inks.iter().find(|(f, _)| f == "name").unwrap();
        assert!(
            ink.x >= 99.5 && ink.y >= 99.5 && ink.x + ink.width <= 900.5 && ink.y + ink.height <= 400.5,
            "{name}: ink {ink:?} leaves the 800×300 box at (100, 100)"
        );
        // Short names stay on one line at the drawn size.
        if name.chars().count() <= 10 {
            assert_eq!((report.lines, report.size), (1, 160.0), "{name}");
        }
    }
    assert!(
        wrapped >= 10,
        "only {wrapped} names wrapped: the long ones need the second line"
    );
    // A manifest that says one line still means one line.
    std::fs::write(dir.path().join("template.toml"), "[fields.name]\nmax_lines = 1\n").unwrap();
    let one = Template::load(dir.path(), fonts()).unwrap();
    let long = "Marie-Thérèse-Jeanne DE LA GUÉRONNIÈRE-MORTEMART D'AUBIGNÉ";
    assert!(matches!(
        compose(&one, long, Overflow::Error),
        Err(Error::TextOverflow { .. })
    ));
}
