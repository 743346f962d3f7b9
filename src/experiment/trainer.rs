//! Gradient-descent trainers on sampled fields: full-batch GD on a fixed data set and
//! minibatch SGD with fresh samples. Both evaluate the network by convolution and
//! backpropagate by hand ([`ConvNet::loss_and_gradient`]); neither calls the closed forms.

use ndarray::ArrayD;
use num_complex::Complex;
use serde::Serialize;

use crate::error::{positive, unit_open, Error, Result};
use crate::experiment::dataset::{NoisedBatch, SpectralBatch};
use crate::experiment::network::ConvNet;
use crate::fourier::RealFft;
use crate::sampling::{FieldSampler, SeededRng};

/// When a training run counts as trained.
#[derive(Debug, Clone)]
pub enum StoppingRule {
    /// Every mode has |v_k − v*_k| ≤ ε |v*_k|, with v*_k the given optimum symbol
    /// (half-spectrum layout), measured from the learned kernels by FFT.
    RelativeSymbolError {
        /// ε ∈ (0, 1).
        epsilon: f64,
        /// The optimum symbol v*_k of the architecture on this data.
        optimum: ArrayD<Complex<f64>>,
    },
    /// The loss is within δ of its minimum: ℒ − ℒ* ≤ δ.
    ExcessLoss {
        /// δ > 0.
        delta: f64,
        /// The minimum ℒ* of the loss on this data.
        min_loss: f64,
    },
    /// Run exactly `max_steps` steps.
    Never,
}

impl StoppingRule {
    /// Relative symbol error rule, validated.
    pub fn relative_symbol_error(epsilon: f64, optimum: ArrayD<Complex<f64>>) -> Result<Self> {
        unit_open("epsilon", epsilon)?;
        Ok(Self::RelativeSymbolError { epsilon, optimum })
    }

    /// True when the rule holds for `net` with per-site loss `loss` on the training data.
    pub fn is_met(&self, net: &ConvNet, loss: f64) -> bool {
        self.met(net, loss)
    }

    fn met(&self, net: &ConvNet, loss: f64) -> bool {
        match self {
            StoppingRule::RelativeSymbolError { epsilon, optimum } => net
                .symbol()
                .iter()
                .zip(optimum)
                .all(|(v, o)| (v - o).norm() <= epsilon * o.norm()),
            StoppingRule::ExcessLoss { delta, min_loss } => loss - min_loss <= *delta,
            StoppingRule::Never => false,
        }
    }
}

/// Largest relative symbol error of a network, max_k |v_k − v*_k| / |v*_k|.
pub fn max_relative_symbol_error(net: &ConvNet, optimum: &ArrayD<Complex<f64>>) -> f64 {
    max_relative_error(&net.symbol(), optimum)
}

/// Largest relative error max_k |v_k − v*_k| / |v*_k| between two symbols in the same
/// (half-spectrum) layout.
pub fn max_relative_error(v: &ArrayD<Complex<f64>>, optimum: &ArrayD<Complex<f64>>) -> f64 {
    v.iter()
        .zip(optimum)
        .map(|(v, o)| (v - o).norm() / o.norm())
        .fold(0.0, f64::max)
}

/// One logged state of a run.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedStep {
    /// Steps taken.
    pub step: u64,
    /// Per-site DSM loss on the training data before this step's update.
    pub loss: f64,
    /// Network symbol v_k (half-spectrum layout), if kept.
    #[serde(skip)]
    pub symbol: Option<ArrayD<Complex<f64>>>,
}

/// What a training run did.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingLog {
    /// First step count at which the stopping rule held (`None` if it never did).
    pub trained_at: Option<u64>,
    /// Steps taken in total.
    pub steps_taken: u64,
    /// Logged states.
    pub logged: Vec<LoggedStep>,
}

/// Full-batch gradient descent on a fixed data set.
#[derive(Debug, Clone, Copy)]
pub struct FullBatchGd {
    /// Learning rate η > 0.
    pub eta: f64,
    /// Most steps to take.
    pub max_steps: u64,
    /// Log every this many steps (0: log nothing but the end).
    pub log_every: u64,
    /// Keep the symbol in every logged step.
    pub keep_symbols: bool,
}

impl FullBatchGd {
    /// A trainer with learning rate η and a step cap, logging nothing.
    pub fn new(eta: f64, max_steps: u64) -> Result<Self> {
        positive("eta", eta)?;
        Ok(Self {
            eta,
            max_steps,
            log_every: 0,
            keep_symbols: false,
        })
    }

    /// Trains `net` on `batch` until `rule` holds or `max_steps` steps are taken.
    pub fn train(
        &self,
        net: &mut ConvNet,
        batch: &SpectralBatch,
        rule: &StoppingRule,
    ) -> Result<TrainingLog> {
        self.train_observed(net, batch, rule, &crate::progress::Silent)
    }

    /// [`FullBatchGd::train`], reporting every step to `observer` (a stage of `max_steps`).
    pub fn train_observed(
        &self,
        net: &mut ConvNet,
        batch: &SpectralBatch,
        rule: &StoppingRule,
        observer: &dyn crate::progress::Observer,
    ) -> Result<TrainingLog> {
        observer.stage("full-batch GD", self.max_steps);
        let mut logged = Vec::new();
        let mut trained_at = None;
        let mut step = 0;
        loop {
            let (loss, grads) = net.loss_and_gradient(batch)?;
            if !loss.is_finite() {
                return Err(Error::Unstable(format!(
                    "full-batch GD diverged at step {step} (eta = {}): lower --c, raise --t or add --samples",
                    self.eta
                )));
            }
            let log_now = self.log_every > 0 && step % self.log_every == 0;
            let done = rule.met(net, loss) || step == self.max_steps;
            if log_now || done {
                logged.push(LoggedStep {
                    step,
                    loss,
                    symbol: self.keep_symbols.then(|| net.symbol()),
                });
            }
            if done {
                if rule.met(net, loss) {
                    trained_at = Some(step);
                }
                break;
            }
            net.descend(&grads, self.eta);
            step += 1;
            observer.advance(1);
        }
        observer.finish();
        Ok(TrainingLog {
            trained_at,
            steps_taken: step,
            logged,
        })
    }
}

/// Minibatch SGD with a fresh batch of (x_t, z) drawn at every step.
#[derive(Debug, Clone, Copy)]
pub struct Sgd {
    /// Learning rate η > 0.
    pub eta: f64,
    /// Fields per batch.
    pub batch_size: usize,
    /// Diffusion time t > 0.
    pub t: f64,
}

impl Sgd {
    /// Runs `steps` SGD steps on `net`, returning the network symbol after each step
    /// (index 0: before training).
    pub fn train(
        &self,
        net: &mut ConvNet,
        sampler: &FieldSampler,
        steps: usize,
        rng: &mut SeededRng,
    ) -> Result<Vec<ArrayD<Complex<f64>>>> {
        positive("eta", self.eta)?;
        let fft = RealFft::new(net.lattice());
        let mut symbols = vec![net.symbol()];
        for _ in 0..steps {
            let batch =
                NoisedBatch::draw(sampler, self.t, self.batch_size, rng)?.to_spectral(&fft)?;
            let (_, grads) = net.loss_and_gradient(&batch)?;
            net.descend(&grads, self.eta);
            symbols.push(net.symbol());
        }
        Ok(symbols)
    }
}
