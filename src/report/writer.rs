//! The report on disk: every table as CSV and JSON, the figures as SVG and PNG, and
//! `report.md`. Everything is written into a temporary sibling directory that replaces the
//! output directory only when complete, so a failed run never leaves a half-written report,
//! and a directory that is not an earlier report is never replaced unless forced.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::claims::Reproduction;
use crate::error::{Error, Result};
use crate::report::{plots, text};

/// The file that marks a directory as a report of this tool.
pub const MANIFEST: &str = ".critical-slowing-report";

/// Temporary directories of the report being written; locked while the finished report is
/// swapped into place, so that [`abandon_temporaries`] never interrupts the swap.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set once [`abandon_temporaries`] has started: the process is about to exit on a signal.
static ABANDONING: AtomicBool = AtomicBool::new(false);

fn temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARIES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes the temporary directories of a report being written, for a process about to exit
/// on SIGINT or SIGTERM. Waits for a swap in progress to finish, then keeps the registry locked
/// so that no further swap starts. Each directory is first renamed (so the writer's further
/// writes fail instead of recreating files in it) and then removed; a directory that cannot be
/// removed keeps a `.reproduce-` name and the manifest, so the next run removes it.
pub fn abandon_temporaries() {
    ABANDONING.store(true, Ordering::SeqCst);
    let guard = temporaries();
    for path in guard.iter() {
        let dying = path.with_file_name(format!(".reproduce-dying-{}", std::process::id()));
        let target = if std::fs::rename(path, &dying).is_ok() {
            dying
        } else {
            path.clone()
        };
        for _ in 0..5 {
            if std::fs::remove_dir_all(&target).is_ok() || !target.exists() {
                break;
            }
        }
    }
    std::mem::forget(guard);
}

/// Whether [`abandon_temporaries`] has started (the process is exiting on a signal).
pub fn abandoning() -> bool {
    ABANDONING.load(Ordering::SeqCst)
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks before a run that `out` can receive a report: absent, empty, or an earlier report
/// (it holds [`MANIFEST`]) unless `force`; not `.`, `..` or a file; and its parent accepts a
/// temporary directory. Stale temporary directories of killed runs beside it are removed.
pub fn check_output(out: &Path, force: bool) -> Result<()> {
    let refuse = |why: &str| Error::io("write the report to", out, why);
    if out.exists() && !out.is_dir() {
        return Err(refuse("it exists and is not a directory"));
    }
    if out.file_name().is_none() {
        return Err(refuse("name a directory of its own (not . or ..)"));
    }
    if out.is_dir() && !force && !out.join(MANIFEST).exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| Error::io("read", out, e))?;
        if entries.next().is_some() {
            return Err(refuse(
                "it holds files that are not an earlier report; choose another --out or pass --force to replace it",
            ));
        }
    }
    let parent = parent_of(out);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("create", &parent, e))?;
    remove_stale(&parent);
    tempfile::Builder::new()
        .prefix(".reproduce-check-")
        .tempdir_in(&parent)
        .map(drop)
        .map_err(|e| Error::io("create a directory in", &parent, e))
}

/// Removes `.reproduce-*` directories left by killed runs (those holding a manifest only).
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let path = e.path();
        if name.to_string_lossy().starts_with(".reproduce-") && path.join(MANIFEST).exists() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

pub(crate) fn write_csv<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    let path = dir.join(format!("{name}.csv"));
    let err = |e: &dyn std::fmt::Display| Error::io("write", &path, e);
    let mut w = csv::Writer::from_path(&path).map_err(|e| err(&e))?;
    for r in rows {
        w.serialize(r).map_err(|e| err(&e))?;
    }
    w.flush().map_err(|e| err(&e))
}

pub(crate) fn write_json<T: Serialize + ?Sized>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::io("encode", &path, e))?;
    std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))
}

fn write_table<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    write_csv(dir, name, rows)?;
    write_json(dir, name, rows)
}

/// A claim as a flat CSV row.
#[derive(Serialize)]
struct ClaimRow<'a> {
    id: &'a str,
    statement: &'a str,
    derivation: String,
    tests: String,
    analytic: Option<f64>,
    numeric: Option<f64>,
    check: String,
    verdict: String,
    justification: &'a str,
}

fn tables(rep: &Reproduction, dir: &Path) -> Result<()> {
    let s = &rep.studies;
    let claims: Vec<ClaimRow> = rep
        .claims
        .iter()
        .map(|c| ClaimRow {
            id: c.spec.id,
            statement: c.spec.statement,
            derivation: c.spec.results.join(" "),
            tests: c.spec.tests.join(" "),
            analytic: c.analytic,
            numeric: c.numeric,
            check: text::check_text(c),
            verdict: c.verdict.to_string(),
            justification: c.spec.justification,
        })
        .collect();
    write_csv(dir, "claims", &claims)?;
    // the claims with the provenance of the run that judged them
    #[derive(Serialize)]
    struct ClaimsFile<'a> {
        provenance: &'a crate::provenance::Provenance,
        claims: &'a [crate::claims::ClaimResult],
    }
    write_json(
        dir,
        "claims",
        &ClaimsFile {
            provenance: &rep.provenance,
            claims: &rep.claims,
        },
    )?;
    write_table(dir, "spectrum", s.spectrum()?)?;
    write_csv(dir, "training_time", &s.training()?.rows)?;
    write_json(dir, "training_time", s.training()?)?;
    write_table(dir, "numeric_training", s.numeric_training()?)?;
    write_table(dir, "local", s.local()?)?;
    write_table(dir, "local_training", s.local_training()?)?;
    write_table(dir, "generation_one_layer", s.generation_one_layer()?)?;
    write_table(dir, "generation_two_layer", s.generation_two_layer()?)?;
    write_table(dir, "horizon", s.horizon()?)?;
    write_table(dir, "horizon_sampled", s.horizon_sampled()?)?;
    write_table(dir, "girsanov_sampled", s.girsanov_sampled()?)?;
    write_json(dir, "continuous_sampled", s.continuous_sampled()?)?;
    write_json(dir, "sampled_generation", s.sampled_generation()?)?;
    let scaling = s.sampled_generation_scaling()?;
    write_csv(dir, "sampled_generation_scaling", &scaling.rows)?;
    write_json(dir, "sampled_generation_scaling", scaling)?;
    write_table(dir, "optimizer_training_time", &s.optimizers()?.rows)?;
    write_table(dir, "optimizer_fits", &s.optimizers()?.fits)?;
    write_table(dir, "optimizer_fields", &s.optimizers()?.fields)?;
    write_json(dir, "optimizers", s.optimizers()?)?;
    monte_carlo_tables(s.monte_carlo()?, dir)
}

/// The Monte Carlo records (derivations/07–08): per-side 2D Ising rows, τ_int rows, trainers on
/// Monte Carlo fields and the large-n rows as CSV and JSON; everything in `monte_carlo.json`.
fn monte_carlo_tables(m: &crate::study::finite_n::MonteCarloStudies, dir: &Path) -> Result<()> {
    write_table(dir, "mc_ising_2d", &m.ising)?;
    write_table(dir, "mc_dynamics", &m.dynamics)?;
    write_table(dir, "mc_trainer", &m.trainer)?;
    write_table(dir, "mc_large_n", &m.large_n)?;
    write_json(dir, "monte_carlo", m)
}

fn figures(rep: &Reproduction, dir: &Path) -> Result<Vec<(&'static str, &'static str)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut made = Vec::new();
    for (file, caption, figure) in plots::all(&rep.studies)? {
        figure
            .write_svg_and_png(&dir.join(file))
            .map_err(|e| match e {
                Error::Plot { message, .. } => Error::Plot {
                    name: file.to_string(),
                    message,
                },
                other => other,
            })?;
        made.push((file, caption));
    }
    Ok(made)
}

/// The local-architecture table (R5.2–R5.5) in Markdown.
fn local_markdown(rows: &[crate::study::LocalRow]) -> String {
    let mut md = String::from(
        "\n### Local one-layer networks (population loss)\n\n\
         | t | R | L | parameters | full network | floor Δ_R | zero-mode error | κ(H) | steps to ε |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        md += &format!(
            "| {} | {} | {} | {} | {} | {:.3e} | {:.3e} | {:.3} | {} |\n",
            r.t,
            r.radius,
            r.l,
            r.parameters,
            r.full_parameters,
            r.floor,
            r.zero_mode_relative_error,
            r.hessian_condition,
            r.steps
        );
    }
    md
}

/// A generation table (R6.4–R6.7) in Markdown.
fn generation_markdown(what: &str, rows: &[crate::study::GenerationRow]) -> String {
    let mut md = format!(
        "\n### Generation with {what} trained per grid time (closed form)\n\n\
         | L | depth | budget rule | budget N | κ | N/κ | KL(data‖gen)/V | KL(gen‖data)/V | W2²/V |\n\
         |---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        md += &format!(
            "| {} | {} | {} | {} | {:.4e} | {:.4} | {:.3e} | {:.3e} | {:.3e} |\n",
            r.l,
            r.depth,
            r.budget_rule,
            r.budget,
            r.kappa,
            r.budget_over_kappa,
            r.kl_data_gen_per_site,
            r.kl_gen_data_per_site,
            r.w2_squared_per_site
        );
    }
    md
}

/// Exponents side by side and the 2D Ising records (derivations/07–08) in Markdown.
fn monte_carlo_markdown(s: &crate::claims::Studies) -> Result<String> {
    let m = s.monte_carlo()?;
    let inf = s
        .training()?
        .fits
        .iter()
        .find(|f| f.depth == 1)
        .map_or(f64::NAN, |f| f.exponent);
    let eta_lr = s.config.lr_fraction / 4.0;
    let two_inf = 2f64.ln() / (1.0 + 2.0 * eta_lr).ln();
    let f = m.one_layer_exponent;
    let mut md = format!(
        "\n### Beyond n = ∞: exponents side by side\n\n\
         | exponent | n = ∞ (d = {}) | 2D Ising (theory) | 2D Ising (measured) |\n|---|---|---|---|\n\
         | Metropolis z (τ_int of m) | — | 2.17 | {:.3} |\n\
         | Wolff z (τ_int of m²) | — | 0.25 | {:.3} |\n\
         | one-layer training T₁ ∝ L^p | 2 (closed form fit {:.3}) | 7/4 | {:.3} ± {:.3} |\n\
         | two-layer T₂: steps per doubling of L (log) | {:.3} | {:.3} | {:.3} |\n\
         | susceptibility γ/ν | 2 | 7/4 | {:.3} |\n",
        s.config.d, m.z_metropolis, m.z_wolff, inf, f.exponent, f.error, two_inf,
        m.two_layer_increment_predicted, m.two_layer_increment, m.susceptibility_exponent
    );
    md += "\n### 2D Ising data at K_c\n\n| L | χ | U | τ_int Wolff | spacing | configurations | κ | T₁ | T₂ |\n|---|---|---|---|---|---|---|---|---|\n";
    for r in &m.ising {
        md += &format!(
            "| {} | {:.2} ± {:.2} | {:.3} ± {:.3} | {:.2} | {} | {} | {:.1} | {} | {} |\n",
            r.l,
            r.chi,
            r.chi_error,
            r.binder,
            r.binder_error,
            r.tau_wolff,
            r.spacing,
            r.configurations,
            r.kappa,
            r.t1,
            r.t2
        );
    }
    let g = &m.gaussian_limit;
    md += &format!(
        "\nLinear generation at L = {} ({} grid steps): U data {:.3} ± {:.3}, generated {:.3} ± {:.3}; \
         ⟨m²⟩ data {:.4e} ± {:.1e}, generated {:.4e} ± {:.1e}; energy data {:.4} ± {:.4}, generated {:.4} ± {:.4}. \
         Monte Carlo studies took {:.1} s.\n",
        g.l, m.generation_steps, g.binder_data.mean, g.binder_data.error, g.binder_generated.mean,
        g.binder_generated.error, g.m2_data.mean, g.m2_data.error, g.m2_generated.mean, g.m2_generated.error,
        g.energy_data.mean, g.energy_data.error, g.energy_generated.mean, g.energy_generated.error, m.seconds
    );
    Ok(md)
}

/// The provenance block of `report.md`.
fn provenance_markdown(p: &crate::provenance::Provenance) -> String {
    format!(
        "| provenance | |\n|---|---|\n| commit | `{}` ({} tree at build time) |\n| date (UTC) | {} |\n\
         | compiler | {} |\n| linear algebra | {} |\n| threads | {} |\n| command | `{}` |\n\
         | configuration SHA-256 | `{}` |\n",
        p.commit, p.tree, p.date_utc, p.rustc, p.blas, p.threads, p.command_line, p.config_sha256
    )
}

/// `report.md`.
pub fn markdown(rep: &Reproduction, figs: &[(&str, &str)]) -> Result<String> {
    let s = &rep.studies;
    let mut md = format!(
        "# Reproduction report: critical slowing down in diffusion models\n\n\
         critical-slowing {} — arXiv:2605.12597, large-n O(n) model at β_c, d = {}.\n\n\
         **{}.** Wall time {:.1} s. Seed {}.\n\n{}\n## Claims\n\n{}\n",
        env!("CARGO_PKG_VERSION"),
        s.config.d,
        text::verdict_summary(&rep.claims),
        rep.wall_seconds,
        s.config.seed,
        provenance_markdown(&rep.provenance),
        text::claims_table(&rep.claims)
    );
    md += "\n### How each value was obtained\n\n";
    for c in &rep.claims {
        md += &format!(
            "- **{}** analytic: {}; numeric: {}; check: {}. Tests: {}.\n",
            c.spec.id,
            c.spec.analytic,
            c.spec.numeric,
            c.spec.justification,
            c.spec.tests.join(", ")
        );
    }
    md += "\n## Figures\n\n";
    for (f, caption) in figs {
        let png = f.replace(".svg", ".png");
        md += &format!("![{caption}](figures/{png})\n\n*{caption}* ([SVG](figures/{f}))\n\n");
    }
    md += "## Tables\n\nEach table is also in this directory as CSV and JSON.\n\n### Spectrum\n\n```\n";
    md += &text::spectrum(s.spectrum()?);
    md += "```\n\n### Training times (closed forms)\n\n```\n";
    md += &text::training(s.training()?);
    md += "```\n\n### Training times on sampled fields\n\n| L | depth | t | measured | closed form (data statistics) | closed form (population) |\n|---|---|---|---|---|---|\n";
    for r in s.numeric_training()? {
        md += &format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.l, r.depth, r.t, r.measured, r.closed_form_data, r.closed_form_population
        );
    }
    md += &local_markdown(s.local()?);
    md += "\n### Radius-1 trainers on sampled fields (C11)\n\n| L | t | fields | measured steps to ε |\n|---|---|---|---|\n";
    for r in s.local_training()? {
        md += &format!(
            "| {} | {} | {} | {} |\n",
            r.l, r.t, r.samples, r.measured_steps
        );
    }
    md += &generation_markdown("one layer", s.generation_one_layer()?);
    md += &generation_markdown("two layers", s.generation_two_layer()?);
    md += &optimizer_markdown(s.optimizers()?);
    md += "\n### Horizon for KL(p_T ‖ N(0, I)) = 1e-2\n\n| L | T | T − ln L |\n|---|---|---|\n";
    for h in s.horizon()? {
        md += &format!(
            "| {} | {:.4} | {:.4} |\n",
            h.l, h.horizon, h.horizon_minus_ln_l
        );
    }
    md += &continuous_sampled_markdown(s)?;
    md += &monte_carlo_markdown(s)?;
    md += "\n### Sampled generation\n\n```\n";
    md += &text::generate(s.sampled_generation()?);
    md += "```\n\n### Sampled generation for C17–C19 (population-trained symbols, sde-exp, 40-step geometric grid)\n\n\
           Plug-in KL(gen ‖ data) per site of M sampled fields minus its null bias, against the closed form and its \
           Chernoff window (R10.3); M per row the fewest on ⌈1000·2^(k/2)⌉ with power ≥ 0.99 against 2 % on every mode \
           (`sampled_generation_scaling.csv`, `.json`).\n\n```\n";
    md += &text::sampled_generation_scaling(s.sampled_generation_scaling()?);
    md += &format!(
        "```\n\n## Configuration\n\n```toml\n{}```\n\n## Auditing a claim\n\nEach claim names the derivation results it rests on (`derivations/*.md`, IDs `Rx.y`). \
         `grep -rn ID src tests` finds the code that implements a result (doc comment) and the tests that verify it.\n",
        toml::to_string(&s.config).unwrap_or_default()
    );
    Ok(md)
}

/// The continuous-time claims measured on samples (C16, C20, C21; derivations/10 R10.7).
fn continuous_sampled_markdown(s: &crate::claims::Studies) -> Result<String> {
    let mut md = String::from(
        "\n### Horizon measured on noised fields (zero-mode excess)\n\n| L | T (closed form) | t noised | excess P̂₀ − 1 | T̂ | σ(T̂) |\n|---|---|---|---|---|---|\n",
    );
    for h in s.horizon_sampled()? {
        md += &format!(
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |\n",
            h.l, h.horizon, h.t_measured, h.excess, h.horizon_estimate, h.standard_deviation
        );
    }
    md += "\n### Girsanov bound against sampled fields\n\n| a | bound | KL (continuous) | KL̂ (fields) | σ̂ |\n|---|---|---|---|---|\n";
    for g in s.girsanov_sampled()? {
        md += &format!(
            "| {:.2} | {:.4} | {:.4} | {:.4} | {:.4} |\n",
            g.amplitude, g.bound, g.kl_continuous, g.kl_sampled, g.standard_deviation
        );
    }
    let e = s.continuous_sampled()?;
    md += &format!(
        "\n### Exact score on refined grids (d = {}, L = {}, {} fields per grid)\n\n| | {} steps | {} steps | extrapolated | σ (extrapolated) |\n|---|---|---|---|---|\n| mean of P̂/C − 1 | {:.5} | {:.5} | {:.5} | {:.5} |\n| zero mode P̂₀/C₀ − 1 | {:.4} | {:.4} | {:.4} | {:.4} |\n",
        e.d, e.l, e.samples, e.steps, 2 * e.steps, e.coarse_error, e.fine_error, e.extrapolated_error,
        e.standard_deviation, e.zero_mode_coarse_error, e.zero_mode_fine_error,
        e.zero_mode_extrapolated_error, e.zero_mode_standard_deviation
    );
    Ok(md)
}

/// The predicted law of T(L) per optimizer and depth (derivations/09), in words.
fn predicted_law(optimizer: &str, depth: usize) -> &'static str {
    match (optimizer, depth) {
        ("adam-fourier", _) => "no closed form (R9.7: measured)",
        (_, 2) => "logarithmic: ln 2/ln r per doubling (R4.4, R9.8)",
        ("momentum:tuned", _) => "1 for T/ln(4T/ε) (R9.4)",
        ("nesterov:tuned", _) => "1 (R9.4)",
        _ => "2 (R3.3, R9.3)",
    }
}

/// The optimizer tables of report.md: fitted against predicted exponents, and the momentum
/// trainers on fields against the closed form on the data's statistics.
fn optimizer_markdown(o: &crate::study::optimizers::OptimizerStudy) -> String {
    let mut md = String::from(
        "\n### Optimizers beyond gradient descent (t = 0, closed forms and per-mode Adam)\n\n\
         | optimizer | depth | predicted exponent | fitted exponent | ln-corrected | increment per doubling |\n|---|---|---|---|---|---|\n",
    );
    for f in &o.fits {
        md += &format!(
            "| {} | {} | {} | {:.3} | {} | {:.1} |\n",
            f.optimizer,
            f.depth,
            predicted_law(&f.optimizer, f.depth),
            f.exponent,
            f.log_corrected_exponent
                .map_or("—".into(), |x| format!("{x:.3}")),
            f.increment_per_doubling
        );
    }
    md += "\n| optimizer | L | T on fields | closed form (data statistics) |\n|---|---|---|---|\n";
    for r in &o.fields {
        md += &format!(
            "| {} | {} | {} | {} |\n",
            r.optimizer, r.l, r.measured, r.closed_form_data
        );
    }
    md += &format!(
        "\nOnline SGD (d = 2, L = 8, B = 16): mean |e_k|²/S_∞,k = {:.4} ± {:.4} ({} batch means), power {:.3} against a 5 % error.\n",
        o.sgd.mean_ratio, o.sgd.standard_error, o.sgd.batches, o.sgd.power_at_5_percent
    );
    md
}

/// Writes the report into `out` (see [`check_output`]) and returns the path of `report.md`.
pub fn write(rep: &Reproduction, out: &Path, force: bool) -> Result<PathBuf> {
    write_directory(out, force, |dir| {
        tables(rep, dir)?;
        let figs = figures(rep, &dir.join("figures"))?;
        let md = dir.join("report.md");
        std::fs::write(&md, markdown(rep, &figs)?).map_err(|e| Error::io("write", &md, e))
    })?;
    Ok(out.join("report.md"))
}

/// Fills a temporary directory beside `out` with `fill` and the [`MANIFEST`], then swaps it
/// into place atomically (see [`check_output`] for what `out` may hold). A signal during the
/// run leaves no temporary directory ([`abandon_temporaries`]).
pub fn write_directory(
    out: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    check_output(out, force)?;
    let parent = parent_of(out);
    let tmp = tempfile::Builder::new()
        .prefix(".reproduce-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a directory in", &parent, e))?;
    let dir = tmp.path();
    temporaries().push(dir.to_path_buf());
    let result = fill_and_swap(fill, dir, out, &parent);
    temporaries().retain(|p| p != dir);
    result?;
    let _ = tmp.keep();
    Ok(())
}

/// Fills the temporary `dir` and swaps it into place at `out`.
fn fill_and_swap(
    fill: impl FnOnce(&Path) -> Result<()>,
    dir: &Path,
    out: &Path,
    parent: &Path,
) -> Result<()> {
    std::fs::write(dir.join(MANIFEST), "critical-slowing report\n")
        .map_err(|e| Error::io("write", &dir.join(MANIFEST), e))?;
    fill(dir)?;
    // swap into place, with the registry locked so that a signal waits for the swap; the
    // temporary directory is removed on every error path by its guard
    let _swapping = temporaries();
    if out.exists() {
        let old = tempfile::Builder::new()
            .prefix(".reproduce-old-")
            .tempdir_in(parent)
            .map_err(|e| Error::io("create a directory in", parent, e))?;
        let old_path = old.path().join("report");
        std::fs::rename(out, &old_path).map_err(|e| Error::io("move", out, e))?;
        std::fs::rename(dir, out).map_err(|e| Error::io("move the new report to", out, e))?;
        drop(old);
    } else {
        std::fs::rename(dir, out).map_err(|e| Error::io("move the new report to", out, e))?;
    }
    Ok(())
}
