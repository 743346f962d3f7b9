//! The configuration of a reproduction run (TOML; see `config/default.toml`), validated in full
//! before any work.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Configuration of a reproduction run (TOML; see `config/default.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReproduceConfig {
    /// Dimension d ≥ 3.
    pub d: usize,
    /// Sides of the spectrum tables.
    pub spectrum_sides: Vec<usize>,
    /// Sides of the closed-form training-time tables.
    pub training_sides: Vec<usize>,
    /// Depths of the training-time tables.
    pub depths: Vec<usize>,
    /// Sides for the numeric trainers.
    pub numeric_sides: Vec<usize>,
    /// Fields per numeric data set.
    pub numeric_samples: usize,
    /// Diffusion time of numeric training.
    pub numeric_t: f64,
    /// Sides of the local-architecture tables.
    pub local_sides: Vec<usize>,
    /// Sides of the generation tables.
    pub generation_sides: Vec<usize>,
    /// Side of the sampled generation check.
    pub sampling_l: usize,
    /// Fields of the sampled generation check.
    pub sampling_samples: usize,
    /// Learning-rate fraction c.
    pub lr_fraction: f64,
    /// Accuracy ε.
    pub epsilon: f64,
    /// Seed of every random draw.
    pub seed: u64,
    /// Monte Carlo data (finite n).
    #[serde(default)]
    pub monte_carlo: crate::study::finite_n::MonteCarloStudyConfig,
    /// Optimizers beyond gradient descent.
    #[serde(default)]
    pub optimizers: crate::study::optimizers::OptimizerStudyConfig,
    /// Sampled generation with powered checks.
    #[serde(default)]
    pub sampled: crate::study::sampled::SampledStudyConfig,
    /// The nonlinear network (`[network]`; claims C60–C61).
    #[serde(default)]
    pub network: crate::study::network_check::NetworkClaimConfig,
    /// The nonlinear network on 2D Ising data (`[network_ising]`; claims C62–C64).
    #[serde(default)]
    pub network_ising: crate::study::network_ising::IsingNetworkConfig,
}

/// The embedded default configuration.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/default.toml");
/// The embedded `--quick` configuration.
pub const QUICK_CONFIG: &str = include_str!("../../config/quick.toml");

impl ReproduceConfig {
    /// Parses and validates a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Self> {
        let cfg: Self = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(String::new(), |span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {column}: ")
            });
            Error::Invalid {
                name: "configuration",
                value: "(TOML)".into(),
                requirement: format!("{at}{}", e.message().replace('\n', " ")),
            }
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every field before any work: each violation names the field and what is valid.
    pub fn validate(&self) -> Result<()> {
        self.validate_sides()?;
        self.validate_sizes()?;
        self.validate_numbers()?;
        self.sampled.validate()?;
        self.optimizers.validate()?;
        self.network.validate()?;
        self.network_ising.validate()?;
        self.monte_carlo.validate()
    }

    /// Bytes the largest data set of the run holds at once: the studies run one after another,
    /// and each holds its fields about four times over (clean, noised, noise, transform), 8
    /// bytes a value. Counted: the numeric trainers, the sampled generation check, the momentum
    /// trainers, the powered sampler checks (the fields a power of 0.99 needs, R10.1–R10.2)
    /// the Monte Carlo training data at the largest Ising side (n = 1, d = 2) and the network's
    /// Ising data with its generated fields (as its own estimate counts them).
    pub fn memory_estimate(&self) -> Result<f64> {
        let volume = |l: usize| (l as f64).powi(self.d as i32);
        let largest = |v: &[usize]| v.iter().copied().max().unwrap_or(0);
        let mut sets = vec![
            (
                self.numeric_samples as f64,
                volume(largest(&self.numeric_sides)),
            ),
            (self.sampling_samples as f64, volume(self.sampling_l)),
            (
                self.optimizers.samples as f64,
                volume(largest(&self.optimizers.numeric_sides)),
            ),
            (
                self.monte_carlo.configurations as f64,
                (largest(&self.monte_carlo.ising_2d_sides) as f64).powi(2),
            ),
            (
                self.network_ising.fields_held(),
                (self.network_ising.l as f64).powi(2),
            ),
        ];
        for &l in &self.sampled.sides {
            let v = volume(l);
            let fields = crate::study::sampled::samples_for_power(v as usize, crate::study::LEVEL)?;
            sets.push((fields as f64, v));
        }
        Ok(sets
            .iter()
            .map(|(fields, sites)| 4.0 * 8.0 * fields * sites)
            .fold(0.0, f64::max))
    }

    /// The lists of sides and depths.
    fn validate_sides(&self) -> Result<()> {
        need(
            self.d >= 3 && self.d <= 4,
            "d",
            "must be 3 or 4 (a critical point)",
        )?;
        for (sides, name) in [
            (&self.spectrum_sides, "spectrum_sides"),
            (&self.training_sides, "training_sides"),
            (&self.local_sides, "local_sides"),
            (&self.generation_sides, "generation_sides"),
        ] {
            need(
                sides.len() >= 2 && sides.windows(2).all(|w| w[1] > w[0]) && sides[0] >= 4,
                name,
                "needs ≥ 2 increasing sides, each ≥ 4",
            )?;
        }
        let last_two = &self.spectrum_sides[self.spectrum_sides.len() - 2..];
        need(
            last_two[1] <= 2 * last_two[0],
            "spectrum_sides",
            "the last two sides must differ by at most a doubling (claim C2 reads the change of μL² over the last doubling)",
        )?;
        need(
            self.numeric_sides.len() >= 2 && self.numeric_sides.windows(2).all(|w| w[1] > w[0]),
            "numeric_sides",
            "needs ≥ 2 increasing sides",
        )?;
        need(
            self.depths.contains(&1) && self.depths.contains(&2),
            "depths",
            "must include 1 and 2",
        )
    }

    /// Upper and lower bounds on sides and sample counts (run time and statistics).
    fn validate_sizes(&self) -> Result<()> {
        need(
            self.spectrum_sides.iter().chain(&self.training_sides).chain(&self.generation_sides).all(|&l| l <= 512)
                && self.local_sides.iter().all(|&l| l <= 256)
                && self.numeric_sides.iter().all(|&l| l <= 16)
                && self.sampling_l <= 32,
            "sides",
            "analytic sides must be ≤ 512 (local ≤ 256), numeric sides ≤ 16 and sampling_l ≤ 32 (larger runs take hours)",
        )?;
        need(
            self.sampling_l >= 4 && self.local_sides[0] >= 7,
            "sampling_l / local_sides",
            "sampling_l must be ≥ 4 and local sides ≥ 7 (radius 3 needs 2R + 1 ≤ L)",
        )?;
        need(
            self.numeric_samples <= 1 << 16 && self.sampling_samples <= 1 << 17,
            "numeric_samples / sampling_samples",
            "must be ≤ 65536 and ≤ 131072",
        )?;
        need(
            self.numeric_samples >= 64,
            "numeric_samples",
            "must be ≥ 64",
        )?;
        need(
            self.sampling_samples >= 100,
            "sampling_samples",
            "must be ≥ 100",
        )
    }

    /// The real parameters.
    fn validate_numbers(&self) -> Result<()> {
        need(
            self.numeric_t > 0.0 && self.numeric_t.is_finite(),
            "numeric_t",
            "must be > 0",
        )?;
        need(
            self.lr_fraction > 0.0 && self.lr_fraction <= 1.0,
            "lr_fraction",
            "must lie in (0, 1]",
        )?;
        need(
            self.epsilon >= crate::error::MIN_EPSILON && self.epsilon < 1.0,
            "epsilon",
            "must lie in [1e-12, 1): smaller relative errors are below what double precision resolves",
        )
    }
}

/// `Ok` if `ok`, else the configuration error naming `name`.
fn need(ok: bool, name: &'static str, requirement: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            name: "configuration",
            value: name.to_string(),
            requirement: requirement.to_string(),
        })
    }
}
