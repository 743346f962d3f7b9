//! The training times of a [`NetworkStudy`] against L: per L the mean over seeds with its
//! standard error, and over L a power-law exponent and a slope in ln L, each with its
//! jackknife error over seeds (leave one seed out of every L's mean).

use serde::Serialize;

use crate::error::Result;
use crate::experiment::observables::mean_and_error;
use crate::fit;
use crate::mc::stats::jackknife;
use crate::study::network::{NetworkRun, NetworkStudy};

/// One L of the study.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkScalingRow {
    /// Lattice side.
    pub l: usize,
    /// κ of the data.
    pub kappa: f64,
    /// Runs (seeds).
    pub runs: usize,
    /// Runs whose relative excess reached ε.
    pub trained: usize,
    /// Mean steps to ε (over the runs that reached it).
    pub steps: Option<f64>,
    /// Its standard error.
    pub steps_error: Option<f64>,
    /// Runs whose zero-mode error reached ε.
    pub zero_mode_trained: usize,
    /// Mean steps for the zero mode.
    pub zero_mode_steps: Option<f64>,
    /// Relative excess at the last checkpoint, mean over seeds.
    pub final_excess: f64,
    /// Mean wall time per run, s.
    pub seconds: f64,
}

/// A scaling law fitted to the mean training times: T ∝ L^p and T = a + b ln L.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NetworkScalingFit {
    /// p.
    pub exponent: f64,
    /// Jackknife error of p over seeds (needs ≥ 2 seeds).
    pub exponent_error: Option<f64>,
    /// b.
    pub log_slope: f64,
    /// Jackknife error of b over seeds.
    pub log_slope_error: Option<f64>,
}

/// The study summarised over L.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkScaling {
    /// One row per L.
    pub rows: Vec<NetworkScalingRow>,
    /// The fit of the relative-excess training time (when every run reached ε and there are
    /// ≥ 2 sides).
    pub fit: Option<NetworkScalingFit>,
}

/// Mean and standard error of the runs that reached ε: no mean without runs, no error with
/// one run.
fn mean_error(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let m = mean_and_error(values);
    (Some(m.mean), (values.len() > 1).then_some(m.error))
}

fn row(l: usize, runs: &[&NetworkRun]) -> NetworkScalingRow {
    let steps: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.trained_at)
        .map(|s| s as f64)
        .collect();
    let zero: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.zero_mode_trained_at)
        .map(|s| s as f64)
        .collect();
    let n = runs.len() as f64;
    let final_excess = runs
        .iter()
        .filter_map(|r| r.checkpoints.last())
        .map(|c| c.relative_excess)
        .sum::<f64>()
        / n;
    let (mean, error) = mean_error(&steps);
    NetworkScalingRow {
        l,
        kappa: runs[0].kappa,
        runs: runs.len(),
        trained: steps.len(),
        steps: mean,
        steps_error: error,
        zero_mode_trained: zero.len(),
        zero_mode_steps: mean_error(&zero).0,
        final_excess,
        seconds: runs.iter().map(|r| r.seconds).sum::<f64>() / n,
    }
}

/// Summarises a study over L.
pub fn network_scaling(study: &NetworkStudy) -> Result<NetworkScaling> {
    let sides = &study.config.sides;
    let rows: Vec<NetworkScalingRow> = sides
        .iter()
        .map(|&l| {
            let runs: Vec<&NetworkRun> = study.runs.iter().filter(|r| r.l == l).collect();
            row(l, &runs)
        })
        .collect();
    let complete = rows.iter().all(|r| r.trained == r.runs);
    let fit = if complete && rows.len() >= 2 {
        Some(fit_times(study)?)
    } else {
        None
    };
    Ok(NetworkScaling { rows, fit })
}

fn fit_times(study: &NetworkStudy) -> Result<NetworkScalingFit> {
    let sides = &study.config.sides;
    let series: Vec<Vec<f64>> = sides
        .iter()
        .map(|&l| {
            study
                .runs
                .iter()
                .filter(|r| r.l == l)
                .filter_map(|r| r.trained_at)
                .map(|s| s as f64)
                .collect()
        })
        .collect();
    let ls: Vec<f64> = sides.iter().map(|&l| l as f64).collect();
    let ln_l: Vec<f64> = ls.iter().map(|l| l.ln()).collect();
    let means: Vec<f64> = series
        .iter()
        .map(|s| s.iter().sum::<f64>() / s.len() as f64)
        .collect();
    // a mean of 0 steps (trained at the start) has no logarithm: the power law is then 0
    let exponent_of = |m: &[f64]| fit::power_law(&ls, m).map_or(f64::NAN, |f| f.slope);
    let slope_of = |m: &[f64]| fit::line(&ln_l, m).map_or(f64::NAN, |f| f.slope);
    let seeds = series[0].len();
    let (exponent_error, log_slope_error) = if seeds >= 2 {
        (
            Some(jackknife(&series, seeds, exponent_of)?.1),
            Some(jackknife(&series, seeds, slope_of)?.1),
        )
    } else {
        (None, None)
    };
    Ok(NetworkScalingFit {
        exponent: exponent_of(&means),
        exponent_error,
        log_slope: slope_of(&means),
        log_slope_error,
    })
}
