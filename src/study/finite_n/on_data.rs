//! Closed forms on measured data (derivations/08): a linear network sees finite-n data only
//! through its two-point function, so the training times of derivations/03–04 apply with the
//! measured spectrum Ĉ_k (R8.1); at the critical coupling κ ∝ χ ∝ L^{2−η} and T₁ ∝ L^{2−η}
//! (R8.2), with a jackknife error over blocks of configurations.

use serde::Serialize;

use crate::data::ComponentData;
use crate::diffusion::forward::spectrum_at;
use crate::error::Result;
use crate::experiment::estimate::{class_averaged_spectrum, measured_spectrum};
use crate::fit;
use crate::mc::stats::jackknife_error;
use crate::model::Protocol;
use crate::symbol::Symbol;
use crate::theory::training_time;

/// The one-layer training time on a data set, from the closed form on its measured spectrum and
/// from a fit over L.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FiniteNTrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// κ = Ĉ_max/Ĉ_min of the data's class-averaged spectrum (t = 0).
    pub kappa: f64,
    /// T_D(ε) from the closed form on the class-averaged measured spectrum at t = 0 (R8.2).
    pub steps: u64,
}

/// T_D(ε) at t = 0 from the closed form on the class-averaged measured spectrum of `data`
/// (R8.1, R8.2, R8.4). The spectrum is averaged over the classes of modes the lattice symmetry
/// fixes, so that Ĉ_min — which sets κ and T₁ — is a class mean, not the minimum over many
/// nearly equal noisy modes (that minimum is biased low: +1.4 to +3.8 % on κ at L = 16…64).
pub fn closed_form_on_data(
    data: &ComponentData,
    depth: usize,
    protocol: Protocol,
) -> Result<FiniteNTrainingRow> {
    let spectrum = class_averaged_spectrum(data.lattice(), &data.scalar_fields())?;
    let tt = training_time(&spectrum, &protocol.with_depth(depth)?)?;
    Ok(FiniteNTrainingRow {
        l: data.lattice().side(),
        depth,
        kappa: spectrum.condition_number(),
        steps: tt.steps,
    })
}

/// A fitted exponent with its jackknife error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FittedExponent {
    /// Exponent p of T ∝ L^p from all configurations.
    pub exponent: f64,
    /// Jackknife standard error over `blocks` blocks of configurations.
    pub error: f64,
    /// Number of jackknife blocks.
    pub blocks: usize,
}

/// The exponent of T_D(L) from the closed form on each side's measured spectrum, with a
/// jackknife error: each side's configurations are cut into `blocks` blocks, the fit is
/// repeated leaving block b out at every side, and the spread of the refits gives the error.
pub fn training_exponent(
    per_side: &[ComponentData],
    depth: usize,
    protocol: Protocol,
    blocks: usize,
) -> Result<FittedExponent> {
    Ok(training_jackknife(per_side, depth, protocol, blocks)?.0)
}

/// [`training_exponent`] and, per side, the jackknife standard error of T_D itself (the same
/// leave-one-block-out refits).
pub fn training_jackknife(
    per_side: &[ComponentData],
    depth: usize,
    protocol: Protocol,
    blocks: usize,
) -> Result<(FittedExponent, Vec<f64>)> {
    let ls: Vec<f64> = per_side.iter().map(|d| d.lattice().side() as f64).collect();
    let steps_of = |datasets: &[ComponentData]| -> Result<Vec<f64>> {
        datasets
            .iter()
            .map(|d| Ok(closed_form_on_data(d, depth, protocol)?.steps as f64))
            .collect()
    };
    let exponent = fit::power_law(&ls, &steps_of(per_side)?)?.slope;
    let mut refits = Vec::with_capacity(blocks);
    for b in 0..blocks {
        let left_out = per_side
            .iter()
            .map(|d| {
                let size = (d.len() / blocks).max(1);
                d.select(|i| i / size != b)
            })
            .collect::<Result<Vec<_>>>()?;
        refits.push(steps_of(&left_out)?);
    }
    let exponents = refits
        .iter()
        .map(|steps| Ok(fit::power_law(&ls, steps)?.slope))
        .collect::<Result<Vec<f64>>>()?;
    let step_errors = (0..per_side.len())
        .map(|i| jackknife_error(&refits.iter().map(|r| r[i]).collect::<Vec<_>>()))
        .collect();
    Ok((
        FittedExponent {
            exponent,
            error: jackknife_error(&exponents),
            blocks,
        },
        step_errors,
    ))
}

/// The measured spectrum at diffusion time t: α_t² Ĉ_k + σ_t² (R8.1).
pub fn measured_spectrum_at(data: &ComponentData, t: f64) -> Result<Symbol> {
    spectrum_at(
        &measured_spectrum(data.lattice(), &data.scalar_fields())?,
        t,
    )
}
