//! Shared by the integration tests: golden-image comparison.
// Each test crate uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use image::{Rgba, RgbaImage};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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
