//! Which named elements are slots. A slot is what the data binds: an element named by the
//! manifest's or the campaign's `[fields]` (listed), by a data column, or declared by the
//! drawing itself (a `<name>-box` rectangle for a text, a `<name>-face` one for an image).
//! Every other named element is artwork and renders as drawn: a logo Sketch calls `Bitmap`,
//! a flyer's labelled paragraphs. Those that could be slots are reported as unbound, so a
//! misspelt column is seen, never silent.

use roxmltree::Node;

use super::names_of;
use crate::template::field::{FieldKind, Unbound};

/// The names bound by the campaign, beyond what the drawing declares.
#[derive(Clone, Copy)]
pub(crate) struct Binding<'a> {
    /// Fields the manifest, the campaign's `[fields]` or the caller list: a text named so must
    /// have a box.
    pub listed: &'a dyn Fn(&str) -> bool,
    /// The data's columns: a text named so without a box stays artwork (a column may well
    /// share a name with a heading), with a note saying how to fill it.
    pub column: &'a dyn Fn(&str) -> bool,
}

impl Binding<'_> {
    /// Nothing bound beyond the drawing's own declarations.
    #[cfg(test)]
    pub(crate) const NONE: Binding<'static> = Binding {
        listed: &|_| false,
        column: &|_| false,
    };

    pub(crate) fn binds(&self, name: &str) -> bool {
        (self.listed)(name) || (self.column)(name)
    }
}

/// A name a designer gave, that a column could carry: no digits (`text1234`, `image5` are
/// the editor's), only letters, `-`, `_` and spaces (Inkscape's automatic labels of a text
/// quote its words and punctuation: `•-Open-Source:-secur`).
pub(crate) fn designer_name(name: &str) -> bool {
    !name.is_empty()
        && !super::tool_generated(name)
        && name.chars().all(|c| c.is_alphabetic() || matches!(c, '-' | '_' | ' '))
}

/// A named element that could be a slot but that nothing binds, and the note to give when a
/// column shares its name yet cannot fill it.
pub(crate) fn unbound_text(name: &str, framed: bool, column: bool) -> (Unbound, Option<String>) {
    let advice = match framed {
        true => format!("add a column {name:?} to fill it (its text frame is the box)"),
        false => format!("add a column {name:?} and draw a rectangle named \"{name}-box\" where the value may go"),
    };
    let note = (column && !framed).then(|| {
        format!("text {name:?} has the name of a column but no box, so it is drawn as in the template: draw a rectangle named \"{name}-box\" where the value may go")
    });
    (unbound(name, FieldKind::Text, advice), note)
}

/// An image nothing binds (a logo): artwork until a column of its name fills it.
pub(crate) fn unbound_photo(name: &str) -> Unbound {
    unbound(name, FieldKind::Photo, format!("add a column {name:?} to fill it"))
}

fn unbound(name: &str, kind: FieldKind, advice: String) -> Unbound {
    Unbound {
        name: name.to_string(),
        kind,
        variants: Vec::new(),
        advice,
    }
}

/// Whether a designer named the element in the editor (Inkscape's label, Affinity's and
/// Illustrator's layer names), rather than the editor (ids, Figma's text content).
pub(crate) fn labelled(node: &Node) -> bool {
    [
        node.attribute((super::INKSCAPE_NS, "label")),
        node.attribute((super::SERIF_NS, "id")),
        node.attribute("data-name"),
    ]
    .into_iter()
    .flatten()
    .any(designer_name)
}

/// The first designer-given name of `node`, if any.
pub(crate) fn candidate_name<'a>(node: &Node<'a, 'a>) -> Option<&'a str> {
    names_of(node).find(|n| designer_name(n))
}

/// Inkscape 0.92's flowed text (`<flowRoot>`, an SVG 1.2 draft never adopted): Inkscape
/// shows it, browsers and resvg draw nothing. The note says what was lost and how to keep it.
pub(crate) fn flowed_text_note(node: &Node, binding: &Binding) -> Result<String, String> {
    let name = names_of(node).next().unwrap_or("flowRoot");
    let words: String = node
        .descendants()
        .filter(|n| n.is_text() && !n.ancestors().any(|a| a.has_tag_name("flowRegion")))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let shown: String = words.chars().take(40).collect();
    let more = if words.chars().count() > 40 { "…" } else { "" };
    let fix = "in Inkscape select it, choose Text ▸ Convert to Text, and save";
    let said = format!(
        "flowed text {name:?} (\"{shown}{more}\") is Inkscape 0.92's <flowRoot>, which SVG renderers do not draw"
    );
    if (binding.listed)(name) {
        return Err(format!(
            "{said}: it cannot be filled; {fix}, then draw a box \"{name}-box\" around it"
        ));
    }
    Ok(format!("{said}: it is left out of every poster; {fix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designer_names_are_those_a_column_could_carry() {
        for name in [
            "photo",
            "Bitmap",
            "logo",
            "Title",
            "nom de famille",
            "photo_2x",
            "prénom",
        ] {
            assert_eq!(designer_name(name), !name.contains('2'), "{name}");
        }
        for name in ["image1214", "text4839", "•-Open-Source:-secur", "", "a.b"] {
            assert!(!designer_name(name), "{name}");
        }
    }

    #[test]
    fn a_flowed_text_is_noted_with_its_words_or_refused_when_listed() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><flowRoot id="flowRoot1689"><flowRegion><rect width="9" height="9"/></flowRegion><flowPara>Godot talks, workshops, hacking sessions and more!</flowPara><flowPara/></flowRoot></svg>"#;
        let doc = roxmltree::Document::parse(svg).unwrap();
        let node = doc.descendants().find(|n| n.has_tag_name("flowRoot")).unwrap();
        let note = flowed_text_note(&node, &Binding::NONE).unwrap();
        assert!(
            note.contains("\"flowRoot1689\" (\"Godot talks, workshops, hacking sessions…\")"),
            "{note}"
        );
        assert!(note.contains("Text ▸ Convert to Text"), "{note}");
        let listed = Binding {
            listed: &|n| n == "flowRoot1689",
            column: &|_| false,
        };
        let err = flowed_text_note(&node, &listed).unwrap_err();
        assert!(
            err.contains("cannot be filled") && err.contains("flowRoot1689-box"),
            "{err}"
        );
    }
}
