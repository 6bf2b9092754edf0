//! One data row through every preset: values, photos read and decoded once,
//! outputs skipped when their inputs did not change, posters rendered and
//! written. Called by [`crate::batch`] from its worker threads.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use image::RgbaImage;

use crate::batch::Batch;
use crate::campaign::Campaign;
use crate::data::{self, Row, Table};
use crate::delivery;
use crate::error::{Error, Result};
use crate::output;
use crate::placement::Frames;
use crate::preset::Preset;
use crate::render::{self, Composed, Record, RenderOptions};
use crate::report::{Entry, Status};
use crate::state::{self, State};

/// A photo file read but not decoded: (field, path, bytes).
type PhotoFile = (String, PathBuf, Vec<u8>);

/// Held by a row while it keeps a photo decoded again at full size, so that two
/// worker threads never hold one each: two 12 MP photos at once (96 MB) were the
/// batch's peak heap (BENCHMARKS.md). A row waits only when it needs a full-size
/// decode while another thread's row holds one.
static FULL_SIZE: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread's row holds the [`FULL_SIZE`] turn. A thread waiting inside
    /// rayon (a JPEG's component tasks) may run another row on top of its own; that row
    /// must not wait for a turn its own thread holds.
    static HOLDS_TURN: Cell<bool> = const { Cell::new(false) };
}

/// The [`FULL_SIZE`] turn of a row that decoded a photo again at full size.
pub(crate) struct FullSizeTurn {
    _guard: MutexGuard<'static, ()>,
}

impl FullSizeTurn {
    /// Waits for the turn; `None` when this thread holds it already.
    fn take() -> Option<FullSizeTurn> {
        if HOLDS_TURN.get() {
            return None;
        }
        // A panic in another row poisons the lock but leaves nothing to repair.
        let guard = FULL_SIZE.lock().unwrap_or_else(|e| e.into_inner());
        HOLDS_TURN.set(true);
        Some(FullSizeTurn { _guard: guard })
    }
}

impl Drop for FullSizeTurn {
    fn drop(&mut self) {
        HOLDS_TURN.set(false);
    }
}

/// One output's file bytes, variant name, text reports and warnings.
/// A drawn poster: pixels, still to be encoded for delivery, or a finished PDF.
enum Drawn {
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

impl Batch {
    /// The text values of one row, by field name (and by raw column name).
    pub fn values(&self, row: &Row) -> Result<BTreeMap<String, String>> {
        let mut values = row.values.clone();
        for (field, pattern) in &self.campaign.fields {
            let v = data::interpolate(pattern, row).map_err(|c| Error::Data {
                path: self.table.path.clone(),
                row: Some(row.number),
                column: Some(c),
                message: format!("field {field:?}: pattern {pattern:?} cannot be filled"),
            })?;
            values.insert(field.clone(), v);
        }
        Ok(values)
    }

    /// Reads the row's photo files, confined to the photo folder.
    pub(crate) fn photo_files(&self, row: usize, values: &BTreeMap<String, String>) -> Result<Vec<PhotoFile>> {
        let mut out = Vec::new();
        for f in self.template.fields().into_iter().filter(|f| f.kind == "photo") {
            let value = values.get(&f.name).map(|s| s.trim()).unwrap_or_default();
            if value.is_empty() {
                if self.template.rules_for(&f.name).required {
                    return Err(Error::MissingValue { row, slot: f.name });
                }
                continue;
            }
            let err = |path: &Path, message: String| Error::Photo {
                path: path.into(),
                row,
                column: f.name.clone(),
                message,
            };
            let folder = format!("the photo folder {}", self.campaign.photos.display());
            let (path, bytes) =
                crate::confine::read(&self.campaign.photos, value, &folder, crate::photo::MAX_FILE_BYTES)
                    .map_err(|m| err(Path::new(value), m))?;
            out.push((f.name, path, bytes));
        }
        Ok(out)
    }

    fn decode(row: usize, files: &[PhotoFile]) -> Result<BTreeMap<String, Arc<RgbaImage>>> {
        let mut out = BTreeMap::new();
        for (field, path, bytes) in files {
            let image = crate::photo::decode(bytes).map_err(|message| Error::Photo {
                path: path.clone(),
                row,
                column: field.clone(),
                message,
            })?;
            out.insert(field.clone(), Arc::new(image));
        }
        Ok(out)
    }

    /// The row as a [`Record`] for `targets`: each photo decoded once, no
    /// larger than its largest frame needs (see [`crate::photo::decode_for`]),
    /// its faces found once; decoded again at full size when a face placement
    /// zooms in past what the smaller decode holds, so no poster is softer
    /// than its photo allows. The decode depends on the row's targets (the
    /// campaign's presets), never on which of them are already up to date.
    pub(crate) fn decode_for(
        &self,
        row: usize,
        values: BTreeMap<String, String>,
        files: &[PhotoFile],
        targets: &[(String, Option<Preset>)],
    ) -> Result<(Record, Option<FullSizeTurn>)> {
        let mut turn = None;
        let mut record = Record {
            row,
            values,
            photos: BTreeMap::new(),
            faces: BTreeMap::new(),
        };
        for (field, path, bytes) in files {
            let err = |message| Error::Photo {
                path: path.clone(),
                row,
                column: field.clone(),
                message,
            };
            let need = self.frames(&record, field, targets, |_, frame| frame);
            let need = need.into_iter().reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)));
            let (image, scale) = crate::photo::decode_for(bytes, need).map_err(err)?;
            let faces = crate::face::find(&image);
            record.photos.insert(field.clone(), Arc::new(image));
            record.faces.insert(field.clone(), faces);
            if scale < 1.0
                && self
                    .frames(&record, field, targets, |zoom, _| zoom)
                    .iter()
                    .any(|&z| z > 1.0)
            {
                // The faces are kept, scaled to the full decode: the detector sees a copy of
                // at most `face::MAX_SIDE` px either way, so finding them again (≈ 29 ms)
                // would only give the detector's own noise (a few percent of the face: the
                // unit test `faces_rescaled_from_a_half_size_decode_match_the_full_size_ones`).
                // The scaled decode goes first: both at once were a row's peak memory.
                let scaled = record.photos.remove(field).map(|p| p.dimensions());
                if turn.is_none() {
                    turn = FullSizeTurn::take();
                }
                let full = crate::photo::decode(bytes).map_err(err)?;
                if let (Some(scaled), Some(faces)) = (scaled, record.faces.get_mut(field)) {
                    crate::face::rescale(&mut faces.0, scaled, full.dimensions());
                }
                record.photos.insert(field.clone(), Arc::new(full));
            }
        }
        Ok((record, turn))
    }

    /// For every frame `field`'s photo fills among `targets`: `f(zoom, frame)`,
    /// with the frame in output pixels and the zoom in frame pixels per photo
    /// pixel (placed as the render will place it, once the photo is decoded).
    fn frames<T>(
        &self,
        record: &Record,
        field: &str,
        targets: &[(String, Option<Preset>)],
        f: impl Fn(f32, (u32, u32)) -> T,
    ) -> Vec<T> {
        let rules = self.template.rules_for(field);
        let mut out = Vec::new();
        for (_, preset) in targets {
            let v = &self.template.variants[self.variant_index(*preset)];
            let (_, scale) = render::output_size(v, preset.map(|p| (p.width, p.height)));
            for slot in v.photos.iter().filter(|s| s.field == field) {
                let frame = crate::placement::frame_pixels(slot, scale);
                let zoom = record.photos.get(field).map_or(0.0, |photo| {
                    let (placement, _) = crate::placement::placement(slot, &rules, record, photo, frame);
                    crate::photo::scale(photo.dimensions(), frame.0, frame.1, rules.fit, placement)
                });
                out.push(f(zoom, frame));
            }
        }
        out
    }

    /// Reads and decodes the row's photos (once, whatever the number of presets).
    pub fn photos(&self, row: usize, values: &BTreeMap<String, String>) -> Result<BTreeMap<String, Arc<RgbaImage>>> {
        Self::decode(row, &self.photo_files(row, values)?)
    }

    /// The row as a [`Record`], photos decoded.
    pub(crate) fn record(&self, row: &Row) -> Result<Record> {
        let values = self.values(row)?;
        let photos = self.photos(row.number, &values)?;
        Ok(Record {
            row: row.number,
            values,
            photos,
            faces: BTreeMap::new(),
        })
    }

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
        for (field, _, bytes) in files {
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
                crate::placement::share_key(&self.template, self.variant_index(*p), p.map(|p| (p.width, p.height)))
            })
            .collect();
        let mut kept: BTreeMap<(usize, u32), Frames> = BTreeMap::new();
        let mut entries = Vec::new();
        // Declared before the record, so dropped after its photos.
        let mut _turn: Option<FullSizeTurn> = None;
        let mut record: Option<Record> = None;
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
            let record = match &record {
                Some(r) => r,
                None => {
                    // Sized for every target of the row, pending or not, so that a resumed
                    // row decodes as a clean run does and writes the same bytes.
                    match self.decode_for(row.number, values.clone(), &files, targets) {
                        Ok((r, turn)) => {
                            _turn = turn;
                            record.insert(r)
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
                .or_insert_with(|| render::compose(&self.template, v, record, &options, &self.fonts));
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
                    let d = &self.campaign.delivery;
                    let (bytes, quality, boxes, p) = match drawn {
                        Drawn::Pdf(p) => (p.pdf, None, vec![], (p.warnings, p.variant, p.texts)),
                        Drawn::Raster(mut p) => {
                            let budget = d.budget_for(target);
                            let file = delivery::deliver(&p.image, self.campaign.encoding, budget, d.credit.as_deref());
                            p.warnings.extend(file.warning);
                            (file.bytes, file.quality, p.boxes, (p.warnings, p.variant, p.texts))
                        }
                    };
                    // The alt text first: an image on disk always has its alt text.
                    if let Some(alt) = &alt {
                        output::write_atomic(out, &delivery::alt_path(name), alt.as_bytes())?;
                    }
                    output::write_atomic(out, name, &bytes)?;
                    if let Some(s) = state {
                        s.record(name, &hashes[i])?;
                    }
                    (entry.warnings, entry.variant, entry.texts) = (p.0, Some(p.1), p.2);
                    entry.quality = quality;
                    if let Some(preset) = preset {
                        entry.warnings.extend(preset.safe_zone_warnings(&boxes));
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
        kept: &mut BTreeMap<(usize, u32), Frames>,
        key: (usize, u32),
        again: bool,
    ) -> Result<Drawn> {
        let size = preset.map(|p| (p.width, p.height));
        if self.campaign.encoding.format == output::Format::Pdf {
            let p = crate::pdf::to_pdf(&self.template, composed, record, size, &self.campaign.pdf, &self.fonts)?;
            return Ok(Drawn::Pdf(p));
        }
        if again && !kept.contains_key(&key) {
            kept.insert(key, crate::placement::frames(&self.template, composed, record, size));
        }
        // Taken out when this is the key's last use, so its pixels go before the next poster's.
        let last = if again { None } else { kept.remove(&key) };
        let frames = last.as_ref().or_else(|| kept.get(&key));
        let poster = render::rasterize_with(&self.template, composed, record, size, &self.fonts, frames)?;
        Ok(Drawn::Raster(poster))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::{Campaign, CampaignFile};

    fn jpeg(image: &image::RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
            .encode_image(image)
            .unwrap();
        out
    }

    /// Row 1 of the sample campaign in facebook-link with `photo` as its photo: the record
    /// `decode_for` makes of it, and whether it took the full-size turn.
    fn decoded(photo: &[u8]) -> ((u32, u32), bool) {
        let dir = tempfile::tempdir().unwrap();
        let photos = dir.path().join("photos");
        std::fs::create_dir(&photos).unwrap();
        std::fs::write(photos.join("big.jpg"), photo).unwrap();
        let data = dir.path().join("data.csv");
        let csv = "prenom,nom,circonscription,photo,slogan\nGrace,HOPPER,Paris (1re circonscription),big.jpg,Test\n";
        std::fs::write(&data, csv).unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/campaign.toml");
        let mut file = CampaignFile::load(&path).unwrap();
        (file.data, file.photos, file.out) = (Some(data), Some(photos), Some(dir.path().join("out")));
        file.presets = Some(vec!["facebook-link".into()]);
        let batch = Batch::load(Campaign::resolve(file, &path).unwrap()).unwrap();
        let row = &batch.table.rows[0];
        let values = batch.values(row).unwrap();
        let files = batch.photo_files(row.number, &values).unwrap();
        let (record, turn) = batch.decode_for(row.number, values, &files, &batch.targets()).unwrap();
        // While the row holds its turn, no other thread can take one.
        let taken = turn.is_some() && std::thread::scope(|s| s.spawn(|| FULL_SIZE.try_lock().is_err()).join().unwrap());
        // A row nested on this thread (rayon work stealing) does not wait for it.
        assert!(turn.is_none() || FullSizeTurn::take().is_none());
        (record.photos["photo"].dimensions(), taken)
    }

    #[test]
    fn only_a_row_decoding_its_photo_again_at_full_size_takes_the_full_size_turn() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let portrait = image::open(root.join("samples/photos/hopper-square-large.jpg")).unwrap();
        // The portrait filling a 3072² photo: the half-size decode serves facebook-link's frame.
        let big = portrait.resize_exact(3072, 3072, image::imageops::FilterType::Triangle);
        assert_eq!(decoded(&jpeg(&big.to_rgb8())), ((1536, 1536), false));
        // Small in a wide grey field: the face zooms past the half-size decode's pixels.
        let mut field = image::RgbImage::from_pixel(3072, 3072, image::Rgb([128, 128, 128]));
        let small = portrait.resize_exact(640, 640, image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut field, &small.to_rgb8(), 1216, 1216);
        assert_eq!(decoded(&jpeg(&field)), ((3072, 3072), true));
    }

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
            let record = Record::from_values(1, b.values(&b.table.rows[0]).unwrap());
            let options = RenderOptions::default();
            render::render(&b.template, &record, Some((216, 270)), &options, &b.fonts)
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
