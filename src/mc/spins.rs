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

/// Unit tests on lattices small enough to list by hand (R7.1).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::seeded_rng;

    /// Site number from coordinates, x = Σ_μ x_μ L^{d−1−μ}, and its neighbours by
    /// coordinate arithmetic mod L: the table's definition beside its construction.
    fn expected_neighbour(d: usize, l: usize, x: usize, mu: usize, up: bool) -> u32 {
        let mut idx: Vec<usize> = (0..d)
            .map(|a| (x / l.pow((d - 1 - a) as u32)) % l)
            .collect();
        idx[mu] = if up {
            (idx[mu] + 1) % l
        } else {
            (idx[mu] + l - 1) % l
        };
        idx.iter().fold(0, |acc, &i| acc * l + i) as u32
    }

    #[test]
    fn neighbour_table_is_coordinate_arithmetic_mod_l() {
        for (d, l) in [(1, 5), (2, 3), (2, 4), (3, 3), (2, 2)] {
            let g = Geometry::new(Lattice::new(d, l).unwrap()).unwrap();
            assert_eq!(g.lattice(), Lattice::new(d, l).unwrap());
            for x in 0..l.pow(d as u32) {
                let nb = g.neighbours(x);
                assert_eq!(nb.len(), 2 * d);
                for mu in 0..d {
                    assert_eq!(
                        nb[2 * mu],
                        expected_neighbour(d, l, x, mu, true),
                        "{d}d L={l} x={x}"
                    );
                    assert_eq!(nb[2 * mu + 1], expected_neighbour(d, l, x, mu, false));
                }
            }
        }
        // On the 2×2 torus up and down are the same site: the doubled bond.
        let g = Geometry::new(Lattice::new(2, 2).unwrap()).unwrap();
        assert_eq!(g.neighbours(0), &[2, 2, 1, 1]);
    }

    #[test]
    fn configurations_and_fields() {
        let lattice = Lattice::new(2, 3).unwrap();
        assert!(Spins::ordered(0, lattice).is_err());
        let s = Spins::ordered(3, lattice).unwrap();
        assert_eq!((s.components(), s.lattice()), (3, lattice));
        assert_eq!(s.values().len(), 27);
        assert_eq!(s.site(4), &[1.0, 0.0, 0.0]);
        // φ = √n s: the first component √3 everywhere, the others 0, each of shape [3, 3].
        let fields = s.to_fields().unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0].shape(), &[3, 3]);
        assert!(fields[0].iter().all(|&v| (v - 3f64.sqrt()).abs() < 1e-15));
        assert!(fields[1].iter().chain(fields[2].iter()).all(|&v| v == 0.0));
        // Site x of the configuration is entry x of each field in row-major order.
        let mut rng = seeded_rng(5);
        let r = Spins::random(2, lattice, &mut rng).unwrap();
        let f = r.to_fields().unwrap();
        for (x, v) in f[1].iter().enumerate() {
            assert!((v - 2f64.sqrt() * r.site(x)[1]).abs() < 1e-15);
        }
        assert_eq!(large_n_coupling(0.9, 3), 0.3);
    }

    /// Random unit vectors have norm 1; Ising ones are ±1 with both signs drawn; the mean
    /// of 4000 three-component vectors is 0 within 5 standard errors (each component has
    /// variance 1/3).
    #[test]
    fn random_unit_vectors() {
        let mut rng = seeded_rng(11);
        let mut v = [0.0; 3];
        let mut sum = [0.0; 3];
        for _ in 0..4000 {
            random_unit(&mut rng, &mut v);
            assert!((v.iter().map(|c| c * c).sum::<f64>() - 1.0).abs() < 1e-12);
            sum.iter_mut().zip(&v).for_each(|(s, c)| *s += c);
        }
        let bound = 5.0 * (4000.0f64 / 3.0).sqrt();
        assert!(sum.iter().all(|s| s.abs() < bound), "{sum:?}");
        let mut one = [0.0];
        let (mut up, mut down) = (0, 0);
        for _ in 0..100 {
            random_unit(&mut rng, &mut one);
            match one[0] {
                1.0 => up += 1,
                -1.0 => down += 1,
                other => panic!("Ising spin {other}"),
            }
        }
        assert!(up > 0 && down > 0);
    }
}
