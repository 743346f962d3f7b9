//! Sampled generation with checks of stated power (derivations/10): fields drawn by the
//! samplers, compared with their closed-form spectra through pooled χ², zero-mode and plug-in
//! divergence tests at a fixed level.

use serde::{Deserialize, Serialize};

/// What `reproduce` samples (the `[sampled]` table of the configuration; every field has a
/// default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampledStudyConfig {
    /// Sides of the sampled generation checks.
    pub sides: Vec<usize>,
}

impl Default for SampledStudyConfig {
    fn default() -> Self {
        Self { sides: vec![4, 8] }
    }
}
