//! Figure builders over the studies' named records. Logarithmic quantities are drawn on
//! logarithmic axes; markers and the line fitted to them share a colour; data from the trainers
//! on sampled fields (at their own diffusion time t) are open markers beside the filled
//! closed-form markers at t = 0.

use crate::claims::Studies;
use crate::error::Result;
use crate::report::figure::{Figure, Series, Style};

pub(crate) fn series(
    name: impl Into<String>,
    points: Vec<(f64, f64)>,
    style: Style,
    color: usize,
) -> Series {
    Series {
        name: name.into(),
        points,
        style,
        color,
        errors: Vec::new(),
    }
}

/// κ(L) at β_c with an L² reference line.
pub fn kappa(s: &Studies) -> Result<Figure> {
    let k = s
        .spectrum()?
        .iter()
        .map(|r| (r.l as f64, r.kappa))
        .collect();
    let c = s.spectrum()?.last().map_or(1.0, |r| r.kappa_over_l2);
    let reference = s
        .spectrum()?
        .iter()
        .map(|r| (r.l as f64, c * (r.l as f64).powi(2)))
        .collect();
    Ok(Figure {
        title: format!("Condition number κ at β_c, d = {}, t = 0", s.config.d),
        x_label: "L".into(),
        y_label: "κ = C_max/C_min".into(),
        log_x: true,
        log_y: true,
        series: vec![
            series("κ = C_max/C_min", k, Style::Points, 0),
            series("const · L²", reference, Style::Thin, 0),
        ],
    })
}

/// Per-mode timescales against λ_k for one and two layers.
pub fn timescales(s: &Studies) -> Result<Figure> {
    let one = s
        .timescales()?
        .iter()
        .map(|r| (r.lambda, r.one_layer))
        .collect();
    let two = s
        .timescales()?
        .iter()
        .map(|r| (r.lambda, r.two_layer))
        .collect();
    Ok(Figure {
        title: format!(
            "Per-mode gradient-flow timescales τ_k, d = {}, L = 32, t = 0, c = {}",
            s.config.d, s.config.lr_fraction
        ),
        x_label: "λ_k".into(),
        y_label: "τ_k (steps)".into(),
        log_x: false,
        log_y: true,
        series: vec![
            series("one layer: τ_k = 1/(2ηC_k)", one, Style::Points, 0),
            series("two layers: τ_k = 1/(4η)", two, Style::Points, 1),
        ],
    })
}

/// The trainers on fields (open markers) for D = 1, 2, each with its closed form on the
/// population at the trainers' own t drawn through it: the trainers ran at t = numeric_t,
/// where the spectrum is better conditioned than at t = 0, so that agreement reads as
/// agreement.
fn trainer_series(s: &Studies) -> Result<Vec<Series>> {
    let mut out = Vec::new();
    for depth in [1usize, 2] {
        let numeric: Vec<_> = s
            .numeric_training()?
            .iter()
            .filter(|r| r.depth == depth)
            .collect();
        let color = s
            .training()?
            .fits
            .iter()
            .position(|f| f.depth == depth)
            .unwrap_or(depth - 1);
        let t = s.config.numeric_t;
        out.push(series(
            format!("D = {depth} closed form, t = {t} (population)"),
            numeric
                .iter()
                .map(|r| (r.l as f64, r.closed_form_population as f64))
                .collect(),
            Style::Thin,
            color,
        ));
        out.push(series(
            format!("D = {depth} trainer on fields, t = {t}"),
            numeric
                .iter()
                .map(|r| (r.l as f64, r.measured as f64))
                .collect(),
            Style::Open,
            color,
        ));
    }
    Ok(out)
}

/// Training time against L for every depth, with fitted lines in the markers' colour, and the
/// trainers on fields (open markers, their own t).
pub fn training_time(s: &Studies) -> Result<Figure> {
    let mut out = Vec::new();
    for (i, f) in s.training()?.fits.iter().enumerate() {
        let rows: Vec<(f64, f64)> = s
            .training()?
            .rows
            .iter()
            .filter(|r| r.depth == f.depth)
            .map(|r| (r.l as f64, r.steps as f64))
            .collect();
        // the fitted law through the points' mean: a power law, or a + b ln L for D = 2
        let n = rows.len().max(1) as f64;
        let line: Vec<(f64, f64)> = if f.law == "logarithmic" {
            let a = rows
                .iter()
                .map(|&(x, y)| y - f.log_slope * x.ln())
                .sum::<f64>()
                / n;
            rows.iter()
                .map(|&(x, _)| (x, a + f.log_slope * x.ln()))
                .collect()
        } else {
            let a = rows
                .iter()
                .map(|&(x, y)| y.ln() - f.exponent * x.ln())
                .sum::<f64>()
                / n;
            rows.iter()
                .map(|&(x, _)| (x, (f.exponent * x.ln() + a).exp()))
                .collect()
        };
        let fit_name = if f.law == "logarithmic" {
            format!("D = {} fit a + {:.2} ln L", f.depth, f.log_slope)
        } else {
            format!("D = {} fit ∝ L^{:.3}", f.depth, f.exponent)
        };
        out.push(series(
            format!("D = {} closed form, t = 0", f.depth),
            rows,
            Style::Points,
            i,
        ));
        out.push(series(fit_name, line, Style::Thin, i));
    }
    out.extend(trainer_series(s)?);
    Ok(Figure {
        title: format!(
            "Training time to ε = {} at β_c, d = {}, c = {}",
            s.config.epsilon, s.config.d, s.config.lr_fraction
        ),
        x_label: "L".into(),
        y_label: "gradient-descent steps T_D(ε)".into(),
        log_x: true,
        log_y: true,
        series: out,
    })
}

/// One-layer generated KL per site against N (`collapsed = false`) or N/κ (`true`).
pub fn generation(s: &Studies, collapsed: bool) -> Result<Figure> {
    let mut out = Vec::new();
    for (i, &l) in s.config.generation_sides.iter().enumerate() {
        let mut rows: Vec<_> = s
            .generation_one_layer()?
            .iter()
            .filter(|r| r.l == l)
            .collect();
        rows.sort_by_key(|r| r.budget);
        let x = |r: &crate::study::GenerationRow| {
            if collapsed {
                r.budget_over_kappa
            } else {
                r.budget as f64
            }
        };
        let points = rows
            .iter()
            .map(|r| (x(r), r.kl_data_gen_per_site))
            .collect();
        out.push(series(format!("L = {l}"), points, Style::Line, i));
    }
    Ok(Figure {
        title: format!(
            "One layer: KL(data ‖ gen) per site against {}, d = {}, ε = {}, c = {}",
            if collapsed {
                "N/κ (the collapse of R6.6)"
            } else {
                "N steps per grid time"
            },
            s.config.d,
            s.config.epsilon,
            s.config.lr_fraction
        ),
        x_label: if collapsed {
            "N/κ"
        } else {
            "N (training steps per grid time)"
        }
        .into(),
        y_label: "KL(data ‖ gen)/V".into(),
        log_x: true,
        log_y: true,
        series: out,
    })
}

/// Symbol trajectories of the trainer on sampled fields against the closed form on the data's
/// statistics, for the networks of one depth (one figure per depth, so that D = 1 and D = 2 do
/// not hide each other).
pub fn symbols(s: &Studies, depth: usize) -> Result<Figure> {
    let mut out = Vec::new();
    let comparison = s.trainer_comparison()?;
    for (i, tr) in comparison
        .trajectories
        .iter()
        .filter(|tr| tr.depth == depth)
        .enumerate()
    {
        let mode = if tr.mode == "slowest" {
            "slowest k".to_string()
        } else {
            tr.mode.clone()
        };
        let trainer = tr
            .points
            .iter()
            .map(|p| (p.step as f64, p.trainer))
            .collect();
        let closed = tr
            .points
            .iter()
            .map(|p| (p.step as f64, p.closed_form))
            .collect();
        out.push(series(format!("{mode}: trainer"), trainer, Style::Open, i));
        out.push(series(
            format!("{mode}: closed form"),
            closed,
            Style::Thin,
            i,
        ));
    }
    Ok(Figure {
        title: format!(
            "Network symbol v_k(n), {}: trainer vs closed form on the data, d = {}, L = {}, t = {}, c = {}",
            if depth == 1 { "one layer" } else { "two layers" },
            s.config.d, comparison.l, comparison.t, s.config.lr_fraction
        ),
        x_label: "step n".into(),
        y_label: "Re v_k".into(),
        log_x: false,
        log_y: false,
        series: out,
    })
}

/// The sampled generation rows of C17–C19: KL(gen ‖ data) per site of M generated fields against
/// the closed form of the same direction, per claim's step budget, with the rows' acceptance
/// windows as bars.
pub fn generation_sampled(s: &Studies) -> Result<Figure> {
    let rows = &s.sampled_generation_scaling()?.rows;
    let mut out = Vec::new();
    for (i, (claim, budget)) in [
        ("C17", "D = 1, N = 200"),
        ("C18", "D = 1, N = 0.1κ"),
        ("C19", "D = 2, N ∝ ln L"),
    ]
    .into_iter()
    .enumerate()
    {
        let of: Vec<_> = rows.iter().filter(|r| r.claim == claim).collect();
        let pts = |f: fn(&crate::study::sampled_generation::SampledScalingRow) -> f64| {
            of.iter().map(|r| (r.l as f64, f(r))).collect::<Vec<_>>()
        };
        out.push(series(
            format!("{claim} ({budget}): closed form"),
            pts(|r| r.predicted_kl_per_site),
            Style::Line,
            i,
        ));
        out.push(Series {
            errors: of
                .iter()
                .map(|r| (r.window_lo_per_site, r.window_hi_per_site))
                .collect(),
            ..series(
                format!("{claim}: sampled, acceptance window"),
                pts(|r| r.measured_kl_per_site),
                Style::Open,
                i,
            )
        });
    }
    Ok(Figure {
        title: "Sampled generation: KL(gen ‖ data) per site of M generated fields against its closed form".into(),
        x_label: "L".into(),
        y_label: "KL(gen ‖ data) per site".into(),
        log_x: false,
        log_y: true,
        series: out,
    })
}

/// Two-point function of the generated samples against the data.
pub fn two_point(s: &Studies) -> Result<Figure> {
    let g = &s.sampled_generation()?.two_point;
    let pts = |f: fn(&crate::study::generate::TwoPointRow) -> f64| {
        g.iter().map(|x| (x.r as f64, f(x))).collect()
    };
    Ok(Figure {
        title: format!(
            "Two-point function G(r) along an axis, d = {}, L = {}, t = 0, M = {}",
            s.config.d, s.config.sampling_l, s.config.sampling_samples
        ),
        x_label: "r".into(),
        y_label: "G(r)".into(),
        log_x: false,
        log_y: false,
        series: vec![
            Series {
                errors: g
                    .iter()
                    .map(|x| (x.generated_samples_band.lo, x.generated_samples_band.hi))
                    .collect(),
                ..series(
                    "generated: samples (bars: level-10⁻⁶ χ² acceptance band, not a standard error)",
                    pts(|x| x.generated_samples),
                    Style::Points,
                    0,
                )
            },
            series(
                "generated: closed form",
                pts(|x| x.generated_predicted),
                Style::Line,
                0,
            ),
            series("data (t = 0)", pts(|x| x.data), Style::Thin, 2),
        ],
    })
}

/// Points of a power law through the points' log-mean with exponent `p`.
fn power_line(points: &[(f64, f64)], p: f64) -> Vec<(f64, f64)> {
    let n = points.len().max(1) as f64;
    let a = points
        .iter()
        .map(|&(x, y)| y.ln() - p * x.ln())
        .sum::<f64>()
        / n;
    points
        .iter()
        .map(|&(x, _)| (x, (p * x.ln() + a).exp()))
        .collect()
}

/// One-layer training time T₁ against L on log axes: the closed form on the measured spectra
/// of 2D Ising data at K_c (slope ≈ 7/4, R8.2) beside n = ∞ at β_c (slope 2, R3.3).
pub fn finite_n_training(s: &Studies) -> Result<Figure> {
    let m = &s.monte_carlo()?;
    let ising: Vec<(f64, f64)> = m.ising.iter().map(|r| (r.l as f64, r.t1 as f64)).collect();
    let large: Vec<(f64, f64)> = s
        .training()?
        .rows
        .iter()
        .filter(|r| r.depth == 1)
        .map(|r| (r.l as f64, r.steps as f64))
        .collect();
    let p_large = s
        .training()?
        .fits
        .iter()
        .find(|f| f.depth == 1)
        .map_or(2.0, |f| f.exponent);
    let f = m.one_layer_exponent;
    Ok(Figure {
        title: format!(
            "One-layer training time to ε = {}: 2D Ising data at K_c vs n = ∞",
            s.config.epsilon
        ),
        x_label: "L".into(),
        y_label: "T₁(ε) (closed form on the spectrum)".into(),
        log_x: true,
        log_y: true,
        series: vec![
            Series {
                errors: m
                    .ising
                    .iter()
                    .map(|r| (r.t1 as f64 - r.t1_error, r.t1 as f64 + r.t1_error))
                    .collect(),
                ..series(
                    "2D Ising, class-averaged Ĉ_k (± jackknife SE)",
                    ising.clone(),
                    Style::Points,
                    0,
                )
            },
            series(
                format!("fit ∝ L^{:.3} ± {:.3} (7/4 predicted)", f.exponent, f.error),
                power_line(&ising, f.exponent),
                Style::Thin,
                0,
            ),
            series(
                format!("n = ∞, d = {}", s.config.d),
                large.clone(),
                Style::Points,
                1,
            ),
            series(
                format!("fit ∝ L^{p_large:.3} (2 predicted)"),
                power_line(&large, p_large),
                Style::Thin,
                1,
            ),
        ],
    })
}

/// A histogram given by its bin centres and heights as a step outline: each bin a flat top
/// across its width (the spacing of the centres), joined by vertical edges, down to 0 at
/// both ends.
pub(crate) fn steps(bins: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let Some(width) = bins.get(1).map(|b| b.0 - bins[0].0) else {
        return bins.to_vec();
    };
    let mut out = Vec::with_capacity(2 * bins.len() + 2);
    out.push((bins[0].0 - width / 2.0, 0.0));
    for &(centre, height) in bins {
        out.push((centre - width / 2.0, height));
        out.push((centre + width / 2.0, height));
    }
    out.push((bins[bins.len() - 1].0 + width / 2.0, 0.0));
    out
}

/// Magnetisation histogram of held-out 2D Ising configurations at K_c (double-peaked) against
/// the fields generated with the optimal linear score (a single Gaussian, R8.3).
pub fn ising_histogram(s: &Studies) -> Result<Figure> {
    let g = &s.monte_carlo()?.gaussian_limit;
    let pick = |i: usize| steps(&g.histogram.iter().map(|h| (h[0], h[i])).collect::<Vec<_>>());
    Ok(Figure {
        title: format!(
            "Magnetisation of 2D Ising data at K_c, L = {}, and of linear generation",
            g.l
        ),
        x_label: "m".into(),
        y_label: "density".into(),
        log_x: false,
        log_y: false,
        series: vec![
            series(
                format!("Monte Carlo data (U = {:.3})", g.binder_data.mean),
                pick(1),
                Style::Line,
                0,
            ),
            series(
                format!(
                    "generated by the linear score (U = {:.3})",
                    g.binder_generated.mean
                ),
                pick(2),
                Style::Line,
                1,
            ),
        ],
    })
}

/// Training time against L for every optimizer at one depth (derivations/09), log–log, one
/// figure per depth so that the depths do not hide each other. The legend gives what the rest
/// of the report gives: the fitted exponent for D = 1, the increment per doubling of L for
/// D = 2 (logarithmic growth).
pub fn optimizers(s: &Studies, depth: usize) -> Result<Figure> {
    let study = &s.optimizers()?;
    let series_list = study
        .fits
        .iter()
        .filter(|f| f.depth == depth)
        .enumerate()
        .map(|(i, f)| {
            let rows: Vec<(f64, f64)> = study
                .rows
                .iter()
                .filter(|r| r.optimizer == f.optimizer && r.depth == f.depth)
                .map(|r| (r.l as f64, r.steps as f64))
                .collect();
            let name = if depth == 1 {
                format!("{}: exponent {:.2}", f.optimizer, f.exponent)
            } else {
                format!(
                    "{}: +{:.1} steps per doubling",
                    f.optimizer, f.increment_per_doubling
                )
            };
            series(name, rows, Style::Line, i)
        })
        .collect();
    Ok(Figure {
        title: format!(
            "{} training time to ε = {} by optimizer at β_c, d = {}, t = 0",
            if depth == 1 { "One-layer" } else { "Two-layer" },
            s.config.epsilon,
            s.config.d
        ),
        x_label: "L".into(),
        y_label: format!("steps T{}(ε)", if depth == 1 { "₁" } else { "₂" }),
        log_x: true,
        log_y: depth == 1,
        series: series_list,
    })
}

/// Every figure of the report: (file name, caption, figure).
pub fn all(s: &Studies) -> Result<Vec<(&'static str, &'static str, Figure)>> {
    Ok(vec![
        ("kappa.svg", "Spectral condition number κ against L at β_c (log–log), with an L² line.", kappa(s)?),
        ("timescales.svg", "Per-mode timescales τ_k against λ_k for one and two layers.", timescales(s)?),
        ("training_time.svg", "Training time against L for every depth (log–log) with fitted power laws in the same colour; trainers on sampled fields at their own diffusion time t as open markers.", training_time(s)?),
        ("generation_kl.svg", "One-layer generated KL per site against the step budget N, per L.", generation(s, false)?),
        ("generation_kl_collapsed.svg", "The same against N/κ: the curves collapse.", generation(s, true)?),
        ("generation_sampled.svg", "The sampled side of C17–C19: KL(gen ‖ data) per site of M fields generated with each claim's step budget (open markers, with the level-10⁻⁶ acceptance window of each row as a bar) against the closed form of the same direction (lines). The closed-form curves above are KL(data ‖ gen) at larger L.", generation_sampled(s)?),
        ("symbols_one_layer.svg", "One-layer symbol trajectories of the trainer on sampled fields (open markers) against the closed form on the data's statistics (lines), for k = 0 and the slowest mode (smallest Ĉ_k).", symbols(s, 1)?),
        ("symbols_two_layers.svg", "The same for two layers (the product of the layers' symbols).", symbols(s, 2)?),
        ("finite_n_training.svg", "One-layer training time against L (log–log): closed form on the measured spectra of 2D Ising Monte Carlo data at K_c (slope 7/4) beside n = ∞ at β_c (slope 2).", finite_n_training(s)?),
        ("ising_histogram.svg", "Magnetisation histogram of 2D Ising data at K_c (double-peaked) against the fields generated by the optimal linear score (one Gaussian with the data's ⟨m²⟩).", ising_histogram(s)?),
        ("optimizers_one_layer.svg", "One-layer training time against L for GD, heavy ball and Nesterov (β = 0.9 and tuned) and per-mode Adam, log–log, with each fitted exponent. GD, momentum:0.9 and nesterov:0.9 lie on one line: with η scaled by 1 − β their slowest mode contracts at GD's rate (R9.3).", optimizers(s, 1)?),
        ("optimizers_two_layers.svg", "Two-layer training time against L (log L axis) for the same optimizers, with each increment per doubling of L: logarithmic growth is a straight line here, as for GD (R9.8); the tuned heavy ball and Nesterov coincide (their tuning at D = 2 is β = 0, η = 1/4); per-mode Adam bends upwards (R9.7).", optimizers(s, 2)?),
        ("network_ising_histogram.svg", "Magnetisation histogram of the 2D Ising data at K_c against the fields generated by the nonlinear network trained on them (C62), each with a ±1 standard-error band (binomial per bin). A linear score would give one Gaussian (ising_histogram.svg).", crate::report::ising_network_plots::histogram(s)?),
        ("network_ising_two_point.svg", "Two-point function along an axis of the Ising data and of the network's generated fields, with standard errors over fields.", crate::report::ising_network_plots::two_point(s)?),
        ("network_ising_structure.svg", "Structure factor of the network's generated fields over the data's on the axis modes k = 2πn/L, with standard errors (1: the data's; n = 0 is the magnetisation, S(0) = V⟨m²⟩).", crate::report::ising_network_plots::structure(s)?),
        ("network_ising_binder.svg", "Binder cumulant of the network's generated fields against training steps (jackknife errors), beside the data's value ± 2 SE, a Gaussian's 0 and, at the last step (open marker), the same sampler run with the exact score of the training set (C63). Early checkpoints whose U or error exceeds 1 in size (heavy-tailed fields) are in network_ising.csv, not drawn.", crate::report::ising_network_plots::binder(s)?),
        ("network_ising_handover.svg", "Binder cumulant of fields generated with the trained network's score at diffusion times t ≤ t_h and the training set's exact score (R11.8) above, against t_h, beside the data's value ± 2 SE: where the curve leaves the data band, the network's score errs at times above t_h ([network_ising] handover; empty when no handover time is set).", crate::report::ising_network_plots::handover(s)?),
        ("two_point.svg", "Two-point function of generated samples (one layer, 100 steps per grid time) against the data. The bar on each sampled G(r) is where it must lie if the closed form is right: the per-mode χ² intervals (joint level 10⁻⁶) propagated through G(r).", two_point(s)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::steps;

    /// The outline encloses each bin's area (height × width) and starts and ends at zero.
    #[test]
    fn step_outline_encloses_the_bins() {
        let bins = [(0.0, 1.0), (0.5, 3.0), (1.0, 2.0)];
        let outline = steps(&bins);
        assert_eq!(outline.first(), Some(&(-0.25, 0.0)));
        assert_eq!(outline.last(), Some(&(1.25, 0.0)));
        let area: f64 = outline
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * 0.5 * (w[0].1 + w[1].1))
            .sum();
        assert!((area - 0.5 * 6.0).abs() < 1e-12, "{area}");
    }
}
