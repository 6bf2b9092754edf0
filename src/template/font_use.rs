//! The font families a drawing asks for, as a designer knows them. Editors write one face in
//! many ways (Illustrator's PostScript name `'Sintony-Bold'`, Inkscape's `MiriamLibre-Bold,
//! 'Miriam Libre'`, Figma's `Roboto Condensed Bold`); each is read back to its family and
//! style, so that a missing family is reported once, with the weights and styles wanted and
//! the elements asking, and so that `[font_aliases]` can map a whole family.

use crate::fonts::{Fonts, is_generic, split_families};

/// Weight and style words in face names, as editors and foundries write them.
const STYLE_WORDS: &[&str] = &[
    "Thin",
    "Hairline",
    "ExtraLight",
    "UltraLight",
    "Light",
    "Book",
    "Regular",
    "Normal",
    "Roman",
    "Medium",
    "SemiBold",
    "DemiBold",
    "Bold",
    "ExtraBold",
    "UltraBold",
    "Heavy",
    "Black",
    "Italic",
    "Oblique",
];

/// One family a template's drawing uses.
#[derive(Debug, Clone, PartialEq)]
pub struct FontUse {
    /// The family as a designer knows it: `Sintony` for `'Sintony-Bold', Sintony`.
    pub family: String,
    /// Weights and styles wanted (`Bold`, `Bold Italic`, `Regular`), sorted.
    pub styles: Vec<String>,
    /// Elements naming it (slot names, labels, ids or tag names), in document order.
    pub elements: Vec<String>,
    /// Whether the font folders have a family of the list as written.
    pub available: bool,
    /// The list as first written, as the file writes it.
    pub written: String,
    /// Every list naming it ends in a generic family (`sans-serif`): when it is missing, its
    /// text draws with the default font instead of failing.
    pub falls_back: bool,
}

/// One `font-family` declaration of the drawing, with the weight and style in effect there.
pub(crate) struct Asked {
    pub list: String,
    pub element: String,
    pub weight: Option<String>,
    pub italic: bool,
}

/// `Sintony-Bold` → (`Sintony`, `Bold`); `MiriamLibre-BoldItalic` → (`Miriam Libre`, `Bold
/// Italic`); `Roboto Condensed Bold` → (`Roboto Condensed`, `Bold`); `Anton` → (`Anton`, none).
/// Adobe's PostScript names end in `MT` or `PSMT` (`ArialMT`, `CourierNewPS-BoldMT`,
/// `TimesNewRomanPSMT`): read as `Arial`, `Courier New` Bold, `Times New Roman`.
pub(crate) fn family_and_style(name: &str) -> (String, Option<String>) {
    let adobe = |family: &str| {
        let f = family.strip_suffix("MT").unwrap_or(family);
        spaced(f.strip_suffix("PS").unwrap_or(f))
    };
    if let Some((family, suffix)) = name.rsplit_once('-')
        && let Some(style) = style_of(suffix.strip_suffix("MT").unwrap_or(suffix))
        && !family.is_empty()
    {
        return (adobe(family), Some(style));
    }
    if !name.contains([' ', '-']) && name.len() > 2 && name.ends_with("MT") {
        return (adobe(name), None);
    }
    if let Some((family, last)) = name.rsplit_once(' ')
        && let Some(style) = style_of(last)
        && !family.trim().is_empty()
    {
        return (family.trim().to_string(), Some(style));
    }
    (name.to_string(), None)
}

/// Adobe's short style words (`HelveticaNeueLTStd-Lt`, `-BdIt`), each with its long form.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Th", "Thin"),
    ("Lt", "Light"),
    ("Bk", "Book"),
    ("Md", "Medium"),
    ("Bd", "Bold"),
    ("Hv", "Heavy"),
    ("Blk", "Black"),
    ("It", "Italic"),
];

/// `BoldItalic` → `Bold Italic`, `BdIt` → `Bold Italic`; `None` when the word is not made
/// of style words only.
fn style_of(word: &str) -> Option<String> {
    let words = STYLE_WORDS
        .iter()
        .map(|w| (*w, *w))
        .chain(ABBREVIATIONS.iter().copied());
    let words: Vec<(&str, &str)> = words.collect();
    let mut rest = word;
    let mut found = Vec::new();
    while !rest.is_empty() {
        let (short, long) = words
            .iter()
            .filter(|(w, _)| rest.starts_with(w))
            .max_by_key(|(w, _)| w.len())?;
        found.push(*long);
        rest = &rest[short.len()..];
    }
    (!found.is_empty()).then(|| found.join(" "))
}

/// `MiriamLibre` → `Miriam Libre`: PostScript names drop the spaces of the family.
fn spaced(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

/// The weight name for a CSS `font-weight` (`bold`, `700`, `600`).
fn weight_word(weight: &str) -> Option<&'static str> {
    let n = match weight.trim() {
        "normal" => 400,
        "bold" | "bolder" => 700,
        "lighter" => 300,
        w => w.parse::<u16>().ok()?,
    };
    Some(crate::fonts::weight_name(n))
}

/// Every family asked for, grouped as a designer knows it, in the order first asked.
pub(crate) fn gather(asked: &[Asked], fonts: &Fonts) -> Vec<FontUse> {
    let mut uses: Vec<FontUse> = Vec::new();
    for a in asked {
        let list = split_families(&a.list);
        let named: Vec<&String> = list.iter().filter(|f| !is_generic(f)).collect();
        let Some(last) = named.last() else { continue };
        let family = family_and_style(last).0;
        let style = named
            .iter()
            .find_map(|f| family_and_style(f).1)
            .or_else(|| {
                let weight = a.weight.as_deref().and_then(weight_word).unwrap_or("Regular");
                Some(weight.to_string())
            })
            .map(|s| match (a.italic && !s.contains("Italic"), s.as_str()) {
                (true, "Regular") => "Italic".to_string(),
                (true, _) => format!("{s} Italic"),
                (false, _) => s,
            })
            .unwrap_or_default();
        let available = named.iter().any(|f| fonts.has_family(f));
        let generic = named.len() < list.len();
        match uses.iter_mut().find(|u| u.family.eq_ignore_ascii_case(&family)) {
            Some(u) => {
                u.available |= available;
                u.falls_back &= generic;
                if !u.styles.contains(&style) {
                    u.styles.push(style);
                    u.styles.sort();
                }
                u.elements.push(a.element.clone());
            }
            None => uses.push(FontUse {
                family,
                styles: vec![style],
                elements: vec![a.element.clone()],
                available,
                written: a.list.trim().to_string(),
                falls_back: generic,
            }),
        }
    }
    uses
}

/// `extra` merged into `uses`, as [`gather`] merges one declaration.
pub(crate) fn merge(uses: &mut Vec<FontUse>, extra: Vec<FontUse>) {
    for e in extra {
        match uses.iter_mut().find(|u| u.family.eq_ignore_ascii_case(&e.family)) {
            Some(u) => {
                u.available |= e.available;
                u.falls_back &= e.falls_back;
                u.elements.extend(e.elements);
                for s in e.styles {
                    if !u.styles.contains(&s) {
                        u.styles.push(s);
                    }
                }
                u.styles.sort();
            }
            None => uses.push(e),
        }
    }
}

impl FontUse {
    /// How many elements use it and the first `most` of their names: (`3 elements`, `Title,
    /// About, body`), with ` and N more` when there are more names.
    pub fn users(&self, most: usize) -> (String, String) {
        let mut names: Vec<&str> = Vec::new();
        for e in &self.elements {
            if !names.contains(&e.as_str()) {
                names.push(e);
            }
        }
        let mut shown = names.iter().take(most).copied().collect::<Vec<_>>().join(", ");
        if names.len() > most {
            shown += &format!(" and {} more", names.len() - most);
        }
        let count = match self.elements.len() {
            1 => "1 element".to_string(),
            n => format!("{n} elements"),
        };
        (count, shown)
    }
}

/// `Bold; used by 3 elements: About, Title, body`: what a missing-font message says.
pub(crate) fn wanted(u: &FontUse) -> String {
    let (count, shown) = u.users(4);
    format!("{}; used by {count}: {shown}", u.styles.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editors_names_read_back_to_family_and_style() {
        for (name, family, style) in [
            ("Sintony-Bold", "Sintony", Some("Bold")),
            ("MiriamLibre-Bold", "Miriam Libre", Some("Bold")),
            ("Montserrat-BoldItalic", "Montserrat", Some("Bold Italic")),
            ("RobotoCondensed-Regular", "Roboto Condensed", Some("Regular")),
            ("Roboto Condensed Bold", "Roboto Condensed", Some("Bold")),
            ("League Spartan Black", "League Spartan", Some("Black")),
            ("Anton", "Anton", None),
            ("Bebas Neue", "Bebas Neue", None),
            ("Open Sans", "Open Sans", None),
            ("Noto-Sans", "Noto-Sans", None),
            ("ArialMT", "Arial", None),
            ("CourierNewPS-BoldMT", "Courier New", Some("Bold")),
            ("TimesNewRomanPSMT", "Times New Roman", None),
            ("GillSans-Light", "Gill Sans", Some("Light")),
            ("HelveticaNeueLTStd-Lt", "Helvetica Neue LTStd", Some("Light")),
            ("MinionPro-BdIt", "Minion Pro", Some("Bold Italic")),
            ("ITC Avant Garde Gothic Book", "ITC Avant Garde Gothic", Some("Book")),
        ] {
            assert_eq!(
                family_and_style(name),
                (family.to_string(), style.map(str::to_string)),
                "{name}"
            );
        }
    }

    #[test]
    fn one_family_written_many_ways_is_one_use_with_its_styles() {
        let fonts = Fonts::from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts")).unwrap();
        let ask = |list: &str, element: &str, weight: Option<&str>, italic: bool| Asked {
            list: list.into(),
            element: element.into(),
            weight: weight.map(str::to_string),
            italic,
        };
        let asked = [
            ask("'Sintony-Bold', Sintony", "Title", None, false),
            ask("Sintony", "About", Some("bold"), false),
            ask("Sintony", "body", None, true),
            ask("MiriamLibre-Bold, 'Miriam Libre'", "Name", None, false),
            ask("'Anton', sans-serif", "name", None, false),
            ask("RobotoCondensed-Bold", "slogan", None, false),
        ];
        let uses = gather(&asked, &fonts);
        let summary: Vec<(&str, Vec<&str>, bool)> = uses
            .iter()
            .map(|u| {
                (
                    u.family.as_str(),
                    u.styles.iter().map(String::as_str).collect(),
                    u.available,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("Sintony", vec!["Bold", "Italic"], false),
                ("Miriam Libre", vec!["Bold"], false),
                ("Anton", vec!["Regular"], true),
                ("Roboto Condensed", vec!["Bold"], true),
            ]
        );
        assert_eq!(wanted(&uses[0]), "Bold, Italic; used by 3 elements: Title, About, body");
        assert_eq!(uses[0].written, "'Sintony-Bold', Sintony");
    }
}
