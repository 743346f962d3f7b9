//! The `mc` command (src/main.rs over src/mc, derivations/07): its numbers against an exact
//! reference, the `.npz` it writes, and its refusals (existing output, sizes, bad values).

use std::process::Command;

use critical_slowing::theory::ising_exact::kaufman_energy_per_site;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
}

/// R7.6 reference: the JSON energy per site of a 2D Ising run at K_c, L = 8, equals Kaufman's
/// exact finite-torus value within 5 of its own errors (two-sided level ≈ 6e-7); the `.npz`
/// holds one row of `samples` measurements per chain; a second run to the same path is refused
/// without --force and accepted with it.
#[test]
fn mc_command_measures_writes_and_refuses_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ising_L8.npz");
    let args = [
        "mc",
        "--l",
        "8",
        "--samples",
        "4000",
        "--chains",
        "2",
        "--seed",
        "3",
        "--json",
        "--out",
    ];
    let run = cli().args(args).arg(&out).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let (mean, error) = (
        report["energy"]["mean"].as_f64().unwrap(),
        report["energy"]["error"].as_f64().unwrap(),
    );
    let exact = kaufman_energy_per_site(0.440_686_793_509_771_5, 8).unwrap();
    assert!(
        (mean - exact).abs() <= 5.0 * error,
        "{mean} ± {error} vs {exact}"
    );
    let mut npz = ndarray_npy::NpzReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let m2: ndarray::Array2<f64> = npz.by_name("m2").unwrap();
    assert_eq!(m2.shape(), &[2, 4000]);
    let again = cli().args(args).arg(&out).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = cli().args(args).arg(&out).arg("--force").output().unwrap();
    assert!(forced.status.success());
}

/// Bad values and oversized runs exit non-zero with one line, before any work.
#[test]
fn mc_command_rejects_bad_input() {
    for args in [
        vec!["mc", "--k", "abc"],
        vec!["mc", "--k", "-1"],
        vec!["mc", "--d", "5"],
        vec!["mc", "--n", "0"],
        vec!["mc", "--samples", "10"],
        vec!["mc", "--n", "2", "--d", "2"],
        vec!["mc", "--l", "1000000"],
        vec!["--max-memory", "1M", "mc", "--l", "256"],
        vec!["mc", "--algorithm", "heatbath"],
    ] {
        let o = cli().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
