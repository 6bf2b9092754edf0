//! Incremental runs and exclusive access to an output folder.
//!
//! Each output is recorded with a hash of everything it was rendered from
//! (template, fonts, row values, photo bytes, preset, encoding, tool version).
//! Records are appended as outputs are written, so a run killed half-way
//! (even with `kill -9`) resumes where it stopped; a rerun skips every output
//! whose inputs did not change and whose file is still there.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The log of rendered outputs, inside the output folder.
pub const STATE_FILE: &str = ".affiche-state";
/// Held (with an OS file lock) while a run writes into the output folder.
pub const LOCK_FILE: &str = ".affiche.lock";

/// An exclusive lock on an output folder, released when dropped or when the
/// process dies (an OS lock, so no stale lock survives a crash).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the folder's lock, or fails at once if another run holds it.
    pub fn take(out: &Path) -> Result<Lock> {
        let path = out.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::output(out, LOCK_FILE, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::io(
                out,
                std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "another affiche run is writing into this folder; wait for it or choose another --out",
                ),
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }
}

/// Removes temporary files a killed run left behind (`.affiche-*.tmp`, which only
/// affiche creates), under `out`. Call with the lock held.
pub fn sweep(out: &Path) -> Result<usize> {
    let mut removed = 0;
    let entries = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?;
    for entry in entries.filter_map(std::result::Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            removed += sweep(&path)?;
        } else if kind.is_file() && name.starts_with(".affiche-") && name.ends_with(".tmp") {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// What was rendered from what, read at the start of a run and appended to during it.
#[derive(Debug)]
pub struct State {
    dir: PathBuf,
    known: HashMap<PathBuf, String>,
    log: Mutex<File>,
}

impl State {
    /// Reads the folder's log (later lines win; a torn last line is ignored).
    pub fn open(out: &Path) -> Result<State> {
        let path = out.join(STATE_FILE);
        let mut known = HashMap::new();
        if let Ok(file) = File::open(&path) {
            for line in BufReader::new(file).lines().map_while(std::result::Result::ok) {
                if let Some((hash, name)) = line.split_once(' ')
                    && hash.len() == 64
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    known.insert(PathBuf::from(name), hash.to_string());
                }
            }
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::output(out, STATE_FILE, e))?;
        Ok(State {
            dir: out.to_path_buf(),
            known,
            log: Mutex::new(log),
        })
    }

    /// Whether `name` was rendered from inputs hashing to `hash` and is still there.
    /// An empty file is not: posters are flushed once at the end of a batch, so a
    /// machine that lost power before it may leave names without their bytes.
    pub fn is_current(&self, name: &Path, hash: &str) -> bool {
        self.known.get(name).is_some_and(|h| h == hash)
            && std::fs::metadata(self.dir.join(name)).is_ok_and(|m| m.is_file() && m.len() > 0)
    }

    /// Records that `name` (already written) was rendered from `hash`.
    pub fn record(&self, name: &Path, hash: &str) -> Result<()> {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(log, "{hash} {}", name.display()).map_err(|e| Error::output(&self.dir, STATE_FILE, e))
    }

    /// Rewrites the log with only `current` entries, so it does not grow forever.
    pub fn compact(self, current: &[(PathBuf, String)]) -> Result<()> {
        let mut text = String::new();
        for (name, hash) in current {
            text.push_str(&format!("{hash} {}\n", name.display()));
        }
        drop(self.log);
        crate::output::write_atomic(&self.dir, Path::new(STATE_FILE), text.as_bytes()).map(|_| ())
    }
}

/// Hashes the inputs of one output. Parts are length-prefixed so that no two
/// different input lists can hash the same.
pub fn input_hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_a_reopen_and_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let h = input_hash([b"a".as_slice()]);
        std::fs::write(dir.path().join("a.png"), b"x").unwrap();
        let state = State::open(dir.path()).unwrap();
        assert!(!state.is_current(Path::new("a.png"), &h));
        state.record(Path::new("a.png"), &h).unwrap();
        drop(state);
        // A run killed mid-write leaves half a line.
        let mut log = OpenOptions::new()
            .append(true)
            .open(dir.path().join(STATE_FILE))
            .unwrap();
        write!(log, "{}", &h[..20]).unwrap();
        let state = State::open(dir.path()).unwrap();
        assert!(state.is_current(Path::new("a.png"), &h));
        assert!(
            !state.is_current(Path::new("a.png"), &input_hash([b"b".as_slice()])),
            "changed inputs"
        );
        std::fs::remove_file(dir.path().join("a.png")).unwrap();
        assert!(
            !state.is_current(Path::new("a.png"), &h),
            "deleted output is rendered again"
        );
    }

    #[test]
    fn an_empty_file_is_not_current() {
        // What a power cut before the batch's flush can leave: the name without its bytes.
        let dir = tempfile::tempdir().unwrap();
        let h = input_hash([b"a".as_slice()]);
        std::fs::write(dir.path().join("a.png"), b"").unwrap();
        let state = State::open(dir.path()).unwrap();
        state.record(Path::new("a.png"), &h).unwrap();
        drop(state);
        let state = State::open(dir.path()).unwrap();
        assert!(!state.is_current(Path::new("a.png"), &h));
        std::fs::write(dir.path().join("a.png"), b"x").unwrap();
        assert!(state.is_current(Path::new("a.png"), &h));
    }

    #[test]
    fn sweep_removes_only_our_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in [
            ".affiche-x1.tmp",
            "sub/.affiche-y2.tmp",
            "keep.tmp",
            ".affiche-state",
            "poster.png",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(sweep(dir.path()).unwrap(), 2);
        for kept in ["keep.tmp", ".affiche-state", "poster.png"] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
    }

    #[test]
    fn hash_parts_are_unambiguous() {
        assert_ne!(
            input_hash([b"ab".as_slice(), b"c"]),
            input_hash([b"a".as_slice(), b"bc"])
        );
    }

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::take(dir.path()).unwrap();
        let err = Lock::take(dir.path()).unwrap_err();
        assert!(err.to_string().contains("another affiche run"), "{err}");
        drop(first);
        assert!(Lock::take(dir.path()).is_ok(), "released on drop");
    }
}
