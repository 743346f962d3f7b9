//! Monte Carlo updates: the O(n) Wolff single-cluster update (R7.2) and single-site
//! Metropolis (R7.3).

use rand::Rng;

use super::spins::{random_unit, Geometry, Spins};
use crate::error::{Error, Result};

/// Reusable work space of the Wolff update: a site stack and visit marks with a generation
/// counter, so growing a cluster allocates nothing after the first call.
#[derive(Debug, Clone)]
pub struct Wolff {
    stack: Vec<u32>,
    marks: Vec<u32>,
    generation: u32,
    r: Vec<f64>,
}

impl Wolff {
    /// Work space for `volume` sites and n-component spins.
    pub fn new(volume: usize, n: usize) -> Self {
        Self {
            stack: Vec::with_capacity(volume),
            marks: vec![0; volume],
            generation: 0,
            r: vec![0.0; n],
        }
    }

    fn next_generation(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.generation = 1;
        }
        self.generation
    }

    /// One Wolff cluster update at coupling `k` (R7.2); returns the cluster size (0, and no
    /// change, if `spins` and `geometry` live on different lattices).
    ///
    /// Draws a uniform unit vector r and a uniform seed site, then grows the cluster: a
    /// neighbour y of a cluster site x joins with probability
    /// p = 1 − exp(−2K (s_x·r)(s_y·r)) when (s_x·r)(s_y·r) > 0 (spins taken before the
    /// reflection), once per bond; every cluster spin is reflected, s ↦ s − 2(s·r) r.
    pub fn update<R: Rng + ?Sized>(
        &mut self,
        geometry: &Geometry,
        spins: &mut Spins,
        k: f64,
        rng: &mut R,
    ) -> usize {
        let v = geometry.lattice().volume();
        // Work space built for another lattice or n is resized instead of indexing out of
        // bounds (no panic on mismatched input).
        if self.marks.len() != v || self.r.len() != spins.components() {
            *self = Self::new(v, spins.components());
        }
        if spins.lattice() != geometry.lattice() {
            return 0;
        }
        let seed = rng.random_range(0..v);
        if spins.components() == 1 {
            self.grow_ising(geometry, spins, k, seed, rng)
        } else {
            let generation = self.next_generation();
            self.grow_vector(geometry, spins, k, seed, generation, rng)
        }
    }

    /// n = 1: r = ±1 only fixes the sign convention; equal neighbours join with 1 − e^{−2K}.
    fn grow_ising<R: Rng + ?Sized>(
        &mut self,
        geometry: &Geometry,
        spins: &mut Spins,
        k: f64,
        seed: usize,
        rng: &mut R,
    ) -> usize {
        // Bond test u < p as an integer comparison of a uniform u32 with ⌊p·2³²⌋: the
        // probability is p up to 2⁻³² (a bias no run of this crate can resolve: it would take
        // ~10¹⁹ bond tests), and it saves the float conversion and half the random words.
        let threshold = (-(-2.0 * k).exp_m1() * 4_294_967_296.0) as u32;
        // No visit marks: a site joins only while it still equals `old`, and joining flips
        // it, so the spin itself records membership.
        let s = spins.values_mut();
        let old = s[seed];
        s[seed] = -old;
        self.stack.clear();
        self.stack.push(seed as u32);
        let mut size = 1;
        while let Some(x) = self.stack.pop() {
            for &y in geometry.neighbours(x as usize) {
                let y = y as usize;
                if s[y] == old && rng.next_u32() < threshold {
                    s[y] = -old;
                    self.stack.push(y as u32);
                    size += 1;
                }
            }
        }
        size
    }

    /// n ≥ 2: projections on a random unit vector r decide the bonds.
    fn grow_vector<R: Rng + ?Sized>(
        &mut self,
        geometry: &Geometry,
        spins: &mut Spins,
        k: f64,
        seed: usize,
        generation: u32,
        rng: &mut R,
    ) -> usize {
        let n = spins.components();
        random_unit(rng, &mut self.r);
        let r = &self.r;
        let s = spins.values_mut();
        let project = |s: &[f64], x: usize| -> f64 {
            s[n * x..n * x + n].iter().zip(r).map(|(a, b)| a * b).sum()
        };
        let reflect = |s: &mut [f64], x: usize, p: f64| {
            s[n * x..n * x + n]
                .iter_mut()
                .zip(r)
                .for_each(|(a, b)| *a -= 2.0 * p * b);
        };
        self.marks[seed] = generation;
        let p0 = project(s, seed);
        reflect(s, seed, p0);
        self.stack.clear();
        self.stack.push(seed as u32);
        let mut size = 1;
        while let Some(x) = self.stack.pop() {
            // x is reflected already: its projection before the reflection is −(s_x·r).
            let px = -project(s, x as usize);
            for &y in geometry.neighbours(x as usize) {
                let y = y as usize;
                if self.marks[y] == generation {
                    continue;
                }
                let py = project(s, y);
                let q = px * py;
                if q > 0.0 && rng.random::<f64>() < -(-2.0 * k * q).exp_m1() {
                    self.marks[y] = generation;
                    reflect(s, y, py);
                    self.stack.push(y as u32);
                    size += 1;
                }
            }
        }
        size
    }
}

/// One sequential (typewriter) Metropolis sweep over all V sites at coupling `k` (R7.3);
/// returns the number of accepted proposals.
///
/// n = 1: the proposal flips s_x, accepted with min(1, exp(−2K s_x h_x)), h_x the sum of the
/// 2d neighbour spins. n ≥ 2: the proposal is a fresh uniform direction s' ∈ S^{n−1}
/// (independent of s_x, hence symmetric), accepted with min(1, exp(K (s' − s_x)·h_x)).
/// Each step satisfies detailed balance; the sweep satisfies balance. Errors if `spins`
/// and `geometry` differ in lattice or `proposal` does not have n entries.
pub fn metropolis_sweep<R: Rng + ?Sized>(
    geometry: &Geometry,
    spins: &mut Spins,
    k: f64,
    proposal: &mut [f64],
    rng: &mut R,
) -> Result<usize> {
    let n = spins.components();
    if spins.lattice() != geometry.lattice() || proposal.len() != n {
        return Err(Error::Mismatch(format!(
            "Metropolis sweep: spins on {:?} with n = {n}, geometry on {:?}, proposal of length {}",
            spins.lattice(),
            geometry.lattice(),
            proposal.len()
        )));
    }
    let v = geometry.lattice().volume();
    let s = spins.values_mut();
    let mut accepted = 0;
    for x in 0..v {
        let nb = geometry.neighbours(x);
        if n == 1 {
            let h: f64 = nb.iter().map(|&y| s[y as usize]).sum();
            let delta = -2.0 * k * s[x] * h;
            if delta >= 0.0 || rng.random::<f64>() < delta.exp() {
                s[x] = -s[x];
                accepted += 1;
            }
            continue;
        }
        random_unit(rng, proposal);
        let mut delta = 0.0;
        for &y in nb {
            let y = y as usize;
            for a in 0..n {
                delta += (proposal[a] - s[n * x + a]) * s[n * y + a];
            }
        }
        delta *= k;
        if delta >= 0.0 || rng.random::<f64>() < delta.exp() {
            s[n * x..n * x + n].copy_from_slice(proposal);
            accepted += 1;
        }
    }
    Ok(accepted)
}
