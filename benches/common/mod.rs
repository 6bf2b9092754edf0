//! Shared by the bench binaries.

/// `jpeg` (any size) resized to `width`×`height` and encoded again at quality
/// 90: a large camera-like photo made from a small sample.
pub fn upscaled_jpeg(jpeg: &[u8], width: u32, height: u32) -> Vec<u8> {
    let img = image::load_from_memory(jpeg)
        .unwrap()
        .resize_exact(width, height, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}
