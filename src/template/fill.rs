//! Filling a variant's SVG source with one record: placeholders substituted
//! (escaped), text slots rewritten as fitted lines, photo slots pointed at the
//! prepared photo.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::template::Variant;
use crate::template::ids::{self, PHOTO_HREF};
use crate::template::slot::TextSlot;
use crate::text::fit::Layout;

/// Escapes a value for XML text and attribute values, so it renders literally.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // `{` is escaped too, so that a value can never form a placeholder.
            '{' => out.push_str("&#123;"),
            _ => out.push(c),
        }
    }
    out
}

/// Replaces `{{column}}` and `{{column|default}}` with escaped values. A missing
/// or empty value takes the default, or else becomes empty.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> String {
    replace(text, |name| {
        Some(values.get(name).filter(|v| !v.is_empty()).map(String::as_str))
    })
}

/// Replaces only the placeholders that `constant` resolves: `Some(Some(value))` as
/// [`substitute`] would with that value, `Some(None)` as with no value (the default),
/// so that filling the result with any row's values gives [`substitute`]'s text.
/// `None` leaves a placeholder for the rows to fill.
pub(crate) fn substitute_constants(text: &str, constant: &dyn Fn(&str) -> Option<Option<String>>) -> String {
    let resolved: BTreeMap<String, Option<String>> = crate::template::slot::placeholders(text)
        .into_iter()
        .filter_map(|(name, _)| Some((name.clone(), constant(&name)?)))
        .collect();
    if resolved.is_empty() {
        return text.to_string();
    }
    replace(text, |name| {
        resolved.get(name).map(|v| v.as_deref().filter(|v| !v.is_empty()))
    })
}

/// The placeholder scan shared by both: `value(name)` is `None` to leave the
/// placeholder as it is, `Some(None)` for its default, `Some(Some(v))` for `v`, escaped.
fn replace<'a>(text: &str, value: impl Fn(&str) -> Option<Option<&'a str>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        let inner = &rest[start + 2..start + 2 + len];
        let (name, default) = inner.split_once('|').map_or((inner, None), |(n, d)| (n, Some(d)));
        let end = start + 2 + len + 2;
        match value(name.trim()) {
            Some(Some(v)) => {
                out.push_str(&rest[..start]);
                out.push_str(&escape(v));
            }
            // The default is the designer's own text, already valid XML.
            Some(None) => {
                out.push_str(&rest[..start]);
                out.push_str(default.unwrap_or_default());
            }
            None => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// One text slot's content for [`fill_svg`].
pub(crate) enum TextFill<'a> {
    /// Fitted lines.
    Fitted(&'a Layout, f32),
    /// A stand-in line at the box's top left, used to learn the slot's geometry.
    Probe,
}

pub(crate) fn text_open(
    slot: &TextSlot,
    values: &BTreeMap<String, String>,
    id: &str,
    size: f32,
    spacing: f32,
    measuring: bool,
) -> String {
    let mut s = format!("<text id=\"{id}\"");
    for (name, attr) in &slot.attrs {
        // Measuring leaves out what cannot change the ink at the reference size: the
        // placement and the drawn size are the style's and tspan's, so every variant of a
        // slot styled alike gives the same measuring document (measured once per row).
        if measuring
            && (matches!(
                name.as_str(),
                "transform" | "clip-path" | "mask" | "filter" | "font-size"
            ) || single_position(name, attr))
        {
            continue;
        }
        s.push(' ');
        s.push_str(&substitute(attr, values));
    }
    let sep = if slot.style.trim().is_empty() { "" } else { ";" };
    let style = substitute(&slot.style, values).replace('"', "'");
    let _ = write!(
        s,
        " style=\"{style}{sep}font-size:{size}px;letter-spacing:{spacing}px;text-anchor:start\">"
    );
    s
}

/// An `x` or `y` attribute with one number: the measuring tspan's own position overrides it.
/// A list also places later characters, so it is kept.
fn single_position(name: &str, attr: &str) -> bool {
    matches!(name, "x" | "y")
        && attr
            .split(['"', '\''])
            .nth(1)
            .is_some_and(|v| v.split([' ', ',']).filter(|s| !s.is_empty()).count() <= 1)
}

/// The variant's SVG with every slot and placeholder filled.
pub(crate) fn fill_svg(variant: &Variant, values: &BTreeMap<String, String>, texts: &[TextFill]) -> String {
    // Edits, in source order: (range, replacement).
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for r in &variant.removals {
        edits.push((r.clone(), String::new()));
    }
    for (slot, fill) in variant.texts.iter().zip(texts) {
        let id = ids::text_id(&slot.field);
        let el = match fill {
            TextFill::Fitted(layout, spacing) => {
                let mut el = text_open(slot, values, &id, layout.size, spacing * layout.size, false);
                for line in &layout.lines {
                    let _ = write!(
                        el,
                        "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                        line.x,
                        line.y,
                        escape(&line.text)
                    );
                }
                el
            }
            TextFill::Probe => {
                let mut el = text_open(slot, values, &id, 10.0, 0.0, false);
                let _ = write!(
                    el,
                    "<tspan x=\"{}\" y=\"{}\">X</tspan>",
                    slot.frame.x,
                    slot.frame.y + slot.frame.height
                );
                el
            }
        };
        edits.push((slot.range.clone(), el + "</text>"));
    }
    for slot in &variant.photos {
        let f = slot.frame;
        let mut attrs = substitute(&slot.attrs, values);
        // The photo is prepared at its frame's exact output pixels, so it is
        // drawn 1:1: nearest-neighbour sampling is exact there and a fraction
        // of the cost of the bicubic default (which samples 16 pixels for each).
        if !attrs.contains("image-rendering") {
            attrs.push_str(" image-rendering=\"optimizeSpeed\"");
        }
        let el = format!(
            "<image id=\"{id}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" href=\"{PHOTO_HREF}{field}\" {attrs}/>",
            f.x,
            f.y,
            f.width,
            f.height,
            id = ids::photo_id(&slot.field),
            field = slot.field
        );
        edits.push((slot.range.clone(), el));
    }
    // The static background is drawn from its cache: hide it here, in <defs> so
    // that what it defines stays referenceable.
    for r in variant.background.iter().flat_map(|b| &b.drawables) {
        edits.push((r.start..r.start, "<defs>".into()));
        edits.push((r.end..r.end, "</defs>".into()));
    }
    // Static runs above the first slot are drawn from layers when rasterizing: bracket
    // each element so the rasterizer can cut it out (`overlay::strip`); PDF draws them as they are.
    for (n, run) in variant.overlays.runs.iter().enumerate() {
        let (open, close) = ids::overlay_brackets(n);
        for r in run {
            edits.push((r.start..r.start, open.clone()));
            edits.push((r.end..r.end, close.clone()));
        }
    }
    // Stable, and insertions before a removal starting at the same byte: a
    // `</defs>` and the next `<defs>` at one position keep their order.
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let src = &variant.source;
    let mut out = String::with_capacity(src.len() + 4096);
    let mut at = 0;
    for (range, text) in edits {
        // Box rects can sit inside a slot element only in broken files; skip overlaps.
        if range.start < at {
            continue;
        }
        out.push_str(&substitute(&src[at..range.start], values));
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&substitute(&src[at..], values));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_position_list_is_kept_when_measuring() {
        assert!(single_position("x", "x=\"540\""));
        assert!(single_position("y", "y='12.5'"));
        assert!(!single_position("x", "x=\"10 20 30\""));
        assert!(!single_position("x", "x=\"10,20\""));
        assert!(!single_position("dx", "dx=\"4\""));
    }

    #[test]
    fn substitutes_with_escaping_and_defaults() {
        let v = values(&[("name", "A&B <x> \"q\" ]]> {{evil}}"), ("empty", "")]);
        let out = substitute("<t>{{name}}</t><c fill=\"{{empty|#f00}}\"/>{{missing}}", &v);
        assert_eq!(
            out,
            "<t>A&amp;B &lt;x&gt; &quot;q&quot; ]]&gt; &#123;&#123;evil}}</t><c fill=\"#f00\"/>"
        );
    }

    /// Constants filled ahead give the text of filling everything with the row's values.
    #[test]
    fn constants_filled_ahead_leave_the_rest_for_the_rows() {
        let text = "<c fill=\"{{accent|#f00}}\"/><d fill=\"{{accent}}\"/>{{tint|#0f0}} {{name}} {{blank|x}}";
        let constant = |name: &str| match name {
            "accent" => Some(Some("#00f".to_string())),
            "tint" => Some(None),
            "blank" => Some(Some(String::new())),
            _ => None,
        };
        let ahead = substitute_constants(text, &constant);
        assert_eq!(ahead, "<c fill=\"#00f\"/><d fill=\"#00f\"/>#0f0 {{name}} x");
        let row = values(&[("accent", "#00f"), ("name", "A&B"), ("blank", "")]);
        assert_eq!(substitute(&ahead, &row), substitute(text, &row));
        assert_eq!(substitute_constants(text, &|_| None), text);
    }

    #[test]
    fn escaped_values_parse_back_to_the_same_text() {
        let nasty = "<script>&amp;\"'</svg>]]>";
        let doc = format!("<a b=\"{0}\">{0}</a>", escape(nasty));
        let parsed = roxmltree::Document::parse(&doc).unwrap();
        assert_eq!(parsed.root_element().attribute("b"), Some(nasty));
        assert_eq!(parsed.root_element().text(), Some(nasty));
    }
}
