//! The layers of `ARCHITECTURE.md`, held: a file may use its own layer's folder and the layers
//! below it, never one above; no two files and no two folders depend on each other in a cycle;
//! no file in `src/` is longer than the limit a reader can hold.
//!
//! Dependencies are read from the source text: every `crate::…`, `super::…` and `self::…` path,
//! in `use` items and inline, and `use child::…` for a child module. A module's unit tests
//! (`#[cfg(test)] mod tests` at the end of a file) are left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, lowest layer first. A module may use those of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["events", "exit", "file_error", "vault"],
    &["diag", "text_file"],
    &["redact", "yaml"],
    &["vars", "numa", "connection", "report"],
    &["libvirt", "template"],
    &["model"],
    &["modules"],
    &["schedule", "reference"],
    &["engine"],
    &["cli"],
];

/// The longest a file in `src/` may be: past it, a file holds more than one concept.
const MAX_LINES: usize = 400;

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// A file's module path: `src/engine/step.rs` is `engine::step`, `src/modules/mod.rs` is
/// `modules`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> =
        relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The text of a file without its comments, string literals and unit tests.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        let line = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    // String literals can name paths in messages; drop them (escaped quotes are rare enough in
    // `use` lines not to matter, and a stray one only hides a path from this test).
    let mut out = String::with_capacity(code.len());
    let mut in_string = false;
    let mut previous = ' ';
    for c in code.chars() {
        if c == '"' && previous != '\\' && previous != '\'' {
            in_string = !in_string;
        } else if !in_string {
            out.push(c);
        }
        previous = c;
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else { return vec![tree] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.iter().filter(|p| !p.is_empty()).flat_map(|p| expand(&format!("{prefix}{p}"))).collect()
}

/// Every path the code names, as written.
fn paths_in(code: &str, children: &BTreeSet<String>) -> Vec<String> {
    let mut paths = Vec::new();
    // `use` items, braces and all.
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        paths.extend(expand(&rest[..end]));
        rest = &rest[end..];
    }
    // Inline paths, and paths through a child module (`command::Shell` in a folder's `mod.rs`).
    let anchors = ["crate::", "super::", "self::"].map(String::from);
    for anchor in anchors.iter().cloned().chain(children.iter().map(|child| format!("{child}::"))) {
        paths.extend(inline_paths(code, &anchor));
    }
    paths.retain(|p| {
        let first = p.split("::").next().unwrap_or_default();
        matches!(first, "crate" | "super" | "self") || children.contains(first)
    });
    paths
}

/// The paths in `code` that start with `anchor`, where it starts a path (not mid-word).
fn inline_paths(code: &str, anchor: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(anchor) {
        let before = rest[..at].chars().last();
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        // A path that ends in `::` opens a `use` group, read whole above.
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            && !tail[..end].ends_with("::")
        {
            paths.push(tail[..end].to_string());
        }
        rest = &tail[anchor.len()..];
    }
    paths
}

/// The module a path names, as a path from the crate's root.
fn absolute(path: &str, own: &[String]) -> Vec<String> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = match segments.first().copied() {
        Some("crate") => {
            segments.remove(0);
            Vec::new()
        }
        Some("self") => {
            segments.remove(0);
            own.to_vec()
        }
        // `super` of a file module is its folder's module; of a `mod.rs`, the parent folder's.
        Some("super") => {
            let mut base = own.to_vec();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
            base
        }
        _ => own.to_vec(),
    };
    base.extend(segments.iter().map(|s| s.to_string()));
    base
}

struct Crate {
    /// Module path → file.
    files: BTreeMap<Vec<String>, PathBuf>,
    /// File → the files it uses.
    uses: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

/// The layers that are crates of the workspace, each read as the modules the main crate
/// re-exports it as: `numarun-connection` as `connection`, `numarun-vault` as `vault`,
/// `numarun-template` as `template`, and the
/// modules of `numarun-core` (`diag`, `yaml`, …) and `numarun-cluster` (`numa`, `libvirt`)
/// under their own names. Cargo holds them apart
/// from what is above them; this test places them among the rest.
const WORKSPACE_LAYERS: &[(&str, Option<&str>)] = &[
    ("crates/numarun-connection/src", Some("connection")),
    ("crates/numarun-vault/src", Some("vault")),
    ("crates/numarun-template/src", Some("template")),
    ("crates/numarun-core/src", None),
    ("crates/numarun-cluster/src", None),
];

fn read_crate() -> Crate {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut all = Vec::new();
    rust_files(&src, &mut all);
    // The binaries are wiring: they may use anything of the library.
    all.retain(|f| !f.starts_with(src.join("bin")) && f.file_name().unwrap() != "main.rs");
    let mut files: BTreeMap<Vec<String>, PathBuf> =
        all.iter().map(|f| (module_path(&src, f), f.clone())).collect();
    // Each layer crate's files, and the name its own `crate::` stands for (a crate whose
    // modules are re-exported one by one stands at the root; its lib.rs only declares them).
    let mut mounted: BTreeMap<Vec<String>, &str> = BTreeMap::new();
    for (dir, name) in WORKSPACE_LAYERS {
        let dir = root.join(dir);
        let mut inside = Vec::new();
        rust_files(&dir, &mut inside);
        for file in inside {
            let mut module: Vec<String> = name.iter().map(|n| n.to_string()).collect();
            module.extend(module_path(&dir, &file));
            if module.is_empty() {
                continue;
            }
            if let Some(name) = name {
                mounted.insert(module.clone(), name);
            }
            files.insert(module, file);
        }
    }
    let crate_path = regex::Regex::new(r"crate::(\w+)").unwrap();
    let mut uses = BTreeMap::new();
    for (own, file) in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // In a crate read under a name, `crate::child` is `crate::name::child`; a `crate::`
        // path to anything else names what the crate imported at its root (`use
        // numarun_core::diag`), which is the main crate's module of that name too.
        let text = match mounted.get(own) {
            Some(name) => {
                let children: BTreeSet<&str> = files
                    .keys()
                    .filter(|k| k.len() == 2 && k[0] == *name)
                    .map(|k| k[1].as_str())
                    .collect();
                crate_path
                    .replace_all(&text, |c: &regex::Captures| match children.contains(&c[1]) {
                        true => format!("crate::{name}::{}", &c[1]),
                        false => c[0].to_string(),
                    })
                    .into_owned()
            }
            None => text,
        };
        let code = code_of(&text);
        let is_dir_module =
            file.file_name().unwrap() == "mod.rs" || file.file_name().unwrap() == "lib.rs";
        let children: BTreeSet<String> = files
            .keys()
            .filter(|k| is_dir_module && k.len() == own.len() + 1 && k.starts_with(own))
            .map(|k| k.last().unwrap().clone())
            .collect();
        let mut targets = BTreeSet::new();
        for path in paths_in(&code, &children) {
            let mut module = absolute(&path, own);
            // The file that holds it: the longest prefix that is a file.
            while !module.is_empty() && !files.contains_key(&module) {
                module.pop();
            }
            if module != *own && !module.is_empty() {
                targets.insert(module);
            }
        }
        uses.insert(own.clone(), targets);
    }
    Crate { files, uses }
}

/// The cycles of a graph (its strongly connected components with more than one member).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iterative enough for a crate's size.
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn name(module: &[String]) -> String {
    if module.is_empty() { "crate".into() } else { module.join("::") }
}

#[test]
fn no_file_uses_a_layer_above_its_own() {
    let krate = read_crate();
    let mut wrong = Vec::new();
    for (own, targets) in &krate.uses {
        let Some(top) = own.first() else { continue };
        let own_layer = layer_of(top).unwrap_or_else(|| {
            panic!("`{top}` is in no layer: add it to LAYERS and ARCHITECTURE.md")
        });
        for target in targets {
            let other = &target[0];
            if other == top {
                continue;
            }
            let layer = layer_of(other).unwrap_or_else(|| panic!("`{other}` is in no layer"));
            if layer >= own_layer {
                wrong.push(format!(
                    "{} uses {} (layer {layer} ≥ {own_layer})",
                    name(own),
                    name(target)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that do not point down a layer:\n{}", wrong.join("\n"));
}

#[test]
fn no_two_files_depend_on_each_other() {
    let krate = read_crate();
    let graph: BTreeMap<String, BTreeSet<String>> =
        krate.uses.iter().map(|(k, v)| (name(k), v.iter().map(|t| name(t)).collect())).collect();
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "files in a cycle:\n{}",
        found.iter().map(|c| c.join(" ↔ ")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn no_two_folders_depend_on_each_other() {
    let krate = read_crate();
    // A file's folder is its module path less the file; a mod.rs is its own folder.
    let folder = |module: &[String]| -> String {
        let file = &krate.files[module];
        let is_dir = matches!(file.file_name().unwrap().to_str(), Some("mod.rs" | "lib.rs"));
        let parts = if is_dir { module } else { &module[..module.len().saturating_sub(1)] };
        name(parts)
    };
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (own, targets) in &krate.uses {
        let from = folder(own);
        for target in targets {
            let to = folder(target);
            // A folder may use the folders inside it; a sub-folder its parent's files is the
            // cycle this test is for, unless the parent only declares it.
            if to != from && !to.starts_with(&format!("{from}::")) && from != "crate" {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "folders in a cycle:\n{}",
        found.iter().map(|c| c.join(" ↔ ")).collect::<Vec<_>>().join("\n")
    );
}

/// A file's lines of code: its unit tests (`#[cfg(test)] mod tests` at the end) are read
/// beside the code they test, not as more of it.
fn code_lines(text: &str) -> usize {
    text.lines().take_while(|line| *line != "#[cfg(test)]").count()
}

#[test]
fn no_file_is_longer_than_a_reader_can_hold() {
    let krate = read_crate();
    let long: Vec<String> = krate
        .files
        .values()
        .filter_map(|f| {
            let lines = code_lines(&std::fs::read_to_string(f).unwrap());
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines of code:\n{}", long.join("\n"));
}

#[test]
fn the_reader_finds_what_it_should() {
    assert_eq!(code_lines("use a;\nfn f() {}\n#[cfg(test)]\nmod tests {\n}\n"), 2);
    assert_eq!(code_lines("fn f() {}\n    #[cfg(test)]\n    fn g() {}\n"), 3);
    // The reader above must see what it is meant to see, or the tests that use it pass vacuously.
    let children = BTreeSet::from(["prefetch".to_string()]);
    let code = code_of(
        "use crate::a::{b, c::{d, e}};\nuse super::x::Y;\nuse prefetch::Z;\nfn f() { crate::q::r(); }\n// crate::no\n\
         fn g() { \"crate::neither\"; }\n#[cfg(test)]\nmod tests { use crate::test_only; }\n",
    );
    let paths = paths_in(&code, &children);
    for wanted in [
        "crate::a::b",
        "crate::a::c::d",
        "crate::a::c::e",
        "super::x::Y",
        "prefetch::Z",
        "crate::q::r",
    ] {
        assert!(paths.iter().any(|p| p == wanted), "{wanted} not found in {paths:?}");
    }
    for unwanted in ["crate::no", "crate::neither", "crate::test_only"] {
        assert!(!paths.iter().any(|p| p == unwanted), "{unwanted} found in {paths:?}");
    }
    // The layer crates are read as their modules, their `crate::` as their own.
    let krate = read_crate();
    let keeper = ["connection", "ssh", "keeper", "client"].map(String::from).to_vec();
    assert!(krate.files.contains_key(&keeper), "the connection crate's files are read");
    let client_uses = &krate.uses[&keeper];
    let frames = ["connection", "ssh", "keeper"].map(String::from).to_vec();
    assert!(client_uses.contains(&frames), "{client_uses:?}");
    let yaml_load = ["yaml", "load"].map(String::from).to_vec();
    assert!(krate.files.contains_key(&yaml_load), "the core crate's files are read");
    let scope = ["template", "scope"].map(String::from).to_vec();
    assert!(krate.uses[&scope].contains(&vec!["vars".to_string()]), "{:?}", krate.uses[&scope]);
    let pins = ["libvirt", "pins"].map(String::from).to_vec();
    assert!(krate.uses[&pins].contains(&vec!["numa".to_string()]), "the cluster crate's uses");
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(cycles(&graph), vec![vec!["a".to_string(), "b".to_string()]]);
    let krate = read_crate();
    let uses = |from: &[&str], to: &[&str]| {
        krate.uses[&from.iter().map(|s| s.to_string()).collect::<Vec<_>>()]
            .contains(&to.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    };
    assert!(uses(&["engine", "step"], &["events"]));
    assert!(uses(&["engine", "step"], &["engine", "attempt"]));
}

/// A check sees the hypervisor only through `modules/cluster/hypervisor.rs`, which hands a
/// `HostReader` a read-only view and only a `HostWriter` the connection that changes it: no
/// other module opens libvirt itself.
#[test]
fn only_the_hypervisor_file_opens_libvirt_for_a_module() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/modules");
    let mut opened = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("cluster/hypervisor.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("Hypervisor::connect") || text.contains("Connect::open") {
                    opened.push(path.display().to_string());
                }
            }
        }
    }
    assert!(opened.is_empty(), "modules that open libvirt themselves: {opened:?}");
}

/// Errors inside are typed: a `String` for an error says nothing a caller can match on, and
/// loses the source. (`Diag` at the edge carries the words.)
#[test]
fn no_error_is_a_bare_string() {
    let krate = read_crate();
    let pattern = regex::Regex::new(r"Result<[^;{]*,\s*(String|&'static str)>").unwrap();
    let found: Vec<String> = krate
        .files
        .values()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.lines().take(code_lines(&text)).collect::<Vec<_>>().join("\n");
            pattern
                .find_iter(&code)
                .map(|m| format!("{}: {}", f.display(), m.as_str()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(found.is_empty(), "errors as bare strings:\n{}", found.join("\n"));
}
