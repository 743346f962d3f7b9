//! Training times under the optimizers practitioners use (derivations/09): closed forms for
//! momentum, population iterations for Adam, trainers on sampled fields, side by side.

use serde::{Deserialize, Serialize};

/// What `reproduce` runs for the optimizers (the `[optimizers]` table of the configuration;
/// every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizerStudyConfig {
    /// Sides of the closed-form tables.
    pub sides: Vec<usize>,
    /// Sides of the trainers on sampled fields.
    pub numeric_sides: Vec<usize>,
}

impl Default for OptimizerStudyConfig {
    fn default() -> Self {
        Self {
            sides: vec![8, 16, 32, 64],
            numeric_sides: vec![4, 6, 8],
        }
    }
}
