//! Text, tables and figures of `network-ising`: the nonlinear network on 2D Ising data over
//! sides and seeds ([`crate::study::network_ising_sweep`]).

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::error::{number, Error, Result};
use crate::experiment::observables::MeanAndError;
use crate::model::score_network::KernelSize;
use crate::report::analysis::sig;
use crate::report::figure::{Figure, Series, Style};
use crate::report::ising_network_plots::binder_points;
use crate::report::plots::series;
use crate::report::writer::{write_csv, write_directory, write_json};
use crate::study::network_ising_sweep::{IsingSweep, IsingSweepRun, IsingSweepSide};

/// `x ± e` with as many digits as the error resolves; a value without an error (one seed: no
/// spread to measure) alone, to 3 significant digits.
fn pm(x: MeanAndError) -> String {
    if x.error > 0.0 {
        format!("{} ± {}", sig(x.mean, x.error), sig(x.error, x.error))
    } else {
        sig(x.mean, x.mean.abs() * 1e-2)
    }
}

/// The human-readable report: the set-up, every run, every side.
pub fn text(s: &IsingSweep) -> String {
    let c = &s.config.network;
    let mut out =
        format!(
        "network-ising: 2D Ising at K_c, {} Wolff configurations per run; network width {}, {} \
         residual blocks, kernel {}{}{}; Adam {} ({}), batch {}, {} steps{}; generation on {} \
         geometric steps over [{}, {}], {} fields ({}); reached = {} checkpoints in a row \
         within 2σ of the data's U\n\n",
        c.configurations,
        c.width,
        c.blocks,
        match c.kernel {
            KernelSize::Radius(r) => format!("{0} × {0}", 2 * r + 1),
            KernelSize::Full => "full (L × L)".into(),
        },
        if c.time_scale { ", time scale" } else { "" },
        if c.global { ", global path" } else { "" },
        number(c.learning_rate),
        c.schedule,
        c.batch,
        c.steps,
        c.average
            .map_or(String::new(), |b| format!(", weight average {b}")),
        c.generation_steps,
        number(c.horizon.0),
        number(c.horizon.1),
        c.generated,
        match c.checkpoint_every {
            0 => "no checkpoints: the final generation only".to_string(),
            every => format!("checkpoints every {every} steps, {} fields", c.checkpoint_fields),
        },
        c.window,
    );
    out += "  L  seed  parameters  U data           U generated      U exact score    pull  energy data / generated  steps to data  training s\n";
    for r in &s.runs {
        out += &run_line(r);
    }
    out +=
        "  (U exact score: the same sampler and grid with the training set's exact score, R11.8, \
            how close the grid alone comes; pull: (U generated − U data) over the combined SE)\n";
    out += "\n  L  runs  reached  steps to data (mean ± SE over seeds)  training s to data  U generated − U data\n";
    for side in &s.sides {
        out += &side_line(side);
    }
    out
}

fn run_line(r: &IsingSweepRun) -> String {
    let mut line = String::new();
    let _ = writeln!(
        line,
        "{:>3}  {:>4}  {:>10}  {:<15}  {:<15}  {:<15}  {:>+5.1}  {:<23}  {:>13}  {:>10.1}",
        r.l,
        r.seed,
        r.parameters,
        pm(r.data_binder),
        pm(r.generated_binder),
        r.sampler_check_binder.map_or("—".into(), pm),
        r.gap() / r.gap_error(),
        format!(
            "{} / {}",
            sig(r.data_energy.mean, r.data_energy.error),
            sig(r.generated_energy.mean, r.generated_energy.error)
        ),
        r.steps_to_data
            .map_or("not reached".into(), |s| s.to_string()),
        r.training_seconds,
    );
    line
}

fn side_line(s: &IsingSweepSide) -> String {
    let mut line = String::new();
    let _ = writeln!(
        line,
        "{:>3}  {:>4}  {:>7}  {:<37}  {:<18}  {}",
        s.l,
        s.runs,
        s.reached,
        s.steps_to_data.map_or("—".into(), pm),
        s.seconds_to_data.map_or("—".into(), pm),
        pm(s.gap),
    );
    line
}

/// One run as a flat CSV row.
#[derive(Serialize)]
struct RunRow {
    l: usize,
    seed: u64,
    parameters: usize,
    data_binder: f64,
    data_binder_error: f64,
    generated_binder: f64,
    generated_binder_error: f64,
    exact_score_binder: Option<f64>,
    exact_score_binder_error: Option<f64>,
    pull: f64,
    data_energy: f64,
    data_energy_error: f64,
    generated_energy: f64,
    generated_energy_error: f64,
    steps_to_data: Option<u64>,
    seconds_to_data: Option<f64>,
    training_seconds: f64,
    seconds: f64,
}

impl From<&IsingSweepRun> for RunRow {
    fn from(r: &IsingSweepRun) -> Self {
        Self {
            l: r.l,
            seed: r.seed,
            parameters: r.parameters,
            data_binder: r.data_binder.mean,
            data_binder_error: r.data_binder.error,
            generated_binder: r.generated_binder.mean,
            generated_binder_error: r.generated_binder.error,
            exact_score_binder: r.sampler_check_binder.map(|c| c.mean),
            exact_score_binder_error: r.sampler_check_binder.map(|c| c.error),
            pull: r.gap() / r.gap_error(),
            data_energy: r.data_energy.mean,
            data_energy_error: r.data_energy.error,
            generated_energy: r.generated_energy.mean,
            generated_energy_error: r.generated_energy.error,
            steps_to_data: r.steps_to_data,
            seconds_to_data: r.seconds_to_data,
            training_seconds: r.training_seconds,
            seconds: r.seconds,
        }
    }
}

/// One checkpoint of one run as a flat CSV row.
#[derive(Serialize)]
struct CheckpointRow {
    l: usize,
    seed: u64,
    step: u64,
    training_seconds: f64,
    binder: f64,
    binder_error: f64,
    pull: f64,
}

/// One side as a flat CSV row.
#[derive(Serialize)]
struct SideRow {
    l: usize,
    runs: usize,
    reached: usize,
    steps_to_data: Option<f64>,
    steps_to_data_error: Option<f64>,
    seconds_to_data: Option<f64>,
    seconds_to_data_error: Option<f64>,
    gap: f64,
    gap_error: f64,
    generated_binder: f64,
    generated_binder_error: f64,
    data_binder: f64,
    data_binder_error: f64,
}

impl From<&IsingSweepSide> for SideRow {
    fn from(s: &IsingSweepSide) -> Self {
        Self {
            l: s.l,
            runs: s.runs,
            reached: s.reached,
            steps_to_data: s.steps_to_data.map(|m| m.mean),
            steps_to_data_error: s.steps_to_data.map(|m| m.error),
            seconds_to_data: s.seconds_to_data.map(|m| m.mean),
            seconds_to_data_error: s.seconds_to_data.map(|m| m.error),
            gap: s.gap.mean,
            gap_error: s.gap.error,
            generated_binder: s.generated_binder.mean,
            generated_binder_error: s.generated_binder.error,
            data_binder: s.data_binder.mean,
            data_binder_error: s.data_binder.error,
        }
    }
}

fn checkpoint_rows(s: &IsingSweep) -> Vec<CheckpointRow> {
    s.runs
        .iter()
        .flat_map(|r| {
            r.checkpoints.iter().map(|c| CheckpointRow {
                l: r.l,
                seed: r.seed,
                step: c.step,
                training_seconds: c.training_seconds,
                binder: c.binder,
                binder_error: c.binder_error,
                pull: c.pull,
            })
        })
        .collect()
}

/// Palette indices of the seeds' lines: every colour but the data's (0) and grey (7).
const SEED_COLORS: [usize; 8] = [1, 2, 3, 4, 5, 6, 8, 9];

/// The generated Binder cumulant against training steps at side `l`, one line per seed (with
/// jackknife errors), beside the data's U ± 2 SE (mean over seeds); a Gaussian's 0 (any
/// linear score) is left off so that the axis resolves the approach to the data. Checkpoints with |U| or its error above 1 (heavy-tailed early fields) stay in the CSV.
pub fn binder_figure(s: &IsingSweep, side: &IsingSweepSide) -> Figure {
    let runs: Vec<&IsingSweepRun> = s.runs.iter().filter(|r| r.l == side.l).collect();
    let last = s.config.network.steps as f64;
    let level = |v: f64| vec![(0.0, v), (last, v)];
    let mut list: Vec<Series> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (points, errors) = binder_points(&r.checkpoints);
            Series {
                errors,
                ..series(
                    format!("seed {}", r.seed),
                    points,
                    Style::Line,
                    SEED_COLORS[i % 8],
                )
            }
        })
        .collect();
    let u = side.data_binder;
    list.push(series(
        format!("data U = {} ± 2 SE", sig(u.mean, u.error)),
        level(u.mean + 2.0 * u.error),
        Style::Thin,
        0,
    ));
    list.push(series(
        String::new(),
        level(u.mean - 2.0 * u.error),
        Style::Thin,
        0,
    ));
    Figure {
        title: format!(
            "Generated Binder cumulant during training, 2D Ising at K_c, L = {} ({} seeds)",
            side.l, side.runs
        ),
        x_label: "training steps".into(),
        y_label: "U (± jackknife SE)".into(),
        log_x: false,
        log_y: false,
        series: list,
    }
}

/// Writes the sweep into the directory `out` (replaced whole when complete; an existing
/// directory that is not an earlier report is refused unless `force`, and files the crate
/// did not write are kept): `network_ising_sweep.json` (everything), the CSV tables `runs`,
/// `sides` and `checkpoints`, and one figure `binder_L{L}.svg` (with PNG) per side.
pub fn write(s: &IsingSweep, out: &Path, force: bool) -> Result<()> {
    write_directory(out, force, |dir| {
        write_json(dir, "network_ising_sweep", s)?;
        write_csv(
            dir,
            "runs",
            &s.runs.iter().map(RunRow::from).collect::<Vec<_>>(),
        )?;
        write_csv(
            dir,
            "sides",
            &s.sides.iter().map(SideRow::from).collect::<Vec<_>>(),
        )?;
        write_csv(dir, "checkpoints", &checkpoint_rows(s))?;
        for side in &s.sides {
            let name = format!("binder_L{}.svg", side.l);
            binder_figure(s, side)
                .write_svg_and_png(&dir.join(&name))
                .map_err(|e| match e {
                    Error::Plot { message, .. } => Error::Plot { name, message },
                    other => other,
                })?;
        }
        Ok(())
    })
}
