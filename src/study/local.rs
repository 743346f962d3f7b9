//! Local one-layer scores at β_c: parameter counts, approximation floors, the zero-mode error,
//! Hessian conditioning and training times to the local optimum (R5.1–R5.5).

use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::Result;
use crate::lattice::Lattice;
use crate::progress::Observer;
use crate::study::training::MAX_STEPS;
use crate::theory::local::LocalOneLayer;

/// One row of the local-architecture table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalRow {
    /// Diffusion time t.
    pub t: f64,
    /// Radius R.
    pub radius: usize,
    /// Side L.
    pub l: usize,
    /// Parameters (2R + 1)^d.
    pub parameters: usize,
    /// Parameters of a full layer, V.
    pub full_parameters: usize,
    /// Approximation floor: excess DSM loss per site of the radius-R optimum (R5.4).
    pub floor: f64,
    /// Relative error of the optimum's zero-mode symbol against 1/C_0(t) (R5.5).
    pub zero_mode_relative_error: f64,
    /// The optimum's zero-mode symbol a*_0 (R5.5).
    pub zero_mode_symbol: f64,
    /// The data's mass μ_L from the gap equation (C_0(0) = 1/μ_L; R1.2, R5.5).
    pub mass: f64,
    /// Condition number of the Hessian of the radius-R loss (R5.2, R5.3).
    pub hessian_condition: f64,
    /// Gradient steps to the local optimum at η = c/λ_max(H), accuracy ε.
    pub steps: u64,
}

/// The local table over `times` × `radii` × `sides` at β_c(d).
pub fn local_rows(
    d: usize,
    sides: &[usize],
    times: &[f64],
    radii: &[usize],
    (lr_fraction, epsilon): (f64, f64),
    observer: &dyn Observer,
) -> Result<Vec<LocalRow>> {
    observer.stage(
        "local architectures",
        (times.len() * radii.len() * sides.len()) as u64,
    );
    let mut rows = Vec::new();
    for &t in times {
        for &radius in radii {
            for &l in sides {
                let lattice = Lattice::new(d, l)?;
                let field = GaussianField::large_n_critical(lattice)?;
                let local = LocalOneLayer::new(&spectrum_at(field.spectrum(), t)?, radius)?;
                let eta = local.learning_rate(lr_fraction)?;
                rows.push(LocalRow {
                    t,
                    radius,
                    l,
                    parameters: local.parameter_count(),
                    full_parameters: lattice.volume(),
                    floor: local.approximation_floor()?,
                    zero_mode_relative_error: local.zero_mode_relative_error(),
                    zero_mode_symbol: local.zero_mode_symbol(),
                    mass: field.coupling_and_mass().map_or(f64::NAN, |(_, mu)| mu),
                    hessian_condition: local.hessian_condition_number()?,
                    steps: local.training_steps(eta, epsilon, MAX_STEPS)?,
                });
                observer.advance(1);
            }
        }
    }
    observer.finish();
    Ok(rows)
}
