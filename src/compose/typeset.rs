//! Setting one value in one text slot: the template's rules applied, lines
//! measured by usvg, every character's font checked, and the overflow policy
//! applied when nothing fits.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::compose::Record;
use crate::compose::measure::{Measured, Measurements};
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::geometry::Bounds;
use crate::limits::{MAX_CHARS, MAX_LINES, MAX_WORDS};
use crate::template::slot::TextSlot;
use crate::template::{Template, Variant};
use crate::text::fit::{self as text_fit, FitRules, Ink, Layout};

/// What to do with a value that does not fit its box even at the minimum size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// The row fails with an error naming the field (default).
    #[default]
    Error,
    /// Cut the value and end it with `…`, at the minimum size; reported as a warning.
    Truncate,
    /// Set it smaller than the minimum size, still inside the box; reported as a warning.
    Warn,
}

/// How one text value was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextReport {
    pub field: String,
    /// Font size used, in template units.
    pub size: f32,
    /// Size used divided by the slot's maximum (1.0: not shrunk).
    pub shrink: f32,
    pub lines: usize,
    /// Font families other than the slot's own that draw some characters.
    pub fallback_fonts: Vec<String>,
}

/// A value set in its slot.
pub(crate) struct Set {
    pub layout: Layout,
    /// Where the ink lands, in the text's user units (`None`: nothing drawn).
    pub ink: Option<Bounds>,
    pub report: TextReport,
    pub warnings: Vec<String>,
}

/// Sets `record`'s value for `slot`, or says why the row cannot be rendered.
pub(crate) fn set(
    template: &Template,
    variant: &Variant,
    slot: &TextSlot,
    record: &Record,
    overflow: Overflow,
    fonts: &Fonts,
    measures: &Measurements,
) -> Result<Set> {
    let (row, values) = (record.row, &record.values);
    let rules = template.rules_for(&slot.field);
    let raw = values.get(&slot.field).map(String::as_str).unwrap_or("").trim();
    if raw.is_empty() && rules.required {
        return Err(Error::MissingValue {
            row,
            slot: slot.field.clone(),
        });
    }
    // Line breaking enumerates breakings: bound the work a hostile value can cause.
    let words = raw.split_whitespace().count();
    if raw.chars().count() > MAX_CHARS || words > MAX_WORDS {
        return Err(Error::TextOverflow {
            row,
            slot: slot.field.clone(),
            message: format!(
                "value of {} characters and {words} words is over the limit ({MAX_CHARS} characters, {MAX_WORDS} words) for a text slot",
                raw.chars().count()
            ),
        });
    }
    let text = rules.case.apply(raw);
    let max_size = rules.max_size.or(slot.font_size).unwrap_or(slot.frame.height);
    let min_size = rules.min_size.unwrap_or(max_size * 0.4).min(max_size);
    let fit_rules = FitRules {
        max_size,
        min_size,
        max_lines: rules
            .max_lines
            .unwrap_or_else(|| text_fit::lines_held(slot.frame.height, min_size, rules.line_height))
            .clamp(1, MAX_LINES),
        line_height: rules.line_height,
        align: rules.align.or(slot.align).unwrap_or_default(),
        valign: rules.valign,
    };
    let attempt = |text: &str, fit_rules: &FitRules| -> Result<(Option<Layout>, Arc<Measured>)> {
        let lines = text_fit::candidate_lines(text, fit_rules.max_lines);
        let m = crate::compose::measure::measure(
            variant,
            slot,
            &rules,
            values,
            text,
            &lines,
            &template.fallbacks,
            fonts,
            measures,
        )?;
        Ok((
            text_fit::fit(text, fit_rules, slot.frame, &|l| m.inks.get(l).copied()),
            m,
        ))
    };
    let (layout, measured) = attempt(&text, &fit_rules)?;
    if let Some(c) = measured.missing.first() {
        return Err(Error::TextOverflow {
            row,
            slot: slot.field.clone(),
            message: format!(
                "character {c:?} (U+{:04X}) is in no font of the font folders; add a font that has it, or remove it from the value",
                u32::from(*c)
            ),
        });
    }
    let mut warnings: Vec<String> = measured
        .fallbacks
        .iter()
        .map(|f| format!("{}: some characters drawn with fallback font {f:?}", slot.field))
        .collect();
    let too_long = || Error::TextOverflow {
        row,
        slot: slot.field.clone(),
        message: format!(
            "{text:?} does not fit its {:.0}×{:.0} box even at the minimum size {:.0} in {} line(s) (variant {}); \
             shorten the value, lower min_size, or let it be truncated (overflow = \"truncate\", --overflow truncate)",
            slot.frame.width, slot.frame.height, fit_rules.min_size, fit_rules.max_lines, variant.name
        ),
    };
    let layout = match (layout, overflow) {
        (Some(l), _) => l,
        (None, Overflow::Error) => return Err(too_long()),
        (None, Overflow::Warn) => {
            let smaller = FitRules {
                min_size: 0.0,
                ..fit_rules
            };
            let l = attempt(&text, &smaller)?.0.ok_or_else(too_long)?;
            warnings.push(format!(
                "{}: set at {:.0}, below the minimum size {:.0}",
                slot.field, l.size, fit_rules.min_size
            ));
            l
        }
        (None, Overflow::Truncate) => {
            let (l, kept) = truncate(&text, |t| Ok(attempt(t, &fit_rules)?.0))?.ok_or_else(too_long)?;
            warnings.push(format!("{}: truncated to {kept:?}", slot.field));
            l
        }
    };
    let report = TextReport {
        field: slot.field.clone(),
        size: layout.size,
        shrink: layout.size / max_size,
        lines: layout.lines.len(),
        fallback_fonts: measured.fallbacks.clone(),
    };
    Ok(Set {
        ink: ink_box(&layout, &measured.inks, slot.frame),
        layout,
        report,
        warnings,
    })
}

/// The union of the set lines' ink: each line's ink measured at the reference
/// size, scaled to the size used, from its start point. A line that was not
/// measured (a truncation's) counts as the whole box.
fn ink_box(layout: &Layout, inks: &std::collections::HashMap<String, Ink>, frame: Bounds) -> Option<Bounds> {
    let k = layout.size / text_fit::REF_SIZE;
    let boxes = layout.lines.iter().map(|l| match inks.get(&l.text) {
        Some(i) => [l.x + i.left * k, l.y + i.top * k, l.x + i.right * k, l.y + i.bottom * k],
        None => [frame.x, frame.y, frame.x + frame.width, frame.y + frame.height],
    });
    let [x0, y0, x1, y1] = boxes.reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])?;
    Some(Bounds {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    })
}

/// The longest prefix of `text` that fits once ended with `…` (binary search:
/// a few measurements instead of one per character).
fn truncate(text: &str, mut fits: impl FnMut(&str) -> Result<Option<Layout>>) -> Result<Option<(Layout, String)>> {
    let chars: Vec<char> = text.chars().collect();
    let cut = |n: usize| format!("{}…", chars[..n].iter().collect::<String>().trim_end());
    let (mut lo, mut hi) = (0usize, chars.len()); // cut(lo) is known to fit once lo > 0
    let mut best = None;
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate = cut(mid);
        match fits(&candidate)? {
            Some(l) => {
                best = Some((l, candidate));
                lo = mid;
            }
            None => hi = mid - 1,
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fit::Line;

    /// Fits when the text has at most `n` characters.
    fn fits_up_to(n: usize) -> impl FnMut(&str) -> Result<Option<Layout>> {
        move |t: &str| {
            Ok((t.chars().count() <= n).then(|| Layout {
                size: 10.0,
                lines: vec![Line {
                    text: t.into(),
                    x: 0.0,
                    y: 0.0,
                }],
            }))
        }
    }

    #[test]
    fn truncate_keeps_the_longest_prefix_that_fits() {
        let (_, kept) = truncate("Marie-Éléonore DE LA TOUR", fits_up_to(10)).unwrap().unwrap();
        assert_eq!(kept, "Marie-Élé…");
        let (_, kept) = truncate("Jean DUPONT", fits_up_to(6)).unwrap().unwrap();
        assert_eq!(kept, "Jean…", "trailing space trimmed before the ellipsis");
        assert!(truncate("Jean", fits_up_to(0)).unwrap().is_none());
    }
}
