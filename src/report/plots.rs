//! Figure builders over the studies' named records. Logarithmic quantities are drawn as log10
//! of the value on a linear axis, and the axis label says so.

use crate::claims::Studies;
use crate::report::figure::{Figure, Series, Style};

fn series(name: impl Into<String>, points: Vec<(f64, f64)>, style: Style) -> Series {
    Series {
        name: name.into(),
        points,
        style,
    }
}

fn lg(x: f64) -> f64 {
    x.log10()
}

/// κ(L) at β_c with an L² reference line.
pub fn kappa(s: &Studies) -> Figure {
    let k = s
        .spectrum
        .iter()
        .map(|r| (lg(r.l as f64), lg(r.kappa)))
        .collect();
    let c = s.spectrum.last().map_or(1.0, |r| r.kappa_over_l2);
    let reference = s
        .spectrum
        .iter()
        .map(|r| (lg(r.l as f64), lg(c * (r.l as f64).powi(2))))
        .collect();
    Figure {
        title: format!("Condition number at β_c, d = {}", s.config.d),
        x_label: "log10 L".into(),
        y_label: "log10 κ".into(),
        series: vec![
            series("κ = C_max/C_min", k, Style::Points),
            series("const · L²", reference, Style::Thin),
        ],
    }
}

/// Per-mode timescales against λ_k for one and two layers.
pub fn timescales(s: &Studies) -> Figure {
    let one = s
        .timescales
        .iter()
        .map(|r| (r.lambda, lg(r.one_layer)))
        .collect();
    let two = s
        .timescales
        .iter()
        .map(|r| (r.lambda, lg(r.two_layer)))
        .collect();
    Figure {
        title: format!(
            "Per-mode gradient-flow timescales, L = 32, t = 0, c = {}",
            s.config.lr_fraction
        ),
        x_label: "λ_k".into(),
        y_label: "log10 τ_k (steps)".into(),
        series: vec![
            series("one layer: 1/(2ηC_k)", one, Style::Points),
            series("two layers: 1/(4η)", two, Style::Points),
        ],
    }
}

/// Training time against L for every depth, with fitted lines, and the trainers on fields.
pub fn training_time(s: &Studies) -> Figure {
    let mut out = Vec::new();
    for f in &s.training.fits {
        let rows: Vec<(f64, f64)> = s
            .training
            .rows
            .iter()
            .filter(|r| r.depth == f.depth)
            .map(|r| (lg(r.l as f64), lg(r.steps as f64)))
            .collect();
        let offset =
            rows.iter().map(|&(x, y)| y - f.exponent * x).sum::<f64>() / rows.len().max(1) as f64;
        let line = rows
            .iter()
            .map(|&(x, _)| (x, f.exponent * x + offset))
            .collect();
        out.push(series(
            format!("D = {} closed form, t = 0", f.depth),
            rows,
            Style::Points,
        ));
        out.push(series(
            format!("fit L^{:.3}", f.exponent),
            line,
            Style::Thin,
        ));
    }
    for depth in [1usize, 2] {
        let rows = s
            .numeric_training
            .iter()
            .filter(|r| r.depth == depth)
            .map(|r| (lg(r.l as f64), lg(r.measured as f64)))
            .collect();
        out.push(series(
            format!("D = {depth} trainer on fields, t = {}", s.config.numeric_t),
            rows,
            Style::Line,
        ));
    }
    Figure {
        title: format!(
            "Training time to ε = {} at β_c, d = {}, c = {}",
            s.config.epsilon, s.config.d, s.config.lr_fraction
        ),
        x_label: "log10 L".into(),
        y_label: "log10 steps".into(),
        series: out,
    }
}

/// One-layer generated KL per site against N (`collapsed = false`) or N/κ (`true`).
pub fn generation(s: &Studies, collapsed: bool) -> Figure {
    let mut out = Vec::new();
    for &l in &s.config.generation_sides {
        let mut rows: Vec<_> = s.generation_one_layer.iter().filter(|r| r.l == l).collect();
        rows.sort_by_key(|r| r.budget);
        let x = |r: &crate::study::GenerationRow| {
            if collapsed {
                lg(r.budget_over_kappa.max(1e-6))
            } else {
                lg(r.budget.max(1) as f64)
            }
        };
        let points = rows
            .iter()
            .map(|r| (x(r), lg(r.kl_data_gen_per_site)))
            .collect();
        out.push(series(format!("L = {l}"), points, Style::Line));
    }
    Figure {
        title: if collapsed {
            "One layer: KL(data ‖ gen) per site against N/κ".into()
        } else {
            "One layer: KL(data ‖ gen) per site against training steps".into()
        },
        x_label: if collapsed {
            "log10 N/κ"
        } else {
            "log10 N (steps per grid time)"
        }
        .into(),
        y_label: "log10 KL per site".into(),
        series: out,
    }
}

/// Symbol trajectories of the trainer against the closed form on the data's statistics.
pub fn symbols(s: &Studies) -> Figure {
    let mut out = Vec::new();
    for tr in &s.trainer_comparison.trajectories {
        let name = format!("D = {}, {}", tr.depth, tr.mode);
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
        out.push(series(format!("{name}, trainer"), trainer, Style::Points));
        out.push(series(format!("{name}, closed form"), closed, Style::Thin));
    }
    Figure {
        title: format!(
            "Network symbol v_k(n): trainer on fields vs closed form, L = {}, t = {}",
            s.trainer_comparison.l, s.trainer_comparison.t
        ),
        x_label: "step n".into(),
        y_label: "Re v_k".into(),
        series: out,
    }
}

/// Two-point function of the generated samples against the data.
pub fn two_point(s: &Studies) -> Figure {
    let g = &s.sampled_generation.two_point;
    let pts = |f: fn(&crate::study::generate::TwoPointRow) -> f64| {
        g.iter().map(|x| (x.r as f64, f(x))).collect()
    };
    Figure {
        title: format!(
            "Two-point function along an axis, L = {}",
            s.config.sampling_l
        ),
        x_label: "r".into(),
        y_label: "G(r)".into(),
        series: vec![
            series(
                "generated (samples)",
                pts(|x| x.generated_samples),
                Style::Points,
            ),
            series(
                "generated (closed form)",
                pts(|x| x.generated_predicted),
                Style::Line,
            ),
            series("data", pts(|x| x.data), Style::Thin),
        ],
    }
}

/// Every figure of the report: (file name, caption, figure).
pub fn all(s: &Studies) -> Vec<(&'static str, &'static str, Figure)> {
    vec![
        ("kappa.svg", "Spectral condition number κ against L at β_c (log–log), with an L² line.", kappa(s)),
        ("timescales.svg", "Per-mode timescales τ_k against λ_k for one and two layers.", timescales(s)),
        ("training_time.svg", "Training time against L for every depth (log–log) with fitted lines; trainers on sampled fields at their own diffusion time as lines.", training_time(s)),
        ("generation_kl.svg", "One-layer generated KL per site against the step budget N, per L.", generation(s, false)),
        ("generation_kl_collapsed.svg", "The same against N/κ: the curves collapse.", generation(s, true)),
        ("symbols.svg", "Symbol trajectories of the trainer on sampled fields against the closed form on the data's statistics.", symbols(s)),
        ("two_point.svg", "Two-point function of generated samples (one layer, 100 steps per grid time) against the data.", two_point(s)),
    ]
}
