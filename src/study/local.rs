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
    /// At t = 0 only: max_r |θ̂*(r) − K(r)|/K(0) over S_R, K the precision kernel β(−Δ) + μ of
    /// the data (R5.1: the exact score −Kx is radius-1).
    pub stencil_deviation: Option<f64>,
    /// At t = 0 only: max_r |θ̂*(r) − K(r)|/ŝe(r), ŝe the leave-one-field-out jackknife standard
    /// error (M − 1 degrees of freedom).
    pub stencil_t_statistic: Option<f64>,
    /// At t = 0 only: ŝe(0)/K(0), the jackknife standard error of the central weight relative
    /// to its value (what a uniform relative error of the score must exceed to be seen).
    pub stencil_relative_standard_error: Option<f64>,
}

/// The empirical radius-R optimum θ̂* = Ĥ⁻¹·2e_0 and the eigenvalues of Ĥ = 2ĉ|_{S_R}, from the
/// real-space covariance `cov` at the offsets `differences` (sorted).
fn empirical_optimum(
    lattice: Lattice,
    offsets: &[Vec<usize>],
    differences: &[Vec<usize>],
    cov: &[f64],
) -> Result<(Vec<f64>, Vec<f64>)> {
    use ndarray::{Array1, Array2};
    use ndarray_linalg::{EigValsh, Solve, UPLO};
    let at = |r: Vec<usize>| cov[differences.binary_search(&r).expect("listed by the caller")];
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
    Ok((theta.to_vec(), ev.to_vec()))
}

/// K(r) of the precision kernel β(−Δ) + μ: 2dβ + μ at r = 0, −β on nearest neighbours, 0
/// elsewhere (offsets taken mod L).
fn precision_kernel(r: &[usize], l: usize, (beta, mu): (f64, f64)) -> f64 {
    match r.iter().map(|&m| m.min(l - m)).sum::<usize>() {
        0 => 2.0 * r.len() as f64 * beta + mu,
        1 => -beta,
        _ => 0.0,
    }
}

/// [max |θ̂ − K|/K(0), max |θ̂ − K|/ŝe, ŝe(0)/K(0)] with ŝe from leave-one-field-out jackknife replicates
/// of the optimum built from the per-field covariances `per_field` (R5.1).
fn stencil_check(
    lattice: Lattice,
    offsets: &[Vec<usize>],
    differences: &[Vec<usize>],
    per_field: &[Vec<f64>],
    theta: &[f64],
    coupling: (f64, f64),
) -> Result<[f64; 3]> {
    let m = per_field.len() as f64;
    let total: Vec<f64> = (0..differences.len())
        .map(|j| per_field.iter().map(|c| c[j]).sum())
        .collect();
    let replicates = per_field
        .iter()
        .map(|c| {
            let cov: Vec<f64> = total
                .iter()
                .zip(c)
                .map(|(t, x)| (t - x) / (m - 1.0))
                .collect();
            Ok(empirical_optimum(lattice, offsets, differences, &cov)?.0)
        })
        .collect::<Result<Vec<_>>>()?;
    let k0 = precision_kernel(&vec![0; lattice.dim()], lattice.side(), coupling);
    let (mut deviation, mut t_max, mut se0) = (0.0f64, 0.0f64, 0.0);
    for (i, r) in offsets.iter().enumerate() {
        let mean = replicates.iter().map(|th| th[i]).sum::<f64>() / m;
        let var = (m - 1.0) / m
            * replicates
                .iter()
                .map(|th| (th[i] - mean).powi(2))
                .sum::<f64>();
        let err = (theta[i] - precision_kernel(r, lattice.side(), coupling)).abs();
        deviation = deviation.max(err / k0);
        t_max = t_max.max(err / var.sqrt());
        if r.iter().all(|&c| c == 0) {
            se0 = var.sqrt() / k0;
        }
    }
    Ok([deviation, t_max, se0])
}

/// The numeric side of R5.1, R5.2, R5.3, R5.5: M fields x_t of the large-n model at β_c(d), the
/// real-space covariance at the offsets S_R − S_R by direct sums (per field, for the jackknife),
/// Ĥ and its optimum; at t = 0 the optimum against the precision kernel K.
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
    let per_field = fields
        .iter()
        .map(|f| real_space_covariance(lattice, std::slice::from_ref(f), &differences))
        .collect::<Result<Vec<_>>>()?;
    let cov: Vec<f64> = (0..differences.len())
        .map(|j| per_field.iter().map(|c| c[j]).sum::<f64>() / samples as f64)
        .collect();
    let (theta, ev) = empirical_optimum(lattice, &offsets, &differences, &cov)?;
    let stencil = match (t == 0.0 && samples > 2, field.coupling_and_mass()) {
        (true, Some(coupling)) => Some(stencil_check(
            lattice,
            &offsets,
            &differences,
            &per_field,
            &theta,
            coupling,
        )?),
        _ => None,
    };
    // the exact score's zero mode 1/C_0(t) is the reference: what is measured is â*_0
    let c0 = spectrum_t.at(&vec![0; d]);
    Ok(EmpiricalLocalRow {
        t,
        radius,
        l,
        samples,
        hessian_condition: ev[ev.len() - 1] / ev[0],
        zero_mode_relative_error: (theta.iter().sum::<f64>() * c0 - 1.0).abs(),
        stencil_deviation: stencil.map(|s| s[0]),
        stencil_t_statistic: stencil.map(|s| s[1]),
        stencil_relative_standard_error: stencil.map(|s| s[2]),
    })
}

/// The Student-t quantile that |θ̂ − K|/ŝe stays below with probability ≥ 1 − 10⁻⁶ jointly over
/// (2R + 1)^d offsets and `sides` sides: M − 1 degrees of freedom, two-sided, Bonferroni.
pub fn stencil_t_limit(samples: usize, radius: usize, d: usize, sides: usize) -> Result<f64> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let tests = (2 * radius + 1).pow(d as u32) * sides.max(1);
    let level = 1e-6 / tests as f64;
    let law = StudentsT::new(0.0, 1.0, samples.saturating_sub(1).max(1) as f64).map_err(|e| {
        crate::error::Error::Invalid {
            name: "samples M",
            value: samples.to_string(),
            requirement: e.to_string(),
        }
    })?;
    Ok(law.inverse_cdf(1.0 - level / 2.0))
}
