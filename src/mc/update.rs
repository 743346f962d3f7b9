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

/// Unit tests of the updates at couplings where their outcome is certain (R7.2, R7.3); the
/// equilibrium distributions are checked against exact enumeration in `tests/mc.rs`.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::Lattice;
    use crate::sampling::seeded_rng;

    fn geometry(d: usize, l: usize) -> Geometry {
        Geometry::new(Lattice::new(d, l).unwrap()).unwrap()
    }

    /// K = 0: no bond is ever added (p = 1 − e⁰ = 0), so every cluster is the seed alone and
    /// reflects exactly one spin.
    #[test]
    fn wolff_at_zero_coupling_flips_one_spin() {
        for n in [1, 3] {
            let g = geometry(2, 4);
            let mut rng = seeded_rng(2);
            let mut s = Spins::ordered(n, g.lattice()).unwrap();
            let mut wolff = Wolff::new(16, n);
            for _ in 0..20 {
                let before = s.clone();
                assert_eq!(wolff.update(&g, &mut s, 0.0, &mut rng), 1);
                let changed = (0..16).filter(|&x| s.site(x) != before.site(x)).count();
                assert_eq!(changed, 1, "n = {n}: the seed alone is reflected");
            }
        }
    }

    /// A very large K adds every bond between aligned spins (p = 1 − e^{−2K·q} = 1 in
    /// floating point), so the cluster of an ordered configuration is the whole lattice.
    /// Ising: every spin flips. n = 3: every spin is reflected in the same plane, so the
    /// configuration stays ordered, with unit spins.
    #[test]
    fn wolff_at_huge_coupling_takes_the_ordered_lattice() {
        let g = geometry(3, 3);
        let mut rng = seeded_rng(4);
        let mut ising = Spins::ordered(1, g.lattice()).unwrap();
        let mut wolff = Wolff::new(27, 1);
        assert_eq!(wolff.update(&g, &mut ising, 1e3, &mut rng), 27);
        assert!(ising.values().iter().all(|&v| v == -1.0));
        let mut heisenberg = Spins::ordered(3, g.lattice()).unwrap();
        let mut wolff = Wolff::new(27, 3);
        // Here (s_x·r)(s_y·r) = r_0², and p < 1 − e^{−40} only if 2K r_0² < 40: at K = 10¹²
        // that needs |r_0| < 4.5·10⁻⁶, probability 4.5·10⁻⁶ (r_0 is uniform on [−1, 1] for
        // n = 3), whatever the seed.
        assert_eq!(wolff.update(&g, &mut heisenberg, 1e12, &mut rng), 27);
        let first = heisenberg.site(0).to_vec();
        assert!((first.iter().map(|c| c * c).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(first[0] < 1.0, "the reflection moved the spins");
        for x in 0..27 {
            let site = heisenberg.site(x);
            assert!(site.iter().zip(&first).all(|(a, b)| (a - b).abs() < 1e-12));
        }
    }

    /// Two Ising domains (left and right halves of a 4×4 torus, opposite signs): at huge K a
    /// cluster is exactly the seed's domain, 8 spins, and flipping it orders the lattice.
    #[test]
    fn wolff_cluster_is_the_seed_domain_at_huge_coupling() {
        let g = geometry(2, 4);
        let mut rng = seeded_rng(8);
        let mut s = Spins::ordered(1, g.lattice()).unwrap();
        for x in 0..16 {
            if x % 4 >= 2 {
                s.values_mut()[x] = -1.0;
            }
        }
        let mut wolff = Wolff::new(16, 1);
        assert_eq!(wolff.update(&g, &mut s, 1e3, &mut rng), 8);
        let first = s.values()[0];
        assert!(s.values().iter().all(|&v| v == first));
        // Mismatched spins: no change and size 0, the work space resized.
        let mut other = Spins::ordered(1, Lattice::new(2, 3).unwrap()).unwrap();
        assert_eq!(wolff.update(&g, &mut other, 1.0, &mut rng), 0);
        assert!(other.values().iter().all(|&v| v == 1.0));
        // Same lattice, other n: the work space is rebuilt for n = 3 (its direction r has
        // three components), not only when the volume changes.
        let mut heisenberg = Spins::ordered(3, g.lattice()).unwrap();
        assert!(wolff.update(&g, &mut heisenberg, 1.0, &mut rng) >= 1);
        assert_eq!(wolff.r.len(), 3);
        // Same n, larger lattice: the work space grows with the volume (8 × 8, the whole
        // ordered lattice at huge K).
        let mut small = Wolff::new(16, 1);
        let big = geometry(2, 8);
        let mut ordered = Spins::ordered(1, big.lattice()).unwrap();
        assert_eq!(small.update(&big, &mut ordered, 1e3, &mut rng), 64);
        assert_eq!(small.marks.len(), 64);
    }

    /// The generation counter wraps to 1 and clears the marks instead of reading stale
    /// ones: the cluster after the wrap is still grown.
    #[test]
    fn wolff_generation_counter_wraps() {
        let g = geometry(2, 4);
        let mut rng = seeded_rng(6);
        let mut s = Spins::ordered(2, g.lattice()).unwrap();
        let mut wolff = Wolff::new(16, 2);
        wolff.generation = u32::MAX - 1;
        wolff.marks.iter_mut().for_each(|m| *m = 1);
        assert_eq!(wolff.next_generation(), u32::MAX);
        assert_eq!(wolff.next_generation(), 1);
        assert!(wolff.marks.iter().all(|&m| m == 0));
        wolff.marks.iter_mut().for_each(|m| *m = 1);
        wolff.generation = u32::MAX;
        // Stale marks equal to the new generation would stop the cluster at its seed. At
        // K = 10¹² every bond joins unless |r_0| < 4.5·10⁻⁶ (probability < 3·10⁻⁶ for n = 2).
        assert_eq!(wolff.update(&g, &mut s, 1e12, &mut rng), 16);
    }

    /// K = 0 accepts every proposal (ΔS = 0). A huge K on an ordered configuration accepts
    /// no Ising flip (ΔS = −8K) and, for n = 2, a direction at angle θ from e_1 only with
    /// probability e^{−4K(1 − cos θ)}: averaged over θ about 0.2/√K, so at K = 10¹⁵ the
    /// chance that any of 16 proposals is accepted is 3·10⁻⁷. At K = 10³ an Ising sweep is
    /// deterministic (every ΔS ≠ 0 has |ΔS| ≥ 4000 and e^{−4000} = 0): a spin flips exactly
    /// when its local field at its turn does not favour it, which the test replays.
    #[test]
    fn metropolis_acceptance_at_certain_couplings() {
        let g = geometry(2, 4);
        let mut rng = seeded_rng(9);
        let mut s = Spins::ordered(1, g.lattice()).unwrap();
        assert_eq!(
            metropolis_sweep(&g, &mut s, 0.0, &mut [0.0], &mut rng).unwrap(),
            16
        );
        assert!(s.values().iter().all(|&v| v == -1.0));
        assert_eq!(
            metropolis_sweep(&g, &mut s, 1e3, &mut [0.0], &mut rng).unwrap(),
            0
        );
        let mut xy = Spins::ordered(2, g.lattice()).unwrap();
        assert_eq!(
            metropolis_sweep(&g, &mut xy, 0.0, &mut [0.0; 2], &mut rng).unwrap(),
            16
        );
        assert!(xy
            .values()
            .chunks(2)
            .all(|c| (c[0] * c[0] + c[1] * c[1] - 1.0).abs() < 1e-12));
        let mut ordered = Spins::ordered(2, g.lattice()).unwrap();
        assert_eq!(
            metropolis_sweep(&g, &mut ordered, 1e15, &mut [0.0; 2], &mut rng).unwrap(),
            0
        );
        // The same along e_2: ΔS reads each spin's own components (a proposal p is accepted
        // only if p_2 ≥ 1 − O(1/K); reading component 1 of the first site instead would accept
        // every p with p_2 ≥ 0, half of them).
        let mut along_e2 = Spins::ordered(2, g.lattice()).unwrap();
        along_e2
            .values_mut()
            .chunks_mut(2)
            .for_each(|c| c.copy_from_slice(&[0.0, 1.0]));
        assert_eq!(
            metropolis_sweep(&g, &mut along_e2, 1e15, &mut [0.0; 2], &mut rng).unwrap(),
            0
        );
        let mut neel = Spins::ordered(1, g.lattice()).unwrap();
        for x in 0..16 {
            if (x / 4 + x % 4) % 2 == 1 {
                neel.values_mut()[x] = -1.0;
            }
        }
        // Typewriter order: replay the rule on a copy.
        let mut replay = neel.values().to_vec();
        let mut expected = 0;
        for x in 0..16 {
            let h: f64 = g.neighbours(x).iter().map(|&y| replay[y as usize]).sum();
            if -replay[x] * h >= 0.0 {
                replay[x] = -replay[x];
                expected += 1;
            }
        }
        assert!(
            expected > 0 && expected < 16,
            "the replay both flips and keeps"
        );
        let accepted = metropolis_sweep(&g, &mut neel, 1e3, &mut [0.0], &mut rng).unwrap();
        assert_eq!(accepted, expected);
        assert_eq!(neel.values(), replay.as_slice());
        assert!(metropolis_sweep(&g, &mut neel, 1.0, &mut [0.0; 2], &mut rng).is_err());
    }
}
