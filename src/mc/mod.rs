//! Finite-n data: a Monte Carlo engine for the O(n) model (derivations/07).
//!
//! Spins s_x ∈ S^{n−1} (n = 1: Ising ±1) on the periodic lattice (Z_L)^d, d ∈ {2, 3, 4},
//! with weight exp(K Σ_⟨xy⟩ s_x·s_y) (R7.1). Updates: the O(n) Wolff single-cluster
//! update (R7.2) and single-site Metropolis (R7.3). Errors of averages come from integrated
//! autocorrelation times with automatic windowing, cross-checked by binning (R7.4); the
//! Binder cumulant has a jackknife error (R7.5). Configurations map to the crate's large-n
//! fields by φ = √n s, β = K/n ([`Spins::to_fields`], R7.1), so Monte Carlo data feed the
//! existing trainers.
//!
//! This module is the numeric side: it uses no closed form of [`crate::theory`].
//! Time is counted in sweeps: V Metropolis proposals, or a fixed number N_c ≈ V/⟨|C|⟩ of Wolff
//! clusters; the exact sweep-equivalents (cumulative cluster size / V) per measurement are
//! reported as `McReport::sweep_equivalents_per_measurement`.

pub mod chain;
pub mod config;
pub mod measure;
pub mod npz;
pub mod run;
pub mod spins;
pub mod stats;
pub mod update;

pub use chain::{Algorithm, Chain, SweepInfo};
pub use config::{critical_coupling, eta, Coupling, McConfig, NamedCoupling};
pub use run::{dataset, run, ChainSeries, McDataSet, McReport, NoProgress, Progress};
pub use spins::{large_n_coupling, Geometry, Spins};
pub use stats::Estimate;
