//! What reviewers get from a batch, through the binary in temp dirs: safe-zone
//! warnings for story presets in the report and the gallery, and the contact
//! sheet (`affiche sheet`).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `affiche ARGS` in the repository root; returns the exit code and both streams.
fn affiche(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_affiche"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the affiche binary runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A 9:16 template whose name box sits in the bottom 18% and whose face box
/// sits in the top 13%: both are covered by a story app's interface.
const UNSAFE_STORY: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="1920">
<rect width="1080" height="1920" fill="#223"/>
<image id="photo" x="140" y="0" width="800" height="900"/>
<rect id="photo-face" x="390" y="30" width="300" height="300" fill="none"/>
<rect id="name-box" x="40" y="1650" width="1000" height="160" fill="none"/>
<text id="name" font-family="Anton" font-size="120" fill="#fff">Name</text>
</svg>"##;

#[test]
fn text_or_face_in_a_story_apps_bands_is_a_warning_in_report_and_gallery() {
    let t = tempfile::tempdir().unwrap();
    let template = t.path().join("unsafe");
    std::fs::create_dir(&template).unwrap();
    std::fs::write(template.join("story.svg"), UNSAFE_STORY).unwrap();
    std::fs::write(t.path().join("people.csv"), "name,photo\nLéa ROY,hopper.jpg\n").unwrap();
    let out = t.path().join("out");
    let photos = root().join("samples/photos");
    let (code, text) = affiche(&[
        "render",
        "--template",
        s(&template),
        "--data",
        s(&t.path().join("people.csv")),
        "--photos",
        s(&photos),
        "--preset",
        "instagram-story",
        "--preset",
        "instagram-square",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, Some(0), "{text}");
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let warnings = |i: usize| -> Vec<String> {
        report["entries"][i]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .filter(|w| w.contains("safe zone"))
            .collect()
    };
    let story = warnings(0);
    assert_eq!(report["entries"][0]["preset"], "instagram-story");
    assert!(
        story
            .iter()
            .any(|w| w.starts_with("name: outside the safe zone") && w.contains("bottom 18%")),
        "{story:?}"
    );
    assert!(
        story
            .iter()
            .any(|w| w.starts_with("photo face: outside the safe zone") && w.contains("top 13%")),
        "{story:?}"
    );
    assert!(
        warnings(1).is_empty(),
        "a feed post has no covered bands: {:?}",
        warnings(1)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let kinds: Vec<&str> = page
        .split("data-kinds=\"")
        .skip(1)
        .map(|k| &k[..k.find('"').unwrap()])
        .collect();
    assert!(
        kinds[0].split(' ').any(|k| k == "safezone"),
        "the gallery tags it: {kinds:?}"
    );
    assert!(!kinds[1].contains("safezone"), "{kinds:?}");
    assert!(page.contains("outside the safe zone: "));
}

#[test]
fn the_sample_story_keeps_text_and_face_inside_the_safe_zone() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    // Hopper's face and the longest sample name, in the hero story layout.
    let csv = "name,constituency,photo\n\
        Marie-Éléonore DE LA TOUR D'AUVERGNE-LAURAGUAIS,Pyrénées-Atlantiques (5e circonscription),hopper.jpg\n";
    std::fs::write(t.path().join("people.csv"), csv).unwrap();
    let (code, text) = affiche(&[
        "render",
        "--template",
        "templates/hero",
        "--data",
        s(&t.path().join("people.csv")),
        "--photos",
        "samples/photos",
        "--preset",
        "instagram-story",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, Some(0), "{text}");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(!report.contains("safe zone"), "{report}");
}

/// The ink boxes checked against safe zones are the ink usvg really draws.
#[test]
fn text_ink_boxes_match_the_drawn_ink() {
    let fonts = affiche::Fonts::from_dir(root().join("fonts")).unwrap();
    let template = affiche::Template::load(root().join("templates/hero"), &fonts).unwrap();
    let record = affiche::Record::from_values(
        1,
        [
            ("name", "Marie-Éléonore DE LA TOUR D'AUVERGNE-LAURAGUAIS"),
            ("constituency", "Paris (1re circonscription)"),
        ],
    );
    for v in 0..template.variants.len() {
        let composed = affiche::compose(
            &template,
            v,
            &record,
            &Default::default(),
            &fonts,
            &affiche::Caches::default(),
        )
        .unwrap();
        let drawn = affiche::text_ink(&template, &composed, &fonts).unwrap();
        assert_eq!(composed.inks.len(), drawn.len());
        for ((field, ink), (drawn_field, _, d)) in composed.inks.iter().zip(&drawn) {
            assert_eq!(field, drawn_field);
            let off = [ink.x - d.x, ink.y - d.y, ink.width - d.width, ink.height - d.height];
            // Both include the stroke: the same box up to rounding.
            assert!(
                off.iter().all(|o| o.abs() < 0.5),
                "variant {v} {field}: computed {ink:?}, drawn {d:?}"
            );
        }
    }
}

#[test]
fn contact_sheet_of_a_rendered_batch() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let csv = "name,constituency,photo\n\
        Léa ROY,Paris,hopper.jpg\n\
        Mei-Lin ZHANG (张美琳),Nord,collins.jpg\n\
        Jean DUPONT,Gard,missing.jpg\n";
    std::fs::write(t.path().join("people.csv"), csv).unwrap();
    let data = t.path().join("people.csv");
    let render = [
        "render",
        "--template",
        "templates/hero",
        "--data",
        s(&data),
        "--photos",
        "samples/photos",
        "--preset",
        "instagram-square",
        "--out",
        s(&out),
    ];
    assert_eq!(affiche(&render).0, Some(1), "row 3's photo is missing");
    let (code, text) = affiche(&["sheet", s(&out), "--columns", "2", "--width", "200"]);
    assert_eq!(code, Some(0), "{text}");
    let sheet = image::open(out.join("sheet-instagram-square.png")).unwrap().to_rgba8();
    // 2 columns of 200 px, 2 lines of 200 px thumbnails with their labels, margins, title.
    assert_eq!(sheet.dimensions(), (16 + 2 * 216, 44 + 16 + 2 * (200 + 46 + 16)));
    let (code, text) = affiche(&["sheet", s(&out), "--preset", "x-post"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("no poster of preset \"x-post\""), "{text}");
    let paged = t.path().join("pages.png");
    let (code, text) = affiche(&["sheet", s(&out), "--per-page", "2", "--out", s(&paged)]);
    assert_eq!(code, Some(0), "{text}");
    assert!(t.path().join("pages-1.png").is_file() && t.path().join("pages-2.png").is_file());
}
