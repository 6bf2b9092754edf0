//! Whole batches: rows × presets rendered in parallel. The only module that
//! knows about threads; everything it calls is a pure per-poster function.
//!
//! `impl Batch` is here and only here; a row's work (`row`, `row_photos`) is written against
//! `job::Job`, a borrowed view of the batch, so it never imports this module. Also owns the
//! campaign file (`campaign`), incremental state (`state`), shards (`shard`) and `affiche init`.
//!
//! May import: every stage.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use image::RgbaImage;

use rayon::prelude::*;

pub(crate) mod campaign;
pub(crate) mod init;
mod job;
pub(crate) mod row;
pub(crate) mod row_photos;
mod shard;
pub(crate) mod state;

use self::job::Job;
use self::state::{Lock, State};
use crate::batch::campaign::Campaign;
use crate::compose::RenderOptions;
use crate::data::{self, Table};
use crate::error::{Error, Result};
use crate::fonts::{FontOptions, Fonts};
use crate::preset::Preset;
use crate::raster::{self as render, Caches, Poster};
use crate::review::report::{Entry, Report};
use crate::template::{FieldKind, Template};

/// How a batch runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads. Default: 0, one per core.
    pub jobs: usize,
    /// Render every output even when its inputs did not change. Default: false.
    pub force: bool,
}

/// Stack for render threads: deep SVG nesting recurses in usvg and resvg.
const RENDER_STACK: usize = 16 << 20;

/// `f` over `items` on `jobs` threads (0: one per core) with the render stack, results in
/// order: the studio's lists of orders go through here, so that threads stay in this module.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(usize, &T) -> R + Sync) -> Result<Vec<R>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(RENDER_STACK)
        .build()
        .map_err(|e| Error::Render {
            row: 0,
            message: e.to_string(),
        })?;
    Ok(pool.install(|| items.par_iter().enumerate().map(|(i, t)| f(i, t)).collect()))
}

/// A renderer panic caught for row `row`, as the row's error (with the panic's message).
pub(crate) fn panicked(row: usize, panic: &(dyn std::any::Any + Send)) -> Error {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    Error::Render {
        row,
        message: format!("renderer panicked: {message}"),
    }
}

/// A campaign with its fonts, template and data loaded: ready to check or render.
#[derive(Debug)]
pub struct Batch {
    pub campaign: Campaign,
    pub fonts: Fonts,
    pub template: Template,
    pub table: Table,
    /// What the template's posters share (measurements, static layers, photo windows).
    pub caches: Caches,
}

impl Batch {
    /// Loads fonts, template and data, and checks that every field the template
    /// needs is bound to a column. Errors here mean nothing can be rendered.
    pub fn load(campaign: Campaign) -> Result<Batch> {
        let fonts = Fonts::load(&Batch::font_options(&campaign))?;
        Batch::load_with_fonts(campaign, fonts)
    }

    /// The fonts a batch of `campaign` loads: its font folders, and the system's
    /// when it asks for them (`system_fonts`, `--system-fonts`).
    pub fn font_options(campaign: &Campaign) -> FontOptions {
        FontOptions {
            dirs: campaign.fonts.clone(),
            system: campaign.system_fonts,
        }
    }

    /// [`Batch::load`] with fonts already loaded (from [`Batch::font_options`]):
    /// a preview kept watching loads them once, not on every save.
    pub fn load_with_fonts(campaign: Campaign, fonts: Fonts) -> Result<Batch> {
        let table = data::load_with(
            &campaign.data,
            &data::DataOptions {
                sheet: campaign.sheet.clone(),
            },
        );
        let constant = |name: &str| {
            table
                .as_ref()
                .ok()
                .and_then(|t| crate::batch::row::constant(&campaign, t, name))
        };
        // A template error is reported before a data error, as when nothing is filled ahead.
        // A slot is what the data binds: the campaign's [fields] and the file's columns.
        let listed = |name: &str| campaign.fields.contains_key(name);
        let column = |name: &str| table.as_ref().is_ok_and(|t| t.columns.iter().any(|c| c == name));
        let context = crate::template::load::LoadContext {
            constant: &constant,
            binding: crate::template::slot::bind::Binding {
                listed: &listed,
                column: &column,
            },
            font_aliases: &campaign.font_aliases,
            inspect: false,
        };
        let template = Template::load_with(&campaign.template, &fonts, &context)?;
        let table = table?;
        let mut batch = Batch {
            campaign,
            fonts,
            template,
            table,
            caches: Caches::default(),
        };
        batch.check_bindings()?;
        batch.check_filters()?;
        if let Some((i, n)) = batch.campaign.shard {
            let keep: Vec<bool> = batch
                .table
                .rows
                .iter()
                .map(|r| batch.job().shard_of(r, n) == i)
                .collect();
            let mut keep = keep.into_iter();
            batch.table.rows.retain(|_| keep.next().unwrap_or(false));
        }
        Ok(batch)
    }

    /// Each preset's filters at its own size: a filter fine at the template's
    /// size may need gigabytes at a print preset's.
    fn check_filters(&self) -> Result<()> {
        let mut problems = Vec::new();
        for (_, preset) in self.job().targets() {
            let v = &self.template.variants[self.job().variant_index(preset)];
            let Some(p) = preset else { continue };
            let transform = crate::template::canvas::cover(v, (p.width, p.height));
            if let Err((filter, message)) = crate::limits::check_filters(&v.filters, transform, (p.width, p.height)) {
                problems.push(Error::Filter {
                    path: v.path.clone(),
                    filter,
                    message,
                });
            }
        }
        Error::from_many(problems)
    }

    fn check_bindings(&self) -> Result<()> {
        let err = |column: &str, message: String| Error::Data {
            path: self.table.path.clone(),
            row: None,
            column: Some(column.into()),
            message,
        };
        let mut problems = Vec::new();
        for (field, pattern) in &self.campaign.fields {
            for c in data::pattern_columns(pattern)
                .into_iter()
                .filter(|c| !self.table.columns.contains(c))
            {
                let columns = self.table.columns.join(", ");
                let near = near_column(&self.table.columns, &c);
                problems.push(err(
                    &c,
                    format!(
                        "field {field:?} = {pattern:?} names a column the file does not have (columns: {columns}){near}"
                    ),
                ));
            }
        }
        if let Some(alt) = &self.campaign.delivery.alt {
            let known = |c: &String| self.table.columns.contains(c) || self.campaign.fields.contains_key(c);
            for c in data::pattern_columns(alt).into_iter().filter(|c| !known(c)) {
                let columns = self.table.columns.join(", ");
                let message =
                    format!("alt = {alt:?} names a field or column the campaign does not have (columns: {columns})");
                problems.push(err(&c, message));
            }
        }
        for f in self.template.fields() {
            let bound = self.campaign.fields.contains_key(&f.name) || self.table.columns.contains(&f.name);
            let needed = f.kind != FieldKind::Placeholder && self.template.rules_for(&f.name).required;
            if needed && !bound {
                let near = near_column(&self.table.columns, &f.name);
                problems.push(err(&f.name, format!("the template's {kind} slot {name:?} has no column: add a column named {name:?} or map it under [fields] in the campaign{near}", kind = f.kind, name = f.name)));
            }
        }
        Error::from_many(problems)
    }

    /// The text values of one row, by field name (and by raw column name).
    pub fn values(&self, row: &data::Row) -> Result<BTreeMap<String, String>> {
        self.job().values(row)
    }

    /// The decoded photos of one row, by photo field.
    pub fn photos(&self, row: usize, values: &BTreeMap<String, String>) -> Result<BTreeMap<String, Arc<RgbaImage>>> {
        self.job().photos(row, values)
    }

    /// Renders data row `row` (1-based, as in reports) in `preset` (a
    /// built-in name; `None`: the campaign's first preset, else the template's
    /// own size), in memory, decoding photos for that preset only.
    pub fn preview(&self, row: usize, preset: Option<&str>) -> Result<Poster> {
        let data_row = self
            .table
            .rows
            .iter()
            .find(|r| r.number == row)
            .ok_or_else(|| Error::Data {
                path: self.table.path.clone(),
                row: Some(row),
                column: None,
                message: format!(
                    "no such row: the file has rows {}–{}",
                    self.table.rows.first().map_or(0, |r| r.number),
                    self.table.rows.last().map_or(0, |r| r.number)
                ),
            })?;
        let preset = match preset {
            Some(name) => Some(Preset::find(name)?),
            None => self.campaign.presets.first().copied(),
        };
        let target = (
            preset.map_or_else(|| "template".to_string(), |p| p.name.to_string()),
            preset,
        );
        let job = self.job();
        let values = job.values(data_row)?;
        let files = job.photo_files(row, &values)?;
        // The record stays inside `decoded`, which holds its full-size turn, if any.
        let decoded = job.decode_for(row, values, &files, std::slice::from_ref(&target))?;
        let options = RenderOptions {
            overflow: self.campaign.overflow,
        };
        crate::raster::render(
            &self.template,
            &decoded.record,
            preset.map(|p| (p.width, p.height)),
            &options,
            &self.fonts,
            &self.caches,
        )
    }

    /// What every row reads, borrowed for the rows' work (`row`, `row_photos`).
    pub(crate) fn job(&self) -> Job<'_> {
        Job {
            campaign: &self.campaign,
            template: &self.template,
            fonts: &self.fonts,
            caches: &self.caches,
            table: &self.table,
        }
    }

    /// Lists every problem without rendering: bad cells, missing or undecodable
    /// photos, values that cannot fit. Empty when the batch would render cleanly.
    /// `budget`: longest acceptable render of one poster; `None` skips the timing.
    pub fn check(&self, budget: Option<std::time::Duration>) -> Vec<Error> {
        let targets = self.job().targets();
        if let Err(e) = self.job().names() {
            return vec![e];
        }
        let options = RenderOptions {
            overflow: self.campaign.overflow,
        };
        let mut variants: Vec<usize> = targets.iter().map(|(_, p)| self.job().variant_index(*p)).collect();
        variants.sort_unstable();
        variants.dedup();
        let problems: Vec<Vec<Error>> = self
            .table
            .rows
            .par_iter()
            .map(|row| match self.job().record(row) {
                Ok(record) => variants
                    .iter()
                    .filter_map(|&v| {
                        render::compose(&self.template, v, &record, &options, &self.fonts, &self.caches).err()
                    })
                    .collect(),
                Err(e) => vec![e],
            })
            .collect();
        let mut problems: Vec<Error> = problems.into_iter().flatten().collect();
        if let Some(budget) = budget {
            problems.extend(self.check_render_time(&targets, &options, budget));
        }
        problems
    }

    /// Renders one poster per target at a quarter of its width and height and
    /// extrapolates: a template that would take pathologically long (huge blurs,
    /// whose cost grows with the pixel area) is caught before a batch starts,
    /// while `check` itself stays quick.
    fn check_render_time(
        &self,
        targets: &[(String, Option<Preset>)],
        options: &RenderOptions,
        budget: std::time::Duration,
    ) -> Vec<Error> {
        let Some(record) = self.table.rows.iter().find_map(|r| self.job().record(r).ok()) else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for (name, preset) in targets {
            let v = self.job().variant_index(*preset);
            let variant = &self.template.variants[v];
            let (w, h) = preset.map_or((variant.width as u32, variant.height as u32), |p| (p.width, p.height));
            let Ok(composed) = render::compose(&self.template, v, &record, options, &self.fonts, &self.caches) else {
                continue;
            };
            let start = std::time::Instant::now();
            let small = ((w / 4).max(1), (h / 4).max(1));
            let _ = render::rasterize(
                &self.template,
                &composed,
                &record,
                Some(small),
                &self.fonts,
                &self.caches,
            );
            let estimate = start.elapsed() * 16;
            if estimate > budget {
                problems.push(Error::Template {
                    path: variant.path.clone(),
                    message: format!(
                        "one {name} poster would take about {:.0} s to render (budget {} s): simplify large blurs or filters",
                        estimate.as_secs_f64(),
                        budget.as_secs_f64()
                    ),
                });
            }
        }
        problems
    }

    /// Renders every row × preset into the output folder and writes `report.json`.
    /// `progress` is called once per poster done. Row errors go into the report;
    /// an error writing output stops the batch.
    pub fn run(&self, options: &RunOptions, progress: &(dyn Fn() + Sync)) -> Result<Report> {
        let out = &self.campaign.out;
        let (names, mut notes) = self.job().names()?;
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let _lock = Lock::take(out)?;
        state::sweep(out)?;
        let state = State::open(out)?;
        // What skipped posters were found to have when they were rendered.
        let previous = Report::read(&out.join("report.json")).ok();
        notes.extend(
            self.table
                .warnings
                .iter()
                .map(|w| format!("row {}, column {:?}: {}", w.row, w.column, w.message)),
        );
        let targets = self.job().targets();
        let mut per_row: Vec<Vec<Entry>> = par_map(&self.table.rows, options.jobs, |i, row| {
            let names = &names[i * targets.len()..(i + 1) * targets.len()];
            let entries = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.job()
                    .render_row(row, &targets, names, (!options.force).then_some(&state), progress)
            }))
            .unwrap_or_else(|panic| {
                Ok(self
                    .job()
                    .failed(row.number, &targets, names, &panicked(row.number, &*panic)))
            })?;
            Ok(entries)
        })?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        for (entries, row) in per_row.iter_mut().zip(&self.table.rows) {
            let label = self.job().label(row);
            entries.iter_mut().for_each(|e| e.name.clone_from(&label));
        }
        if let Some(previous) = &previous {
            per_row.iter_mut().flatten().for_each(|e| e.carry_over(previous));
        }
        let report = Report::new(
            self.template.name.clone(),
            self.table.path.display().to_string(),
            notes,
            per_row.into_iter().flatten().collect(),
        );
        let current: Vec<(PathBuf, String)> = report
            .entries
            .iter()
            .filter_map(|e| Some((PathBuf::from(&e.output), e.inputs.clone()?)))
            .collect();
        // The posters reach the disk before the state that says they are done.
        crate::output::sync_folder(out)?;
        state.compact(&current)?;
        report.write(out)?;
        crate::review::gallery::write(&report, out)?;
        Ok(report)
    }
}

/// The column of `columns` that differs from `name` only by case, accents or spaces
/// (`Prénom ` for `prenom`, as spreadsheets get typed), said as the column likely meant; else nothing.
fn near_column(columns: &[String], name: &str) -> String {
    let key = |s: &str| deunicode::deunicode(s).to_lowercase().replace([' ', '_', '-'], "");
    match columns.iter().find(|c| key(c) == key(name)) {
        Some(c) => format!("; the file has a column {c:?}: case, accents and spaces count, rename it {name:?}"),
        None => String::new(),
    }
}
