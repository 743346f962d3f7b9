//! Training times under the optimizers practitioners use (derivations/09): closed forms for
//! momentum, population iterations for Adam, trainers on sampled fields, side by side.
//!
//! Records: T(L) per optimizer and depth by the closed forms (R9.3, R9.4, R9.8; GD by R3.3,
//! R4.4), Adam in the Fourier parametrisation by the population iteration with the
//! learning-rate rule R9.6, the momentum trainers on sampled fields against the closed form on
//! the data's statistics (R9.1–R9.3), and online SGD's stationary variance on fields against
//! R9.10. Real-space Adam is not run here: its learning-rate search takes minutes at L = 16
//! and did not finish at L = 32 in 30 min (R9.7).

use ndarray::ArrayD;
use num_complex::Complex;
use serde::{Deserialize, Serialize};

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::Result;
use crate::experiment::optimizer::{self as opt, Trainer, UpdateRule};
use crate::experiment::trainer::StoppingRule;
use crate::experiment::{ConvNet, DataSet};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::optimizer::{Momentum, OptimizerSpec};
use crate::model::{LayerKind, Protocol};
use crate::progress::Observer;
use crate::symbol::Symbol;
use crate::theory::adam::{self, AdamConstants, AdamCriterion};
use crate::theory::momentum::{self, Method, ModeDynamics};

/// What `reproduce` runs for the optimizers (the `[optimizers]` table of the configuration;
/// every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizerStudyConfig {
    /// Sides of the closed-form tables.
    pub sides: Vec<usize>,
    /// Sides of the trainers on sampled fields.
    pub numeric_sides: Vec<usize>,
    /// Sides of the Fourier-parametrised Adam sweeps (R9.6; a subset of `sides` keeps the
    /// figure aligned, but any sides ≥ 2 work).
    pub adam_sides: Vec<usize>,
    /// Fields per data set of the momentum trainers.
    pub samples: usize,
    /// Steps of the online-SGD stationary run (R9.10), after a burn-in of 200 steps.
    pub sgd_steps: usize,
}

impl Default for OptimizerStudyConfig {
    fn default() -> Self {
        Self {
            sides: vec![8, 16, 32, 64],
            numeric_sides: vec![4, 6, 8],
            adam_sides: vec![8, 16, 32, 64],
            samples: 256,
            sgd_steps: 20_000,
        }
    }
}

/// The optimizers of the closed-form tables (spellings `gd`, `momentum:0.9`, `nesterov:0.9`,
/// `momentum:tuned`, `nesterov:tuned`; R9.3, R9.4).
pub const CLOSED_FORM_OPTIMIZERS: [OptimizerSpec; 5] = [
    OptimizerSpec::Gd,
    OptimizerSpec::HeavyBall {
        beta: Momentum::Fixed(0.9),
    },
    OptimizerSpec::Nesterov {
        beta: Momentum::Fixed(0.9),
    },
    OptimizerSpec::HeavyBall {
        beta: Momentum::Tuned,
    },
    OptimizerSpec::Nesterov {
        beta: Momentum::Tuned,
    },
];

/// One training time T(L) of one optimizer at one depth (t = 0, β_c, protocol ε and c).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerRow {
    /// Optimizer spelling (`gd`, `momentum:0.9`, …, `adam-fourier`).
    pub optimizer: String,
    /// Depth D.
    pub depth: usize,
    /// Side L.
    pub l: usize,
    /// Training time T(ε) in steps.
    pub steps: u64,
    /// Learning rate used (η, or Adam's lr chosen by R9.6).
    pub learning_rate: f64,
    /// Momentum β (0 for GD and Adam).
    pub momentum: f64,
}

/// A fitted exponent of T(L) for one optimizer and depth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerFit {
    /// Optimizer spelling.
    pub optimizer: String,
    /// Depth D.
    pub depth: usize,
    /// Least-squares slope of ln T against ln L.
    pub exponent: f64,
    /// For Polyak's heavy ball (tuned, D = 1): the slope of ln(T/ln(4T/ε)) (R9.4).
    pub log_corrected_exponent: Option<f64>,
    /// Mean increment of T per doubling of L (the logarithmic law's slope, R4.4, R9.8).
    pub increment_per_doubling: f64,
}

/// A momentum trainer on sampled fields against the closed form on the data's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerFieldRow {
    /// Optimizer spelling.
    pub optimizer: String,
    /// Side L.
    pub l: usize,
    /// Steps after which the trainer's every mode stays within ε of v̂* (logged run).
    pub measured: u64,
    /// max_k of the closed-form time on the data's Ĉ_k (R9.3).
    pub closed_form_data: u64,
}

/// Online SGD's stationary variance on fields against R9.10, by batch means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SgdVarianceCheck {
    /// Mean over steps of the mode-averaged |e_k|²/S_∞,k.
    pub mean_ratio: f64,
    /// Its batch-means standard error.
    pub standard_error: f64,
    /// Number of batches K.
    pub batches: usize,
    /// Two-sided Student-t quantile at level 1e-6 with K − 1 degrees of freedom.
    pub critical_t: f64,
    /// Power against a uniform 5 % error on every mode's variance (normal approximation).
    pub power_at_5_percent: f64,
}

/// Everything the optimizer claims read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerStudy {
    /// Closed-form and Adam training times.
    pub rows: Vec<OptimizerRow>,
    /// Fitted exponents per optimizer and depth.
    pub fits: Vec<OptimizerFit>,
    /// Momentum trainers on fields.
    pub fields: Vec<OptimizerFieldRow>,
    /// Online SGD stationary variance.
    pub sgd: SgdVarianceCheck,
}

fn critical_spectrum(d: usize, l: usize, t: f64) -> Result<(GaussianField, Symbol)> {
    let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
    let spec = spectrum_at(field.spectrum(), t)?;
    Ok((field, spec))
}

/// Heavy ball or Nesterov of a momentum spelling; `None` for GD and Adam.
fn momentum_of(spec: &OptimizerSpec) -> Option<(Method, Momentum)> {
    match *spec {
        OptimizerSpec::HeavyBall { beta } => Some((Method::HeavyBall, beta)),
        OptimizerSpec::Nesterov { beta } => Some((Method::Nesterov, beta)),
        _ => None,
    }
}

/// Closed-form T(L) of one optimizer spelling on the critical spectrum at time t (R3.3, R4.4
/// for GD; R9.3, R9.4, R9.8 for momentum; Adam has none and is refused).
pub fn closed_form_row(
    (d, l, t): (usize, usize, f64),
    spec: &OptimizerSpec,
    protocol: &Protocol,
) -> Result<OptimizerRow> {
    if let OptimizerSpec::Adam { .. } = spec {
        return Err(crate::error::Error::Invalid {
            name: "optimizer",
            value: spec.to_string(),
            requirement: "Adam has no closed form (R9.5); training-time takes gd, momentum:BETA|tuned or nesterov:BETA|tuned (train --optimizer adam:LR measures it)".into(),
        });
    }
    spec.validate()?;
    let (_, spectrum) = critical_spectrum(d, l, t)?;
    let (steps, learning_rate, momentum) = match momentum_of(spec) {
        Some((method, beta)) => {
            let t = momentum::training_time(&spectrum, method, beta, protocol)?;
            (t.steps, t.learning_rate, t.momentum)
        }
        None => {
            let t = crate::theory::training_time::training_time(&spectrum, protocol)?;
            (t.steps, t.learning_rate, 0.0)
        }
    };
    Ok(OptimizerRow {
        optimizer: spec.to_string(),
        depth: protocol.depth,
        l,
        steps,
        learning_rate,
        momentum,
    })
}

/// Adam in the Fourier parametrisation at side L and depth D, lr chosen by R9.6 (criterion:
/// ε held for a 1000-step window, cap 20 000 steps); `None` if no rate of the grid trains.
pub fn adam_fourier_row(d: usize, l: usize, protocol: &Protocol) -> Result<Option<OptimizerRow>> {
    let (_, spectrum) = critical_spectrum(d, l, 0.0)?;
    let criterion = AdamCriterion {
        epsilon: protocol.epsilon,
        window: 1000,
        max_steps: 20_000,
    };
    let v0 = protocol.initial_symbol(&spectrum);
    let found = adam::fastest_rate(|lr| {
        let consts = AdamConstants::from_spec(&OptimizerSpec::adam(lr))?;
        Ok(
            adam::per_mode_training_time(&spectrum, protocol.depth, &consts, v0, &criterion)
                .map(|x| x.0),
        )
    })?;
    Ok(found.map(|(lr, steps)| OptimizerRow {
        optimizer: ADAM_FOURIER.into(),
        depth: protocol.depth,
        l,
        steps,
        learning_rate: lr,
        momentum: 0.0,
    }))
}

/// The label of Fourier-parametrised Adam with the R9.6 learning-rate rule.
pub const ADAM_FOURIER: &str = "adam-fourier";

/// Fits of every (optimizer, depth) with at least two sides.
pub fn fits(rows: &[OptimizerRow], epsilon: f64) -> Result<Vec<OptimizerFit>> {
    let mut keys: Vec<(String, usize)> = rows
        .iter()
        .map(|r| (r.optimizer.clone(), r.depth))
        .collect();
    keys.dedup();
    let mut out = Vec::new();
    for (optimizer, depth) in keys {
        let pts: Vec<&OptimizerRow> = rows
            .iter()
            .filter(|r| r.optimizer == optimizer && r.depth == depth)
            .collect();
        if pts.len() < 2 {
            continue;
        }
        let ls: Vec<f64> = pts.iter().map(|r| r.l as f64).collect();
        let ts: Vec<f64> = pts.iter().map(|r| r.steps as f64).collect();
        let exponent = crate::fit::power_law(&ls, &ts)?.slope;
        let log_corrected_exponent = if optimizer == "momentum:tuned" && depth == 1 {
            let ratio: Vec<f64> = ts.iter().map(|t| t / (4.0 * t / epsilon).ln()).collect();
            Some(crate::fit::power_law(&ls, &ratio)?.slope)
        } else {
            None
        };
        let incs: Vec<f64> = pts
            .windows(2)
            .map(|w| {
                (w[1].steps as f64 - w[0].steps as f64) / (w[1].l as f64 / w[0].l as f64).log2()
            })
            .collect();
        out.push(OptimizerFit {
            optimizer,
            depth,
            exponent,
            log_corrected_exponent,
            increment_per_doubling: incs.iter().sum::<f64>() / incs.len() as f64,
        });
    }
    Ok(out)
}

/// Last step (+1) at which some mode of a logged run is farther than ε|v̂*| from v̂*: the
/// training time of an oscillating (momentum) run, which must stay within ε afterwards.
pub fn last_exceedance(
    symbols: &[ArrayD<Complex<f64>>],
    optimum: &ArrayD<Complex<f64>>,
    eps: f64,
) -> u64 {
    symbols
        .iter()
        .rposition(|v| {
            v.iter()
                .zip(optimum)
                .any(|(v, o)| (v - o).norm() > eps * o.norm())
        })
        .map_or(0, |k| k as u64 + 1)
}

/// Momentum trainers (one layer, real-space kernels, from v = 0) on `samples` sampled fields
/// at side L and time t, against max_k of the closed form R9.3 on the data's Ĉ_k. The run is
/// logged for 2T + 50 steps; the closed form certifies no later exceedance.
pub fn field_rows(
    d: usize,
    l: usize,
    (samples, t, seed): (usize, f64, u64),
    protocol: &Protocol,
) -> Result<Vec<OptimizerFieldRow>> {
    let (field, spec_t) = critical_spectrum(d, l, t)?;
    let lattice = field.lattice();
    let data = DataSet::draw(field.spectrum(), samples, &[t], seed)?;
    let stats = data.statistics(0)?;
    let batch = data.batch(0)?.to_spectral(&RealFft::new(lattice))?;
    let optimum = stats.optimum();
    let tuning = with_extremes(&spec_t, &stats.c_hat)?;
    let mut rows = Vec::new();
    for spec in &CLOSED_FORM_OPTIMIZERS[1..] {
        let Some((method, beta)) = momentum_of(spec) else {
            continue;
        };
        let (eta, b) = momentum::parameters(method, beta, &tuning, protocol)?;
        let mut closed = 0;
        for &c in stats.c_hat.iter() {
            let mode = ModeDynamics::new(method, c, eta, b, 0.0);
            closed = closed.max(momentum::training_steps_above(&mode, protocol.epsilon, 0)?);
        }
        let rule = opt::rule_for(spec, eta, b)?;
        let symbols = logged_symbols(rule, lattice, &batch, 2 * closed + 50)?;
        rows.push(OptimizerFieldRow {
            optimizer: spec.to_string(),
            l,
            measured: last_exceedance(&symbols, &optimum, protocol.epsilon),
            closed_form_data: closed,
        });
    }
    Ok(rows)
}

/// The population symbol with its largest and smallest values replaced by the data's Ĉ_max
/// and Ĉ_min: `momentum::parameters` reads only these extremes (R9.3, R9.4), so tuned
/// momentum is tuned to the data's Hessian (a population tuning can put the data's stiffest
/// mode outside Polyak's stable window).
pub fn with_extremes(spec_t: &Symbol, c_hat: &ArrayD<f64>) -> Result<Symbol> {
    let hi = c_hat.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = c_hat.iter().copied().fold(f64::INFINITY, f64::min);
    let mut values = spec_t.values().to_vec();
    let imax = (0..values.len()).max_by(|&a, &b| values[a].total_cmp(&values[b]));
    let imin = (0..values.len()).min_by(|&a, &b| values[a].total_cmp(&values[b]));
    if let (Some(imax), Some(imin)) = (imax, imin) {
        values[imax] = values[imax].max(hi);
        values[imin] = values[imin].min(lo);
    }
    spec_t.with_values(values)
}

/// Symbols of every step of a one-layer run from v = 0.
fn logged_symbols(
    rule: Box<dyn UpdateRule>,
    lattice: Lattice,
    batch: &crate::experiment::SpectralBatch,
    steps: u64,
) -> Result<Vec<ArrayD<Complex<f64>>>> {
    let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0)?;
    let mut trainer = Trainer::new(rule, steps);
    trainer.log_every = 1;
    trainer.keep_symbols = true;
    let log = trainer.train(&mut net, batch, &StoppingRule::Never)?;
    Ok(log.logged.into_iter().filter_map(|s| s.symbol).collect())
}

/// Runs the optimizer study on `cfg` (d, protocol c and ε, seed) with progress to `observer`.
pub fn optimizer_study(
    d: usize,
    cfg: &OptimizerStudyConfig,
    (protocol, t, seed): (Protocol, f64, u64),
    observer: &dyn Observer,
) -> Result<OptimizerStudy> {
    observer.stage("optimizers (closed forms, Adam, trainers, SGD)", 4);
    let mut rows = Vec::new();
    for spec in &CLOSED_FORM_OPTIMIZERS {
        for depth in [1, 2] {
            let p = protocol.with_depth(depth)?;
            for &l in &cfg.sides {
                rows.push(closed_form_row((d, l, 0.0), spec, &p)?);
            }
        }
    }
    observer.advance(1);
    for depth in [1, 2] {
        let p = protocol.with_depth(depth)?;
        for &l in &cfg.adam_sides {
            rows.extend(adam_fourier_row(d, l, &p)?);
        }
    }
    observer.advance(1);
    let p1 = protocol.with_depth(1)?;
    let mut fields = Vec::new();
    for &l in &cfg.numeric_sides {
        fields.extend(field_rows(
            d,
            l,
            (cfg.samples, t, seed + 5000 + l as u64),
            &p1,
        )?);
    }
    observer.advance(1);
    let sgd = stationary_variance_check(cfg.sgd_steps, seed + 6000)?;
    observer.advance(1);
    observer.finish();
    Ok(OptimizerStudy {
        fits: fits(&rows, protocol.epsilon)?,
        rows,
        fields,
        sgd,
    })
}

/// Online SGD (D = 1, B = 16 fresh fields per step, the crate's `Sgd` trainer) on a massive
/// free field (d = 2, L = 8, β = 0.1, μ = 1, t = 1/2, η = 0.2/C_max(t)), started at v* and
/// burnt in for 200 steps (E\[A²\]^200 < 1e-80), then run `steps` steps: the mode-averaged
/// |e_k|²/S_∞,k (R9.10) per step, tested against 1 by batch means (K = 100 batches of
/// ≥ 100 steps ≫ the correlation time 1/(1 − ρ²) ≤ 3 steps, ρ = 1 − 2ηC ≤ 0.67), as in
/// `tests/optimizers.rs::online_sgd_stationary_variance_matches_the_derivation`.
pub fn stationary_variance_check(steps: usize, seed: u64) -> Result<SgdVarianceCheck> {
    use crate::experiment::trainer::Sgd;
    use crate::sampling::{seeded_rng, FieldSampler};
    use crate::theory::online_sgd::OnlineSgd;
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    let batches = 100;
    let steps = steps.max(batches * 10);
    let lattice = Lattice::new(2, 8)?;
    let field = GaussianField::massive_free(lattice, 0.1, 1.0)?;
    let t = 0.5;
    let spec_t = spectrum_at(field.spectrum(), t)?;
    let eta = 0.2 / spec_t.max();
    let s_k = OnlineSgd::new(&spec_t, t, eta, 16)?.stationary_variances()?;
    let c_half = spec_t.to_half();
    let mut net = ConvNet::new(lattice, &[LayerKind::Full])?;
    net.set_kernels(&[RealFft::new(lattice).kernel(&spec_t.map(|c| 1.0 / c))?])?;
    let sampler = FieldSampler::new(field.spectrum())?;
    let sgd = Sgd {
        eta,
        batch_size: 16,
        t,
    };
    let mut rng = seeded_rng(seed);
    sgd.train(&mut net, &sampler, 200, &mut rng)?;
    let symbols = sgd.train(&mut net, &sampler, steps, &mut rng)?;
    let pooled: Vec<f64> = symbols[1..]
        .iter()
        .map(|v| {
            let q: f64 = v
                .iter()
                .zip(&c_half)
                .zip(&s_k)
                .map(|((v, &c), &s)| (v - 1.0 / c).norm_sqr() / s)
                .sum();
            q / v.len() as f64
        })
        .collect();
    let len = pooled.len() / batches;
    let means: Vec<f64> = pooled
        .chunks_exact(len)
        .map(|c| c.iter().sum::<f64>() / len as f64)
        .collect();
    let mean = means.iter().sum::<f64>() / batches as f64;
    let var = means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (batches - 1) as f64;
    let se = (var / batches as f64).sqrt();
    let stats_err = |e: &dyn std::fmt::Display| crate::error::Error::NoConvergence {
        what: "online SGD variance test",
        detail: e.to_string(),
    };
    let critical_t = StudentsT::new(0.0, 1.0, (batches - 1) as f64)
        .map_err(|e| stats_err(&e))?
        .inverse_cdf(1.0 - 1e-6 / 2.0);
    let normal = Normal::new(0.0, 1.0).map_err(|e| stats_err(&e))?;
    Ok(SgdVarianceCheck {
        mean_ratio: mean,
        standard_error: se,
        batches,
        critical_t,
        power_at_5_percent: normal.cdf(0.05 / se - critical_t),
    })
}

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

/// `training-time --optimizer SPEC`: the closed-form T(L) of a momentum optimizer (or GD) at
/// every depth and side, at diffusion time t (R9.3, R9.4, R9.8); Adam is refused (no closed
/// form, R9.5).
pub fn closed_form_rows(
    d: usize,
    sides: &[usize],
    depths: &[usize],
    (protocol, t): (Protocol, f64),
    spec: &OptimizerSpec,
) -> Result<Vec<OptimizerRow>> {
    let mut rows = Vec::new();
    for &depth in depths {
        let p = protocol.with_depth(depth)?;
        for &l in sides {
            rows.push(closed_form_row((d, l, t), spec, &p)?);
        }
    }
    Ok(rows)
}
