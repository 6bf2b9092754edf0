//! `affiche init`: a new campaign folder that renders as it is, built from
//! files embedded in the binary (the hero template, its fonts, an example
//! photo), so an installed `affiche` needs no repository checkout.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::output::write_atomic;
use crate::template::{FieldKind, Template};

/// Where the built-in template goes, relative to the campaign folder.
const TEMPLATE_DIR: &str = "templates/hero";

macro_rules! embed {
    ($($to:literal <= $from:literal),* $(,)?) => {
        &[$(($to, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $from)) as &[u8])),*]
    };
}

/// Files copied as they are: (path in the new folder, bytes).
const FILES: &[(&str, &[u8])] = embed![
    "templates/hero/template.toml" <= "templates/hero/template.toml",
    "templates/hero/square.svg" <= "templates/hero/square.svg",
    "templates/hero/portrait.svg" <= "templates/hero/portrait.svg",
    "templates/hero/story.svg" <= "templates/hero/story.svg",
    "templates/hero/landscape.svg" <= "templates/hero/landscape.svg",
    "templates/hero/wide.svg" <= "templates/hero/wide.svg",
    "templates/hero/print.svg" <= "templates/hero/print.svg",
    "templates/hero/placeholder.png" <= "templates/hero/placeholder.png",
    // A template's own `fonts/` folder is searched with the campaign's fonts.
    "templates/hero/fonts/Bangers_400Regular.ttf" <= "fonts/bangers/Bangers_400Regular.ttf",
    "templates/hero/fonts/Bangers-LICENSE.txt" <= "fonts/bangers/LICENSE_FONT.txt",
    "templates/hero/fonts/RobotoCondensed_700Bold.ttf" <= "fonts/roboto-condensed/RobotoCondensed_700Bold.ttf",
    "templates/hero/fonts/RobotoCondensed_900Black.ttf" <= "fonts/roboto-condensed/RobotoCondensed_900Black.ttf",
    "templates/hero/fonts/RobotoCondensed-LICENSE.txt" <= "fonts/roboto-condensed/LICENSE_FONT.txt",
    // scikit-image's `camera.png`, CC0 (samples/photos/CREDITS.md).
    "photos/example.png" <= "samples/photos/photographer-gray.png",
];

const CAMPAIGN: &str = r#"# Made by `affiche init`. Put one row per candidate in data.csv and their photos in photos/, then:
#   affiche check campaign.toml      # every problem, nothing rendered
#   affiche render campaign.toml     # posters into out/, with out/report.json
template = "templates/hero"
data = "data.csv"                    # or an .xlsx / .ods file (sheet = "…" to pick a sheet)
photos = "photos"
out = "out"
fonts = ["templates/hero/fonts"]
presets = ["instagram-square", "instagram-portrait", "instagram-story"]   # affiche presets lists them all
name = "{slug}-{preset}.{ext}"
format = "png"                       # png, jpg, webp (lossy) or webp-lossless
# max_kb = 500                       # size budget per file (jpg/webp quality lowered to fit)
# alt = "Portrait de {name}, candidat·e dans {constituency}"   # alt text beside each image
# credit = "Photo : Studio X"        # the only metadata kept in the files

[fields]                             # a field of the template = a pattern over your columns
# name = "{prenom} {nom}"            # e.g. when the sheet has separate first and last names
"#;

/// Writes a new campaign into `dir`, which must be missing or empty: the
/// built-in template with its fonts, `campaign.toml`, a `data.csv` whose header
/// names every field of the template (with one example row), an example photo
/// and a README. Returns the files written, relative to `dir`.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>> {
    let in_use = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io(dir, e)),
    };
    if in_use {
        let fix = "give `affiche init` a new folder name (e.g. affiche init my-campaign)";
        return Err(Error::Campaign {
            path: dir.into(),
            message: format!("the folder is not empty; {fix}"),
        });
    }
    let mut written = Vec::new();
    for (name, bytes) in FILES {
        write_atomic(dir, Path::new(name), bytes)?;
        written.push(PathBuf::from(name));
    }
    // The header comes from the template itself, as `affiche fields` lists it.
    let template_dir = dir.join(TEMPLATE_DIR);
    let fonts = Fonts::from_dir(template_dir.join("fonts"))?;
    let template = Template::load(&template_dir, &fonts)?;
    let fields = template.fields();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let example: Vec<&str> = fields
        .iter()
        .map(|f| match (f.kind, f.name.as_str()) {
            (FieldKind::Photo, _) => "example.png",
            (_, "name") => "Camille EXEMPLE",
            (_, "constituency") => "Exempleville (1re circonscription)",
            (FieldKind::Text, _) => "À remplir",
            _ => "", // placeholders keep the template's default
        })
        .collect();
    let too_long = |e: csv::Error| Error::io(dir.join("data.csv"), std::io::Error::other(e));
    csv.write_record(&header).map_err(too_long)?;
    csv.write_record(&example).map_err(too_long)?;
    let csv = csv.into_inner().expect("writing to memory");
    let columns: Vec<String> = fields.iter().map(|f| format!("`{}` ({})", f.name, f.kind)).collect();
    let readme = format!(
        "# Campaign\n\nOne row per candidate in `data.csv`, columns {}; placeholders may stay empty. \
         Photos go in `photos/`. Then `affiche check campaign.toml` and `affiche render campaign.toml`. \
         The template is in `templates/hero/` (`affiche fields templates/hero --fonts templates/hero/fonts` lists its fields). \
         `photos/example.png` is scikit-image's `camera.png` (CC0); the fonts are OFL-1.1.\n",
        columns.join(", ")
    );
    for (name, bytes) in [
        ("data.csv", csv.as_slice()),
        ("campaign.toml", CAMPAIGN.as_bytes()),
        ("README.md", readme.as_bytes()),
    ] {
        write_atomic(dir, Path::new(name), bytes)?;
        written.push(PathBuf::from(name));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaffolds_a_campaign_and_refuses_a_folder_in_use() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("new");
        let files = init(&dir).unwrap();
        assert!(files.contains(&PathBuf::from("campaign.toml")));
        let data = std::fs::read_to_string(dir.join("data.csv")).unwrap();
        assert_eq!(data.lines().next(), Some("name,constituency,photo,accent,slogan"));
        let campaign = crate::CampaignFile::load(&dir.join("campaign.toml")).unwrap();
        assert_eq!(campaign.data, Some(dir.join("data.csv")));
        let again = init(&dir).unwrap_err().to_string();
        assert!(again.contains("not empty") && again.contains("new folder"), "{again}");
    }
}
