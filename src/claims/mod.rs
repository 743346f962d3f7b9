//! Claims: each claim of the paper (and of this crate's extensions) is one registry entry — its
//! statement, the derivation results it rests on, what its analytic and numeric values are, and
//! beside them the evaluator that reads the shared study results and applies the check whose
//! justification the entry states, and the studies it reads. [`studies`] names the studies and
//! holds their results; [`runner`] builds the studies the chosen claims need, each once, and
//! maps the registry.

pub mod config;
pub mod registry;
pub mod runner;
pub mod studies;

use std::fmt;

use serde::Serialize;

pub use config::{ReproduceConfig, DEFAULT_CONFIG, QUICK_CONFIG};
pub use registry::{Claim, REGISTRY};
pub use runner::{evaluate, evaluate_claims, run, Reproduction};
pub use studies::{Built, Studies, StudyId};

/// How a claim's values are judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Check {
    /// |value − expected| ≤ tolerance.
    Within {
        /// Expected value.
        expected: f64,
        /// Tolerance.
        tolerance: f64,
    },
    /// value = expected exactly (counts).
    Equals {
        /// Expected value.
        expected: f64,
    },
    /// value ≤ limit.
    AtMost {
        /// The limit.
        limit: f64,
    },
    /// value ≥ limit.
    AtLeast {
        /// The limit.
        limit: f64,
    },
    /// lo ≤ value ≤ hi.
    Between {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
}

impl Check {
    /// Whether a finite `value` passes.
    pub fn passes(&self, value: f64) -> bool {
        value.is_finite()
            && match *self {
                Check::Within {
                    expected,
                    tolerance,
                } => (value - expected).abs() <= tolerance,
                Check::Equals { expected } => value == expected,
                Check::AtMost { limit } => value <= limit,
                Check::AtLeast { limit } => value >= limit,
                Check::Between { lo, hi } => lo <= value && value <= hi,
            }
    }

    /// One-line description, e.g. `2 ± 0.05`.
    pub fn describe(&self) -> String {
        use crate::error::number as n;
        match *self {
            Check::Within {
                expected,
                tolerance,
            } => format!("{} ± {}", n(expected), n(tolerance)),
            Check::Equals { expected } => format!("= {}", n(expected)),
            Check::AtMost { limit } => format!("≤ {}", n(limit)),
            Check::AtLeast { limit } => format!("≥ {}", n(limit)),
            Check::Between { lo, hi } => format!("in [{}, {}]", n(lo), n(hi)),
        }
    }

    /// Decimal digits a value needs to be read against this check: enough to resolve the
    /// tolerance (or the limit's scale), at least 3, at most 14.
    pub fn digits(&self) -> usize {
        let scale = match *self {
            Check::Within { tolerance, .. } => tolerance,
            Check::Equals { .. } => 1.0,
            Check::AtMost { limit } | Check::AtLeast { limit } => limit.abs(),
            Check::Between { lo, hi } => (hi - lo).abs() / 10.0,
        };
        if scale > 0.0 && scale.is_finite() {
            ((-scale.log10()).ceil() as i64 + 1).clamp(3, 14) as usize
        } else {
            3
        }
    }
}

/// A claim's description, without values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClaimSpec {
    /// Claim ID (`C1`, …).
    pub id: &'static str,
    /// One-line statement.
    pub statement: &'static str,
    /// Derivation results it rests on.
    pub results: &'static [&'static str],
    /// Test files that verify it.
    pub tests: &'static [&'static str],
    /// What the analytic value is.
    pub analytic: &'static str,
    /// What the numeric value is, or why the claim has no numeric side.
    pub numeric: &'static str,
    /// Why the check is what it is.
    pub justification: &'static str,
}

/// The verdict on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Every present value passes the check.
    Pass,
    /// Some value fails (or is not finite).
    Fail,
    /// Not evaluated on this configuration, with the reason.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Pass => write!(f, "PASS"),
            Verdict::Fail => write!(f, "FAIL"),
            Verdict::Skipped { reason } => write!(f, "SKIPPED ({reason})"),
        }
    }
}

/// What an evaluator found: the values and the check they must pass, or why the claim cannot
/// be evaluated on this configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    /// Values and check.
    Judged {
        /// Analytic value.
        analytic: Option<f64>,
        /// Numeric value.
        numeric: Option<f64>,
        /// The check each present value must pass (the analytic value always).
        check: Check,
        /// A different check for the numeric value, when it measures another quantity (e.g.
        /// the deviation of a trainer from its closed form, in steps).
        numeric_check: Option<Check>,
    },
    /// Not evaluated, with the reason.
    Skipped(String),
}

/// An evaluated claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimResult {
    /// The claim.
    pub spec: ClaimSpec,
    /// Analytic value.
    pub analytic: Option<f64>,
    /// Numeric value.
    pub numeric: Option<f64>,
    /// The check applied to each present value (`None` when skipped).
    pub check: Option<Check>,
    /// The numeric value's own check, when it differs from `check`.
    pub numeric_check: Option<Check>,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl ClaimResult {
    /// Judges an evaluation: PASS when at least one value is present and every present value
    /// is finite and passes.
    pub fn judge(spec: ClaimSpec, evaluation: Evaluation) -> Self {
        match evaluation {
            Evaluation::Skipped(reason) => Self {
                spec,
                analytic: None,
                numeric: None,
                check: None,
                numeric_check: None,
                verdict: Verdict::Skipped { reason },
            },
            Evaluation::Judged {
                analytic,
                numeric,
                check,
                numeric_check,
            } => {
                let judged = [
                    analytic.map(|v| check.passes(v)),
                    numeric.map(|v| numeric_check.unwrap_or(check).passes(v)),
                ];
                let present: Vec<bool> = judged.into_iter().flatten().collect();
                let pass = !present.is_empty() && present.iter().all(|&ok| ok);
                Self {
                    spec,
                    analytic,
                    numeric,
                    check: Some(check),
                    numeric_check,
                    verdict: if pass { Verdict::Pass } else { Verdict::Fail },
                }
            }
        }
    }
}
