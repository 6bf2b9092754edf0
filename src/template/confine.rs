//! Paths that templates and data files give, resolved inside the folder the
//! user named (the template's folder, the photo folder) and nowhere else:
//! no absolute path, no `..`, no URL, no link leading out, regular files only
//! (never a FIFO or a device), and a size cap, all checked before reading.
//! usvg itself reads nothing: its resolver serves only what was read here.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use resvg::usvg;

use crate::fonts::Fonts;
use crate::limits::MAX_ASSET_BYTES;
use crate::template::Template;

/// Resolves `rel` inside `root`. `folder` names the root in messages
/// ("the template folder").
pub(crate) fn resolve(root: &Path, rel: &str, folder: &str, max_bytes: u64) -> Result<PathBuf, String> {
    let path = Path::new(rel);
    let url = rel.split_once(':').is_some_and(|(scheme, _)| !scheme.contains('/'));
    let plain = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    let web = rel
        .split_once("://")
        .is_some_and(|(scheme, _)| ["http", "https", "ftp"].iter().any(|w| scheme.eq_ignore_ascii_case(w)));
    if web {
        return Err(format!(
            "a web address: affiche reads nothing from the network; only files inside {folder} may be used: save them there and give their names"
        ));
    }
    if rel.is_empty() || url || path.is_absolute() || !plain {
        return Err(format!(
            "only files inside {folder} may be used (no absolute path, no \"..\", no URL)"
        ));
    }
    let root = root
        .canonicalize()
        .map_err(|e| format!("{folder} {}: {e}", root.display()))?;
    let full = root
        .join(path)
        .canonicalize()
        .map_err(|e| format!("not found in {folder} {} ({e})", root.display()))?;
    let meta = std::fs::metadata(&full).map_err(|e| e.to_string())?;
    if !full.starts_with(&root) || !meta.is_file() {
        return Err(format!("must be a regular file inside {folder}"));
    }
    if meta.len() > max_bytes {
        return Err(format!("{} bytes is over the {max_bytes}-byte limit", meta.len()));
    }
    Ok(full)
}

/// Resolves `rel` inside `root` and reads it.
pub(crate) fn read(root: &Path, rel: &str, folder: &str, max_bytes: u64) -> Result<(PathBuf, Vec<u8>), String> {
    let path = resolve(root, rel, folder, max_bytes)?;
    let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
    Ok((path, bytes))
}

/// usvg options for a template's documents: its fonts and fallback chain, its
/// own files, and `photo(field)` for photo-slot hrefs. Nothing else is read.
pub(crate) fn usvg_options<'a>(
    template: &'a Template,
    fonts: &Fonts,
    photo: impl Fn(&str) -> Option<usvg::ImageKind> + Send + Sync + 'a,
) -> usvg::Options<'a> {
    let mut opt = fonts.usvg_options(&template.fallbacks);
    let assets = template.assets.clone();
    opt.image_href_resolver.resolve_string =
        Box::new(
            move |href, _| match href.strip_prefix(crate::template::ids::PHOTO_HREF) {
                Some(field) => photo(field),
                None => asset_kind(&assets, href),
            },
        );
    opt
}

/// Serves a template-local file to usvg by its magic bytes.
fn asset_kind(assets: &BTreeMap<String, Arc<Vec<u8>>>, href: &str) -> Option<usvg::ImageKind> {
    let data = assets.get(href)?.clone();
    Some(match sniff(&data)? {
        ImageFormat::Png => usvg::ImageKind::PNG(data),
        ImageFormat::Jpeg => usvg::ImageKind::JPEG(data),
        ImageFormat::WebP => usvg::ImageKind::WEBP(data),
        ImageFormat::Gif => usvg::ImageKind::GIF(data),
    })
}

/// The image formats a template file may be in.
pub(crate) enum ImageFormat {
    Png,
    Jpeg,
    WebP,
    Gif,
}

/// A template file's image format, by its magic bytes (for both usvg versions: raster and PDF).
pub(crate) fn sniff(data: &[u8]) -> Option<ImageFormat> {
    match data.get(..4)? {
        [0x89, b'P', b'N', b'G'] => Some(ImageFormat::Png),
        [0xFF, 0xD8, 0xFF, _] => Some(ImageFormat::Jpeg),
        b"RIFF" => Some(ImageFormat::WebP),
        b"GIF8" => Some(ImageFormat::Gif),
        _ => None,
    }
}

/// Reads a file a template references, refusing anything outside its folder.
pub(crate) fn read_asset(folder: &Path, href: &str) -> std::result::Result<Vec<u8>, String> {
    let (_, bytes) = read(folder, href, "the template folder", MAX_ASSET_BYTES)
        .map_err(|m| format!("<image href={href:?}>: {m}"))?;
    // resvg decodes referenced images itself, without limits: check the size
    // their header claims before it ever sees them.
    let reader = image::ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format();
    if let Ok(reader) = reader
        && reader.format().is_some()
    {
        let (w, h) = reader
            .into_dimensions()
            .map_err(|e| format!("<image href={href:?}>: unreadable image ({e})"))?;
        let side = crate::limits::MAX_PHOTO_SIDE;
        if w > side || h > side {
            return Err(format!(
                "<image href={href:?}>: {w}×{h} pixels is over the {side}-pixel limit"
            ));
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_regular_files_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/ok.png"), b"x").unwrap();
        std::fs::write(dir.path().join("big.png"), vec![0; 100]).unwrap();
        assert!(resolve(dir.path(), "sub/ok.png", "f", 10).is_ok());
        assert!(resolve(dir.path(), "./sub/ok.png", "f", 10).is_ok());
        for bad in [
            "",
            "../x",
            "sub/../../x",
            "/etc/passwd",
            "file:///etc/passwd",
            "http://x/y.png",
            "sub",
            "nope.png",
        ] {
            assert!(resolve(dir.path(), bad, "f", 10).is_err(), "{bad}");
        }
        assert!(
            resolve(dir.path(), "big.png", "f", 10)
                .unwrap_err()
                .contains("over the 10-byte limit")
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link.png")).unwrap();
            assert!(
                resolve(dir.path(), "link.png", "f", 1 << 20).is_err(),
                "a link leading out is refused"
            );
        }
    }

    #[test]
    fn assets_are_confined_to_the_template_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ok.png"), b"x").unwrap();
        assert!(read_asset(dir.path(), "ok.png").is_ok());
        for bad in ["../ok.png", "/etc/passwd", "file:///etc/passwd", "http://x/y.png", ""] {
            assert!(read_asset(dir.path(), bad).is_err(), "{bad}");
        }
    }
}
