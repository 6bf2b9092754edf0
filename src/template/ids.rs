//! The ids and marks affiche writes into a filled SVG, in one place: the fast paths find
//! their elements by these, so a name written two ways would silently send every poster
//! down the slow path. Nothing else in the crate spells them.

/// `href` prefix of a photo slot's image: the resolver serves the prepared photo for the rest.
pub(crate) const PHOTO_HREF: &str = "affiche-photo:";

/// Prefix of the marks bracketing a static run above the first slot, and of its stand-in group.
pub(crate) const OVERLAY_MARK: &str = "affiche-overlay";

/// Prefix of the id of each hard shadow's vector copy, numbered from 1.
pub(crate) const SHADOW_COPY: &str = "affiche-shadow-";

/// The id of text slot `field`'s `<text>` element.
pub(crate) fn text_id(field: &str) -> String {
    format!("affiche-text-{field}")
}

/// The id of photo slot `field`'s `<image>` element.
pub(crate) fn photo_id(field: &str) -> String {
    format!("affiche-photo-{field}")
}

/// The id of the empty group that stands where static run `n` was cut out.
pub(crate) fn overlay_group(n: usize) -> String {
    format!("{OVERLAY_MARK}-{n}")
}

/// The comments written around each element of static run `n`.
pub(crate) fn overlay_brackets(n: usize) -> (String, String) {
    (
        format!("<!--{OVERLAY_MARK}:{n}-->"),
        format!("<!--/{OVERLAY_MARK}:{n}-->"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each id is one XML name and no id is the prefix of another kind's.
    #[test]
    fn ids_are_distinct_xml_names() {
        let ids = [
            text_id("name"),
            photo_id("name"),
            overlay_group(0),
            format!("{SHADOW_COPY}1"),
        ];
        for (i, a) in ids.iter().enumerate() {
            assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{a}");
            for b in &ids[i + 1..] {
                assert!(!a.starts_with(b.as_str()) && !b.starts_with(a.as_str()), "{a} / {b}");
            }
        }
        let (open, close) = overlay_brackets(3);
        assert_eq!(
            (open.as_str(), close.as_str()),
            ("<!--affiche-overlay:3-->", "<!--/affiche-overlay:3-->")
        );
    }
}
