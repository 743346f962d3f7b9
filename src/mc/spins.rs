//! O(n) spin configurations on the periodic lattice (Z_L)^d and the map to the crate's
//! large-n fields (R7.1).
//!
//! Sites are numbered in row-major (C) order, x = Σ_μ x_μ L^{d−1−μ}, the order of
//! [`Lattice::for_each_index`] and of the `[L; d]` arrays the trainers use. A configuration
//! stores the n components of each site contiguously (site-major), `n = 1` being Ising ±1.

use ndarray::{ArrayD, IxDyn};
use rand::Rng;
use rand_distr::StandardNormal;

use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// Neighbour table of (Z_L)^d: for site x and axis μ, entry `2dx + 2μ` is x + e_μ and entry
/// `2dx + 2μ + 1` is x − e_μ (mod L).
///
/// The Hamiltonian is H = −Σ_x Σ_μ s_x·s_{x+e_μ}, dV bond terms (R7.1). For L = 2 the bonds
/// (x, x+e_μ) and (x+e_μ, x+2e_μ = x) join the same pair twice: the pair then carries
/// coupling 2K, and the neighbour table lists the site twice, so local fields and cluster
/// growth see the doubled bond consistently.
#[derive(Debug, Clone)]
pub struct Geometry {
    lattice: Lattice,
    neighbours: Vec<u32>,
}

impl Geometry {
    /// Builds the neighbour table; needs L ≥ 2 and V < 2³².
    pub fn new(lattice: Lattice) -> Result<Self> {
        let (d, l, v) = (lattice.dim(), lattice.side(), lattice.volume());
        if l < 2 || u32::try_from(v).is_err() {
            return Err(Error::Lattice(format!(
                "Monte Carlo needs L ≥ 2 and V < 2^32 sites (got L = {l}, V = {v})"
            )));
        }
        let mut neighbours = vec![0u32; 2 * d * v];
        let mut x = 0usize;
        lattice.for_each_index(|idx| {
            for mu in 0..d {
                let stride = l.pow((d - 1 - mu) as u32);
                let up = if idx[mu] + 1 == l {
                    x + stride - l * stride
                } else {
                    x + stride
                };
                let down = if idx[mu] == 0 {
                    x + (l - 1) * stride
                } else {
                    x - stride
                };
                neighbours[2 * d * x + 2 * mu] = up as u32;
                neighbours[2 * d * x + 2 * mu + 1] = down as u32;
            }
            x += 1;
        });
        Ok(Self {
            lattice,
            neighbours,
        })
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// The 2d neighbours of site `x` (x+e_0, x−e_0, x+e_1, …).
    #[inline]
    pub fn neighbours(&self, x: usize) -> &[u32] {
        let z = 2 * self.lattice.dim();
        &self.neighbours[z * x..z * x + z]
    }
}

/// A configuration of unit vectors s_x ∈ S^{n−1}, n components per site, site-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Spins {
    n: usize,
    lattice: Lattice,
    values: Vec<f64>,
}

/// Draws a uniformly distributed unit vector of R^n into `out` (normalised Gaussian vector;
/// for n = 1 a fair ±1).
pub fn random_unit<R: Rng + ?Sized>(rng: &mut R, out: &mut [f64]) {
    if out.len() == 1 {
        out[0] = if rng.random::<bool>() { 1.0 } else { -1.0 };
        return;
    }
    loop {
        let mut norm2 = 0.0;
        for c in out.iter_mut() {
            *c = rng.sample(StandardNormal);
            norm2 += *c * *c;
        }
        if norm2 > 1e-300 {
            let inv = 1.0 / norm2.sqrt();
            out.iter_mut().for_each(|c| *c *= inv);
            return;
        }
    }
}

impl Spins {
    /// The ordered configuration s_x = e_1 for every x.
    pub fn ordered(n: usize, lattice: Lattice) -> Result<Self> {
        if n == 0 {
            return Err(Error::Parameter {
                name: "n",
                value: 0.0,
                requirement: "the number of spin components must be ≥ 1",
            });
        }
        let mut values = vec![0.0; n * lattice.volume()];
        values.iter_mut().step_by(n).for_each(|c| *c = 1.0);
        Ok(Self { n, lattice, values })
    }

    /// A configuration of independent uniformly random unit vectors (infinite temperature).
    pub fn random<R: Rng + ?Sized>(n: usize, lattice: Lattice, rng: &mut R) -> Result<Self> {
        let mut s = Self::ordered(n, lattice)?;
        for chunk in s.values.chunks_exact_mut(n) {
            random_unit(rng, chunk);
        }
        Ok(s)
    }

    /// Number of components n.
    pub fn components(&self) -> usize {
        self.n
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// All components, site-major: s_x^a at index n·x + a.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Mutable access to all components (the caller keeps |s_x| = 1).
    pub(crate) fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// The spin at site x.
    #[inline]
    pub fn site(&self, x: usize) -> &[f64] {
        &self.values[self.n * x..self.n * x + self.n]
    }

    /// The large-n fields of this configuration (R7.1): φ_x = √n s_x, returned as n scalar
    /// fields φ^a of shape `[L; d]` in row-major site order. With β = K/n the weight
    /// exp(K Σ s_x·s_y) equals exp(β Σ φ_x·φ_y) with |φ_x|² = n, the normalisation of
    /// derivations/01 (R1.2), and each component has ⟨(φ^a_x)²⟩ = 1.
    pub fn to_fields(&self) -> Result<Vec<ArrayD<f64>>> {
        let scale = (self.n as f64).sqrt();
        let v = self.lattice.volume();
        (0..self.n)
            .map(|a| {
                let data: Vec<f64> = (0..v)
                    .map(|x| scale * self.values[self.n * x + a])
                    .collect();
                ArrayD::from_shape_vec(IxDyn(&self.lattice.shape()), data)
                    .map_err(|e| Error::Mismatch(e.to_string()))
            })
            .collect()
    }
}

/// The coupling of the large-n convention, β = K/n (R7.1).
pub fn large_n_coupling(k: f64, n: usize) -> f64 {
    k / n as f64
}
