//! The `[monte_carlo]` table of a reproduction's configuration: which Monte Carlo data the
//! finite-n studies generate, validated before any work, and the fixed settings of every run.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::mc::{Algorithm, Coupling, McConfig};

/// What `reproduce` runs on Monte Carlo data (the `[monte_carlo]` table of the configuration;
/// every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonteCarloStudyConfig {
    /// Sides of the 2D Ising data at K_c (≥ 2, increasing).
    pub ising_2d_sides: Vec<usize>,
    /// Decorrelated configurations per side (training data, R7.4).
    pub configurations: usize,
    /// Wolff sweep-equivalents measured per chain at each side for χ, τ_int and U (R7.4).
    pub measurements: u64,
    /// Sides of the Metropolis runs for its dynamic exponent (≥ 2).
    pub metropolis_sides: Vec<usize>,
    /// Metropolis sweeps measured per chain.
    pub metropolis_measurements: u64,
    /// How many of the smallest Ising sides the trainers run on (R8.1).
    pub trainer_sides: usize,
    /// Side of the Gaussian-limit comparison (one of `ising_2d_sides`, R8.3).
    pub gaussian_limit_l: usize,
    /// Least number of geometric grid steps of the generation (more if the zero mode needs
    /// them, R10.6).
    pub generation_steps: usize,
    /// Numbers of components n of the large-n approach (d = 3, K = n β_c(3)).
    pub large_n: Vec<usize>,
    /// Side of the large-n runs.
    pub large_n_l: usize,
    /// Jackknife blocks of the training exponent (R8.2).
    pub jackknife_blocks: usize,
}

impl Default for MonteCarloStudyConfig {
    fn default() -> Self {
        Self {
            ising_2d_sides: vec![8, 16, 32],
            configurations: 2000,
            measurements: 40_000,
            metropolis_sides: vec![4, 8, 16],
            metropolis_measurements: 400_000,
            trainer_sides: 2,
            gaussian_limit_l: 16,
            generation_steps: 400,
            large_n: vec![8, 16, 32, 64],
            large_n_l: 4,
            jackknife_blocks: 10,
        }
    }
}

impl MonteCarloStudyConfig {
    /// Checks the table before any work.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, requirement: &str| Error::Invalid {
            name,
            value,
            requirement: requirement.to_string(),
        };
        let increasing =
            |v: &[usize]| v.len() >= 2 && v[0] >= 4 && v.windows(2).all(|w| w[0] < w[1]);
        if !increasing(&self.ising_2d_sides) || self.ising_2d_sides.iter().any(|&l| l > 256) {
            return Err(bad(
                "monte_carlo.ising_2d_sides",
                format!("{:?}", self.ising_2d_sides),
                "≥ 2 increasing sides in 4..=256",
            ));
        }
        if !increasing(&self.metropolis_sides) || self.metropolis_sides.iter().any(|&l| l > 64) {
            return Err(bad(
                "monte_carlo.metropolis_sides",
                format!("{:?}", self.metropolis_sides),
                "≥ 2 increasing sides in 4..=64",
            ));
        }
        if self.jackknife_blocks < 2
            || self.configurations < 4 * self.jackknife_blocks
            || self.configurations > 100_000
        {
            return Err(bad(
                "monte_carlo.configurations",
                self.configurations.to_string(),
                "at least 4 per jackknife block (≥ 2 blocks), at most 100000",
            ));
        }
        if self.trainer_sides == 0 || self.trainer_sides > self.ising_2d_sides.len() {
            return Err(bad(
                "monte_carlo.trainer_sides",
                self.trainer_sides.to_string(),
                "between 1 and the number of Ising sides",
            ));
        }
        if !self.ising_2d_sides.contains(&self.gaussian_limit_l) {
            return Err(bad(
                "monte_carlo.gaussian_limit_l",
                self.gaussian_limit_l.to_string(),
                "one of ising_2d_sides",
            ));
        }
        if self.generation_steps == 0 || self.generation_steps > 100_000 {
            return Err(bad(
                "monte_carlo.generation_steps",
                self.generation_steps.to_string(),
                "in 1..=100000",
            ));
        }
        if self.large_n.len() < 2
            || self.large_n.iter().any(|&n| !(2..=256).contains(&n))
            || !(2..=16).contains(&self.large_n_l)
        {
            return Err(bad(
                "monte_carlo.large_n",
                format!("{:?} at L = {}", self.large_n, self.large_n_l),
                "≥ 2 values of n in 2..=256, L in 2..=16",
            ));
        }
        if self.measurements > 10_000_000 || self.metropolis_measurements > 10_000_000 {
            return Err(bad(
                "monte_carlo.measurements",
                format!("{} / {}", self.measurements, self.metropolis_measurements),
                "at most 1e7 sweeps per chain",
            ));
        }
        Ok(())
    }
}

/// Chains per Monte Carlo run of the studies (run in parallel by rayon).
pub const STUDY_CHAINS: usize = 2;
/// Thermalisation sweep-equivalents of every study run.
pub const STUDY_THERMALIZATION: u64 = 1000;
/// Step cap of the trainers on Monte Carlo fields.
pub const TRAINER_MAX_STEPS: u64 = 200_000;

pub(super) fn mc_config(
    n: usize,
    d: usize,
    l: usize,
    coupling: Coupling,
    algorithm: Algorithm,
    measurements: u64,
    seed: u64,
) -> McConfig {
    McConfig {
        n,
        d,
        l,
        coupling,
        algorithm,
        chains: STUDY_CHAINS,
        thermalization: STUDY_THERMALIZATION,
        measurements,
        seed,
        spectrum: false,
    }
}
