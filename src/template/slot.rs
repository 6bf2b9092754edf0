//! Finding slots in a designer's SVG: `<text>` and `<image>` elements whose
//! `id` or Inkscape label is a field name, their boxes, and everything else the
//! renderer must know about the file (placeholders, fonts, referenced files).

use std::ops::Range;
use std::path::Path;

use roxmltree::{Document, Node};

use crate::error::{Error, Result};
use crate::fonts::split_families;
use crate::geometry::Bounds;
use crate::text::fit::Align;
use resvg::usvg::Transform;

pub(crate) mod bind;
mod css;
mod style;

use crate::limits::{MAX_DATA_URI, MAX_DEPTH, MAX_NODES};
pub(crate) use style::style_value;
use style::{fitted_style, kept, style_attrs};

const INKSCAPE_NS: &str = "http://www.inkscape.org/namespaces/inkscape";
const SERIF_NS: &str = "http://www.serif.com/";
pub(crate) const XLINK_NS: &str = "http://www.w3.org/1999/xlink";

/// A `<text>` element filled with a value and fitted into its box.
#[derive(Debug, Clone)]
pub struct TextSlot {
    /// Field name (the element's id or label).
    pub field: String,
    /// The box, in the text's own user units.
    pub frame: Bounds,
    /// The box in canvas units (known after the template's first parse).
    pub canvas: Bounds,
    /// Font size the designer set on the element, if any.
    pub font_size: Option<f32>,
    /// The alignment the drawing states (`text-anchor`, Inkscape's and Illustrator's
    /// `text-align`), if any: the default when the manifest sets none.
    pub align: Option<Align>,
    pub(crate) range: Range<usize>,
    /// The element's attributes (name, source text), minus those the fitter sets.
    pub(crate) attrs: Vec<(String, String)>,
    /// The element's `style`, minus the properties the fitter sets.
    pub(crate) style: String,
    /// Ancestors' inheritable styling, as `<g …>` openers, for measuring.
    pub(crate) context: Vec<String>,
}

/// An `<image>` element replaced by a candidate's photo.
#[derive(Debug, Clone)]
pub struct PhotoSlot {
    /// Field name (the element's id or label).
    pub field: String,
    /// x/y/width/height of the element, in its user units.
    pub frame: Bounds,
    /// The frame in canvas units (known after the template's first parse).
    pub canvas: Bounds,
    /// Where the face should go (`<field>-face` rect), in the same units as `frame`.
    pub face: Option<Bounds>,
    pub(crate) range: Range<usize>,
    pub(crate) attrs: String,
}

/// Everything [`find`] learns about one SVG.
pub(crate) struct Found {
    pub texts: Vec<TextSlot>,
    pub photos: Vec<PhotoSlot>,
    pub removals: Vec<Range<usize>>,
    pub styles: String,
    /// Every `font-family` list written, with its element and the weight and style there: CSS
    /// draws with the first family of the list that is available.
    /// family of the list that is available.
    pub families: Vec<crate::template::font_use::Asked>,
    /// Relative file references of non-slot images.
    pub hrefs: Vec<String>,
    /// Named elements that could be slots but that nothing binds: drawn as in the file.
    pub unbound: Vec<crate::template::field::Unbound>,
    /// What a designer should know that does not stop the file rendering.
    pub notes: Vec<String>,
}

fn name_of<'a>(n: &Node<'a, 'a>) -> Option<&'a str> {
    n.attribute((INKSCAPE_NS, "label")).or_else(|| n.attribute("id"))
}

/// Every name an editor gives an element: its `id` (Figma and Illustrator write layer names
/// there), Inkscape's layer or object label, Affinity Designer's `serif:id` (its `id` is
/// generated) and Illustrator's `data-name` (the layer name when it is no valid id).
pub(crate) fn names_of<'a>(n: &Node<'a, 'a>) -> impl Iterator<Item = &'a str> {
    [
        n.attribute("id"),
        n.attribute((INKSCAPE_NS, "label")),
        n.attribute((SERIF_NS, "id")),
        n.attribute("data-name"),
    ]
    .into_iter()
    .flatten()
}

pub(crate) fn tool_generated(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_digit())
}

/// Scans an SVG for slots: the elements `binding` or the drawing's own boxes bind.
pub(crate) fn find(source: &str, path: &Path, binding: &bind::Binding) -> Result<Found> {
    let err = |message: String| Error::Template {
        path: path.into(),
        message,
    };
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: MAX_NODES,
    };
    let doc = Document::parse_with_options(source, opts).map_err(|e| err(format!("not valid XML: {e}")))?;
    // usvg and resvg recurse per nesting level: refuse what would exhaust a stack.
    if let Some(deep) = doc.descendants().find(|n| n.ancestors().count() > MAX_DEPTH) {
        let pos = doc.text_pos_at(deep.range().start);
        return Err(err(format!(
            "elements nested deeper than {MAX_DEPTH} levels (at line {})",
            pos.row
        )));
    }
    let sheet = css::sheet(&doc);
    let rects: Vec<Node> = doc.descendants().filter(|n| n.has_tag_name("rect")).collect();
    let rect_named = |name: &str| rects.iter().find(|r| names_of(r).any(|n| n == name)).copied();

    let mut found = Found {
        texts: Vec::new(),
        photos: Vec::new(),
        removals: Vec::new(),
        styles: String::new(),
        families: Vec::new(),
        hrefs: Vec::new(),
        unbound: Vec::new(),
        notes: Vec::new(),
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        if node.has_tag_name("style") {
            found
                .styles
                .push_str(&node.text().unwrap_or_default().replace("]]>", ""));
            found.styles.push('\n');
        }
        // The family each text draws with (its own, a group's or a class's: Illustrator's
        // `.st2{font-family:…}`), and each run that names its own. A path that was text keeps
        // its `font-family` but needs no font.
        let root = matches!(node.tag_name().name(), "text" | "flowRoot");
        let run = matches!(node.tag_name().name(), "tspan" | "textPath" | "flowPara" | "flowSpan");
        let family = match (root, run) {
            (true, _) => css::inherited(&sheet, node, "font-family"),
            (_, true) => css::declared(&sheet, node, "font-family"),
            _ => None,
        };
        if let Some(family) = family.filter(|f| !split_families(f).is_empty()) {
            let text = node
                .ancestors()
                .find(|a| matches!(a.tag_name().name(), "text" | "flowRoot"))
                .unwrap_or(node);
            found.families.push(crate::template::font_use::Asked {
                list: family.to_string(),
                element: name_of(&text).unwrap_or("text").to_string(),
                weight: css::inherited(&sheet, node, "font-weight").map(str::to_string),
                italic: css::inherited(&sheet, node, "font-style")
                    .is_some_and(|s| s.contains("italic") || s.contains("oblique")),
            });
        }
        if node.has_tag_name("text") {
            // Inkscape's text-in-frame: `style="shape-inside:url(#rect12)"`.
            let shape = style_value(node.attribute("style"), "shape-inside")
                .and_then(|v| v.trim().strip_prefix("url(#")?.strip_suffix(')').map(str::to_string));
            let Some(field) = names_of(&node).find(|n| {
                (binding.listed)(n)
                    || rect_named(&format!("{n}-box")).is_some()
                    || (shape.is_some() && (binding.column)(n))
            }) else {
                if let Some(name) = bind::candidate_name(&node) {
                    let column = (binding.column)(name);
                    if shape.is_some() || column || bind::labelled(&node) {
                        let (unbound, note) = bind::unbound_text(name, shape.is_some(), column);
                        found.unbound.push(unbound);
                        found.notes.extend(note);
                    }
                }
                continue;
            };
            let box_rect = rect_named(&format!("{field}-box"))
                .or_else(|| shape.and_then(|id| rects.iter().find(|r| r.attribute("id") == Some(id.as_str())).copied()))
                .ok_or_else(|| {
                    err(format!(
                        "text slot {field:?} has no box: draw a <rect> with id or label \"{field}-box\""
                    ))
                })?;
            // Illustrator styles a text's first line (or glyph run), not the text: `<text
            // transform=…><tspan x="0" fill="#FFF" font-family="'Helvetica-Bold'">`. The value
            // replaces the lines, so the first line's styling is the value's.
            let first_line = node.descendants().find(|n| n.has_tag_name("tspan"));
            let styled = first_line.unwrap_or(node);
            let drawn_box = names_of(&box_rect).any(|n| n == format!("{field}-box"));
            if drawn_box {
                found.removals.push(box_rect.range());
            }
            found.texts.push(TextSlot {
                field: field.to_string(),
                // A text frame (`shape-inside`) is in the text's own units already.
                frame: rect_frame(&box_rect)
                    .and_then(|frame| match drawn_box {
                        true => in_text_space(frame, &box_rect, &node),
                        false => Ok(frame),
                    })
                    .map_err(|m| err(format!("{field}-box: {m}")))?,
                canvas: Bounds {
                    x: 0.0,
                    y: 0.0,
                    width: 0.0,
                    height: 0.0,
                },
                font_size: css::inherited(&sheet, styled, "font-size").and_then(|v| number(v).ok()),
                align: drawn_align(&sheet, styled),
                range: node.range(),
                attrs: with_first_line(kept(source, &node, FITTED_ATTRS), source, first_line),
                style: [node, styled]
                    .iter()
                    .filter_map(|n| n.attribute("style"))
                    .map(fitted_style)
                    .filter(|s| !s.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(";"),
                context: node
                    .ancestors()
                    .skip(1)
                    .filter(|a| a.is_element() && !a.has_tag_name("svg"))
                    .map(|a| format!("<g {}>", style_attrs(source, &a)))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect(),
            });
        } else if node.has_tag_name("flowRoot") {
            found.notes.push(bind::flowed_text_note(&node, binding).map_err(err)?);
        } else if node.has_tag_name("image") {
            let href = href(&node).unwrap_or_default();
            let field = names_of(&node).find(|n| binding.binds(n) || rect_named(&format!("{n}-face")).is_some());
            let Some(field) = field else {
                if let Some(name) = bind::candidate_name(&node) {
                    found.unbound.push(bind::unbound_photo(name));
                }
                if href.is_empty() {
                    // Nothing to read: the image draws nothing, in resvg as in browsers.
                } else if !href.starts_with("data:") {
                    found.hrefs.push(href.to_string());
                } else if href.len() > MAX_DATA_URI {
                    return Err(err(format!(
                        "an embedded data: image of {} bytes is over the {MAX_DATA_URI}-byte limit",
                        href.len()
                    )));
                }
                continue;
            };
            let face = rect_named(&format!("{field}-face"));
            if let Some(f) = face {
                found.removals.push(f.range());
            }
            found.photos.push(PhotoSlot {
                field: field.to_string(),
                frame: rect_frame(&node).map_err(|m| err(format!("photo slot {field:?}: {m}")))?,
                canvas: Bounds {
                    x: 0.0,
                    y: 0.0,
                    width: 0.0,
                    height: 0.0,
                },
                face: face
                    .map(|f| rect_frame(&f))
                    .transpose()
                    .map_err(|m| err(format!("{field}-face: {m}")))?,
                range: node.range(),
                attrs: kept(
                    source,
                    &node,
                    &["x", "y", "width", "height", "href", "preserveAspectRatio", "id"],
                )
                .into_iter()
                .map(|(_, text)| text)
                .collect::<Vec<_>>()
                .join(" "),
            });
        }
    }
    Ok(found)
}

fn rect_frame(node: &Node) -> std::result::Result<Bounds, String> {
    let get = |name: &str| -> std::result::Result<f32, String> {
        node.attribute(name).map_or(Ok(0.0), |v| {
            number(v).map_err(|_| format!("{name}={v:?} must be a plain number (px)"))
        })
    };
    let frame = Bounds {
        x: get("x")?,
        y: get("y")?,
        width: get("width")?,
        height: get("height")?,
    };
    if frame.width <= 0.0 || frame.height <= 0.0 {
        return Err("width and height must be positive".into());
    }
    Ok(frame)
}

/// The box `frame` (in `box_rect`'s units) in the units of `text`, whose fitted lines are set
/// there. Editors rarely put the two in one coordinate system: Illustrator places every text
/// with `transform="matrix(1 0 0 1 x y)"` (a horizontal scale as `matrix(0.9 0 0 1 x y)`),
/// Inkscape draws the box in whatever layer is current, with that layer's `translate`. Any
/// mix of translations and scales maps a box to a box; a rotation or skew between the two
/// is an error saying how to draw it.
fn in_text_space(frame: Bounds, box_rect: &Node, text: &Node) -> std::result::Result<Bounds, String> {
    let m = ctm(text)?
        .invert()
        .ok_or("its text is scaled to nothing")?
        .pre_concat(ctm(box_rect)?);
    if m.ky.abs() > 1e-6 || m.kx.abs() > 1e-6 {
        return Err(
            "the text and its box are rotated or skewed against each other; draw the text \
                    upright in its box, and rotate a group that holds both instead"
                .into(),
        );
    }
    let (x0, y0) = (frame.x * m.sx + m.tx, frame.y * m.sy + m.ty);
    let (x1, y1) = (
        (frame.x + frame.width) * m.sx + m.tx,
        (frame.y + frame.height) * m.sy + m.ty,
    );
    Ok(Bounds {
        x: x0.min(x1),
        y: y0.min(y1),
        width: (x1 - x0).abs(),
        height: (y1 - y0).abs(),
    })
}

/// The transform from `node`'s units to the document's: its own `transform` and its ancestors'.
fn ctm(node: &Node) -> std::result::Result<Transform, String> {
    let mut m = Transform::identity();
    for n in node.ancestors().filter(Node::is_element) {
        if let Some(text) = n.attribute("transform") {
            let t: svgtypes::Transform = text.parse().map_err(|e| format!("transform {text:?}: {e}"))?;
            let t = Transform::from_row(t.a as f32, t.b as f32, t.c as f32, t.d as f32, t.e as f32, t.f as f32);
            m = t.pre_concat(m);
        }
    }
    Ok(m)
}

/// Attributes the fitter sets itself on a text slot (or that would move its lines).
const FITTED_ATTRS: &[&str] = &[
    "x",
    "y",
    "dx",
    "dy",
    "rotate",
    "font-size",
    "text-anchor",
    "letter-spacing",
    "id",
    "style",
];

/// A text's kept attributes with its first line's on top (the line's win; classes add up).
fn with_first_line(mut attrs: Vec<(String, String)>, source: &str, line: Option<Node>) -> Vec<(String, String)> {
    let Some(line) = line else { return attrs };
    for (name, raw) in kept(source, &line, FITTED_ATTRS) {
        match attrs.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) if name == "class" => {
                let value = |raw: &str| {
                    raw.split_once('=')
                        .map(|(_, v)| v.trim_matches(['"', '\'']).to_string())
                };
                *old = format!(
                    "class=\"{} {}\"",
                    value(old).unwrap_or_default(),
                    value(&raw).unwrap_or_default()
                );
            }
            Some((_, old)) => *old = raw,
            None => attrs.push((name, raw)),
        }
    }
    attrs
}

/// The alignment a text is drawn with, when its styling says: `text-anchor` (what renders),
/// else `text-align` (what Inkscape's and Illustrator's paragraph settings write).
fn drawn_align<'a>(sheet: &simplecss::StyleSheet<'a>, node: Node<'a, 'a>) -> Option<Align> {
    let anchor = css::inherited(sheet, node, "text-anchor").and_then(|v| match v.trim() {
        "start" => Some(Align::Left),
        "middle" => Some(Align::Center),
        "end" => Some(Align::Right),
        _ => None,
    });
    anchor.or_else(|| {
        css::inherited(sheet, node, "text-align").and_then(|v| match v.trim() {
            "start" | "left" => Some(Align::Left),
            "center" => Some(Align::Center),
            "end" | "right" => Some(Align::Right),
            _ => None,
        })
    })
}

/// An element's `href`, as SVG 1.1 (`xlink:href`) or SVG 2 writes it.
pub(crate) fn href<'a>(node: &Node<'a, 'a>) -> Option<&'a str> {
    node.attribute((XLINK_NS, "href")).or(node.attribute("href"))
}

/// A length in user units, as editors write it (`12`, `12.5px`).
pub(crate) fn number(v: &str) -> std::result::Result<f32, std::num::ParseFloatError> {
    v.trim().trim_end_matches("px").trim().parse()
}

/// Every `{{column}}` / `{{column|default}}` in the source, first occurrence first.
pub(crate) fn placeholders(source: &str) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        let inner = &rest[start + 2..start + 2 + len];
        let (name, default) = match inner.split_once('|') {
            Some((n, d)) => (n.trim(), Some(d.to_string())),
            None => (inner.trim(), None),
        };
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), default));
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::field::FieldKind;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="100" height="100">
      <g style="font-family:Anton">
        <rect id="rect1" inkscape:label="name-box" x="10" y="20" width="80" height="30"/>
        <text id="text5" inkscape:label="name" font-size="40" x="1" y="2" fill="{{accent|#ff0}}">Nom</text>
      </g>
      <text id="title">static</text>
      <image id="photo" x="0" y="50" width="100" height="50" clip-path="url(#c)" href="p.png"/>
      <image id="image42" href="logo.png"/>
    </svg>"##;

    /// `SVG` with a data column `photo`.
    fn found() -> Found {
        let binding = bind::Binding {
            listed: &|_| false,
            column: &|n| n == "photo",
        };
        find(SVG, Path::new("t.svg"), &binding).unwrap()
    }

    #[test]
    fn affinity_and_illustrator_layer_names_name_slots() {
        // Affinity Designer: generated ids, the layer name in serif:id. Illustrator: a layer
        // named "name box" becomes id="name_box" data-name="name box"; "name-box" stays an id.
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:serif="http://www.serif.com/" width="100" height="100">
          <rect id="Rectangle1" serif:id="name-box" x="10" y="20" width="80" height="30"/>
          <text id="_Text_2" serif:id="name" font-family="Anton" font-size="40">Nom</text>
          <rect id="name-box_1_" data-name="slogan-box" x="10" y="60" width="80" height="30"/>
          <text id="Slogan_text" data-name="slogan" font-family="Anton" font-size="20">Slogan</text>
        </svg>"##;
        let f = find(svg, Path::new("t.svg"), &bind::Binding::NONE).unwrap();
        let slots: Vec<(&str, f32)> = f.texts.iter().map(|t| (t.field.as_str(), t.frame.y)).collect();
        assert_eq!(slots, [("name", 20.0), ("slogan", 60.0)]);
    }

    #[test]
    fn a_box_in_another_layer_or_beside_an_illustrator_text_is_taken_into_the_texts_units() {
        let frame = |svg: &str| -> std::result::Result<Bounds, String> {
            let f = find(svg, Path::new("t.svg"), &bind::Binding::NONE).map_err(|e| e.to_string())?;
            Ok(f.texts[0].frame)
        };
        // Inkscape: the box drawn in a layer moved by (100, 50), the text in an unmoved one.
        let layers = r#"<svg xmlns="http://www.w3.org/2000/svg">
          <g transform="translate(100,50)"><rect id="name-box" x="10" y="20" width="200" height="40"/></g>
          <g><text id="name" font-size="30">N</text></g></svg>"#;
        assert_eq!(
            frame(layers).unwrap(),
            Bounds {
                x: 110.0,
                y: 70.0,
                width: 200.0,
                height: 40.0
            }
        );
        // Illustrator: the text placed by its own matrix, horizontally scaled to 80%.
        let ai = r#"<svg xmlns="http://www.w3.org/2000/svg">
          <rect id="name-box" x="100" y="200" width="400" height="100"/>
          <text id="name" transform="matrix(0.8 0 0 1 180.5 260)" font-size="30">N</text></svg>"#;
        let f = frame(ai).unwrap();
        assert!((f.x - (-100.625)).abs() < 1e-3 && (f.y + 60.0).abs() < 1e-3, "{f:?}");
        assert!(
            (f.width - 500.0).abs() < 1e-3 && (f.height - 100.0).abs() < 1e-3,
            "{f:?}"
        );
        // Rotated against each other: no box can hold the lines; the error says what to draw.
        let rotated = ai.replace("matrix(0.8 0 0 1 180.5 260)", "rotate(30)");
        assert!(frame(&rotated).unwrap_err().contains("rotate a group that holds both"));
    }

    #[test]
    fn an_illustrator_text_styled_on_its_first_glyph_run_keeps_that_style() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg"><rect id="name-box" width="200" height="40"/>
          <text id="name" class="a" transform="matrix(1 0 0 1 13 60)"><tspan x="0" y="0" fill="#FFFFFF" class="b"
          font-family="'Helvetica-Bold'" font-size="20" style="letter-spacing:1px;opacity:0.9">ww</tspan><tspan x="31.1"
          y="0" fill="#FFFFFF">w.github.com</tspan></text></svg>"##;
        let f = find(svg, Path::new("t.svg"), &bind::Binding::NONE).unwrap();
        let t = &f.texts[0];
        let attrs: Vec<&str> = t.attrs.iter().map(|(_, raw)| raw.as_str()).collect();
        assert_eq!(
            attrs,
            [
                r#"class="a b""#,
                r#"transform="matrix(1 0 0 1 13 60)""#,
                r##"fill="#FFFFFF""##,
                r#"font-family="'Helvetica-Bold'""#
            ]
        );
        assert_eq!((t.font_size, t.style.as_str()), (Some(20.0), "opacity:0.9"));
    }

    #[test]
    fn finds_text_slot_by_inkscape_label_with_its_box() {
        let f = found();
        assert_eq!(f.texts.len(), 1, "static text with an id is not a slot");
        let t = &f.texts[0];
        assert_eq!(t.field, "name");
        assert_eq!(
            t.frame,
            Bounds {
                x: 10.0,
                y: 20.0,
                width: 80.0,
                height: 30.0
            }
        );
        assert_eq!(t.font_size, Some(40.0));
        let names: Vec<&str> = t.attrs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["fill"], "x, y, id and font-size are set by the fitter");
        assert_eq!(t.attrs[0].1, "fill=\"{{accent|#ff0}}\"");
        assert_eq!(t.context, ["<g style=\"font-family:Anton\">"]);
        assert_eq!(&SVG[f.removals[0].clone()][..5], "<rect");
    }

    #[test]
    fn finds_photo_slots_and_leaves_tool_named_images_alone() {
        let f = found();
        assert_eq!(f.photos.len(), 1);
        assert_eq!(f.photos[0].field, "photo");
        assert!(f.photos[0].attrs.contains("clip-path"));
        assert_eq!(f.hrefs, ["logo.png"]);
    }

    #[test]
    fn collects_placeholders_and_fonts() {
        let f = found();
        assert_eq!(placeholders(SVG), [("accent".to_string(), Some("#ff0".to_string()))]);
        // The text draws with its group's family: the text is its user.
        assert!(
            f.families.iter().any(|a| a.list == "Anton" && a.element == "name"),
            "{:?}",
            f.families.iter().map(|a| (&a.list, &a.element)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn text_without_box_is_an_error_when_listed() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><text id="name">x</text></svg>"#;
        let listed = bind::Binding {
            listed: &|n| n == "name",
            column: &|_| false,
        };
        let err = find(svg, Path::new("t.svg"), &listed).err().unwrap();
        assert!(err.to_string().contains("name-box"), "{err}");
        // A column of that name alone leaves it drawn, saying how to fill it.
        let column = bind::Binding {
            listed: &|_| false,
            column: &|n| n == "name",
        };
        let f = find(svg, Path::new("t.svg"), &column).unwrap();
        assert!(f.texts.is_empty());
        assert!(
            f.notes[0].contains("no box") && f.notes[0].contains("\"name-box\""),
            "{:?}",
            f.notes
        );
    }

    #[test]
    fn named_artwork_stays_artwork_until_something_binds_it() {
        // Sketch names every image layer `Bitmap`; an Inkscape flyer labels its text frames.
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape">
          <rect id="frame1" width="50" height="20"/>
          <image id="Bitmap" width="10" height="10" href="data:image/png;base64,AAAA"/>
          <text id="text3" inkscape:label="About" style="shape-inside:url(#frame1)">x</text>
          <text id="text4" inkscape:label="heading">y</text>
          <text id="Figma text content">z</text>
          <image id="image9" href="data:image/png;base64,AAAA"/></svg>"#;
        let f = find(svg, Path::new("t.svg"), &bind::Binding::NONE).unwrap();
        assert!(f.photos.is_empty() && f.texts.is_empty());
        let unbound: Vec<(&str, FieldKind)> = f.unbound.iter().map(|u| (u.name.as_str(), u.kind)).collect();
        // Figma's text ids are their content, not names a designer gave: not listed.
        assert_eq!(
            unbound,
            [
                ("Bitmap", FieldKind::Photo),
                ("About", FieldKind::Text),
                ("heading", FieldKind::Text)
            ]
        );
        assert!(f.unbound[2].advice.contains("\"heading-box\""), "{:?}", f.unbound[2]);
        // A column `Bitmap` and one `About` make them slots; the frame is the text's box.
        let columns = bind::Binding {
            listed: &|_| false,
            column: &|n| n == "Bitmap" || n == "About",
        };
        let f = find(svg, Path::new("t.svg"), &columns).unwrap();
        assert_eq!(
            (f.photos[0].field.as_str(), f.texts[0].field.as_str()),
            ("Bitmap", "About")
        );
        assert_eq!(f.texts[0].frame.width, 50.0);
        assert_eq!(f.unbound.len(), 1, "only `heading` is left");
    }

    #[test]
    fn deep_nesting_and_node_floods_are_refused_before_usvg() {
        let deep = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">{}{}</svg>",
            "<g>".repeat(1020),
            "</g>".repeat(1020)
        );
        let err = find(&deep, Path::new("t.svg"), &bind::Binding::NONE).err().unwrap();
        assert!(err.to_string().contains("nested deeper than 256"), "{err}");
        let flood = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">{}</svg>",
            "<g/>".repeat(MAX_NODES as usize)
        );
        assert!(find(&flood, Path::new("t.svg"), &bind::Binding::NONE).is_err());
    }
}
