//! Sampling stationary Gaussian fields from a covariance spectrum (R1.6).
//!
//! With w a field of independent N(0, 1) site variables, x = F⁻¹[√C_k ŵ_k] is a centred
//! Gaussian field whose covariance is the circulant operator with symbol C_k. Seeds are
//! explicit: every generator is a [`SeededRng`] (ChaCha8) built from a `u64`.

use ndarray::ArrayD;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::fourier::RealFft;
use crate::symbol::Symbol;

/// The crate's named seedable generator: ChaCha with 8 rounds, reproducible across runs on
/// one platform.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A [`SeededRng`] from a 64-bit seed.
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// `n` generators for independent work items (samples, fields), each seeded by one `u64`
/// drawn in order from `rng`: item i gets the same generator whatever the number of threads
/// that later process the items (R1.6).
pub fn split_rngs(rng: &mut SeededRng, n: usize) -> Vec<SeededRng> {
    (0..n).map(|_| seeded_rng(rng.random())).collect()
}

/// Draws fields with a given positive covariance spectrum (R1.6).
#[derive(Debug, Clone)]
pub struct FieldSampler {
    fft: RealFft,
    amplitude_half: ArrayD<f64>,
}

impl FieldSampler {
    /// A sampler for the covariance with symbol `spectrum` (all values finite and > 0).
    pub fn new(spectrum: &Symbol) -> Result<Self> {
        if !spectrum.is_positive() {
            return Err(Error::Parameter {
                name: "spectrum",
                value: spectrum.min(),
                requirement: "a covariance spectrum must be finite and > 0 on every mode",
            });
        }
        Ok(Self {
            fft: RealFft::new(spectrum.lattice()),
            amplitude_half: spectrum.to_half().mapv(f64::sqrt),
        })
    }

    /// One field x = F⁻¹[√C_k ŵ_k], shape `[L; d]`.
    pub fn sample(&self, rng: &mut SeededRng) -> ArrayD<f64> {
        let lattice = self.fft.lattice();
        let w = ArrayD::from_shape_simple_fn(lattice.shape(), || StandardNormal.sample(rng));
        let mut xh = self
            .fft
            .forward(&w)
            .expect("shapes are fixed by the sampler's own lattice");
        xh.zip_mut_with(&self.amplitude_half, |c, &s| *c *= s);
        self.fft
            .inverse_owned(xh)
            .expect("shapes are fixed by the sampler's own lattice")
    }

    /// `m` independent fields, drawn in parallel (rayon): field i is drawn with its own
    /// generator seeded from the i-th `u64` of `rng` ([`split_rngs`]), so the fields are the
    /// same whatever the number of threads.
    pub fn sample_many(&self, m: usize, rng: &mut SeededRng) -> Vec<ArrayD<f64>> {
        split_rngs(rng, m)
            .into_par_iter()
            .map(|mut r| self.sample(&mut r))
            .collect()
    }
}
