//! Scaling of the closed-form training times at criticality (R3.3, R3.4, R4.3, R4.4, R4.5,
//! R4.6): β_c, d = 3, t = 0, L = 8…64, ε = 1e-2, c = 1/2.

use critical_slowing::data::GaussianField;
use critical_slowing::fit;
use critical_slowing::model::Protocol;
use critical_slowing::report::text::training as format_training;
use critical_slowing::study::{training_table, TrainingTable};
use critical_slowing::theory::training_time;
use critical_slowing::Lattice;

const SIDES: [usize; 4] = [8, 16, 32, 64];

fn table() -> TrainingTable {
    training_table(3, &SIDES, &[1, 2, 3, 4], Protocol::default(), 0.0).unwrap()
}

fn steps(table: &TrainingTable, depth: usize) -> Vec<f64> {
    table
        .rows
        .iter()
        .filter(|r| r.depth == depth)
        .map(|r| r.steps as f64)
        .collect()
}

fn exponent(table: &TrainingTable, depth: usize) -> f64 {
    let ls: Vec<f64> = SIDES.iter().map(|&l| l as f64).collect();
    fit::power_law(&ls, &steps(table, depth)).unwrap().slope
}

/// R3.3: T_1 ∝ κ ∝ L². Tolerance 0.05: κ/L² drifts by 1.5 % over L = 8…64 (R1.5 snapshot),
/// which moves the fitted exponent by ≈ 0.01; the ceiling adds < 1e-3.
#[test]
fn one_layer_training_time_grows_like_l_squared() {
    let p = exponent(&table(), 1);
    assert!((p - 2.0).abs() <= 0.05, "T_1 exponent {p}");
}

/// R4.4: T_2 grows by ln 2 / ln(1 + 2η) per doubling of L (κ quadruples), within one step
/// (each T_2 is an integer, so one step of rounding on each side of the difference).
#[test]
fn two_layer_training_time_grows_like_log_l() {
    let t = table();
    let eta = t.rows.iter().find(|r| r.depth == 2).unwrap().learning_rate;
    assert_eq!(eta, 0.125, "R4.1: eta = c/4 for D = 2");
    let per_doubling = 2f64.ln() / (1.0 + 2.0 * eta).ln();
    let s = steps(&t, 2);
    for w in s.windows(2) {
        let inc = w[1] - w[0];
        assert!(
            (inc - per_doubling).abs() <= 1.0,
            "T_2 increment {inc} vs {per_doubling}"
        );
    }
}

/// R4.4, sharper: over L = 8…256 (five doublings) the mean increment of T_2 per doubling,
/// (T_2(256) − T_2(8))/5, equals ln 2/ln(1 + 2η) = 3.106 within ±0.3: T_2 = ⌈f(L)⌉ with
/// f(L) = ln κ/(2 ln(1 + 2η)) + const + o(1), so the mean increment is the law's plus the
/// rounding of the two ends (≤ 1/5 step) and the drift of κ/L² (1.5 % over the range, R1.5:
/// ≤ 0.02/(2 ln 1.25·5) step). A wrong per-doubling law (e.g. ln 4/ln(1 + 2η) or ln 2/(2η))
/// is off by ≥ 0.3.
#[test]
fn two_layer_mean_increment_per_doubling() {
    let sides = [8, 16, 32, 64, 128, 256];
    let t = training_table(3, &sides, &[2], Protocol::default(), 0.0).unwrap();
    let s: Vec<f64> = t.rows.iter().map(|r| r.steps as f64).collect();
    let eta = t.rows[0].learning_rate;
    let mean = (s[5] - s[0]) / 5.0;
    let want = 2f64.ln() / (1.0 + 2.0 * eta).ln();
    assert!(
        (mean - want).abs() <= 0.3,
        "mean increment {mean} vs {want}"
    );
}

/// R4.7: the finite-L expectation ln(κ₂/κ₁)/(2n ln(1 + 2η)) and its window (rounding 1/n plus
/// the catch-up bound 2.49/(nκ₁)) hold for the closed-form T₂ on every pair of sides of
/// 4…128 at t = 0 and at t = 0.5 (where κ(t) at L = 4 is ≈ 9, so the catch-up term matters),
/// d = 3 and d = 4 (4…16). Power: the window is < 1.3 steps wide on every pair, while a law with ln 4 in
/// place of ln 2 (6.2 steps per doubling) or without the 2 of 2 ln r (6.2) is off by ≥ 3.
#[test]
fn two_layer_increment_has_its_finite_l_expectation() {
    use critical_slowing::theory::two_layer::increment_per_doubling;
    let sides = [4, 8, 16, 32, 64, 128];
    for d in [3, 4] {
        for t in [0.0, 0.5] {
            let sides = if d == 4 { &sides[..3] } else { &sides[..] };
            let table = training_table(d, sides, &[2], Protocol::default(), t).unwrap();
            let eta = table.rows[0].learning_rate;
            for (i, a) in table.rows.iter().enumerate() {
                for b in &table.rows[i + 1..] {
                    let n = (b.l as f64 / a.l as f64).log2();
                    let (want, window) = increment_per_doubling(a.kappa, b.kappa, n, eta);
                    let got = (b.steps as f64 - a.steps as f64) / n;
                    assert!(
                        (got - want).abs() <= window,
                        "d = {d}, t = {t}, L = {} → {}: {got} vs {want} ± {window}",
                        a.l,
                        b.l
                    );
                    assert!(window < 1.3, "window {window}");
                }
            }
        }
    }
}

/// R4.5: T_D ∝ κ^{1−2/D} ∝ L^{2−4/D}: exponents 2/3 (D = 3) and 1 (D = 4) within 0.05 (the
/// same finite-size drift of κ/L² as above, plus sub-leading ln(1/ε) terms).
#[test]
fn deeper_networks_grow_like_kappa_to_one_minus_two_over_depth() {
    let t = table();
    let p3 = exponent(&t, 3);
    let p4 = exponent(&t, 4);
    assert!((p3 - 2.0 / 3.0).abs() <= 0.05, "T_3 exponent {p3}");
    assert!((p4 - 1.0).abs() <= 0.05, "T_4 exponent {p4}");
    // depth two is the optimum at every L
    for &l in &SIDES {
        let row = |d| {
            t.rows
                .iter()
                .find(|r| r.l == l && r.depth == d)
                .unwrap()
                .steps
        };
        assert!(
            row(2) < row(1) && row(2) < row(3) && row(2) < row(4),
            "L = {l}"
        );
    }
}

/// R3.4: with η = c/(2C_max), the one-layer flow time is exactly (κ/c) ln(1/ε), κ from the
/// model's (4dβ + μ)/μ; R4.3: the two-layer flow time is (1/4η) ln[(κ − 1)(1 − ε)/ε].
#[test]
fn flow_times_match_the_condition_number_formulas() {
    for &l in &SIDES {
        let field = GaussianField::large_n_critical(Lattice::new(3, l).unwrap()).unwrap();
        let (beta, mu) = field.coupling_and_mass().unwrap();
        let kappa = (12.0 * beta + mu) / mu;
        let p = Protocol::default();
        let t1 = training_time(field.spectrum(), &p).unwrap();
        let want1 = kappa / p.lr_fraction * (1.0 / p.epsilon).ln();
        assert!((t1.flow_time / want1 - 1.0).abs() < 1e-12);
        let t2 = training_time(field.spectrum(), &p.with_depth(2).unwrap()).unwrap();
        let eta = t2.learning_rate;
        let want2 = ((kappa - 1.0) * (1.0 - p.epsilon) / p.epsilon).ln() / (4.0 * eta);
        assert!((t2.flow_time / want2 - 1.0).abs() < 1e-12);
        // R3.3: the discrete one-layer time sits within one step of ln ε / ln(1 − c/κ)
        let approx = (p.epsilon.ln() / (1.0 - p.lr_fraction / kappa).ln()).ceil();
        assert!((t1.steps as f64 - approx).abs() <= 1.0);
    }
}

/// R4.6: snapshot of the T_D(L) table (steps exact, κ, η and flow times to 6 digits).
#[test]
fn training_time_table_snapshot() {
    let t = table();
    let mut text = String::from("depth L kappa eta steps flow_time\n");
    for r in &t.rows {
        text += &format!(
            "{} {} {:.5e} {:.5e} {} {:.5e}\n",
            r.depth, r.l, r.kappa, r.learning_rate, r.steps, r.flow_time
        );
    }
    for f in &t.fits {
        text += &format!(
            "fit depth {}: exponent {:.4}, log-slope {:.3}\n",
            f.depth, f.exponent, f.log_slope
        );
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("training_time_table_d3", text);
    });
    // the human table prints every row: a heading (with the definitions of its columns), the
    // column names, one line per row and per fit
    assert_eq!(
        format_training(&t).lines().count(),
        2 + t.rows.len() + t.fits.len()
    );
}

/// R4.5's step estimate guards the cap: a depth-3 run whose estimate D/((D − 2)c)·κ^{1−2/D}
/// exceeds MAX_STEPS = 10⁸ is refused before any iteration, and the refusal names the
/// estimate. κ = 10²² gives 6·κ^{1/3} = 1.29·10⁸: just over the cap, so an estimate off by a
/// factor ≥ 1.3 (a wrong exponent or prefactor) would let the run start and fail later, at the
/// cap, with another error.
#[test]
fn over_cap_deep_runs_are_refused_by_the_estimate() {
    use critical_slowing::Error;
    let classes = Lattice::new(1, 2).unwrap().mode_classes();
    let spectrum =
        critical_slowing::Symbol::from_laplacian(&classes, |l| if l == 0.0 { 1.0 } else { 1e-22 });
    assert!((spectrum.condition_number() / 1e22 - 1.0).abs() < 1e-12);
    let protocol = Protocol::new(3, 0.5, 0.01).unwrap();
    match training_time::training_time(&spectrum, &protocol) {
        Err(Error::NoConvergence { what, detail }) => {
            assert_eq!(what, "depth-D training", "{detail}");
            assert!(detail.contains("1.29"), "{detail}");
        }
        other => panic!("expected the early refusal, got {other:?}"),
    }
}

/// The whole-spectrum training time dispatches D = 1 and D = 2 to their closed forms (R3.3,
/// R3.4, R4.2, R4.3); the general depth-D iteration and flow time give the same numbers
/// there (to 1e-9 for flow times; step counts exactly). This is why deleting either dispatch
/// arm (cargo-mutants) changes no result: the mutants are equivalent, and this test says so.
#[test]
fn general_depth_path_agrees_with_the_closed_forms_at_depths_one_and_two() {
    use critical_slowing::theory::{depth, one_layer, two_layer};
    for &(c, eta) in &[(0.05, 0.4), (1.0, 0.3), (3.0, 0.1)] {
        let (v0, eps) = (0.0, 1e-2);
        assert_eq!(
            depth::training_steps(1, c, eta, v0, eps, 10_000_000).unwrap(),
            one_layer::training_steps(c, eta, eps).unwrap(),
            "D = 1, C = {c}"
        );
        let (a, b) = (
            depth::flow_time(1, c, eta, v0, eps).unwrap(),
            one_layer::flow_time(c, eta, eps),
        );
        assert!((a - b).abs() <= 1e-9 * b, "D = 1 flow: {a} vs {b}");
        let v0 = 0.1 / c;
        let (a, b) = (
            depth::flow_time(2, c, eta, v0, eps).unwrap(),
            two_layer::flow_time(c, eta, v0, eps),
        );
        assert!((a - b).abs() <= 1e-9 * b, "D = 2 flow: {a} vs {b}");
    }
}
