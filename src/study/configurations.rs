//! Monte Carlo configurations for export (`mc --configurations M`): the data set of
//! [`crate::mc::dataset`] (configurations spaced by ≥ 2 τ_int, R7.4) and, beside it, the
//! observables of exactly those configurations, so what is printed is what the file holds.

use serde::Serialize;

use crate::data::ComponentData;
use crate::error::Result;
use crate::experiment::observables::{binder, mean_and_error, observables, MeanAndError};
use crate::lattice::Lattice;
use crate::mc::{self, McConfig, McDataSet, Progress};

/// The observables of an exported set of configurations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigurationsSummary {
    /// The run's configuration (the pilot run measures τ_int over `measurements` sweeps).
    pub config: McConfig,
    /// Coupling K (standard normalisation).
    pub k: f64,
    /// β = K/n.
    pub beta: f64,
    /// Configurations recorded.
    pub count: usize,
    /// τ_int of |m|² from the pilot run, in sweeps.
    pub tau_int_m2: f64,
    /// Sweeps between recorded configurations, ⌈2 τ_int⌉.
    pub spacing: u64,
    /// Energy per site −(1/V) Σ_⟨xy⟩ s_x·s_y over the configurations, with its standard error.
    pub energy: MeanAndError,
    /// ⟨|m|²⟩ over the configurations, with its standard error.
    pub m2: MeanAndError,
    /// ⟨|m|⟩ over the configurations, with its standard error.
    pub abs_m: MeanAndError,
    /// The Binder cumulant with its jackknife error.
    pub binder: MeanAndError,
}

/// Runs the chains of `cfg` and records `count` configurations, with their observables.
pub fn monte_carlo_configurations(
    cfg: &McConfig,
    count: usize,
    progress: &dyn Progress,
) -> Result<(McDataSet, ConfigurationsSummary)> {
    let set = mc::dataset(cfg, count, progress)?;
    let data = ComponentData::new(Lattice::new(cfg.d, cfg.l)?, cfg.n, set.fields()?)?;
    let obs = observables(&data);
    let abs_m: Vec<f64> = obs.m2.iter().map(|m2| m2.sqrt()).collect();
    let summary = ConfigurationsSummary {
        config: cfg.clone(),
        k: set.k,
        beta: set.beta,
        count: data.len(),
        tau_int_m2: set.tau_int_m2,
        spacing: set.spacing,
        energy: mean_and_error(&obs.energy),
        m2: mean_and_error(&obs.m2),
        abs_m: mean_and_error(&abs_m),
        binder: binder(&obs, cfg.n),
    };
    Ok((set, summary))
}
