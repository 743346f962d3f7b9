//! The main job: evaluate every claim of the registry on a configuration, and write the report
//! (Markdown, CSV, JSON, SVG figures) atomically.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{ArrayD, Dimension};
use ndarray_linalg::{EigValsh, UPLO};
use num_complex::Complex;
use serde::Serialize;

use crate::architecture::LayerKind;
use crate::data::{critical_coupling, GaussianField};
use crate::diffusion::forward::spectrum_at;
use crate::diffusion::reverse::Sampler;
use crate::divergence::kl_divergence;
use crate::error::{Error, Result};
use crate::experiment::dense::precision_matrix;
use crate::experiment::trainer::{FullBatchGd, StoppingRule};
use crate::experiment::{ConvNet, DataSet};
use crate::figures::{Figure, Series, Style};
use crate::fit;
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::report::{self, GenerationRow, GenerationSetup, SpectrumRow, TrainingTable};
use crate::theory::generation::{continuous_generated_variance, girsanov_bound};
use crate::theory::local::LocalOneLayer;
use crate::theory::{depth, empirical, one_layer, training_time, Protocol};
use crate::verification::{Check, ClaimResult, ReproduceConfig, REGISTRY};

/// A measured training time next to its closed forms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NumericTrainingRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// Steps measured by full-batch GD on sampled fields.
    pub numeric: u64,
    /// Closed form on the data set's empirical statistics.
    pub empirical_closed_form: u64,
    /// Closed form on the population spectrum.
    pub population_closed_form: u64,
}

/// One row of the local-architecture table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalRow {
    /// Diffusion time.
    pub t: f64,
    /// Radius R.
    pub radius: usize,
    /// Side L.
    pub l: usize,
    /// Parameters (2R + 1)^d.
    pub parameters: usize,
    /// Parameters of a full layer, V.
    pub full_parameters: usize,
    /// Approximation floor (excess DSM loss per site).
    pub floor: f64,
    /// Relative error of the zero-mode symbol.
    pub zero_mode_relative_error: f64,
    /// Hessian condition number.
    pub hessian_condition: f64,
    /// Steps to the local optimum (ε, c of the configuration).
    pub steps: u64,
}

/// Everything a reproduction computed.
#[derive(Debug, Clone, Serialize)]
pub struct Reproduction {
    /// The configuration used.
    pub config: ReproduceConfig,
    /// Spectrum table.
    pub spectrum: Vec<SpectrumRow>,
    /// Closed-form training times.
    pub training: TrainingTable,
    /// Numeric training times.
    pub numeric_training: Vec<NumericTrainingRow>,
    /// Local architectures.
    pub local: Vec<LocalRow>,
    /// Generation, one layer, fixed budgets and budgets ∝ κ.
    pub generation_one_layer: Vec<GenerationRow>,
    /// Generation, two layers, log budgets.
    pub generation_two_layer: Vec<GenerationRow>,
    /// Horizon T(L) for prior KL 1e-2.
    pub horizon: Vec<(usize, f64)>,
    /// The sampled generation check.
    pub sampled_generation: report::GenerateReport,
    /// Symbol trajectories of three modes: (step, numeric, closed form) per mode.
    pub trajectories: Trajectories,
    /// Per-mode timescales at L = 32, t = 0: (λ_k, τ for D = 1, τ for D = 2).
    pub timescales: Vec<[f64; 3]>,
    /// The claims.
    pub claims: Vec<ClaimResult>,
    /// Wall time in seconds.
    pub wall_seconds: f64,
}

fn stage(progress: bool, n: u64, msg: &str) -> ProgressBar {
    if !progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n);
    if let Ok(style) = ProgressStyle::with_template("{msg:32} {bar:30} {pos}/{len} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(msg.to_string());
    bar
}

fn spec(id: &str) -> crate::verification::ClaimSpec {
    *REGISTRY
        .iter()
        .find(|c| c.id == id)
        .expect("claim in registry")
}

fn exponent(x: &[f64], y: &[f64]) -> Result<f64> {
    Ok(fit::power_law(x, y)?.slope)
}

/// Numeric training times (full-batch GD on sampled fields) beside the closed forms.
fn numeric_training(
    cfg: &ReproduceConfig,
    protocol: Protocol,
    bar: &ProgressBar,
) -> Result<Vec<NumericTrainingRow>> {
    let mut rows = Vec::new();
    for &l in &cfg.numeric_sides {
        let lattice = Lattice::new(cfg.d, l)?;
        let field = GaussianField::large_n_critical(lattice)?;
        let spec_t = spectrum_at(field.spectrum(), cfg.numeric_t)?;
        let data = DataSet::draw(
            field.spectrum(),
            cfg.numeric_samples,
            &[cfg.numeric_t],
            cfg.seed + l as u64,
        )?;
        let stats = data.statistics(0)?;
        let batch = data.batch(0)?.to_spectral(&RealFft::new(lattice))?;
        let c_hat: Vec<f64> = stats.c_hat.iter().copied().collect();
        let target: Vec<Complex<f64>> = stats.target().iter().copied().collect();
        for depth_n in [1usize, 2] {
            let p = protocol.with_depth(depth_n)?;
            let eta = p.learning_rate(&spec_t);
            let v0 = p.initial_symbol(&spec_t);
            let mut net = ConvNet::balanced(lattice, &vec![LayerKind::Full; depth_n], v0)?;
            let rule = StoppingRule::relative_symbol_error(p.epsilon, stats.optimum())?;
            let log = FullBatchGd::new(eta, 10_000_000)?.train(&mut net, &batch, &rule)?;
            let numeric = log.trained_at.ok_or(Error::NoConvergence {
                what: "numeric training",
                detail: format!("L = {l}, depth {depth_n}"),
            })?;
            let closed =
                empirical::training_steps(depth_n, &c_hat, &target, eta, v0, p.epsilon, 10_000_000)
                    .ok_or(Error::NoConvergence {
                        what: "empirical closed form",
                        detail: format!("L = {l}"),
                    })?;
            rows.push(NumericTrainingRow {
                l,
                depth: depth_n,
                numeric,
                empirical_closed_form: closed,
                population_closed_form: training_time(&spec_t, &p)?.steps,
            });
        }
        bar.inc(1);
    }
    Ok(rows)
}

/// Named symbol trajectories: (label, [step, trainer, closed form] per step).
pub type Trajectories = Vec<(String, Vec<[f64; 3]>)>;

/// What the trainer checks measured: worst deviation (C8), contraction ratio and its
/// tolerance (C9), and the trajectories plotted.
struct TrainerChecks {
    worst: f64,
    ratio: f64,
    tolerance: f64,
    trajectories: Trajectories,
}

/// Trainer symbols against the empirical closed form (C8) and the slowest mode's contraction
/// (C9); also the trajectories plotted.
fn trainer_checks(cfg: &ReproduceConfig, protocol: Protocol) -> Result<TrainerChecks> {
    let lattice = Lattice::new(cfg.d, 6)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let t = cfg.numeric_t;
    let spec_t = spectrum_at(field.spectrum(), t)?;
    let m = cfg.numeric_samples;
    let data = DataSet::draw(field.spectrum(), m, &[t], cfg.seed + 1000)?;
    let stats = data.statistics(0)?;
    let target = stats.target();
    let batch = data.batch(0)?.to_spectral(&RealFft::new(lattice))?;
    let steps = 40u64;
    let mut worst: f64 = 0.0;
    let mut trajectories = Vec::new();
    let mut contraction_ratio = f64::NAN;
    let mut tolerance = f64::NAN;
    for depth_n in [1usize, 2] {
        let p = protocol.with_depth(depth_n)?;
        let eta = p.learning_rate(&spec_t);
        let v0 = p.initial_symbol(&spec_t);
        let mut net = ConvNet::balanced(lattice, &vec![LayerKind::Full; depth_n], v0)?;
        let mut gd = FullBatchGd::new(eta, steps)?;
        gd.log_every = 1;
        gd.keep_symbols = true;
        let log = gd.train(&mut net, &batch, &StoppingRule::Never)?;
        let symbols: Vec<&ArrayD<Complex<f64>>> = log
            .logged
            .iter()
            .filter_map(|s| s.symbol.as_ref())
            .collect();
        let (mut slowest, mut c_min) = (None, f64::INFINITY);
        for (idx, &c) in stats.c_hat.indexed_iter() {
            let tk = target[&idx];
            let closed = empirical::trajectory(depth_n, c, tk, eta, v0, steps as usize);
            let scale = (tk / c).norm();
            for (s, want) in symbols.iter().zip(&closed) {
                worst = worst.max((s[&idx] - want).norm() / scale);
            }
            if c < c_min {
                c_min = c;
                slowest = Some(idx.clone());
            }
        }
        let slowest = slowest.expect("at least one mode");
        if depth_n == 1 {
            // measured contraction of the slowest mode's error against the population rate
            let optimum = stats.optimum()[&slowest];
            let e = |n: usize| (symbols[n][&slowest] - optimum).norm();
            let measured = (e(steps as usize) / e(0)).powf(1.0 / steps as f64);
            let c_pop = spec_t.to_half()[&slowest];
            let predicted = 1.0 - 2.0 * eta * c_pop;
            contraction_ratio = measured / predicted;
            // χ² interval of Ĉ for this mode at level 1e-6 (Bonferroni over modes)
            use statrs::distribution::{ChiSquared, ContinuousCDF};
            let l = lattice.side();
            let self_conj = slowest.slice().iter().all(|&n| (l - n) % l == n);
            let dof = if self_conj { m } else { 2 * m } as f64;
            let level = 1e-6 / stats.c_hat.len() as f64;
            let chi = ChiSquared::new(dof).map_err(|e| Error::NoConvergence {
                what: "chi-square",
                detail: e.to_string(),
            })?;
            let half_width = (dof / chi.inverse_cdf(level / 2.0) - 1.0)
                .max(1.0 - dof / chi.inverse_cdf(1.0 - level / 2.0));
            tolerance = half_width * 2.0 * eta * c_pop / predicted;
        }
        for (name, idx) in [
            ("k = 0", vec![0; cfg.d]),
            ("slowest", slowest.slice().to_vec()),
        ] {
            let idx = ndarray::IxDyn(&idx);
            let c = stats.c_hat[&idx];
            let closed = empirical::trajectory(depth_n, c, target[&idx], eta, v0, steps as usize);
            let pts = symbols
                .iter()
                .zip(&closed)
                .enumerate()
                .map(|(n, (s, w))| [n as f64, s[&idx].re, w.re])
                .collect();
            trajectories.push((format!("D = {depth_n}, {name}"), pts));
        }
    }
    Ok(TrainerChecks {
        worst,
        ratio: contraction_ratio,
        tolerance,
        trajectories,
    })
}

/// Runs every stage and evaluates the claims.
pub fn run(cfg: &ReproduceConfig, progress: bool) -> Result<Reproduction> {
    let start = Instant::now();
    let protocol = Protocol::new(1, cfg.lr_fraction, cfg.epsilon)?;
    let d = cfg.d;
    let mut claims = Vec::new();

    // 1. spectrum
    let bar = stage(
        progress,
        cfg.spectrum_sides.len() as u64,
        "spectrum (gap equation)",
    );
    let mut spectrum = Vec::new();
    for &l in &cfg.spectrum_sides {
        spectrum.push(report::spectrum_row(d, l, None)?);
        bar.inc(1);
    }
    bar.finish();
    let ls: Vec<f64> = spectrum.iter().map(|r| r.l as f64).collect();
    let kappas: Vec<f64> = spectrum.iter().map(|r| r.kappa).collect();
    let beta_c = critical_coupling(d)?;
    let dense_kappa: Vec<f64> = cfg
        .numeric_sides
        .iter()
        .map(|&l| {
            let lattice = Lattice::new(d, l)?;
            let (_, mu) = GaussianField::large_n(lattice, beta_c)?
                .coupling_and_mass()
                .expect("large-n");
            let ev = precision_matrix(lattice, beta_c, mu)
                .eigvalsh(UPLO::Lower)
                .map_err(|e| Error::NoConvergence {
                    what: "dense eigenvalues",
                    detail: e.to_string(),
                })?;
            Ok(ev[ev.len() - 1] / ev[0])
        })
        .collect::<Result<_>>()?;
    let nls: Vec<f64> = cfg.numeric_sides.iter().map(|&l| l as f64).collect();
    claims.push(ClaimResult::new(
        spec("C1"),
        Some(exponent(&ls, &kappas)?),
        Some(exponent(&nls, &dense_kappa)?),
        Check::Within {
            expected: 2.0,
            tolerance: 0.05,
        },
    ));
    let n = spectrum.len();
    let change = (spectrum[n - 1].mu_l2 - spectrum[n - 2].mu_l2).abs() / spectrum[n - 1].mu_l2;
    claims.push(ClaimResult::new(
        spec("C2"),
        Some(change),
        None,
        Check::AtMost(0.01),
    ));
    let watson = if d == 3 {
        use statrs::function::gamma::gamma;
        let pi = std::f64::consts::PI;
        Some(
            6f64.sqrt() / (32.0 * pi.powi(3))
                * gamma(1.0 / 24.0)
                * gamma(5.0 / 24.0)
                * gamma(7.0 / 24.0)
                * gamma(11.0 / 24.0)
                / 6.0,
        )
    } else {
        None
    };
    if d == 3 {
        claims.push(ClaimResult::new(
            spec("C3"),
            Some(beta_c),
            watson,
            Check::Within {
                expected: 0.252731009858663,
                tolerance: 1e-12,
            },
        ));
    }

    // 2. closed-form training times
    let bar = stage(progress, 1, "training times (closed forms)");
    let training = report::training_table(d, &cfg.training_sides, &cfg.depths, protocol, 0.0)?;
    bar.finish();
    // 3. numeric training
    let bar = stage(
        progress,
        cfg.numeric_sides.len() as u64,
        "training (sampled fields)",
    );
    let numeric_training = numeric_training(cfg, protocol, &bar)?;
    bar.finish();
    let fit_of = |depth_n: usize| {
        training
            .fits
            .iter()
            .find(|f| f.depth == depth_n)
            .map(|f| f.exponent)
    };
    let num_t1: Vec<f64> = numeric_training
        .iter()
        .filter(|r| r.depth == 1)
        .map(|r| r.numeric as f64)
        .collect();
    claims.push(ClaimResult::new(
        spec("C4"),
        fit_of(1),
        Some(exponent(&nls, &num_t1)?),
        Check::Within {
            expected: 2.0,
            tolerance: 0.2,
        },
    ));
    let eta2 = protocol.lr_fraction / 4.0;
    let per_doubling = 2f64.ln() / (1.0 + 2.0 * eta2).ln();
    let t2: Vec<(usize, f64)> = training
        .rows
        .iter()
        .filter(|r| r.depth == 2)
        .map(|r| (r.l, r.steps as f64))
        .collect();
    let analytic_inc = {
        let incs: Vec<f64> = t2
            .windows(2)
            .map(|w| (w[1].1 - w[0].1) / ((w[1].0 as f64) / (w[0].0 as f64)).log2())
            .collect();
        incs.iter().sum::<f64>() / incs.len() as f64
    };
    let n2 = |l: usize| {
        numeric_training
            .iter()
            .find(|r| r.depth == 2 && r.l == l)
            .map(|r| r.numeric as f64)
    };
    let l0 = cfg.numeric_sides[0];
    let numeric_inc = match (n2(l0), n2(2 * l0)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    claims.push(ClaimResult::new(
        spec("C5"),
        Some(analytic_inc),
        numeric_inc,
        Check::Within {
            expected: per_doubling,
            tolerance: 1.0,
        },
    ));
    if let Some(p3) = fit_of(3) {
        claims.push(ClaimResult::new(
            spec("C6"),
            Some(p3),
            None,
            Check::Within {
                expected: 2.0 / 3.0,
                tolerance: 0.05,
            },
        ));
    }
    if let Some(p4) = fit_of(4) {
        claims.push(ClaimResult::new(
            spec("C7"),
            Some(p4),
            None,
            Check::Within {
                expected: 1.0,
                tolerance: 0.05,
            },
        ));
    }
    let TrainerChecks {
        worst,
        ratio,
        tolerance: tol,
        trajectories,
    } = trainer_checks(cfg, protocol)?;
    claims.push(ClaimResult::new(
        spec("C8"),
        Some(0.0),
        Some(worst),
        Check::AtMost(1e-9),
    ));
    claims.push(ClaimResult::new(
        spec("C9"),
        Some(1.0),
        Some(ratio),
        Check::Within {
            expected: 1.0,
            tolerance: tol,
        },
    ));

    // 4. local architectures
    let bar = stage(
        progress,
        (3 * 3 * cfg.local_sides.len()) as u64,
        "local architectures",
    );
    let mut local = Vec::new();
    for t in [0.0, 0.2, 1.0] {
        for radius in 1..=3usize {
            for &l in &cfg.local_sides {
                let lattice = Lattice::new(d, l)?;
                let field = GaussianField::large_n_critical(lattice)?;
                let spec_t = spectrum_at(field.spectrum(), t)?;
                let lo = LocalOneLayer::new(&spec_t, radius)?;
                let eta = lo.learning_rate(cfg.lr_fraction)?;
                local.push(LocalRow {
                    t,
                    radius,
                    l,
                    parameters: lo.parameter_count(),
                    full_parameters: lattice.volume(),
                    floor: lo.approximation_floor()?,
                    zero_mode_relative_error: lo.zero_mode_relative_error(),
                    hessian_condition: lo.hessian_condition_number()?,
                    steps: lo.training_steps(eta, cfg.epsilon, 10_000_000)?,
                });
                bar.inc(1);
            }
        }
    }
    bar.finish();
    let pick = |t: f64, r: usize| -> Vec<&LocalRow> {
        local.iter().filter(|x| x.t == t && x.radius == r).collect()
    };
    let r1 = pick(0.0, 1);
    let k = r1.len();
    claims.push(ClaimResult::new(
        spec("C10"),
        Some(r1[k - 1].hessian_condition / r1[k - 2].hessian_condition),
        None,
        Check::Within {
            expected: 1.0,
            tolerance: 0.1,
        },
    ));
    let excess = r1
        .windows(2)
        .map(|w| {
            let bound = 4f64.ln() / -(1.0 - cfg.lr_fraction / w[1].hessian_condition).ln() + 1.0;
            w[1].steps as f64 - w[0].steps as f64 - bound
        })
        .fold(f64::NEG_INFINITY, f64::max);
    claims.push(ClaimResult::new(
        spec("C11"),
        Some(excess),
        None,
        Check::AtMost(0.0),
    ));
    let lmax = *cfg.local_sides.last().expect("validated");
    let counted =
        ConvNet::new(Lattice::new(d, lmax)?, &[LayerKind::Local { radius: 1 }])?.parameter_count();
    claims.push(ClaimResult::new(
        spec("C12"),
        Some(3f64.powi(d as i32) - r1[k - 1].parameters as f64),
        Some(3f64.powi(d as i32) - counted as f64),
        Check::Within {
            expected: 0.0,
            tolerance: 0.0,
        },
    ));
    claims.push(ClaimResult::new(
        spec("C13"),
        Some(r1.iter().map(|x| x.floor).fold(0.0, f64::max)),
        None,
        Check::AtMost(1e-10),
    ));
    let z = pick(0.2, 1);
    claims.push(ClaimResult::new(
        spec("C14"),
        Some(z[k - 1].zero_mode_relative_error / z[k - 2].zero_mode_relative_error),
        None,
        Check::AtLeast(3.0),
    ));

    // 5. generation
    let bar = stage(progress, 4, "generation");
    let sampled_generation = report::generate(report::GenerateConfig {
        d,
        l: cfg.sampling_l,
        depth: Some(1),
        steps: 100,
        sampler: Sampler::SdeExponential,
        grid: report::GridSpec("geometric:0.001:8:40".into()),
        samples: cfg.sampling_samples,
        seed: cfg.seed + 7,
    })?;
    bar.inc(1);
    let b = sampled_generation.kl_bounds_per_site;
    claims.push(ClaimResult::new(
        spec("C15"),
        Some(sampled_generation.predicted_kl_per_site),
        Some(sampled_generation.measured_kl_per_site),
        Check::Between(b.lo, b.hi),
    ));
    let exactness = [0.05, 1.0, 4.0, kappas[0]]
        .iter()
        .map(|&c0| {
            let ct = move |t: f64| (-2.0 * t).exp() * c0 + 1.0 - (-2.0 * t).exp();
            let run = |n| continuous_generated_variance(false, |t| -1.0 / ct(t), 3.0, ct(3.0), n);
            let p = (4.0 * run(40_000) - run(20_000)) / 3.0;
            (p / c0 - 1.0).abs()
        })
        .fold(0.0, f64::max);
    claims.push(ClaimResult::new(
        spec("C16"),
        Some(exactness),
        None,
        Check::AtMost(1e-10),
    ));
    let setup = GenerationSetup {
        d,
        protocol,
        ..GenerationSetup::default()
    };
    let mut generation_one_layer = Vec::new();
    for n_fixed in [50usize, 200, 1000] {
        generation_one_layer.extend(report::generation_rows(
            &setup,
            &cfg.generation_sides,
            1,
            |_, _| n_fixed,
        )?);
    }
    bar.inc(1);
    let fixed200: Vec<&GenerationRow> = generation_one_layer
        .iter()
        .filter(|r| r.budget == 200)
        .collect();
    let growth = fixed200.last().expect("rows").kl_per_site / fixed200[0].kl_per_site;
    claims.push(ClaimResult::new(
        spec("C17"),
        Some(growth),
        None,
        Check::AtLeast(1.0),
    ));
    let mut spread = 0.0;
    for x in [0.02, 0.1, 0.3, 1.0] {
        let rows = report::generation_rows(&setup, &cfg.generation_sides, 1, |_, kappa| {
            (x * kappa).round() as usize
        })?;
        if x == 0.1 {
            let (lo, hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
                (a.min(r.kl_per_site), b.max(r.kl_per_site))
            });
            spread = hi / lo - 1.0;
        }
        generation_one_layer.extend(rows);
    }
    bar.inc(1);
    claims.push(ClaimResult::new(
        spec("C18"),
        Some(spread),
        None,
        Check::AtMost(0.15),
    ));
    let log_budget =
        |l: usize, _: f64| (2.0 + (l as f64).ln() / (1.0 + 2.0 * eta2).ln()).ceil() as usize;
    let generation_two_layer =
        report::generation_rows(&setup, &cfg.generation_sides, 2, log_budget)?;
    let g2 = generation_two_layer.last().expect("rows").kl_per_site
        / generation_two_layer[0].kl_per_site;
    claims.push(ClaimResult::new(
        spec("C19"),
        Some(g2),
        None,
        Check::AtMost(1.5),
    ));
    let horizon = report::horizon_rows(d, &cfg.spectrum_sides, 1e-2)?;
    let hx: Vec<f64> = horizon.iter().map(|(l, _)| (*l as f64).ln()).collect();
    let hy: Vec<f64> = horizon.iter().map(|(_, t)| *t).collect();
    claims.push(ClaimResult::new(
        spec("C20"),
        Some(fit::line(&hx, &hy)?.slope),
        None,
        Check::Within {
            expected: 1.0,
            tolerance: 0.05,
        },
    ));
    // Girsanov on a small lattice with 8 deterministic pseudo-random scores
    let small = GaussianField::large_n(Lattice::new(2, 4)?, 0.4)?;
    let sp = small.spectrum().clone();
    let mut slack = f64::INFINITY;
    for s in 0..8u32 {
        let a = 0.1 * (s as f64 - 3.5);
        let w = |i: usize, t: f64| {
            let c = spectrum_at(&sp, t).expect("t ≥ 0").values()[i];
            -(1.0 + a * (1.0 + i as f64).sin() * (-t).exp()) / c
        };
        let values: Vec<f64> = (0..sp.values().len())
            .map(|i| continuous_generated_variance(false, |t| w(i, t), 2.0, 1.0, 2000))
            .collect();
        let p = sp.with_values(values)?;
        let kl = kl_divergence(&sp, &p)?;
        let bound = girsanov_bound(&sp, w, 2.0, 2000)?;
        slack = slack.min((bound - kl) / bound);
    }
    bar.inc(1);
    bar.finish();
    claims.push(ClaimResult::new(
        spec("C21"),
        Some(slack),
        None,
        Check::AtLeast(0.0),
    ));
    // dense score check
    let lattice = Lattice::new(d, 6)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let (beta, mu) = field.coupling_and_mass().expect("large-n");
    let dense_err = {
        use ndarray_linalg::Inverse;
        let t: f64 = 0.3;
        let lin = |e: ndarray_linalg::error::LinalgError| Error::NoConvergence {
            what: "dense inverse",
            detail: e.to_string(),
        };
        let cov = precision_matrix(lattice, beta, mu).inv().map_err(lin)?;
        let a2 = (-2.0 * t).exp();
        let cov_t = &cov * a2 + &(ndarray::Array2::<f64>::eye(lattice.volume()) * (1.0 - a2));
        let dense = -cov_t.inv().map_err(lin)?;
        let kernel = crate::diffusion::score::score_kernel(field.spectrum(), t)?;
        let l = lattice.side();
        let mut sites = Vec::new();
        lattice.for_each_index(|s| sites.push(s.to_vec()));
        let scale = dense.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut worst: f64 = 0.0;
        for (i, x) in sites.iter().enumerate() {
            for (j, y) in sites.iter().enumerate() {
                let r: Vec<usize> = x.iter().zip(y).map(|(&a, &b)| (a + l - b) % l).collect();
                worst = worst.max((kernel[ndarray::IxDyn(&r)] - dense[[i, j]]).abs() / scale);
            }
        }
        worst
    };
    claims.push(ClaimResult::new(
        spec("C22"),
        Some(0.0),
        Some(dense_err),
        Check::AtMost(1e-10),
    ));

    // per-mode timescales for the figure (L = 32, t = 0)
    let field32 = GaussianField::large_n_critical(Lattice::new(d, 32)?)?;
    let s32 = field32.spectrum();
    let eta1 = protocol.learning_rate(s32);
    let timescales = s32
        .values()
        .iter()
        .zip(s32.classes().lambda())
        .map(|(&c, &lam)| {
            [
                lam,
                one_layer::timescale(c, eta1),
                depth::relaxation_timescale(2, c, eta2),
            ]
        })
        .collect();

    Ok(Reproduction {
        config: cfg.clone(),
        spectrum,
        training,
        numeric_training,
        local,
        generation_one_layer,
        generation_two_layer,
        horizon,
        sampled_generation,
        trajectories,
        timescales,
        claims,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Claims table as Markdown (or plain text) rows.
pub fn claims_table(claims: &[ClaimResult]) -> String {
    let mut s = String::from("| ID | claim | analytic | numeric | check | verdict | derivation |\n|---|---|---|---|---|---|---|\n");
    let opt = |v: Option<f64>| v.map_or("—".to_string(), crate::verification::short);
    for c in claims {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            c.spec.id,
            c.spec.statement,
            opt(c.analytic),
            opt(c.numeric),
            c.check.describe(),
            if c.pass { "PASS" } else { "FAIL" },
            c.spec.results.join(", ")
        );
    }
    s
}

fn io(e: impl std::fmt::Display, path: &Path) -> Error {
    Error::Parameter {
        name: "output",
        value: f64::NAN,
        requirement: Box::leak(
            format!("cannot be written at {}: {e}", path.display()).into_boxed_str(),
        ),
    }
}

fn write_csv<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    let path = dir.join(format!("{name}.csv"));
    let mut w = csv::Writer::from_path(&path).map_err(|e| io(e, &path))?;
    for r in rows {
        w.serialize(r).map_err(|e| io(e, &path))?;
    }
    w.flush().map_err(|e| io(e, &path))
}

fn write_json<T: Serialize + ?Sized>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value).map_err(|e| io(e, &path))?;
    std::fs::write(&path, text).map_err(|e| io(e, &path))
}

#[derive(Serialize)]
struct ClaimCsv<'a> {
    id: &'a str,
    statement: &'a str,
    derivation: String,
    tests: String,
    analytic: Option<f64>,
    numeric: Option<f64>,
    check: String,
    verdict: &'a str,
    justification: &'a str,
}

#[derive(Serialize)]
struct TrainingCsv {
    depth: usize,
    l: usize,
    kappa: f64,
    learning_rate: f64,
    steps: u64,
    flow_time: f64,
}

fn log10(x: f64) -> f64 {
    x.log10()
}

fn figures(rep: &Reproduction, dir: &Path) -> Result<Vec<(&'static str, &'static str)>> {
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let mut made = Vec::new();
    let pts = |v: Vec<(f64, f64)>, name: &str, style| Series {
        name: name.to_string(),
        points: v,
        style,
    };
    // κ(L)
    let k: Vec<(f64, f64)> = rep
        .spectrum
        .iter()
        .map(|r| (log10(r.l as f64), log10(r.kappa)))
        .collect();
    let c = rep.spectrum.last().map_or(1.0, |r| r.kappa_over_l2);
    let refl: Vec<(f64, f64)> = rep
        .spectrum
        .iter()
        .map(|r| (log10(r.l as f64), log10(c * (r.l as f64).powi(2))))
        .collect();
    Figure {
        title: "Condition number at beta_c".into(),
        x_label: "log10 L".into(),
        y_label: "log10 kappa".into(),
        series: vec![
            pts(k, "kappa = C_max/C_min", Style::Points),
            pts(refl, "const * L^2", Style::Thin),
        ],
    }
    .write_svg_and_png(&dir.join("kappa.svg"))?;
    made.push((
        "kappa.svg",
        "Spectral condition number κ against L at β_c (log–log), with an L² line.",
    ));
    // timescales
    let t1: Vec<(f64, f64)> = rep.timescales.iter().map(|x| (x[0], log10(x[1]))).collect();
    let t2: Vec<(f64, f64)> = rep.timescales.iter().map(|x| (x[0], log10(x[2]))).collect();
    Figure {
        title: "Per-mode gradient-flow timescales, L = 32, t = 0".into(),
        x_label: "lambda_k".into(),
        y_label: "log10 tau_k (steps)".into(),
        series: vec![
            pts(t1, "one layer: 1/(2 eta C_k)", Style::Points),
            pts(t2, "two layers: 1/(4 eta)", Style::Points),
        ],
    }
    .write_svg_and_png(&dir.join("timescales.svg"))?;
    made.push((
        "timescales.svg",
        "Per-mode timescales τ_k against λ_k for one and two layers.",
    ));
    // training times
    let mut series = Vec::new();
    for f in &rep.training.fits {
        let rows: Vec<(f64, f64)> = rep
            .training
            .rows
            .iter()
            .filter(|r| r.depth == f.depth)
            .map(|r| (log10(r.l as f64), log10(r.steps as f64)))
            .collect();
        let line: Vec<(f64, f64)> = rows
            .iter()
            .map(|&(x, _)| (x, (f.exponent * x * 10f64.ln() + 0.0).exp().log10()))
            .collect();
        let offset =
            rows.iter().zip(&line).map(|(a, b)| a.1 - b.1).sum::<f64>() / rows.len().max(1) as f64;
        series.push(pts(
            rows,
            &format!("D = {} (closed form)", f.depth),
            Style::Points,
        ));
        series.push(pts(
            line.iter().map(|&(x, y)| (x, y + offset)).collect(),
            &format!("fit L^{:.3}", f.exponent),
            Style::Thin,
        ));
    }
    for depth_n in [1usize, 2] {
        let rows: Vec<(f64, f64)> = rep
            .numeric_training
            .iter()
            .filter(|r| r.depth == depth_n)
            .map(|r| (log10(r.l as f64), log10(r.numeric as f64)))
            .collect();
        series.push(pts(
            rows,
            &format!("D = {depth_n} trainer (t = {})", rep.config.numeric_t),
            Style::Line,
        ));
    }
    Figure {
        title: "Training time to eps at beta_c".into(),
        x_label: "log10 L".into(),
        y_label: "log10 steps".into(),
        series,
    }
    .write_svg_and_png(&dir.join("training_time.svg"))?;
    made.push(("training_time.svg", "Training time against L for every depth (log–log) with fitted lines; numeric trainers as lines."));
    // generation raw and collapsed
    let mut raw = Vec::new();
    let mut collapsed = Vec::new();
    for &l in &rep.config.generation_sides {
        let mut rows: Vec<&GenerationRow> = rep
            .generation_one_layer
            .iter()
            .filter(|r| r.l == l)
            .collect();
        rows.sort_by_key(|r| r.budget);
        raw.push(pts(
            rows.iter()
                .map(|r| (log10(r.budget.max(1) as f64), log10(r.kl_per_site)))
                .collect(),
            &format!("L = {l}"),
            Style::Line,
        ));
        collapsed.push(pts(
            rows.iter()
                .map(|r| (log10(r.budget_over_kappa.max(1e-6)), log10(r.kl_per_site)))
                .collect(),
            &format!("L = {l}"),
            Style::Line,
        ));
    }
    Figure {
        title: "One layer: generated KL per site against training steps".into(),
        x_label: "log10 N (steps per grid time)".into(),
        y_label: "log10 KL per site".into(),
        series: raw,
    }
    .write_svg_and_png(&dir.join("generation_kl.svg"))?;
    Figure {
        title: "One layer: the same against N/kappa".into(),
        x_label: "log10 N/kappa".into(),
        y_label: "log10 KL per site".into(),
        series: collapsed,
    }
    .write_svg_and_png(&dir.join("generation_kl_collapsed.svg"))?;
    made.push((
        "generation_kl.svg",
        "One-layer generated KL per site against the step budget N, per L.",
    ));
    made.push((
        "generation_kl_collapsed.svg",
        "The same against N/κ: the curves collapse.",
    ));
    // symbol trajectories
    let mut series = Vec::new();
    for (name, p) in &rep.trajectories {
        series.push(pts(
            p.iter().map(|x| (x[0], x[1])).collect(),
            &format!("{name}, trainer"),
            Style::Points,
        ));
        series.push(pts(
            p.iter().map(|x| (x[0], x[2])).collect(),
            &format!("{name}, closed form"),
            Style::Thin,
        ));
    }
    Figure {
        title: "Network symbol v_k(n): trainer on fields vs closed form".into(),
        x_label: "step n".into(),
        y_label: "Re v_k".into(),
        series,
    }
    .write_svg_and_png(&dir.join("symbols.svg"))?;
    made.push(("symbols.svg", "Symbol trajectories of the trainer on sampled fields against the closed form on the data's statistics."));
    // two-point function
    let g = &rep.sampled_generation.two_point;
    Figure {
        title: "Two-point function along an axis".into(),
        x_label: "r".into(),
        y_label: "G(r)".into(),
        series: vec![
            pts(
                g.iter().map(|x| (x[0], x[1])).collect(),
                "generated (samples)",
                Style::Points,
            ),
            pts(
                g.iter().map(|x| (x[0], x[2])).collect(),
                "generated (closed form)",
                Style::Line,
            ),
            pts(
                g.iter().map(|x| (x[0], x[3])).collect(),
                "target",
                Style::Thin,
            ),
        ],
    }
    .write_svg_and_png(&dir.join("two_point.svg"))?;
    made.push(("two_point.svg", "Two-point function of generated samples (one layer, 100 steps per grid time) against the target."));
    Ok(made)
}

fn markdown(rep: &Reproduction, figs: &[(&str, &str)]) -> String {
    let failed = rep.claims.iter().filter(|c| !c.pass).count();
    let mut s = format!(
        "# Reproduction report: critical slowing down in diffusion models\n\n\
         critical-slowing {} — arXiv:2605.12597, large-n O(n) model at β_c, d = {}.\n\n\
         **{} of {} claims pass.** Wall time {:.1} s. Seed {}.\n\n## Claims\n\n{}\n",
        env!("CARGO_PKG_VERSION"),
        rep.config.d,
        rep.claims.len() - failed,
        rep.claims.len(),
        rep.wall_seconds,
        rep.config.seed,
        claims_table(&rep.claims)
    );
    s += "\n### How each value was obtained\n\n";
    for c in &rep.claims {
        s += &format!(
            "- **{}** analytic: {}; numeric: {}; tolerance: {}. Tests: {}.\n",
            c.spec.id,
            c.spec.analytic,
            c.spec.numeric,
            c.spec.justification,
            c.spec.tests.join(", ")
        );
    }
    s += "\n## Figures\n\n";
    for (f, caption) in figs {
        s += &format!("![{caption}](figures/{f})\n\n*{caption}*\n\n");
    }
    s += "## Tables\n\nEach table is also in this directory as CSV and JSON.\n\n### Spectrum\n\n```\n";
    s += &report::format_spectrum(&rep.spectrum);
    s += "```\n\n### Training times (closed forms)\n\n```\n";
    s += &report::format_training(&rep.training);
    s += "```\n\n### Training times on sampled fields\n\n| L | depth | measured | closed form (data statistics) | closed form (population) |\n|---|---|---|---|---|\n";
    for r in &rep.numeric_training {
        s += &format!(
            "| {} | {} | {} | {} | {} |\n",
            r.l, r.depth, r.numeric, r.empirical_closed_form, r.population_closed_form
        );
    }
    s += "\n### Horizon for KL(p_T ‖ N(0, I)) = 1e-2\n\n| L | T | T − ln L |\n|---|---|---|\n";
    for (l, t) in &rep.horizon {
        s += &format!("| {l} | {t:.4} | {:.4} |\n", t - (*l as f64).ln());
    }
    s += &format!(
        "\n## Configuration\n\n```toml\n{}```\n\n## Auditing a claim\n\nEach claim names the derivation results it rests on (`derivations/*.md`, IDs `Rx.y`). \
         `grep -rn ID src tests` finds the code that implements a result (doc comment) and the tests that verify it.\n",
        toml::to_string(&rep.config).unwrap_or_default()
    );
    s
}

/// Checks before a run that `out` can receive a report: it is a directory or absent, and its
/// parent accepts a temporary directory.
pub fn check_output(out: &Path) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(io("it exists and is not a directory", out));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io(e, &parent))?;
    tempfile::Builder::new()
        .prefix(".reproduce-check-")
        .tempdir_in(&parent)
        .map(drop)
        .map_err(|e| io(e, &parent))
}

/// Writes the report into `out`: everything goes to a temporary sibling directory first, which
/// replaces `out` only when complete, so a failed run never leaves a half-written report.
pub fn write(rep: &Reproduction, out: &Path) -> Result<PathBuf> {
    check_output(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io(e, &parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".reproduce-")
        .tempdir_in(&parent)
        .map_err(|e| io(e, &parent))?;
    let dir = tmp.path();
    let claims: Vec<ClaimCsv> = rep
        .claims
        .iter()
        .map(|c| ClaimCsv {
            id: c.spec.id,
            statement: c.spec.statement,
            derivation: c.spec.results.join(" "),
            tests: c.spec.tests.join(" "),
            analytic: c.analytic,
            numeric: c.numeric,
            check: c.check.describe(),
            verdict: if c.pass { "PASS" } else { "FAIL" },
            justification: c.spec.justification,
        })
        .collect();
    write_csv(dir, "claims", &claims)?;
    write_json(dir, "claims", &rep.claims)?;
    write_csv(dir, "spectrum", &rep.spectrum)?;
    write_json(dir, "spectrum", &rep.spectrum)?;
    let training: Vec<TrainingCsv> = rep
        .training
        .rows
        .iter()
        .map(|r| TrainingCsv {
            depth: r.depth,
            l: r.l,
            kappa: r.kappa,
            learning_rate: r.learning_rate,
            steps: r.steps,
            flow_time: r.flow_time,
        })
        .collect();
    write_csv(dir, "training_time", &training)?;
    write_json(dir, "training_time", &rep.training)?;
    write_csv(dir, "numeric_training", &rep.numeric_training)?;
    write_json(dir, "numeric_training", &rep.numeric_training)?;
    write_csv(dir, "local", &rep.local)?;
    write_json(dir, "local", &rep.local)?;
    write_csv(dir, "generation_one_layer", &rep.generation_one_layer)?;
    write_json(dir, "generation_one_layer", &rep.generation_one_layer)?;
    write_csv(dir, "generation_two_layer", &rep.generation_two_layer)?;
    write_json(dir, "generation_two_layer", &rep.generation_two_layer)?;
    #[derive(Serialize)]
    struct H {
        l: usize,
        horizon: f64,
    }
    let h: Vec<H> = rep
        .horizon
        .iter()
        .map(|&(l, horizon)| H { l, horizon })
        .collect();
    write_csv(dir, "horizon", &h)?;
    write_json(dir, "horizon", &h)?;
    write_json(dir, "sampled_generation", &rep.sampled_generation)?;
    let figs = figures(rep, &dir.join("figures"))?;
    let md = dir.join("report.md");
    std::fs::write(&md, markdown(rep, &figs)).map_err(|e| io(e, &md))?;
    // swap into place
    let done = tmp.keep();
    if out.exists() {
        let old = parent.join(format!(".reproduce-old-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(|e| io(e, out))?;
        std::fs::rename(&done, out).map_err(|e| io(e, out))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&done, out).map_err(|e| io(e, out))?;
    }
    Ok(out.join("report.md"))
}
