//! The large-n gap equation (R1.2, R1.3).
//!
//! At n → ∞ the spherical constraint |φ_x|² = n fixes the mass μ of the Gaussian field with
//! precision symbol K_k = βλ_k + μ through
//!
//! g(μ) = (1/V) Σ_k 1/(βλ_k + μ) = 1.
//!
//! g falls strictly from +∞ to 0 on (0, ∞), so the root is unique; it lies in [1/V, 1]
//! (the zero mode alone gives g(1/V) ≥ 1, and g(μ) ≤ 1/μ). We solve by Brent's method in ln μ
//! on that bracket, summing over mode classes of equal λ_k.

use roots::{find_root_brent, SimpleConvergency};
use serde::Serialize;

use crate::error::{positive, Error, Result};
use crate::lattice::ModeClasses;

/// Largest accepted relative residual |g(μ) − 1| of a solution.
pub const RESIDUAL_TOLERANCE: f64 = 1e-12;

/// A solution of the gap equation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GapSolution {
    /// The mass μ > 0 (units of the inverse lattice spacing squared, with β dimensionless).
    pub mu: f64,
    /// g(μ) − 1: the relative residual of the constraint ⟨φ_x²⟩/n = 1.
    pub residual: f64,
}

/// The gap function minus one, g(μ) − 1 = (1/V) Σ_k 1/(βλ_k + μ) − 1 (R1.2).
pub fn residual(classes: &ModeClasses, beta: f64, mu: f64) -> f64 {
    let v = classes.lattice().volume() as f64;
    let sum: f64 = classes
        .lambda()
        .iter()
        .zip(classes.multiplicity())
        .map(|(&l, &m)| m as f64 / (beta * l + mu))
        .sum();
    sum / v - 1.0
}

/// Solves the gap equation for μ at coupling β > 0 (R1.3).
pub fn solve(classes: &ModeClasses, beta: f64) -> Result<GapSolution> {
    positive("beta", beta)?;
    let v = classes.lattice().volume() as f64;
    let f = |u: f64| residual(classes, beta, u.exp());
    let (lo, hi) = ((1.0 / v).ln(), 0.0);
    let u = if f(lo) == 0.0 {
        lo
    } else if f(hi) == 0.0 {
        hi
    } else {
        // Absolute tolerance in ln μ, i.e. relative in μ; |μ g'(μ)| ≤ g(μ) = 1 at the root, so
        // the residual is below this too.
        let mut conv = SimpleConvergency {
            eps: 1e-14,
            max_iter: 500,
        };
        find_root_brent(lo, hi, f, &mut conv).map_err(|e| Error::NoConvergence {
            what: "gap equation",
            detail: format!("Brent's method on ln mu in [{lo}, {hi}]: {e:?}"),
        })?
    };
    let mu = u.exp();
    let res = residual(classes, beta, mu);
    if res.abs() > RESIDUAL_TOLERANCE {
        return Err(Error::NoConvergence {
            what: "gap equation",
            detail: format!(
                "relative residual {res:e} at mu = {mu:e} exceeds {RESIDUAL_TOLERANCE:e}"
            ),
        });
    }
    Ok(GapSolution { mu, residual: res })
}
