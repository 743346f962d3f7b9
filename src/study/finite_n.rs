//! Finite-n critical data (Ising, XY, Heisenberg configurations from Monte Carlo) seen by linear
//! score networks (derivations/08): the networks see the data only through its two-point
//! function, so the closed forms apply with the measured spectrum Ĉ_k (R8.1); at the critical
//! coupling κ ∝ χ ∝ L^{2−η} and T₁ ∝ L^{2−η} (R8.2); the optimal linear score generates the
//! Gaussian with covariance Ĉ, right in its two-point function and wrong in every higher
//! cumulant (R8.3).
//!
//! Everything here takes the configurations as given: n scalar component fields φ^a = √n s^a
//! per configuration, on one lattice.

use ndarray::{ArrayD, Dimension, IxDyn};
use serde::Serialize;

use crate::diffusion::forward::spectrum_at;
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::Sampler;
use crate::error::{Error, Result};
use crate::experiment::estimate::SpectrumEstimate;
use crate::experiment::sampler::{generate, HalfSymbolScores};
use crate::experiment::trainer::{FullBatchGd, StoppingRule};
use crate::experiment::ConvNet;
use crate::experiment::DataSet;
use crate::fit;
use crate::lattice::Lattice;
use crate::mc::{Algorithm, Coupling, McConfig, NamedCoupling};
use crate::model::LayerKind;
use crate::model::Protocol;
use crate::progress::Observer;
use crate::sampling::seeded_rng;
use crate::study::training::empirical_prediction;
use crate::symbol::Symbol;
use crate::theory::training_time;

/// Configurations of an O(n) model as n scalar component fields each.
#[derive(Debug, Clone)]
pub struct ComponentData {
    lattice: Lattice,
    n: usize,
    configs: Vec<Vec<ArrayD<f64>>>,
}

impl ComponentData {
    /// Validates that every configuration has `n` components of the lattice's shape.
    pub fn new(lattice: Lattice, n: usize, configs: Vec<Vec<ArrayD<f64>>>) -> Result<Self> {
        let shape = lattice.shape();
        let ok =
            |c: &Vec<ArrayD<f64>>| c.len() == n && c.iter().all(|x| x.shape() == shape.as_slice());
        if n == 0 || configs.len() < 2 || !configs.iter().all(ok) {
            return Err(Error::Invalid {
                name: "configurations",
                value: format!("{} configurations", configs.len()),
                requirement: format!(
                    "need ≥ 2 configurations of n = {n} ≥ 1 fields of shape {shape:?}"
                ),
            });
        }
        Ok(Self {
            lattice,
            n,
            configs,
        })
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// Components per configuration n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of configurations.
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// True when there are no configurations (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.configs.is_empty()
    }

    /// The configurations.
    pub fn configs(&self) -> &[Vec<ArrayD<f64>>] {
        &self.configs
    }

    /// Every component of every configuration as one scalar training field (n per
    /// configuration, all with the same two-point function by O(n) symmetry).
    pub fn scalar_fields(&self) -> Vec<ArrayD<f64>> {
        self.configs.iter().flatten().cloned().collect()
    }

    /// The first `k` configurations and the rest (training and held-out data).
    pub fn split(&self, k: usize) -> Result<(Self, Self)> {
        let (a, b) = self.configs.split_at(k.min(self.configs.len()));
        Ok((
            Self::new(self.lattice, self.n, a.to_vec())?,
            Self::new(self.lattice, self.n, b.to_vec())?,
        ))
    }
}

/// The measured spectrum Ĉ_k = (1/(MV)) Σ_m |φ̂^m_k|² of scalar fields, as a full-layout
/// symbol (every mode its own class): the data's two-point function, all a linear network sees
/// (R8.1).
pub fn measured_spectrum(lattice: Lattice, fields: &[ArrayD<f64>]) -> Result<Symbol> {
    let half = SpectrumEstimate::from_fields(lattice, fields)?
        .variances()
        .clone();
    let l = lattice.side();
    let last = lattice.dim() - 1;
    let full = ArrayD::from_shape_fn(IxDyn(&lattice.shape()), |idx| {
        let n = idx.slice();
        if n[last] <= l / 2 {
            half[IxDyn(n)]
        } else {
            let conj: Vec<usize> = n.iter().map(|&m| (l - m) % l).collect();
            half[IxDyn(&conj)]
        }
    });
    Symbol::from_modes(lattice, &full)
}

/// The one-layer training time on a data set, from the closed form on its measured spectrum and
/// from a fit over L.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FiniteNTrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// κ = Ĉ_max/Ĉ_min of the data (t = 0).
    pub kappa: f64,
    /// T_D(ε) from the closed form on the measured spectrum at t = 0 (R8.2).
    pub steps: u64,
}

/// T_D(ε) at t = 0 from the closed form on the measured spectrum of `data` (R8.1, R8.2).
pub fn closed_form_on_data(
    data: &ComponentData,
    depth: usize,
    protocol: Protocol,
) -> Result<FiniteNTrainingRow> {
    let spectrum = measured_spectrum(data.lattice(), &data.scalar_fields())?;
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
    let ls: Vec<f64> = per_side.iter().map(|d| d.lattice().side() as f64).collect();
    let fit_of = |datasets: &[ComponentData]| -> Result<f64> {
        let ts = datasets
            .iter()
            .map(|d| Ok(closed_form_on_data(d, depth, protocol)?.steps as f64))
            .collect::<Result<Vec<f64>>>()?;
        Ok(fit::power_law(&ls, &ts)?.slope)
    };
    let exponent = fit_of(per_side)?;
    let mut refits = Vec::with_capacity(blocks);
    for b in 0..blocks {
        let left_out = per_side
            .iter()
            .map(|d| {
                let size = d.len() / blocks;
                let keep: Vec<_> = d
                    .configs()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i / size.max(1) != b)
                    .map(|(_, c)| c.clone())
                    .collect();
                ComponentData::new(d.lattice(), d.n(), keep)
            })
            .collect::<Result<Vec<_>>>()?;
        refits.push(fit_of(&left_out)?);
    }
    let k = blocks as f64;
    let mean = refits.iter().sum::<f64>() / k;
    let var = (k - 1.0) / k * refits.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    Ok(FittedExponent {
        exponent,
        error: var.sqrt(),
        blocks,
    })
}

/// A mean with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The mean.
    pub mean: f64,
    /// Its standard error.
    pub error: f64,
}

fn mean_and_error(x: &[f64]) -> Estimate {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Estimate {
        mean,
        error: (var / n).sqrt(),
    }
}

/// Per-configuration observables of O(n) configurations given as component fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Observables {
    /// |m|² per configuration, m^a = (1/V) Σ_x s^a_x with s = φ/√n.
    pub m2: Vec<f64>,
    /// |m|⁴ per configuration.
    pub m4: Vec<f64>,
    /// Energy per site −(1/V) Σ_⟨xy⟩ s_x·s_y per configuration.
    pub energy: Vec<f64>,
    /// m (first component) per configuration, for the histogram.
    pub m1: Vec<f64>,
}

/// The observables of each configuration (R8.3).
pub fn observables(data: &ComponentData) -> Observables {
    let (lattice, n) = (data.lattice(), data.n() as f64);
    let v = lattice.volume() as f64;
    let mut out = Observables {
        m2: vec![],
        m4: vec![],
        energy: vec![],
        m1: vec![],
    };
    for config in data.configs() {
        let m: Vec<f64> = config
            .iter()
            .map(|phi| phi.sum() / (v * n.sqrt()))
            .collect();
        let m2: f64 = m.iter().map(|x| x * x).sum();
        let mut bonds = 0.0;
        for phi in config {
            for axis in 0..lattice.dim() {
                let shifted = roll(phi, axis);
                bonds += (phi * &shifted).sum();
            }
        }
        out.m2.push(m2);
        out.m4.push(m2 * m2);
        out.energy.push(-bonds / (n * v));
        out.m1.push(m[0]);
    }
    out
}

/// φ(x + e_axis), periodic.
fn roll(phi: &ArrayD<f64>, axis: usize) -> ArrayD<f64> {
    let l = phi.shape()[axis];
    let mut out = phi.clone();
    for (idx, o) in out.indexed_iter_mut() {
        let mut j = idx.slice().to_vec();
        j[axis] = (j[axis] + 1) % l;
        *o = phi[IxDyn(&j)];
    }
    out
}

/// Binder cumulant of O(n) configurations, U = 1 − n/(n + 2) ⟨|m|⁴⟩/⟨|m|²⟩² (0 for a Gaussian
/// field, 2/3 for n = 1 deep in the ordered phase), with a jackknife error over configurations.
pub fn binder(obs: &Observables, n: usize) -> Estimate {
    let f = n as f64 / (n as f64 + 2.0);
    let k = obs.m2.len();
    let (s2, s4): (f64, f64) = (obs.m2.iter().sum(), obs.m4.iter().sum());
    let u = |a: f64, b: f64, c: f64| 1.0 - f * (b / c) / (a / c).powi(2);
    let full = u(s2, s4, k as f64);
    let jack: Vec<f64> = (0..k)
        .map(|i| u(s2 - obs.m2[i], s4 - obs.m4[i], (k - 1) as f64))
        .collect();
    let mean = jack.iter().sum::<f64>() / k as f64;
    let var = (k as f64 - 1.0) / k as f64 * jack.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    Estimate {
        mean: full,
        error: var.sqrt(),
    }
}

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
    pub binder_data: Estimate,
    /// Binder cumulant of the generated fields (0 expected: a Gaussian, R8.3).
    pub binder_generated: Estimate,
    /// ⟨|m|²⟩ of the data (χ/V).
    pub m2_data: Estimate,
    /// ⟨|m|²⟩ of the generated fields.
    pub m2_generated: Estimate,
    /// Energy per site of the data.
    pub energy_data: Estimate,
    /// Energy per site of the generated fields (same mean: a two-point quantity).
    pub energy_generated: Estimate,
    /// Histogram of the first component of m: (bin centre, data density, generated density).
    pub histogram: Vec<[f64; 3]>,
}

/// Scores of a full one-layer network trained to its optimum on `train` at each grid time: the
/// empirical optimum −T_k/Ĉ_k(t), noise drawn per time with seed `seed + j` (R8.1, R3.1).
pub fn trained_scores(
    train: &ComponentData,
    grid: &TimeGrid,
    seed: u64,
) -> Result<HalfSymbolScores> {
    let fields = train.scalar_fields();
    let mut symbols = Vec::with_capacity(grid.times().len());
    for (j, &t) in grid.times().iter().enumerate() {
        let t = t.max(1e-12);
        let data = DataSet::from_fields(train.lattice(), fields.clone(), &[t], seed + j as u64)?;
        symbols.push(-data.statistics(0)?.optimum());
    }
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
        histogram: histogram(&od.m1, &og.m1, 41),
    })
}

fn histogram(a: &[f64], b: &[f64], bins: usize) -> Vec<[f64; 3]> {
    let hi = a
        .iter()
        .chain(b)
        .fold(0.0f64, |m, x| m.max(x.abs()))
        .max(1e-12);
    let width = 2.0 * hi / bins as f64;
    let density = |x: &[f64], i: usize| {
        let lo = -hi + i as f64 * width;
        x.iter()
            .filter(|&&v| v >= lo && (v < lo + width || i == bins - 1))
            .count() as f64
            / (x.len() as f64 * width)
    };
    (0..bins)
        .map(|i| [-hi + (i as f64 + 0.5) * width, density(a, i), density(b, i)])
        .collect()
}

/// The measured spectrum at diffusion time t: α_t² Ĉ_k + σ_t² (R8.1).
pub fn measured_spectrum_at(data: &ComponentData, t: f64) -> Result<Symbol> {
    spectrum_at(
        &measured_spectrum(data.lattice(), &data.scalar_fields())?,
        t,
    )
}

/// What `reproduce` runs on Monte Carlo data (the `[monte_carlo]` table of the configuration;
/// every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonteCarloStudyConfig {
    /// Sides of the 2D Ising data at K_c (≥ 2, increasing).
    pub ising_2d_sides: Vec<usize>,
    /// Decorrelated configurations per side (training data, R7.4).
    pub configurations: usize,
    /// Wolff sweep-equivalents measured per chain at each side for χ, τ_int and U (R7.4).
    pub measurements: u64,
    /// Sides of the Metropolis runs for its dynamic exponent (≥ 2).
    pub metropolis_sides: Vec<usize>,
    /// Metropolis sweeps measured per chain.
    pub metropolis_measurements: u64,
    /// How many of the smallest Ising sides the trainers run on (R8.1).
    pub trainer_sides: usize,
    /// Side of the Gaussian-limit comparison (one of `ising_2d_sides`, R8.3).
    pub gaussian_limit_l: usize,
    /// Least number of geometric grid steps of the generation (more if the zero mode needs
    /// them, R10.6).
    pub generation_steps: usize,
    /// Numbers of components n of the large-n approach (d = 3, K = n β_c(3)).
    pub large_n: Vec<usize>,
    /// Side of the large-n runs.
    pub large_n_l: usize,
    /// Jackknife blocks of the training exponent (R8.2).
    pub jackknife_blocks: usize,
}

impl Default for MonteCarloStudyConfig {
    fn default() -> Self {
        Self {
            ising_2d_sides: vec![8, 16, 32],
            configurations: 2000,
            measurements: 5000,
            metropolis_sides: vec![4, 8, 16],
            metropolis_measurements: 100_000,
            trainer_sides: 2,
            gaussian_limit_l: 16,
            generation_steps: 400,
            large_n: vec![8, 16, 32, 64],
            large_n_l: 4,
            jackknife_blocks: 10,
        }
    }
}

impl MonteCarloStudyConfig {
    /// Checks the table before any work.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, requirement: &str| Error::Invalid {
            name,
            value,
            requirement: requirement.to_string(),
        };
        let increasing =
            |v: &[usize]| v.len() >= 2 && v[0] >= 4 && v.windows(2).all(|w| w[0] < w[1]);
        if !increasing(&self.ising_2d_sides) || self.ising_2d_sides.iter().any(|&l| l > 256) {
            return Err(bad(
                "monte_carlo.ising_2d_sides",
                format!("{:?}", self.ising_2d_sides),
                "≥ 2 increasing sides in 4..=256",
            ));
        }
        if !increasing(&self.metropolis_sides) || self.metropolis_sides.iter().any(|&l| l > 64) {
            return Err(bad(
                "monte_carlo.metropolis_sides",
                format!("{:?}", self.metropolis_sides),
                "≥ 2 increasing sides in 4..=64",
            ));
        }
        if self.jackknife_blocks < 2
            || self.configurations < 4 * self.jackknife_blocks
            || self.configurations > 100_000
        {
            return Err(bad(
                "monte_carlo.configurations",
                self.configurations.to_string(),
                "at least 4 per jackknife block (≥ 2 blocks), at most 100000",
            ));
        }
        if self.trainer_sides == 0 || self.trainer_sides > self.ising_2d_sides.len() {
            return Err(bad(
                "monte_carlo.trainer_sides",
                self.trainer_sides.to_string(),
                "between 1 and the number of Ising sides",
            ));
        }
        if !self.ising_2d_sides.contains(&self.gaussian_limit_l) {
            return Err(bad(
                "monte_carlo.gaussian_limit_l",
                self.gaussian_limit_l.to_string(),
                "one of ising_2d_sides",
            ));
        }
        if self.generation_steps == 0 || self.generation_steps > 100_000 {
            return Err(bad(
                "monte_carlo.generation_steps",
                self.generation_steps.to_string(),
                "in 1..=100000",
            ));
        }
        if self.large_n.len() < 2
            || self.large_n.iter().any(|&n| !(2..=256).contains(&n))
            || !(2..=16).contains(&self.large_n_l)
        {
            return Err(bad(
                "monte_carlo.large_n",
                format!("{:?} at L = {}", self.large_n, self.large_n_l),
                "≥ 2 values of n in 2..=256, L in 2..=16",
            ));
        }
        if self.measurements > 10_000_000 || self.metropolis_measurements > 10_000_000 {
            return Err(bad(
                "monte_carlo.measurements",
                format!("{} / {}", self.measurements, self.metropolis_measurements),
                "at most 1e7 sweeps per chain",
            ));
        }
        Ok(())
    }
}

/// Chains per Monte Carlo run of the studies (run in parallel by rayon).
pub const STUDY_CHAINS: usize = 2;
/// Thermalisation sweep-equivalents of every study run.
pub const STUDY_THERMALIZATION: u64 = 1000;
/// Step cap of the trainers on Monte Carlo fields.
pub const TRAINER_MAX_STEPS: u64 = 200_000;

fn mc_config(
    n: usize,
    d: usize,
    l: usize,
    coupling: Coupling,
    algorithm: Algorithm,
    measurements: u64,
    seed: u64,
) -> McConfig {
    McConfig {
        n,
        d,
        l,
        coupling,
        algorithm,
        chains: STUDY_CHAINS,
        thermalization: STUDY_THERMALIZATION,
        measurements,
        seed,
        spectrum: false,
    }
}

/// One side of the 2D Ising data at K_c.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IsingSideRow {
    /// Side L.
    pub l: usize,
    /// χ = V⟨m²⟩ from the Wolff run (R7.4 error).
    pub chi: f64,
    /// Its standard error.
    pub chi_error: f64,
    /// Binder cumulant of the run (R7.5).
    pub binder: f64,
    /// Its jackknife error.
    pub binder_error: f64,
    /// Wolff τ_int(|m|²) in sweep-equivalents.
    pub tau_wolff: f64,
    /// Sweep-equivalents between training configurations (≥ 2 τ_int, R7.4).
    pub spacing: u64,
    /// Configurations in the data set.
    pub configurations: usize,
    /// κ = Ĉ_max/Ĉ_min of the data (R8.2).
    pub kappa: f64,
    /// Ĉ_0 of the data (= χ up to sampling error, R8.2).
    pub c0: f64,
    /// T₁(ε) from the closed form on the measured spectrum (R8.2).
    pub t1: u64,
    /// T₂(ε) from the closed form on the measured spectrum (R8.2).
    pub t2: u64,
}

/// Measured τ_int at one side for one algorithm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DynamicRow {
    /// `wolff` or `metropolis`.
    pub algorithm: String,
    /// Side L.
    pub l: usize,
    /// τ_int in sweep-equivalents: |m|² for Wolff, the signed m for Metropolis (R7.4).
    pub tau: f64,
    /// Its statistical error.
    pub tau_error: f64,
}

/// A trainer on Monte Carlo fields against the closed form on their statistics (R8.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainerOnDataRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Diffusion time t.
    pub t: f64,
    /// Steps full-batch GD took.
    pub measured: u64,
    /// Steps of the empirical map on the data's own statistics (R3.1, R8.1).
    pub closed_form_data: u64,
}

/// Ĉ_0 of the large-n fields from Monte Carlo beside the gap equation (R7.1, R1.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LargeNRow {
    /// Components n.
    pub n: usize,
    /// Side L (d = 3).
    pub l: usize,
    /// Monte Carlo Ĉ_0 = V⟨|m|²⟩ of the fields φ = √n s at K = n β_c(3).
    pub c0_mc: f64,
    /// Its standard error.
    pub c0_error: f64,
    /// Gap-equation C_0 = 1/μ at β_c(3) on the same torus (n = ∞).
    pub c0_gap: f64,
    /// Ĉ_0/C_0 − 1.
    pub relative_difference: f64,
}

/// Everything `reproduce` computes on Monte Carlo data (derivations/07, 08).
#[derive(Debug, Clone, Serialize)]
pub struct MonteCarloStudies {
    /// The 2D Ising sides.
    pub ising: Vec<IsingSideRow>,
    /// γ/ν: exponent of χ(L) over the Ising sides.
    pub susceptibility_exponent: f64,
    /// Exponent of T₁(L) on the measured spectra with its jackknife error (R8.2).
    pub one_layer_exponent: FittedExponent,
    /// Mean increment of T₂ per doubling of L on the measured spectra (R8.2).
    pub two_layer_increment: f64,
    /// Predicted (2 − η) ln 2/(2 ln(1 + 2η_lr)) (R8.2).
    pub two_layer_increment_predicted: f64,
    /// Trainers on the fields of the smallest sides (R8.1).
    pub trainer: Vec<TrainerOnDataRow>,
    /// τ_int against L for both algorithms.
    pub dynamics: Vec<DynamicRow>,
    /// Dynamic exponent of Wolff (τ_int(|m|²) in sweep-equivalents).
    pub z_wolff: f64,
    /// Dynamic exponent of Metropolis (τ_int of the signed m).
    pub z_metropolis: f64,
    /// Data against the generated Gaussian (R8.3).
    pub gaussian_limit: GaussianLimit,
    /// Grid steps of that generation.
    pub generation_steps: usize,
    /// Ĉ_0 approaching the gap equation as n grows.
    pub large_n: Vec<LargeNRow>,
    /// Exponent of Ĉ_0/C_0 − 1 against n (−1 expected).
    pub large_n_slope: f64,
    /// Wall time of these studies in seconds.
    pub seconds: f64,
}

/// Runs the Monte Carlo studies of `cfg` (R7.x, R8.1–R8.3): 2D Ising data at K_c per side,
/// the closed forms on its measured spectra, trainers on its fields at diffusion time `t`,
/// Metropolis dynamics, the Gaussian limit of linear generation and the large-n approach.
/// Seeds derive from `seed`.
pub fn monte_carlo_studies(
    cfg: &MonteCarloStudyConfig,
    protocol: Protocol,
    t: f64,
    seed: u64,
    observer: &dyn Observer,
) -> Result<MonteCarloStudies> {
    let start = std::time::Instant::now();
    cfg.validate()?;
    let (ising, data) = ising_sides(cfg, protocol, seed, observer)?;
    let ls: Vec<f64> = ising.iter().map(|r| r.l as f64).collect();
    let chi: Vec<f64> = ising.iter().map(|r| r.chi).collect();
    let susceptibility_exponent = fit::power_law(&ls, &chi)?.slope;
    let one_layer_exponent = training_exponent(&data, 1, protocol, cfg.jackknife_blocks)?;
    let eta_lr = protocol.lr_fraction / 4.0; // λ* = 4 for D = 2 (R4.1)
    let eta_ising = crate::mc::eta(1, 2).unwrap_or(0.25);
    let trainer = trainers_on_data(&data[..cfg.trainer_sides], protocol, t, seed)?;
    let mut dynamics: Vec<DynamicRow> = ising
        .iter()
        .map(|r| DynamicRow {
            algorithm: "wolff".into(),
            l: r.l,
            tau: r.tau_wolff,
            tau_error: 0.0,
        })
        .collect();
    let metropolis = metropolis_rows(cfg, seed, observer)?;
    let z_wolff =
        fit::power_law(&ls, &ising.iter().map(|r| r.tau_wolff).collect::<Vec<_>>())?.slope;
    let lm: Vec<f64> = metropolis.iter().map(|r| r.l as f64).collect();
    let z_metropolis =
        fit::power_law(&lm, &metropolis.iter().map(|r| r.tau).collect::<Vec<_>>())?.slope;
    dynamics.extend(metropolis);
    let g = cfg
        .ising_2d_sides
        .iter()
        .position(|&l| l == cfg.gaussian_limit_l)
        .unwrap_or(0);
    let (gaussian_limit, generation_steps) =
        linear_generation(&data[g], cfg.generation_steps, seed, observer)?;
    let large_n = large_n_rows(cfg, seed, observer)?;
    let xs: Vec<f64> = large_n.iter().map(|r| r.n as f64).collect();
    let ys: Vec<f64> = large_n.iter().map(|r| r.relative_difference).collect();
    let large_n_slope = fit::power_law(&xs, &ys)
        .map(|f| f.slope)
        .unwrap_or(f64::NAN);
    Ok(MonteCarloStudies {
        two_layer_increment: mean_increment(
            &ising.iter().map(|r| (r.l, r.t2 as f64)).collect::<Vec<_>>(),
        ),
        two_layer_increment_predicted: (2.0 - eta_ising) * 2f64.ln()
            / (2.0 * (1.0 + 2.0 * eta_lr).ln()),
        ising,
        susceptibility_exponent,
        one_layer_exponent,
        trainer,
        dynamics,
        z_wolff,
        z_metropolis,
        gaussian_limit,
        generation_steps,
        large_n,
        large_n_slope,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Mean increment of y per doubling of L (points in increasing L).
fn mean_increment(points: &[(usize, f64)]) -> f64 {
    let (Some(a), Some(b)) = (points.first(), points.last()) else {
        return f64::NAN;
    };
    (b.1 - a.1) / (b.0 as f64 / a.0 as f64).log2()
}

/// Wolff run and training data at every Ising side (seed `seed + 100 + L` for the run,
/// `seed + 200 + L` for the data).
fn ising_sides(
    cfg: &MonteCarloStudyConfig,
    protocol: Protocol,
    seed: u64,
    observer: &dyn Observer,
) -> Result<(Vec<IsingSideRow>, Vec<ComponentData>)> {
    let progress = crate::progress::McProgress(observer);
    let critical = Coupling::Named(NamedCoupling::Critical);
    let mut rows = Vec::new();
    let mut data = Vec::new();
    for &l in &cfg.ising_2d_sides {
        let run_cfg = mc_config(
            1,
            2,
            l,
            critical,
            Algorithm::Wolff,
            cfg.measurements,
            seed + 100 + l as u64,
        );
        let r = crate::mc::run(&run_cfg, &progress)?;
        let set_cfg = mc_config(
            1,
            2,
            l,
            critical,
            Algorithm::Wolff,
            2000,
            seed + 200 + l as u64,
        );
        let set = crate::mc::dataset(&set_cfg, cfg.configurations, &progress)?;
        let d = ComponentData::new(Lattice::new(2, l)?, 1, set.fields()?)?;
        let one = closed_form_on_data(&d, 1, protocol)?;
        let two = closed_form_on_data(&d, 2, protocol)?;
        let c0 = measured_spectrum(d.lattice(), &d.scalar_fields())?.at(&[0, 0]);
        rows.push(IsingSideRow {
            l,
            chi: r.susceptibility.mean,
            chi_error: r.susceptibility.error,
            binder: r.binder.value,
            binder_error: r.binder.error,
            tau_wolff: r.m2.tau_int * r.sweep_equivalents_per_measurement,
            spacing: set.spacing,
            configurations: d.len(),
            kappa: one.kappa,
            c0,
            t1: one.steps,
            t2: two.steps,
        });
        data.push(d);
    }
    Ok((rows, data))
}

/// Full-batch GD of full stacks of depth 1 and 2 on the fields of each data set at time t,
/// beside the empirical map on the data's own statistics (R8.1, R3.1); noise seed `seed + 300 + L`.
fn trainers_on_data(
    data: &[ComponentData],
    protocol: Protocol,
    t: f64,
    seed: u64,
) -> Result<Vec<TrainerOnDataRow>> {
    let mut rows = Vec::new();
    for d in data {
        let l = d.lattice().side();
        let set =
            DataSet::from_fields(d.lattice(), d.scalar_fields(), &[t], seed + 300 + l as u64)?;
        let stats = set.statistics(0)?;
        let batch = set
            .batch(0)?
            .to_spectral(&crate::fourier::RealFft::new(d.lattice()))?;
        let spec_t = measured_spectrum_at(d, t)?;
        for depth in [1usize, 2] {
            let p = protocol.with_depth(depth)?;
            let (eta, v0) = (p.learning_rate(&spec_t), p.initial_symbol(&spec_t));
            let mut net = ConvNet::balanced(d.lattice(), &vec![LayerKind::Full; depth], v0)?;
            let rule = StoppingRule::relative_symbol_error(p.epsilon, stats.optimum())?;
            let log = FullBatchGd::new(eta, TRAINER_MAX_STEPS)?.train(&mut net, &batch, &rule)?;
            let unreached = |what| {
                Error::NoConvergence {
                what,
                detail: format!("Monte Carlo fields, L = {l}, depth {depth}: not within {TRAINER_MAX_STEPS} steps"),
            }
            };
            let predicted =
                empirical_prediction(&stats, depth, eta, v0, p.epsilon, TRAINER_MAX_STEPS);
            rows.push(TrainerOnDataRow {
                l,
                depth,
                t,
                measured: log
                    .trained_at
                    .ok_or(unreached("trainer on Monte Carlo fields"))?,
                closed_form_data: predicted.ok_or(unreached("empirical closed form"))?,
            });
        }
    }
    Ok(rows)
}

/// Metropolis τ_int of the signed magnetisation at each side (seed `seed + 400 + L`).
fn metropolis_rows(
    cfg: &MonteCarloStudyConfig,
    seed: u64,
    observer: &dyn Observer,
) -> Result<Vec<DynamicRow>> {
    let progress = crate::progress::McProgress(observer);
    cfg.metropolis_sides
        .iter()
        .map(|&l| {
            let c = mc_config(
                1,
                2,
                l,
                Coupling::Named(NamedCoupling::Critical),
                Algorithm::Metropolis,
                cfg.metropolis_measurements,
                seed + 400 + l as u64,
            );
            let r = crate::mc::run(&c, &progress)?;
            Ok(DynamicRow {
                algorithm: "metropolis".into(),
                l,
                tau: r.m1.tau_int,
                tau_error: r.m1.tau_error,
            })
        })
        .collect()
}

/// Generation with the optimal linear score trained on the first half of `data`, compared
/// with the second half (R8.3). The geometric grid from 1e-3 to 8 has at least `min_steps`
/// steps, more if the zero mode needs them for a 2 % variance error (R10.6).
fn linear_generation(
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
        0.02,
    )?;
    let steps = min_steps.max(needed);
    let grid = TimeGrid::geometric(t_min, horizon, steps)?;
    let g = gaussian_limit(&train, &heldout, &grid, heldout.len(), seed + 500)?;
    observer.finish();
    Ok((g, steps))
}

/// Ĉ_0 of the fields at K = n β_c(3) on the L³ torus against the gap equation there, for each n
/// (seed `seed + 600 + n`).
fn large_n_rows(
    cfg: &MonteCarloStudyConfig,
    seed: u64,
    observer: &dyn Observer,
) -> Result<Vec<LargeNRow>> {
    let progress = crate::progress::McProgress(observer);
    let beta_c = crate::data::critical_coupling(3)?;
    let lattice = Lattice::new(3, cfg.large_n_l)?;
    let c0_gap = crate::data::GaussianField::large_n(lattice, beta_c)?
        .spectrum()
        .at(&[0, 0, 0]);
    cfg.large_n
        .iter()
        .map(|&n| {
            let c = mc_config(
                n,
                3,
                cfg.large_n_l,
                Coupling::Value(n as f64 * beta_c),
                Algorithm::Wolff,
                20_000,
                seed + 600 + n as u64,
            );
            let r = crate::mc::run(&c, &progress)?;
            Ok(LargeNRow {
                n,
                l: cfg.large_n_l,
                c0_mc: r.susceptibility.mean,
                c0_error: r.susceptibility.error,
                c0_gap,
                relative_difference: r.susceptibility.mean / c0_gap - 1.0,
            })
        })
        .collect()
}
