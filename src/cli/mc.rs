//! `mc`: Monte Carlo of the O(n) model, observables with errors and τ_int.

use critical_slowing::mc::{self, Algorithm, Coupling, McConfig, NamedCoupling};
use critical_slowing::progress::McProgress;
use critical_slowing::report::text;

use super::args::{Format, Output, Side};
use super::{message, observer, render};

/// The options of `mc`.
#[derive(clap::Args)]
pub struct Args {
    /// Spin components n (1 = Ising, 2 = XY, 3 = Heisenberg).
    #[arg(long, default_value_t = 1)]
    n: usize,
    #[command(flatten)]
    side: Side,
    /// Coupling K (standard normalisation), or `critical` for the anchored K_c(n, d).
    #[arg(long, default_value = "critical", allow_negative_numbers = true)]
    k: String,
    /// Update: wolff or metropolis.
    #[arg(long, default_value = "wolff", value_parser = ["wolff", "metropolis"])]
    algorithm: String,
    /// Measured sweep-equivalents per chain (≥ 100).
    #[arg(long, default_value_t = 2000)]
    samples: u64,
    /// Thermalisation sweep-equivalents per chain.
    #[arg(long, default_value_t = 1000)]
    thermalization: u64,
    /// Independent chains, run in parallel.
    #[arg(long, default_value_t = 1)]
    chains: usize,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    format: Format,
}

/// The run's configuration, validated and within the memory limit.
fn config(a: &Args) -> Result<McConfig, String> {
    let coupling = match a.k.as_str() {
        "critical" => Coupling::Named(NamedCoupling::Critical),
        text => Coupling::Value(
            text.parse()
                .map_err(|_| format!("--k {text}: give a number or `critical`"))?,
        ),
    };
    let cfg = McConfig {
        n: a.n,
        d: a.side.d,
        l: a.side.l,
        coupling,
        algorithm: if a.algorithm == "metropolis" {
            Algorithm::Metropolis
        } else {
            Algorithm::Wolff
        },
        chains: a.chains,
        thermalization: a.thermalization,
        measurements: a.samples,
        seed: a.seed,
        spectrum: false,
    };
    cfg.validate().map_err(message)?;
    let needed = cfg.memory_estimate().map_or(f64::INFINITY, |b| b as f64);
    critical_slowing::error::check_memory(
        "Monte Carlo run",
        needed,
        "reduce --l, --n, --chains or --samples",
    )
    .map_err(message)?;
    Ok(cfg)
}

/// Runs the chains, writes the series when asked, and reports.
pub fn run(a: Args) -> Result<String, String> {
    let cfg = config(&a)?;
    if let Some(out) = &a.output.out {
        if out.exists() && !a.output.force {
            return Err(format!(
                "{} exists (pass --force to replace it)",
                out.display()
            ));
        }
    }
    let obs = observer();
    let r = mc::run(&cfg, &McProgress(obs.as_ref())).map_err(message)?;
    if let Some(out) = &a.output.out {
        mc::npz::write_series(&r, out, a.output.force).map_err(message)?;
    }
    render(a.format, &r, text::monte_carlo)
}
