//! The main job: `reproduce --quick` passes every claim, writes a complete report, and its
//! claims table is snapshotted; the registry's derivation IDs exist; bad input fails cleanly
//! without leaving a half-written report.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use critical_slowing::claims::{
    self, Built, ReproduceConfig, Studies, Verdict, DEFAULT_CONFIG, QUICK_CONFIG, REGISTRY,
};
use critical_slowing::progress::Silent;
use critical_slowing::report::{self, text};

// the configuration of the rerun check
use crate::common;
use common::SMALLEST;

/// Three significant digits, and values below 1e-8 (rounding noise) as "~0".
fn stable(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) if x.abs() < 1e-8 => "~0".into(),
        Some(x) => format!("{x:.2e}"),
    }
}

#[test]
fn quick_reproduction_passes_every_claim_and_writes_the_report() {
    // the rerun check: the command line and the library on the smallest configuration, both
    // started now so that they run beside the library's quick run (which leaves a core idle
    // in its serial stretches)
    let smallest_dir = tempfile::tempdir().unwrap();
    let smallest_out = smallest_dir.path().join("smallest");
    let smallest_run = {
        let out = smallest_out.clone();
        std::thread::spawn(move || {
            let text = std::fs::read_to_string(SMALLEST).unwrap();
            let cfg = ReproduceConfig::from_toml(&text).unwrap();
            let rep = common::in_own_pool(|| claims::run(&cfg, &Silent).unwrap());
            report::write(&rep, &out, false).unwrap();
        })
    };
    let rerun_dir = tempfile::tempdir().unwrap();
    let rerun_out = rerun_dir.path().join("out");
    let rerun = Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
        .args(["reproduce", "--config", SMALLEST, "--out"])
        .arg(&rerun_out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let cfg = ReproduceConfig::from_toml(QUICK_CONFIG).unwrap();
    let rep = common::in_own_pool(|| claims::run(&cfg, &Silent).unwrap());
    let failed: Vec<_> = rep
        .claims
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .map(|c| c.spec.id)
        .collect();
    assert!(
        failed.is_empty(),
        "failed claims: {failed:?}\n{}",
        text::claims_table(&rep.claims)
    );
    assert_eq!(
        rep.claims.len(),
        REGISTRY.len(),
        "every registered claim is evaluated"
    );
    assert_skips_are_stated(&rep.studies);
    assert_each_claim_reads_only_its_studies(&rep);
    assert_dynamics_carry_their_errors(&rep.studies);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = report::write(&rep, &out, false).unwrap();
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains(&format!(
        "{} of {} claims pass, 0 skipped, 0 fail",
        rep.claims.len(),
        rep.claims.len()
    )));
    assert_report_files(&out);
    let svg = std::fs::read_to_string(out.join("figures/kappa.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
    let png = std::fs::read(out.join("figures/kappa.png")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "kappa.png is not a PNG"
    );
    let csv = std::fs::read_to_string(out.join("claims.csv")).unwrap();
    assert_eq!(csv.lines().count(), rep.claims.len() + 1);
    assert_values_name_their_quantity(&rep, &csv);
    assert_provenance(&out, &cfg);
    smallest_run.join().unwrap();
    let finished = rerun.wait_with_output().unwrap();
    // exit code 1: claims fail at these sizes, and the report is written all the same
    assert!(
        matches!(finished.status.code(), Some(0) | Some(1)) && rerun_out.join("report.md").exists(),
        "{}",
        String::from_utf8_lossy(&finished.stderr)
    );
    assert_rerun_is_identical(&smallest_out, &rerun_out);
    assert_rewrite_leaves_no_temporaries(&rep, &out, dir.path());
    let table: String = rep
        .claims
        .iter()
        .map(|c| {
            format!(
                "{} {} analytic={} numeric={} check={}\n",
                c.spec.id,
                c.verdict,
                stable(c.analytic),
                stable(c.numeric),
                text::check_text(c)
            )
        })
        .collect();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("reproduce_quick_claims", table);
    });
}

/// A value is present only with its quantity and source, and claims.csv has the columns.
fn assert_values_name_their_quantity(rep: &claims::Reproduction, csv: &str) {
    for c in &rep.claims {
        assert!(
            c.analytic.is_none() || c.spec.analytic_side.is_some(),
            "{}",
            c.spec.id
        );
        assert!(
            c.numeric.is_none() || c.spec.numeric_side.is_some(),
            "{}",
            c.spec.id
        );
    }
    let header = csv.lines().next().unwrap();
    for column in [
        "analytic_quantity",
        "analytic_source",
        "numeric_quantity",
        "numeric_source",
    ] {
        assert!(
            header.split(',').any(|h| h == column),
            "claims.csv lacks {column}"
        );
    }
}

/// A second run of the same configuration (here the command line, run beside the library's
/// quick run, so the threads were scheduled differently) gives, file by file, the same report —
/// claims.csv and claims.json included — apart from what records the run rather than the
/// physics: wall times (`seconds` and `…_seconds` columns and keys, "… s" durations in the text), the date and
/// the command line. Every parallel reduction adds its parts in a fixed order, so no last
/// digit may depend on the scheduling.
fn assert_rerun_is_identical(out: &Path, out2: &Path) {
    let mut compared = 0;
    for entry in walk(out) {
        let name = entry.strip_prefix(out).unwrap();
        let (a, b) = (without_timing(&entry), without_timing(&out2.join(name)));
        assert!(a == b, "{} differs between two runs", name.display());
        compared += 1;
    }
    assert_eq!(compared, walk(out2).len(), "the runs wrote different files");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files.sort();
    files
}

/// A report file's bytes with the run's own record taken out: JSON keys `seconds`, `date_utc`
/// and `command_line`; CSV columns headed `seconds`; in text, durations ("12.5 s"), the date
/// and the command line.
fn without_timing(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            strip_keys(&mut v, &["date_utc", "command_line"]);
            v.to_string().into_bytes()
        }
        Some("csv") => {
            let text = String::from_utf8(bytes).unwrap();
            let header: Vec<&str> = text.lines().next().unwrap_or("").split(',').collect();
            let keep: Vec<bool> = header.iter().map(|h| !is_wall_time(h)).collect();
            text.lines()
                .map(|l| {
                    let cells: Vec<&str> = l.split(',').collect();
                    if cells.len() != keep.len() {
                        return l.to_string(); // a quoted comma: compare the whole line
                    }
                    let kept: Vec<&str> = cells
                        .iter()
                        .zip(&keep)
                        .filter(|(_, &k)| k)
                        .map(|(c, _)| *c)
                        .collect();
                    kept.join(",")
                })
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        }
        Some("md") | Some("txt") => {
            let text = String::from_utf8(bytes).unwrap();
            text.lines()
                .filter(|l| !l.contains("date (UTC)") && !l.contains("| command |"))
                .map(without_durations)
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        }
        _ => bytes,
    }
}

/// Removes the `keys` from every object of a JSON value.
/// A wall-time field: `seconds` or a name ending in `_seconds`.
fn is_wall_time(name: &str) -> bool {
    name == "seconds" || name.ends_with("_seconds")
}

/// `v` without the given keys and the wall-time keys, at every depth.
fn strip_keys(v: &mut serde_json::Value, keys: &[&str]) {
    match v {
        serde_json::Value::Object(map) => {
            for k in keys {
                map.remove(*k);
            }
            map.retain(|k, _| !is_wall_time(k));
            map.values_mut().for_each(|x| strip_keys(x, keys));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|x| strip_keys(x, keys)),
        _ => {}
    }
}

/// A line with every duration ("54.6 s", "3 s") replaced by "… s".
fn without_durations(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let next_is_unit = words.get(i + 1).is_some_and(|n| {
            *n == "s" || n.starts_with("s.") || n.starts_with("s,") || n.starts_with("s;")
        });
        let number = w.trim_end_matches(',').parse::<f64>().is_ok();
        out.push(if next_is_unit && number { "…" } else { w });
    }
    out.join(" ")
}

/// Each claim, evaluated on a copy of the studies that holds only those its registry entry
/// names, gives the same result as on all of them: the names are complete, so `claims C9`
/// (which builds only those) judges C9 as the full run does.
fn assert_each_claim_reads_only_its_studies(rep: &claims::Reproduction) {
    for (claim, full) in REGISTRY.iter().zip(&rep.claims) {
        let alone = rep.studies.restricted_to(claim.studies);
        let judged = claims::evaluate(&alone)
            .into_iter()
            .find(|c| c.spec.id == claim.spec.id)
            .unwrap();
        assert_eq!(
            &judged, full,
            "{} reads a study it does not name",
            claim.spec.id
        );
    }
}

/// Every τ_int of the Monte Carlo dynamics table carries its own windowed error (Madras–Sokal,
/// τ √(2(2W + 1)/N)), Wolff's as Metropolis's: positive, and below τ since N ≫ W for these runs.
fn assert_dynamics_carry_their_errors(studies: &Studies) {
    let dynamics = &studies.monte_carlo().unwrap().dynamics;
    for algorithm in ["wolff", "metropolis"] {
        assert!(dynamics.iter().any(|r| r.algorithm == algorithm));
    }
    for r in dynamics {
        assert!(
            r.tau_error > 0.0 && r.tau_error < r.tau,
            "{} at L = {}: τ = {} ± {}",
            r.algorithm,
            r.l,
            r.tau,
            r.tau_error
        );
    }
}

/// claims.json and report.md carry the run's provenance: a 40-hex commit (or `unknown` outside
/// a checkout), the tree state, the SHA-256 of the configuration recomputed here, the threads.
fn assert_provenance(out: &Path, cfg: &ReproduceConfig) {
    use sha2::{Digest, Sha256};
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("claims.json")).unwrap()).unwrap();
    let p = &j["provenance"];
    let commit = p["commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert!(["clean", "dirty", "unknown"].contains(&p["tree"].as_str().unwrap()));
    let digest = Sha256::digest(serde_json::to_string(cfg).unwrap().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(p["config_sha256"], hex.as_str());
    assert!(p["threads"].as_u64().unwrap() >= 1);
    assert_eq!(j["claims"].as_array().unwrap().len(), REGISTRY.len());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains(commit) && md.contains(&hex),
        "report.md lacks the provenance"
    );
}

/// Every table, figure and the report itself exist.
fn assert_report_files(out: &Path) {
    for f in [
        "claims.csv",
        "claims.json",
        "spectrum.csv",
        "training_time.json",
        "numeric_training.csv",
        "local.csv",
        "generation_one_layer.csv",
        "generation_two_layer.json",
        "horizon.csv",
        "sampled_generation.json",
        "sampled_generation_scaling.csv",
        "sampled_generation_scaling.json",
        "optimizer_training_time.csv",
        "optimizer_fits.json",
        "optimizers.json",
        "network.csv",
        "network.json",
        "network_ising_structure.csv",
        "figures/network_ising_structure.svg",
        "figures/optimizers_one_layer.svg",
        "figures/optimizers_two_layers.svg",
        "figures/kappa.svg",
        "figures/training_time.svg",
        "figures/generation_kl_collapsed.svg",
        "figures/symbols_one_layer.svg",
        "figures/symbols_two_layers.svg",
        "figures/generation_sampled.svg",
        "figures/finite_n_training.svg",
        "figures/two_point.svg",
        "figures/timescales.svg",
        "figures/kappa.png",
        "figures/two_point.png",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
}

/// Writing again replaces the report atomically and leaves no temporary directories; files
/// the user put into the report directory stay, with their contents, while the tool's own
/// files are replaced.
fn assert_rewrite_leaves_no_temporaries(rep: &claims::Reproduction, out: &Path, parent: &Path) {
    let manifest = std::fs::read_to_string(out.join(report::MANIFEST)).unwrap();
    assert!(manifest.lines().any(|l| l == "claims.csv"), "{manifest}");
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("figures/my_plot.svg"), "<svg/>").unwrap();
    std::fs::create_dir(out.join("analysis")).unwrap();
    std::fs::write(out.join("analysis/fit.py"), "print(1)").unwrap();
    std::fs::write(out.join("spectrum.csv"), "stale").unwrap();
    report::write(rep, out, false).unwrap();
    for (file, text) in [
        ("notes.txt", "mine"),
        ("figures/my_plot.svg", "<svg/>"),
        ("analysis/fit.py", "print(1)"),
    ] {
        assert_eq!(
            std::fs::read_to_string(out.join(file)).unwrap(),
            text,
            "{file}"
        );
    }
    assert_ne!(
        std::fs::read_to_string(out.join("spectrum.csv")).unwrap(),
        "stale"
    );
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".reproduce"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary directories left: {leftovers:?}"
    );
}

fn derivation_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations");
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
            let w = w.trim_end_matches('.');
            if w.len() >= 4
                && w.starts_with('R')
                && w[1..].split('.').count() == 2
                && w[1..]
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            {
                ids.insert(w.to_string());
            }
        }
    }
    ids
}

/// Every value names its quantity and source: a side is declared exactly when the description
/// does not say "none", the claims an audit found not to be independent measurements are
/// labelled as what they are, and every ID falls in one of the topic ranges the report states.
#[test]
fn claims_name_their_quantities_sources_and_topic() {
    use critical_slowing::claims::{Source, ID_GROUPS};
    for c in REGISTRY.iter().map(|c| c.spec) {
        assert_eq!(
            c.analytic_side.is_none(),
            c.analytic.starts_with("none"),
            "{}: analytic side",
            c.id
        );
        assert_eq!(
            c.numeric_side.is_none(),
            c.numeric.starts_with("none"),
            "{}: numeric side",
            c.id
        );
    }
    let source = |id: &str| {
        let c = REGISTRY.iter().find(|c| c.spec.id == id).unwrap().spec;
        (
            c.analytic_side.map(|v| v.source),
            c.numeric_side.map(|v| v.source),
        )
    };
    for id in ["C6", "C7", "C8", "C28", "C40", "C42", "C60"] {
        assert_eq!(source(id).1, Some(Source::CrossCheck), "{id}");
    }
    for id in ["C12", "C30"] {
        assert_eq!(source(id).1, Some(Source::ByConstruction), "{id}");
    }
    assert_eq!(source("C50").0, Some(Source::ByConstruction));
    assert_eq!(source("C41").1, Some(Source::ClosedForm));
    // "C1–C14 …; C15–C22 …": each registry ID in exactly one range
    let ranges: Vec<(u32, u32)> = ID_GROUPS
        .split("; ")
        .map(|g| {
            let span = g.split(' ').next().unwrap();
            let (lo, hi) = span.split_once('–').unwrap();
            let n = |x: &str| x.trim_start_matches('C').parse::<u32>().unwrap();
            (n(lo), n(hi))
        })
        .collect();
    for c in REGISTRY.iter() {
        let n: u32 = c.spec.id[1..].parse().unwrap();
        let hits = ranges
            .iter()
            .filter(|(lo, hi)| (*lo..=*hi).contains(&n))
            .count();
        assert_eq!(hits, 1, "{} is in {hits} topic ranges", c.spec.id);
    }
}

#[test]
fn claims_cite_existing_results_and_every_result_is_reached() {
    let derived = derivation_ids();
    let mut cited = BTreeSet::new();
    for c in REGISTRY.iter().map(|c| c.spec) {
        assert!(!c.results.is_empty(), "{} cites no result", c.id);
        for r in c.results {
            assert!(
                derived.contains(*r),
                "{} cites {r}, which no derivation defines",
                c.id
            );
            cited.insert(r.to_string());
        }
        for t in c.tests {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(t).is_file(),
                "{} names missing test {t}",
                c.id
            );
        }
    }
    // every result is reached by a claim or, failing that, named by a test file (at any depth:
    // tests/network/ holds several files)
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let tests_text: String = walk(&tests_dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for r in &derived {
        assert!(
            cited.contains(r) || tests_text.contains(r.as_str()),
            "{r} is reached by no claim or test"
        );
    }
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn reproduce_bad_input_fails_with_one_line_and_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let bad_toml = dir.path().join("bad.toml");
    std::fs::write(&bad_toml, "d = 3\nspectrum_sides = [8").unwrap();
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, format!("{QUICK_CONFIG}\nbanana = 1\n")).unwrap();
    let invalid = dir.path().join("invalid.toml");
    std::fs::write(
        &invalid,
        QUICK_CONFIG.replace("epsilon = 0.01", "epsilon = 2.0"),
    )
    .unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    // values that once crashed out of memory after seconds of work, refused before any
    let huge_sampled = write(
        "sampled.toml",
        format!("{QUICK_CONFIG}\n[sampled]\nsides = [1000]\n"),
    );
    let huge_optimizer = write(
        "optimizer.toml",
        QUICK_CONFIG.replace("samples = 256", "samples = 100000000"),
    );
    // 100 000 configurations of 256² sites: 210 GB, within every per-field bound
    let huge_data = write(
        "data.toml",
        format!(
            "{QUICK_CONFIG}\n[monte_carlo]\nising_2d_sides = [8, 256]\ngaussian_limit_l = 8\nconfigurations = 100000\n"
        ),
    );
    let file_out = dir.path().join("a-file");
    std::fs::write(&file_out, "keep me").unwrap();
    let out = dir.path().join("out");
    let missing = dir.path().join("missing.toml");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--no-such-flag".into()], ""),
        (
            vec!["--config".into(), missing.display().to_string()],
            "cannot read config",
        ),
        (
            vec!["--config".into(), bad_toml.display().to_string()],
            "line 2, column",
        ),
        (
            vec!["--config".into(), unknown.display().to_string()],
            "banana",
        ),
        (
            vec!["--config".into(), invalid.display().to_string()],
            "epsilon",
        ),
        (vec!["--config".into(), huge_sampled], "sampled.sides"),
        (
            vec!["--config".into(), huge_optimizer],
            "optimizers.samples",
        ),
        (vec!["--config".into(), huge_data], "of memory"),
        (
            vec!["--quick".into(), "--out".into(), "/dev/null/out".into()],
            "cannot create /dev/null",
        ),
        (
            vec![
                "--quick".into(),
                "--out".into(),
                file_out.display().to_string(),
            ],
            "not a directory",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["reproduce".to_string()];
        all.extend(args.clone());
        if !all.iter().any(|a| a == "--out") {
            all.push("--out".into());
            all.push(out.display().to_string());
        }
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let o = cli(&refs);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        if !needle.is_empty() {
            assert!(
                err.starts_with("error: ") && err.trim_end().lines().count() == 1,
                "{args:?}: {err:?}"
            );
        }
        assert!(!out.exists(), "{args:?} left an output directory");
    }
    assert_eq!(std::fs::read_to_string(&file_out).unwrap(), "keep me");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".reproduce"))
        .collect();
    assert!(leftovers.is_empty());
}

/// `claims C9 --quick` evaluates C9 alone (in well under the whole quick run) and exits 0 on a
/// pass; an unknown ID is refused in one line naming the IDs there are, before any work.
#[test]
fn claims_command_evaluates_chosen_claims() {
    let start = std::time::Instant::now();
    let o = cli(&["claims", "C9", "--quick", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = j.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["spec"]["id"], "C9");
    assert_eq!(rows[0]["verdict"], "pass");
    // C9 reads only the trainer comparison (≈ 0.3 s); the whole quick run takes ≈ 55 s
    assert!(
        start.elapsed().as_secs_f64() < 10.0,
        "{:?}",
        start.elapsed()
    );
    let o = cli(&["claims", "C9", "C999", "--quick"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("C999") && err.contains("C1, C2"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn claims_command_lists_the_registry() {
    let o = cli(&["claims"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for c in REGISTRY.iter() {
        let c = c.spec;
        assert!(text.contains(&format!("{}  {}", c.id, c.statement)));
    }
    let j: serde_json::Value = serde_json::from_slice(&cli(&["claims", "--json"]).stdout).unwrap();
    assert_eq!(j.as_array().unwrap().len(), REGISTRY.len());
}

/// Both embedded configurations validate; claim IDs are unique, and each claim's description,
/// justification and evaluator are one registry entry. (That every entry yields a verdict is
/// checked on the quick run, and the skipping paths by `assert_skips_are_stated`.)
#[test]
fn every_claim_yields_a_verdict_or_a_stated_reason() {
    let mut ids = BTreeSet::new();
    for c in REGISTRY.iter() {
        assert!(ids.insert(c.spec.id), "duplicate claim ID {}", c.spec.id);
        assert!(!c.spec.justification.is_empty() && !c.spec.numeric.is_empty());
    }
    for text in [QUICK_CONFIG, DEFAULT_CONFIG] {
        ReproduceConfig::from_toml(text)
            .unwrap()
            .validate()
            .unwrap();
    }
}

/// The skipping paths, on the quick run's studies: without depths 3 and 4 C6 and C7 are
/// skipped, in d = 4 C3 is, each with a reason; every other claim keeps its verdict.
fn assert_skips_are_stated(studies: &Studies) {
    let mut s = studies.clone();
    s.config.d = 4;
    let mut training = s.training().unwrap().clone();
    training.fits.retain(|f| f.depth <= 2);
    s.insert(Built::Training(training));
    for c in claims::evaluate(&s) {
        match &c.verdict {
            Verdict::Skipped { reason } => {
                assert!(
                    ["C3", "C6", "C7"].contains(&c.spec.id),
                    "{} skipped: {reason}",
                    c.spec.id
                );
                assert!(reason.len() > 10, "{}: reason {reason:?}", c.spec.id);
            }
            _ => assert!(
                !["C3", "C6", "C7"].contains(&c.spec.id),
                "{} not skipped",
                c.spec.id
            ),
        }
    }
}

/// `--out` onto a directory holding a file that is not a report fails before any work and
/// leaves the file; `--force` is the way to replace it.
#[test]
fn reproduce_refuses_a_foreign_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("thesis");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), "keep me").unwrap();
    let o = cli(&["reproduce", "--quick", "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.tex")).unwrap(),
        "keep me"
    );
    for dot in [".", ".."] {
        let o = cli(&["reproduce", "--quick", "--out", dot]);
        assert!(!o.status.success(), "--out {dot} accepted");
    }
    let o = cli(&["reproduce", "--quick", "--config", "x.toml"]);
    assert!(!o.status.success(), "--quick with --config accepted");
}

/// The `[sampled] generation_sides` of C17–C19 need two increasing sides in 4…16; anything else
/// is refused before any work, naming the field.
#[test]
fn sampled_generation_sides_are_validated() {
    for sides in ["[8]", "[8, 4]", "[2, 4]", "[4, 32]"] {
        let text = format!("{QUICK_CONFIG}\n[sampled]\ngeneration_sides = {sides}\n");
        let err = ReproduceConfig::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("sampled.generation_sides"), "{sides}: {err}");
    }
    let ok = format!("{QUICK_CONFIG}\n[sampled]\ngeneration_sides = [4, 6, 8]\n");
    assert!(ReproduceConfig::from_toml(&ok).is_ok());
}

/// The `[sampled]` field counts of C16, C20 and C21 accept 100 … 10⁶ and refuse the values
/// just outside, naming the field; unset, they are the counts the claims' power statements
/// assume, which `config/default.toml` spells out.
#[test]
fn sampled_field_counts_are_validated() {
    use critical_slowing::study::sampled_continuous::{
        EXTRAPOLATION_SAMPLES, GIRSANOV_SAMPLES, HORIZON_SAMPLES,
    };
    for field in [
        "girsanov_samples",
        "extrapolation_samples",
        "horizon_samples",
    ] {
        for (count, ok) in [
            (99, false),
            (100, true),
            (1_000_000, true),
            (1_000_001, false),
        ] {
            let text = format!("{QUICK_CONFIG}\n[sampled]\n{field} = {count}\n");
            match ReproduceConfig::from_toml(&text) {
                Ok(_) => assert!(ok, "{field} = {count} accepted"),
                Err(e) => {
                    assert!(!ok, "{field} = {count}: {e}");
                    assert!(e.to_string().contains(&format!("sampled.{field}")), "{e}");
                }
            }
        }
    }
    let quick = ReproduceConfig::from_toml(QUICK_CONFIG).unwrap();
    let default = ReproduceConfig::from_toml(DEFAULT_CONFIG).unwrap();
    for cfg in [quick, default] {
        let s = &cfg.sampled;
        let counts = (
            s.girsanov_samples,
            s.extrapolation_samples,
            s.horizon_samples,
        );
        assert_eq!(
            counts,
            (GIRSANOV_SAMPLES, EXTRAPOLATION_SAMPLES, HORIZON_SAMPLES)
        );
    }
}
