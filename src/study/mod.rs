//! Studies: runs that put the closed forms ([`crate::theory`]) and the numeric side
//! ([`crate::experiment`]) side by side on explicit parameters and return `Serialize` records.
//! No text is formatted and nothing is written here: [`crate::report`] does that, and
//! [`crate::claims`] judges the records.
//!
//! One file (or folder) per study: the spectrum; closed-form training times and the trainers
//! on sampled fields ([`training`], [`trainer_comparison`]); local scores in closed form
//! ([`local`]), on a data set's own statistics ([`empirical_local`]) and on fields
//! ([`local_fields`]); generation in closed form ([`generation`]),
//! one sampled run ([`mod@generate`]), the powered sampled checks ([`sampled`],
//! [`sampled_generation`], [`sampled_continuous`]); the dense cross-checks ([`dense`]); finite-n
//! Monte Carlo data ([`finite_n`]) and its export ([`configurations`]); a user's data through
//! the closed forms ([`analyse`]); optimizers ([`optimizers`]); the `train` command
//! ([`mod@train`]).

pub mod analyse;
pub mod configurations;
pub mod dense;
pub mod empirical_local;
pub mod finite_n;
pub mod generate;
pub mod generation;
pub mod local;
pub mod local_fields;
pub mod network;
pub mod network_check;
pub mod network_ising;
pub mod network_ising_sweep;
pub mod network_scaling;
pub mod optimizers;
pub mod sampled;
pub mod sampled_continuous;
pub mod sampled_generation;
pub mod spectrum;
pub mod train;
pub mod trainer_comparison;
pub mod training;

/// The false-alarm level of every family of sampled checks in the studies (Bonferroni-split
/// inside each family over its modes, rows or samplers).
pub const LEVEL: f64 = 1e-6;

pub use generate::{generate, GenerateConfig, GenerateReport, GridSpec};
pub use generation::{
    generation_rows, horizon_rows, one_layer_budget_rows, two_layer_budget_rows, Budget,
    GenerationRow, GenerationSetup, HorizonRow,
};
pub use local::{local_rows, LocalRow};
pub use local_fields::{EmpiricalLocalRow, LocalTrainingRow};
pub use spectrum::{spectrum_row, spectrum_rows, SpectrumRow};
pub use train::{train, train_cost, TrainConfig, TrainCost, TrainReport, TRAIN_RATE};
pub use trainer_comparison::{compare_trainer_with_closed_form, TrainerComparison};
pub use training::{
    numeric_training, timescales, training_table, NumericTrainingRow, SampledSetup, TimescaleRow,
    TrainingTable,
};
