//! How output files reach the disk: atomically (a temporary file renamed), large
//! ones past the page cache where the file system allows it, and one flush per batch.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Files at least this large are written with `O_DIRECT` on Linux. A batch writes
/// gigabytes of posters that it never reads back: through the page cache, each
/// byte is copied into a cache page first, which here cost 5–7 % of a six-preset
/// batch's CPU (BENCHMARKS.md); a direct write hands the device our own buffer.
/// Small files (reports, state) stay buffered, where a write is only a copy.
const DIRECT_MIN: usize = 256 << 10;

/// Buffer address, length and file offset of a direct write are multiples of this:
/// 4 KiB is every common file system's block size, and a multiple of 512-byte sectors.
const BLOCK: usize = 4096;

/// Bytes copied and written at a time: one or two writes for a poster.
const CHUNK: usize = 1 << 20;

/// Writes `bytes` to `dir/name` through a temporary file in the same folder, then
/// renamed: a file under its final name is always complete, even if the process is
/// killed. Not flushed to the disk one by one (an fsync a poster was a quarter of a
/// batch's wall time here): `sync_folder` flushes a whole batch once.
pub fn write_atomic(dir: &Path, name: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(name);
    let parent = path.parent().unwrap_or(dir);
    let file = path.file_name().map(PathBuf::from).unwrap_or_default();
    let fail = |e| Error::output(parent, &file, e);
    std::fs::create_dir_all(parent).map_err(fail)?;
    let mut builder = tempfile::Builder::new();
    // tempfile creates 0600 files; posters are for sharing, like any file the user creates.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .prefix(".affiche-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(|e| fail(os_cause(e)))?;
    // On any failure `tmp` is dropped, which removes the temporary file: nothing
    // partial is left. (The file's own `write_all`: tempfile's adds its temporary name to the message.)
    if !write_direct(tmp.path(), bytes).map_err(fail)? {
        tmp.as_file_mut().write_all(bytes).map_err(fail)?;
    }
    tmp.persist(&path).map_err(|e| fail(e.error))?;
    Ok(path)
}

/// Writes `bytes` to the empty file at `path` with `O_DIRECT`: the bytes are
/// copied a chunk at a time into a block-aligned buffer, the last chunk padded with
/// zeros, and the file cut back to their length. `Ok(false)` when this file system or this
/// file size is not for a direct write: the caller writes it the usual way.
#[cfg(target_os = "linux")]
fn write_direct(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    /// One block of the aligned buffer: plain bytes, so a run of them is a byte slice.
    #[derive(Clone, Copy)]
    #[repr(C, align(4096))]
    struct Block([u8; BLOCK]);
    // EINVAL is how Linux refuses O_DIRECT (tmpfs before 6.6, some FUSE file
    // systems) or a buffer alignment the file system wants larger.
    let refused = |e: &std::io::Error| e.raw_os_error() == Some(libc::EINVAL);
    if bytes.len() < DIRECT_MIN {
        return Ok(false);
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if refused(&e) => return Ok(false),
        Err(e) => return Err(e),
    };
    // Through a buffer of at most `CHUNK` bytes, not a copy of the whole file: a poster's
    // bytes and a second copy of them were both held while it was written.
    let mut blocks = vec![Block([0; BLOCK]); bytes.len().min(CHUNK).div_ceil(BLOCK)];
    // SAFETY: `Block` is `BLOCK` bytes with no padding (repr(C), one byte array), so
    // the vector's buffer is `blocks.len() * BLOCK` initialised bytes, borrowed here
    // for as long as `blocks` lives and no other way.
    let buf = unsafe { std::slice::from_raw_parts_mut(blocks.as_mut_ptr().cast::<u8>(), blocks.len() * BLOCK) };
    for part in bytes.chunks(buf.len()) {
        buf[..part.len()].copy_from_slice(part);
        // The last part is padded to whole blocks with zeros, cut off again below.
        let padded = part.len().div_ceil(BLOCK) * BLOCK;
        buf[part.len()..padded].fill(0);
        match file.write_all(&buf[..padded]) {
            Ok(()) => {}
            Err(e) if refused(&e) => {
                // Nothing usable was written; the buffered write starts from an empty file.
                file.set_len(0)?;
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
    }
    file.set_len(bytes.len() as u64)?;
    Ok(true)
}

#[cfg(not(target_os = "linux"))]
fn write_direct(_: &Path, _: &[u8]) -> std::io::Result<bool> {
    Ok(false)
}

/// Flushes everything written under `dir` to the disk, in one call for the
/// whole file system (Linux `syncfs`), so a batch costs one flush rather than one
/// per poster. Elsewhere the folder itself is synced.
pub fn sync_folder(dir: &Path) -> Result<()> {
    let folder = std::fs::File::open(dir).map_err(|e| Error::io(dir, e))?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `folder` is an open descriptor for the whole call.
        if unsafe { libc::syncfs(folder.as_raw_fd()) } != 0 {
            return Err(Error::io(dir, std::io::Error::last_os_error()));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    folder.sync_all().map_err(|e| Error::io(dir, e))
}

/// tempfile adds the temporary file's random name to its errors ("… at path
/// …/.affiche-x1.tmp") and hides the OS error inside: keep the cause alone,
/// which is what the user can act on.
fn os_cause(e: std::io::Error) -> std::io::Error {
    let text = e.to_string();
    match text.split_once(" at path ") {
        Some((cause, _)) => std::io::Error::new(e.kind(), cause.to_string()),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_atomic(dir.path(), Path::new("sub/x.png"), b"data").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"data");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.png"]);
    }

    /// Sizes around the threshold, the block and the chunk: each file holds exactly its
    /// bytes, whichever way it was written, and no temporary file is left.
    #[test]
    fn large_and_small_files_hold_exactly_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            0,
            1,
            BLOCK,
            DIRECT_MIN - 1,
            DIRECT_MIN,
            DIRECT_MIN + 1,
            3 * DIRECT_MIN + 517,
            CHUNK,
            2 * CHUNK + 517,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let name = PathBuf::from(format!("f{len}.png"));
            let path = write_atomic(dir.path(), &name, &bytes).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{len} bytes");
        }
        // Overwriting a larger file with a smaller one leaves no tail behind.
        let name = Path::new("f.png");
        write_atomic(dir.path(), name, &vec![1; 2 * DIRECT_MIN + 9]).unwrap();
        write_atomic(dir.path(), name, &vec![2; DIRECT_MIN + 3]).unwrap();
        assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), vec![2; DIRECT_MIN + 3]);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    /// Where the file system takes direct writes (ext4 and most others; the test
    /// folder may be on tmpfs, which on older kernels refuses them), a large file goes
    /// that way; a small one never does.
    #[cfg(target_os = "linux")]
    #[test]
    fn direct_writes_only_for_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::File::create(&path).unwrap();
        assert!(!write_direct(&path, &[5; DIRECT_MIN - 1]).unwrap());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        if write_direct(&path, &[5; DIRECT_MIN + 1]).unwrap() {
            assert_eq!(std::fs::read(&path).unwrap(), vec![5; DIRECT_MIN + 1]);
        }
    }
}
