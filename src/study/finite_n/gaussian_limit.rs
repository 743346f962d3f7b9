//! What the optimal linear score generates from finite-n data (R8.3): the Gaussian with the
//! data's covariance, right in its two-point function (⟨m²⟩, energy) and wrong in every higher
//! cumulant (Binder cumulant, magnetisation histogram). The scores are trained on one half of a
//! data set and the generated fields compared with the other half.

use rayon::prelude::*;
use serde::Serialize;

use crate::data::ComponentData;
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::Sampler;
use crate::error::Result;
use crate::experiment::estimate::measured_spectrum;
use crate::experiment::observables::{
    binder, mean_and_error, observables, paired_histogram, MeanAndError,
};
use crate::experiment::sampler::{generate, HalfSymbolScores};
use crate::experiment::DataSet;
use crate::progress::Observer;
use crate::sampling::seeded_rng;

/// Data against what the optimal linear score generates from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GaussianLimit {
    /// Components n.
    pub n: usize,
    /// Side L.
    pub l: usize,
    /// Held-out configurations compared.
    pub data_configurations: usize,
    /// Generated configurations (n generated fields each).
    pub generated_configurations: usize,
    /// Binder cumulant of the held-out data.
    pub binder_data: MeanAndError,
    /// Binder cumulant of the generated fields (0 expected: a Gaussian, R8.3).
    pub binder_generated: MeanAndError,
    /// ⟨|m|²⟩ of the data (χ/V).
    pub m2_data: MeanAndError,
    /// ⟨|m|²⟩ of the generated fields.
    pub m2_generated: MeanAndError,
    /// Energy per site of the data.
    pub energy_data: MeanAndError,
    /// Energy per site of the generated fields (same mean: a two-point quantity).
    pub energy_generated: MeanAndError,
    /// Histogram of the first component of m: (bin centre, data density, generated density).
    pub histogram: Vec<[f64; 3]>,
}

/// Scores of a full one-layer network trained to its optimum on `train` at each grid time: the
/// empirical optimum −T_k/Ĉ_k(t), noise drawn per time with seed `seed + j` (R8.1, R3.1). The
/// times run in parallel; each depends on its seed alone.
pub fn trained_scores(
    train: &ComponentData,
    grid: &TimeGrid,
    seed: u64,
) -> Result<HalfSymbolScores> {
    let fields = train.scalar_fields();
    let symbols = grid
        .times()
        .par_iter()
        .enumerate()
        .map(|(j, &t)| {
            let t = t.max(1e-12);
            let data =
                DataSet::from_fields(train.lattice(), fields.clone(), &[t], seed + j as u64)?;
            Ok(-data.statistics(0)?.optimum())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(HalfSymbolScores {
        lattice: train.lattice(),
        symbols,
    })
}

/// Generates `configs × n` fields with the scores trained on `train` (reverse SDE, exponential
/// integrator, on `grid`) and compares them with `heldout` (R8.3).
pub fn gaussian_limit(
    train: &ComponentData,
    heldout: &ComponentData,
    grid: &TimeGrid,
    configs: usize,
    seed: u64,
) -> Result<GaussianLimit> {
    let scores = trained_scores(train, grid, seed)?;
    let n = train.n();
    let fields = generate(
        Sampler::SdeExponential,
        grid,
        &scores,
        configs * n,
        &mut seeded_rng(seed ^ 0x5eed),
    )?;
    let generated = ComponentData::new(
        train.lattice(),
        n,
        fields.chunks(n).map(|c| c.to_vec()).collect(),
    )?;
    let (od, og) = (observables(heldout), observables(&generated));
    Ok(GaussianLimit {
        n,
        l: train.lattice().side(),
        data_configurations: heldout.len(),
        generated_configurations: configs,
        binder_data: binder(&od, n),
        binder_generated: binder(&og, n),
        m2_data: mean_and_error(&od.m2),
        m2_generated: mean_and_error(&og.m2),
        energy_data: mean_and_error(&od.energy),
        energy_generated: mean_and_error(&og.energy),
        histogram: paired_histogram(&od.m1, &og.m1, 41),
    })
}

/// Generated configurations per held-out configuration: the generated means then carry half the
/// held-out data's standard error (C31's power).
pub const GENERATED_PER_HELD_OUT: usize = 4;

/// The largest relative error of the generated zero-mode variance the grid of
/// [`linear_generation`] allows (R10.6); C31's allowance.
pub const GRID_VARIANCE_ERROR: f64 = 0.02;

/// Generation with the optimal linear score trained on the first half of `data`, compared
/// with the second half (R8.3). The geometric grid from 1e-3 to 8 has at least `min_steps`
/// steps, more if the zero mode needs them for a 2 % variance error (R10.6).
pub fn linear_generation(
    data: &ComponentData,
    min_steps: usize,
    seed: u64,
    observer: &dyn Observer,
) -> Result<(GaussianLimit, usize)> {
    use crate::theory::generation::{zero_mode_steps_needed, GridKind};
    observer.stage("linear generation on Monte Carlo data", 1);
    let (t_min, horizon) = (1e-3, 8.0);
    let half = data.len() / 2;
    let (train, heldout) = data.split(half)?;
    let lattice = data.lattice();
    let zero = vec![0; lattice.dim()];
    let c0 = measured_spectrum(lattice, &train.scalar_fields())?.at(&zero);
    let needed = zero_mode_steps_needed(
        Sampler::SdeExponential,
        GridKind::Geometric,
        t_min,
        horizon,
        c0,
        GRID_VARIANCE_ERROR,
    )?;
    let steps = min_steps.max(needed);
    let grid = TimeGrid::geometric(t_min, horizon, steps)?;
    let generated = GENERATED_PER_HELD_OUT * heldout.len();
    let g = gaussian_limit(&train, &heldout, &grid, generated, seed + 500)?;
    observer.finish();
    Ok((g, steps))
}
