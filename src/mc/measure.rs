//! Measurements on one configuration: energy, magnetisation, spectrum and two-point
//! function (R7.1).

use ndarray::{ArrayD, IxDyn, Zip};

use super::spins::{Geometry, Spins};
use crate::error::Result;
use crate::fourier::RealFft;

/// Energy per site e = −(1/V) Σ_x Σ_μ s_x·s_{x+e_μ} (R7.1): the bond sum runs over the dV
/// forward bonds (doubled pairs for L = 2), so e ∈ [−d, d] and the Boltzmann weight is
/// exp(−K V e). Errors if `spins` and `geometry` live on different lattices.
pub fn energy_per_site(geometry: &Geometry, spins: &Spins) -> Result<f64> {
    same_lattice(geometry, spins)?;
    let n = spins.components();
    let d = geometry.lattice().dim();
    let v = geometry.lattice().volume();
    let s = spins.values();
    let mut bond_sum = 0.0;
    for x in 0..v {
        let nb = geometry.neighbours(x);
        for mu in 0..d {
            let y = nb[2 * mu] as usize;
            bond_sum += (0..n).map(|a| s[n * x + a] * s[n * y + a]).sum::<f64>();
        }
    }
    Ok(-bond_sum / v as f64)
}

fn same_lattice(geometry: &Geometry, spins: &Spins) -> Result<()> {
    if geometry.lattice() == spins.lattice() {
        Ok(())
    } else {
        Err(crate::error::Error::Mismatch(format!(
            "spins on {:?}, neighbour table for {:?}",
            spins.lattice(),
            geometry.lattice()
        )))
    }
}

/// Magnetisation vector per site, m = (1/V) Σ_x s_x, written into `out` (length n).
pub fn magnetisation(spins: &Spins, out: &mut [f64]) {
    let n = spins.components();
    out.iter_mut().for_each(|c| *c = 0.0);
    for site in spins.values().chunks_exact(n) {
        out.iter_mut().zip(site).for_each(|(o, s)| *o += s);
    }
    let v = spins.lattice().volume() as f64;
    out.iter_mut().for_each(|c| *c /= v);
}

/// Accumulates the component-averaged spectrum of the large-n fields φ = √n s (R7.1):
/// Ĉ_k = (1/n) Σ_a (1/V)|φ̂^a_k|² = (1/V) Σ_a |ŝ^a_k|², with the unnormalised forward DFT of
/// [`crate::fourier`] (the convention of `experiment::estimate`), in half-spectrum layout.
/// Its mode average is 1 (Parseval) and Ĉ_0 = V|m|² = χ.
#[derive(Debug, Clone)]
pub struct SpectrumAccumulator {
    fft: RealFft,
    sum: ArrayD<f64>,
    count: u64,
}

impl SpectrumAccumulator {
    /// An empty accumulator for the lattice of `geometry`.
    pub fn new(geometry: &Geometry) -> Self {
        let lattice = geometry.lattice();
        Self {
            fft: RealFft::new(lattice),
            sum: ArrayD::zeros(lattice.half_shape()),
            count: 0,
        }
    }

    /// Adds the spectrum of one configuration.
    pub fn add(&mut self, spins: &Spins) -> Result<()> {
        let lattice = spins.lattice();
        let n = spins.components();
        let v = lattice.volume();
        let s = spins.values();
        let inv_v = 1.0 / v as f64;
        for a in 0..n {
            let data: Vec<f64> = (0..v).map(|x| s[n * x + a]).collect();
            let field = ArrayD::from_shape_vec(IxDyn(&lattice.shape()), data)
                .map_err(|e| crate::error::Error::Mismatch(e.to_string()))?;
            let hat = self.fft.forward(&field)?;
            Zip::from(&mut self.sum)
                .and(&hat)
                .for_each(|p, c| *p += c.norm_sqr() * inv_v);
        }
        self.count += 1;
        Ok(())
    }

    /// The mean spectrum over the added configurations (half layout), or `None` if empty.
    pub fn mean(&self) -> Option<ArrayD<f64>> {
        (self.count > 0).then(|| self.sum.mapv(|p| p / self.count as f64))
    }

    /// Number of configurations added.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Two-point function along the lattice axes, averaged over the d axes (R7.1):
/// G(r) = (1/(dV)) Σ_μ Σ_x s_x·s_{x+r e_μ} for r = 0, …, ⌊L/2⌋; it equals the
/// component-averaged (1/n) Σ_a ⟨φ^a_x φ^a_{x+r e_μ}⟩ of the large-n fields, and G(0) = 1.
/// Entries of `out` beyond r = ⌊L/2⌋ are set to 0; errors on mismatched lattices.
pub fn two_point(geometry: &Geometry, spins: &Spins, out: &mut [f64]) -> Result<()> {
    same_lattice(geometry, spins)?;
    let lattice = geometry.lattice();
    let (d, l, v) = (lattice.dim(), lattice.side(), lattice.volume());
    let n = spins.components();
    let s = spins.values();
    out.iter_mut().for_each(|g| *g = 0.0);
    for x in 0..v {
        for mu in 0..d {
            let mut y = x;
            for g in out.iter_mut().take(l / 2 + 1) {
                *g += (0..n).map(|a| s[n * x + a] * s[n * y + a]).sum::<f64>();
                y = geometry.neighbours(y)[2 * mu] as usize;
            }
        }
    }
    let norm = (d * v) as f64;
    out.iter_mut().for_each(|g| *g /= norm);
    Ok(())
}

/// Unit tests on configurations whose observables are known by hand (R7.1).
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lattice::Lattice;

    fn geometry(d: usize, l: usize) -> Geometry {
        Geometry::new(Lattice::new(d, l).unwrap()).unwrap()
    }

    /// The Néel (checkerboard) Ising configuration on an even torus: s_x = (−1)^{Σ x_μ}.
    pub(crate) fn checkerboard(d: usize, l: usize) -> Spins {
        let lattice = Lattice::new(d, l).unwrap();
        let mut s = Spins::ordered(1, lattice).unwrap();
        let mut x = 0;
        lattice.for_each_index(|idx| {
            if idx.iter().sum::<usize>() % 2 == 1 {
                s.values_mut()[x] = -1.0;
            }
            x += 1;
        });
        s
    }

    /// Ordered: every bond +1, e = −d, m = e_1, G(r) = 1. Checkerboard: every bond −1,
    /// e = +d, m = 0, G(r) = (−1)^r.
    #[test]
    fn ordered_and_checkerboard_configurations() {
        for (d, l) in [(2, 4), (3, 4), (2, 6)] {
            let g = geometry(d, l);
            let ordered = Spins::ordered(2, g.lattice()).unwrap();
            assert!((energy_per_site(&g, &ordered).unwrap() + d as f64).abs() < 1e-12);
            let mut m = [9.0; 2];
            magnetisation(&ordered, &mut m);
            assert_eq!(m, [1.0, 0.0]);
            let mut gr = vec![7.0; l / 2 + 3];
            two_point(&g, &ordered, &mut gr).unwrap();
            assert!(
                gr[..=l / 2].iter().all(|&v| (v - 1.0).abs() < 1e-12),
                "{gr:?}"
            );
            assert!(gr[l / 2 + 1..].iter().all(|&v| v == 0.0));
            let neel = checkerboard(d, l);
            assert!((energy_per_site(&g, &neel).unwrap() - d as f64).abs() < 1e-12);
            let mut m = [9.0];
            magnetisation(&neel, &mut m);
            assert_eq!(m, [0.0]);
            two_point(&g, &neel, &mut gr).unwrap();
            for (r, v) in gr[..=l / 2].iter().enumerate() {
                let sign = if r % 2 == 0 { 1.0 } else { -1.0 };
                assert!((v - sign).abs() < 1e-12, "G({r}) = {v}");
            }
        }
    }

    /// One flipped spin in an ordered 4×4 Ising configuration breaks its 4 bonds:
    /// e = −(32 − 2·4)/16 = −1.5, m = 14/16; G(1) = (32 − 2·4)/32 = 0.75.
    #[test]
    fn one_flipped_spin() {
        let g = geometry(2, 4);
        let mut s = Spins::ordered(1, g.lattice()).unwrap();
        s.values_mut()[5] = -1.0;
        assert!((energy_per_site(&g, &s).unwrap() + 1.5).abs() < 1e-12);
        let mut m = [0.0];
        magnetisation(&s, &mut m);
        assert!((m[0] - 0.875).abs() < 1e-12);
        let mut gr = [0.0; 3];
        two_point(&g, &s, &mut gr).unwrap();
        assert!((gr[0] - 1.0).abs() < 1e-12 && (gr[1] - 0.75).abs() < 1e-12);
        assert!(
            (gr[2] - 0.75).abs() < 1e-12,
            "distance 2 also meets the flipped spin twice"
        );
    }

    /// The spectrum of the ordered configuration is all at k = 0: Ĉ_0 = V|m|² = V, other
    /// modes 0; the checkerboard's is all at k = (π, π): Ĉ = V there. Their mean over two
    /// configurations is V/2 at both.
    #[test]
    fn spectrum_of_ordered_and_checkerboard() {
        let g = geometry(2, 4);
        let mut acc = SpectrumAccumulator::new(&g);
        assert!(acc.mean().is_none());
        acc.add(&Spins::ordered(1, g.lattice()).unwrap()).unwrap();
        acc.add(&checkerboard(2, 4)).unwrap();
        assert_eq!(acc.count(), 2);
        let mean = acc.mean().unwrap();
        assert_eq!(mean.shape(), &[4, 3]);
        for (idx, &c) in mean.indexed_iter() {
            let expected = match (idx[0], idx[1]) {
                (0, 0) | (2, 2) => 8.0,
                _ => 0.0,
            };
            assert!((c - expected).abs() < 1e-12, "{idx:?}: {c}");
        }
        let other = Spins::ordered(1, Lattice::new(2, 3).unwrap()).unwrap();
        assert!(energy_per_site(&g, &other).is_err());
        assert!(two_point(&g, &other, &mut [0.0; 3]).is_err());
    }
}
