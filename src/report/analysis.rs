//! `analyse` as text, figures and a report directory: per file, the data, its spectrum and κ
//! with errors, the predictions of the closed forms on it, and what a linear score cannot
//! reproduce; then the exponents.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::report::figure::{Figure, Series, Style};
use crate::report::writer::{write_csv, write_directory, write_json};
use crate::study::analyse::{Analysis, FileAnalysis, WithError};

/// `value ± error` with the error's two significant digits deciding the value's.
fn with_error(x: WithError) -> String {
    format!("{} ± {}", sig(x.value, x.error), sig(x.error, x.error))
}

/// `x` to the precision of `scale` (two significant digits of the error), plain notation.
pub(crate) fn sig(x: f64, scale: f64) -> String {
    if scale.is_nan() || scale <= 0.0 || scale.is_infinite() {
        return crate::error::number(x);
    }
    let digits = (1 - scale.abs().log10().floor() as i64).clamp(0, 12) as usize;
    format!("{x:.digits$}")
}

/// The whole analysis.
pub fn analysis(a: &Analysis) -> String {
    let mut out = String::new();
    for f in &a.files {
        out += &file(f);
        out.push('\n');
    }
    if let Some(e) = &a.exponents {
        let _ = writeln!(
            out,
            "Exponents over L (jackknife errors): κ ∝ L^{}, T₁ (gd, D = 1) ∝ L^{}",
            with_error(e.kappa),
            with_error(e.one_layer_steps)
        );
    }
    out
}

/// One file: the data, its spectrum and κ, the observables and the Gaussian limit, then the
/// predictions.
fn file(f: &FileAnalysis) -> String {
    let s = &f.source;
    let mut out = format!(
        "{} [{}]: {} {:?} → {} configurations of n = {} component field(s) on a d = {}, L = {} lattice\n\
         errors: jackknife over {} blocks; intervals: level {} for Gaussian data (χ², F)\n\n",
        s.path.display(), s.array, s.dtype, s.shape, f.configurations, f.n, f.d, f.l,
        f.blocks, crate::error::number(f.level)
    );
    let k = &f.kappa;
    let _ = writeln!(
        out,
        "κ = Ĉ_max/Ĉ_min        {}   (interval [{}, {}]; Ĉ_max at λ = {}, Ĉ_min at λ = {})",
        with_error(k.kappa),
        sig(k.lo, k.kappa.error),
        sig(k.hi, k.kappa.error),
        crate::error::number(k.lambda_max),
        crate::error::number(k.lambda_min)
    );
    let _ = writeln!(out, "ξ (second moment)      {}", with_error(f.xi));
    for (name, e) in [
        ("energy/site", f.energy),
        ("⟨|m|²⟩", f.m2),
        ("⟨|m|⟩", f.abs_m),
    ] {
        let _ = writeln!(
            out,
            "{name:<22} {}",
            with_error(WithError {
                value: e.mean,
                error: e.error
            })
        );
    }
    let g = &f.gaussian_limit;
    let _ = writeln!(
        out,
        "Binder U               {}   (a linear score generates a Gaussian: U = 0, {:.1} errors away)\n",
        with_error(WithError {
            value: g.data_binder.mean,
            error: g.data_binder.error
        }),
        g.z
    );
    out += &training_table(f);
    out += &predictions(f);
    out
}

/// The training times of the closed forms on the data's spectrum.
fn training_table(f: &FileAnalysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "training time T(ε) at t = {} (closed forms on the measured spectrum)",
        crate::error::number(f.t)
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>3} {:>22} {:>12}",
        "optimizer", "D", "steps", "rate"
    );
    let mut searched = false;
    for t in &f.training {
        // Adam's learning rate is a search (R9.6), not resampled by the jackknife
        let steps = if t.optimizer == "adam-fourier" {
            searched = true;
            format!("{} *", t.steps.value)
        } else {
            with_error(t.steps)
        };
        let _ = writeln!(
            out,
            "  {:<16} {:>3} {:>22} {:>12}",
            t.optimizer,
            t.depth,
            steps,
            crate::error::number(t.learning_rate)
        );
    }
    if searched {
        out += "  * the fastest rate of R9.6's grid; the search is not resampled, so no error\n";
    }
    out
}

/// The local floors and the generation prediction.
fn predictions(f: &FileAnalysis) -> String {
    let mut out = String::new();
    for l in &f.local {
        let _ = writeln!(
            out,
            "local radius {}: excess loss per site {} over the exact score, zero mode off by {:.1} %",
            l.radius,
            crate::error::number(l.floor),
            100.0 * l.zero_mode_relative_error
        );
    }
    let g = &f.generation;
    let _ = writeln!(
        out,
        "generation ({}, {}, one layer, {} steps per grid time): KL(gen ‖ data)/site = {}, W2²/site = {}\n\
         zero mode with the exact score: {:.2} % off on this grid (a geometric grid needs {} steps for 5 %); horizon for a prior KL of 1e-2: T = {:.2}",
        g.sampler,
        g.grid,
        g.budget,
        with_error(g.kl_per_site),
        crate::error::number(g.w2_squared_per_site),
        100.0 * g.zero_mode.relative_error,
        g.zero_mode.geometric_steps_for_5_percent,
        g.horizon_for_1e_2
    );
    out
}

/// The measured spectrum by class against λ, with the Gaussian-data intervals as error bars,
/// one series per file (log y).
pub fn spectrum_figure(a: &Analysis) -> Figure {
    let series = a
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| Series {
            name: format!(
                "{} (L = {}, {} configurations)",
                f.source.path.display(),
                f.l,
                f.configurations
            ),
            points: f.spectrum.iter().map(|r| (r.lambda, r.c_hat)).collect(),
            style: Style::Points,
            color: i,
            errors: f.spectrum.iter().map(|r| (r.lo, r.hi)).collect(),
        })
        .collect();
    Figure {
        title: format!(
            "Measured spectrum by symmetry class (bars: level-{} interval for Gaussian data)",
            crate::error::number(a.files.first().map_or(0.05, |f| f.level))
        ),
        x_label: "Laplacian eigenvalue λ of the class".into(),
        y_label: "class mean of Ĉ_k".into(),
        log_x: false,
        log_y: true,
        series,
    }
}

/// The magnetisation histogram of each file's first component: what a linear score turns into
/// one Gaussian (R8.3).
pub fn magnetisation_figure(a: &Analysis) -> Figure {
    let series = a
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| Series {
            name: format!(
                "L = {} (Binder U = {:.3})",
                f.l, f.gaussian_limit.data_binder.mean
            ),
            points: f.histogram.iter().map(|h| (h[0], h[1])).collect(),
            style: Style::Line,
            color: i,
            errors: Vec::new(),
        })
        .collect();
    Figure {
        title: "Magnetisation of the data (a linear score generates a single Gaussian)".into(),
        x_label: "m (first component)".into(),
        y_label: "density".into(),
        log_x: false,
        log_y: false,
        series,
    }
}

/// Writes `analyse --report DIR`: `report.md` (the text, the figures), `analysis.json`, per file
/// `spectrum_<i>.csv` and `training_<i>.csv`, and `figures/{spectrum,magnetisation}.{svg,png}`,
/// atomically like the `reproduce` report ([`write_directory`]). Returns `report.md`'s path.
pub fn write_report(a: &Analysis, out: &Path, force: bool) -> Result<PathBuf> {
    write_directory(out, force, |dir| {
        write_json(dir, "analysis", a)?;
        for (i, f) in a.files.iter().enumerate() {
            write_csv(dir, &format!("spectrum_{i}"), &f.spectrum)?;
            let rows: Vec<TrainingRow> = f
                .training
                .iter()
                .map(|t| TrainingRow {
                    optimizer: t.optimizer.clone(),
                    depth: t.depth,
                    steps: t.steps.value,
                    steps_error: t.steps.error,
                    learning_rate: t.learning_rate,
                })
                .collect();
            write_csv(dir, &format!("training_{i}"), &rows)?;
        }
        let figures = dir.join("figures");
        std::fs::create_dir_all(&figures).map_err(|e| Error::io("create", &figures, e))?;
        spectrum_figure(a).write_svg_and_png(&figures.join("spectrum.svg"))?;
        magnetisation_figure(a).write_svg_and_png(&figures.join("magnetisation.svg"))?;
        let md = format!(
            "# Analysis of lattice data (critical-slowing {})\n\n```text\n{}```\n\n\
             ![spectrum](figures/spectrum.svg)\n\n![magnetisation](figures/magnetisation.svg)\n\n\
             Tables: `analysis.json` (everything), `spectrum_<i>.csv` and `training_<i>.csv` per file, in the order given.\n",
            env!("CARGO_PKG_VERSION"),
            analysis(a)
        );
        let path = dir.join("report.md");
        std::fs::write(&path, md).map_err(|e| Error::io("write", &path, e))
    })?;
    Ok(out.join("report.md"))
}

/// One row of `training_<i>.csv`.
#[derive(serde::Serialize)]
struct TrainingRow {
    optimizer: String,
    depth: usize,
    steps: f64,
    steps_error: f64,
    learning_rate: f64,
}
