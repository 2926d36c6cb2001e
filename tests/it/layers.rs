//! The app's modules form layers whose dependencies point down (`docs/architecture.md`): this test
//! reads every file under `src/` and fails when a module names a module of a higher layer, or
//! when the modules of any level (the top-level ones, or the files of one directory) import each other in a circle. It also holds the `monobank` crate to its
//! promise of knowing nothing of web frameworks or databases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer, 1 = top. The same table is in
/// `docs/architecture.md`; a new module must be placed here before it can be used.
const LAYERS: &[(&str, u8)] = &[
    ("main", 1),
    ("cli", 1),
    ("startup", 2),
    ("api", 3),
    ("web", 3),
    ("hooks", 3),
    ("security_headers", 3),
    ("compression", 3),
    ("body_deadline", 3),
    ("prometheus", 3),
    ("request_id", 3),
    ("etag", 3),
    ("http", 4),
    ("services", 5),
    ("upstream", 6),
    ("auth", 6),
    ("db", 7),
    // db's macro, exported at the crate root.
    ("per_backend", 7),
    ("crypto", 7),
    ("cache", 7),
    ("domain", 8),
    ("config", 8),
    ("telemetry", 8),
    ("i18n", 8),
];

/// The lowest layer that speaks HTTP: below it, no module names the web framework, the
/// templates or a status code.
const HTTP_LAYER: u8 = 4;

/// What only the HTTP layers may name.
const HTTP_WORDS: &[&str] = &[
    "actix_web",
    "actix_session",
    "actix_identity",
    "actix_rt",
    "tracing_actix_web",
    "askama",
    "StatusCode",
    "HttpRequest",
    "HttpResponse",
    "AppError",
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/api/mono.rs` → `api`, `src/lib.rs` → none).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first
        .as_os_str()
        .to_str()?
        .trim_end_matches(".rs")
        .to_owned();
    (name != "lib").then_some(name)
}

/// A source text without its comments.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The words of [`HTTP_WORDS`] a source text names outside its comments.
fn http_words(text: &str) -> Vec<&'static str> {
    let code = code_of(text);
    HTTP_WORDS
        .iter()
        .copied()
        .filter(|word| {
            code.match_indices(word).any(|(i, _)| {
                let before = code[..i].chars().last();
                let after = code[i + word.len()..].chars().next();
                let part_of_word =
                    |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !part_of_word(before) && !part_of_word(after)
            })
        })
        .collect()
}

/// The top-level modules a source text names through `crate::` (paths and `use` groups, read by
/// [`use_tree`]), with comments left out.
fn named_modules(text: &str) -> BTreeSet<String> {
    let code = code_of(text);
    let mut names = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `monobank_sandbox::…` and the like
        }
        let rest = &code[i + "crate::".len()..];
        names.extend(
            use_tree(rest)
                .into_iter()
                .filter_map(|path| path.into_iter().next()),
        );
    }
    names
}

/// module → the modules it names, over the whole of `src/`.
fn import_graph() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        for named in named_modules(&text) {
            if named != module {
                graph
                    .entry(module.clone())
                    .or_default()
                    .entry(named)
                    .or_default()
                    .push(shown.clone());
            }
        }
    }
    graph
}

#[test]
fn no_module_imports_a_module_of_a_higher_layer() {
    let mut wrong = Vec::new();
    for (module, targets) in import_graph() {
        let from = layer(&module)
            .unwrap_or_else(|| panic!("src/{module} is in no layer: add it to LAYERS"));
        for (target, files) in targets {
            let to = layer(&target)
                .unwrap_or_else(|| panic!("crate::{target} is in no layer: add it to LAYERS"));
            if to < from {
                wrong.push(format!(
                    "{module} (layer {from}) imports {target} (layer {to}) in {}",
                    files.join(", ")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn nothing_below_the_http_layer_names_the_web_framework_templates_or_a_status_code() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let at = layer(&module).unwrap_or_else(|| panic!("src/{module} is in no layer"));
        if at <= HTTP_LAYER {
            continue;
        }
        let words = http_words(&std::fs::read_to_string(&file).unwrap());
        if !words.is_empty() {
            let shown = file.strip_prefix(&root).unwrap().display();
            wrong.push(format!("{shown} (layer {at}) names {}", words.join(", ")));
        }
    }
    assert!(
        wrong.is_empty(),
        "HTTP below the HTTP layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_views_and_middleware_of_layer_3_are_siblings_that_share_only_the_http_layer() {
    let mut wrong = Vec::new();
    for (module, targets) in import_graph() {
        if layer(&module) != Some(3) {
            continue;
        }
        for (target, files) in targets {
            if layer(&target) == Some(3) {
                wrong.push(format!("{module} imports {target} in {}", files.join(", ")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "siblings importing each other:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_http_word_check_sees_paths_and_skips_comments_and_longer_names() {
    assert_eq!(
        http_words("use actix_web::HttpRequest;\n// askama\nlet s = StatusCode::OK;"),
        ["actix_web", "StatusCode", "HttpRequest"]
    );
    assert!(http_words("let my_actix_web_x = 1; // StatusCode").is_empty());
    assert!(http_words("struct AppErrorish; fn x() -> MyStatusCode {}").is_empty());
}

/// A module path inside the crate (`["services", "history"]`; empty for the crate root).
type ModulePath = Vec<String>;

/// Every module of `src/` that is a file, by its path: `src/services/history.rs` is
/// `services::history`, `src/services/mod.rs` is `services`. The binary's `main.rs` is left out
/// (its `crate::` is another crate).
fn file_modules() -> BTreeMap<ModulePath, PathBuf> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let mut path: ModulePath = relative
            .components()
            .map(|c| c.as_os_str().to_str().unwrap().to_owned())
            .collect();
        if path == ["main"] {
            continue;
        }
        if path.last().is_some_and(|l| l == "mod" || l == "lib") {
            path.pop();
        }
        modules.insert(path, file);
    }
    modules
}

/// The code of a file without its comments and without its test module (whose `super` is the
/// file itself).
fn code_without_tests(text: &str) -> String {
    let code = code_of(text);
    let cut = code.find("#[cfg(test)]\nmod ").unwrap_or(code.len());
    code[..cut].to_owned()
}

/// The paths a use-tree or path names, from `rest` on (just after `crate::`, `super::` or
/// `self::`): `db::{self, x::y}` → `db`, `db::x::y`.
fn use_tree(rest: &str) -> Vec<ModulePath> {
    fn tree(chars: &[char], at: &mut usize, prefix: &ModulePath, out: &mut Vec<ModulePath>) {
        let mut path = prefix.clone();
        loop {
            while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
                *at += 1;
            }
            if chars.get(*at) == Some(&'{') {
                *at += 1;
                loop {
                    tree(chars, at, &path, out);
                    while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
                        *at += 1;
                    }
                    match chars.get(*at) {
                        Some(',') => *at += 1,
                        Some('}') => {
                            *at += 1;
                            return;
                        }
                        _ => return,
                    }
                    while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
                        *at += 1;
                    }
                    if chars.get(*at) == Some(&'}') {
                        *at += 1;
                        return;
                    }
                }
            }
            let start = *at;
            while chars
                .get(*at)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                *at += 1;
            }
            let word: String = chars[start..*at].iter().collect();
            if !word.is_empty() && word != "self" {
                path.push(word);
            }
            if chars.get(*at) == Some(&':') && chars.get(*at + 1) == Some(&':') {
                *at += 2;
            } else {
                out.push(path);
                return;
            }
        }
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut out = Vec::new();
    tree(&chars, &mut 0, &Vec::new(), &mut out);
    out
}

/// The file modules `module`'s code names through `crate::`, `super::` and `self::` paths.
fn named_file_modules(
    module: &[String],
    code: &str,
    modules: &BTreeMap<ModulePath, PathBuf>,
) -> BTreeSet<ModulePath> {
    let mut named = BTreeSet::new();
    for start in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(start) {
            let before = code[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue; // `monobank_sandbox::…`, or the second `super::` of a chain
            }
            let mut base: ModulePath = match start {
                "crate::" => Vec::new(),
                "self::" => module.to_vec(),
                _ => module[..module.len().saturating_sub(1)].to_vec(),
            };
            let mut rest = &code[i + start.len()..];
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            for tail in use_tree(rest) {
                let mut path = base.clone();
                path.extend(tail);
                // The longest prefix that is a file module: `services::history::statement` →
                // `services::history`.
                while !path.is_empty() && !modules.contains_key(&path) {
                    path.pop();
                }
                named.insert(path);
            }
        }
    }
    named
}

/// For each module, the import graph among its children: `services` → {`history` → `mono`, …}.
/// An import from `a::b::c` of `a::d::e` is the edge `b` → `d` among the children of `a`.
/// Imports between a module and its own ancestors are not edges: a directory's `mod.rs` declares
/// its files and holds what they share, and may name them (a facade, such as `web::routes`).
/// So what every service holds (`services::Context`) should name only a module that imports no
/// other service (today `worker`, the sync's handle): a rule for review, not for this test.
fn sibling_graphs() -> BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> {
    let modules = file_modules();
    let mut graphs: BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (module, file) in &modules {
        let code = code_without_tests(&std::fs::read_to_string(file).unwrap());
        for target in named_file_modules(module, &code, &modules) {
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue;
            }
            graphs
                .entry(module[..common].to_vec())
                .or_default()
                .entry(module[common].clone())
                .or_default()
                .insert(target[common].clone());
        }
    }
    graphs
}

/// A cycle of `graph`, if it has one (depth-first search; a back edge closes a cycle).
fn cycle_of(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_import_circle_among_the_modules_of_any_level() {
    let mut circles = Vec::new();
    for (parent, graph) in sibling_graphs() {
        if let Some(cycle) = cycle_of(&graph) {
            let within = if parent.is_empty() {
                "crate".to_owned()
            } else {
                parent.join("::")
            };
            circles.push(format!("in {within}: {}", cycle.join(" → ")));
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_circle_check_reads_use_trees_super_and_self() {
    assert_eq!(
        use_tree("db::{self, x::{y, z}}, w;"),
        [
            vec!["db".to_owned()],
            vec!["db".into(), "x".into(), "y".into()],
            vec!["db".into(), "x".into(), "z".into()],
        ]
    );
    let modules: BTreeMap<ModulePath, PathBuf> = [
        vec![],
        vec!["services".to_owned()],
        vec!["services".into(), "history".into()],
        vec!["services".into(), "sync".into()],
        vec!["db".into()],
    ]
    .into_iter()
    .map(|m| (m, PathBuf::new()))
    .collect();
    let here = ["services".to_owned(), "history".to_owned()];
    let named = named_file_modules(
        &here,
        "use super::sync::x; use super::super::db::y; let a = crate::services::Context; self::f();",
        &modules,
    );
    let expected: BTreeSet<ModulePath> = [
        vec!["services".to_owned(), "sync".into()],
        vec!["db".into()],
        vec!["services".into()],
        here.to_vec(),
    ]
    .into_iter()
    .collect();
    assert_eq!(named, expected);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycle_of(&graph).unwrap(), ["a", "b", "a"]);
}

#[test]
fn the_checker_sees_paths_groups_and_skips_comments() {
    let names = named_modules(
        "use crate::db::{self, x};\nuse crate::{api, web::y};\n// crate::startup\nlet a = crate::services::f();\nmonobank_sandbox::crate::no;",
    );
    let expected: BTreeSet<String> = ["db", "api", "web", "services"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn the_monobank_crate_depends_on_no_web_framework_or_database() {
    let manifest = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/monobank/Cargo.toml"),
    )
    .unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let deps = manifest["dependencies"].as_table().unwrap();
    for name in deps.keys() {
        assert!(
            !["actix", "diesel", "axum", "sqlx", "monoweb", "r2d2", "askama"]
                .iter()
                .any(|banned| name.starts_with(banned)),
            "the monobank crate depends on {name}"
        );
    }
}
