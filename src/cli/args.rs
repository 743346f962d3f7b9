//! Argument groups that several subcommands share, each defined once and flattened into the
//! subcommands that take it. A subcommand whose default differs (e.g. `mc --d 2`) changes it with
//! `mut_arg` where it flattens the group, so the help always shows the default that applies.

use std::path::PathBuf;

use clap::Args;
use critical_slowing::model::optimizer::OptimizerSpec;
use critical_slowing::model::score_network::KernelSize;

/// `--json`: machine-readable output.
#[derive(Args, Debug, Clone, Copy)]
pub struct Format {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--time-limit`: the longest run a command starts.
#[derive(Args, Debug, Clone, Copy)]
pub struct TimeLimit {
    /// Longest run to start, in minutes: the run's work is estimated from its options at the
    /// rate measured on 2 cores, and a run expected to take longer is refused before any work,
    /// with the estimate. Raise it to run such a run anyway.
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
}

impl TimeLimit {
    /// Refuses a run expected to take `seconds`, over the limit: the message gives the
    /// estimate, its terms (`terms`) and the options that lower it (`advice`).
    pub fn check(&self, seconds: f64, terms: &str, advice: &str) -> Result<(), String> {
        let minutes = self.time_limit;
        if !(minutes.is_finite() && minutes > 0.0) {
            return Err(format!(
                "invalid --time-limit {minutes}: expected minutes > 0"
            ));
        }
        if seconds > 60.0 * minutes {
            return Err(format!(
                "the run would take about {:.0} minutes {terms}, over --time-limit {minutes}: \
                 lower {advice}, or raise --time-limit",
                seconds / 60.0
            ));
        }
        Ok(())
    }
}

/// `--d` and one `--l`: the lattice of a single run.
#[derive(Args, Debug, Clone, Copy)]
pub struct Side {
    /// Dimension d.
    #[arg(long, default_value_t = 3)]
    pub d: usize,
    /// Lattice side L (≥ 3).
    #[arg(long, default_value_t = 8, value_parser = parse_side)]
    pub l: usize,
}

/// `--d` and a list `--l`: the lattices of a scan over L.
#[derive(Args, Debug, Clone)]
pub struct Sides {
    /// Dimension d (β_c exists only for d ≥ 3).
    #[arg(long, default_value_t = 3)]
    pub d: usize,
    /// Lattice sides L (each ≥ 3, no repeats), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "8,16,32,64", value_parser = parse_side)]
    pub l: Vec<usize>,
}

impl Sides {
    /// The sides, refused when one is repeated (it would be run twice and weigh twice in
    /// the fits).
    pub fn distinct(&self) -> Result<&[usize], String> {
        distinct_sides(&self.l)
    }
}

/// `sides` when no value repeats, else a one-line refusal naming it.
pub fn distinct_sides(sides: &[usize]) -> Result<&[usize], String> {
    for (i, l) in sides.iter().enumerate() {
        if sides[..i].contains(l) {
            return Err(format!(
                "--l lists L = {l} twice: each side is run once (remove the repeat)"
            ));
        }
    }
    Ok(sides)
}

/// A lattice side from the command line: an integer ≥ 3. On L = 2 a site's two neighbours
/// along an axis are the same site and on L = 1 there are none, so the lattice Laplacian,
/// the spectrum and every closed form degenerate.
pub fn parse_side(text: &str) -> Result<usize, String> {
    let l: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a lattice side (a whole number ≥ 3)"))?;
    if l < 3 {
        return Err(format!(
            "L = {l} is too small: on L ≤ 2 a site's two neighbours along an axis coincide or vanish, so the Laplacian and the model degenerate (use L ≥ 3)"
        ));
    }
    Ok(l)
}

/// `--c` and `--epsilon`: the learning-rate fraction and the accuracy of the protocol.
#[derive(Args, Debug, Clone, Copy)]
pub struct Rates {
    /// Learning-rate fraction c ∈ (0, 1]: η = c/λ*.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub c: f64,
    /// Accuracy ε ∈ (0, 1): every mode within relative error ε.
    #[arg(long, default_value_t = 1e-2, allow_negative_numbers = true)]
    pub epsilon: f64,
}

/// `--optimizer`.
#[derive(Args, Debug, Clone)]
pub struct Optimizer {
    /// Optimizer: gd, momentum:BETA|tuned, nesterov:BETA|tuned or adam:LR (derivations/09;
    /// Adam has no closed form, so only `train` takes it).
    #[arg(long, default_value = "gd")]
    pub optimizer: OptimizerSpec,
}

/// `--out` and `--force`: where a result is written, and leave to replace what is there.
#[derive(Args, Debug, Clone)]
pub struct Output {
    /// Output path; an existing one is refused unless --force.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing --out.
    #[arg(long)]
    pub force: bool,
}

/// `--config` or `--quick`: which reproduction configuration the claims are evaluated on.
#[derive(Args, Debug, Clone)]
pub struct Configuration {
    /// Configuration file (TOML) replacing the embedded default.
    #[arg(long, conflicts_with = "quick")]
    pub config: Option<PathBuf>,
    /// The small embedded configuration (the whole run takes about 70 s on 2 cores).
    #[arg(long)]
    pub quick: bool,
}

impl Configuration {
    /// The configuration chosen: the file, the quick one or the default one.
    pub fn load(&self) -> Result<critical_slowing::claims::ReproduceConfig, String> {
        use critical_slowing::claims::{ReproduceConfig, DEFAULT_CONFIG, QUICK_CONFIG};
        let text = match (&self.config, self.quick) {
            (Some(path), _) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read config {}: {e}", path.display()))?,
            (None, true) => QUICK_CONFIG.to_string(),
            (None, false) => DEFAULT_CONFIG.to_string(),
        };
        let cfg = ReproduceConfig::from_toml(&text).map_err(|e| e.to_string())?;
        let needed = cfg.memory_estimate().map_err(|e| e.to_string())?;
        critical_slowing::error::check_memory(
            "the configuration's largest data set",
            needed,
            "lower its sides or sample counts",
        )
        .map_err(|e| e.to_string())?;
        Ok(cfg)
    }
}

/// `--width`, `--blocks`, `--radius`, `--time-scale`, `--global`: the shape of a nonlinear
/// score network.
#[derive(Args, Debug, Clone, Copy)]
pub struct NetworkShape {
    /// Hidden channels W (0: one convolution, the linear network of depth 1).
    #[arg(long, default_value_t = 8)]
    pub width: usize,
    /// Residual blocks.
    #[arg(long, default_value_t = 1)]
    pub blocks: usize,
    /// Kernel radius R ((2R + 1)^d taps), or 0 for full kernels.
    #[arg(long, default_value_t = 1)]
    pub radius: usize,
    /// Let the time embedding also scale each block (scale-shift conditioning).
    #[arg(long)]
    pub time_scale: bool,
    /// Give each block the lattice mean of its input (a global path to the zero mode).
    #[arg(long)]
    pub global: bool,
}

impl NetworkShape {
    /// The kernel: full for radius 0, else (2R + 1)^d offsets.
    pub fn kernel(&self) -> KernelSize {
        if self.radius == 0 {
            KernelSize::Full
        } else {
            KernelSize::Radius(self.radius)
        }
    }
}
