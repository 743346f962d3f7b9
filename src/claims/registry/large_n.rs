//! The paper's claims at n = ∞ on the spectrum, training times, trainers on fields and local
//! scores (C1–C14); generation (C15–C22) is in [`super::generation`].

use super::{exponent, judged, judged_apart, sides, statistical_window, Claim};
use crate::claims::{Check, Evaluation, Studies, StudyId as S};
use crate::error::Result;
use crate::study::training::predicted_exponent;
use crate::theory::local::{zero_mode_growth_allowance, ZeroMode};

/// The claims of the paper at n = ∞ on spectrum, training and locality (C1–C14), in report order.
pub const CLAIMS: &[Claim] = &[
    Claim {
        spec: spec!("C1", "κ grows like L² at β_c", ["R1.1", "R1.5"], ["tests/gap_equation.rs", "tests/dense_crosscheck.rs"],
            "exponent of κ(L), Fourier spectrum over spectrum_sides", "exponent of κ(L) from the eigenvalues of the dense precision matrix, numeric_sides",
            "κ/L² drifts by < 2 % over the ranges (finite-size 1/L corrections), moving the exponent by < 0.05",
            (Exponent, ClosedForm), (Exponent, CrossCheck)),
        studies: &[S::Spectrum, S::DenseKappa],
        evaluate: c1,
    },
    Claim {
        spec: spec!("C2", "μ_L L² tends to a constant at β_c", ["R1.2", "R1.3", "R1.5"], ["tests/gap_equation.rs"],
            "relative change of μL² over the last doubling of spectrum_sides", "none: a property of the gap equation's root, which has no sampled counterpart",
            "a 1/L correction halves the relative change per doubling; the measured ratios of successive changes, 0.83, 0.60, 0.54, 0.52 over L = 8…256, approach 1/2 from above (next-order terms), so the last change must be at most 3/4 of the one before: geometric convergence, with at most 3× the last change left to L = ∞",
            (RelativeChange, ClosedForm), (none)),
        studies: &[S::Spectrum],
        evaluate: c2,
    },
    Claim {
        spec: spec!("C3", "β_c(3) is half of Watson's simple-cubic integral", ["R1.4"], ["tests/gap_equation.rs"],
            "double-exponential quadrature of the Bessel integral", "Glasser–Zucker Γ-function closed form",
            "both are accurate to ~1e-14; 12 digits asked",
            (Value, ClosedForm), (Value, CrossCheck)),
        studies: &[],
        evaluate: c3,
    },
    Claim {
        spec: spec!("C4", "one-layer training time grows like L²", ["R3.2", "R3.3", "R4.6"], ["tests/training_time_scaling.rs", "tests/trainer.rs"],
            "exponent of T₁(L), closed form at t = 0 over training_sides", "exponent of measured T₁(L), full-batch GD on sampled fields at numeric_t over numeric_sides",
            "at small L, κ(t)/L² still drifts (the numeric fit uses L = 4…8): 0.2",
            (Exponent, ClosedForm), (Exponent, Measurement)),
        studies: &[S::Training, S::NumericTraining],
        evaluate: c4,
    },
    Claim {
        spec: spec!("C5", "two-layer training time grows like log L", ["R4.3", "R4.4", "R4.7"], ["tests/training_time_scaling.rs", "tests/trainer.rs"],
            "increment of T₂ per doubling of L between the end training_sides (closed form); it tends to ln 2/ln(1 + 2η) = 3.106 at c = 1/2", "increment of measured T₂ per doubling between the end numeric_sides (full-batch GD on sampled fields at numeric_t)",
            "each against the finite-L expectation ln(κ₂/κ₁)/(2n ln(1 + 2η)) from the sides' κ (κ(t) for the trainers) with R4.7's window: the rounding of two step counts, 1/n, plus the catch-up bound 2.49/(n κ₁) at η = 1/8 (n doublings): ± 0.20 on 8…256, ± 1.27 on 4…8 (one doubling; κ(t = 0.5) ≈ 9 at L = 4)",
            (StepsPerDoubling, ClosedForm), (StepsPerDoubling, Measurement)),
        studies: &[S::Training, S::NumericTraining],
        evaluate: c5,
    },
    Claim {
        spec: spec!("C6", "depth-3 training time grows like κ^(1/3) ~ L^(2/3)", ["R4.5"], ["tests/training_time_scaling.rs"],
            "exponent of T₃(L), closed form", "largest |measured T₃ − closed form on the data's statistics| over numeric_sides, full-batch GD on sampled fields (steps)",
            "analytic: finite-size drift of κ/L² and sub-leading ln(1/ε) terms, 0.05; numeric: the trainer follows the empirical map to rounding, so the step counts agree up to a rounding tie: ≤ 1 step",
            (Exponent, ClosedForm), (Steps, CrossCheck)),
        studies: &[S::Training, S::NumericTraining],
        evaluate: c6,
    },
    Claim {
        spec: spec!("C7", "depth-4 training time grows like κ^(1/2) ~ L", ["R4.5"], ["tests/training_time_scaling.rs"],
            "exponent of T₄(L), closed form", "largest |measured T₄ − closed form on the data's statistics| over numeric_sides (steps)", "as C6",
            (Exponent, ClosedForm), (Steps, CrossCheck)),
        studies: &[S::Training, S::NumericTraining],
        evaluate: c7,
    },
    Claim {
        spec: spec!("C8", "trainers on sampled fields follow the per-mode closed form on the data's statistics", ["R3.1", "R3.2", "R4.1", "R4.2"], ["tests/trainer.rs"],
            "none: the closed form is the reference", "largest relative deviation of the trainer's symbols from the empirical closed form over 40 steps, D = 1 and 2",
            "rounding error of FFTs and sums: 1e-9",
            (none), (RelativeError, CrossCheck)),
        studies: &[S::TrainerComparison],
        evaluate: c8,
    },
    Claim {
        spec: spec!("C9", "one-layer per-mode timescale 1/(2ηC_k(t)) on the slowest mode", ["R3.4", "R1.6"], ["tests/trainer.rs"],
            "none: the population rate is the reference", "measured contraction per step of the slowest mode over 1 − 2ηC_min(t) (population)",
            "the empirical C_min differs from the population one within its χ² interval (level 1e-6); the tolerance is that interval's relative half-width times 2ηC_min/(1 − 2ηC_min)",
            (none), (Ratio, Measurement)),
        studies: &[S::TrainerComparison],
        evaluate: c9,
    },
    Claim {
        spec: spec!("C10", "local one-layer Hessian conditioning is bounded in L", ["R5.2", "R5.3"], ["tests/local.rs"],
            "cond H(L_max)/cond H(L_max/2) over local_sides", "the same ratio for Ĥ = 2ĉ_t|S₁, ĉ_t the real-space covariance of 64 sampled fields by direct sums",
            "converges with O(1/L²) corrections; the sampled Ĥ fluctuates by < 2 % at L ≥ 16 (≥ 2·10⁶ site-samples): within 10 %",
            (Ratio, ClosedForm), (Ratio, Measurement)),
        studies: &[S::Local, S::EmpiricalLocal],
        evaluate: c10,
    },
    Claim {
        spec: spec!("C11", "local one-layer training time to its own optimum grows at most logarithmically", ["R5.2", "R5.3"], ["tests/local.rs"],
            "largest (increment of the steps per doubling of L)/(its bound ln 4/(−ln(1 − c/cond H)) + 1)", "the same ratio for the steps measured by radius-1 trainers on 64 sampled fields per local side (t = 1e-4, full-batch GD to ε against the data set's own radius-1 optimum), divided by the same bound",
            "the relative criterion on the smallest optimal symbol tightens by ≤ 4 per doubling: ≤ 1",
            (Ratio, ClosedForm), (Ratio, Measurement)),
        studies: &[S::Local, S::LocalTraining],
        evaluate: c11,
    },
    Claim {
        spec: spec!("C12", "a radius-1 layer has 3^d parameters, whatever L", ["R5.6"], ["tests/local.rs"],
            "parameter count (2R + 1)^d of the radius-1 optimum at the largest local side", "parameter count of the trainer's radius-1 network there",
            "exact counts",
            (ParameterCount, ClosedForm), (ParameterCount, ByConstruction)),
        studies: &[S::Local, S::LocalNetworkParameters],
        evaluate: c12,
    },
    Claim {
        spec: spec!("C13", "the radius-1 score is exact at t = 0", ["R5.1", "R5.4", "R2.3"], ["tests/local.rs", "tests/dense_crosscheck.rs"],
            "approximation floor of the radius-1 optimum at t = 0", "largest |θ̂*(r) − K(r)|/ŝe(r) over the 3^d offsets and the two largest local sides: θ̂* = Ĥ⁻¹·2e₀ the radius-1 optimum of the implicit score-matching loss (finite at t = 0, unlike DSM) on 64 sampled fields, K the data's precision kernel, ŝe the leave-one-field-out jackknife",
            "analytic: rounding, 1e-10; numeric: the Student-t quantile with M − 1 degrees of freedom at two-sided level 1e-6 split over 3^d offsets × 2 sides; power against a score 2 % off everywhere ≥ 0.99 at L = 32 (ŝe(0)/K(0) ≈ 1.0e-3), about 0.4 at L = 16",
            (ExcessLossPerSite, ClosedForm), (StandardErrors, Measurement)),
        studies: &[S::Local, S::EmpiricalLocal],
        evaluate: c13,
    },
    Claim {
        spec: spec!("C14", "local optima get the zero mode wrong by a factor growing like L² for t > 0", ["R5.5"], ["tests/local.rs"],
            "ratio of the zero-mode relative errors at the two largest local sides (t = 0.2)", "the same ratio for the empirical optimum Ĥ⁻¹·2e₀ of 64 sampled fields against the exact 1/C_0(t)",
            "analytic: 4 ± the finite-size bound of R5.5 (b) from the drifts of a*_0 and μL² and the non-growing part a*_0σ_t² − 1 (default 32 → 64: 4.02 against 4 ± 0.15; quick 16 → 32: 4.12 against 4 ± 0.59); numeric: the closed-form ratio ± 5 jackknife errors (leave one field out, both sides) + the ratio's estimator bias (σ/e)² (R7.10 c); default 3.88 against 4.02 ± 0.64, quick 3.96 against 4.12 ± 1.56 (64 fields resolve the ratio to 3 % at L = 32 → 64, 8 % at 16 → 32); a zero mode growing like L (ratio 2) fails both",
            (Ratio, ClosedForm), (Ratio, Measurement)),
        studies: &[S::Local, S::EmpiricalLocal],
        evaluate: c14,
    },
];

fn c1(s: &Studies) -> Result<Evaluation> {
    let ls = sides(&s.config.spectrum_sides);
    let kappas: Vec<f64> = s.spectrum()?.iter().map(|r| r.kappa).collect();
    let (nls, dense): (Vec<f64>, Vec<f64>) = s
        .dense_kappa()?
        .iter()
        .map(|r| (r.l as f64, r.kappa))
        .unzip();
    judged(
        Some(exponent(&ls, &kappas)?),
        Some(exponent(&nls, &dense)?),
        Check::Within {
            expected: 2.0,
            tolerance: 0.05,
        },
    )
}

fn c2(s: &Studies) -> Result<Evaluation> {
    let rows = s.spectrum()?;
    let change = |i: usize| (rows[i + 1].mu_l2 - rows[i].mu_l2).abs() / rows[i + 1].mu_l2;
    let n = rows.len();
    if n < 3 {
        return Ok(Evaluation::Skipped(
            "needs ≥ 3 spectrum_sides (two successive doublings)".into(),
        ));
    }
    judged(
        Some(change(n - 2)),
        None,
        Check::AtMost {
            limit: SHRINK_PER_DOUBLING * change(n - 3),
        },
    )
}

/// C2: the largest ratio of successive relative changes of μL² allowed: 1/2 for a pure 1/L
/// correction, approached from above (measured 0.83, 0.60, 0.54, 0.52 over L = 8…256, d = 3).
const SHRINK_PER_DOUBLING: f64 = 0.75;

fn c3(s: &Studies) -> Result<Evaluation> {
    if s.config.d != 3 {
        return Ok(Evaluation::Skipped(
            "β_c has a Γ-function closed form only in d = 3".into(),
        ));
    }
    use crate::data::critical_coupling::{critical_coupling, critical_coupling_d3_closed_form};
    judged(
        Some(critical_coupling(3)?),
        Some(critical_coupling_d3_closed_form()),
        Check::Within {
            expected: 0.252731009858663,
            tolerance: 1e-12,
        },
    )
}

fn closed_form_exponent(s: &Studies, depth: usize) -> Result<Option<f64>> {
    Ok(s.training()?
        .fits
        .iter()
        .find(|f| f.depth == depth)
        .map(|f| f.exponent))
}

fn c4(s: &Studies) -> Result<Evaluation> {
    let t1: Vec<f64> = s
        .numeric_training()?
        .iter()
        .filter(|r| r.depth == 1)
        .map(|r| r.measured as f64)
        .collect();
    judged(
        closed_form_exponent(s, 1)?,
        Some(exponent(&sides(&s.config.numeric_sides), &t1)?),
        Check::Within {
            expected: 2.0,
            tolerance: 0.2,
        },
    )
}

/// R4.7 on (L, κ, T₂) points: the increment of T₂ per doubling between the end sides, and the
/// check it must pass (the finite-L expectation from κ with its window).
pub(crate) fn two_layer_increment(points: &[(usize, f64, f64)], eta: f64) -> (Option<f64>, Check) {
    let (Some(a), Some(b)) = (points.first(), points.last()) else {
        return (None, Check::AtMost { limit: f64::NAN });
    };
    let doublings = (b.0 as f64 / a.0 as f64).log2();
    let (expected, tolerance) =
        crate::theory::two_layer::increment_per_doubling(a.1, b.1, doublings, eta);
    (
        Some((b.2 - a.2) / doublings),
        Check::Within {
            expected,
            tolerance,
        },
    )
}

fn c5(s: &Studies) -> Result<Evaluation> {
    let eta2 = crate::model::Protocol::two_layer_learning_rate(s.config.lr_fraction);
    let closed: Vec<(usize, f64, f64)> = s
        .training()?
        .rows
        .iter()
        .filter(|r| r.depth == 2)
        .map(|r| (r.l, r.kappa, r.steps as f64))
        .collect();
    let t = s.config.numeric_t;
    let measured = s
        .numeric_training()?
        .iter()
        .filter(|r| r.depth == 2)
        .map(|r| {
            Ok((
                r.l,
                population_kappa(s.config.d, r.l, t)?,
                r.measured as f64,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    judged_apart(
        two_layer_increment(&closed, eta2),
        two_layer_increment(&measured, eta2),
    )
}

/// κ(t) of the large-n model at β_c(d) on the side-L torus (R1.2, R2.1): the condition number
/// the trainers on sampled fields at time t see in the population.
pub(crate) fn population_kappa(d: usize, l: usize, t: f64) -> Result<f64> {
    let lattice = crate::lattice::Lattice::new(d, l)?;
    let beta = crate::data::critical_coupling(d)?;
    let field = crate::data::GaussianField::large_n(lattice, beta)?;
    Ok(crate::diffusion::forward::spectrum_at(field.spectrum(), t)?.condition_number())
}

/// Largest |measured − closed form on the data| in steps for one depth, if trained on fields.
fn numeric_deviation(s: &Studies, depth: usize) -> Result<Option<f64>> {
    Ok(s.numeric_training()?
        .iter()
        .filter(|r| r.depth == depth)
        .map(|r| (r.measured as f64 - r.closed_form_data as f64).abs())
        .reduce(f64::max))
}

fn deep(s: &Studies, depth: usize) -> Result<Evaluation> {
    match (closed_form_exponent(s, depth)?, predicted_exponent(depth)) {
        (Some(p), Some(expected)) => judged_apart(
            (
                Some(p),
                Check::Within {
                    expected,
                    tolerance: 0.05,
                },
            ),
            (numeric_deviation(s, depth)?, Check::AtMost { limit: 1.0 }),
        ),
        _ => Ok(Evaluation::Skipped(format!(
            "depth {depth} is not in the configuration's depths"
        ))),
    }
}

fn c6(s: &Studies) -> Result<Evaluation> {
    deep(s, 3)
}

fn c7(s: &Studies) -> Result<Evaluation> {
    deep(s, 4)
}

fn c8(s: &Studies) -> Result<Evaluation> {
    judged(
        None,
        Some(s.trainer_comparison()?.worst_relative_deviation),
        Check::AtMost { limit: 1e-9 },
    )
}

fn c9(s: &Studies) -> Result<Evaluation> {
    let c = &s.trainer_comparison()?;
    judged(
        None,
        Some(c.contraction_ratio),
        Check::Within {
            expected: 1.0,
            tolerance: c.contraction_tolerance,
        },
    )
}

fn radius_one(s: &Studies, t: f64) -> Result<Vec<&crate::study::LocalRow>> {
    Ok(s.local()?
        .iter()
        .filter(|x| x.t == t && x.radius == 1)
        .collect())
}

/// Ratio of a quantity of the empirical local rows at time t: largest side over the other.
fn empirical_ratio(
    s: &Studies,
    t: f64,
    f: fn(&crate::study::EmpiricalLocalRow) -> f64,
) -> Result<Option<f64>> {
    let rows: Vec<_> = s.empirical_local()?.iter().filter(|r| r.t == t).collect();
    Ok((rows.len() == 2).then(|| f(rows[1]) / f(rows[0])))
}

fn c10(s: &Studies) -> Result<Evaluation> {
    let r1 = radius_one(s, 0.0)?;
    let k = r1.len();
    judged(
        Some(r1[k - 1].hessian_condition / r1[k - 2].hessian_condition),
        empirical_ratio(s, 0.0, |r| r.hessian_condition)?,
        Check::Within {
            expected: 1.0,
            tolerance: 0.1,
        },
    )
}

fn c11(s: &Studies) -> Result<Evaluation> {
    let rows = radius_one(s, 0.0)?;
    let bound = |cond: f64| 4f64.ln() / -(1.0 - s.config.lr_fraction / cond).ln() + 1.0;
    let worst = rows
        .windows(2)
        .map(|w| (w[1].steps as f64 - w[0].steps as f64) / bound(w[1].hessian_condition))
        .fold(f64::NEG_INFINITY, f64::max);
    // measured increments, against the same bound at the larger side of each doubling
    let measured = s
        .local_training()?
        .windows(2)
        .zip(rows.windows(2))
        .map(|(m, w)| {
            (m[1].measured_steps as f64 - m[0].measured_steps as f64)
                / bound(w[1].hessian_condition)
        })
        .fold(f64::NEG_INFINITY, f64::max);
    judged(Some(worst), Some(measured), Check::AtMost { limit: 1.0 })
}

fn c12(s: &Studies) -> Result<Evaluation> {
    let r1 = radius_one(s, 0.0)?;
    judged(
        Some(r1[r1.len() - 1].parameters as f64),
        Some(*s.local_network_parameters()? as f64),
        Check::Equals {
            expected: 3f64.powi(s.config.d as i32),
        },
    )
}

fn c13(s: &Studies) -> Result<Evaluation> {
    use crate::study::local_fields::stencil_t_limit;
    let floor = radius_one(s, 0.0)?
        .iter()
        .map(|x| x.floor)
        .fold(0.0, f64::max);
    let rows: Vec<_> = s.empirical_local()?.iter().filter(|r| r.t == 0.0).collect();
    let t_max = rows
        .iter()
        .filter_map(|r| r.stencil_t_statistic)
        .fold(0.0, f64::max);
    let limit = stencil_t_limit(rows[0].samples, rows[0].radius, s.config.d, rows.len())?;
    judged_apart(
        (Some(floor), Check::AtMost { limit: 1e-10 }),
        (Some(t_max), Check::AtMost { limit }),
    )
}

fn c14(s: &Studies) -> Result<Evaluation> {
    let z = radius_one(s, C14_T)?;
    let k = z.len();
    if k < 2 {
        return Ok(Evaluation::Skipped("needs two local sides".into()));
    }
    let (small, large) = (z[k - 2], z[k - 1]);
    let ratio = large.zero_mode_relative_error / small.zero_mode_relative_error;
    let zero_mode = |r: &crate::study::LocalRow| ZeroMode {
        l: r.l,
        symbol: r.zero_mode_symbol,
        mass: r.mass,
    };
    let (expected, tolerance) =
        zero_mode_growth_allowance(C14_T, zero_mode(small), zero_mode(large))?;
    let analytic = (
        Some(ratio),
        Check::Within {
            expected,
            tolerance,
        },
    );
    let rows: Vec<_> = s
        .empirical_local()?
        .iter()
        .filter(|r| r.t == C14_T)
        .collect();
    let numeric = match rows.as_slice() {
        [a, b] => {
            let rel = |r: &crate::study::EmpiricalLocalRow| {
                r.zero_mode_relative_error_se.unwrap_or(f64::NAN) / r.zero_mode_relative_error
            };
            let measured = b.zero_mode_relative_error / a.zero_mode_relative_error;
            let sigma = measured * rel(a).hypot(rel(b));
            // R7.10 (c): a ratio of two estimates is biased by at most (σ/x)² of its divisor
            (
                Some(measured),
                statistical_window(ratio, sigma, ratio * rel(a).powi(2)),
            )
        }
        _ => (None, Check::AtLeast { limit: 0.0 }),
    };
    judged_apart(analytic, numeric)
}

/// C14's diffusion time.
const C14_T: f64 = 0.2;
