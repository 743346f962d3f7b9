//! Online SGD with fresh samples, one layer (D = 1): the exact second-moment dynamics of the
//! learned symbol, its noise floor, and the excess-loss training time (R9.9–R9.11).
//!
//! With a fresh batch of B fields per step, mode k sees Ĉ = B⁻¹Σ_b|X_b|² and
//! T̂ = B⁻¹Σ_b X̄_b Z_b/σ (unitary modes), and its error e = v − 1/C obeys
//! e_{n+1} = A_n e_n + b_n, A_n = 1 − 2ηĈ_n, b_n = −2η[(Ĉ_n − C)/C − (T̂_n − 1)], with
//! (A_n, b_n) independent of e_n. For Gaussian x_t and z (R9.9):
//! E\[A²\] = (1 − 2ηC)² + 4η²κC²/B (κ = 2 on self-conjugate modes, 1 elsewhere),
//! E|b|² = 4η²(C/σ² − 1)/B on every mode, and E[A b̄] = 0.

use ndarray::{ArrayD, Dimension};

use crate::diffusion::forward::sigma2;
use crate::error::{positive, Error, Result};
use crate::fourier::half_spectrum_weights;
use crate::lattice::Lattice;
use crate::symbol::Symbol;

/// E\[A²\] = (1 − 2ηC)² + 4η²κC²/B, the mean squared contraction of one SGD step on a mode of
/// variance C (κ = 2 for a self-conjugate mode, 1 otherwise) (R9.9).
pub fn contraction_second_moment(c: f64, eta: f64, batch: usize, self_conjugate: bool) -> f64 {
    let kappa = if self_conjugate { 2.0 } else { 1.0 };
    (1.0 - 2.0 * eta * c).powi(2) + 4.0 * eta * eta * kappa * c * c / batch as f64
}

/// E|b|² = 4η²(C/σ² − 1)/B = 4η²α²C₀/(σ²B), the variance of the per-step gradient noise of a
/// mode in units of the symbol (R9.9).
pub fn noise_second_moment(c: f64, sigma2: f64, eta: f64, batch: usize) -> f64 {
    4.0 * eta * eta * (c / sigma2 - 1.0) / batch as f64
}

/// Stationary E|e|² = E|b|²/(1 − E\[A²\]) of one mode (R9.10); an error when E\[A²\] ≥ 1 (the
/// second moment diverges).
pub fn stationary_variance(
    c: f64,
    sigma2: f64,
    eta: f64,
    batch: usize,
    self_conjugate: bool,
) -> Result<f64> {
    let q = contraction_second_moment(c, eta, batch, self_conjugate);
    if q.is_nan() || q >= 1.0 {
        return Err(Error::Unstable(format!(
            "online SGD second moment diverges: E[A²] = {q} ≥ 1 (eta = {eta}, C = {c}, B = {batch})"
        )));
    }
    Ok(noise_second_moment(c, sigma2, eta, batch) / (1.0 - q))
}

/// E|e_n|² = S_∞ + (|e_0|² − S_∞) E\[A²\]ⁿ, the exact second moment after n steps (R9.10).
pub fn second_moment(
    c: f64,
    sigma2: f64,
    eta: f64,
    batch: usize,
    self_conjugate: bool,
    e0_squared: f64,
    n: u64,
) -> Result<f64> {
    let s_inf = stationary_variance(c, sigma2, eta, batch, self_conjugate)?;
    let q = contraction_second_moment(c, eta, batch, self_conjugate);
    Ok(s_inf + (e0_squared - s_inf) * q.powf(n as f64))
}

/// True on the half-spectrum entries whose mode is its own conjugate (k ≡ −k).
pub fn self_conjugate_modes(lattice: Lattice) -> ArrayD<bool> {
    let l = lattice.side();
    ArrayD::from_shape_fn(lattice.half_shape(), |idx| {
        idx.slice().iter().all(|&n| (l - n) % l == n)
    })
}

/// Online SGD on a whole spectrum at one diffusion time (R9.10, R9.11).
#[derive(Debug, Clone)]
pub struct OnlineSgd {
    spectrum_half: ArrayD<f64>,
    weights: ArrayD<f64>,
    self_conjugate: ArrayD<bool>,
    sigma2: f64,
    eta: f64,
    batch: usize,
}

impl OnlineSgd {
    /// SGD with step η and B fresh fields per step on the spectrum C_k(t) at time t > 0.
    pub fn new(spectrum_t: &Symbol, t: f64, eta: f64, batch: usize) -> Result<Self> {
        positive("eta", eta)?;
        let s2 = sigma2(t)?;
        positive("sigma_t^2 (needs t > 0)", s2)?;
        if batch == 0 {
            return Err(Error::Parameter {
                name: "batch size B",
                value: 0.0,
                requirement: "must be ≥ 1",
            });
        }
        let lattice = spectrum_t.lattice();
        let out = Self {
            spectrum_half: spectrum_t.to_half(),
            weights: half_spectrum_weights(lattice),
            self_conjugate: self_conjugate_modes(lattice),
            sigma2: s2,
            eta,
            batch,
        };
        out.stationary_variances()?;
        Ok(out)
    }

    /// Stationary E|v_k − v*_k|² per half-spectrum entry (R9.10).
    pub fn stationary_variances(&self) -> Result<ArrayD<f64>> {
        let mut out = ArrayD::zeros(self.spectrum_half.raw_dim());
        for ((o, &c), &sc) in out
            .iter_mut()
            .zip(&self.spectrum_half)
            .zip(&self.self_conjugate)
        {
            *o = stationary_variance(c, self.sigma2, self.eta, self.batch, sc)?;
        }
        Ok(out)
    }

    /// Expected excess population loss per site after n steps from the constant symbol v0,
    /// (1/V) Σ_k C_k E|e_{k,n}|² (R9.11, with R3.1); n = ∞ gives the noise floor.
    pub fn expected_excess_loss(&self, v0: f64, n: Option<u64>) -> Result<f64> {
        let mut total = 0.0;
        let mut count = 0.0;
        for (((&c, &w), &sc), _) in self
            .spectrum_half
            .iter()
            .zip(&self.weights)
            .zip(&self.self_conjugate)
            .zip(0..)
        {
            let e0 = (v0 - 1.0 / c).powi(2);
            let s = match n {
                Some(n) => second_moment(c, self.sigma2, self.eta, self.batch, sc, e0, n)?,
                None => stationary_variance(c, self.sigma2, self.eta, self.batch, sc)?,
            };
            total += w * c * s;
            count += w;
        }
        Ok(total / count)
    }

    /// Noise floor of the excess loss, lim_n E\[ℒ_n\] − ℒ* (R9.11).
    pub fn excess_loss_floor(&self) -> Result<f64> {
        self.expected_excess_loss(0.0, None)
    }

    /// Training time by the excess-loss criterion (R9.11): the first n with
    /// E\[ℒ_n\] − ℒ* ≤ δ from v0 = 0 (every mode's E|e_n|² decreases monotonically to its floor,
    /// so the first crossing is the last). Errors if δ ≤ the floor.
    pub fn training_steps(&self, delta: f64) -> Result<u64> {
        let floor = self.excess_loss_floor()?;
        if delta.is_nan() || delta <= floor {
            return Err(Error::Parameter {
                name: "excess-loss target delta",
                value: delta,
                requirement: "must exceed the online-SGD noise floor (R9.11)",
            });
        }
        let above =
            |n: u64| -> Result<bool> { Ok(self.expected_excess_loss(0.0, Some(n))? > delta) };
        let (mut lo, mut hi) = (0u64, 1u64);
        while above(hi)? {
            lo = hi;
            hi *= 2;
            if hi > 1 << 50 {
                return Err(Error::NoConvergence {
                    what: "online SGD training time",
                    detail: format!("excess loss above {delta:e} after 1e15 steps"),
                });
            }
        }
        if !above(lo)? {
            return Ok(lo);
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if above(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(hi)
    }
}

/// Unit tests on numbers worked by hand and the iterated second-moment recursion.
#[cfg(test)]
mod tests;
