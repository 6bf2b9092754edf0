//! What a slot's element keeps of its styling when affiche rewrites it: its own
//! attributes minus editor ones, its `style` minus the properties the fitter sets,
//! and the inherited styling of the groups around it.

use roxmltree::Node;

/// The attributes of `node` as written in `source`, minus those named in `drop`
/// and minus Inkscape/Sodipodi editor attributes, which need their namespace.
pub(super) fn kept(source: &str, node: &Node, drop: &[&str]) -> Vec<(String, String)> {
    node.attributes()
        .filter(|a| !drop.contains(&a.name()))
        .filter(|a| matches!(a.namespace(), None | Some("http://www.w3.org/XML/1998/namespace")))
        .map(|a| (a.name().to_string(), source[a.range()].to_string()))
        .collect()
}

/// Properties the fitter sets itself, or that would move text out of its box.
const FITTED: &[&str] = &[
    "font-size",
    "text-anchor",
    "text-align",
    "letter-spacing",
    "line-height",
    "shape-inside",
    "shape-padding",
    "shape-margin",
    "inline-size",
    "white-space",
];

pub(super) fn fitted_style(style: &str) -> String {
    style
        .split(';')
        .filter(|d| d.split_once(':').is_some_and(|(k, _)| !FITTED.contains(&k.trim())))
        .collect::<Vec<_>>()
        .join(";")
}

/// Only the attributes that styling inherits through (no geometry, no clipping).
pub(super) fn style_attrs(source: &str, node: &Node) -> String {
    node.attributes()
        .filter(|a| a.namespace().is_none())
        .filter(|a| {
            a.name() == "style" || a.name() == "class" || a.name().starts_with("font") || a.name().contains("spacing")
        })
        .map(|a| &source[a.range()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The value of one property in a `style="a:b;c:d"` attribute.
pub(crate) fn style_value<'a>(style: Option<&'a str>, key: &str) -> Option<&'a str> {
    style?.split(';').find_map(|decl| {
        let (k, v) = decl.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fitted_properties_leave_the_style_and_the_others_stay() {
        let style = "font-size:40px;fill:#fff; letter-spacing : 2px;font-family:Bangers;shape-inside:url(#r)";
        assert_eq!(fitted_style(style), "fill:#fff;font-family:Bangers");
        assert_eq!(style_value(Some(style), "letter-spacing"), Some("2px"));
        assert_eq!(style_value(Some(style), "stroke"), None);
        assert_eq!(style_value(None, "fill"), None);
    }

    #[test]
    fn editor_attributes_and_dropped_ones_are_not_kept() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"><g class="t" font-weight="700" transform="scale(2)" clip-path="url(#c)"><text id="nom" x="5" inkscape:label="nom" xml:space="preserve" fill="red">N</text></g></svg>"#;
        let doc = roxmltree::Document::parse(svg).unwrap();
        let text = doc.descendants().find(|n| n.has_tag_name("text")).unwrap();
        let names: Vec<String> = kept(svg, &text, &["x"]).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["id", "space", "fill"]);
        let g = text.parent().unwrap();
        assert_eq!(style_attrs(svg, &g), r#"class="t" font-weight="700""#);
    }
}
