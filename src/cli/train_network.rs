//! `train-network`: a nonlinear, time-conditioned score network (burn) trained on Gaussian
//! data with κ ∝ L², measured against the exact score at checkpoints, and its training time
//! against L.

use critical_slowing::experiment::score_network::train::{LrSchedule, NetworkOptimizer};
use critical_slowing::experiment::score_network::FloatType;
use critical_slowing::model::score_network::{Activation, NetworkSpec, Output};
use critical_slowing::report::network::{network_training, NetworkTrainingReport};
use critical_slowing::study::network::{network_study, NetworkStudyConfig};
use critical_slowing::study::network_scaling::network_scaling;
use critical_slowing::study::GridSpec;

use super::args::{Format, NetworkShape, Output as OutPath};
use super::{message, observer, render};

/// The options of `train-network`.
#[derive(clap::Args)]
pub struct Args {
    /// Dimension d (1 or 2).
    #[arg(long, default_value_t = 2)]
    d: usize,
    /// Lattice sides L (each ≥ 3, no repeats), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "8,16", value_parser = super::args::parse_side)]
    l: Vec<usize>,
    /// c in the mass μ = c/L² of the data (β = 1): κ = 1 + 4dL²/c.
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    mass: f64,
    #[command(flatten)]
    shape: NetworkShape,
    /// Nonlinearity: silu or identity.
    #[arg(long, default_value = "silu")]
    activation: String,
    /// Sinusoidal time features (even; 0: no time input).
    #[arg(long, default_value_t = 16)]
    embedding: usize,
    /// Output: noise (s = −o/σ_t) or score (s = −o).
    #[arg(long, default_value = "noise")]
    output: String,
    /// Optimizer: adam:LR, gd:LR, momentum:LR:BETA or nesterov:LR:BETA.
    #[arg(long, default_value = "adam:0.002")]
    optimizer: NetworkOptimizer,
    /// Step size over each run: constant, or cosine:F (annealed to F times the start).
    #[arg(long, default_value = "constant")]
    schedule: LrSchedule,
    /// Judge an exponential moving average of the weights with this decay β ∈ [0, 1)
    /// (e.g. 0.999) instead of the trained weights.
    #[arg(long)]
    average: Option<f64>,
    /// Fields per batch (fresh fields every step).
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Diffusion times drawn in training: uniform:TMIN:T:N, geometric:TMIN:T:N or list:t0,t1,…
    #[arg(long, default_value = "geometric:0.02:1:8")]
    times: String,
    /// Most steps per run.
    #[arg(long, default_value_t = 2000)]
    steps: u64,
    /// Steps between checkpoints.
    #[arg(long, default_value_t = 100)]
    checkpoint: u64,
    /// ε: trained when the held-out relative excess stays ≤ ε.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    epsilon: f64,
    /// Consecutive checkpoints the criterion must hold for.
    #[arg(long, default_value_t = 3)]
    window: usize,
    /// Held-out fields per time.
    #[arg(long, default_value_t = 16)]
    held_out: usize,
    /// Seeds, comma separated (one run per seed and L).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    seeds: Vec<u64>,
    /// Float type of the framework: f32 or f64.
    #[arg(long, default_value = "f32")]
    float: FloatType,
    #[command(flatten)]
    out: OutPath,
    #[command(flatten)]
    format: Format,
}

/// Most multiply-adds a run may take before it is refused (about an hour on 2 cores).
const WORK_LIMIT: f64 = 1e13;

fn config(a: &Args) -> Result<NetworkStudyConfig, String> {
    let activation = match a.activation.as_str() {
        "silu" => Activation::Silu,
        "identity" => Activation::Identity,
        other => {
            return Err(format!(
                "invalid --activation {other:?}: expected silu or identity"
            ))
        }
    };
    let output = match a.output.as_str() {
        "noise" => Output::Noise,
        "score" => Output::Score,
        other => {
            return Err(format!(
                "invalid --output {other:?}: expected noise or score"
            ))
        }
    };
    let spec = NetworkSpec {
        width: a.shape.width,
        blocks: a.shape.blocks,
        kernel: a.shape.kernel(),
        activation,
        embedding: a.embedding,
        bias: true,
        time_scale: a.shape.time_scale,
        global: a.shape.global,
        output,
    };
    let times = GridSpec(a.times.clone())
        .build()
        .map_err(message)?
        .times()
        .to_vec();
    Ok(NetworkStudyConfig {
        d: a.d,
        sides: super::args::distinct_sides(&a.l)?.to_vec(),
        mass_constant: a.mass,
        spec,
        optimizer: a.optimizer,
        schedule: a.schedule,
        average: a.average,
        batch: a.batch,
        times,
        max_steps: a.steps,
        checkpoint_every: a.checkpoint,
        epsilon: a.epsilon,
        window: a.window,
        held_out: a.held_out,
        seeds: a.seeds.clone(),
    })
}

/// Multiply-adds of the whole run: forward and backward (×3) of every step, per field and
/// site the network's weights once each.
fn work(cfg: &NetworkStudyConfig) -> f64 {
    cfg.sides
        .iter()
        .map(|&l| {
            let lattice = critical_slowing::Lattice::new(cfg.d, l).expect("validated");
            let v = lattice.volume() as f64;
            3.0 * v
                * cfg.spec.parameter_count(lattice) as f64
                * (cfg.batch as f64)
                * cfg.max_steps as f64
                * cfg.seeds.len() as f64
        })
        .sum()
}

/// Bytes a run holds at the largest side: the held-out fields and their exact scores
/// (2 per field and time), and per convolution of a step the stacked shifted copies of the
/// batch with the autodiff graph's copies (about 3 per tap and channel), 8 bytes a value.
fn memory(cfg: &NetworkStudyConfig) -> f64 {
    let largest = cfg.sides.iter().max().copied().unwrap_or(1);
    let lattice = critical_slowing::Lattice::new(cfg.d, largest).expect("validated");
    let v = lattice.volume() as f64;
    let taps = cfg.spec.taps(lattice) as f64;
    let held = 2.0 * (cfg.held_out * cfg.times.len()) as f64;
    let step = 3.0
        * cfg.batch as f64
        * taps
        * cfg.spec.width.max(1) as f64
        * cfg.spec.convolutions() as f64;
    8.0 * v * (held + step)
}

/// Trains, and reports the runs and the scaling.
pub fn run(a: Args) -> Result<String, String> {
    let cfg = config(&a)?;
    cfg.validate().map_err(message)?;
    critical_slowing::error::check_memory(
        "train-network",
        memory(&cfg),
        "lower --batch, --held-out, --width or the largest --l",
    )
    .map_err(message)?;
    let w = work(&cfg);
    if w > WORK_LIMIT {
        return Err(format!(
            "the run would take about {w:.1e} multiply-adds (over an hour on 2 cores, limit {WORK_LIMIT:.0e}): lower --steps, --batch, --width or the sides"
        ));
    }
    if let Some(path) = &a.out.out {
        let largest = cfg.sides.iter().max().copied().unwrap_or(1);
        let lattice = critical_slowing::Lattice::new(cfg.d, largest).map_err(message)?;
        let bytes = 8.0 * cfg.spec.parameter_count(lattice) as f64 + 65536.0;
        super::check_new_file(path, a.out.force, bytes)?;
    }
    let (study, weights) = network_study(&cfg, a.float, observer().as_ref()).map_err(message)?;
    let scaling = network_scaling(&study).map_err(message)?;
    if let Some(path) = &a.out.out {
        critical_slowing::report::export::network_weights(&study, &weights, path, a.out.force)
            .map_err(message)?;
    }
    let report = NetworkTrainingReport { study, scaling };
    render(a.format, &report, network_training)
}
