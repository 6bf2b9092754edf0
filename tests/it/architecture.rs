//! The pipeline's shape, checked: each stage of `src/` imports only the stages below it
//! (the order in `src/lib.rs`), and no two files import each other through a circle.
//! A `crate::` path in code (not in comments or a file's unit tests) is an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::root;

/// The library's stages, lowest first: the foundation, then the pipeline in order.
const STAGES: &[&str] = &[
    "error", "limits", "pixel", "png", "geometry", "fonts", "preset", // foundation
    "data", "photo", "text", "template", "compose", "raster", "pdf", "output", "review", "batch", "studio",
];

/// Every library source file (the binary's `cli/` and `main.rs` stand above them all).
fn library_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.retain(|f| !f.starts_with(src.join("cli")) && !f.ends_with("main.rs") && !f.ends_with("lib.rs"));
    files.sort();
    files
}

/// `src/template/mod.rs` → `template`, `src/raster/window.rs` → `raster::window`.
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(root().join("src")).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without its comments and its `#[cfg(test)] mod tests`.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let end = ["#[cfg(test)]\nmod tests", "#[cfg(test)]\npub(crate) mod tests"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules each module imports: the longest known module prefix of each `crate::` path.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let files = library_files();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let this = module_of(file);
        let code = code(file);
        let mut uses = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            let path: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            if let Some(target) = (1..=parts.len())
                .rev()
                .map(|n| parts[..n].join("::"))
                .find(|m| modules.contains(m))
                && target != this
            {
                uses.insert(target);
            }
        }
        graph.insert(this, uses);
    }
    graph
}

fn stage(module: &str) -> usize {
    let top = module.split("::").next().unwrap();
    STAGES.iter().position(|s| *s == top).unwrap_or_else(|| {
        panic!("src/{top}: a stage the architecture test does not know; add it to STAGES (and ARCHITECTURE.md)")
    })
}

#[test]
fn every_stage_imports_only_the_stages_below_it() {
    let graph = imports();
    assert!(graph.len() > 40, "read {} modules", graph.len());
    let upward: Vec<String> = graph
        .iter()
        .flat_map(|(m, uses)| {
            uses.iter()
                .filter(|u| stage(u) > stage(m))
                .map(move |u| format!("{m} → {u}"))
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports up the pipeline (see ARCHITECTURE.md):\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_two_modules_import_each_other_through_a_circle() {
    let graph = imports();
    // A module is in a circle when it reaches itself; report each circle's members once.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = graph[from].iter().map(String::as_str).collect();
        while let Some(m) = todo.pop() {
            if seen.insert(m.to_string()) {
                todo.extend(graph.get(m).into_iter().flatten().map(String::as_str));
            }
        }
        seen
    };
    let circles: BTreeSet<Vec<String>> = graph
        .keys()
        .filter(|m| reach(m).contains(*m))
        .map(|m| {
            let mine = reach(m);
            graph
                .keys()
                .filter(|o| mine.contains(*o) && reach(o).contains(m))
                .cloned()
                .collect()
        })
        .collect();
    assert!(circles.is_empty(), "import circles: {circles:?}");
}

/// The check can fail: a made-up upward import is caught.
#[test]
fn an_upward_import_would_be_caught() {
    assert!(stage("template::fill") < stage("raster::window"));
    assert!(stage("pixel") < stage("photo::effects"));
}
