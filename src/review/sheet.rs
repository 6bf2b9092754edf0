//! Contact sheets: one preset's posters in a grid, each candidate's name under
//! it, as PNG pages for people who sign off without opening a folder. Built
//! from an output folder's report and the posters in it.

use std::path::{Path, PathBuf};

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{Rgba, RgbaImage};
use imageproc::drawing::draw_filled_rect_mut;
use imageproc::rect::Rect;

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};
use crate::review::report::{Entry, Report, Status};

/// The labels' own font, so a sheet needs no font folder (OFL, see `fonts/README.md`).
const LABEL_FONT: &[u8] = crate::fonts::BUILTIN_FONT;

/// How a contact sheet is laid out.
#[derive(Debug, Clone)]
pub struct SheetOptions {
    /// Preset whose posters go on the sheet. Default: empty, the report's first preset.
    pub preset: String,
    /// Thumbnails per line. Default: 5.
    pub columns: usize,
    /// Thumbnail width in pixels. Default: 240.
    pub width: u32,
    /// Posters per page; 0 puts them all on one page. Default: 0.
    pub per_page: usize,
    /// Folders whose font files draw the characters of names that the label font
    /// lacks (CJK, Arabic…), first that has the glyph wins. Default: none.
    pub fonts: Vec<PathBuf>,
}

impl Default for SheetOptions {
    fn default() -> Self {
        SheetOptions {
            preset: String::new(),
            columns: 5,
            width: 240,
            per_page: 0,
            fonts: Vec::new(),
        }
    }
}

const MARGIN: u32 = 16;
const LABEL: u32 = 46;
const HEADER: u32 = 44;
const INK: Rgba<u8> = Rgba([29, 27, 32, 255]);
const GREY: Rgba<u8> = Rgba([110, 110, 118, 255]);
const RED: Rgba<u8> = Rgba([198, 40, 40, 255]);

/// The preset a sheet shows: the one asked for, else the report's first.
pub fn preset_of(report: &Report, options: &SheetOptions) -> Option<String> {
    if options.preset.is_empty() {
        report.entries.first().map(|e| e.preset.clone())
    } else {
        Some(options.preset.clone())
    }
}

/// Composes the contact sheet pages of the report in `dir` (which holds the
/// posters). Posters that failed or are missing get a labelled empty tile, so
/// a reviewer sees the gap.
pub fn compose(report: &Report, dir: &Path, options: &SheetOptions) -> Result<Vec<RgbaImage>> {
    let preset = preset_of(report, options).unwrap_or_default();
    let entries: Vec<&Entry> = report.entries.iter().filter(|e| e.preset == preset).collect();
    if entries.is_empty() {
        let mut presets: Vec<&str> = report.entries.iter().map(|e| e.preset.as_str()).collect();
        presets.dedup();
        return Err(Error::Data {
            path: dir.join("report.json"),
            row: None,
            column: Some("preset".into()),
            message: format!(
                "no poster of preset {preset:?} (the report has: {})",
                presets.join(", ")
            ),
        });
    }
    let fonts = Labels::load(&options.fonts);
    let (pw, ph) = crate::preset::Preset::find(&preset).map_or((1080, 1080), |p| (p.width, p.height));
    let tw = options.width.max(32);
    let th = (u64::from(tw) * u64::from(ph) / u64::from(pw)).max(1) as u32;
    let per_page = if options.per_page == 0 {
        entries.len()
    } else {
        options.per_page
    };
    let pages = entries.len().div_ceil(per_page);
    let mut out = Vec::with_capacity(pages);
    for (i, chunk) in entries.chunks(per_page).enumerate() {
        let columns = options.columns.clamp(1, chunk.len());
        let lines = chunk.len().div_ceil(columns) as u32;
        let (cw, ch) = (tw + MARGIN, th + LABEL + MARGIN);
        let mut page = RgbaImage::from_pixel(
            MARGIN + columns as u32 * cw,
            HEADER + MARGIN + lines * ch,
            Rgba([255, 255, 255, 255]),
        );
        let title = if pages > 1 {
            format!("{} · {preset} · page {} of {pages}", report.template, i + 1)
        } else {
            format!("{} · {preset} · {} posters", report.template, entries.len())
        };
        let title_width = page.width() - 2 * MARGIN;
        fonts.draw(&mut page, &title, MARGIN as i32, 12, 22.0, INK, title_width);
        for (j, e) in chunk.iter().enumerate() {
            let x = MARGIN + (j % columns) as u32 * cw;
            let y = HEADER + MARGIN + (j / columns) as u32 * ch;
            match thumbnail(dir, e, tw, th) {
                Ok(thumb) => image::imageops::overlay(&mut page, &thumb, i64::from(x), i64::from(y)),
                Err(why) => {
                    let tile = Rect::at(x as i32, y as i32).of_size(tw, th);
                    draw_filled_rect_mut(&mut page, tile, Rgba([236, 234, 238, 255]));
                    fonts.draw_centred(&mut page, &why, x, y + th / 2 - 9, 16.0, RED, tw);
                }
            }
            fonts.draw_centred(&mut page, &e.name, x, y + th + 4, 19.0, INK, tw);
            fonts.draw_centred(&mut page, &format!("row {}", e.row), x, y + th + 26, 14.0, GREY, tw);
        }
        out.push(page);
    }
    Ok(out)
}

/// The poster scaled to `w`×`h`, or why there is none.
fn thumbnail(dir: &Path, e: &Entry, w: u32, h: u32) -> std::result::Result<RgbaImage, String> {
    if e.status == Status::Error {
        return Err("not rendered".into());
    }
    let (_, bytes) =
        crate::template::confine::read(dir, &e.output, "the output folder", crate::limits::MAX_PHOTO_BYTES)
            .map_err(|_| "file missing".to_string())?;
    let poster = crate::photo::decode(&bytes).map_err(|_| "unreadable file".to_string())?;
    let mut thumb = RgbaImage::new(w, h);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&poster, &mut thumb, &options)
        .expect("RGBA8 to RGBA8 resize");
    Ok(thumb)
}

/// Labels set by usvg and drawn by resvg like the posters' own text: shaped
/// (Arabic letters join), in bidi order, and with the fallback fonts for the
/// characters the label font lacks.
struct Labels {
    options: usvg::Options<'static>,
    family: String,
}

/// The label font's em over its line height (hhea: 2048 units per em, ascender
/// 1900, descender -500): label sizes are line heights in pixels, as they were
/// when labels were drawn glyph by glyph, so a size keeps its look.
const EM_PER_LINE: f32 = 2048.0 / 2400.0;
/// The label font's ascender over its line height: the baseline under a label's top.
const ASCENT_PER_LINE: f32 = 1900.0 / 2400.0;

/// A label set by usvg, and where its ink lies relative to its origin (x, baseline).
struct Set {
    tree: usvg::Tree,
    ink: usvg::Rect,
}

impl Labels {
    fn load(dirs: &[PathBuf]) -> Labels {
        let fonts = crate::fonts::Fonts::with_builtin(LABEL_FONT, dirs);
        Labels {
            family: fonts.default_family.clone(),
            options: fonts.usvg_options(&[]),
        }
    }

    /// `text` at `size` (line height in pixels), its origin at (`pad`, `pad`) of
    /// a canvas wide enough for `max` pixels of ink; `None` when it has no ink.
    fn set(&self, text: &str, size: f32, colour: Rgba<u8>, max: u32) -> Option<Set> {
        let pad = size.ceil();
        let [r, g, b, _] = colour.0;
        let doc = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\">\
             <text x=\"{pad}\" y=\"{pad}\" font-family=\"{family}\" font-weight=\"700\" font-size=\"{em}\" \
             fill=\"rgb({r},{g},{b})\" xml:space=\"preserve\">{text}</text></svg>",
            w = max as f32 + 4.0 * pad,
            h = 3.0 * pad,
            family = crate::template::fill::escape(&self.family),
            em = size * EM_PER_LINE,
            text = crate::template::fill::escape(text),
        );
        let tree = usvg::Tree::from_str(&doc, &self.options).ok()?;
        let ink = tree.root().abs_bounding_box();
        if !tree.root().has_children() || ink.width() <= 0.0 {
            return None;
        }
        let ink = usvg::Rect::from_xywh(ink.x() - pad, ink.y() - pad, ink.width(), ink.height())?;
        Some(Set { tree, ink })
    }

    /// Width of `text`'s ink at `size`, in whole pixels.
    fn width(&self, text: &str, size: f32) -> u32 {
        // The canvas only bounds what is drawn, not what is measured.
        self.set(text, size, INK, 0).map_or(0, |s| s.ink.width().ceil() as u32)
    }

    /// The text as large as `size` and as much of it as fits in `max` pixels.
    fn fitted(&self, text: &str, size: f32, max: u32) -> (String, f32) {
        let size = (size * max as f32 / self.width(text, size).max(1) as f32).clamp(size * 0.7, size);
        let chars: Vec<char> = text.chars().collect();
        let mut t = text.to_string();
        let mut keep = chars.len();
        while self.width(&t, size) > max && keep > 1 {
            keep -= 1;
            t = format!("{}…", chars[..keep].iter().collect::<String>().trim_end());
        }
        (t, size)
    }

    /// Draws `text` with its top at `y` and its ink from `x`.
    #[allow(clippy::too_many_arguments)]
    fn draw(&self, img: &mut RgbaImage, text: &str, x: i32, y: i32, size: f32, colour: Rgba<u8>, max: u32) {
        let (text, size) = self.fitted(text, size, max);
        let Some(set) = self.set(&text, size, colour, max) else {
            return;
        };
        let size_px = set.tree.size().to_int_size();
        let Some(mut pixmap) = tiny_skia::Pixmap::new(size_px.width(), size_px.height()) else {
            return;
        };
        resvg::render(&set.tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
        let label = RgbaImage::from_fn(pixmap.width(), pixmap.height(), |px, py| {
            let c = pixmap.pixel(px, py).expect("inside the pixmap").demultiply();
            Rgba([c.red(), c.green(), c.blue(), c.alpha()])
        });
        // The canvas's origin (pad, pad) goes to (ink's left edge at x, baseline under y).
        let pad = size.ceil();
        let left = x as f32 - set.ink.x() - pad;
        let top = y as f32 + size * ASCENT_PER_LINE - pad;
        image::imageops::overlay(img, &label, left.round() as i64, top.round() as i64);
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_centred(&self, img: &mut RgbaImage, text: &str, x: u32, y: u32, size: f32, colour: Rgba<u8>, w: u32) {
        let (fitted, size) = self.fitted(text, size, w);
        let left = x + (w.saturating_sub(self.width(&fitted, size))) / 2;
        self.draw(img, &fitted, left as i32, y as i32, size, colour, w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(row: usize, name: &str, output: &str, ok: bool) -> Entry {
        Entry {
            row,
            name: name.into(),
            preset: "instagram-square".into(),
            status: if ok { Status::Ok } else { Status::Error },
            output: output.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_grid_of_thumbnails_with_names_and_gaps_for_failures() {
        let dir = tempfile::tempdir().unwrap();
        RgbaImage::from_pixel(300, 300, Rgba([200, 0, 120, 255]))
            .save(dir.path().join("a.png"))
            .unwrap();
        let entries = vec![
            entry(1, "Léa ROY", "a.png", true),
            entry(2, "Jean DUPONT", "b.png", false),
            entry(3, "Absent", "../escape.png", true),
        ];
        let report = Report::new("hero".into(), "d".into(), vec![], entries);
        let options = SheetOptions {
            columns: 2,
            width: 100,
            ..Default::default()
        };
        let pages = compose(&report, dir.path(), &options).unwrap();
        assert_eq!(pages.len(), 1);
        let page = &pages[0];
        assert_eq!(
            page.dimensions(),
            (MARGIN + 2 * 116, HEADER + MARGIN + 2 * (100 + LABEL + MARGIN))
        );
        let (x, y) = (MARGIN + 50, HEADER + MARGIN + 50);
        assert_eq!(page.get_pixel(x, y), &Rgba([200, 0, 120, 255]), "first thumbnail");
        assert_ne!(
            page.get_pixel(x + 116, y),
            &Rgba([200, 0, 120, 255]),
            "failed poster: empty tile"
        );
        let label = (MARGIN..MARGIN + 100)
            .flat_map(|x| (y + 54..y + 54 + LABEL - 8).map(move |y| (x, y)))
            .filter(|&(x, y)| page.get_pixel(x, y)[0] < 128)
            .count();
        assert!(label > 50, "a name is drawn under the thumbnail ({label} dark pixels)");
        let paged = SheetOptions { per_page: 2, ..options };
        assert_eq!(compose(&report, dir.path(), &paged).unwrap().len(), 2);
        let other = SheetOptions {
            preset: "x-post".into(),
            ..Default::default()
        };
        let err = compose(&report, dir.path(), &other).unwrap_err().to_string();
        assert!(
            err.contains("no poster of preset \"x-post\"") && err.contains("instagram-square"),
            "{err}"
        );
    }

    #[test]
    fn long_names_are_shrunk_then_cut_to_their_tile() {
        let fonts = Labels::load(&[]);
        let (t, size) = fonts.fitted("Marie-Éléonore DE LA TOUR D'AUVERGNE-LAURAGUAIS", 19.0, 120);
        assert!(t.ends_with('…') && size < 19.0, "{t} at {size}");
        assert!(fonts.width(&t, size) <= 120);
        assert_eq!(fonts.fitted("Léa ROY", 19.0, 120), ("Léa ROY".to_string(), 19.0));
    }

    /// The constants that turn a label size into an em and a baseline are the label font's own.
    #[test]
    fn label_metrics_are_the_label_fonts() {
        use ab_glyph::Font;
        let font = ab_glyph::FontRef::try_from_slice(LABEL_FONT).unwrap();
        let upem = font.units_per_em().unwrap();
        let line = font.ascent_unscaled() - font.descent_unscaled();
        assert!((EM_PER_LINE - upem / line).abs() < 1e-4, "{upem} / {line}");
        assert!((ASCENT_PER_LINE - font.ascent_unscaled() / line).abs() < 1e-4);
    }

    /// Arabic names are shaped: the letters of محمد join into one stroke
    /// (drawn glyph by glyph, as labels once were, each letter would take its
    /// isolated form and stand apart), from the Arabic fallback font rather than
    /// the label font's missing-glyph boxes.
    #[test]
    fn arabic_labels_are_shaped_from_the_fallback_font() {
        let labels = Labels::load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fonts")]);
        // Columns of ink from the leftmost to the rightmost, and how many of those are blank.
        let draw = |text: &str| {
            let mut img = RgbaImage::from_pixel(200, 60, Rgba([255, 255, 255, 255]));
            labels.draw(&mut img, text, 10, 5, 40.0, INK, 180);
            let inked: Vec<bool> = (0..img.width())
                .map(|x| (0..img.height()).any(|y| img.get_pixel(x, y)[0] < 128))
                .collect();
            let left = inked.iter().position(|&i| i).expect("some ink");
            let right = inked.iter().rposition(|&i| i).unwrap();
            let gaps = inked[left..=right].iter().filter(|&&i| !i).count();
            (img, left, right, gaps)
        };
        let (joined, left, right, gaps) = draw("محمد");
        let word = labels.width("محمد", 40.0);
        assert!(word > 40, "the word is drawn ({word} px)");
        assert_eq!(gaps, 0, "the letters join: no blank column in {left}..={right}");
        assert!((9..=11).contains(&left), "ink starts at {left}, asked for 10");
        assert!(
            right - left < word as usize + 1,
            "ink {left}..={right} for a {word} px word"
        );
        // The same letters kept apart by zero-width non-joiners: isolated forms,
        // with blank columns between them; the check above can tell them apart.
        let (apart, _, _, gaps) = draw("م\u{200C}ح\u{200C}م\u{200C}د");
        assert!(gaps >= 3, "isolated letters stand apart ({gaps} blank columns)");
        assert!(joined != apart);
    }
}
