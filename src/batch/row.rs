//! One data row through every preset: values, photos (read and decoded once by
//! [`crate::batch::row_photos`]), outputs skipped when their inputs did not change, posters rendered and
//! written. Called by [`crate::batch`] from its worker threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::batch::campaign::Campaign;
use crate::batch::job::Job;
use crate::batch::row_photos::{Decoded, PhotoFile};
use crate::batch::state::{self, State};
use crate::compose::placement::PreparedPhotos;
use crate::compose::{Composed, Record, RenderOptions};
use crate::data::{self, Row, Table};
use crate::error::{Error, Result};
use crate::output;
use crate::output::delivery;
use crate::preset::Preset;
use crate::raster as render;
use crate::review::report::{Entry, Status};

/// A drawn poster: pixels, still to be encoded for delivery, or a finished PDF.
pub(crate) enum Drawn {
    Raster(render::Poster),
    Pdf(crate::pdf::PdfPoster),
}

/// The value placeholder `name` takes on every row of `table` when it is the same on
/// all (`Some(None)`: empty or missing everywhere), for [`crate::template::Template::load_with`].
/// A row whose pattern for `name` cannot be filled fails whatever the template holds, so
/// it does not count.
pub(crate) fn constant(campaign: &Campaign, table: &Table, name: &str) -> Option<Option<String>> {
    let mut seen: Option<Option<String>> = None;
    for row in &table.rows {
        // As `Batch::values` has it: a field's pattern over the raw column of that name.
        let value = match campaign.fields.get(name) {
            Some(pattern) => match data::interpolate(pattern, row) {
                Ok(v) => Some(v),
                Err(_) => continue,
            },
            None => row.values.get(name).cloned(),
        };
        let value = value.filter(|v| !v.is_empty());
        match &seen {
            Some(s) if *s != value => return None,
            Some(_) => {}
            None => seen = Some(value),
        }
    }
    seen
}

/// A drawn poster's file for `target` (a preset name, or `template`), encoded within its
/// budget with the credit; `entry` gets what the report says of it: warnings (the poster's, the
/// encoder's, then the preset's safe zone), variant, texts and the quality used. The batch and
/// the studio both finish posters here, so their files are the same.
pub(crate) fn finish(
    drawn: Drawn,
    encoding: output::Encoding,
    d: &delivery::Delivery,
    target: &str,
    preset: Option<Preset>,
    entry: &mut Entry,
) -> Vec<u8> {
    let (bytes, quality, boxes, p) = match drawn {
        Drawn::Pdf(p) => (p.pdf, None, vec![], (p.warnings, p.variant, p.texts)),
        Drawn::Raster(mut p) => {
            let file = delivery::deliver(&p.image, encoding, d.budget_for(target), d.credit.as_deref());
            p.warnings.extend(file.warning);
            (file.bytes, file.quality, p.boxes, (p.warnings, p.variant, p.texts))
        }
    };
    (entry.warnings, entry.variant, entry.texts) = (p.0, Some(p.1), p.2);
    entry.quality = quality;
    if let Some(preset) = preset {
        entry.warnings.extend(preset.safe_zone_warnings(&boxes));
    }
    bytes
}

impl Job<'_> {
    /// Entries for a row that fails before any preset renders.
    pub(crate) fn failed(
        &self,
        row: usize,
        targets: &[(String, Option<Preset>)],
        names: &[PathBuf],
        e: &Error,
    ) -> Vec<Entry> {
        targets
            .iter()
            .zip(names)
            .map(|((t, _), name)| Entry {
                row,
                preset: t.clone(),
                status: Status::Error,
                output: name.display().to_string(),
                message: Some(e.to_string()),
                ..Default::default()
            })
            .collect()
    }

    /// The row's alt text from the campaign's `alt` pattern, if it has one.
    fn alt_text(&self, row: usize, values: &BTreeMap<String, String>) -> Result<Option<String>> {
        let Some(pattern) = &self.campaign.delivery.alt else {
            return Ok(None);
        };
        let fields = Row {
            number: row,
            values: values.clone(),
        };
        data::interpolate(pattern, &fields).map(Some).map_err(|c| Error::Data {
            path: self.table.path.clone(),
            row: Some(row),
            column: Some(c),
            message: format!("alt pattern {pattern:?} cannot be filled: no such field or column"),
        })
    }

    /// Hash of everything one output depends on.
    fn input_hash(&self, values: &BTreeMap<String, String>, files: &[PhotoFile], target: &str, name: &Path) -> String {
        let values = serde_json::to_vec(values).expect("strings serialize");
        let settings = format!(
            "{:?} {:?} {target} {}",
            self.campaign.encoding,
            self.campaign.overflow,
            name.display()
        );
        // Delivery settings count only when set, so older states stay valid.
        let delivery = &self.campaign.delivery;
        let settings = if *delivery == Default::default() {
            settings
        } else {
            let budget = delivery.budget_for(target);
            format!("{settings} {budget:?} {:?} {:?}", delivery.alt, delivery.credit)
        };
        let settings = if self.campaign.encoding.format == output::Format::Pdf {
            format!("{settings} {:?}", self.campaign.pdf)
        } else {
            settings
        };
        let mut parts: Vec<&[u8]> = vec![
            &self.template.fingerprint,
            &self.fonts.fingerprint,
            &values,
            settings.as_bytes(),
        ];
        for PhotoFile { field, bytes, .. } in files {
            parts.push(field.as_bytes());
            parts.push(bytes);
        }
        state::input_hash(parts)
    }

    /// One row in every target; only an output write error is returned as `Err`.
    pub(crate) fn render_row(
        &self,
        row: &Row,
        targets: &[(String, Option<Preset>)],
        names: &[PathBuf],
        state: Option<&State>,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Vec<Entry>> {
        let fail = |e: Error| {
            targets.iter().for_each(|_| progress());
            Ok(self.failed(row.number, targets, names, &e))
        };
        let values = match self.values(row) {
            Ok(v) => v,
            Err(e) => return fail(e),
        };
        let files = match self.photo_files(row.number, &values) {
            Ok(f) => f,
            Err(e) => return fail(e),
        };
        let alt = match self.alt_text(row.number, &values) {
            Ok(a) => a,
            Err(e) => return fail(e),
        };
        let hashes: Vec<String> = targets
            .iter()
            .zip(names)
            .map(|((t, _), name)| self.input_hash(&values, &files, t, name))
            .collect();
        let sidecar = |i: usize| alt.is_none() || self.campaign.out.join(delivery::alt_path(&names[i])).is_file();
        let current = |i: usize| state.is_some_and(|s| s.is_current(&names[i], &hashes[i])) && sidecar(i);
        let skipped: Vec<bool> = (0..targets.len()).map(current).collect();
        // Outputs of one variant at one scale (1200×630 and 1200×627) draw the same photo
        // frames: prepared once and kept while a later output of the row still needs them.
        let keys: Vec<(usize, u32)> = targets
            .iter()
            .map(|(_, p)| {
                crate::compose::placement::share_key(
                    self.template,
                    self.variant_index(*p),
                    p.map(|p| (p.width, p.height)),
                )
            })
            .collect();
        let mut kept: BTreeMap<(usize, u32), PreparedPhotos> = BTreeMap::new();
        let mut entries = Vec::new();
        // The row's photos with their full-size turn, if any: one value, so the turn goes with them.
        let mut decoded: Option<Decoded> = None;
        let mut composed: BTreeMap<usize, Result<Composed>> = BTreeMap::new();
        for (i, ((target, preset), name)) in targets.iter().zip(names).enumerate() {
            let mut entry = Entry {
                row: row.number,
                preset: target.clone(),
                output: name.display().to_string(),
                skipped: skipped[i],
                inputs: Some(hashes[i].clone()),
                alt: alt.clone(),
                ..Default::default()
            };
            if entry.skipped {
                progress();
                entries.push(entry);
                continue;
            }
            // Photos are decoded only when some preset of the row needs rendering.
            let record = match &decoded {
                Some(d) => &d.record,
                None => {
                    // Sized for every target of the row, pending or not, so that a resumed
                    // row decodes as a clean run does and writes the same bytes.
                    match self.decode_for(row.number, values.clone(), &files, targets) {
                        Ok(d) => {
                            entry.decodes = d.decodes;
                            &decoded.insert(d).record
                        }
                        Err(e) => return fail(e),
                    }
                }
            };
            let v = self.variant_index(*preset);
            let options = RenderOptions {
                overflow: self.campaign.overflow,
            };
            let c = composed
                .entry(v)
                .or_insert_with(|| render::compose(self.template, v, record, &options, self.fonts, self.caches));
            let again = (i + 1..targets.len()).any(|j| !skipped[j] && keys[j] == keys[i]);
            let poster = match c {
                Ok(c) => self
                    .draw(c, record, *preset, &mut kept, keys[i], again)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            progress();
            match poster {
                Ok(drawn) => {
                    let out = &self.campaign.out;
                    let encoding = self.campaign.encoding;
                    let bytes = finish(drawn, encoding, &self.campaign.delivery, target, *preset, &mut entry);
                    // The alt text first: an image on disk always has its alt text.
                    if let Some(alt) = &alt {
                        output::write_atomic(out, &delivery::alt_path(name), alt.as_bytes())?;
                    }
                    output::write_atomic(out, name, &bytes)?;
                    if let Some(s) = state {
                        s.record(name, &hashes[i])?;
                    }
                }
                Err(message) => {
                    (entry.status, entry.message, entry.inputs) = (Status::Error, Some(message), None);
                }
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    /// One composed poster: a PDF page, or pixels. Photo frames are taken from `kept`
    /// under `key`, and left there (prepared now if missing) when the row draws them `again`.
    fn draw(
        &self,
        composed: &Composed,
        record: &Record,
        preset: Option<Preset>,
        kept: &mut BTreeMap<(usize, u32), PreparedPhotos>,
        key: (usize, u32),
        again: bool,
    ) -> Result<Drawn> {
        let size = preset.map(|p| (p.width, p.height));
        if self.campaign.encoding.format == output::Format::Pdf {
            let p = crate::pdf::to_pdf(self.template, composed, record, size, &self.campaign.pdf, self.fonts)?;
            return Ok(Drawn::Pdf(p));
        }
        if again && !kept.contains_key(&key) {
            kept.insert(
                key,
                crate::compose::placement::frames(self.template, composed, record, size),
            );
        }
        // Taken out when this is the key's last use, so its pixels go before the next poster's.
        let last = if again { None } else { kept.remove(&key) };
        let frames = last.as_ref().or_else(|| kept.get(&key));
        let poster = render::rasterize_with(self.template, composed, record, size, self.fonts, self.caches, frames)?;
        Ok(Drawn::Raster(poster))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;
    use crate::batch::campaign::{Campaign, CampaignFile};

    /// A placeholder holding one value on every row is filled ahead, so the elements using
    /// it join the cached layers; with two values it is left to the rows. Either way the
    /// poster is the same, within the layers' 2 levels.
    #[test]
    fn a_placeholder_constant_over_the_table_is_filled_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/campaign.toml");
        let load = |second: &str| {
            let data = dir.path().join(format!("data{second}.csv"));
            let csv = format!(
                "prenom,nom,circonscription,photo,slogan,accent\nGrace,HOPPER,Paris,,Un,#00AEEF\nAda,LOVELACE,Lyon,,Deux,{second}\n"
            );
            std::fs::write(&data, csv).unwrap();
            let mut file = CampaignFile::load(&path).unwrap();
            (file.data, file.out) = (Some(data), Some(dir.path().join("out")));
            Batch::load(Campaign::resolve(file, &path).unwrap()).unwrap()
        };
        let (same, mixed) = (load("#00AEEF"), load("#FF00AA"));
        assert_eq!(
            constant(&same.campaign, &same.table, "accent"),
            Some(Some("#00AEEF".into()))
        );
        assert_eq!(constant(&same.campaign, &same.table, "absent"), Some(None));
        assert_eq!(constant(&same.campaign, &same.table, "slogan"), None);
        assert_eq!(constant(&mixed.campaign, &mixed.table, "accent"), None);
        let holds = |b: &Batch| b.template.variants.iter().any(|v| v.source.contains("{{accent"));
        assert!(!holds(&same) && holds(&mixed));
        assert!(same.template.variants.iter().all(|v| v.source.contains("{{slogan")));
        assert_ne!(same.template.fingerprint, mixed.template.fingerprint);
        // More of each variant is drawn once: in the background or in an overlay run.
        let cached = |b: &Batch| -> Vec<usize> {
            let v = b.template.variants.iter();
            v.map(|v| {
                v.background.as_ref().map_or(0, |g| g.drawables.len())
                    + v.overlays.runs.iter().map(Vec::len).sum::<usize>()
            })
            .collect()
        };
        let (more, fewer) = (cached(&same), cached(&mixed));
        assert!(
            more.iter().zip(&fewer).all(|(m, f)| m > f),
            "{more:?} against {fewer:?}"
        );
        assert_eq!(
            same.template.fields(),
            mixed.template.fields(),
            "the placeholders are still listed"
        );
        let poster = |b: &Batch| {
            let record = Record::from_values(1, b.job().values(&b.table.rows[0]).unwrap());
            let options = RenderOptions::default();
            render::render(
                &b.template,
                &record,
                Some((216, 270)),
                &options,
                &b.fonts,
                &crate::raster::Caches::default(),
            )
            .unwrap()
            .image
        };
        let (a, b) = (poster(&same), poster(&mixed));
        let worst = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap();
        assert!(worst <= 2, "a channel differs by {worst}");
        let accent = a.pixels().filter(|p| p.0 == [0x00, 0xAE, 0xEF, 255]).count();
        assert!(accent > 200, "the row's accent is drawn ({accent} pixels)");
    }
}
