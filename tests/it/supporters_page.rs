//! The supporters' page of `affiche serve` in a real headless Chromium, driven by
//! playwright-core (`tests/browser/supporters.mjs`): a photo picked, a name typed, a
//! constituency picked, the preview shown, the story downloaded, then a name too long.
//! Needs Chromium, Node.js and `npm ci --prefix tests/browser` (`.ci/run` does both and sets
//! `AFFICHE_REQUIRE_BROWSER`); skipped with a message elsewhere.

use std::process::Command;

use crate::common::{chromium, root};
use crate::http::{multipart, request};
use crate::serve::serve;

#[test]
fn a_supporter_makes_and_downloads_a_poster_in_a_real_browser() {
    let Some(chromium) = chromium() else { return };
    let script = root().join("tests/browser/supporters.mjs");
    let ready = root().join("tests/browser/node_modules/playwright-core").is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ready {
        let why = "the supporters' page test needs Node.js and `npm ci --prefix tests/browser`";
        assert!(std::env::var_os("AFFICHE_REQUIRE_BROWSER").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let downloads = tempfile::tempdir().unwrap();
    let photo = root().join("samples/photos/hopper.jpg");
    let run = Command::new("node")
        .arg(&script)
        .arg(format!("http://{}/", server.addr))
        .arg(&photo)
        .arg(downloads.path())
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    let seen: serde_json::Value = serde_json::from_str(said.lines().last().unwrap()).unwrap();

    // The form asks what the template binds, the constituency from the campaign's list.
    assert_eq!(
        seen["labels"],
        serde_json::json!(["Nom *", "Circonscription *", "Photo *"])
    );
    assert_eq!(seen["options"], 15, "14 constituencies and the empty choice");
    // The preview is the poster in the first preset, the photo placed.
    assert_eq!(seen["preview"], serde_json::json!([1080, 1080]));
    // The download: the story, as the same form posted by any client gets it.
    assert_eq!(seen["download"], "lea-roy-instagram-story.png");
    let saved = std::fs::read(seen["saved"].as_str().unwrap()).unwrap();
    let poster = image::load_from_memory(&saved).unwrap();
    assert_eq!((poster.width(), poster.height()), (1080, 1920));
    let (content_type, body) = multipart(
        &[("name", "Léa ROY"), ("constituency", "Paris (1re circonscription)")],
        &[("photo", "hopper.jpg", &std::fs::read(&photo).unwrap())],
    );
    let direct = request(
        &server.addr,
        "POST",
        "/render?preset=instagram-story&format=png",
        &[("Content-Type", &content_type)],
        &body,
    );
    assert!(
        direct.body == saved,
        "the browser's download differs from the form posted directly"
    );
    // A name too long: said beside the field, the field marked.
    let message = seen["message"].as_str().unwrap();
    assert!(
        message.starts_with("Nom : ") && message.contains("does not fit"),
        "{message}"
    );
    assert_eq!(seen["invalid"], "true");
    // No script error, no refused resource (the page's CSP allows only its own script); the
    // one failed request is the name refused (Chromium logs every 4xx).
    let console: Vec<&str> = seen["console"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let refused = |l: &str| l.contains("status of 422");
    assert_eq!(console.iter().filter(|l| refused(l)).count(), 1, "{said}");
    assert!(console.iter().all(|l| refused(l)), "{said}");
}
