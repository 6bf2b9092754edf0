//! Arbitrary strings through output naming: slugs, name patterns and collision
//! numbering. A name can never leave the output folder or collide.
#![no_main]

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, PathBuf};

use affiche::files as output;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let pattern = parts.next().unwrap_or_default();
    let values: Vec<&str> = parts.collect();

    for v in values.iter().chain([&pattern]) {
        let s = output::slug(v);
        assert!(!s.is_empty() && s.len() <= 80, "{s:?}");
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{s:?}"
        );
        assert!(!s.starts_with('-') && !s.ends_with('-'), "{s:?}");
    }

    let mut names = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let vars: BTreeMap<String, String> = [
            ("slug", *v),
            ("name", *v),
            ("preset", "x-post"),
            ("ext", "png"),
            ("row", &i.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for p in [pattern, "{slug}-{preset}.{ext}", "{preset}/{name}.{ext}"] {
            if let Ok(name) = output::file_name(p, &vars) {
                assert!(name.components().all(|c| matches!(c, Component::Normal(_))), "{name:?}");
                // Every file system takes these; past them a write fails mid-batch.
                assert!(
                    name.components().all(|c| c.as_os_str().len() <= 255),
                    "a component over 255 bytes: {name:?}"
                );
                assert!(
                    !name.as_os_str().as_encoded_bytes().contains(&0),
                    "a NUL byte: {name:?}"
                );
                names.push(name);
            }
        }
    }
    let before = names.clone();
    let renamed = output::disambiguate(&mut names);
    let unique: HashSet<&PathBuf> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    for (i, (a, b)) in before.iter().zip(&names).enumerate() {
        assert_eq!(a != b, renamed.contains(&i));
        assert_eq!(a.parent(), b.parent(), "renaming stays in the same folder");
    }
});
