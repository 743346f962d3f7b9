//! A nonlinear score network trained on 2D Ising configurations at K_c (the crate's Wolff
//! Monte Carlo, derivations/07), fields generated with it, and their observables beside the
//! data's with errors on both sides (issue 21 item 4). A linear score generates a Gaussian,
//! whose Binder cumulant is 0 (R8.3); the data's is ≈ 0.61.

use std::ops::ControlFlow;

use ndarray::{ArrayD, Axis, Zip};
use serde::{Deserialize, Serialize};

use crate::data::ComponentData;
use crate::diffusion::forward::sigma2;
use crate::diffusion::grid::TimeGrid;
use crate::error::{Error, Result};
use crate::experiment::observables::{binder, mean_and_error, observables, MeanAndError};
use crate::experiment::score_network::sample::{
    generate, generate_with, network_score, EmpiricalScore, SCORE_BLOCK,
};
use crate::experiment::score_network::train::{
    frozen, FieldMinibatches, LrSchedule, Monitor, NetworkOptimizer, NetworkTrainer, NoisedFields,
};
use crate::experiment::score_network::{ScoreNetwork, TrainF32};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::mc::{self, Algorithm, Coupling, McConfig, NamedCoupling, NoProgress};
use crate::model::score_network::{KernelSize, NetworkSpec, Weighting};
use crate::progress::Observer;
use crate::sampling::seeded_rng;
use crate::study::generate::GridSpec;
use crate::theory::ising_exact::{
    ising_2d_critical_coupling, ising_configurations, ising_magnetisation_moments,
    ExactMagnetisation, MAX_ENUMERATION_VOLUME, MAX_LISTED_VOLUME,
};
use rand::distr::weighted::WeightedIndex;
use rand_distr::Distribution;

/// What to train on and how (the `[network_ising]` table of a reproduction; every field has a
/// default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IsingNetworkConfig {
    /// Lattice side (d = 2).
    pub l: usize,
    /// Monte Carlo configurations to train on.
    pub configurations: usize,
    /// Hidden channels of the residual network.
    pub width: usize,
    /// Residual blocks.
    pub blocks: usize,
    /// Kernel offsets of every convolution (3 × 3: `{ radius = 1 }`).
    pub kernel: KernelSize,
    /// Whether the time embedding also scales each block (scale-shift conditioning).
    pub time_scale: bool,
    /// Whether each block sees the lattice mean of its input (the global path of
    /// [`NetworkSpec`]).
    pub global: bool,
    /// Adam's step size.
    pub learning_rate: f64,
    /// The step size over the run (`{ kind = "cosine", final_fraction = F }` in TOML).
    pub schedule: LrSchedule,
    /// Decay β of the exponential moving average of the weights the fields are generated
    /// with (absent: the trained weights themselves).
    pub average: Option<f64>,
    /// Fields per batch.
    pub batch: usize,
    /// Training steps.
    pub steps: u64,
    /// Training times: a geometric grid of this many steps over [t_min, T] (one time more).
    pub train_times: usize,
    /// Training times spelled as a grid, `uniform:TMIN:T:N`, `geometric:TMIN:T:N` or
    /// `list:t0,t1,…`, inside [t_min, T]; replaces `train_times` (none: the geometric grid).
    /// Each step draws its times uniformly from these, so the grid is the training's density
    /// over diffusion time.
    pub train_grid: Option<String>,
    /// Generation grid: a geometric grid of this many steps over [t_min, T] (one time more).
    pub generation_steps: usize,
    /// t_min and T of both grids.
    pub horizon: (f64, f64),
    /// Fields generated after training.
    pub generated: usize,
    /// Fields generated on the same grid with the exact score of the training configurations'
    /// empirical distribution, the sampler's own check on these data (0: none).
    pub sampler_check: usize,
    /// Handover times t_h: for each, `sampler_check` fields generated with the network's score
    /// at t ≤ t_h and the exact score of the training set above, on the same grid (none: no
    /// handover). Where the generated observables move from the exact score's to the
    /// network's tells which diffusion times carry the network's error.
    pub handover: Vec<f64>,
    /// Noised fields per training time for the trained network's excess loss against the exact
    /// score of the Ising law (R11.1 with R7.11; only where the torus can be listed, L = 4;
    /// 0: none).
    pub excess_fields: usize,
    /// Steps between the Binder checkpoints during training (0: none).
    pub checkpoint_every: u64,
    /// Fields generated at each checkpoint.
    pub checkpoint_fields: usize,
    /// Consecutive checkpoints that must match the data's Binder cumulant before the run
    /// counts as having reached it (a single checkpoint can match on the way past it).
    pub window: usize,
    /// Seed of the Monte Carlo, the network and the generation.
    pub seed: u64,
}

impl Default for IsingNetworkConfig {
    fn default() -> Self {
        Self {
            l: 8,
            configurations: 2000,
            width: 8,
            blocks: 2,
            kernel: KernelSize::Radius(1),
            time_scale: false,
            global: false,
            learning_rate: 2e-3,
            schedule: LrSchedule::Constant,
            average: None,
            batch: 32,
            steps: 2000,
            train_times: 24,
            train_grid: None,
            generation_steps: 100,
            horizon: (0.005, 4.0),
            generated: 1000,
            sampler_check: 1000,
            handover: vec![0.1, 0.4, 0.8, 1.6],
            excess_fields: 200,
            checkpoint_every: 250,
            checkpoint_fields: 200,
            window: 3,
            seed: 7,
        }
    }
}

/// The refusal of `[network_ising]` field `name` at `value`, with what it must satisfy.
fn bad<T>(name: &'static str, value: String, requirement: &str) -> Result<T> {
    Err(Error::Invalid {
        name,
        value,
        requirement: requirement.into(),
    })
}

impl IsingNetworkConfig {
    /// The times the network is trained at: `train_grid` if given, else the geometric grid of
    /// `train_times` steps over the horizon. Errors name `network_ising.train_grid`.
    pub fn training_times(&self) -> Result<TimeGrid> {
        let (t_min, horizon) = self.horizon;
        let Some(spelling) = &self.train_grid else {
            return TimeGrid::geometric(t_min, horizon, self.train_times);
        };
        let grid = match GridSpec(spelling.clone()).build() {
            Ok(grid) => grid,
            Err(Error::Invalid { requirement, .. }) => {
                return bad("network_ising.train_grid", spelling.clone(), &requirement)
            }
            Err(other) => {
                return bad(
                    "network_ising.train_grid",
                    spelling.clone(),
                    &other.to_string(),
                )
            }
        };
        let times = grid.times();
        if times[0] < t_min || times[times.len() - 1] > horizon {
            let inside = format!("times inside the horizon [{t_min}, {horizon}]");
            return bad("network_ising.train_grid", spelling.clone(), &inside);
        }
        Ok(grid)
    }

    /// The network: residual SiLU blocks of periodic kernels.
    pub fn spec(&self) -> NetworkSpec {
        NetworkSpec {
            kernel: self.kernel,
            time_scale: self.time_scale,
            global: self.global,
            ..NetworkSpec::residual(self.width, self.blocks, 1)
        }
    }

    /// Checks every field before any work.
    pub fn validate(&self) -> Result<()> {
        let (t_min, horizon) = self.horizon;
        if !(4..=256).contains(&self.l) {
            return bad("network_ising.l", self.l.to_string(), "a side in 4…256");
        }
        if self.configurations < 2 * self.batch.max(1) || self.configurations > 1_000_000 {
            return bad(
                "network_ising.configurations",
                self.configurations.to_string(),
                "≥ 2 batches and ≤ 10⁶",
            );
        }
        if self.batch == 0 || self.steps == 0 || self.train_times < 2 || self.generation_steps < 2 {
            return bad(
                "network_ising",
                format!(
                    "batch {}, steps {}, {} training times, {} generation steps",
                    self.batch, self.steps, self.train_times, self.generation_steps
                ),
                "batch ≥ 1, steps ≥ 1, ≥ 2 times in each grid",
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(
                "network_ising.learning_rate",
                self.learning_rate.to_string(),
                "a finite step size > 0",
            );
        }
        if let Some(decay) = self.average.filter(|d| !(0.0..1.0).contains(d)) {
            return bad(
                "network_ising.average",
                decay.to_string(),
                "a weight-average decay in [0, 1)",
            );
        }
        if !(t_min > 0.0 && horizon > t_min && horizon.is_finite()) {
            return bad(
                "network_ising.horizon",
                format!("{:?}", self.horizon),
                "0 < t_min < T, finite",
            );
        }
        self.training_times()?;
        self.validate_diagnostics()?;
        if self.window == 0 {
            return bad("network_ising.window", "0".into(), "≥ 1 checkpoint");
        }
        if self.generated < 10
            || (self.checkpoint_every > 0 && self.checkpoint_fields < 10)
            || (1..10).contains(&self.sampler_check)
        {
            return bad(
                "network_ising.generated",
                format!(
                    "{}, {} per checkpoint, {} for the sampler check",
                    self.generated, self.checkpoint_fields, self.sampler_check
                ),
                "≥ 10 fields for a Binder cumulant with an error",
            );
        }
        self.spec().validate(Lattice::new(2, self.l)?)?;
        crate::error::check_memory(
            "the network_ising fields",
            self.memory_estimate(),
            "fewer configurations or generated fields, or a smaller side",
        )
    }

    /// The handover times and the excess-loss field count (part of [`Self::validate`]).
    fn validate_diagnostics(&self) -> Result<()> {
        let (t_min, horizon) = self.horizon;
        if let Some(t) = self
            .handover
            .iter()
            .find(|&&t| !(t_min..=horizon).contains(&t))
        {
            return bad(
                "network_ising.handover",
                t.to_string(),
                "handover times inside the grid [t_min, T]",
            );
        }
        let mut sorted = self.handover.clone();
        sorted.sort_by(f64::total_cmp);
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return bad(
                "network_ising.handover",
                format!("{} twice", w[0]),
                "each handover time once",
            );
        }
        if self.excess_fields == 1 || self.excess_fields > 100_000 {
            return bad(
                "network_ising.excess_fields",
                self.excess_fields.to_string(),
                "0 (none) or 2…10⁵ fields per time, for a standard error",
            );
        }
        if !self.handover.is_empty() && self.sampler_check == 0 {
            return bad(
                "network_ising.handover",
                format!("{:?} with sampler_check = 0", self.handover),
                "handover = [] with sampler_check = 0 (each handover time generates sampler_check fields)",
            );
        }
        Ok(())
    }

    /// Fields held at once: the configurations twice (the training set and the sampler
    /// check's copy), the largest of the generated sets, for the excess loss every
    /// configuration of the torus twice (the law and its score), and the exact score's weights
    /// in units of fields: a block of [`SCORE_BLOCK`] rows as wide as its set on each rayon
    /// thread.
    pub fn fields_held(&self) -> f64 {
        let generated = self
            .generated
            .max(self.sampler_check)
            .max(self.checkpoint_fields);
        let listed = if self.excess_fields > 0 && self.l * self.l <= MAX_LISTED_VOLUME {
            2f64.powi((self.l * self.l) as i32)
        } else {
            0.0
        };
        let widest = (self.configurations as f64).max(listed);
        let weights = (SCORE_BLOCK * rayon::current_num_threads()) as f64 * widest;
        2.0 * self.configurations as f64
            + generated as f64
            + 2.0 * listed
            + weights / (self.l as f64).powi(2)
    }

    /// Bytes of [`Self::fields_held`], 8 a value.
    pub fn memory_estimate(&self) -> f64 {
        8.0 * self.fields_held() * (self.l as f64).powi(2)
    }
}

/// Observables of one set of fields, with standard errors.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldObservables {
    /// Binder cumulant U = 1 − ⟨m⁴⟩/(3⟨m²⟩²) (jackknife error).
    pub binder: MeanAndError,
    /// ⟨|m|⟩, m the mean field per site.
    pub abs_m: MeanAndError,
    /// ⟨m²⟩.
    pub m2: MeanAndError,
    /// Energy per site −(1/V) Σ_⟨xy⟩ φ_x φ_y.
    pub energy: MeanAndError,
}

/// The generated Binder cumulant at one checkpoint of training.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BinderCheckpoint {
    /// Training steps taken.
    pub step: u64,
    /// Wall time of training so far, s (generation at checkpoints excluded).
    pub training_seconds: f64,
    /// Binder cumulant of the fields generated with the network at this step.
    pub binder: f64,
    /// Its jackknife error.
    pub binder_error: f64,
    /// (U_generated − U_data)/√(σ_generated² + σ_data²).
    pub pull: f64,
}

/// One bin of the magnetisation histogram, densities with their standard errors
/// √(p(1 − p)/N)/width (p the bin's share of N fields).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HistogramBin {
    /// Bin centre m.
    pub m: f64,
    /// Density of the Monte Carlo data.
    pub data: f64,
    /// Its standard error.
    pub data_error: f64,
    /// Density of the generated fields.
    pub generated: f64,
    /// Its standard error.
    pub generated_error: f64,
}

/// The two-point function at one distance along an axis, mean over fields with standard error.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TwoPointRow {
    /// Distance r.
    pub r: usize,
    /// G(r) of the Monte Carlo data.
    pub data: f64,
    /// Its standard error.
    pub data_error: f64,
    /// G(r) of the generated fields.
    pub generated: f64,
    /// Its standard error.
    pub generated_error: f64,
}

/// The structure factor S(k) = ⟨|φ̂_k|²⟩/V on the axis modes k = 2πn/L (both axes averaged),
/// mean over fields with standard error, and the generated-to-data ratio: which wavelengths
/// the network's fields get wrong. Σ_k S(k) = Σ_x φ_x² (Parseval), V for ±1 fields, so power
/// missing from one mode shows up in others.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StructureRow {
    /// Mode number n along an axis, k = 2πn/L.
    pub n: usize,
    /// S(k) of the Monte Carlo data.
    pub data: f64,
    /// Its standard error.
    pub data_error: f64,
    /// S(k) of the generated fields.
    pub generated: f64,
    /// Its standard error.
    pub generated_error: f64,
    /// generated / data.
    pub ratio: f64,
    /// Its standard error (the two relative errors in quadrature).
    pub ratio_error: f64,
}

impl StructureRow {
    fn new(n: usize, data: MeanAndError, generated: MeanAndError) -> Self {
        let ratio = generated.mean / data.mean;
        let relative = (generated.error / generated.mean).hypot(data.error / data.mean);
        Self {
            n,
            data: data.mean,
            data_error: data.error,
            generated: generated.mean,
            generated_error: generated.error,
            ratio,
            ratio_error: ratio.abs() * relative,
        }
    }
}

/// Fields generated with the network's score at t ≤ `time` and the training set's exact score
/// above it: their observables with standard errors (one flat row, as in `network_ising_handover.csv`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HandoverRow {
    /// The handover time t_h.
    pub time: f64,
    /// Binder cumulant (jackknife error below).
    pub binder: f64,
    /// Its error.
    pub binder_error: f64,
    /// ⟨m²⟩.
    pub m2: f64,
    /// Its error.
    pub m2_error: f64,
    /// Energy per site.
    pub energy: f64,
    /// Its error.
    pub energy_error: f64,
}

impl HandoverRow {
    fn new(time: f64, f: FieldObservables) -> Self {
        Self {
            time,
            binder: f.binder.mean,
            binder_error: f.binder.error,
            m2: f.m2.mean,
            m2_error: f.m2.error,
            energy: f.energy.mean,
            energy_error: f.energy.error,
        }
    }
}

/// The trained network's denoising loss at one training time t split by R11.1 against the exact
/// score of the 2D Ising law on the torus (R7.11 with R11.8), in the loss's own units
/// (σ_t² weighting: ‖ε̂ − ε*‖²/V with ε = −σ_t s), means over noised fields with standard
/// errors.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ExcessRow {
    /// Diffusion time t.
    pub time: f64,
    /// The excess σ_t² (1/V) E‖s_θ − s*‖².
    pub excess: f64,
    /// Its standard error.
    pub excess_error: f64,
    /// The floor σ_t² (1/V) E‖s* + z/σ_t‖², the exact score's own loss at t.
    pub floor: f64,
    /// Its standard error.
    pub floor_error: f64,
    /// excess / (σ_t² (1/V) E‖s*‖²) (R11.2 at one time): 0 at the exact score, 1 for s ≡ 0.
    pub relative: f64,
}

/// The data, the trained network's fields, and the run.
#[derive(Debug, Clone, Serialize)]
pub struct IsingNetworkReport {
    /// The configuration.
    pub config: IsingNetworkConfig,
    /// The Monte Carlo data.
    pub data: FieldObservables,
    /// The exact values of the 2D Ising model at K_c on this torus, where it can be enumerated
    /// (R7.11, L = 4): the data's truth, without sampling error.
    pub exact: Option<ExactMagnetisation>,
    /// The generated fields.
    pub generated: FieldObservables,
    /// Fields generated by the same sampler on the same grid with the exact score of the
    /// training configurations' empirical distribution (absent when `sampler_check` is 0): the
    /// sampler's error on these data, apart from the network's.
    pub sampler_check: Option<FieldObservables>,
    /// One row per `handover` time, ascending.
    pub handover: Vec<HandoverRow>,
    /// The trained network's excess loss per training time against the exact score (L = 4
    /// with `excess_fields` > 0; else empty).
    pub excess: Vec<ExcessRow>,
    /// Histogram of m on common bins aligned with the magnetisation levels.
    pub histogram: Vec<HistogramBin>,
    /// Two-point function along the first axis, r = 0…L/2.
    pub two_point: Vec<TwoPointRow>,
    /// Structure factor on the axis modes n = 0…L/2.
    pub structure: Vec<StructureRow>,
    /// The generated Binder cumulant during training; the last row is the final generation.
    pub checkpoints: Vec<BinderCheckpoint>,
    /// The first checkpoint from which the generated Binder cumulant lies within 2 combined
    /// standard errors of the data's and ≥ 5 of its own from 0 at `window` consecutive
    /// checkpoints, if any.
    pub steps_to_data: Option<u64>,
    /// The training wall time to that checkpoint, s.
    pub time_to_data_seconds: Option<f64>,
    /// Mean batch loss of the last 100 steps.
    pub final_loss: f64,
    /// Trainable parameters.
    pub parameters: usize,
    /// Wall time, s.
    pub seconds: f64,
}

/// G(r) = (1/V) Σ_x φ(x) φ(x + r e₁) per field, for r = 0…L/2: mean over fields and standard
/// error.
fn axis_two_point(lattice: Lattice, fields: &[ArrayD<f64>]) -> Vec<MeanAndError> {
    let (l, volume) = (lattice.side(), lattice.volume() as f64);
    (0..=l / 2)
        .map(|r| {
            let per_field: Vec<f64> = fields
                .iter()
                .map(|f| {
                    let slice = |x: usize| f.index_axis(Axis(0), x % l);
                    (0..l)
                        .map(|x| (&slice(x) * &slice(x + r)).sum())
                        .sum::<f64>()
                        / volume
                })
                .collect();
            mean_and_error(&per_field)
        })
        .collect()
}

/// S(2πn/L) = (|φ̂_{(n,0)}|² + |φ̂_{(0,n)}|²)/(2V) per field, for n = 0…L/2: mean over fields
/// and standard error.
fn axis_structure_factor(lattice: Lattice, fields: &[ArrayD<f64>]) -> Result<Vec<MeanAndError>> {
    let fft = RealFft::new(lattice);
    let volume = lattice.volume() as f64;
    let spectra = fields
        .iter()
        .map(|f| fft.forward(f))
        .collect::<Result<Vec<_>>>()?;
    Ok((0..=lattice.side() / 2)
        .map(|n| {
            let per_field: Vec<f64> = spectra
                .iter()
                .map(|s| s[[n, 0].as_slice()].norm_sqr() + s[[0, n].as_slice()].norm_sqr())
                .map(|p| p / (2.0 * volume))
                .collect();
            mean_and_error(&per_field)
        })
        .collect())
}

/// The observables of scalar fields, and m per field (for the histogram).
fn measured(lattice: Lattice, fields: Vec<ArrayD<f64>>) -> Result<(FieldObservables, Vec<f64>)> {
    let data = ComponentData::new(lattice, 1, fields.into_iter().map(|f| vec![f]).collect())?;
    let obs = observables(&data);
    let abs_m: Vec<f64> = obs.m2.iter().map(|m2| m2.sqrt()).collect();
    Ok((
        FieldObservables {
            binder: binder(&obs, 1),
            abs_m: mean_and_error(&abs_m),
            m2: mean_and_error(&obs.m2),
            energy: mean_and_error(&obs.energy),
        },
        obs.m1,
    ))
}

/// The two samples' densities of m on common bins aligned with the Ising magnetisation levels
/// m = −1 + 2j/V: each bin holds the same number of levels (the fewest giving ≤ 41 bins over
/// [−1, 1]), so the data's histogram has no empty bins between occupied levels; the bins extend
/// as far as either sample reaches. Binomial standard errors √(p(1 − p)/N)/width.
fn histogram(data_m: &[f64], generated_m: &[f64], volume: usize) -> Vec<HistogramBin> {
    let spacing = 2.0 / volume as f64;
    let width = spacing * (volume + 1).div_ceil(MAX_HISTOGRAM_BINS) as f64;
    let first_edge = -1.0 - spacing / 2.0;
    let bin = |m: f64| ((m - first_edge) / width).floor() as i64;
    let all = data_m
        .iter()
        .chain(generated_m)
        .copied()
        .filter(|m| m.is_finite());
    let (lo, hi) = all.fold((i64::MAX, i64::MIN), |(a, b), m| {
        (a.min(bin(m)), b.max(bin(m)))
    });
    if lo > hi {
        return Vec::new();
    }
    let density = |x: &[f64]| {
        let mut counts = vec![0.0; (hi - lo + 1) as usize];
        for &m in x.iter().filter(|m| m.is_finite()) {
            counts[(bin(m) - lo) as usize] += 1.0;
        }
        let n = x.len().max(1) as f64;
        counts
            .into_iter()
            .map(|c| {
                let p = c / n;
                (p / width, (p * (1.0 - p) / n).sqrt() / width)
            })
            .collect::<Vec<_>>()
    };
    let (data, generated) = (density(data_m), density(generated_m));
    data.iter()
        .zip(&generated)
        .enumerate()
        .map(|(i, (d, g))| HistogramBin {
            m: first_edge + (lo + i as i64) as f64 * width + width / 2.0,
            data: d.0,
            data_error: d.1,
            generated: g.0,
            generated_error: g.1,
        })
        .collect()
}

/// The first checkpoint that starts `window` consecutive checkpoints matching the data.
pub fn first_lasting_match(
    checkpoints: &[BinderCheckpoint],
    window: usize,
) -> Option<&BinderCheckpoint> {
    checkpoints
        .windows(window.max(1))
        .find(|run| run.iter().all(BinderCheckpoint::matches_data))
        .map(|run| &run[0])
}

/// Most histogram bins over the data's range [−1, 1].
const MAX_HISTOGRAM_BINS: usize = 41;

impl BinderCheckpoint {
    /// Within 2 combined standard errors of the data's Binder cumulant, and resolved from a
    /// Gaussian's 0 by ≥ 5 of its own (early in training the generated fields can have heavy
    /// tails, whose U is far negative with an error so large that any value is "within 2σ").
    pub fn matches_data(&self) -> bool {
        self.pull.abs() <= 2.0 && self.binder >= 5.0 * self.binder_error
    }

    /// The checkpoint with generated Binder cumulant `u` against the data's `data`.
    fn new(step: u64, training_seconds: f64, u: MeanAndError, data: MeanAndError) -> Self {
        Self {
            step,
            training_seconds,
            binder: u.mean,
            binder_error: u.error,
            pull: (u.mean - data.mean) / u.error.hypot(data.error),
        }
    }
}

/// Generates fields at the checkpoints of training and records their Binder cumulant against
/// the data's; the time spent generating is kept out of the training time.
struct BinderMonitor<'a> {
    grid: &'a [f64],
    fields: usize,
    seed: u64,
    data: MeanAndError,
    started: std::time::Instant,
    generating: std::time::Duration,
    rows: Vec<BinderCheckpoint>,
}

impl BinderMonitor<'_> {
    fn training_seconds(&self) -> f64 {
        (self.started.elapsed() - self.generating).as_secs_f64()
    }
}

impl<B: crate::experiment::score_network::TrainBackend> Monitor<B> for BinderMonitor<'_> {
    fn checkpoint(&mut self, step: u64, _: f64, net: &ScoreNetwork<B>) -> Result<ControlFlow<()>> {
        if step > 0 && self.fields > 0 {
            let begun = std::time::Instant::now();
            let fields = generate(&frozen(net), self.grid, self.fields, 250, self.seed + step)?;
            let (obs, _) = measured(net.lattice(), fields)?;
            self.generating += begun.elapsed();
            self.rows.push(BinderCheckpoint::new(
                step,
                self.training_seconds(),
                obs.binder,
                self.data,
            ));
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// The Monte Carlo fields at K_c (2 Wolff chains, seeded with `seed`).
fn monte_carlo_fields(l: usize, configurations: usize, seed: u64) -> Result<Vec<ArrayD<f64>>> {
    let mc_cfg = McConfig {
        n: 1,
        d: 2,
        l,
        coupling: Coupling::Named(NamedCoupling::Critical),
        algorithm: Algorithm::Wolff,
        chains: 2,
        thermalization: 200,
        measurements: 2000,
        seed,
        spectrum: false,
    };
    Ok(mc::dataset(&mc_cfg, configurations, &NoProgress)?
        .fields()?
        .into_iter()
        .filter_map(|mut c| c.pop())
        .collect())
}

/// The trained network, its run's log, the Binder checkpoints and the training wall time.
type Trained = (
    ScoreNetwork<TrainF32>,
    crate::experiment::score_network::train::NetworkLog,
    Vec<BinderCheckpoint>,
    f64,
);

/// Trains the configured network on `fields` by Adam on minibatches with fresh noise, with the
/// generated Binder cumulant (on `grid`) against the data's `data` at every checkpoint.
fn train(
    cfg: &IsingNetworkConfig,
    fields: Vec<ArrayD<f64>>,
    grid: &[f64],
    data: MeanAndError,
    observer: &dyn Observer,
) -> Result<Trained> {
    let lattice = Lattice::new(2, cfg.l)?;
    let net = ScoreNetwork::<TrainF32>::new(&cfg.spec(), lattice, cfg.seed, &Default::default())?;
    let mut source = FieldMinibatches {
        fields,
        times: cfg.training_times()?.times().to_vec(),
        batch: cfg.batch,
        rng: seeded_rng(cfg.seed + 1),
    };
    let checkpoints = cfg.checkpoint_every > 0;
    let trainer = NetworkTrainer {
        optimizer: NetworkOptimizer::adam(cfg.learning_rate),
        weighting: Weighting::Sigma2,
        steps: cfg.steps,
        checkpoint_every: if checkpoints {
            cfg.checkpoint_every
        } else {
            cfg.steps
        },
        schedule: cfg.schedule,
        average: cfg.average,
    };
    let mut monitor = BinderMonitor {
        grid,
        fields: if checkpoints {
            cfg.checkpoint_fields
        } else {
            0
        },
        seed: cfg.seed + 3,
        data,
        started: std::time::Instant::now(),
        generating: std::time::Duration::ZERO,
        rows: Vec::new(),
    };
    let (net, log) = trainer.train(net, &mut source, &mut monitor, observer)?;
    let seconds = monitor.training_seconds();
    Ok((net, log, monitor.rows, seconds))
}

/// The observables of `cfg.sampler_check` fields generated on `grid` with the exact score of
/// the empirical distribution of `fields` (none for 0): what the sampler gives when the score
/// is right, against which the network's fields are read.
fn sampler_check(
    cfg: &IsingNetworkConfig,
    lattice: Lattice,
    exact: &EmpiricalScore,
    grid: &[f64],
) -> Result<FieldObservables> {
    let score = |x: &[ArrayD<f64>], t: f64| exact.score(x, t);
    let generated = generate_with(lattice, score, grid, cfg.sampler_check, 250, cfg.seed + 4)?;
    Ok(measured(lattice, generated)?.0)
}

/// For each handover time t_h of `cfg`, the observables of `cfg.sampler_check` fields generated
/// on `grid` with `net`'s score at t ≤ t_h and `exact` above. Every t_h uses the final
/// generation's seed, so the rows differ by the score alone, and a t_h at the grid's last time
/// repeats the network's own fields (exactly, when `generated` equals `sampler_check`); the
/// sampler check's stream is independent of them.
fn handover<B: crate::experiment::score_network::NetworkBackend>(
    cfg: &IsingNetworkConfig,
    net: &ScoreNetwork<B>,
    exact: &EmpiricalScore,
    grid: &[f64],
) -> Result<Vec<HandoverRow>> {
    let device = Default::default();
    let mut times = cfg.handover.clone();
    times.sort_by(f64::total_cmp);
    times
        .into_iter()
        .map(|time| {
            // a grid time equal to t_h up to the grid's rounding counts as ≤ t_h
            let score = |x: &[ArrayD<f64>], t: f64| {
                if t <= time * (1.0 + 1e-12) {
                    network_score(net, x, t, &device)
                } else {
                    exact.score(x, t)
                }
            };
            let fields = generate_with(
                net.lattice(),
                score,
                grid,
                cfg.sampler_check,
                250,
                cfg.seed + 2,
            )?;
            Ok(HandoverRow::new(time, measured(net.lattice(), fields)?.0))
        })
        .collect()
}

/// The excess loss of `net` at each training time of `cfg` against the exact score of the 2D
/// Ising law at K_c on its torus (R11.1, R11.2 at one time): `excess_fields` configurations drawn
/// from the exact law (R7.11) per time, noised afresh. Empty unless the torus can be listed.
fn excess_by_time<B: crate::experiment::score_network::NetworkBackend>(
    cfg: &IsingNetworkConfig,
    net: &ScoreNetwork<B>,
) -> Result<Vec<ExcessRow>> {
    if cfg.excess_fields == 0 || cfg.l * cfg.l > MAX_LISTED_VOLUME {
        return Ok(Vec::new());
    }
    let (configurations, log_w) = ising_configurations(2, cfg.l, ising_2d_critical_coupling())?;
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let law = WeightedIndex::new(log_w.iter().map(|w| (w - top).exp()))
        .map_err(|e| Error::Unstable(format!("the Ising law's weights: {e}")))?;
    let exact = EmpiricalScore::weighted(configurations.clone(), log_w)?;
    let mut rng = seeded_rng(cfg.seed + 6);
    cfg.training_times()?
        .times()
        .iter()
        .map(|&t| {
            let clean: Vec<&ArrayD<f64>> = (0..cfg.excess_fields)
                .map(|_| &configurations[law.sample(&mut rng)])
                .collect();
            let noised = NoisedFields::noise(&clean, &vec![t; clean.len()], &mut rng)?;
            let learned = network_score(net, &noised.xt, t, &Default::default())?;
            let exact = exact.score(&noised.xt, t)?;
            excess_row(t, &learned, &exact, &noised.z)
        })
        .collect()
}

/// One [`ExcessRow`] from the learned and exact scores of noised fields and their noise z.
fn excess_row(
    t: f64,
    learned: &[ArrayD<f64>],
    exact: &[ArrayD<f64>],
    z: &[ArrayD<f64>],
) -> Result<ExcessRow> {
    let s2 = sigma2(t)?;
    let sigma = s2.sqrt();
    let v = exact.first().map_or(1, |f| f.len()) as f64;
    let mut excess = Vec::with_capacity(exact.len());
    let mut floor = Vec::with_capacity(exact.len());
    let mut norm = 0.0;
    for ((a, b), z) in learned.iter().zip(exact).zip(z) {
        excess.push(s2 * Zip::from(a).and(b).fold(0.0, |e, a, b| e + (a - b).powi(2)) / v);
        floor.push(
            Zip::from(b)
                .and(z)
                .fold(0.0, |e, b, z| e + (sigma * b + z).powi(2))
                / v,
        );
        norm += s2 * b.iter().map(|b| b * b).sum::<f64>() / v;
    }
    let (excess, floor) = (mean_and_error(&excess), mean_and_error(&floor));
    Ok(ExcessRow {
        time: t,
        excess: excess.mean,
        excess_error: excess.error,
        floor: floor.mean,
        floor_error: floor.error,
        relative: excess.mean / (norm / exact.len().max(1) as f64),
    })
}

/// R7.11 at K_c on the L×L torus when it can be enumerated (V ≤ 24), else none.
fn exact_values(l: usize) -> Result<Option<ExactMagnetisation>> {
    (l * l <= MAX_ENUMERATION_VOLUME)
        .then(|| ising_magnetisation_moments(2, l, ising_2d_critical_coupling()))
        .transpose()
}

/// Runs the Monte Carlo, trains the network on its configurations (minibatches with fresh
/// noise, Adam, f32; the generated Binder cumulant at every checkpoint) and generates fields
/// with it.
pub fn ising_network_study(
    cfg: &IsingNetworkConfig,
    observer: &dyn Observer,
) -> Result<IsingNetworkReport> {
    cfg.validate()?;
    let started = std::time::Instant::now();
    let lattice = Lattice::new(2, cfg.l)?;
    let (t_min, horizon) = cfg.horizon;
    let grid = TimeGrid::geometric(t_min, horizon, cfg.generation_steps)?
        .times()
        .to_vec();
    let fields = monte_carlo_fields(cfg.l, cfg.configurations, cfg.seed)?;
    let data_g = axis_two_point(lattice, &fields);
    let data_s = axis_structure_factor(lattice, &fields)?;
    let (data, data_m) = measured(lattice, fields.clone())?;
    let exact = (cfg.sampler_check > 0)
        .then(|| EmpiricalScore::new(fields.clone()))
        .transpose()?;
    let sampler_check = exact
        .as_ref()
        .map(|e| sampler_check(cfg, lattice, e, &grid))
        .transpose()?;
    let (net, log, mut checkpoints, training_seconds) =
        train(cfg, fields, &grid, data.binder, observer)?;
    // the final generation replaces the last checkpoint's smaller one
    checkpoints.retain(|c| c.step < log.steps);
    let tail = &log.losses[log.losses.len().saturating_sub(100)..];
    let final_loss = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
    let net = frozen(&net);
    let handover = match &exact {
        Some(e) => handover(cfg, &net, e, &grid)?,
        None => Vec::new(),
    };
    let excess = excess_by_time(cfg, &net)?;
    let generated = generate(&net, &grid, cfg.generated, 250, cfg.seed + 2)?;
    let generated_g = axis_two_point(lattice, &generated);
    let generated_s = axis_structure_factor(lattice, &generated)?;
    let (generated, generated_m) = measured(lattice, generated)?;
    checkpoints.push(BinderCheckpoint::new(
        log.steps,
        training_seconds,
        generated.binder,
        data.binder,
    ));
    let reached = first_lasting_match(&checkpoints, cfg.window);
    Ok(IsingNetworkReport {
        config: cfg.clone(),
        data,
        exact: exact_values(cfg.l)?,
        generated,
        sampler_check,
        handover,
        excess,
        histogram: histogram(&data_m, &generated_m, lattice.volume()),
        two_point: data_g
            .into_iter()
            .zip(generated_g)
            .enumerate()
            .map(|(r, (d, g))| TwoPointRow {
                r,
                data: d.mean,
                data_error: d.error,
                generated: g.mean,
                generated_error: g.error,
            })
            .collect(),
        structure: data_s
            .into_iter()
            .zip(generated_s)
            .enumerate()
            .map(|(n, (d, g))| StructureRow::new(n, d, g))
            .collect(),
        steps_to_data: reached.map(|c| c.step),
        time_to_data_seconds: reached.map(|c| c.training_seconds),
        checkpoints,
        final_loss,
        parameters: net.parameter_count(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::{axis_two_point, excess_row, histogram, IsingNetworkConfig};
    use crate::diffusion::forward::sigma2;
    use crate::lattice::Lattice;
    use ndarray::arr1;

    /// Without `train_grid` the training times are `train_times` geometric steps over the
    /// horizon: 25 times from 0.005 to 4, each (4/0.005)^(1/24) times the one before; with it,
    /// its own times.
    #[test]
    fn training_times_follow_the_grid_asked_for() {
        let cfg = IsingNetworkConfig::default();
        let t = cfg.training_times().unwrap().times().to_vec();
        assert_eq!(t.len(), 25);
        // the geometric grid's products round: t₂₄ = 4 − 3e-15
        assert!((t[0] - 0.005).abs() < 1e-15 && (t[24] - 4.0).abs() < 1e-12);
        let ratio = 800f64.powf(1.0 / 24.0);
        assert!(t.windows(2).all(|w| (w[1] / w[0] - ratio).abs() < 1e-12));
        let listed = IsingNetworkConfig {
            train_grid: Some("uniform:0.5:2:3".into()),
            ..cfg
        };
        assert_eq!(
            listed.training_times().unwrap().times(),
            [0.5, 1.0, 1.5, 2.0]
        );
    }

    /// R11.1 by hand on two fields of two sites: a zero network's excess is σ²‖s*‖²/V, its
    /// relative excess 1 and its floor ‖σ s* + z‖²/V; a network equal to s* has excess 0.
    #[test]
    fn excess_rows_by_hand() {
        let t = 0.3;
        let s2 = sigma2(t).unwrap();
        let exact = vec![arr1(&[1.0, -2.0]).into_dyn(), arr1(&[0.5, 0.0]).into_dyn()];
        let z = vec![arr1(&[0.1, 0.3]).into_dyn(), arr1(&[-1.0, 2.0]).into_dyn()];
        let zero = vec![exact[0].clone() * 0.0, exact[1].clone() * 0.0];
        let row = excess_row(t, &zero, &exact, &z).unwrap();
        let per_field = [s2 * 5.0 / 2.0, s2 * 0.25 / 2.0];
        assert!((row.excess - (per_field[0] + per_field[1]) / 2.0).abs() < 1e-15);
        assert!((row.excess_error - (per_field[0] - per_field[1]).abs() / 2.0).abs() < 1e-15);
        assert!((row.relative - 1.0).abs() < 1e-15);
        let sigma = s2.sqrt();
        let floor = |s: &[f64], z: &[f64]| {
            s.iter()
                .zip(z)
                .map(|(s, z)| (sigma * s + z).powi(2))
                .sum::<f64>()
                / 2.0
        };
        let floors = [
            floor(&[1.0, -2.0], &[0.1, 0.3]),
            floor(&[0.5, 0.0], &[-1.0, 2.0]),
        ];
        assert!((row.floor - (floors[0] + floors[1]) / 2.0).abs() < 1e-14);
        let perfect = excess_row(t, &exact, &exact, &z).unwrap();
        assert_eq!((perfect.excess, perfect.relative), (0.0, 0.0));
        assert_eq!(perfect.time, t);
    }

    /// Fields whose G(r) is known: the checkerboard (−1)^{x+y} has G(r) = (−1)^r along an
    /// axis, a constant c has G(r) = c²; over the two fields, G is the mean of theirs and its
    /// standard error half their difference.
    #[test]
    fn two_point_of_known_fields() {
        let lattice = Lattice::new(2, 6).unwrap();
        let board = ndarray::ArrayD::from_shape_fn(lattice.shape(), |i| {
            if (i[0] + i[1]) % 2 == 0 {
                1.0
            } else {
                -1.0
            }
        });
        let constant = ndarray::ArrayD::from_elem(lattice.shape(), 2.0);
        let sign = |r: usize| if r.is_multiple_of(2) { 1.0 } else { -1.0 };
        let g = axis_two_point(lattice, std::slice::from_ref(&board));
        for (r, v) in g.iter().enumerate() {
            assert!(
                (v.mean - sign(r)).abs() < 1e-12,
                "checkerboard G({r}) = {v:?}"
            );
        }
        let g = axis_two_point(lattice, &[board, constant]);
        for (r, v) in g.iter().enumerate() {
            assert!(
                (v.mean - (sign(r) + 4.0) / 2.0).abs() < 1e-12,
                "mixed G({r}) = {v:?}"
            );
            assert!(
                (v.error - (4.0 - sign(r)).abs() / 2.0).abs() < 1e-12,
                "mixed error {v:?}"
            );
        }
    }

    /// Fields whose spectrum is known: a stripe (−1)^x along the first axis has all its power
    /// V² at k = (π, 0), so S(L/2) = V²/(2V) = V/2 and 0 elsewhere; a constant c has
    /// S(0) = (c²V² + c²V²)/(2V) = c²V. Over the two, means and standard errors as for G(r);
    /// the ratio of two such rows carries the relative errors in quadrature.
    #[test]
    fn structure_factor_of_known_fields() {
        use super::{axis_structure_factor, StructureRow};
        use crate::experiment::observables::MeanAndError;
        let lattice = Lattice::new(2, 6).unwrap();
        let v = 36.0;
        let stripe =
            ndarray::ArrayD::from_shape_fn(
                lattice.shape(),
                |i| {
                    if i[0] % 2 == 0 {
                        1.0
                    } else {
                        -1.0
                    }
                },
            );
        let constant = ndarray::ArrayD::from_elem(lattice.shape(), 2.0);
        let s = axis_structure_factor(lattice, &[stripe, constant]).unwrap();
        let want = [
            (2.0 * v, 2.0 * v),
            (0.0, 0.0),
            (0.0, 0.0),
            (v / 4.0, v / 4.0),
        ];
        for (n, (got, (mean, error))) in s.iter().zip(want).enumerate() {
            assert!(
                (got.mean - mean).abs() < 1e-9 && (got.error - error).abs() < 1e-9,
                "S({n}) = {got:?}, want {mean} ± {error}"
            );
        }
        let row = StructureRow::new(
            2,
            MeanAndError {
                mean: 4.0,
                error: 0.3,
            },
            MeanAndError {
                mean: 2.0,
                error: 0.2,
            },
        );
        assert!((row.ratio - 0.5).abs() < 1e-12);
        let relative = (0.01f64 + 0.075 * 0.075).sqrt();
        assert!((row.ratio_error - 0.5 * relative).abs() < 1e-12, "{row:?}");
    }

    /// A transient match does not count: with matches at checkpoints 0, 2, 3, 4 a window of 3
    /// starts at 2, a window of 1 at 0, and a window of 5 never.
    #[test]
    fn reaching_the_data_needs_consecutive_matches() {
        use super::{first_lasting_match, BinderCheckpoint};
        let at = |step: u64, pull: f64| BinderCheckpoint {
            step,
            training_seconds: step as f64,
            binder: 0.6,
            binder_error: 0.01,
            pull,
        };
        let c = [at(1, 0.5), at(2, -3.0), at(3, 1.0), at(4, -1.9), at(5, 0.0)];
        let step = |w| first_lasting_match(&c, w).map(|c| c.step);
        assert_eq!((step(3), step(1), step(5)), (Some(3), Some(1), None));
        // resolved from 0 is part of a match: U = 0.04 ± 0.01 is 4σ
        let unresolved = BinderCheckpoint {
            binder: 0.04,
            ..at(1, 0.0)
        };
        assert!(!unresolved.matches_data());
    }

    /// Bins aligned with the levels, and binomial errors by hand: on a 2×2 lattice (V = 4,
    /// levels −1, −½, 0, ½, 1, one level per bin of width ½) four values with one at −1 have
    /// density 1/(4·½) there and error √(¼·¾/4)/½; a generated value at 1.3 adds a bin.
    #[test]
    fn histogram_bins_hold_whole_levels_with_binomial_errors() {
        let a = [-1.0, -0.5, 0.5, 1.0];
        let bins = histogram(&a, &[0.0, 1.3], 4);
        let centres: Vec<f64> = bins.iter().map(|b| b.m).collect();
        assert_eq!(centres, vec![-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]);
        assert!((bins[0].data - 0.5).abs() < 1e-12);
        let want = (0.25f64 * 0.75 / 4.0).sqrt() / 0.5;
        assert!((bins[0].data_error - want).abs() < 1e-12, "{:?}", bins[0]);
        assert_eq!((bins[2].data, bins[2].data_error), (0.0, 0.0));
        assert!((bins[5].generated - 1.0).abs() < 1e-12);
        // V = 100: 101 levels, 3 per bin (the fewest giving ≤ 41 bins)
        let wide = histogram(&[-1.0, 1.0], &[0.0], 100);
        assert!((wide[1].m - wide[0].m - 0.06).abs() < 1e-12);
    }
}
