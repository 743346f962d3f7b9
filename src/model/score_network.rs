//! The description of a nonlinear, time-conditioned convolutional score network:
//! its shape, what it outputs and how it is trained, shared by the framework implementation
//! ([`crate::experiment::score_network`]) and the studies that compare it with the closed
//! forms. A description only: nothing here builds tensors or trains.
//!
//! The network on a periodic lattice of side L in d = 1 or 2 dimensions:
//!
//! ```text
//! h_0 = W_in ⊛ x + b_in                                  (1 → W channels)
//! u_j = (1 + S_j e(t)) ⊙ (W_j1 ⊛ φ(h_{j−1}) + b_j1) + E_j e(t) + G_j ⟨φ(h_{j−1})⟩
//! h_j = h_{j−1} + W_j2 ⊛ φ(u_j) + b_j2                                    (j = 1…B)
//! o   = W_out ⊛ φ(h_B) + b_out                           (W → 1 channel)
//! s_θ(x, t) = −o              (score output)   or   −o / σ_t   (noise output)
//! ```
//!
//! with ⊛ a periodic convolution (W ⊛ h)(x) = Σ_r W(r) h(x − r) over the kernel's offsets, φ
//! the activation, e(t) the sinusoidal embedding of ln t and ⟨·⟩ the mean over the lattice.
//! Two parts are optional: the time scale S_j (a `[features, W]` map, the scale of the
//! "scale-shift" conditioning practitioners use; without it time enters as the shift E_j e(t)
//! only) and the global path G_j (a W × W matrix, the network's only route to the zero mode
//! that does not pass through local kernels). Periodic convolutions and
//! site-independent biases make s_θ translation-equivariant. Width W = 0 leaves one
//! convolution, s_θ = −W_in ⊛ x: the one-layer linear network of §4; W = 1, B = 0, φ = id and
//! no biases give the two-layer linear network s = −a_2 ⊛ a_1 ⊛ x.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// The pointwise nonlinearity φ between convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// φ(u) = u σ(u) = u / (1 + e^{−u}).
    Silu,
    /// φ(u) = u: the network is linear in x (the cross-check with §4).
    Identity,
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Activation::Silu => "silu",
            Activation::Identity => "identity",
        })
    }
}

/// The offsets a kernel covers along each axis (TOML: `{ radius = R }` or `"full"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KernelSize {
    /// Offsets −R…R along each axis: (2R + 1)^d entries, R ≥ 1 and 2R + 1 ≤ L.
    Radius(usize),
    /// All L offsets along each axis (V entries): the full layer of §4.
    Full,
}

impl fmt::Display for KernelSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelSize::Radius(r) => write!(f, "{}", 2 * r + 1),
            KernelSize::Full => f.write_str("full"),
        }
    }
}

/// What the last convolution outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    /// The negative score: s_θ = −o.
    Score,
    /// The noise: s_θ = −o / σ_t (the ε-prediction practitioners train).
    Noise,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Output::Score => "score",
            Output::Noise => "noise",
        })
    }
}

/// The weight w(t) of a diffusion time in the denoising loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// w(t) = σ_t² (the usual weighting; with [`Output::Noise`] the loss is ‖ε̂ − z‖²/V).
    Sigma2,
    /// w(t) = 1 (the loss of §4 at one t).
    Unit,
}

/// Shape of a score network: see the module documentation for the map it computes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkSpec {
    /// Hidden channels W (0: one convolution from field to score).
    pub width: usize,
    /// Residual blocks B.
    pub blocks: usize,
    /// Kernel offsets of every convolution.
    pub kernel: KernelSize,
    /// The nonlinearity φ.
    pub activation: Activation,
    /// Sinusoidal features of ln t fed to every block (even; 0: no time input).
    pub embedding: usize,
    /// Whether the convolutions carry biases.
    pub bias: bool,
    /// Whether the time embedding also scales each block's first convolution, (1 + S_j e(t)) ⊙ ·
    /// (S_j zero at the start).
    pub time_scale: bool,
    /// Whether each block adds G_j ⟨φ(h_{j−1})⟩, the lattice mean of its input through a
    /// W × W matrix (zero at the start).
    pub global: bool,
    /// What the last convolution outputs.
    pub output: Output,
}

impl NetworkSpec {
    /// The default practitioner's network: width 16, two residual blocks, 3 × 3 kernels, SiLU,
    /// 16 time features, biases, noise output.
    pub fn residual(width: usize, blocks: usize, radius: usize) -> Self {
        Self {
            width,
            blocks,
            kernel: KernelSize::Radius(radius),
            activation: Activation::Silu,
            embedding: 16,
            bias: true,
            time_scale: false,
            global: false,
            output: Output::Noise,
        }
    }

    /// The linear network of §4 with full kernels, depth 1 or 2, no bias, no time input, score
    /// output: s = −a_1 ⊛ x or s = −a_2 ⊛ a_1 ⊛ x.
    pub fn linear(depth: usize) -> Result<Self> {
        let width = match depth {
            1 => 0,
            2 => 1,
            _ => {
                return Err(Error::Parameter {
                    name: "linear network depth",
                    value: depth as f64,
                    requirement: "the framework network is linear of depth 1 or 2",
                })
            }
        };
        Ok(Self {
            width,
            blocks: 0,
            kernel: KernelSize::Full,
            activation: Activation::Identity,
            embedding: 0,
            bias: false,
            time_scale: false,
            global: false,
            output: Output::Score,
        })
    }

    /// Checks the description against a lattice: d ∈ {1, 2}, L ≥ 3, a kernel that fits
    /// (2R + 1 ≤ L), blocks only with hidden channels, an even embedding size.
    pub fn validate(&self, lattice: Lattice) -> Result<()> {
        if !(1..=2).contains(&lattice.dim()) {
            return Err(Error::Invalid {
                name: "lattice dimension for a score network",
                value: lattice.dim().to_string(),
                requirement: "the network is built in d = 1 or 2 (its convolutions are 2-d)".into(),
            });
        }
        if let KernelSize::Radius(r) = self.kernel {
            if r == 0 || 2 * r + 1 > lattice.side() {
                return Err(Error::Parameter {
                    name: "kernel radius",
                    value: r as f64,
                    requirement: "needs 1 ≤ R and 2R + 1 ≤ L",
                });
            }
        }
        if self.width == 0 && self.blocks > 0 {
            return Err(Error::Parameter {
                name: "blocks",
                value: self.blocks as f64,
                requirement: "residual blocks need width ≥ 1",
            });
        }
        if self.embedding % 2 == 1 {
            return Err(Error::Parameter {
                name: "time embedding size",
                value: self.embedding as f64,
                requirement: "sine and cosine features come in pairs: it must be even",
            });
        }
        Ok(())
    }

    /// Offsets of the kernel along one axis of length `side` (1 on a collapsed axis):
    /// −R…R for a radius, 0…L−1 for a full kernel.
    pub fn axis_offsets(&self, side: usize) -> Vec<i64> {
        if side == 1 {
            return vec![0];
        }
        match self.kernel {
            KernelSize::Radius(r) => (-(r as i64)..=r as i64).collect(),
            KernelSize::Full => (0..side as i64).collect(),
        }
    }

    /// Number of convolutions: 1 with width 0, else 2 + 2B.
    pub fn convolutions(&self) -> usize {
        if self.width == 0 {
            1
        } else {
            2 + 2 * self.blocks
        }
    }

    /// Receptive field along one axis: the span of offsets s_θ(x) depends on, (2R)·(number
    /// of convolutions) + 1, capped at L (a full kernel sees the whole lattice).
    pub fn receptive_field(&self, lattice: Lattice) -> usize {
        match self.kernel {
            KernelSize::Full => lattice.side(),
            KernelSize::Radius(r) => (2 * r * self.convolutions() + 1).min(lattice.side()),
        }
    }

    /// Every kernel offset (r₁, r₂) on `lattice`, r₁ along the collapsed first axis in d = 1
    /// (always 0): the order of a weight matrix's row blocks.
    pub fn offsets(&self, lattice: Lattice) -> Vec<(i64, i64)> {
        let (s1, s2) = axis_sides(lattice);
        let second = self.axis_offsets(s2);
        self.axis_offsets(s1)
            .into_iter()
            .flat_map(|a| second.iter().map(move |&b| (a, b)))
            .collect()
    }

    /// Number of kernel offsets on `lattice` (the length of [`NetworkSpec::offsets`],
    /// counted without listing them).
    pub fn taps(&self, lattice: Lattice) -> usize {
        let (s1, s2) = axis_sides(lattice);
        self.axis_offsets(s1).len() * self.axis_offsets(s2).len()
    }

    /// Trainable parameters on `lattice`.
    pub fn parameter_count(&self, lattice: Lattice) -> usize {
        let taps = self.taps(lattice);
        let bias = usize::from(self.bias);
        let w = self.width;
        if w == 0 {
            return taps + bias;
        }
        let lift = taps * w + bias * w;
        let project = taps * w + bias;
        let global = if self.global { w * w } else { 0 };
        let scale = if self.time_scale {
            self.embedding * w
        } else {
            0
        };
        let block = 2 * (taps * w * w + bias * w) + self.embedding * w + scale + global;
        lift + project + self.blocks * block
    }
}

/// The two spatial sides of a network's tensors: (1, L) in d = 1, (L, L) in d = 2.
pub fn axis_sides(lattice: Lattice) -> (usize, usize) {
    match lattice.dim() {
        1 => (1, lattice.side()),
        _ => (lattice.side(), lattice.side()),
    }
}

/// The lattice site of offset (r₁, r₂) folded mod L: `[r₂]` in d = 1, `[r₁, r₂]` in d = 2.
pub fn offset_site(lattice: Lattice, (r1, r2): (i64, i64)) -> Vec<usize> {
    let l = lattice.side() as i64;
    let r2 = r2.rem_euclid(l) as usize;
    match lattice.dim() {
        1 => vec![r2],
        _ => vec![r1.rem_euclid(l) as usize, r2],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_networks_have_v_or_2v_parameters() {
        let lattice = Lattice::new(2, 6).unwrap();
        assert_eq!(NetworkSpec::linear(1).unwrap().parameter_count(lattice), 36);
        assert_eq!(NetworkSpec::linear(2).unwrap().parameter_count(lattice), 72);
        assert!(NetworkSpec::linear(3).is_err());
    }

    #[test]
    fn residual_parameter_count_by_hand() {
        // width 4, one block, 3 × 3, 8 features, biases, d = 2:
        // lift 9·4 + 4, project 9·4 + 1, block 2(9·16 + 4) + 8·4
        let spec = NetworkSpec {
            embedding: 8,
            ..NetworkSpec::residual(4, 1, 1)
        };
        let lattice = Lattice::new(2, 8).unwrap();
        assert_eq!(spec.parameter_count(lattice), 40 + 37 + 328);
        assert_eq!(spec.receptive_field(lattice), 8);
        assert_eq!(spec.receptive_field(Lattice::new(2, 16).unwrap()), 9);
        // d = 1: kernels have 3 taps
        let line = Lattice::new(1, 8).unwrap();
        assert_eq!(
            spec.parameter_count(line),
            12 + 4 + 12 + 1 + 2 * (48 + 4) + 32
        );
        // the global path adds a 4 × 4 matrix per block
        let global = NetworkSpec {
            global: true,
            ..spec
        };
        assert_eq!(global.parameter_count(lattice), 40 + 37 + 328 + 16);
        // the time scale adds a second 8 × 4 map per block
        let scaled = NetworkSpec {
            time_scale: true,
            ..global
        };
        assert_eq!(scaled.parameter_count(lattice), 40 + 37 + 328 + 16 + 32);
    }

    #[test]
    fn validation_refuses_what_cannot_be_built() {
        let lattice = Lattice::new(2, 8).unwrap();
        assert!(NetworkSpec::residual(4, 1, 1).validate(lattice).is_ok());
        assert!(NetworkSpec::residual(4, 1, 4).validate(lattice).is_err());
        assert!(NetworkSpec::residual(4, 1, 0).validate(lattice).is_err());
        assert!(NetworkSpec::residual(0, 1, 1).validate(lattice).is_err());
        let odd = NetworkSpec {
            embedding: 3,
            ..NetworkSpec::residual(4, 1, 1)
        };
        assert!(odd.validate(lattice).is_err());
        assert!(NetworkSpec::residual(4, 1, 1)
            .validate(Lattice::new(3, 8).unwrap())
            .is_err());
    }
}
