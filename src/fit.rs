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
    if x.len() != y.len() || x.len() < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::Parameter {
            name: "fit points",
            value: x.len() as f64,
            requirement: "a fit needs ≥ 2 finite (x, y) pairs of equal length",
        });
    }
    let a = Array2::from_shape_fn((x.len(), 2), |(i, j)| if j == 0 { 1.0 } else { x[i] });
    let b = Array1::from(y.to_vec());
    let sol = a.least_squares(&b).map_err(|e| Error::NoConvergence {
        what: "least-squares fit",
        detail: e.to_string(),
    })?;
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
    if x.iter().chain(y).any(|&v| v.is_nan() || v <= 0.0) {
        return Err(Error::Parameter {
            name: "power-law fit points",
            value: x.iter().chain(y).copied().fold(f64::INFINITY, f64::min),
            requirement: "a log–log fit needs every x and y > 0",
        });
    }
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
    line(&lx, &ly)
}
