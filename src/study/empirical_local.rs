//! The radius-R one-layer score on a data set's own statistics: its optimum (the empirical
//! version of R5.2) and the number of gradient-descent steps the closed form on those statistics
//! predicts to reach it. `train` puts these beside a trainer on the same fields.

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use ndarray_linalg::Solve;
use num_complex::Complex;

use crate::error::{Error, Result};
use crate::experiment::trainer::max_relative_error;
use crate::experiment::EmpiricalStatistics;
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::LayerKind;

/// The radius-R one-layer optimum on a data set's own statistics, as a symbol (half-spectrum
/// layout): the empirical version of R5.2. With v_k = Σ_r a(r) e^{−ik·r}, the per-site
/// empirical loss (1/V) Σ_k [Ĉ_k |v_k|² − 2 Re(v_k conj T_k)] + const equals
/// ½ θᵀĤθ − b̂ᵀθ + const on θ = (a(r))_{r∈S_R}, with Ĥ_{rs} = 2ĉ(r − s), ĉ = F⁻¹(Ĉ_k) the
/// real-space empirical covariance, and b̂_r = 2τ(r), τ = F⁻¹(T_k) (real: T is Hermitian
/// because x_t and z are real). On the population Ĉ → C(t) and T → 1, so b̂ → 2e_0 (R5.2).
pub fn empirical_local_optimum(
    stats: &EmpiricalStatistics,
    lattice: Lattice,
    radius: usize,
) -> Result<ArrayD<Complex<f64>>> {
    let (theta, offsets, _, _) = empirical_local_problem(stats, lattice, radius)?;
    local_symbol(lattice, &offsets, &theta)
}

type LocalProblem = (Array1<f64>, Vec<Vec<usize>>, Array2<f64>, Array1<f64>);

/// θ̂* = Ĥ⁻¹b̂, the offsets of S_R, Ĥ and b̂ (see [`empirical_local_optimum`]).
fn empirical_local_problem(
    stats: &EmpiricalStatistics,
    lattice: Lattice,
    radius: usize,
) -> Result<LocalProblem> {
    let fft = RealFft::new(lattice);
    let offsets = LayerKind::Local { radius }.support_offsets(lattice)?;
    let cov = fft.inverse(&stats.c_hat.mapv(|c| Complex::new(c, 0.0)))?;
    let tau = fft.inverse(&stats.target())?;
    let p = offsets.len();
    let hessian = Array2::from_shape_fn((p, p), |(i, j)| {
        2.0 * cov[IxDyn(&lattice.difference(&offsets[i], &offsets[j]))]
    });
    let b = Array1::from_shape_fn(p, |i| 2.0 * tau[IxDyn(&offsets[i])]);
    let theta = crate::linalg::on_lapack_stack(|| hessian.solve(&b))?.map_err(|e| {
        Error::NoConvergence {
            what: "empirical local normal equations",
            detail: format!("{e} (too few samples for the (2R + 1)^d kernel entries?)"),
        }
    })?;
    Ok((theta, offsets, hessian, b))
}

fn local_symbol(
    lattice: Lattice,
    offsets: &[Vec<usize>],
    theta: &Array1<f64>,
) -> Result<ArrayD<Complex<f64>>> {
    let mut kernel = ArrayD::zeros(lattice.shape());
    for (r, &a) in offsets.iter().zip(theta) {
        kernel[IxDyn(r)] = a;
    }
    RealFft::new(lattice).forward(&kernel)
}

/// The closed form for one local layer on the data's statistics: the first n at which
/// θ_n = θ_{n−1} − η(Ĥθ_{n−1} − b̂), from the balanced start v_0 δ_{r,0}, has every mode of its
/// symbol within ε of the empirical optimum; `None` if not within `max_steps`.
pub(crate) fn empirical_local_steps(
    stats: &EmpiricalStatistics,
    lattice: Lattice,
    radius: usize,
    (eta, v0, epsilon, max_steps): (f64, f64, f64, u64),
) -> Result<Option<u64>> {
    let (opt, offsets, hessian, b) = empirical_local_problem(stats, lattice, radius)?;
    let target = local_symbol(lattice, &offsets, &opt)?;
    let mut theta = Array1::from_shape_fn(offsets.len(), |i| {
        if offsets[i].iter().all(|&m| m == 0) {
            v0
        } else {
            0.0
        }
    });
    for n in 0..=max_steps {
        let sym = local_symbol(lattice, &offsets, &theta)?;
        if max_relative_error(&sym, &target) <= epsilon {
            return Ok(Some(n));
        }
        let grad = hessian.dot(&theta) - &b;
        theta.scaled_add(-eta, &grad);
    }
    Ok(None)
}
