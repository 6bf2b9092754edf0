//! A row's photos: read (confined to the photo folder), decoded once for all the
//! row's presets at the smallest DCT scale their frames allow, their faces found
//! once, and decoded again at full size only for a face that zooms past that.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use image::RgbaImage;

use crate::batch::job::Job;
use crate::compose::Record;
use crate::data::Row;
use crate::error::{Error, Result};
use crate::preset::Preset;
use crate::template::{FieldKind, Template};

/// Where the photo folder comes from, for messages about a photo not found there.
const PHOTO_FOLDER_HINT: &str =
    "the photo folder is --photos, or `photos` in the campaign file; unset, the data file's folder";

/// A photo file read but not decoded.
pub(crate) struct PhotoFile {
    /// The photo slot's field.
    pub field: String,
    /// Where it was read, inside the photo folder.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

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

/// A row's photos decoded for its targets. Fields drop in declaration order (the
/// language's rule): the record and its full-size photos are freed before the turn is
/// released, so keep the record inside this value while it is used.
pub(crate) struct Decoded {
    pub(crate) record: Record,
    /// Held while the record keeps a photo decoded again at full size.
    pub(crate) _turn: Option<FullSizeTurn>,
    /// Photo decodes made: one per photo, plus one per photo decoded again at full size.
    pub(crate) decodes: usize,
}

impl Job<'_> {
    /// Reads the row's photo files, confined to the photo folder.
    pub(crate) fn photo_files(&self, row: usize, values: &BTreeMap<String, String>) -> Result<Vec<PhotoFile>> {
        let mut out = Vec::new();
        for f in self
            .template
            .fields()
            .into_iter()
            .filter(|f| f.kind == FieldKind::Photo)
        {
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
            let photos = &self.campaign.photos;
            let (path, bytes) =
                crate::template::confine::read(photos, value, "the photo folder", crate::limits::MAX_PHOTO_BYTES)
                    .map_err(|m| err(Path::new(value), format!("{m}; {PHOTO_FOLDER_HINT}")))?;
            out.push(PhotoFile {
                field: f.name,
                path,
                bytes,
            });
        }
        Ok(out)
    }

    fn decode(row: usize, files: &[PhotoFile]) -> Result<BTreeMap<String, Arc<RgbaImage>>> {
        let mut out = BTreeMap::new();
        for PhotoFile { field, path, bytes } in files {
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
    ) -> Result<Decoded> {
        decode_for(self.template, row, values, files, targets)
    }
}

/// [`Job::decode_for`] for any template: also used by [`crate::studio`], whose photos come as bytes.
pub(crate) fn decode_for(
    template: &Template,
    row: usize,
    values: BTreeMap<String, String>,
    files: &[PhotoFile],
    targets: &[(String, Option<Preset>)],
) -> Result<Decoded> {
    let mut turn = None;
    let mut decodes = 0;
    let mut record = Record {
        row,
        values,
        photos: BTreeMap::new(),
        faces: BTreeMap::new(),
    };
    for PhotoFile { field, path, bytes } in files {
        let err = |message| Error::Photo {
            path: path.clone(),
            row,
            column: field.clone(),
            message,
        };
        let need = frames(template, &record, field, targets, |_, frame| frame);
        let need = need.into_iter().reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)));
        let (image, scale) = crate::photo::decode_for(bytes, need).map_err(err)?;
        decodes += 1;
        let faces = crate::photo::face::find(&image);
        record.photos.insert(field.clone(), Arc::new(image));
        record.faces.insert(field.clone(), faces);
        if scale < 1.0
            && frames(template, &record, field, targets, |zoom, _| zoom)
                .iter()
                .any(|&z| z > 1.0)
        {
            // The faces are kept, scaled to the full decode: the detector sees a copy of
            // at most `face::SMALL_FACE_SIDE` px either way, so finding them again (≈ 11 ms)
            // would only give the detector's own noise (a few percent of the face: the
            // unit test `faces_rescaled_from_a_half_size_decode_match_the_full_size_ones`).
            // The scaled decode goes first: both at once were a row's peak memory.
            let scaled = record.photos.remove(field).map(|p| p.dimensions());
            if turn.is_none() {
                turn = FullSizeTurn::take();
            }
            let full = crate::photo::decode(bytes).map_err(err)?;
            decodes += 1;
            if let (Some(scaled), Some(faces)) = (scaled, record.faces.get_mut(field)) {
                crate::photo::face::rescale(&mut faces.0, scaled, full.dimensions());
            }
            record.photos.insert(field.clone(), Arc::new(full));
        }
    }
    Ok(Decoded {
        record,
        _turn: turn,
        decodes,
    })
}

/// For every frame `field`'s photo fills among `targets`: `f(zoom, frame)`,
/// with the frame in output pixels and the zoom in frame pixels per photo
/// pixel (placed as the render will place it, once the photo is decoded).
fn frames<T>(
    template: &Template,
    record: &Record,
    field: &str,
    targets: &[(String, Option<Preset>)],
    f: impl Fn(f32, (u32, u32)) -> T,
) -> Vec<T> {
    let rules = template.rules_for(field);
    let mut out = Vec::new();
    for (_, preset) in targets {
        let v = &template.variants[preset.map_or(0, |p| template.variant_index_for(p.width, p.height))];
        let (_, scale) = crate::template::canvas::output_size(v, preset.map(|p| (p.width, p.height)));
        for slot in v.photos.iter().filter(|s| s.field == field) {
            let frame = crate::compose::placement::slot_pixels(slot, scale);
            let zoom = record.photos.get(field).map_or(0.0, |photo| {
                let (placement, _) = crate::compose::placement::placement(slot, &rules, record, photo, frame);
                crate::photo::scale(photo.dimensions(), frame.0, frame.1, rules.fit, placement)
            });
            out.push(f(zoom, frame));
        }
    }
    out
}

impl Job<'_> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;
    use crate::batch::campaign::{Campaign, CampaignFile};

    fn jpeg(image: &image::RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
            .encode_image(image)
            .unwrap();
        out
    }

    /// Row 1 of the sample campaign in facebook-link with `photo` as its photo: the record
    /// `decode_for` makes of it, whether it took the full-size turn, and its decode count.
    fn decoded(photo: &[u8]) -> ((u32, u32), bool, usize) {
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
        let values = batch.job().values(row).unwrap();
        let files = batch.job().photo_files(row.number, &values).unwrap();
        let Decoded {
            record,
            _turn: turn,
            decodes,
        } = batch
            .job()
            .decode_for(row.number, values, &files, &batch.job().targets())
            .unwrap();
        // While the row holds its turn, no other thread can take one.
        let taken = turn.is_some() && std::thread::scope(|s| s.spawn(|| FULL_SIZE.try_lock().is_err()).join().unwrap());
        // A row nested on this thread (rayon work stealing) does not wait for it.
        assert!(turn.is_none() || FullSizeTurn::take().is_none());
        (record.photos["photo"].dimensions(), taken, decodes)
    }

    #[test]
    fn only_a_row_decoding_its_photo_again_at_full_size_takes_the_full_size_turn() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let portrait = image::open(root.join("samples/photos/hopper-square-large.jpg")).unwrap();
        // The portrait filling a 3072² photo: the half-size decode serves facebook-link's frame.
        let big = portrait.resize_exact(3072, 3072, image::imageops::FilterType::Triangle);
        assert_eq!(decoded(&jpeg(&big.to_rgb8())), ((1536, 1536), false, 1));
        // Small in a wide grey field: the face zooms past the half-size decode's pixels.
        let mut field = image::RgbImage::from_pixel(3072, 3072, image::Rgb([128, 128, 128]));
        let small = portrait.resize_exact(640, 640, image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut field, &small.to_rgb8(), 1216, 1216);
        assert_eq!(decoded(&jpeg(&field)), ((3072, 3072), true, 2));
    }
}
