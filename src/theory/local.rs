//! Local architectures on the population loss (R5.1–R5.6).
//!
//! A radius-R layer has its kernel on S_R = {r : |r|_∞ ≤ R}. For one such layer the loss is
//! quadratic in θ = (a(r))_{r∈S_R}: ℒ = ½ θᵀHθ − bᵀθ + const with H_{rs} = 2 c_t(r − s),
//! c_t the real-space covariance of x_t, and b_r = 2δ_{r,0} (R5.2). Deeper stacks of local
//! and full layers are trained here by gradient descent in parameter space with the exact
//! population gradient (R5.6): the semi-analytic prediction the sampled-field trainers are
//! compared with.

use ndarray::{Array1, Array2, ArrayD, IxDyn, Zip};
use ndarray_linalg::{EigValsh, Solve, UPLO};
use num_complex::Complex;

use crate::error::{Error, Result};
use crate::fourier::{half_spectrum_weights, RealFft};
use crate::lattice::Lattice;
use crate::model::{ConvStack, LayerKind};
use crate::symbol::Symbol;

/// The best radius-R one-layer score on the population loss at one diffusion time.
#[derive(Debug, Clone)]
pub struct LocalOneLayer {
    lattice: Lattice,
    radius: usize,
    offsets: Vec<Vec<usize>>,
    hessian: Array2<f64>,
    optimum: Array1<f64>,
    spectrum_t: Symbol,
}

impl LocalOneLayer {
    /// Builds H = 2[c_t(r − s)] on S_R × S_R and solves Hθ* = b (R5.2).
    pub fn new(spectrum_t: &Symbol, radius: usize) -> Result<Self> {
        let lattice = spectrum_t.lattice();
        let offsets = LayerKind::Local { radius }.support_offsets(lattice)?;
        let cov = RealFft::new(lattice).kernel(spectrum_t)?;
        let p = offsets.len();
        let hessian = Array2::from_shape_fn((p, p), |(i, j)| {
            2.0 * cov[IxDyn(&lattice.difference(&offsets[i], &offsets[j]))]
        });
        let origin = offsets
            .iter()
            .position(|r| r.iter().all(|&m| m == 0))
            .expect("S_R contains the origin");
        let mut b = Array1::zeros(p);
        b[origin] = 2.0;
        let optimum = crate::linalg::lapack("local normal equations", || hessian.solve(&b))?;
        Ok(Self {
            lattice,
            radius,
            offsets,
            hessian,
            optimum,
            spectrum_t: spectrum_t.clone(),
        })
    }

    /// Radius R.
    pub fn radius(&self) -> usize {
        self.radius
    }

    /// Number of parameters (2R + 1)^d.
    pub fn parameter_count(&self) -> usize {
        self.offsets.len()
    }

    /// The Hessian H = 2[c_t(r − s)] (R5.2).
    pub fn hessian(&self) -> &Array2<f64> {
        &self.hessian
    }

    /// Condition number λ_max(H)/λ_min(H), bounded in L (R5.3).
    pub fn hessian_condition_number(&self) -> Result<f64> {
        let (lo, hi) = self.hessian_extremes()?;
        Ok(hi / lo)
    }

    fn hessian_extremes(&self) -> Result<(f64, f64)> {
        let ev = crate::linalg::lapack("local Hessian eigenvalues", || {
            self.hessian.eigvalsh(UPLO::Lower)
        })?;
        Ok((ev[0], ev[ev.len() - 1]))
    }

    /// Learning rate c/λ_max(H).
    pub fn learning_rate(&self, c: f64) -> Result<f64> {
        Ok(c / self.hessian_extremes()?.1)
    }

    fn kernel_of(&self, theta: &Array1<f64>) -> ArrayD<f64> {
        let mut k = ArrayD::zeros(self.lattice.shape());
        for (r, &a) in self.offsets.iter().zip(theta) {
            k[IxDyn(r)] = a;
        }
        k
    }

    /// The optimal kernel a*(r), shape `[L; d]` (R5.2).
    pub fn optimum_kernel(&self) -> ArrayD<f64> {
        self.kernel_of(&self.optimum)
    }

    /// The optimal symbol a*_k, half-spectrum layout.
    pub fn optimum_symbol(&self) -> Result<ArrayD<Complex<f64>>> {
        RealFft::new(self.lattice).forward(&self.optimum_kernel())
    }

    /// Approximation floor Δ_R(t) = (1/V) Σ_k C_k(t)|a*_k − 1/C_k(t)|², the excess DSM loss
    /// per site of the best radius-R score (R5.4).
    pub fn approximation_floor(&self) -> Result<f64> {
        excess_loss_per_site(&self.spectrum_t, &self.optimum_symbol()?)
    }

    /// The zero-mode symbol a*_0 = Σ_r θ*(r) of the local optimum (R5.5).
    pub fn zero_mode_symbol(&self) -> f64 {
        self.optimum.sum()
    }

    /// The zero mode's variance C_0(t) = α_t²/μ_L + σ_t² of the noised data (R5.5).
    pub fn zero_mode_variance(&self) -> f64 {
        self.spectrum_t.at(&vec![0; self.lattice.dim()])
    }

    /// Relative error |a*_0 C_0(t) − 1| of the zero-mode symbol of the local optimum (R5.5).
    pub fn zero_mode_relative_error(&self) -> f64 {
        (self.zero_mode_symbol() * self.zero_mode_variance() - 1.0).abs()
    }

    /// Steps of θ ← θ − η(Hθ − b) from θ = 0 until every mode's symbol is within relative
    /// error ε of the local optimum's (R5.2), measured by FFT of the kernel.
    pub fn training_steps(&self, eta: f64, epsilon: f64, max_steps: u64) -> Result<u64> {
        let fft = RealFft::new(self.lattice);
        let target = self.optimum_symbol()?;
        let b = {
            let mut b = Array1::zeros(self.offsets.len());
            b[self.origin()] = 2.0;
            b
        };
        let mut theta = Array1::<f64>::zeros(self.offsets.len());
        for n in 0..=max_steps {
            let sym = fft.forward(&self.kernel_of(&theta))?;
            let ok = sym
                .iter()
                .zip(&target)
                .all(|(a, t)| (a - t).norm() <= epsilon * t.norm());
            if ok {
                return Ok(n);
            }
            let grad = self.hessian.dot(&theta) - &b;
            theta.scaled_add(-eta, &grad);
        }
        Err(Error::NoConvergence {
            what: "local one-layer GD",
            detail: format!("more than {max_steps} steps"),
        })
    }

    fn origin(&self) -> usize {
        self.offsets
            .iter()
            .position(|r| r.iter().all(|&m| m == 0))
            .expect("S_R contains the origin")
    }
}

/// A stack of local and full layers trained on the population loss by gradient descent in
/// parameter space, with the exact gradient 2·F⁻¹[conj(P_l)(C_k(t) v_k − 1)] restricted to each
/// layer's support (R5.6). The parameters live in a [`ConvStack`], the description the
/// trainers on sampled fields use too.
#[derive(Debug, Clone)]
pub struct PopulationNet {
    stack: ConvStack,
    spectrum_t: Symbol,
    /// `spectrum_t` in half-spectrum layout, kept for the gradient of every step.
    c_half: ArrayD<f64>,
}

impl PopulationNet {
    /// Balanced start: every kernel v_0^{1/D} δ_{r,0}.
    pub fn balanced(spectrum_t: &Symbol, kinds: &[LayerKind], v0: f64) -> Result<Self> {
        Ok(Self {
            stack: ConvStack::balanced(spectrum_t.lattice(), kinds, v0)?,
            spectrum_t: spectrum_t.clone(),
            c_half: spectrum_t.to_half(),
        })
    }

    /// Breaks the balance of the start: every kernel entry inside its layer's support is
    /// multiplied by (1 + δ u), u uniform on [−1, 1] from a generator seeded by `seed`.
    /// Gradient descent keeps an exactly balanced stack balanced (the layers receive identical
    /// updates), so without this the population dynamics can never leave the balanced
    /// manifold, while a trainer on sampled fields leaves it through rounding and sampling
    /// asymmetries.
    pub fn perturb(&mut self, delta: f64, seed: u64) {
        self.stack.perturb(delta, seed);
    }

    /// Network symbol v_k = Π_l a_{l,k}, half-spectrum layout.
    pub fn symbol(&self) -> ArrayD<Complex<f64>> {
        self.stack.symbol()
    }

    /// Kernels a_l(r).
    pub fn kernels(&self) -> &[ArrayD<f64>] {
        self.stack.kernels()
    }

    /// One GD step with learning rate η on the population loss (R5.6).
    pub fn step(&mut self, eta: f64) -> Result<()> {
        let layers = self.stack.layer_symbols();
        let mut residual = crate::model::stack::product(&layers, &self.stack.lattice());
        Zip::from(&mut residual)
            .and(&self.c_half)
            .for_each(|r, &c| *r = *r * c - 1.0);
        let mut grads = Vec::with_capacity(layers.len());
        for l in 0..layers.len() {
            let mut g = residual.clone();
            for (j, a) in layers.iter().enumerate() {
                if j != l {
                    Zip::from(&mut g)
                        .and(a)
                        .for_each(|gi, &aj| *gi *= aj.conj());
                }
            }
            grads.push(self.stack.fft().inverse(&g)? * 2.0);
        }
        self.stack.descend(&grads, eta);
        Ok(())
    }

    /// Excess population loss per site (1/V) Σ_k C_k(t)|v_k − 1/C_k(t)|².
    pub fn excess_loss(&self) -> Result<f64> {
        excess_loss_per_site(&self.spectrum_t, &self.symbol())
    }
}

/// Excess population DSM loss per site of any network with (complex) symbol v_k,
/// half-spectrum layout: (1/V) Σ_k C_k(t)|v_k − 1/C_k(t)|² (R3.1 written for a complex symbol;
/// at the radius-R optimum it is the floor Δ_R(t) of R5.4).
pub fn excess_loss_per_site(spectrum_t: &Symbol, v: &ArrayD<Complex<f64>>) -> Result<f64> {
    let lattice = spectrum_t.lattice();
    let c = spectrum_t.to_half();
    if v.shape() != c.shape() {
        return Err(Error::Mismatch(format!(
            "network symbol of shape {:?} against a half spectrum of shape {:?}",
            v.shape(),
            c.shape()
        )));
    }
    let w = half_spectrum_weights(lattice);
    let total = Zip::from(v).and(&c).and(&w).fold(0.0, |acc, vk, &ck, &wk| {
        acc + wk * ck * (vk - 1.0 / ck).norm_sqr()
    });
    Ok(total / lattice.volume() as f64)
}

/// The zero mode of a local optimum at one side: L, a*_0 and the gap equation's mass μ_L (R5.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZeroMode {
    /// Side L.
    pub l: usize,
    /// The optimum's zero-mode symbol a*_0.
    pub symbol: f64,
    /// The data's mass μ_L (C_0(0) = 1/μ_L).
    pub mass: f64,
}

/// R5.5 (b): how far the zero-mode error ratio e_{L₂}/e_{L₁} may lie from q = (L₂/L₁)² at
/// finite sides.
///
/// The error e_L = a_L C_0(t) − 1 with C_0(t) = α_t²/μ_L + σ_t² splits into
/// P_L = a_L α_t² L²/x_L (x_L = μ_L L²), which grows like L² once a_L and x_L have converged,
/// and B_L = a_L σ_t² − 1, which does not grow. So e_{L₂}/e_{L₁} =
/// q (1 + ε_a)(1 + ε_x)(1 + b_{L₂})/(1 + b_{L₁}) with ε_a = a_{L₂}/a_{L₁} − 1,
/// ε_x = x_{L₁}/x_{L₂} − 1 and b = B/P, and the ratio lies within
/// q [(1 + |ε_a|)(1 + |ε_x|)(1 + |b_{L₂}|)/(1 − |b_{L₁}|) − 1] of q. The bound uses a*_0 and
/// μ_L only, not C_0(t). Returns (q, that bound); an error unless t > 0, L₂ > L₁ and
/// |b_{L₁}| < 1 (the growing part dominates).
pub fn zero_mode_growth_allowance(t: f64, small: ZeroMode, large: ZeroMode) -> Result<(f64, f64)> {
    use crate::diffusion::forward::{alpha, sigma2};
    let (a2, s2) = (alpha(t)?.powi(2), sigma2(t)?);
    let x = |z: ZeroMode| z.mass * (z.l as f64).powi(2);
    let b = |z: ZeroMode| (z.symbol * s2 - 1.0) * z.mass / (z.symbol * a2);
    if !(s2 > 0.0 && large.l > small.l && b(small).abs() < 1.0) {
        return Err(Error::Invalid {
            name: "zero-mode growth allowance",
            value: format!("t = {t}, L = {} and {}", small.l, large.l),
            requirement:
                "t > 0, a larger second side and a zero-mode error dominated by its growing part"
                    .into(),
        });
    }
    let q = (large.l as f64 / small.l as f64).powi(2);
    let eps_a = (large.symbol / small.symbol - 1.0).abs();
    let eps_x = (x(small) / x(large) - 1.0).abs();
    let growth = (1.0 + eps_a) * (1.0 + eps_x) * (1.0 + b(large).abs()) / (1.0 - b(small).abs());
    Ok((q, q * (growth - 1.0)))
}
