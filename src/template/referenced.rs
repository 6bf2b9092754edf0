//! Photos drawn by reference, as Figma and Affinity Designer export them, turned into the
//! plain `<image>` a photo slot is. Figma fills the named shape with a pattern holding the
//! picture (`<rect id="photo" fill="url(#pattern0)">`, the `<image>` in `<defs>`); Affinity
//! draws the picture with a `<use>` of an `<image>` kept in `<defs>`. Either is rewritten,
//! at load, into an `<image>` where the shape or the `<use>` stood, with the shape as its
//! clip, so the rest of the pipeline sees an ordinary photo slot.

use std::borrow::Cow;

use roxmltree::{Document, Node};

use crate::template::slot::bind::Binding;
use crate::template::slot::{XLINK_NS, href, names_of};

/// `source` with each bound shape filled by an image pattern, and each bound `<use>` of an
/// image, replaced by an `<image>` of the same name; `source` itself when there is none.
/// Bound: named by `binding`, or with a `<name>-face` rectangle; other shapes are artwork.
pub(crate) fn as_images<'a>(source: &'a str, binding: &Binding) -> Cow<'a, str> {
    if !source.contains("url(#") && !source.contains("<use") {
        return Cow::Borrowed(source);
    }
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: crate::limits::MAX_NODES,
    };
    // An unparsable file is reported by the slot finder, with its position.
    let Ok(doc) = Document::parse_with_options(source, opts) else {
        return Cow::Borrowed(source);
    };
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for node in doc.descendants().filter(Node::is_element) {
        let face = |n: &str| {
            doc.descendants()
                .any(|r| names_of(&r).any(|m| m.strip_suffix("-face") == Some(n)))
        };
        if !names_of(&node).any(|n| binding.binds(n) || face(n)) || node.ancestors().any(|a| a.has_tag_name("defs")) {
            continue;
        }
        let replacement = if node.has_tag_name("use") {
            image_of(&doc, href(&node)).map(|image| from_use(source, &node, &image))
        } else if let Some(pattern) = fill_pattern(&doc, &node) {
            pattern_image(&doc, &pattern).and_then(|image| from_shape(source, &node, &image))
        } else {
            None
        };
        if let Some(text) = replacement {
            edits.push((node.range(), text));
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len() + 256 * edits.len());
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(&source[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&source[at..]);
    Cow::Owned(out)
}

fn by_id<'a>(doc: &'a Document<'a>, reference: Option<&str>) -> Option<Node<'a, 'a>> {
    let id = reference?.trim().strip_prefix('#')?;
    doc.descendants().find(|n| n.attribute("id") == Some(id))
}

/// The `<image>` a reference names.
fn image_of<'a>(doc: &'a Document<'a>, reference: Option<&str>) -> Option<Node<'a, 'a>> {
    by_id(doc, reference).filter(|n| n.has_tag_name("image"))
}

/// The `<pattern>` filling `node`, by attribute or style.
fn fill_pattern<'a>(doc: &'a Document<'a>, node: &Node<'a, 'a>) -> Option<Node<'a, 'a>> {
    if !matches!(node.tag_name().name(), "rect" | "circle" | "ellipse") {
        return None;
    }
    let fill = crate::template::slot::style_value(node.attribute("style"), "fill").or(node.attribute("fill"))?;
    let id = fill.trim().strip_prefix("url(")?.split(')').next()?;
    by_id(doc, Some(id.trim_matches(['\'', '"']))).filter(|n| n.has_tag_name("pattern"))
}

/// The one picture a pattern shows: an `<image>` in it, or the one its `<use>` names.
fn pattern_image<'a>(doc: &'a Document<'a>, pattern: &Node<'a, 'a>) -> Option<Node<'a, 'a>> {
    pattern.descendants().find_map(|n| {
        if n.has_tag_name("image") {
            Some(n)
        } else if n.has_tag_name("use") {
            image_of(doc, href(&n))
        } else {
            None
        }
    })
}

/// The element's name attributes as written (`id`, labels), copied onto the new `<image>`.
fn name_attrs(source: &str, node: &Node) -> String {
    node.attributes()
        .filter(|a| matches!(a.name(), "id" | "label" | "data-name"))
        .map(|a| format!(" {}", &source[a.range()]))
        .collect()
}

fn picture(source: &str, image: &Node) -> String {
    let at = image
        .attribute_node((XLINK_NS, "href"))
        .or(image.attribute_node("href"));
    at.map(|a| format!(" {}", &source[a.range()])).unwrap_or_default()
}

fn number(node: &Node, name: &str) -> f32 {
    node.attribute(name)
        .and_then(|v| crate::template::slot::number(v).ok())
        .unwrap_or(0.0)
}

/// An Affinity `<use>` of an image: the image at the use's place and size.
fn from_use(source: &str, node: &Node, image: &Node) -> String {
    let size = |name: &str| {
        Some(number(node, name))
            .filter(|v| *v > 0.0)
            .unwrap_or(number(image, name))
    };
    let transform = node
        .attribute_node("transform")
        .map(|a| format!(" {}", &source[a.range()]));
    format!(
        "<image{} x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}{}/>",
        name_attrs(source, node),
        number(node, "x"),
        number(node, "y"),
        size("width"),
        size("height"),
        transform.unwrap_or_default(),
        picture(source, image)
    )
}

/// A Figma shape filled with an image: the image over the shape's box, clipped by the shape.
fn from_shape(source: &str, node: &Node, image: &Node) -> Option<String> {
    let [x, y, w, h] = match node.tag_name().name() {
        "rect" => [
            number(node, "x"),
            number(node, "y"),
            number(node, "width"),
            number(node, "height"),
        ],
        "circle" => {
            let r = number(node, "r");
            [number(node, "cx") - r, number(node, "cy") - r, 2.0 * r, 2.0 * r]
        }
        _ => {
            let (rx, ry) = (number(node, "rx"), number(node, "ry"));
            [number(node, "cx") - rx, number(node, "cy") - ry, 2.0 * rx, 2.0 * ry]
        }
    };
    if w <= 0.0 || h <= 0.0 {
        return None;
    }
    // The shape again, as the clip: its geometry and transform, not its paint.
    let geometry: String = node
        .attributes()
        .filter(|a| a.namespace().is_none())
        .filter(|a| {
            matches!(
                a.name(),
                "x" | "y" | "width" | "height" | "rx" | "ry" | "cx" | "cy" | "r"
            )
        })
        .map(|a| format!(" {}", &source[a.range()]))
        .collect();
    let clip = format!("affiche-shape-{}", node.range().start);
    let transform = node
        .attribute_node("transform")
        .map(|a| format!(" {}", &source[a.range()]));
    let transform = transform.unwrap_or_default();
    let tag = node.tag_name().name();
    Some(format!(
        "<clipPath id=\"{clip}\"><{tag}{geometry}/></clipPath><image{} x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" \
         preserveAspectRatio=\"xMidYMid slice\" clip-path=\"url(#{clip})\"{transform}{}/>",
        name_attrs(source, node),
        picture(source, image)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figma_image_fill_and_an_affinity_use_become_images_and_the_rest_stays() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:serif="http://www.serif.com/">
<rect id="photo" x="10" y="20" width="200" height="100" rx="8" fill="url(#pattern0)"/>
<rect x="0" y="0" width="5" height="5" fill="url(#pattern0)"/>
<use serif:id="portrait" xlink:href="#image0_1" x="3" y="2" width="50px" height="60px" transform="matrix(2,0,0,2,0,0)"/>
<defs><pattern id="pattern0" patternContentUnits="objectBoundingBox" width="1" height="1"><use xlink:href="#image0_1" transform="scale(0.002)"/></pattern>
<image id="image0_1" width="500" height="500" xlink:href="data:image/png;base64,AAAA"/></defs></svg>"##;
        // `portrait` has a face box; `photo` is a data column.
        let svg = svg.replace("</svg>", r#"<rect id="portrait-face" width="1" height="1"/></svg>"#);
        let columns = Binding {
            listed: &|_| false,
            column: &|n| n == "photo",
        };
        assert!(
            matches!(as_images(&svg, &Binding::NONE), Cow::Owned(_)),
            "the face box binds `portrait`"
        );
        let out = as_images(&svg, &columns);
        let doc = Document::parse(&out).unwrap();
        let image = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("image") && names_of(n).any(|m| m == name))
                .unwrap_or_else(|| panic!("no image {name}"))
        };
        let photo = image("photo");
        let frame: Vec<&str> = ["x", "y", "width", "height"]
            .iter()
            .map(|a| photo.attribute(*a).unwrap())
            .collect();
        assert_eq!(frame, ["10", "20", "200", "100"]);
        let clip = photo.attribute("clip-path").unwrap();
        assert!(clip.starts_with("url(#affiche-shape-"), "{clip}");
        let portrait = image("portrait");
        assert_eq!(portrait.attribute("transform"), Some("matrix(2,0,0,2,0,0)"));
        assert_eq!(
            (portrait.attribute("width"), portrait.attribute("x")),
            (Some("50"), Some("3"))
        );
        assert!(
            out.contains(r#"<rect x="0" y="0" width="5" height="5" fill="url(#pattern0)"/>"#),
            "unnamed shapes stay"
        );
        // Unbound, a named image fill is artwork: the file is left as drawn.
        let logo = svg
            .replace("portrait-face", "other")
            .replace("id=\"photo\"", "id=\"Logo\"");
        assert!(matches!(as_images(&logo, &columns), Cow::Borrowed(_)));
        assert!(matches!(
            as_images("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", &columns),
            Cow::Borrowed(_)
        ));
    }
}
