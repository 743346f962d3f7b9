//! Human-readable text: the tables the command-line tool prints and the report embeds. Numbers
//! are printed to the digits their use needs; names are the command line's spellings.

use std::fmt::Write as _;

use crate::claims::{ClaimResult, Side, Source, Verdict, ID_GROUPS, REGISTRY};
use crate::error::number;
use crate::study::{GenerateReport, SpectrumRow, TrainReport, TrainingTable};

/// `x` with `precision` decimals when it is of moderate size, else in scientific notation (so a
/// column never holds a 20-digit number).
fn fixed(x: f64, precision: usize) -> String {
    if x == 0.0 || (1e-3..1e6).contains(&x.abs()) {
        format!("{x:.precision$}")
    } else {
        format!("{x:.4e}")
    }
}

/// The spectrum table.
pub fn spectrum(rows: &[SpectrumRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>2} {:>5} {:>12} {:>13} {:>10} {:>11} {:>8} {:>13} {:>9} {:>10}",
        "d", "L", "beta", "mu", "mu*L^2", "xi", "xi/L", "kappa", "kappa/L^2", "residual"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:>2} {:>5} {:>12} {:>13.6e} {:>10} {:>11} {:>8} {:>13.6e} {:>9} {:>10.1e}",
            r.d,
            r.l,
            fixed(r.beta, 9),
            r.mu,
            fixed(r.mu_l2, 6),
            fixed(r.xi, 4),
            fixed(r.xi_over_l, 5),
            r.kappa,
            fixed(r.kappa_over_l2, 5),
            r.gap_residual
        );
    }
    s
}

/// The closed-form training-time table with its fits.
pub fn training(table: &TrainingTable) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "training time to eps = {} at beta_c, d = {}, t = {}, eta = c/lambda* with c = {} \
         (steps: gradient-descent steps until every mode is within eps of its optimum; \
         flow time: the same for gradient flow, in units of steps)",
        number(table.epsilon),
        table.d,
        number(table.t),
        number(table.lr_fraction)
    );
    let _ = writeln!(
        s,
        "{:>5} {:>5} {:>13} {:>11} {:>10} {:>13}",
        "depth", "L", "kappa", "eta", "steps", "flow time"
    );
    for r in &table.rows {
        let _ = writeln!(
            s,
            "{:>5} {:>5} {:>13.6e} {:>11.5e} {:>10} {:>13.6e}",
            r.depth, r.l, r.kappa, r.learning_rate, r.steps, r.flow_time
        );
    }
    if table.fits.is_empty() && table.fits_unavailable.is_empty() {
        let _ = writeln!(s, "fits: n/a (fewer than two distinct L)");
    }
    for f in &table.fits {
        let _ = match f.predicted_exponent {
            Some(p) => writeln!(
                s,
                "depth {}: T ~ L^{:.4} (predicted L^{:.4})",
                f.depth, f.exponent, p
            ),
            None => writeln!(
                s,
                "depth {}: T = a + b ln L with b = {:.3} (predicted: logarithmic growth)",
                f.depth, f.log_slope
            ),
        };
    }
    for f in &table.fits_unavailable {
        let _ = writeln!(s, "depth {}: fit {}", f.depth, f.reason);
    }
    s
}

fn steps_or_reason(v: Option<u64>, reason: &str) -> String {
    v.map_or(format!("— ({reason})"), |n| n.to_string())
}

fn sci(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |x| format!("{x:.4e}"))
}

/// The report of a `train` run.
pub fn train(r: &TrainReport) -> String {
    let c = &r.config;
    let method = match c.batch {
        Some(b) => format!("SGD with fresh batches of {b}"),
        None => format!("full-batch GD on M = {} fields", c.samples),
    };
    let not_reached = format!("not reached within {} steps", c.steps);
    let measured_reason = if c.batch.is_some() {
        "SGD has no stopping rule"
    } else if r.predicted_excess_loss_balanced.is_some() {
        "a stack without a full layer has no reachable data optimum"
    } else {
        &not_reached
    };
    format!(
        "train: d = {}, L = {}, depth {}, layers {}, t = {}, {} (seed {})\n\
         parameters {} (full network: {}), eta = {:.5e}, eps = {}\n\
         stopping rule: {}\n\
         measured steps to eps:              {}\n\
         closed form on the data statistics: {}\n\
         prediction on the population:       {}\n\
         steps taken {}, final loss {}, final max relative symbol error vs population optimum {}\n\
         excess population loss per site: trained {:.4e}; population GD after the same steps: \
         perturbed start {}, balanced start (saddle) {}\n",
        c.d,
        c.l,
        c.depth,
        c.layers,
        number(c.t),
        method,
        c.seed,
        r.parameters,
        r.full_parameters,
        r.learning_rate,
        number(c.protocol.epsilon),
        r.stopping_rule,
        steps_or_reason(r.measured_steps, measured_reason),
        steps_or_reason(r.predicted_steps_empirical, "no closed form for this stack"),
        steps_or_reason(r.predicted_steps_population, &not_reached),
        r.steps_taken,
        sci(r.final_loss),
        sci(r.final_relative_error_population),
        r.final_excess_loss_population,
        sci(r.predicted_excess_loss_population),
        sci(r.predicted_excess_loss_balanced),
    ) + &r
        .note
        .as_ref()
        .map_or(String::new(), |n| format!("note: {n}\n"))
}

/// The powered sample tests of a `generate` run, one line.
fn sample_tests(t: &crate::study::generate::SampleTests) -> String {
    let verdict = |ok: bool| if ok { "pass" } else { "FAIL" };
    format!(
        "samples vs the closed form (level {} each): pooled chi^2 p = {:.3e} ({}; power {:.3} against 2 % on every mode), \
         zero mode p = {:.3e} ({}; power {:.3} against 10 % on k = 0)\n",
        number(t.pooled.level),
        t.pooled.p_value,
        verdict(t.pooled.pass),
        t.pooled_power_2_percent,
        t.zero_mode.p_value,
        verdict(t.zero_mode.pass),
        t.zero_mode_power_10_percent
    )
}

/// The report of a `generate` run.
pub fn generate(r: &GenerateReport) -> String {
    let c = &r.config;
    let score = match c.depth {
        None => "exact".to_string(),
        Some(d) => format!("depth {d} trained {} steps per grid time", c.steps),
    };
    let mut s = format!(
        "generate: d = {}, L = {}, score {}, sampler {}, grid {}, M = {} (seed {})\n\
         target: the data spectrum C_k (t = 0); sampling stops at t_0 = {}\n",
        c.d,
        c.l,
        score,
        c.sampler,
        c.grid.0,
        c.samples,
        c.seed,
        number(r.t_min)
    );
    let _ = writeln!(
        s,
        "{:<20} {:>12} {:>12} {:>27} {:>16}",
        "per site", "predicted", "measured", "bounds (level 1e-6)", "vs C_k(t_0)"
    );
    let rows = [
        (
            "KL(data || gen)",
            r.predicted.kl_data_gen,
            r.measured.kl_data_gen,
            r.bounds.kl_data_gen,
            r.predicted_vs_noised_data.kl_data_gen,
        ),
        (
            "KL(gen || data)",
            r.predicted.kl_gen_data,
            r.measured.kl_gen_data,
            r.bounds.kl_gen_data,
            r.predicted_vs_noised_data.kl_gen_data,
        ),
        (
            "W2^2",
            r.predicted.w2_squared,
            r.measured.w2_squared,
            r.bounds.w2_squared,
            r.predicted_vs_noised_data.w2_squared,
        ),
    ];
    for (name, p, m, b, n) in rows {
        let _ = writeln!(
            s,
            "{name:<20} {p:>12.5e} {m:>12.5e} [{:.5e}, {:.5e}] {n:>16.5e}",
            b.lo, b.hi
        );
    }
    let _ = writeln!(
        s,
        "magnetisation variance: generated {:.5e} (predicted), {:.5e} (measured); data {:.5e}\n\
         modes with sample variance inside the chi^2 interval: {:.1} %",
        r.magnetisation.predicted,
        r.magnetisation.measured,
        r.magnetisation.data,
        100.0 * r.modes_in_interval
    );
    s += &sample_tests(&r.tests);
    if let Some(w) = &r.warning {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}

fn value(v: Option<f64>, digits: usize) -> String {
    match v {
        None => "—".into(),
        Some(x) if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e5) => format!("{x:.digits$e}"),
        Some(x) => format!("{x:.digits$}"),
    }
}

/// The check column: one check, or the analytic and the numeric check when they differ.
pub fn check_text(c: &ClaimResult) -> String {
    match (c.check, c.numeric_check) {
        (None, _) => "—".into(),
        (Some(a), None) => a.describe(),
        (Some(a), Some(n)) => format!("analytic {}; numeric {}", a.describe(), n.describe()),
    }
}

/// A value with its quantity and source: `1.98 (exponent, measurement)`; `—` without a value.
fn value_with_side(v: Option<f64>, side: Option<Side>, digits: usize) -> String {
    match (v, side) {
        (None, _) => "—".into(),
        (Some(_), None) => value(v, digits),
        (Some(_), Some(side)) => format!("{} ({side})", value(v, digits)),
    }
}

/// The claims as two Markdown tables, under one line saying how the IDs are grouped: first the
/// claims whose numeric value is an independent measurement, then those whose numeric side is
/// a code cross-check, true by construction, or absent (closed forms alone). Each value names
/// its quantity and its source, so that "numeric" never hides a cross-check.
pub fn claims_table(claims: &[ClaimResult]) -> String {
    let measured = |c: &&ClaimResult| {
        c.spec
            .numeric_side
            .is_some_and(|v| v.source == Source::Measurement)
    };
    let (first, second): (Vec<&ClaimResult>, Vec<&ClaimResult>) =
        claims.iter().partition(|c| measured(c));
    let mut s = format!(
        "Claim IDs by topic: {ID_GROUPS}. Each value names its quantity and its source: a \
         closed form, an independent measurement, a code cross-check (the same map computed \
         another way) or a value true by construction.\n\n"
    );
    if !first.is_empty() {
        s += "**Closed forms against independent measurements**\n\n";
        s += &claim_rows(&first);
    }
    if !second.is_empty() {
        s += "\n**Code cross-checks, values true by construction, and closed forms alone** (these \
              guard the code; they are not evidence for the physics)\n\n";
        s += &claim_rows(&second);
    }
    s
}

/// One Markdown table of claims.
fn claim_rows(claims: &[&ClaimResult]) -> String {
    let mut s = String::from(
        "| ID | claim | analytic | numeric | check | verdict | derivation |\n|---|---|---|---|---|---|---|\n",
    );
    for c in claims {
        let digits = c.check.map_or(3, |k| k.digits());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            c.spec.id,
            c.spec.statement,
            value_with_side(c.analytic, c.spec.analytic_side, digits),
            value_with_side(c.numeric, c.spec.numeric_side, digits),
            check_text(c),
            c.verdict,
            c.spec.results.join(", ")
        );
    }
    s
}

/// `quantity (source)`, or `none`.
fn side_text(side: Option<Side>) -> String {
    side.map_or_else(|| "none".into(), |v| v.to_string())
}

/// The registry as the `claims` command lists it.
pub fn claims_list() -> String {
    REGISTRY
        .iter()
        .map(|c| {
            let s = &c.spec;
            format!(
                "{}  {}\n    derivation: {}\n    tests: {}\n    analytic [{}]: {}\n    numeric [{}]: {}\n    tolerance: {}\n",
                s.id,
                s.statement,
                s.results.join(", "),
                s.tests.join(", "),
                side_text(s.analytic_side),
                s.analytic,
                side_text(s.numeric_side),
                s.numeric,
                s.justification
            )
        })
        .fold(format!("Claim IDs by topic: {ID_GROUPS}.\n\n"), |acc, c| acc + &c)
}

/// One line per claim that did not pass, with its verdict.
pub fn verdict_summary(claims: &[ClaimResult]) -> String {
    let pass = claims.iter().filter(|c| c.verdict == Verdict::Pass).count();
    let skipped = claims
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Skipped { .. }))
        .count();
    format!(
        "{pass} of {} claims pass, {skipped} skipped, {} fail",
        claims.len(),
        claims.len() - pass - skipped
    )
}

/// A Monte Carlo report: observables with errors and τ_int (in sweep-equivalents, R7.4).
pub fn monte_carlo(r: &crate::mc::McReport) -> String {
    let c = &r.config;
    let sweeps = r.sweep_equivalents_per_measurement;
    let mut out = format!(
        "O(n) Monte Carlo: n = {}, d = {}, L = {}, K = {:.9} (β = K/n = {:.6}), {}, {} chain(s) × {} sweeps, seed {}\n\n\
         {:<14} {:>14} {:>12} {:>14}\n",
        c.n, c.d, c.l, r.k, r.beta, c.algorithm.name(), c.chains, c.measurements, c.seed,
        "observable", "mean", "error", "τ_int (sweeps)"
    );
    for (name, e) in [
        ("energy/site", &r.energy),
        ("|m|", &r.magnetisation),
        ("m^1", &r.m1),
        ("|m|²", &r.m2),
        ("|m|⁴", &r.m4),
        ("χ = V⟨|m|²⟩", &r.susceptibility),
    ] {
        out += &format!(
            "{name:<14} {:>14.6e} {:>12.2e} {:>14.3}\n",
            e.mean,
            e.error,
            e.tau_int * sweeps
        );
    }
    out += &format!(
        "{:<14} {:>14.6} {:>12.2e}\n",
        "Binder U", r.binder.value, r.binder.error
    );
    if let Some(cs) = r.cluster_size {
        out += &format!(
            "{:<14} {:>14.6e} {:>12.2e}\n",
            "⟨|C|⟩ (Wolff)", cs.mean, cs.error
        );
    }
    if let Some(a) = r.acceptance {
        out += &format!("{:<14} {:>14.6}\n", "acceptance", a);
    }
    out
}

/// `mc --configurations` as text: the run, the spacing, and the observables of exactly the
/// recorded configurations (what an exported file holds).
pub fn configurations(r: &crate::study::configurations::ConfigurationsSummary) -> String {
    let c = &r.config;
    let mut out = format!(
        "O(n) Monte Carlo configurations: n = {}, d = {}, L = {}, K = {:.9} (β = K/n = {:.6}), {}, {} chain(s), seed {}\n\
         {} configurations, {} sweeps apart (τ_int(|m|²) = {:.3} sweeps from a {}-sweep pilot run)\n\n\
         {:<14} {:>14} {:>12}\n",
        c.n, c.d, c.l, r.k, r.beta, c.algorithm.name(), c.chains, c.seed,
        r.count, r.spacing, r.tau_int_m2, c.measurements,
        "observable", "mean", "error"
    );
    for (name, e) in [
        ("energy/site", &r.energy),
        ("|m|", &r.abs_m),
        ("|m|²", &r.m2),
        ("Binder U", &r.binder),
    ] {
        out += &format!("{name:<14} {:>14.6e} {:>12.2e}\n", e.mean, e.error);
    }
    out
}

/// `train --optimizer` (momentum or Adam) as text: the measured time beside the momentum
/// closed forms, or "no closed form" for Adam (R9.3, R9.5, R9.8).
pub fn optimizer_train(r: &crate::study::optimizers::OptimizerTrainReport) -> String {
    let steps = |x: Option<u64>, none: &str| x.map_or(none.to_string(), |n| n.to_string());
    format!(
        "train: d = {}, L = {}, depth {}, layers full, t = {}, optimizer {} on M = {} fields\n\
         learning rate {:.5e}, momentum {}\n\
         measured steps to eps (stays within): {}\n\
         closed form on the data statistics:   {}\n\
         closed form on the population:        {}\n\
         predictions: {}; steps taken {}, final max relative symbol error {:.3e}\n",
        r.d,
        r.l,
        r.depth,
        number(r.t),
        r.optimizer,
        r.samples,
        r.learning_rate,
        number(r.momentum),
        steps(r.measured_steps, "not reached within the step cap"),
        steps(r.predicted_steps_empirical, "none (depth ≥ 2 or Adam)"),
        steps(r.predicted_steps_population, "no closed form"),
        r.prediction,
        r.steps_taken,
        r.final_relative_error
    )
}

/// Closed-form training times of a momentum optimizer (`training-time --optimizer`, R9.3,
/// R9.4, R9.8): one line per (depth, L).
pub fn optimizer_training(rows: &[crate::study::optimizers::OptimizerRow]) -> String {
    let mut out = String::from("optimizer        D     L        steps T     eta          beta\n");
    for r in rows {
        out += &format!(
            "{:<16} {:<5} {:<8} {:<11} {:<12.5e} {}\n",
            r.optimizer,
            r.depth,
            r.l,
            r.steps,
            r.learning_rate,
            number(r.momentum)
        );
    }
    out
}

/// The sampled rows of C17–C19 (R6.6, R6.8, R10.3): one line per row, then the ratios.
pub fn sampled_generation_scaling(
    s: &crate::study::sampled_generation::SampledGenerationScaling,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5} {:>3} {:>2} {:>5} {:>7} {:>11} {:>11} {:>25} {:>9} {:>6} {:>8} {:>8}",
        "claim",
        "L",
        "D",
        "N",
        "M",
        "predicted",
        "measured",
        "window (level each)",
        "bias",
        "in",
        "power(a)",
        "power(b)"
    );
    for r in &s.rows {
        let _ = writeln!(
            out,
            "{:>5} {:>3} {:>2} {:>5} {:>7} {:>11.5e} {:>11.5e} [{:.4e}, {:.4e}] {:>9.2e} {:>6} {:>8.4} {:>8.4}",
            r.claim,
            r.l,
            r.depth,
            r.budget,
            r.samples,
            r.predicted_kl_per_site,
            r.measured_kl_per_site,
            r.window_lo_per_site,
            r.window_hi_per_site,
            r.bias_per_site,
            if r.in_window { "yes" } else { "NO" },
            r.power_2_percent,
            r.power_zero_mode_10_percent
        );
    }
    for (what, claim, stat) in [
        ("growth L_max/L_min", "C17", s.growth("C17")),
        ("spread max/min - 1", "C18", s.spread("C18")),
        ("growth L_max/L_min", "C19", s.growth("C19")),
    ] {
        if let Some(x) = stat {
            let _ = writeln!(
                out,
                "{claim} {what}: measured {:.4}, closed form {:.4}, range over the windows [{:.4}, {:.4}], \
                 accepted (every row in its window) [{:.4}, {:.4}]",
                x.measured, x.predicted, x.window_lo, x.window_hi, x.accept_lo, x.accept_hi
            );
        }
    }
    let level = s.rows.first().map_or(s.family_level, |r| r.level);
    let _ = writeln!(
        out,
        "KL(gen || data) per site against C_k(t_0), bias-corrected; level {} per row (family {}); \
         power(a): against 2 % on every mode's variance, power(b): 10 % on k = 0 alone; {:.1} s",
        number(level),
        number(s.family_level),
        s.seconds
    );
    out
}
