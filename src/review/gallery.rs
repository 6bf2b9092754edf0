//! The review gallery: `index.html` beside the posters, built from the report
//! alone. One self-contained page (no network, no script from elsewhere) that a
//! designer opens from the file system: thumbnails grouped by preset, each
//! poster's row, name, status and warnings, and filters for the problems.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::preset::Preset;
use crate::review::report::{Entry, Report, Status};

/// A text set below this fraction of its maximum size is worth a look.
pub const SHRUNK_BELOW: f32 = 0.6;

/// What a reviewer filters on. Read from the report entry (status, texts) and
/// from the wording of its warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Error,
    Overflow,
    Fallback,
    LowResolution,
    NoFace,
    SafeZone,
    Cropped,
    Shrunk,
    Other,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::Error,
        Kind::Overflow,
        Kind::Fallback,
        Kind::LowResolution,
        Kind::NoFace,
        Kind::SafeZone,
        Kind::Cropped,
        Kind::Shrunk,
        Kind::Other,
    ];

    /// Short identifier used in the page (`data-kinds`, URL hash).
    pub fn id(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Overflow => "overflow",
            Kind::Fallback => "fallback",
            Kind::LowResolution => "lowres",
            Kind::NoFace => "noface",
            Kind::SafeZone => "safezone",
            Kind::Cropped => "cropped",
            Kind::Shrunk => "shrunk",
            Kind::Other => "other",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Error => "failed",
            Kind::Overflow => "text overflow",
            Kind::Fallback => "fallback font",
            Kind::LowResolution => "low-resolution photo",
            Kind::NoFace => "no face found",
            Kind::SafeZone => "outside the safe zone",
            Kind::Cropped => "slot cropped",
            Kind::Shrunk => "text shrunk",
            Kind::Other => "other warning",
        }
    }

    /// The kind of one warning message, from the words the renderer uses.
    pub fn of_warning(message: &str) -> Kind {
        let m = message.to_lowercase();
        let has = |w: &str| m.contains(w);
        if has("truncated to") || has("below the minimum size") {
            Kind::Overflow
        } else if has("fallback font") {
            Kind::Fallback
        } else if has("low resolution") || has("upscaled") {
            Kind::LowResolution
        } else if has("no face found") {
            Kind::NoFace
        } else if has("safe zone") {
            Kind::SafeZone
        } else if has("cuts into this slot") {
            Kind::Cropped
        } else {
            Kind::Other
        }
    }

    /// Every kind that applies to an entry, each once, in `Kind::ALL` order.
    pub fn of_entry(e: &Entry) -> Vec<Kind> {
        let mut found: Vec<Kind> = e.warnings.iter().map(|w| Kind::of_warning(w)).collect();
        if e.status == Status::Error {
            found.push(Kind::Error);
        }
        if e.texts.iter().any(|t| t.shrink < SHRUNK_BELOW) {
            found.push(Kind::Shrunk);
        }
        Kind::ALL.into_iter().filter(|k| found.contains(k)).collect()
    }
}

/// Writes the gallery of `report` as `dir/index.html`, atomically.
pub fn write(report: &Report, dir: &Path) -> Result<PathBuf> {
    crate::output::write_atomic(dir, Path::new("index.html"), html(report).as_bytes())
}

/// The whole page. Every value from the report is escaped: names come from
/// spreadsheets, and a name is text, never markup.
pub fn html(report: &Report) -> String {
    let mut presets: Vec<&str> = Vec::new();
    for e in &report.entries {
        if !presets.contains(&e.preset.as_str()) {
            presets.push(&e.preset);
        }
    }
    let kinds: Vec<Vec<Kind>> = report.entries.iter().map(Kind::of_entry).collect();
    let problems = kinds.iter().filter(|k| !k.is_empty()).count();
    let mut h = String::with_capacity(4096 + report.entries.len() * 600);
    let title = format!("affiche review: {}", report.template);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style></head>\n<body>\n<header><h1>{}</h1>\n\
         <p class=\"summary\">{} rendered · {} failed · {problems} with something to check · data {} · \
         <a href=\"report.json\">report.json</a> · <a href=\"report.csv\">report.csv</a></p>\n",
        esc(&title),
        esc(&title),
        report.rendered,
        report.failed,
        esc(&report.data),
    );
    if !report.notes.is_empty() {
        let _ = write!(h, "<details><summary>{} note(s)</summary><ul>", report.notes.len());
        for n in &report.notes {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str(
        "<form id=\"filters\" onsubmit=\"return false\">\
         <label><input type=\"checkbox\" id=\"only-problems\"> only problems</label>\
         <select id=\"kind\" aria-label=\"kind of problem\"><option value=\"\">any kind</option>",
    );
    for k in Kind::ALL {
        let n = kinds.iter().filter(|ks| ks.contains(&k)).count();
        if n > 0 {
            let _ = write!(h, "<option value=\"{}\">{} ({n})</option>", k.id(), k.label());
        }
    }
    h.push_str(
        "</select><input type=\"search\" id=\"q\" placeholder=\"name or row\" aria-label=\"search\">\
         <span id=\"shown\"></span></form>\n<nav>",
    );
    for p in &presets {
        let _ = write!(h, "<a href=\"#preset-{0}\">{0}</a> ", esc(p));
    }
    h.push_str("</nav></header>\n<main>\n");
    let mut shown = 0;
    for p in &presets {
        let size = Preset::find(p).ok().map(|p| (p.width, p.height));
        let _ = write!(h, "<section id=\"preset-{0}\"><h2>{0}", esc(p));
        if let Some((w, ht)) = size {
            let _ = write!(h, " <small>{w}×{ht}</small>");
        }
        h.push_str("</h2><div class=\"grid\">\n");
        for (e, k) in report.entries.iter().zip(&kinds).filter(|(e, _)| e.preset == *p) {
            card(&mut h, e, k, size, shown < EAGER);
            shown += 1;
        }
        h.push_str("</div></section>\n");
    }
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body></html>\n");
    h
}

/// Thumbnails loaded with the page (the first screenful); the rest load as
/// they scroll into view, so a page of thousands of posters opens at once.
const EAGER: usize = 24;

fn card(h: &mut String, e: &Entry, kinds: &[Kind], size: Option<(u32, u32)>, eager: bool) {
    let ids: Vec<&str> = kinds.iter().map(|k| k.id()).collect();
    let search = format!("{} {}", e.row, e.name.to_lowercase());
    let _ = write!(
        h,
        "<figure class=\"card{}\" data-problem=\"{}\" data-kinds=\"{}\" data-search=\"{}\">",
        if e.status == Status::Error { " failed" } else { "" },
        u8::from(!kinds.is_empty()),
        ids.join(" "),
        esc(&search)
    );
    let href = url_path(&e.output);
    let (w, ht) = size.unwrap_or((1080, 1080));
    if e.status == Status::Ok {
        let _ = write!(
            h,
            "<a href=\"{href}\" target=\"_blank\"><img src=\"{href}\" loading=\"{}\" \
             width=\"{w}\" height=\"{ht}\" alt=\"{} ({})\"></a>",
            // Eager thumbnails decode in step so that the page's first view is whole.
            if eager { "eager" } else { "lazy\" decoding=\"async" },
            esc(&e.name),
            esc(&e.preset)
        );
    } else {
        let _ = write!(
            h,
            "<div class=\"missing\" style=\"aspect-ratio:{w}/{ht}\">not rendered</div>"
        );
    }
    let _ = write!(
        h,
        "<figcaption><b>{}</b> <span class=\"row\">row {}</span>",
        esc(&e.name),
        e.row
    );
    for k in kinds {
        let _ = write!(h, " <span class=\"tag {}\">{}</span>", k.id(), k.label());
    }
    if e.status == Status::Ok && kinds.is_empty() {
        h.push_str(" <span class=\"tag ok\">ok</span>");
    }
    let shrunk: Vec<String> = e
        .texts
        .iter()
        .filter(|t| t.shrink < 1.0)
        .map(|t| format!("{} at {:.0}%", t.field, t.shrink * 100.0))
        .collect();
    if !shrunk.is_empty() {
        let _ = write!(h, "<div class=\"sizes\">{}</div>", esc(&shrunk.join(", ")));
    }
    let messages: Vec<&String> = e.message.iter().chain(&e.warnings).collect();
    if !messages.is_empty() {
        h.push_str("<ul>");
        for m in messages {
            let _ = write!(h, "<li>{}</li>", esc(m));
        }
        h.push_str("</ul>");
    }
    let _ = write!(h, "<a class=\"file\" href=\"{href}\">{}</a>", esc(&e.output));
    h.push_str("</figcaption></figure>\n");
}

/// Escapes text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative file path as a URL path: every byte but unreserved characters and
/// `/` percent-encoded, so `#`, `?`, spaces or accents in a name keep pointing at the file.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The page's style, kept in its own file for editing.
const CSS: &str = include_str!("gallery.css");

/// Filters: applied on every change and from the URL hash (`#problems`,
/// `#kind=fallback`, `#q=dupont`, joined by `&`), so a link can open the page
/// filtered. `data-ready` on `<body>` says the script ran to its end.
const SCRIPT: &str = include_str!("gallery.js");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::TextReport;

    fn entry(row: usize, name: &str, preset: &str, warnings: &[&str]) -> Entry {
        Entry {
            row,
            name: name.into(),
            preset: preset.into(),
            output: format!("{row}-{preset}.png"),
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn names_from_spreadsheets_are_inert_text() {
        let evil = "<script>alert(1)</script>\" onerror=\"x";
        let mut e = entry(1, evil, "x-post", &["name: <b>bold</b>"]);
        e.output = "a b#c?d<é>.png".into();
        let r = Report::new("<t>".into(), "d".into(), vec!["<i>note".into()], vec![e]);
        let page = html(&r);
        assert_eq!(page.matches("<script>").count(), 1, "only the page's own script");
        assert!(!page.contains("<b>bold") && !page.contains("<i>note") && !page.contains("<t>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onerror=&quot;x"));
        assert!(page.contains("src=\"a%20b%23c%3Fd%3C%C3%A9%3E.png\""));
    }

    #[test]
    fn warnings_are_sorted_into_kinds() {
        let mut e = entry(
            2,
            "A",
            "instagram-story",
            &[
                "name: some characters drawn with fallback font \"Noto Sans Arabic\"",
                "photo: no face found: cropped around the largest area of skin, or else the most detailed one",
                "photo: photo upscaled 3.2× (100×120 px for a 320×400 px frame): low resolution",
                "name: truncated to \"Marie…\"",
                "name: outside the safe zone: the bottom 18% of a story is covered by the app",
            ],
        );
        e.texts.push(TextReport {
            field: "name".into(),
            size: 40.0,
            shrink: 0.4,
            lines: 2,
            fallback_fonts: vec![],
        });
        let ids: Vec<&str> = Kind::of_entry(&e).iter().map(|k| k.id()).collect();
        assert_eq!(ids, ["overflow", "fallback", "lowres", "noface", "safezone", "shrunk"]);
        assert!(Kind::of_entry(&entry(3, "B", "x-post", &[])).is_empty());
    }

    #[test]
    fn cards_are_grouped_by_preset_and_marked_for_the_filter() {
        let mut failed = entry(2, "Bad", "x-post", &[]);
        failed.status = Status::Error;
        failed.message = Some("row 2: photo missing".into());
        let entries = vec![
            entry(1, "Good", "x-post", &[]),
            entry(1, "Good", "instagram-story", &["photo: no face found"]),
            failed,
        ];
        let page = html(&Report::new("t".into(), "d".into(), vec![], entries));
        let x = page.find("id=\"preset-x-post\"").unwrap();
        let story = page.find("id=\"preset-instagram-story\"").unwrap();
        assert!(x < story, "presets in report order");
        let x_section = &page[x..story];
        assert_eq!(x_section.matches("<figure").count(), 2);
        assert!(x_section.contains("data-problem=\"0\" data-kinds=\"\""));
        assert!(x_section.contains("data-problem=\"1\" data-kinds=\"error\""));
        assert!(x_section.contains("not rendered") && x_section.contains("row 2: photo missing"));
        assert!(page[story..].contains("data-kinds=\"noface\""));
        assert!(
            page.contains("width=\"1080\" height=\"1920\""),
            "story thumbnails keep their shape"
        );
    }
}
