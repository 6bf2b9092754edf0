//! Paths as people type them (issue 27): each path a user gives, by flag or campaign file, in
//! every form people type it — a bare name, `./`, `../`, absolute, with spaces and accents in
//! the folder names, a trailing slash on folders — for `render`, `check` and `preview`, each
//! asserting the posters drawn, not only the exit code.

use std::path::{Path, PathBuf};

use crate::common::{affiche_in, root};

/// A volunteer's campaign folder, `Législatives 2027/`, inside a temporary folder: the data
/// file with its two candidates' photos beside it, the photos again in `photos/`, the template
/// and the fonts, an empty `sub/` to type `../` from, and a campaign file naming them.
struct Folder {
    _tmp: tempfile::TempDir,
    /// The temporary folder holding the campaign folder.
    top: PathBuf,
    /// `Législatives 2027/`.
    home: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, dest).unwrap();
        }
    }
}

fn folder() -> Folder {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().to_path_buf();
    let home = top.join("Législatives 2027");
    std::fs::create_dir_all(home.join("sub")).unwrap();
    std::fs::write(
        home.join("d.csv"),
        "name,constituency,photo\nLéa ROY,Paris (1re circonscription),hopper.jpg\nZoé KERMARREC,Finistère (2e circonscription),collins.jpg\n",
    )
    .unwrap();
    for photo in ["hopper.jpg", "collins.jpg"] {
        let from = root().join("samples/photos").join(photo);
        std::fs::copy(&from, home.join(photo)).unwrap();
        std::fs::create_dir_all(home.join("photos")).unwrap();
        std::fs::copy(&from, home.join("photos").join(photo)).unwrap();
    }
    copy_dir(&root().join("templates/hero"), &home.join("tpl"));
    // Only the faces the hero template names: Bangers and Roboto Condensed.
    for face in ["bangers", "roboto-condensed"] {
        copy_dir(&root().join("fonts").join(face), &home.join("fonts").join(face));
    }
    std::fs::write(
        home.join("campaign.toml"),
        "template = \"tpl\"\ndata = \"d.csv\"\nout = \"out\"\npresets = [\"instagram-square\"]\nfonts = [\"fonts\"]\n",
    )
    .unwrap();
    Folder { _tmp: tmp, top, home }
}

/// The forms of one path: (folder to run from, the path as typed there). `rel` is the path
/// inside the campaign folder; folders also get a trailing slash.
fn forms(f: &Folder, rel: &str, is_folder: bool) -> Vec<(PathBuf, String)> {
    let mut v = vec![
        (f.home.clone(), rel.to_string()),
        (f.home.clone(), format!("./{rel}")),
        (f.home.join("sub"), format!("../{rel}")),
        (f.home.join("sub"), f.home.join(rel).display().to_string()),
        (f.top.clone(), format!("Législatives 2027/{rel}")),
    ];
    if is_folder {
        v.push((f.home.clone(), format!("{rel}/")));
        v.push((f.top.clone(), format!("./Législatives 2027/{rel}/")));
    }
    v
}

/// Runs `command` with every input given by flag; `flag` is given as `typed`, run from `cwd`,
/// the others absolute. Returns the output folder it wrote to.
fn run(f: &Folder, command: &str, flag: &str, cwd: &Path, typed: &str) -> PathBuf {
    let abs = |rel: &str| f.home.join(rel).display().to_string();
    let mut given: Vec<(&str, String)> = vec![
        ("--template", abs("tpl")),
        ("--fonts", abs("fonts")),
        ("--data", abs("d.csv")),
        ("--out", abs("out")),
    ];
    match given.iter_mut().find(|(k, _)| *k == flag) {
        Some(entry) => entry.1 = typed.to_string(),
        None => given.push((flag, typed.to_string())),
    }
    let out = match given.iter().find(|(k, _)| *k == "--out") {
        Some((_, o)) => cwd.join(o),
        None => unreachable!(),
    };
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec![command, "--preset", "instagram-square"];
    if command == "check" {
        // No render-time estimate: under a loaded test run it is not what this checks.
        args.extend(["--time-budget", "0"]);
    }
    for (k, v) in &given {
        args.extend([*k, v.as_str()]);
    }
    let what = format!("{command} {flag} {typed:?} from {}", cwd.display());
    let run = affiche_in(cwd, &args);
    assert_eq!(run.code, Some(0), "{what}\n{}\n{}", run.stdout, run.stderr);
    out
}

/// The posters a run drew: PNG files of the preset's size.
fn posters(out: &Path) -> usize {
    std::fs::read_dir(out)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "png"))
                .filter(|p| image::image_dimensions(p).is_ok_and(|d| d == (1080, 1080)))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn every_flag_takes_every_form_of_path_for_render_check_and_preview() {
    let f = folder();
    let cases = [
        ("--data", "d.csv", false),
        ("--photos", "photos", true),
        ("--template", "tpl", true),
        ("--fonts", "fonts", true),
        ("--out", "out", true),
    ];
    for (flag, rel, is_folder) in cases {
        for (cwd, typed) in forms(&f, rel, is_folder) {
            let what = format!("{flag} {typed:?} from {}", cwd.display());
            let out = run(&f, "render", flag, &cwd, &typed);
            assert_eq!(posters(&out), 2, "render {what}: both posters drawn");
            run(&f, "check", flag, &cwd, &typed);
            let out = run(&f, "preview", flag, &cwd, &typed);
            assert_eq!(posters(&out), 1, "preview {what}: preview.png drawn");
        }
    }
}

/// The issue's command, typed in the campaign folder: `--data` by bare name, no `--photos`, into `o/`.
fn render_typed(f: &Folder, data: &str) -> crate::common::Run {
    let args = [
        "--template",
        "tpl",
        "--fonts",
        "fonts",
        "--data",
        data,
        "--preset",
        "instagram-square",
    ];
    affiche_in(&f.home, &[&["render"][..], &args, &["--out", "o"]].concat())
}

/// The issue's own command: a bare data file name and no --photos; the photos are beside it.
#[test]
fn a_bare_data_file_name_finds_the_photos_beside_it() {
    let f = folder();
    let run = render_typed(&f, "d.csv");
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(posters(&f.home.join("o")), 2);
}

#[test]
fn a_campaign_file_takes_every_form_of_path() {
    let f = folder();
    for (cwd, typed) in forms(&f, "campaign.toml", false) {
        for command in ["render", "check", "preview"] {
            let out = f.home.join("out");
            let _ = std::fs::remove_dir_all(&out);
            let mut args = vec![command, typed.as_str()];
            if command == "check" {
                args.extend(["--time-budget", "0"]);
            }
            let run = affiche_in(&cwd, &args);
            let what = format!("{command} {typed:?} from {}", cwd.display());
            assert_eq!(run.code, Some(0), "{what}\n{}\n{}", run.stdout, run.stderr);
            let drawn = posters(&out);
            match command {
                "render" => assert_eq!(drawn, 2, "{what}"),
                "preview" => assert_eq!(drawn, 1, "{what}"),
                _ => assert_eq!(drawn, 0, "{what}: check draws nothing"),
            }
        }
    }
}

/// A photo missing from the photo folder: the message names the folder searched (never blank)
/// and what sets it, and the other row still renders.
#[test]
fn a_missing_photo_names_the_folder_searched_and_what_sets_it() {
    let f = folder();
    std::fs::remove_file(f.home.join("collins.jpg")).unwrap();
    let run = render_typed(&f, "d.csv");
    assert_eq!(run.code, Some(1), "one row failed\n{}\n{}", run.stdout, run.stderr);
    assert_eq!(posters(&f.home.join("o")), 1, "the other row rendered");
    let report = std::fs::read_to_string(f.home.join("o/report.json")).unwrap();
    let searched = f.home.canonicalize().unwrap();
    let message = format!("not found in the photo folder {}", searched.display());
    assert!(report.contains(&message), "{message} in {report}");
    assert!(
        report.contains("--photos, or `photos` in the campaign file"),
        "{report}"
    );
    assert!(!report.contains("folder  "), "no blank path: {report}");
}

/// A header typed `Name ` (a capital; the trailing space is trimmed on reading) is not the
/// column `name`, but the error says which column was meant; a photo given as a web address is refused, since
/// affiche reads nothing from the network, and the other row still renders.
#[test]
fn a_near_miss_header_and_a_photo_url_say_what_to_change() {
    let f = folder();
    std::fs::write(
        f.home.join("h.csv"),
        "Name ,constituency,photo\nLéa ROY,Paris,hopper.jpg\n",
    )
    .unwrap();
    let run = render_typed(&f, "h.csv");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(r#"the file has a column "Name": case, accents and spaces count, rename it "name""#),
        "{}",
        run.stderr
    );
    std::fs::write(
        f.home.join("u.csv"),
        "name,constituency,photo\nLéa ROY,Paris,https://example.org/lea.jpg\nZoé KERMARREC,Brest,collins.jpg\n",
    )
    .unwrap();
    let run = render_typed(&f, "u.csv");
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("a web address: affiche reads nothing from the network")
            || run
                .stderr
                .contains("a web address: affiche reads nothing from the network"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(posters(&f.home.join("o")), 1, "the other row rendered");
}
