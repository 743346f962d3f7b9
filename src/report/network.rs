//! Text of `train-network`: the network, each run's checkpoints and the scaling over L.

use std::fmt::Write;

use serde::Serialize;

use crate::error::number;
use crate::report::analysis::sig;
use crate::study::network::{NetworkRun, NetworkStudy};
use crate::study::network_scaling::NetworkScaling;

/// What `train-network` prints or writes as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkTrainingReport {
    /// Every run with its checkpoints.
    pub study: NetworkStudy,
    /// Training times against L.
    pub scaling: NetworkScaling,
}

fn optional(x: Option<f64>) -> String {
    x.map_or("—".into(), number)
}

fn with_error(x: Option<f64>, e: Option<f64>) -> String {
    match (x, e) {
        (Some(x), Some(e)) if e > 0.0 => format!("{} ± {}", sig(x, e), sig(e, e)),
        (Some(x), Some(_)) => format!("{} ± 0", number(x)),
        (Some(x), None) => number(x),
        _ => "not reached".into(),
    }
}

/// The human-readable report: the set-up, each run's checkpoints, the scaling over L.
pub fn network_training(r: &NetworkTrainingReport) -> String {
    let mut out = header(r);
    let t_min = r
        .study
        .config
        .times
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    for run in &r.study.runs {
        out += &run_section(run, t_min);
    }
    out + &scaling_section(&r.scaling)
}

/// The network, the optimizer and the protocol in two lines.
fn header(r: &NetworkTrainingReport) -> String {
    let c = &r.study.config;
    let s = &c.spec;
    format!(
        "train-network: d = {}, μ = {}/L², {} network: width {}, {} residual blocks, kernel {}, \
         {}, {} time features, biases {}, {} output ({} parameters at the largest L)\n\
         optimizer {}, batch {}, {} times in [{}, {}], ε = {} over {} checkpoints, \
         {} held-out fields per time, seeds {}\n",
        c.d,
        number(c.mass_constant),
        r.study.float,
        s.width,
        s.blocks,
        s.kernel,
        s.activation,
        s.embedding,
        if s.bias { "on" } else { "off" },
        s.output,
        r.study.parameters,
        c.optimizer,
        c.batch,
        c.times.len(),
        number(c.times.iter().copied().fold(f64::INFINITY, f64::min)),
        number(c.times.iter().copied().fold(0.0, f64::max)),
        number(c.epsilon),
        c.window,
        c.held_out,
        c.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// One run: when it reached ε, the axis modes' symbol errors after training (at the
/// smallest time `t_min`), and its checkpoints.
fn run_section(run: &NetworkRun, t_min: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nL = {}, seed {}: κ = {}, {:.1} s; excess ≤ ε from step {} (crossing at {}), zero mode from step {}",
        run.l,
        run.seed,
        number(run.kappa),
        run.seconds,
        optional(run.trained_at.map(|s| s as f64)),
        optional(run.trained_at_interpolated.map(|s| s.round())),
        optional(run.zero_mode_trained_at.map(|s| s as f64)),
    );
    let errors: Vec<String> = run
        .axis_symbol_errors
        .iter()
        .enumerate()
        .map(|(n, e)| format!("n = {n}: {e:.2e}"))
        .collect();
    let _ = writeln!(
        out,
        "  after training, |v̂_k C_k(t) − 1| at t = {} on the axis modes k = 2πn/L: {}",
        number(t_min),
        errors.join(", ")
    );
    let _ = writeln!(
        out,
        "  {:>7}  {:>10}  {:>22}  {:>12}",
        "step", "batch loss", "relative excess", "zero-mode err"
    );
    for k in &run.checkpoints {
        let loss = if k.loss.is_finite() {
            format!("{:.4}", k.loss)
        } else {
            "—".into()
        };
        let excess = format!(
            "{:.3e} ± {:.1e}",
            k.relative_excess, k.relative_excess_error
        );
        let zero = format!("{:.3e}", k.zero_mode_error);
        let _ = writeln!(out, "  {:>7}  {loss:>10}  {excess:>22}  {zero:>12}", k.step);
    }
    out
}

/// The training times against L and the fitted laws.
fn scaling_section(scaling: &NetworkScaling) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:>5}  {:>9}  {:>7}  {:>20}  {:>15}  {:>14}  {:>8}",
        "L", "κ", "reached", "steps to ε", "zero-mode steps", "final excess", "s/run"
    );
    for row in &scaling.rows {
        let _ = writeln!(
            out,
            "{:>5}  {:>9}  {:>7}  {:>20}  {:>15}  {:>14}  {:>8.1}",
            row.l,
            number(row.kappa),
            format!("{}/{}", row.trained, row.runs),
            with_error(row.steps, row.steps_error),
            optional(row.zero_mode_steps),
            format!("{:.3e}", row.final_excess),
            row.seconds,
        );
    }
    match &scaling.fit {
        Some(f) => {
            let _ = writeln!(
                out,
                "steps to ε ∝ L^p: p = {}; steps = a + b ln L: b = {} (errors: jackknife over seeds). \
                 Linear networks under GD (derivations/04): p = 2 for one layer, b finite (p → 0) for two.",
                with_error(Some(f.exponent), f.exponent_error),
                with_error(Some(f.log_slope), f.log_slope_error),
            );
        }
        None => out.push_str("no fit over L: it needs ≥ 2 sides and every run to reach ε\n"),
    }
    out
}
