//! Command-line parsing: flags into library types (`commands` runs them). The
//! library itself never sees clap, never prints and never exits.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod commands;
mod inspect;
mod serve;
mod watch;

use affiche::Overflow;
use affiche::{Campaign, CampaignFile, Error};

#[derive(Parser)]
#[command(
    name = "affiche",
    version,
    about = "Campaign posters from SVG templates and a spreadsheet, rendered in batches.",
    after_help = "Start here:\n  affiche init my-campaign          # a campaign folder that renders as it is\n  cd my-campaign && affiche check campaign.toml && affiche render campaign.toml\n\n`affiche help COMMAND` shows each command's flags and examples."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Render every row in every preset.
    #[command(
        after_help = "Examples:\n  affiche render samples/campaign.toml\n  affiche render --template templates/hero --data people.csv --preset instagram-portrait --preset instagram-story --out out/\n  affiche render samples/campaign.toml --format jpg --max-kb 500 --max-kb instagram-story=300\n    every preset within 500 kB, the story within 300 kB"
    )]
    Render(Inputs),
    /// Check template, data and photos without rendering; list every problem.
    #[command(after_help = "Example:\n  affiche check samples/campaign.toml")]
    Check {
        #[command(flatten)]
        inputs: Inputs,
        /// Longest acceptable render of one poster, in seconds (estimated from a quarter-size render; 0 skips).
        #[arg(long, default_value_t = 10.0)]
        time_budget: f64,
    },
    /// Render one row in one preset, fast; --watch renders again on every save, --serve shows it in a browser.
    #[command(
        after_help = "Examples:\n  affiche preview samples/campaign.toml --row 3 --preset instagram-story\n  affiche preview samples/campaign.toml --row 3 --preset instagram-story --serve\n    then open http://127.0.0.1:7777/ and save the template in your editor"
    )]
    Preview {
        #[command(flatten)]
        inputs: Inputs,
        /// Data row to render (1-based, as in reports).
        #[arg(long, default_value_t = 1)]
        row: usize,
        /// PNG file to write. Default: preview.png in the output folder.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Render again whenever the template, data, photos, fonts or campaign file change.
        #[arg(long)]
        watch: bool,
        /// Serve a page on 127.0.0.1 that shows the preview and reloads itself (implies --watch).
        #[arg(long)]
        serve: bool,
        /// Port for --serve (0 picks a free one).
        #[arg(long, default_value_t = 7777)]
        port: u16,
    },
    /// Serve posters over HTTP: POST /render, GET /fields, GET /presets, and a supporters' page at /.
    #[command(
        after_help = "Examples:\n  affiche serve samples/campaign.toml\n    then open http://127.0.0.1:8080/, or:\n  curl -F name='Léa ROY' -F 'constituency=Paris (1re circonscription)' -F photo=@samples/photos/hopper.jpg \\\n    'http://127.0.0.1:8080/render?preset=instagram-story' -o poster.png\nOn 127.0.0.1 unless --listen says otherwise: put a reverse proxy (TLS) in front of it to face the public."
    )]
    Serve {
        #[command(flatten)]
        inputs: Inputs,
        /// Address and port to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// A field picked from the list of its values in the data, not typed (repeatable).
        /// Default: constituency, when the template has it.
        #[arg(long = "pick", value_name = "FIELD")]
        picks: Vec<String>,
        /// Largest request (upload), in megabytes.
        #[arg(long, default_value_t = 15)]
        max_upload_mb: usize,
        /// Largest photo, in megapixels, read from its header before it is decoded.
        #[arg(long, default_value_t = 50)]
        max_photo_mp: u64,
        /// Requests waiting for a render, beyond those rendering, before the server answers 503.
        #[arg(long, default_value_t = 32)]
        queue: usize,
        /// Seconds a request may take, upload and render, before the server answers 503.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
    /// Create a campaign folder that renders as it is (campaign.toml, data.csv, template, example photo).
    #[command(
        after_help = "Example:\n  affiche init my-campaign\n  cd my-campaign\n  affiche render campaign.toml     # one example poster per preset into out/\nThe folder must not exist yet, or be empty."
    )]
    Init {
        /// Folder to create (or an empty one).
        dir: PathBuf,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  affiche completions bash > ~/.local/share/bash-completion/completions/affiche\n  affiche completions zsh > ~/.zfunc/_affiche        # with fpath+=~/.zfunc in ~/.zshrc\n  affiche completions fish > ~/.config/fish/completions/affiche.fish\n  affiche completions powershell >> $PROFILE"
    )]
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Compose a contact sheet (PNG) of one preset's posters, names under each, from an output folder.
    #[command(
        after_help = "Examples:\n  affiche sheet out/ --preset instagram-story\n  affiche sheet out/ --preset x-post --columns 4 --per-page 20 --out signoff.png"
    )]
    Sheet {
        /// Output folder of a batch (holding report.json and the posters).
        dir: PathBuf,
        /// Preset to show. Default: the report's first.
        #[arg(long)]
        preset: Option<String>,
        /// Thumbnails per line.
        #[arg(long, default_value_t = 5)]
        columns: usize,
        /// Thumbnail width in pixels.
        #[arg(long, default_value_t = 240)]
        width: u32,
        /// Posters per page (0: all on one page); pages are numbered -1, -2, ….
        #[arg(long, default_value_t = 0)]
        per_page: usize,
        /// PNG to write. Default: DIR/sheet-PRESET.png
        #[arg(long)]
        out: Option<PathBuf>,
        /// Font folders for characters the label font lacks. Default: fonts
        #[arg(long = "fonts")]
        fonts: Vec<PathBuf>,
    },
    /// List the built-in presets.
    #[command(
        after_help = "Example:\n  affiche presets\n  affiche render campaign.toml --preset instagram-story --preset x-post"
    )]
    Presets,
    /// Work with reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// List templates in a folder, one per line, name first.
    #[command(after_help = "Examples:\n  affiche templates\n  affiche templates my-campaign/templates")]
    Templates {
        /// Folder holding templates. Default: templates
        #[arg(default_value = "templates")]
        dir: PathBuf,
    },
    /// List a template's fields (text slots, photo slots, placeholders).
    #[command(after_help = "Example:\n  affiche fields templates/hero")]
    Fields {
        template: PathBuf,
        /// Font folders. Default: fonts
        #[arg(long = "fonts")]
        fonts: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// Merge the report.json of several shards into one.
    #[command(after_help = "Example:\n  affiche report merge out/shard-*/report.json --out out/report.json")]
    Merge {
        /// Reports to merge.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Merged report to write (a .json file; a .csv and the index.html gallery are written beside it).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args)]
pub(crate) struct Inputs {
    /// Campaign file (TOML). Every key can be given or overridden by a flag.
    pub(crate) campaign: Option<PathBuf>,
    /// Template folder or SVG file.
    #[arg(long)]
    template: Option<PathBuf>,
    /// Data file: CSV, JSON, XLSX or ODS.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Worksheet of an XLSX or ODS data file (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Folder relative photo paths resolve against (default: the data file's folder).
    #[arg(long)]
    photos: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Preset to render (repeatable); see `affiche presets`.
    #[arg(long = "preset")]
    presets: Vec<String>,
    /// Output file-name pattern, e.g. "{slug}-{preset}.{ext}".
    #[arg(long)]
    name: Option<String>,
    /// Output format: png, jpg, webp (lossy, at --quality), webp-lossless or pdf (print: vector
    /// text, embedded fonts).
    #[arg(long)]
    format: Option<String>,
    /// PDF: bleed on each side, in millimetres (e.g. 3).
    #[arg(long, value_name = "MM")]
    bleed: Option<f32>,
    /// PDF: crop marks at the trim corners.
    #[arg(long)]
    crop_marks: bool,
    /// JPEG and lossy WebP quality (1-100; default 90).
    #[arg(long)]
    quality: Option<u8>,
    /// Font folder (repeatable).
    #[arg(long = "fonts")]
    fonts: Vec<PathBuf>,
    /// Text that cannot fit even at its minimum size: error (default), truncate (…) or warn.
    #[arg(long, value_enum)]
    overflow: Option<OverflowArg>,
    /// Also use the operating system's fonts (default: only the font folders).
    #[arg(long)]
    system_fonts: bool,
    /// Map a field to a column pattern, e.g. --field 'name={prenom} {nom}' (repeatable).
    #[arg(long = "field", value_parser = parse_field)]
    fields: Vec<(String, String)>,
    /// File-size budget in kB: KB for every preset, PRESET=KB for one (repeatable). JPEG and lossy
    /// WebP quality is lowered to fit; PNG and lossless WebP over it get a warning. Merges with the
    /// campaign file's max_kb: for the same preset (or for all) the flag wins; a preset's own
    /// budget, from the flags or the file, wins over the one for all.
    #[arg(long, value_name = "KB|PRESET=KB", value_parser = parse_max_kb)]
    max_kb: Vec<(Option<String>, u32)>,
    /// Alt-text pattern, e.g. 'Portrait de {name}, candidate dans {constituency}': written to a .txt beside each image.
    #[arg(long, value_name = "PATTERN")]
    alt: Option<String>,
    /// Credit line kept in every file (EXIF Copyright); no other metadata is written.
    #[arg(long)]
    credit: Option<String>,
    /// Render only share I of N of the rows (e.g. 3/8), for splitting a campaign across machines.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Draw a family the templates name with one the font folders have, while a font is
    /// being licensed: 'Sintony=Noto Sans' (repeatable; over the campaign's [font_aliases]).
    #[arg(long = "font-alias", value_name = "FAMILY=FAMILY", value_parser = parse_alias)]
    font_aliases: Vec<(String, String)>,
    /// Render every poster again, even those whose inputs did not change.
    #[arg(long)]
    pub(crate) force: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub(crate) jobs: usize,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OverflowArg {
    Error,
    Truncate,
    Warn,
}

fn parse_field(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("{s:?} is not FIELD=PATTERN"))
}

/// `Sintony=Noto Sans` → `("Sintony", "Noto Sans")`.
pub(crate) fn parse_alias(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_string(), to.trim().to_string()))
        }
        _ => Err(format!("{s:?} is not FAMILY=FAMILY (e.g. 'Sintony=Noto Sans')")),
    }
}

/// `500` → `(None, 500)`, for every preset; `instagram-story=300` → `(Some("instagram-story"), 300)`.
fn parse_max_kb(s: &str) -> Result<(Option<String>, u32), String> {
    let (preset, kb) = match s.split_once('=') {
        Some((p, kb)) => (Some(p.trim().to_string()), kb),
        None => (None, s),
    };
    let kb = kb
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not KB or PRESET=KB (e.g. 500 or instagram-story=300)"))?;
    Ok((preset, kb))
}

impl Inputs {
    /// The `--max-kb` flags as one budget; `None` when none was given.
    fn max_kb(&self) -> Result<Option<affiche::MaxKb>, Error> {
        let mut budget = affiche::MaxKb::default();
        for (preset, kb) in &self.max_kb {
            let earlier = match preset {
                Some(p) => budget.presets.insert(p.clone(), *kb),
                None => budget.all.replace(*kb),
            };
            if earlier.is_some() {
                let what = preset.as_deref().unwrap_or("every preset");
                return Err(Error::Campaign {
                    path: "command line".into(),
                    message: format!("--max-kb gives two budgets for {what}; give one"),
                });
            }
        }
        Ok((!self.max_kb.is_empty()).then_some(budget))
    }

    /// The template of `affiche check --template T` given alone (no campaign file, no data).
    fn bare_template(&self) -> Option<&Path> {
        match (&self.campaign, &self.data) {
            (None, None) => self.template.as_deref(),
            _ => None,
        }
    }

    /// The `--fonts` folders given.
    fn font_dirs(&self) -> Vec<PathBuf> {
        self.fonts.clone()
    }

    pub(crate) fn campaign(&self) -> Result<Campaign, Error> {
        let flags = CampaignFile {
            template: self.template.clone(),
            data: self.data.clone(),
            sheet: self.sheet.clone(),
            photos: self.photos.clone(),
            out: self.out.clone(),
            presets: (!self.presets.is_empty()).then(|| self.presets.clone()),
            name: self.name.clone(),
            format: self.format.clone(),
            bleed: self.bleed,
            crop_marks: self.crop_marks.then_some(true),
            quality: self.quality,
            fonts: (!self.fonts.is_empty()).then(|| self.fonts.clone()),
            system_fonts: self.system_fonts.then_some(true),
            shard: self.shard.clone(),
            max_kb: self.max_kb()?,
            alt: self.alt.clone(),
            credit: self.credit.clone(),
            overflow: self.overflow.map(|o| match o {
                OverflowArg::Error => Overflow::Error,
                OverflowArg::Truncate => Overflow::Truncate,
                OverflowArg::Warn => Overflow::Warn,
            }),
            fields: self.fields.iter().cloned().collect(),
            font_aliases: self.font_aliases.iter().cloned().collect(),
        };
        match &self.campaign {
            Some(path) => Campaign::resolve(CampaignFile::load(path)?.overridden_by(flags), path),
            None => Campaign::resolve(flags, Path::new("command line")),
        }
    }
}

/// Runs the command line; exit 0 all rendered, 1 some rows failed, 2 bad input.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(affiche::Error::Output { .. }) = e.downcast_ref::<affiche::Error>() {
                eprintln!(
                    "the batch stopped there: posters already written are complete and no partial file is left; \
                     free space or fix permissions, then run again to resume"
                );
            }
            ExitCode::from(2)
        }
    }
}
