//! The architecture's walls, checked on the source: the numeric side (`experiment`, `mc`) never
//! uses a closed form (`theory`), and only `report` and the command line (`main.rs`, `cli/`)
//! print.

use std::fs;
use std::path::Path;

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// Code lines (comments and doc comments removed).
fn code(p: &Path) -> Vec<String> {
    fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_numeric_side_never_uses_a_closed_form() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for dir in ["experiment", "mc"] {
        for f in rust_files(&src.join(dir)) {
            for (i, line) in code(&f).iter().enumerate() {
                assert!(
                    !line.contains("theory::") && !line.contains("crate::study"),
                    "{}:{} reaches into the closed forms: {line}",
                    f.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn only_report_and_the_command_line_print() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for f in rust_files(&src) {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        if rel.starts_with("report") || rel.starts_with("cli") || rel == "main.rs" {
            continue;
        }
        for (i, line) in code(&f).iter().enumerate() {
            assert!(
                !line.contains("println!")
                    && !line.contains("eprintln!")
                    && !line.contains("print!("),
                "{rel}:{} prints: {line}",
                i + 1
            );
        }
    }
}

/// The features `cargo tree` resolves for every package, one line per package.
fn resolved_features(edges: &str) -> std::collections::BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "--offline", "--locked", "--prefix", "none"])
        .args(["-f", "{p} {f}", "-e", edges])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.ends_with("(*)"))
        .map(str::to_string)
        .collect()
}

/// `cargo run --release` after `cargo test --release` must not rebuild: every package the
/// binary needs is resolved with the same features whether or not the test-only crates are in
/// the graph (Cargo.toml's feature-alignment lines). A package the tests alone need may appear
/// only in the second set; one that appears in both with other features fails here.
#[test]
fn tests_and_the_binary_share_one_build() {
    let binary = resolved_features("normal,build");
    let with_tests = resolved_features("normal,dev,build");
    let differing: Vec<&String> = binary.difference(&with_tests).collect();
    assert!(
        differing.is_empty(),
        "resolved with other features when the tests build: {differing:?}"
    );
}

/// Cargo.toml turns off the automatic test programs (`autotests = false`): every
/// `tests/<file>.rs` must be a module of `tests/suite.rs`, and `tests/network/main.rs` must be
/// included by the library's unit tests, or its tests would silently never run.
#[test]
fn every_test_file_is_compiled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = fs::read_to_string(root.join("tests/suite.rs")).unwrap();
    let mut missing = Vec::new();
    for e in fs::read_dir(root.join("tests")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_file() && name.ends_with(".rs") && name != "suite.rs" {
            let stem = name.trim_end_matches(".rs");
            if !suite.contains(&format!("#[path = \"{name}\"]\nmod {stem};")) {
                missing.push(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not modules of tests/suite.rs: {missing:?}"
    );
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(
        lib.contains("#[cfg(test)]\n#[path = \"../tests/network/main.rs\"]\nmod network_tests;"),
        "src/lib.rs does not include tests/network/main.rs in its unit tests"
    );
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("autotests = false") && manifest.contains("path = \"tests/suite.rs\"")
    );
}
