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
//!
//! # Examples
//!
//! The condition number κ of the critical large-n field grows like L² (R1.5, claim C1):
//!
//! ```
//! use critical_slowing::{data::GaussianField, Lattice};
//! let kappa = |l| GaussianField::large_n_critical(Lattice::new(3, l)?).map(|f| f.spectrum().condition_number());
//! let (k16, k32) = (kappa(16)?, kappa(32)?);
//! assert!((k32 / k16 - 4.0).abs() < 0.2); // doubling L multiplies κ by about 2² = 4
//! # Ok::<(), critical_slowing::Error>(())
//! ```
//!
//! The one-layer training time T₁(ε) of gradient descent on that spectrum at diffusion time t
//! (R3.3), from the closed form — proportional to κ(t):
//!
//! ```
//! use critical_slowing::data::GaussianField;
//! use critical_slowing::diffusion::forward::spectrum_at;
//! use critical_slowing::model::Protocol;
//! use critical_slowing::theory::training_time;
//! use critical_slowing::Lattice;
//!
//! let protocol = Protocol::new(1, 0.5, 0.01)?; // depth 1, learning-rate fraction 0.5, ε = 1 %
//! let steps = |l| -> critical_slowing::Result<u64> {
//!     let field = GaussianField::large_n_critical(Lattice::new(3, l)?)?;
//!     Ok(training_time(&spectrum_at(field.spectrum(), 0.0)?, &protocol)?.steps)
//! };
//! let (t8, t16) = (steps(8)?, steps(16)?);
//! assert!(t16 > 3 * t8); // T₁ ∝ L²: about four times as many steps
//! # Ok::<(), critical_slowing::Error>(())
//! ```
//!
//! One Monte Carlo run of the 2D Ising model at K_c (Wolff clusters), its Binder cumulant
//! with a jackknife error (the exact infinite-volume value is U* ≈ 0.61):
//!
//! ```
//! use critical_slowing::mc::{self, Algorithm, Coupling, McConfig, NamedCoupling, NoProgress};
//!
//! let cfg = McConfig {
//!     n: 1, d: 2, l: 16,
//!     coupling: Coupling::Named(NamedCoupling::Critical),
//!     algorithm: Algorithm::Wolff,
//!     chains: 1, thermalization: 200, measurements: 2000, seed: 1, spectrum: false,
//! };
//! let report = mc::run(&cfg, &NoProgress)?;
//! // L = 16 has U = 0.616 ± 0.003 in long runs; six jackknife errors plus 0.02 for a short run
//! assert!((report.binder.value - 0.616).abs() < 6.0 * report.binder.error + 0.02);
//! # Ok::<(), critical_slowing::Error>(())
//! ```
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
pub mod linalg;
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

// The nonlinear network's tests live in `tests/network/` but are compiled into the library's
// unit-test program: there the framework's generic training code is already compiled for the
// backend they use, while a separate test program compiled it again (about 70 s of CPU in a
// release build; docs/development.md, "CI time"). They name the crate `critical_slowing` as
// an integration test does.
#[cfg(test)]
extern crate self as critical_slowing;
#[cfg(test)]
#[path = "../tests/network/main.rs"]
mod network_tests;

pub use error::{Error, Result};
pub use lattice::Lattice;
pub use symbol::Symbol;
