//! A nonlinear, time-conditioned score network trained on Gaussian critical data, measured
//! against the exact score: the held-out relative excess loss and the zero mode's
//! learned symbol against steps, per L and seed, and the training time to ε against L.
//!
//! The trainer ([`crate::experiment::score_network::train`]) sees fresh sampled fields only;
//! this study holds the exact score s*(x, t) = −C(t)⁻¹x of the data's spectrum and looks at
//! the network at checkpoints. Data: the massive free field in d dimensions with β = 1 and
//! μ = c/L², so κ = 1 + 4d L²/c ∝ L² as at a critical point (R11.3).

use std::ops::ControlFlow;
use std::time::Instant;

use crate::experiment::score_network::TrainBackend;
use ndarray::ArrayD;
use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::{Error, Result};
use crate::experiment::observables::mean_and_error;
use crate::experiment::score_network::response::learned_symbol;
use crate::experiment::score_network::train::{
    frozen, FreshFields, LrSchedule, Monitor, NetworkOptimizer, NetworkTrainer, NoisedFields,
};
use crate::experiment::score_network::{
    fields_tensor, tensor_fields, FloatType, ScoreNetwork, TrainF32, TrainF64,
};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::score_network::{NetworkSpec, Weighting};
use crate::progress::Observer;
use crate::sampling::{seeded_rng, FieldSampler};

/// What to train and how to judge it.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkStudyConfig {
    /// Lattice dimension (1 or 2).
    pub d: usize,
    /// Lattice sides L.
    pub sides: Vec<usize>,
    /// c in μ = c/L².
    pub mass_constant: f64,
    /// The network.
    pub spec: NetworkSpec,
    /// The update rule.
    pub optimizer: NetworkOptimizer,
    /// The step size over each run.
    pub schedule: LrSchedule,
    /// Decay of the weight average the checkpoints judge (`None`: the trained weights).
    pub average: Option<f64>,
    /// Fields per batch.
    pub batch: usize,
    /// Diffusion times, drawn uniformly in training and all used in the excess loss.
    pub times: Vec<f64>,
    /// Most steps per run.
    pub max_steps: u64,
    /// Steps between checkpoints.
    pub checkpoint_every: u64,
    /// ε: trained when the relative excess (or the zero mode's relative symbol error) stays
    /// ≤ ε.
    pub epsilon: f64,
    /// Consecutive checkpoints the criterion must hold for.
    pub window: usize,
    /// Held-out fields per time.
    pub held_out: usize,
    /// One run per seed and L.
    pub seeds: Vec<u64>,
}

/// The network at one checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkCheckpoint {
    /// Steps taken.
    pub step: u64,
    /// Last batch loss (NaN before the first step).
    pub loss: f64,
    /// Held-out relative excess Σ_j w_j E‖s_θ − s*‖² / Σ_j w_j E‖s*‖² (R11.2), w_j = σ_{t_j}².
    pub relative_excess: f64,
    /// Its standard error over held-out fields.
    pub relative_excess_error: f64,
    /// |v̂_0 − 1/C_0(t)| / (1/C_0(t)) at the smallest time, around x̄ = 0.
    pub zero_mode_error: f64,
}

/// One training run.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkRun {
    /// Lattice side.
    pub l: usize,
    /// Seed of the network's start and of the training fields.
    pub seed: u64,
    /// Condition number κ of the data, from its spectrum (R11.3: 1 + 4dL²/c on even L).
    pub kappa: f64,
    /// Checkpoints.
    pub checkpoints: Vec<NetworkCheckpoint>,
    /// First step from which the relative excess stayed ≤ ε for the window.
    pub trained_at: Option<u64>,
    /// The crossing of ε between the checkpoint before `trained_at` and `trained_at`,
    /// interpolated in ln ℰ_rel (exponential relaxation between checkpoints, R11.7): a training
    /// time finer than the checkpoint spacing.
    pub trained_at_interpolated: Option<f64>,
    /// First step from which the zero mode's relative error stayed ≤ ε for the window.
    pub zero_mode_trained_at: Option<u64>,
    /// After training, the relative symbol error |v̂_k C_k(t) − 1| at the smallest time
    /// around x̄ = 0 on the axis modes k = (2π/L)(0, …, 0, n), n = 0…⌊L/2⌋ (R11.5): which
    /// wavelengths the network has not learned.
    pub axis_symbol_errors: Vec<f64>,
    /// Wall time of the run, s.
    pub seconds: f64,
}

/// Every run of the study.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkStudy {
    /// The framework's float type (`f32` or `f64`).
    pub float: &'static str,
    /// The configuration.
    pub config: NetworkStudyConfig,
    /// Trainable parameters of the network (the largest L's).
    pub parameters: usize,
    /// Runs, L-major.
    pub runs: Vec<NetworkRun>,
}

/// Held-out noised fields at every grid time with their exact scores s* = −C(t)⁻¹x (by
/// FFT from the data's spectrum): the yardstick of the relative excess (R11.2).
pub struct ExactReference {
    sets: Vec<(NoisedFields, Vec<ArrayD<f64>>)>,
    weights: Vec<f64>,
    probe_t: f64,
    zero_target: f64,
}

impl ExactReference {
    /// Draws `held_out` fields per time of `times` from `field` (seeded), with the σ_t²
    /// weights of the loss.
    pub fn draw(field: &GaussianField, times: &[f64], held_out: usize, seed: u64) -> Result<Self> {
        if held_out < 2 {
            return Err(Error::Parameter {
                name: "held-out fields",
                value: held_out as f64,
                requirement: "a standard error needs ≥ 2 fields per time",
            });
        }
        let lattice = field.lattice();
        let fft = RealFft::new(lattice);
        let sampler = FieldSampler::new(field.spectrum())?;
        let mut rng = seeded_rng(seed);
        let mut sets = Vec::new();
        let mut weights = Vec::new();
        for &t in times {
            let clean = sampler.sample_many(held_out, &mut rng);
            let at = vec![t; held_out];
            let fields = NoisedFields::noise(&clean.iter().collect::<Vec<_>>(), &at, &mut rng)?;
            let inverse = spectrum_at(field.spectrum(), t)?
                .to_half()
                .mapv(|c| -1.0 / c);
            let exact = fields
                .xt
                .iter()
                .map(|x| fft.apply(&inverse, x))
                .collect::<Result<Vec<_>>>()?;
            weights.push(crate::diffusion::forward::sigma2(t)?);
            sets.push((fields, exact));
        }
        let probe_t = times.iter().copied().fold(f64::INFINITY, f64::min);
        let zero = vec![0; lattice.dim()];
        let zero_target = 1.0 / spectrum_at(field.spectrum(), probe_t)?.at(&zero);
        Ok(Self {
            sets,
            weights,
            probe_t,
            zero_target,
        })
    }

    /// The weights w_j = σ_{t_j}² of the grid times.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// (relative excess, its standard error) of a network on the held-out fields (R11.2).
    pub fn relative_excess<B: crate::experiment::score_network::NetworkBackend>(
        &self,
        net: &ScoreNetwork<B>,
        device: &B::Device,
    ) -> Result<(f64, f64)> {
        let lattice = net.lattice();
        let v = lattice.volume() as f64;
        let (mut excess, mut norm, mut variance) = (0.0, 0.0, 0.0);
        for ((fields, exact), &w) in self.sets.iter().zip(&self.weights) {
            let xs = fields_tensor::<B>(&fields.xt.iter().collect::<Vec<_>>(), lattice, device)?;
            let s = tensor_fields(net.score(xs, &fields.t)?, lattice)?;
            let per_field: Vec<f64> = s
                .iter()
                .zip(exact)
                .map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / v)
                .collect();
            let e = mean_and_error(&per_field);
            excess += w * e.mean;
            variance += (w * e.error).powi(2);
            let m = per_field.len() as f64;
            norm += w * exact
                .iter()
                .map(|b| b.iter().map(|y| y * y).sum::<f64>() / v)
                .sum::<f64>()
                / m;
        }
        Ok((excess / norm, variance.sqrt() / norm))
    }
}

impl NetworkStudyConfig {
    /// Checks the configuration before any work.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: f64, requirement: &'static str| {
            Err(Error::Parameter {
                name,
                value,
                requirement,
            })
        };
        if self.sides.is_empty() || self.seeds.is_empty() || self.times.is_empty() {
            return bad(
                "sides, seeds or times",
                0.0,
                "each list needs at least one entry",
            );
        }
        if !(self.mass_constant.is_finite() && self.mass_constant > 0.0) {
            return bad(
                "mass constant c",
                self.mass_constant,
                "must be finite and > 0",
            );
        }
        if !(self.epsilon > 0.0 && self.epsilon < 1.0) {
            return bad("epsilon", self.epsilon, "must lie in (0, 1)");
        }
        if self.checkpoint_every == 0 {
            return bad("checkpoint interval", 0.0, "must be ≥ 1 step");
        }
        if let Some(decay) = self.average.filter(|d| !(0.0..1.0).contains(d)) {
            return bad("weight-average decay", decay, "must lie in [0, 1)");
        }
        if self.batch == 0 || self.held_out < 2 || self.window == 0 {
            return bad(
                "batch, held-out fields or window",
                0.0,
                "batch ≥ 1, held-out ≥ 2, window ≥ 1",
            );
        }
        for &l in &self.sides {
            self.spec.validate(Lattice::new(self.d, l)?)?;
        }
        Ok(())
    }
}

/// R11.7: the step at which ln ℰ_rel crosses ln ε, linearly interpolated between the
/// checkpoint before `met` (above ε) and `met` (at or below ε): s_a + (s_b − s_a)·
/// ln(ℰ_a/ε)/ln(ℰ_a/ℰ_b). `met` itself when it is the first checkpoint; `None` when not met.
pub fn crossing(checkpoints: &[NetworkCheckpoint], met: Option<u64>, epsilon: f64) -> Option<f64> {
    let b = checkpoints.iter().position(|c| Some(c.step) == met)?;
    let Some(a) = b.checked_sub(1).map(|a| &checkpoints[a]) else {
        return Some(checkpoints[b].step as f64);
    };
    let b = &checkpoints[b];
    let (ea, eb) = (a.relative_excess, b.relative_excess);
    let span = (b.step - a.step) as f64;
    Some(a.step as f64 + span * ((ea / epsilon).ln() / (ea / eb).ln()).clamp(0.0, 1.0))
}

/// Tracks the window criterion of one quantity: the first step of a run of `window`
/// consecutive checkpoints at or below ε.
#[derive(Default)]
struct Window {
    since: Option<u64>,
    count: usize,
    met: Option<u64>,
}

impl Window {
    fn see(&mut self, step: u64, value: f64, epsilon: f64, window: usize) {
        if self.met.is_some() {
            return;
        }
        if value <= epsilon {
            self.since.get_or_insert(step);
            self.count += 1;
            if self.count >= window {
                self.met = self.since;
            }
        } else {
            self.since = None;
            self.count = 0;
        }
    }
}

struct ExcessMonitor<'a> {
    held: &'a ExactReference,
    epsilon: f64,
    window: usize,
    excess: Window,
    zero: Window,
    checkpoints: Vec<NetworkCheckpoint>,
}

impl<B: TrainBackend> Monitor<B> for ExcessMonitor<'_> {
    fn checkpoint(
        &mut self,
        step: u64,
        loss: f64,
        net: &ScoreNetwork<B>,
    ) -> Result<ControlFlow<()>> {
        let lattice = net.lattice();
        let inner = frozen(net);
        let device = Default::default();
        let (relative_excess, relative_excess_error) =
            self.held.relative_excess(&inner, &device)?;
        let origin = ArrayD::zeros(lattice.shape());
        let v0 = learned_symbol(net, &origin, self.held.probe_t, &[vec![0; lattice.dim()]])?[0];
        let zero_mode_error = (v0 - self.held.zero_target).abs() / self.held.zero_target;
        self.excess
            .see(step, relative_excess, self.epsilon, self.window);
        self.zero
            .see(step, zero_mode_error, self.epsilon, self.window);
        self.checkpoints.push(NetworkCheckpoint {
            step,
            loss,
            relative_excess,
            relative_excess_error,
            zero_mode_error,
        });
        let done = self.excess.met.is_some() && self.zero.met.is_some();
        Ok(if done {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

/// Named parameter arrays of a trained network (see
/// [`ScoreNetwork::named_weights`]).
pub type NamedWeights = Vec<(String, ArrayD<f64>)>;

/// |v̂_k C_k(t) − 1| on the axis modes n = 0…⌊L/2⌋ of the last axis.
fn axis_symbol_errors<B: TrainBackend>(
    net: &ScoreNetwork<B>,
    field: &GaussianField,
    t: f64,
) -> Result<Vec<f64>> {
    let lattice = field.lattice();
    let d = lattice.dim();
    let modes: Vec<Vec<usize>> = (0..=lattice.side() / 2)
        .map(|n| {
            let mut k = vec![0; d];
            k[d - 1] = n;
            k
        })
        .collect();
    let v = learned_symbol(net, &ArrayD::zeros(lattice.shape()), t, &modes)?;
    let c = spectrum_at(field.spectrum(), t)?;
    Ok(modes
        .iter()
        .zip(v)
        .map(|(k, v)| (v * c.at(k) - 1.0).abs())
        .collect())
}

/// Runs the study in float type `float` (burn's ndarray CPU backend with autodiff): every L and
/// seed, checkpoints until both criteria held for the window or the step cap. Returns the runs
/// and the weights of the last run's trained network (largest L, last seed).
pub fn network_study(
    cfg: &NetworkStudyConfig,
    float: FloatType,
    observer: &dyn Observer,
) -> Result<(NetworkStudy, NamedWeights)> {
    match float {
        FloatType::F32 => network_study_on::<TrainF32>(cfg, observer),
        FloatType::F64 => network_study_on::<TrainF64>(cfg, observer),
    }
}

/// [`network_study`] on any autodiff backend `B`. A program that calls this compiles the
/// whole training loop for `B` itself; [`network_study`] is compiled once, in this crate.
pub fn network_study_on<B: TrainBackend>(
    cfg: &NetworkStudyConfig,
    observer: &dyn Observer,
) -> Result<(NetworkStudy, NamedWeights)> {
    cfg.validate()?;
    let device = B::Device::default();
    let mut runs = Vec::new();
    let mut parameters = 0;
    let mut weights = Vec::new();
    for &l in &cfg.sides {
        let lattice = Lattice::new(cfg.d, l)?;
        let mu = cfg.mass_constant / (l * l) as f64;
        let field = GaussianField::massive_free(lattice, 1.0, mu)?;
        let held = ExactReference::draw(&field, &cfg.times, cfg.held_out, 0x4e45_5457 ^ l as u64)?;
        for &seed in &cfg.seeds {
            let started = Instant::now();
            let net = ScoreNetwork::<B>::new(&cfg.spec, lattice, seed, &device)?;
            parameters = net.parameter_count();
            let mut source = FreshFields {
                sampler: FieldSampler::new(field.spectrum())?,
                times: cfg.times.clone(),
                batch: cfg.batch,
                rng: seeded_rng(seed.wrapping_add(0x5eed)),
            };
            let trainer = NetworkTrainer {
                optimizer: cfg.optimizer,
                weighting: Weighting::Sigma2,
                steps: cfg.max_steps,
                checkpoint_every: cfg.checkpoint_every,
                schedule: cfg.schedule,
                average: cfg.average,
            };
            let mut monitor = ExcessMonitor {
                held: &held,
                epsilon: cfg.epsilon,
                window: cfg.window,
                excess: Window::default(),
                zero: Window::default(),
                checkpoints: Vec::new(),
            };
            let (trained, _) = trainer.train(net, &mut source, &mut monitor, observer)?;
            let axis_symbol_errors = axis_symbol_errors(&trained, &field, held.probe_t)?;
            weights = trained.named_weights()?;
            runs.push(NetworkRun {
                l,
                seed,
                kappa: field.condition_number(),
                trained_at: monitor.excess.met,
                trained_at_interpolated: crossing(
                    &monitor.checkpoints,
                    monitor.excess.met,
                    cfg.epsilon,
                ),
                zero_mode_trained_at: monitor.zero.met,
                axis_symbol_errors,
                checkpoints: monitor.checkpoints,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
    }
    let float = if std::mem::size_of::<B::FloatElem>() == 4 {
        "f32"
    } else {
        "f64"
    };
    let study = NetworkStudy {
        float,
        config: cfg.clone(),
        parameters,
        runs,
    };
    Ok((study, weights))
}
