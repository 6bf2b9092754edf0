//! What every row of a batch reads, borrowed from the [`Batch`](crate::Batch): the campaign,
//! template, fonts, caches and data table. A row's work (`row`, `row_photos`) is written
//! against this view, so it never imports the batch that drives it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::batch::campaign::Campaign;
use crate::data::{self, Row, Table};
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::output;
use crate::preset::Preset;
use crate::raster::Caches;
use crate::template::Template;

/// A batch's loaded inputs, borrowed for its rows' work.
#[derive(Clone, Copy)]
pub(crate) struct Job<'a> {
    pub campaign: &'a Campaign,
    pub template: &'a Template,
    pub fonts: &'a Fonts,
    pub caches: &'a Caches,
    pub table: &'a Table,
}

impl Job<'_> {
    /// The text values of one row, by field name (and by raw column name).
    pub(crate) fn values(&self, row: &Row) -> Result<BTreeMap<String, String>> {
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

    /// The share (1..=n) a row belongs to: from a hash of its name (its slug
    /// source), so a row keeps its shard when rows are added or reordered, and
    /// rows with the same name (numbered `-2`, `-3`) share one.
    pub(crate) fn shard_of(&self, row: &data::Row, n: usize) -> usize {
        let values = self.values(row).unwrap_or_else(|_| row.values.clone());
        let key = values
            .get("slug")
            .or(values.get("name"))
            .cloned()
            .unwrap_or_else(|| format!("row-{}", row.number));
        crate::batch::shard::of(&output::slug(&key), n)
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
    pub(crate) fn label(&self, row: &data::Row) -> String {
        let values = self.values(row).unwrap_or_else(|_| row.values.clone());
        ["name", "slug"]
            .iter()
            .find_map(|k| values.get(*k).map(|v| v.trim()).filter(|v| !v.is_empty()))
            .map_or_else(|| format!("row {}", row.number), str::to_string)
    }

    /// Output names for every row × target, unique, with notes on renamed ones.
    pub(crate) fn names(&self) -> Result<(Vec<PathBuf>, Vec<String>)> {
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

    pub(crate) fn variant_index(&self, preset: Option<Preset>) -> usize {
        preset.map_or(0, |p| self.template.variant_index_for(p.width, p.height))
    }
}
