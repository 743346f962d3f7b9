//! `critical-slowing`: command-line front end. Errors print one line and exit non-zero.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use critical_slowing::claims::{self, ReproduceConfig, Verdict, DEFAULT_CONFIG, QUICK_CONFIG};
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::model::optimizer::OptimizerSpec;
use critical_slowing::model::{Layers, Protocol};
use critical_slowing::progress::{Observer, Silent};
use critical_slowing::report::{self, progress::Bars, text};
use critical_slowing::study;

#[derive(Parser)]
#[command(
    name = "critical-slowing",
    version,
    about = "Analytic-versus-numeric verifier for the critical slowing down of diffusion-model training (arXiv:2605.12597)"
)]
struct Cli {
    /// Memory a run may use, in bytes with an optional suffix K, M, G or T (e.g. 8G); runs
    /// estimated to need more are refused before they start. Default: half the physical memory.
    #[arg(long, global = true, value_parser = parse_memory)]
    max_memory: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

fn parse_memory(text: &str) -> Result<u64, String> {
    critical_slowing::error::parse_bytes(text).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
enum Command {
    /// Large-n O(n) spectrum: μ, μL², ξ, κ (at β_c(d) unless --beta is given).
    Spectrum {
        /// Dimension d (1–4; β_c exists only for d ≥ 3).
        #[arg(long, default_value_t = 3)]
        d: usize,
        /// Lattice side(s) L, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "32")]
        l: Vec<usize>,
        /// Coupling β (default: the infinite-volume critical coupling β_c(d)).
        #[arg(long, allow_negative_numbers = true)]
        beta: Option<f64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Training times T_D(ε) at β_c(d) with fitted exponents over L.
    TrainingTime {
        /// Depths D, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
        depth: Vec<usize>,
        /// Lattice sides L, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "8,16,32,64")]
        l: Vec<usize>,
        /// Dimension d (≥ 3: the model must have a critical point).
        #[arg(long, default_value_t = 3)]
        d: usize,
        /// Diffusion time t at which the score is trained.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        t: f64,
        /// Learning-rate fraction c ∈ (0, 1]: η = c/λ*.
        #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
        c: f64,
        /// Accuracy ε ∈ (0, 1): every mode within relative error ε.
        #[arg(long, default_value_t = 1e-2, allow_negative_numbers = true)]
        epsilon: f64,
        /// Optimizer: gd, momentum:BETA|tuned, nesterov:BETA|tuned (closed forms, R9.3, R9.4).
        #[arg(long, default_value = "gd")]
        optimizer: OptimizerSpec,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Train a score network on sampled fields at β_c(d) and print the measured training time
    /// beside the closed-form predictions.
    Train(TrainArgs),
    /// Generate fields with a sampler and compare predicted and measured KL / W2.
    Generate(GenerateArgs),
    /// Monte Carlo of the O(n) model (Wolff or Metropolis): observables with errors and τ_int;
    /// --out writes the measurement series as .npz.
    Mc(McArgs),
    /// The main job: evaluate every claim, analytic beside numeric, print the claims table and
    /// write the report (Markdown, CSV, JSON, SVG) to --out. Exits non-zero if a claim fails.
    Reproduce {
        /// Configuration file (TOML) replacing the embedded default.
        #[arg(long, conflicts_with = "quick")]
        config: Option<std::path::PathBuf>,
        /// Smaller grids (about 15 s on 2 cores).
        #[arg(long)]
        quick: bool,
        /// Output directory (replaced atomically when the report is complete; a directory that
        /// is not an earlier report is refused unless --force).
        #[arg(long, default_value = "out")]
        out: std::path::PathBuf,
        /// Replace --out even if it is not an earlier report.
        #[arg(long)]
        force: bool,
        /// Print the claims as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the claims with the derivation results they rest on and the tests that verify them.
    Claims {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `value` as pretty JSON when `json` is set, else as the human-readable `text(value)`.
fn render<T: serde::Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> Result<String, String> {
    if json {
        serde_json::to_string_pretty(value).map_err(|e| e.to_string())
    } else {
        Ok(text(value))
    }
}

/// Progress bars when standard error is a terminal, nothing otherwise.
fn observer() -> Box<dyn Observer> {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        Box::new(Bars::default())
    } else {
        Box::new(Silent)
    }
}

fn reproduce(
    config: Option<std::path::PathBuf>,
    quick: bool,
    out: std::path::PathBuf,
    force: bool,
    json: bool,
) -> Result<String, String> {
    let text = match (&config, quick) {
        (Some(path), _) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?,
        (None, true) => QUICK_CONFIG.to_string(),
        (None, false) => DEFAULT_CONFIG.to_string(),
    };
    let cfg = ReproduceConfig::from_toml(&text).map_err(|e| e.to_string())?;
    report::check_output(&out, force).map_err(|e| e.to_string())?;
    let rep = claims::run(&cfg, observer().as_ref()).map_err(|e| e.to_string())?;
    let path = report::write(&rep, &out, force).map_err(|e| e.to_string())?;
    let failed: Vec<&str> = rep
        .claims
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.spec.id)
        .collect();
    let body = if json {
        render(true, &rep.claims, |_| String::new())?
    } else {
        format!(
            "{}\n{}; report: {} ({:.1} s)\n",
            text::claims_table(&rep.claims),
            text::verdict_summary(&rep.claims),
            path.display(),
            rep.wall_seconds
        )
    };
    if failed.is_empty() {
        Ok(body)
    } else {
        print!("{body}");
        Err(format!(
            "claims failed: {} (see report.md: each claim names its derivation and tests)",
            failed.join(", ")
        ))
    }
}

/// The options of `mc`.
#[derive(clap::Args)]
struct McArgs {
    /// Spin components n (1 = Ising, 2 = XY, 3 = Heisenberg).
    #[arg(long, default_value_t = 1)]
    n: usize,
    /// Dimension d (2, 3 or 4).
    #[arg(long, default_value_t = 2)]
    d: usize,
    /// Lattice side L.
    #[arg(long, default_value_t = 32)]
    l: usize,
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
    /// Write the measurement series as .npz (numpy: np.load(path)).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Replace an existing --out.
    #[arg(long)]
    force: bool,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn monte_carlo(a: McArgs) -> Result<String, String> {
    use critical_slowing::mc::{Algorithm, Coupling, McConfig, NamedCoupling};
    let coupling = match a.k.as_str() {
        "critical" => Coupling::Named(NamedCoupling::Critical),
        text => Coupling::Value(
            text.parse()
                .map_err(|_| format!("--k {text}: give a number or `critical`"))?,
        ),
    };
    let cfg = McConfig {
        n: a.n,
        d: a.d,
        l: a.l,
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
    cfg.validate().map_err(|e| e.to_string())?;
    let needed = cfg.memory_estimate().map_or(f64::INFINITY, |b| b as f64);
    critical_slowing::error::check_memory(
        "Monte Carlo run",
        needed,
        "reduce --l, --n, --chains or --samples",
    )
    .map_err(|e| e.to_string())?;
    if let Some(out) = &a.out {
        if out.exists() && !a.force {
            return Err(format!(
                "{} exists (pass --force to replace it)",
                out.display()
            ));
        }
    }
    let obs = observer();
    let r = critical_slowing::mc::run(&cfg, &critical_slowing::progress::McProgress(obs.as_ref()))
        .map_err(|e| e.to_string())?;
    if let Some(out) = &a.out {
        critical_slowing::mc::npz::write_series(&r, out, a.force).map_err(|e| e.to_string())?;
    }
    render(a.json, &r, text::monte_carlo)
}

/// The options of `train`.
#[derive(clap::Args)]
struct TrainArgs {
    /// Depth D.
    #[arg(long, default_value_t = 1)]
    depth: usize,
    /// Layers: full, local:R or mixed:R (first layer local, the rest full).
    #[arg(long, default_value = "full")]
    layers: Layers,
    /// Lattice side L.
    #[arg(long, default_value_t = 8)]
    l: usize,
    /// Dimension d (≥ 3).
    #[arg(long, default_value_t = 3)]
    d: usize,
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
    /// Learning-rate fraction c ∈ (0, 1].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    c: f64,
    /// Accuracy ε ∈ (0, 1).
    #[arg(long, default_value_t = 1e-2, allow_negative_numbers = true)]
    epsilon: f64,
    /// Optimizer: gd, momentum:BETA|tuned, nesterov:BETA|tuned, adam:LR (derivations/09).
    #[arg(long, default_value = "gd")]
    optimizer: OptimizerSpec,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn train(a: TrainArgs) -> Result<String, String> {
    let protocol = Protocol::new(a.depth, a.c, a.epsilon).map_err(|e| e.to_string())?;
    let config = study::TrainConfig {
        d: a.d,
        l: a.l,
        depth: a.depth,
        layers: a.layers,
        t: a.t,
        samples: a.samples.unwrap_or(1024),
        steps: a.steps,
        batch: a.batch,
        seed: a.seed,
        protocol,
    };
    if a.optimizer != OptimizerSpec::Gd {
        let r = study::optimizers::train_with_optimizer(&config, &a.optimizer)
            .map_err(|e| e.to_string())?;
        return render(a.json, &r, text::optimizer_train);
    }
    let r = study::train(config, observer().as_ref()).map_err(|e| e.to_string())?;
    render(a.json, &r, text::train)
}

/// The options of `generate`.
#[derive(clap::Args)]
struct GenerateArgs {
    /// Depth D of the (closed-form, partially trained) score networks; omit for the exact score.
    #[arg(long)]
    depth: Option<usize>,
    /// Training steps per grid time.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// Sampler: sde-exp, sde-em or ode-exp.
    #[arg(long, default_value = "sde-exp")]
    sampler: Sampler,
    /// Time grid: uniform:TMIN:T:N, geometric:TMIN:T:N or list:t0,t1,…
    #[arg(long, default_value = "geometric:0.001:8:40")]
    grid: String,
    /// Lattice side L.
    #[arg(long, default_value_t = 8)]
    l: usize,
    /// Dimension d (≥ 3).
    #[arg(long, default_value_t = 3)]
    d: usize,
    /// Fields to draw (at least 8: the comparison rests on per-mode sample variances).
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Learning-rate fraction c ∈ (0, 1] of the training per grid time.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    c: f64,
    /// Accuracy ε ∈ (0, 1) of the protocol.
    #[arg(long, default_value_t = 1e-2, allow_negative_numbers = true)]
    epsilon: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn generate(a: GenerateArgs) -> Result<String, String> {
    let protocol =
        Protocol::new(a.depth.unwrap_or(1), a.c, a.epsilon).map_err(|e| e.to_string())?;
    let config = study::GenerateConfig {
        d: a.d,
        l: a.l,
        depth: a.depth,
        steps: a.steps,
        protocol,
        sampler: a.sampler,
        grid: study::GridSpec(a.grid),
        samples: a.samples,
        seed: a.seed,
    };
    let r = study::generate(config).map_err(|e| e.to_string())?;
    render(a.json, &r, text::generate)
}

fn run(cli: Cli) -> Result<String, String> {
    let e = |e: critical_slowing::Error| e.to_string();
    match cli.command {
        Command::Spectrum { d, l, beta, json } => {
            let rows = study::spectrum_rows(d, &l, beta).map_err(e)?;
            render(json, &rows, |v| text::spectrum(v))
        }
        Command::TrainingTime {
            depth,
            l,
            d,
            t,
            c,
            epsilon,
            optimizer,
            json,
        } => {
            let protocol = Protocol::new(1, c, epsilon).map_err(e)?;
            if optimizer != OptimizerSpec::Gd {
                let rows =
                    study::optimizers::closed_form_rows(d, &l, &depth, (protocol, t), &optimizer)
                        .map_err(e)?;
                return render(json, &rows, |v| text::optimizer_training(v));
            }
            let table = study::training_table(d, &l, &depth, protocol, t).map_err(e)?;
            render(json, &table, text::training)
        }
        Command::Train(args) => train(args),
        Command::Generate(args) => generate(args),
        Command::Mc(args) => monte_carlo(args),
        Command::Reproduce {
            config,
            quick,
            out,
            force,
            json,
        } => reproduce(config, quick, out, force, json),
        Command::Claims { json } => {
            let specs: Vec<_> = claims::REGISTRY.iter().map(|c| c.spec).collect();
            render(json, &specs, |_| text::claims_list())
        }
    }
}

/// SIGINT and SIGTERM: a handler writes the signal number to a pipe (the only thing it does,
/// async-signal-safe); a thread reading the pipe removes the report's temporary directory
/// ([`report::writer::abandon_temporaries`]) and exits with 128 + the signal number (130, 143)
/// through `_exit(2)`, skipping library destructors that can deadlock mid-computation.
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

    extern "C" fn on_signal(sig: libc::c_int) {
        let byte = sig as u8;
        let fd = PIPE_WRITE.load(Ordering::Relaxed);
        // SAFETY: write(2) is async-signal-safe; the buffer is one live byte on this stack.
        unsafe {
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
    }

    /// Installs the handlers; without a pipe the default actions stay.
    pub fn install() {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe(2) fills the two-element array.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return;
        }
        PIPE_WRITE.store(fds[1], Ordering::Relaxed);
        let read_fd = fds[0];
        std::thread::spawn(move || {
            let mut byte = 0u8;
            // SAFETY: read(2) into one live byte.
            let n = unsafe { libc::read(read_fd, (&mut byte as *mut u8).cast(), 1) };
            if n == 1 {
                critical_slowing::report::writer::abandon_temporaries();
                // _exit, not exit: exit(3) runs library destructors, and OpenBLAS's joins its
                // worker threads, which deadlocks when the signal lands inside a threaded BLAS
                // call (a dsyev in the dense κ stage hung this way). Nothing buffered is lost
                // that a run interrupted before its report would keep.
                // SAFETY: _exit(2) only ends the process.
                unsafe { libc::_exit(128 + i32::from(byte)) }
            }
        });
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: installs a handler that only calls write(2).
            unsafe {
                libc::signal(sig, handler);
            }
        }
    }
}

/// Parses the command line; usage errors print one line (help and version print in full).
fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|err| {
        use clap::error::ErrorKind;
        if matches!(
            err.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        ) {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        let text = err.to_string();
        let first = text.lines().next().unwrap_or("invalid command line");
        let first = first.strip_prefix("error: ").unwrap_or(first);
        eprintln!("error: {first} (see --help)");
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if let Some(bytes) = cli.max_memory {
        critical_slowing::error::set_memory_limit(bytes);
    }
    signals::install();
    match run(cli) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            // a signal arrived and its thread is removing the temporaries and exiting
            while report::writer::abandoning() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
