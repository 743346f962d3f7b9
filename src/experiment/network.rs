//! Linear, translation-invariant score networks: s(x) = −A_D ⋯ A_1 x with each A_l a periodic
//! convolution h ↦ a_l ⊛ h, (a ⊛ h)(x) = Σ_r a(r) h(x − r).
//!
//! A *full* layer has all V kernel entries; a *local* layer of radius R only the offsets with
//! |r|_∞ ≤ R (taken mod L), (2R + 1)^d parameters whatever L. The forward pass and the hand
//! written backward pass use FFT convolutions; [`ConvNet::score_direct`] is the plain loop
//! convolution that checks them on small lattices.

use ndarray::{ArrayD, Dimension, IxDyn, Zip};
use num_complex::Complex;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::experiment::dataset::SpectralBatch;
use crate::experiment::REDUCTION_CHUNK;
use crate::fourier::half_spectrum_weights;
use crate::lattice::Lattice;
use crate::model::{ConvStack, LayerKind};

/// A depth-D stack of periodic convolutions: the shared description [`ConvStack`] (kernels,
/// supports, symbols) with the forward pass, the loss and its hand-written gradient on data.
#[derive(Debug, Clone)]
pub struct ConvNet {
    stack: ConvStack,
    weights: ArrayD<f64>,
}

impl ConvNet {
    /// A network with the given layers and all kernels zero.
    pub fn new(lattice: Lattice, kinds: &[LayerKind]) -> Result<Self> {
        Ok(Self {
            stack: ConvStack::zeros(lattice, kinds)?,
            weights: half_spectrum_weights(lattice),
        })
    }

    /// Balanced initialisation: every kernel is v_0^{1/D} δ_{r,0}, so every layer symbol is
    /// v_0^{1/D} and the network symbol is v_0 on every mode.
    pub fn balanced(lattice: Lattice, kinds: &[LayerKind], v0: f64) -> Result<Self> {
        Ok(Self {
            stack: ConvStack::balanced(lattice, kinds, v0)?,
            weights: half_spectrum_weights(lattice),
        })
    }

    /// The shared description of the stack.
    pub fn stack(&self) -> &ConvStack {
        &self.stack
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.stack.lattice()
    }

    /// Depth D.
    pub fn depth(&self) -> usize {
        self.stack.depth()
    }

    /// Layer kinds, first layer (applied first) first.
    pub fn kinds(&self) -> &[LayerKind] {
        self.stack.kinds()
    }

    /// Kernels a_l(r), shape `[L; d]`, r in FFT order; zero off a local layer's support.
    pub fn kernels(&self) -> &[ArrayD<f64>] {
        self.stack.kernels()
    }

    /// Total number of trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.stack.parameter_count()
    }

    /// Symbol a_{l,k} = Σ_r a_l(r) e^{−ik·r} of each layer, half-spectrum layout.
    pub fn layer_symbols(&self) -> Vec<ArrayD<Complex<f64>>> {
        self.stack.layer_symbols()
    }

    /// Network symbol v_k = Π_l a_{l,k} (the score's symbol is −v_k), half-spectrum layout.
    pub fn symbol(&self) -> ArrayD<Complex<f64>> {
        self.stack.symbol()
    }

    /// Score s(x) = −A_D ⋯ A_1 x by FFT convolution.
    pub fn score(&self, x: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let mut h = self.stack.fft().forward(x)?;
        for a in self.layer_symbols() {
            h *= &a;
        }
        Ok(-self.stack.fft().inverse_owned(h)?)
    }

    /// Score by direct loop convolution, O(V × support) per layer: the independent check of
    /// the FFT path on small lattices.
    pub fn score_direct(&self, x: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        if x.shape() != self.lattice().shape().as_slice() {
            return Err(Error::Mismatch(format!(
                "field shape {:?}, network lattice {:?}",
                x.shape(),
                self.lattice()
            )));
        }
        let l = self.lattice().side();
        let mut h = x.clone();
        for (kernel, mask) in self.stack.kernels().iter().zip(self.stack.masks()) {
            let support: Vec<(Vec<usize>, f64)> = kernel
                .indexed_iter()
                .filter(|(r, _)| mask[r] != 0.0)
                .map(|(r, &a)| (r.slice().to_vec(), a))
                .collect();
            let mut out = ArrayD::zeros(self.lattice().shape());
            for (xi, o) in out.indexed_iter_mut() {
                let mut acc = 0.0;
                for (r, a) in &support {
                    let y: Vec<usize> = xi
                        .slice()
                        .iter()
                        .zip(r)
                        .map(|(&p, &q)| (p + l - q) % l)
                        .collect();
                    acc += a * h[IxDyn(&y)];
                }
                *o = acc;
            }
            h = out;
        }
        Ok(-h)
    }

    /// Per-site DSM loss on a batch, (1/(MV)) Σ_m ‖s(x_t^m) + z^m/σ‖², and its gradient
    /// with respect to every kernel entry, by backpropagation through the convolutions:
    /// for h_l = a_l ⊛ h_{l−1} with upstream δ_l = ∂ℒ/∂h_l, ∂ℒ/∂a_l(r) = Σ_x δ_l(x) h_{l−1}(x − r)
    /// and δ_{l−1}(y) = Σ_x δ_l(x) a_l(x − y), evaluated with FFTs. Gradients vanish off a
    /// local layer's support.
    pub fn loss_and_gradient(&self, batch: &SpectralBatch) -> Result<(f64, Vec<ArrayD<f64>>)> {
        if batch.lattice() != self.lattice() {
            return Err(Error::Mismatch("batch and network lattices differ".into()));
        }
        let layers = self.layer_symbols();
        let inv_sigma = 1.0 / batch.sigma();
        // partial sums over fixed chunks, in parallel, then added in chunk order: the result
        // does not depend on the number of threads
        let partials: Vec<(f64, Vec<ArrayD<Complex<f64>>>)> = batch
            .x_hat()
            .par_chunks(REDUCTION_CHUNK)
            .zip(batch.z_hat().par_chunks(REDUCTION_CHUNK))
            .map(|(xs, zs)| self.chunk_loss_and_gradient(&layers, xs, zs, inv_sigma))
            .collect();
        let mut parts = partials.into_iter();
        let (mut loss, mut grad_hat) = parts.next().unwrap_or_else(|| {
            let zero = ArrayD::zeros(self.lattice().half_shape());
            (0.0, vec![zero; layers.len()])
        });
        for (l, g) in parts {
            loss += l;
            for (total, part) in grad_hat.iter_mut().zip(&g) {
                *total += part;
            }
        }
        let v = self.lattice().volume() as f64;
        let norm = 1.0 / (batch.len() as f64 * v);
        // Parseval: Σ_x e(x)² = (1/V) Σ_k |ê_k|²
        let loss = loss * norm / v;
        let grads = grad_hat
            .into_par_iter()
            .zip(self.stack.masks().par_iter())
            .map(|(g, mask)| {
                let mut g = self.stack.fft().inverse_owned(g)?;
                g *= norm;
                g *= mask;
                Ok(g)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((loss, grads))
    }

    /// Unnormalised loss Σ_m Σ_k w_k |ê_k^m|² and gradient symbols Σ_m δ_l^m conj(h_{l−1}^m)
    /// of one chunk of samples, with buffers allocated once per chunk.
    fn chunk_loss_and_gradient(
        &self,
        layers: &[ArrayD<Complex<f64>>],
        xs: &[ArrayD<Complex<f64>>],
        zs: &[ArrayD<Complex<f64>>],
        inv_sigma: f64,
    ) -> (f64, Vec<ArrayD<Complex<f64>>>) {
        let depth = layers.len();
        let zero = ArrayD::<Complex<f64>>::zeros(self.lattice().half_shape());
        let mut grad_hat = vec![zero.clone(); depth];
        // hidden[l] = h_{l+1} = a_{l+1} h_l, with h_0 = x̂ borrowed from the batch
        let mut hidden = vec![zero.clone(); depth];
        let mut delta = zero;
        let mut loss = 0.0;
        for (x_hat, z_hat) in xs.iter().zip(zs) {
            for (l, a) in layers.iter().enumerate() {
                let (before, rest) = hidden.split_at_mut(l);
                let input = before.last().unwrap_or(x_hat);
                Zip::from(&mut rest[0])
                    .and(input)
                    .and(a)
                    .for_each(|h, &p, &a| *h = p * a);
            }
            // residual e = s + z/σ = −h_D + z/σ; δ_D = ∂(Σ_x e²)/∂h_D = −2e
            Zip::from(&mut delta)
                .and(hidden.last().unwrap_or(x_hat))
                .and(z_hat)
                .and(&self.weights)
                .for_each(|d, &h, &z, &w| {
                    let e = z * inv_sigma - h;
                    loss += w * e.norm_sqr();
                    *d = e * (-2.0);
                });
            for l in (0..depth).rev() {
                let input = if l == 0 { x_hat } else { &hidden[l - 1] };
                Zip::from(&mut grad_hat[l])
                    .and(&delta)
                    .and(input)
                    .for_each(|g, &d, &h| *g += d * h.conj());
                if l > 0 {
                    Zip::from(&mut delta)
                        .and(&layers[l])
                        .for_each(|d, &a| *d *= a.conj());
                }
            }
        }
        (loss, grad_hat)
    }

    /// The same loss by direct loop convolutions in real space (small lattices only).
    pub fn loss_direct(&self, xt: &[ArrayD<f64>], z: &[ArrayD<f64>], sigma: f64) -> Result<f64> {
        let mut total = 0.0;
        for (x, zz) in xt.iter().zip(z) {
            let s = self.score_direct(x)?;
            total += s
                .iter()
                .zip(zz.iter())
                .map(|(&si, &zi)| (si + zi / sigma).powi(2))
                .sum::<f64>();
        }
        Ok(total / (xt.len() as f64 * self.lattice().volume() as f64))
    }

    /// Gradient step a_l ← a_l − η g_l on every layer (masked to the layer's support).
    pub fn descend(&mut self, grads: &[ArrayD<f64>], eta: f64) {
        self.stack.descend(grads, eta);
    }

    /// Replaces every kernel, a_l ← k_l · mask_l (entries off a local layer's support are set
    /// to zero): the hook through which an [`crate::experiment::optimizer::UpdateRule`] acting
    /// on the parameters writes them back. Errors on a wrong number of layers or shape.
    pub fn set_kernels(&mut self, kernels: &[ArrayD<f64>]) -> Result<()> {
        if kernels.len() != self.stack.depth() {
            return Err(Error::Mismatch(format!(
                "{} kernels given for a depth-{} network",
                kernels.len(),
                self.stack.depth()
            )));
        }
        for (k, new) in self.stack.kernels().iter().zip(kernels) {
            if k.shape() != new.shape() {
                return Err(Error::Mismatch(format!(
                    "kernel shape {:?}, network needs {:?}",
                    new.shape(),
                    k.shape()
                )));
            }
        }
        let masks = self.stack.masks().to_vec();
        for ((k, new), mask) in self.stack.kernels_mut().iter_mut().zip(kernels).zip(&masks) {
            Zip::from(k)
                .and(new)
                .and(mask)
                .for_each(|a, &b, &m| *a = b * m);
        }
        Ok(())
    }

    /// Mutable access to one kernel entry (for finite-difference checks); `None` off the
    /// layer's support or out of range.
    pub fn kernel_entry_mut(&mut self, layer: usize, r: &[usize]) -> Option<&mut f64> {
        let inside = *self.stack.masks().get(layer)?.get(IxDyn(r))? != 0.0;
        if inside {
            self.stack.kernels_mut()[layer].get_mut(IxDyn(r))
        } else {
            None
        }
    }
}
