//! Exponential moving average of the weights (the "EMA" network practitioners sample with):
//! after step n, θ̄ ← β_n θ̄ + (1 − β_n) θ with β_n = min(β, (1 + n)/(10 + n)), so the
//! average forgets the initialisation within the first few steps and then averages over
//! about 1/(1 − β) steps. Burn has no EMA of a module; this is the update written with its
//! module visitor and mapper, which walk the parameters in the same (field) order.

use crate::experiment::score_network::TrainBackend;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;

use super::ScoreNetwork;
use crate::error::{Error, Result};

/// The running average θ̄ of a network's weights.
#[derive(Debug, Clone)]
pub struct WeightAverage<B: TrainBackend> {
    decay: f64,
    updates: u64,
    average: ScoreNetwork<B>,
}

impl<B: TrainBackend> WeightAverage<B> {
    /// Starts the average at `net` with the long-run decay β ∈ [0, 1).
    pub fn new(net: &ScoreNetwork<B>, decay: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&decay) {
            return Err(Error::Parameter {
                name: "weight-average decay",
                value: decay,
                requirement: "must lie in [0, 1)",
            });
        }
        Ok(Self {
            decay,
            updates: 0,
            average: net.clone(),
        })
    }

    /// β_n of the next update: min(β, (1 + n)/(10 + n)) after n updates.
    pub fn next_decay(&self) -> f64 {
        let n = self.updates as f64;
        self.decay.min((1.0 + n) / (10.0 + n))
    }

    /// θ̄ ← β_n θ̄ + (1 − β_n) θ with θ the weights of `net` (same architecture).
    pub fn update(&mut self, net: &ScoreNetwork<B>) -> Result<()> {
        let mut current = Collect(Vec::new());
        net.visit(&mut current);
        let count = current.0.len();
        let mut blend = Blend {
            current: current.0.into_iter(),
            decay: self.next_decay(),
            matched: 0,
        };
        let average = self.average.clone().map(&mut blend);
        if blend.matched != count || blend.current.next().is_some() {
            return Err(Error::Mismatch(format!(
                "weight average over {} tensors, network with {count}",
                blend.matched
            )));
        }
        self.average = average;
        self.updates += 1;
        Ok(())
    }

    /// The averaged network θ̄.
    pub fn network(&self) -> &ScoreNetwork<B> {
        &self.average
    }

    /// The averaged network, consuming the average.
    pub fn into_network(self) -> ScoreNetwork<B> {
        self.average
    }
}

/// The float parameters of a module with their shapes, flattened, in visiting order, off the
/// autodiff graph.
struct Collect<B: TrainBackend>(Vec<(Tensor<B::InnerBackend, 1>, Vec<usize>)>);

impl<B: TrainBackend> ModuleVisitor<B> for Collect<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let value = param.val();
        let dims = value.dims().to_vec();
        self.0.push((value.inner().flatten::<1>(0, D - 1), dims));
    }
}

/// Replaces every float parameter p̄ by β p̄ + (1 − β) p with p the next collected tensor.
struct Blend<B: TrainBackend> {
    current: std::vec::IntoIter<(Tensor<B::InnerBackend, 1>, Vec<usize>)>,
    decay: f64,
    matched: usize,
}

impl<B: TrainBackend> ModuleMapper<B> for Blend<B> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, old, mapper) = param.consume();
        let shape = old.shape();
        let now = match self.current.next() {
            Some((now, dims)) if dims == shape.dims => now,
            _ => return Param::from_mapped_value(id, old, mapper),
        };
        self.matched += 1;
        let blended = old.inner() * self.decay + now.reshape(shape) * (1.0 - self.decay);
        // a fresh leaf that tracks gradients, as a trained parameter does: the averaged
        // network can be trained further
        let leaf = Tensor::from_inner(blended).require_grad();
        Param::from_mapped_value(id, leaf, mapper)
    }
}
