//! Built-in output formats: social networks and print, by name; the variant nearest a
//! preset's aspect ratio (`nearest_aspect`); story safe zones.
//!
//! Foundation: imports nothing from the pipeline.

use crate::error::{Error, Result};

/// A named output size in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// Name used on the command line and in output file names.
    pub name: &'static str,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// What the format is for, shown by `affiche presets`.
    pub description: &'static str,
    /// Fractions of the height that the app draws its interface over, at the
    /// top and at the bottom (stories: profile bar above, reply field below).
    /// Text ink or a face reaching into them is a warning. Default: `None`.
    pub safe_zone: Option<(f32, f32)>,
}

/// Bands a story app covers: about 13% at the top, 18% at the bottom.
pub const STORY_SAFE_ZONE: (f32, f32) = (0.13, 0.18);

/// Every built-in preset, in the order `affiche presets` lists them.
pub const PRESETS: &[Preset] = &[
    preset("instagram-square", 1080, 1080, "Instagram feed, square"),
    preset("instagram-portrait", 1080, 1350, "Instagram feed, 4:5 portrait"),
    Preset {
        safe_zone: Some(STORY_SAFE_ZONE),
        ..preset("instagram-story", 1080, 1920, "Instagram/Facebook story, 9:16")
    },
    preset("x-post", 1600, 900, "X (Twitter) post image, 16:9"),
    preset("facebook-link", 1200, 630, "Facebook link or post image"),
    preset("linkedin-post", 1200, 627, "LinkedIn shared image"),
    preset("print-a4", 2480, 3508, "A4 poster at 300 dpi"),
    preset("print-a3", 3508, 4961, "A3 poster at 300 dpi"),
    preset(
        "print-a1",
        7016,
        9933,
        "A1 poster at 300 dpi, the largest official French size",
    ),
];

const fn preset(name: &'static str, width: u32, height: u32, description: &'static str) -> Preset {
    Preset {
        name,
        width,
        height,
        description,
        safe_zone: None,
    }
}

impl Preset {
    /// Looks a preset up by name.
    pub fn find(name: &str) -> Result<Preset> {
        PRESETS
            .iter()
            .find(|p| p.name == name)
            .copied()
            .ok_or_else(|| Error::UnknownPreset { name: name.to_string() })
    }

    /// Warnings for boxes (`[x, y, width, height]` in output pixels, by what
    /// they hold) that reach into the bands the app covers.
    pub fn safe_zone_warnings(&self, boxes: &[(String, [f32; 4])]) -> Vec<String> {
        let Some((top, bottom)) = self.safe_zone else {
            return Vec::new();
        };
        let h = self.height as f32;
        let (top_px, bottom_px) = (top * h, h - bottom * h);
        let mut out = Vec::new();
        for (what, [_, y, _, bh]) in boxes {
            // Half a pixel of anti-aliasing is no collision.
            if *y < top_px - 0.5 {
                out.push(format!(
                    "{what}: outside the safe zone: {:.0} px into the top {:.0}% that the app covers",
                    top_px - y,
                    top * 100.0
                ));
            }
            if y + bh > bottom_px + 0.5 {
                out.push(format!(
                    "{what}: outside the safe zone: {:.0} px into the bottom {:.0}% that the app covers",
                    y + bh - bottom_px,
                    bottom * 100.0
                ));
            }
        }
        out
    }

    /// Width divided by height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }
}

/// Index of the candidate whose aspect ratio (width / height) is nearest to
/// `target`, compared on a log scale so that 2:1 and 1:2 are equally far from 1:1.
pub fn nearest_aspect(target: f64, candidates: impl IntoIterator<Item = f64>) -> Option<usize> {
    candidates
        .into_iter()
        .map(|a| (a / target).ln().abs())
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_presets_by_name_and_rejects_unknown() {
        let p = Preset::find("instagram-story").unwrap();
        assert_eq!((p.width, p.height), (1080, 1920));
        let err = Preset::find("tiktok").unwrap_err();
        assert!(err.to_string().contains("tiktok"));
    }

    #[test]
    fn boxes_in_the_bands_a_story_app_covers_are_warned_about() {
        let story = Preset::find("instagram-story").unwrap();
        let boxes = [
            ("name".to_string(), [40.0, 1600.0, 1000.0, 120.0]),
            ("photo face".to_string(), [300.0, 100.0, 300.0, 300.0]),
            ("slogan".to_string(), [40.0, 250.0, 1000.0, 1324.0]),
        ];
        let w = story.safe_zone_warnings(&boxes);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("name: outside the safe zone: 146 px into the bottom 18%"),
            "{w:?}"
        );
        assert!(
            w[1].starts_with("photo face: outside the safe zone: 150 px into the top 13%"),
            "{w:?}"
        );
        let square = Preset::find("instagram-square").unwrap();
        assert!(
            square.safe_zone_warnings(&boxes).is_empty(),
            "feed posts have no covered bands"
        );
    }

    #[test]
    fn preset_names_are_unique() {
        for (i, a) in PRESETS.iter().enumerate() {
            assert!(PRESETS[i + 1..].iter().all(|b| b.name != a.name));
        }
    }

    #[test]
    fn nearest_aspect_uses_ratio_distance() {
        // square, portrait 4:5, story 9:16, landscape 16:9
        let variants = [1.0, 0.8, 0.5625, 16.0 / 9.0];
        assert_eq!(nearest_aspect(1080.0 / 1920.0, variants), Some(2));
        assert_eq!(nearest_aspect(1200.0 / 627.0, variants), Some(3));
        assert_eq!(nearest_aspect(2480.0 / 3508.0, variants), Some(1));
        assert_eq!(nearest_aspect(1.0, []), None);
    }
}
