//! The nonlinear network on 2D Ising data at K_c over lattice sides and seeds (issue 21 item
//! 4): for each side L and seed, one run of [`ising_network_study`] (its own Monte Carlo data,
//! initial weights and generator stream), and per side the steps and training wall time until
//! the generated Binder cumulant reaches the data's for good, with the spread over seeds.
//!
//! "Reaches for good" is [`ising_network_study`]'s criterion: `window` consecutive checkpoints
//! within 2 combined standard errors of the data's U and ≥ 5 of their own from 0.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::experiment::observables::{mean_and_error, MeanAndError};
use crate::progress::Observer;
use crate::study::network_ising::{
    ising_network_study, BinderCheckpoint, IsingNetworkConfig, IsingNetworkReport,
};

/// The runs of a sweep: one network configuration at every side and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsingSweepConfig {
    /// The network, its training and generation; its `l` and `seed` are replaced by each
    /// run's.
    pub network: IsingNetworkConfig,
    /// Lattice sides, each once.
    pub sides: Vec<usize>,
    /// Seeds, each once: the Monte Carlo data, the initial weights and the generation of a run.
    pub seeds: Vec<u64>,
}

impl IsingSweepConfig {
    /// The configuration of the run at side `l` with seed `seed`.
    pub fn run(&self, l: usize, seed: u64) -> IsingNetworkConfig {
        IsingNetworkConfig {
            l,
            seed,
            ..self.network.clone()
        }
    }

    /// Refuses empty or repeated sides or seeds, and any run [`IsingNetworkConfig::validate`]
    /// refuses; checked before any work.
    pub fn validate(&self) -> Result<()> {
        distinct("network_ising_sweep.sides", &self.sides)?;
        distinct("network_ising_sweep.seeds", &self.seeds)?;
        for &l in &self.sides {
            self.run(l, self.seeds[0]).validate()?;
        }
        Ok(())
    }
}

/// Refuses an empty list or one holding a value twice.
fn distinct<T: PartialEq + std::fmt::Display>(name: &'static str, values: &[T]) -> Result<()> {
    let repeated = values
        .iter()
        .enumerate()
        .find(|(i, v)| values[..*i].contains(v));
    if values.is_empty() || repeated.is_some() {
        return Err(Error::Invalid {
            name,
            value: repeated.map_or("none".into(), |(_, v)| format!("{v} twice")),
            requirement: "at least one, each once".into(),
        });
    }
    Ok(())
}

/// One run of the sweep: its Binder cumulants and when it reached the data.
#[derive(Debug, Clone, Serialize)]
pub struct IsingSweepRun {
    /// Lattice side.
    pub l: usize,
    /// Seed.
    pub seed: u64,
    /// Trainable parameters.
    pub parameters: usize,
    /// The Monte Carlo data's Binder cumulant (jackknife error).
    pub data_binder: MeanAndError,
    /// The Binder cumulant of the fields generated after training.
    pub generated_binder: MeanAndError,
    /// The same sampler with the training set's exact score (R11.8), if run: how close the
    /// grid alone comes.
    pub sampler_check_binder: Option<MeanAndError>,
    /// The data's energy per site.
    pub data_energy: MeanAndError,
    /// The generated fields' energy per site.
    pub generated_energy: MeanAndError,
    /// First step of `window` consecutive checkpoints matching the data, if any.
    pub steps_to_data: Option<u64>,
    /// The training wall time to that step, s.
    pub seconds_to_data: Option<f64>,
    /// Training wall time, s (generation at checkpoints excluded).
    pub training_seconds: f64,
    /// Wall time of the whole run, s.
    pub seconds: f64,
    /// The generated Binder cumulant during training; the last row is the final generation.
    pub checkpoints: Vec<BinderCheckpoint>,
}

impl IsingSweepRun {
    fn new(seed: u64, r: &IsingNetworkReport) -> Self {
        Self {
            l: r.config.l,
            seed,
            parameters: r.parameters,
            data_binder: r.data.binder,
            generated_binder: r.generated.binder,
            sampler_check_binder: r.sampler_check.map(|c| c.binder),
            data_energy: r.data.energy,
            generated_energy: r.generated.energy,
            steps_to_data: r.steps_to_data,
            seconds_to_data: r.time_to_data_seconds,
            training_seconds: r.checkpoints.last().map_or(0.0, |c| c.training_seconds),
            seconds: r.seconds,
            checkpoints: r.checkpoints.clone(),
        }
    }

    /// U_generated − U_data.
    pub fn gap(&self) -> f64 {
        self.generated_binder.mean - self.data_binder.mean
    }

    /// Its standard error, the two independent errors combined.
    pub fn gap_error(&self) -> f64 {
        self.generated_binder.error.hypot(self.data_binder.error)
    }
}

/// One side of the sweep, over its seeds.
#[derive(Debug, Clone, Serialize)]
pub struct IsingSweepSide {
    /// Lattice side.
    pub l: usize,
    /// Runs (seeds).
    pub runs: usize,
    /// Runs that reached the data's Binder cumulant for good.
    pub reached: usize,
    /// Steps to the data: mean over seeds and standard error of the mean over seeds, when
    /// every seed reached it (with one seed, error 0: no spread to measure).
    pub steps_to_data: Option<MeanAndError>,
    /// Training wall time to the data, s, likewise.
    pub seconds_to_data: Option<MeanAndError>,
    /// U_generated − U_data after training: mean over seeds, and the larger of the seeds'
    /// standard error of the mean and the runs' own combined error over √(runs).
    pub gap: MeanAndError,
    /// The generated Binder cumulant, mean over seeds with the same error rule.
    pub generated_binder: MeanAndError,
    /// The data's Binder cumulant, mean over seeds with the same error rule.
    pub data_binder: MeanAndError,
}

/// Mean over seeds of `values` (with their own standard errors `errors`): the error is the
/// larger of the spread's standard error of the mean (from 2 seeds on) and the root mean
/// square of the own errors over √N, so that a few seeds that happen to agree do not claim
/// more precision than each run has.
pub fn over_seeds(values: &[f64], errors: &[f64]) -> MeanAndError {
    let n = values.len() as f64;
    let own = (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt() / n.sqrt();
    let spread = if values.len() >= 2 {
        mean_and_error(values).error
    } else {
        0.0
    };
    MeanAndError {
        mean: values.iter().sum::<f64>() / n,
        error: spread.max(own),
    }
}

/// The mean over seeds with the spread's standard error of the mean (0 for one seed).
fn spread_of(values: &[f64]) -> MeanAndError {
    over_seeds(values, &vec![0.0; values.len()])
}

impl IsingSweepSide {
    /// The summary of the runs at one side.
    pub fn of(runs: &[IsingSweepRun]) -> Self {
        let pick = |f: fn(&IsingSweepRun) -> (f64, f64)| {
            let (v, e): (Vec<f64>, Vec<f64>) = runs.iter().map(f).unzip();
            over_seeds(&v, &e)
        };
        let all_reached = runs.iter().all(|r| r.steps_to_data.is_some());
        let when = |f: fn(&IsingSweepRun) -> f64| {
            all_reached.then(|| spread_of(&runs.iter().map(f).collect::<Vec<_>>()))
        };
        Self {
            l: runs.first().map_or(0, |r| r.l),
            runs: runs.len(),
            reached: runs.iter().filter(|r| r.steps_to_data.is_some()).count(),
            steps_to_data: when(|r| r.steps_to_data.unwrap_or(0) as f64),
            seconds_to_data: when(|r| r.seconds_to_data.unwrap_or(0.0)),
            gap: pick(|r| (r.gap(), r.gap_error())),
            generated_binder: pick(|r| (r.generated_binder.mean, r.generated_binder.error)),
            data_binder: pick(|r| (r.data_binder.mean, r.data_binder.error)),
        }
    }
}

/// The sweep: every run and the per-side summaries, sides ascending as given.
#[derive(Debug, Clone, Serialize)]
pub struct IsingSweep {
    /// The configuration.
    pub config: IsingSweepConfig,
    /// Every run, side by side, seeds in the order given.
    pub runs: Vec<IsingSweepRun>,
    /// One summary per side, in the order given.
    pub sides: Vec<IsingSweepSide>,
}

/// Runs the network study at every side and seed of `cfg` and summarises each side.
pub fn ising_network_sweep(cfg: &IsingSweepConfig, observer: &dyn Observer) -> Result<IsingSweep> {
    cfg.validate()?;
    let mut runs = Vec::with_capacity(cfg.sides.len() * cfg.seeds.len());
    for &l in &cfg.sides {
        for &seed in &cfg.seeds {
            let report = ising_network_study(&cfg.run(l, seed), observer)?;
            runs.push(IsingSweepRun::new(seed, &report));
        }
    }
    let sides = runs
        .chunks(cfg.seeds.len())
        .map(IsingSweepSide::of)
        .collect();
    Ok(IsingSweep {
        config: cfg.clone(),
        runs,
        sides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values worked by hand: the spread wins for scattered seeds, the runs' own errors for
    /// seeds that agree, and one seed keeps its own error.
    #[test]
    fn mean_over_seeds_takes_the_larger_error() {
        let m = over_seeds(&[1.0, 2.0, 3.0], &[0.1, 0.1, 0.1]);
        // s = 1, SE = 1/√3
        assert_eq!(m.mean, 2.0);
        assert!((m.error - 1.0 / 3f64.sqrt()).abs() < 1e-15);
        // no spread; √((0.3² + 0.4²)/2)/√2 = √0.125/√2 = 0.25
        let m = over_seeds(&[1.0, 1.0], &[0.3, 0.4]);
        assert_eq!(m.mean, 1.0);
        assert!((m.error - 0.25).abs() < 1e-15);
        let m = over_seeds(&[0.5], &[0.2]);
        assert_eq!((m.mean, m.error), (0.5, 0.2));
    }

    #[test]
    fn lists_must_be_non_empty_and_distinct() {
        assert!(distinct("x", &[4, 8, 16]).is_ok());
        let e = distinct("x", &[4, 8, 4]).unwrap_err().to_string();
        assert!(e.contains("4 twice"), "{e}");
        assert!(distinct::<u64>("x", &[]).is_err());
    }

    fn run(seed: u64, gap: f64, steps: Option<u64>) -> IsingSweepRun {
        let u = |mean, error| MeanAndError { mean, error };
        IsingSweepRun {
            l: 8,
            seed,
            parameters: 1,
            data_binder: u(0.6, 0.003),
            generated_binder: u(0.6 + gap, 0.004),
            sampler_check_binder: None,
            data_energy: u(-1.5, 0.01),
            generated_energy: u(-1.4, 0.01),
            steps_to_data: steps,
            seconds_to_data: steps.map(|s| s as f64 / 100.0),
            training_seconds: 10.0,
            seconds: 12.0,
            checkpoints: Vec::new(),
        }
    }

    /// The side summary: steps to the data only when every seed reached it, their mean and
    /// the spread's standard error (1000 and 3000: mean 2000, SE 1000).
    #[test]
    fn a_side_reaches_the_data_when_every_seed_does() {
        let side = IsingSweepSide::of(&[run(1, -0.01, Some(1000)), run(2, -0.02, Some(3000))]);
        assert_eq!((side.l, side.runs, side.reached), (8, 2, 2));
        let steps = side.steps_to_data.unwrap();
        assert_eq!((steps.mean, steps.error), (2000.0, 1000.0));
        let seconds = side.seconds_to_data.unwrap();
        assert_eq!((seconds.mean, seconds.error), (20.0, 10.0));
        assert!((side.gap.mean + 0.015).abs() < 1e-15);
        // each run's gap error is hypot(0.004, 0.003) = 0.005; the spread's SE |−0.01 + 0.02|/2
        // = 0.005 beats the own errors' 0.005/√2
        assert!((side.gap.error - 0.005).abs() < 1e-12, "{:?}", side.gap);
        // seeds that agree: the runs' own errors, 0.005/√2
        let side = IsingSweepSide::of(&[run(1, -0.01, None), run(2, -0.01, None)]);
        assert!(
            (side.gap.error - 0.005 / 2f64.sqrt()).abs() < 1e-12,
            "{:?}",
            side.gap
        );
        let side = IsingSweepSide::of(&[run(1, -0.01, Some(1000)), run(2, -0.02, None)]);
        assert_eq!(side.reached, 1);
        assert!(side.steps_to_data.is_none() && side.seconds_to_data.is_none());
    }
}
