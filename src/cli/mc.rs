//! `mc`: Monte Carlo of the O(n) model, observables with errors and τ_int.

use critical_slowing::mc::npz::{dataset_bytes, DatasetFormat};
use critical_slowing::mc::{self, Algorithm, Coupling, McConfig, NamedCoupling};
use critical_slowing::progress::McProgress;
use critical_slowing::report::text;
use critical_slowing::study::configurations::monte_carlo_configurations;

use super::args::{Format, Output, Side, TimeLimit};
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
    /// Measured sweep-equivalents (sweeps) per chain (≥ 100); with --configurations, the
    /// pilot run that measures τ_int.
    #[arg(long, default_value_t = 2000)]
    samples: u64,
    /// Record M configurations spaced by ⌈2 τ_int(|m|²)⌉ sweeps and report their observables;
    /// with --out, write them as .npz: `phi` [M, n, L, …, L] (φ = √n s) and `s`, with the run's
    /// metadata.
    #[arg(long, value_name = "M")]
    configurations: Option<usize>,
    /// Store the exported configurations as float32 (half the size).
    #[arg(long, requires = "configurations")]
    float32: bool,
    /// Thermalisation sweep-equivalents per chain.
    #[arg(long, default_value_t = 1000)]
    thermalization: u64,
    /// Independent chains, run in parallel.
    #[arg(long, default_value_t = 1)]
    chains: usize,
    #[command(flatten)]
    time_limit: TimeLimit,
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
    check_time(&cfg, &a.time_limit)?;
    let needed = cfg.memory_estimate().map_or(f64::INFINITY, |b| b as f64);
    critical_slowing::error::check_memory(
        "Monte Carlo run",
        needed,
        "reduce --l, --n, --chains or --samples",
    )
    .map_err(message)?;
    Ok(cfg)
}

/// Refuses an existing --out without --force, and a file the disk has no room for.
fn check_out(a: &Args, bytes: f64) -> Result<(), String> {
    match &a.output.out {
        Some(out) => super::check_new_file(out, a.output.force, bytes),
        None => Ok(()),
    }
}

/// Runs the chains, writes the series (or the configurations) when asked, and reports.
pub fn run(a: Args) -> Result<String, String> {
    let cfg = config(&a)?;
    if let Some(count) = a.configurations {
        return configurations(&a, &cfg, count);
    }
    check_out(
        &a,
        8.0 * 7.0 * (cfg.chains as f64) * (cfg.measurements as f64) + 4096.0,
    )?;
    let obs = observer();
    let r = mc::run(&cfg, &McProgress(obs.as_ref())).map_err(message)?;
    if let Some(out) = &a.output.out {
        mc::npz::write_series(&r, out, a.output.force).map_err(message)?;
    }
    render(a.format, &r, text::monte_carlo)
}

/// `--configurations M`: the data set, its observables, and the file.
fn configurations(a: &Args, cfg: &McConfig, count: usize) -> Result<String, String> {
    let format = DatasetFormat { float32: a.float32 };
    let volume = a.side.l.checked_pow(a.side.d as u32).unwrap_or(usize::MAX);
    let bytes = dataset_bytes(count, cfg.n, volume, format);
    critical_slowing::error::check_memory(
        "the configurations",
        2.0 * bytes,
        "reduce --configurations or --l",
    )
    .map_err(message)?;
    check_out(a, bytes)?;
    let obs = observer();
    let (set, summary) =
        monte_carlo_configurations(cfg, count, &McProgress(obs.as_ref())).map_err(message)?;
    if let Some(out) = &a.output.out {
        mc::npz::write_dataset(&set, out, a.output.force, format).map_err(message)?;
    }
    render(a.format, &summary, text::configurations)
}

/// Refuses a run whose chains × (thermalisation + measured sweeps) × V × n spin-component
/// updates, at the measured 1.7·10⁷ per second and thread, exceed `--time-limit`.
fn check_time(cfg: &McConfig, limit: &TimeLimit) -> Result<(), String> {
    limit.check(
        cfg.expected_seconds(rayon::current_num_threads()),
        &format!(
            "({:.1e} spin-component updates)",
            cfg.component_updates().map_or(f64::INFINITY, |u| u as f64)
        ),
        "--thermalization, --samples, --chains or --l",
    )
}
