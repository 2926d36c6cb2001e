//! The app's modules form layers whose dependencies point down (`docs/architecture.md`): this test
//! reads every file under `src/` and fails when a module names a module of a higher layer, or
//! when the graph of top-level modules has a cycle. It also holds the `monobank` crate to its
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

/// The top-level modules a source text names through `crate::` (paths and `use` groups), with
/// comments left out.
fn named_modules(text: &str) -> BTreeSet<String> {
    let code = code_of(text);
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `monobank_sandbox::…` and the like
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
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

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = import_graph();
    // Depth-first search; a back edge is a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
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
        for next in graph.get(node).into_iter().flat_map(|t| t.keys()) {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let cycle = visit(node, &graph, &mut done, &mut Vec::new());
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap().join(" → ")
        );
    }
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
