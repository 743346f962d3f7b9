//! Finite-n critical data (Ising, XY, Heisenberg configurations from Monte Carlo) seen by linear
//! score networks (derivations/08): the networks see the data only through its two-point
//! function, so the closed forms apply with the measured spectrum Ĉ_k (R8.1); at the critical
//! coupling κ ∝ χ ∝ L^{2−η} and T₁ ∝ L^{2−η} (R8.2); the optimal linear score generates the
//! Gaussian with covariance Ĉ, right in its two-point function and wrong in every higher
//! cumulant (R8.3).
//!
//! [`config`] is the `[monte_carlo]` table, [`rows`] the Monte Carlo runs and their rows,
//! [`on_data`] the closed forms on measured data, [`mod@gaussian_limit`] linear generation; this
//! file puts them side by side ([`monte_carlo_studies`]). The estimators of observables are in
//! [`crate::experiment::observables`], the data container is [`crate::data::ComponentData`].

pub mod config;
pub mod gaussian_limit;
pub mod on_data;
pub mod rows;

use serde::Serialize;

use crate::error::Result;
use crate::fit::{self, WeightedFit};
use crate::model::Protocol;
use crate::progress::Observer;

pub use config::{MonteCarloStudyConfig, STUDY_CHAINS, STUDY_THERMALIZATION, TRAINER_MAX_STEPS};
use gaussian_limit::linear_generation;
pub use gaussian_limit::{gaussian_limit, trained_scores, GaussianLimit};
pub use on_data::{
    closed_form_on_data, measured_spectrum_at, training_exponent, training_jackknife,
    FiniteNTrainingRow, FittedExponent,
};
use rows::{ising_sides, large_n_rows, metropolis_rows, trainers_on_data};
pub use rows::{DynamicRow, IsingSideRow, LargeNRow, TrainerOnDataRow};

/// Everything `reproduce` computes on Monte Carlo data (derivations/07, 08).
#[derive(Debug, Clone, Serialize)]
pub struct MonteCarloStudies {
    /// The 2D Ising sides.
    pub ising: Vec<IsingSideRow>,
    /// γ/ν: exponent of χ(L) over the Ising sides, weighted by χ's errors (R7.4).
    pub susceptibility_exponent: WeightedFit,
    /// Exponent of T₁(L) on the measured spectra with its jackknife error (R8.2).
    pub one_layer_exponent: FittedExponent,
    /// Mean increment of T₂ per doubling of L on the measured spectra (R8.2).
    pub two_layer_increment: f64,
    /// Predicted (2 − η) ln 2/(2 ln(1 + 2η_lr)) (R8.2).
    pub two_layer_increment_predicted: f64,
    /// Trainers on the fields of the smallest sides (R8.1).
    pub trainer: Vec<TrainerOnDataRow>,
    /// τ_int against L for both algorithms.
    pub dynamics: Vec<DynamicRow>,
    /// Dynamic exponent of Wolff from τ_int of the energy in sweep-equivalents (the observable
    /// of the literature's z ≈ 0.25), weighted by the τ errors (R7.4).
    pub z_wolff: WeightedFit,
    /// The same from τ_int(|m|²), for comparison (observable-dependent on small sides).
    pub z_wolff_m2: WeightedFit,
    /// Dynamic exponent of Metropolis (τ_int of the signed m), weighted by the τ errors.
    pub z_metropolis: WeightedFit,
    /// Data against the generated Gaussian (R8.3).
    pub gaussian_limit: GaussianLimit,
    /// Grid steps of that generation.
    pub generation_steps: usize,
    /// Ĉ_0 approaching the gap equation as n grows.
    pub large_n: Vec<LargeNRow>,
    /// Exponent of Ĉ_0/C_0 − 1 against n (−1 expected), weighted by the Monte Carlo errors.
    pub large_n_slope: WeightedFit,
    /// Wall time of these studies in seconds.
    pub seconds: f64,
}

/// Runs the Monte Carlo studies of `cfg` (R7.x, R8.1–R8.3): 2D Ising data at K_c per side,
/// the closed forms on its measured spectra, trainers on its fields at diffusion time `t`,
/// Metropolis dynamics, the Gaussian limit of linear generation and the large-n approach.
/// Seeds derive from `seed`.
pub fn monte_carlo_studies(
    cfg: &MonteCarloStudyConfig,
    protocol: Protocol,
    t: f64,
    seed: u64,
    observer: &dyn Observer,
) -> Result<MonteCarloStudies> {
    let start = std::time::Instant::now();
    cfg.validate()?;
    // the three sets of chains are independent: run them side by side, in one stage that
    // counts finished chains (their own stages would overwrite each other's progress)
    let chains = cfg.ising_2d_sides.len() + cfg.metropolis_sides.len() + cfg.large_n.len();
    observer.stage("Monte Carlo chains, in parallel", chains as u64);
    let (sides, (metropolis, large_n)) = rayon::join(
        || ising_sides(cfg, protocol, seed, observer),
        || {
            rayon::join(
                || metropolis_rows(cfg, seed, observer),
                || large_n_rows(cfg, seed, observer),
            )
        },
    );
    observer.finish();
    let (mut ising, data) = sides?;
    let (one_layer_exponent, t1_errors) =
        training_jackknife(&data, 1, protocol, cfg.jackknife_blocks)?;
    for (row, error) in ising.iter_mut().zip(t1_errors) {
        row.t1_error = error;
    }
    let ls: Vec<f64> = ising.iter().map(|r| r.l as f64).collect();
    let weighted = |y: &dyn Fn(&IsingSideRow) -> (f64, f64)| {
        let (v, e): (Vec<f64>, Vec<f64>) = ising.iter().map(y).unzip();
        fit::weighted_power_law(&ls, &v, &e)
    };
    let susceptibility_exponent = weighted(&|r| (r.chi, r.chi_error))?;
    let z_wolff = weighted(&|r| (r.tau_wolff_energy, r.tau_wolff_energy_error))?;
    let z_wolff_m2 = weighted(&|r| (r.tau_wolff, r.tau_wolff_error))?;
    let eta_lr = Protocol::two_layer_learning_rate(protocol.lr_fraction);
    let eta_ising = crate::mc::eta(1, 2).unwrap_or(0.25);
    let trainer = trainers_on_data(&data[..cfg.trainer_sides], protocol, t, seed)?;
    let mut dynamics = wolff_dynamics(&ising);
    let metropolis = metropolis?;
    let lm: Vec<f64> = metropolis.iter().map(|r| r.l as f64).collect();
    let (tau, tau_error): (Vec<f64>, Vec<f64>) =
        metropolis.iter().map(|r| (r.tau, r.tau_error)).unzip();
    let z_metropolis = fit::weighted_power_law(&lm, &tau, &tau_error)?;
    dynamics.extend(metropolis);
    let g = cfg
        .ising_2d_sides
        .iter()
        .position(|&l| l == cfg.gaussian_limit_l)
        .unwrap_or(0);
    let (gaussian_limit, generation_steps) =
        linear_generation(&data[g], cfg.generation_steps, seed, observer)?;
    let large_n = large_n?;
    let xs: Vec<f64> = large_n.iter().map(|r| r.n as f64).collect();
    let ys: Vec<f64> = large_n.iter().map(|r| r.relative_difference).collect();
    let errors: Vec<f64> = large_n.iter().map(|r| r.c0_error / r.c0_gap).collect();
    let large_n_slope = fit::weighted_power_law(&xs, &ys, &errors)?;
    Ok(MonteCarloStudies {
        two_layer_increment: mean_increment(
            &ising.iter().map(|r| (r.l, r.t2 as f64)).collect::<Vec<_>>(),
        ),
        two_layer_increment_predicted: (2.0 - eta_ising) * 2f64.ln()
            / (2.0 * (1.0 + 2.0 * eta_lr).ln()),
        ising,
        susceptibility_exponent,
        one_layer_exponent,
        trainer,
        dynamics,
        z_wolff,
        z_wolff_m2,
        z_metropolis,
        gaussian_limit,
        generation_steps,
        large_n,
        large_n_slope,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The Wolff rows of the dynamics table: τ_int of the energy and of |m|² per side.
fn wolff_dynamics(ising: &[IsingSideRow]) -> Vec<DynamicRow> {
    let row = |r: &IsingSideRow, observable: &str, tau: f64, tau_error: f64| DynamicRow {
        algorithm: "wolff".into(),
        observable: observable.into(),
        l: r.l,
        tau,
        tau_error,
    };
    ising
        .iter()
        .flat_map(|r| {
            [
                row(r, "energy", r.tau_wolff_energy, r.tau_wolff_energy_error),
                row(r, "m2", r.tau_wolff, r.tau_wolff_error),
            ]
        })
        .collect()
}

/// Mean increment of y per doubling of L (points in increasing L).
fn mean_increment(points: &[(usize, f64)]) -> f64 {
    let (Some(a), Some(b)) = (points.first(), points.last()) else {
        return f64::NAN;
    };
    (b.1 - a.1) / (b.0 as f64 / a.0 as f64).log2()
}
