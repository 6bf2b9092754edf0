//! End-to-end tests of the designer and social-team workflow: spreadsheets as
//! data, `init`, shell completions, help examples, size budgets, alt text and
//! metadata. Each test runs the built binary with the repository root as working
//! directory and writes only into temporary folders.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs `affiche ARGS` in `dir`.
fn affiche_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_affiche"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the affiche binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn affiche(args: &[&str]) -> Run {
    affiche_in(root(), args)
}

fn s(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn report(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("report is JSON")
}

/// Flags rendering the sample photos with the hero template from `data`.
fn sample_flags<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "--template",
        "templates/hero",
        "--data",
        data,
        "--photos",
        "samples/photos",
        "--out",
        out,
        "--field",
        "name={prenom} {nom}",
        "--field",
        "constituency={circonscription}",
    ]
}

#[test]
fn renders_from_a_spreadsheet_sheet_chosen_by_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for file in ["tests/fixtures/candidates.xlsx", "tests/fixtures/candidates.ods"] {
        let mut args = vec!["render"];
        args.extend(sample_flags(file, s(&out)));
        args.extend([
            "--preset",
            "instagram-square",
            "--name",
            "{row}-{prenom}.{ext}",
            "--force",
        ]);
        affiche(&args).expect(0);
        let r = report(&out);
        let outputs: Vec<&str> = r["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["output"].as_str().unwrap())
            .collect();
        assert_eq!(outputs, ["1-helene.png", "2-jean-baptiste.png", "4-zoe.png"], "{file}");
        assert!(out.join("4-zoe.png").is_file());

        args.extend(["--sheet", "Titulaires"]);
        let run = affiche(&args).expect(2);
        assert!(run.stderr.contains("\"Candidats\", \"Brouillon\""), "{}", run.stderr);
    }
}

#[test]
fn init_makes_a_campaign_that_checks_clean_away_from_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campagne");
    let run = affiche_in(tmp.path(), &["init", "campagne"]).expect(0);
    assert!(run.stdout.contains("affiche render campaign.toml"), "{}", run.stdout);
    let header = std::fs::read_to_string(dir.join("data.csv")).unwrap();
    assert_eq!(header.lines().next(), Some("name,constituency,photo,accent,slogan"));
    // Run inside the new folder: nothing from the repository (fonts, templates) is at hand.
    let run = affiche_in(&dir, &["check", "campaign.toml", "--time-budget", "0"]).expect(0);
    assert!(
        run.stderr.contains("1 rows checked") && run.stderr.contains("0 problem"),
        "{}",
        run.stderr
    );
    let run = affiche_in(tmp.path(), &["init", "campagne"]).expect(2);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);
}

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = affiche(&["completions", shell]).expect(0);
        for command in [
            "render",
            "check",
            "init",
            "presets",
            "templates",
            "fields",
            "completions",
        ] {
            assert!(run.stdout.contains(command), "{shell} completions lack {command}");
        }
    }
    assert!(
        affiche(&["completions", "cmd.exe"])
            .expect(2)
            .stderr
            .contains("possible values")
    );
}

#[test]
fn every_command_help_shows_an_example() {
    for command in [
        "render",
        "check",
        "init",
        "completions",
        "presets",
        "templates",
        "fields",
    ] {
        let run = affiche(&["help", command]).expect(0);
        assert!(
            run.stdout.contains("Example"),
            "`affiche help {command}` has no example:\n{}",
            run.stdout
        );
        assert!(run.stdout.contains(&format!("affiche {command}")), "{command}");
    }
}
