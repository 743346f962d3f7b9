//! Closed forms for the nonlinear-network study on Gaussian data (derivations/11): the
//! optimal denoising loss, the expected relative excess of a scaled-identity score, and the
//! condition number of the κ ∝ L² data.

use crate::diffusion::forward::{sigma2, spectrum_at};
use crate::error::{Error, Result};
use crate::symbol::Symbol;

fn check_weights(times: &[f64], weights: &[f64]) -> Result<()> {
    if times.is_empty() || times.len() != weights.len() {
        return Err(Error::Mismatch(format!(
            "{} times and {} weights",
            times.len(),
            weights.len()
        )));
    }
    Ok(())
}

/// The optimal per-site loss ℒ* = Σ_j w_j (1/V) Σ_k (1/σ_{t_j}² − 1/C_k(t_j)) / Σ_j 1 over a
/// grid of times drawn uniformly (R11.1): the loss of the exact score.
pub fn optimal_loss(spectrum: &Symbol, times: &[f64], weights: &[f64]) -> Result<f64> {
    check_weights(times, weights)?;
    let mut total = 0.0;
    for (&t, &w) in times.iter().zip(weights) {
        let s2 = sigma2(t)?;
        total += w * spectrum_at(spectrum, t)?.mode_mean_of(|c| 1.0 / s2 - 1.0 / c);
    }
    Ok(total / times.len() as f64)
}

/// Expected relative excess of the linear score s = −u x on the grid (R11.2):
/// Σ_j w_j (1/V) Σ_k (u − 1/C_k(t_j))² C_k(t_j) / Σ_j w_j (1/V) Σ_k 1/C_k(t_j).
pub fn scaled_identity_relative_excess(
    spectrum: &Symbol,
    times: &[f64],
    weights: &[f64],
    u: f64,
) -> Result<f64> {
    check_weights(times, weights)?;
    let (mut excess, mut norm) = (0.0, 0.0);
    for (&t, &w) in times.iter().zip(weights) {
        let c = spectrum_at(spectrum, t)?;
        excess += w * c.mode_mean_of(|c| (u - 1.0 / c).powi(2) * c);
        norm += w * c.mode_mean_of(|c| 1.0 / c);
    }
    Ok(excess / norm)
}

/// κ = 1 + 4dL²/c of the massive free field with β = 1 and μ = c/L² on an even side
/// (R11.3).
pub fn massive_free_condition_number(d: usize, l: usize, c: f64) -> f64 {
    1.0 + 4.0 * d as f64 * (l * l) as f64 / c
}
