//! `[font_aliases]` in `template.toml`: a family the drawing names, drawn with another.
//! Editors' exports name the designer's fonts (`'MyriadPro-Bold'`, `Calibri`), often ones
//! that may not be shipped with a campaign; the designer maps each to a font they have, and
//! every `font-family` of the file (attribute, `style`, CSS) is rewritten at load, before
//! anything else reads it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::template::font_use::family_and_style;

/// `source` with every family named in `aliases` (matched ignoring case and quotes) replaced
/// by its alias in each `font-family` value; `source` itself when nothing changes.
pub(crate) fn apply<'a>(source: &'a str, aliases: &BTreeMap<String, String>) -> Cow<'a, str> {
    if aliases.is_empty() {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    let mut changed = false;
    while let Some(at) = rest.find("font-family") {
        let after = at + "font-family".len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let Some((start, end)) = value_span(rest) else { continue };
        out.push_str(&rest[..start]);
        let value = &rest[start..end];
        let mapped = map_list(value, aliases);
        changed |= mapped != value;
        out.push_str(&mapped);
        rest = &rest[end..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(source)
    }
}

/// Where the value after a `font-family` name starts and ends: an attribute's quoted value
/// (`="…"`), or a CSS declaration's (`: …` up to `;`, `}`, `"` or the end of a tag).
fn value_span(rest: &str) -> Option<(usize, usize)> {
    let trimmed = rest.trim_start();
    let skip = rest.len() - trimmed.len();
    match trimmed.chars().next()? {
        '=' => {
            let inner = trimmed[1..].trim_start();
            let quote = inner.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let start = rest.len() - inner.len() + 1;
            let end = start + rest[start..].find(quote)?;
            Some((start, end))
        }
        ':' => {
            let start = skip + 1;
            let end = start
                + rest[start..]
                    .find([';', '}', '"', '<', '>'])
                    .unwrap_or(rest.len() - start);
            Some((start, end))
        }
        _ => None,
    }
}

/// A `font-family` list with aliased families replaced (unquoted: valid in any quoting). A
/// family alias maps its every face: with `"Sintony" = "Noto Sans"`, `'Sintony-Bold'` becomes
/// `Noto Sans Bold, Noto Sans` (the bold face when the folders have it, else the family).
fn map_list(list: &str, aliases: &BTreeMap<String, String>) -> String {
    list.split(',')
        .map(|item| {
            let name = item.trim().trim_matches(['\'', '"']).trim();
            let indent = &item[..item.len() - item.trim_start().len()];
            let named = |n: &str| {
                aliases
                    .iter()
                    .find(|(from, _)| from.eq_ignore_ascii_case(n))
                    .map(|(_, to)| to)
            };
            if let Some(to) = named(name) {
                return format!("{indent}{to}");
            }
            match family_and_style(name) {
                (family, Some(style)) => match named(&family) {
                    Some(to) if style == "Regular" => format!("{indent}{to}"),
                    Some(to) => format!("{indent}{to} {style}, {to}"),
                    None => item.to_string(),
                },
                (family, None) => match named(&family) {
                    Some(to) => format!("{indent}{to}"),
                    None => item.to_string(),
                },
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_mapped_in_attributes_styles_and_css_and_nothing_else() {
        let aliases = BTreeMap::from([
            ("MyriadPro-Bold".to_string(), "Roboto Condensed Bold".to_string()),
            ("Calibri".to_string(), "Noto Sans".to_string()),
        ]);
        let svg = r#"<style>.st7{font-family:'MyriadPro-Bold';}</style><text font-family="'Calibri', sans-serif" style="font-size:3px;font-family:calibri">Calibri</text><text font-family='Anton'>MyriadPro-Bold</text>"#;
        assert_eq!(
            apply(svg, &aliases),
            r#"<style>.st7{font-family:Roboto Condensed Bold;}</style><text font-family="Noto Sans, sans-serif" style="font-size:3px;font-family:Noto Sans">Calibri</text><text font-family='Anton'>MyriadPro-Bold</text>"#
        );
        assert!(matches!(apply(svg, &BTreeMap::new()), Cow::Borrowed(_)));
        // A family maps each of its faces, however the editor wrote it.
        let family = BTreeMap::from([("Sintony".to_string(), "Noto Sans".to_string())]);
        assert_eq!(
            apply(
                r#"<text style="font-family:'Sintony-Bold', Sintony"/><text font-family="Sintony-Regular"/><text font-family="SintonyMT"/>"#,
                &family
            ),
            r#"<text style="font-family:Noto Sans Bold, Noto Sans, Noto Sans"/><text font-family="Noto Sans"/><text font-family="Noto Sans"/>"#
        );
        assert!(matches!(
            apply("<text font-family=\"Anton\"/>", &aliases),
            Cow::Borrowed(_)
        ));
    }
}
