//! What each command does once its flags are library types: calls into the library, prints
//! the outcome, and picks the exit code (0 all rendered, 1 some rows failed, 2 bad input).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::CommandFactory;

use affiche::{Batch, Fonts, PRESETS, RunOptions, Template};

use crate::cli::{Cli, Command, Inputs, ReportCommand};

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { dir } => {
            let files = affiche::init(&dir)?;
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
            let dir = folder_of(&out);
            let name = out.file_name().context("--out needs a file name")?;
            affiche::files::write_atomic(dir, Path::new(name), &json)?;
            affiche::files::write_atomic(dir, &Path::new(name).with_extension("csv"), &merged.csv())?;
            // Its links work once the shards' posters are gathered beside the merged report.
            affiche::write_gallery(&merged, dir)?;
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
        Command::Serve {
            inputs,
            listen,
            picks,
            max_upload_mb,
            max_photo_mp,
            queue,
            timeout,
        } => {
            let batch = Batch::load(inputs.campaign()?)?;
            let settings = crate::cli::serve::Settings {
                listen,
                max_upload: max_upload_mb << 20,
                max_photo_pixels: max_photo_mp * 1_000_000,
                queue,
                jobs: inputs.jobs,
                timeout: std::time::Duration::try_from_secs_f64(timeout)
                    .map_err(|_| anyhow::anyhow!("--timeout {timeout}: give a number of seconds"))?,
                picks,
            };
            crate::cli::serve::run(batch, settings)?;
            Ok(ExitCode::SUCCESS)
        }
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
            let options = affiche::SheetOptions {
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
            let preset = affiche::sheet_preset(&report, &options).context("the report has no posters")?;
            let pages = affiche::contact_sheet(&report, &dir, &options)?;
            let out = out.unwrap_or_else(|| dir.join(format!("sheet-{preset}.png")));
            let folder = folder_of(&out);
            let stem = out.file_stem().context("--out needs a file name")?.to_string_lossy();
            for (i, page) in pages.iter().enumerate() {
                let name = if pages.len() > 1 {
                    format!("{stem}-{}.png", i + 1)
                } else {
                    format!("{stem}.png")
                };
                let path =
                    affiche::files::write_atomic(folder, Path::new(&name), &affiche::files::encode_png_fast(page))?;
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
            for path in entries.into_iter().filter(|p| p.is_dir() || affiche::is_svg_file(p)) {
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
            let t = crate::cli::inspect::load(&template, fonts, &[])?;
            crate::cli::inspect::describe(&t);
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { inputs, time_budget } => {
            // A bare template (no campaign, no data): what it binds and asks for.
            if let Some(template) = inputs.bare_template() {
                let t = crate::cli::inspect::load(template, inputs.font_dirs(), &[])?;
                let missing = crate::cli::inspect::describe(&t);
                return Ok(if missing == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                });
            }
            let batch = Batch::load(inputs.campaign()?)?;
            for u in &batch.template.unbound {
                println!(
                    "note: {} {:?} is not bound: drawn as in the template; {}",
                    u.kind, u.name, u.advice
                );
            }
            for note in &batch.template.notes {
                println!("note: {note}");
            }
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
            for note in &batch.template.notes {
                println!("note: {note}");
            }
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
    let server = serve.map(crate::cli::watch::Server::start).transpose()?;
    if let Some(s) = &server {
        println!("serving http://127.0.0.1:{}/ (Ctrl-C to stop)", s.port);
        std::io::stdout().flush()?;
    }
    // What is watched, and the watcher: rebuilt when the campaign's own list changes
    // (a campaign file fixed, or pointed at another template), so the watch follows it.
    let mut watching: Option<(Vec<PathBuf>, crate::cli::watch::Watcher)> = None;
    // Loaded once, then again only after a change in a font folder.
    let mut fonts = crate::cli::watch::FontCache::default();
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
                let png = affiche::files::encode(&poster.image, Default::default());
                let path = output.clone().unwrap_or_else(|| batch.campaign.out.join("preview.png"));
                let dir = folder_of(&path);
                let name = path.file_name().context("--output needs a file name")?;
                affiche::files::write_atomic(dir, Path::new(name), &png)?;
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
                crate::cli::watch::watched_paths(c, inputs.campaign.as_deref()),
                output.iter().cloned().chain([c.out.clone()]).collect(),
            ),
            None => (
                inputs.campaign.iter().cloned().collect(),
                output.iter().cloned().collect(),
            ),
        };
        if watching.as_ref().is_none_or(|(watched, _)| *watched != paths) {
            let watcher = crate::cli::watch::Watcher::new(&paths, &ignore)?;
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

/// The folder a file path names, `.` for a bare file name.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
