//! `network-ising`: the nonlinear score network trained on 2D Ising configurations at K_c over
//! lattice sides and seeds, and the steps until its generated Binder cumulant reaches the
//! data's, per side.

use std::path::PathBuf;

use critical_slowing::experiment::score_network::train::LrSchedule;
use critical_slowing::report::ising_sweep;
use critical_slowing::study::network_ising::IsingNetworkConfig;
use critical_slowing::study::network_ising_sweep::{ising_network_sweep, IsingSweepConfig};

use super::args::{Format, NetworkShape, TimeLimit};
use super::{message, observer, render};

/// The options of `network-ising`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Lattice sides L (each ≥ 3, no repeats), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "4,8", value_parser = super::args::parse_side)]
    l: Vec<usize>,
    /// Seeds, comma separated (no repeats): each run's Monte Carlo data, initial weights and
    /// generation.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// Wolff configurations per run (the training set).
    #[arg(long, default_value_t = 2000)]
    configurations: usize,
    #[command(flatten)]
    shape: NetworkShape,
    /// Adam's step size.
    #[arg(long, default_value_t = 2e-3)]
    learning_rate: f64,
    /// Step size over each run: constant, or cosine:F (annealed to F times the start).
    #[arg(long, default_value = "constant")]
    schedule: LrSchedule,
    /// Generate with an exponential moving average of the weights with this decay β ∈ [0, 1)
    /// (e.g. 0.999) instead of the trained weights.
    #[arg(long)]
    average: Option<f64>,
    /// Fields per batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Training steps per run.
    #[arg(long, default_value_t = 2000)]
    steps: u64,
    /// Training times: uniform:TMIN:T:N, geometric:TMIN:T:N or list:t0,t1,… (default: 24
    /// geometric steps over [0.005, 4]).
    #[arg(long)]
    train_grid: Option<String>,
    /// Generation grid: geometric steps over [0.005, 4].
    #[arg(long, default_value_t = 100)]
    generation_steps: usize,
    /// Fields generated after training.
    #[arg(long, default_value_t = 1000)]
    generated: usize,
    /// Steps between the Binder checkpoints.
    #[arg(long, default_value_t = 250)]
    checkpoint: u64,
    /// Fields generated at each checkpoint.
    #[arg(long, default_value_t = 200)]
    checkpoint_fields: usize,
    /// Consecutive checkpoints within 2σ of the data's U that count as reaching it.
    #[arg(long, default_value_t = 3)]
    window: usize,
    /// Fields generated with the training set's exact score on the same grid (0: none): how
    /// close the grid alone comes to the data.
    #[arg(long, default_value_t = 1000)]
    sampler_check: usize,
    #[command(flatten)]
    time_limit: TimeLimit,
    /// Write the sweep into this directory: network_ising_sweep.json, runs.csv, sides.csv,
    /// checkpoints.csv and binder_L{L}.svg/.png (an existing directory that is not an earlier
    /// report is refused unless --force).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an existing directory at --out.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    format: Format,
}

/// The sweep's configuration: the options over the defaults of `[network_ising]`, without
/// the single run's diagnostics (handover, excess loss).
fn config(a: &Args) -> Result<IsingSweepConfig, String> {
    let network = IsingNetworkConfig {
        configurations: a.configurations,
        width: a.shape.width,
        blocks: a.shape.blocks,
        kernel: a.shape.kernel(),
        time_scale: a.shape.time_scale,
        global: a.shape.global,
        learning_rate: a.learning_rate,
        schedule: a.schedule,
        average: a.average,
        batch: a.batch,
        steps: a.steps,
        train_grid: a.train_grid.clone(),
        generation_steps: a.generation_steps,
        generated: a.generated,
        sampler_check: a.sampler_check,
        handover: Vec::new(),
        excess_fields: 0,
        checkpoint_every: a.checkpoint,
        checkpoint_fields: a.checkpoint_fields,
        window: a.window,
        ..IsingNetworkConfig::default()
    };
    Ok(IsingSweepConfig {
        network,
        sides: super::args::distinct_sides(&a.l)?.to_vec(),
        seeds: a.seeds.clone(),
    })
}

/// Fixed cost of a training step on 2 cores, s (framework and thread hand-offs; measured:
/// 6.2 ms a step for 1.7·10⁷ multiply-adds at width 8, 51 ms for 7.1·10⁸ at width 32).
const STEP_OVERHEAD: f64 = 5e-3;
/// Multiply-adds a second on 2 cores (the same two measurements).
const RATE: f64 = 1.4e10;

/// Seconds the sweep is expected to take: per run, the training steps (forward and backward,
/// 3 multiply-adds per weight, site and field, plus a fixed cost a step) and every generated
/// field's forward passes over the grid.
fn seconds(cfg: &IsingSweepConfig) -> Result<f64, String> {
    let n = &cfg.network;
    let checkpoints = n.steps.checked_div(n.checkpoint_every).unwrap_or(0) as f64;
    let fields = checkpoints * n.checkpoint_fields as f64 + n.generated as f64;
    let mut total = 0.0;
    for &l in &cfg.sides {
        let lattice = critical_slowing::Lattice::new(2, l).map_err(message)?;
        let per_field = (l * l) as f64 * n.spec().parameter_count(lattice) as f64;
        let training = n.steps as f64 * (STEP_OVERHEAD + 3.0 * per_field * n.batch as f64 / RATE);
        let generation = fields * (n.generation_steps + 1) as f64 * per_field / RATE;
        total += (training + generation) * cfg.seeds.len() as f64;
    }
    Ok(total)
}

/// Trains and generates at every side and seed, and reports the runs and the sides.
pub fn run(a: Args) -> Result<String, String> {
    let cfg = config(&a)?;
    cfg.validate().map_err(message)?;
    a.time_limit.check(
        seconds(&cfg)?,
        &format!(
            "({} runs of {} steps, batch {}, width {})",
            cfg.sides.len() * cfg.seeds.len(),
            cfg.network.steps,
            cfg.network.batch,
            cfg.network.width
        ),
        "--steps, --batch, --width, --blocks, the sides or the seeds",
    )?;
    if let Some(out) = &a.out {
        critical_slowing::report::check_output(out, a.force).map_err(message)?;
    }
    let sweep = ising_network_sweep(&cfg, observer().as_ref()).map_err(message)?;
    if let Some(out) = &a.out {
        ising_sweep::write(&sweep, out, a.force).map_err(message)?;
    }
    render(a.format, &sweep, ising_sweep::text)
}
