//! Symbols of translation-invariant (circulant) operators.
//!
//! A circulant operator on the lattice is diagonal in Fourier space; its *symbol* is the
//! eigenvalue on each mode k (R1.1). A covariance spectrum C_k, a precision K_k, the exact score
//! −1/C_k(t) and a linear network's symbol v_k are all [`Symbol`]s. Values are stored once per
//! [`ModeClasses`] class, so a per-mode formula is one [`Symbol::map`] and a mode sum is one
//! weighted sum over classes.

use std::sync::Arc;

use ndarray::{ArrayD, Dimension, IxDyn};

use crate::error::{Error, Result};
use crate::lattice::{Lattice, ModeClasses};

/// Per-mode eigenvalues of a circulant operator, stored per mode class.
#[derive(Debug, Clone)]
pub struct Symbol {
    classes: Arc<ModeClasses>,
    values: Vec<f64>,
}

impl Symbol {
    /// The symbol f(λ_k), a function of the Laplacian eigenvalue, on the given classes.
    pub fn from_laplacian(classes: &Arc<ModeClasses>, f: impl Fn(f64) -> f64) -> Self {
        let values = classes.lambda().iter().map(|&l| f(l)).collect();
        Self {
            classes: Arc::clone(classes),
            values,
        }
    }

    /// A symbol given mode by mode as a full array of shape `[L; d]` in FFT order
    /// (index n_μ ↔ momentum 2πn_μ/L). Every mode becomes its own class.
    pub fn from_modes(lattice: Lattice, values: &ArrayD<f64>) -> Result<Self> {
        if values.shape() != lattice.shape().as_slice() {
            return Err(Error::Mismatch(format!(
                "symbol array has shape {:?}, lattice needs {:?}",
                values.shape(),
                lattice.shape()
            )));
        }
        let classes = lattice.single_mode_classes();
        let values = values.iter().copied().collect();
        Ok(Self { classes, values })
    }

    /// The mode classes the values refer to.
    pub fn classes(&self) -> &Arc<ModeClasses> {
        &self.classes
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.classes.lattice()
    }

    /// Value on each class.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// A symbol on the same classes with new per-class values.
    pub fn with_values(&self, values: Vec<f64>) -> Result<Self> {
        if values.len() != self.values.len() {
            return Err(Error::Mismatch(format!(
                "{} values for {} mode classes",
                values.len(),
                self.values.len()
            )));
        }
        Ok(Self {
            classes: Arc::clone(&self.classes),
            values,
        })
    }

    /// Applies `f` mode by mode.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Self {
            classes: Arc::clone(&self.classes),
            values: self.values.iter().map(|&v| f(v)).collect(),
        }
    }

    /// Applies `f` to the value and the Laplacian eigenvalue λ_k of each mode.
    pub fn map_with_lambda(&self, f: impl Fn(f64, f64) -> f64) -> Self {
        let values = self
            .values
            .iter()
            .zip(self.classes.lambda())
            .map(|(&v, &l)| f(v, l))
            .collect();
        Self {
            classes: Arc::clone(&self.classes),
            values,
        }
    }

    /// Combines two symbols on the same classes mode by mode.
    pub fn zip_map(&self, other: &Symbol, f: impl Fn(f64, f64) -> f64) -> Result<Self> {
        if self.lattice() != other.lattice() || self.values.len() != other.values.len() {
            return Err(Error::Mismatch(format!(
                "symbols on {} and {} mode classes of {:?} and {:?}",
                self.values.len(),
                other.values.len(),
                self.lattice(),
                other.lattice()
            )));
        }
        let values = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(&a, &b)| f(a, b))
            .collect();
        Ok(Self {
            classes: Arc::clone(&self.classes),
            values,
        })
    }

    /// Σ_k f(value_k) over all V modes (multiplicities included).
    pub fn mode_sum(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.values
            .iter()
            .zip(self.classes.multiplicity())
            .map(|(&v, &m)| m as f64 * f(v))
            .sum()
    }

    /// (1/V) Σ_k value_k: the trace per site, i.e. the real-space kernel at r = 0.
    pub fn mode_mean(&self) -> f64 {
        self.mode_sum(|v| v) / self.lattice().volume() as f64
    }

    /// (1/V) Σ_k f(value_k).
    pub fn mode_mean_of(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.mode_sum(f) / self.lattice().volume() as f64
    }

    /// Largest value over the modes.
    pub fn max(&self) -> f64 {
        self.values
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// Smallest value over the modes.
    pub fn min(&self) -> f64 {
        self.values.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Ratio max/min: the spectral condition number of a positive symbol.
    pub fn condition_number(&self) -> f64 {
        self.max() / self.min()
    }

    /// True when every value is finite and > 0.
    pub fn is_positive(&self) -> bool {
        self.values.iter().all(|v| v.is_finite() && *v > 0.0)
    }

    /// Value on the mode with integer momentum indices `n`.
    pub fn at(&self, n: &[usize]) -> f64 {
        self.values[self.classes.class_of(n)]
    }

    /// All V values as an array of shape `[L; d]` in FFT order.
    pub fn to_full(&self) -> ArrayD<f64> {
        self.to_array(self.lattice().shape())
    }

    /// The values on the real-FFT half spectrum, shape `[L, …, L, L/2 + 1]`.
    pub fn to_half(&self) -> ArrayD<f64> {
        self.to_array(self.lattice().half_shape())
    }

    fn to_array(&self, shape: Vec<usize>) -> ArrayD<f64> {
        ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
            self.values[self.classes.class_of(idx.slice())]
        })
    }
}
