//! The magnetisation (zero mode) needs more sampler steps as L grows (R10.6): at β_c, d = 3,
//! the exact score on a geometric grid from t_min = 1e-3 to T = 8, exponential-integrator SDE.

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::experiment::estimate::SpectrumEstimate;
use critical_slowing::experiment::sampler::{generate, SymbolScores};
use critical_slowing::fit;
use critical_slowing::power::{chi2_test, min_samples_for_power, power_zero_mode};
use critical_slowing::sampling::seeded_rng;
use critical_slowing::theory::generation::{
    exact_score_symbols, first_order_relative_error, geometric_zero_mode_error_asymptote,
    zero_mode_relative_error, zero_mode_steps_needed, GridKind,
};
use critical_slowing::{Lattice, Symbol};

const T_MIN: f64 = 1e-3;
const HORIZON: f64 = 8.0;
const TOL: f64 = 0.05;
const SIDES: [usize; 4] = [8, 16, 32, 64];

fn critical(l: usize) -> (Symbol, f64) {
    let field = GaussianField::large_n_critical(Lattice::new(3, l).unwrap()).unwrap();
    let c0 = field.spectrum().at(&[0, 0, 0]);
    (field.spectrum().clone(), c0)
}

fn geometric(n: usize) -> critical_slowing::diffusion::grid::TimeGrid {
    GridKind::Geometric.grid(T_MIN, HORIZON, n).unwrap()
}

/// R10.6: the exact zero-mode error of the recursion (code under test) against the first-order
/// sum at N = 4000 within 2 % of the error: the remainder is second order, relative size
/// ≈ |error| ≤ 1 % (measured 0.2–0.4 %). The first-order sum against its large-c0 closed form
/// −(ln(T/t_min)/2N)(ln(c0 − 1) − 1) within 0.4/ln c0 relative: the neglected terms are O(1)
/// corrections to the bracket ln(c0 − 1) − 1, i.e. O(1/ln c0) relative (measured
/// 2.4 %…0.03 % for c0 = 68…4300, the bound is 9.5 %…4.8 %).
#[test]
fn zero_mode_error_matches_its_first_order_law() {
    for l in SIDES {
        let (spectrum, c0) = critical(l);
        let n = 4000;
        let grid = geometric(n);
        let exact = zero_mode_relative_error(Sampler::SdeExponential, &grid, &spectrum).unwrap();
        let first = first_order_relative_error(Sampler::SdeExponential, &grid, c0);
        assert!(
            (exact / first - 1.0).abs() <= 0.02,
            "L = {l}: exact {exact} vs first order {first}"
        );
        let closed = geometric_zero_mode_error_asymptote(T_MIN, HORIZON, c0, n);
        assert!(
            ((first - closed) / closed).abs() <= 0.4 / c0.ln(),
            "L = {l}, c0 = {c0}: first order {first} vs closed form {closed}"
        );
        println!("L={l} c0={c0:.2} exact={exact:.4e} first={first:.4e} closed={closed:.4e}");
    }
}

/// R10.6: the steps for a 5 % zero-mode error grow like ln c0 ∝ ln L: a fit of N against
/// ln c0 over L = 8…64 has slope ln(T/t_min)/(2·tol) = 89.9 within 3 %: the O(1) corrections
/// to the bracket ln c0 − 1 change by < 0.1 across the range (previous test), against a span
/// of ln c0 of 4.2, i.e. ≤ 2.4 %, plus ceiling effects of one step in ~120 per doubling. At that
/// N the exact error is ≤ 5.5 % (the second-order remainder is ~5 % of the 5 %; measured
/// 4.85 %); at N/2 it exceeds 5 %, and the default 40-step grid misses the magnetisation by
/// ≥ 25 % at every L (measured 30 %, 40 %, 48 %, 56 %).
#[test]
fn zero_mode_steps_grow_like_log_l() {
    let mut ln_c0 = Vec::new();
    let mut steps = Vec::new();
    for l in SIDES {
        let (spectrum, c0) = critical(l);
        let n = zero_mode_steps_needed(
            Sampler::SdeExponential,
            GridKind::Geometric,
            T_MIN,
            HORIZON,
            c0,
            TOL,
        )
        .unwrap();
        let at_n = zero_mode_relative_error(Sampler::SdeExponential, &geometric(n), &spectrum)
            .unwrap()
            .abs();
        let at_half =
            zero_mode_relative_error(Sampler::SdeExponential, &geometric(n / 2), &spectrum)
                .unwrap()
                .abs();
        let at_40 = zero_mode_relative_error(Sampler::SdeExponential, &geometric(40), &spectrum)
            .unwrap()
            .abs();
        println!(
            "L={l} c0={c0:.2} N={n} err(N)={at_n:.4} err(N/2)={at_half:.4} err(40)={at_40:.4}"
        );
        assert!(at_n <= TOL * 1.1, "L = {l}: error {at_n} at N = {n}");
        assert!(at_half > TOL, "L = {l}: error {at_half} at N/2");
        assert!(at_40 >= 0.25, "L = {l}: 40 steps give only {at_40}");
        ln_c0.push(c0.ln());
        steps.push(n as f64);
    }
    let slope = fit::line(&ln_c0, &steps).unwrap().slope;
    let want = (HORIZON / T_MIN).ln() / (2.0 * TOL);
    assert!(
        (slope / want - 1.0).abs() <= 0.03,
        "slope {slope} vs {want}"
    );
}

/// R10.6 in samples, L = 8 (V = 512). With N = zero_mode_steps_needed steps, M = 1000 fields:
/// the zero-mode variance is consistent with C_0(t_min)(1 + e), |e| ≤ 5 % (the χ² test against
/// the nearer end of that band passes); with the default 40 steps it is not (the test against
/// the nearer end of the band fails), with M the smallest sample size giving that test power
/// ≥ 0.99 (R10.2) against the exact 40-step error (−30 %, i.e. −26 % beyond the band edge).
/// Level 1e-6 over the two checks.
#[test]
fn magnetisation_in_samples() {
    let (spectrum, c0) = critical(8);
    let level = 1e-6 / 2.0;
    let c_tmin = spectrum_at(&spectrum.map(|_| c0), T_MIN).unwrap().values()[0];
    let lattice = spectrum.lattice();
    let zero_mode_p_hat = |n: usize, m: usize, seed: u64| {
        let grid = geometric(n);
        let scores = exact_score_symbols(&spectrum, &grid).unwrap();
        let fields = generate(
            Sampler::SdeExponential,
            &grid,
            &SymbolScores(scores),
            m,
            &mut seeded_rng(seed),
        )
        .unwrap();
        let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
        est.variances().iter().next().copied().unwrap()
    };
    // consistent with the band: test against the band end nearer to P̂
    let band_test = |p_hat: f64, m: usize| {
        let p = p_hat.clamp(c_tmin * (1.0 - TOL), c_tmin * (1.0 + TOL));
        chi2_test(m as f64 * p_hat / p, m as f64, level).unwrap()
    };
    let n = zero_mode_steps_needed(
        Sampler::SdeExponential,
        GridKind::Geometric,
        T_MIN,
        HORIZON,
        c0,
        TOL,
    )
    .unwrap();
    let good = band_test(zero_mode_p_hat(n, 1000, 11), 1000);
    assert!(
        good.pass,
        "N = {n}: zero mode outside the 5 % band: {good:?}"
    );
    let e40 = zero_mode_relative_error(Sampler::SdeExponential, &geometric(40), &spectrum).unwrap();
    let beyond = (1.0 + e40) / (1.0 + TOL * e40.signum()) - 1.0;
    let m = min_samples_for_power(level, 1.0, beyond, 0.99).unwrap();
    let power = power_zero_mode(level, m, beyond).unwrap();
    assert!(power >= 0.99, "power {power} against {beyond}");
    let bad = band_test(zero_mode_p_hat(40, m, 12), m);
    assert!(
        !bad.pass,
        "40 steps: zero mode within the 5 % band: {bad:?}"
    );
}
