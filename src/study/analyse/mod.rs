//! A user's lattice data through the theory: a linear score network sees a data set
//! only through its two-point function (R8.1), so every closed form of derivations/03–06 and 09
//! is evaluated on the measured spectrum Ĉ_k. The spectrum is averaged over the classes of modes
//! the lattice symmetry fixes ([`class_averaged_spectrum`]), so κ = Ĉ_max/Ĉ_min is a ratio of
//! two class means, not an extreme over noisy single modes (which is biased low).
//!
//! Errors: every derived number carries a jackknife error over blocks of configurations (valid
//! for any data whose configurations are independent draws); the spectrum and κ also carry the
//! intervals that hold exactly for Gaussian data (χ² and F laws, R6.7), at the stated level.
//! What a linear score cannot reproduce of the data (its Binder cumulant and magnetisation
//! histogram are those of a Gaussian, R8.3) is reported beside it.

use statrs::distribution::{ContinuousCDF, FisherSnedecor, Normal};

use crate::data::file::FileSource;
use crate::data::ComponentData;
use crate::diffusion::forward::spectrum_at;
use crate::diffusion::reverse::Sampler;
use crate::divergence::{kl_divergence, wasserstein2_squared};
use crate::error::{Error, Result};
use crate::experiment::estimate::{
    chi_square_ratio_interval, class_averaged_spectrum, WILSON_HILFERTY_DOF,
};
use crate::experiment::observables::{binder, mean_and_error, observables, paired_histogram};
use crate::fit;
use crate::model::optimizer::{Momentum, OptimizerSpec};
use crate::model::Protocol;
use crate::study::generate::{zero_mode_grid, GridSpec};
use crate::study::optimizers::closed_form::{adam_fourier_on_spectrum, closed_form_on_spectrum};
use crate::symbol::Symbol;
use crate::theory::generation::{generated_spectrum, horizon_for_kl, trained_score_symbols};
use crate::theory::local::LocalOneLayer;

mod records;
pub use records::{
    Analysis, ClassRow, Exponents, FileAnalysis, GaussianLimit, GenerationPrediction,
    KappaEstimate, LocalFloor, TrainingPrediction, WithError,
};

/// Fewest configurations an analysis accepts (the jackknife needs blocks of them).
pub const MIN_CONFIGURATIONS: usize = 4;

/// What to evaluate on the data.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyseConfig {
    /// Learning-rate fraction c and accuracy ε (the depth is set per prediction).
    pub protocol: Protocol,
    /// Diffusion time t at which the training times and local floors are evaluated.
    pub t: f64,
    /// Two-sided level of the Gaussian-data intervals (split over the classes for Ĉ).
    pub level: f64,
    /// Jackknife blocks of configurations (at most the number of configurations).
    pub blocks: usize,
    /// Sampler, grid and training steps per grid time of the generation prediction.
    pub sampler: Sampler,
    /// Time grid of the generation prediction.
    pub grid: GridSpec,
    /// Training steps per grid time (one layer) of the generation prediction.
    pub budget: usize,
}

/// The resampled numbers of one file: on all configurations, and with each block left out.
#[derive(Debug, Clone, PartialEq)]
struct Numbers {
    full: Resampled,
    replicas: Vec<Resampled>,
}

/// The numbers that are resampled by the jackknife, on one set of configurations.
#[derive(Debug, Clone, PartialEq)]
struct Resampled {
    kappa: f64,
    xi: f64,
    /// T(ε) per entry of [`resampled_optimizers`].
    steps: Vec<f64>,
    /// The learning rate of each of those closed forms.
    rates: Vec<f64>,
    kl: f64,
    w2: f64,
}

/// The optimizers and depths whose closed forms are resampled.
fn resampled_optimizers() -> Vec<(OptimizerSpec, usize)> {
    let mut out: Vec<(OptimizerSpec, usize)> = (1..=4).map(|d| (OptimizerSpec::Gd, d)).collect();
    out.push((
        OptimizerSpec::HeavyBall {
            beta: Momentum::Tuned,
        },
        1,
    ));
    out.push((
        OptimizerSpec::Nesterov {
            beta: Momentum::Tuned,
        },
        1,
    ));
    out
}

/// κ, ξ, the training times and the generated KL on one class-averaged spectrum.
fn resampled(spectrum: &Symbol, cfg: &AnalyseConfig) -> Result<Resampled> {
    let (cmax, cmin) = (spectrum.max(), spectrum.min());
    let spectrum_t = spectrum_at(spectrum, cfg.t)?;
    let (steps, rates) = resampled_optimizers()
        .iter()
        .map(|(spec, depth)| {
            let protocol = cfg.protocol.with_depth(*depth)?;
            let (steps, rate, _) = closed_form_on_spectrum(&spectrum_t, spec, &protocol)?;
            Ok((steps as f64, rate))
        })
        .collect::<Result<Vec<(f64, f64)>>>()?
        .into_iter()
        .unzip();
    let (kl, w2) = generated_kl(spectrum, cfg)?;
    Ok(Resampled {
        kappa: cmax / cmin,
        xi: second_moment_length(spectrum),
        steps,
        rates,
        kl,
        w2,
    })
}

/// ξ² = (Ĉ(0)/Ĉ(k_min) − 1)/(4 sin²(π/L)), k_min = (2π/L, 0, …).
fn second_moment_length(spectrum: &Symbol) -> f64 {
    let lattice = spectrum.lattice();
    let d = lattice.dim();
    let zero = spectrum.at(&vec![0; d]);
    let mut first = vec![0; d];
    first[0] = 1;
    let s = (std::f64::consts::PI / lattice.side() as f64).sin();
    ((zero / spectrum.at(&first) - 1.0) / (4.0 * s * s))
        .max(0.0)
        .sqrt()
}

/// KL(gen ‖ data) and W2² per site of the one-layer model trained `budget` steps per grid time.
fn generated_kl(spectrum: &Symbol, cfg: &AnalyseConfig) -> Result<(f64, f64)> {
    let grid = cfg.grid.build()?;
    let protocol = cfg.protocol.with_depth(1)?;
    let scores = trained_score_symbols(spectrum, &grid, &protocol, cfg.budget)?;
    let p = generated_spectrum(cfg.sampler, &grid, &scores)?;
    let data = spectrum_at(spectrum, grid.times()[0])?;
    let v = spectrum.lattice().volume() as f64;
    Ok((
        kl_divergence(&p, &data)? / v,
        wasserstein2_squared(&p, &data)? / v,
    ))
}

/// Jackknife standard error of leave-one-block-out values around the full-data value.
fn jackknife(full: f64, replicas: &[f64]) -> WithError {
    WithError {
        value: full,
        error: crate::mc::stats::jackknife_error(replicas),
    }
}

/// The data with block b of `blocks` left out: consecutive blocks of ⌊M/blocks⌋
/// configurations, the last one taking the remainder, so no block is empty (2 ≤ blocks ≤ M).
fn leave_block_out(data: &ComponentData, blocks: usize, b: usize) -> Result<ComponentData> {
    let size = data.len() / blocks;
    data.select(|i| (i / size).min(blocks - 1) != b)
}

/// Refuses data without fluctuations on some class of modes (constant or degenerate
/// configurations): κ and every training time would be infinite.
fn check_fluctuations(spectrum: &Symbol) -> Result<()> {
    let (min, max) = (spectrum.min(), spectrum.max());
    if min > 1e-12 * max && min.is_finite() {
        return Ok(());
    }
    Err(Error::Invalid {
        name: "data",
        value: format!("Ĉ_min/Ĉ_max = {}", crate::error::number(min / max)),
        requirement: "fluctuations on every class of modes (constant or degenerate configurations have an infinite κ)".into(),
    })
}

/// Validates the configuration against the data before any work.
fn validate(data: &ComponentData, cfg: &AnalyseConfig) -> Result<()> {
    if data.len() < MIN_CONFIGURATIONS {
        return Err(Error::Invalid {
            name: "data",
            value: format!("{} configurations", data.len()),
            requirement: format!("the analysis needs ≥ {MIN_CONFIGURATIONS} configurations"),
        });
    }
    let level_ok = cfg.level > 0.0 && cfg.level < 1.0;
    let t_ok = cfg.t.is_finite() && cfg.t >= 0.0;
    if cfg.blocks < 2 || !level_ok || !t_ok {
        return Err(Error::Invalid {
            name: "analysis settings",
            value: format!("blocks {}, level {}, t {}", cfg.blocks, cfg.level, cfg.t),
            requirement: "need ≥ 2 jackknife blocks, a level in (0, 1) and t ≥ 0".into(),
        });
    }
    cfg.grid.build().map(|_| ())
}

/// The spectrum by class with its Gaussian-data intervals, m_c M_f Ĉ_c/C_c ~ χ²_{m_c M_f}
/// (R8.4, 1), Bonferroni over the classes.
fn class_rows(spectrum: &Symbol, fields: usize, level: f64) -> Result<Vec<ClassRow>> {
    let classes = spectrum.classes();
    let split = level / classes.len() as f64;
    let mut rows = classes
        .lambda()
        .iter()
        .zip(classes.multiplicity())
        .zip(spectrum.values())
        .map(|((&lambda, &multiplicity), &c_hat)| {
            let ratio = chi_square_ratio_interval((multiplicity as usize * fields) as f64, split)?;
            Ok(ClassRow {
                lambda,
                multiplicity,
                c_hat,
                lo: c_hat / ratio.hi,
                hi: c_hat / ratio.lo,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    rows.sort_by(|a, b| a.lambda.total_cmp(&b.lambda));
    Ok(rows)
}

/// κ̂ and its Gaussian-data interval: (Ĉ_max/C_max)/(Ĉ_min/C_min) follows F(ν_max, ν_min)
/// (R8.4, 2).
fn kappa_estimate(
    rows: &[ClassRow],
    fields: usize,
    level: f64,
    kappa: WithError,
) -> Result<KappaEstimate> {
    let by = |f: fn(f64, f64) -> bool| {
        rows.iter()
            .copied()
            .reduce(|a, b| if f(b.c_hat, a.c_hat) { b } else { a })
            .ok_or(Error::Mismatch("empty spectrum".into()))
    };
    let (max, min) = (by(|b, a| b > a)?, by(|b, a| b < a)?);
    let dof = |r: ClassRow| (r.multiplicity as usize * fields) as f64;
    let (nu_max, nu_min) = (dof(max), dof(min));
    let quantile = |p: f64| -> Result<f64> {
        if nu_max.max(nu_min) > WILSON_HILFERTY_DOF {
            // statrs's root search fails there (see WILSON_HILFERTY_DOF); ln F is normal with
            // variance 2/ν₁ + 2/ν₂ up to O(1/ν) corrections, far below its width
            let z = Normal::standard().inverse_cdf(p);
            return Ok((z * (2.0 / nu_max + 2.0 / nu_min).sqrt()).exp());
        }
        let f = FisherSnedecor::new(nu_max, nu_min).map_err(|e| Error::NoConvergence {
            what: "F quantiles",
            detail: e.to_string(),
        })?;
        Ok(f.inverse_cdf(p))
    };
    Ok(KappaEstimate {
        kappa,
        lo: kappa.value / quantile(1.0 - level / 2.0)?,
        hi: kappa.value / quantile(level / 2.0)?,
        lambda_max: max.lambda,
        lambda_min: min.lambda,
    })
}

/// The radius-1 and radius-2 local optima on the spectrum at time t (R5.2), where 2R + 1 < L.
fn local_floors(spectrum_t: &Symbol) -> Result<Vec<LocalFloor>> {
    (1..=2)
        .filter(|r| 2 * r + 1 < spectrum_t.lattice().side())
        .map(|radius| {
            let local = LocalOneLayer::new(spectrum_t, radius)?;
            Ok(LocalFloor {
                radius,
                floor: local.approximation_floor()?,
                zero_mode_relative_error: local.zero_mode_relative_error(),
            })
        })
        .collect()
}

/// Analyses one data set read from `source`.
pub fn analyse_file(
    data: &ComponentData,
    source: FileSource,
    cfg: &AnalyseConfig,
) -> Result<FileAnalysis> {
    Ok(analyse_one(data, source, cfg)?.0)
}

/// The analysis of one data set and its resampled numbers.
fn analyse_one(
    data: &ComponentData,
    source: FileSource,
    cfg: &AnalyseConfig,
) -> Result<(FileAnalysis, Numbers)> {
    validate(data, cfg)?;
    let lattice = data.lattice();
    let blocks = cfg.blocks.min(data.len());
    let spectrum = class_averaged_spectrum(lattice, &data.scalar_fields())?;
    check_fluctuations(&spectrum)?;
    let full = resampled(&spectrum, cfg)?;
    let replicas = (0..blocks)
        .map(|b| {
            let rest = leave_block_out(data, blocks, b)?;
            resampled(
                &class_averaged_spectrum(lattice, &rest.scalar_fields())?,
                cfg,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let column = |f: fn(&Resampled) -> f64| -> Vec<f64> { replicas.iter().map(f).collect() };
    let fields = data.len() * data.n();
    let spectrum_rows = class_rows(&spectrum, fields, cfg.level)?;
    let kappa = jackknife(full.kappa, &column(|r| r.kappa));
    let spectrum_t = spectrum_at(&spectrum, cfg.t)?;
    let training = training_predictions(&full, &replicas, &spectrum_t, cfg)?;
    let obs = observables(data);
    let abs_m: Vec<f64> = obs.m2.iter().map(|m| m.sqrt()).collect();
    let data_binder = binder(&obs, data.n());
    let grid = cfg.grid.build()?;
    let analysis = FileAnalysis {
        source,
        d: lattice.dim(),
        l: lattice.side(),
        n: data.n(),
        configurations: data.len(),
        blocks,
        level: cfg.level,
        kappa: kappa_estimate(&spectrum_rows, fields, cfg.level, kappa)?,
        spectrum: spectrum_rows,
        xi: jackknife(full.xi, &column(|r| r.xi)),
        energy: mean_and_error(&obs.energy),
        m2: mean_and_error(&obs.m2),
        abs_m: mean_and_error(&abs_m),
        histogram: paired_histogram(&obs.m1, &obs.m1, 24)
            .iter()
            .map(|r| [r[0], r[1]])
            .collect(),
        training,
        t: cfg.t,
        local: local_floors(&spectrum_t)?,
        generation: GenerationPrediction {
            sampler: cfg.sampler.to_string(),
            grid: cfg.grid.0.clone(),
            budget: cfg.budget,
            kl_per_site: jackknife(full.kl, &column(|r| r.kl)),
            w2_squared_per_site: full.w2,
            zero_mode: zero_mode_grid(cfg.sampler, &grid, &spectrum)?,
            horizon_for_1e_2: horizon_for_kl(&spectrum, 1e-2)?,
        },
        gaussian_limit: GaussianLimit {
            data_binder,
            linear_score_binder: 0.0,
            z: data_binder.mean / data_binder.error,
        },
    };
    Ok((analysis, Numbers { full, replicas }))
}

/// The training times of [`resampled_optimizers`] with their jackknife errors, then
/// Fourier-parametrised Adam (its R9.6 rate search is not resampled).
fn training_predictions(
    full: &Resampled,
    replicas: &[Resampled],
    spectrum_t: &Symbol,
    cfg: &AnalyseConfig,
) -> Result<Vec<TrainingPrediction>> {
    let mut training: Vec<TrainingPrediction> = resampled_optimizers()
        .iter()
        .enumerate()
        .map(|(i, (spec, depth))| {
            let copies: Vec<f64> = replicas.iter().map(|r| r.steps[i]).collect();
            TrainingPrediction {
                optimizer: spec.to_string(),
                depth: *depth,
                steps: jackknife(full.steps[i], &copies),
                learning_rate: full.rates[i],
            }
        })
        .collect();
    let adam_protocol = cfg.protocol.with_depth(1)?;
    if let Some((lr, steps)) = adam_fourier_on_spectrum(spectrum_t, &adam_protocol)? {
        training.push(TrainingPrediction {
            optimizer: "adam-fourier".into(),
            depth: 1,
            steps: WithError {
                value: steps as f64,
                error: 0.0,
            },
            learning_rate: lr,
        });
    }
    Ok(training)
}

/// Analyses every data set; with ≥ 2 distinct sides of one dimension, also the exponents of κ
/// and of T₁ over L, each with a jackknife error (block b left out of every file at once).
pub fn analyse(sets: &[(ComponentData, FileSource)], cfg: &AnalyseConfig) -> Result<Analysis> {
    let mut files = Vec::with_capacity(sets.len());
    let mut numbers = Vec::with_capacity(sets.len());
    for (data, source) in sets {
        let (a, n) = analyse_one(data, source.clone(), cfg)?;
        files.push(a);
        numbers.push(n);
    }
    let exponents = exponents(&files, &numbers)?;
    Ok(Analysis { files, exponents })
}

/// The κ and T₁ exponents over the files, when they span ≥ 2 sides of one dimension.
fn exponents(files: &[FileAnalysis], numbers: &[Numbers]) -> Result<Option<Exponents>> {
    let mut sides: Vec<usize> = files.iter().map(|f| f.l).collect();
    sides.sort_unstable();
    sides.dedup();
    if sides.len() < 2 || files.iter().any(|f| f.d != files[0].d) {
        return Ok(None);
    }
    let ls: Vec<f64> = files.iter().map(|f| f.l as f64).collect();
    let blocks = numbers.iter().map(|n| n.replicas.len()).min().unwrap_or(0);
    let fit_of = |pick: &dyn Fn(&Resampled) -> f64| -> Result<WithError> {
        let slope = |y: Vec<f64>| -> Result<f64> { Ok(fit::power_law(&ls, &y)?.slope) };
        let copies = (0..blocks)
            .map(|b| slope(numbers.iter().map(|n| pick(&n.replicas[b])).collect()))
            .collect::<Result<Vec<_>>>()?;
        Ok(jackknife(
            slope(numbers.iter().map(|n| pick(&n.full)).collect())?,
            &copies,
        ))
    };
    Ok(Some(Exponents {
        kappa: fit_of(&|r| r.kappa)?,
        one_layer_steps: fit_of(&|r| r.steps[0])?,
    }))
}
