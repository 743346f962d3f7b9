//! Closed forms for gradient-descent training of linear convolutional score networks on the
//! population loss (derivations/03, derivations/04).
//!
//! Everything here works mode by mode on the spectrum C_k(t) at one diffusion time; nothing
//! here samples fields. Time is counted in gradient steps: a gradient flow dθ/dτ = −η∇ℒ has
//! τ comparable to a step count.

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
