//! Training times side by side: closed forms over L and depth (R3.3, R4.4, R4.5), full-batch GD
//! on sampled fields against the closed form on the data set's own statistics and on the
//! population (R3.2, R4.2), and per-mode timescales (R3.4). The step-by-step comparison of a
//! trainer with its closed form is in [`crate::study::trainer_comparison`].

use num_complex::Complex;
use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::{Error, Result};
use crate::experiment::trainer::{FullBatchGd, StoppingRule};
use crate::experiment::{ConvNet, DataSet, EmpiricalStatistics, SpectralBatch};
use crate::fit;
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::{LayerKind, Protocol};
use crate::progress::Observer;
use crate::symbol::Symbol;
use crate::theory::{depth, empirical, one_layer, training_time};

/// Step cap of every trainer and closed-form iteration in this module.
pub const MAX_STEPS: u64 = 10_000_000;

/// One row of the closed-form training-time table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// κ(t) of the spectrum trained on.
    pub kappa: f64,
    /// Learning rate η = c/λ*.
    pub learning_rate: f64,
    /// Discrete GD steps T_D(ε).
    pub steps: u64,
    /// Gradient-flow time τ_D(ε): the continuous time dθ/dτ = −η∇ℒ needs, in units of steps.
    pub flow_time: f64,
}

/// Fitted scaling of the steps of one depth over L.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DepthFit {
    /// Depth D.
    pub depth: usize,
    /// Exponent p of T_D ∝ L^p (log–log least squares).
    pub exponent: f64,
    /// Slope b of T_D = a + b ln L (the law of D = 2).
    pub log_slope: f64,
    /// Predicted exponent: 2 for D = 1 (R3.3), 2 − 4/D for D ≥ 3 (R4.5); `None` for D = 2,
    /// whose law is logarithmic (R4.4) and has no exponent.
    pub predicted_exponent: Option<f64>,
    /// The predicted law: `"power"` (T_D ∝ L^p, D ≠ 2) or `"logarithmic"` (T_2 = a + b ln L),
    /// which is why `predicted_exponent` is null for D = 2.
    pub law: &'static str,
}

/// A depth whose scaling could not be fitted, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitUnavailable {
    /// Depth D.
    pub depth: usize,
    /// Why no fit (e.g. a side needs 0 steps, so T ∝ L^p has no log–log fit).
    pub reason: String,
}

/// Training-time table T_D(L) at β_c(d), diffusion time t, for several depths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingTable {
    /// Dimension d.
    pub d: usize,
    /// Diffusion time t of the training.
    pub t: f64,
    /// Learning-rate fraction c of η = c/λ*.
    pub lr_fraction: f64,
    /// Accuracy ε.
    pub epsilon: f64,
    /// One row per (depth, L).
    pub rows: Vec<TrainingRow>,
    /// One fit per depth; empty when fewer than two distinct L (no fit is possible).
    pub fits: Vec<DepthFit>,
    /// Depths with at least two distinct L whose fit is impossible, with the reason.
    pub fits_unavailable: Vec<FitUnavailable>,
}

/// Estimated elementary updates of [`training_table`]: per side and depth, the distinct
/// variances (≈ (L/2 + 1)^d/d! mode classes) times the steps iterated per class — 1 for D = 1
/// (closed form), ~ln κ/c for D = 2 (R4.4), D/((D − 2)c) κ^{1−2/D} for D ≥ 3 (R4.5), with
/// κ ≈ 3L² at β_c (R1.5).
pub fn work_estimate(d: usize, sides: &[usize], depths: &[usize], c: f64) -> f64 {
    let mut work = 0.0;
    for &l in sides {
        let classes = crate::study::spectrum::memory_estimate(d, l) / 64.0;
        let kappa = 3.0 * (l as f64).powi(2);
        for &depth in depths {
            let dd = depth as f64;
            let steps = match depth {
                0 | 1 => 1.0,
                2 => 10.0 * kappa.ln().max(1.0) / c,
                _ => dd / ((dd - 2.0) * c) * kappa.powf(1.0 - 2.0 / dd),
            };
            work += classes * steps;
        }
    }
    work
}

/// Checks a training-time table before any work: accuracy, sides, memory, and work.
fn validate_table(d: usize, sides: &[usize], depths: &[usize], protocol: Protocol) -> Result<()> {
    crate::error::resolvable_epsilon(protocol.epsilon)?;
    crate::study::spectrum::validate(d, sides, None)?;
    for &depth in depths {
        protocol.with_depth(depth)?;
    }
    let work = work_estimate(d, sides, depths, protocol.lr_fraction);
    if work > crate::error::MAX_WORK {
        return Err(crate::error::too_slow(
            format!("training-time table for L = {sides:?}, depths {depths:?}"),
            work,
            "lower --l or drop the deepest --depth",
        ));
    }
    Ok(())
}

/// Predicted exponent of T_D ∝ L^p at β_c in d = 3 (κ ∝ L²): R3.3, R4.5; `None` for D = 2.
pub fn predicted_exponent(depth: usize) -> Option<f64> {
    match depth {
        1 => Some(2.0),
        2 => None,
        _ => Some(2.0 - 4.0 / depth as f64),
    }
}

/// The table of T_D(ε) over `sides` × `depths` at β_c(d), diffusion time `t`.
pub fn training_table(
    d: usize,
    sides: &[usize],
    depths: &[usize],
    protocol: Protocol,
    t: f64,
) -> Result<TrainingTable> {
    validate_table(d, sides, depths, protocol)?;
    let mut rows = Vec::new();
    for &l in sides {
        let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
        let spectrum_t = spectrum_at(field.spectrum(), t)?;
        for &depth in depths {
            let tt = training_time(&spectrum_t, &protocol.with_depth(depth)?)?;
            rows.push(TrainingRow {
                l,
                depth,
                kappa: tt.condition_number,
                learning_rate: tt.learning_rate,
                steps: tt.steps,
                flow_time: tt.flow_time,
            });
        }
    }
    let mut distinct = sides.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let (mut fits, mut fits_unavailable) = (Vec::new(), Vec::new());
    if distinct.len() >= 2 {
        for &depth in depths {
            match depth_fit(&rows, depth) {
                Ok(f) => fits.push(f),
                Err(e) => fits_unavailable.push(FitUnavailable {
                    depth,
                    reason: fit_failure(&rows, depth, &e),
                }),
            }
        }
    }
    Ok(TrainingTable {
        d,
        t,
        lr_fraction: protocol.lr_fraction,
        epsilon: protocol.epsilon,
        rows,
        fits,
        fits_unavailable,
    })
}

/// Why a depth's fit failed, in words.
fn fit_failure(rows: &[TrainingRow], depth: usize, e: &Error) -> String {
    let zero: Vec<usize> = rows
        .iter()
        .filter(|r| r.depth == depth && r.steps == 0)
        .map(|r| r.l)
        .collect();
    if zero.is_empty() {
        format!("n/a ({e})")
    } else {
        format!(
            "n/a: the start is already within eps at L = {zero:?} (0 steps), so T ~ L^p has no log-log fit"
        )
    }
}

fn depth_fit(rows: &[TrainingRow], depth: usize) -> Result<DepthFit> {
    let pts: Vec<&TrainingRow> = rows.iter().filter(|r| r.depth == depth).collect();
    let ls: Vec<f64> = pts.iter().map(|r| r.l as f64).collect();
    let ts: Vec<f64> = pts.iter().map(|r| r.steps as f64).collect();
    let ln_l: Vec<f64> = ls.iter().map(|v| v.ln()).collect();
    Ok(DepthFit {
        depth,
        exponent: fit::power_law(&ls, &ts)?.slope,
        log_slope: fit::line(&ln_l, &ts)?.slope,
        predicted_exponent: predicted_exponent(depth),
        law: if depth == 2 { "logarithmic" } else { "power" },
    })
}

/// The closed form on a data set's own statistics (R3.2, R4.2): the first step at which every
/// mode of the balanced depth-D map on (Ĉ_k, T_k) is within ε of T_k/Ĉ_k; `None` if not within
/// `max_steps`.
pub fn empirical_prediction(
    stats: &EmpiricalStatistics,
    depth: usize,
    eta: f64,
    v0: f64,
    epsilon: f64,
    max_steps: u64,
) -> Option<u64> {
    let c_hat: Vec<f64> = stats.c_hat.iter().copied().collect();
    let target: Vec<Complex<f64>> = stats.target().iter().copied().collect();
    empirical::training_steps(depth, &c_hat, &target, eta, v0, epsilon, max_steps)
}

/// A measured training time next to its closed forms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NumericTrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Diffusion time t of the training.
    pub t: f64,
    /// Steps measured by full-batch GD on sampled fields.
    pub measured: u64,
    /// Closed form on the data set's empirical statistics.
    pub closed_form_data: u64,
    /// Closed form on the population spectrum C_k(t).
    pub closed_form_population: u64,
}

/// A fixed data set of M sampled fields at one diffusion time, in the forms the trainers and
/// the closed forms need.
pub struct SampledProblem {
    /// The population spectrum C_k(t).
    pub spectrum_t: Symbol,
    /// The batch in Fourier space.
    pub batch: SpectralBatch,
    /// Its translation-averaged statistics.
    pub stats: EmpiricalStatistics,
}

impl SampledProblem {
    /// Draws M fields of the large-n model at β_c(d) on (Z_L)^d, noised to time t.
    pub fn draw(d: usize, l: usize, samples: usize, t: f64, seed: u64) -> Result<Self> {
        let lattice = Lattice::new(d, l)?;
        let field = GaussianField::large_n_critical(lattice)?;
        let data = DataSet::draw(field.spectrum(), samples, &[t], seed)?;
        Ok(Self {
            spectrum_t: spectrum_at(field.spectrum(), t)?,
            batch: data.batch(0)?.to_spectral(&RealFft::new(lattice))?,
            stats: data.statistics(0)?,
        })
    }
}

/// What the trainers on sampled fields are run on: the large-n model at β_c(d), M fields noised
/// to time t, the protocol, and the seed of the draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampledSetup {
    /// Dimension d ≥ 3.
    pub d: usize,
    /// Fields M in the fixed data set.
    pub samples: usize,
    /// Diffusion time t > 0.
    pub t: f64,
    /// Learning-rate fraction and ε (depth set per run).
    pub protocol: Protocol,
    /// Seed of the draw.
    pub seed: u64,
}

/// Full-batch GD of full stacks of each depth on sampled fields at each side, beside the closed
/// forms on the data's statistics and on the population. The draw at side L uses seed
/// `setup.seed + L`.
pub fn numeric_training(
    setup: &SampledSetup,
    sides: &[usize],
    depths: &[usize],
    observer: &dyn Observer,
) -> Result<Vec<NumericTrainingRow>> {
    let (d, samples, t, protocol) = (setup.d, setup.samples, setup.t, setup.protocol);
    observer.stage("training on sampled fields", sides.len() as u64);
    let mut rows = Vec::new();
    for &l in sides {
        let problem = SampledProblem::draw(d, l, samples, t, setup.seed + l as u64)?;
        for &depth_n in depths {
            let p = protocol.with_depth(depth_n)?;
            let spec_t = &problem.spectrum_t;
            let (eta, v0) = (p.learning_rate(spec_t), p.initial_symbol(spec_t));
            let mut net = ConvNet::balanced(spec_t.lattice(), &vec![LayerKind::Full; depth_n], v0)?;
            let rule = StoppingRule::relative_symbol_error(p.epsilon, problem.stats.optimum())?;
            let log = FullBatchGd::new(eta, MAX_STEPS)?.train(&mut net, &problem.batch, &rule)?;
            let unreached = |what| Error::NoConvergence {
                what,
                detail: format!("L = {l}, depth {depth_n}: not within {MAX_STEPS} steps"),
            };
            rows.push(NumericTrainingRow {
                l,
                depth: depth_n,
                t,
                measured: log.trained_at.ok_or(unreached("numeric training"))?,
                closed_form_data: empirical_prediction(
                    &problem.stats,
                    depth_n,
                    eta,
                    v0,
                    p.epsilon,
                    MAX_STEPS,
                )
                .ok_or(unreached("empirical closed form"))?,
                closed_form_population: training_time(spec_t, &p)?.steps,
            });
        }
        observer.advance(1);
    }
    observer.finish();
    Ok(rows)
}

/// Per-mode gradient-flow timescales (R3.4, R4.3) of one mode class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimescaleRow {
    /// Laplacian eigenvalue λ_k.
    pub lambda: f64,
    /// One layer: τ_k = 1/(2η₁C_k).
    pub one_layer: f64,
    /// Two layers, near the optimum: 1/(4η₂), the same for every mode.
    pub two_layer: f64,
}

/// Timescales of every mode class at β_c(d), side L, t = 0, with the protocol's learning rates.
pub fn timescales(d: usize, l: usize, protocol: Protocol) -> Result<Vec<TimescaleRow>> {
    let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
    let s = field.spectrum();
    let eta1 = protocol.with_depth(1)?.learning_rate(s);
    let eta2 = protocol.with_depth(2)?.learning_rate(s);
    Ok(s.values()
        .iter()
        .zip(s.classes().lambda())
        .map(|(&c, &lambda)| TimescaleRow {
            lambda,
            one_layer: one_layer::timescale(c, eta1),
            two_layer: depth::relaxation_timescale(2, c, eta2),
        })
        .collect())
}
