//! Tables built from the closed forms, as printed by the command-line tool (human text) and
//! exported as JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::data::{critical_coupling, GaussianField};
use crate::diffusion::forward::spectrum_at;
use crate::error::Result;
use crate::fit;
use crate::lattice::Lattice;
use crate::theory::{training_time, Protocol};

/// Spectrum summary of the large-n model on one lattice (R1.2–R1.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpectrumRow {
    /// Dimension d.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Coupling β.
    pub beta: f64,
    /// Mass μ from the gap equation.
    pub mu: f64,
    /// μ L² (tends to a constant at β_c in d = 3).
    pub mu_l2: f64,
    /// Second-moment correlation length ξ = √(β/μ).
    pub xi: f64,
    /// ξ/L.
    pub xi_over_l: f64,
    /// Condition number κ = C_max/C_min.
    pub kappa: f64,
    /// κ/L².
    pub kappa_over_l2: f64,
    /// Relative residual of the gap equation.
    pub gap_residual: f64,
}

/// The large-n model on (Z_L)^d at coupling β (β_c(d) when `beta` is `None`).
pub fn spectrum_row(d: usize, l: usize, beta: Option<f64>) -> Result<SpectrumRow> {
    let lattice = Lattice::new(d, l)?;
    let beta = match beta {
        Some(b) => b,
        None => critical_coupling(d)?,
    };
    let field = GaussianField::large_n(lattice, beta)?;
    let (_, mu) = field
        .coupling_and_mass()
        .expect("large-n model has β and μ");
    let residual = match field.kind() {
        crate::data::model::ModelKind::LargeN { gap_residual, .. } => gap_residual,
        _ => unreachable!("built as large-n"),
    };
    let lf = l as f64;
    let xi = field.correlation_length().expect("large-n model has ξ");
    let kappa = field.condition_number();
    Ok(SpectrumRow {
        d,
        l,
        beta,
        mu,
        mu_l2: mu * lf * lf,
        xi,
        xi_over_l: xi / lf,
        kappa,
        kappa_over_l2: kappa / (lf * lf),
        gap_residual: residual,
    })
}

/// Human-readable spectrum table.
pub fn format_spectrum(rows: &[SpectrumRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>2} {:>5} {:>12} {:>13} {:>10} {:>11} {:>8} {:>13} {:>9} {:>10}",
        "d", "L", "beta", "mu", "mu*L^2", "xi", "xi/L", "kappa", "kappa/L^2", "residual"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:>2} {:>5} {:>12.9} {:>13.6e} {:>10.6} {:>11.4} {:>8.5} {:>13.6e} {:>9.5} {:>10.1e}",
            r.d,
            r.l,
            r.beta,
            r.mu,
            r.mu_l2,
            r.xi,
            r.xi_over_l,
            r.kappa,
            r.kappa_over_l2,
            r.gap_residual
        );
    }
    s
}

/// One row of the training-time table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// κ(t) of the spectrum trained on.
    pub kappa: f64,
    /// Learning rate η.
    pub learning_rate: f64,
    /// Discrete GD steps T_D(ε).
    pub steps: u64,
    /// Gradient-flow time τ_D(ε).
    pub flow_time: f64,
}

/// Fitted scaling of the steps of one depth over L.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DepthFit {
    /// Depth D.
    pub depth: usize,
    /// Exponent p of T_D ∝ L^p (log–log least squares).
    pub exponent: f64,
    /// Slope b of T_D = a + b ln L (relevant for D = 2).
    pub log_slope: f64,
    /// Predicted exponent: 2 for D = 1 (R3.3), 2 − 4/D for D ≥ 3 (R4.5), none (logarithmic,
    /// R4.4) for D = 2.
    pub predicted_exponent: Option<f64>,
}

/// Training-time table T_D(L) at β_c(d), diffusion time t, for several depths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingTable {
    /// Dimension d.
    pub d: usize,
    /// Diffusion time t of the training.
    pub t: f64,
    /// Learning-rate fraction c and accuracy ε (depth varies per row).
    pub protocol: Protocol,
    /// One row per (depth, L).
    pub rows: Vec<TrainingRow>,
    /// One fit per depth (empty when fewer than two L).
    pub fits: Vec<DepthFit>,
}

/// Builds the table of T_D(ε) over `sides` × `depths` at β_c(d), diffusion time `t`.
pub fn training_table(
    d: usize,
    sides: &[usize],
    depths: &[usize],
    protocol: Protocol,
    t: f64,
) -> Result<TrainingTable> {
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
    let mut fits = Vec::new();
    if sides.len() >= 2 {
        for &depth in depths {
            let pts: Vec<&TrainingRow> = rows.iter().filter(|r| r.depth == depth).collect();
            let ls: Vec<f64> = pts.iter().map(|r| r.l as f64).collect();
            let ts: Vec<f64> = pts.iter().map(|r| r.steps as f64).collect();
            let ln_l: Vec<f64> = ls.iter().map(|v| v.ln()).collect();
            let predicted_exponent = match depth {
                1 => Some(2.0),
                2 => None,
                _ => Some(2.0 - 4.0 / depth as f64),
            };
            fits.push(DepthFit {
                depth,
                exponent: fit::power_law(&ls, &ts)?.slope,
                log_slope: fit::line(&ln_l, &ts)?.slope,
                predicted_exponent,
            });
        }
    }
    Ok(TrainingTable {
        d,
        t,
        protocol,
        rows,
        fits,
    })
}

/// Human-readable training-time table with fits.
pub fn format_training(table: &TrainingTable) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "training time to eps = {} at beta_c, d = {}, t = {}, eta = c/lambda* with c = {}",
        table.protocol.epsilon, table.d, table.t, table.protocol.lr_fraction
    );
    let _ = writeln!(
        s,
        "{:>5} {:>5} {:>13} {:>11} {:>10} {:>13}",
        "depth", "L", "kappa", "eta", "steps", "flow time"
    );
    for r in &table.rows {
        let _ = writeln!(
            s,
            "{:>5} {:>5} {:>13.6e} {:>11.5e} {:>10} {:>13.6e}",
            r.depth, r.l, r.kappa, r.learning_rate, r.steps, r.flow_time
        );
    }
    for f in &table.fits {
        let predicted = match f.predicted_exponent {
            Some(p) => format!("{p:.4}"),
            None => "log L".to_string(),
        };
        let _ = writeln!(
            s,
            "depth {}: T ~ L^{:.4} (predicted {}); T = a + b ln L with b = {:.3}",
            f.depth, f.exponent, predicted, f.log_slope
        );
    }
    s
}

/// Which layers a `train` run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Layers {
    /// Every layer full.
    Full,
    /// Every layer local with radius R.
    Local(usize),
    /// First layer local (radius R), the others full.
    Mixed(usize),
}

impl std::str::FromStr for Layers {
    type Err = String;
    /// `full`, `local:R` or `mixed:R`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let radius = |r: &str| {
            r.parse::<usize>()
                .map_err(|_| format!("bad radius in {s:?}: use local:R or mixed:R with R ≥ 0"))
        };
        if s == "full" {
            Ok(Layers::Full)
        } else if let Some(r) = s.strip_prefix("local:") {
            Ok(Layers::Local(radius(r)?))
        } else if let Some(r) = s.strip_prefix("mixed:") {
            Ok(Layers::Mixed(radius(r)?))
        } else {
            Err(format!(
                "unknown layers {s:?}: use full, local:R or mixed:R"
            ))
        }
    }
}

impl Layers {
    /// The layer kinds of a depth-D network.
    pub fn kinds(&self, depth: usize) -> Vec<crate::architecture::LayerKind> {
        use crate::architecture::LayerKind;
        (0..depth)
            .map(|l| match *self {
                Layers::Full => LayerKind::Full,
                Layers::Local(radius) => LayerKind::Local { radius },
                Layers::Mixed(radius) if l == 0 => LayerKind::Local { radius },
                Layers::Mixed(_) => LayerKind::Full,
            })
            .collect()
    }
}

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
    /// Final per-site DSM loss on the training data (full-batch) or last batch (SGD).
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
    /// gradient descent never leaves (a saddle, R5.6). A trainer leaves it through rounding,
    /// after a step count that grows like ln(1/asymmetry), so its excess loss lies between
    /// this value (before it escapes) and the perturbed prediction (after).
    pub predicted_excess_loss_balanced: Option<f64>,
    /// Steps actually taken.
    pub steps_taken: u64,
}

/// Runs one training experiment: the trainer on sampled fields, and the closed forms beside.
pub fn train(config: TrainConfig) -> Result<TrainReport> {
    use crate::architecture::LayerKind;
    use crate::experiment::trainer::{
        max_relative_error, max_relative_symbol_error, FullBatchGd, Sgd, StoppingRule,
    };
    use crate::experiment::{ConvNet, DataSet};
    use crate::fourier::RealFft;
    use crate::sampling::{seeded_rng, FieldSampler};
    use crate::theory::{
        empirical,
        local::{excess_loss_per_site, LocalOneLayer, PopulationNet},
    };
    use num_complex::Complex;

    let protocol = config.protocol.with_depth(config.depth)?;
    let lattice = Lattice::new(config.d, config.l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let spec_t = spectrum_at(field.spectrum(), config.t)?;
    let kinds = config.layers.kinds(config.depth);
    let all_full = kinds.iter().all(|k| *k == LayerKind::Full);
    // a stack with a full layer can represent 1/C_k(t) exactly (R5.6)
    let has_full = kinds.contains(&LayerKind::Full);
    let local_one = match kinds.as_slice() {
        [LayerKind::Local { radius }] => Some(LocalOneLayer::new(&spec_t, *radius)?),
        _ => None,
    };
    let eta = match &local_one {
        Some(local) => local.learning_rate(protocol.lr_fraction)?,
        None => protocol.learning_rate(&spec_t),
    };
    let v0 = protocol.initial_symbol(&spec_t);
    let mut net = ConvNet::balanced(lattice, &kinds, v0)?;
    let exact_optimum = spec_t.to_half().mapv(|c| Complex::new(1.0 / c, 0.0));
    let population_optimum = match &local_one {
        Some(local) => Some(local.optimum_symbol()?),
        None if has_full => Some(exact_optimum.clone()),
        None => None,
    };
    let predicted_steps_population = match &local_one {
        Some(local) => Some(local.training_steps(eta, protocol.epsilon, config.steps.max(1))?),
        None if all_full => Some(training_time(&spec_t, &protocol)?.steps),
        None => None,
    };
    let fft = RealFft::new(lattice);
    let (measured_steps, predicted_steps_empirical, final_loss, steps_taken) = match config.batch {
        Some(b) => {
            let sampler = FieldSampler::new(field.spectrum())?;
            let sgd = Sgd {
                eta,
                batch_size: b.max(1),
                t: config.t,
            };
            let steps = config.steps as usize;
            sgd.train(&mut net, &sampler, steps, &mut seeded_rng(config.seed))?;
            (None, None, None, config.steps)
        }
        None => {
            let data = DataSet::draw(field.spectrum(), config.samples, &[config.t], config.seed)?;
            let stats = data.statistics(0)?;
            let batch = data.batch(0)?.to_spectral(&fft)?;
            let mut gd = FullBatchGd::new(eta, config.steps)?;
            gd.progress = true;
            // stacks with a full layer reach the data set's own optimum T_k/Ĉ_k; for full
            // stacks the closed form on the data statistics predicts when
            let (rule, predicted) = if has_full {
                let predicted = if all_full {
                    let c_hat: Vec<f64> = stats.c_hat.iter().copied().collect();
                    let target: Vec<Complex<f64>> = stats.target().iter().copied().collect();
                    empirical::training_steps(
                        config.depth,
                        &c_hat,
                        &target,
                        eta,
                        v0,
                        protocol.epsilon,
                        config.steps,
                    )
                } else {
                    None
                };
                (
                    StoppingRule::relative_symbol_error(protocol.epsilon, stats.optimum())?,
                    predicted,
                )
            } else {
                (StoppingRule::Never, None)
            };
            let log = gd.train(&mut net, &batch, &rule)?;
            let loss = log.logged.last().map(|s| s.loss);
            (log.trained_at, predicted, loss, log.steps_taken)
        }
    };
    // Gradient descent on the population loss from the balanced start perturbed by a relative
    // δ (R5.6), with the trainer's η and v0: the excess loss after the steps the trainer took,
    // and for stacks with a full layer the first step with relative error ≤ ε against 1/C_k(t)
    // (searched up to the step cap).
    let run_population = |delta: f64| -> Result<(Option<u64>, f64)> {
        let mut population = PopulationNet::balanced(&spec_t, &kinds, v0)?;
        population.perturb(delta, config.seed);
        let mut reached = None;
        let mut excess = 0.0;
        let horizon = if has_full {
            config.steps.max(steps_taken)
        } else {
            steps_taken
        };
        for n in 0..=horizon {
            if n == steps_taken {
                excess = population.excess_loss()?;
            }
            if has_full && reached.is_none() {
                let error = max_relative_error(&population.symbol()?, &exact_optimum);
                if error <= protocol.epsilon {
                    reached = Some(n);
                }
            }
            if n == horizon || (n >= steps_taken && (!has_full || reached.is_some())) {
                break;
            }
            population.step(eta)?;
        }
        Ok((reached, excess))
    };
    // an exactly balanced stack of local layers never leaves the balanced manifold, a saddle
    // (R5.6): report the prediction from it and from a start perturbed by 10⁻⁶
    let predicted_excess_loss_balanced = if local_one.is_none() && !has_full {
        Some(run_population(0.0)?.1)
    } else {
        None
    };
    let (population_steps, predicted_excess_loss_population) = if local_one.is_none() && !all_full {
        let (reached, excess) = run_population(1e-6)?;
        (reached, Some(excess))
    } else {
        (None, None)
    };
    let predicted_steps_population = predicted_steps_population.or(population_steps);
    let final_excess_loss_population = excess_loss_per_site(&spec_t, &net.symbol())?;
    Ok(TrainReport {
        config,
        parameters: net.parameter_count(),
        full_parameters: config.depth * lattice.volume(),
        learning_rate: eta,
        measured_steps,
        predicted_steps_empirical,
        predicted_steps_population,
        final_loss,
        final_relative_error_population: population_optimum
            .map(|o| max_relative_symbol_error(&net, &o)),
        final_excess_loss_population,
        predicted_excess_loss_population,
        predicted_excess_loss_balanced,
        steps_taken,
    })
}

/// Human-readable report of a `train` run.
pub fn format_train(r: &TrainReport) -> String {
    let opt = |v: Option<u64>| v.map_or("-".to_string(), |n| n.to_string());
    let optf = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.4e}"));
    let c = &r.config;
    format!(
        "train: d = {}, L = {}, depth {}, layers {:?}, t = {}, {} (seed {})\n\
         parameters {} (full network: {}), eta = {:.5e}, eps = {}\n\
         measured steps to eps:              {}\n\
         closed form on the data statistics: {}\n\
         prediction on the population:       {}\n\
         steps taken {}, final loss {}, final max relative symbol error vs population optimum {}\n\
         excess population loss per site: trained {:.4e}; population GD after the same steps: \
         perturbed start {}, balanced start (saddle) {}\n",
        c.d,
        c.l,
        c.depth,
        c.layers,
        c.t,
        match c.batch {
            Some(b) => format!("SGD with fresh batches of {b}"),
            None => format!("full-batch GD on M = {} fields", c.samples),
        },
        c.seed,
        r.parameters,
        r.full_parameters,
        r.learning_rate,
        c.protocol.epsilon,
        opt(r.measured_steps),
        opt(r.predicted_steps_empirical),
        opt(r.predicted_steps_population),
        r.steps_taken,
        optf(r.final_loss),
        optf(r.final_relative_error_population),
        r.final_excess_loss_population,
        optf(r.predicted_excess_loss_population),
        optf(r.predicted_excess_loss_balanced),
    )
}

/// One row of the generation table: a network trained `budget` steps per grid time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenerationRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Steps of training per grid time.
    pub budget: usize,
    /// κ(t_1) at the smallest diffusion time whose score the sampler uses.
    pub kappa: f64,
    /// budget/κ(t_1).
    pub budget_over_kappa: f64,
    /// KL(p_data ‖ p_gen) per site.
    pub kl_per_site: f64,
    /// KL(p_gen ‖ p_data) per site.
    pub reverse_kl_per_site: f64,
    /// W2²/V.
    pub w2_squared_per_site: f64,
}

/// The sampling set-up of the generation tables.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenerationSetup {
    /// Dimension d (≥ 3, at β_c).
    pub d: usize,
    /// Smallest grid time t_0 > 0 (the target is C_k(t_0)).
    pub t_min: f64,
    /// Horizon T.
    pub horizon: f64,
    /// Geometric grid steps.
    pub grid_steps: usize,
    /// Sampler.
    pub sampler: crate::diffusion::reverse::Sampler,
    /// Learning-rate fraction and ε (depth set per row).
    pub protocol: Protocol,
}

impl Default for GenerationSetup {
    fn default() -> Self {
        Self {
            d: 3,
            t_min: 1e-3,
            horizon: 8.0,
            grid_steps: 40,
            sampler: crate::diffusion::reverse::Sampler::SdeExponential,
            protocol: Protocol::default(),
        }
    }
}

/// Closed-form generated errors of depth-D networks trained `budget(L)` steps per grid time
/// at β_c (R6.6, R6.8).
pub fn generation_rows(
    setup: &GenerationSetup,
    sides: &[usize],
    depth: usize,
    budget: impl Fn(usize, f64) -> usize,
) -> Result<Vec<GenerationRow>> {
    use crate::diffusion::grid::TimeGrid;
    use crate::divergence::{kl_divergence, wasserstein2_squared};
    use crate::theory::generation::{generated_spectrum, trained_score_symbols};
    let grid = TimeGrid::geometric(setup.t_min, setup.horizon, setup.grid_steps)?;
    let protocol = setup.protocol.with_depth(depth)?;
    let mut rows = Vec::new();
    for &l in sides {
        let field = GaussianField::large_n_critical(Lattice::new(setup.d, l)?)?;
        let target = spectrum_at(field.spectrum(), setup.t_min)?;
        let kappa = spectrum_at(field.spectrum(), grid.times()[1])?.condition_number();
        let n = budget(l, kappa);
        let scores = trained_score_symbols(field.spectrum(), &grid, &protocol, n)?;
        let p = generated_spectrum(setup.sampler, &grid, &scores)?;
        let v = (l as f64).powi(setup.d as i32);
        rows.push(GenerationRow {
            l,
            depth,
            budget: n,
            kappa,
            budget_over_kappa: n as f64 / kappa,
            kl_per_site: kl_divergence(&target, &p)? / v,
            reverse_kl_per_site: kl_divergence(&p, &target)? / v,
            w2_squared_per_site: wasserstein2_squared(&p, &target)? / v,
        });
    }
    Ok(rows)
}

/// Horizon T(L) at which the prior mismatch KL(p_T ‖ N(0, I)) (total) falls to δ (R6.3, R6.8).
pub fn horizon_rows(d: usize, sides: &[usize], delta: f64) -> Result<Vec<(usize, f64)>> {
    sides
        .iter()
        .map(|&l| {
            let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
            Ok((
                l,
                crate::theory::generation::horizon_for_kl(field.spectrum(), delta)?,
            ))
        })
        .collect()
}

/// How the `generate` command builds its time grid: `uniform:TMIN:T:N`,
/// `geometric:TMIN:T:N` or `list:t0,t1,…`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridSpec(pub String);

impl GridSpec {
    /// Parses and validates the grid.
    pub fn build(&self) -> Result<crate::diffusion::grid::TimeGrid> {
        use crate::diffusion::grid::TimeGrid;
        let bad = || crate::Error::Parameter {
            name: "grid",
            value: f64::NAN,
            requirement: "use uniform:TMIN:T:N, geometric:TMIN:T:N or list:t0,t1,...",
        };
        let (kind, rest) = self.0.split_once(':').ok_or_else(bad)?;
        match kind {
            "list" => {
                let times = rest
                    .split(',')
                    .map(|s| s.trim().parse::<f64>().map_err(|_| bad()))
                    .collect::<Result<Vec<_>>>()?;
                TimeGrid::new(times)
            }
            "uniform" | "geometric" => {
                let parts: Vec<&str> = rest.split(':').collect();
                if parts.len() != 3 {
                    return Err(bad());
                }
                let t_min: f64 = parts[0].parse().map_err(|_| bad())?;
                let t_max: f64 = parts[1].parse().map_err(|_| bad())?;
                let n: usize = parts[2].parse().map_err(|_| bad())?;
                if kind == "uniform" {
                    TimeGrid::uniform(t_min, t_max, n)
                } else {
                    TimeGrid::geometric(t_min, t_max, n)
                }
            }
            _ => Err(bad()),
        }
    }
}

/// Configuration of one `generate` run at β_c(d).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateConfig {
    /// Dimension d ≥ 3.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Depth D of the trained networks; `None`: the exact score.
    pub depth: Option<usize>,
    /// Training steps per grid time (closed-form partially trained symbols).
    pub steps: usize,
    /// Sampler.
    pub sampler: crate::diffusion::reverse::Sampler,
    /// Time grid.
    pub grid: GridSpec,
    /// Fields to draw.
    pub samples: usize,
    /// Seed.
    pub seed: u64,
}

/// Predicted (closed form) and measured (M sampled fields) errors of a `generate` run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateReport {
    /// The configuration.
    pub config: GenerateConfig,
    /// Predicted KL(p_gen ‖ p_data) per site.
    pub predicted_kl_per_site: f64,
    /// Plug-in KL(P̂ ‖ C) per site from the samples.
    pub measured_kl_per_site: f64,
    /// Bounds on the plug-in KL per site at joint level 1e-6.
    pub kl_bounds_per_site: crate::experiment::estimate::Interval,
    /// Predicted W2²/V.
    pub predicted_w2_squared_per_site: f64,
    /// Plug-in W2²/V.
    pub measured_w2_squared_per_site: f64,
    /// Bounds on the plug-in W2²/V at joint level 1e-6.
    pub w2_bounds_per_site: crate::experiment::estimate::Interval,
    /// Generated and target magnetisation variances (P_0/V): predicted, measured, target.
    pub magnetisation_variance: [f64; 3],
    /// Fraction of modes whose sample variance lies in its χ² interval (1 expected).
    pub modes_in_interval: f64,
    /// Two-point function along the first axis, r = 0…L/2: (r, generated from samples,
    /// predicted, target).
    pub two_point: Vec<[f64; 4]>,
}

/// Runs one generation: closed-form scores, the sampler on fields, and the comparison.
pub fn generate(config: GenerateConfig) -> Result<GenerateReport> {
    use crate::experiment::estimate::{Interval, SpectrumEstimate};
    use crate::experiment::sampler::{generate as sample, SymbolScores};
    use crate::sampling::seeded_rng;
    use crate::theory::generation::{
        exact_score_symbols, generated_spectrum, trained_score_symbols,
    };

    let grid = config.grid.build()?;
    let lattice = Lattice::new(config.d, config.l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let scores = match config.depth {
        None => exact_score_symbols(field.spectrum(), &grid)?,
        Some(depth) => trained_score_symbols(
            field.spectrum(),
            &grid,
            &Protocol::default().with_depth(depth)?,
            config.steps,
        )?,
    };
    let target = spectrum_at(field.spectrum(), grid.times()[0])?;
    let predicted = generated_spectrum(config.sampler, &grid, &scores)?;
    let fields = sample(
        config.sampler,
        &grid,
        &SymbolScores(scores),
        config.samples,
        &mut seeded_rng(config.seed),
    )?;
    let est = SpectrumEstimate::from_fields(lattice, &fields)?;
    let (p_half, c_half) = (predicted.to_half(), target.to_half());
    let intervals = est.prediction_intervals(&p_half, 1e-6)?;
    let inside = intervals
        .iter()
        .zip(est.variances())
        .filter(|(iv, p)| iv.contains(**p))
        .count() as f64
        / intervals.len() as f64;
    let fft = crate::fourier::RealFft::new(lattice);
    let g_samples = est.two_point_function()?;
    let g_pred = fft.kernel(&predicted)?;
    let g_target = fft.kernel(&target)?;
    let two_point = (0..=config.l / 2)
        .map(|r| {
            let mut idx = vec![0; config.d];
            idx[0] = r;
            let at = |a: &ndarray::ArrayD<f64>| a[ndarray::IxDyn(&idx)];
            [r as f64, at(&g_samples), at(&g_pred), at(&g_target)]
        })
        .collect();
    let v = lattice.volume() as f64;
    let per_site = |i: Interval| Interval {
        lo: i.lo / v,
        hi: i.hi / v,
    };
    Ok(GenerateReport {
        predicted_kl_per_site: crate::divergence::kl_divergence(&predicted, &target)? / v,
        measured_kl_per_site: est.plug_in_kl(&c_half) / v,
        kl_bounds_per_site: per_site(est.propagate(
            &intervals,
            &c_half,
            crate::divergence::kl_term,
        )),
        predicted_w2_squared_per_site: crate::divergence::wasserstein2_squared(
            &predicted, &target,
        )? / v,
        measured_w2_squared_per_site: est.plug_in_w2_squared(&c_half) / v,
        w2_bounds_per_site: per_site(est.propagate(
            &intervals,
            &c_half,
            crate::divergence::w2_term,
        )),
        magnetisation_variance: [
            predicted.at(&vec![0; config.d]) / v,
            est.magnetisation_variance(),
            target.at(&vec![0; config.d]) / v,
        ],
        modes_in_interval: inside,
        two_point,
        config,
    })
}

/// Human-readable report of a `generate` run.
pub fn format_generate(r: &GenerateReport) -> String {
    let c = &r.config;
    format!(
        "generate: d = {}, L = {}, score {}, sampler {:?}, grid {}, M = {} (seed {})\n\
         {:<28} {:>12} {:>12} {:>27}\n\
         {:<28} {:>12.5e} {:>12.5e} [{:.5e}, {:.5e}]\n\
         {:<28} {:>12.5e} {:>12.5e} [{:.5e}, {:.5e}]\n\
         magnetisation variance: generated {:.5e} (predicted), {:.5e} (measured); target {:.5e}\n\
         modes with sample variance inside the chi^2 interval: {:.1} %\n",
        c.d,
        c.l,
        match c.depth {
            None => "exact".to_string(),
            Some(d) => format!("depth {d} trained {} steps per grid time", c.steps),
        },
        c.sampler,
        c.grid.0,
        c.samples,
        c.seed,
        "per site",
        "predicted",
        "measured",
        "bounds (level 1e-6)",
        "KL(gen || data)",
        r.predicted_kl_per_site,
        r.measured_kl_per_site,
        r.kl_bounds_per_site.lo,
        r.kl_bounds_per_site.hi,
        "W2^2",
        r.predicted_w2_squared_per_site,
        r.measured_w2_squared_per_site,
        r.w2_bounds_per_site.lo,
        r.w2_bounds_per_site.hi,
        r.magnetisation_variance[0],
        r.magnetisation_variance[1],
        r.magnetisation_variance[2],
        100.0 * r.modes_in_interval,
    )
}
