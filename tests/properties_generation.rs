//! Property tests for generation (R6.4, R6.5): for random spectra and random (untrained)
//! linear scores the continuous-time KL obeys the Girsanov bound; KL ≥ 0 with equality iff
//! P = C; W2 obeys the triangle inequality.

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::diffusion::grid::TimeGrid;
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::divergence::{kl_divergence, kl_term, wasserstein2};
use critical_slowing::model::Protocol;
use critical_slowing::theory::generation::{
    continuous_generated_variance, exact_score_symbols, generated_spectrum, girsanov_bound,
    horizon_for_kl, prior_kl, trained_score_symbols,
};
use critical_slowing::{Error, Lattice};
use proptest::prelude::*;

use crate::common;
use common::forward_variance_here;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// R6.5: KL(p_data ‖ p_gen) ≤ KL(p_T ‖ N(0,I)) + ∫ E‖s_θ − s*‖² dt for the continuous-time
    /// reverse SDE with the score symbol w_k(t) = −(1 + a_k + b_k t)/C_k(t) (random a, b per
    /// mode class). The generated variance is integrated to O(h²) with 4000 steps and the
    /// bound's integral by the midpoint rule; both discretisations are far below the slack
    /// except when the score is exact, where the inequality is checked with a 1e-9 margin.
    #[test]
    fn girsanov_bound_holds(d in 1usize..=3, l in 2usize..=6, beta in 0.1f64..2.0, mu in 0.05f64..2.0,
                            horizon in 0.3f64..4.0, scale in 0.0f64..0.8, seed in 0u64..1000) {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::massive_free(lattice, beta, mu).unwrap();
        let spec = field.spectrum();
        let n = spec.values().len();
        // deterministic pseudo-random coefficients per class from the seed
        let coef: Vec<(f64, f64)> = (0..n).map(|i| {
            let u = ((seed as f64 + 1.0) * (i as f64 + 1.3) * 12.9898).sin() * 43758.5453;
            let v = ((seed as f64 + 2.0) * (i as f64 + 0.7) * 78.233).sin() * 12345.678;
            (scale * (u.fract() - 0.5), scale * (v.fract() - 0.5) / horizon)
        }).collect();
        let c = |i: usize, t: f64| spectrum_at(spec, t).unwrap().values()[i];
        let w = |i: usize, t: f64| -(1.0 + coef[i].0 + coef[i].1 * t) / c(i, t);
        // generated spectrum, class by class
        let values: Vec<f64> = (0..n).map(|i| {
            continuous_generated_variance(false, |t| w(i, t), horizon, 1.0, 4000)
        }).collect();
        let p = spec.with_values(values).unwrap();
        let kl = kl_divergence(spec, &p).unwrap();
        let bound = girsanov_bound(spec, w, horizon, 4000).unwrap();
        prop_assert!(kl <= bound * (1.0 + 1e-9) + 1e-12, "KL {} > bound {}", kl, bound);
    }

    /// R6.4: KL ≥ 0, zero iff P = C (here: at P = C exactly, and > 0 when any mode differs);
    /// W2 triangle inequality over three spectra.
    #[test]
    fn divergence_axioms(d in 1usize..=3, l in 2usize..=6, b1 in 0.1f64..3.0, m1 in 0.05f64..3.0,
                         b2 in 0.1f64..3.0, m2 in 0.05f64..3.0, b3 in 0.1f64..3.0, m3 in 0.05f64..3.0) {
        let lattice = Lattice::new(d, l).unwrap();
        let s = |b, m| GaussianField::massive_free(lattice, b, m).unwrap().spectrum().clone();
        let (p, c, q) = (s(b1, m1), s(b2, m2), s(b3, m3));
        prop_assert_eq!(kl_divergence(&p, &p).unwrap(), 0.0);
        let kl = kl_divergence(&p, &c).unwrap();
        prop_assert!(kl >= 0.0);
        let differs = p.values().iter().zip(c.values()).any(|(a, b)| (a / b - 1.0).abs() > 1e-6);
        if differs { prop_assert!(kl > 0.0); }
        for (&a, &b) in p.values().iter().zip(c.values()) { prop_assert!(kl_term(a, b) >= 0.0); }
        let (pc, cq, pq) = (wasserstein2(&p, &c).unwrap(), wasserstein2(&c, &q).unwrap(), wasserstein2(&p, &q).unwrap());
        prop_assert!(pq <= pc + cq + 1e-12 * (pc + cq + pq));
    }
}

/// R6.5's bound evaluated where its two terms are known by hand. Each mode class's variance
/// under the forward process is C_k(t) = e^{−2t} C_k + 1 − e^{−2t}, written here. With the
/// exact score w = −1/C_k(t) the integral vanishes and the bound is the prior KL
/// ½ Σ_k m_k (C_k(T) − 1 − ln C_k(T)). With w = ε − 1/C_k(t) the integrand is
/// ε² Σ_k m_k C_k(t), whose integral is ε² Σ_k m_k [T + (C_k − 1)(1 − e^{−2T})/2]. The
/// midpoint rule with 4000 steps on T = 1.5 errs by ≤ T h² max|C''|/24 ≈ 1e-8 relative;
/// the tolerance is 1e-6.
#[test]
fn girsanov_bound_by_hand() {
    let lattice = Lattice::new(2, 4).unwrap();
    let field = GaussianField::massive_free(lattice, 0.7, 0.3).unwrap();
    let spec = field.spectrum();
    let c0 = spec.values().to_vec();
    let mult = spec.classes().multiplicity().to_vec();
    let horizon: f64 = 1.5;
    let decay = (-2.0 * horizon).exp();
    let c_t = |i: usize, t: f64| forward_variance_here(c0[i], t);
    let prior: f64 = (0..c0.len())
        .map(|i| {
            let ct = c_t(i, horizon);
            0.5 * mult[i] as f64 * (ct - 1.0 - ct.ln())
        })
        .sum();
    let exact = girsanov_bound(spec, |i, t| -1.0 / c_t(i, t), horizon, 4000).unwrap();
    assert!((exact - prior).abs() <= 1e-6 * prior, "{exact} vs {prior}");
    let eps = 0.3;
    let integral: f64 = (0..c0.len())
        .map(|i| mult[i] as f64 * (horizon + (c0[i] - 1.0) * (1.0 - decay) / 2.0))
        .sum();
    let want = prior + eps * eps * integral;
    let got = girsanov_bound(spec, |i, t| eps - 1.0 / c_t(i, t), horizon, 4000).unwrap();
    assert!((got - want).abs() <= 1e-6 * want, "{got} vs {want}");
}

/// The continuous-time SDE variance where the drift rate vanishes, a = 1 + 2w = 0 (w = −½):
/// the reverse SDE is pure diffusion dy = √2 dB̄, so P(0) = P(T) + 2T exactly, whatever the
/// number of steps (rounding only, 1e-12). With w = −1 the probability flow keeps P fixed.
#[test]
fn continuous_variance_at_zero_drift_is_pure_diffusion() {
    for (horizon, prior, steps) in [(1.0, 1.0, 10), (3.5, 0.2, 777)] {
        let p = continuous_generated_variance(false, |_| -0.5, horizon, prior, steps);
        assert!((p - (prior + 2.0 * horizon)).abs() < 1e-12, "{p}");
        let q = continuous_generated_variance(true, |_| -1.0, horizon, prior, steps);
        assert!((q - prior).abs() < 1e-12, "{q}");
    }
}

/// R6.6 by hand, per mode class, with C_k(t) = e^{−2t}(C_k − 1) + 1 from tests/common. At the
/// grid time t = 0 (no DSM loss) the symbol is the exact score −1/C_k(0). At t > 0:
/// - one layer from v = 0 with η = c/(2 max_k C_k(t)): v_N = (1/C)(1 − (1 − 2ηC)^N);
/// - two balanced layers a₁ = a₂ = a from v_0 = a² = 1/max_k C_k(t), η = c/4 (the top Hessian
///   eigenvalue of C a₁²a₂² − 2a₁a₂ at the optimum is 4): each layer moves by
///   −η ∂/∂a₁ = −2ηa(Cv − 1), so v ← v(1 − 2η(Cv − 1))².
///
/// The returned symbol is −v_N. Only rounding separates the two sides (1e-12 relative).
#[test]
fn trained_score_symbols_by_hand() {
    let field = GaussianField::massive_free(Lattice::new(1, 6).unwrap(), 0.8, 0.4).unwrap();
    let spec = field.spectrum();
    let grid = TimeGrid::uniform(0.0, 1.0, 4).unwrap();
    let steps = 7;
    let lr_fraction = 0.6;
    for depth in [1usize, 2] {
        let protocol = Protocol::new(depth, lr_fraction, 1e-2).unwrap();
        let got = trained_score_symbols(spec, &grid, &protocol, steps).unwrap();
        assert_eq!(got.len(), grid.times().len());
        for (j, &t) in grid.times().iter().enumerate() {
            let c_max = spec
                .values()
                .iter()
                .map(|&c| forward_variance_here(c, t))
                .fold(0.0, f64::max);
            for (i, &c0) in spec.values().iter().enumerate() {
                let c = forward_variance_here(c0, t);
                let v = if t == 0.0 {
                    1.0 / c
                } else if depth == 1 {
                    let eta = lr_fraction / (2.0 * c_max);
                    (1.0 - (1.0 - 2.0 * eta * c).powi(steps as i32)) / c
                } else {
                    let eta = lr_fraction / 4.0;
                    (0..steps).fold(1.0 / c_max, |v, _| {
                        v * (1.0 - 2.0 * eta * (c * v - 1.0)).powi(2)
                    })
                };
                let w = got[j].values()[i];
                assert!(
                    (w + v).abs() <= 1e-12 * v.abs(),
                    "D = {depth}, t = {t}, class {i}: {w} vs {}",
                    -v
                );
            }
        }
    }
}

/// R6.1 needs one score symbol per grid time; a list one short or one long is refused with a
/// mismatch error, not indexed past its end or silently truncated.
#[test]
fn generated_spectrum_refuses_a_wrong_number_of_symbols() {
    let field = GaussianField::massive_free(Lattice::new(1, 4).unwrap(), 0.8, 0.4).unwrap();
    let grid = TimeGrid::uniform(0.0, 1.0, 5).unwrap();
    let scores = exact_score_symbols(field.spectrum(), &grid).unwrap();
    assert!(generated_spectrum(Sampler::SdeExponential, &grid, &scores).is_ok());
    for n in [scores.len() - 1, scores.len() + 1] {
        let list: Vec<_> = scores.iter().cycle().take(n).cloned().collect();
        let got = generated_spectrum(Sampler::SdeExponential, &grid, &list);
        assert!(
            matches!(got, Err(Error::Mismatch(_))),
            "{n} symbols: {got:?}"
        );
    }
}

/// With a constant score symbol w the variance ODE dP/dτ = 2aP + 2 (SDE, a = 1 + 2w) has the
/// exact solution P(0) = e^{2aT} P(T) + (e^{2aT} − 1)/a, and the ODE's dP/dτ = 2aP
/// (a = 1 + w) has P(0) = e^{2aT} P(T); exponential steps reproduce both for any number of
/// steps, however long each step is (rounding only, 1e-12 relative). The cases include small
/// drift rates on long steps (a = 10⁻⁷, h = 10⁵: |a|h = 10⁻², where the source (e^{2ah} − 1)/a
/// is 1 % above its a → 0 limit 2h; SDE only, the ODE's e^{T} would overflow) and a negative
/// rate.
#[test]
fn continuous_variance_is_exact_for_a_constant_score() {
    for (w, horizon, prior, steps) in [
        (-0.3, 2.0, 1.0, 1usize),
        (-0.3, 2.0, 1.0, 37),
        (-2.0, 1.5, 4.0, 5),
        ((1e-7 - 1.0) / 2.0, 1e5, 1.0, 1),
    ] {
        let a: f64 = 1.0 + 2.0 * w;
        let growth = (2.0 * a * horizon).exp();
        let want = growth * prior + (2.0 * a * horizon).exp_m1() / a;
        let got = continuous_generated_variance(false, |_| w, horizon, prior, steps);
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "SDE w = {w}, T = {horizon}: {got} vs {want}"
        );
        if horizon > 100.0 {
            continue;
        }
        let b: f64 = 1.0 + w;
        let want = (2.0 * b * horizon).exp() * prior;
        let got = continuous_generated_variance(true, |_| w, horizon, prior, steps);
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "ODE w = {w}, T = {horizon}: {got} vs {want}"
        );
    }
}

/// R6.3, R6.8: the horizon T at which the prior KL
/// K(T) = ½ Σ_k m_k (C_k(T) − 1 − ln C_k(T)) falls to δ, found here by Newton's method
/// (dC_k/dT = −2e^{−2T}(C_k − 1), so K'(T) = −Σ_k m_k (1 − 1/C_k(T)) e^{−2T}(C_k − 1)), from
/// T = 0 where K > δ: K is convex and decreasing, so the iterates rise monotonically to the
/// root. The code bisects and stops when its bracket is ≤ 10⁻¹³·T wide, so the two agree
/// within 10⁻¹³ relative plus the rounding of K near the root: K ≈ Σ m_k (C_k(T) − 1)²/4
/// carries an absolute rounding error ≈ 10⁻¹⁶ Σ m_k |C_k(T) − 1| and K'/K ≈ −4, so T moves by
/// ≈ 10⁻¹⁶/(T·min_k|C_k(T) − 1|), ≤ 10⁻¹³ relative for these δ (horizons 0.017 to 3.7; at
/// δ = 10⁻⁹, T = 5.5, it would reach 5·10⁻¹³). Tolerance 10⁻¹². A δ at or above K(0) needs no
/// horizon; δ = 0 is refused.
#[test]
fn horizon_for_kl_by_hand() {
    let field = GaussianField::massive_free(Lattice::new(2, 4).unwrap(), 0.7, 0.3).unwrap();
    let spec = field.spectrum();
    let c0 = spec.values().to_vec();
    let mult = spec.classes().multiplicity().to_vec();
    let kl = |t: f64| -> (f64, f64) {
        let e2 = (-2.0 * t).exp();
        (0..c0.len()).fold((0.0, 0.0), |(k, dk), i| {
            let c = forward_variance_here(c0[i], t);
            let m = mult[i] as f64;
            (
                k + 0.5 * m * (c - 1.0 - c.ln()),
                dk - m * (1.0 - 1.0 / c) * e2 * (c0[i] - 1.0),
            )
        })
    };
    let k0 = kl(0.0).0;
    assert!((prior_kl(spec, 0.0).unwrap() - k0).abs() <= 1e-13 * k0);
    for delta in [0.9 * k0, 0.3 * k0, 1e-3, 1e-6] {
        let mut t = 0.0;
        for _ in 0..200 {
            let (k, dk) = kl(t);
            let step = (k - delta) / dk;
            t -= step;
            if step.abs() <= 1e-16 * t {
                break;
            }
        }
        let got = horizon_for_kl(spec, delta).unwrap();
        assert!(
            (got - t).abs() <= 1e-12 * t,
            "δ = {delta}: bisection {got} vs Newton {t}"
        );
    }
    assert_eq!(horizon_for_kl(spec, k0).unwrap(), 0.0);
    assert_eq!(horizon_for_kl(spec, 2.0 * k0).unwrap(), 0.0);
    assert!(horizon_for_kl(spec, 0.0).is_err());
}
