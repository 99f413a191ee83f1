//! Embeds `migrations/` in the binary: writes `$OUT_DIR/migrations.rs`, the list of migration
//! files (version, file name, text) that `store::migrate` turns into sqlx migrations.
//!
//! This is what `sqlx::migrate!` does. The macro is not used because sqlx's proc-macros
//! (`macros`, and `derive` for `FromRow`) compile a second copy of sqlx-postgres, rustls,
//! ring and tokio for the build host: about 110 s of CPU, a quarter of a fresh `cargo build`
//! on a 2-core machine (BENCHMARKS.md, "Build time").

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let folder =
        Path::new(&env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("migrations");
    let mut files: Vec<(i64, String)> = fs::read_dir(&folder)
        .expect("migrations/ is readable")
        .map(|entry| entry.expect("a readable folder entry").file_name())
        .filter_map(|name| name.into_string().ok())
        .filter(|name| name.ends_with(".sql"))
        .map(|name| {
            // The sqlx convention: `<version>_<description>.sql`.
            let version = name
                .split_once('_')
                .and_then(|(version, _)| version.parse().ok())
                .unwrap_or_else(|| {
                    panic!("migrations/{name}: the name must start with <version>_")
                });
            (version, name)
        })
        .collect();
    files.sort();
    if let Some(pair) = files.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        panic!("migrations/{} and {} share a version", pair[0].1, pair[1].1);
    }

    let mut source = String::from("&[\n");
    for (version, name) in &files {
        let path = folder.join(name);
        writeln!(
            source,
            "    ({version}, {name:?}, include_str!({:?})),",
            path.display()
        )
        .expect("a String");
    }
    source.push_str("]\n");
    let out = Path::new(&env::var("OUT_DIR").expect("set by cargo")).join("migrations.rs");
    fs::write(out, source).expect("OUT_DIR is writable");
}
