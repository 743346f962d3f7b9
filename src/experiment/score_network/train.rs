//! Denoising score matching for a [`ScoreNetwork`] with the framework's optimizers:
//! ℒ(θ) = (1/(MV)) Σ_m w(t_m) ‖s_θ(x_t^m, t_m) + z^m/σ_{t_m}‖² on each batch, gradients by
//! reverse-mode autodiff, one optimizer step per batch. Batches come from a [`BatchSource`]
//! (a fixed batch for full-batch GD, fresh Gaussian fields, or minibatches of a fixed set of
//! clean fields with fresh noise); a [`Monitor`] sees the network at checkpoints and may stop
//! the run. The trainer never sees the closed forms: only fields, noise and times.

use std::ops::ControlFlow;

use crate::experiment::score_network::TrainBackend;
use burn::lr_scheduler::cosine::{CosineAnnealingLrScheduler, CosineAnnealingLrSchedulerConfig};
use burn::lr_scheduler::LrScheduler;
use burn::module::AutodiffModule;
use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer, SgdConfig};
use burn::prelude::ElementConversion;
use ndarray::{ArrayD, Zip};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::average::WeightAverage;
use super::{fields_tensor, per_field, ScoreNetwork};
use crate::diffusion::forward::{alpha, sigma2};
use crate::error::{positive, Error, Result};
use crate::model::score_network::Weighting;
use crate::progress::Observer;
use crate::sampling::{FieldSampler, SeededRng};

/// Noised fields x_t^m = α_{t_m} x_0^m + σ_{t_m} z^m with their noise and times.
#[derive(Debug, Clone)]
pub struct NoisedFields {
    /// x_t^m.
    pub xt: Vec<ArrayD<f64>>,
    /// z^m.
    pub z: Vec<ArrayD<f64>>,
    /// t_m > 0.
    pub t: Vec<f64>,
}

impl NoisedFields {
    /// Noises clean fields: field m at time `times[m]` with fresh z from `rng`.
    pub fn noise(clean: &[&ArrayD<f64>], times: &[f64], rng: &mut SeededRng) -> Result<Self> {
        let mut xt = Vec::with_capacity(clean.len());
        let mut z = Vec::with_capacity(clean.len());
        for (&x0, &t) in clean.iter().zip(times) {
            let (a, s) = (alpha(t)?, sigma2(t)?.sqrt());
            let zz: ArrayD<f64> =
                ArrayD::from_shape_simple_fn(x0.raw_dim(), || StandardNormal.sample(rng));
            let mut x = x0.clone();
            Zip::from(&mut x)
                .and(&zz)
                .for_each(|xi, &zi| *xi = a * *xi + s * zi);
            xt.push(x);
            z.push(zz);
        }
        Ok(Self {
            xt,
            z,
            t: times.to_vec(),
        })
    }
}

/// Where the batches of a run come from.
pub trait BatchSource {
    /// The next batch.
    fn next_batch(&mut self) -> Result<NoisedFields>;
}

/// The same batch at every step: full-batch gradient descent on a fixed data set.
#[derive(Debug, Clone)]
pub struct FixedBatch(pub NoisedFields);

impl BatchSource for FixedBatch {
    fn next_batch(&mut self) -> Result<NoisedFields> {
        Ok(self.0.clone())
    }
}

/// Fresh clean fields from a Gaussian sampler at every step, each at a time drawn uniformly
/// from a grid, with fresh noise.
pub struct FreshFields {
    /// The field sampler (FFT sampling of the data's Gaussian law).
    pub sampler: FieldSampler,
    /// Times t drawn uniformly.
    pub times: Vec<f64>,
    /// Fields per batch.
    pub batch: usize,
    /// The run's generator.
    pub rng: SeededRng,
}

impl BatchSource for FreshFields {
    fn next_batch(&mut self) -> Result<NoisedFields> {
        let clean = self.sampler.sample_many(self.batch, &mut self.rng);
        let times = draw_times(&self.times, self.batch, &mut self.rng)?;
        NoisedFields::noise(&clean.iter().collect::<Vec<_>>(), &times, &mut self.rng)
    }
}

/// Minibatches of a fixed set of clean fields (drawn with replacement), each at a time drawn
/// uniformly from a grid, with fresh noise: how a diffusion model is trained on a data set.
pub struct FieldMinibatches {
    /// The clean fields (e.g. Monte Carlo configurations).
    pub fields: Vec<ArrayD<f64>>,
    /// Times t drawn uniformly.
    pub times: Vec<f64>,
    /// Fields per batch.
    pub batch: usize,
    /// The run's generator.
    pub rng: SeededRng,
}

impl BatchSource for FieldMinibatches {
    fn next_batch(&mut self) -> Result<NoisedFields> {
        if self.fields.is_empty() {
            return Err(Error::Invalid {
                name: "training set",
                value: "0 fields".into(),
                requirement: "needs at least one field".into(),
            });
        }
        let picks: Vec<&ArrayD<f64>> = (0..self.batch)
            .map(|_| &self.fields[self.rng.random_range(0..self.fields.len())])
            .collect();
        let times = draw_times(&self.times, self.batch, &mut self.rng)?;
        NoisedFields::noise(&picks, &times, &mut self.rng)
    }
}

fn draw_times(grid: &[f64], m: usize, rng: &mut SeededRng) -> Result<Vec<f64>> {
    if grid.is_empty() || grid.iter().any(|&t| !(t.is_finite() && t > 0.0)) {
        return Err(Error::Invalid {
            name: "training times",
            value: format!("{grid:?}"),
            requirement: "needs at least one time, each finite and > 0".into(),
        });
    }
    Ok((0..m)
        .map(|_| grid[rng.random_range(0..grid.len())])
        .collect())
}

/// The update rule (the framework's implementations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "lowercase")]
pub enum NetworkOptimizer {
    /// θ ← θ − η g.
    Gd {
        /// η.
        lr: f64,
    },
    /// Heavy ball (or Nesterov) momentum β: v ← βv + g, θ ← θ − η v.
    Momentum {
        /// η.
        lr: f64,
        /// β ∈ [0, 1).
        momentum: f64,
        /// Nesterov's look-ahead form.
        nesterov: bool,
    },
    /// Adam (β₁, β₂, ε) with step size η.
    Adam {
        /// η.
        lr: f64,
        /// β₁.
        beta1: f64,
        /// β₂.
        beta2: f64,
        /// ε.
        epsilon: f64,
    },
}

impl NetworkOptimizer {
    /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸.
    pub fn adam(lr: f64) -> Self {
        NetworkOptimizer::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// The step size η.
    pub fn lr(&self) -> f64 {
        match *self {
            NetworkOptimizer::Gd { lr }
            | NetworkOptimizer::Momentum { lr, .. }
            | NetworkOptimizer::Adam { lr, .. } => lr,
        }
    }
}

/// Sees the network at checkpoints; `Break` ends the run.
pub trait Monitor<B: TrainBackend> {
    /// Called before the first step and every `checkpoint_every` steps, with the steps taken
    /// and the last batch loss (NaN before the first step).
    fn checkpoint(
        &mut self,
        step: u64,
        loss: f64,
        net: &ScoreNetwork<B>,
    ) -> Result<ControlFlow<()>>;
}

/// A monitor that never stops a run.
pub struct NoMonitor;

impl<B: TrainBackend> Monitor<B> for NoMonitor {
    fn checkpoint(&mut self, _: u64, _: f64, _: &ScoreNetwork<B>) -> Result<ControlFlow<()>> {
        Ok(ControlFlow::Continue(()))
    }
}

/// Records [`ScoreNetwork::linear_kernels`] at every checkpoint (the step-by-step
/// comparison of a single-channel network with the linear trainer, R11.4).
#[derive(Debug, Default)]
pub struct LinearKernelRecorder(pub Vec<Vec<ArrayD<f64>>>);

impl<B: TrainBackend> Monitor<B> for LinearKernelRecorder {
    fn checkpoint(&mut self, _: u64, _: f64, net: &ScoreNetwork<B>) -> Result<ControlFlow<()>> {
        self.0.push(net.linear_kernels()?);
        Ok(ControlFlow::Continue(()))
    }
}

/// A training run: the update rule, the loss weighting, the number of steps and how often
/// the monitor looks.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NetworkTrainer {
    /// The update rule.
    pub optimizer: NetworkOptimizer,
    /// w(t).
    pub weighting: Weighting,
    /// Steps at most.
    pub steps: u64,
    /// Steps between checkpoints (≥ 1).
    pub checkpoint_every: u64,
    /// How the step size changes over the run.
    pub schedule: LrSchedule,
    /// Decay β of an exponential moving average of the weights ([`WeightAverage`]); with
    /// `Some`, the monitor sees and the run returns the averaged network.
    pub average: Option<f64>,
}

/// The step size over a run of N steps (the update rule's own step size η₀ at the start).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum LrSchedule {
    /// η₀ throughout.
    #[default]
    Constant,
    /// Cosine annealing from η₀ to f·η₀ over the run, η_n = f η₀ + (1 − f) η₀ (1 + cos(π n/N))/2
    /// (burn's `CosineAnnealingLrScheduler`).
    Cosine {
        /// The final fraction f ∈ [0, 1].
        final_fraction: f64,
    },
}

impl LrSchedule {
    /// The scheduler for a run of `steps` steps from `lr`, or `None` for a constant step size.
    fn scheduler(&self, lr: f64, steps: u64) -> Result<Option<CosineAnnealingLrScheduler>> {
        match *self {
            LrSchedule::Constant => Ok(None),
            LrSchedule::Cosine { final_fraction } => {
                CosineAnnealingLrSchedulerConfig::new(lr, steps.max(1) as usize)
                    .with_min_lr(lr * final_fraction)
                    .init()
                    .map(Some)
                    .map_err(|e| Error::Invalid {
                        name: "learning-rate schedule",
                        value: self.to_string(),
                        requirement: e,
                    })
            }
        }
    }
}

impl std::fmt::Display for LrSchedule {
    /// The command line's spelling: `constant` or `cosine:F`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LrSchedule::Constant => write!(f, "constant"),
            LrSchedule::Cosine { final_fraction } => write!(f, "cosine:{final_fraction}"),
        }
    }
}

impl std::str::FromStr for LrSchedule {
    type Err = Error;

    /// `constant`, or `cosine:F` with the final fraction F ∈ [0, 1].
    fn from_str(text: &str) -> Result<Self> {
        let bad = || Error::Invalid {
            name: "learning-rate schedule",
            value: text.into(),
            requirement: "`constant` or `cosine:F` with 0 ≤ F ≤ 1".into(),
        };
        match text.split_once(':') {
            None if text == "constant" => Ok(LrSchedule::Constant),
            Some(("cosine", f)) => {
                let final_fraction: f64 = f.parse().map_err(|_| bad())?;
                if (0.0..=1.0).contains(&final_fraction) {
                    Ok(LrSchedule::Cosine { final_fraction })
                } else {
                    Err(bad())
                }
            }
            _ => Err(bad()),
        }
    }
}

/// What a run did: the batch losses and the steps taken.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkLog {
    /// Steps taken.
    pub steps: u64,
    /// Batch loss before each step.
    pub losses: Vec<f64>,
    /// Whether the monitor ended the run.
    pub stopped_by_monitor: bool,
}

enum Rule<B: TrainBackend> {
    Sgd(
        burn::optim::adaptor::OptimizerAdaptor<
            burn::optim::Sgd<B::InnerBackend>,
            ScoreNetwork<B>,
            B,
        >,
    ),
    Adam(burn::optim::adaptor::OptimizerAdaptor<burn::optim::Adam, ScoreNetwork<B>, B>),
}

impl NetworkTrainer {
    /// Trains `net` on batches from `source`, reporting steps to `observer`; returns the
    /// trained network and the log.
    pub fn train<B: TrainBackend>(
        &self,
        mut net: ScoreNetwork<B>,
        source: &mut dyn BatchSource,
        monitor: &mut dyn Monitor<B>,
        observer: &dyn Observer,
    ) -> Result<(ScoreNetwork<B>, NetworkLog)> {
        positive("learning rate", self.optimizer.lr())?;
        if self.checkpoint_every == 0 {
            return Err(Error::Parameter {
                name: "checkpoint interval",
                value: 0.0,
                requirement: "must be ≥ 1 step",
            });
        }
        let mut rule = self.rule::<B>();
        let mut scheduler = self.schedule.scheduler(self.optimizer.lr(), self.steps)?;
        let mut average = self
            .average
            .map(|decay| WeightAverage::new(&net, decay))
            .transpose()?;
        let mut losses = Vec::new();
        let mut last = f64::NAN;
        observer.stage("network training", self.steps);
        for step in 0..=self.steps {
            if (step % self.checkpoint_every == 0 || step == self.steps)
                && monitor
                    .checkpoint(step, last, average.as_ref().map_or(&net, |a| a.network()))?
                    .is_break()
            {
                observer.finish();
                let log = NetworkLog {
                    steps: step,
                    losses,
                    stopped_by_monitor: true,
                };
                return Ok((average.map_or(net, WeightAverage::into_network), log));
            }
            if step == self.steps {
                break;
            }
            let batch = source.next_batch()?;
            let loss = dsm_loss(&net, &batch, self.weighting)?;
            last = loss.clone().into_scalar().elem::<f64>();
            if !last.is_finite() {
                return Err(Error::Unstable(format!(
                    "network training diverged at step {step} (learning rate {}): lower it",
                    self.optimizer.lr()
                )));
            }
            losses.push(last);
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            let lr = scheduler
                .as_mut()
                .map_or(self.optimizer.lr(), LrScheduler::step);
            net = match &mut rule {
                Rule::Sgd(o) => o.step(lr, net, grads),
                Rule::Adam(o) => o.step(lr, net, grads),
            };
            if let Some(a) = average.as_mut() {
                a.update(&net)?;
            }
            observer.advance(1);
        }
        observer.finish();
        let log = NetworkLog {
            steps: self.steps,
            losses,
            stopped_by_monitor: false,
        };
        Ok((average.map_or(net, WeightAverage::into_network), log))
    }

    fn rule<B: TrainBackend>(&self) -> Rule<B> {
        match self.optimizer {
            NetworkOptimizer::Gd { .. } => Rule::Sgd(SgdConfig::new().init()),
            NetworkOptimizer::Momentum {
                momentum, nesterov, ..
            } => Rule::Sgd(
                SgdConfig::new()
                    .with_momentum(Some(MomentumConfig {
                        momentum,
                        dampening: 0.0,
                        nesterov,
                    }))
                    .init(),
            ),
            NetworkOptimizer::Adam {
                beta1,
                beta2,
                epsilon,
                ..
            } => Rule::Adam(
                AdamConfig::new()
                    .with_beta_1(beta1 as f32)
                    .with_beta_2(beta2 as f32)
                    .with_epsilon(epsilon as f32)
                    .init(),
            ),
        }
    }
}

/// The per-site denoising loss of a batch, (1/(MV)) Σ_m w(t_m) ‖s_θ(x_t^m, t_m) + z^m/σ_m‖²,
/// as a one-element tensor that autodiff can differentiate.
pub fn dsm_loss<B: crate::experiment::score_network::NetworkBackend>(
    net: &ScoreNetwork<B>,
    batch: &NoisedFields,
    weighting: Weighting,
) -> Result<burn::tensor::Tensor<B, 1>> {
    let lattice = net.lattice();
    let device = net.devices()[0].clone();
    let m = batch.xt.len();
    let xt = fields_tensor::<B>(&batch.xt.iter().collect::<Vec<_>>(), lattice, &device)?;
    let z = fields_tensor::<B>(&batch.z.iter().collect::<Vec<_>>(), lattice, &device)?;
    let s2 = batch
        .t
        .iter()
        .map(|&t| sigma2(t))
        .collect::<Result<Vec<f64>>>()?;
    let inv_sigma = s2.iter().map(|s| 1.0 / s.sqrt()).collect();
    let norm = 1.0 / (m * lattice.volume()) as f64;
    let weights = s2
        .iter()
        .map(|&s| {
            norm * if weighting == Weighting::Sigma2 {
                s
            } else {
                1.0
            }
        })
        .collect();
    let residual = net.score(xt, &batch.t)? + z * per_field(inv_sigma, &device);
    Ok((residual.powi_scalar(2) * per_field(weights, &device)).sum())
}

/// The network without autodiff bookkeeping, for evaluation.
pub fn frozen<B: TrainBackend>(net: &ScoreNetwork<B>) -> ScoreNetwork<B::InnerBackend> {
    net.valid()
}

impl std::fmt::Display for NetworkOptimizer {
    /// The command line's spelling: `gd:LR`, `momentum:LR:BETA`, `nesterov:LR:BETA`, `adam:LR`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            NetworkOptimizer::Gd { lr } => write!(f, "gd:{lr}"),
            NetworkOptimizer::Momentum {
                lr,
                momentum,
                nesterov,
            } => {
                let name = if nesterov { "nesterov" } else { "momentum" };
                write!(f, "{name}:{lr}:{momentum}")
            }
            NetworkOptimizer::Adam { lr, .. } => write!(f, "adam:{lr}"),
        }
    }
}

impl std::str::FromStr for NetworkOptimizer {
    type Err = Error;

    /// `adam:LR`, `gd:LR`, `momentum:LR:BETA` or `nesterov:LR:BETA`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid {
            name: "network optimizer",
            value: text.to_string(),
            requirement: "expected adam:LR, gd:LR, momentum:LR:BETA or nesterov:LR:BETA with LR > 0 and BETA in [0, 1)".into(),
        }
        };
        let parts: Vec<&str> = text.split(':').collect();
        let number = |i: usize| -> Result<f64> {
            parts
                .get(i)
                .and_then(|p| p.parse::<f64>().ok())
                .ok_or_else(bad)
        };
        let rule = match (parts[0], parts.len()) {
            ("adam", 2) => NetworkOptimizer::adam(number(1)?),
            ("gd", 2) => NetworkOptimizer::Gd { lr: number(1)? },
            (name @ ("momentum" | "nesterov"), 3) => NetworkOptimizer::Momentum {
                lr: number(1)?,
                momentum: number(2)?,
                nesterov: name == "nesterov",
            },
            _ => return Err(bad()),
        };
        let beta_ok = match rule {
            NetworkOptimizer::Momentum { momentum, .. } => (0.0..1.0).contains(&momentum),
            _ => true,
        };
        if !(rule.lr().is_finite() && rule.lr() > 0.0 && beta_ok) {
            return Err(bad());
        }
        Ok(rule)
    }
}

#[cfg(test)]
mod tests {
    use super::NetworkOptimizer;

    #[test]
    fn optimizer_spelling_round_trips_and_refuses_nonsense() {
        for text in [
            "gd:0.1",
            "momentum:0.01:0.9",
            "nesterov:0.01:0.5",
            "adam:0.002",
        ] {
            let rule: NetworkOptimizer = text.parse().unwrap();
            assert_eq!(rule.to_string(), text);
        }
        for bad in [
            "adam",
            "adam:0",
            "adam:-1",
            "gd:NaN",
            "momentum:0.1:1",
            "sgd:0.1",
            "adam:1:2",
        ] {
            assert!(bad.parse::<NetworkOptimizer>().is_err(), "{bad} accepted");
        }
    }
}
