//! Which optimizer trains the score network: a description shared by the closed forms
//! (`theory::momentum`, `theory::adam`) and the trainers (`experiment::optimizer`), with the
//! command-line spellings `gd`, `momentum:0.9`, `momentum:tuned`, `nesterov:0.9`,
//! `nesterov:tuned`, `adam:LR` (R9.1, R9.5).
//!
//! `Display` writes exactly what `FromStr` reads (round trip), and serde uses the same strings.
//! Adam with non-default moments is spelled `adam:LR:BETA1:BETA2:EPS`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Adam's default first-moment decay β₁ (R9.5).
pub const ADAM_BETA1: f64 = 0.9;
/// Adam's default second-moment decay β₂ (R9.5).
pub const ADAM_BETA2: f64 = 0.999;
/// Adam's default denominator guard ε_adam (R9.5).
pub const ADAM_EPS: f64 = 1e-8;

/// The momentum coefficient β of heavy ball or Nesterov (R9.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Momentum {
    /// A fixed β ∈ [0, 1); the learning rate is then η = c(1 − β)/λ* (R9.3).
    Fixed(f64),
    /// β and η tuned to the Hessian's extreme eigenvalues (Polyak for heavy ball, Nesterov's
    /// constants for Nesterov; R9.4).
    Tuned,
}

/// An optimizer: plain GD, heavy ball, Nesterov, or Adam (R9.1, R9.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptimizerSpec {
    /// Gradient descent θ ← θ − η∇ℒ.
    Gd,
    /// Heavy ball θ ← θ − η∇ℒ(θ) + β(θ − θ_prev) (R9.1).
    HeavyBall {
        /// Momentum β.
        beta: Momentum,
    },
    /// Nesterov θ ← y − η∇ℒ(y), y = θ + β(θ − θ_prev) (R9.1).
    Nesterov {
        /// Momentum β.
        beta: Momentum,
    },
    /// Adam with bias correction (R9.5).
    Adam {
        /// Learning rate (step size) > 0.
        lr: f64,
        /// First-moment decay β₁ ∈ [0, 1).
        beta1: f64,
        /// Second-moment decay β₂ ∈ [0, 1).
        beta2: f64,
        /// Denominator guard ε_adam > 0.
        eps: f64,
    },
}

/// A malformed optimizer spelling (R9.1, R9.5); the message is one line and names the bad
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid optimizer `{input}`: {reason} (expected gd, momentum:BETA|tuned, nesterov:BETA|tuned, adam:LR[:BETA1:BETA2:EPS])")]
pub struct ParseOptimizerError {
    /// The text that was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl OptimizerSpec {
    /// Adam with learning rate `lr` and the default β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (R9.5).
    pub fn adam(lr: f64) -> Self {
        Self::Adam {
            lr,
            beta1: ADAM_BETA1,
            beta2: ADAM_BETA2,
            eps: ADAM_EPS,
        }
    }

    /// Checks the numbers: β ∈ [0, 1), lr > 0 finite, β₁, β₂ ∈ [0, 1), ε_adam > 0 finite
    /// (the ranges where R9.1 and R9.5 are defined).
    pub fn validate(&self) -> crate::error::Result<()> {
        use crate::error::Error;
        let unit = |name: &'static str, b: f64| {
            if (0.0..1.0).contains(&b) {
                Ok(())
            } else {
                Err(Error::Parameter {
                    name,
                    value: b,
                    requirement: "must lie in [0, 1)",
                })
            }
        };
        match *self {
            Self::Gd => Ok(()),
            Self::HeavyBall { beta } | Self::Nesterov { beta } => match beta {
                Momentum::Fixed(b) => unit("momentum beta", b),
                Momentum::Tuned => Ok(()),
            },
            Self::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                crate::error::positive("adam learning rate", lr)?;
                unit("adam beta1", beta1)?;
                unit("adam beta2", beta2)?;
                crate::error::positive("adam eps", eps)?;
                Ok(())
            }
        }
    }
}

impl fmt::Display for Momentum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Momentum::Fixed(b) => write!(f, "{b}"),
            Momentum::Tuned => write!(f, "tuned"),
        }
    }
}

impl fmt::Display for OptimizerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gd => write!(f, "gd"),
            Self::HeavyBall { beta } => write!(f, "momentum:{beta}"),
            Self::Nesterov { beta } => write!(f, "nesterov:{beta}"),
            Self::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                if (*beta1, *beta2, *eps) == (ADAM_BETA1, ADAM_BETA2, ADAM_EPS) {
                    write!(f, "adam:{lr}")
                } else {
                    write!(f, "adam:{lr}:{beta1}:{beta2}:{eps}")
                }
            }
        }
    }
}

fn number(input: &str, what: &str, text: &str) -> Result<f64, ParseOptimizerError> {
    text.parse::<f64>().map_err(|_| ParseOptimizerError {
        input: input.to_string(),
        reason: format!("{what} `{text}` is not a number"),
    })
}

fn momentum(input: &str, text: &str) -> Result<Momentum, ParseOptimizerError> {
    if text == "tuned" {
        return Ok(Momentum::Tuned);
    }
    let b = number(input, "momentum", text)?;
    if !(0.0..1.0).contains(&b) {
        return Err(ParseOptimizerError {
            input: input.to_string(),
            reason: format!("momentum {b} must lie in [0, 1) or be `tuned`"),
        });
    }
    Ok(Momentum::Fixed(b))
}

fn adam(input: &str, parts: &[&str]) -> Result<OptimizerSpec, ParseOptimizerError> {
    let bad = |reason: String| ParseOptimizerError {
        input: input.to_string(),
        reason,
    };
    let spec = match parts {
        [lr] => OptimizerSpec::adam(number(input, "learning rate", lr)?),
        [lr, b1, b2, eps] => OptimizerSpec::Adam {
            lr: number(input, "learning rate", lr)?,
            beta1: number(input, "beta1", b1)?,
            beta2: number(input, "beta2", b2)?,
            eps: number(input, "eps", eps)?,
        },
        _ => return Err(bad("adam takes LR or LR:BETA1:BETA2:EPS".into())),
    };
    spec.validate().map_err(|e| bad(e.to_string()))?;
    Ok(spec)
}

impl FromStr for OptimizerSpec {
    type Err = ParseOptimizerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split(':').collect();
        match parts.as_slice() {
            ["gd"] => Ok(Self::Gd),
            ["momentum", b] => Ok(Self::HeavyBall {
                beta: momentum(s, b)?,
            }),
            ["nesterov", b] => Ok(Self::Nesterov {
                beta: momentum(s, b)?,
            }),
            ["adam", rest @ ..] => adam(s, rest),
            [name, ..] => Err(ParseOptimizerError {
                input: s.to_string(),
                reason: format!("unknown optimizer or missing parameter `{name}`"),
            }),
            [] => Err(ParseOptimizerError {
                input: s.to_string(),
                reason: "empty".into(),
            }),
        }
    }
}

impl Serialize for OptimizerSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for OptimizerSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
