//! Optimizers for the sampled-field trainers, with the update rule separated from the model
//! (as optax and argmin do): an [`UpdateRule`] maps parameters and their gradient to new
//! parameters; a [`Parametrisation`] says what the parameters of a [`ConvNet`] are (its
//! real-space kernel entries, or one complex parameter per Fourier mode); a [`Trainer`] runs
//! full-batch training on a fixed data set with any rule.
//!
//! This module is the numeric side of derivations/09 (R9.1, R9.5): it never calls the closed
//! forms, and its Adam is written independently of `theory::adam`.

use ndarray::{ArrayD, Dimension, Zip};
use num_complex::Complex;

use crate::error::{positive, Error, Result};
use crate::experiment::dataset::SpectralBatch;
use crate::experiment::network::ConvNet;
use crate::experiment::trainer::{LoggedStep, StoppingRule, TrainingLog};
use crate::fourier::RealFft;
use crate::model::optimizer::{Momentum, OptimizerSpec};
use crate::model::LayerKind;

/// An update rule θ ← U(θ, ∇ℒ) on a list of real parameter arrays (R9.1, R9.5).
pub trait UpdateRule {
    /// Where the next gradient must be evaluated, if not at the parameters themselves
    /// (Nesterov's look-ahead y = θ + β(θ − θ_prev)).
    fn lookahead(&self, _params: &[ArrayD<f64>]) -> Option<Vec<ArrayD<f64>>> {
        None
    }
    /// Updates `params` in place given `grads` (evaluated at the look-ahead point if any).
    fn update(&mut self, params: &mut [ArrayD<f64>], grads: &[ArrayD<f64>]);
}

impl<R: UpdateRule + ?Sized> UpdateRule for Box<R> {
    fn lookahead(&self, params: &[ArrayD<f64>]) -> Option<Vec<ArrayD<f64>>> {
        (**self).lookahead(params)
    }
    fn update(&mut self, params: &mut [ArrayD<f64>], grads: &[ArrayD<f64>]) {
        (**self).update(params, grads)
    }
}

/// Gradient descent θ ← θ − η g (R9.1 with β = 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gd {
    /// Learning rate η.
    pub eta: f64,
}

impl UpdateRule for Gd {
    fn update(&mut self, params: &mut [ArrayD<f64>], grads: &[ArrayD<f64>]) {
        for (p, g) in params.iter_mut().zip(grads) {
            p.scaled_add(-self.eta, g);
        }
    }
}

/// Heavy ball θ ← θ − η g(θ) + β(θ − θ_prev), started at rest (R9.1).
#[derive(Debug, Clone, PartialEq)]
pub struct HeavyBall {
    /// Learning rate η.
    pub eta: f64,
    /// Momentum β.
    pub beta: f64,
    prev: Option<Vec<ArrayD<f64>>>,
}

impl HeavyBall {
    /// Heavy ball with step η and momentum β, at rest (R9.1).
    pub fn new(eta: f64, beta: f64) -> Self {
        Self {
            eta,
            beta,
            prev: None,
        }
    }
}

impl UpdateRule for HeavyBall {
    fn update(&mut self, params: &mut [ArrayD<f64>], grads: &[ArrayD<f64>]) {
        let old = params.to_vec();
        let prev = self.prev.get_or_insert_with(|| old.clone());
        for ((p, g), q) in params.iter_mut().zip(grads).zip(prev.iter()) {
            Zip::from(p)
                .and(g)
                .and(q)
                .for_each(|p, &g, &q| *p += -self.eta * g + self.beta * (*p - q));
        }
        self.prev = Some(old);
    }
}

/// Nesterov θ ← y − η g(y), y = θ + β(θ − θ_prev), started at rest (R9.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Nesterov {
    /// Learning rate η.
    pub eta: f64,
    /// Momentum β.
    pub beta: f64,
    prev: Option<Vec<ArrayD<f64>>>,
}

impl Nesterov {
    /// Nesterov with step η and momentum β, at rest (R9.1).
    pub fn new(eta: f64, beta: f64) -> Self {
        Self {
            eta,
            beta,
            prev: None,
        }
    }

    fn look(&self, params: &[ArrayD<f64>]) -> Vec<ArrayD<f64>> {
        match &self.prev {
            None => params.to_vec(),
            Some(prev) => params
                .iter()
                .zip(prev)
                .map(|(p, q)| p + &((p - q) * self.beta))
                .collect(),
        }
    }
}

impl UpdateRule for Nesterov {
    fn lookahead(&self, params: &[ArrayD<f64>]) -> Option<Vec<ArrayD<f64>>> {
        Some(self.look(params))
    }

    fn update(&mut self, params: &mut [ArrayD<f64>], grads: &[ArrayD<f64>]) {
        let y = self.look(params);
        self.prev = Some(params.to_vec());
        for ((p, y), g) in params.iter_mut().zip(y).zip(grads) {
            Zip::from(p)
                .and(&y)
                .and(g)
                .for_each(|p, &y, &g| *p = y - self.eta * g);
        }
    }
}

/// Adam with bias correction, coordinate by coordinate (R9.5):
/// m ← β₁m + (1 − β₁)g, s ← β₂s + (1 − β₂)g², θ ← θ − lr m̂/(√ŝ + ε),
/// m̂ = m/(1 − β₁ⁿ), ŝ = s/(1 − β₂ⁿ) at step n = 1, 2, …
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    /// Step size lr.
    pub lr: f64,
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// ε_adam.
    pub eps: f64,
    first: Vec<ArrayD<f64>>,
    second: Vec<ArrayD<f64>>,
    count: i32,
}

impl Adam {
    /// Adam with the given constants and zero moments (R9.5).
    pub fn new(lr: f64, beta1: f64, beta2: f64, eps: f64) -> Self {
        Self {
            lr,
            beta1,
            beta2,
            eps,
            first: Vec::new(),
            second: Vec::new(),
            count: 0,
        }
    }
}

impl UpdateRule for Adam {
    fn update(&mut self, params: &mut [ArrayD<f64>], grads: &[ArrayD<f64>]) {
        if self.first.len() != grads.len() {
            self.first = grads.iter().map(|g| ArrayD::zeros(g.raw_dim())).collect();
            self.second = self.first.clone();
        }
        self.count = self.count.saturating_add(1);
        let c1 = 1.0 - self.beta1.powi(self.count);
        let c2 = 1.0 - self.beta2.powi(self.count);
        let (b1, b2, lr, eps) = (self.beta1, self.beta2, self.lr, self.eps);
        for (((p, g), m), s) in params
            .iter_mut()
            .zip(grads)
            .zip(&mut self.first)
            .zip(&mut self.second)
        {
            Zip::from(p).and(g).and(m).and(s).for_each(|p, &g, m, s| {
                *m = b1 * *m + (1.0 - b1) * g;
                *s = b2 * *s + (1.0 - b2) * g * g;
                *p -= lr * (*m / c1) / ((*s / c2).sqrt() + eps);
            });
        }
    }
}

/// The update rule of an [`OptimizerSpec`] (R9.1, R9.5). `eta` and `beta` are the learning
/// rate and momentum the caller chose (for `Tuned` momentum, computed from the spectrum by the
/// caller: this module does not know the spectrum); Adam takes its own lr from the spec and
/// ignores both.
pub fn rule_for(spec: &OptimizerSpec, eta: f64, beta: f64) -> Result<Box<dyn UpdateRule>> {
    spec.validate()?;
    let momentum = |m: Momentum| -> Result<f64> {
        let b = match m {
            Momentum::Fixed(b) => b,
            Momentum::Tuned => beta,
        };
        if (0.0..1.0).contains(&b) {
            Ok(b)
        } else {
            Err(Error::Parameter {
                name: "momentum beta",
                value: b,
                requirement: "must lie in [0, 1)",
            })
        }
    };
    Ok(match *spec {
        OptimizerSpec::Gd => Box::new(Gd {
            eta: positive("eta", eta)?,
        }),
        OptimizerSpec::HeavyBall { beta: m } => {
            Box::new(HeavyBall::new(positive("eta", eta)?, momentum(m)?))
        }
        OptimizerSpec::Nesterov { beta: m } => {
            Box::new(Nesterov::new(positive("eta", eta)?, momentum(m)?))
        }
        OptimizerSpec::Adam {
            lr,
            beta1,
            beta2,
            eps,
        } => Box::new(Adam::new(lr, beta1, beta2, eps)),
    })
}

/// What the optimizer's parameters are (R9.5): kernel entries or Fourier symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parametrisation {
    /// The real-space kernel entries a_l(r) (what practitioners train).
    RealSpace,
    /// One complex parameter per Fourier mode of each layer: the half-spectrum symbol a_{l,k}
    /// stored as its real and imaginary parts, with gradient Ĝ_k = Σ_r g(r)e^{−ik·r} (so a
    /// GD step on the symbols equals a GD step on the kernels). Full layers only.
    Fourier,
}

impl Parametrisation {
    fn read(&self, net: &ConvNet, fft: &RealFft) -> Result<Vec<ArrayD<f64>>> {
        match self {
            Self::RealSpace => Ok(net.kernels().to_vec()),
            Self::Fourier => split(net.kernels(), fft),
        }
    }

    fn write(&self, net: &mut ConvNet, params: &[ArrayD<f64>], fft: &RealFft) -> Result<()> {
        match self {
            Self::RealSpace => net.set_kernels(params),
            Self::Fourier => {
                let kernels = params
                    .chunks(2)
                    .map(|p| {
                        let z = Zip::from(&p[0])
                            .and(&p[1])
                            .map_collect(|&re, &im| Complex::new(re, im));
                        fft.inverse(&z)
                    })
                    .collect::<Result<Vec<_>>>()?;
                net.set_kernels(&kernels)
            }
        }
    }

    fn gradient(&self, grads: Vec<ArrayD<f64>>, fft: &RealFft) -> Result<Vec<ArrayD<f64>>> {
        match self {
            Self::RealSpace => Ok(grads),
            Self::Fourier => {
                let mut out = split(&grads, fft)?;
                // a self-conjugate mode (k ≡ −k) has a real symbol: its imaginary part is not a
                // parameter (its FFT gradient is rounding noise, which Adam would normalise)
                let l = fft.lattice().side();
                for im in out.iter_mut().skip(1).step_by(2) {
                    for (idx, g) in im.indexed_iter_mut() {
                        if idx.slice().iter().all(|&n| (l - n) % l == n) {
                            *g = 0.0;
                        }
                    }
                }
                Ok(out)
            }
        }
    }
}

/// Forward transforms of real arrays, as [re, im] pairs.
fn split(arrays: &[ArrayD<f64>], fft: &RealFft) -> Result<Vec<ArrayD<f64>>> {
    let mut out = Vec::with_capacity(2 * arrays.len());
    for a in arrays {
        let z = fft.forward(a)?;
        out.push(z.mapv(|c| c.re));
        out.push(z.mapv(|c| c.im));
    }
    Ok(out)
}

/// Full-batch training on a fixed data set with any update rule (R9.1, R9.5).
pub struct Trainer<U: UpdateRule> {
    /// The update rule.
    pub rule: U,
    /// What the rule's parameters are.
    pub parametrisation: Parametrisation,
    /// Most steps to take.
    pub max_steps: u64,
    /// Log every this many steps (0: only the end).
    pub log_every: u64,
    /// Keep the symbol in every logged step.
    pub keep_symbols: bool,
}

impl<U: UpdateRule> Trainer<U> {
    /// A trainer on the kernels (real-space parametrisation), logging nothing.
    pub fn new(rule: U, max_steps: u64) -> Self {
        Self {
            rule,
            parametrisation: Parametrisation::RealSpace,
            max_steps,
            log_every: 0,
            keep_symbols: false,
        }
    }

    /// Trains `net` on `batch` until `stop` holds or `max_steps` steps are taken. The loss and
    /// the stopping rule are evaluated at the parameters; the gradient the rule receives at
    /// its look-ahead point when it has one.
    pub fn train(
        &mut self,
        net: &mut ConvNet,
        batch: &SpectralBatch,
        stop: &StoppingRule,
    ) -> Result<TrainingLog> {
        if self.parametrisation == Parametrisation::Fourier
            && net.kinds().iter().any(|k| *k != LayerKind::Full)
        {
            return Err(Error::Mismatch(
                "the Fourier parametrisation needs full layers only".into(),
            ));
        }
        let fft = RealFft::new(net.lattice());
        let mut logged = Vec::new();
        let mut step = 0;
        loop {
            let (loss, grads) = net.loss_and_gradient(batch)?;
            if !loss.is_finite() {
                return Err(Error::Unstable(format!("training diverged at step {step}")));
            }
            let met = stop.is_met(net, loss);
            let done = met || step == self.max_steps;
            if done || (self.log_every > 0 && step % self.log_every == 0) {
                logged.push(LoggedStep {
                    step,
                    loss,
                    symbol: self.keep_symbols.then(|| net.symbol()),
                });
            }
            if done {
                return Ok(TrainingLog {
                    trained_at: met.then_some(step),
                    steps_taken: step,
                    logged,
                });
            }
            let mut params = self.parametrisation.read(net, &fft)?;
            let grads = match self.rule.lookahead(&params) {
                None => grads,
                Some(y) => {
                    let mut probe = net.clone();
                    self.parametrisation.write(&mut probe, &y, &fft)?;
                    probe.loss_and_gradient(batch)?.1
                }
            };
            let grads = self.parametrisation.gradient(grads, &fft)?;
            self.rule.update(&mut params, &grads);
            self.parametrisation.write(net, &params, &fft)?;
            step += 1;
        }
    }
}
