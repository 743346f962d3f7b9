//! Distances between centred circulant Gaussians N(0, P) and N(0, C), given their spectra
//! (R6.4). Sums run over all V modes; divide by V for per-site values.

use crate::error::{Error, Result};
use crate::symbol::Symbol;

/// One mode's KL term ½[p/c − 1 − ln(p/c)] of KL(N(0,p) ‖ N(0,c)) (≥ 0, zero iff p = c).
pub fn kl_term(p: f64, c: f64) -> f64 {
    let r = p / c;
    // r − 1 − ln r, written with ln_1p for r near 1
    0.5 * ((r - 1.0) - (r - 1.0).ln_1p())
}

/// One mode's W2² term (√p − √c)².
pub fn w2_term(p: f64, c: f64) -> f64 {
    (p.sqrt() - c.sqrt()).powi(2)
}

fn check(p: &Symbol, c: &Symbol) -> Result<()> {
    if !p.is_positive() || !c.is_positive() {
        return Err(Error::Parameter {
            name: "spectrum minimum",
            value: p.min().min(c.min()),
            requirement: "Gaussian divergences need spectra finite and > 0 on every mode",
        });
    }
    Ok(())
}

/// KL(N(0,P) ‖ N(0,C)) = ½ Σ_k [P_k/C_k − 1 − ln(P_k/C_k)] (R6.4), total over all modes.
pub fn kl_divergence(p: &Symbol, c: &Symbol) -> Result<f64> {
    check(p, c)?;
    Ok(p.zip_map(c, kl_term)?.mode_sum(|x| x))
}

/// W2²(N(0,P), N(0,C)) = Σ_k (√P_k − √C_k)² (R6.4), total over all modes.
pub fn wasserstein2_squared(p: &Symbol, c: &Symbol) -> Result<f64> {
    check(p, c)?;
    Ok(p.zip_map(c, w2_term)?.mode_sum(|x| x))
}

/// W2 distance (R6.4).
pub fn wasserstein2(p: &Symbol, c: &Symbol) -> Result<f64> {
    Ok(wasserstein2_squared(p, c)?.sqrt())
}

/// Dense KL(N(0, P) ‖ N(0, C)) = ½[tr(C⁻¹P) − V + ln det C − ln det P], log-determinants from
/// Cholesky factors (R6.4); for cross-checks on small lattices.
pub fn kl_dense(p: &ndarray::Array2<f64>, c: &ndarray::Array2<f64>) -> Result<f64> {
    use crate::linalg::lapack;
    use ndarray_linalg::{Cholesky, Inverse, UPLO};
    let logdet = |a: &ndarray::Array2<f64>| -> Result<f64> {
        let l = lapack("dense KL", || a.cholesky(UPLO::Lower))?;
        Ok(2.0 * l.diag().iter().map(|x| x.ln()).sum::<f64>())
    };
    let trace = lapack("dense KL", || c.inv())?.dot(p).diag().sum();
    Ok(0.5 * (trace - p.nrows() as f64 + logdet(c)? - logdet(p)?))
}

/// Dense W2 by the Bures formula W2² = tr(P + C − 2 (P^{1/2} C P^{1/2})^{1/2}) with symmetric
/// square roots from eigen-decompositions (R6.4).
pub fn w2_dense(p: &ndarray::Array2<f64>, c: &ndarray::Array2<f64>) -> Result<f64> {
    let root = |a: &ndarray::Array2<f64>| -> Result<ndarray::Array2<f64>> {
        use ndarray_linalg::{Eigh, UPLO};
        let (vals, vecs) = crate::linalg::lapack("dense W2", || a.eigh(UPLO::Lower))?;
        let scaled = &vecs * &vals.mapv(|v| v.max(0.0).sqrt());
        Ok(scaled.dot(&vecs.t()))
    };
    let rp = root(p)?;
    let inner = rp.dot(c).dot(&rp);
    let inner = (&inner + &inner.t()) * 0.5;
    let w2 = p.diag().sum() + c.diag().sum() - 2.0 * root(&inner)?.diag().sum();
    Ok(w2.max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::Lattice;

    /// A spectrum with one non-positive (or non-finite) mode on either side is refused by every
    /// divergence, with no NaN returned (R6.4 needs P, C > 0).
    #[test]
    fn non_positive_spectra_are_refused_on_either_side() {
        let classes = Lattice::new(2, 4).unwrap().mode_classes();
        let good = Symbol::from_laplacian(&classes, |l| 1.0 / (0.3 * l + 0.1));
        for bad_value in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut v = good.values().to_vec();
            v[1] = bad_value;
            let bad = good.with_values(v).unwrap();
            for (p, c) in [(&bad, &good), (&good, &bad)] {
                assert!(kl_divergence(p, c).is_err(), "KL with {bad_value}");
                assert!(wasserstein2_squared(p, c).is_err(), "W2 with {bad_value}");
                assert!(wasserstein2(p, c).is_err());
            }
        }
        assert!(kl_divergence(&good, &good).unwrap() == 0.0);
    }
}
