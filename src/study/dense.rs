//! Dense cross-checks on small lattices: the large-n precision matrix built bond by bond and
//! handled by LAPACK, against the Fourier symbols (R1.5, R2.1, R2.2).

use ndarray::{Array2, IxDyn};
use ndarray_linalg::{EigValsh, Inverse, UPLO};
use serde::Serialize;

use crate::data::model::ModelKind;
use crate::data::{critical_coupling, GaussianField};
use crate::diffusion::score::score_kernel;
use crate::error::Result;
use crate::experiment::dense::precision_matrix;
use crate::lattice::Lattice;
use crate::linalg::lapack;

/// β and μ of the large-n model at β_c(d) on (Z_L)^d.
fn critical_model(d: usize, l: usize) -> Result<(Lattice, GaussianField, f64, f64)> {
    let lattice = Lattice::new(d, l)?;
    let beta = critical_coupling(d)?;
    let field = GaussianField::large_n(lattice, beta)?;
    let ModelKind::LargeN { mu, .. } = field.kind() else {
        unreachable!("built as large-n")
    };
    Ok((lattice, field, beta, mu))
}

/// κ at β_c(d) from the extreme eigenvalues of the dense V×V precision matrix built bond by bond
/// (LAPACK), with μ from the gap equation: the numeric side of R1.5.
pub fn dense_condition_number(d: usize, l: usize) -> Result<f64> {
    let (lattice, _, beta, mu) = critical_model(d, l)?;
    let precision = precision_matrix(lattice, beta, mu);
    let ev = lapack("dense eigenvalues", || precision.eigvalsh(UPLO::Lower))?;
    Ok(ev[ev.len() - 1] / ev[0])
}

/// Largest |FFT score kernel − dense score| relative to the largest dense entry, at β_c(d),
/// side L, diffusion time t: the dense score is −(α_t² K⁻¹ + σ_t² I)⁻¹ with K the precision
/// matrix built bond by bond and inverted by LAPACK (R2.1, R2.2).
pub fn dense_score_deviation(d: usize, l: usize, t: f64) -> Result<f64> {
    let (lattice, field, beta, mu) = critical_model(d, l)?;
    let precision = precision_matrix(lattice, beta, mu);
    let cov = lapack("dense inverse", || precision.inv())?;
    let a2 = (-2.0 * t).exp();
    let cov_t = &cov * a2 + &(Array2::<f64>::eye(lattice.volume()) * (1.0 - a2));
    let dense = -lapack("dense inverse", || cov_t.inv())?;
    let kernel = score_kernel(field.spectrum(), t)?;
    let mut sites = Vec::new();
    lattice.for_each_index(|s| sites.push(s.to_vec()));
    let scale = dense.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut worst: f64 = 0.0;
    for (i, x) in sites.iter().enumerate() {
        for (j, y) in sites.iter().enumerate() {
            let r = IxDyn(&lattice.difference(x, y));
            worst = worst.max((kernel[r] - dense[[i, j]]).abs() / scale);
        }
    }
    Ok(worst)
}

/// κ at one side from the eigenvalues of the dense precision matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DenseKappa {
    /// Side L.
    pub l: usize,
    /// λ_max/λ_min of K = β_c(−Δ) + μ.
    pub kappa: f64,
}

/// [`dense_condition_number`] at each side (R1.5).
pub fn dense_kappa_rows(d: usize, sides: &[usize]) -> Result<Vec<DenseKappa>> {
    sides
        .iter()
        .map(|&l| {
            let kappa = dense_condition_number(d, l)?;
            Ok(DenseKappa { l, kappa })
        })
        .collect()
}
