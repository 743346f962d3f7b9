//! Training times under the optimizers practitioners use (derivations/09): closed forms for
//! momentum, population iterations for Adam, trainers on sampled fields, side by side.
//!
//! Records: T(L) per optimizer and depth by the closed forms (R9.3, R9.4, R9.8; GD by R3.3,
//! R4.4), Adam in the Fourier parametrisation by the population iteration with the
//! learning-rate rule R9.6, the momentum trainers on sampled fields against the closed form on
//! the data's statistics (R9.1–R9.3), and online SGD's stationary variance on fields against
//! R9.10. Real-space Adam is not run here: its learning-rate search takes minutes at L = 16
//! and did not finish at L = 32 in 30 min (R9.7).
//!
//! [`closed_form`] holds the closed-form and Adam rows and their fits, [`fields`] the trainers
//! on sampled fields and online SGD, [`train`] the `train --optimizer` run; this file the
//! `[optimizers]` table and the study that puts them side by side.

pub mod closed_form;
pub mod fields;
pub mod train;

use serde::{Deserialize, Serialize};

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::model::optimizer::{Momentum, OptimizerSpec};
use crate::model::Protocol;
use crate::progress::Observer;
use crate::symbol::Symbol;
use crate::theory::momentum::Method;

pub use closed_form::{
    adam_fourier_row, closed_form_row, closed_form_rows, fits, OptimizerFit, OptimizerRow,
    ADAM_FOURIER,
};
pub use fields::{
    field_rows, last_exceedance, stationary_variance_check, with_extremes, OptimizerFieldRow,
    SgdVarianceCheck,
};
pub use train::{train_with_optimizer, OptimizerTrainReport};

/// What `reproduce` runs for the optimizers (the `[optimizers]` table of the configuration;
/// every field has a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizerStudyConfig {
    /// Sides of the closed-form tables.
    pub sides: Vec<usize>,
    /// Sides of the trainers on sampled fields.
    pub numeric_sides: Vec<usize>,
    /// Sides of the Fourier-parametrised Adam sweeps (R9.6; a subset of `sides` keeps the
    /// figure aligned, but any sides ≥ 2 work).
    pub adam_sides: Vec<usize>,
    /// Fields per data set of the momentum trainers.
    pub samples: usize,
    /// Steps of the online-SGD stationary run (R9.10), after a burn-in of 200 steps.
    pub sgd_steps: usize,
}

impl Default for OptimizerStudyConfig {
    fn default() -> Self {
        Self {
            sides: vec![8, 16, 32, 64],
            numeric_sides: vec![4, 6, 8],
            adam_sides: vec![8, 16, 32, 64],
            samples: 256,
            sgd_steps: 20_000,
        }
    }
}

impl OptimizerStudyConfig {
    /// Checks the table before any work: sides as in the top level (closed-form sides ≤ 512,
    /// trainer sides ≤ 16), sample and step counts within what a run can hold and finish.
    pub fn validate(&self) -> Result<()> {
        let increasing = |v: &[usize], hi: usize| {
            v.len() >= 2 && v[0] >= 4 && v.windows(2).all(|w| w[0] < w[1]) && v[v.len() - 1] <= hi
        };
        let bad = |name: &'static str, value: String, requirement: &str| Error::Invalid {
            name,
            value,
            requirement: requirement.to_string(),
        };
        for (sides, name, hi) in [
            (&self.sides, "optimizers.sides", 512),
            (&self.adam_sides, "optimizers.adam_sides", 512),
            (&self.numeric_sides, "optimizers.numeric_sides", 16),
        ] {
            if !increasing(sides, hi) {
                return Err(bad(
                    name,
                    format!("{sides:?}"),
                    &format!("≥ 2 increasing sides in 4..={hi}"),
                ));
            }
        }
        if !(16..=65_536).contains(&self.samples) {
            return Err(bad(
                "optimizers.samples",
                self.samples.to_string(),
                "in 16..=65536 fields per data set",
            ));
        }
        if !(1_000..=10_000_000).contains(&self.sgd_steps) {
            return Err(bad(
                "optimizers.sgd_steps",
                self.sgd_steps.to_string(),
                "in 1000..=10000000 (the stationary average needs ≥ 1000 steps after burn-in)",
            ));
        }
        Ok(())
    }
}

/// The optimizers of the closed-form tables (spellings `gd`, `momentum:0.9`, `nesterov:0.9`,
/// `momentum:tuned`, `nesterov:tuned`; R9.3, R9.4).
pub const CLOSED_FORM_OPTIMIZERS: [OptimizerSpec; 5] = [
    OptimizerSpec::Gd,
    OptimizerSpec::HeavyBall {
        beta: Momentum::Fixed(0.9),
    },
    OptimizerSpec::Nesterov {
        beta: Momentum::Fixed(0.9),
    },
    OptimizerSpec::HeavyBall {
        beta: Momentum::Tuned,
    },
    OptimizerSpec::Nesterov {
        beta: Momentum::Tuned,
    },
];

/// Everything the optimizer claims read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerStudy {
    /// Closed-form and Adam training times.
    pub rows: Vec<OptimizerRow>,
    /// Fitted exponents per optimizer and depth.
    pub fits: Vec<OptimizerFit>,
    /// Momentum trainers on fields.
    pub fields: Vec<OptimizerFieldRow>,
    /// Online SGD stationary variance.
    pub sgd: SgdVarianceCheck,
}

pub(crate) fn critical_spectrum(d: usize, l: usize, t: f64) -> Result<(GaussianField, Symbol)> {
    let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
    let spec = spectrum_at(field.spectrum(), t)?;
    Ok((field, spec))
}

/// Heavy ball or Nesterov of a momentum spelling; `None` for GD and Adam.
pub(crate) fn momentum_of(spec: &OptimizerSpec) -> Option<(Method, Momentum)> {
    match *spec {
        OptimizerSpec::HeavyBall { beta } => Some((Method::HeavyBall, beta)),
        OptimizerSpec::Nesterov { beta } => Some((Method::Nesterov, beta)),
        _ => None,
    }
}

/// Runs the optimizer study on `cfg` (d, protocol c and ε, seed) with progress to `observer`.
pub fn optimizer_study(
    d: usize,
    cfg: &OptimizerStudyConfig,
    (protocol, t, seed): (Protocol, f64, u64),
    observer: &dyn Observer,
) -> Result<OptimizerStudy> {
    observer.stage("optimizers (closed forms, Adam, trainers, SGD)", 4);
    let mut rows = Vec::new();
    for spec in &CLOSED_FORM_OPTIMIZERS {
        for depth in [1, 2] {
            let p = protocol.with_depth(depth)?;
            for &l in &cfg.sides {
                rows.push(closed_form_row((d, l, 0.0), spec, &p)?);
            }
        }
    }
    observer.advance(1);
    for depth in [1, 2] {
        let p = protocol.with_depth(depth)?;
        for &l in &cfg.adam_sides {
            rows.extend(adam_fourier_row(d, l, &p)?);
        }
    }
    observer.advance(1);
    let p1 = protocol.with_depth(1)?;
    let mut fields = Vec::new();
    for &l in &cfg.numeric_sides {
        fields.extend(field_rows(
            d,
            l,
            (cfg.samples, t, seed + 5000 + l as u64),
            &p1,
        )?);
    }
    observer.advance(1);
    let sgd = stationary_variance_check(cfg.sgd_steps, seed + 6000)?;
    observer.advance(1);
    observer.finish();
    Ok(OptimizerStudy {
        fits: fits(&rows, protocol.epsilon)?,
        rows,
        fields,
        sgd,
    })
}
