//! Speed path: the static background of a variant (found at load, `template::statics`),
//! the top-level elements drawn before anything that changes per row. They are the same on
//! every poster, so they are rendered once per variant and output size and each poster
//! starts from a copy; only the rest is parsed and drawn per row.
//!
//! resvg draws top-level elements one after the other onto the canvas, so
//! drawing the background first and the foreground over it gives the very
//! same pixels as drawing the whole document (a test checks it byte for byte).

use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::fonts::Fonts;
use crate::raster::once_map::OnceMap;
use crate::template::Template;

/// Rendered backgrounds, by (variant, width, height), each computed once even
/// when several threads ask at the same time.
#[derive(Debug, Default)]
pub(crate) struct Backgrounds {
    slots: OnceMap<(usize, u32, u32), Option<Arc<tiny_skia::Pixmap>>>,
}

impl Backgrounds {
    /// A canvas holding the background of `variant` at `w`×`h` under
    /// `transform`: a copy of the cached one up to [`CACHE_PIXELS`], drawn
    /// afresh (and not kept) above.
    pub fn get(
        &self,
        template: &Template,
        variant: usize,
        (w, h): (u32, u32),
        transform: tiny_skia::Transform,
        fonts: &Fonts,
    ) -> Option<tiny_skia::Pixmap> {
        let bg = template.variants[variant].background.as_ref()?;
        let draw = || draw_static(template, fonts, &bg.svg, (w, h), transform);
        if u64::from(w) * u64::from(h) > CACHE_PIXELS {
            return draw();
        }
        self.slots
            .get_or_init((variant, w, h), || draw().map(Arc::new))
            .as_deref()
            .cloned()
    }
}

/// Draws a document of static elements (a background, an overlay run) at `w`×`h` under
/// `transform`. It holds no slot, so no photo is ever asked for.
pub(crate) fn draw_static(
    template: &Template,
    fonts: &Fonts,
    svg: &str,
    (w, h): (u32, u32),
    transform: tiny_skia::Transform,
) -> Option<tiny_skia::Pixmap> {
    let opt = crate::template::confine::usvg_options(template, fonts, |_| None);
    let tree = usvg::Tree::from_str(svg, &opt).ok()?;
    let mut pixmap = tiny_skia::Pixmap::new(w, h)?;
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Some(pixmap)
}

/// Largest background kept in the cache, in pixels: every social size, not print.
pub const CACHE_PIXELS: u64 = 4_000_000;

#[cfg(test)]
mod tests {
    use crate::compose::RenderOptions;
    use crate::raster::tests::hero;
    use crate::raster::{Caches, render};

    /// The cached background plus the per-row foreground gives the very pixels
    /// of drawing the whole document at once.
    #[test]
    fn cached_background_gives_identical_pixels() {
        let (fonts, mut template, record) = hero("Zoé LE GOFF-KERMARREC");
        let options = RenderOptions::default();
        for size in [(216, 270), (320, 180)] {
            let variant = template.variant_index_for(size.0, size.1);
            assert!(
                template.variants[variant].background.is_some(),
                "the hero template has a static background"
            );
            let cached = render(&template, &record, Some(size), &options, &fonts, &Caches::default())
                .unwrap()
                .image;
            let saved = template.variants[variant].background.take();
            let whole = render(&template, &record, Some(size), &options, &fonts, &Caches::default())
                .unwrap()
                .image;
            template.variants[variant].background = saved;
            assert!(cached == whole, "{size:?}: layered and whole renders differ");
        }
    }
}
