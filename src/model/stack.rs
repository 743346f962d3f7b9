//! A stack of periodic convolutions described by its kernels: the object both the trainers on
//! sampled fields ([`crate::experiment::ConvNet`]) and gradient descent on the population loss
//! ([`crate::theory::local::PopulationNet`]) update. It holds the parameters and computes the
//! symbols; how the parameters move is each side's business.

use ndarray::{ArrayD, IxDyn, Zip};
use num_complex::Complex;

use crate::error::{Error, Result};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::layers::{support_masks, LayerKind};

/// Kernels a_l(r) of a depth-D stack s(x) = −A_D ⋯ A_1 x, (A_l h)(x) = Σ_r a_l(r) h(x − r),
/// with each layer's support mask (1 on a parameter, 0 off a local layer's support).
#[derive(Debug, Clone)]
pub struct ConvStack {
    lattice: Lattice,
    kinds: Vec<LayerKind>,
    kernels: Vec<ArrayD<f64>>,
    masks: Vec<ArrayD<f64>>,
    fft: RealFft,
}

impl ConvStack {
    /// A stack with the given layers and every kernel zero.
    pub fn zeros(lattice: Lattice, kinds: &[LayerKind]) -> Result<Self> {
        let masks = support_masks(lattice, kinds)?;
        Ok(Self {
            lattice,
            kinds: kinds.to_vec(),
            kernels: vec![ArrayD::zeros(lattice.shape()); kinds.len()],
            masks,
            fft: RealFft::new(lattice),
        })
    }

    /// Balanced start (R4.1): every kernel is v_0^{1/D} δ_{r,0}, so every layer symbol is
    /// v_0^{1/D} and the network symbol is v_0 on every mode.
    pub fn balanced(lattice: Lattice, kinds: &[LayerKind], v0: f64) -> Result<Self> {
        if !(v0.is_finite() && v0 >= 0.0) {
            return Err(Error::Parameter {
                name: "initial symbol v0",
                value: v0,
                requirement: "must be finite and ≥ 0",
            });
        }
        let mut stack = Self::zeros(lattice, kinds)?;
        let a = v0.powf(1.0 / kinds.len() as f64);
        let origin = IxDyn(&vec![0; lattice.dim()]);
        for k in &mut stack.kernels {
            k[&origin] = a;
        }
        Ok(stack)
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// Depth D.
    pub fn depth(&self) -> usize {
        self.kinds.len()
    }

    /// Layer kinds, first layer (applied first) first.
    pub fn kinds(&self) -> &[LayerKind] {
        &self.kinds
    }

    /// Kernels a_l(r), shape `[L; d]`, r in FFT order; zero off a local layer's support.
    pub fn kernels(&self) -> &[ArrayD<f64>] {
        &self.kernels
    }

    /// Support masks, one per layer.
    pub fn masks(&self) -> &[ArrayD<f64>] {
        &self.masks
    }

    /// The FFT of the lattice (scaling of [`crate::fourier`]).
    pub fn fft(&self) -> &RealFft {
        &self.fft
    }

    /// Total number of trainable parameters: Σ_l (V or (2R + 1)^d).
    pub fn parameter_count(&self) -> usize {
        self.kinds
            .iter()
            .map(|k| k.parameter_count(self.lattice))
            .sum()
    }

    /// Symbol a_{l,k} = Σ_r a_l(r) e^{−ik·r} of each layer, half-spectrum layout.
    pub fn layer_symbols(&self) -> Vec<ArrayD<Complex<f64>>> {
        self.kernels
            .iter()
            .map(|k| self.fft.forward(k).expect("kernels have the lattice shape"))
            .collect()
    }

    /// Network symbol v_k = Π_l a_{l,k} (the score's symbol is −v_k), half-spectrum layout.
    pub fn symbol(&self) -> ArrayD<Complex<f64>> {
        product(&self.layer_symbols(), &self.lattice)
    }

    /// a_l(r) ← a_l(r) − η g_l(r) on the support of every layer (off-support entries of g are
    /// ignored, so a local layer stays local).
    pub fn descend(&mut self, grads: &[ArrayD<f64>], eta: f64) {
        for ((k, g), m) in self.kernels.iter_mut().zip(grads).zip(&self.masks) {
            Zip::from(k)
                .and(g)
                .and(m)
                .for_each(|k, &g, &m| *k -= eta * g * m);
        }
    }

    /// Mutable kernels, for update rules that act on the parameters directly. Entries off a
    /// local layer's support must stay zero: use [`ConvStack::masks`].
    pub fn kernels_mut(&mut self) -> &mut [ArrayD<f64>] {
        &mut self.kernels
    }

    /// Breaks the balance of a start: every kernel entry on its layer's support is multiplied
    /// by (1 + δ u), u uniform on [−1, 1] from a generator seeded by `seed`.
    pub fn perturb(&mut self, delta: f64, seed: u64) {
        use rand::Rng;
        let mut rng = crate::sampling::seeded_rng(seed);
        for (kernel, mask) in self.kernels.iter_mut().zip(&self.masks) {
            Zip::from(kernel).and(mask).for_each(|k, &m| {
                if m != 0.0 {
                    *k *= 1.0 + delta * rng.random_range(-1.0..=1.0);
                }
            });
        }
    }
}

/// Π_l a_l mode by mode (1 for an empty product), half-spectrum layout.
pub fn product(layers: &[ArrayD<Complex<f64>>], lattice: &Lattice) -> ArrayD<Complex<f64>> {
    let mut v = ArrayD::from_elem(lattice.half_shape(), Complex::new(1.0, 0.0));
    for a in layers {
        v *= a;
    }
    v
}
