//! Two-layer (D = 2) balanced linear network, full kernels: closed forms (R4.3).
//!
//! With both layers equal, v = a² obeys the logistic flow dv/dτ = 4ηv(1 − Cv).

/// Logistic solution v(τ) = v*/(1 + (v*/v_0 − 1) e^{−4ητ}) from v_0 > 0 (R4.3).
pub fn flow(c: f64, eta: f64, v0: f64, tau: f64) -> f64 {
    let v_star = 1.0 / c;
    v_star / (1.0 + (v_star / v0 - 1.0) * (-4.0 * eta * tau).exp())
}

/// Flow time to relative error ε from 0 < v_0 ≤ v*:
/// τ(ε) = (1/4η) ln[(v*/v_0 − 1)(1 − ε)/ε], and 0 when the bracket is ≤ 1 (R4.3).
pub fn flow_time(c: f64, eta: f64, v0: f64, epsilon: f64) -> f64 {
    let a = 1.0 / (c * v0) - 1.0;
    let x = a * (1.0 - epsilon) / epsilon;
    if x <= 1.0 {
        0.0
    } else {
        x.ln() / (4.0 * eta)
    }
}

/// The common final relaxation timescale 1/(4η) of every mode (R4.3).
pub fn timescale(eta: f64) -> f64 {
    1.0 / (4.0 * eta)
}
