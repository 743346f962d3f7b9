//! Sampled generation with checks of stated power (derivations/10): fields drawn by the
//! samplers, compared with their closed-form spectra through pooled χ², zero-mode and plug-in
//! divergence tests at a fixed level.

use crate::data::GaussianField;
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::Sampler;
use crate::error::Result;
use crate::experiment::estimate::SpectrumEstimate;
use crate::experiment::sampler::{generate, SymbolScores};
use crate::lattice::Lattice;
use crate::power::min_samples_for_power;
use crate::sampling::seeded_rng;
use crate::study::generate::{sample_tests, SampleTests};
use crate::study::LEVEL;
use crate::theory::generation::{
    exact_score_symbols, generated_spectrum, zero_mode_steps_needed, GridKind,
};
use serde::{Deserialize, Serialize};

/// What `reproduce` samples (the `[sampled]` table of the configuration; every field has a
/// default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampledStudyConfig {
    /// Sides of the sampled generation checks.
    pub sides: Vec<usize>,
    /// Sides of the sampled rows of the generation scaling claims C17–C19 (≥ 2 increasing
    /// sides, each in 4…16; not the closed-form `generation_sides` of the top level).
    pub generation_sides: Vec<usize>,
    /// Fields per random score in the Girsanov check C21. Its window is computed from the
    /// fields drawn, so fewer keep the level and lose power; the default
    /// [`GIRSANOV_SAMPLES`](crate::study::sampled_continuous::GIRSANOV_SAMPLES) is what the
    /// claim's power statement assumes.
    pub girsanov_samples: usize,
    /// Fields per grid in the continuous-time extrapolation C16 (default
    /// [`EXTRAPOLATION_SAMPLES`](crate::study::sampled_continuous::EXTRAPOLATION_SAMPLES);
    /// the same remark).
    pub extrapolation_samples: usize,
    /// Fields per side in the sampled horizon C20 (default
    /// [`HORIZON_SAMPLES`](crate::study::sampled_continuous::HORIZON_SAMPLES); the same
    /// remark).
    pub horizon_samples: usize,
}

/// Fewest and most fields a `[sampled]` count accepts: below 100 the normal approximations
/// behind the windows fail; above 10⁶ a run takes hours.
pub const SAMPLE_COUNT_RANGE: std::ops::RangeInclusive<usize> = 100..=1_000_000;

impl Default for SampledStudyConfig {
    fn default() -> Self {
        use crate::study::sampled_continuous::{
            EXTRAPOLATION_SAMPLES, GIRSANOV_SAMPLES, HORIZON_SAMPLES,
        };
        Self {
            sides: vec![4, 8],
            generation_sides: vec![4, 8],
            girsanov_samples: GIRSANOV_SAMPLES,
            extrapolation_samples: EXTRAPOLATION_SAMPLES,
            horizon_samples: HORIZON_SAMPLES,
        }
    }
}

impl SampledStudyConfig {
    /// Checks the sides and the sample counts before any work.
    pub fn validate(&self) -> Result<()> {
        for (name, count) in [
            ("sampled.girsanov_samples", self.girsanov_samples),
            ("sampled.extrapolation_samples", self.extrapolation_samples),
            ("sampled.horizon_samples", self.horizon_samples),
        ] {
            if !SAMPLE_COUNT_RANGE.contains(&count) {
                return Err(crate::error::Error::Invalid {
                    name,
                    value: count.to_string(),
                    requirement: "use 100 … 1 000 000 fields (fewer break the windows' normal approximations, more take hours)".into(),
                });
            }
        }
        if self.sides.is_empty() || self.sides.iter().any(|l| !(4..=32).contains(l)) {
            return Err(crate::error::Error::Invalid {
                name: "sampled.sides",
                value: format!("{:?}", self.sides),
                requirement: "needs ≥ 1 side, each in 4…32 (each side draws the thousands of fields a power of 0.99 needs; larger lattices would not fit the run's memory or time)".into(),
            });
        }
        let g = &self.generation_sides;
        if g.len() >= 2 && g.windows(2).all(|w| w[1] > w[0]) && g[0] >= 4 && g[g.len() - 1] <= 16 {
            Ok(())
        } else {
            Err(crate::error::Error::Invalid {
                name: "sampled.generation_sides",
                value: format!("{g:?}"),
                requirement: "needs ≥ 2 increasing sides, each in 4…16 (claims C17–C19 compare the first and the last; the fields of larger lattices would not fit the run's time)".into(),
            })
        }
    }
}

/// One sampler's fields against its closed-form generated spectrum, exact score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SamplerCheck {
    /// The sampler.
    pub sampler: Sampler,
    /// Side L.
    pub l: usize,
    /// Grid steps.
    pub steps: usize,
    /// Fields drawn: the fewest giving power ≥ 0.99 against both reference alternatives.
    pub samples: usize,
    /// The tests and their power.
    pub tests: SampleTests,
}

/// Fields needed so that the pooled test (MV degrees of freedom) and the zero-mode test (M) at
/// `level` each have power ≥ 0.99 against 2 % on every mode and 10 % on k = 0 (R10.1, R10.2).
pub fn samples_for_power(volume: usize, level: f64) -> Result<usize> {
    let pooled = min_samples_for_power(level, volume as f64, 0.02, 0.99)?;
    let zero = min_samples_for_power(level, 1.0, 0.10, 0.99)?;
    Ok(pooled.max(zero))
}

/// Draws fields with each sampler (exact score of the large-n model at β_c(d), geometric grid
/// from 10⁻³ to 8 with `steps` steps) and tests them against the closed-form generated
/// spectrum with powered checks (R6.1, R10.1, R10.2). Level [`LEVEL`] per sampler.
pub fn sampler_checks(d: usize, l: usize, steps: usize, seed: u64) -> Result<Vec<SamplerCheck>> {
    let lattice = Lattice::new(d, l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let grid = TimeGrid::geometric(1e-3, 8.0, steps)?;
    let scores = exact_score_symbols(field.spectrum(), &grid)?;
    let samples = samples_for_power(lattice.volume(), LEVEL / 2.0)?;
    [
        Sampler::SdeExponential,
        Sampler::SdeEulerMaruyama,
        Sampler::OdeExponential,
    ]
    .iter()
    .enumerate()
    .map(|(i, &sampler)| {
        let predicted = generated_spectrum(sampler, &grid, &scores)?;
        let mut rng = seeded_rng(seed + i as u64);
        let fields = generate(
            sampler,
            &grid,
            &SymbolScores(scores.clone()),
            samples,
            &mut rng,
        )?;
        let est = SpectrumEstimate::from_fields(lattice, &fields)?;
        Ok(SamplerCheck {
            sampler,
            l,
            steps,
            samples,
            tests: sample_tests(&est, &predicted, LEVEL)?,
        })
    })
    .collect()
}

/// The magnetisation (zero-mode variance) under the exact score as L grows (R10.6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MagnetisationStudy {
    /// (C_0, steps a geometric grid 10⁻³…8 needs for 5 %) per generation side.
    pub steps_needed: Vec<(f64, usize)>,
    /// Side of the sampled check.
    pub l: usize,
    /// Steps of the sufficient grid used there.
    pub steps: usize,
    /// Fields drawn.
    pub samples: usize,
    /// Measured relative error of the zero-mode variance against the data's C_0 there.
    pub measured_relative_error: f64,
    /// Its standard error √(2/M) (χ²_M).
    pub standard_error: f64,
}

/// Steps needed for 5 % on the zero mode over `sides` (sde-exp, geometric grid), and the
/// zero-mode variance of M fields drawn on the sufficient grid at side `l` (R10.6).
pub fn magnetisation_study(
    d: usize,
    sides: &[usize],
    l: usize,
    seed: u64,
) -> Result<MagnetisationStudy> {
    let c0_of = |l: usize| -> Result<f64> {
        let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
        Ok(field.spectrum().at(&vec![0; d]))
    };
    let needed = |c0: f64| {
        zero_mode_steps_needed(
            Sampler::SdeExponential,
            GridKind::Geometric,
            1e-3,
            8.0,
            c0,
            0.05,
        )
    };
    let steps_needed = sides
        .iter()
        .map(|&s| {
            let c0 = c0_of(s)?;
            Ok((c0, needed(c0)?))
        })
        .collect::<Result<Vec<_>>>()?;
    let lattice = Lattice::new(d, l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let c0 = c0_of(l)?;
    let steps = needed(c0)?;
    let grid = TimeGrid::geometric(1e-3, 8.0, steps)?;
    let scores = exact_score_symbols(field.spectrum(), &grid)?;
    let samples = min_samples_for_power(LEVEL, 1.0, 0.10, 0.99)?;
    let fields = generate(
        Sampler::SdeExponential,
        &grid,
        &SymbolScores(scores),
        samples,
        &mut seeded_rng(seed),
    )?;
    let p0 =
        fields.iter().map(|y| y.sum().powi(2)).sum::<f64>() / (samples * lattice.volume()) as f64;
    Ok(MagnetisationStudy {
        steps_needed,
        l,
        steps,
        samples,
        measured_relative_error: p0 / c0 - 1.0,
        standard_error: (2.0 / samples as f64).sqrt(),
    })
}
