//! The local one-layer problem measured on sampled fields (the numeric side of R5.1–R5.5): the
//! empirical Hessian Ĥ = 2ĉ_t|_{S_R} and optimum θ̂* = Ĥ⁻¹·2e_0 from direct sums over M fields
//! with a jackknife over fields; at t = 0 the optimum against the data's precision kernel; and
//! radius-1 trainers on fields to their own optimum (C11).

use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::mc::stats::jackknife_error;
use crate::model::{Layers, Protocol};
use crate::progress::{Observer, Silent};
use crate::study::train::{train, TrainConfig};

/// Fields per empirical local measurement.
pub const EMPIRICAL_LOCAL_SAMPLES: usize = 64;

/// Diffusion time of the local trainers: the smallest time the DSM loss is used at comfortably
/// (σ_t² = 2·10⁻⁴), standing in for the claim's t = 0.
pub const LOCAL_TRAINING_T: f64 = 1e-4;

/// Step cap of the local trainers.
pub const LOCAL_TRAINING_MAX_STEPS: u64 = 100_000;

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
    /// Its leave-one-field-out jackknife standard error (M > 2 fields).
    pub zero_mode_relative_error_se: Option<f64>,
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
    use crate::linalg::lapack;
    let ev = lapack("empirical Hessian", || hessian.eigvalsh(UPLO::Lower))?;
    let origin = offsets
        .iter()
        .position(|r| r.iter().all(|&m| m == 0))
        .unwrap_or(0);
    let mut b = Array1::zeros(p);
    b[origin] = 2.0;
    let theta = lapack("empirical local optimum", || hessian.solve(&b))?;
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

/// Leave-one-field-out jackknife replicates of the optimum θ̂*, built from the per-field
/// covariances `per_field`: replicate i uses every field but the i-th.
fn jackknife_optima(
    lattice: Lattice,
    offsets: &[Vec<usize>],
    differences: &[Vec<usize>],
    per_field: &[Vec<f64>],
) -> Result<Vec<Vec<f64>>> {
    let m = per_field.len() as f64;
    let total: Vec<f64> = (0..differences.len())
        .map(|j| per_field.iter().map(|c| c[j]).sum())
        .collect();
    per_field
        .iter()
        .map(|c| {
            let cov: Vec<f64> = total
                .iter()
                .zip(c)
                .map(|(t, x)| (t - x) / (m - 1.0))
                .collect();
            Ok(empirical_optimum(lattice, offsets, differences, &cov)?.0)
        })
        .collect()
}

/// [max |θ̂ − K|/K(0), max |θ̂ − K|/ŝe, ŝe(0)/K(0)] with ŝe from the leave-one-field-out
/// jackknife `replicates` of the optimum (R5.1).
fn stencil_check(
    lattice: Lattice,
    offsets: &[Vec<usize>],
    replicates: &[Vec<f64>],
    theta: &[f64],
    coupling: (f64, f64),
) -> Result<[f64; 3]> {
    let k0 = precision_kernel(&vec![0; lattice.dim()], lattice.side(), coupling);
    let (mut deviation, mut t_max, mut se0) = (0.0f64, 0.0f64, 0.0);
    for (i, r) in offsets.iter().enumerate() {
        let se = jackknife_error(&replicates.iter().map(|th| th[i]).collect::<Vec<_>>());
        let err = (theta[i] - precision_kernel(r, lattice.side(), coupling)).abs();
        deviation = deviation.max(err / k0);
        t_max = t_max.max(err / se);
        if r.iter().all(|&c| c == 0) {
            se0 = se / k0;
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
    let replicates = if samples > 2 {
        jackknife_optima(lattice, &offsets, &differences, &per_field)?
    } else {
        Vec::new()
    };
    let stencil = match (t == 0.0 && samples > 2, field.coupling_and_mass()) {
        (true, Some(coupling)) => Some(stencil_check(
            lattice,
            &offsets,
            &replicates,
            &theta,
            coupling,
        )?),
        _ => None,
    };
    // the exact score's zero mode 1/C_0(t) is the reference: what is measured is â*_0
    let c0 = spectrum_t.at(&vec![0; d]);
    let zero_mode_error = |th: &[f64]| (th.iter().sum::<f64>() * c0 - 1.0).abs();
    let zero_mode_replicates: Vec<f64> = replicates.iter().map(|th| zero_mode_error(th)).collect();
    Ok(EmpiricalLocalRow {
        t,
        radius,
        l,
        samples,
        hessian_condition: ev[ev.len() - 1] / ev[0],
        zero_mode_relative_error: zero_mode_error(&theta),
        zero_mode_relative_error_se: (samples > 2).then(|| jackknife_error(&zero_mode_replicates)),
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
        Error::Invalid {
            name: "samples M",
            value: samples.to_string(),
            requirement: e.to_string(),
        }
    })?;
    Ok(law.inverse_cdf(1.0 - level / 2.0))
}

/// The radius-1 problem on [`EMPIRICAL_LOCAL_SAMPLES`] sampled fields at each of `sides`, at
/// t = 0 (seeds `seed + 2000 + L`) and t = 0.2 (seeds `seed + 3000 + L`), in that order.
pub fn empirical_local_rows(
    d: usize,
    sides: &[usize],
    seed: u64,
    observer: &dyn Observer,
) -> Result<Vec<EmpiricalLocalRow>> {
    observer.stage("local architectures on fields", 2 * sides.len() as u64);
    let mut rows = Vec::new();
    for (t, offset) in [(0.0, 2000), (0.2, 3000)] {
        for &l in sides {
            let seed = seed + offset + l as u64;
            rows.push(empirical_local_row(
                d,
                l,
                (t, 1),
                EMPIRICAL_LOCAL_SAMPLES,
                seed,
            )?);
            observer.advance(1);
        }
    }
    observer.finish();
    Ok(rows)
}

/// A radius-1 trainer on sampled fields (C11's numeric side).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalTrainingRow {
    /// Side L.
    pub l: usize,
    /// Diffusion time t.
    pub t: f64,
    /// Fields M.
    pub samples: usize,
    /// Measured steps to ε against the data set's own radius-1 optimum.
    pub measured_steps: u64,
}

/// Radius-1 trainers (full-batch GD, depth 1) on [`EMPIRICAL_LOCAL_SAMPLES`] sampled fields at
/// t = [`LOCAL_TRAINING_T`] and every side (seed `seed + 4000 + L`): steps to ε against the data
/// set's own radius-1 optimum. A trainer that does not stop within the cap is an error.
pub fn local_training_rows(
    d: usize,
    sides: &[usize],
    protocol: Protocol,
    seed: u64,
    observer: &dyn Observer,
) -> Result<Vec<LocalTrainingRow>> {
    observer.stage("local trainers on fields", sides.len() as u64);
    let rows = sides
        .iter()
        .map(|&l| {
            let config = TrainConfig {
                d,
                l,
                depth: 1,
                layers: Layers::Local(1),
                t: LOCAL_TRAINING_T,
                samples: EMPIRICAL_LOCAL_SAMPLES,
                steps: LOCAL_TRAINING_MAX_STEPS,
                batch: None,
                seed: seed + 4000 + l as u64,
                protocol,
            };
            let report = train(config, &Silent)?;
            observer.advance(1);
            Ok(LocalTrainingRow {
                l,
                t: LOCAL_TRAINING_T,
                samples: EMPIRICAL_LOCAL_SAMPLES,
                measured_steps: report.measured_steps.ok_or_else(|| Error::NoConvergence {
                    what: "radius-1 trainer",
                    detail: format!("no stop within {LOCAL_TRAINING_MAX_STEPS} steps at L = {l}"),
                })?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    observer.finish();
    Ok(rows)
}
