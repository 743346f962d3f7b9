//! The nonlinear-network study as `reproduce` runs it (the `[network]` table of the
//! configuration; claims C60–C61): the identity-activation cross-check with the linear
//! trainer (R11.4) and the relative-excess training time of a SiLU network over L.

use serde::{Deserialize, Serialize};

use crate::data::GaussianField;
use crate::error::{Error, Result};
use crate::experiment::score_network::train::{
    FixedBatch, LinearKernelRecorder, NetworkOptimizer, NetworkTrainer, NoisedFields,
};
use crate::experiment::score_network::{FloatType, ScoreNetwork, TrainF64};
use crate::experiment::trainer::{FullBatchGd, StoppingRule};
use crate::experiment::{ConvNet, NoisedBatch};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::score_network::{NetworkSpec, Weighting};
use crate::model::LayerKind;
use crate::progress::{Observer, Silent};
use crate::sampling::{seeded_rng, FieldSampler};
use crate::study::network::{network_study, NetworkStudyConfig};
use crate::study::network_scaling::{network_scaling, NetworkScaling};

/// What `reproduce` runs for the nonlinear network (every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkClaimConfig {
    /// Sides L of the d = 2 data (μ = 4/L²); the first and last are compared.
    pub sides: Vec<usize>,
    /// One run per seed and side.
    pub seeds: Vec<u64>,
    /// Most steps per run.
    pub steps: u64,
    /// Steps between checkpoints (the resolution of the training time).
    pub checkpoint: u64,
    /// Hidden channels.
    pub width: usize,
    /// Residual blocks.
    pub blocks: usize,
    /// Fields per batch.
    pub batch: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// ε of the relative excess.
    pub epsilon: f64,
}

impl Default for NetworkClaimConfig {
    fn default() -> Self {
        Self {
            sides: vec![6, 12],
            seeds: vec![1, 2],
            steps: 400,
            checkpoint: 25,
            width: 8,
            blocks: 1,
            batch: 16,
            learning_rate: 2e-3,
            epsilon: 0.05,
        }
    }
}

impl NetworkClaimConfig {
    /// The study configuration it stands for.
    pub fn study(&self) -> NetworkStudyConfig {
        NetworkStudyConfig {
            d: 2,
            sides: self.sides.clone(),
            mass_constant: 4.0,
            spec: NetworkSpec::residual(self.width, self.blocks, 1),
            optimizer: NetworkOptimizer::adam(self.learning_rate),
            schedule: Default::default(),
            average: None,
            batch: self.batch,
            times: vec![0.02, 0.035, 0.06, 0.1, 0.18, 0.32, 0.56, 1.0],
            max_steps: self.steps,
            checkpoint_every: self.checkpoint,
            epsilon: self.epsilon,
            window: 3,
            held_out: 16,
            seeds: self.seeds.clone(),
        }
    }

    /// Checks the table before any work.
    pub fn validate(&self) -> Result<()> {
        if self.sides.len() < 2 || self.sides.windows(2).any(|w| w[1] <= w[0]) || self.sides[0] < 4
        {
            return Err(Error::Invalid {
                name: "network.sides",
                value: format!("{:?}", self.sides),
                requirement: "needs ≥ 2 increasing sides, each ≥ 4".into(),
            });
        }
        self.study().validate()
    }
}

/// What the network claims read.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkClaimStudy {
    /// Training times over L.
    pub scaling: NetworkScaling,
    /// Checkpoint spacing, steps.
    pub checkpoint: u64,
    /// Largest relative deviation of the identity network's kernels from the linear
    /// trainer's over 40 GD steps (R11.4).
    pub identity_deviation: f64,
}

/// Runs the identity cross-check and the SiLU study.
pub fn network_claim_study(
    cfg: &NetworkClaimConfig,
    observer: &dyn Observer,
) -> Result<NetworkClaimStudy> {
    cfg.validate()?;
    let identity_deviation = identity_deviation(20260523)?;
    let (study, _) = network_study(&cfg.study(), FloatType::F32, observer)?;
    Ok(NetworkClaimStudy {
        scaling: network_scaling(&study)?,
        checkpoint: cfg.checkpoint,
        identity_deviation,
    })
}

/// The two-layer identity network (framework, f64) and the crate's linear trainer, both
/// from the same random start on the same batch (d = 2, L = 6, t = 0.2, 12 fields), 40 GD
/// steps of η = 0.05: the largest |difference| of any kernel entry at any step over the
/// largest |entry| (R11.4).
pub fn identity_deviation(seed: u64) -> Result<f64> {
    let lattice = Lattice::new(2, 6)?;
    let field = GaussianField::massive_free(lattice, 1.0, 4.0 / 36.0)?;
    let t = 0.2;
    let batch = NoisedBatch::draw(
        &FieldSampler::new(field.spectrum())?,
        t,
        12,
        &mut seeded_rng(seed),
    )?;
    let mut rng = seeded_rng(seed + 1);
    let start: Vec<ndarray::ArrayD<f64>> = (0..2)
        .map(|_| {
            use rand::Rng;
            ndarray::ArrayD::from_shape_simple_fn(lattice.shape(), || rng.random_range(-0.5..0.5))
        })
        .collect();
    let (steps, eta) = (40, 0.05);
    let mut reference = ConvNet::new(lattice, &[LayerKind::Full, LayerKind::Full])?;
    reference.set_kernels(&start)?;
    let spectral = batch.to_spectral(&RealFft::new(lattice))?;
    let mut expected = vec![reference.kernels().to_vec()];
    for _ in 0..steps {
        FullBatchGd::new(eta, 1)?.train(&mut reference, &spectral, &StoppingRule::Never)?;
        expected.push(reference.kernels().to_vec());
    }
    let mut net =
        ScoreNetwork::<TrainF64>::new(&NetworkSpec::linear(2)?, lattice, 1, &Default::default())?;
    net.set_linear_kernels(&start)?;
    let fields = NoisedFields {
        t: vec![t; batch.xt.len()],
        xt: batch.xt,
        z: batch.z,
    };
    let trainer = NetworkTrainer {
        optimizer: NetworkOptimizer::Gd { lr: eta },
        weighting: Weighting::Unit,
        steps,
        checkpoint_every: 1,
        schedule: Default::default(),
        average: None,
    };
    let mut seen = LinearKernelRecorder::default();
    trainer.train(net, &mut FixedBatch(fields), &mut seen, &Silent)?;
    let scale = expected
        .iter()
        .flatten()
        .flat_map(|k| k.iter())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = seen
        .0
        .iter()
        .zip(&expected)
        .flat_map(|(a, b)| a.iter().zip(b))
        .flat_map(|(a, b)| a.iter().zip(b.iter()))
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    Ok(worst / scale)
}
