//! Closed forms for gradient-descent training of linear convolutional score networks on the
//! population loss (derivations/03, derivations/04).
//!
//! Everything here works mode by mode on the spectrum C_k(t) at one diffusion time; nothing
//! here samples fields. Time is counted in gradient steps: a gradient flow dθ/dτ = −η∇ℒ has
//! τ comparable to a step count.
//!
//! # Example
//!
//! Depth changes the scaling (R3.3, R4.4): doubling L from 16 to 32 roughly quadruples the
//! one-layer training time, while the two-layer time grows by a few steps only (∝ ln L):
//!
//! ```
//! use critical_slowing::data::GaussianField;
//! use critical_slowing::diffusion::forward::spectrum_at;
//! use critical_slowing::model::Protocol;
//! use critical_slowing::theory::training_time;
//! use critical_slowing::Lattice;
//!
//! let steps = |depth, l| -> critical_slowing::Result<u64> {
//!     let field = GaussianField::large_n_critical(Lattice::new(3, l)?)?;
//!     let c_t = spectrum_at(field.spectrum(), 0.0)?;
//!     Ok(training_time(&c_t, &Protocol::new(depth, 0.5, 0.01)?)?.steps)
//! };
//! assert!(steps(1, 32)? as f64 > 3.5 * steps(1, 16)? as f64);
//! assert!(steps(2, 32)? - steps(2, 16)? < 10);
//! # Ok::<(), critical_slowing::Error>(())
//! ```

pub mod adam;
pub mod depth;
pub mod empirical;
pub mod generation;
pub mod ising_exact;
pub mod local;
pub mod momentum;
pub mod network;
pub mod one_layer;
pub mod online_sgd;
pub mod training_time;
pub mod two_layer;

pub use training_time::{training_time, TrainingTime};
