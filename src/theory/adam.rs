//! Adam on the population loss: deterministic iteration of the exact population gradient
//! (R9.5–R9.7). There is no closed form; this module iterates Adam, written independently of
//! the trainers' `experiment::optimizer::Adam`, in two parametrisations:
//!
//! - **per mode** (one parameter per Fourier mode and layer): every mode is its own scalar Adam
//!   on ℓ(a) with gradient 2a^{D−1}(C a^D − 1), so one iteration per distinct C_k suffices;
//! - **real space** (the kernel entries a_l(r)): the kernel gradient is the inverse DFT, with the
//!   crate's 1/V, of the per-mode gradient 2 conj(Π_{j≠l} a_{j,k})(C_k v_k − 1) (R3.1), and
//!   Adam's per-coordinate normalisation acts on the V real-space entries, coupling the modes.
//!
//! The measured training times against L, and which modes limit them, are R9.7.

use ndarray::{ArrayD, Zip};
use num_complex::Complex;
use serde::Serialize;

use crate::error::{positive, Error, Result};
use crate::fourier::RealFft;
use crate::model::optimizer::OptimizerSpec;
use crate::symbol::Symbol;
use crate::theory::depth;

/// Adam's constants (R9.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdamConstants {
    /// Step size.
    pub lr: f64,
    /// First-moment decay β₁.
    pub beta1: f64,
    /// Second-moment decay β₂.
    pub beta2: f64,
    /// Denominator guard.
    pub eps: f64,
}

impl AdamConstants {
    /// The constants of an `adam:…` spec; an error for any other optimizer.
    pub fn from_spec(spec: &OptimizerSpec) -> Result<Self> {
        spec.validate()?;
        match *spec {
            OptimizerSpec::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => Ok(Self {
                lr,
                beta1,
                beta2,
                eps,
            }),
            _ => Err(Error::Mismatch(format!("{spec} is not an Adam optimizer"))),
        }
    }

    /// Bias-corrected Adam step on one coordinate at step n ≥ 1 (R9.5):
    /// m ← β₁m + (1 − β₁)g, s ← β₂s + (1 − β₂)g², returns lr (m/(1 − β₁ⁿ))/(√(s/(1 − β₂ⁿ)) + ε).
    pub fn increment(&self, g: f64, m: &mut f64, s: &mut f64, n: i32) -> f64 {
        *m = self.beta1 * *m + (1.0 - self.beta1) * g;
        *s = self.beta2 * *s + (1.0 - self.beta2) * g * g;
        let m_hat = *m / (1.0 - self.beta1.powi(n));
        let s_hat = *s / (1.0 - self.beta2.powi(n));
        self.lr * m_hat / (s_hat.sqrt() + self.eps)
    }
}

/// Per-mode Adam on one mode of variance C, balanced depth D (layers share value a and, by
/// symmetry, their Adam state): symbols v_0, …, v_n from symbol v0 (R9.5).
pub fn per_mode_trajectory(
    depth: usize,
    c: f64,
    adam: &AdamConstants,
    v0: f64,
    steps: usize,
) -> Vec<f64> {
    let d = depth as i32;
    let mut a = depth::balanced_layer(depth, v0);
    let (mut m, mut s) = (0.0, 0.0);
    let mut out = vec![v0];
    for n in 1..=steps {
        let others = a.powi(d - 1);
        let g = 2.0 * others * (c * others * a - 1.0);
        a -= adam.increment(g, &mut m, &mut s, n.min(i32::MAX as usize) as i32);
        out.push(a.powi(d));
    }
    out
}

/// Per-mode Adam on one mode of a data set's loss (R9.5): second moment Ĉ = `c`, target T,
/// one complex parameter a per layer (balanced) with Adam acting separately on Re a and Im a,
/// gradient G = 2 conj(a^{D−1})(Ĉ a^D − T). Returns the symbols v_0, …, v_n from the real
/// symbol v0.
pub fn per_mode_complex_trajectory(
    depth: usize,
    c: f64,
    target: Complex<f64>,
    adam: &AdamConstants,
    v0: f64,
    steps: usize,
) -> Vec<Complex<f64>> {
    let d = depth as u32;
    let mut a = Complex::new(depth::balanced_layer(depth, v0), 0.0);
    let (mut m_re, mut s_re, mut m_im, mut s_im) = (0.0, 0.0, 0.0, 0.0);
    let mut out = vec![a.powu(d)];
    for n in 1..=steps {
        let others = a.powu(d - 1);
        let g = others.conj() * (others * a * c - target) * 2.0;
        let k = n.min(i32::MAX as usize) as i32;
        a.re -= adam.increment(g.re, &mut m_re, &mut s_re, k);
        a.im -= adam.increment(g.im, &mut m_im, &mut s_im, k);
        out.push(a.powu(d));
    }
    out
}

/// When a run counts as trained (R9.6): the relative symbol error max_k |v_k − v*_k|/v*_k
/// stays ≤ ε for `window` consecutive steps; the training time is the first step of that run.
/// Adam's oscillations make "for ever" unverifiable by iteration; a window of 1/(1 − β₂)
/// steps spans the memory of the second moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdamCriterion {
    /// ε ∈ (0, 1).
    pub epsilon: f64,
    /// Consecutive steps the error must stay below ε.
    pub window: u64,
    /// Step cap.
    pub max_steps: u64,
}

/// Training time of per-mode Adam for one mode (R9.6): the first n from which
/// |v_m − v*| ≤ ε v* for m = n, …, n + window − 1; `None` if not reached within the cap.
pub fn per_mode_training_steps(
    depth: usize,
    c: f64,
    adam: &AdamConstants,
    v0: f64,
    criterion: &AdamCriterion,
) -> Option<u64> {
    let d = depth as i32;
    let v_star = 1.0 / c;
    let mut a = depth::balanced_layer(depth, v0);
    let (mut m, mut s) = (0.0, 0.0);
    let mut run_start = None;
    for n in 0..=criterion.max_steps {
        let v = a.powi(d);
        if !v.is_finite() {
            return None;
        }
        if (v - v_star).abs() <= criterion.epsilon * v_star {
            let start = *run_start.get_or_insert(n);
            if n + 1 - start >= criterion.window {
                return Some(start);
            }
        } else {
            run_start = None;
        }
        let others = a.powi(d - 1);
        let g = 2.0 * others * (c * others * a - 1.0);
        a -= adam.increment(g, &mut m, &mut s, (n + 1).min(i32::MAX as u64) as i32);
    }
    None
}

/// Per-mode Adam training time over a spectrum: the maximum over distinct C_k(t) of
/// [`per_mode_training_steps`], with the mode that sets it (R9.6); `None` if some mode does
/// not train within the cap.
pub fn per_mode_training_time(
    spectrum_t: &Symbol,
    depth: usize,
    adam: &AdamConstants,
    v0: f64,
    criterion: &AdamCriterion,
) -> Option<(u64, f64)> {
    let mut values = spectrum_t.values().to_vec();
    values.sort_by(f64::total_cmp);
    values.dedup();
    let mut worst = (0, values[0]);
    for c in values {
        let n = per_mode_training_steps(depth, c, adam, v0, criterion)?;
        if n > worst.0 {
            worst = (n, c);
        }
    }
    Some(worst)
}

/// Layer symbols and the network symbol (half spectrum).
type Symbols = (Vec<ArrayD<Complex<f64>>>, ArrayD<Complex<f64>>);

/// Real-space Adam on the population loss of a balanced stack of D full layers (R9.5).
#[derive(Debug, Clone)]
pub struct RealSpaceAdam {
    fft: RealFft,
    spectrum_half: ArrayD<f64>,
    target_half: ArrayD<Complex<f64>>,
    adam: AdamConstants,
    kernels: Vec<ArrayD<f64>>,
    first: Vec<ArrayD<f64>>,
    second: Vec<ArrayD<f64>>,
    count: i32,
}

impl RealSpaceAdam {
    /// Balanced start: every kernel v0^{1/D} δ_{r,0}, on the population loss (C_k(t), T_k = 1).
    pub fn new(spectrum_t: &Symbol, depth: usize, adam: AdamConstants, v0: f64) -> Result<Self> {
        let c = spectrum_t.to_half();
        let target = c.mapv(|_| Complex::new(1.0, 0.0));
        Self::with_statistics(spectrum_t.lattice(), c, target, depth, adam, v0)
    }

    /// The same on a data set's loss (R3.1): per-mode second moments Ĉ_k and targets T_k
    /// (half spectrum), per-mode gradient 2 conj(Π_{j≠l} a_{j,k})(Ĉ_k v_k − T_k).
    pub fn with_statistics(
        lattice: crate::lattice::Lattice,
        c_half: ArrayD<f64>,
        target_half: ArrayD<Complex<f64>>,
        depth: usize,
        adam: AdamConstants,
        v0: f64,
    ) -> Result<Self> {
        positive("adam learning rate", adam.lr)?;
        if c_half.shape() != lattice.half_shape().as_slice()
            || target_half.shape() != c_half.shape()
        {
            return Err(Error::Mismatch(
                "statistics do not have the half-spectrum shape".into(),
            ));
        }
        if depth == 0 {
            return Err(Error::Parameter {
                name: "depth",
                value: 0.0,
                requirement: "must be ≥ 1",
            });
        }
        let mut k = ArrayD::<f64>::zeros(lattice.shape());
        k[vec![0; lattice.dim()].as_slice()] = depth::balanced_layer(depth, v0);
        let zeros = ArrayD::<f64>::zeros(lattice.shape());
        Ok(Self {
            fft: RealFft::new(lattice),
            spectrum_half: c_half,
            target_half,
            adam,
            kernels: vec![k; depth],
            first: vec![zeros.clone(); depth],
            second: vec![zeros; depth],
            count: 0,
        })
    }

    /// Layer symbols and the network symbol v_k = Π_l a_{l,k} (half spectrum).
    fn symbols(&self) -> Result<Symbols> {
        let layers = self
            .kernels
            .iter()
            .map(|k| self.fft.forward(k))
            .collect::<Result<Vec<_>>>()?;
        let mut v = ArrayD::from_elem(self.spectrum_half.raw_dim(), Complex::new(1.0, 0.0));
        for a in &layers {
            v *= a;
        }
        Ok((layers, v))
    }

    /// Network symbol v_k (half spectrum).
    pub fn symbol(&self) -> Result<ArrayD<Complex<f64>>> {
        Ok(self.symbols()?.1)
    }

    /// Largest relative error max_k |v_k − v*_k|/|v*_k|, v*_k = T_k/C_k.
    pub fn relative_error(&self) -> Result<f64> {
        let v = self.symbol()?;
        Ok(Zip::from(&v)
            .and(&self.spectrum_half)
            .and(&self.target_half)
            .fold(0.0f64, |acc, v, &c, &t| {
                acc.max((v * c - t).norm() / t.norm())
            }))
    }

    /// One Adam step with the exact population gradient (R9.5):
    /// g_l = F⁻¹[2 conj(Π_{j≠l} a_{j,k})(C_k v_k − 1)] (the 1/V of F⁻¹ is the per-site loss's).
    pub fn step(&mut self) -> Result<()> {
        let (layers, v) = self.symbols()?;
        self.count = self.count.saturating_add(1);
        for l in 0..layers.len() {
            let mut g_hat = ArrayD::from_elem(v.raw_dim(), Complex::new(2.0, 0.0));
            for (j, a) in layers.iter().enumerate() {
                if j != l {
                    Zip::from(&mut g_hat).and(a).for_each(|g, a| *g *= a.conj());
                }
            }
            Zip::from(&mut g_hat)
                .and(&v)
                .and(&self.spectrum_half)
                .and(&self.target_half)
                .for_each(|g, &v, &c, &t| *g *= v * c - t);
            let g = self.fft.inverse(&g_hat)?;
            let n = self.count;
            let adam = self.adam;
            Zip::from(&mut self.kernels[l])
                .and(&g)
                .and(&mut self.first[l])
                .and(&mut self.second[l])
                .for_each(|a, &g, m, s| *a -= adam.increment(g, m, s, n));
        }
        Ok(())
    }

    /// Symbols after each of `steps` steps (index 0: the start).
    pub fn trajectory(&mut self, steps: usize) -> Result<Vec<ArrayD<Complex<f64>>>> {
        let mut out = vec![self.symbol()?];
        for _ in 0..steps {
            self.step()?;
            out.push(self.symbol()?);
        }
        Ok(out)
    }

    /// Training time under `criterion` (R9.6), iterating from the current state; `None` if
    /// not reached within the cap or if the iteration diverges.
    pub fn training_steps(&mut self, criterion: &AdamCriterion) -> Result<Option<u64>> {
        let mut run_start = None;
        for n in 0..=criterion.max_steps {
            let err = self.relative_error()?;
            if !err.is_finite() {
                return Ok(None);
            }
            if err <= criterion.epsilon {
                let start = *run_start.get_or_insert(n);
                if n + 1 - start >= criterion.window {
                    return Ok(Some(start));
                }
            } else {
                run_start = None;
            }
            self.step()?;
        }
        Ok(None)
    }
}

/// The learning-rate grid of the Adam protocol (R9.6): lr = 2^{−j}, j = −3, …, 20 (8 down to
/// ≈ 1e-6), largest first.
pub fn learning_rate_grid() -> Vec<f64> {
    (-3..=20).map(|j| 0.5f64.powi(j)).collect()
}

/// The Adam protocol's learning rate (R9.6): the lr of [`learning_rate_grid`] with the
/// smallest training time `time(lr)` (`None`: does not train within its cap), scanning from
/// the largest lr down and stopping after three consecutive grid points that are slower than
/// the best so far or do not train (the time is unimodal in lr on our sweeps); returns
/// (lr, steps). The same rule at every L.
pub fn fastest_rate(
    mut time: impl FnMut(f64) -> Result<Option<u64>>,
) -> Result<Option<(f64, u64)>> {
    let mut best: Option<(f64, u64)> = None;
    let mut worse = 0;
    for lr in learning_rate_grid() {
        match (time(lr)?, best) {
            (Some(n), None) => best = Some((lr, n)),
            (Some(n), Some((_, b))) if n < b => {
                best = Some((lr, n));
                worse = 0;
            }
            (_, Some(_)) => worse += 1,
            (None, None) => {}
        }
        if worse == 3 {
            break;
        }
    }
    Ok(best)
}

/// The Adam protocol's learning rate (R9.6): the largest lr of [`learning_rate_grid`] for
/// which `time(lr)` (a training time, `None` when the run does not train within its cap) is
/// `Some`; returns (lr, steps). The same rule at every L.
pub fn largest_converging_rate(
    mut time: impl FnMut(f64) -> Result<Option<u64>>,
) -> Result<Option<(f64, u64)>> {
    for lr in learning_rate_grid() {
        if let Some(n) = time(lr)? {
            return Ok(Some((lr, n)));
        }
    }
    Ok(None)
}
