//! The per-mode closed forms evaluated on a data set's empirical statistics (R3.1, R3.2, R4.2).
//!
//! On a fixed data set the DSM loss of a circulant network is, mode by mode,
//! Ĉ_k |v_k|² − 2 Re(v_k ĝ_k)/σ + const, with Ĉ_k and ĝ_k the translation-averaged second
//! moments. Gradient descent on the real kernels is then the complex scalar map
//! a ← a − 2η conj(a)^{D−1} (Ĉ a^D − T), T = conj(ĝ)/σ, on each mode separately (balanced
//! layers stay balanced). This module iterates that map; the trainers, which never see Ĉ or
//! T, must reproduce it to rounding error.

use num_complex::Complex;

/// One balanced-layer step on one mode with empirical variance `c` and target `target`.
pub fn step(depth: usize, a: Complex<f64>, c: f64, target: Complex<f64>, eta: f64) -> Complex<f64> {
    let others = a.powu(depth as u32 - 1);
    a - others.conj() * (others * a * c - target) * (2.0 * eta)
}

/// Network symbols v = a^D after each of `steps` steps (index 0: the start), for one mode,
/// from the balanced start with symbol `v0` (real, ≥ 0).
pub fn trajectory(
    depth: usize,
    c: f64,
    target: Complex<f64>,
    eta: f64,
    v0: f64,
    steps: usize,
) -> Vec<Complex<f64>> {
    let mut a = Complex::new(v0.powf(1.0 / depth as f64), 0.0);
    let mut out = Vec::with_capacity(steps + 1);
    out.push(a.powu(depth as u32));
    for _ in 0..steps {
        a = step(depth, a, c, target, eta);
        out.push(a.powu(depth as u32));
    }
    out
}

/// First step n at which every mode has |v − v̂*| ≤ ε |v̂*|, v̂* = T/Ĉ, iterating the
/// empirical map on every mode (`c_hat`, `target` paired mode by mode); `None` if not within
/// `max_steps`.
pub fn training_steps(
    depth: usize,
    c_hat: &[f64],
    target: &[Complex<f64>],
    eta: f64,
    v0: f64,
    epsilon: f64,
    max_steps: u64,
) -> Option<u64> {
    let mut worst = 0;
    for (&c, &t) in c_hat.iter().zip(target) {
        let optimum = t / c;
        let mut a = Complex::new(v0.powf(1.0 / depth as f64), 0.0);
        let mut n = 0;
        loop {
            if (a.powu(depth as u32) - optimum).norm() <= epsilon * optimum.norm() {
                break;
            }
            if n == max_steps {
                return None;
            }
            a = step(depth, a, c, t, eta);
            n += 1;
        }
        worst = worst.max(n);
    }
    Some(worst)
}
