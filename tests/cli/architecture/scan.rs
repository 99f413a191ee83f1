//! Reading the module paths a source file names: its `use` trees and every `crate::`,
//! `super::` or `self::` path in its code, each with its line. Comments, strings and
//! character literals are skipped, so a path quoted in a doc comment is not an import.
//! Read as text, as `rustc` would tokenize it: a path built by a macro is not seen.

use std::path::{Path, PathBuf};

use super::tokens::tokenize;

/// One path named by a file, resolved from the crate root where it starts with `crate`,
/// `super` or `self` (`absolute`), as written otherwise (`external`: `sqlx::FromRow`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub line: usize,
    /// The module the path is named in (an inline `mod tests` included).
    pub from: Vec<String>,
    pub path: Vec<String>,
    pub absolute: bool,
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable source folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The module a file under `src/` declares: `a/b.rs` and `a/b/mod.rs` are `a::b`.
pub fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The paths `source` (the text of the file of module `module`) names, and the inline
/// modules it declares.
pub fn named_paths(source: &str, module: &[String]) -> (Vec<Named>, Vec<Vec<String>>) {
    let tokens = tokenize(source);
    let mut named = Vec::new();
    let mut inline_modules = Vec::new();
    // Inline modules open around here: (name, brace depth outside it).
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let current: Vec<String> = module
            .iter()
            .cloned()
            .chain(open.iter().map(|(name, _)| name.clone()))
            .collect();
        let (text, line) = (tokens[i].0.as_str(), tokens[i].1);
        let after_separator = i > 0 && matches!(tokens[i - 1].0.as_str(), "::" | "$" | "in");
        match text {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if open.last().is_some_and(|(_, outside)| *outside == depth) {
                    open.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t.0 == "{") => {
                let name = tokens[i + 1].0.clone();
                open.push((name.clone(), depth));
                inline_modules.push(current.iter().cloned().chain([name]).collect());
            }
            "use" => {
                let mut trees = Vec::new();
                i = use_tree(&tokens, i + 1, Vec::new(), &mut trees);
                for path in trees {
                    named.push(resolve(path, &current, line));
                }
                while i < tokens.len() && tokens[i].0 != ";" {
                    i += 1;
                }
                continue;
            }
            _ if !after_separator && is_ident(text) && next_is(&tokens, i, "::") => {
                let mut path = vec![text.to_owned()];
                let mut j = i + 1;
                while next_is(&tokens, j - 1, "::")
                    && tokens.get(j + 1).is_some_and(|t| is_ident(&t.0))
                {
                    path.push(tokens[j + 1].0.clone());
                    j += 2;
                }
                named.push(resolve(path, &current, line));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (named, inline_modules)
}

fn next_is(tokens: &[(String, usize)], i: usize, text: &str) -> bool {
    tokens.get(i + 1).is_some_and(|t| t.0 == text)
}

fn is_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// Reads one use tree from `i`, pushing each full path it names; returns where it ends.
fn use_tree(
    tokens: &[(String, usize)],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    while let Some((text, _)) = tokens.get(i) {
        match text.as_str() {
            "{" => {
                i += 1;
                while tokens.get(i).is_some_and(|t| t.0 != "}") {
                    i = use_tree(tokens, i, prefix.clone(), out);
                    if tokens.get(i).is_some_and(|t| t.0 == ",") {
                        i += 1;
                    }
                }
                return i + 1;
            }
            "*" => {
                out.push(prefix);
                return i + 1;
            }
            "::" => i += 1,
            _ if is_ident(text) => {
                if text != "self" || prefix.is_empty() {
                    prefix.push(text.clone());
                }
                i += 1;
                if !tokens.get(i).is_some_and(|t| t.0 == "::") {
                    if tokens.get(i).is_some_and(|t| t.0 == "as") {
                        i += 2;
                    }
                    out.push(prefix);
                    return i;
                }
            }
            _ => return i,
        }
    }
    i
}

/// `crate::`, `super::` and `self::` from the crate root; anything else as written.
fn resolve(path: Vec<String>, current: &[String], line: usize) -> Named {
    let mut base = current.to_vec();
    let mut rest = path.as_slice();
    let absolute = match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
            true
        }
        Some("self") => {
            rest = &rest[1..];
            true
        }
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            true
        }
        _ => false,
    };
    let path = if absolute {
        base.into_iter().chain(rest.iter().cloned()).collect()
    } else {
        path
    };
    Named {
        line,
        from: current.to_vec(),
        path,
        absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(source: &str) -> Vec<(usize, String)> {
        let module = vec!["a".to_owned(), "b".to_owned()];
        named_paths(source, &module)
            .0
            .into_iter()
            .filter(|named| named.absolute)
            .map(|named| (named.line, named.path.join("::")))
            .collect()
    }

    #[test]
    fn use_trees_comments_strings_and_inline_modules_are_read_as_rustc_reads_them() {
        let source = r##"//! See `crate::quoted::in_a_comment`.
use crate::x::{self, y::{Z, W as V}, *};
use super::sibling::Thing;
/* crate::block::comment */ const S: &str = "crate::in_a_string"; const R: &str = r#"crate::raw"#;
fn f<'a>(c: char) { let _ = crate::expr::call(); let _ = 'x'; }
mod tests { use super::*; use super::super::up::Item; }
"##;
        assert_eq!(
            paths(source),
            [
                (2, "x".into()),
                (2, "x::y::Z".into()),
                (2, "x::y::W".into()),
                (2, "x".into()),
                (3, "a::sibling::Thing".into()),
                (5, "expr::call".into()),
                (6, "a::b".into()),
                (6, "a::up::Item".into()),
            ]
        );
    }
}
