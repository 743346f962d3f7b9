//! One `train` experiment: a score network trained on sampled fields at β_c(d), with the
//! predictions beside it — the closed form on the data set's statistics (R3.2, R4.2), the
//! closed form on the population (R3.3, R4.3), R5.2 for one local layer, and gradient descent on
//! the population loss for mixed and two-local stacks (R5.6).

use ndarray::ArrayD;
use num_complex::Complex;
use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::{check_memory, resolvable_epsilon, Error, Result};
use crate::experiment::trainer::{
    max_relative_error, max_relative_symbol_error, FullBatchGd, Sgd, StoppingRule,
};
use crate::experiment::{ConvNet, DataSet, EmpiricalStatistics};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::{LayerKind, Layers, Protocol};
use crate::progress::Observer;
use crate::sampling::{seeded_rng, FieldSampler};
use crate::study::empirical_local::{empirical_local_optimum, empirical_local_steps};
use crate::study::training::empirical_prediction;
use crate::symbol::Symbol;
use crate::theory::local::{excess_loss_per_site, LocalOneLayer, PopulationNet};
use crate::theory::training_time;

/// Configuration of one `train` run on the large-n model at β_c(d).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainConfig {
    /// Dimension d ≥ 3.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Layer supports.
    pub layers: Layers,
    /// Diffusion time t > 0.
    pub t: f64,
    /// Fields in the fixed data set (full-batch GD).
    pub samples: usize,
    /// Step cap.
    pub steps: u64,
    /// Minibatch size: `Some(B)` runs SGD with fresh samples for `steps` steps.
    pub batch: Option<usize>,
    /// Seed of the data.
    pub seed: u64,
    /// Learning-rate fraction c and accuracy ε.
    pub protocol: Protocol,
}

/// What a `train` run measured, beside the predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainReport {
    /// The configuration.
    pub config: TrainConfig,
    /// Parameters of the network trained.
    pub parameters: usize,
    /// Parameters of the full network of the same depth (V per layer).
    pub full_parameters: usize,
    /// Learning rate used.
    pub learning_rate: f64,
    /// Measured steps until the relative symbol error against the data set's own optimum was
    /// ≤ ε (stacks with a full layer, full-batch GD).
    pub measured_steps: Option<u64>,
    /// Closed form on the data set's empirical statistics (full layers).
    pub predicted_steps_empirical: Option<u64>,
    /// Prediction on the population spectrum: the closed form for full layers (R3.3, R4.3),
    /// R5.2 for one local layer, gradient descent on the population loss for mixed stacks
    /// (R5.6).
    pub predicted_steps_population: Option<u64>,
    /// Final per-site DSM loss on the training data (full-batch).
    pub final_loss: Option<f64>,
    /// Final largest relative symbol error against the population optimum of the
    /// architecture (full and mixed: 1/C_k(t); local one-layer: the radius-R optimum).
    pub final_relative_error_population: Option<f64>,
    /// Excess population DSM loss per site of the trained network,
    /// (1/V) Σ_k C_k(t)|v_k − 1/C_k(t)|² (R3.1).
    pub final_excess_loss_population: f64,
    /// Stacks with local layers and depth ≥ 2: the same excess loss after the same number of
    /// steps of gradient descent on the population loss (semi-analytic prediction, R5.6),
    /// started from the balanced start perturbed by a relative 10⁻⁶.
    pub predicted_excess_loss_population: Option<f64>,
    /// Stacks of local layers only, depth ≥ 2: the same from the exactly balanced start, which
    /// gradient descent never leaves (R5.6). A trainer leaves it through rounding, after a step
    /// count that grows like ln(1/asymmetry), so its excess loss lies between this value
    /// (before it escapes) and the perturbed prediction (after).
    pub predicted_excess_loss_balanced: Option<f64>,
    /// Steps actually taken.
    pub steps_taken: u64,
    /// How `measured_steps` was decided, in words: the stopping rule used, or why the run has
    /// none (SGD; a stack of local layers, whose data optimum has no closed form).
    pub stopping_rule: String,
    /// A note on the configuration, e.g. that `local:R` with 2R + 1 ≥ L is the full layer.
    pub note: Option<String>,
}

/// Steps of full-batch GD (or SGD) run between two progress reports.
const CHUNK: u64 = 1000;

/// Estimated peak memory of a `train` run in bytes, before anything is allocated.
///
/// Full-batch GD holds the data set twice in real space (clean fields and noise, M·V each),
/// the noised batch transiently (x_t and z, 2·M·V) and its half-spectrum FFTs (x̂_t and ẑ:
/// 2·M·V/2 complex = 2·M·V reals), and the statistics of a second transient copy: about
/// 8·M·V doubles. SGD holds a batch of B likewise (about 6·B·V doubles) plus the symbol of
/// every step of one progress chunk (V/2 complex each). Every layer holds a kernel, its
/// symbol, a gradient and its FFT (about 4·V doubles); one local layer also its
/// (2R + 1)^d × (2R + 1)^d normal equations (twice).
pub fn memory_estimate(config: &TrainConfig) -> f64 {
    let v = (config.l as f64).powi(config.d as i32);
    let fields = match config.batch {
        Some(b) => 6.0 * b as f64 + CHUNK.min(config.steps) as f64 + 1.0,
        None => 8.0 * config.samples as f64,
    };
    let layers = 4.0 * config.depth as f64;
    let local = config
        .layers
        .kinds(config.depth)
        .iter()
        .map(|k| match k {
            LayerKind::Local { radius } => {
                let p = ((2 * radius + 1) as f64).powi(config.d as i32);
                2.0 * p * p
            }
            LayerKind::Full => 0.0,
        })
        .sum::<f64>();
    8.0 * (v * (fields + layers + 8.0) + local)
}

/// Checks everything a `train` run can check before it draws a field: the minibatch, the
/// accuracy, the lattice, and the memory estimate against [`crate::error::memory_limit`].
/// Smallest diffusion time a `train` run accepts: below it σ_t ≈ √(2t) makes the target z/σ_t
/// so large that the gradient overflows the step.
pub const MIN_T: f64 = 1e-6;

fn validate(config: &TrainConfig) -> Result<()> {
    if config.batch == Some(0) {
        return Err(Error::Parameter {
            name: "batch",
            value: 0.0,
            requirement: "a minibatch needs at least one field",
        });
    }
    if config.batch.is_none() && config.samples == 0 {
        return Err(Error::Parameter {
            name: "samples",
            value: 0.0,
            requirement: "full-batch training needs a data set of M ≥ 1 fields",
        });
    }
    resolvable_epsilon(config.protocol.epsilon)?;
    if !(config.t.is_finite() && config.t >= MIN_T) {
        return Err(Error::Parameter {
            name: "t",
            value: config.t,
            requirement:
                "needs t > 0, at least 1e-6 (the denoising loss divides by σ_t = √(1 − e^{−2t}))",
        });
    }
    Lattice::new(config.d, config.l)?;
    let what = match config.batch {
        Some(b) => format!(
            "SGD with batches of {b} on L = {}, d = {}",
            config.l, config.d
        ),
        None => format!(
            "full-batch GD on M = {} fields of L = {}, d = {}",
            config.samples, config.l, config.d
        ),
    };
    let advice = if config.batch.is_some() {
        "lower --batch, --l or the local radius"
    } else {
        "lower --samples, --l or the local radius"
    };
    check_memory(what, memory_estimate(config), advice)
}

/// The problem a `train` run solves and the architecture's population optimum.
struct Setup {
    config: TrainConfig,
    protocol: Protocol,
    field: GaussianField,
    spec_t: Symbol,
    kinds: Vec<LayerKind>,
    local_one: Option<LocalOneLayer>,
    eta: f64,
    v0: f64,
    exact_optimum: ArrayD<Complex<f64>>,
}

impl Setup {
    /// The closed-form training time on the population, where there is one: one local layer
    /// (R5.2; `None`, "not reached within the step cap", past the cap) or a stack of full
    /// layers (R3.3, R4.6); `None` for other stacks.
    fn population_steps(&self) -> Result<Option<u64>> {
        match &self.local_one {
            Some(local) => {
                let cap = self.config.steps.max(1);
                match local.training_steps(self.eta, self.protocol.epsilon, cap) {
                    Ok(n) => Ok(Some(n)),
                    Err(Error::NoConvergence { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            }
            None if self.all_full() => Ok(Some(training_time(&self.spec_t, &self.protocol)?.steps)),
            None => Ok(None),
        }
    }

    fn new(config: TrainConfig) -> Result<Self> {
        validate(&config)?;
        let protocol = config.protocol.with_depth(config.depth)?;
        let lattice = Lattice::new(config.d, config.l)?;
        let field = GaussianField::large_n_critical(lattice)?;
        let spec_t = spectrum_at(field.spectrum(), config.t)?;
        let kinds = config.layers.kinds(config.depth);
        let local_one = match kinds.as_slice() {
            [LayerKind::Local { radius }] => Some(LocalOneLayer::new(&spec_t, *radius)?),
            _ => None,
        };
        let eta = match &local_one {
            Some(local) => local.learning_rate(protocol.lr_fraction)?,
            None => protocol.learning_rate(&spec_t),
        };
        let v0 = protocol.initial_symbol(&spec_t);
        let exact_optimum = spec_t.to_half().mapv(|c| Complex::new(1.0 / c, 0.0));
        Ok(Self {
            config,
            protocol,
            field,
            spec_t,
            kinds,
            local_one,
            eta,
            v0,
            exact_optimum,
        })
    }

    /// A stack with a full layer can represent 1/C_k(t) exactly (R5.6).
    fn has_full(&self) -> bool {
        self.kinds.contains(&LayerKind::Full)
    }

    fn all_full(&self) -> bool {
        self.kinds.iter().all(|k| *k == LayerKind::Full)
    }
}

/// What the trainer did.
struct Measured {
    steps: Option<u64>,
    predicted_empirical: Option<u64>,
    final_loss: Option<f64>,
    steps_taken: u64,
    rule: String,
}

fn run_sgd(
    s: &Setup,
    net: &mut ConvNet,
    batch: usize,
    observer: &dyn Observer,
) -> Result<Measured> {
    let sgd = Sgd {
        eta: s.eta,
        batch_size: batch,
        t: s.config.t,
    };
    let sampler = FieldSampler::new(s.field.spectrum())?;
    let mut rng = seeded_rng(s.config.seed);
    observer.stage("SGD", s.config.steps);
    let mut done = 0;
    while done < s.config.steps {
        let n = CHUNK.min(s.config.steps - done);
        sgd.train(net, &sampler, n as usize, &mut rng)?;
        done += n;
        observer.advance(n);
    }
    observer.finish();
    Ok(Measured {
        steps: None,
        predicted_empirical: None,
        final_loss: None,
        steps_taken: s.config.steps,
        rule: "none: SGD runs exactly --steps steps".into(),
    })
}

fn run_full_batch(s: &Setup, net: &mut ConvNet, observer: &dyn Observer) -> Result<Measured> {
    let c = &s.config;
    let data = DataSet::draw(s.field.spectrum(), c.samples, &[c.t], c.seed)?;
    let stats = data.statistics(0)?;
    let batch = data
        .batch(0)?
        .to_spectral(&RealFft::new(s.spec_t.lattice()))?;
    let (rule, predicted, words) = stopping_rule(s, &stats)?;
    observer.stage("full-batch GD", c.steps);
    let (mut trained_at, mut taken, mut final_loss) = (None, 0, None);
    while taken < c.steps || taken == 0 {
        let n = CHUNK.min(c.steps - taken);
        let log = FullBatchGd::new(s.eta, n)?.train(net, &batch, &rule)?;
        final_loss = log.logged.last().map(|l| l.loss).or(final_loss);
        trained_at = log.trained_at.map(|k| taken + k);
        taken += log.steps_taken;
        observer.advance(log.steps_taken);
        if trained_at.is_some() || n == 0 {
            break;
        }
    }
    observer.finish();
    Ok(Measured {
        steps: trained_at,
        predicted_empirical: predicted,
        final_loss,
        steps_taken: taken,
        rule: words,
    })
}

/// The stopping rule of a full-batch run, the closed form on the data's statistics where one
/// exists, and the rule in words.
fn stopping_rule(
    s: &Setup,
    stats: &EmpiricalStatistics,
) -> Result<(StoppingRule, Option<u64>, String)> {
    let c = &s.config;
    let eps = s.protocol.epsilon;
    if s.has_full() {
        // stacks with a full layer reach the data set's own optimum T_k/Ĉ_k; for full stacks
        // the closed form on the data statistics predicts when
        let predicted = s
            .all_full()
            .then(|| empirical_prediction(stats, c.depth, s.eta, s.v0, eps, c.steps))
            .flatten();
        let rule = StoppingRule::relative_symbol_error(eps, stats.optimum())?;
        let words = "relative symbol error <= eps against the data set's optimum T_k/C^_k";
        return Ok((rule, predicted, words.into()));
    }
    if let [LayerKind::Local { radius }] = s.kinds.as_slice() {
        let lattice = s.spec_t.lattice();
        let optimum = empirical_local_optimum(stats, lattice, *radius)?;
        let predicted =
            empirical_local_steps(stats, lattice, *radius, (s.eta, s.v0, eps, c.steps))?;
        let rule = StoppingRule::relative_symbol_error(eps, optimum)?;
        let words = format!(
            "relative symbol error <= eps against the data set's own radius-{radius} optimum \
             (least squares on the (2R+1)^d kernel entries)"
        );
        return Ok((rule, predicted, words));
    }
    Ok((
        StoppingRule::Never,
        None,
        format!(
            "none: a stack of local layers has no closed-form data optimum, so all {} steps run",
            c.steps
        ),
    ))
}

/// Gradient descent on the population loss from the balanced start perturbed by a relative δ
/// (R5.6), with the trainer's η and v_0: the excess loss after the steps the trainer took, and
/// for stacks with a full layer the first step with relative error ≤ ε against 1/C_k(t)
/// (searched up to the step cap).
fn population_run(s: &Setup, delta: f64, steps_taken: u64) -> Result<(Option<u64>, f64)> {
    let mut population = PopulationNet::balanced(&s.spec_t, &s.kinds, s.v0)?;
    population.perturb(delta, s.config.seed);
    let has_full = s.has_full();
    let horizon = if has_full {
        s.config.steps.max(steps_taken)
    } else {
        steps_taken
    };
    let (mut reached, mut excess) = (None, 0.0);
    for n in 0..=horizon {
        if n == steps_taken {
            excess = population.excess_loss()?;
        }
        if has_full
            && reached.is_none()
            && max_relative_error(&population.symbol(), &s.exact_optimum) <= s.protocol.epsilon
        {
            reached = Some(n);
        }
        if n == horizon || (n >= steps_taken && (!has_full || reached.is_some())) {
            break;
        }
        population.step(s.eta)?;
    }
    Ok((reached, excess))
}

/// Runs one training experiment: the trainer on sampled fields, and the predictions beside.
pub fn train(config: TrainConfig, observer: &dyn Observer) -> Result<TrainReport> {
    Ok(train_network(config, observer)?.0)
}

/// A radius R with 2R + 1 ≥ L reaches every offset of the periodic lattice: such a local
/// layer has V parameters and is the full layer (the run says so rather than label it local).
fn covering_note(config: &TrainConfig) -> Option<String> {
    let radius = match config.layers {
        Layers::Full => return None,
        Layers::Local(r) | Layers::Mixed(r) => r,
    };
    (2 * radius + 1 >= config.l).then(|| {
        format!(
            "local:{radius} on L = {}: 2R + 1 = {} ≥ L reaches every site, so the local layers are full layers here",
            config.l,
            2 * radius + 1
        )
    })
}

/// Fields × sites × steps per second of the full-batch trainer on 2 cores, measured here:
/// `train --d 3 --l 16` took 1 316 steps on 1 024 fields of 4 096 sites in 15 s.
pub const TRAIN_RATE: f64 = 3.7e8;

/// Fresh-field SGD does more per field and site than full-batch GD (each step draws and
/// transforms its batch): `train --d 3 --l 16 --batch 64 --steps 2000` took 20 s, 14× the
/// full-batch rate.
pub const SGD_COST: f64 = 14.0;

/// What a `train` run is expected to cost, known before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainCost {
    /// Steps it is expected to take: for full-batch GD of full layers or one local layer 1.5×
    /// the closed-form training time plus 100 (the data's time is within a few per cent of
    /// it), capped by `steps`; otherwise (SGD, stacks with local layers) the cap itself.
    pub steps: u64,
    /// Seconds at [`TRAIN_RATE`]: steps × fields × sites × depth (× [`SGD_COST`] for SGD).
    pub seconds: f64,
}

/// The expected cost of a `train` run, from its configuration (validated first).
pub fn train_cost(config: &TrainConfig) -> Result<TrainCost> {
    let s = Setup::new(*config)?;
    let volume = s.spec_t.lattice().volume() as f64;
    let (steps, fields, factor) = match config.batch {
        Some(b) => (config.steps, b, SGD_COST),
        None => {
            let expected = s
                .population_steps()?
                .map_or(config.steps as f64, |n| 1.5 * n as f64 + 100.0);
            (
                expected.min(config.steps as f64) as u64,
                config.samples,
                1.0,
            )
        }
    };
    let work = steps as f64 * fields as f64 * volume * config.depth as f64 * factor;
    Ok(TrainCost {
        steps,
        seconds: work / TRAIN_RATE,
    })
}

/// [`train`], also returning the trained network.
pub fn train_network(
    config: TrainConfig,
    observer: &dyn Observer,
) -> Result<(TrainReport, ConvNet)> {
    let s = Setup::new(config)?;
    let lattice = s.spec_t.lattice();
    let mut net = ConvNet::balanced(lattice, &s.kinds, s.v0)?;
    let measured = match config.batch {
        Some(b) => run_sgd(&s, &mut net, b, observer)?,
        None => run_full_batch(&s, &mut net, observer)?,
    };
    let population_optimum = match &s.local_one {
        Some(local) => Some(local.optimum_symbol()?),
        None if s.has_full() => Some(s.exact_optimum.clone()),
        None => None,
    };
    let mut predicted_steps_population = s.population_steps()?;
    // an exactly balanced stack of local layers never leaves the balanced manifold (R5.6):
    // report the prediction from it and from a start perturbed by 10⁻⁶
    let stacked = s.local_one.is_none() && !s.all_full();
    let predicted_excess_loss_balanced = if stacked && !s.has_full() {
        Some(population_run(&s, 0.0, measured.steps_taken)?.1)
    } else {
        None
    };
    let mut predicted_excess_loss_population = None;
    if stacked {
        let (reached, excess) = population_run(&s, 1e-6, measured.steps_taken)?;
        predicted_steps_population = predicted_steps_population.or(reached);
        predicted_excess_loss_population = Some(excess);
    }
    let report = TrainReport {
        config,
        parameters: net.parameter_count(),
        full_parameters: config.depth * lattice.volume(),
        learning_rate: s.eta,
        measured_steps: measured.steps,
        predicted_steps_empirical: measured.predicted_empirical,
        predicted_steps_population,
        final_loss: measured.final_loss,
        final_relative_error_population: population_optimum
            .map(|o| max_relative_symbol_error(&net, &o)),
        final_excess_loss_population: excess_loss_per_site(&s.spec_t, &net.symbol())?,
        predicted_excess_loss_population,
        predicted_excess_loss_balanced,
        steps_taken: measured.steps_taken,
        stopping_rule: measured.rule,
        note: covering_note(&config),
    };
    Ok((report, net))
}
