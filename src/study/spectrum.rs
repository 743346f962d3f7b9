//! The large-n spectrum at β_c: μ, ξ, κ per lattice from the gap equation (R1.2–R1.5), and the
//! same condition number from the dense precision matrix (an independent path).

use serde::Serialize;

use crate::data::model::ModelKind;
use crate::data::{critical_coupling, GaussianField};
use crate::error::{check_memory, Error, Result};
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

/// Largest coupling accepted. As β grows the root of the gap equation approaches μ = 1/V, where
/// the zero mode alone satisfies the constraint, and the non-zero modes' share of it falls like
/// β_c/β; beyond about 10¹² that share is below double-precision rounding and the root cannot
/// be bracketed. 10¹⁰ leaves a factor 100.
pub const MAX_BETA: f64 = 1e10;

/// Estimated memory of the mode classes of (Z_L)^d in bytes: about (L/2 + 1)^d / d! classes
/// (axis permutations and reflections), each with λ, a multiplicity, a representative and a
/// few symbol values (≈ 64 bytes).
pub fn memory_estimate(d: usize, l: usize) -> f64 {
    let classes = ((l / 2 + 1) as f64).powi(d as i32) / (1..=d).product::<usize>() as f64;
    64.0 * classes
}

/// Checks β and the size of every lattice before any work.
pub fn validate(d: usize, sides: &[usize], beta: Option<f64>) -> Result<()> {
    if let Some(b) = beta {
        if !(b.is_finite() && b > 0.0 && b <= MAX_BETA) {
            return Err(Error::Parameter {
                name: "beta",
                value: b,
                requirement:
                    "must be a finite number in (0, 1e10]: for larger couplings the gap equation's root is within rounding of mu = 1/V",
            });
        }
    }
    for &l in sides {
        Lattice::new(d, l)?;
        check_memory(
            format!("the mode classes of L = {l}, d = {d}"),
            memory_estimate(d, l),
            "lower --l",
        )?;
    }
    Ok(())
}

/// The large-n model on (Z_L)^d at coupling β (β_c(d) when `beta` is `None`).
pub fn spectrum_row(d: usize, l: usize, beta: Option<f64>) -> Result<SpectrumRow> {
    validate(d, &[l], beta)?;
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
    validate(d, sides, beta)?;
    sides.iter().map(|&l| spectrum_row(d, l, beta)).collect()
}
