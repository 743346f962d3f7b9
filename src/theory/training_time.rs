//! Training times T_D(ε) over a whole spectrum (R3.3, R4.6).
//!
//! Modes evolve independently and modes with equal C_k(t) identically, so the training time of
//! the network is the maximum over the distinct values of C_k(t) of a one-mode time.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Protocol;
use crate::symbol::Symbol;
use crate::theory::{depth, one_layer, two_layer};

/// Cap on the steps iterated for one mode.
pub const MAX_STEPS: u64 = 100_000_000;

/// Training time of a depth-D network under the protocol, at one diffusion time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainingTime {
    /// Depth D.
    pub depth: usize,
    /// Learning rate η = c/λ*.
    pub learning_rate: f64,
    /// Initial symbol v_0 on every mode.
    pub initial_symbol: f64,
    /// κ(t) of the spectrum trained on.
    pub condition_number: f64,
    /// Discrete GD steps T_D(ε) until every mode has |v − v*| ≤ ε v*.
    pub steps: u64,
    /// Gradient-flow time τ_D(ε) (in units of steps).
    pub flow_time: f64,
    /// C_k(t) of a mode that needs the most steps.
    pub slowest_variance: f64,
}

/// The distinct values of a symbol, sorted.
fn distinct_values(symbol: &Symbol) -> Vec<f64> {
    let mut v = symbol.values().to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// T_D(ε) and τ_D(ε) for the spectrum `spectrum_t` = C_k(t) under `protocol` (R3.3, R4.6):
/// one-layer steps by the closed form ⌈ln ε / ln|1 − 2ηC|⌉, deeper networks by iterating the
/// exact scalar map once per distinct C_k(t); flow times by R3.4, R4.3 and R4.2.
pub fn training_time(spectrum_t: &Symbol, protocol: &Protocol) -> Result<TrainingTime> {
    let eta = protocol.learning_rate(spectrum_t);
    let v0 = protocol.initial_symbol(spectrum_t);
    let eps = protocol.epsilon;
    let d = protocol.depth;
    if !spectrum_t.is_positive() {
        return Err(Error::Parameter {
            name: "spectrum minimum",
            value: spectrum_t.min(),
            requirement: "training needs a spectrum C_k(t) that is finite and > 0 on every mode",
        });
    }
    if d >= 3 {
        // R4.5: T_D ≈ D/((D − 2)c) κ^{1 − 2/D}; refuse runs that would exceed the step cap.
        let kappa = spectrum_t.condition_number();
        let dd = d as f64;
        let estimate = dd / ((dd - 2.0) * protocol.lr_fraction) * kappa.powf(1.0 - 2.0 / dd);
        if estimate.is_nan() || estimate >= MAX_STEPS as f64 {
            return Err(Error::NoConvergence {
                what: "depth-D training",
                detail: format!(
                    "about {estimate:e} steps needed (kappa = {kappa:e}), over the cap {MAX_STEPS}"
                ),
            });
        }
    }
    let mut steps = 0;
    let mut slowest = spectrum_t.min();
    let mut flow: f64 = 0.0;
    for c in distinct_values(spectrum_t) {
        let (n, tau) = match d {
            1 => (
                one_layer::training_steps(c, eta, eps)?,
                one_layer::flow_time(c, eta, eps),
            ),
            2 => (
                depth::training_steps(2, c, eta, v0, eps, MAX_STEPS)?,
                two_layer::flow_time(c, eta, v0, eps),
            ),
            _ => (
                depth::training_steps(d, c, eta, v0, eps, MAX_STEPS)?,
                depth::flow_time(d, c, eta, v0, eps)?,
            ),
        };
        if n > steps {
            steps = n;
            slowest = c;
        }
        flow = flow.max(tau);
    }
    Ok(TrainingTime {
        depth: d,
        learning_rate: eta,
        initial_symbol: v0,
        condition_number: spectrum_t.condition_number(),
        steps,
        flow_time: flow,
        slowest_variance: slowest,
    })
}
