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

/// The expected increase of the two-layer step count per doubling of L between two sides with
/// condition numbers κ₁ < κ₂, `doublings` = log₂(L₂/L₁) apart, and its window (R4.7):
/// T₂ depends on κ alone (R4.4), T₂ = ln κ/(2 ln r) + const + g(1/κ) with r = 1 + 2η, so the
/// increment is ln(κ₂/κ₁)/(2 ln r)/n. The window is the rounding of the two step counts, 1/n,
/// plus the catch-up bound on g: |g(1/κ₂) − g(1/κ₁)| ≤ [2η/(1 + 2η)]/[(1 − r⁻²) ln r]/κ₁,
/// divided by n. Returns (expected increment, window).
pub fn increment_per_doubling(kappa1: f64, kappa2: f64, doublings: f64, eta: f64) -> (f64, f64) {
    let ln_r = (1.0 + 2.0 * eta).ln();
    let expected = (kappa2 / kappa1).ln() / (2.0 * ln_r) / doublings;
    let catch_up = 2.0 * eta / (1.0 + 2.0 * eta) / ((1.0 - (-2.0 * ln_r).exp()) * ln_r) / kappa1;
    (expected, (1.0 + catch_up) / doublings)
}
