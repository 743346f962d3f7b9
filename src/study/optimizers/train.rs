//! `train --optimizer SPEC`: full layers trained on a fixed data set of sampled fields with a
//! momentum or Adam rule (real-space kernels), beside the momentum closed forms (R9.3, R9.4,
//! R9.8); Adam has none (R9.5).

use ndarray::ArrayD;
use num_complex::Complex;
use serde::Serialize;

use super::fields::with_extremes;
use super::{critical_spectrum, momentum_of};
use crate::error::Result;
use crate::experiment::optimizer::{self as opt, Trainer, UpdateRule};
use crate::experiment::trainer::StoppingRule;
use crate::experiment::{ConvNet, DataSet};
use crate::fourier::RealFft;
use crate::model::optimizer::OptimizerSpec;
use crate::model::{LayerKind, Protocol};
use crate::symbol::Symbol;
use crate::theory::momentum::{self, ModeDynamics};

/// One `train --optimizer` run: full layers of depth D trained from the protocol's start on M
/// sampled fields at time t with a momentum or Adam rule (real-space kernels), beside the
/// momentum closed forms (R9.3, R9.4, R9.8). `--optimizer gd` does not come here: it runs
/// [`crate::study::train()`] unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerTrainReport {
    /// The optimizer spelling.
    pub optimizer: String,
    /// Dimension, side, depth.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Diffusion time t.
    pub t: f64,
    /// Fields in the data set.
    pub samples: usize,
    /// Learning rate (η, or Adam's lr).
    pub learning_rate: f64,
    /// Momentum β (0 for Adam).
    pub momentum: f64,
    /// Steps after which every mode stayed within ε of the data set's optimum for the rest of
    /// the run (momentum: the run lasts 2T + 50 steps of the closed form; Adam: ε held for
    /// 1000 consecutive steps, R9.6); `None` if not reached within the step cap.
    pub measured_steps: Option<u64>,
    /// Closed form on the data set's Ĉ_k (D = 1 momentum, R9.3).
    pub predicted_steps_empirical: Option<u64>,
    /// Closed form on the population spectrum C_k(t) (momentum, any depth; R9.3, R9.8).
    pub predicted_steps_population: Option<u64>,
    /// What the predictions are, in words (Adam: no closed form).
    pub prediction: String,
    /// Steps taken.
    pub steps_taken: u64,
    /// Largest relative symbol error against the data set's optimum at the end of the run.
    pub final_relative_error: f64,
}

/// Steps of one chunk of the `train --optimizer` run between exceedance scans.
const TRAIN_CHUNK: u64 = 500;

/// Runs `train --optimizer SPEC` (see [`OptimizerTrainReport`]): d, L, depth, t, M, step cap,
/// seed and protocol from `config`; errors on GD (use [`crate::study::train()`]) and on
/// non-full layers.
pub fn train_with_optimizer(
    config: &crate::study::TrainConfig,
    spec: &OptimizerSpec,
) -> Result<OptimizerTrainReport> {
    use crate::error::Error;
    spec.validate()?;
    if config
        .layers
        .kinds(config.depth)
        .iter()
        .any(|k| *k != LayerKind::Full)
        || config.batch.is_some()
    {
        return Err(Error::Invalid {
            name: "optimizer",
            value: spec.to_string(),
            requirement: "optimizers other than gd train full layers on a fixed data set (no --layers local, no --batch)".into(),
        });
    }
    crate::error::resolvable_epsilon(config.protocol.epsilon)?;
    let (field, spec_t) = critical_spectrum(config.d, config.l, config.t)?;
    let lattice = field.lattice();
    crate::error::check_memory(
        format!(
            "training on M = {} fields of L = {}, d = {}",
            config.samples, config.l, config.d
        ),
        crate::study::train::memory_estimate(config),
        "lower --samples or --l",
    )?;
    let data = DataSet::draw(field.spectrum(), config.samples, &[config.t], config.seed)?;
    let stats = data.statistics(0)?;
    let batch = data.batch(0)?.to_spectral(&RealFft::new(lattice))?;
    let protocol = config.protocol.with_depth(config.depth)?;
    let (eta, beta, empirical, population, prediction) =
        predictions(spec, &spec_t, &stats.c_hat, &protocol)?;
    let v0 = protocol.initial_symbol(&spec_t);
    let mut net = ConvNet::balanced(lattice, &vec![LayerKind::Full; config.depth], v0)?;
    let rule = opt::rule_for(spec, eta.max(f64::MIN_POSITIVE), beta)?;
    let cap = match empirical {
        Some(t) => config.steps.min(2 * t + 50),
        None => config.steps,
    };
    let window = if momentum_of(spec).is_some() {
        cap
    } else {
        1000
    };
    let optimum = stats.optimum();
    let (measured, taken) = run_until_settled(
        rule,
        &mut net,
        &batch,
        &optimum,
        (protocol.epsilon, cap, window),
    )?;
    let final_relative_error =
        crate::experiment::trainer::max_relative_error(&net.symbol(), &optimum);
    let learning_rate = match *spec {
        OptimizerSpec::Adam { lr, .. } => lr,
        _ => eta,
    };
    Ok(OptimizerTrainReport {
        optimizer: spec.to_string(),
        d: config.d,
        l: config.l,
        depth: config.depth,
        t: config.t,
        samples: config.samples,
        learning_rate,
        momentum: beta,
        measured_steps: measured,
        predicted_steps_empirical: empirical,
        predicted_steps_population: population,
        prediction,
        steps_taken: taken,
        final_relative_error,
    })
}

/// (η, β, closed form on the data, closed form on the population, the predictions in words).
type Predictions = (f64, f64, Option<u64>, Option<u64>, String);

/// η, β and the predictions of `train --optimizer`: the momentum closed forms on the data's Ĉ_k
/// (D = 1, R9.3) and on the population (R9.3, R9.8), tuned to the data's extremes; Adam has
/// none (R9.5).
fn predictions(
    spec: &OptimizerSpec,
    spec_t: &Symbol,
    c_hat: &ArrayD<f64>,
    protocol: &Protocol,
) -> Result<Predictions> {
    Ok(match momentum_of(spec) {
        Some((method, m)) => {
            let tuning = with_extremes(spec_t, c_hat)?;
            let (eta, beta) = momentum::parameters(method, m, &tuning, protocol)?;
            let population = momentum::training_time(spec_t, method, m, protocol)?.steps;
            let empirical = if protocol.depth == 1 {
                let mut worst = 0;
                for &c in c_hat.iter() {
                    let mode = ModeDynamics::new(method, c, eta, beta, 0.0);
                    worst = worst.max(momentum::training_steps_above(&mode, protocol.epsilon, 0)?);
                }
                Some(worst)
            } else {
                None
            };
            let words = "momentum closed form: R9.3 on the data's statistics (D = 1), R9.3/R9.8 on the population";
            (eta, beta, empirical, Some(population), words.to_string())
        }
        None => (
            0.0,
            0.0,
            None,
            None,
            "no closed form for Adam (R9.5): measured only (ε must hold for 1000 consecutive steps, R9.6; real-space Adam on fields can have recurring excursions above ε)".to_string(),
        ),
    })
}

/// Trains in chunks, scanning every step's symbol for the last exceedance of ε|v̂*|; stops
/// after `cap` steps or once ε has held for `window` consecutive steps. Returns (the step
/// after the last exceedance if ε held for `window` steps or to the end of a run of `cap`
/// steps with `window == cap`, steps taken).
fn run_until_settled(
    rule: Box<dyn UpdateRule>,
    net: &mut ConvNet,
    batch: &crate::experiment::SpectralBatch,
    optimum: &ArrayD<Complex<f64>>,
    (eps, cap, window): (f64, u64, u64),
) -> Result<(Option<u64>, u64)> {
    let mut trainer = Trainer::new(rule, 0);
    trainer.log_every = 1;
    trainer.keep_symbols = true;
    let (mut n, mut last_out) = (0u64, 0u64);
    loop {
        trainer.max_steps = TRAIN_CHUNK.min(cap - n);
        let log = trainer.train(net, batch, &StoppingRule::Never)?;
        let skip = usize::from(n > 0);
        for (j, s) in log.logged.iter().enumerate().skip(skip) {
            if let Some(v) = &s.symbol {
                let out = v
                    .iter()
                    .zip(optimum)
                    .any(|(v, o)| (v - o).norm() > eps * o.norm());
                if out {
                    last_out = n + j as u64 + 1;
                }
            }
        }
        n += log.steps_taken;
        if window < cap && n - last_out.min(n) >= window {
            return Ok((Some(last_out), n));
        }
        if n >= cap || log.steps_taken == 0 {
            return Ok(((window == cap && last_out < n).then_some(last_out), n));
        }
    }
}
