//! One-layer (D = 1) linear score network, full kernel: closed forms (R3.2–R3.4).
//!
//! Per mode with variance C = C_k(t) and optimum v* = 1/C, gradient descent from v = 0 with
//! step η gives v_n = v*(1 − (1 − 2ηC)^n).

use crate::error::{Error, Result};

/// Network symbol after n steps from v = 0: v_n = (1/C)(1 − (1 − 2ηC)^n) (R3.2).
pub fn trajectory(c: f64, eta: f64, n: u64) -> f64 {
    let r = 1.0 - 2.0 * eta * c;
    (1.0 - r.powf(n as f64)) / c
}

/// Steps until |v_n − v*| ≤ ε v* for one mode: the least n with |1 − 2ηC|^n ≤ ε (R3.3),
/// ⌈ln ε / ln|1 − 2ηC|⌉, or 1 if 2ηC = 1. Errors if |1 − 2ηC| ≥ 1 (divergent or stalled).
pub fn training_steps(c: f64, eta: f64, epsilon: f64) -> Result<u64> {
    let r = (1.0 - 2.0 * eta * c).abs();
    if r == 0.0 {
        return Ok(1);
    }
    if r.is_nan() || r >= 1.0 {
        return Err(Error::Unstable(format!(
            "one-layer contraction |1 - 2 eta C| = {r} ≥ 1 (eta = {eta}, C = {c}): GD does not converge"
        )));
    }
    let estimate = (epsilon.ln() / r.ln()).ceil().max(1.0);
    if estimate > 1e15 {
        return Err(Error::NoConvergence {
            what: "one-layer training",
            detail: format!("{estimate:e} steps needed"),
        });
    }
    // Settle the rounding of the logarithms: the least n ≥ 1 with r^n ≤ ε.
    let mut n = estimate as u64;
    while n > 1 && r.powf((n - 1) as f64) <= epsilon {
        n -= 1;
    }
    while r.powf(n as f64) > epsilon {
        n += 1;
    }
    Ok(n)
}

/// Gradient-flow timescale of one mode, τ_k = 1/(2ηC_k) (R3.4).
pub fn timescale(c: f64, eta: f64) -> f64 {
    1.0 / (2.0 * eta * c)
}

/// Gradient-flow time to relative error ε from v = 0: ln(1/ε)/(2ηC) (R3.4).
pub fn flow_time(c: f64, eta: f64, epsilon: f64) -> f64 {
    timescale(c, eta) * (1.0 / epsilon).ln()
}
