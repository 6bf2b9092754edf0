//! Fitting a value into its text box: the largest size at which it fits within
//! `max_lines`, with line breaks a typographer would choose for a name
//! (`line_break` proposes them and prices each).
//!
//! Lines are measured by usvg itself (`compose::measure`, through the measuring function), at a reference size
//! of 100 units: outlines scale linearly with the font size (usvg does not
//! hint), so one measurement per candidate line gives exact boxes at any size.

use serde::Deserialize;

use crate::geometry::Bounds;

pub use crate::text::line_break::candidate_lines;
use crate::text::line_break::{break_penalty, breakings, join, tokens};

/// Horizontal alignment inside the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

/// Vertical alignment inside the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VAlign {
    Top,
    #[default]
    Middle,
    Bottom,
}

/// Case transform applied before fitting. Names are never re-cased unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    #[default]
    None,
    Upper,
    Lower,
}

impl Case {
    /// Applies the transform; Unicode-aware, so `é` → `É` and `ß` → `SS`.
    pub fn apply(self, text: &str) -> String {
        match self {
            Case::None => text.to_string(),
            Case::Upper => text.to_uppercase(),
            Case::Lower => text.to_lowercase(),
        }
    }
}

/// Ink extent of one line set at the reference size (100 units), relative to
/// its start point on the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ink {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

/// Reference font size at which lines are measured.
pub const REF_SIZE: f32 = 100.0;

/// What the fitter may do, resolved from the template's rules.
#[derive(Debug, Clone, Copy)]
pub struct FitRules {
    pub max_size: f32,
    pub min_size: f32,
    pub max_lines: usize,
    pub line_height: f32,
    pub align: Align,
    pub valign: VAlign,
}

/// One line placed at its start point on the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub x: f32,
    pub y: f32,
}

/// The chosen setting of one value in its box.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub size: f32,
    pub lines: Vec<Line>,
}

/// How many lines of `size` set `line_height` × `size` apart a box `height` tall holds
/// (at least 1): the first line takes about one `size`, each further one a pitch.
pub fn lines_held(height: f32, size: f32, line_height: f32) -> usize {
    let pitch = size * line_height;
    if !(size > 0.0 && pitch > 0.0 && height > size) {
        return 1;
    }
    1 + ((height - size) / pitch).floor() as usize
}

/// Chooses size and breaks for `text` in `frame`. `measure` gives the ink of a
/// candidate line at [`REF_SIZE`]. Returns `None` when nothing fits at `min_size`.
pub fn fit(text: &str, rules: &FitRules, frame: Bounds, measure: &dyn Fn(&str) -> Option<Ink>) -> Option<Layout> {
    if text.trim().is_empty() {
        return Some(Layout {
            size: rules.max_size,
            lines: Vec::new(),
        });
    }
    let lh = rules.line_height * REF_SIZE;
    let mut best: Option<Candidate> = None;
    // Hyphenated names are split only when nothing fits otherwise.
    for split in [false, true] {
        let toks = tokens(text, split);
        let n = toks.len();
        for k in 1..=rules.max_lines.min(n).max(1) {
            breakings(n, k, &mut |starts| {
                let mut lines = Vec::with_capacity(k);
                let mut penalty = 0.97f32.powi(k as i32 - 1);
                for (i, &s) in starts.iter().enumerate() {
                    let e = starts.get(i + 1).copied().unwrap_or(n);
                    let line = join(&toks[s..e]);
                    let Some(ink) = measure(&line) else { return };
                    if s > 0 {
                        penalty *= break_penalty(&toks, s);
                    }
                    // A lone short word on a line reads as a mistake.
                    if k > 1 && e - s == 1 && toks[s].text.chars().count() <= 3 {
                        penalty *= 0.8;
                    }
                    lines.push((line, ink));
                }
                let widest = lines.iter().map(|(_, i)| i.right - i.left).fold(0.0, f32::max);
                let narrowest = lines.iter().map(|(_, i)| i.right - i.left).fold(f32::MAX, f32::min);
                // Balanced lines win ties (sizes capped by max_size or by the box height).
                if k > 1 && widest > 0.0 {
                    penalty *= 1.0 - 0.05 * (1.0 - narrowest / widest);
                }
                let (top, bottom) = extent(&lines, lh);
                let size_w = if widest > 0.0 {
                    frame.width * REF_SIZE / widest
                } else {
                    f32::MAX
                };
                let size_h = if bottom > top {
                    frame.height * REF_SIZE / (bottom - top)
                } else {
                    f32::MAX
                };
                // A hair under the exact fit, so rounding never pushes ink out.
                let size = rules.max_size.min(size_w * 0.999).min(size_h * 0.999);
                if size < rules.min_size {
                    return;
                }
                let rank = size * penalty;
                if best.as_ref().is_none_or(|b| rank > b.rank) {
                    best = Some(Candidate { rank, size, lines });
                }
            });
        }
        if best.is_some() {
            break;
        }
    }
    let best = best?;
    Some(place(best.size, best.lines, rules, frame))
}

/// A breaking under consideration: its rank (size weighed by penalties) and size.
struct Candidate {
    rank: f32,
    size: f32,
    lines: Vec<(String, Ink)>,
}

/// Top and bottom of the ink of `lines` set `pitch` apart, at the reference size.
fn extent(lines: &[(String, Ink)], pitch: f32) -> (f32, f32) {
    let rows = || {
        lines
            .iter()
            .enumerate()
            .map(|(i, (_, ink))| (i as f32 * pitch + ink.top, i as f32 * pitch + ink.bottom))
    };
    (
        rows().map(|r| r.0).fold(f32::MAX, f32::min),
        rows().map(|r| r.1).fold(f32::MIN, f32::max),
    )
}

fn place(size: f32, lines: Vec<(String, Ink)>, rules: &FitRules, frame: Bounds) -> Layout {
    let k = size / REF_SIZE;
    let pitch = rules.line_height * size;
    let (top, bottom) = extent(&lines, pitch / k);
    let (top, bottom) = (top * k, bottom * k);
    let y0 = match rules.valign {
        VAlign::Top => frame.y - top,
        VAlign::Middle => frame.y + (frame.height - (bottom - top)) / 2.0 - top,
        VAlign::Bottom => frame.y + frame.height - bottom,
    };
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(i, (text, ink))| {
            let w = (ink.right - ink.left) * k;
            let x = match rules.align {
                Align::Left => frame.x,
                Align::Center => frame.x + (frame.width - w) / 2.0,
                Align::Right => frame.x + frame.width - w,
            } - ink.left * k;
            Line {
                text,
                x,
                y: y0 + i as f32 * pitch,
            }
        })
        .collect();
    Layout { size, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A monospaced fake: every character 50 units wide, caps 70 high, no descender.
    fn mono(line: &str) -> Option<Ink> {
        let n = line.chars().count() as f32;
        Some(Ink {
            left: 0.0,
            top: -70.0,
            right: 50.0 * n,
            bottom: 0.0,
        })
    }

    fn rules(max_lines: usize) -> FitRules {
        FitRules {
            max_size: 100.0,
            min_size: 10.0,
            max_lines,
            line_height: 1.0,
            align: Align::Center,
            valign: VAlign::Middle,
        }
    }

    const WIDE: Bounds = Bounds {
        x: 0.0,
        y: 0.0,
        width: 1000.0,
        height: 200.0,
    };

    #[test]
    fn a_box_holds_the_lines_its_height_has_room_for() {
        // 300 tall at 64 px, 1.1 apart: 64 + 3 × 70.4 = 275 ≤ 300 < 64 + 4 × 70.4.
        assert_eq!(lines_held(300.0, 64.0, 1.1), 4);
        assert_eq!(lines_held(300.0, 120.0, 1.1), 2);
        assert_eq!(lines_held(100.0, 120.0, 1.1), 1);
        assert_eq!(lines_held(100.0, 0.0, 1.1), 1);
    }

    #[test]
    fn short_name_stays_on_one_line_at_max_size() {
        let l = fit("Léa ROY", &rules(2), WIDE, &mono).unwrap();
        assert_eq!(l.size, 100.0);
        assert_eq!(l.lines.len(), 1);
    }

    #[test]
    fn shrinks_to_the_width_then_centres() {
        let l = fit("ABCDEFGHIJKLMNOPQRST", &rules(1), WIDE, &mono).unwrap(); // 1000 units at 100
        assert!(l.size < 100.0 && l.size > 99.0, "{}", l.size);
        let w = 20.0 * 50.0 * l.size / 100.0;
        assert!((l.lines[0].x - (1000.0 - w) / 2.0).abs() < 0.01);
    }

    #[test]
    fn wraps_long_names_at_the_surname_not_after_a_particle() {
        let l = fit(
            "Marie-Christine de LA TOUR",
            &rules(2),
            Bounds { width: 700.0, ..WIDE },
            &mono,
        )
        .unwrap();
        let texts: Vec<&str> = l.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Marie-Christine", "de LA TOUR"]);
    }

    #[test]
    fn equal_sizes_prefer_balanced_lines() {
        // Height-bound: every 2-line breaking gets the same size, so balance decides.
        let frame = Bounds {
            x: 0.0,
            y: 0.0,
            width: 1400.0,
            height: 100.0,
        };
        let l = fit(
            "Français établis hors de France (11e circonscription)",
            &rules(2),
            frame,
            &mono,
        )
        .unwrap();
        let texts: Vec<&str> = l.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Français établis hors de France", "(11e circonscription)"]);
    }

    #[test]
    fn never_breaks_after_a_particle_when_another_break_fits() {
        let l = fit(
            "Jean de LA FONTAINE",
            &rules(2),
            Bounds {
                width: 500.0,
                height: 400.0,
                ..WIDE
            },
            &mono,
        )
        .unwrap();
        assert!(
            l.lines.iter().all(|l| !l.text.ends_with(" de") && l.text != "de"),
            "{:?}",
            l.lines
        );
    }

    #[test]
    fn hyphenated_names_split_only_when_nothing_else_fits() {
        // One 25-char word: at min size 10 it needs 125 units; the box has 100.
        let narrow = Bounds {
            x: 0.0,
            y: 0.0,
            width: 100.0,
            height: 400.0,
        };
        let r = FitRules {
            max_lines: 2,
            min_size: 10.0,
            ..rules(2)
        };
        let l = fit("Jean-Baptiste-Emmanuelle", &r, narrow, &mono).unwrap();
        assert_eq!(l.lines.len(), 2);
        assert!(l.lines[0].text.ends_with('-'), "{:?}", l.lines);
        let l = fit("Jean-Baptiste", &rules(2), WIDE, &mono).unwrap();
        assert_eq!(l.lines.len(), 1);
    }

    #[test]
    fn overflow_returns_none() {
        let tiny = Bounds {
            x: 0.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        };
        assert!(fit("Anne Hélène Janine Marie DAGUENEL", &rules(2), tiny, &mono).is_none());
    }

    #[test]
    fn vertical_alignment_uses_ink() {
        let r = FitRules {
            valign: VAlign::Bottom,
            ..rules(1)
        };
        let l = fit("AB", &r, WIDE, &mono).unwrap();
        assert_eq!(l.lines[0].y, 200.0); // baseline on the box bottom: no descender
        let r = FitRules {
            valign: VAlign::Top,
            ..rules(1)
        };
        assert_eq!(fit("AB", &r, WIDE, &mono).unwrap().lines[0].y, 70.0);
    }

    #[test]
    fn case_transform_keeps_accents() {
        assert_eq!(Case::Upper.apply("Hélène Straße"), "HÉLÈNE STRASSE");
        assert_eq!(Case::None.apply("de Courson"), "de Courson");
    }
}
