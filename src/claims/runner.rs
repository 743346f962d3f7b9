//! The runner: builds every study once on a configuration, then maps the registry over the
//! results. Progress goes to an [`Observer`].

use std::time::Instant;

use serde::Serialize;

use crate::claims::{ClaimResult, ReproduceConfig, REGISTRY};
use crate::diffusion::reverse::Sampler;
use crate::error::Result;
use crate::experiment::ConvNet;
use crate::lattice::Lattice;
use crate::model::{LayerKind, Protocol};
use crate::progress::Observer;
use crate::study::generation::{continuous_time_exactness, girsanov_slack};
use crate::study::local::{empirical_local_row, EmpiricalLocalRow};
use crate::study::training::{
    compare_trainer_with_closed_form, timescales, TimescaleRow, TrainerComparison,
};
use crate::study::{
    dense, generate, generation_rows, horizon_rows, local_rows, numeric_training, spectrum_rows,
    training_table, Budget, GenerateConfig, GenerateReport, GenerationRow, GenerationSetup,
    GridSpec, HorizonRow, LocalRow, NumericTrainingRow, SampledSetup, SpectrumRow, TrainingTable,
};

/// Every study result the claims read, computed once.
#[derive(Debug, Clone, Serialize)]
pub struct Studies {
    /// The configuration used.
    pub config: ReproduceConfig,
    /// Spectrum table.
    pub spectrum: Vec<SpectrumRow>,
    /// κ from the dense precision matrix at each numeric side.
    pub dense_kappa: Vec<DenseKappa>,
    /// Closed-form training times.
    pub training: TrainingTable,
    /// Training times measured on sampled fields.
    pub numeric_training: Vec<NumericTrainingRow>,
    /// Trainer symbols against the closed form on the data's statistics.
    pub trainer_comparison: TrainerComparison,
    /// Per-mode timescales at L = 32, t = 0.
    pub timescales: Vec<TimescaleRow>,
    /// Local architectures.
    pub local: Vec<LocalRow>,
    /// The radius-1 local problem measured on sampled fields at the two largest local sides,
    /// t = 0 and t = 0.2.
    pub empirical_local: Vec<EmpiricalLocalRow>,
    /// Parameters of a radius-1 `ConvNet` at the largest local side.
    pub local_network_parameters: usize,
    /// Radius-1 trainers on sampled fields at every local side (t = 10⁻⁴, 64 fields): steps to
    /// ε against the data set's own radius-1 optimum.
    pub local_training: Vec<LocalTrainingRow>,
    /// The sampled generation check.
    pub sampled_generation: GenerateReport,
    /// Continuous-time exactness of the exact score (relative error).
    pub continuous_exactness: f64,
    /// One-layer generation, fixed and κ-proportional budgets.
    pub generation_one_layer: Vec<GenerationRow>,
    /// Two-layer generation, logarithmic budgets.
    pub generation_two_layer: Vec<GenerationRow>,
    /// Horizon T(L) for prior KL 1e-2.
    pub horizon: Vec<HorizonRow>,
    /// Smallest relative slack of the Girsanov bound.
    pub girsanov_slack: f64,
    /// The Girsanov bound against the KL of fields drawn with each random score.
    pub girsanov_sampled: Vec<crate::study::sampled_continuous::GirsanovRow>,
    /// The exact score's sampled spectrum on two grids, extrapolated to h → 0.
    pub continuous_sampled: crate::study::sampled_continuous::ExtrapolationRow,
    /// The zero mode's horizon measured on noised data fields, d = 3, L = 4, 8, 16.
    pub horizon_sampled: Vec<crate::study::sampled_continuous::SampledHorizonRow>,
    /// FFT score kernel against the dense inverse.
    pub dense_score_deviation: f64,
    /// Sampled generation with powered tests, and the magnetisation study.
    pub sampled: crate::study::sampled::SampledStudies,
    /// The studies on Monte Carlo data (finite n, derivations/07–08).
    pub monte_carlo: crate::study::finite_n::MonteCarloStudies,
    /// Optimizers beyond GD (derivations/09), from `config.optimizers`.
    pub optimizers: crate::study::optimizers::OptimizerStudy,
}

/// A radius-1 trainer on sampled fields (C11's numeric side).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalTrainingRow {
    /// Side L.
    pub l: usize,
    /// Diffusion time t.
    pub t: f64,
    /// Fields M.
    pub samples: usize,
    /// Measured steps to ε against the data set's own radius-1 optimum.
    pub measured_steps: u64,
}

/// Diffusion time of the local trainers: the smallest time the DSM loss is used at comfortably
/// (σ_t² = 2·10⁻⁴), standing in for the claim's t = 0.
pub const LOCAL_TRAINING_T: f64 = 1e-4;

/// Radius-1 trainers on 64 sampled fields at every local side (seed `seed + L`).
fn local_training_rows(
    cfg: &ReproduceConfig,
    protocol: Protocol,
    observer: &dyn Observer,
) -> Result<Vec<LocalTrainingRow>> {
    use crate::model::Layers;
    use crate::study::TrainConfig;
    observer.stage("local trainers on fields", cfg.local_sides.len() as u64);
    let rows = cfg
        .local_sides
        .iter()
        .map(|&l| {
            let config = TrainConfig {
                d: cfg.d,
                l,
                depth: 1,
                layers: Layers::Local(1),
                t: LOCAL_TRAINING_T,
                samples: EMPIRICAL_LOCAL_SAMPLES,
                steps: 100_000,
                batch: None,
                seed: cfg.seed + 4000 + l as u64,
                protocol,
            };
            let report = crate::study::train(config, &crate::progress::Silent)?;
            observer.advance(1);
            Ok(LocalTrainingRow {
                l,
                t: LOCAL_TRAINING_T,
                samples: EMPIRICAL_LOCAL_SAMPLES,
                measured_steps: report.measured_steps.ok_or_else(|| {
                    crate::error::Error::NoConvergence {
                        what: "radius-1 trainer",
                        detail: format!("no stop within 100 000 steps at L = {l}"),
                    }
                })?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    observer.finish();
    Ok(rows)
}

/// κ at one side from the eigenvalues of the dense precision matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DenseKappa {
    /// Side L.
    pub l: usize,
    /// λ_max/λ_min of K = β_c(−Δ) + μ.
    pub kappa: f64,
}

/// Everything a reproduction computed, and the verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Reproduction {
    /// The studies.
    pub studies: Studies,
    /// The claims, in registry order.
    pub claims: Vec<ClaimResult>,
    /// Wall time in seconds.
    pub wall_seconds: f64,
}

impl Studies {
    /// Runs every study of `cfg`.
    pub fn run(cfg: &ReproduceConfig, observer: &dyn Observer) -> Result<Self> {
        let protocol = Protocol::new(1, cfg.lr_fraction, cfg.epsilon)?;
        let d = cfg.d;
        observer.stage("spectrum (gap equation, dense)", 1);
        let spectrum = spectrum_rows(d, &cfg.spectrum_sides, None)?;
        let dense_kappa = dense_kappa_rows(d, &cfg.numeric_sides)?;
        observer.finish();
        observer.stage("training times (closed forms)", 1);
        let training = training_table(d, &cfg.training_sides, &cfg.depths, protocol, 0.0)?;
        observer.finish();
        let (numeric_training, trainer_comparison) = sampled_training(cfg, protocol, observer)?;
        let local = local_rows(
            d,
            &cfg.local_sides,
            &[0.0, 0.2, 1.0],
            &[1, 2, 3],
            (cfg.lr_fraction, cfg.epsilon),
            observer,
        )?;
        let empirical_local = empirical_local_rows(cfg, observer)?;
        let lmax = *cfg.local_sides.last().expect("validated: ≥ 2 sides");
        let radius_one = [LayerKind::Local { radius: 1 }];
        let local_network_parameters =
            ConvNet::new(Lattice::new(d, lmax)?, &radius_one)?.parameter_count();
        let local_training = local_training_rows(cfg, protocol, observer)?;
        let generation = Generation::run(cfg, protocol, observer)?;
        let monte_carlo = crate::study::finite_n::monte_carlo_studies(
            &cfg.monte_carlo,
            protocol,
            cfg.numeric_t,
            cfg.seed + 9000,
            observer,
        )?;
        let optimizers = crate::study::optimizers::optimizer_study(
            d,
            &cfg.optimizers,
            (protocol, cfg.numeric_t, cfg.seed),
            observer,
        )?;
        Ok(Self {
            config: cfg.clone(),
            spectrum,
            dense_kappa,
            training,
            numeric_training,
            trainer_comparison,
            timescales: timescales(d, 32, protocol)?,
            local,
            empirical_local,
            local_network_parameters,
            local_training,
            sampled_generation: generation.sampled,
            continuous_exactness: generation.exactness,
            generation_one_layer: generation.one_layer,
            generation_two_layer: generation.two_layer,
            horizon: horizon_rows(d, &cfg.spectrum_sides, 1e-2)?,
            horizon_sampled: generation.horizon_sampled,
            girsanov_slack: generation.girsanov,
            girsanov_sampled: generation.girsanov_sampled,
            continuous_sampled: generation.extrapolation,
            dense_score_deviation: dense::dense_score_deviation(d, 6, 0.3)?,
            sampled: crate::study::sampled::sampled_studies(
                &GenerationSetup {
                    d,
                    protocol,
                    ..GenerationSetup::default()
                },
                &cfg.generation_sides,
                &cfg.sampled,
                cfg.seed + 5000,
            )?,
            monte_carlo,
            optimizers,
        })
    }
}

/// The trainers on sampled fields: measured training times over the numeric sides, and the
/// trainer's symbols against the closed form on the data's statistics (seed + 1000).
fn sampled_training(
    cfg: &ReproduceConfig,
    protocol: Protocol,
    observer: &dyn Observer,
) -> Result<(Vec<NumericTrainingRow>, TrainerComparison)> {
    let setup = SampledSetup {
        d: cfg.d,
        samples: cfg.numeric_samples,
        t: cfg.numeric_t,
        protocol,
        seed: cfg.seed,
    };
    let rows = numeric_training(&setup, &cfg.numeric_sides, &cfg.depths, observer)?;
    let comparison_setup = SampledSetup {
        seed: cfg.seed + 1000,
        ..setup
    };
    Ok((
        rows,
        compare_trainer_with_closed_form(&comparison_setup, 6, 40)?,
    ))
}

/// κ from the dense precision matrix at each side.
fn dense_kappa_rows(d: usize, sides: &[usize]) -> Result<Vec<DenseKappa>> {
    sides
        .iter()
        .map(|&l| {
            let kappa = dense::dense_condition_number(d, l)?;
            Ok(DenseKappa { l, kappa })
        })
        .collect()
}

/// Fields per empirical local measurement.
pub const EMPIRICAL_LOCAL_SAMPLES: usize = 64;

/// The radius-1 local problem on sampled fields at the two largest local sides, t = 0 and 0.2
/// (seeds `seed + 2000 + L` and `seed + 3000 + L`).
fn empirical_local_rows(
    cfg: &ReproduceConfig,
    observer: &dyn Observer,
) -> Result<Vec<EmpiricalLocalRow>> {
    let sides = &cfg.local_sides[cfg.local_sides.len() - 2..];
    observer.stage("local architectures on fields", 2 * sides.len() as u64);
    let mut rows = Vec::new();
    for (t, offset) in [(0.0, 2000), (0.2, 3000)] {
        for &l in sides {
            let seed = cfg.seed + offset + l as u64;
            rows.push(empirical_local_row(
                cfg.d,
                l,
                (t, 1),
                EMPIRICAL_LOCAL_SAMPLES,
                seed,
            )?);
            observer.advance(1);
        }
    }
    observer.finish();
    Ok(rows)
}

/// The generation studies.
struct Generation {
    sampled: GenerateReport,
    exactness: f64,
    one_layer: Vec<GenerationRow>,
    two_layer: Vec<GenerationRow>,
    girsanov: f64,
    girsanov_sampled: Vec<crate::study::sampled_continuous::GirsanovRow>,
    extrapolation: crate::study::sampled_continuous::ExtrapolationRow,
    horizon_sampled: Vec<crate::study::sampled_continuous::SampledHorizonRow>,
}

impl Generation {
    fn run(cfg: &ReproduceConfig, protocol: Protocol, observer: &dyn Observer) -> Result<Self> {
        observer.stage("generation", 5);
        let sampled = generate(GenerateConfig {
            d: cfg.d,
            l: cfg.sampling_l,
            depth: Some(1),
            steps: 100,
            protocol,
            sampler: Sampler::SdeExponential,
            grid: GridSpec("geometric:0.001:8:40".into()),
            samples: cfg.sampling_samples,
            seed: cfg.seed + 7,
        })?;
        observer.advance(1);
        let kappa0 = crate::study::spectrum_row(cfg.d, cfg.spectrum_sides[0], None)?.kappa;
        let exactness = continuous_time_exactness(&[0.05, 1.0, 4.0, kappa0], 3.0);
        let setup = GenerationSetup {
            d: cfg.d,
            protocol,
            ..GenerationSetup::default()
        };
        let mut one_layer = Vec::new();
        for steps in [50usize, 200, 1000] {
            let budget = Budget::Fixed { steps };
            one_layer.extend(generation_rows(&setup, &cfg.generation_sides, 1, budget)?);
        }
        observer.advance(1);
        for fraction in [0.02, 0.1, 0.3, 1.0] {
            let budget = Budget::KappaProportional { fraction };
            one_layer.extend(generation_rows(&setup, &cfg.generation_sides, 1, budget)?);
        }
        observer.advance(1);
        let log_budget = Budget::Logarithmic { offset: 2.0 };
        let two_layer = generation_rows(&setup, &cfg.generation_sides, 2, log_budget)?;
        let girsanov = girsanov_slack(8)?;
        observer.advance(1);
        use crate::study::sampled_continuous::{self as continuous, GIRSANOV_SAMPLES};
        let girsanov_sampled = continuous::girsanov_rows(8, GIRSANOV_SAMPLES, 400, cfg.seed + 11)?;
        let extrapolation = continuous::extrapolation_row(
            cfg.d,
            8,
            40,
            continuous::EXTRAPOLATION_SAMPLES,
            cfg.seed + 13,
        )?;
        let horizon_sampled = continuous::sampled_horizon_rows(
            3,
            &[4, 8, 16],
            continuous::HORIZON_SAMPLES,
            cfg.seed + 17,
        )?;
        observer.advance(1);
        observer.finish();
        Ok(Self {
            sampled,
            exactness,
            one_layer,
            two_layer,
            girsanov,
            girsanov_sampled,
            extrapolation,
            horizon_sampled,
        })
    }
}

/// Maps the registry over the studies: one verdict per claim, in registry order. An evaluator
/// that errors yields a failed claim that says why, never a silent disappearance.
pub fn evaluate(studies: &Studies) -> Vec<ClaimResult> {
    use crate::claims::{Evaluation, Verdict};
    REGISTRY
        .iter()
        .map(|claim| match (claim.evaluate)(studies) {
            Ok(evaluation) => ClaimResult::judge(claim.spec, evaluation),
            Err(e) => ClaimResult {
                verdict: Verdict::Fail,
                ..ClaimResult::judge(claim.spec, Evaluation::Skipped(e.to_string()))
            },
        })
        .collect()
}

/// Runs every study of `cfg` and evaluates every claim.
pub fn run(cfg: &ReproduceConfig, observer: &dyn Observer) -> Result<Reproduction> {
    let start = Instant::now();
    cfg.validate()?;
    let studies = Studies::run(cfg, observer)?;
    let claims = evaluate(&studies);
    Ok(Reproduction {
        studies,
        claims,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}
