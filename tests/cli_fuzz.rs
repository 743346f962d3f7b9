//! Random option values for every subcommand, run under an address-space limit: the tool
//! exits 0 or 1 (never by a signal, so never an abort from a failed allocation), never
//! panics, prints no NaN or inf, and every error is one line starting with `error: ` that names
//! the offending option or value.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// Address space of each run. A normal small run maps ~0.3 GB (binary, OpenBLAS threads);
/// `--max-memory 256M` makes the size checks refuse anything estimated above 256 MB, so a
/// run that reaches this limit allocated without a check.
const ADDRESS_SPACE: u64 = 1 << 30;
/// Wall-clock cap of one run (the cases are chosen to take well under a second).
const TIMEOUT: Duration = Duration::from_secs(60);

fn run(args: &[String]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_critical-slowing"));
    cmd.args(args)
        .args(["--max-memory", "256M"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit(2) only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("the binary starts");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("{args:?} ran longer than {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.signal(), None, "{args:?} died by a signal");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The checks every run must pass; `names` are the words an error may use for the options
/// passed (option names, values, and the symbols the messages use for them).
fn check(args: &[String], names: &[&str]) {
    let (code, stdout, stderr) = run(args);
    assert!(matches!(code, Some(0) | Some(2)), "{args:?}: exit {code:?}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    let bad_token = stdout
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|t| matches!(t.to_ascii_lowercase().as_str(), "nan" | "inf" | "-inf"));
    assert_eq!(bad_token, None, "{args:?}: {stdout}");
    if code == Some(2) {
        let line = stderr.trim_end();
        assert!(line.starts_with("error: "), "{args:?}: {stderr:?}");
        assert_eq!(line.lines().count(), 1, "{args:?}: {stderr:?}");
        let lower = line.to_lowercase();
        let named = names
            .iter()
            .chain(args.iter().map(String::as_str).collect::<Vec<_>>().iter())
            .filter(|n| n.len() >= 2 || n.chars().all(|c| c.is_alphabetic()))
            .any(|n| lower.contains(&n.to_lowercase()));
        assert!(named, "{args:?}: {line:?} names no option or value");
    }
}

fn args(list: &[(&str, &str)]) -> Vec<String> {
    list.iter()
        .flat_map(|(k, v)| [k.to_string(), v.to_string()])
        .filter(|s| !s.is_empty())
        .collect()
}

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(values)
}

const REALS: &[&str] = &[
    "0.5", "0", "-1", "NaN", "inf", "1e308", "1e-300", "abc", "0.999999",
];
const SIDES: &[&str] = &[
    "3", "4", "6", "0", "1", "2", "3,3", "8,16", "1290", "100000", "x",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn spectrum_survives(d in pick(&["3", "3", "3", "4", "0", "1", "2", "5", "-1"]), l in pick(SIDES),
                         beta in pick(&["", "", "", "0.3", "0.3", "0", "-1", "NaN", "1e308", "1e-300", "1e10", "1e12"])) {
        let mut a = vec!["spectrum".to_string()];
        a.extend(args(&[("--d", d), ("--l", l)]));
        if !beta.is_empty() { a.extend(args(&[("--beta", beta)])); }
        check(&a, &["dimension", "side", "l^d", "beta", "lattice", "coupling", "memory"]);
    }

    #[test]
    fn training_time_survives(l in pick(SIDES), depth in pick(&["1", "1,2", "1,2", "2,3", "1,2,3,4", "0", "5", "x"]),
                              t in pick(REALS), c in pick(REALS), eps in pick(REALS)) {
        let mut a = vec!["training-time".to_string()];
        a.extend(args(&[("--l", l), ("--depth", depth), ("--t", t), ("--c", c), ("--epsilon", eps)]));
        check(&a, &["epsilon", "depth", "lattice", "side", "memory", "run size", "learning", "c ", "t "]);
    }

    #[test]
    fn train_survives(l in pick(&["3", "4", "5", "3", "4", "5", "0", "1000"]), layers in pick(&["full", "full", "local:1", "local:1", "mixed:0", "local:9", "wide", "mixed:x"]),
                      depth in pick(&["1", "2", "1", "2", "0"]), samples in pick(&["", "", "64", "64", "0", "1", "100000000"]),
                      batch in pick(&["", "", "", "0", "4"]), steps in pick(&["0", "20", "20", "20", "x"]),
                      t in pick(REALS), eps in pick(&["0.01", "0.01", "0.01", "0.1", "1e-300", "0.999999", "1", "0"])) {
        let mut a = vec!["train".to_string()];
        a.extend(args(&[("--l", l), ("--layers", layers), ("--depth", depth), ("--steps", steps), ("--t", t), ("--epsilon", eps)]));
        if !samples.is_empty() { a.extend(args(&[("--samples", samples)])); }
        if !batch.is_empty() { a.extend(args(&[("--batch", batch)])); }
        check(&a, &["radius", "depth", "lattice", "side", "memory", "batch", "samples", "t > 0", "epsilon", "layers"]);
    }

    #[test]
    fn generate_survives(l in pick(&["3", "4", "3", "4", "0", "1000"]), samples in pick(&["8", "50", "50", "50", "0", "2", "100000000"]),
                         grid in pick(&["geometric:0.001:8:20", "geometric:0.001:8:20", "geometric:0.01:4:10", "uniform:1:0.5:4", "list:0.1,0.5,1", "geometric:0.001:8:1000000000",
                                        "banana", "list:", "uniform:0:1:0", "geometric:1e-300:1e300:10", "list:1,NaN"]),
                         sampler in pick(&["sde-exp", "sde-em", "ode-exp", "rk4"]), depth in pick(&["", "", "1", "2", "0"]),
                         steps in pick(&["0", "10", "1000"])) {
        let mut a = vec!["generate".to_string()];
        a.extend(args(&[("--l", l), ("--samples", samples), ("--grid", grid), ("--sampler", sampler), ("--steps", steps)]));
        if !depth.is_empty() { a.extend(args(&[("--depth", depth)])); }
        check(&a, &["grid", "samples", "lattice", "side", "memory", "depth", "sampler", "t_min", "time"]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// `analyse` on a numpy-written fixture with every option varied: a table, or one line that
    /// names the option.
    #[test]
    fn analyse_survives(blocks in pick(&["10", "4", "0", "1", "x"]), level in pick(&["0.05", "0.05", "0", "1", "NaN", "-1"]),
                        t in pick(REALS), grid in pick(&["geometric:0.001:8:20", "geometric:0.001:8:20", "banana", "uniform:0:1:0"]),
                        key in pick(&["", "", "fields", "nope"]), components in pick(&["", "", "", "2", "0"])) {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scalar_f64.npz");
        let mut a = vec!["analyse".to_string()];
        a.extend(args(&[("--data", data), ("--blocks", blocks), ("--level", level), ("--t", t), ("--grid", grid)]));
        if !key.is_empty() { a.extend(args(&[("--key", key)])); }
        if !components.is_empty() { a.extend(args(&[("--components", components)])); }
        check(&a, &["blocks", "level", "t ", "grid", "array", "component", "analysis settings"]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    /// Configuration files with one field replaced: refused with the field named, or accepted
    /// and then refused for the output path (a file), so no case runs the reproduction.
    #[test]
    fn reproduce_config_survives(field in pick(&["d", "epsilon", "sampling_samples", "numeric_sides", "seed", "lr_fraction", "training_sides", "nonsense"]),
                                 value in pick(&["7", "1e-300", "1000000000", "[4]", "-1", "\"x\"", "[8, 4]", "nan"])) {
        let quick = include_str!("../config/quick.toml");
        let mut text: String = quick
            .lines()
            .filter(|l| !l.starts_with(&format!("{field} =")))
            .map(|l| format!("{l}\n"))
            .collect();
        text += &format!("{field} = {value}\n");
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, text).unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let a: Vec<String> = ["reproduce", "--config", cfg.to_str().unwrap(), "--out", file.to_str().unwrap()]
            .iter().map(|s| s.to_string()).collect();
        check(&a, &["configuration", field, "not a directory"]);
        let (code, _, _) = run(&a);
        prop_assert_eq!(code, Some(2));
        prop_assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    }
}
