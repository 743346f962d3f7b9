//! One `generate` experiment: score networks (exact, or depth-D trained N steps per grid time on
//! the population loss), a reverse sampler run on M fields, and the generated spectrum compared
//! with the data: closed form beside the plug-in estimates with χ² bounds (R6.1, R6.4, R6.7).

use ndarray::{ArrayD, IxDyn};
use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::Sampler;
use crate::divergence::{kl_divergence, kl_term, w2_term, wasserstein2_squared};
use crate::error::{Error, Result};
use crate::experiment::estimate::{Interval, SpectrumEstimate};
use crate::experiment::sampler::{generate as sample, SymbolScores};
use crate::fourier::{half_spectrum_weights, RealFft};
use crate::lattice::Lattice;
use crate::model::Protocol;
use crate::sampling::seeded_rng;
use crate::study::LEVEL;
use crate::symbol::Symbol;
use crate::theory::generation::{exact_score_symbols, generated_spectrum, trained_score_symbols};

/// Fewest fields a `generate` run accepts: the comparison rests on per-mode sample variances,
/// and with fewer than 8 fields (< 8 degrees of freedom on a real mode) their χ² intervals at
/// the joint level [`LEVEL`] span more than two orders of magnitude, so the comparison would
/// test nothing.
pub const MIN_SAMPLES: usize = 8;

/// Most steps a time grid may have (a finer grid changes nothing the report can resolve and
/// costs V reals per step).
pub const MAX_GRID_STEPS: usize = 1_000_000;

/// A time grid as the command line spells it: `uniform:TMIN:T:N`, `geometric:TMIN:T:N` or
/// `list:t0,t1,…`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct GridSpec(pub String);

impl GridSpec {
    /// Parses and validates the grid.
    pub fn build(&self) -> Result<TimeGrid> {
        let bad = || Error::Invalid {
            name: "grid",
            value: self.0.clone(),
            requirement: "use uniform:TMIN:T:N, geometric:TMIN:T:N or list:t0,t1,...".into(),
        };
        let (kind, rest) = self.0.split_once(':').ok_or_else(bad)?;
        match kind {
            "list" => {
                if rest.split(',').count() > MAX_GRID_STEPS + 1 {
                    return Err(Error::Invalid {
                        name: "grid",
                        value: format!("list of {} times", rest.split(',').count()),
                        requirement: format!("at most {} times", MAX_GRID_STEPS + 1),
                    });
                }
                let times = rest
                    .split(',')
                    .map(|s| s.trim().parse::<f64>().map_err(|_| bad()))
                    .collect::<Result<Vec<_>>>()?;
                TimeGrid::new(times)
            }
            "uniform" | "geometric" => {
                let parts: Vec<&str> = rest.split(':').collect();
                let [t_min, t_max, n] = parts.as_slice() else {
                    return Err(bad());
                };
                let t_min: f64 = t_min.parse().map_err(|_| bad())?;
                let t_max: f64 = t_max.parse().map_err(|_| bad())?;
                let n: usize = n.parse().map_err(|_| bad())?;
                if n > MAX_GRID_STEPS {
                    return Err(Error::Invalid {
                        name: "grid",
                        value: self.0.clone(),
                        requirement: format!("at most {MAX_GRID_STEPS} steps"),
                    });
                }
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
    /// Learning-rate fraction and ε of the training (depth from `depth`).
    pub protocol: Protocol,
    /// Sampler.
    pub sampler: Sampler,
    /// Time grid.
    pub grid: GridSpec,
    /// Fields to draw.
    pub samples: usize,
    /// Seed of the sampler's noise.
    pub seed: u64,
}

/// Divergences per site between a generated and a target circulant Gaussian, both directions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Divergences {
    /// KL(p_data ‖ p_gen)/V.
    pub kl_data_gen: f64,
    /// KL(p_gen ‖ p_data)/V.
    pub kl_gen_data: f64,
    /// W2²/V.
    pub w2_squared: f64,
}

/// Bounds per site on the plug-in divergences at joint level [`LEVEL`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DivergenceBounds {
    /// On KL(p_data ‖ p̂_gen)/V.
    pub kl_data_gen: Interval,
    /// On KL(p̂_gen ‖ p_data)/V.
    pub kl_gen_data: Interval,
    /// On Ŵ2²/V.
    pub w2_squared: Interval,
}

/// Variance of the magnetisation m = (1/V) Σ_x y(x), i.e. P_0/V.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Magnetisation {
    /// Generated, closed form.
    pub predicted: f64,
    /// Generated, sample estimate.
    pub measured: f64,
    /// The data's, C_0/V.
    pub data: f64,
}

/// One point of the two-point function along the first axis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TwoPointRow {
    /// Distance r.
    pub r: usize,
    /// G(r) of the generated samples.
    pub generated_samples: f64,
    /// G(r) of the generated closed-form spectrum.
    pub generated_predicted: f64,
    /// G(r) of the data.
    pub data: f64,
    /// Where the sampled G(r) must lie if the closed form is right: the per-mode χ²
    /// intervals at joint level [`LEVEL`] propagated through G(r) = (1/V) Σ_k P_k cos(k_1 r),
    /// each mode at the end that lowers (`lo`) or raises (`hi`) the sum.
    pub generated_samples_band: Interval,
}

/// Predicted (closed form) and measured (M sampled fields) errors of a `generate` run, against
/// the data (t = 0) and, labelled, against the noised data at the grid's first time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateReport {
    /// The configuration.
    pub config: GenerateConfig,
    /// First grid time t_0, where sampling stops.
    pub t_min: f64,
    /// Closed-form divergences against the data spectrum C_k.
    pub predicted: Divergences,
    /// Plug-in divergences of the samples against C_k.
    pub measured: Divergences,
    /// Bounds on the plug-in divergences if the closed form is right.
    pub bounds: DivergenceBounds,
    /// Closed-form divergences against C_k(t_0), the noised data where sampling stops.
    pub predicted_vs_noised_data: Divergences,
    /// Magnetisation variances.
    pub magnetisation: Magnetisation,
    /// Fraction of modes whose sample variance lies in its χ² interval (1 expected).
    pub modes_in_interval: f64,
    /// Two-point function along the first axis, r = 0…L/2.
    pub two_point: Vec<TwoPointRow>,
    /// The seed of the sampler's noise actually used (`config.seed`).
    pub seed_used: u64,
    /// How `seed_used` was obtained: "the seed given (--seed)" for a `generate` run; a caller
    /// deriving it from another seed (e.g. `reproduce`, from the configuration's seed) records
    /// the derivation here.
    pub seed_derivation: String,
    /// The powered tests of the samples against the closed-form generated spectrum at level
    /// [`LEVEL`] (Bonferroni over the two): pooled χ² over every mode and the zero mode alone
    /// (R10.1, R10.2), with their power against a 2 % error on every mode and a 10 % error on
    /// the zero mode.
    pub tests: SampleTests,
    /// With the exact score on this grid, the zero mode's (magnetisation's) generated variance
    /// is off by this relative amount (first order in the steps, R10.6); and the steps a grid
    /// of the same kind needs for 5 %.
    pub zero_mode_grid: ZeroModeGrid,
    /// A warning when the grid cannot resolve the zero mode to 5 %.
    pub warning: Option<String>,
}

/// The powered sample tests of a `generate` run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampleTests {
    /// Pooled χ² over every independent mode.
    pub pooled: crate::power::TestOutcome,
    /// Its power against every mode's variance off by 2 % (reference alternative (a)).
    pub pooled_power_2_percent: f64,
    /// χ² of the zero mode alone.
    pub zero_mode: crate::power::TestOutcome,
    /// Its power against the zero mode's variance off by 10 % (reference alternative (b)).
    pub zero_mode_power_10_percent: f64,
}

/// How well the grid resolves the zero mode with the exact score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZeroModeGrid {
    /// Relative error of the generated zero-mode variance with the exact score on this grid.
    pub relative_error: f64,
    /// Steps a geometric grid from t_0 to T needs for 5 % (R10.6).
    pub geometric_steps_for_5_percent: usize,
}

/// The pooled and zero-mode tests of M fields' spectrum estimate against `predicted`.
pub fn sample_tests(est: &SpectrumEstimate, predicted: &Symbol, level: f64) -> Result<SampleTests> {
    use crate::power::{chi2_test, pooled_chi2_test, power_pooled, power_zero_mode};
    let (p_half, zero) = (predicted.to_half(), vec![0; predicted.lattice().dim()]);
    let units = est.independent_modes(&p_half, &p_half);
    let z = est.zero_mode(predicted.at(&zero), predicted.at(&zero));
    let m = est.samples();
    let each = level / 2.0;
    let dof_total: f64 = units.iter().map(|u| u.dof).sum();
    Ok(SampleTests {
        pooled: pooled_chi2_test(&units, each)?,
        pooled_power_2_percent: power_pooled(each, dof_total, 0.02)?
            .min(power_pooled(each, dof_total, -0.02)?),
        zero_mode: chi2_test(z.dof * z.p_hat / z.p_true, z.dof, each)?,
        zero_mode_power_10_percent: power_zero_mode(each, m, 0.10)?
            .min(power_zero_mode(each, m, -0.10)?),
    })
}

/// The zero mode's resolution by `grid` with the exact score of `data` (R10.6).
pub fn zero_mode_grid(sampler: Sampler, grid: &TimeGrid, data: &Symbol) -> Result<ZeroModeGrid> {
    use crate::theory::generation::{zero_mode_relative_error, zero_mode_steps_needed, GridKind};
    let t = grid.times();
    let c0 = data.at(&vec![0; data.lattice().dim()]);
    Ok(ZeroModeGrid {
        relative_error: zero_mode_relative_error(sampler, grid, data)?,
        geometric_steps_for_5_percent: zero_mode_steps_needed(
            sampler,
            GridKind::Geometric,
            t[0].max(1e-6),
            grid.horizon(),
            c0,
            0.05,
        )?,
    })
}

fn zero_mode_warning(z: &ZeroModeGrid, grid: &TimeGrid, sampler: Sampler) -> Option<String> {
    (z.relative_error.abs() > 0.05).then(|| {
        let t = grid.times();
        format!(
            "this grid gets the zero mode (the magnetisation's variance) wrong by {:.0} % even with the exact score; \
             a geometric grid needs about {} steps for 5 %: --grid geometric:{}:{}:{} (sampler {sampler})",
            100.0 * z.relative_error,
            z.geometric_steps_for_5_percent,
            crate::error::number(t[0].max(1e-6)),
            crate::error::number(grid.horizon()),
            z.geometric_steps_for_5_percent
        )
    })
}

/// Estimated peak memory of a `generate` run in bytes: the M generated fields and the
/// sampler's working copies (about 3·M·V reals), the per-step sampler coefficients and score
/// symbols (about 4·N·V reals for N grid steps), and a few spectra.
pub fn memory_estimate(config: &GenerateConfig, grid_steps: usize) -> f64 {
    let v = (config.l as f64).powi(config.d as i32);
    8.0 * v * (3.0 * config.samples as f64 + 4.0 * grid_steps as f64 + 16.0)
}

/// Checks a `generate` run before any work: sample count, accuracy, lattice, grid, memory.
fn validate(config: &GenerateConfig) -> Result<TimeGrid> {
    if config.samples < MIN_SAMPLES {
        return Err(Error::Parameter {
            name: "samples",
            value: config.samples as f64,
            requirement: "must be ≥ 8: the comparison rests on per-mode sample variances, whose chi^2 intervals span orders of magnitude with fewer fields",
        });
    }
    crate::error::resolvable_epsilon(config.protocol.epsilon)?;
    Lattice::new(config.d, config.l)?;
    let grid = config.grid.build()?;
    crate::error::check_memory(
        format!(
            "generating M = {} fields of L = {}, d = {} on a grid of {} steps",
            config.samples,
            config.l,
            config.d,
            grid.steps()
        ),
        memory_estimate(config, grid.steps()),
        "lower --samples, --l or the grid's number of steps",
    )?;
    Ok(grid)
}

fn divergences(p: &Symbol, c: &Symbol, v: f64) -> Result<Divergences> {
    Ok(Divergences {
        kl_data_gen: kl_divergence(c, p)? / v,
        kl_gen_data: kl_divergence(p, c)? / v,
        w2_squared: wasserstein2_squared(p, c)? / v,
    })
}

fn score_symbols(
    config: &GenerateConfig,
    field: &GaussianField,
    grid: &TimeGrid,
) -> Result<Vec<Symbol>> {
    match config.depth {
        None => exact_score_symbols(field.spectrum(), grid),
        Some(depth) => trained_score_symbols(
            field.spectrum(),
            grid,
            &config.protocol.with_depth(depth)?,
            config.steps,
        ),
    }
}

/// Runs one generation: closed-form scores, the sampler on fields, and the comparison.
pub fn generate(config: GenerateConfig) -> Result<GenerateReport> {
    Ok(generate_fields(config)?.0)
}

/// [`generate`], also returning the M generated fields (each of shape [L; d]).
pub fn generate_fields(config: GenerateConfig) -> Result<(GenerateReport, Vec<ArrayD<f64>>)> {
    let grid = validate(&config)?;
    let lattice = Lattice::new(config.d, config.l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let scores = score_symbols(&config, &field, &grid)?;
    let data = field.spectrum().clone();
    let t_min = grid.times()[0];
    let predicted = generated_spectrum(config.sampler, &grid, &scores)?;
    let mut rng = seeded_rng(config.seed);
    let fields = sample(
        config.sampler,
        &grid,
        &SymbolScores(scores),
        config.samples,
        &mut rng,
    )?;
    let est = SpectrumEstimate::from_fields(lattice, &fields)?;
    let (p_half, c_half) = (predicted.to_half(), data.to_half());
    let intervals = est.prediction_intervals(&p_half, LEVEL)?;
    let inside = intervals
        .iter()
        .zip(est.variances())
        .filter(|(iv, p)| iv.contains(**p))
        .count() as f64
        / intervals.len() as f64;
    let v = lattice.volume() as f64;
    let per_site = |i: Interval| Interval {
        lo: i.lo / v,
        hi: i.hi / v,
    };
    let reverse_kl = |p: f64, c: f64| kl_term(c, p);
    let zero_grid = zero_mode_grid(config.sampler, &grid, &data)?;
    let report = GenerateReport {
        t_min,
        predicted: divergences(&predicted, &data, v)?,
        measured: Divergences {
            kl_data_gen: est.plug_in(&c_half, reverse_kl) / v,
            kl_gen_data: est.plug_in(&c_half, kl_term) / v,
            w2_squared: est.plug_in(&c_half, w2_term) / v,
        },
        bounds: DivergenceBounds {
            kl_data_gen: per_site(est.propagate(&intervals, &c_half, reverse_kl)),
            kl_gen_data: per_site(est.propagate(&intervals, &c_half, kl_term)),
            w2_squared: per_site(est.propagate(&intervals, &c_half, w2_term)),
        },
        predicted_vs_noised_data: divergences(&predicted, &spectrum_at(&data, t_min)?, v)?,
        magnetisation: Magnetisation {
            predicted: predicted.at(&vec![0; config.d]) / v,
            measured: est.magnetisation_variance(),
            data: data.at(&vec![0; config.d]) / v,
        },
        modes_in_interval: inside,
        two_point: two_point(&est, &predicted, &data, &intervals)?,
        seed_used: config.seed,
        seed_derivation: "GenerateConfig.seed: --seed of the generate command; reproduce sets it to the configuration's seed + 7".into(),
        tests: sample_tests(&est, &predicted, LEVEL)?,
        warning: zero_mode_warning(&zero_grid, &grid, config.sampler),
        zero_mode_grid: zero_grid,
        config,
    };
    Ok((report, fields))
}

fn two_point(
    est: &SpectrumEstimate,
    predicted: &Symbol,
    data: &Symbol,
    intervals: &ArrayD<Interval>,
) -> Result<Vec<TwoPointRow>> {
    let lattice = predicted.lattice();
    let fft = RealFft::new(lattice);
    let (g_samples, g_pred, g_data) = (
        est.two_point_function()?,
        fft.kernel(predicted)?,
        fft.kernel(data)?,
    );
    let (d, l) = (lattice.dim(), lattice.side());
    let weights = half_spectrum_weights(lattice);
    let v = lattice.volume() as f64;
    Ok((0..=l / 2)
        .map(|r| {
            let mut idx = vec![0; d];
            idx[0] = r;
            let at = |a: &ArrayD<f64>| a[IxDyn(&idx)];
            let (mut lo, mut hi) = (0.0, 0.0);
            for ((k, iv), &w) in intervals.indexed_iter().zip(&weights) {
                let c = w * (std::f64::consts::TAU * (k[0] * r) as f64 / l as f64).cos();
                let (a, b) = if c >= 0.0 {
                    (iv.lo, iv.hi)
                } else {
                    (iv.hi, iv.lo)
                };
                lo += c * a;
                hi += c * b;
            }
            TwoPointRow {
                r,
                generated_samples: at(&g_samples),
                generated_predicted: at(&g_pred),
                data: at(&g_data),
                generated_samples_band: Interval {
                    lo: lo / v,
                    hi: hi / v,
                },
            }
        })
        .collect())
}
