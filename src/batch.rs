//! Whole batches: rows × presets rendered in parallel. The only module that
//! knows about threads; everything it calls is a pure per-poster function.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::RgbaImage;
use rayon::prelude::*;

use crate::campaign::Campaign;
use crate::data::{self, Row, Table};
use crate::error::{Error, Result};
use crate::fonts::{FontOptions, Fonts};
use crate::output;
use crate::preset::Preset;
use crate::render::{self, Composed, Record, RenderOptions};
use crate::report::{Entry, Report, Status};
use crate::template::Template;

/// How a batch runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads. Default: 0, one per core.
    pub jobs: usize,
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
        let fonts = Fonts::load(&FontOptions {
            dirs: campaign.fonts.clone(),
            system: false,
        })?;
        let template = Template::load(&campaign.template, &fonts)?;
        let table = data::load(&campaign.data)?;
        let batch = Batch {
            campaign,
            fonts,
            template,
            table,
        };
        batch.check_bindings()?;
        Ok(batch)
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
        for f in self.template.fields() {
            let bound = self.campaign.fields.contains_key(&f.name) || self.table.columns.contains(&f.name);
            let needed = f.kind != "placeholder" && self.template.rules_for(&f.name).required;
            if needed && !bound {
                problems.push(err(&f.name, format!("the template's {kind} slot {name:?} has no column: add a column named {name:?} or map it under [fields] in the campaign", kind = f.kind, name = f.name)));
            }
        }
        Error::from_many(problems)
    }

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

    /// Reads and decodes the row's photos (once, whatever the number of presets).
    pub fn photos(&self, row: usize, values: &BTreeMap<String, String>) -> Result<BTreeMap<String, Arc<RgbaImage>>> {
        let mut out = BTreeMap::new();
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
            let path = confined(&self.campaign.photos, value).map_err(|m| err(Path::new(value), m))?;
            let bytes = std::fs::read(&path).map_err(|e| err(&path, e.to_string()))?;
            let image = crate::photo::decode(&bytes).map_err(|m| err(&path, m))?;
            out.insert(f.name, Arc::new(image));
        }
        Ok(out)
    }

    fn record(&self, row: &Row) -> Result<Record> {
        let values = self.values(row)?;
        let photos = self.photos(row.number, &values)?;
        Ok(Record {
            row: row.number,
            values,
            photos,
        })
    }

    /// Sizes to render: each preset, or the template's own size.
    fn targets(&self) -> Vec<(String, Option<Preset>)> {
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
    pub fn check(&self) -> Vec<Error> {
        let targets = self.targets();
        if let Err(e) = self.names() {
            return vec![e];
        }
        let problems: Vec<Vec<Error>> = self
            .table
            .rows
            .par_iter()
            .map(|row| {
                let record = match self.record(row) {
                    Ok(r) => r,
                    Err(e) => return vec![e],
                };
                let mut variants: Vec<usize> = targets.iter().map(|(_, p)| self.variant_index(*p)).collect();
                variants.dedup();
                variants
                    .into_iter()
                    .filter_map(|v| {
                        render::compose(
                            &self.template,
                            v,
                            &record,
                            &RenderOptions {
                                overflow: self.campaign.overflow,
                            },
                            &self.fonts,
                        )
                        .err()
                    })
                    .collect()
            })
            .collect();
        problems.into_iter().flatten().collect()
    }

    fn variant_index(&self, preset: Option<Preset>) -> usize {
        preset.map_or(0, |p| {
            let v = self.template.variant_for(p.width, p.height);
            self.template
                .variants
                .iter()
                .position(|x| std::ptr::eq(x, v))
                .unwrap_or(0)
        })
    }

    /// Renders every row × preset into the output folder and writes `report.json`.
    /// `progress` is called once per poster done. Row errors go into the report;
    /// an error writing output stops the batch.
    pub fn run(&self, options: &RunOptions, progress: &(dyn Fn() + Sync)) -> Result<Report> {
        let out = &self.campaign.out;
        let (names, mut notes) = self.names()?;
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
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
        let per_row: Vec<Vec<Entry>> = pool.install(|| {
            self.table
                .rows
                .par_iter()
                .enumerate()
                .map(|(i, row)| {
                    let names = &names[i * targets.len()..(i + 1) * targets.len()];
                    let entries = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.render_row(row, &targets, names, progress)
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
        let report = Report::new(
            self.template.name.clone(),
            self.table.path.display().to_string(),
            notes,
            per_row.into_iter().flatten().collect(),
        );
        report.write(out)?;
        Ok(report)
    }

    fn failed(&self, row: usize, targets: &[(String, Option<Preset>)], names: &[PathBuf], e: &Error) -> Vec<Entry> {
        targets
            .iter()
            .zip(names)
            .map(|((t, _), name)| Entry {
                row,
                preset: t.clone(),
                status: Status::Error,
                output: name.display().to_string(),
                message: Some(e.to_string()),
                warnings: vec![],
                variant: None,
                texts: vec![],
            })
            .collect()
    }

    /// One row in every target; only an output write error is returned as `Err`.
    fn render_row(
        &self,
        row: &Row,
        targets: &[(String, Option<Preset>)],
        names: &[PathBuf],
        progress: &(dyn Fn() + Sync),
    ) -> Result<Vec<Entry>> {
        let record = match self.record(row) {
            Ok(r) => r,
            Err(e) => {
                targets.iter().for_each(|_| progress());
                return Ok(self.failed(row.number, targets, names, &e));
            }
        };
        let mut composed: BTreeMap<usize, Result<Composed>> = BTreeMap::new();
        let mut entries = Vec::new();
        for ((target, preset), name) in targets.iter().zip(names) {
            let v = self.variant_index(*preset);
            let c = composed.entry(v).or_insert_with(|| {
                render::compose(
                    &self.template,
                    v,
                    &record,
                    &RenderOptions {
                        overflow: self.campaign.overflow,
                    },
                    &self.fonts,
                )
            });
            progress();
            let one = |e: &Error| {
                self.failed(
                    row.number,
                    std::slice::from_ref(&(target.clone(), *preset)),
                    std::slice::from_ref(name),
                    e,
                )
            };
            let poster = match c {
                Ok(c) => render::rasterize(
                    &self.template,
                    c,
                    &record,
                    preset.map(|p| (p.width, p.height)),
                    &self.fonts,
                ),
                Err(e) => {
                    entries.extend(one(e));
                    continue;
                }
            };
            match poster {
                Ok(p) => {
                    output::write_atomic(
                        &self.campaign.out,
                        name,
                        &output::encode(&p.image, self.campaign.encoding),
                    )?;
                    entries.push(Entry {
                        row: row.number,
                        preset: target.clone(),
                        status: Status::Ok,
                        output: name.display().to_string(),
                        message: None,
                        warnings: p.warnings,
                        variant: Some(p.variant),
                        texts: p.texts,
                    });
                }
                Err(e) => entries.extend(one(&e)),
            }
        }
        Ok(entries)
    }
}

/// Resolves a photo value under `base`, refusing anything that leaves it.
fn confined(base: &Path, value: &str) -> std::result::Result<PathBuf, String> {
    let rel = Path::new(value);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir))
    {
        return Err(format!(
            "photo path {value:?} must be relative and inside {}",
            base.display()
        ));
    }
    let root = base
        .canonicalize()
        .map_err(|e| format!("photo folder {}: {e}", base.display()))?;
    let full = root
        .join(rel)
        .canonicalize()
        .map_err(|e| format!("not found in {} ({e})", base.display()))?;
    if !full.starts_with(&root) || !full.is_file() {
        return Err(format!("photo path {value:?} must be a file inside {}", base.display()));
    }
    Ok(full)
}
