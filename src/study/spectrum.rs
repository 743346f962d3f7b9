//! The large-n spectrum at β_c: μ, ξ, κ per lattice from the gap equation (R1.2–R1.5), and the
//! same condition number from the dense precision matrix (an independent path).

use serde::Serialize;

use crate::data::model::ModelKind;
use crate::data::{critical_coupling, GaussianField};
use crate::error::Result;
use crate::lattice::Lattice;

/// Spectrum summary of the large-n model on one lattice (R1.2–R1.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpectrumRow {
    /// Dimension d.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Coupling β.
    pub beta: f64,
    /// Mass μ from the gap equation.
    pub mu: f64,
    /// μ L² (tends to a constant at β_c in d = 3).
    pub mu_l2: f64,
    /// Second-moment correlation length ξ = √(β/μ).
    pub xi: f64,
    /// ξ/L.
    pub xi_over_l: f64,
    /// Condition number κ = C_max/C_min.
    pub kappa: f64,
    /// κ/L².
    pub kappa_over_l2: f64,
    /// Relative residual of the gap equation.
    pub gap_residual: f64,
}

/// The large-n model on (Z_L)^d at coupling β (β_c(d) when `beta` is `None`).
pub fn spectrum_row(d: usize, l: usize, beta: Option<f64>) -> Result<SpectrumRow> {
    let lattice = Lattice::new(d, l)?;
    let beta = match beta {
        Some(b) => b,
        None => critical_coupling(d)?,
    };
    let field = GaussianField::large_n(lattice, beta)?;
    let ModelKind::LargeN {
        mu, gap_residual, ..
    } = field.kind()
    else {
        unreachable!("built as large-n")
    };
    let lf = l as f64;
    let xi = field.correlation_length().expect("the large-n model has ξ");
    let kappa = field.condition_number();
    Ok(SpectrumRow {
        d,
        l,
        beta,
        mu,
        mu_l2: mu * lf * lf,
        xi,
        xi_over_l: xi / lf,
        kappa,
        kappa_over_l2: kappa / (lf * lf),
        gap_residual,
    })
}

/// [`spectrum_row`] for every side.
pub fn spectrum_rows(d: usize, sides: &[usize], beta: Option<f64>) -> Result<Vec<SpectrumRow>> {
    sides.iter().map(|&l| spectrum_row(d, l, beta)).collect()
}
