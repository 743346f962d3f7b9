//! Every result ID `Rx.y` in `derivations/` is named by at least one test (verified) and by
//! the source that implements it; every ID the code or tests cite exists in `derivations/`.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn ids_in(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices('R') {
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            continue;
        }
        let rest = &text[i + 1..];
        let major: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if major.is_empty() || !rest[major.len()..].starts_with('.') {
            continue;
        }
        let minor: String = rest[major.len() + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if !minor.is_empty() {
            out.insert(format!("R{major}.{minor}"));
        }
    }
    out
}

fn ids_under(dir: &Path, ext: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(ids_under(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.extend(ids_in(&fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

#[test]
fn every_derivation_result_is_tested_and_implemented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let derived = ids_under(&root.join("derivations"), "md");
    assert!(derived.len() >= 20, "derivations list only {derived:?}");
    let tested = ids_under(&root.join("tests"), "rs");
    let implemented = ids_under(&root.join("src"), "rs");
    let untested: Vec<_> = derived.difference(&tested).collect();
    assert!(untested.is_empty(), "results no test names: {untested:?}");
    let unimplemented: Vec<_> = derived.difference(&implemented).collect();
    assert!(
        unimplemented.is_empty(),
        "results no source names: {unimplemented:?}"
    );
    let dangling: Vec<_> = tested
        .union(&implemented)
        .filter(|id| !derived.contains(*id))
        .collect();
    assert!(
        dangling.is_empty(),
        "IDs cited but not derived: {dangling:?}"
    );
}
