//! Lossy WebP: libwebp's encoder (the `webp` crate), the credit's EXIF block
//! added as an `EXIF` chunk by libwebp's own muxer.
//!
//! libwebp rather than the image crate's encoder, which writes lossless only
//! (a lossless poster cannot trade quality for a `max_kb` budget), and rather
//! than a pure-Rust lossy encoder: zenwebp's releases after 0.2 are AGPL, and it
//! took 4–5× longer to build than libwebp's C (see BENCHMARKS.md).

use image::RgbaImage;

/// Encodes `image` as lossy WebP at `quality` (0–100; alpha kept, compressed),
/// carrying `exif` when it is not empty and no other metadata.
pub fn encode_lossy(image: &RgbaImage, quality: u8, exif: &[u8]) -> Vec<u8> {
    let encoded = ::webp::Encoder::from_rgba(image.as_raw(), image.width(), image.height())
        .encode_simple(false, f32::from(quality.min(100)))
        .unwrap_or_else(|e| panic!("WebP cannot hold this poster ({e:?}): at most 16383 px a side"));
    if exif.is_empty() {
        encoded.to_vec()
    } else {
        with_exif(&encoded, exif)
    }
}

/// The WebP file `webp` with an `EXIF` chunk (and the extended header that
/// announces it), assembled by libwebp's muxer.
fn with_exif(webp: &[u8], exif: &[u8]) -> Vec<u8> {
    use libwebp_sys::{
        WEBP_MUX_ABI_VERSION, WebPData, WebPDataClear, WebPMuxAssemble, WebPMuxCreateInternal, WebPMuxDelete,
        WebPMuxError, WebPMuxSetChunk,
    };
    let image = WebPData {
        bytes: webp.as_ptr(),
        size: webp.len(),
    };
    let chunk = WebPData {
        bytes: exif.as_ptr(),
        size: exif.len(),
    };
    let mut out = WebPData::default();
    // SAFETY: `image` and `chunk` point into slices that outlive the mux (created
    // without copying, deleted before returning); `out` is owned by libwebp until
    // copied out and freed by WebPDataClear.
    unsafe {
        let mux = WebPMuxCreateInternal(&image, 0, WEBP_MUX_ABI_VERSION as i32);
        assert!(!mux.is_null(), "libwebp's muxer rejected its own encoder's output");
        let set = WebPMuxSetChunk(mux, c"EXIF".as_ptr(), &chunk, 0);
        let assembled = if set == WebPMuxError::WEBP_MUX_OK {
            WebPMuxAssemble(mux, &mut out)
        } else {
            set
        };
        WebPMuxDelete(mux);
        assert_eq!(assembled, WebPMuxError::WEBP_MUX_OK, "adding EXIF to a WebP in memory");
        let bytes = std::slice::from_raw_parts(out.bytes, out.size).to_vec();
        WebPDataClear(&mut out);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_webp_decodes_close_to_its_pixels_and_shrinks_with_quality() {
        let image = RgbaImage::from_fn(64, 48, |x, y| image::Rgba([(x * 4) as u8, (y * 5) as u8, 128, 255]));
        let high = encode_lossy(&image, 90, &[]);
        let low = encode_lossy(&image, 10, &[]);
        assert_eq!(&high[..4], b"RIFF");
        assert_eq!(
            &high[12..16],
            b"VP8 ",
            "lossy bitstream, no extended header without metadata"
        );
        assert!(low.len() < high.len(), "{} !< {}", low.len(), high.len());
        let back = image::load_from_memory(&high).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (64, 48));
        let diff: u64 = back
            .as_raw()
            .iter()
            .zip(image.as_raw())
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        assert!(diff / back.as_raw().len() as u64 <= 3, "mean abs diff {diff}");
    }

    #[test]
    fn alpha_survives() {
        let image = RgbaImage::from_fn(32, 32, |x, _| image::Rgba([200, 10, 10, if x < 16 { 0 } else { 255 }]));
        let back = image::load_from_memory(&encode_lossy(&image, 80, &crate::output::delivery::credit_exif("x")))
            .unwrap()
            .to_rgba8();
        assert_eq!(back.get_pixel(2, 5)[3], 0);
        assert_eq!(back.get_pixel(30, 5)[3], 255);
    }
}
