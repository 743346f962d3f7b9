//! An independent reference for the samplers' variance maps (derivations/10-test-power.md,
//! R10.5): classical fourth-order Runge–Kutta integration of the per-mode variance ODE of the
//! reverse process with the score frozen at the later end t_{j+1} of each step.
//!
//! This module shares no code with `diffusion::reverse::step_coefficients` or
//! `theory::generation::variance_step`: it never forms the closed-form coefficients
//! (e^{ah}, (e^{2ah} − 1)/a, …). It integrates, in reverse time τ with the frozen symbol w,
//! dP/dτ = 2(1 + 2w)P + 2 (reverse SDE; its exact solution over a step is the exponential
//! integrator's variance map) or dP/dτ = 2(1 + w)P (probability-flow ODE).

use crate::diffusion::grid::TimeGrid;
use crate::error::{Error, Result};

/// Which continuous variance dynamics a reference step integrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarianceDynamics {
    /// Reverse SDE: dP/dτ = 2(1 + 2w)P + 2.
    ReverseSde,
    /// Probability-flow ODE: dP/dτ = 2(1 + w)P.
    ProbabilityFlow,
}

impl VarianceDynamics {
    fn rate(self, w: f64, p: f64) -> f64 {
        match self {
            VarianceDynamics::ReverseSde => 2.0 * (1.0 + 2.0 * w) * p + 2.0,
            VarianceDynamics::ProbabilityFlow => 2.0 * (1.0 + w) * p,
        }
    }
}

/// One step of length h with frozen real symbol w from variance p, by RK4 with
/// n = max(16, ⌈256 s⌉) substeps, s = 2(1 + 2|w|)h the step's stiffness: each substep has
/// rate × substep x ≤ 1/256 and a relative local error ≤ x⁵/120 < 8e-15, so the step is
/// accurate to < 2e-12·max(s, 1) relative (R10.5).
pub fn rk4_frozen_step(dynamics: VarianceDynamics, w: f64, h: f64, p: f64) -> f64 {
    let stiffness = 2.0 * (1.0 + 2.0 * w.abs()) * h.abs();
    let n = ((256.0 * stiffness).ceil() as usize).max(16);
    let dt = h / n as f64;
    let f = |p: f64| dynamics.rate(w, p);
    let mut p = p;
    for _ in 0..n {
        let k1 = f(p);
        let k2 = f(p + 0.5 * dt * k1);
        let k3 = f(p + 0.5 * dt * k2);
        let k4 = f(p + dt * k3);
        p += dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }
    p
}

/// Generated variance of one mode at t_0 from `prior` at t_N = T, stepping down the grid with
/// the score frozen at the later end of each step: the step from t_{j+1} down to t_j uses
/// `w(j + 1)`, the symbol at t_{j+1} (R6.1, R10.5).
pub fn reference_generated_variance(
    dynamics: VarianceDynamics,
    grid: &TimeGrid,
    w: &dyn Fn(usize) -> f64,
    prior: f64,
) -> f64 {
    let t = grid.times();
    let mut p = prior;
    for j in (0..grid.steps()).rev() {
        p = rk4_frozen_step(dynamics, w(j + 1), t[j + 1] - t[j], p);
    }
    p
}

/// The same for every entry of a list of real symbols per grid time (`scores[j][k]`, any
/// layout as long as all entries share it), prior 1 on every mode.
pub fn reference_generated_values(
    dynamics: VarianceDynamics,
    grid: &TimeGrid,
    scores: &[Vec<f64>],
) -> Result<Vec<f64>> {
    if scores.len() != grid.times().len() {
        return Err(Error::Mismatch(format!(
            "{} score lists for a grid of {} times",
            scores.len(),
            grid.times().len()
        )));
    }
    let modes = scores[0].len();
    Ok((0..modes)
        .map(|k| reference_generated_variance(dynamics, grid, &|j| scores[j][k], 1.0))
        .collect())
}
