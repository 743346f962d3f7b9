//! The studies a reproduction builds, each at most once, and the container the claims and the
//! report read them from. Every study has a name ([`StudyId`]); a claim's registry entry names
//! the studies its evaluator reads, so evaluating one claim builds only those
//! ([`crate::claims::runner::evaluate_claims`]). Reading a study that was not built is an
//! error ([`crate::Error::NotBuilt`]), never a silent default.

use serde::Serialize;

use crate::claims::ReproduceConfig;
use crate::error::{Error, Result};
use crate::study::dense::DenseKappa;
use crate::study::finite_n::MonteCarloStudies;
use crate::study::network_check::NetworkClaimStudy;
use crate::study::network_ising::IsingNetworkReport;
use crate::study::optimizers::OptimizerStudy;
use crate::study::sampled::{MagnetisationStudy, SamplerCheck};
use crate::study::sampled_continuous::{ExtrapolationRow, GirsanovRow, SampledHorizonRow};
use crate::study::sampled_generation::SampledGenerationScaling;
use crate::study::{
    EmpiricalLocalRow, GenerateReport, GenerationRow, HorizonRow, LocalRow, LocalTrainingRow,
    NumericTrainingRow, SpectrumRow, TimescaleRow, TrainerComparison, TrainingTable,
};

/// Declares [`StudyId`] (one variant per study, named like its field) and [`Studies`] (one
/// optional field per study, read through an accessor of the same name that errors when the
/// study was not built).
macro_rules! studies {
    ($( $(#[doc = $doc:literal])* $id:ident => $field:ident : $ty:ty; )*) => {
        /// A study of a reproduction; its name (`StudyId::name`) is the field of [`Studies`]
        /// and the accessor that read it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum StudyId {
            $( $(#[doc = $doc])* $id, )*
        }

        impl StudyId {
            /// Every study, in the order a full reproduction builds them.
            pub const ALL: &'static [StudyId] = &[$(StudyId::$id),*];

            /// The study's name as tables, messages and `claims --json` spell it.
            pub fn name(self) -> &'static str {
                match self {
                    $( StudyId::$id => stringify!($field), )*
                }
            }
        }

        /// The study results of one configuration: those built, read by the claims'
        /// evaluators and by the report.
        #[derive(Debug, Clone, Serialize)]
        pub struct Studies {
            /// The configuration the studies were built on.
            pub config: ReproduceConfig,
            $( #[serde(skip_serializing_if = "Option::is_none")]
               $field: Option<$ty>, )*
        }

        /// One built study's result, tagged with its study.
        #[derive(Debug, Clone)]
        pub enum Built {
            $( $(#[doc = $doc])* $id($ty), )*
        }

        impl Studies {
            /// No study built yet.
            pub(super) fn empty(config: ReproduceConfig) -> Self {
                Self { config, $( $field: None, )* }
            }

            $(
                $(#[doc = $doc])*
                ///
                /// Errors if the study was not built.
                pub fn $field(&self) -> Result<&$ty> {
                    self.$field.as_ref().ok_or(Error::NotBuilt { study: stringify!($field) })
                }
            )*

            /// Stores a built study's result, replacing any earlier one of the same study.
            pub fn insert(&mut self, built: Built) {
                match built {
                    $( Built::$id(value) => self.$field = Some(value), )*
                }
            }

            /// The studies built, in [`StudyId::ALL`] order.
            pub fn built(&self) -> Vec<StudyId> {
                let mut out = Vec::new();
                $( if self.$field.is_some() { out.push(StudyId::$id); } )*
                out
            }

            /// A copy holding only the studies in `keep` (and the configuration): what an
            /// evaluator that names `keep` can rely on.
            pub fn restricted_to(&self, keep: &[StudyId]) -> Self {
                Self {
                    config: self.config.clone(),
                    $( $field: if keep.contains(&StudyId::$id) { self.$field.clone() } else { None }, )*
                }
            }
        }
    };
}

studies! {
    /// Spectrum table: μ, μL², ξ, κ per side (R1.1–R1.3).
    Spectrum => spectrum: Vec<SpectrumRow>;
    /// κ from the eigenvalues of the dense precision matrix at each numeric side (R1.5).
    DenseKappa => dense_kappa: Vec<DenseKappa>;
    /// Closed-form training times over L and depth, with fits (R3.3, R4.4, R4.5).
    Training => training: TrainingTable;
    /// Training times measured by full-batch GD on sampled fields (R3.2, R4.2).
    NumericTraining => numeric_training: Vec<NumericTrainingRow>;
    /// Trainer symbols against the closed form on the data's statistics, and the slowest
    /// mode's contraction (R3.2, R3.4, R4.2).
    TrainerComparison => trainer_comparison: TrainerComparison;
    /// Per-mode timescales at L = 32, t = 0 (R3.4, R4.3).
    Timescales => timescales: Vec<TimescaleRow>;
    /// Local architectures in closed form (R5.1–R5.5).
    Local => local: Vec<LocalRow>;
    /// The radius-1 local problem on sampled fields at the two largest local sides, t = 0 and
    /// t = 0.2.
    EmpiricalLocal => empirical_local: Vec<EmpiricalLocalRow>;
    /// Parameters of a radius-1 network at the largest local side (R5.6).
    LocalNetworkParameters => local_network_parameters: usize;
    /// Radius-1 trainers on sampled fields at every local side: steps to ε against the data
    /// set's own radius-1 optimum.
    LocalTraining => local_training: Vec<LocalTrainingRow>;
    /// One sampled generation run against its closed form (R6.1, R6.4, R6.7).
    SampledGeneration => sampled_generation: GenerateReport;
    /// Relative error of the continuous-time generated variance with the exact score (R6.2).
    ContinuousExactness => continuous_exactness: f64;
    /// One-layer generation in closed form, fixed and κ-proportional budgets (R6.6, R6.8).
    GenerationOneLayer => generation_one_layer: Vec<GenerationRow>;
    /// Two-layer generation in closed form, logarithmic budgets (R6.6, R4.4).
    GenerationTwoLayer => generation_two_layer: Vec<GenerationRow>;
    /// Horizon T(L) for a prior KL of 1e-2 (R6.3).
    Horizon => horizon: Vec<HorizonRow>;
    /// The zero mode's horizon measured on noised data fields, d = 3, L = 4, 8, 16 (R6.3).
    HorizonSampled => horizon_sampled: Vec<SampledHorizonRow>;
    /// Smallest relative slack of the Girsanov bound over random scores (R6.5).
    GirsanovSlack => girsanov_slack: f64;
    /// The Girsanov bound against the KL of fields drawn with each random score (R10.7).
    GirsanovSampled => girsanov_sampled: Vec<GirsanovRow>;
    /// The exact score's sampled spectrum on two grids, extrapolated to h → 0 (R10.5).
    ContinuousSampled => continuous_sampled: ExtrapolationRow;
    /// FFT score kernel against the dense inverse (R2.1, R2.2).
    DenseScoreDeviation => dense_score_deviation: f64;
    /// Every sampler against its closed form with the exact score, powered tests (R10.1).
    SamplerChecks => sampler_checks: Vec<SamplerCheck>;
    /// The magnetisation variance of generated fields against the grid it needs (R10.6).
    Magnetisation => magnetisation: MagnetisationStudy;
    /// Sampled rows of the generation scaling claims C17–C19 (R10.3).
    SampledGenerationScaling => sampled_generation_scaling: SampledGenerationScaling;
    /// The studies on Monte Carlo data (finite n, derivations/07–08).
    MonteCarlo => monte_carlo: MonteCarloStudies;
    /// Optimizers beyond gradient descent (derivations/09).
    Optimizers => optimizers: OptimizerStudy;
    /// A nonlinear network against the exact score, and its identity cross-check
    /// (derivations/11).
    Networks => networks: NetworkClaimStudy;
    /// A nonlinear network trained on 2D Ising Monte Carlo data, and what it generates.
    NetworkIsing => network_ising: Box<IsingNetworkReport>;
}
