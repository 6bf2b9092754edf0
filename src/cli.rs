//! Command-line parsing and printing. Turns flags into library types; the
//! library itself never sees clap, never prints and never exits.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand};

use affiche::typeset::Overflow;
use affiche::{Batch, Campaign, CampaignFile, Error, Fonts, PRESETS, RunOptions, Template};

#[derive(Parser)]
#[command(
    name = "affiche",
    version,
    about = "Campaign posters from SVG templates and a spreadsheet, rendered in batches.",
    after_help = "Start here:\n  affiche init my-campaign          # a campaign folder that renders as it is\n  cd my-campaign && affiche check campaign.toml && affiche render campaign.toml\n\n`affiche help COMMAND` shows each command's flags and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
enum ReportCommand {
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
struct Inputs {
    /// Campaign file (TOML). Every key can be given or overridden by a flag.
    campaign: Option<PathBuf>,
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
    /// Render every poster again, even those whose inputs did not change.
    #[arg(long)]
    force: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    jobs: usize,
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
    fn max_kb(&self) -> Result<Option<affiche::delivery::MaxKb>, Error> {
        let mut budget = affiche::delivery::MaxKb::default();
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

    fn campaign(&self) -> Result<Campaign, Error> {
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
    match run(cli) {
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { dir } => {
            let files = affiche::init::init(&dir)?;
            println!("{} files written into {}/", files.len(), dir.display());
            println!("next: cd {} && affiche render campaign.toml", dir.display());
            println!("then put your rows in data.csv and photos in photos/ (see README.md there)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "affiche", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Merge { reports, out }) => {
            let parts = reports
                .iter()
                .map(|p| affiche::Report::read(p))
                .collect::<Result<Vec<_>, _>>()?;
            let merged = affiche::Report::merge(parts);
            let json = serde_json::to_vec_pretty(&merged)?;
            let dir = out
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = out.file_name().context("--out needs a file name")?;
            affiche::output::write_atomic(dir, Path::new(name), &json)?;
            affiche::output::write_atomic(dir, &Path::new(name).with_extension("csv"), &merged.csv())?;
            // Its links work once the shards' posters are gathered beside the merged report.
            affiche::gallery::write(&merged, dir)?;
            println!(
                "{} entries from {} reports: {} rendered, {} failed → {}",
                merged.entries.len(),
                reports.len(),
                merged.rendered,
                merged.failed,
                out.display()
            );
            Ok(if merged.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Preview {
            inputs,
            row,
            output,
            watch,
            serve,
            port,
        } => preview(&inputs, row, output, watch || serve, serve.then_some(port)),
        Command::Sheet {
            dir,
            preset,
            columns,
            width,
            per_page,
            out,
            fonts,
        } => {
            let report = affiche::Report::read(&dir.join("report.json"))?;
            let options = affiche::sheet::SheetOptions {
                preset: preset.unwrap_or_default(),
                columns,
                width,
                per_page,
                fonts: if fonts.is_empty() {
                    vec![PathBuf::from("fonts")]
                } else {
                    fonts
                },
            };
            let preset = affiche::sheet::preset_of(&report, &options).context("the report has no posters")?;
            let pages = affiche::sheet::compose(&report, &dir, &options)?;
            let out = out.unwrap_or_else(|| dir.join(format!("sheet-{preset}.png")));
            let folder = out
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let stem = out.file_stem().context("--out needs a file name")?.to_string_lossy();
            for (i, page) in pages.iter().enumerate() {
                let name = if pages.len() > 1 {
                    format!("{stem}-{}.png", i + 1)
                } else {
                    format!("{stem}.png")
                };
                let path =
                    affiche::output::write_atomic(folder, Path::new(&name), &affiche::output::encode_png_fast(page))?;
                println!("{}×{} → {}", page.width(), page.height(), path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Presets => {
            for p in PRESETS {
                println!("{:<20} {:>4}×{:<4}  {}", p.name, p.width, p.height, p.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Templates { dir } => {
            let fonts = Fonts::load(&affiche::FontOptions::default())?;
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for path in entries
                .into_iter()
                .filter(|p| p.is_dir() || affiche::template::is_svg_file(p))
            {
                match Template::load(&path, &fonts) {
                    Ok(t) => {
                        let variants: Vec<String> = t
                            .variants
                            .iter()
                            .map(|v| format!("{} {}×{}", v.name, v.width, v.height))
                            .collect();
                        println!("{}\t{}\t{}", t.name, variants.join(", "), t.description);
                    }
                    Err(e) => println!("{}\tERROR: {e}", path.display()),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Fields { template, fonts } => {
            let dirs = if fonts.is_empty() {
                vec![PathBuf::from("fonts")]
            } else {
                fonts
            };
            let fonts = Fonts::load(&affiche::FontOptions { dirs, system: false })?;
            let t = Template::load(&template, &fonts)?;
            for f in t.fields() {
                println!("{:<16} {:<12} {}", f.name, f.kind, f.variants.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { inputs, time_budget } => {
            let batch = Batch::load(inputs.campaign()?)?;
            let budget = (time_budget > 0.0).then(|| std::time::Duration::from_secs_f64(time_budget));
            let problems = batch.check(budget);
            for p in &problems {
                println!("{p}");
            }
            let rows = batch.table.rows.len();
            eprintln!(
                "{rows} rows checked against {} ({} variants): {} problem(s)",
                batch.template.name,
                batch.template.variants.len(),
                problems.len()
            );
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Render(inputs) => {
            let start = Instant::now();
            let campaign = inputs.campaign()?;
            let batch = Batch::load(campaign)?;
            let targets = batch.campaign.presets.len().max(1);
            let total = (batch.table.rows.len() * targets) as u64;
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(total).with_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} posters  {per_sec}  eta {eta}")
                        .expect("valid template"),
                )
            } else {
                indicatif::ProgressBar::hidden()
            };
            let report = batch.run(
                &RunOptions {
                    jobs: inputs.jobs,
                    force: inputs.force,
                },
                &|| bar.inc(1),
            )?;
            bar.finish_and_clear();
            let out = batch.campaign.out.display();
            println!(
                "{} poster(s) rendered ({} rows × {} preset(s)) in {:.1} s → {out}/",
                report.rendered,
                batch.table.rows.len(),
                targets,
                start.elapsed().as_secs_f64()
            );
            if report.skipped > 0 {
                println!(
                    "{} of them unchanged since the last run, skipped (--force renders them again)",
                    report.skipped
                );
            }
            if report.warned() > 0 {
                println!("{} poster(s) with warnings", report.warned());
            }
            for note in report.notes.iter().take(10) {
                println!("note: {note}");
            }
            let failed: Vec<_> = report.entries.iter().filter(|e| e.message.is_some()).collect();
            if !failed.is_empty() {
                println!("{} poster(s) failed, rows {:?}:", failed.len(), report.failed_rows());
                let mut shown: Vec<&str> = failed.iter().filter_map(|e| e.message.as_deref()).collect();
                shown.dedup();
                for m in shown.iter().take(15) {
                    println!("  {m}");
                }
            }
            println!("report: {out}/report.json");
            Ok(if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// `affiche preview`: render, then (watching) wait for a change and render again.
fn preview(
    inputs: &Inputs,
    row: usize,
    output: Option<PathBuf>,
    watch: bool,
    serve: Option<u16>,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let server = serve.map(affiche::preview::Server::start).transpose()?;
    if let Some(s) = &server {
        println!("serving http://127.0.0.1:{}/ (Ctrl-C to stop)", s.port);
        std::io::stdout().flush()?;
    }
    // What is watched, and the watcher: rebuilt when the campaign's own list changes
    // (a campaign file fixed, or pointed at another template), so the watch follows it.
    let mut watching: Option<(Vec<PathBuf>, affiche::preview::Watcher)> = None;
    // Loaded once, then again only after a change in a font folder.
    let mut fonts = affiche::preview::FontCache::default();
    loop {
        let start = Instant::now();
        let outcome = inputs.campaign().and_then(|c| {
            let loaded = fonts.get(&Batch::font_options(&c))?;
            let batch = Batch::load_with_fonts(c, loaded)?;
            let poster = batch.preview(row, None)?;
            Ok((batch, poster))
        });
        let failed = outcome.is_err();
        let campaign = match outcome {
            Ok((batch, poster)) => {
                let png = affiche::output::encode(&poster.image, Default::default());
                let path = output.clone().unwrap_or_else(|| batch.campaign.out.join("preview.png"));
                let dir = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let name = path.file_name().context("--output needs a file name")?;
                affiche::output::write_atomic(dir, Path::new(name), &png)?;
                let (w, h) = poster.image.dimensions();
                let mut message = format!(
                    "row {row}, {} {w}×{h}, in {:.2} s → {}",
                    poster.variant,
                    start.elapsed().as_secs_f64(),
                    path.display()
                );
                for warning in &poster.warnings {
                    message.push_str(&format!("\nwarning: {warning}"));
                }
                println!("{message}");
                std::io::stdout().flush()?;
                if let Some(s) = &server {
                    s.show(Some(png), message);
                }
                Some(batch.campaign)
            }
            Err(e) if watch => {
                // Mistakes (mid-edit or from the very first render) are shown and the
                // watch goes on; the last good image, if any, stays.
                eprintln!("error: {e}");
                if let Some(s) = &server {
                    s.show(None, format!("error: {e}"));
                }
                match inputs.campaign() {
                    Ok(c) => Some(c),
                    // A campaign file that does not load names nothing else to watch: watch it alone.
                    Err(_) if inputs.campaign.is_some() => None,
                    // Flags alone that make no campaign cannot change while we wait.
                    Err(_) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        };
        if !watch {
            return Ok(ExitCode::SUCCESS);
        }
        let (paths, ignore): (Vec<PathBuf>, Vec<PathBuf>) = match &campaign {
            Some(c) => (
                c.watched_paths(inputs.campaign.as_deref()),
                output.iter().cloned().chain([c.out.clone()]).collect(),
            ),
            None => (
                inputs.campaign.iter().cloned().collect(),
                output.iter().cloned().collect(),
            ),
        };
        if watching.as_ref().is_none_or(|(watched, _)| *watched != paths) {
            let watcher = affiche::preview::Watcher::new(&paths, &ignore)?;
            watching = Some((paths, watcher));
        }
        let (paths, watcher) = watching.as_ref().expect("set above");
        if failed {
            eprintln!("waiting for a change to {} file(s) or folder(s)…", paths.len());
        }
        match watcher.wait(std::time::Duration::from_millis(150)) {
            Some(changed) => {
                fonts.forget_if_changed(&changed);
            }
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}
