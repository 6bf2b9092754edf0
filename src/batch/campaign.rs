//! The campaign: which template, which data, which presets, where to write.
//! Read from a TOML file (paths relative to it), overridden key by key by the
//! command line.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::compose::typeset::Overflow;
use crate::error::{Error, Result};
use crate::output::delivery::{Delivery, MaxKb};
use crate::output::{Encoding, Format};
use crate::pdf::PdfOptions;
use crate::preset::Preset;

/// A campaign as written in a file or given by flags: every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    /// Template folder or SVG file.
    pub template: Option<PathBuf>,
    /// Data file: CSV, JSON, XLSX or ODS.
    pub data: Option<PathBuf>,
    /// Worksheet of an XLSX or ODS data file. Default: the first sheet.
    pub sheet: Option<String>,
    /// Folder that relative photo paths resolve against. Default: the data file's folder.
    pub photos: Option<PathBuf>,
    /// Output folder. Default: `out`.
    pub out: Option<PathBuf>,
    /// Preset names. Default: none, render at the template's own size.
    pub presets: Option<Vec<String>>,
    /// Output file-name pattern. Default: `{slug}-{preset}.{ext}`.
    pub name: Option<String>,
    /// `png`, `jpg`, `webp` (lossy), `webp-lossless` or `pdf`. Default: `png`.
    pub format: Option<String>,
    /// PDF only: bleed on each side, in millimetres. Default: 0.
    pub bleed: Option<f32>,
    /// PDF only: crop marks at the trim corners. Default: false.
    pub crop_marks: Option<bool>,
    /// JPEG and lossy WebP quality. Default: 90.
    pub quality: Option<u8>,
    /// Font folders. Default: `fonts/` beside the campaign file when it has one, else `fonts`
    /// in the working directory (and the template folder's own `fonts/` either way).
    pub fonts: Option<Vec<PathBuf>>,
    /// Text that cannot fit: `error`, `truncate` or `warn`. Default: `error`.
    pub overflow: Option<Overflow>,
    /// Render only share I of N of the rows, as `"I/N"` (1-based). Default: all rows.
    pub shard: Option<String>,
    /// Also use the operating system's fonts. Default: false (renders the same everywhere).
    pub system_fonts: Option<bool>,
    /// File-size budget in kB, for every preset (`500`) or per preset (`{ instagram-story = 500 }`). Default: none.
    pub max_kb: Option<MaxKb>,
    /// Alt-text pattern written beside each image and into the report. Default: none.
    pub alt: Option<String>,
    /// Credit line, the only metadata kept in the files (EXIF Copyright). Default: none.
    pub credit: Option<String>,
    /// Field → `{column}` pattern. Fields not listed bind to the column of the same name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Family the templates name → family the font folders have, while a font is being
    /// licensed (`"Sintony" = "Noto Sans"`); over the template's own `[font_aliases]`.
    /// Default: none.
    #[serde(default)]
    pub font_aliases: BTreeMap<String, String>,
}

impl CampaignFile {
    /// Reads a campaign file; its relative paths become relative to its folder.
    pub fn load(path: &Path) -> Result<CampaignFile> {
        let hint = "check the path, or create a campaign with `affiche init DIR`";
        let text = std::fs::read_to_string(path).map_err(|e| Error::io_or_missing(path, e, hint))?;
        let mut file: CampaignFile = toml::from_str(&text).map_err(|e| Error::Campaign {
            path: path.into(),
            message: e.to_string(),
        })?;
        let base = folder_of(path);
        for p in [&mut file.template, &mut file.data, &mut file.photos, &mut file.out]
            .into_iter()
            .flatten()
        {
            *p = tidy(&base.join(&*p));
        }
        for p in file.fonts.iter_mut().flatten() {
            *p = tidy(&base.join(&*p));
        }
        Ok(file)
    }

    /// Keys set in `other` replace ours; `fields` and `max_kb` merge, `other`
    /// winning for the same field, the same preset, and the budget for all.
    pub fn overridden_by(mut self, other: CampaignFile) -> CampaignFile {
        macro_rules! take {
            ($($k:ident),*) => { $( if other.$k.is_some() { self.$k = other.$k; } )* };
        }
        take!(
            template,
            data,
            sheet,
            photos,
            out,
            presets,
            name,
            format,
            bleed,
            crop_marks,
            quality,
            fonts,
            system_fonts,
            overflow,
            shard,
            alt,
            credit
        );
        self.fields.extend(other.fields);
        self.font_aliases.extend(other.font_aliases);
        self.max_kb = match (self.max_kb, other.max_kb) {
            (Some(ours), Some(theirs)) => Some(ours.overridden_by(theirs)),
            (ours, theirs) => theirs.or(ours),
        };
        self
    }
}

/// A campaign with every key resolved and checked.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The campaign file, or `command line`: named in campaign errors.
    pub origin: PathBuf,
    pub template: PathBuf,
    pub data: PathBuf,
    /// Worksheet of a spreadsheet data file; `None`: the first.
    pub sheet: Option<String>,
    /// Folder photos resolve against.
    pub photos: PathBuf,
    pub out: PathBuf,
    /// Empty: render at the template's own size.
    pub presets: Vec<Preset>,
    pub name: String,
    pub encoding: Encoding,
    /// Bleed and crop marks of PDF pages.
    pub pdf: PdfOptions,
    pub fonts: Vec<PathBuf>,
    pub system_fonts: bool,
    pub overflow: Overflow,
    /// `(I, N)`: render only the rows of share I (1-based) of N.
    pub shard: Option<(usize, usize)>,
    pub fields: BTreeMap<String, String>,
    /// Family → family drawn instead, over the template's `[font_aliases]`.
    pub font_aliases: BTreeMap<String, String>,
    /// Size budget, alt text and credit.
    pub delivery: Delivery,
}

/// Default output file-name pattern.
pub const DEFAULT_NAME: &str = "{slug}-{preset}.{ext}";

impl Campaign {
    /// Resolves defaults and checks that the required keys are there.
    /// `origin` names the campaign file (or `command line`) in errors.
    pub fn resolve(file: CampaignFile, origin: &Path) -> Result<Campaign> {
        let err = |message: String| Error::Campaign {
            path: origin.into(),
            message,
        };
        let template = file
            .template
            .ok_or_else(|| err("no template: set `template = \"…\"` or pass --template".into()))?;
        let data = file
            .data
            .ok_or_else(|| err("no data file: set `data = \"…\"` or pass --data".into()))?;
        let photos = file.photos.unwrap_or_else(|| folder_of(&data));
        let presets = file
            .presets
            .unwrap_or_default()
            .iter()
            .map(|p| Preset::find(p))
            .collect::<Result<Vec<_>>>()?;
        let format = match file.format {
            Some(f) => Format::parse(&f)
                .ok_or_else(|| err(format!("format {f:?} is not png, jpg, webp, webp-lossless or pdf")))?,
            None => Format::Png,
        };
        if format != Format::Pdf && (file.bleed.is_some() || file.crop_marks.is_some()) {
            return Err(err(
                "bleed and crop_marks apply to PDF pages only: set format = \"pdf\"".into(),
            ));
        }
        let bleed_mm = file.bleed.unwrap_or(0.0);
        if !(0.0..=50.0).contains(&bleed_mm) {
            return Err(err(format!("bleed = {bleed_mm} mm: give 0 to 50 (3 is usual)")));
        }
        // Unset, fonts come from a `fonts/` folder beside the campaign file (what its author
        // meant, wherever the command runs from), else from the working directory's.
        let mut fonts = file.fonts.unwrap_or_else(|| {
            let beside = tidy(&folder_of(origin).join("fonts"));
            vec![if beside.is_dir() {
                beside
            } else {
                PathBuf::from("fonts")
            }]
        });
        let own = crate::template::own_fonts_dir(&template);
        if own.is_dir() && !fonts.contains(&own) {
            fonts.push(own);
        }
        if let Some(max_kb) = &file.max_kb {
            max_kb.check(&presets).map_err(err)?;
        }
        Ok(Campaign {
            origin: origin.to_path_buf(),
            template,
            data,
            sheet: file.sheet,
            photos,
            out: file.out.unwrap_or_else(|| PathBuf::from("out")),
            presets,
            name: file.name.unwrap_or_else(|| DEFAULT_NAME.into()),
            encoding: Encoding {
                format,
                quality: file.quality.unwrap_or(90),
            },
            pdf: PdfOptions {
                bleed_mm,
                crop_marks: file.crop_marks.unwrap_or(false),
            },
            fonts,
            system_fonts: file.system_fonts.unwrap_or(false),
            overflow: file.overflow.unwrap_or_default(),
            shard: file
                .shard
                .as_deref()
                .map(crate::batch::shard::parse)
                .transpose()
                .map_err(err)?,
            fields: file.fields,
            font_aliases: file.font_aliases,
            delivery: Delivery {
                max_kb: file.max_kb,
                alt: file.alt,
                credit: file.credit,
            },
        })
    }
}

/// The folder holding `path`, as typed: `data/d.csv` → `data`, and `d.csv` → `.` (its
/// parent is the empty path, which messages would show as nothing at all).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `samples/../out` → `out`: lexical, so messages show the paths people expect.
/// A `..` after a symlink could point elsewhere, but campaign paths are the user's own.
pub(crate) fn tidy(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_removes_dot_dot_after_a_folder_only() {
        assert_eq!(tidy(Path::new("samples/../out")), PathBuf::from("out"));
        assert_eq!(tidy(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(tidy(Path::new("a/..")), PathBuf::from("."));
    }

    #[test]
    fn file_paths_are_relative_to_the_campaign_and_flags_override() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "template = \"t\"\ndata = \"d.csv\"\npresets = [\"x-post\"]\n[fields]\nname = \"{prenom} {nom}\"\n",
        )
        .unwrap();
        let file = CampaignFile::load(&path).unwrap();
        assert_eq!(file.template.as_deref(), Some(dir.path().join("t").as_path()));
        let flags = CampaignFile {
            data: Some("other.csv".into()),
            ..Default::default()
        };
        let c = Campaign::resolve(file.overridden_by(flags), &path).unwrap();
        assert_eq!(c.data, PathBuf::from("other.csv"));
        assert_eq!(
            c.photos,
            PathBuf::from("."),
            "photos default to the data file's folder, `.` for a bare name"
        );
        assert_eq!(c.presets[0].name, "x-post");
        assert_eq!(c.fields["name"], "{prenom} {nom}");
        assert_eq!(c.name, DEFAULT_NAME);
    }

    #[test]
    fn a_fonts_folder_beside_the_campaign_is_the_default_and_flags_or_keys_replace_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        // The template in a folder of its own, whose `fonts/` would join the list.
        std::fs::write(&path, "template = \"tpl/t.svg\"\ndata = \"d.csv\"\n").unwrap();
        let fonts = |file: CampaignFile| Campaign::resolve(file, &path).unwrap().fonts;
        assert_eq!(
            fonts(CampaignFile::load(&path).unwrap()),
            [PathBuf::from("fonts")],
            "none beside: the working directory's"
        );
        std::fs::create_dir(dir.path().join("fonts")).unwrap();
        assert_eq!(fonts(CampaignFile::load(&path).unwrap()), [dir.path().join("fonts")]);
        let flags = CampaignFile {
            fonts: Some(vec!["mine".into()]),
            ..Default::default()
        };
        assert_eq!(
            fonts(CampaignFile::load(&path).unwrap().overridden_by(flags)),
            [PathBuf::from("mine")]
        );
        std::fs::write(&path, "template = \"tpl/t.svg\"\ndata = \"d.csv\"\nfonts = [\"f\"]\n").unwrap();
        assert_eq!(fonts(CampaignFile::load(&path).unwrap()), [dir.path().join("f")]);
    }

    #[test]
    fn system_fonts_reach_the_batch_font_options() {
        let base = || CampaignFile {
            template: Some("t".into()),
            data: Some("d.csv".into()),
            ..Default::default()
        };
        let c = Campaign::resolve(base(), Path::new("c.toml")).unwrap();
        assert!(!crate::Batch::font_options(&c).system, "off by default");
        let flags = CampaignFile {
            system_fonts: Some(true),
            ..Default::default()
        };
        let c = Campaign::resolve(base().overridden_by(flags), Path::new("c.toml")).unwrap();
        assert!(crate::Batch::font_options(&c).system);
    }

    #[test]
    fn max_kb_is_one_number_or_a_table_of_presets_this_campaign_renders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let base = "template = \"t\"\ndata = \"d.csv\"\npresets = [\"x-post\", \"instagram-story\"]\n";
        let load = |extra: &str| {
            std::fs::write(&path, format!("{base}{extra}")).unwrap();
            Campaign::resolve(CampaignFile::load(&path)?, &path)
        };
        let c = load("max_kb = 500\nalt = \"Portrait de {name}\"\ncredit = \"Photo : X\"\n").unwrap();
        assert_eq!(c.delivery.budget_for("x-post"), Some(500_000));
        assert_eq!(c.delivery.alt.as_deref(), Some("Portrait de {name}"));
        let c = load("[max_kb]\ninstagram-story = 300\n").unwrap();
        assert_eq!(c.delivery.budget_for("instagram-story"), Some(300_000));
        assert_eq!(c.delivery.budget_for("x-post"), None);
        let e = load("[max_kb]\ninstagram-stories = 300\n").unwrap_err().to_string();
        assert!(
            e.contains("instagram-stories") && e.contains("x-post, instagram-story"),
            "{e}"
        );
        assert!(load("max_kb = 0\n").unwrap_err().to_string().contains("at least 1"));
        // Flags may give both: the preset's own budget wins for it.
        let flags = CampaignFile {
            max_kb: Some(MaxKb {
                all: Some(500),
                presets: [("instagram-story".to_string(), 300)].into(),
            }),
            ..Default::default()
        };
        let c = Campaign::resolve(CampaignFile::load(&path).unwrap().overridden_by(flags.clone()), &path).unwrap();
        assert_eq!(c.delivery.budget_for("instagram-story"), Some(300_000));
        assert_eq!(c.delivery.budget_for("x-post"), Some(500_000));
        // The file's budget for x-post stays under the flags' budget for all.
        load("[max_kb]\nx-post = 200\n").unwrap();
        let c = Campaign::resolve(CampaignFile::load(&path).unwrap().overridden_by(flags), &path).unwrap();
        assert_eq!(c.delivery.budget_for("x-post"), Some(200_000));
        assert_eq!(c.delivery.budget_for("instagram-story"), Some(300_000));
    }

    #[test]
    fn unknown_keys_presets_and_missing_template_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "templat = \"t\"\n").unwrap();
        assert!(CampaignFile::load(&path).unwrap_err().to_string().contains("templat"));
        let no_template = CampaignFile {
            data: Some("d.csv".into()),
            ..Default::default()
        };
        assert!(
            Campaign::resolve(no_template, &path)
                .unwrap_err()
                .to_string()
                .contains("--template")
        );
        let bad = CampaignFile {
            template: Some("t".into()),
            data: Some("d".into()),
            presets: Some(vec!["tiktok".into()]),
            ..Default::default()
        };
        assert!(
            Campaign::resolve(bad, &path)
                .unwrap_err()
                .to_string()
                .contains("tiktok")
        );
    }
}
