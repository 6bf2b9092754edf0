//! Live preview for designers: the files a preview depends on watched (notify), the fonts
//! kept between watched renders, and a page on 127.0.0.1 that shows the latest render and
//! reloads itself (tiny_http). The binary's, so that the library compiles neither.
//! The loop and the printing are `commands`'; nothing here prints.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use affiche::{Campaign, Error, FontOptions, Fonts, Result};
use notify::{RecursiveMode, Watcher as _};

/// What a preview of this campaign depends on: the template, data file,
/// photo folder and font folders (plus `campaign`, the campaign file).
/// Known even when the template does not load, so a watch can wait for the fix.
pub fn watched_paths(c: &Campaign, campaign: Option<&Path>) -> Vec<PathBuf> {
    let mut paths = vec![c.template.clone(), c.data.clone(), c.photos.clone()];
    paths.extend(c.fonts.iter().cloned());
    paths.extend(campaign.map(Path::to_path_buf));
    paths.retain(|p| p.exists());
    paths.sort();
    paths.dedup();
    paths
}

/// Fonts kept between the renders of a watched preview: loading them is most of
/// a re-render after a template save, and a save rarely touches a font.
#[derive(Default)]
pub struct FontCache {
    /// The options they were loaded with, and the fonts; `None` until a load succeeds.
    loaded: Option<(FontOptions, Fonts)>,
}

impl FontCache {
    /// The fonts for `options`: the kept ones when loaded with the same options
    /// and not dropped by [`FontCache::forget_if_changed`] since, else loaded afresh and kept.
    pub fn get(&mut self, options: &FontOptions) -> Result<Fonts> {
        if let Some((kept, fonts)) = &self.loaded
            && kept.dirs == options.dirs
            && kept.system == options.system
        {
            return Ok(fonts.clone());
        }
        self.loaded = None;
        let fonts = Fonts::load(options)?;
        self.loaded = Some((options.clone(), fonts.clone()));
        Ok(fonts)
    }

    /// Drops the kept fonts when one of the `changed` paths (as the [`Watcher`]
    /// reports them) is in one of their folders. Returns whether it did.
    pub fn forget_if_changed(&mut self, changed: &[PathBuf]) -> bool {
        let stale = self
            .loaded
            .as_ref()
            .is_some_and(|(options, _)| touches_fonts(changed, &options.dirs));
        if stale {
            self.loaded = None;
        }
        stale
    }
}

/// Whether any of `changed` (absolute, as the watcher reports) is under one of the font folders `dirs`.
fn touches_fonts(changed: &[PathBuf], dirs: &[PathBuf]) -> bool {
    let dirs: Vec<PathBuf> = dirs.iter().map(|d| absolute(d)).collect();
    changed.iter().any(|c| dirs.iter().any(|d| absolute(c).starts_with(d)))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Tells when any of a set of files or folders changed.
pub struct Watcher {
    _inner: notify::RecommendedWatcher,
    events: Receiver<PathBuf>,
}

impl Watcher {
    /// Watches `paths`: folders recursively, files through their folder, so an
    /// editor that saves by writing a new file and renaming it is still seen.
    /// Changes under `ignore` (the preview's own output) are not reported.
    pub fn new(paths: &[PathBuf], ignore: &[PathBuf]) -> Result<Watcher> {
        let abs = absolute;
        let files: Vec<PathBuf> = paths.iter().filter(|p| !p.is_dir()).map(|p| abs(p)).collect();
        let dirs: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).map(|p| abs(p)).collect();
        let ignore: Vec<PathBuf> = ignore.iter().map(|p| abs(p)).collect();
        let wanted = {
            let (files, dirs) = (files.clone(), dirs.clone());
            move |p: &Path| {
                !ignore.iter().any(|i| p.starts_with(i))
                    && (files.iter().any(|f| f == p) || dirs.iter().any(|d| p.starts_with(d)))
            }
        };
        let (tx, events) = channel();
        let mut inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            // Reads are not changes: opening a file must not start a render loop.
            if let Ok(e) = event
                && !matches!(e.kind, notify::EventKind::Access(_))
            {
                for p in e.paths.into_iter().filter(|p| wanted(p)) {
                    let _ = tx.send(p);
                }
            }
        })
        .map_err(|e| watch_error(Path::new("."), e))?;
        for d in &dirs {
            inner
                .watch(d, RecursiveMode::Recursive)
                .map_err(|e| watch_error(d, e))?;
        }
        // A bare file name's folder is `.`, not the empty path.
        let mut parents: Vec<&Path> = files
            .iter()
            .map(|f| {
                f.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
            })
            .collect();
        parents.sort();
        parents.dedup();
        for d in parents.into_iter().filter(|p| !dirs.iter().any(|d| p.starts_with(d))) {
            inner
                .watch(d, RecursiveMode::NonRecursive)
                .map_err(|e| watch_error(d, e))?;
        }
        Ok(Watcher { _inner: inner, events })
    }

    /// Blocks until something changed, then waits for `quiet` without further
    /// change (an editor's save is several events) and returns what changed.
    /// `None` when the watcher stopped.
    pub fn wait(&self, quiet: Duration) -> Option<Vec<PathBuf>> {
        let mut changed = vec![self.events.recv().ok()?];
        loop {
            match self.events.recv_timeout(quiet) {
                Ok(p) => changed.push(p),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        changed.sort();
        changed.dedup();
        Some(changed)
    }
}

fn watch_error(path: &Path, e: notify::Error) -> Error {
    Error::io(path, std::io::Error::other(format!("cannot watch for changes: {e}")))
}

/// What the preview page shows: the latest good PNG and the latest outcome.
#[derive(Default)]
struct Shown {
    version: u64,
    png: Vec<u8>,
    message: String,
}

/// A page on 127.0.0.1 showing the latest preview. It long-polls
/// `/version?after=N`, which answers as soon as a render newer than N is shown
/// (or after `HOLD` with the same one), and reloads the image when it changes:
/// a save shows up at once, with one request a second while nothing happens.
pub struct Server {
    shown: Arc<(Mutex<Shown>, Condvar)>,
    /// The port the server listens on.
    pub port: u16,
}

const PAGE: &str = include_str!("preview.html");
/// How long `/version?after=N` waits for a newer render before answering anyway.
const HOLD: Duration = Duration::from_secs(1);

impl Server {
    /// Listens on 127.0.0.1:`port` (0 picks a free port) and serves from a thread.
    pub fn start(port: u16) -> Result<Server> {
        let http = tiny_http::Server::http(("127.0.0.1", port))
            .map_err(|e| Error::io(format!("127.0.0.1:{port}"), std::io::Error::other(e.to_string())))?;
        let port = http.server_addr().to_ip().map_or(port, |a| a.port());
        let shown = Arc::new((Mutex::new(Shown::default()), Condvar::new()));
        let state = shown.clone();
        std::thread::spawn(move || {
            for request in http.incoming_requests() {
                let state = state.clone();
                // A thread per request: a held `/version` must not hold up the poster.
                std::thread::spawn(move || respond(request, &state));
            }
        });
        Ok(Server { shown, port })
    }

    /// Shows a new render (`png`: `None` keeps the last good image) and its outcome.
    pub fn show(&self, png: Option<Vec<u8>>, message: String) {
        let (shown, changed) = &*self.shown;
        let mut s = shown.lock().unwrap_or_else(|e| e.into_inner());
        s.version += 1;
        if let Some(png) = png {
            s.png = png;
        }
        s.message = message;
        changed.notify_all();
    }
}

fn respond(request: tiny_http::Request, (shown, changed): &(Mutex<Shown>, Condvar)) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let (body, kind) = {
        let s = shown.lock().unwrap_or_else(|e| e.into_inner());
        match path {
            "/" => (PAGE.as_bytes().to_vec(), "text/html; charset=utf-8"),
            "/poster.png" => (s.png.clone(), "image/png"),
            "/version" => {
                let after = query.strip_prefix("after=").and_then(|n| n.parse::<u64>().ok());
                let (s, _) = changed
                    .wait_timeout_while(s, HOLD, |s| Some(s.version) == after)
                    .unwrap_or_else(|e| e.into_inner());
                (
                    format!("{}\n{}", s.version, s.message).into_bytes(),
                    "text/plain; charset=utf-8",
                )
            }
            _ => {
                let _ = request.respond(tiny_http::Response::empty(404));
                return;
            }
        }
    };
    let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k, v).expect("ASCII header");
    let response = tiny_http::Response::from_data(body)
        .with_header(header("Content-Type", kind))
        .with_header(header("Cache-Control", "no-store"));
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dirs: &[&str]) -> FontOptions {
        FontOptions {
            dirs: dirs.iter().map(PathBuf::from).collect(),
            system: false,
        }
    }

    #[test]
    fn a_font_change_reloads_the_fonts_and_nothing_else_does() {
        let root = std::path::absolute(env!("CARGO_MANIFEST_DIR")).unwrap();
        let fonts = options(&[concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/anton")]);
        let mut cache = FontCache::default();
        let first = cache.get(&fonts).unwrap();
        let same = |a: &Fonts, b: &Fonts| a.shares_database(b);
        assert!(same(&first, &cache.get(&fonts).unwrap()), "kept between renders");

        // A template, data or photo save keeps the fonts.
        let others = [
            root.join("templates/hero/story.svg"),
            root.join("samples/candidates.csv"),
        ];
        assert!(!cache.forget_if_changed(&others));
        assert!(same(&first, &cache.get(&fonts).unwrap()));

        // A file saved in the font folder (or a new one there) reloads them.
        assert!(cache.forget_if_changed(&[root.join("fonts/anton/NewFont.ttf")]));
        let reloaded = cache.get(&fonts).unwrap();
        assert!(!same(&first, &reloaded), "loaded afresh");
        assert!(same(&reloaded, &cache.get(&fonts).unwrap()));

        // A campaign now naming other font folders reloads them too.
        let other = options(&[concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/bangers")]);
        assert!(!same(&reloaded, &cache.get(&other).unwrap()));
    }

    #[test]
    fn relative_font_folders_match_the_watchers_absolute_paths() {
        let cwd = std::env::current_dir().unwrap();
        let dirs = [PathBuf::from("fonts")];
        assert!(touches_fonts(&[cwd.join("fonts/noto-sans/NotoSans.ttf")], &dirs));
        assert!(
            !touches_fonts(&[cwd.join("fonts-old/a.ttf")], &dirs),
            "a prefix of the name is not the folder"
        );
        assert!(!touches_fonts(&[cwd.join("templates/hero/fonts.svg")], &dirs));
        assert!(!touches_fonts(&[], &dirs));
    }
}
