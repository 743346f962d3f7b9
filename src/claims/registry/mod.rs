//! The claims registry: one entry per claim, its description and, right below it, the
//! evaluator that reads the shared study results ([`Studies`]) and applies the check the
//! description justifies. Claims are grouped by topic, one file each; [`REGISTRY`] lists them
//! all in report order.

use std::sync::LazyLock;

use crate::claims::{Check, ClaimSpec, Evaluation, Studies, StudyId};
use crate::error::{Error, Result};
use crate::fit;

/// A registry entry: the claim's description and its evaluator.
#[derive(Clone, Copy)]
pub struct Claim {
    /// The description.
    pub spec: ClaimSpec,
    /// The studies the evaluator reads: all that is built when only this claim is evaluated
    /// (a test evaluates every claim on exactly these).
    pub studies: &'static [StudyId],
    /// Reads the studies and returns the values and the check (or why it is skipped).
    pub evaluate: fn(&Studies) -> Result<Evaluation>,
}

/// One side of a claim: `side!(Exponent, Measurement)` or `side!(none)`.
macro_rules! side {
    (none) => {
        None
    };
    ($q:ident, $s:ident) => {
        Some($crate::claims::Side {
            quantity: $crate::claims::Quantity::$q,
            source: $crate::claims::Source::$s,
        })
    };
}

macro_rules! spec {
    ($id:expr, $st:expr, [$($r:expr),*], [$($t:expr),*], $an:expr, $nu:expr, $j:expr, ($($a:tt)*), ($($n:tt)*)) => {
        $crate::claims::ClaimSpec {
            id: $id, statement: $st, results: &[$($r),*], tests: &[$($t),*], analytic: $an, numeric: $nu,
            justification: $j, analytic_side: side!($($a)*), numeric_side: side!($($n)*),
        }
    };
}

pub mod finite_n;
pub mod generation;
pub mod large_n;
pub mod network;
pub mod optimizers;
pub mod sampled;

/// Every claim, in report order.
pub static REGISTRY: LazyLock<Vec<Claim>> = LazyLock::new(|| {
    [
        large_n::CLAIMS,
        generation::CLAIMS,
        finite_n::CLAIMS,
        optimizers::CLAIMS,
        sampled::CLAIMS,
        network::CLAIMS,
    ]
    .concat()
});

/// The registry entry of claim `id` (e.g. `C9`), or an error listing the IDs there are.
pub fn find(id: &str) -> Result<&'static Claim> {
    REGISTRY
        .iter()
        .find(|c| c.spec.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| Error::Invalid {
            name: "claim",
            value: id.to_string(),
            requirement: format!(
                "one of {}",
                REGISTRY
                    .iter()
                    .map(|c| c.spec.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// One check for every present value.
pub(crate) fn judged(
    analytic: Option<f64>,
    numeric: Option<f64>,
    check: Check,
) -> Result<Evaluation> {
    Ok(Evaluation::Judged {
        analytic,
        numeric,
        check,
        numeric_check: None,
    })
}

/// Values with a check each: the numeric value measures another quantity than the analytic.
pub(crate) fn judged_apart(
    (analytic, check): (Option<f64>, Check),
    (numeric, numeric_check): (Option<f64>, Check),
) -> Result<Evaluation> {
    Ok(Evaluation::Judged {
        analytic,
        numeric,
        check,
        numeric_check: Some(numeric_check),
    })
}

/// The exponent p of y ∝ x^p (log–log least squares).
pub(crate) fn exponent(x: &[f64], y: &[f64]) -> Result<f64> {
    Ok(fit::power_law(x, y)?.slope)
}

/// Sides as floats.
pub(crate) fn sides(v: &[usize]) -> Vec<f64> {
    v.iter().map(|&l| l as f64).collect()
}

/// Standard errors of a statistical window: a Gaussian estimate leaves
/// expected ± 5σ with probability 5.7·10⁻⁷ (two-sided), the level of the crate's checks.
pub const WINDOW_ERRORS: f64 = 5.0;

/// A window from the statistics: expected ± (5σ + allowance), σ the estimate's standard error
/// and the allowance a derived bound on the corrections the estimate does not average away
/// (finite size, discretisation, estimator bias). A NaN or negative part makes the check fail.
pub(crate) fn statistical_window(expected: f64, sigma: f64, allowance: f64) -> Check {
    let tolerance = WINDOW_ERRORS * sigma + allowance;
    Check::Within {
        expected,
        tolerance: if sigma >= 0.0 && allowance >= 0.0 {
            tolerance
        } else {
            f64::NAN
        },
    }
}

/// The shift of a log–log slope by relative corrections δ(L) to the fitted quantity, between
/// the first and last of the (L, δ) points: |δ(L₂) − δ(L₁)|/ln(L₂/L₁) (ln y = ln(A L^p) + δ to
/// first order); NaN without points.
pub(crate) fn slope_shift(points: impl IntoIterator<Item = (f64, f64)>) -> f64 {
    let mut points = points.into_iter();
    let Some((l1, delta1)) = points.next() else {
        return f64::NAN;
    };
    let (l2, delta2) = points.last().unwrap_or((l1, delta1));
    (delta2 - delta1).abs() / (l2 / l1).ln()
}
