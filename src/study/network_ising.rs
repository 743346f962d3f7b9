//! A nonlinear score network trained on 2D Ising configurations at K_c (the crate's Wolff
//! Monte Carlo, derivations/07), fields generated with it, and their observables beside the
//! data's with errors on both sides (issue 21 item 4). A linear score generates a Gaussian,
//! whose Binder cumulant is 0 (R8.3); the data's is ≈ 0.61.

use serde::Serialize;

use crate::data::ComponentData;
use crate::diffusion::grid::TimeGrid;
use crate::error::Result;
use crate::experiment::estimate::SpectrumEstimate;
use crate::experiment::observables::{
    binder, mean_and_error, observables, paired_histogram, MeanAndError,
};
use crate::experiment::score_network::sample::generate;
use crate::experiment::score_network::train::{
    frozen, FieldMinibatches, NetworkOptimizer, NetworkTrainer, NoMonitor,
};
use crate::experiment::score_network::{ScoreNetwork, TrainF32};
use crate::lattice::Lattice;
use crate::mc::{self, Algorithm, Coupling, McConfig, NamedCoupling, NoProgress};
use crate::model::score_network::{NetworkSpec, Weighting};
use crate::progress::Observer;
use crate::sampling::seeded_rng;

/// What to train on and how.
#[derive(Debug, Clone, Serialize)]
pub struct IsingNetworkConfig {
    /// Lattice side (d = 2).
    pub l: usize,
    /// Monte Carlo configurations to train on.
    pub configurations: usize,
    /// The network.
    pub spec: NetworkSpec,
    /// Adam's step size.
    pub learning_rate: f64,
    /// Fields per batch.
    pub batch: usize,
    /// Training steps.
    pub steps: u64,
    /// Training times: geometric grid over [t_min, T] with this many points.
    pub train_times: usize,
    /// Generation grid: geometric over [t_min, T] with this many points.
    pub generation_steps: usize,
    /// t_min and T of both grids.
    pub horizon: (f64, f64),
    /// Fields generated.
    pub generated: usize,
    /// Seed of the Monte Carlo, the network and the generation.
    pub seed: u64,
}

impl Default for IsingNetworkConfig {
    fn default() -> Self {
        Self {
            l: 8,
            configurations: 2000,
            spec: NetworkSpec::residual(16, 2, 1),
            learning_rate: 2e-3,
            batch: 32,
            steps: 1500,
            train_times: 24,
            generation_steps: 100,
            horizon: (0.005, 4.0),
            generated: 1000,
            seed: 7,
        }
    }
}

/// Observables of one set of fields, with standard errors.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldObservables {
    /// Binder cumulant U = 1 − ⟨m⁴⟩/(3⟨m²⟩²) (jackknife error).
    pub binder: MeanAndError,
    /// ⟨|m|⟩, m the mean field per site.
    pub abs_m: MeanAndError,
    /// ⟨m²⟩.
    pub m2: MeanAndError,
    /// Energy per site −(1/V) Σ_⟨xy⟩ φ_x φ_y.
    pub energy: MeanAndError,
}

/// The data, the trained network's fields, and the run.
#[derive(Debug, Clone, Serialize)]
pub struct IsingNetworkReport {
    /// The configuration.
    pub config: IsingNetworkConfig,
    /// The Monte Carlo data.
    pub data: FieldObservables,
    /// The generated fields.
    pub generated: FieldObservables,
    /// Histogram of m: (bin centre, data density, generated density), 41 common bins.
    pub histogram: Vec<[f64; 3]>,
    /// Two-point function along the first axis: (r, data G(r), generated G(r)), r = 0…L/2,
    /// G(r) = ⟨φ(x) φ(x + r e₁)⟩ averaged over x and fields.
    pub two_point: Vec<[f64; 3]>,
    /// Mean batch loss of the last 100 steps.
    pub final_loss: f64,
    /// Trainable parameters.
    pub parameters: usize,
    /// Wall time, s.
    pub seconds: f64,
}

/// G(r) = ⟨φ(x) φ(x + r e₁)⟩ of scalar fields for r = 0…L/2 (the inverse DFT of their
/// periodogram, [`SpectrumEstimate::two_point_function`]).
fn axis_two_point(lattice: Lattice, fields: &[ndarray::ArrayD<f64>]) -> Result<Vec<f64>> {
    let g = SpectrumEstimate::from_fields(lattice, fields)?.two_point_function()?;
    let mut index = vec![0; lattice.dim()];
    Ok((0..=lattice.side() / 2)
        .map(|r| {
            index[0] = r;
            g[ndarray::IxDyn(&index)]
        })
        .collect())
}

/// The observables of scalar fields, and m per field (for the histogram).
fn measured(
    lattice: Lattice,
    fields: Vec<ndarray::ArrayD<f64>>,
) -> Result<(FieldObservables, Vec<f64>)> {
    let data = ComponentData::new(lattice, 1, fields.into_iter().map(|f| vec![f]).collect())?;
    let obs = observables(&data);
    let abs_m: Vec<f64> = obs.m2.iter().map(|m2| m2.sqrt()).collect();
    Ok((
        FieldObservables {
            binder: binder(&obs, 1),
            abs_m: mean_and_error(&abs_m),
            m2: mean_and_error(&obs.m2),
            energy: mean_and_error(&obs.energy),
        },
        obs.m1,
    ))
}

/// Runs the Monte Carlo, trains the network on its configurations (minibatches with fresh
/// noise, Adam, f32) and generates fields with it.
pub fn ising_network_study(
    cfg: &IsingNetworkConfig,
    observer: &dyn Observer,
) -> Result<IsingNetworkReport> {
    let started = std::time::Instant::now();
    let lattice = Lattice::new(2, cfg.l)?;
    cfg.spec.validate(lattice)?;
    let (t_min, horizon) = cfg.horizon;
    let train_times = TimeGrid::geometric(t_min, horizon, cfg.train_times)?
        .times()
        .to_vec();
    let grid = TimeGrid::geometric(t_min, horizon, cfg.generation_steps)?
        .times()
        .to_vec();
    let mc_cfg = McConfig {
        n: 1,
        d: 2,
        l: cfg.l,
        coupling: Coupling::Named(NamedCoupling::Critical),
        algorithm: Algorithm::Wolff,
        chains: 2,
        thermalization: 200,
        measurements: 2000,
        seed: cfg.seed,
        spectrum: false,
    };
    let set = mc::dataset(&mc_cfg, cfg.configurations, &NoProgress)?;
    let fields: Vec<_> = set
        .fields()?
        .into_iter()
        .filter_map(|mut c| c.pop())
        .collect();
    let data_g = axis_two_point(lattice, &fields)?;
    let (data, data_m) = measured(lattice, fields.clone())?;
    let net = ScoreNetwork::<TrainF32>::new(&cfg.spec, lattice, cfg.seed, &Default::default())?;
    let parameters = net.parameter_count();
    let mut source = FieldMinibatches {
        fields,
        times: train_times,
        batch: cfg.batch,
        rng: seeded_rng(cfg.seed + 1),
    };
    let trainer = NetworkTrainer {
        optimizer: NetworkOptimizer::adam(cfg.learning_rate),
        weighting: Weighting::Sigma2,
        steps: cfg.steps,
        checkpoint_every: cfg.steps.max(1),
    };
    let (net, log) = trainer.train(net, &mut source, &mut NoMonitor, observer)?;
    let tail = &log.losses[log.losses.len().saturating_sub(100)..];
    let final_loss = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
    let generated = generate(&frozen(&net), &grid, cfg.generated, 250, cfg.seed + 2)?;
    let generated_g = axis_two_point(lattice, &generated)?;
    let (generated, generated_m) = measured(lattice, generated)?;
    Ok(IsingNetworkReport {
        config: cfg.clone(),
        data,
        generated,
        histogram: paired_histogram(&data_m, &generated_m, 41),
        two_point: data_g
            .iter()
            .zip(&generated_g)
            .enumerate()
            .map(|(r, (d, g))| [r as f64, *d, *g])
            .collect(),
        final_loss,
        parameters,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::axis_two_point;
    use crate::lattice::Lattice;

    /// Fields whose G(r) is known: the checkerboard (−1)^{x+y} has G(r) = (−1)^r along an
    /// axis, a constant c has G(r) = c²; averaged over two fields, G is the mean of theirs.
    #[test]
    fn two_point_of_known_fields() {
        let lattice = Lattice::new(2, 6).unwrap();
        let board = ndarray::ArrayD::from_shape_fn(lattice.shape(), |i| {
            if (i[0] + i[1]) % 2 == 0 {
                1.0
            } else {
                -1.0
            }
        });
        let constant = ndarray::ArrayD::from_elem(lattice.shape(), 2.0);
        let g = axis_two_point(lattice, std::slice::from_ref(&board)).unwrap();
        for (r, v) in g.iter().enumerate() {
            let want = if r % 2 == 0 { 1.0 } else { -1.0 };
            assert!((v - want).abs() < 1e-12, "checkerboard G({r}) = {v}");
        }
        let g = axis_two_point(lattice, &[board, constant]).unwrap();
        for (r, v) in g.iter().enumerate() {
            let want = (if r % 2 == 0 { 1.0 } else { -1.0 } + 4.0) / 2.0;
            assert!((v - want).abs() < 1e-12, "mixed G({r}) = {v}");
        }
    }
}
