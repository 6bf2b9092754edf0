//! `affiche fields` and `affiche check` of a bare template: what a template binds, what it
//! leaves as artwork, which fonts it asks for, and what to know about it, readable before
//! any font or data is in place.

use std::path::{Path, PathBuf};

use affiche::{Fonts, Template};

/// The font folders a bare template is looked at with: those given, else `fonts` in the
/// working directory, and the template's own `fonts/` either way (as a campaign has them).
pub(crate) fn font_dirs(template: &Path, given: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut dirs = if given.is_empty() {
        vec![PathBuf::from("fonts")]
    } else {
        given
    };
    let own = affiche::own_fonts_dir(template);
    if !dirs.contains(&own) {
        dirs.push(own);
    }
    dirs
}

/// Loads `template` for inspection (missing fonts listed, not refused) with `fields` bound.
pub(crate) fn load(template: &Path, fonts: Vec<PathBuf>, fields: &[&str]) -> affiche::Result<Template> {
    let fonts = Fonts::inspecting(&font_dirs(template, fonts));
    Template::inspect(template, &fonts, fields)
}

/// Prints what the template binds, leaves unbound, asks of the font folders, and notes.
/// Returns how many families are missing.
pub(crate) fn describe(t: &Template) -> usize {
    for f in t.fields() {
        println!("{:<16} {:<12} {}", f.name, f.kind, f.variants.join(", "));
    }
    if t.fields().is_empty() {
        println!("(no slot bound: name a text or image after a column, or draw a <name>-box)");
    }
    for u in &t.unbound {
        println!(
            "{:<16} {:<12} not bound: drawn as in the template; {}",
            u.name, u.kind, u.advice
        );
    }
    let mut missing = 0;
    if !t.fonts.is_empty() {
        println!("fonts:");
    }
    for f in &t.fonts {
        let state = match (f.available, f.falls_back) {
            (true, _) => "found",
            (false, true) => "missing, drawn with the default font",
            (false, false) => {
                missing += 1;
                "missing"
            }
        };
        let (count, shown) = f.users(5);
        println!(
            "  {} {}: {state}, used by {count} ({shown})",
            f.family,
            f.styles.join(", ")
        );
    }
    for note in &t.notes {
        println!("note: {note}");
    }
    if missing > 0 {
        println!(
            "{missing} font famil{} missing: add the font files to fonts/ (or the template's fonts/), \
             or map each to a font you have with [font_aliases] or --font-alias 'FAMILY=Noto Sans'",
            if missing == 1 { "y is" } else { "ies are" }
        );
    }
    missing
}
