//! The Monte Carlo runs of the finite-n studies and their rows: 2D Ising data at K_c per side
//! (χ, U, Wolff τ_int, the closed forms on the measured spectrum), Metropolis dynamics, trainers
//! on the Monte Carlo fields, and the large-n approach (derivations/07, 08).

use rayon::prelude::*;
use serde::Serialize;

use super::config::{mc_config, MonteCarloStudyConfig, TRAINER_MAX_STEPS};
use super::on_data::{closed_form_on_data, measured_spectrum_at};
use crate::data::ComponentData;
use crate::error::{Error, Result};
use crate::experiment::estimate::measured_spectrum;
use crate::experiment::trainer::{FullBatchGd, StoppingRule};
use crate::experiment::{ConvNet, DataSet};
use crate::lattice::Lattice;
use crate::mc::{Algorithm, Coupling, NamedCoupling};
use crate::model::{LayerKind, Protocol};
use crate::progress::{Observer, Silent};
use crate::study::training::empirical_prediction;

/// One side of the 2D Ising data at K_c.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IsingSideRow {
    /// Side L.
    pub l: usize,
    /// χ = V⟨m²⟩ from the Wolff run (R7.4 error).
    pub chi: f64,
    /// Its standard error.
    pub chi_error: f64,
    /// Binder cumulant of the run (R7.5).
    pub binder: f64,
    /// Its jackknife error.
    pub binder_error: f64,
    /// Wolff τ_int(|m|²) in sweep-equivalents.
    pub tau_wolff: f64,
    /// Its statistical error, τ_int √(2(2W + 1)/N) in sweep-equivalents (R7.4), like
    /// Metropolis's (the sweep-equivalents per measurement are a mean over every cluster of
    /// the run, far more precise than τ_int, and are taken as exact).
    pub tau_wolff_error: f64,
    /// Wolff τ_int of the energy per site in sweep-equivalents (the observable of the z ≈ 0.25
    /// anchor, C25).
    pub tau_wolff_energy: f64,
    /// Its statistical error (R7.4), as for `tau_wolff_error`.
    pub tau_wolff_energy_error: f64,
    /// Sweep-equivalents between two measurements of the Wolff run: N_c clusters of mean size
    /// ⟨|C|⟩ reflect s = N_c⟨|C|⟩/V sweeps (R7.2).
    pub measurement_spacing: f64,
    /// Sweep-equivalents between training configurations (≥ 2 τ_int, R7.4).
    pub spacing: u64,
    /// Configurations in the data set.
    pub configurations: usize,
    /// κ = Ĉ_max/Ĉ_min of the data's class-averaged spectrum (R8.2, R8.4).
    pub kappa: f64,
    /// Ĉ_min of the class-averaged spectrum: for the nearest-neighbour ferromagnet the staggered
    /// mode k = (π, π), which tends to a constant as L grows (R8.2).
    pub c_min: f64,
    /// Ĉ_0 of the data (= χ up to sampling error, R8.2).
    pub c0: f64,
    /// T₁(ε) from the closed form on the measured spectrum (R8.2).
    pub t1: u64,
    /// Its jackknife standard error over blocks of configurations (filled in by
    /// [`super::monte_carlo_studies`]).
    pub t1_error: f64,
    /// T₂(ε) from the closed form on the measured spectrum (R8.2).
    pub t2: u64,
}

/// Measured τ_int at one side for one algorithm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DynamicRow {
    /// `wolff` or `metropolis`.
    pub algorithm: String,
    /// The observable whose τ_int this is: `m` (signed), `m2` (|m|²) or `energy`.
    pub observable: String,
    /// Side L.
    pub l: usize,
    /// τ_int in sweep-equivalents: |m|² for Wolff, the signed m for Metropolis (R7.4).
    pub tau: f64,
    /// Its statistical error.
    pub tau_error: f64,
}

/// A trainer on Monte Carlo fields against the closed form on their statistics (R8.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrainerOnDataRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Diffusion time t.
    pub t: f64,
    /// Steps full-batch GD took.
    pub measured: u64,
    /// Steps of the empirical map on the data's own statistics (R3.1, R8.1).
    pub closed_form_data: u64,
}

/// Ĉ_0 of the large-n fields from Monte Carlo beside the gap equation (R7.1, R1.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LargeNRow {
    /// Components n.
    pub n: usize,
    /// Side L (d = 3).
    pub l: usize,
    /// Monte Carlo Ĉ_0 = V⟨|m|²⟩ of the fields φ = √n s at K = n β_c(3).
    pub c0_mc: f64,
    /// Its standard error.
    pub c0_error: f64,
    /// Gap-equation C_0 = 1/μ at β_c(3) on the same torus (n = ∞).
    pub c0_gap: f64,
    /// Ĉ_0/C_0 − 1.
    pub relative_difference: f64,
}

/// Wolff run and training data at every Ising side (seed `seed + 100 + L` for the run,
/// `seed + 200 + L` for the data). The sides' chains run in parallel; each depends on its seed
/// alone, so the rows do not depend on the scheduling.
pub(super) fn ising_sides(
    cfg: &MonteCarloStudyConfig,
    protocol: Protocol,
    seed: u64,
    observer: &dyn Observer,
) -> Result<(Vec<IsingSideRow>, Vec<ComponentData>)> {
    let sides: Vec<(IsingSideRow, ComponentData)> = cfg
        .ising_2d_sides
        .par_iter()
        .map(|&l| ising_side(cfg, l, protocol, seed, observer))
        .collect::<Result<_>>()?;
    Ok(sides.into_iter().unzip())
}

/// One side of [`ising_sides`].
fn ising_side(
    cfg: &MonteCarloStudyConfig,
    l: usize,
    protocol: Protocol,
    seed: u64,
    observer: &dyn Observer,
) -> Result<(IsingSideRow, ComponentData)> {
    let progress = crate::progress::McProgress(&Silent);
    let critical = Coupling::Named(NamedCoupling::Critical);
    let run_cfg = mc_config(
        1,
        2,
        l,
        critical,
        Algorithm::Wolff,
        cfg.measurements,
        seed + 100 + l as u64,
    );
    let r = crate::mc::run(&run_cfg, &progress)?;
    let set_cfg = mc_config(
        1,
        2,
        l,
        critical,
        Algorithm::Wolff,
        2000,
        seed + 200 + l as u64,
    );
    let set = crate::mc::dataset(&set_cfg, cfg.configurations, &progress)?;
    observer.advance(1);
    let d = ComponentData::new(Lattice::new(2, l)?, 1, set.fields()?)?;
    let one = closed_form_on_data(&d, 1, protocol)?;
    let two = closed_form_on_data(&d, 2, protocol)?;
    let c0 = measured_spectrum(d.lattice(), &d.scalar_fields())?.at(&[0, 0]);
    let row = IsingSideRow {
        l,
        chi: r.susceptibility.mean,
        chi_error: r.susceptibility.error,
        binder: r.binder.value,
        binder_error: r.binder.error,
        tau_wolff: r.m2.tau_int * r.sweep_equivalents_per_measurement,
        tau_wolff_error: r.m2.tau_error * r.sweep_equivalents_per_measurement,
        tau_wolff_energy: r.energy.tau_int * r.sweep_equivalents_per_measurement,
        tau_wolff_energy_error: r.energy.tau_error * r.sweep_equivalents_per_measurement,
        measurement_spacing: r.sweep_equivalents_per_measurement,
        spacing: set.spacing,
        configurations: d.len(),
        kappa: one.kappa,
        c_min: c0 / one.kappa,
        c0,
        t1: one.steps,
        t1_error: f64::NAN,
        t2: two.steps,
    };
    Ok((row, d))
}

/// Full-batch GD of full stacks of depth 1 and 2 on the fields of each data set at time t,
/// beside the empirical map on the data's own statistics (R8.1, R3.1); noise seed `seed + 300 + L`.
pub(super) fn trainers_on_data(
    data: &[ComponentData],
    protocol: Protocol,
    t: f64,
    seed: u64,
) -> Result<Vec<TrainerOnDataRow>> {
    let mut rows = Vec::new();
    for d in data {
        let l = d.lattice().side();
        let set =
            DataSet::from_fields(d.lattice(), d.scalar_fields(), &[t], seed + 300 + l as u64)?;
        let stats = set.statistics(0)?;
        let batch = set
            .batch(0)?
            .to_spectral(&crate::fourier::RealFft::new(d.lattice()))?;
        let spec_t = measured_spectrum_at(d, t)?;
        for depth in [1usize, 2] {
            let p = protocol.with_depth(depth)?;
            let (eta, v0) = (p.learning_rate(&spec_t), p.initial_symbol(&spec_t));
            let mut net = ConvNet::balanced(d.lattice(), &vec![LayerKind::Full; depth], v0)?;
            let rule = StoppingRule::relative_symbol_error(p.epsilon, stats.optimum())?;
            let log = FullBatchGd::new(eta, TRAINER_MAX_STEPS)?.train(&mut net, &batch, &rule)?;
            let unreached = |what| {
                Error::NoConvergence {
                what,
                detail: format!("Monte Carlo fields, L = {l}, depth {depth}: not within {TRAINER_MAX_STEPS} steps"),
            }
            };
            let predicted =
                empirical_prediction(&stats, depth, eta, v0, p.epsilon, TRAINER_MAX_STEPS);
            rows.push(TrainerOnDataRow {
                l,
                depth,
                t,
                measured: log
                    .trained_at
                    .ok_or(unreached("trainer on Monte Carlo fields"))?,
                closed_form_data: predicted.ok_or(unreached("empirical closed form"))?,
            });
        }
    }
    Ok(rows)
}

/// Metropolis τ_int of the signed magnetisation at each side (seed `seed + 400 + L`; the sides
/// in parallel).
pub(super) fn metropolis_rows(
    cfg: &MonteCarloStudyConfig,
    seed: u64,
    observer: &dyn Observer,
) -> Result<Vec<DynamicRow>> {
    let progress = crate::progress::McProgress(&Silent);
    cfg.metropolis_sides
        .par_iter()
        .map(|&l| {
            let c = mc_config(
                1,
                2,
                l,
                Coupling::Named(NamedCoupling::Critical),
                Algorithm::Metropolis,
                cfg.metropolis_measurements,
                seed + 400 + l as u64,
            );
            let r = crate::mc::run(&c, &progress)?;
            observer.advance(1);
            Ok(DynamicRow {
                algorithm: "metropolis".into(),
                observable: "m".into(),
                l,
                tau: r.m1.tau_int,
                tau_error: r.m1.tau_error,
            })
        })
        .collect()
}

/// Ĉ_0 of the fields at K = n β_c(3) on the L³ torus against the gap equation there, for each n
/// (seed `seed + 600 + n`; the values of n in parallel).
pub(super) fn large_n_rows(
    cfg: &MonteCarloStudyConfig,
    seed: u64,
    observer: &dyn Observer,
) -> Result<Vec<LargeNRow>> {
    let progress = crate::progress::McProgress(&Silent);
    let beta_c = crate::data::critical_coupling(3)?;
    let lattice = Lattice::new(3, cfg.large_n_l)?;
    let c0_gap = crate::data::GaussianField::large_n(lattice, beta_c)?
        .spectrum()
        .at(&[0, 0, 0]);
    cfg.large_n
        .par_iter()
        .map(|&n| {
            let c = mc_config(
                n,
                3,
                cfg.large_n_l,
                Coupling::Value(n as f64 * beta_c),
                Algorithm::Wolff,
                20_000,
                seed + 600 + n as u64,
            );
            let r = crate::mc::run(&c, &progress)?;
            observer.advance(1);
            Ok(LargeNRow {
                n,
                l: cfg.large_n_l,
                c0_mc: r.susceptibility.mean,
                c0_error: r.susceptibility.error,
                c0_gap,
                relative_difference: r.susceptibility.mean / c0_gap - 1.0,
            })
        })
        .collect()
}
