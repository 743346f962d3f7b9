//! The training protocol of the spec, section 4 (R4.1): learning rate and initialisation.

use serde::Serialize;

use crate::error::{unit_open, Error, Result};
use crate::symbol::Symbol;

/// Largest supported depth.
pub const MAX_DEPTH: usize = 16;

/// Depth D, learning-rate fraction c and accuracy ε of a training run (R4.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Protocol {
    /// Number of convolution layers D ≥ 1.
    pub depth: usize,
    /// c ∈ (0, 1]: the learning rate is η = c/λ*.
    pub lr_fraction: f64,
    /// ε ∈ (0, 1): a mode is trained when |v_k − v*_k| ≤ ε v*_k.
    pub epsilon: f64,
}

impl Default for Protocol {
    fn default() -> Self {
        Self {
            depth: 1,
            lr_fraction: 0.5,
            epsilon: 1e-2,
        }
    }
}

impl Protocol {
    /// A validated protocol.
    pub fn new(depth: usize, lr_fraction: f64, epsilon: f64) -> Result<Self> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(Error::Parameter {
                name: "depth",
                value: depth as f64,
                requirement: "must be an integer from 1 to 16",
            });
        }
        if !(lr_fraction > 0.0 && lr_fraction <= 1.0) {
            return Err(Error::Parameter {
                name: "c (learning-rate fraction)",
                value: lr_fraction,
                requirement: "must lie in (0, 1]",
            });
        }
        unit_open("epsilon", epsilon)?;
        Ok(Self {
            depth,
            lr_fraction,
            epsilon,
        })
    }

    /// The same protocol at another depth.
    pub fn with_depth(self, depth: usize) -> Result<Self> {
        Self::new(depth, self.lr_fraction, self.epsilon)
    }

    /// Top Hessian eigenvalue at the optimum, λ* = 2D max_k C_k(t)^{2/D − 1} (R4.1):
    /// 2 C_max for D = 1, 4 for D = 2, 2D C_min^{2/D − 1} for D ≥ 3.
    pub fn hessian_top(&self, spectrum_t: &Symbol) -> f64 {
        let d = self.depth as f64;
        let exponent = 2.0 / d - 1.0;
        let c = if exponent >= 0.0 {
            spectrum_t.max()
        } else {
            spectrum_t.min()
        };
        2.0 * d * c.powf(exponent)
    }

    /// Learning rate η = c/λ* (R4.1).
    pub fn learning_rate(&self, spectrum_t: &Symbol) -> f64 {
        self.lr_fraction / self.hessian_top(spectrum_t)
    }

    /// The two-layer learning rate η = c/4: for D = 2 the top Hessian eigenvalue λ* = 4 does not
    /// depend on the spectrum (R4.1).
    pub fn two_layer_learning_rate(lr_fraction: f64) -> f64 {
        lr_fraction / 4.0
    }

    /// Initial network symbol v_0 on every mode: 0 for D = 1, 1/C_max(t) for D ≥ 2 (R4.1).
    pub fn initial_symbol(&self, spectrum_t: &Symbol) -> f64 {
        if self.depth == 1 {
            0.0
        } else {
            1.0 / spectrum_t.max()
        }
    }
}
