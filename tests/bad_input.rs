//! Bad input gives typed, one-line errors in the library and a non-zero exit with that message
//! from the command-line tool, never a panic or a NaN.

use std::process::Command;

use critical_slowing::data::{critical_coupling, GaussianField};
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::model::Protocol;
use critical_slowing::{Error, Lattice, Symbol};

fn one_line(e: &Error) {
    let msg = e.to_string();
    assert!(
        !msg.is_empty() && !msg.contains('\n'),
        "not one line: {msg:?}"
    );
}

#[test]
fn library_rejects_bad_input_with_typed_errors() {
    for (d, l) in [(0, 8), (5, 8), (3, 0)] {
        let e = Lattice::new(d, l).unwrap_err();
        assert!(matches!(e, Error::Lattice(_)));
        one_line(&e);
    }
    let lattice = Lattice::new(2, 8).unwrap();
    for beta in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = GaussianField::large_n(lattice, beta).unwrap_err();
        assert!(matches!(e, Error::Parameter { name: "beta", .. }), "{e}");
        one_line(&e);
    }
    for mu in [-0.5, 0.0, f64::NAN] {
        let e = GaussianField::massive_free(lattice, 1.0, mu).unwrap_err();
        assert!(matches!(e, Error::Parameter { name: "mu", .. }), "{e}");
        one_line(&e);
    }
    let field = GaussianField::massive_free(lattice, 1.0, 0.5).unwrap();
    for t in [-1.0, f64::NAN, f64::INFINITY] {
        let e = spectrum_at(field.spectrum(), t).unwrap_err();
        assert!(matches!(e, Error::Parameter { name: "t", .. }), "{e}");
    }
    for eps in [0.0, 1.0, -0.1, 2.0, f64::NAN] {
        let e = Protocol::new(1, 0.5, eps).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Parameter {
                    name: "epsilon",
                    ..
                }
            ),
            "{e}"
        );
    }
    assert!(Protocol::new(0, 0.5, 0.01).is_err());
    assert!(Protocol::new(1, 1.5, 0.01).is_err());
    for d in [1, 2] {
        let e = critical_coupling(d).unwrap_err();
        assert_eq!(e, Error::NoTransition { d });
        one_line(&e);
        assert!(GaussianField::large_n_critical(Lattice::new(d, 8).unwrap()).is_err());
    }
    // a user spectrum must be positive and even
    let negative = Symbol::from_laplacian(&lattice.mode_classes(), |l| l - 1.0);
    assert!(GaussianField::user(negative).is_err());
    let mut odd = ndarray::ArrayD::from_elem(lattice.shape(), 1.0);
    odd[[0, 1]] = 2.0;
    let e = GaussianField::user(Symbol::from_modes(lattice, &odd).unwrap()).unwrap_err();
    one_line(&e);
}

fn run_cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `args` twice: as text, which must succeed, contain `needle` and no NaN; and with
/// `--json`, whose output must parse. Returns the JSON.
fn text_and_json(args: &[&str], needle: &str) -> serde_json::Value {
    let text = run_cli(args);
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains(needle) && !text.contains("NaN"), "{text}");
    let mut with_json = args.to_vec();
    with_json.push("--json");
    serde_json::from_slice(&run_cli(&with_json).stdout).unwrap()
}

#[test]
fn cli_exits_nonzero_with_one_line_messages() {
    let cases: &[(&[&str], &str)] = &[
        (&["spectrum", "--d", "0", "--l", "8"], "dimension"),
        (&["spectrum", "--d", "5", "--l", "8"], "dimension"),
        (&["spectrum", "--d", "3", "--l", "0"], "L = 0"),
        (&["spectrum", "--d", "2", "--l", "8"], "critical coupling"),
        (
            &["spectrum", "--d", "3", "--l", "8", "--beta", "-1"],
            "beta",
        ),
        (
            &["spectrum", "--d", "3", "--l", "8", "--beta", "NaN"],
            "beta",
        ),
        (&["training-time", "--epsilon", "1.5"], "epsilon"),
        (&["training-time", "--t", "-1"], "t"),
        (&["training-time", "--c", "0"], "c"),
        (&["training-time", "--depth", "0"], "depth"),
        (&["training-time", "--d", "2"], "critical coupling"),
        (&["train", "--t", "0"], "t > 0"),
        (&["train", "--layers", "local:9", "--l", "8"], "radius"),
        (&["train", "--depth", "0"], "depth"),
        (&["generate", "--grid", "uniform:1:0.5:4"], "grid"),
        (&["generate", "--grid", "banana"], "grid"),
        (&["generate", "--grid", "geometric:0:1:4"], "geometric"),
        (&["generate", "--samples", "0", "--l", "4"], "samples"),
        (
            &["generate", "--grid", "geometric:0.001:1e300:40"],
            "at most 50",
        ),
        // 1.5 × the closed-form T₁ ≈ 7 600 steps on 1 024 fields of 32³ sites: about 11 min
        (
            &["train", "--d", "3", "--l", "32", "--time-limit", "1"],
            "over --time-limit 1",
        ),
        (&["train", "--time-limit", "0"], "time-limit"),
        (
            &["mc", "--thermalization", "18446744073709551615"],
            "overflow",
        ),
        // 10¹⁰ sweeps of 32² spins: 10¹³ updates, about 10⁴ minutes at the measured rate
        (
            &["mc", "--thermalization", "10000000000"],
            "over --time-limit 60",
        ),
        (&["train-network", "--d", "3"], "dimension"),
        (&["training-time", "--l", "8,16,8"], "twice"),
        (&["spectrum", "--l", "2"], "too small"),
        (&["train", "--l", "1"], "too small"),
        (&["train", "--l", "2", "--d", "2"], "too small"),
        (&["spectrum", "--l", "8,8"], "twice"),
        (&["network-ising", "--l", "4,4"], "twice"),
        (&["network-ising", "--seeds", "1,1"], "twice"),
        (&["network-ising", "--l", "2"], "too small"),
        (&["network-ising", "--average", "1"], "weight-average decay"),
        (&["network-ising", "--window", "0"], "checkpoint"),
        // width 64, 4 blocks at L = 64: 3·10¹⁶ multiply-adds, about a year at the measured rate
        (
            &[
                "network-ising",
                "--l",
                "64",
                "--width",
                "64",
                "--blocks",
                "4",
                "--steps",
                "100000",
            ],
            "over --time-limit 60",
        ),
        (&["train-network", "--l", "6,6"], "twice"),
        (&["train-network", "--radius", "5", "--l", "8"], "radius"),
        (&["train-network", "--embedding", "3"], "embedding"),
        (&["train-network", "--width", "0", "--blocks", "1"], "width"),
        (&["train-network", "--activation", "relu"], "activation"),
        (&["train-network", "--output", "x0"], "output"),
        (&["train-network", "--float", "f16"], "float"),
        (&["train-network", "--epsilon", "1"], "epsilon"),
        (&["train-network", "--average", "1"], "weight-average decay"),
        (
            &["train-network", "--times", "geometric:0:1:4"],
            "geometric",
        ),
        (
            &["train-network", "--checkpoint", "0", "--l", "4"],
            "checkpoint",
        ),
        (&["train-network", "--mass", "-1"], "mass"),
        (
            &["train-network", "--l", "64,128", "--steps", "100000000"],
            "multiply-adds",
        ),
    ];
    for (args, needle) in cases {
        let out = run_cli(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.trim_end().lines().count() == 1,
            "{args:?}: {err:?}"
        );
        assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
        assert!(!err.contains("panicked"));
        assert!(out.stdout.is_empty());
    }
    // clap's own usage errors are non-zero too
    assert!(!run_cli(&["spectrum", "--no-such-flag"]).status.success());
    assert!(!run_cli(&["spectrum", "--l", "eight"]).status.success());
    assert!(!run_cli(&["train", "--layers", "wide"]).status.success());
    assert!(!run_cli(&["train-network", "--optimizer", "adam:-1"])
        .status
        .success());
    assert!(
        !run_cli(&["train-network", "--optimizer", "momentum:0.1:1.5"])
            .status
            .success()
    );
}

/// `network-ising` on a tiny lattice: a table without NaN, JSON that parses, the report
/// directory with its tables and figures, and a directory the tool did not write refused
/// without --force (its file left as it was).
#[test]
fn cli_network_ising_runs_and_keeps_foreign_directories() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let args = [
        "network-ising",
        "--l",
        "4",
        "--seeds",
        "1,2",
        "--configurations",
        "200",
        "--width",
        "4",
        "--blocks",
        "1",
        "--steps",
        "40",
        "--checkpoint",
        "20",
        "--checkpoint-fields",
        "20",
        "--generated",
        "40",
        "--generation-steps",
        "10",
        "--sampler-check",
        "20",
    ];
    let value = text_and_json(&args, "steps to data");
    assert_eq!(value["runs"].as_array().unwrap().len(), 2);
    assert_eq!(value["sides"][0]["runs"], 2);
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), b"mine").unwrap();
    let mut with_out = args.to_vec();
    with_out.extend(["--out", out.to_str().unwrap()]);
    assert!(!run_cli(&with_out).status.success());
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
    with_out.push("--force");
    let forced = run_cli(&with_out);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    for file in [
        "network_ising_sweep.json",
        "runs.csv",
        "sides.csv",
        "checkpoints.csv",
        "binder_L4.svg",
        "binder_L4.png",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 3, "{runs}");
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
}

/// `train-network` on a tiny lattice: a table without NaN, JSON that parses, and the weights
/// file refused when it exists without --force (the file left as it was).
#[test]
fn cli_train_network_runs_and_keeps_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.npz");
    let args = [
        "train-network",
        "--l",
        "4",
        "--width",
        "2",
        "--steps",
        "20",
        "--checkpoint",
        "10",
        "--held-out",
        "4",
    ];
    let value = text_and_json(&args, "relative excess");
    assert_eq!(
        value["study"]["runs"][0]["checkpoints"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    std::fs::write(&out, b"mine").unwrap();
    let mut with_out = args.to_vec();
    with_out.extend(["--out", out.to_str().unwrap()]);
    let refused = run_cli(&with_out);
    assert!(!refused.status.success());
    assert_eq!(std::fs::read(&out).unwrap(), b"mine");
    with_out.push("--force");
    assert!(run_cli(&with_out).status.success());
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
}

#[test]
fn cli_prints_tables_and_json_without_nan() {
    let out = run_cli(&["spectrum", "--d", "3", "--l", "8,16", "--json"]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    let out = run_cli(&["training-time", "--depth", "1,2", "--l", "8,16", "--json"]);
    assert!(out.status.success());
    let table: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(table["rows"].as_array().unwrap().len(), 4);
    let text =
        String::from_utf8(run_cli(&["training-time", "--depth", "1,2", "--l", "8,16"]).stdout)
            .unwrap();
    assert!(text.contains("depth 1: T ~ L^") && !text.to_lowercase().contains("nan"));
}

/// `train` prints the measured time beside the closed forms; for full layers the measured
/// steps equal the closed form on the data statistics within one step (R3.3).
#[test]
fn cli_train_reports_measured_and_predicted_times() {
    let out = run_cli(&[
        "train",
        "--depth",
        "1",
        "--l",
        "4",
        "--samples",
        "256",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let measured = r["measured_steps"].as_u64().unwrap();
    let predicted = r["predicted_steps_empirical"].as_u64().unwrap();
    assert!(measured.abs_diff(predicted) <= 1);
    assert_eq!(r["parameters"].as_u64().unwrap(), 64);
    let out = run_cli(&[
        "train",
        "--layers",
        "local:1",
        "--l",
        "4",
        "--samples",
        "64",
        "--steps",
        "50",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("parameters 27 (full network: 64)"));
}

/// Inputs from issue 13 that used to fail a whole table, run forever, be ignored silently or
/// give a cryptic message: each is refused in one line naming the value, or the table is
/// printed with the impossible part marked n/a.
#[test]
fn cli_issue_13_inputs() {
    let refused: &[(&[&str], &str)] = &[
        (&["train", "--epsilon", "1e-300"], "1e-12"),
        (&["train", "--batch", "0"], "batch = 0"),
        (&["train", "--batch", "64", "--samples", "5"], "--samples"),
        (&["generate", "--samples", "1", "--l", "4"], "samples = 1"),
        (&["generate", "--samples", "2", "--l", "4"], "≥ 8"),
        (&["spectrum", "--beta", "1e308", "--l", "8"], "beta = 1e308"),
        (
            &["generate", "--grid", "geometric:0.001:8:1000000000"],
            "1000000 steps",
        ),
        (
            &["train", "--samples", "100000000", "--l", "64"],
            "--samples",
        ),
        (&["training-time", "--l", "512", "--depth", "4"], "--l"),
        (
            &["spectrum", "--l", "64", "--max-memory", "1K"],
            "--max-memory",
        ),
        (&["spectrum", "--max-memory", "8X"], "8X"),
    ];
    for (args, needle) in refused {
        let out = run_cli(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.trim_end().lines().count() == 1,
            "{args:?}: {err:?}"
        );
        assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    }
    // one L: the table, and the fits marked n/a
    let out = run_cli(&["training-time", "--l", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("fits: n/a (fewer than two distinct L)"),
        "{text}"
    );
    // a fit that is impossible (0 steps: the start is within eps) is n/a, the rest printed
    for args in [
        &["training-time", "--t", "50", "--l", "8,16"][..],
        &["training-time", "--epsilon", "0.999999", "--l", "8,16"][..],
    ] {
        let out = run_cli(args);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("fit n/a"), "{args:?}: {text}");
        assert!(text.contains("depth 1"), "{args:?}: {text}");
    }
    // the JSON names each fit's law, so a null predicted exponent is explained
    let out = run_cli(&["training-time", "--l", "8,16", "--depth", "1,2", "--json"]);
    let table: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let laws: Vec<&str> = table["fits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["law"].as_str().unwrap())
        .collect();
    assert_eq!(laws, ["power", "logarithmic"]);
}

/// One local layer stops at the data set's own radius-R optimum: at L = 3 `local:1` covers
/// the lattice, so it is the full network and stops at the same step (the step the full
/// network's rule — relative error against T_k/Ĉ_k — gives on the sampled data); at L = 5 the
/// trainer (backpropagation on the fields) stops at the step the iteration of the normal
/// equations Ĥθ = b̂ predicts.
#[test]
fn cli_train_local_layer_stops_at_its_data_optimum() {
    let run = |args: &[&str]| -> serde_json::Value {
        let mut a = vec!["train", "--json"];
        a.extend_from_slice(args);
        let out = run_cli(&a);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let steps = |args: &[&str]| -> (Option<u64>, Option<u64>) {
        let r = run(args);
        (
            r["measured_steps"].as_u64(),
            r["predicted_steps_empirical"].as_u64(),
        )
    };
    let (full, _) = steps(&["--l", "3"]);
    let (local, _) = steps(&["--l", "3", "--layers", "local:1"]);
    assert!(full.is_some());
    assert_eq!(local, full);
    // the run says that this local layer is the full one; at L = 5 it is not
    let note = run(&["--l", "3", "--layers", "local:1"])["note"].clone();
    assert!(
        note.as_str().unwrap().contains("full layers here"),
        "{note}"
    );
    let (measured, predicted) = steps(&["--l", "5", "--layers", "local:1", "--samples", "256"]);
    assert!(run(&["--l", "5", "--layers", "local:1", "--samples", "16"])["note"].is_null());
    assert!(measured.is_some());
    // the trainer's gradient is the exact gradient of the same quadratic loss, so the steps
    // agree up to one step of rounding at the threshold
    assert!(measured.unwrap().abs_diff(predicted.unwrap()) <= 1);
}

/// The empirical radius-R optimum is a stationary point of the trainer's own loss: the
/// backpropagated gradient (an independent computation, by convolutions on the fields)
/// vanishes there.
#[test]
fn empirical_local_optimum_is_stationary_for_the_trainer() {
    use critical_slowing::experiment::{ConvNet, DataSet};
    use critical_slowing::fourier::RealFft;
    use critical_slowing::model::LayerKind;
    use critical_slowing::study::empirical_local::empirical_local_optimum;
    use ndarray::Dimension;
    let lattice = Lattice::new(3, 6).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let data = DataSet::draw(field.spectrum(), 64, &[0.5], 3).unwrap();
    let fft = RealFft::new(lattice);
    let batch = data.batch(0).unwrap().to_spectral(&fft).unwrap();
    let stats = data.statistics(0).unwrap();
    let kinds = [LayerKind::Local { radius: 1 }];
    let optimum = empirical_local_optimum(&stats, lattice, 1).unwrap();
    let kernel = fft.inverse(&optimum).unwrap();
    let mut net = ConvNet::balanced(lattice, &kinds, 0.0).unwrap();
    let (_, g0) = net.loss_and_gradient(&batch).unwrap();
    let scale = g0[0].iter().fold(0.0f64, |m, g| m.max(g.abs()));
    for (idx, &a) in kernel.indexed_iter() {
        if let Some(entry) = net.kernel_entry_mut(0, idx.slice()) {
            *entry = a;
        }
    }
    let (_, g) = net.loss_and_gradient(&batch).unwrap();
    let largest = g[0].iter().fold(0.0f64, |m, g| m.max(g.abs()));
    // a solve of a 27 × 27 well-conditioned system and FFT round trips: ~1e-14 relative;
    // 1e-9 leaves room while a wrong sign of b̂ or of the offsets would give O(1)
    assert!(
        largest <= 1e-9 * scale,
        "gradient {largest} vs {scale} at zero"
    );
}
