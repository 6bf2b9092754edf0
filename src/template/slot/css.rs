//! The template's `<style>` sheets, read as usvg reads them (simplecss, the same crate),
//! for the few properties slot finding needs before anything is drawn: a slot's font
//! size and the font families a template names. Illustrator writes its styling as CSS
//! classes (`.st2{font-family:'Anton-Regular';} .st3{font-size:96px;}`), not attributes.

use roxmltree::{Document, Node};
use simplecss::StyleSheet;

use super::style::style_value;

/// Every `<style>` sheet of `doc` (typed `text/css` or untyped, as usvg takes them), with
/// its rules in cascade order: by specificity, then as written.
pub(crate) fn sheet<'a>(doc: &'a Document) -> StyleSheet<'a> {
    let mut sheet = StyleSheet::new();
    for node in doc.descendants().filter(|n| n.has_tag_name("style")) {
        if matches!(node.attribute("type"), None | Some("text/css"))
            && let Some(text) = node.text()
        {
            sheet.parse_more(text);
        }
    }
    sheet.rules.sort_by_key(|r| r.selector.specificity());
    sheet
}

/// `property` as the sheet's rules give it to `node` (the last matching rule that sets it).
pub(crate) fn from_sheet<'a>(sheet: &StyleSheet<'a>, node: Node<'a, 'a>, property: &str) -> Option<&'a str> {
    sheet
        .rules
        .iter()
        .rev()
        .filter(|r| r.declarations.iter().any(|d| d.name == property))
        .find(|r| r.selector.matches(&Element(node)))
        .and_then(|r| r.declarations.iter().rev().find(|d| d.name == property))
        .map(|d| d.value)
}

/// `property` as declared on `node` itself: its `style` attribute, then the sheet, then the
/// presentation attribute (CSS's order of precedence).
pub(crate) fn declared<'a>(sheet: &StyleSheet<'a>, node: Node<'a, 'a>, property: &str) -> Option<&'a str> {
    style_value(node.attribute("style"), property)
        .or_else(|| from_sheet(sheet, node, property))
        .or_else(|| node.attribute(property))
}

/// `property` as `node` gets it: declared on it or inherited from the nearest ancestor.
pub(crate) fn inherited<'a>(sheet: &StyleSheet<'a>, node: Node<'a, 'a>, property: &str) -> Option<&'a str> {
    node.ancestors()
        .filter(Node::is_element)
        .find_map(|n| declared(sheet, n, property))
}

/// roxmltree's element as simplecss matches selectors against it (as usvg does).
struct Element<'a>(Node<'a, 'a>);

impl simplecss::Element for Element<'_> {
    fn parent_element(&self) -> Option<Self> {
        self.0.parent_element().map(Element)
    }

    fn prev_sibling_element(&self) -> Option<Self> {
        self.0.prev_sibling_element().map(Element)
    }

    fn has_local_name(&self, name: &str) -> bool {
        self.0.tag_name().name() == name
    }

    fn attribute_matches(&self, name: &str, operator: simplecss::AttributeOperator) -> bool {
        self.0.attribute(name).is_some_and(|v| operator.matches(v))
    }

    fn pseudo_class_matches(&self, class: simplecss::PseudoClass) -> bool {
        matches!(class, simplecss::PseudoClass::FirstChild) && self.prev_sibling_element().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illustrator_classes_give_size_and_family_and_the_cascade_holds() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg">
          <style type="text/css">
            .st2{font-family:'Anton-Regular';}
            .st3{font-size:96px;}
            text.big{font-size:120px;}
            .st3{fill:#fff;}
          </style>
          <g font-size="30"><text id="a" class="st1 st2 st3">A</text><text id="b" class="st3 big">B</text>
          <text id="c" class="st3" style="font-size:50px" font-size="10">C</text><text id="d">D</text></g>
        </svg>"#;
        let doc = Document::parse(svg).unwrap();
        let sheet = sheet(&doc);
        let node = |id: &str| doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap();
        assert_eq!(declared(&sheet, node("a"), "font-family"), Some("'Anton-Regular'"));
        assert_eq!(declared(&sheet, node("a"), "font-size"), Some("96px"));
        assert_eq!(
            declared(&sheet, node("b"), "font-size"),
            Some("120px"),
            "the more specific rule"
        );
        assert_eq!(
            declared(&sheet, node("c"), "font-size"),
            Some("50px"),
            "style beats the sheet"
        );
        assert_eq!(declared(&sheet, node("d"), "font-size"), None);
        assert_eq!(inherited(&sheet, node("d"), "font-size"), Some("30"), "from the group");
    }
}
