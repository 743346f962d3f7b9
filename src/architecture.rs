//! Architecture descriptions shared by the closed-form side and the trainers: the support of
//! a convolution layer. No computation beyond index bookkeeping lives here.

use ndarray::{ArrayD, Dimension, IxDyn};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// Support of one convolution layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LayerKind {
    /// All V kernel entries are parameters.
    Full,
    /// Entries on offsets with |r|_∞ ≤ radius (mod L) only.
    Local {
        /// Radius R ≥ 0 (needs 2R + 1 ≤ L).
        radius: usize,
    },
}

impl LayerKind {
    /// Parameters of one layer of this kind on `lattice`: V, or (2R + 1)^d.
    pub fn parameter_count(&self, lattice: Lattice) -> usize {
        match *self {
            LayerKind::Full => lattice.volume(),
            LayerKind::Local { radius } => (2 * radius + 1).pow(lattice.dim() as u32),
        }
    }

    /// 1 on the layer's support and 0 elsewhere, shape `[L; d]`, offsets in FFT order.
    pub fn support_mask(&self, lattice: Lattice) -> Result<ArrayD<f64>> {
        let l = lattice.side();
        match *self {
            LayerKind::Full => Ok(ArrayD::from_elem(lattice.shape(), 1.0)),
            LayerKind::Local { radius } => {
                if 2 * radius + 1 > l {
                    return Err(Error::Parameter {
                        name: "local radius R",
                        value: radius as f64,
                        requirement: "needs 2R + 1 ≤ L so that the offsets are distinct",
                    });
                }
                Ok(ArrayD::from_shape_fn(IxDyn(&lattice.shape()), |idx| {
                    let inside = idx.slice().iter().all(|&m| m.min(l - m) <= radius);
                    if inside {
                        1.0
                    } else {
                        0.0
                    }
                }))
            }
        }
    }
}

/// The support masks of a stack of layers (one per layer, see [`LayerKind::support_mask`]);
/// an error for an empty stack.
pub fn support_masks(lattice: Lattice, kinds: &[LayerKind]) -> Result<Vec<ArrayD<f64>>> {
    if kinds.is_empty() {
        return Err(Error::Parameter {
            name: "depth",
            value: 0.0,
            requirement: "a network needs at least one layer",
        });
    }
    kinds.iter().map(|k| k.support_mask(lattice)).collect()
}

impl std::str::FromStr for LayerKind {
    type Err = String;
    /// `full` or `local:R`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "full" => Ok(LayerKind::Full),
            _ => match s.strip_prefix("local:").map(str::parse::<usize>) {
                Some(Ok(radius)) => Ok(LayerKind::Local { radius }),
                _ => Err(format!("unknown layer kind {s:?}: use full or local:R")),
            },
        }
    }
}
