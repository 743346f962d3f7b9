//! The records an analysis returns (`Serialize`: `analyse --json` and `analysis.json` are
//! these, field for field).

use serde::Serialize;

use crate::data::file::FileSource;
use crate::experiment::observables::MeanAndError;
use crate::study::generate::ZeroModeGrid;

/// One class of modes of the measured spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassRow {
    /// Laplacian eigenvalue λ of the class.
    pub lambda: f64,
    /// Modes in the class.
    pub multiplicity: u64,
    /// Class mean of the measured spectrum Ĉ.
    pub c_hat: f64,
    /// Interval for C that holds for Gaussian data (χ², Bonferroni over the classes).
    pub lo: f64,
    /// Its upper end.
    pub hi: f64,
}

/// A number with its jackknife error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WithError {
    /// The value on all configurations.
    pub value: f64,
    /// Jackknife standard error over blocks of configurations.
    pub error: f64,
}

/// κ = Ĉ_max/Ĉ_min over the classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KappaEstimate {
    /// κ̂ with its jackknife error.
    pub kappa: WithError,
    /// Interval for κ that holds for Gaussian data (F law of the two class means).
    pub lo: f64,
    /// Its upper end.
    pub hi: f64,
    /// λ of the class holding Ĉ_max (0: the zero mode).
    pub lambda_max: f64,
    /// λ of the class holding Ĉ_min (4d: the staggered mode, for critical data).
    pub lambda_min: f64,
}

/// A closed-form training time on the data's spectrum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingPrediction {
    /// Optimizer spelling (`gd`, `momentum:tuned`, `nesterov:tuned`, `adam-fourier`).
    pub optimizer: String,
    /// Depth D.
    pub depth: usize,
    /// T(ε) in steps, with its jackknife error (0 for Adam: not resampled, it is a search).
    pub steps: WithError,
    /// Learning rate used.
    pub learning_rate: f64,
}

/// The radius-R one-layer local score on the data (R5.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalFloor {
    /// Radius R.
    pub radius: usize,
    /// Excess loss per site of the local optimum over the exact score (R5.2).
    pub floor: f64,
    /// Relative error of the local optimum on the zero mode.
    pub zero_mode_relative_error: f64,
}

/// The generation prediction on the data's spectrum (R6.1, R6.4, R6.6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerationPrediction {
    /// Sampler spelling.
    pub sampler: String,
    /// Grid spelling.
    pub grid: String,
    /// One-layer training steps per grid time.
    pub budget: usize,
    /// KL(gen ‖ data) per site, with its jackknife error.
    pub kl_per_site: WithError,
    /// W2² per site.
    pub w2_squared_per_site: f64,
    /// The zero mode's resolution by the grid with the exact score (R10.6).
    pub zero_mode: ZeroModeGrid,
    /// Horizon T for a prior KL of 1e-2 (R6.3).
    pub horizon_for_1e_2: f64,
}

/// What a linear score cannot reproduce: it generates the Gaussian with the data's spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GaussianLimit {
    /// The data's Binder cumulant (jackknife error).
    pub data_binder: MeanAndError,
    /// A Gaussian's: 0.
    pub linear_score_binder: f64,
    /// (data − 0) in errors: how far the data is from what a linear score generates.
    pub z: f64,
}

/// The analysis of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileAnalysis {
    /// Where the data came from.
    pub source: FileSource,
    /// Dimension d.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Components n per configuration.
    pub n: usize,
    /// Configurations M.
    pub configurations: usize,
    /// Jackknife blocks used.
    pub blocks: usize,
    /// Level of the Gaussian-data intervals.
    pub level: f64,
    /// The measured spectrum by class, λ ascending.
    pub spectrum: Vec<ClassRow>,
    /// κ of the data (t = 0).
    pub kappa: KappaEstimate,
    /// Second-moment correlation length ξ² = (Ĉ(0)/Ĉ(k_min) − 1)/(4 sin²(π/L)).
    pub xi: WithError,
    /// Energy per site, ⟨|m|²⟩, ⟨|m|⟩ with standard errors.
    pub energy: MeanAndError,
    /// ⟨|m|²⟩.
    pub m2: MeanAndError,
    /// ⟨|m|⟩.
    pub abs_m: MeanAndError,
    /// Histogram of the first component's magnetisation: (bin centre, density).
    pub histogram: Vec<[f64; 2]>,
    /// Training times at diffusion time `t`.
    pub training: Vec<TrainingPrediction>,
    /// The diffusion time they are evaluated at.
    pub t: f64,
    /// Local floors at `t`, radius 1 and 2.
    pub local: Vec<LocalFloor>,
    /// Generation prediction.
    pub generation: GenerationPrediction,
    /// What a linear score cannot reproduce.
    pub gaussian_limit: GaussianLimit,
}

/// Exponents over the files' sides (same d), with jackknife errors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Exponents {
    /// Exponent of κ(L).
    pub kappa: WithError,
    /// Exponent of T₁(L) under gradient descent.
    pub one_layer_steps: WithError,
}

/// The analysis of one or more files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// One per file, in the order given.
    pub files: Vec<FileAnalysis>,
    /// Exponents when the files have ≥ 2 distinct sides of one dimension.
    pub exponents: Option<Exponents>,
}
