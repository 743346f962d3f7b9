//! Sampled generation with checks of stated power (C50–C51, derivations/10): every sampler's
//! fields against its closed form, and the grid the magnetisation needs.

use super::{judged_apart, Claim};
use crate::claims::{Check, Evaluation, Studies, StudyId as S};
use crate::error::Result;
use crate::study::LEVEL;

/// The sampled claims, in report order.
pub const CLAIMS: &[Claim] = &[
    Claim {
        spec: spec!("C50", "fields from every sampler follow their closed-form generated spectrum, tested with power ≥ 0.99", ["R6.1", "R10.1", "R10.2"], ["tests/generation.rs", "tests/power.rs", "tests/sampler_reference.rs"],
            "smallest power of the pooled χ² (2 % on every mode) and zero-mode (10 % on k = 0) tests at their level, over sde-exp, sde-em, ode-exp (exact score, 40-step geometric grid)",
            "smallest p-value of those tests on the fields each sampler drew",
            "M is the fewest fields giving power ≥ 0.99 against both reference alternatives at level 1e-6/2 per test (derivations/10, R10.1–R10.2); a correct sampler fails a test with probability ≤ 5e-7",
            (Power, ByConstruction), (PValue, Measurement)),
        studies: &[S::SamplerChecks],
        evaluate: c50,
    },
    Claim {
        spec: spec!("C51", "with the exact score, a 5 % accurate magnetisation needs a grid of ln L steps: N₅ ≈ ln(T/t₀)(ln C₀ − 1)/0.1", ["R10.6"], ["tests/zero_mode.rs"],
            "slope dN₅/d ln C₀ over generation_sides (sde-exp, geometric grid 10⁻³…8) against ln(T/t₀)/(2·0.05) = 89.87",
            "relative error of the zero-mode variance of fields drawn on the N₅-step grid at the smallest sampled side, against C₀",
            "analytic: the large-C₀ asymptote has O(1/ln C₀) corrections, 3 % over L = 8…64; numeric: 5 % plus five standard errors √(2/M) of the χ²_M zero-mode estimate",
            (Slope, ClosedForm), (RelativeError, Measurement)),
        studies: &[S::Magnetisation],
        evaluate: c51,
    },
];

fn c50(s: &Studies) -> Result<Evaluation> {
    let checks = &s.sampler_checks()?;
    let power = checks
        .iter()
        .map(|c| {
            c.tests
                .pooled_power_2_percent
                .min(c.tests.zero_mode_power_10_percent)
        })
        .fold(f64::INFINITY, f64::min);
    let p_value = checks
        .iter()
        .map(|c| c.tests.pooled.p_value.min(c.tests.zero_mode.p_value))
        .fold(f64::INFINITY, f64::min);
    judged_apart(
        (Some(power), Check::AtLeast { limit: 0.99 }),
        (Some(p_value), Check::AtLeast { limit: LEVEL / 2.0 }),
    )
}

fn c51(s: &Studies) -> Result<Evaluation> {
    let m = &s.magnetisation()?;
    let x: Vec<f64> = m.steps_needed.iter().map(|(c0, _)| c0.ln()).collect();
    let y: Vec<f64> = m.steps_needed.iter().map(|&(_, n)| n as f64).collect();
    let slope = crate::fit::line(&x, &y)?.slope;
    let expected = (8.0f64 / 1e-3).ln() / (2.0 * 0.05);
    judged_apart(
        (
            Some(slope),
            Check::Within {
                expected,
                tolerance: 0.03 * expected,
            },
        ),
        (
            Some(m.measured_relative_error.abs()),
            Check::AtMost {
                limit: 0.05 + 5.0 * m.standard_error,
            },
        ),
    )
}
