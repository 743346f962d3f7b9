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

/// The local one-layer problem measured on sampled fields: the empirical Hessian and optimum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EmpiricalLocalRow {
    /// Diffusion time t.
    pub t: f64,
    /// Radius R.
    pub radius: usize,
    /// Side L.
    pub l: usize,
    /// Fields M.
    pub samples: usize,
    /// Condition number of Ĥ = 2ĉ_t|_{S_R}, ĉ_t the real-space covariance of the fields
    /// measured by direct sums (R5.2, R5.3).
    pub hessian_condition: f64,
    /// |â*_0 C_0(t) − 1|: the zero-mode symbol â*_0 = Σ_r θ̂*(r) of the empirical optimum
    /// θ̂* = Ĥ⁻¹·2e_0 against the exact score's 1/C_0(t) (R5.5).
    pub zero_mode_relative_error: f64,
}

/// The numeric side of R5.2, R5.3, R5.5: M fields x_t of the large-n model at β_c(d), the
/// real-space covariance at the offsets S_R − S_R by direct sums, Ĥ and its optimum.
pub fn empirical_local_row(
    d: usize,
    l: usize,
    (t, radius): (f64, usize),
    samples: usize,
    seed: u64,
) -> Result<EmpiricalLocalRow> {
    use crate::experiment::estimate::real_space_covariance;
    use crate::model::LayerKind;
    use crate::sampling::{seeded_rng, FieldSampler};
    use ndarray::{Array1, Array2};
    use ndarray_linalg::{EigValsh, Solve, UPLO};
    let lattice = Lattice::new(d, l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let spectrum_t = spectrum_at(field.spectrum(), t)?;
    let sampler = FieldSampler::new(&spectrum_t)?;
    let fields = sampler.sample_many(samples, &mut seeded_rng(seed));
    let offsets = LayerKind::Local { radius }.support_offsets(lattice)?;
    let mut differences: Vec<Vec<usize>> = offsets
        .iter()
        .flat_map(|a| offsets.iter().map(|b| lattice.difference(a, b)))
        .collect();
    differences.sort_unstable();
    differences.dedup();
    let cov = real_space_covariance(lattice, &fields, &differences)?;
    let at = |r: Vec<usize>| cov[differences.binary_search(&r).expect("listed above")];
    let p = offsets.len();
    let hessian = Array2::from_shape_fn((p, p), |(i, j)| {
        2.0 * at(lattice.difference(&offsets[i], &offsets[j]))
    });
    let lin = |what: &'static str| {
        move |e: ndarray_linalg::error::LinalgError| crate::error::Error::NoConvergence {
            what,
            detail: e.to_string(),
        }
    };
    let ev = hessian
        .eigvalsh(UPLO::Lower)
        .map_err(lin("empirical Hessian"))?;
    let origin = offsets
        .iter()
        .position(|r| r.iter().all(|&m| m == 0))
        .unwrap_or(0);
    let mut b = Array1::zeros(p);
    b[origin] = 2.0;
    let theta = hessian.solve(&b).map_err(lin("empirical local optimum"))?;
    // the exact score's zero mode 1/C_0(t) is the reference: what is measured is â*_0
    let c0 = spectrum_t.at(&vec![0; d]);
    Ok(EmpiricalLocalRow {
        t,
        radius,
        l,
        samples,
        hessian_condition: ev[p - 1] / ev[0],
        zero_mode_relative_error: (theta.sum() * c0 - 1.0).abs(),
    })
}
