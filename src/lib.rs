//! # critical-slowing
//!
//! An analytic-versus-numeric verifier for *The critical slowing down in diffusion models*
//! (arXiv:2605.12597) on the O(n) model at n → ∞, a Gaussian lattice field at its critical
//! point.
//!
//! The data flow follows the module order:
//! [`lattice`] & [`fourier`] & [`symbol`] → [`data`] (gap equation, β_c) → [`diffusion`]
//! (forward process, exact score) → [`theory`] (closed forms per architecture).
//! [`sampling`] draws fields for the numeric side; [`fit`] fits scaling laws; [`report`]
//! builds the tables the command-line tool prints.
//!
//! Every closed form names the result ID (`R1.2`, …) of its derivation in `derivations/`.

pub mod architecture;
pub mod data;
pub mod diffusion;
pub mod divergence;
pub mod error;
pub mod experiment;
pub mod figures;
pub mod fit;
pub mod fourier;
pub mod lattice;
pub mod power;
pub mod report;
pub mod reproduce;
pub mod sampling;
pub mod symbol;
pub mod theory;
pub mod verification;

pub use error::{Error, Result};
pub use lattice::Lattice;
pub use symbol::Symbol;
