//! Estimators of configuration observables of O(n) data given as component fields
//! ([`ComponentData`]): magnetisation, energy, the Binder cumulant with its jackknife error, means
//! with standard errors, and magnetisation histograms (derivations/07 R7.5, derivations/08 R8.3).
//! They treat the configurations as independent draws (the data sets are spaced by ≥ 2 τ_int,
//! R7.4).

use ndarray::{ArrayD, Dimension, IxDyn};
use serde::Serialize;

use crate::data::ComponentData;

/// A mean with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanAndError {
    /// The mean.
    pub mean: f64,
    /// Its standard error.
    pub error: f64,
}

/// The sample mean x̄ of `x` and its standard error √(s²/N), s² the unbiased sample variance
/// (N ≥ 2 values; fewer give a NaN error).
pub fn mean_and_error(x: &[f64]) -> MeanAndError {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    MeanAndError {
        mean,
        error: (var / n).sqrt(),
    }
}

/// Per-configuration observables of O(n) configurations given as component fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Observables {
    /// |m|² per configuration, m^a = (1/V) Σ_x s^a_x with s = φ/√n.
    pub m2: Vec<f64>,
    /// |m|⁴ per configuration.
    pub m4: Vec<f64>,
    /// Energy per site −(1/V) Σ_⟨xy⟩ s_x·s_y per configuration.
    pub energy: Vec<f64>,
    /// m (first component) per configuration, for the histogram.
    pub m1: Vec<f64>,
}

/// The observables of each configuration (R8.3): with s = φ/√n, m^a = (1/V) Σ_x s^a_x and the
/// energy per site −(1/V) Σ_x Σ_μ s_x·s_{x+e_μ} over the dV forward bonds.
pub fn observables(data: &ComponentData) -> Observables {
    let (lattice, n) = (data.lattice(), data.n() as f64);
    let v = lattice.volume() as f64;
    let mut out = Observables {
        m2: vec![],
        m4: vec![],
        energy: vec![],
        m1: vec![],
    };
    for config in data.configs() {
        let m: Vec<f64> = config
            .iter()
            .map(|phi| phi.sum() / (v * n.sqrt()))
            .collect();
        let m2: f64 = m.iter().map(|x| x * x).sum();
        let mut bonds = 0.0;
        for phi in config {
            for axis in 0..lattice.dim() {
                let shifted = roll(phi, axis);
                bonds += (phi * &shifted).sum();
            }
        }
        out.m2.push(m2);
        out.m4.push(m2 * m2);
        out.energy.push(-bonds / (n * v));
        out.m1.push(m[0]);
    }
    out
}

/// φ(x + e_axis), periodic.
fn roll(phi: &ArrayD<f64>, axis: usize) -> ArrayD<f64> {
    let l = phi.shape()[axis];
    let mut out = phi.clone();
    for (idx, o) in out.indexed_iter_mut() {
        let mut j = idx.slice().to_vec();
        j[axis] = (j[axis] + 1) % l;
        *o = phi[IxDyn(&j)];
    }
    out
}

/// Binder cumulant of O(n) configurations, U = 1 − n/(n + 2) ⟨|m|⁴⟩/⟨|m|²⟩² (0 for a Gaussian
/// field, 2/3 for n = 1 deep in the ordered phase), with a leave-one-configuration-out
/// jackknife error (R7.5).
pub fn binder(obs: &Observables, n: usize) -> MeanAndError {
    let f = n as f64 / (n as f64 + 2.0);
    let k = obs.m2.len();
    let (s2, s4): (f64, f64) = (obs.m2.iter().sum(), obs.m4.iter().sum());
    let u = |a: f64, b: f64, c: f64| 1.0 - f * (b / c) / (a / c).powi(2);
    let full = u(s2, s4, k as f64);
    let jack: Vec<f64> = (0..k)
        .map(|i| u(s2 - obs.m2[i], s4 - obs.m4[i], (k - 1) as f64))
        .collect();
    MeanAndError {
        mean: full,
        error: crate::mc::stats::jackknife_error(&jack),
    }
}

/// Two samples' densities on one set of `bins` equal bins over [−h, h], h the largest |value|
/// of either: rows (bin centre, density of `a`, density of `b`); each density integrates to 1
/// (the last bin includes its upper end).
pub fn paired_histogram(a: &[f64], b: &[f64], bins: usize) -> Vec<[f64; 3]> {
    let hi = a
        .iter()
        .chain(b)
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(1e-12);
    let width = 2.0 * hi / bins as f64;
    let density = |x: &[f64], i: usize| {
        let lo = -hi + i as f64 * width;
        x.iter()
            .filter(|&&v| v >= lo && (v < lo + width || i == bins - 1))
            .count() as f64
            / (x.len() as f64 * width)
    };
    (0..bins)
        .map(|i| [-hi + (i as f64 + 0.5) * width, density(a, i), density(b, i)])
        .collect()
}
