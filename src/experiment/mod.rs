//! The numeric side: data sets of sampled fields, convolutional score networks, and trainers
//! that work in real space on those fields (spec section 7).
//!
//! Nothing in this module calls [`crate::theory`]: the trainers see only sampled fields, their
//! noise, a learning rate and a stopping rule. The tests compare what they learn with the
//! closed forms.
//!
//! # Example
//!
//! Full-batch gradient descent of one full convolutional layer on 256 noised critical fields
//! lowers the denoising loss, computed by convolutions on the fields themselves:
//!
//! ```
//! use critical_slowing::data::GaussianField;
//! use critical_slowing::experiment::{ConvNet, FullBatchGd, NoisedBatch, StoppingRule};
//! use critical_slowing::fourier::RealFft;
//! use critical_slowing::model::LayerKind;
//! use critical_slowing::sampling::{seeded_rng, FieldSampler};
//! use critical_slowing::Lattice;
//!
//! let lattice = Lattice::new(3, 6)?;
//! let field = GaussianField::large_n_critical(lattice)?;
//! let sampler = FieldSampler::new(field.spectrum())?;
//! let batch = NoisedBatch::draw(&sampler, 0.5, 256, &mut seeded_rng(1))?
//!     .to_spectral(&RealFft::new(lattice))?;
//! let mut net = ConvNet::new(lattice, &[LayerKind::Full])?;
//! let before = net.loss_and_gradient(&batch)?.0;
//! // η = 0.02 stays below 1/C_max(t) of this lattice (larger steps diverge on the zero mode)
//! FullBatchGd::new(0.02, 50)?.train(&mut net, &batch, &StoppingRule::Never)?;
//! assert!(net.loss_and_gradient(&batch)?.0 < before);
//! # Ok::<(), critical_slowing::Error>(())
//! ```

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
