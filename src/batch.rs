//! Whole batches: rows × presets rendered in parallel. The only module that
//! knows about threads; everything it calls is a pure per-poster function.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::campaign::Campaign;
use crate::data::{self, Table};
use crate::error::{Error, Result};
use crate::fonts::{FontOptions, Fonts};
use crate::output;
use crate::preset::Preset;
use crate::render::{self, RenderOptions};
use crate::report::{Entry, Report};
use crate::state::{self, Lock, State};
use crate::template::Template;

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

/// A campaign with its fonts, template and data loaded: ready to check or render.
#[derive(Debug)]
pub struct Batch {
    pub campaign: Campaign,
    pub fonts: Fonts,
    pub template: Template,
    pub table: Table,
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
                .and_then(|t| crate::row::constant(&campaign, t, name))
        };
        // A template error is reported before a data error, as when nothing is filled ahead.
        let template = Template::load_with(&campaign.template, &fonts, &constant)?;
        let table = table?;
        let mut batch = Batch {
            campaign,
            fonts,
            template,
            table,
        };
        batch.check_bindings()?;
        batch.check_filters()?;
        if let Some((i, n)) = batch.campaign.shard {
            let keep: Vec<bool> = batch.table.rows.iter().map(|r| batch.shard_of(r, n) == i).collect();
            let mut keep = keep.into_iter();
            batch.table.rows.retain(|_| keep.next().unwrap_or(false));
        }
        Ok(batch)
    }

    /// Each preset's filters at its own size: a filter fine at the template's
    /// size may need gigabytes at a print preset's.
    fn check_filters(&self) -> Result<()> {
        let mut problems = Vec::new();
        for (_, preset) in self.targets() {
            let v = &self.template.variants[self.variant_index(preset)];
            let Some(p) = preset else { continue };
            let transform = crate::canvas::cover(v, (p.width, p.height));
            if let Err((filter, message)) = crate::caps::check_filters(&v.filters, transform, (p.width, p.height)) {
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
                problems.push(err(
                    &c,
                    format!("field {field:?} = {pattern:?} names a column the file does not have (columns: {columns})"),
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
            let needed = f.kind != "placeholder" && self.template.rules_for(&f.name).required;
            if needed && !bound {
                problems.push(err(&f.name, format!("the template's {kind} slot {name:?} has no column: add a column named {name:?} or map it under [fields] in the campaign", kind = f.kind, name = f.name)));
            }
        }
        Error::from_many(problems)
    }

    /// The share (1..=n) a row belongs to: from a hash of its name (its slug
    /// source), so a row keeps its shard when rows are added or reordered, and
    /// rows with the same name (numbered `-2`, `-3`) share one.
    fn shard_of(&self, row: &data::Row, n: usize) -> usize {
        let values = self.values(row).unwrap_or_else(|_| row.values.clone());
        let key = values
            .get("slug")
            .or(values.get("name"))
            .cloned()
            .unwrap_or_else(|| format!("row-{}", row.number));
        crate::shard::of(&output::slug(&key), n)
    }

    /// Sizes to render: each preset, or the template's own size.
    pub(crate) fn targets(&self) -> Vec<(String, Option<Preset>)> {
        if self.campaign.presets.is_empty() {
            vec![("template".into(), None)]
        } else {
            self.campaign
                .presets
                .iter()
                .map(|p| (p.name.to_string(), Some(*p)))
                .collect()
        }
    }

    /// Who a row is for, as reviewers read it: its `name` value, else its slug
    /// source, else `row N`.
    fn label(&self, row: &data::Row) -> String {
        let values = self.values(row).unwrap_or_else(|_| row.values.clone());
        ["name", "slug"]
            .iter()
            .find_map(|k| values.get(*k).map(|v| v.trim()).filter(|v| !v.is_empty()))
            .map_or_else(|| format!("row {}", row.number), str::to_string)
    }

    /// Output names for every row × target, unique, with notes on renamed ones.
    fn names(&self) -> Result<(Vec<PathBuf>, Vec<String>)> {
        let targets = self.targets();
        let mut names = Vec::new();
        for row in &self.table.rows {
            let mut vars = self.values(row).unwrap_or_else(|_| row.values.clone());
            let slug = vars
                .get("slug")
                .or(vars.get("name"))
                .cloned()
                .unwrap_or_else(|| format!("row-{}", row.number));
            vars.insert("slug".into(), slug);
            vars.insert("row".into(), row.number.to_string());
            vars.insert("ext".into(), self.campaign.encoding.format.ext().into());
            for (target, _) in &targets {
                vars.insert("preset".into(), target.clone());
                let name = output::file_name(&self.campaign.name, &vars).map_err(|message| Error::Campaign {
                    path: self.campaign.origin.clone(),
                    message,
                })?;
                names.push(name);
            }
        }
        let original = names.clone();
        let renamed = output::disambiguate(&mut names);
        let notes = renamed
            .iter()
            .map(|&i| {
                let row = self.table.rows[i / targets.len()].number;
                format!(
                    "output name collision: row {row}'s {} written as {}",
                    original[i].display(),
                    names[i].display()
                )
            })
            .collect();
        Ok((names, notes))
    }

    /// Lists every problem without rendering: bad cells, missing or undecodable
    /// photos, values that cannot fit. Empty when the batch would render cleanly.
    /// `budget`: longest acceptable render of one poster; `None` skips the timing.
    pub fn check(&self, budget: Option<std::time::Duration>) -> Vec<Error> {
        let targets = self.targets();
        if let Err(e) = self.names() {
            return vec![e];
        }
        let options = RenderOptions {
            overflow: self.campaign.overflow,
        };
        let mut variants: Vec<usize> = targets.iter().map(|(_, p)| self.variant_index(*p)).collect();
        variants.sort_unstable();
        variants.dedup();
        let problems: Vec<Vec<Error>> = self
            .table
            .rows
            .par_iter()
            .map(|row| match self.record(row) {
                Ok(record) => variants
                    .iter()
                    .filter_map(|&v| render::compose(&self.template, v, &record, &options, &self.fonts).err())
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
        let Some(record) = self.table.rows.iter().find_map(|r| self.record(r).ok()) else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for (name, preset) in targets {
            let v = self.variant_index(*preset);
            let variant = &self.template.variants[v];
            let (w, h) = preset.map_or((variant.width as u32, variant.height as u32), |p| (p.width, p.height));
            let Ok(composed) = render::compose(&self.template, v, &record, options, &self.fonts) else {
                continue;
            };
            let start = std::time::Instant::now();
            let small = ((w / 4).max(1), (h / 4).max(1));
            let _ = render::rasterize(&self.template, &composed, &record, Some(small), &self.fonts);
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

    pub(crate) fn variant_index(&self, preset: Option<Preset>) -> usize {
        preset.map_or(0, |p| self.template.variant_index_for(p.width, p.height))
    }

    /// Renders every row × preset into the output folder and writes `report.json`.
    /// `progress` is called once per poster done. Row errors go into the report;
    /// an error writing output stops the batch.
    pub fn run(&self, options: &RunOptions, progress: &(dyn Fn() + Sync)) -> Result<Report> {
        let out = &self.campaign.out;
        let (names, mut notes) = self.names()?;
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
        let targets = self.targets();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.jobs)
            .stack_size(RENDER_STACK)
            .build()
            .map_err(|e| Error::Render {
                row: 0,
                message: e.to_string(),
            })?;
        let mut per_row: Vec<Vec<Entry>> = pool.install(|| {
            self.table
                .rows
                .par_iter()
                .enumerate()
                .map(|(i, row)| {
                    let names = &names[i * targets.len()..(i + 1) * targets.len()];
                    let entries = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.render_row(row, &targets, names, (!options.force).then_some(&state), progress)
                    }))
                    .unwrap_or_else(|panic| {
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        Ok(self.failed(
                            row.number,
                            &targets,
                            names,
                            &Error::Render {
                                row: row.number,
                                message: format!("renderer panicked: {message}"),
                            },
                        ))
                    })?;
                    Ok(entries)
                })
                .collect::<Result<Vec<_>>>()
        })?;
        for (entries, row) in per_row.iter_mut().zip(&self.table.rows) {
            let label = self.label(row);
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
        crate::gallery::write(&report, out)?;
        Ok(report)
    }
}
