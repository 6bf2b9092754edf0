//! `affiche preview`: one poster like the batch renders it; `--watch` renders
//! again when the template is saved; `--serve` serves the latest render on
//! 127.0.0.1 with a version the page polls. Each test works on its own copy
//! of the sample campaign in a temp dir.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use common::root;

/// A copy of `samples/`, `templates/hero` and `fonts/` that a test may edit.
fn campaign_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("samples", "samples"),
        ("templates/hero", "templates/hero"),
        ("fonts", "fonts"),
    ] {
        copy_dir(&root().join(from), &dir.path().join(to));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn affiche(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_affiche"));
    c.current_dir(dir);
    c
}

/// Kills the child when the test ends, pass or fail.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (up to a generous limit: debug builds, loaded CI) until `f` holds.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn edit_accent(dir: &Path) {
    // The story variant's yellow accents become cyan, as a designer's save would.
    let svg = dir.join("templates/hero/story.svg");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("#FFD400"));
    std::fs::write(&svg, text.replace("#FFD400", "#00C0FF")).unwrap();
}

fn count_colour(png: &Path, rgb: [u8; 3]) -> usize {
    let img = image::open(png).unwrap().into_rgb8();
    img.pixels().filter(|p| p.0 == rgb).count()
}

#[test]
fn preview_writes_the_poster_the_batch_renders() {
    let dir = campaign_copy();
    let d = dir.path();
    let out = affiche(d)
        .args([
            "preview",
            "samples/campaign.toml",
            "--row",
            "3",
            "--preset",
            "instagram-story",
        ])
        .args(["--output", "p/row3.png"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("row 3, story 1080×1920"));
    // The batch on the first three rows only (debug builds are slow).
    let csv = std::fs::read_to_string(d.join("samples/candidates.csv")).unwrap();
    let head: Vec<&str> = csv.lines().take(4).collect();
    std::fs::write(d.join("samples/three.csv"), head.join("\n") + "\n").unwrap();
    let status = affiche(d)
        .args([
            "render",
            "--data",
            "samples/three.csv",
            "samples/campaign.toml",
            "--preset",
            "instagram-story",
            "--out",
            "batch",
        ])
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("batch/report.json")).unwrap()).unwrap();
    let row3 = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["row"] == 3)
        .unwrap();
    let batch = std::fs::read(d.join("batch").join(row3["output"].as_str().unwrap())).unwrap();
    assert!(
        std::fs::read(d.join("p/row3.png")).unwrap() == batch,
        "preview and batch differ"
    );
    // A row that does not exist is a clear error, exit 2.
    let out = affiche(d)
        .args(["preview", "samples/campaign.toml", "--row", "99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such row"));
}

#[test]
fn watch_renders_again_when_the_template_is_saved() {
    let dir = campaign_copy();
    let d = dir.path();
    let png = d.join("p.png");
    let child = affiche(d)
        .args([
            "preview",
            "samples/campaign.toml",
            "--row",
            "1",
            "--preset",
            "instagram-story",
            "--watch",
        ])
        .args(["--output", "p.png"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _child = Killed(child);
    eventually("the first render", || png.exists());
    const CYAN: [u8; 3] = [0, 0xC0, 0xFF];
    assert_eq!(count_colour(&png, CYAN), 0);
    let first = std::fs::read(&png).unwrap();
    // Give the watcher a moment to be armed after the first write.
    std::thread::sleep(Duration::from_millis(500));
    edit_accent(d);
    eventually("a second render", || std::fs::read(&png).is_ok_and(|b| b != first));
    assert!(count_colour(&png, CYAN) > 1000, "the new accent colour is drawn");
}

/// `affiche preview --watch` of the story poster into `p.png` in `d`: the
/// process and its stderr lines (kept open, as `serve` keeps stdout).
fn watch_story(d: &Path) -> (Killed, std::io::Lines<BufReader<std::process::ChildStderr>>) {
    let mut child = affiche(d)
        .args([
            "preview",
            "samples/campaign.toml",
            "--preset",
            "instagram-story",
            "--watch",
        ])
        .args(["--output", "p.png"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let errors = BufReader::new(child.stderr.take().unwrap()).lines();
    (Killed(child), errors)
}

#[test]
fn watch_waits_for_a_broken_template_to_be_fixed() {
    let dir = campaign_copy();
    let d = dir.path();
    let svg = d.join("templates/hero/story.svg");
    let good = std::fs::read(&svg).unwrap();
    std::fs::write(&svg, "<svg").unwrap();
    let png = d.join("p.png");
    let (_child, mut errors) = watch_story(d);
    let first = errors.next().unwrap().unwrap();
    assert!(first.starts_with("error: ") && first.contains("story.svg"), "{first}");
    assert!(errors.next().unwrap().unwrap().starts_with("waiting for a change"));
    assert!(!png.exists());
    std::fs::write(&svg, good).unwrap();
    eventually("the render once the template is fixed", || png.exists());
}

#[test]
fn watch_waits_for_a_broken_campaign_file_then_follows_the_template() {
    let dir = campaign_copy();
    let d = dir.path();
    let toml = d.join("samples/campaign.toml");
    let good = std::fs::read(&toml).unwrap();
    std::fs::write(&toml, "template = [\n").unwrap();
    let png = d.join("p.png");
    let (_child, mut errors) = watch_story(d);
    // The TOML error spans several lines (it quotes the file); then the watch says what it waits for.
    let mut message = Vec::new();
    let waiting = loop {
        let line = errors.next().unwrap().unwrap();
        if line.starts_with("waiting") {
            break line;
        }
        message.push(line);
    };
    assert!(
        message[0].starts_with("error: ") && message[0].contains("campaign.toml"),
        "{message:?}"
    );
    assert!(waiting.starts_with("waiting for a change to 1 file"), "{waiting}");
    // The reader stays alive (in `errors`) so the child never writes to a closed pipe.
    assert!(!png.exists());
    std::fs::write(&toml, good).unwrap();
    eventually("the render once the campaign is fixed", || png.exists());
    // Only the campaign file was watched while it was broken: now its template is too.
    let first = std::fs::read(&png).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    edit_accent(d);
    eventually("a render after the template is saved", || {
        std::fs::read(&png).is_ok_and(|b| b != first)
    });
    assert!(
        count_colour(&png, [0, 0xC0, 0xFF]) > 1000,
        "the new accent colour is drawn"
    );
}

/// One HTTP/1.0 GET on 127.0.0.1: (status line, body).
fn get(port: u16, path: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    (
        head.lines().next().unwrap_or_default().to_string(),
        raw[split + 4..].to_vec(),
    )
}

/// `affiche preview` of row 2 in x-post with `--serve` on a free port: the
/// process, its stdout (kept open: a closed pipe would end the preview at its
/// next line) and the port it printed.
fn serve(d: &Path) -> (Killed, std::io::Lines<BufReader<std::process::ChildStdout>>, u16) {
    let mut child = affiche(d)
        .args(["preview", "samples/campaign.toml", "--row", "2", "--preset", "x-post"])
        .args(["--serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = first
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    (Killed(child), lines, port)
}

#[test]
fn serve_shows_the_latest_render_and_its_version() {
    let dir = campaign_copy();
    let d = dir.path();
    let (_child, _lines, port) = serve(d);
    let version = || {
        let (status, body) = get(port, "/version");
        assert!(status.contains("200"), "{status}");
        String::from_utf8(body).unwrap()
    };
    eventually("the first render", || version().starts_with("1\n"));
    let (status, page) = get(port, "/");
    assert!(status.contains("200"));
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("fetch(\"version?after=\"") && page.contains("poster.png?v="),
        "the page long-polls and reloads"
    );
    let (_, png) = get(port, "/poster.png");
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 900));
    assert!(version().contains("row 2, landscape 1600×900"), "{}", version());
    assert!(
        get(port, "/../../etc/passwd").0.contains("404"),
        "nothing else is served"
    );
    // Nothing changed: a long poll answers (after its hold) with the same render.
    assert!(
        String::from_utf8(get(port, "/version?after=1").1)
            .unwrap()
            .starts_with("1\n")
    );
    let pdir: PathBuf = d.to_path_buf();
    // x-post uses the landscape variant: edit it while a long poll waits, and that
    // poll answers with the second version.
    let waiting = std::thread::spawn(move || String::from_utf8(get(port, "/version?after=1").1).unwrap());
    let svg = pdir.join("templates/hero/landscape.svg");
    std::thread::sleep(Duration::from_millis(500));
    let text = std::fs::read_to_string(&svg).unwrap();
    std::fs::write(&svg, text.replace("#FFD400", "#00C0FF")).unwrap();
    eventually("a second version", || version().starts_with("2\n"));
    let answered = waiting.join().unwrap();
    assert!(
        answered.starts_with("1\n") || answered.starts_with("2\n"),
        "a held poll answers with the render it saw last: {answered}"
    );
    let (_, png) = get(port, "/poster.png");
    let img = image::load_from_memory(&png).unwrap().into_rgb8();
    assert!(img.pixels().filter(|p| p.0 == [0, 0xC0, 0xFF]).count() > 1000);
    // A broken save is shown as an error; the last good image stays.
    std::fs::write(&svg, "<svg").unwrap();
    eventually("an error version", || version().starts_with("3\nerror"));
    assert_eq!(get(port, "/poster.png").1, png);
}

/// A first render that fails (row 2's photo is missing) is shown on the page,
/// with no poster yet; putting the photo back renders it.
#[test]
fn serve_shows_a_failed_first_render_then_the_fix() {
    let dir = campaign_copy();
    let d = dir.path();
    let photo = d.join("samples/photos/photographer-gray.png");
    let aside = d.join("photographer-gray.png");
    std::fs::rename(&photo, &aside).unwrap();
    let (_child, _lines, port) = serve(d);
    let version = || String::from_utf8(get(port, "/version").1).unwrap();
    eventually("the first outcome", || !version().starts_with("0\n"));
    let shown = version();
    assert!(
        shown.starts_with("1\nerror: ") && shown.contains("photographer-gray.png"),
        "{shown}"
    );
    assert!(get(port, "/poster.png").1.is_empty(), "no poster yet");
    std::thread::sleep(Duration::from_millis(500));
    std::fs::rename(&aside, &photo).unwrap();
    eventually("a render once the photo is back", || version().starts_with("2\nrow 2"));
    let img = image::load_from_memory(&get(port, "/poster.png").1).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 900));
}

/// The preview page in a real headless Chromium (installed and required by
/// `.ci/run`; skipped with a message where there is none): it polls the server, shows the latest
/// poster and the outcome line, and an error keeps the last good image.
#[test]
fn the_preview_page_shows_the_latest_render_in_chromium() {
    let Some(chromium) = common::chromium() else { return };
    let dir = campaign_copy();
    let d = dir.path();
    let (_child, _lines, port) = serve(d);
    let version = || String::from_utf8(get(port, "/version").1).unwrap();
    eventually("the first render", || version().starts_with("1\n"));
    let profile = tempfile::tempdir().unwrap();
    // Virtual time lets the page poll, load the poster and settle before the DOM is dumped;
    // it stands still while a long poll is held (a second each), so a small budget is enough.
    let dump = || {
        let (dom, console) = common::browse(
            &chromium,
            profile.path(),
            &format!("http://127.0.0.1:{port}/"),
            &["--virtual-time-budget=500", "--dump-dom"],
        );
        assert!(console.is_empty(), "console messages: {console:?}");
        dom
    };
    let dom = dump();
    assert!(dom.contains("data-version=\"1\""), "{dom}");
    assert!(dom.contains("data-width=\"1600\""), "the poster loaded: {dom}");
    assert!(dom.contains("row 2, landscape 1600×900"), "{dom}");
    // One page left open while the data is saved: it swaps in the new render by itself.
    // (Virtual time stands still while the page's long poll is held, so the page stays
    // open for about a second of real time per 100 virtual ms.)
    let url = format!("http://127.0.0.1:{port}/");
    let (chromium2, profile2) = (chromium.clone(), tempfile::tempdir().unwrap());
    let open_page = std::thread::spawn(move || {
        common::browse(
            &chromium2,
            profile2.path(),
            &url,
            &["--virtual-time-budget=1200", "--dump-dom"],
        )
    });
    std::thread::sleep(Duration::from_millis(2500));
    let data = d.join("samples/candidates.csv");
    let csv = std::fs::read_to_string(&data).unwrap();
    let second = csv.lines().nth(2).unwrap().split(',').nth(1).unwrap().to_string();
    std::fs::write(&data, csv.replacen(&second, "LIVESWAP", 1)).unwrap();
    eventually("the saved data rendered", || version().starts_with("2\n"));
    let (dom, console) = open_page.join().unwrap();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(
        dom.contains("data-shown=\"1 2\"") && dom.contains("data-version=\"2\""),
        "the open page showed render 1, then render 2: {dom}"
    );
    // A broken save: the page shows the error, styled as one, and keeps the poster.
    let svg = d.join("templates/hero/landscape.svg");
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&svg, "<svg").unwrap();
    eventually("an error version", || version().starts_with("3\nerror"));
    let dom = dump();
    assert!(
        dom.contains("data-version=\"3\"") && dom.contains("class=\"error\""),
        "{dom}"
    );
    assert!(dom.contains("data-width=\"1600\""), "the last good poster stays: {dom}");
}
