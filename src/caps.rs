//! Caps on what a template can make us allocate, checked before the
//! allocation: gzip-compressed SVG (`.svgz`, embedded `data:` SVG) inflated
//! under a size cap.

use std::io::Read;

/// Largest SVG source accepted, in bytes: a template file, or what a `.svgz`
/// (or an embedded gzip-compressed SVG) inflates to.
pub const MAX_SVG_BYTES: u64 = 16 << 20;

/// The two magic bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` are gzip-compressed.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Inflates gzip `bytes`, stopping as soon as the output would pass `cap`
/// bytes: a gzip bomb costs at most `cap` bytes of memory, never its claimed size.
pub fn inflate(bytes: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not a valid gzip (.svgz) file: {e}"))?;
    if out.len() as u64 > cap {
        return Err(format!(
            "inflates to over the {cap}-byte limit for an SVG template (a gzip bomb?)"
        ));
    }
    Ok(out)
}

/// An SVG file's bytes as text: inflated first when gzip-compressed (by magic
/// bytes, whatever the extension).
pub fn svg_text(bytes: Vec<u8>) -> Result<String, String> {
    let bytes = if is_gzip(&bytes) {
        inflate(&bytes, MAX_SVG_BYTES)?
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn inflates_under_the_cap_and_refuses_over_it() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(svg_text(gzip(svg)).unwrap().as_bytes(), svg);
        assert_eq!(svg_text(svg.to_vec()).unwrap().as_bytes(), svg);
        assert_eq!(inflate(&gzip(&[b' '; 100]), 100).unwrap().len(), 100);
        assert!(
            inflate(&gzip(&[b' '; 101]), 100)
                .unwrap_err()
                .contains("100-byte limit")
        );
        assert!(
            svg_text(vec![0x1f, 0x8b, 0, 0])
                .unwrap_err()
                .contains("not a valid gzip")
        );
    }
}
