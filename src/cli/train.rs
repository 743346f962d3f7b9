//! `train`: a score network trained on sampled fields, its measured training time beside the
//! closed-form predictions.

use critical_slowing::model::optimizer::OptimizerSpec;
use critical_slowing::model::{Layers, Protocol};
use critical_slowing::report::export::{trained_network, trained_network_bytes};
use critical_slowing::report::text;
use critical_slowing::study;

use super::args::{Format, Optimizer, Output, Rates, Side, TimeLimit};
use super::{message, observer, render};

/// The options of `train`.
#[derive(clap::Args)]
pub struct Args {
    /// Depth D.
    #[arg(long, default_value_t = 1)]
    depth: usize,
    /// Layers: full, local:R or mixed:R (first layer local, the rest full).
    #[arg(long, default_value = "full")]
    layers: Layers,
    #[command(flatten)]
    side: Side,
    /// Diffusion time t > 0.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    t: f64,
    /// Fields in the fixed data set of full-batch GD [default: 1024]; not with --batch,
    /// whose SGD draws fresh fields every step.
    #[arg(long, conflicts_with = "batch")]
    samples: Option<usize>,
    /// Step cap (full-batch) or number of steps (SGD).
    #[arg(long, default_value_t = 100_000)]
    steps: u64,
    /// Minibatch size: run SGD with fresh samples instead of full-batch GD.
    #[arg(long)]
    batch: Option<usize>,
    /// Seed of the data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    time_limit: TimeLimit,
    #[command(flatten)]
    rates: Rates,
    #[command(flatten)]
    optimizer: Optimizer,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    format: Format,
}

/// Trains, and reports the measured and predicted training times.
pub fn run(a: Args) -> Result<String, String> {
    let protocol = Protocol::new(a.depth, a.rates.c, a.rates.epsilon).map_err(message)?;
    let config = study::TrainConfig {
        d: a.side.d,
        l: a.side.l,
        depth: a.depth,
        layers: a.layers,
        t: a.t,
        samples: a.samples.unwrap_or(1024),
        steps: a.steps,
        batch: a.batch,
        seed: a.seed,
        protocol,
    };
    check_cost(&config, &a.time_limit)?;
    if a.optimizer.optimizer != OptimizerSpec::Gd {
        if a.output.out.is_some() {
            return Err("--out writes gradient-descent networks; the optimizer runs of --optimizer keep no network to write".into());
        }
        let r = study::optimizers::train_with_optimizer(&config, &a.optimizer.optimizer)
            .map_err(message)?;
        return render(a.format, &r, text::optimizer_train);
    }
    if let Some(out) = &a.output.out {
        let volume = a.side.l.checked_pow(a.side.d as u32).unwrap_or(usize::MAX);
        super::check_new_file(out, a.output.force, trained_network_bytes(a.depth, volume))?;
    }
    let (r, net) = study::train::train_network(config, observer().as_ref()).map_err(message)?;
    if let Some(out) = &a.output.out {
        trained_network(&r, &net, out, a.output.force).map_err(message)?;
    }
    render(a.format, &r, text::train)
}

/// Refuses a run whose expected time (the closed-form steps, else --steps, × fields × sites ×
/// depth at the measured rate; validating the configuration first) exceeds `--time-limit`.
fn check_cost(config: &study::TrainConfig, limit: &TimeLimit) -> Result<(), String> {
    let cost = study::train_cost(config).map_err(message)?;
    limit.check(
        cost.seconds,
        &format!(
            "on 2 cores ({} steps on {} fields of {} sites, depth {})",
            cost.steps,
            config.batch.unwrap_or(config.samples),
            config.l.pow(config.d as u32),
            config.depth
        ),
        "--l, --samples or --steps",
    )
}
