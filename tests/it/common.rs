//! Shared by the integration tests: golden-image comparison.
// Each test crate uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use image::{Rgba, RgbaImage};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Mean absolute difference per channel byte between two images of the same size.
pub fn mean_difference(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let diff: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    diff as f64 / a.as_raw().len() as f64
}

/// Largest per-channel difference tolerated (anti-aliasing across platforms).
const TOLERANCE: u8 = 8;
/// Pixels allowed over the tolerance, as a fraction of the image.
const MAX_BAD: f64 = 0.001;

/// Compares `actual` with `tests/golden/NAME.png` (writes it when missing outside CI,
/// or when `AFFICHE_UPDATE_GOLDEN` is set).
pub fn golden(name: &str, actual: &RgbaImage) {
    let dir = root().join("tests/golden");
    let path = dir.join(format!("{name}.png"));
    if std::env::var_os("AFFICHE_UPDATE_GOLDEN").is_some() || !path.exists() && std::env::var_os("CI").is_none() {
        std::fs::create_dir_all(&dir).unwrap();
        actual.save(&path).unwrap();
        return;
    }
    let expected = image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8();
    assert_eq!(expected.dimensions(), actual.dimensions(), "{name}: size changed");
    let mut diff = RgbaImage::new(actual.width(), actual.height());
    let mut bad = 0usize;
    for ((e, a), d) in expected.pixels().zip(actual.pixels()).zip(diff.pixels_mut()) {
        let worst = (0..4).map(|i| e[i].abs_diff(a[i])).max().unwrap();
        if worst > TOLERANCE {
            bad += 1;
            *d = Rgba([255, 0, 0, 255]);
        } else {
            *d = Rgba([255, 255, 255, 255]);
        }
    }
    let allowed = (MAX_BAD * f64::from(actual.width() * actual.height())) as usize;
    if bad > allowed {
        // expected | diff | actual, side by side, for a human to look at.
        let (w, h) = actual.dimensions();
        let mut sheet = RgbaImage::new(w * 3, h);
        image::imageops::replace(&mut sheet, &expected, 0, 0);
        image::imageops::replace(&mut sheet, &diff, i64::from(w), 0);
        image::imageops::replace(&mut sheet, actual, i64::from(w * 2), 0);
        let out: PathBuf = std::env::temp_dir().join(format!("affiche-golden-{name}.png"));
        sheet.save(&out).unwrap();
        panic!(
            "{name}: {bad} pixels differ by more than {TOLERANCE} (allowed {allowed}); expected | diff | actual in {}; \
             regenerate with AFFICHE_UPDATE_GOLDEN=1 if the change is intended",
            out.display()
        );
    }
}

/// The Chromium binary for the browser tests. Without one on the PATH they
/// are skipped with a message, so `cargo test` works on a machine with only
/// Rust; `.ci/run` installs Chromium and sets `AFFICHE_REQUIRE_BROWSER=1`, so
/// in CI a missing browser fails instead. `AFFICHE_SKIP_BROWSER=1` skips.
pub fn chromium() -> Option<PathBuf> {
    if std::env::var_os("AFFICHE_SKIP_BROWSER").is_some() {
        eprintln!("AFFICHE_SKIP_BROWSER is set: browser test skipped");
        return None;
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("AFFICHE_REQUIRE_BROWSER").is_none(),
            "no chromium on the PATH and AFFICHE_REQUIRE_BROWSER is set: apt-get install chromium"
        );
        eprintln!("no chromium on the PATH: browser test skipped (apt-get install chromium to run it)");
    }
    found
}

/// Opens `url` headless with `extra` flags; returns (stdout, console lines).
pub fn browse(chromium: &Path, profile: &Path, url: &str, extra: &[&str]) -> (String, Vec<String>) {
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// What one run of the binary did.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Both streams, for messages whose stream does not matter.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `affiche ARGS` in `dir`.
pub fn affiche_in(dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_affiche"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the affiche binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `affiche ARGS` in the repository root (for `templates/` and `fonts/`).
pub fn affiche(args: &[&str]) -> Run {
    affiche_in(root(), args)
}
