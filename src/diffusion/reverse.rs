//! Reverse-time samplers for the OU forward process, one step per grid interval with the
//! score frozen at the later time t_{j+1} (R6.1).
//!
//! Reverse SDE dy = [y + 2s] dτ + √2 dB̄ and probability-flow ODE dy/dτ = y + s, τ = T − t.
//! With a linear score of symbol w on a mode, one step of length h maps y ↦ m y + √q ξ,
//! ξ ~ N(0, 1); [`step_coefficients`] returns (m, q) for each scheme.

use num_complex::Complex;
use serde::Serialize;

/// The three samplers of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sampler {
    /// Reverse SDE, exponential integrator: m = e^{ah}, q = (e^{2 Re(a) h} − 1)/Re(a), a = 1 + 2w.
    SdeExponential,
    /// Reverse SDE, Euler–Maruyama: m = 1 + h(1 + 2w), q = 2h.
    SdeEulerMaruyama,
    /// Probability-flow ODE, exponential integrator: m = e^{(1 + w)h}, q = 0.
    OdeExponential,
}

impl std::str::FromStr for Sampler {
    type Err = String;
    /// `sde-exp`, `sde-em` or `ode-exp`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sde-exp" => Ok(Sampler::SdeExponential),
            "sde-em" => Ok(Sampler::SdeEulerMaruyama),
            "ode-exp" => Ok(Sampler::OdeExponential),
            _ => Err(format!(
                "unknown sampler {s:?}: use sde-exp, sde-em or ode-exp"
            )),
        }
    }
}

/// (m, q) of one step of length h with score symbol w (R6.1).
pub fn step_coefficients(sampler: Sampler, w: Complex<f64>, h: f64) -> (Complex<f64>, f64) {
    match sampler {
        Sampler::SdeExponential => {
            let a = w * 2.0 + 1.0;
            let q = if a.re.abs() * h < 1e-8 {
                // (e^{2 a h} − 1)/a → 2h (1 + a h) for small a h
                2.0 * h * (1.0 + a.re * h)
            } else {
                (2.0 * a.re * h).exp_m1() / a.re
            };
            ((a * h).exp(), q)
        }
        Sampler::SdeEulerMaruyama => ((w * 2.0 + 1.0) * h + 1.0, 2.0 * h),
        Sampler::OdeExponential => (((w + 1.0) * h).exp(), 0.0),
    }
}
