//! The numeric side: data sets of sampled fields, convolutional score networks, and trainers
//! that work in real space on those fields (spec section 7).
//!
//! Nothing in this module calls [`crate::theory`]: the trainers see only sampled fields, their
//! noise, a learning rate and a stopping rule. The tests compare what they learn with the
//! closed forms.

/// Samples per partial sum in the parallel reductions over a batch (loss and gradient,
/// empirical statistics, spectrum estimates): partial sums over these fixed chunks are added
/// in chunk order, so results are bit-identical whatever the number of threads.
pub const REDUCTION_CHUNK: usize = 8;

pub mod dataset;
pub mod dense;
pub mod estimate;
pub mod network;
pub mod observables;
pub mod optimizer;
pub mod reference;
pub mod sampler;
pub mod score_network;
pub mod trainer;

pub use trainer::{FullBatchGd, Sgd, StoppingRule, TrainingLog};

pub use dataset::{DataSet, EmpiricalStatistics, NoisedBatch, SpectralBatch};
pub use network::ConvNet;
