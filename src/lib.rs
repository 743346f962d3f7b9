//! # critical-slowing
//!
//! An analytic-versus-numeric verifier for *The critical slowing down in diffusion models*
//! (arXiv:2605.12597) on the O(n) model at n → ∞, a Gaussian lattice field at its critical
//! point.
//!
//! The data flow follows the module order:
//! [`lattice`], [`fourier`], [`symbol`] → [`data`] (gap equation, β_c; finite-n data from
//! the Monte Carlo engine [`mc`]) → [`diffusion`]
//! (forward process, exact score, samplers' steps) → [`model`] (descriptions both sides share:
//! layers, convolution stacks, the training protocol) → [`theory`] (closed forms) |
//! [`experiment`] (trainers and samplers on sampled fields; never calls `theory`) → [`study`]
//! (the two side by side, returning records) → [`claims`] (one registry entry per claim) →
//! [`report`] (the only place that formats or writes).
//!
//! Every closed form names the result ID (`R1.2`, …) of its derivation in `derivations/`.
#![warn(missing_docs)]

pub mod claims;
pub mod data;
pub mod diffusion;
pub mod divergence;
pub mod error;
pub mod experiment;
pub mod fit;
pub mod fourier;
pub mod lattice;
pub mod mc;
pub mod model;
pub mod power;
pub mod progress;
pub mod provenance;
pub mod report;
pub mod sampling;
pub mod study;
pub mod symbol;
pub mod theory;

pub use error::{Error, Result};
pub use lattice::Lattice;
pub use symbol::Symbol;
