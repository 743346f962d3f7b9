//! Closed forms for generation (R6.1–R6.3, R6.5, R6.6, R6.8): the generated spectrum of each
//! sampler, continuous-time limits, prior mismatch, the Girsanov bound, and the score symbols
//! of networks trained a finite number of steps.

use num_complex::Complex;

use crate::diffusion::forward::{alpha, sigma2, spectrum_at};
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::{step_coefficients, Sampler};
use crate::divergence::kl_divergence;
use crate::error::{positive, Error, Result};
use crate::model::Protocol;
use crate::symbol::Symbol;
use crate::theory::{depth, one_layer};

/// One variance step P ↦ |m|² P + q of a sampler on a mode with score symbol w (R6.1).
pub fn variance_step(sampler: Sampler, p: f64, w: Complex<f64>, h: f64) -> f64 {
    let (m, q) = step_coefficients(sampler, w, h);
    m.norm_sqr() * p + q
}

fn check_symbols(grid: &TimeGrid, n: usize) -> Result<()> {
    if n != grid.times().len() {
        return Err(Error::Mismatch(format!(
            "{n} score symbols for a grid of {} times",
            grid.times().len()
        )));
    }
    Ok(())
}

/// Generated spectrum at t_0 from the prior N(0, I) at T, with real score symbols
/// `scores[j]` at grid time t_j (index 0 is unused: step j → j−1 uses `scores[j]`) (R6.1).
pub fn generated_spectrum(sampler: Sampler, grid: &TimeGrid, scores: &[Symbol]) -> Result<Symbol> {
    check_symbols(grid, scores.len())?;
    let t = grid.times();
    let mut p = scores[0].map(|_| 1.0);
    for j in (0..grid.steps()).rev() {
        let h = t[j + 1] - t[j];
        p = p.zip_map(&scores[j + 1], |pk, w| {
            variance_step(sampler, pk, Complex::new(w, 0.0), h)
        })?;
    }
    Ok(p)
}

/// Exact score symbols −1/C_k(t_j) at every grid time (R6.2).
pub fn exact_score_symbols(spectrum: &Symbol, grid: &TimeGrid) -> Result<Vec<Symbol>> {
    grid.times()
        .iter()
        .map(|&t| Ok(spectrum_at(spectrum, t)?.map(|c| -1.0 / c)))
        .collect()
}

/// Score symbols −v_N of networks trained N steps at each grid time under `protocol`
/// (one layer: v_N = v*(1 − (1 − 2ηC)^N); deeper: the balanced map iterated) (R6.6).
/// At a grid time t = 0 (no DSM loss) the exact score is used.
pub fn trained_score_symbols(
    spectrum: &Symbol,
    grid: &TimeGrid,
    protocol: &Protocol,
    steps: usize,
) -> Result<Vec<Symbol>> {
    grid.times()
        .iter()
        .map(|&t| {
            let ct = spectrum_at(spectrum, t)?;
            if t == 0.0 {
                return Ok(ct.map(|c| -1.0 / c));
            }
            let eta = protocol.learning_rate(&ct);
            let v0 = protocol.initial_symbol(&ct);
            Ok(ct.map(|c| {
                if protocol.depth == 1 {
                    -one_layer::trajectory(c, eta, steps as u64)
                } else {
                    -depth::trajectory(protocol.depth, c, eta, v0, steps)[steps]
                }
            }))
        })
        .collect()
}

/// Continuous-time generated variance of one mode at t = 0 for the reverse SDE (or ODE) with a
/// time-dependent real score symbol w(t), from prior variance `prior` at T: the variance ODE
/// dP/dτ = 2(1 + 2w)P + 2 (SDE) or 2(1 + w)P (ODE) integrated by exponential steps with w at
/// the step midpoint, `steps` of them (error O(1/steps²)) (R6.2).
pub fn continuous_generated_variance(
    ode: bool,
    w: impl Fn(f64) -> f64,
    horizon: f64,
    prior: f64,
    steps: usize,
) -> f64 {
    let h = horizon / steps as f64;
    let mut p = prior;
    for j in (0..steps).rev() {
        let wm = w((j as f64 + 0.5) * h);
        let a = if ode { 1.0 + wm } else { 1.0 + 2.0 * wm };
        let growth = (2.0 * a * h).exp();
        let source = if ode {
            0.0
        } else if (a * h).abs() < 1e-10 {
            2.0 * h
        } else {
            (2.0 * a * h).exp_m1() / a
        };
        p = growth * p + source;
    }
    p
}

/// Generated variance at t = 0 with the exact score and prior N(0, 1) at horizon T (R6.3):
/// SDE: C_0 + (1 − C_T) C_0² e^{−2T}/C_T²; ODE: C_0/C_T, with C_T = e^{−2T}C_0 + 1 − e^{−2T}.
pub fn prior_mismatch_variance(ode: bool, c0: f64, horizon: f64) -> Result<f64> {
    let a2 = alpha(horizon)?.powi(2);
    let ct = a2 * c0 + sigma2(horizon)?;
    Ok(if ode {
        c0 / ct
    } else {
        c0 + (1.0 - ct) * c0 * c0 * a2 / (ct * ct)
    })
}

/// KL(p_T ‖ N(0, I)) = ½ Σ_k [C_k(T) − 1 − ln C_k(T)], total over modes.
pub fn prior_kl(spectrum: &Symbol, horizon: f64) -> Result<f64> {
    let ct = spectrum_at(spectrum, horizon)?;
    kl_divergence(&ct, &ct.map(|_| 1.0))
}

/// Smallest horizon T with KL(p_T ‖ N(0, I)) ≤ δ (total over modes), by bisection on the
/// decreasing function T ↦ KL (R6.3, R6.8).
pub fn horizon_for_kl(spectrum: &Symbol, delta: f64) -> Result<f64> {
    positive("delta", delta)?;
    let f = |t: f64| prior_kl(spectrum, t);
    if f(0.0)? <= delta {
        return Ok(0.0);
    }
    let mut hi = 1.0;
    while f(hi)? > delta {
        hi *= 2.0;
        if hi > 1e3 {
            return Err(Error::NoConvergence {
                what: "horizon search",
                detail: format!("KL still above {delta} at T = {hi}"),
            });
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid)? > delta {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    Ok(hi)
}

/// Girsanov bound on KL(p_data ‖ p_gen) for the continuous-time reverse SDE with a real
/// time-dependent score symbol `w(k_class, t)` (R6.5):
/// KL(p_T ‖ N(0, I)) + ∫_0^T Σ_k (w_k(t) + 1/C_k(t))² C_k(t) dt, the integral by the midpoint
/// rule with `steps` points.
pub fn girsanov_bound(
    spectrum: &Symbol,
    w: impl Fn(usize, f64) -> f64,
    horizon: f64,
    steps: usize,
) -> Result<f64> {
    let h = horizon / steps as f64;
    let mut integral = 0.0;
    for j in 0..steps {
        let t = (j as f64 + 0.5) * h;
        let ct = spectrum_at(spectrum, t)?;
        let mult = ct.classes().multiplicity();
        integral += h * ct
            .values()
            .iter()
            .enumerate()
            .map(|(i, &c)| mult[i] as f64 * (w(i, t) + 1.0 / c).powi(2) * c)
            .sum::<f64>();
    }
    Ok(prior_kl(spectrum, horizon)? + integral)
}

/// Grid families for the zero-mode step law (R10.6).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum GridKind {
    /// [`TimeGrid::uniform`] from t_min to T.
    Uniform,
    /// [`TimeGrid::geometric`] from t_min > 0 to T.
    Geometric,
}

impl GridKind {
    /// The grid of this kind with `steps` steps.
    pub fn grid(self, t_min: f64, horizon: f64, steps: usize) -> Result<TimeGrid> {
        match self {
            GridKind::Uniform => TimeGrid::uniform(t_min, horizon, steps),
            GridKind::Geometric => TimeGrid::geometric(t_min, horizon, steps),
        }
    }
}

/// First-order local-error density of one mode with data variance `c0` and the exact score,
/// times its propagation factor to t = 0 (R10.6): the local error of a step of length h ending
/// at t is e(t) h², carried to t = 0 by Φ(t); returns e(t)Φ(t), with C(t) = e^{−2t}(c0 − 1) + 1,
/// a = 1 − 2/C:
/// SDE exponential e = −4(C − 1)/C (score frozen at the later end), Euler–Maruyama
/// e = −4(C − 1)/C − (C − 2) (plus the scheme's −(a²C + 2a)), Φ = e^{−2t}(C(0)/C(t))²;
/// probability-flow ODE e = −2(C − 1)/C, Φ = C(0)/C(t).
pub fn first_order_error_density(sampler: Sampler, c0: f64, t: f64) -> f64 {
    let e2 = (-2.0 * t).exp();
    let c = e2 * (c0 - 1.0) + 1.0;
    let freeze = -4.0 * (c - 1.0) / c;
    let sde_phi = e2 * (c0 / c).powi(2);
    match sampler {
        Sampler::SdeExponential => freeze * sde_phi,
        Sampler::SdeEulerMaruyama => (freeze - (c - 2.0)) * sde_phi,
        Sampler::OdeExponential => 0.5 * freeze * c0 / c,
    }
}

/// First-order relative error P_gen/C(t_0) − 1 of a mode with data variance `c0` generated
/// with the exact score on `grid` (R10.6): Σ_j h_j² e(m_j)Φ(m_j) / (Φ(t_0) C(t_0)) over the
/// steps, m_j the step midpoints, from [`first_order_error_density`]. Prior mismatch
/// (O(e^{−2T}c0)) is not included.
pub fn first_order_relative_error(sampler: Sampler, grid: &TimeGrid, c0: f64) -> f64 {
    let t = grid.times();
    let sum: f64 = t
        .windows(2)
        .map(|s| {
            (s[1] - s[0]).powi(2) * first_order_error_density(sampler, c0, 0.5 * (s[0] + s[1]))
        })
        .sum();
    let t0 = t[0];
    let c_t0 = (-2.0 * t0).exp() * (c0 - 1.0) + 1.0;
    sum / (first_order_error_density_phi(sampler, c0, t0) * c_t0)
}

fn first_order_error_density_phi(sampler: Sampler, c0: f64, t: f64) -> f64 {
    let e2 = (-2.0 * t).exp();
    let c = e2 * (c0 - 1.0) + 1.0;
    match sampler {
        Sampler::OdeExponential => c0 / c,
        _ => e2 * (c0 / c).powi(2),
    }
}

/// Large-c0 closed form of the SDE exponential integrator's zero-mode error on a geometric grid
/// of N steps (R10.6): P_0/C_0 − 1 ≈ −(ln(T/t_min)/(2N)) (ln(c0 − 1) − 1), up to
/// O(ln c0/c0) and O(1/N²). It grows like ln c0 ∝ ln L at criticality: the zero mode
/// (magnetisation) needs N ∝ ln(T/t_min) ln L steps for a fixed accuracy.
pub fn geometric_zero_mode_error_asymptote(t_min: f64, horizon: f64, c0: f64, steps: usize) -> f64 {
    -(horizon / t_min).ln() / (2.0 * steps as f64) * ((c0 - 1.0).ln() - 1.0)
}

/// Steps N for which the first-order zero-mode error |A|/N of R10.6 is ≤ `tolerance`, where
/// A = lim N·(first-order relative error) is evaluated on a grid of 4096 steps (the sum is
/// then within O(1/4096) of its limit).
pub fn zero_mode_steps_needed(
    sampler: Sampler,
    kind: GridKind,
    t_min: f64,
    horizon: f64,
    c0: f64,
    tolerance: f64,
) -> Result<usize> {
    positive("tolerance", tolerance)?;
    let n_ref = 4096;
    let a =
        n_ref as f64 * first_order_relative_error(sampler, &kind.grid(t_min, horizon, n_ref)?, c0);
    Ok((a.abs() / tolerance).ceil().max(1.0) as usize)
}

/// Exact relative error P_0/C_0(t_0) − 1 of the zero-mode (magnetisation) variance generated by
/// `sampler` on `grid` with the exact score and prior N(0, 1) (R10.6): the discrete recursion
/// of R6.1 on the k = 0 mode only. The `generate` command can warn when |error| exceeds a few
/// per cent: the default 40-step geometric grid misses it by 30–56 % at β_c, L = 8…64.
pub fn zero_mode_relative_error(
    sampler: Sampler,
    grid: &TimeGrid,
    spectrum: &Symbol,
) -> Result<f64> {
    let zero = vec![0usize; spectrum.lattice().dim()];
    let c0 = spectrum.at(&zero);
    let t = grid.times();
    let c_at = |t: f64| -> Result<f64> { Ok(alpha(t)?.powi(2) * c0 + sigma2(t)?) };
    let mut p = 1.0;
    for j in (0..grid.steps()).rev() {
        let w = Complex::new(-1.0 / c_at(t[j + 1])?, 0.0);
        p = variance_step(sampler, p, w, t[j + 1] - t[j]);
    }
    Ok(p / c_at(t[0])? - 1.0)
}
