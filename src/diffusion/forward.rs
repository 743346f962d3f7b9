//! The variance-preserving Ornstein–Uhlenbeck forward process (R2.1, R2.5).
//!
//! dx = −x dt + √2 dB, so x_t = α_t x_0 + σ_t z with α_t = e^{−t}, σ_t² = 1 − e^{−2t},
//! z ~ N(0, I). Time t is dimensionless (the process relaxes at rate 1).

use crate::error::{non_negative, Result};
use crate::symbol::Symbol;

/// α_t = e^{−t}, the signal coefficient; `t ≥ 0` finite.
pub fn alpha(t: f64) -> Result<f64> {
    Ok((-non_negative("t", t)?).exp())
}

/// σ_t² = 1 − e^{−2t}, the noise variance (computed as −expm1(−2t), accurate at small t).
pub fn sigma2(t: f64) -> Result<f64> {
    Ok(-(-2.0 * non_negative("t", t)?).exp_m1())
}

/// Spectrum at diffusion time t: C_k(t) = α_t² C_k + σ_t² (R2.1).
pub fn spectrum_at(spectrum: &Symbol, t: f64) -> Result<Symbol> {
    let a2 = alpha(t)?.powi(2);
    let s2 = sigma2(t)?;
    Ok(spectrum.map(|c| a2 * c + s2))
}

/// Condition number κ(t) = max_k C_k(t) / min_k C_k(t) (R2.5).
pub fn condition_number_at(spectrum: &Symbol, t: f64) -> Result<f64> {
    Ok(spectrum_at(spectrum, t)?.condition_number())
}
