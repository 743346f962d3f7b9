//! The command line: one module per subcommand (its arguments, their validation, the call into
//! [`critical_slowing::study`] or [`critical_slowing::claims`], and the rendering through
//! [`critical_slowing::report`]); [`args`] holds the argument groups they share. Every handler
//! returns the text to print, or a one-line error.

mod analyse;
mod args;
mod claims;
mod generate;
mod mc;
mod network_ising;
mod reproduce;
pub mod signals;
mod spectrum;
mod train;
mod train_network;
mod training_time;

use clap::{Parser, Subcommand};
use critical_slowing::progress::{Observer, Silent};
use critical_slowing::report::progress::Bars;

#[derive(Parser)]
#[command(
    name = "critical-slowing",
    version,
    about = "Analytic-versus-numeric verifier for the critical slowing down of diffusion-model training (arXiv:2605.12597)"
)]
pub struct Cli {
    /// Memory a run may use, in bytes with an optional suffix K, M, G or T (e.g. 8G); runs
    /// estimated to need more are refused before they start. Default: half the physical memory.
    #[arg(long, global = true, value_parser = parse_memory)]
    pub max_memory: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

fn parse_memory(text: &str) -> Result<u64, String> {
    critical_slowing::error::parse_bytes(text).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
enum Command {
    /// Large-n O(n) spectrum: μ, μL², ξ, κ (at β_c(d) unless --beta is given).
    #[command(mut_arg("l", |a| a.default_value("32")))]
    Spectrum(spectrum::Args),
    /// Training times T_D(ε) at β_c(d) with fitted exponents over L.
    TrainingTime(training_time::Args),
    /// Train a score network on sampled fields at β_c(d) and print the measured training time
    /// beside the closed-form predictions; --out writes the trained network as .npz.
    #[command(mut_arg("out", |a| a.help("Write the trained network as .npz: `kernels` [D, L, …, L], the symbol (`symbol_re`, `symbol_im`, rfftn layout) and the run's parameters; an existing file is refused unless --force")))]
    Train(train::Args),
    /// Train a nonlinear, time-conditioned convolutional score network (burn; residual SiLU
    /// blocks, Adam) on Gaussian data with κ ∝ L², measure its held-out excess loss over the
    /// exact score and its zero mode at checkpoints, and fit its training time against L;
    /// --out writes the last run's weights as .npz.
    #[command(mut_arg("out", |a| a.help("Write the last run's trained weights as .npz (every parameter array by name, the kernel offsets and the run's parameters); an existing file is refused unless --force")))]
    TrainNetwork(train_network::Args),
    /// Train the nonlinear score network on 2D Ising configurations at K_c (the crate's Wolff
    /// Monte Carlo) at several sides and seeds, generate at checkpoints, and report the steps
    /// until the generated Binder cumulant reaches the data's, per side; --out writes the
    /// tables and figures.
    #[command(mut_arg("blocks", |a| a.default_value("2")))]
    NetworkIsing(network_ising::Args),
    /// Generate fields with a sampler and compare predicted and measured KL / W2; --out writes
    /// the fields as .npz.
    #[command(mut_arg("out", |a| a.help("Write the generated fields as .npz: `fields` [M, L, …, L] with the sampler, grid, depth, steps and seed; an existing file is refused unless --force")))]
    Generate(generate::Args),
    /// Monte Carlo of the O(n) model (Wolff or Metropolis): observables with errors and τ_int;
    /// --out writes the measurement series as .npz.
    #[command(mut_arg("d", |a| a.default_value("2").help("Dimension d (2, 3 or 4)")))]
    #[command(mut_arg("l", |a| a.default_value("32")))]
    #[command(mut_arg("out", |a| a.help("Write the measurement series as .npz (numpy: np.load(path)); an existing file is refused unless --force")))]
    Mc(mc::Args),
    /// The main job: evaluate every claim, analytic beside numeric, print the claims table and
    /// write the report (Markdown, CSV, JSON, SVG) to --out. Exits non-zero if a claim fails.
    #[command(mut_arg("out", |a| a.default_value("out")
        .help("Output directory (replaced atomically when the report is complete; a directory that is not an earlier report is refused unless --force)")))]
    Reproduce(reproduce::Args),
    /// Without claim IDs: list the claims with the derivation results they rest on and the
    /// tests that verify them. With IDs (e.g. `claims C9 C12 --quick`): evaluate those claims,
    /// building only the studies they read.
    Claims(claims::Args),
    /// Your own lattice configurations (.npz/.npy from numpy or PyTorch) through the theory:
    /// the measured spectrum and κ with errors, training times T_D(ε) for D = 1…4 and the
    /// optimizers, local floors, the generation error, and what a linear score cannot
    /// reproduce; with files at several L, the exponents of κ and T₁.
    Analyse(analyse::Args),
}

/// Why a command did not succeed, and the exit status that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The command could not run as asked (bad input, a refusal, an I/O error): exit 2.
    Refused(String),
    /// The verifier ran and a claim failed: exit 1.
    ClaimsFailed(String),
}

impl Failure {
    /// The one-line message.
    pub fn message(&self) -> &str {
        match self {
            Failure::Refused(m) | Failure::ClaimsFailed(m) => m,
        }
    }

    /// The exit status: 1 when claims failed, 2 when the command could not run.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Refused(_) => 2,
            Failure::ClaimsFailed(_) => 1,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Refused(message)
    }
}

/// Runs the parsed command: the text to print, or why it did not succeed.
pub fn run(cli: Cli) -> Result<String, Failure> {
    Ok(match cli.command {
        Command::Spectrum(a) => spectrum::run(a)?,
        Command::TrainingTime(a) => training_time::run(a)?,
        Command::Train(a) => train::run(a)?,
        Command::TrainNetwork(a) => train_network::run(a)?,
        Command::NetworkIsing(a) => network_ising::run(a)?,
        Command::Generate(a) => generate::run(a)?,
        Command::Mc(a) => mc::run(a)?,
        Command::Reproduce(a) => reproduce::run(a)?,
        Command::Claims(a) => claims::run(a)?,
        Command::Analyse(a) => analyse::run(a)?,
    })
}

/// Parses the command line; usage errors print one line (help and version print in full), and
/// the error is the exit code to end with.
pub fn parse() -> Result<Cli, std::process::ExitCode> {
    Cli::try_parse().map_err(|err| {
        use clap::error::ErrorKind;
        if matches!(
            err.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        ) {
            let _ = err.print();
            return std::process::ExitCode::SUCCESS;
        }
        // clap's message up to its usage block, on one line
        let text = err.to_string();
        let lines: Vec<&str> = text
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        let joined = lines.join(" ");
        let first = joined.strip_prefix("error: ").unwrap_or(&joined);
        eprintln!("error: {first} (see --help)");
        std::process::ExitCode::from(2)
    })
}

/// `value` as pretty JSON when `json` is set, else as the human-readable `text(value)`.
fn render<T: serde::Serialize>(
    format: args::Format,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> Result<String, String> {
    if format.json {
        serde_json::to_string_pretty(value)
            .map(|json| json + "\n")
            .map_err(|e| e.to_string())
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

/// A library error as the one-line message the command prints.
fn message(e: critical_slowing::Error) -> String {
    e.to_string()
}

/// Refuses to write `bytes` to `out` when it exists and `force` is not set, or when the disk
/// has no room: checked before any work.
fn check_new_file(out: &std::path::Path, force: bool, bytes: f64) -> Result<(), String> {
    if out.exists() && !force {
        return Err(format!(
            "{} exists (pass --force to replace it)",
            out.display()
        ));
    }
    critical_slowing::error::check_disk(out, bytes).map_err(message)
}
