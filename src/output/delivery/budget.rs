//! File-size budgets (`max_kb`): one for every preset, one per preset, or both,
//! as the campaign file and the command line give them.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A file-size budget in kB (1000 bytes): one for every preset, per preset,
/// or both (the command line's `--max-kb 500 --max-kb instagram-story=300`),
/// a preset's own budget winning over the one for all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "MaxKbKey")]
pub struct MaxKb {
    /// Budget of every preset not named in `presets`.
    pub all: Option<u32>,
    /// Budgets of the presets named (`template` when the campaign has none).
    pub presets: BTreeMap<String, u32>,
}

/// The two spellings of the campaign file's `max_kb` key.
#[derive(Deserialize)]
#[serde(untagged)]
enum MaxKbKey {
    /// `max_kb = 500`: every preset.
    All(u32),
    /// `[max_kb]` with `instagram-story = 500`: the presets named; others have no budget.
    PerPreset(BTreeMap<String, u32>),
}

impl From<MaxKbKey> for MaxKb {
    fn from(key: MaxKbKey) -> MaxKb {
        match key {
            MaxKbKey::All(kb) => MaxKb::all(kb),
            MaxKbKey::PerPreset(presets) => MaxKb { all: None, presets },
        }
    }
}

impl MaxKb {
    /// The same budget for every preset.
    pub fn all(kb: u32) -> MaxKb {
        MaxKb {
            all: Some(kb),
            presets: BTreeMap::new(),
        }
    }

    /// These budgets with `over`'s laid on top (the command line's over the
    /// campaign file's): for the same preset, and for all, `over` wins; a preset
    /// budgeted only here keeps its budget, even when `over` sets one for all.
    pub fn overridden_by(mut self, over: MaxKb) -> MaxKb {
        self.presets.extend(over.presets);
        self.all = over.all.or(self.all);
        self
    }

    /// Whether these budgets suit a campaign rendering `presets` (none: the
    /// template's own size, named `template`): every budget at least 1 kB, every
    /// name a preset. A budget for a preset this run leaves out (the file's, when
    /// flags pick other presets) is unused, not wrong.
    pub(crate) fn check(&self, presets: &[crate::preset::Preset]) -> Result<(), String> {
        let names: Vec<&str> = presets.iter().map(|p| p.name).collect();
        let names = if names.is_empty() { vec!["template"] } else { names };
        let known = |k: &str| names.contains(&k) || crate::preset::Preset::find(k).is_ok();
        if let Some(unknown) = self.presets.keys().find(|k| !known(k)) {
            let listed = names.join(", ");
            return Err(format!(
                "max_kb (--max-kb) names {unknown:?}, which is not a preset (see `affiche presets`); this campaign renders {listed}"
            ));
        }
        if self.all == Some(0) || self.presets.values().any(|kb| *kb == 0) {
            return Err("max_kb must be at least 1 (kB)".into());
        }
        Ok(())
    }

    /// The budget in kB for `preset`: its own, else the one for all.
    pub fn for_preset(&self, preset: &str) -> Option<u32> {
        self.presets.get(preset).copied().or(self.all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::delivery::Delivery;

    #[test]
    fn budgets_apply_to_all_presets_or_to_those_named() {
        let all = Delivery {
            max_kb: Some(MaxKb::all(500)),
            ..Default::default()
        };
        assert_eq!(all.budget_for("x-post"), Some(500_000));
        let one = Delivery {
            max_kb: Some(MaxKb {
                all: None,
                presets: [("instagram-story".to_string(), 300)].into(),
            }),
            ..Default::default()
        };
        assert_eq!(one.budget_for("instagram-story"), Some(300_000));
        assert_eq!(one.budget_for("x-post"), None);
        assert_eq!(Delivery::default().budget_for("x-post"), None);
    }

    #[test]
    fn budgets_name_presets_this_run_renders_or_knows_and_are_never_zero() {
        let story = crate::preset::Preset::find("instagram-story").unwrap();
        let named = |name: &str, kb| MaxKb {
            all: None,
            presets: [(name.to_string(), kb)].into(),
        };
        assert_eq!(named("instagram-story", 300).check(&[story]), Ok(()));
        // Another preset's budget is unused by this run, not wrong.
        assert_eq!(named("x-post", 300).check(&[story]), Ok(()));
        assert_eq!(named("template", 300).check(&[]), Ok(()));
        let e = named("instagram-stories", 300).check(&[story]).unwrap_err();
        assert!(
            e.contains("instagram-stories") && e.contains("renders instagram-story"),
            "{e}"
        );
        assert!(named("template", 300).check(&[story]).is_err());
        assert!(MaxKb::all(0).check(&[story]).unwrap_err().contains("at least 1"));
        assert!(named("instagram-story", 0).check(&[story]).is_err());
    }

    #[test]
    fn flags_override_the_file_budget_by_budget() {
        let file = MaxKb {
            all: Some(800),
            presets: [("instagram-story".to_string(), 300), ("x-post".to_string(), 400)].into(),
        };
        let flags = MaxKb {
            all: Some(500),
            presets: [("x-post".to_string(), 200), ("linkedin-post".to_string(), 250)].into(),
        };
        let merged = file.clone().overridden_by(flags);
        assert_eq!(
            merged.for_preset("x-post"),
            Some(200),
            "the flag wins for the same preset"
        );
        assert_eq!(merged.for_preset("instagram-story"), Some(300), "kept from the file");
        assert_eq!(merged.for_preset("linkedin-post"), Some(250), "added by the flag");
        assert_eq!(
            merged.for_preset("instagram-square"),
            Some(500),
            "the flag's budget for all"
        );
        let only_presets = MaxKb {
            all: None,
            presets: [("x-post".to_string(), 200)].into(),
        };
        assert_eq!(file.overridden_by(only_presets).for_preset("facebook-post"), Some(800));
    }
}
