//! `analyse`: a user's lattice configurations (.npz / .npy) through the closed forms.

use std::path::PathBuf;

use critical_slowing::data::file::{self, FileOptions};
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::model::Protocol;
use critical_slowing::report;
use critical_slowing::study::analyse::{analyse, AnalyseConfig};
use critical_slowing::study::GridSpec;

use super::args::{Format, Rates};
use super::{message, render};

/// The options of `analyse`.
#[derive(clap::Args)]
pub struct Args {
    /// A numpy file (.npz or .npy) holding configurations [M, L, …, L] or [M, n, L, …, L],
    /// float32 or float64; repeat for files at several L (then the exponents of κ and T₁).
    #[arg(long, required = true, value_name = "FILE")]
    data: Vec<PathBuf>,
    /// The .npz entry holding the fields (default: `phi`, else the only array with ≥ 2 axes).
    #[arg(long)]
    key: Option<String>,
    /// Components n per configuration, when the second axis is the component axis and the
    /// shape alone does not say so (e.g. [M, 3, 3, 3]).
    #[arg(long, value_name = "N")]
    components: Option<usize>,
    /// Diffusion time t of the training-time and local predictions.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    t: f64,
    #[command(flatten)]
    rates: Rates,
    /// Two-sided level of the intervals that hold for Gaussian data.
    #[arg(long, default_value_t = 0.05)]
    level: f64,
    /// Jackknife blocks of configurations.
    #[arg(long, default_value_t = 10)]
    blocks: usize,
    /// Sampler of the generation prediction: sde-exp, sde-em or ode-exp.
    #[arg(long, default_value = "sde-exp")]
    sampler: Sampler,
    /// Time grid of the generation prediction: uniform:TMIN:T:N, geometric:TMIN:T:N or list:…
    #[arg(long, default_value = "geometric:0.001:8:40")]
    grid: String,
    /// One-layer training steps per grid time of the generation prediction.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// Also write a report directory: report.md, analysis.json, per-file CSV tables and
    /// figures (refused if DIR holds other files, unless --force).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Replace --report's directory even if it is not an earlier report.
    #[arg(long, requires = "report")]
    force: bool,
    #[command(flatten)]
    format: Format,
}

/// Reads every file (all are validated before any analysis), then analyses them.
pub fn run(a: Args) -> Result<String, String> {
    let cfg = AnalyseConfig {
        protocol: Protocol::new(1, a.rates.c, a.rates.epsilon).map_err(message)?,
        t: a.t,
        level: a.level,
        blocks: a.blocks,
        sampler: a.sampler,
        grid: GridSpec(a.grid.clone()),
        budget: a.steps,
    };
    let options = FileOptions {
        key: a.key.clone(),
        components: a.components,
    };
    if let Some(dir) = &a.report {
        report::writer::check_output(dir, a.force).map_err(message)?;
    }
    let sets = a
        .data
        .iter()
        .map(|path| {
            let loaded = file::read(path, &options).map_err(message)?;
            Ok((loaded.data, loaded.source))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let analysis = analyse(&sets, &cfg).map_err(message)?;
    let mut text = render(a.format, &analysis, report::analysis::analysis)?;
    if let Some(dir) = &a.report {
        let path = report::analysis::write_report(&analysis, dir, a.force).map_err(message)?;
        if !a.format.json {
            text += &format!("report: {}\n", path.display());
        }
    }
    Ok(text)
}
