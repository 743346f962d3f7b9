//! Samplers against references that share no code with `step_coefficients` (R10.5, R10.6,
//! R6.1): an RK4 integration of the frozen-score variance ODE, the Euler–Maruyama moment map
//! derived here, convergence at the derived order with the exact score, and the first-order
//! error coefficients derived in derivations/10-test-power.md.

use crate::common;
use common::euler_maruyama_here;

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::grid::TimeGrid;
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::experiment::reference::{
    reference_generated_values, reference_generated_variance, VarianceDynamics,
};
use critical_slowing::model::Protocol;
use critical_slowing::theory::generation::{
    exact_score_symbols, first_order_relative_error, generated_spectrum, trained_score_symbols,
};
use critical_slowing::{Lattice, Symbol};

const SAMPLERS: [Sampler; 3] = [
    Sampler::SdeExponential,
    Sampler::SdeEulerMaruyama,
    Sampler::OdeExponential,
];

fn score_lists(scores: &[Symbol]) -> Vec<Vec<f64>> {
    scores.iter().map(|s| s.values().to_vec()).collect()
}

fn setups() -> Vec<(String, TimeGrid, Vec<Symbol>)> {
    let field = GaussianField::large_n(Lattice::new(2, 6).unwrap(), 0.3).unwrap();
    let mut out = Vec::new();
    for (gname, grid) in [
        ("uniform 30", TimeGrid::uniform(0.0, 3.0, 30).unwrap()),
        ("geometric 40", TimeGrid::geometric(1e-3, 8.0, 40).unwrap()),
    ] {
        let exact = exact_score_symbols(field.spectrum(), &grid).unwrap();
        let trained =
            trained_score_symbols(field.spectrum(), &grid, &Protocol::default(), 10).unwrap();
        out.push((format!("{gname} exact"), grid.clone(), exact));
        out.push((format!("{gname} trained"), grid, trained));
    }
    out
}

/// R6.1, R10.5: the closed-form generated spectra (exponential SDE and probability-flow ODE)
/// equal the RK4 reference of the frozen-score variance ODE, and Euler–Maruyama equals the
/// moment map derived above, on uniform and geometric grids, with exact and partially trained
/// scores. Tolerance 1e-9 relative: the RK4 reference is accurate to < 2e-12·max(s, 1)
/// relative per step, s = 2(1 + 2|w|)h ≤ 10 here (src/experiment/reference.rs), and in an
/// affine recursion P ← |m|²P + q with q ≥ 0 a relative error made at step j reaches the end
/// multiplied by the share of P_final that comes from P_j, which is ≤ 1; so ≤ 40 steps
/// accumulate ≤ 8e-10. A score frozen at t_j instead of
/// t_{j+1}, q = 2h,
/// a wrong ODE exponent or a wrong EM mean factor change these spectra by ≥ 1e-3.
#[test]
fn closed_form_spectra_equal_independent_references() {
    for (name, grid, scores) in setups() {
        let lists = score_lists(&scores);
        for sampler in SAMPLERS {
            let closed = generated_spectrum(sampler, &grid, &scores).unwrap();
            let reference: Vec<f64> = match sampler {
                Sampler::SdeExponential => {
                    reference_generated_values(VarianceDynamics::ReverseSde, &grid, &lists).unwrap()
                }
                Sampler::OdeExponential => {
                    reference_generated_values(VarianceDynamics::ProbabilityFlow, &grid, &lists)
                        .unwrap()
                }
                Sampler::SdeEulerMaruyama => (0..lists[0].len())
                    .map(|k| euler_maruyama_here(&grid, &|j| lists[j][k]))
                    .collect(),
            };
            for (k, (a, b)) in closed.values().iter().zip(&reference).enumerate() {
                assert!(
                    (a / b - 1.0).abs() <= 1e-9,
                    "{name} {sampler:?} class {k}: closed {a} vs reference {b}"
                );
            }
        }
    }
}

fn exact_ct(c0: f64) -> impl Fn(f64) -> f64 {
    move |t: f64| common::forward_variance_here(c0, t)
}

/// Generated variance of a single mode with data variance c0 on `grid`, exact score, prior 1,
/// by the code under test.
fn closed_single(sampler: Sampler, grid: &TimeGrid, c0: f64) -> f64 {
    let lattice = Lattice::new(1, 1).unwrap();
    let spectrum = Symbol::from_laplacian(&lattice.single_mode_classes(), |_| c0);
    let scores = exact_score_symbols(&spectrum, grid).unwrap();
    generated_spectrum(sampler, grid, &scores).unwrap().values()[0]
}

/// The same by the references (RK4 for the exponential schemes, the moment map for EM).
fn reference_single(sampler: Sampler, grid: &TimeGrid, c0: f64) -> f64 {
    let ct = exact_ct(c0);
    let t = grid.times().to_vec();
    let w = move |j: usize| -1.0 / ct(t[j]);
    match sampler {
        Sampler::SdeExponential => {
            reference_generated_variance(VarianceDynamics::ReverseSde, grid, &w, 1.0)
        }
        Sampler::OdeExponential => {
            reference_generated_variance(VarianceDynamics::ProbabilityFlow, grid, &w, 1.0)
        }
        Sampler::SdeEulerMaruyama => euler_maruyama_here(grid, &w),
    }
}

/// Uniform grid of N steps on [0, T], T = 12 (prior mismatch e^{−24}c0² < 1e-7 for c0 ≤ 40,
/// far below the discretisation errors measured here).
const HORIZON: f64 = 12.0;

fn uniform(n: usize) -> TimeGrid {
    TimeGrid::uniform(0.0, HORIZON, n).unwrap()
}

/// R10.6 first-order coefficient A = lim N (P_N/c0 − 1) on the uniform grid, derived in
/// derivations/10-test-power.md: SDE exponential and probability-flow ODE −T(c0 − 1)/c0;
/// Euler–Maruyama −T[(c0 − 1)/c0 + c0 ln c0/(2(c0 − 1)) − 1].
fn coefficient(sampler: Sampler, c0: f64) -> f64 {
    let freeze = (c0 - 1.0) / c0;
    match sampler {
        Sampler::SdeEulerMaruyama => -HORIZON * (freeze + c0 * c0.ln() / (2.0 * (c0 - 1.0)) - 1.0),
        _ => -HORIZON * freeze,
    }
}

/// R10.5: with the exact score every sampler converges to C_k at order 1 (the score frozen
/// over a step is a first-order error for all three; EM's propagator is first order too).
/// Observed order log2(d_N/d_{2N}), d_N = P_N − P_{2N}, for N = 800, 1600 on modes
/// c0 ∈ {0.3, 3, 40}, by the code under test and by the references. Window 1 ± 0.05: with
/// e(N) = A/N + B/N², d_N/d_{2N} = 2(1 + 3B/(4AN) + …) and |B/A| ≤ 25 in every case here
/// (read off the drift of N·e(N) between N = 200 and 3200), so |order − 1| ≤ 0.035 at N = 800.
/// The limit itself is C_k: Richardson 2P_{2N} − P_N at N = 3200 is within 1e-4 of c0
/// relative: it leaves −B/(2N²)·…, |B| ≤ 25|A| ≤ 25·37, i.e. ≤ 4.5e-5 (measured ≤ 1.7e-5).
#[test]
fn every_sampler_converges_at_order_one() {
    for sampler in SAMPLERS {
        for c0 in [0.3, 3.0, 40.0] {
            for f in [closed_single, reference_single] {
                let p: Vec<f64> = [800, 1600, 3200, 6400]
                    .iter()
                    .map(|&n| f(sampler, &uniform(n), c0))
                    .collect();
                for w in p.windows(3) {
                    let order = ((w[0] - w[1]) / (w[1] - w[2])).log2();
                    assert!(
                        (order - 1.0).abs() <= 0.05,
                        "{sampler:?} c0 = {c0}: observed order {order}"
                    );
                }
                let limit = 2.0 * p[3] - p[2];
                assert!(
                    (limit / c0 - 1.0).abs() <= 1e-4,
                    "{sampler:?} c0 = {c0}: extrapolated {limit}"
                );
            }
        }
    }
}

/// R10.6: the leading error coefficient N(P_N/c0 − 1) → A of each sampler, from the code under
/// test (Richardson 2·(2N)e(2N) − N e(N) at N = 1600, which leaves O(1/N²)) and from the
/// library's first-order sum `first_order_relative_error` (N = 3200), equals the closed form
/// derived in the derivation within 1e-3 relative (measured ≤ 1e-4; the neglected terms are
/// O(N⁻²)·|B| ≈ 1e-5 and the prior mismatch e^{−2T}). Freezing the score at t_j instead of
/// t_{j+1} flips the sign of the freezing term; q = 2h in the exponential SDE adds
/// −T c0 ln c0/(2(c0 − 1)) + T; a wrong EM mean factor or ODE exponent destroys convergence.
#[test]
fn leading_error_coefficients_match_the_derivation() {
    for sampler in SAMPLERS {
        for c0 in [0.3, 3.0, 40.0] {
            let want = coefficient(sampler, c0);
            let e = |n: usize| n as f64 * (closed_single(sampler, &uniform(n), c0) / c0 - 1.0);
            let richardson = 2.0 * e(3200) - e(1600);
            assert!(
                (richardson / want - 1.0).abs() <= 1e-3,
                "{sampler:?} c0 = {c0}: N·error → {richardson}, derived {want}"
            );
            let first = 3200.0 * first_order_relative_error(sampler, &uniform(3200), c0);
            assert!(
                (first / want - 1.0).abs() <= 1e-3,
                "{sampler:?} c0 = {c0}: first-order sum {first}, derived {want}"
            );
        }
    }
}

/// The exponential SDE step where its rate vanishes, a = 1 + 2w = 0 (w = −1/2): the reverse SDE
/// is then pure diffusion over h, so the step must be exactly (m, q) = (1, 2h) — derived from
/// dy = √2 dB̄ alone, not from the code's small-|a|h branch. Just off a = 0 the two branches
/// (Taylor and exp_m1) must agree with the exact (e^{2ah} − 1)/a to rounding. This reaches the
/// branch that finite grids never visit (cargo-mutants' survivors in docs/mutants.md).
#[test]
fn exponential_step_at_zero_rate_is_pure_diffusion() {
    use critical_slowing::diffusion::reverse::step_coefficients;
    use num_complex::Complex;
    for h in [1e-3, 0.1, 0.7] {
        let (m, q) = step_coefficients(Sampler::SdeExponential, Complex::new(-0.5, 0.0), h);
        assert_eq!(m, Complex::new(1.0, 0.0), "h = {h}");
        assert!((q - 2.0 * h).abs() <= 1e-15 * h, "h = {h}: q = {q}");
        for a in [1e-10, -1e-10, 2e-8 / h, -2e-8 / h] {
            let w = Complex::new((a - 1.0) / 2.0, 0.0);
            let (_, q) = step_coefficients(Sampler::SdeExponential, w, h);
            // exact (e^{2ah} − 1)/a = 2h(1 + ah + (2/3)(ah)² + …); |ah| ≤ 2e-8 here
            let exact = 2.0 * h * (1.0 + a * h + 2.0 / 3.0 * (a * h).powi(2));
            assert!(
                (q - exact).abs() <= 1e-14 * exact,
                "h = {h}, a = {a}: {q} vs {exact}"
            );
        }
    }
}

/// The time grids against hand values: uniform(0.1, 1.1, 4) = 0.1, 0.35, 0.6, 0.85, 1.1 and
/// geometric(0.1, 10, 2) = 0.1, 1, 10 (to rounding, 1e-14); each bad request is refused by the
/// check that names it, not later by a NaN or a too-short list.
#[test]
fn time_grids_by_hand() {
    let u = TimeGrid::uniform(0.1, 1.1, 4).unwrap();
    for (got, want) in u.times().iter().zip([0.1, 0.35, 0.6, 0.85, 1.1]) {
        assert!((got - want).abs() < 1e-14, "{:?}", u.times());
    }
    assert_eq!((u.steps(), u.horizon()), (4, u.times()[4]));
    let g = TimeGrid::geometric(0.1, 10.0, 2).unwrap();
    for (got, want) in g.times().iter().zip([0.1, 1.0, 10.0]) {
        assert!((got - want).abs() < 1e-14, "{:?}", g.times());
    }
    let message = |r: critical_slowing::Result<TimeGrid>| r.unwrap_err().to_string();
    for (t_min, steps) in [(0.0, 4), (-1.0, 4), (f64::NAN, 4), (0.1, 0)] {
        let m = message(TimeGrid::geometric(t_min, 10.0, steps));
        assert!(m.contains("geometric grid t_min"), "{t_min}, {steps}: {m}");
    }
    assert!(message(TimeGrid::uniform(0.0, 1.0, 0)).contains("grid steps"));
    assert!(message(TimeGrid::new(vec![0.5])).contains("at least two"));
    assert!(message(TimeGrid::new(vec![-0.1, 1.0])).contains("t_0 ≥ 0"));
    assert!(message(TimeGrid::new(vec![0.0, f64::INFINITY])).contains("finite"));
    assert!(message(TimeGrid::new(vec![0.2, 0.1])).contains("increase"));
    assert!(message(TimeGrid::geometric(1e-3, 1e300, 40)).contains("at most 50"));
    assert!(TimeGrid::uniform(0.0, 50.0, 4).is_ok());
}

/// R10.6 on a grid that starts at t_0 = 0.5 > 0, where the normalisation Φ(t_0) of the
/// first-order sum differs between the samplers (probability flow: c0/C(t_0); the SDEs:
/// e^{−2t_0}(c0/C(t_0))², 17 % apart at c0 = 10). On [0, T] both are 1 and cannot be told
/// apart. The first-order sum N·e₁ (N = 3200) must equal the Richardson limit
/// 2·(2N)e(2N) − N·e(N) of the references' relative error P_N/C(t_0) − 1 (N = 1600, 3200)
/// within 1e-3 relative: the remainder is O(1/N) in the first and O(1/N²) in the second.
#[test]
fn first_order_sum_holds_on_grids_that_start_above_zero() {
    let grid = |n: usize| TimeGrid::uniform(0.5, 12.5, n).unwrap();
    for sampler in SAMPLERS {
        for c0 in [3.0, 10.0, 40.0] {
            let c_start = exact_ct(c0)(0.5);
            let e = |n: usize| n as f64 * (reference_single(sampler, &grid(n), c0) / c_start - 1.0);
            let limit = 2.0 * e(3200) - e(1600);
            let first = 3200.0 * first_order_relative_error(sampler, &grid(3200), c0);
            assert!(
                (first / limit - 1.0).abs() <= 1e-3,
                "{sampler:?} c0 = {c0}: first-order sum {first}, references {limit}"
            );
        }
    }
}
