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
use crate::experiment::DataSet;
use crate::fit;
use crate::lattice::Lattice;
use crate::model::Protocol;
use crate::sampling::seeded_rng;
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
    /// Sides of the 2D Ising data at K_c.
    pub ising_2d_sides: Vec<usize>,
    /// Decorrelated configurations per side.
    pub configurations: usize,
}

impl Default for MonteCarloStudyConfig {
    fn default() -> Self {
        Self {
            ising_2d_sides: vec![8, 16, 32],
            configurations: 1000,
        }
    }
}
