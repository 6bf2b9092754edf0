//! End-to-end tests of the `affiche` binary: each test runs the built CLI with
//! the repository root as working directory (for `templates/` and `fonts/`),
//! writes its data into a temporary folder and renders into `--out <tempdir>`,
//! so nothing is ever written into the repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::common;
use common::{Run, affiche, root};

fn s(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `text` to `dir/name` and returns the path.
fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test data");
    path
}

const HEADER: &str = "prenom,nom,circonscription,photo,slogan";

/// The header and the first `n` data rows of the sample data file.
fn sample_rows(n: usize) -> String {
    let text = std::fs::read_to_string(root().join("samples/candidates.csv")).expect("sample data");
    let lines: Vec<&str> = text.lines().take(n + 1).collect();
    assert_eq!(lines.len(), n + 1, "the sample has at least {n} rows");
    assert_eq!(lines[0], HEADER, "the sample header is what these tests expect");
    lines.join("\n") + "\n"
}

/// One good row, one with a missing photo file, one with an empty name.
fn bad_rows() -> String {
    let mut text = sample_rows(1);
    text.push_str("Jean,DUPONT,Paris (1re circonscription),missing-face.jpg,\n");
    text.push_str(",,Lyon (2e circonscription),hopper.jpg,\n");
    text
}

/// `affiche render samples/campaign.toml --data DATA --photos samples/photos --out OUT --preset P…` + extra flags.
fn render_sample(data: &Path, out: &Path, presets: &[&str], extra: &[&str]) -> Run {
    let mut args = vec![
        "render",
        "samples/campaign.toml",
        "--data",
        s(data),
        "--photos",
        "samples/photos",
        "--out",
        s(out),
    ];
    for p in presets {
        args.extend(["--preset", p]);
    }
    args.extend(extra);
    affiche(&args)
}

fn report(out: &Path) -> Value {
    let bytes = std::fs::read(out.join("report.json")).expect("report.json is written");
    serde_json::from_slice(&bytes).expect("report.json is JSON")
}

fn entries(report: &Value) -> &Vec<Value> {
    report["entries"].as_array().expect("report has an entries array")
}

/// Every file under `dir`, as `/`-separated paths relative to it (empty if `dir` does not exist).
fn files(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
        let Ok(read) = std::fs::read_dir(dir) else { return };
        for entry in read {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &format!("{name}/"), out);
            } else {
                out.insert(name);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, "", &mut out);
    out
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Decodes `path` as a PNG, checks its size and that it is not one flat colour.
fn poster(path: &Path, width: u32, height: u32) -> image::RgbaImage {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8();
    assert_eq!(img.dimensions(), (width, height), "{}", path.display());
    let colours: BTreeSet<[u8; 4]> = img.pixels().step_by(37).map(|p| p.0).collect();
    assert!(
        colours.len() > 100,
        "{} has only {} colours: not a rendered poster",
        path.display(),
        colours.len()
    );
    img
}

/// The entry's message, which must be there.
fn message(entry: &Value) -> &str {
    entry["message"]
        .as_str()
        .unwrap_or_else(|| panic!("entry has no message: {entry}"))
}

// 1. One preset, three sample rows.
#[test]
fn render_writes_one_png_per_row_and_a_report() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(3));
    let run = render_sample(&data, t.path(), &["instagram-square"], &[]).expect(0);

    let expected = [
        "helene-guerin-instagram-square.png",
        "jean-baptiste-du-plessis-varenne-instagram-square.png",
        "marie-eleonore-de-la-tour-d-auvergne-lauraguais-instagram-square.png",
    ];
    let r = report(t.path());
    assert_eq!(
        (r["rendered"].as_u64(), r["failed"].as_u64()),
        (Some(3), Some(0)),
        "{r}"
    );
    let list = entries(&r);
    assert_eq!(list.len(), 3, "{r}");
    for (i, e) in list.iter().enumerate() {
        for key in ["row", "preset", "status", "output", "message", "warnings"] {
            assert!(e.get(key).is_some(), "entry lacks {key:?}: {e}");
        }
        assert_eq!(e["row"], i + 1, "rows are 1-based: {e}");
        assert_eq!(e["preset"], "instagram-square");
        assert_eq!(e["status"], "ok", "{e}");
        assert_eq!(e["message"], Value::Null);
        assert!(e["warnings"].is_array(), "{e}");
        assert_eq!(e["output"], expected[i]);
        poster(&t.path().join(expected[i]), 1080, 1080);
    }

    // Exactly the posters, the report, the run's state and lock, and the input: no temporary file left over.
    let mut want = set(&expected);
    want.extend(set(&[
        "people.csv",
        "report.json",
        "report.csv",
        "index.html",
        ".affiche-state",
        ".affiche.lock",
    ]));
    assert_eq!(files(t.path()), want);

    let summary = run.stdout.lines().next().unwrap_or_default();
    assert!(
        summary.contains("3 poster(s) rendered"),
        "first line should summarise the count: {}",
        run.stdout
    );
}

// 2. Two presets: two entries per row, each at its preset's size.
#[test]
fn render_two_presets_gives_two_sizes_per_row() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(2));
    let out = t.path().join("out");
    render_sample(&data, &out, &["instagram-story", "x-post"], &[]).expect(0);

    let r = report(&out);
    let got: Vec<(u64, &str, &str, &str)> = entries(&r)
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["preset"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["output"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "instagram-story", "ok", "helene-guerin-instagram-story.png"),
            (1, "x-post", "ok", "helene-guerin-x-post.png"),
            (
                2,
                "instagram-story",
                "ok",
                "jean-baptiste-du-plessis-varenne-instagram-story.png"
            ),
            (2, "x-post", "ok", "jean-baptiste-du-plessis-varenne-x-post.png"),
        ]
    );
    for (_, preset, _, output) in got {
        let (w, h) = if preset == "x-post" { (1600, 900) } else { (1080, 1920) };
        poster(&out.join(output), w, h);
    }
    // Each preset uses the template variant of its own shape.
    assert_eq!(entries(&r)[0]["variant"], "story");
    assert_eq!(entries(&r)[1]["variant"], "landscape");
}

// 3. No campaign file: template, data, presets and fields from flags; photo and slogan bind by column name.
#[test]
fn render_from_flags_alone_binds_photo_and_slogan_by_name() {
    let t = tempdir();
    let text = format!(
        "{HEADER}\n\
         Hélène,GUÉRIN,Bouches-du-Rhône (4e circonscription),hopper.jpg,Ensemble\n\
         Hélène,GUÉRIN,Bouches-du-Rhône (4e circonscription),hopper.jpg,Toujours plus loin et plus fort\n\
         Hélène,GUÉRIN,Bouches-du-Rhône (4e circonscription),collins.jpg,Ensemble\n"
    );
    let data = write(t.path(), "people.csv", text);
    let out = t.path().join("t2");
    #[rustfmt::skip]
    let run = affiche(&[
        "render", "--template", "templates/hero", "--data", s(&data), "--photos", "samples/photos",
        "--preset", "x-post", "--out", s(&out),
        "--field", "name={prenom} {nom}", "--field", "constituency={circonscription}",
        "--name", "{row}-{slug}-{preset}.{ext}",
    ]);
    run.expect(0);

    let r = report(&out);
    let outputs: Vec<&str> = entries(&r).iter().map(|e| e["output"].as_str().unwrap()).collect();
    assert_eq!(
        outputs,
        [
            "1-helene-guerin-x-post.png",
            "2-helene-guerin-x-post.png",
            "3-helene-guerin-x-post.png"
        ]
    );
    assert!(entries(&r).iter().all(|e| e["status"] == "ok"), "{r}");
    let base = poster(&out.join(outputs[0]), 1600, 900);
    let slogan = poster(&out.join(outputs[1]), 1600, 900);
    let photo = poster(&out.join(outputs[2]), 1600, 900);
    assert!(
        base != slogan,
        "the slogan column is not drawn: rows 1 and 2 render the same"
    );
    assert!(
        base != photo,
        "the photo column is not used: rows 1 and 3 render the same"
    );
}

// 4. Row errors: the batch goes on, the report says which row and why, exit 1.
#[test]
fn bad_rows_are_reported_and_the_rest_renders() {
    let t = tempdir();
    let data = write(t.path(), "bad.csv", bad_rows());
    let out = t.path().join("out");
    let run = render_sample(&data, &out, &["x-post"], &[]).expect(1);

    let r = report(&out);
    assert_eq!(
        (r["rendered"].as_u64(), r["failed"].as_u64()),
        (Some(1), Some(2)),
        "{r}"
    );
    let list = entries(&r);
    assert_eq!(list.len(), 3, "{r}");

    assert_eq!(
        (&list[0]["row"], &list[0]["status"]),
        (&Value::from(1), &Value::from("ok"))
    );
    assert_eq!(list[0]["message"], Value::Null);
    poster(&out.join("helene-guerin-x-post.png"), 1600, 900);

    assert_eq!(
        (&list[1]["row"], &list[1]["status"]),
        (&Value::from(2), &Value::from("error"))
    );
    let m = message(&list[1]);
    assert!(m.contains("missing-face.jpg"), "message should name the photo: {m}");
    assert!(m.contains("\"photo\""), "message should name the column: {m}");

    assert_eq!(
        (&list[2]["row"], &list[2]["status"]),
        (&Value::from(3), &Value::from("error"))
    );
    let m = message(&list[2]);
    assert!(m.contains("\"name\""), "message should name the empty field: {m}");

    // Failed rows leave no file behind; the summary names the problem.
    assert_eq!(
        files(&out),
        set(&[
            "helene-guerin-x-post.png",
            "report.json",
            "report.csv",
            "index.html",
            ".affiche-state",
            ".affiche.lock"
        ])
    );
    assert!(run.stdout.contains("missing-face.jpg"), "{}", run.stdout);
}

// 5. Bad configuration: exit 2, a message on stderr, nothing written.
#[test]
fn unknown_preset_is_a_usage_error() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(2));
    let out = t.path().join("out");
    let run = render_sample(&data, &out, &["tiktok"], &[]).expect(2);
    assert!(run.stderr.contains("tiktok"), "{}", run.stderr);
    assert!(files(&out).is_empty());
}

#[test]
fn missing_template_folder_is_a_usage_error() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(2));
    let out = t.path().join("out");
    let missing = t.path().join("no-such-template");
    let run = render_sample(&data, &out, &["x-post"], &["--template", s(&missing)]).expect(2);
    assert!(run.stderr.contains("no-such-template"), "{}", run.stderr);
    assert!(files(&out).is_empty());
}

#[test]
fn unknown_campaign_key_is_a_usage_error() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(2));
    let out = t.path().join("out");
    let campaign = write(
        t.path(),
        "campaign.toml",
        format!(
            "template = {:?}\ndata = {:?}\nphotos = {:?}\npresets = [\"x-post\"]\ncolour = \"red\"\n\n[fields]\nname = \"{{prenom}} {{nom}}\"\nconstituency = \"{{circonscription}}\"\n",
            s(&root().join("templates/hero")),
            s(&data),
            s(&root().join("samples/photos")),
        ),
    );
    let run = affiche(&["render", s(&campaign), "--out", s(&out)]).expect(2);
    assert!(
        run.stderr.contains("colour"),
        "the message should name the key: {}",
        run.stderr
    );
    assert!(files(&out).is_empty());

    // The same file without the unknown key is fine: the key alone made it fail.
    let good = std::fs::read_to_string(&campaign)
        .unwrap()
        .replace("colour = \"red\"\n", "");
    write(t.path(), "campaign.toml", good);
    affiche(&["check", s(&campaign), "--out", s(&out), "--time-budget", "0"]).expect(0);
}

#[test]
fn data_missing_a_needed_column_is_a_usage_error() {
    let t = tempdir();
    // Drop `circonscription`, which the sample campaign maps to `constituency`.
    let text: String = sample_rows(2)
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            format!("{},{},{}\n", cells[0], cells[1], cells[3])
        })
        .collect();
    assert!(text.starts_with("prenom,nom,photo\n"));
    let data = write(t.path(), "people.csv", text);
    let out = t.path().join("out");
    let run = render_sample(&data, &out, &["x-post"], &[]).expect(2);
    assert!(run.stderr.contains("circonscription"), "{}", run.stderr);
    assert!(files(&out).is_empty());

    // Without a campaign nothing maps `constituency`: the message names the slot to add.
    #[rustfmt::skip]
    let run = affiche(&[
        "render", "--template", "templates/hero", "--data", s(&data), "--photos", "samples/photos",
        "--preset", "x-post", "--out", s(&out), "--field", "name={prenom} {nom}",
    ]);
    let run = run.expect(2);
    assert!(
        run.stderr.contains("column named \"constituency\""),
        "should say which column to add: {}",
        run.stderr
    );
    assert!(files(&out).is_empty());
}

// 6. check: lists every problem, writes nothing.
#[test]
fn check_passes_good_data_without_writing() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(2));
    let out = t.path().join("out");
    #[rustfmt::skip]
    let run = affiche(&[
        "check", "--time-budget", "0", "samples/campaign.toml", "--data", s(&data), "--photos", "samples/photos",
        "--out", s(&out), "--preset", "instagram-square", "--preset", "x-post",
    ]);
    run.expect(0);
    assert!(files(&out).is_empty(), "check wrote {:?}", files(&out));
}

#[test]
fn check_lists_every_bad_row_and_writes_nothing() {
    let t = tempdir();
    let data = write(t.path(), "bad.csv", bad_rows());
    let out = t.path().join("out");
    #[rustfmt::skip]
    let run = affiche(&[
        "check", "--time-budget", "0", "samples/campaign.toml", "--data", s(&data), "--photos", "samples/photos",
        "--out", s(&out), "--preset", "x-post",
    ]);
    let run = run.expect(1);
    let all = run.all();
    let photo = all.lines().find(|l| l.contains("missing-face.jpg"));
    assert!(
        photo.is_some_and(|l| l.contains("row 2")),
        "row 2's photo problem: {all}"
    );
    let name = all.lines().find(|l| l.contains("row 3"));
    assert!(
        name.is_some_and(|l| l.contains("\"name\"")),
        "row 3's empty name: {all}"
    );
    assert!(!all.contains("row 1"), "row 1 is fine: {all}");
    assert!(files(&out).is_empty(), "check wrote {:?}", files(&out));
}

// 7. Listing commands.
#[test]
fn presets_lists_all_nine_with_sizes() {
    let run = affiche(&["presets"]).expect(0);
    let sizes = [
        ("instagram-square", "1080×1080"),
        ("instagram-portrait", "1080×1350"),
        ("instagram-story", "1080×1920"),
        ("x-post", "1600×900"),
        ("facebook-link", "1200×630"),
        ("linkedin-post", "1200×627"),
        ("print-a4", "2480×3508"),
        ("print-a3", "3508×4961"),
        ("print-a1", "7016×9933"),
    ];
    for (name, size) in sizes {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}: {}", run.stdout));
        assert!(line.contains(size), "{name} should be {size}: {line}");
    }
    assert_eq!(run.stdout.lines().filter(|l| !l.trim().is_empty()).count(), 9);
}

#[test]
fn templates_lists_hero_first_on_its_line() {
    let run = affiche(&["templates", "templates"]).expect(0);
    let hero = run.stdout.lines().find(|l| l.starts_with("hero"));
    let hero = hero.unwrap_or_else(|| panic!("no line starting with hero: {}", run.stdout));
    assert!(hero.contains("1080×1920"), "the story variant's size is listed: {hero}");
    assert!(!run.stdout.contains("ERROR"), "{}", run.stdout);
}

#[test]
fn fields_lists_slots_with_kinds() {
    let run = affiche(&["fields", "templates/hero"]).expect(0);
    let kinds: Vec<(&str, &str)> = run
        .stdout
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    for want in [("name", "text"), ("constituency", "text"), ("photo", "photo")] {
        assert!(kinds.contains(&want), "missing {want:?}: {}", run.stdout);
    }
}

// 8. Data files as spreadsheets really export them.
#[test]
fn semicolon_csv_with_bom_and_crlf_renders() {
    let t = tempdir();
    let text = "\u{feff}prenom;nom;circonscription;photo;slogan\r\n\
                Zoé;MARTIN;Nord (3e circonscription);hopper.jpg;Ensemble, ici\r\n\
                Léo;PETIT;Var (1re circonscription);collins.jpg;\r\n";
    let data = write(t.path(), "excel.csv", text);
    let out = t.path().join("out");
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
    let r = report(&out);
    assert_eq!(
        r["notes"],
        serde_json::json!([]),
        "no value needed cleaning (no stray \\r): {r}"
    );
    let outputs: Vec<&str> = entries(&r).iter().map(|e| e["output"].as_str().unwrap()).collect();
    assert_eq!(outputs, ["zoe-martin-x-post.png", "leo-petit-x-post.png"]);
    for o in outputs {
        poster(&out.join(o), 1600, 900);
    }
}

#[test]
fn json_array_renders() {
    let t = tempdir();
    let text = r#"[
  {"nom": "MARTIN", "prenom": "Zoé", "circonscription": "Nord (3e circonscription)", "photo": "hopper.jpg", "slogan": "Ensemble"},
  {"nom": "PETIT", "prenom": "Léo", "circonscription": "Var (1re circonscription)", "photo": "collins.jpg", "slogan": ""}
]"#;
    let data = write(t.path(), "people.json", text);
    let out = t.path().join("out");
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
    let r = report(&out);
    let outputs: Vec<&str> = entries(&r).iter().map(|e| e["output"].as_str().unwrap()).collect();
    assert_eq!(outputs, ["zoe-martin-x-post.png", "leo-petit-x-post.png"]);
    for o in outputs {
        poster(&out.join(o), 1600, 900);
    }
}

// 9. Values are text, never markup.
#[test]
fn markup_in_values_cannot_break_the_svg() {
    let t = tempdir();
    let text = format!(
        "{HEADER}\n\
         \"Zoé <b>&amp;\",\"\"\"O'Brien\"\" ]]>\",<script>x</script> & co,hopper.jpg,\"</text><svg onload=\"\"x\"\">&lt;{{{{accent}}}}\"\n"
    );
    let data = write(t.path(), "esc.csv", text);
    let out = t.path().join("out");
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
    let r = report(&out);
    let e = &entries(&r)[0];
    assert_eq!(e["status"], "ok", "{e}");
    assert_eq!(e["output"], "zoe-b-amp-o-brien-x-post.png");
    let name = e["texts"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["field"] == "name"));
    assert!(
        name.is_some_and(|n| n["lines"].as_u64() >= Some(1)),
        "the name is set as text: {e}"
    );
    poster(&out.join("zoe-b-amp-o-brien-x-post.png"), 1600, 900);
}

// 10. Nothing reads or writes outside the folders it was given.
#[test]
fn photos_and_names_cannot_leave_their_folders() {
    let t = tempdir();
    let hopper = root().join("samples/photos/hopper.jpg");
    let text = format!(
        "{}Jean,DUPONT,Paris (1re circonscription),../../Cargo.toml,\nAna,LIMA,Lyon (2e circonscription),{},\n",
        sample_rows(1),
        s(&hopper)
    );
    let data = write(t.path(), "people.csv", text);
    let out = t.path().join("nest/out");
    render_sample(&data, &out, &["x-post"], &[]).expect(1);
    let r = report(&out);
    let list = entries(&r);
    assert_eq!(list[0]["status"], "ok", "{r}");
    for (i, e) in list.iter().enumerate().skip(1) {
        assert_eq!(e["status"], "error", "row {} should be refused: {e}", i + 1);
        assert!(message(e).contains("photo"), "{e}");
    }

    // A name pattern that climbs out, or is absolute, is refused before anything is rendered.
    let out2 = t.path().join("nest/out2");
    let abs = format!("{}/{{slug}}.{{ext}}", s(&t.path().join("abs")));
    for pattern in ["../{slug}.{ext}", abs.as_str()] {
        let run = render_sample(&data, &out2, &["x-post"], &["--name", pattern]).expect(2);
        assert!(run.stderr.contains("name"), "{}", run.stderr);
    }

    let want = set(&[
        "people.csv",
        "nest/out/helene-guerin-x-post.png",
        "nest/out/report.json",
        "nest/out/report.csv",
        "nest/out/index.html",
        "nest/out/.affiche-state",
        "nest/out/.affiche.lock",
    ]);
    assert_eq!(files(t.path()), want);
}

// 11. Two rows with the same name do not overwrite each other.
#[test]
fn colliding_names_are_numbered_and_noted() {
    let t = tempdir();
    let mut text = sample_rows(1);
    let row = text.lines().nth(1).unwrap().to_string();
    text.push_str(&row);
    text.push('\n');
    let data = write(t.path(), "people.csv", text);
    let out = t.path().join("out");
    let run = render_sample(&data, &out, &["x-post"], &[]).expect(0);

    let r = report(&out);
    let outputs: Vec<&str> = entries(&r).iter().map(|e| e["output"].as_str().unwrap()).collect();
    assert_eq!(outputs, ["helene-guerin-x-post.png", "helene-guerin-x-post-2.png"]);
    for o in &outputs {
        poster(&out.join(o), 1600, 900);
    }
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("collision") && n.contains("helene-guerin-x-post-2.png")),
        "{notes:?}"
    );
    assert!(
        run.stdout.contains("collision"),
        "the note is shown too: {}",
        run.stdout
    );
}

// Regressions: bugs these end-to-end tests found once.

#[test]
fn io_error_cause_is_printed_once() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(1));
    let missing = t.path().join("no-such-template");
    let run = render_sample(&data, &t.path().join("out"), &["x-post"], &["--template", s(&missing)]).expect(2);
    // A missing file's cause is replaced by what to check: still said once.
    assert_eq!(run.stderr.matches("not found").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("--template"), "{}", run.stderr);
}

#[test]
fn check_refuses_the_name_patterns_render_refuses() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(1));
    let out = t.path().join("out");
    for pattern in ["../{slug}.{ext}", "{nope}.{ext}"] {
        #[rustfmt::skip]
        let run = affiche(&[
            "check", "--time-budget", "0", "samples/campaign.toml", "--data", s(&data), "--photos", "samples/photos",
            "--out", s(&out), "--preset", "x-post", "--name", pattern,
        ]);
        assert_ne!(run.code, Some(0), "check accepts {pattern:?}:\n{}", run.all());
    }
}

#[cfg(unix)]
#[test]
fn outputs_have_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(1));
    let out = t.path().join("out");
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let normal = mode(&write(t.path(), "probe", ""));
    for name in ["helene-guerin-x-post.png", "report.json"] {
        let got = mode(&out.join(name));
        assert_eq!(
            got, normal,
            "{name} is {got:o}, a file created normally here is {normal:o}"
        );
    }
}

// --- incremental runs, resume and determinism -------------------------------------

/// Bytes of every PNG in `dir`, by name.
fn pngs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|n| n.ends_with(".png"))
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

#[test]
fn a_rerun_renders_only_what_changed() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(3));
    let out = t.path().join("out");
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
    let first = pngs(&out);
    let run = render_sample(&data, &out, &["x-post"], &[]).expect(0);
    assert_eq!(report(&out)["skipped"], 3, "{}", run.stdout);
    assert!(run.stdout.contains("unchanged"), "{}", run.stdout);

    // Change row 2's slogan and delete row 3's poster: exactly those two are rendered.
    let changed = sample_rows(3).replacen(
        "Paris (1re circonscription),photographer-gray.png,",
        "Paris (1re circonscription),photographer-gray.png,Nouveau slogan",
        1,
    );
    assert_ne!(changed, sample_rows(3), "the test edits row 2");
    write(t.path(), "people.csv", &changed);
    std::fs::remove_file(out.join("marie-eleonore-de-la-tour-d-auvergne-lauraguais-x-post.png")).unwrap();
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
    let r = report(&out);
    let skipped: Vec<bool> = entries(&r).iter().map(|e| e["skipped"].as_bool().unwrap()).collect();
    assert_eq!(skipped, [true, false, false]);
    let second = pngs(&out);
    assert_eq!(first["helene-guerin-x-post.png"], second["helene-guerin-x-post.png"]);
    assert_ne!(
        first["jean-baptiste-du-plessis-varenne-x-post.png"],
        second["jean-baptiste-du-plessis-varenne-x-post.png"]
    );

    render_sample(&data, &out, &["x-post"], &["--force"]).expect(0);
    assert_eq!(report(&out)["skipped"], 0, "--force renders everything");
}

#[test]
fn a_row_decodes_its_photo_once_whatever_the_number_of_presets() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(3));
    let out = t.path().join("out");
    let presets = ["x-post", "instagram-story", "facebook-link"];
    render_sample(&data, &out, &presets, &[]).expect(0);
    let decodes = |r: &Value| -> Vec<u64> { entries(r).iter().map(|e| e["decodes"].as_u64().unwrap()).collect() };
    // One photo per row, small enough that no face needs a second, full-size decode: the
    // row's first poster decodes it and the other two reuse it.
    assert_eq!(decodes(&report(&out)), [1, 0, 0, 1, 0, 0, 1, 0, 0]);
    // Unchanged on a rerun: nothing is decoded.
    render_sample(&data, &out, &presets, &[]).expect(0);
    assert_eq!(decodes(&report(&out)), [0; 9]);
}

#[test]
fn output_is_the_same_bytes_whatever_the_jobs_and_row_order() {
    let t = tempdir();
    let rows = sample_rows(4);
    let data = write(t.path(), "people.csv", &rows);
    let (one, two) = (t.path().join("one"), t.path().join("two"));
    render_sample(&data, &one, &["x-post"], &["--jobs", "1"]).expect(0);
    let mut lines: Vec<&str> = rows.lines().collect();
    lines[1..].reverse();
    let reversed = write(t.path(), "reversed.csv", lines.join("\n") + "\n");
    render_sample(&reversed, &two, &["x-post"], &["--jobs", "2"]).expect(0);
    let (a, b) = (pngs(&one), pngs(&two));
    assert_eq!(a.len(), 4);
    assert_eq!(a, b, "same names, same bytes");
}

#[cfg(unix)]
#[test]
fn a_run_killed_mid_batch_resumes_to_the_same_bytes() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(12));
    let (clean, killed) = (t.path().join("clean"), t.path().join("killed"));
    render_sample(&data, &clean, &["instagram-square", "x-post"], &[]).expect(0);

    #[rustfmt::skip]
    let mut child = Command::new(env!("CARGO_BIN_EXE_affiche"))
        .args(["render", "samples/campaign.toml", "--data", s(&data), "--photos", "samples/photos",
               "--out", s(&killed), "--preset", "instagram-square", "--preset", "x-post"])
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill as soon as a few posters exist: mid-batch, with writes in flight.
    let start = std::time::Instant::now();
    while pngs(&killed).len() < 3 && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = pngs(&killed).len();
    assert!(partial < 24, "killed before the end ({partial} posters)");
    for (name, bytes) in pngs(&killed) {
        assert_eq!(
            bytes,
            pngs(&clean)[&name],
            "{name}: a poster under its final name is complete"
        );
    }

    let run = render_sample(&data, &killed, &["instagram-square", "x-post"], &[]).expect(0);
    assert!(
        report(&killed)["skipped"].as_u64().unwrap() >= partial as u64 - 2,
        "{}",
        run.stdout
    );
    assert_eq!(
        pngs(&killed),
        pngs(&clean),
        "resumed output is byte-identical to a clean run"
    );
    let leftovers: Vec<String> = files(&killed).into_iter().filter(|n| n.contains(".tmp")).collect();
    assert!(
        leftovers.is_empty() || leftovers.iter().all(|n| n.starts_with(".affiche-")),
        "{leftovers:?}"
    );
}

#[test]
fn a_second_run_on_the_same_folder_is_refused_while_the_first_holds_it() {
    let t = tempdir();
    let out = t.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(".affiche.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let data = write(t.path(), "people.csv", sample_rows(1));
    let run = render_sample(&data, &out, &["x-post"], &[]).expect(2);
    assert!(run.stderr.contains("another affiche run"), "{}", run.stderr);
    drop(lock);
    render_sample(&data, &out, &["x-post"], &[]).expect(0);
}

#[test]
fn check_flags_a_template_too_slow_to_render() {
    let t = tempdir();
    let blurs: String = (0..150)
        .map(|i| {
            format!(
                "<rect x=\"{}\" y=\"0\" width=\"1080\" height=\"1080\" fill=\"#f0f\" filter=\"url(#b)\"/>",
                i % 7
            )
        })
        .collect();
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1080\" height=\"1080\">\
         <filter id=\"b\"><feGaussianBlur stdDeviation=\"40\"/></filter>{blurs}\
         <rect id=\"name-box\" x=\"40\" y=\"40\" width=\"1000\" height=\"200\"/>\
         <text id=\"name\" font-family=\"Anton\" font-size=\"100\">x</text></svg>"
    );
    let template = write(t.path(), "slow.svg", svg);
    let data = write(t.path(), "people.csv", "name\nLéa ROY\n");
    // 150 full-canvas blurs: estimated ~40 s a poster here (1,500 measured 398 s), far over a 1 s budget.
    #[rustfmt::skip]
    let run = affiche(&["check", "--template", s(&template), "--data", s(&data), "--out", s(&t.path().join("out")),
                        "--time-budget", "1"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout.contains("would take about") && run.stdout.contains("slow.svg"),
        "{}",
        run.all()
    );
}

#[test]
fn jpeg_and_webp_outputs_decode_at_the_preset_size() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(1));
    for (format, ext, magic) in [("jpg", "jpg", &b"\xFF\xD8\xFF"[..]), ("webp", "webp", b"RIFF")] {
        let out = t.path().join(format);
        render_sample(
            &data,
            &out,
            &["facebook-link"],
            &["--format", format, "--quality", "80"],
        )
        .expect(0);
        let path = out.join(format!("helene-guerin-facebook-link.{ext}"));
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            bytes.starts_with(magic),
            "{} has the {format} signature",
            path.display()
        );
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (1200, 630), "{format}");
    }
}

#[test]
fn shards_together_render_every_row_exactly_once_and_merge() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(8));
    let mut reports = Vec::new();
    let mut rows: Vec<u64> = Vec::new();
    for i in 1..=3 {
        let out = t.path().join(format!("shard-{i}"));
        let shard = format!("{i}/3");
        let run = render_sample(&data, &out, &["x-post"], &["--shard", &shard]);
        assert!(run.code == Some(0), "{}", run.all());
        rows.extend(entries(&report(&out)).iter().map(|e| e["row"].as_u64().unwrap()));
        // The same rows land in the same shard on every run.
        let again = render_sample(
            &data,
            &t.path().join(format!("again-{i}")),
            &["x-post"],
            &["--shard", &shard],
        );
        assert!(again.code == Some(0));
        let first_report = report(&out);
        let first: Vec<&Value> = entries(&first_report).iter().map(|e| &e["output"]).collect();
        let second = report(&t.path().join(format!("again-{i}")));
        assert_eq!(first, entries(&second).iter().map(|e| &e["output"]).collect::<Vec<_>>());
        reports.push(out.join("report.json"));
    }
    rows.sort();
    assert_eq!(rows, (1..=8).collect::<Vec<u64>>(), "every row once across the shards");

    let merged = t.path().join("merged.json");
    let mut args = vec!["report", "merge"];
    args.extend(reports.iter().map(|p| s(p)));
    args.extend(["--out", s(&merged)]);
    affiche(&args).expect(0);
    let m: Value = serde_json::from_slice(&std::fs::read(&merged).unwrap()).unwrap();
    let merged_rows: Vec<u64> = entries(&m).iter().map(|e| e["row"].as_u64().unwrap()).collect();
    assert_eq!(merged_rows, (1..=8).collect::<Vec<u64>>());
    assert_eq!(m["rendered"], 8);
    assert!(t.path().join("merged.csv").is_file());
    let gallery = std::fs::read_to_string(t.path().join("index.html")).unwrap();
    assert_eq!(
        gallery.matches("<figure").count(),
        8,
        "the merged gallery shows every shard's posters"
    );

    render_sample(&data, &t.path().join("bad"), &["x-post"], &["--shard", "4/3"]).expect(2);
}

/// Runs `affiche ARGS` in the repository root under `sh`, after `prelude` (to set limits).
#[cfg(unix)]
fn affiche_after(prelude: &str, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{prelude}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_affiche"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("sh runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn is_root() -> bool {
    let id = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

#[cfg(unix)]
#[test]
fn a_full_disk_stops_the_batch_with_exit_2_and_leaves_nothing_partial() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(3));
    let out = t.path().join("out");
    // A 64-block file size limit with SIGXFSZ ignored: writing a poster fails
    // with EFBIG part-way through, as it would with ENOSPC on a full disk.
    let args = [
        "render",
        "samples/campaign.toml",
        "--data",
        s(&data),
        "--photos",
        "samples/photos",
        "--out",
        s(&out),
        "--preset",
        "instagram-square",
        "--jobs",
        "1",
    ];
    let run = affiche_after("trap '' XFSZ; ulimit -f 64", &args).expect(2);
    let head = format!("error: output folder {}: cannot write ", out.display());
    assert!(run.stderr.starts_with(&head), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("-instagram-square.png: File too large (os error 27)\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("the batch stopped there"), "{}", run.stderr);
    assert_eq!(
        files(&out),
        set(&[".affiche-state", ".affiche.lock"]),
        "no poster, no temporary file, no report"
    );
    // With room again, the same command renders every poster.
    affiche(&args).expect(0);
    assert_eq!(pngs(&out).len(), 3);
}

#[cfg(unix)]
#[test]
fn a_read_only_output_folder_stops_the_batch_with_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let t = tempdir();
    // CI runs tests as root, for whom permission bits are not enforced: the
    // binary then runs as `nobody` (setpriv), to whom they are.
    let root_user = is_root();
    let run_as_user = |args: &[&str]| {
        if !root_user {
            return affiche(args);
        }
        mode(t.path(), 0o755);
        let prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];
        let cmd = format!("exec {} \"$0\" \"$@\"", prefix.join(" "));
        affiche_after(&cmd, args)
    };
    let data = write(t.path(), "people.csv", sample_rows(2));
    let render = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "render",
            "samples/campaign.toml",
            "--data",
            s(&data),
            "--photos",
            "samples/photos",
            "--out",
            s(out),
            "--preset",
            "instagram-square",
            "--jobs",
            "1",
        ];
        args.extend(extra);
        run_as_user(&args)
    };

    let ro = t.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    mode(&ro, 0o555);
    let run = render(&ro, &[]).expect(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: output folder {}: cannot write .affiche.lock: Permission denied (os error 13)\n",
            ro.display()
        )),
        "{}",
        run.stderr
    );
    assert!(files(&ro).is_empty());

    // A read-only subfolder the name pattern writes into: the run starts, and
    // stops at its first poster.
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    if root_user {
        std::os::unix::fs::chown(&out, Some(65534), Some(65534)).unwrap();
    }
    std::fs::create_dir(out.join("instagram-square")).unwrap();
    mode(&out.join("instagram-square"), 0o555);
    let run = render(&out, &["--name", "{preset}/{slug}.{ext}"]).expect(2);
    let head = format!(
        "error: output folder {}: cannot write ",
        out.join("instagram-square").display()
    );
    assert!(run.stderr.starts_with(&head), "{}", run.stderr);
    assert!(
        run.stderr.contains(".png: Permission denied (os error 13)\n"),
        "{}",
        run.stderr
    );
    assert_eq!(files(&out), set(&[".affiche-state", ".affiche.lock"]));
}

#[test]
fn the_sample_renders_the_same_from_any_working_directory() {
    let t = tempdir();
    let data = write(t.path(), "people.csv", sample_rows(1));
    let (here, there) = (t.path().join("here"), t.path().join("there"));
    render_sample(&data, &here, &["x-post"], &[]).expect(0);
    // Elsewhere, the campaign's relative paths (template, photos, fonts) still resolve against it.
    let campaign = root().join("samples/campaign.toml");
    #[rustfmt::skip]
    let run = Command::new(env!("CARGO_BIN_EXE_affiche"))
        .args(["render", s(&campaign), "--data", s(&data), "--out", s(&there), "--preset", "x-post"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let (a, b) = (pngs(&here), pngs(&there));
    assert_eq!(a.len(), 1);
    assert_eq!(a, b, "the same poster, byte for byte");
}
