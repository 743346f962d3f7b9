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

/// The quantity a claim's value is, named in every table (CSV, JSON, Markdown) so that a reader
/// does not take a p-value for an exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quantity {
    /// p of y ∝ L^p (or ∝ κ^p), from a log–log fit.
    Exponent,
    /// |fitted exponent − its expected value|.
    ExponentDeviation,
    /// The slope of a straight-line fit (against ln L, or against n).
    Slope,
    /// A number of training steps (or their largest difference).
    Steps,
    /// The increase of a step count per doubling of L.
    StepsPerDoubling,
    /// |increment per doubling − its expected value|, in steps.
    StepsPerDoublingDeviation,
    /// A quotient of two like quantities.
    Ratio,
    /// A relative error or deviation |a − b|/|b|.
    RelativeError,
    /// The relative change over one doubling of L.
    RelativeChange,
    /// Standard deviation over mean, across sides.
    RelativeSpread,
    /// (bound − value)/bound.
    RelativeMargin,
    /// A difference in units of its standard error.
    StandardErrors,
    /// A test's p-value.
    PValue,
    /// A test's power: the probability of rejecting a stated alternative.
    Power,
    /// A Kullback–Leibler divergence per lattice site (nats).
    KlPerSite,
    /// An excess denoising loss per site.
    ExcessLossPerSite,
    /// A count of parameters.
    ParameterCount,
    /// A plain number (a critical coupling).
    Value,
}

impl Quantity {
    /// The name printed in tables.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Exponent => "exponent",
            Quantity::ExponentDeviation => "exponent deviation",
            Quantity::Slope => "slope",
            Quantity::Steps => "steps",
            Quantity::StepsPerDoubling => "steps per doubling",
            Quantity::StepsPerDoublingDeviation => "deviation in steps per doubling",
            Quantity::Ratio => "ratio",
            Quantity::RelativeError => "relative error",
            Quantity::RelativeChange => "relative change",
            Quantity::RelativeSpread => "relative spread",
            Quantity::RelativeMargin => "relative margin",
            Quantity::StandardErrors => "standard errors (z)",
            Quantity::PValue => "p-value",
            Quantity::Power => "power",
            Quantity::KlPerSite => "KL per site",
            Quantity::ExcessLossPerSite => "excess loss per site",
            Quantity::ParameterCount => "parameter count",
            Quantity::Value => "value",
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a claim's value comes from, so that "numeric" in a table always means what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A closed form of `derivations/` (or an anchor from the literature).
    ClosedForm,
    /// An independent measurement: trainers, samplers or Monte Carlo on sampled fields, which
    /// could have disagreed with the closed form.
    Measurement,
    /// A code cross-check: the same map or formula computed another way (e.g. a trainer whose
    /// trajectory is the closed form evaluated on its own data); agreement shows the code is
    /// right, not the physics.
    CrossCheck,
    /// True by construction (a definition, a design choice, a sample size chosen for it); the
    /// check guards the code against regressions only.
    ByConstruction,
}

impl Source {
    /// The name printed in tables.
    pub fn name(self) -> &'static str {
        match self {
            Source::ClosedForm => "closed form",
            Source::Measurement => "measurement",
            Source::CrossCheck => "code cross-check",
            Source::ByConstruction => "by construction",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one side of a claim is: its quantity and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The quantity.
    pub quantity: Quantity,
    /// Its source.
    pub source: Source,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.quantity, self.source)
    }
}

/// The claim-ID ranges by topic, in one line (the IDs are stable across releases, so the ranges
/// have gaps where a topic has room to grow).
pub const ID_GROUPS: &str = "C1–C14 spectrum, training times and locality at n = ∞; \
C15–C22 generation; C23–C32 finite n (Monte Carlo data); C40–C45 optimizers; \
C50–C51 samplers on sampled fields; C60–C64 nonlinear networks";

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
    /// The analytic value's quantity and source (`None`: no analytic value).
    pub analytic_side: Option<Side>,
    /// The numeric value's quantity and source (`None`: no numeric value).
    pub numeric_side: Option<Side>,
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
