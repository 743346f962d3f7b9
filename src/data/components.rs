//! Configurations of an O(n) model as n scalar component fields each: the form in which
//! finite-n data (Monte Carlo configurations, a user's own lattice data) reach the trainers and
//! the estimators. Each component φ^a = √n s^a of a configuration is one scalar training field;
//! by O(n) symmetry all components share one two-point function (derivations/08, R8.1).

use ndarray::ArrayD;

use crate::error::{Error, Result};
use crate::lattice::Lattice;

/// Configurations of an O(n) model as n scalar component fields each, all on one lattice.
#[derive(Debug, Clone)]
pub struct ComponentData {
    lattice: Lattice,
    n: usize,
    configs: Vec<Vec<ArrayD<f64>>>,
}

impl ComponentData {
    /// Validates that there are at least two configurations and that every one has `n ≥ 1`
    /// components of the lattice's shape.
    pub fn new(lattice: Lattice, n: usize, configs: Vec<Vec<ArrayD<f64>>>) -> Result<Self> {
        let shape = lattice.shape();
        let ok =
            |c: &Vec<ArrayD<f64>>| c.len() == n && c.iter().all(|x| x.shape() == shape.as_slice());
        if n == 0 || configs.len() < 2 || !configs.iter().all(ok) {
            return Err(Error::Invalid {
                name: "configurations",
                value: format!("{} configurations", configs.len()),
                requirement: format!(
                    "need ≥ 2 configurations of n = {n} ≥ 1 fields of shape {shape:?}"
                ),
            });
        }
        Ok(Self {
            lattice,
            n,
            configs,
        })
    }

    /// The lattice.
    pub fn lattice(&self) -> Lattice {
        self.lattice
    }

    /// Components per configuration n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of configurations.
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// True when there are no configurations (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.configs.is_empty()
    }

    /// The configurations.
    pub fn configs(&self) -> &[Vec<ArrayD<f64>>] {
        &self.configs
    }

    /// Every component of every configuration as one scalar training field (n per
    /// configuration, all with the same two-point function by O(n) symmetry).
    pub fn scalar_fields(&self) -> Vec<ArrayD<f64>> {
        self.configs.iter().flatten().cloned().collect()
    }

    /// The first `k` configurations and the rest (training and held-out data).
    pub fn split(&self, k: usize) -> Result<(Self, Self)> {
        let (a, b) = self.configs.split_at(k.min(self.configs.len()));
        Ok((
            Self::new(self.lattice, self.n, a.to_vec())?,
            Self::new(self.lattice, self.n, b.to_vec())?,
        ))
    }

    /// The configurations whose index i has `keep(i)`, e.g. all but one jackknife block.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> Result<Self> {
        let kept = self
            .configs
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, c)| c.clone())
            .collect();
        Self::new(self.lattice, self.n, kept)
    }
}
