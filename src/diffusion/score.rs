//! The exact score of the noised Gaussian field (R2.2–R2.4).
//!
//! s*(x, t) = −C(t)⁻¹ x; its symbol is −1/C_k(t) = −K_k/(α_t² + σ_t² K_k) with K_k = 1/C_k.

use ndarray::ArrayD;

use crate::diffusion::forward::{alpha, sigma2, spectrum_at};
use crate::error::{positive, Error, Result};
use crate::fourier::RealFft;
use crate::symbol::Symbol;

/// Symbol −1/C_k(t) of the exact score at diffusion time t (R2.2).
pub fn score_symbol(spectrum: &Symbol, t: f64) -> Result<Symbol> {
    Ok(spectrum_at(spectrum, t)?.map(|c| -1.0 / c))
}

/// Real-space kernel s(r) of the exact score, shape `[L; d]` with r in FFT order:
/// s*(x, t)_x = Σ_y s(x − y) x_y (R2.2). At t = 0 it is −K, nearest-neighbour (R2.3).
pub fn score_kernel(spectrum: &Symbol, t: f64) -> Result<ArrayD<f64>> {
    RealFft::new(spectrum.lattice()).kernel(&score_symbol(spectrum, t)?)
}

/// Decay rate m_t of the score kernel along a lattice axis for the field with precision
/// β(−Δ) + μ, from cosh m_t = 1 + (α_t²/σ_t² + μ)/(2β) (R2.4); exact in d = 1 (where the
/// periodic kernel off the origin is ∝ cosh(m_t (L/2 − r))), the leading rate in general.
/// Units: inverse lattice spacings. Requires t > 0: at t = 0 the kernel is exactly
/// nearest-neighbour and the rate is infinite (R2.3). For μ = 0 and t so large that
/// α_t²/σ_t² underflows, the rate (below the smallest double) is returned as 0: the massless
/// kernel's infinite range.
pub fn axis_decay_rate(beta: f64, mu: f64, t: f64) -> Result<f64> {
    positive("beta", beta)?;
    if !(mu.is_finite() && mu >= 0.0) {
        return Err(Error::Parameter {
            name: "mu",
            value: mu,
            requirement: "must be a finite number ≥ 0",
        });
    }
    if t == 0.0 {
        return Err(Error::Parameter {
            name: "t",
            value: t,
            requirement:
                "must be > 0: at t = 0 the score is exactly nearest-neighbour (infinite decay rate)",
        });
    }
    let ratio = alpha(t)?.powi(2) / sigma2(t)?;
    let x = (ratio + mu) / (2.0 * beta);
    // acosh(1 + x) = ln(1 + x + √(x(2 + x))): with ln_1p for small x, factored as
    // ln x + ln(1 + 1/x + √(1 + 2/x)) for large x so that x² never overflows.
    let m = if x <= 1.0 {
        (x + (x * (2.0 + x)).sqrt()).ln_1p()
    } else {
        x.ln() + (1.0 + 1.0 / x + (1.0 + 2.0 / x).sqrt()).ln()
    };
    if m.is_finite() {
        Ok(m)
    } else {
        Err(Error::Parameter {
            name: "t",
            value: t,
            requirement: "is so small that the score is nearest-neighbour to machine precision (decay rate overflows)",
        })
    }
}
