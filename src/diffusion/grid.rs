//! Time grids 0 ≤ t_0 < t_1 < … < t_N = T for training and sampling.

use serde::Serialize;

use crate::error::{Error, Result};

/// The largest diffusion time a grid may reach: the forward process keeps e^{−t} of the data,
/// 2·10⁻²² at t = 50, which double precision cannot tell from pure noise.
pub const MAX_TIME: f64 = 50.0;

/// An increasing grid of diffusion times, 0 ≤ t_0 < … < t_N ≤ [`MAX_TIME`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeGrid {
    times: Vec<f64>,
}

impl TimeGrid {
    /// A user-given grid: finite, t_0 ≥ 0, strictly increasing, at least two points, T ≤ [`MAX_TIME`].
    pub fn new(times: Vec<f64>) -> Result<Self> {
        let bad = |value: f64, requirement: &'static str| Error::Parameter {
            name: "time grid",
            value,
            requirement,
        };
        if times.len() < 2 {
            return Err(bad(times.len() as f64, "needs at least two times"));
        }
        if times[0].is_nan() || times[0] < 0.0 || times.iter().any(|t| !t.is_finite()) {
            return Err(bad(times[0], "times must be finite with t_0 ≥ 0"));
        }
        if let Some(w) = times.windows(2).find(|w| w[1] <= w[0]) {
            return Err(bad(w[1], "times must increase strictly"));
        }
        let horizon = times[times.len() - 1];
        if horizon > MAX_TIME {
            return Err(bad(
                horizon,
                "the horizon T must be at most 50: by t = 50 the data's share e^{−t} of a noised \
                 field is 2e-22, below double precision, so a longer grid only adds steps",
            ));
        }
        Ok(Self { times })
    }

    /// N uniform steps from t_min to T.
    pub fn uniform(t_min: f64, t_max: f64, steps: usize) -> Result<Self> {
        if steps == 0 {
            return Err(Error::Parameter {
                name: "grid steps",
                value: 0.0,
                requirement: "needs at least one step",
            });
        }
        let h = (t_max - t_min) / steps as f64;
        Self::new((0..=steps).map(|j| t_min + h * j as f64).collect())
    }

    /// N geometric steps from t_min > 0 to T (equal ratios t_{j+1}/t_j), with t_0 = t_min.
    pub fn geometric(t_min: f64, t_max: f64, steps: usize) -> Result<Self> {
        if t_min.is_nan() || t_min <= 0.0 || steps == 0 {
            return Err(Error::Parameter {
                name: "geometric grid t_min",
                value: t_min,
                requirement: "a geometric grid needs t_min > 0 and at least one step",
            });
        }
        let r = (t_max / t_min).powf(1.0 / steps as f64);
        Self::new((0..=steps).map(|j| t_min * r.powi(j as i32)).collect())
    }

    /// The times t_0 … t_N.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Number of steps N.
    pub fn steps(&self) -> usize {
        self.times.len() - 1
    }

    /// The horizon T = t_N.
    pub fn horizon(&self) -> f64 {
        self.times[self.times.len() - 1]
    }
}
