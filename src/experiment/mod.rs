//! The numeric side: data sets of sampled fields, convolutional score networks, and trainers
//! that work in real space on those fields (spec section 7).
//!
//! Nothing in this module calls [`crate::theory`]: the trainers see only sampled fields, their
//! noise, a learning rate and a stopping rule. The tests compare what they learn with the
//! closed forms.

pub mod dataset;
pub mod dense;
pub mod estimate;
pub mod network;
pub mod optimizer;
pub mod reference;
pub mod sampler;
pub mod trainer;

pub use trainer::{FullBatchGd, Sgd, StoppingRule, TrainingLog};

pub use dataset::{DataSet, EmpiricalStatistics, NoisedBatch, SpectralBatch};
pub use network::ConvNet;
