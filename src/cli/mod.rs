//! The command line: one module per subcommand (its arguments, their validation, the call into
//! [`critical_slowing::study`] or [`critical_slowing::claims`], and the rendering through
//! [`critical_slowing::report`]); [`args`] holds the argument groups they share. Every handler
//! returns the text to print, or a one-line error.

mod args;
mod claims;
mod generate;
mod mc;
mod reproduce;
pub mod signals;
mod spectrum;
mod train;
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
    /// beside the closed-form predictions.
    Train(train::Args),
    /// Generate fields with a sampler and compare predicted and measured KL / W2.
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
}

/// Runs the parsed command: the text to print, or a one-line error.
pub fn run(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Spectrum(a) => spectrum::run(a),
        Command::TrainingTime(a) => training_time::run(a),
        Command::Train(a) => train::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Mc(a) => mc::run(a),
        Command::Reproduce(a) => reproduce::run(a),
        Command::Claims(a) => claims::run(a),
    }
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
        let text = err.to_string();
        let first = text.lines().next().unwrap_or("invalid command line");
        let first = first.strip_prefix("error: ").unwrap_or(first);
        eprintln!("error: {first} (see --help)");
        std::process::ExitCode::FAILURE
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
