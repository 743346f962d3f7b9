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
