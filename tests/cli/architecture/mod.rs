//! The layers of `src/`, written once and checked against every `crate::` path of every
//! file: a module imports only modules below it, `domain/` and `webhook/` do no I/O, the
//! admin API's vocabulary depends on `domain/` only, and no modules of one parent import
//! each other in a circle. The README's "Design notes: layers" states the same rules.

mod circles;
mod scan;
mod tokens;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use circles::{circles_of, Edges};
use scan::{module_of, named_paths, rust_files, Named};

/// The top-level modules of the library, from the top down. A module may import a module on
/// a lower line, never one on its own line or above.
const LAYERS: &[&[&str]] = &[
    // What each subcommand does: the top, which nothing imports.
    &["commands"],
    // The command line's arguments (clap), which the commands read.
    &["cli"],
    // The composition root: builds the application and its background tasks.
    &["startup"],
    // HTTP only: the route table, handlers, status codes.
    &["routes"],
    // Sources of truth read to make the mirror equal to them.
    &["reconcile"],
    // The one apply path; the HTTP client of auth-mirror's own admin API.
    &["processing", "client"],
    // Every SQL statement; the validated configuration; the admin API's vocabulary.
    &["store", "config", "admin"],
    // What everything above speaks, and the plumbing with no opinion of its own.
    &[
        "domain",
        "webhook",
        "embedded_db",
        "metrics",
        "shutdown",
        "throttle",
        "telemetry",
    ],
];

/// Modules that may import only the modules named, though their layer allows more.
const ONLY: &[(&str, &[&str])] = &[("admin", &["domain"])];

/// Pure modules: no I/O, so none of these paths.
const PURE: &[&str] = &["domain", "webhook"];
const IMPURE_PATHS: &[&str] = &[
    "sqlx",
    "actix_web",
    "actix_http",
    "actix_rt",
    "actix_service",
    "tokio",
    "reqwest",
    "hyper",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
];

/// One file's paths, named by its file.
struct Source {
    file: String,
    named: Vec<Named>,
}

fn read_sources() -> (Vec<Source>, BTreeSet<Vec<String>>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    let mut modules = BTreeSet::new();
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).expect("under src/");
        // The binary is its own crate, above the library.
        if relative == Path::new("main.rs") {
            continue;
        }
        let module = module_of(relative);
        let text = std::fs::read_to_string(&path).expect("readable source");
        let (named, inline) = named_paths(&text, &module);
        for depth in 1..=module.len() {
            modules.insert(module[..depth].to_vec());
        }
        modules.extend(inline);
        sources.push(Source {
            file: format!("src/{}", relative.display()),
            named,
        });
    }
    (sources, modules)
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn every_import_points_down_the_layers() {
    let (sources, _) = read_sources();
    let mut broken = Vec::new();
    for source in &sources {
        for named in source.named.iter().filter(|n| n.absolute) {
            let (Some(from), Some(to)) = (named.from.first(), named.path.first()) else {
                continue;
            };
            if from == to {
                continue;
            }
            let at = format!(
                "{}:{}: `crate::{}`",
                source.file,
                named.line,
                named.path.join("::")
            );
            match (layer_of(from), layer_of(to)) {
                (None, _) => broken.push(format!("{at}: `{from}` is on no layer of LAYERS")),
                (_, None) => broken.push(format!("{at}: `{to}` is on no layer of LAYERS")),
                (Some(f), Some(t)) if t <= f => broken.push(format!(
                    "{at}: `{from}` may not import `{to}`, which is {} it",
                    if t == f { "beside" } else { "above" }
                )),
                _ => {}
            }
            if let Some((_, allowed)) = ONLY.iter().find(|(module, _)| module == from) {
                if !allowed.contains(&to.as_str()) {
                    broken.push(format!("{at}: `{from}` may import only {allowed:?}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the layers:\n{}",
        broken.join("\n")
    );
}

#[test]
fn pure_modules_do_no_io() {
    let (sources, _) = read_sources();
    let mut broken = Vec::new();
    for source in &sources {
        for named in &source.named {
            let pure = named
                .from
                .first()
                .is_some_and(|m| PURE.contains(&m.as_str()));
            let written = named.path.join("::");
            let impure = IMPURE_PATHS
                .iter()
                .find(|path| written == **path || written.starts_with(&format!("{path}::")));
            if let (true, false, Some(path)) = (pure, named.absolute, impure) {
                broken.push(format!(
                    "{}:{}: `{written}`: {path} in a pure module",
                    source.file, named.line
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "I/O in pure modules:\n{}",
        broken.join("\n")
    );
}

#[test]
fn no_modules_of_one_parent_import_each_other_in_a_circle() {
    let (sources, modules) = read_sources();
    let mut by_parent: BTreeMap<Vec<String>, Edges> = BTreeMap::new();
    for source in &sources {
        for named in source.named.iter().filter(|n| n.absolute) {
            let common = named
                .from
                .iter()
                .zip(&named.path)
                .take_while(|(a, b)| a == b)
                .count();
            let (Some(from), Some(to)) = (named.from.get(common), named.path.get(common)) else {
                continue;
            };
            let parent = named.from[..common].to_vec();
            let target: Vec<String> = parent.iter().chain([to]).cloned().collect();
            // An item of the parent (or one it re-exports) is no edge between children.
            if !modules.contains(&target) {
                continue;
            }
            by_parent
                .entry(parent)
                .or_default()
                .entry((from.clone(), to.clone()))
                .or_default()
                .insert(format!("{}:{}", source.file, named.line));
        }
    }
    let mut circles = Vec::new();
    for (parent, edges) in &by_parent {
        for circle in circles_of(edges) {
            let inside = |name: &String| circle.contains(name);
            let ties: Vec<String> = edges
                .iter()
                .filter(|((a, b), _)| inside(a) && inside(b))
                .map(|((a, b), at)| {
                    let at: Vec<&str> = at.iter().map(String::as_str).collect();
                    format!("  {a} -> {b}: {}", at.join(", "))
                })
                .collect();
            let place = if parent.is_empty() {
                "crate".to_owned()
            } else {
                parent.join("::")
            };
            circles.push(format!("in {place}: {circle:?}\n{}", ties.join("\n")));
        }
    }
    assert!(
        circles.is_empty(),
        "modules in a circle:\n{}",
        circles.join("\n")
    );
}
