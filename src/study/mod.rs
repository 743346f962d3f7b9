//! Studies: runs that put the closed forms ([`crate::theory`]) and the numeric side
//! ([`crate::experiment`]) side by side on explicit parameters and return `Serialize` records.
//! No text is formatted and nothing is written here: [`crate::report`] does that, and
//! [`crate::claims`] judges the records.

pub mod dense;
pub mod finite_n;
pub mod generate;
pub mod generation;
pub mod local;
pub mod optimizers;
pub mod sampled;
pub mod sampled_continuous;
pub mod sampled_generation;
pub mod spectrum;
pub mod train;
pub mod training;

pub use generate::{generate, GenerateConfig, GenerateReport, GridSpec};
pub use generation::{
    generation_rows, horizon_rows, Budget, GenerationRow, GenerationSetup, HorizonRow,
};
pub use local::{local_rows, LocalRow};
pub use spectrum::{spectrum_row, spectrum_rows, SpectrumRow};
pub use train::{train, TrainConfig, TrainReport};
pub use training::{
    numeric_training, training_table, NumericTrainingRow, SampledSetup, TrainingTable,
};
