//! Balanced depth-D linear network with full kernels: per-mode dynamics for any D ≥ 1
//! (R3.1, R4.1, R4.2, R4.5).
//!
//! The network symbol is v_k = Π_l a_{l,k}. Balanced layers (all a_l equal to a) stay balanced
//! under gradient descent, so one scalar a per mode carries the dynamics, v = a^D.

use crate::error::{Error, Result};

/// One gradient step of each (equal) layer value a on a mode of variance C (R4.2):
/// a ← a − η a^{D−1} · 2(C a^D − 1). For D = 1 this is v ← v − 2η(Cv − 1).
/// For D = 2, in u = Cv, it is the C-independent map u ← u(1 + 2η(1 − u))² (R4.4).
pub fn step(depth: usize, a: f64, c: f64, eta: f64) -> f64 {
    let d = depth as i32;
    let others = a.powi(d - 1);
    a - eta * others * 2.0 * (c * others * a - 1.0)
}

/// Layer value a = v^{1/D} of the balanced initialisation with symbol v_0 ≥ 0.
pub fn balanced_layer(depth: usize, v0: f64) -> f64 {
    v0.powf(1.0 / depth as f64)
}

/// Symbols v_0, …, v_n of a balanced depth-D network started at symbol `v0` (R4.2).
pub fn trajectory(depth: usize, c: f64, eta: f64, v0: f64, n: usize) -> Vec<f64> {
    let mut a = balanced_layer(depth, v0);
    let mut out = Vec::with_capacity(n + 1);
    out.push(v0);
    for _ in 0..n {
        a = step(depth, a, c, eta);
        out.push(a.powi(depth as i32));
    }
    out
}

/// Steps until |v − v*| ≤ ε v* (v* = 1/C), iterating the exact scalar map from symbol `v0`
/// (R4.6). Errors if the iterate diverges or `max_steps` is exceeded.
pub fn training_steps(
    depth: usize,
    c: f64,
    eta: f64,
    v0: f64,
    epsilon: f64,
    max_steps: u64,
) -> Result<u64> {
    let v_star = 1.0 / c;
    let mut a = balanced_layer(depth, v0);
    let d = depth as i32;
    for n in 0..=max_steps {
        let v = a.powi(d);
        if (v - v_star).abs() <= epsilon * v_star {
            return Ok(n);
        }
        if !v.is_finite() || v.abs() > 1e12 * v_star {
            return Err(Error::Unstable(format!(
                "depth-{depth} GD diverges (eta = {eta}, C = {c}, v = {v} after {n} steps)"
            )));
        }
        a = step(depth, a, c, eta);
    }
    Err(Error::NoConvergence {
        what: "depth-D training",
        detail: format!("more than {max_steps} steps (depth {depth}, eta = {eta}, C = {c})"),
    })
}

/// Hessian eigenvalue at the balanced optimum of one mode, 2D C^{2/D − 1} (R4.1).
pub fn hessian_at_optimum(depth: usize, c: f64) -> f64 {
    let d = depth as f64;
    2.0 * d * c.powf(2.0 / d - 1.0)
}

/// Linearised relaxation timescale of one mode near its optimum,
/// 1/(2Dη C^{2/D − 1}) (R4.2): 1/(2ηC) for D = 1, 1/(4η) for D = 2.
pub fn relaxation_timescale(depth: usize, c: f64, eta: f64) -> f64 {
    1.0 / (eta * hessian_at_optimum(depth, c))
}

/// Gradient-flow time from symbol v_0 to relative error ε of the flow
/// dv/dτ = 2Dη v^{2−2/D}(1 − Cv) (R4.2), by double-exponential quadrature.
///
/// With u = Cv, τ = [1/(2Dη C^{2/D−1})] ∫_{u_0}^{1−ε} du / (u^{2−2/D}(1 − u)); the
/// substitutions u = 1 − e^{−y}, y = e^w make the integrand smooth. Requires v_0 ≤ v*
/// (as the protocol guarantees) and v_0 > 0 for D ≥ 2 (v = 0 is a fixed point there).
pub fn flow_time(depth: usize, c: f64, eta: f64, v0: f64, epsilon: f64) -> Result<f64> {
    let u0 = c * v0;
    if u0 > 1.0 + epsilon {
        return Err(Error::Parameter {
            name: "initial symbol C v_0",
            value: u0,
            requirement: "the flow time is defined from below the optimum, C v_0 ≤ 1",
        });
    }
    if u0 >= 1.0 - epsilon {
        return Ok(0.0);
    }
    let scale = relaxation_timescale(depth, c, eta);
    let p = 2.0 - 2.0 / depth as f64;
    let y1 = (1.0 / epsilon).ln();
    if u0 <= 0.0 {
        if depth == 1 {
            return Ok(scale * y1);
        }
        return Err(Error::Parameter {
            name: "initial symbol v_0",
            value: v0,
            requirement: "must be > 0 for depth ≥ 2 (v = 0 is a fixed point of the flow)",
        });
    }
    let y0 = -(-u0).ln_1p();
    let (w0, w1) = (y0.ln(), y1.ln());
    let integrand = |w: f64| {
        let y = w.exp();
        let u = -(-y).exp_m1();
        y * u.powf(-p)
    };
    let rough = (y1 - y0) * u0.powf(-p).max(1.0);
    let out = quadrature::double_exponential::integrate(integrand, w0, w1, 1e-13 * rough);
    if !out.integral.is_finite() || out.error_estimate > 1e-10 * rough {
        return Err(Error::NoConvergence {
            what: "flow-time quadrature",
            detail: format!(
                "depth {depth}, C v0 = {u0}: integral {} ± {:e}",
                out.integral, out.error_estimate
            ),
        });
    }
    Ok(scale * out.integral)
}
