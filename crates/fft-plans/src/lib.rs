//! The f64 FFT plans `critical-slowing` uses, made by non-generic functions.
//!
//! Planning is where rustfft's generic code lives: `FftPlanner::<f64>` compiles every
//! butterfly and SIMD kernel (for f32 as well, behind its runtime type dispatch) into the
//! crate that calls it — about 15 % of `critical-slowing`'s LLVM IR, compiled twice on every
//! `cargo test` (the library and its unit-test build). Here it is compiled once, as a
//! dependency; the crate only calls these functions and the plans' trait objects. Each function
//! is exactly the library's own constructor; nothing is wrapped or changed.

use std::sync::Arc;

use ndrustfft::{FftHandler, R2cFftHandler};
use realfft::{ComplexToReal, RealToComplex};
use rustfft::Fft;

/// `ndrustfft::FftHandler::<f64>::new(n)`: complex-to-complex transforms of length `n` along
/// one axis.
pub fn complex_handler(n: usize) -> FftHandler<f64> {
    FftHandler::new(n)
}

/// `ndrustfft::R2cFftHandler::<f64>::new(n)`: real-to-complex transforms of length `n` along
/// one axis (n/2 + 1 outputs).
pub fn real_handler(n: usize) -> R2cFftHandler<f64> {
    R2cFftHandler::new(n)
}

/// The four 1-d plans of one length `n` from one real and one complex planner:
/// (real forward, real inverse, complex forward, complex inverse).
#[allow(clippy::type_complexity)]
pub fn plans(
    n: usize,
) -> (
    Arc<dyn RealToComplex<f64>>,
    Arc<dyn ComplexToReal<f64>>,
    Arc<dyn Fft<f64>>,
    Arc<dyn Fft<f64>>,
) {
    let mut real = realfft::RealFftPlanner::<f64>::new();
    let mut complex = rustfft::FftPlanner::<f64>::new();
    (
        real.plan_fft_forward(n),
        real.plan_fft_inverse(n),
        complex.plan_fft_forward(n),
        complex.plan_fft_inverse(n),
    )
}
