//! Closed-form training times per optimizer (R3.3, R4.4 for GD; R9.3, R9.4, R9.8 for momentum),
//! Adam in the Fourier parametrisation by the population iteration with the learning-rate rule
//! R9.6, and the fitted exponents of T(L).

use serde::Serialize;

use super::{critical_spectrum, momentum_of};
use crate::error::Result;
use crate::model::optimizer::OptimizerSpec;
use crate::model::Protocol;
use crate::symbol::Symbol;
use crate::theory::adam::{self, AdamConstants, AdamCriterion};
use crate::theory::momentum;

/// One training time T(L) of one optimizer at one depth (t = 0, β_c, protocol ε and c).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerRow {
    /// Optimizer spelling (`gd`, `momentum:0.9`, …, `adam-fourier`).
    pub optimizer: String,
    /// Depth D.
    pub depth: usize,
    /// Side L.
    pub l: usize,
    /// Training time T(ε) in steps.
    pub steps: u64,
    /// Learning rate used (η, or Adam's lr chosen by R9.6).
    pub learning_rate: f64,
    /// Momentum β (0 for GD and Adam).
    pub momentum: f64,
}

/// A fitted exponent of T(L) for one optimizer and depth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerFit {
    /// Optimizer spelling.
    pub optimizer: String,
    /// Depth D.
    pub depth: usize,
    /// Least-squares slope of ln T against ln L.
    pub exponent: f64,
    /// For Polyak's heavy ball (tuned, D = 1): the slope of ln(T/ln(4T/ε)) (R9.4).
    pub log_corrected_exponent: Option<f64>,
    /// Mean increment of T per doubling of L (the logarithmic law's slope, R4.4, R9.8).
    pub increment_per_doubling: f64,
}

/// Closed-form T(L) of one optimizer spelling on the critical spectrum at time t (R3.3, R4.4
/// for GD; R9.3, R9.4, R9.8 for momentum; Adam has none and is refused).
pub fn closed_form_row(
    (d, l, t): (usize, usize, f64),
    spec: &OptimizerSpec,
    protocol: &Protocol,
) -> Result<OptimizerRow> {
    let (_, spectrum) = critical_spectrum(d, l, t)?;
    let (steps, learning_rate, momentum) = closed_form_on_spectrum(&spectrum, spec, protocol)?;
    Ok(OptimizerRow {
        optimizer: spec.to_string(),
        depth: protocol.depth,
        l,
        steps,
        learning_rate,
        momentum,
    })
}

/// T(ε), the learning rate and the momentum of one optimizer spelling on any spectrum C_k(t)
/// (R3.3, R4.4 for GD; R9.3, R9.4, R9.8 for momentum; Adam has none and is refused).
pub fn closed_form_on_spectrum(
    spectrum_t: &Symbol,
    spec: &OptimizerSpec,
    protocol: &Protocol,
) -> Result<(u64, f64, f64)> {
    if let OptimizerSpec::Adam { .. } = spec {
        return Err(crate::error::Error::Invalid {
            name: "optimizer",
            value: spec.to_string(),
            requirement: "Adam has no closed form (R9.5); training-time takes gd, momentum:BETA|tuned or nesterov:BETA|tuned (train --optimizer adam:LR measures it)".into(),
        });
    }
    spec.validate()?;
    Ok(match momentum_of(spec) {
        Some((method, beta)) => {
            let t = momentum::training_time(spectrum_t, method, beta, protocol)?;
            (t.steps, t.learning_rate, t.momentum)
        }
        None => {
            let t = crate::theory::training_time::training_time(spectrum_t, protocol)?;
            (t.steps, t.learning_rate, 0.0)
        }
    })
}

/// Adam in the Fourier parametrisation at side L and depth D, lr chosen by R9.6 (criterion:
/// ε held for a 1000-step window, cap 20 000 steps); `None` if no rate of the grid trains.
pub fn adam_fourier_row(d: usize, l: usize, protocol: &Protocol) -> Result<Option<OptimizerRow>> {
    let (_, spectrum) = critical_spectrum(d, l, 0.0)?;
    Ok(
        adam_fourier_on_spectrum(&spectrum, protocol)?.map(|(lr, steps)| OptimizerRow {
            optimizer: ADAM_FOURIER.into(),
            depth: protocol.depth,
            l,
            steps,
            learning_rate: lr,
            momentum: 0.0,
        }),
    )
}

/// Fourier-parametrised Adam on any spectrum C_k(t): the R9.6 learning rate and T(ε) (ε held
/// for a 1000-step window, cap 20 000 steps); `None` if no rate of the grid trains.
pub fn adam_fourier_on_spectrum(
    spectrum_t: &Symbol,
    protocol: &Protocol,
) -> Result<Option<(f64, u64)>> {
    let criterion = AdamCriterion {
        epsilon: protocol.epsilon,
        window: 1000,
        max_steps: 20_000,
    };
    let v0 = protocol.initial_symbol(spectrum_t);
    adam::fastest_rate(|lr| {
        let consts = AdamConstants::from_spec(&OptimizerSpec::adam(lr))?;
        Ok(
            adam::per_mode_training_time(spectrum_t, protocol.depth, &consts, v0, &criterion)
                .map(|x| x.0),
        )
    })
}

/// The label of Fourier-parametrised Adam with the R9.6 learning-rate rule.
pub const ADAM_FOURIER: &str = "adam-fourier";

/// Fits of every (optimizer, depth) with at least two sides.
pub fn fits(rows: &[OptimizerRow], epsilon: f64) -> Result<Vec<OptimizerFit>> {
    let mut keys: Vec<(String, usize)> = rows
        .iter()
        .map(|r| (r.optimizer.clone(), r.depth))
        .collect();
    keys.dedup();
    let mut out = Vec::new();
    for (optimizer, depth) in keys {
        let pts: Vec<&OptimizerRow> = rows
            .iter()
            .filter(|r| r.optimizer == optimizer && r.depth == depth)
            .collect();
        if pts.len() < 2 {
            continue;
        }
        let ls: Vec<f64> = pts.iter().map(|r| r.l as f64).collect();
        let ts: Vec<f64> = pts.iter().map(|r| r.steps as f64).collect();
        let exponent = crate::fit::power_law(&ls, &ts)?.slope;
        let log_corrected_exponent = if optimizer == "momentum:tuned" && depth == 1 {
            let ratio: Vec<f64> = ts.iter().map(|t| t / (4.0 * t / epsilon).ln()).collect();
            Some(crate::fit::power_law(&ls, &ratio)?.slope)
        } else {
            None
        };
        let incs: Vec<f64> = pts
            .windows(2)
            .map(|w| {
                (w[1].steps as f64 - w[0].steps as f64) / (w[1].l as f64 / w[0].l as f64).log2()
            })
            .collect();
        out.push(OptimizerFit {
            optimizer,
            depth,
            exponent,
            log_corrected_exponent,
            increment_per_doubling: incs.iter().sum::<f64>() / incs.len() as f64,
        });
    }
    Ok(out)
}

/// `training-time --optimizer SPEC`: the closed-form T(L) of a momentum optimizer (or GD) at
/// every depth and side, at diffusion time t (R9.3, R9.4, R9.8); Adam is refused (no closed
/// form, R9.5).
pub fn closed_form_rows(
    d: usize,
    sides: &[usize],
    depths: &[usize],
    (protocol, t): (Protocol, f64),
    spec: &OptimizerSpec,
) -> Result<Vec<OptimizerRow>> {
    let mut rows = Vec::new();
    for &depth in depths {
        let p = protocol.with_depth(depth)?;
        for &l in sides {
            rows.push(closed_form_row((d, l, t), spec, &p)?);
        }
    }
    Ok(rows)
}
