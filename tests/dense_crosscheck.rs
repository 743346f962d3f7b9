//! Dense real-space cross-checks with ndarray-linalg on small lattices (d = 1, 2, 3; L ≤ 8).
//!
//! The precision matrix K = β(−Δ) + μ is built site by site from nearest-neighbour bonds
//! (`experiment::dense::precision_matrix`), with no Fourier transform, and compared with the Fourier-side objects:
//! R1.1 (symbols = eigenvalues, kernels = matrix rows), R2.1, R2.2 (score = −C(t)⁻¹),
//! R2.3 (t = 0 score is −K, nearest-neighbour), R2.4 (axis decay rate, exact in d = 1).

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::{alpha, sigma2, spectrum_at};
use critical_slowing::diffusion::score::{axis_decay_rate, score_kernel};
use critical_slowing::experiment::dense::precision_matrix;
use critical_slowing::fourier::RealFft;
use critical_slowing::linalg::lapack;
use critical_slowing::Lattice;
use ndarray::{Array2, ArrayD, IxDyn};
use ndarray_linalg::{EigValsh, Inverse, UPLO};

/// Relative tolerance of the dense comparisons: LAPACK eigen/inverse of matrices with
/// condition number ≤ 1e3 on V ≤ 512 sites leave errors ~1e-13 relative.
const TOL: f64 = 1e-10;

fn sites(lattice: Lattice) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    lattice.for_each_index(|n| out.push(n.to_vec()));
    out
}

/// The circulant matrix with kernel `kernel` (FFT order): M_{xy} = kernel(x − y mod L).
fn circulant(lattice: Lattice, kernel: &ArrayD<f64>) -> Array2<f64> {
    let all = sites(lattice);
    let v = lattice.volume();
    Array2::from_shape_fn((v, v), |(i, j)| {
        kernel[IxDyn(&lattice.difference(&all[i], &all[j]))]
    })
}

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn assert_matrices_close(a: &Array2<f64>, b: &Array2<f64>, what: &str) {
    let scale = max_abs(a).max(max_abs(b));
    let diff = max_abs(&(a - b));
    assert!(
        diff <= TOL * scale,
        "{what}: max |difference| {diff:e} > {TOL:e} × {scale:e}"
    );
}

fn cases() -> Vec<(Lattice, f64, f64, GaussianField)> {
    let mut out = Vec::new();
    for (d, sides) in [
        (1, vec![1, 2, 3, 5, 8]),
        (2, vec![2, 3, 4, 7, 8]),
        (3, vec![2, 3, 4, 5, 8]),
    ] {
        for l in sides {
            let lattice = Lattice::new(d, l).unwrap();
            let (beta, mu) = (0.7, 0.3);
            out.push((
                lattice,
                beta,
                mu,
                GaussianField::massive_free(lattice, beta, mu).unwrap(),
            ));
            if d == 3 {
                let f = GaussianField::large_n_critical(lattice).unwrap();
                let (b, m) = f.coupling_and_mass().unwrap();
                out.push((lattice, b, m, f));
            }
        }
    }
    out
}

/// R1.1: the eigenvalues of the real-space covariance K⁻¹ are the Fourier spectrum C_k, and
/// the FFT kernel of C_k is the dense inverse of K, row by row.
#[test]
fn covariance_eigenvalues_equal_the_fourier_spectrum() {
    for (lattice, beta, mu, field) in cases() {
        let k = precision_matrix(lattice, beta, mu);
        let cov = lapack("inverse", || k.inv()).unwrap();
        let mut dense = lapack("eigenvalues", || cov.eigvalsh(UPLO::Lower))
            .unwrap()
            .to_vec();
        let mut fourier: Vec<f64> = field.spectrum().to_full().iter().copied().collect();
        dense.sort_by(f64::total_cmp);
        fourier.sort_by(f64::total_cmp);
        let scale = fourier.last().copied().unwrap();
        for (a, b) in dense.iter().zip(&fourier) {
            assert!(
                (a - b).abs() <= TOL * scale,
                "{lattice:?}: eigenvalue {a} vs symbol {b}"
            );
        }
        let kernel = RealFft::new(lattice).kernel(field.spectrum()).unwrap();
        assert_matrices_close(&circulant(lattice, &kernel), &cov, "covariance kernel");
    }
}

/// R2.1 + R2.2: the FFT kernel of the exact score equals −(α²K⁻¹ + σ²)⁻¹ built densely.
#[test]
fn score_kernel_is_the_dense_inverse_of_the_noised_covariance() {
    for (lattice, beta, mu, field) in cases() {
        let v = lattice.volume();
        let precision = precision_matrix(lattice, beta, mu);
        let cov = lapack("inverse", || precision.inv()).unwrap();
        for t in [0.01, 0.2, 1.5] {
            let (a2, s2) = (alpha(t).unwrap().powi(2), sigma2(t).unwrap());
            let cov_t = &cov * a2 + &(Array2::<f64>::eye(v) * s2);
            let dense_score = -lapack("inverse", || cov_t.inv()).unwrap();
            let kernel = score_kernel(field.spectrum(), t).unwrap();
            assert_matrices_close(&circulant(lattice, &kernel), &dense_score, "score kernel");
            // and the noised spectrum is the spectrum of the noised dense covariance
            let mut dense = lapack("eigenvalues", || cov_t.eigvalsh(UPLO::Lower))
                .unwrap()
                .to_vec();
            let spec_t = spectrum_at(field.spectrum(), t).unwrap();
            let mut fourier: Vec<f64> = spec_t.to_full().iter().copied().collect();
            dense.sort_by(f64::total_cmp);
            fourier.sort_by(f64::total_cmp);
            for (a, b) in dense.iter().zip(&fourier) {
                assert!(
                    (a - b).abs() <= TOL * fourier[v - 1],
                    "C(t) eigenvalue {a} vs {b}"
                );
            }
        }
    }
}

/// R2.3: at t = 0 the exact score is −K: −(2dβ + μ) at r = 0, β on nearest neighbours,
/// zero elsewhere (L ≥ 3; for L = 2 the two neighbours along an axis coincide).
#[test]
fn score_at_time_zero_is_exactly_nearest_neighbour() {
    for (lattice, beta, mu, field) in cases() {
        let kernel = score_kernel(field.spectrum(), 0.0).unwrap();
        let dense = -precision_matrix(lattice, beta, mu);
        assert_matrices_close(&circulant(lattice, &kernel), &dense, "t = 0 score");
        if lattice.side() >= 3 {
            let d = lattice.dim();
            let l = lattice.side();
            let scale = 2.0 * d as f64 * beta + mu;
            lattice.for_each_index(|r| {
                let dist: usize = r.iter().map(|&m| m.min(l - m)).sum();
                let want = match dist {
                    0 => -scale,
                    1 => beta,
                    _ => 0.0,
                };
                let got = kernel[IxDyn(r)];
                assert!(
                    (got - want).abs() <= TOL * scale,
                    "r = {r:?}: {got} vs {want}"
                );
            });
        }
    }
}

/// R2.4: in d = 1 the periodic score kernel off the origin is A cosh(m_t (L/2 − r)) with
/// cosh m_t = 1 + (α²/σ² + μ)/(2β).
#[test]
fn one_dimensional_score_decays_at_the_predicted_rate() {
    for l in [8, 16, 33, 64] {
        let lattice = Lattice::new(1, l).unwrap();
        let (beta, mu) = (0.6, 0.2);
        let field = GaussianField::massive_free(lattice, beta, mu).unwrap();
        for t in [0.05, 0.3, 1.0, 3.0] {
            let m = axis_decay_rate(beta, mu, t).unwrap();
            let kernel = score_kernel(field.spectrum(), t).unwrap();
            let half = l as f64 / 2.0;
            let amplitude = kernel[[1]] / (m * (half - 1.0)).cosh();
            for r in 1..l {
                let want = amplitude * (m * (half - r as f64)).cosh();
                let got = kernel[[r]];
                assert!(
                    (got - want).abs() <= TOL * kernel[[1]].abs(),
                    "L = {l}, t = {t}, r = {r}: {got:e} vs {want:e}"
                );
            }
        }
    }
}
