//! Least-squares fits for scaling claims (ndarray-linalg).

use ndarray::{Array1, Array2};
use ndarray_linalg::LeastSquaresSvd;
use serde::Serialize;

use crate::error::{Error, Result};

/// A straight line y = intercept + slope · x.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LineFit {
    /// Slope.
    pub slope: f64,
    /// Intercept.
    pub intercept: f64,
    /// Largest absolute residual of the data from the line.
    pub max_residual: f64,
}

/// Ordinary least squares for y = a + b x.
pub fn line(x: &[f64], y: &[f64]) -> Result<LineFit> {
    check_points(x, y)?;
    let a = Array2::from_shape_fn((x.len(), 2), |(i, j)| if j == 0 { 1.0 } else { x[i] });
    let b = Array1::from(y.to_vec());
    let sol = crate::linalg::lapack("least-squares fit", || a.least_squares(&b))?;
    let (intercept, slope) = (sol.solution[0], sol.solution[1]);
    let max_residual = x
        .iter()
        .zip(y)
        .map(|(&xi, &yi)| (yi - intercept - slope * xi).abs())
        .fold(0.0, f64::max);
    Ok(LineFit {
        slope,
        intercept,
        max_residual,
    })
}

/// Power law y = A x^p fitted on log–log axes; returns the line in (ln x, ln y), whose slope is
/// the exponent p. All values must be > 0.
pub fn power_law(x: &[f64], y: &[f64]) -> Result<LineFit> {
    let (lx, ly) = logarithms(x, y)?;
    line(&lx, &ly)
}

/// ≥ 2 finite (x, y) pairs of equal length, or the error a fit gives.
fn check_points(x: &[f64], y: &[f64]) -> Result<()> {
    if x.len() != y.len() || x.len() < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::Parameter {
            name: "fit points",
            value: x.len() as f64,
            requirement: "a fit needs ≥ 2 finite (x, y) pairs of equal length",
        });
    }
    Ok(())
}

/// (ln x, ln y) of points that are all > 0, or the error a log–log fit gives.
fn logarithms(x: &[f64], y: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    if x.iter().chain(y).any(|&v| v.is_nan() || v <= 0.0) {
        return Err(Error::Parameter {
            name: "power-law fit points",
            value: x.iter().chain(y).copied().fold(f64::INFINITY, f64::min),
            requirement: "a log–log fit needs every x and y > 0",
        });
    }
    Ok((
        x.iter().map(|v| v.ln()).collect(),
        y.iter().map(|v| v.ln()).collect(),
    ))
}

/// A weighted straight-line fit with the standard error of its slope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeightedFit {
    /// Slope b of y = a + b x.
    pub slope: f64,
    /// Standard error of the slope from the points' errors, √[(AᵀWA)⁻¹]₁₁ with W = diag(1/σᵢ²).
    pub slope_error: f64,
    /// Intercept a.
    pub intercept: f64,
    /// χ² = Σ (yᵢ − a − b xᵢ)²/σᵢ² over (points − 2) degrees of freedom; NaN for two points.
    pub chi2_per_dof: f64,
}

/// Weighted least squares for y = a + b x with independent errors σᵢ (> 0): the rows of the
/// design matrix and of y are divided by σᵢ and solved by SVD (ndarray-linalg); the slope's
/// error is from the inverse of the weighted normal matrix (ndarray-linalg).
pub fn weighted_line(x: &[f64], y: &[f64], sigma: &[f64]) -> Result<WeightedFit> {
    use ndarray_linalg::Inverse;
    if sigma.len() != x.len() || sigma.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(Error::Parameter {
            name: "fit errors",
            value: sigma.iter().copied().fold(f64::INFINITY, f64::min),
            requirement: "one finite error > 0 per point",
        });
    }
    let scaled_x: Vec<f64> = x.iter().zip(sigma).map(|(v, s)| v / s).collect();
    let scaled_y: Vec<f64> = y.iter().zip(sigma).map(|(v, s)| v / s).collect();
    check_points(x, y)?;
    let a = Array2::from_shape_fn((x.len(), 2), |(i, j)| {
        if j == 0 {
            1.0 / sigma[i]
        } else {
            scaled_x[i]
        }
    });
    let b = Array1::from(scaled_y);
    let what = "weighted least-squares fit";
    let sol = crate::linalg::lapack(what, || a.least_squares(&b))?;
    let (intercept, slope) = (sol.solution[0], sol.solution[1]);
    let covariance = crate::linalg::lapack(what, || a.t().dot(&a).inv())?;
    let chi2: f64 = (0..x.len())
        .map(|i| ((y[i] - intercept - slope * x[i]) / sigma[i]).powi(2))
        .sum();
    let dof = x.len() as f64 - 2.0;
    Ok(WeightedFit {
        slope,
        slope_error: covariance[[1, 1]].sqrt(),
        intercept,
        chi2_per_dof: if dof > 0.0 { chi2 / dof } else { f64::NAN },
    })
}

/// Power law y = A x^p with errors σᵢ on y, fitted on log–log axes with the errors of ln y,
/// σᵢ/yᵢ (first order): the slope is p with its standard error.
pub fn weighted_power_law(x: &[f64], y: &[f64], sigma: &[f64]) -> Result<WeightedFit> {
    let (lx, ly) = logarithms(x, y)?;
    let ls: Vec<f64> = sigma.iter().zip(y).map(|(s, v)| s / v).collect();
    weighted_line(&lx, &ly, &ls)
}
