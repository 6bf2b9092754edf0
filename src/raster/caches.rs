//! What one template's posters share across renders, held by the caller (a batch owns
//! one), never by the template: each piece lives with the code that computes it
//! (`measure`, `background`, `overlay`, `window`) and is only reached through here.

use std::sync::OnceLock;

use crate::compose::measure::Measurements;
use crate::raster::background::Backgrounds;
use crate::raster::overlay::OverlayLayers;
use crate::raster::window::Windows;
use crate::template::Template;

/// Memoised pieces of one template's posters: text measurements, static backgrounds and
/// overlay layers per output size, photo windows. Thread-safe; keep one per template across
/// renders (`Caches::default()` for a single poster). Handed another template's posters, it
/// serves none of its pieces to them (its keys are that template's variant indices).
#[derive(Debug, Default)]
pub struct Caches {
    pub(crate) measures: Measurements,
    pub(crate) backgrounds: Backgrounds,
    pub(crate) overlays: OverlayLayers,
    pub(crate) windows: Windows,
    /// The fingerprint of the template these caches serve, set by the first render.
    template: OnceLock<[u8; 32]>,
}

impl Caches {
    /// These caches, when they serve `template` (or none yet); `None` for another template.
    pub(crate) fn serving(&self, template: &Template) -> Option<&Caches> {
        (*self.template.get_or_init(|| template.fingerprint) == template.fingerprint).then_some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_serve_one_template_only() {
        let (_, template) = crate::template::sample();
        let caches = Caches::default();
        assert!(caches.serving(&template).is_some(), "the first template is served");
        assert!(caches.serving(&template).is_some(), "and again");
        let mut other = crate::template::sample().1;
        other.fingerprint[0] ^= 1;
        assert!(caches.serving(&other).is_none(), "another template is not");
    }
}
