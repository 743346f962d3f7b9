//! Layer supports shared by the closed-form side and the trainers: which kernel entries of a
//! convolution layer are parameters, and the stacks the command line names (`full`,
//! `local:R`, `mixed:R`). No computation beyond index bookkeeping lives here.

use std::fmt;
use std::str::FromStr;

use ndarray::{ArrayD, Dimension, IxDyn};
use serde::{Serialize, Serializer};

use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// Support of one convolution layer. Printed and serialised as `full` or `local:R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl LayerKind {
    /// The offsets r (FFT order, components mod L) that are parameters of this layer, in
    /// row-major order: S_R = {r : |r|_∞ ≤ R} for a local layer, every site for a full one.
    pub fn support_offsets(&self, lattice: Lattice) -> Result<Vec<Vec<usize>>> {
        Ok(self
            .support_mask(lattice)?
            .indexed_iter()
            .filter(|(_, &m)| m != 0.0)
            .map(|(r, _)| r.slice().to_vec())
            .collect())
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

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerKind::Full => write!(f, "full"),
            LayerKind::Local { radius } => write!(f, "local:{radius}"),
        }
    }
}

impl Serialize for LayerKind {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The layers of a stack as the command line names them: every layer full (`full`), every
/// layer local with radius R (`local:R`), or the first layer (applied first) local and the
/// others full (`mixed:R`). Printed and serialised in the same spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layers {
    /// Every layer full.
    Full,
    /// Every layer local with radius R.
    Local(usize),
    /// First layer local (radius R), the others full.
    Mixed(usize),
}

impl Layers {
    /// The layer kinds of a depth-D stack, first layer first.
    pub fn kinds(&self, depth: usize) -> Vec<LayerKind> {
        (0..depth)
            .map(|l| match *self {
                Layers::Full => LayerKind::Full,
                Layers::Local(radius) => LayerKind::Local { radius },
                Layers::Mixed(radius) if l == 0 => LayerKind::Local { radius },
                Layers::Mixed(_) => LayerKind::Full,
            })
            .collect()
    }
}

impl FromStr for Layers {
    type Err = Error;
    /// `full`, `local:R` or `mixed:R` with R a whole number ≥ 0.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::Invalid {
            name: "layers",
            value: s.to_string(),
            requirement: "use full, local:R or mixed:R with R a whole number ≥ 0".into(),
        };
        let radius = |r: &str| r.parse::<usize>().map_err(|_| bad());
        if s == "full" {
            Ok(Layers::Full)
        } else if let Some(r) = s.strip_prefix("local:") {
            Ok(Layers::Local(radius(r)?))
        } else if let Some(r) = s.strip_prefix("mixed:") {
            Ok(Layers::Mixed(radius(r)?))
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layers::Full => write!(f, "full"),
            Layers::Local(r) => write!(f, "local:{r}"),
            Layers::Mixed(r) => write!(f, "mixed:{r}"),
        }
    }
}

impl Serialize for Layers {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
