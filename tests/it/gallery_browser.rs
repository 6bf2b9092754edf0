//! The review gallery in a real headless Chromium: a small batch is rendered
//! into a temp dir, then the `index.html` it wrote is opened from the file
//! system. Needs `chromium` on the PATH (`.ci/run` installs it and requires
//! it); skipped with a message on a machine without it (see `common::chromium`).

use std::process::Command;

use crate::common;
use common::{browse, chromium, root};

/// `(data-problem, hidden)` of every card in a DOM dump.
fn cards(dom: &str) -> Vec<(bool, bool)> {
    dom.split("<figure")
        .skip(1)
        .map(|c| {
            let tag = &c[..c.find('>').expect("tag ends")];
            (tag.contains("data-problem=\"1\""), tag.contains(" hidden"))
        })
        .collect()
}

#[test]
fn gallery_works_offline_in_a_real_browser() {
    let Some(chromium) = chromium() else { return };
    let t = tempfile::tempdir().unwrap();
    let (out, profile) = (t.path().join("out"), t.path().join("profile"));
    // A name that would run script if it were pasted as markup, a clean row, a failing row.
    let csv = "name,constituency,photo\n\
        \"<img src=x onerror=console.error('pwned')>\",Nord,collins.jpg\n\
        Anouk VAN DER BRUGGEN-LEFORT,Nord (12e circonscription),hopper-square-large.jpg\n\
        Léa ROY,Paris,missing.jpg\n";
    std::fs::write(t.path().join("people.csv"), csv).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_affiche"))
        .current_dir(root())
        .args(["render", "--template", "templates/hero", "--preset", "instagram-square"])
        .arg("--data")
        .arg(t.path().join("people.csv"))
        .arg("--photos")
        .arg(root().join("samples/photos"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    // Captured, so the deliberate failure does not read as a broken test in `cargo test`.
    let said = String::from_utf8_lossy(&run.stdout) + String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "row 3 fails: its photo is missing\n{said}");
    assert!(said.contains("row 3") && said.contains("missing.jpg"), "{said}");
    let page = out.join("index.html");
    let url = format!("file://{}", page.display());

    // The console check can see errors: a page that throws is caught.
    std::fs::write(t.path().join("bad.html"), "<script>nope()</script>").unwrap();
    let bad = format!("file://{}", t.path().join("bad.html").display());
    let (_, console) = browse(&chromium, &profile, &bad, &["--dump-dom"]);
    assert!(
        console.iter().any(|l| l.contains("nope")),
        "console lines not seen: {console:?}"
    );

    // Unfiltered: every card shown, the script ran to its end, nothing on the console.
    let (dom, console) = browse(&chromium, &profile, &url, &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not finish");
    let all = cards(&dom);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|&(_, hidden)| !hidden));
    assert_eq!(
        all.iter().filter(|c| c.0).count(),
        2,
        "the fallback-font row and the failed row"
    );
    assert!(!dom.contains("<img src=\"x\""), "the name stays text");

    // "Only problems", from the URL: the clean poster is hidden, the others shown.
    let (dom, console) = browse(&chromium, &profile, &format!("{url}#problems"), &["--dump-dom"]);
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(
        cards(&dom).iter().all(|&(problem, hidden)| problem != hidden),
        "{:?}",
        cards(&dom)
    );
    assert!(dom.contains("2 of 3 shown"));
    let (dom, _) = browse(&chromium, &profile, &format!("{url}#kind=error"), &["--dump-dom"]);
    assert_eq!(cards(&dom).iter().filter(|c| !c.1).count(), 1, "only the failed poster");
    let (dom, _) = browse(&chromium, &profile, &format!("{url}#q=anouk"), &["--dump-dom"]);
    let shown: Vec<usize> = cards(&dom).iter().enumerate().filter(|c| !c.1.1).map(|c| c.0).collect();
    assert_eq!(shown, [1], "search by name: only row 2");

    // A screenshot, with the posters drawn in it.
    let shot = t.path().join("shot.png");
    let (_, console) = browse(
        &chromium,
        &profile,
        &url,
        &["--window-size=1000,700", &format!("--screenshot={}", shot.display())],
    );
    assert!(console.is_empty(), "console messages: {console:?}");
    let img = image::open(&shot).expect("a screenshot").to_rgb8();
    assert_eq!(img.dimensions(), (1000, 700));
    // The hero posters are magenta and yellow; the page itself is grey and white.
    // At this width the grid has four columns of about 233 px: both rendered
    // posters (columns 1 and 2) must be drawn, the failed one (column 3) not.
    let magenta = |x0: u32, x1: u32| {
        (x0..x1)
            .flat_map(|x| (0..700).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let p = img.get_pixel(x, y);
                p[0] > 150 && p[1] < 80 && p[2] > 80
            })
            .count()
    };
    let columns = [magenta(16, 249), magenta(261, 494), magenta(506, 739)];
    assert!(
        columns[0] > 5000 && columns[1] > 5000 && columns[2] == 0,
        "magenta pixels per column: {columns:?}"
    );
}
