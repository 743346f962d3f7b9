//! Optimizers on sampled fields: momentum trainers against the closed form R9.3 on the data's
//! statistics (R9.1–R9.3), and online SGD's stationary variance against R9.10.

use ndarray::ArrayD;
use num_complex::Complex;
use serde::Serialize;

use super::{critical_spectrum, momentum_of, CLOSED_FORM_OPTIMIZERS};
use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::error::Result;
use crate::experiment::optimizer::{self as opt, Trainer, UpdateRule};
use crate::experiment::trainer::StoppingRule;
use crate::experiment::{ConvNet, DataSet};
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::model::{LayerKind, Protocol};
use crate::symbol::Symbol;
use crate::theory::momentum::{self, ModeDynamics};

/// A momentum trainer on sampled fields against the closed form on the data's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerFieldRow {
    /// Optimizer spelling.
    pub optimizer: String,
    /// Side L.
    pub l: usize,
    /// Steps after which the trainer's every mode stays within ε of v̂* (logged run).
    pub measured: u64,
    /// max_k of the closed-form time on the data's Ĉ_k (R9.3).
    pub closed_form_data: u64,
}

/// Online SGD's stationary variance on fields against R9.10, by batch means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SgdVarianceCheck {
    /// Mean over steps of the mode-averaged |e_k|²/S_∞,k.
    pub mean_ratio: f64,
    /// Its batch-means standard error.
    pub standard_error: f64,
    /// Number of batches K.
    pub batches: usize,
    /// Two-sided Student-t quantile at level 1e-6 with K − 1 degrees of freedom.
    pub critical_t: f64,
    /// Power against a uniform 5 % error on every mode's variance (normal approximation).
    pub power_at_5_percent: f64,
}

/// Last step (+1) at which some mode of a logged run is farther than ε|v̂*| from v̂*: the
/// training time of an oscillating (momentum) run, which must stay within ε afterwards.
pub fn last_exceedance(
    symbols: &[ArrayD<Complex<f64>>],
    optimum: &ArrayD<Complex<f64>>,
    eps: f64,
) -> u64 {
    symbols
        .iter()
        .rposition(|v| {
            v.iter()
                .zip(optimum)
                .any(|(v, o)| (v - o).norm() > eps * o.norm())
        })
        .map_or(0, |k| k as u64 + 1)
}

/// Momentum trainers (one layer, real-space kernels, from v = 0) on `samples` sampled fields
/// at side L and time t, against max_k of the closed form R9.3 on the data's Ĉ_k. The run is
/// logged for 2T + 50 steps; the closed form certifies no later exceedance.
pub fn field_rows(
    d: usize,
    l: usize,
    (samples, t, seed): (usize, f64, u64),
    protocol: &Protocol,
) -> Result<Vec<OptimizerFieldRow>> {
    let (field, spec_t) = critical_spectrum(d, l, t)?;
    let lattice = field.lattice();
    let data = DataSet::draw(field.spectrum(), samples, &[t], seed)?;
    let stats = data.statistics(0)?;
    let batch = data.batch(0)?.to_spectral(&RealFft::new(lattice))?;
    let optimum = stats.optimum();
    let tuning = with_extremes(&spec_t, &stats.c_hat)?;
    let mut rows = Vec::new();
    for spec in &CLOSED_FORM_OPTIMIZERS[1..] {
        let Some((method, beta)) = momentum_of(spec) else {
            continue;
        };
        let (eta, b) = momentum::parameters(method, beta, &tuning, protocol)?;
        let mut closed = 0;
        for &c in stats.c_hat.iter() {
            let mode = ModeDynamics::new(method, c, eta, b, 0.0);
            closed = closed.max(momentum::training_steps_above(&mode, protocol.epsilon, 0)?);
        }
        let rule = opt::rule_for(spec, eta, b)?;
        let symbols = logged_symbols(rule, lattice, &batch, 2 * closed + 50)?;
        rows.push(OptimizerFieldRow {
            optimizer: spec.to_string(),
            l,
            measured: last_exceedance(&symbols, &optimum, protocol.epsilon),
            closed_form_data: closed,
        });
    }
    Ok(rows)
}

/// The population symbol with its largest and smallest values replaced by the data's Ĉ_max
/// and Ĉ_min: `momentum::parameters` reads only these extremes (R9.3, R9.4), so tuned
/// momentum is tuned to the data's Hessian (a population tuning can put the data's stiffest
/// mode outside Polyak's stable window).
pub fn with_extremes(spec_t: &Symbol, c_hat: &ArrayD<f64>) -> Result<Symbol> {
    let hi = c_hat.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = c_hat.iter().copied().fold(f64::INFINITY, f64::min);
    let mut values = spec_t.values().to_vec();
    let imax = (0..values.len()).max_by(|&a, &b| values[a].total_cmp(&values[b]));
    let imin = (0..values.len()).min_by(|&a, &b| values[a].total_cmp(&values[b]));
    if let (Some(imax), Some(imin)) = (imax, imin) {
        values[imax] = values[imax].max(hi);
        values[imin] = values[imin].min(lo);
    }
    spec_t.with_values(values)
}

/// Symbols of every step of a one-layer run from v = 0.
fn logged_symbols(
    rule: Box<dyn UpdateRule>,
    lattice: Lattice,
    batch: &crate::experiment::SpectralBatch,
    steps: u64,
) -> Result<Vec<ArrayD<Complex<f64>>>> {
    let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0)?;
    let mut trainer = Trainer::new(rule, steps);
    trainer.log_every = 1;
    trainer.keep_symbols = true;
    let log = trainer.train(&mut net, batch, &StoppingRule::Never)?;
    Ok(log.logged.into_iter().filter_map(|s| s.symbol).collect())
}

/// Online SGD (D = 1, B = 16 fresh fields per step, the crate's `Sgd` trainer) on a massive
/// free field (d = 2, L = 8, β = 0.1, μ = 1, t = 1/2, η = 0.2/C_max(t)), started at v* and
/// burnt in for 200 steps (E\[A²\]^200 < 1e-80), then run `steps` steps: the mode-averaged
/// |e_k|²/S_∞,k (R9.10) per step, tested against 1 by batch means (K = 100 batches of
/// ≥ 100 steps ≫ the correlation time 1/(1 − ρ²) ≤ 3 steps, ρ = 1 − 2ηC ≤ 0.67), as in
/// `tests/optimizers.rs::online_sgd_stationary_variance_matches_the_derivation`.
pub fn stationary_variance_check(steps: usize, seed: u64) -> Result<SgdVarianceCheck> {
    use crate::experiment::trainer::Sgd;
    use crate::sampling::{seeded_rng, FieldSampler};
    use crate::theory::online_sgd::OnlineSgd;
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    let batches = 100;
    let steps = steps.max(batches * 10);
    let lattice = Lattice::new(2, 8)?;
    let field = GaussianField::massive_free(lattice, 0.1, 1.0)?;
    let t = 0.5;
    let spec_t = spectrum_at(field.spectrum(), t)?;
    let eta = 0.2 / spec_t.max();
    let s_k = OnlineSgd::new(&spec_t, t, eta, 16)?.stationary_variances()?;
    let c_half = spec_t.to_half();
    let mut net = ConvNet::new(lattice, &[LayerKind::Full])?;
    net.set_kernels(&[RealFft::new(lattice).kernel(&spec_t.map(|c| 1.0 / c))?])?;
    let sampler = FieldSampler::new(field.spectrum())?;
    let sgd = Sgd {
        eta,
        batch_size: 16,
        t,
    };
    let mut rng = seeded_rng(seed);
    sgd.train(&mut net, &sampler, 200, &mut rng)?;
    let symbols = sgd.train(&mut net, &sampler, steps, &mut rng)?;
    let pooled: Vec<f64> = symbols[1..]
        .iter()
        .map(|v| {
            let q: f64 = v
                .iter()
                .zip(&c_half)
                .zip(&s_k)
                .map(|((v, &c), &s)| (v - 1.0 / c).norm_sqr() / s)
                .sum();
            q / v.len() as f64
        })
        .collect();
    let len = pooled.len() / batches;
    let means: Vec<f64> = pooled
        .chunks_exact(len)
        .map(|c| c.iter().sum::<f64>() / len as f64)
        .collect();
    let mean = means.iter().sum::<f64>() / batches as f64;
    let var = means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (batches - 1) as f64;
    let se = (var / batches as f64).sqrt();
    let stats_err = |e: &dyn std::fmt::Display| crate::error::Error::NoConvergence {
        what: "online SGD variance test",
        detail: e.to_string(),
    };
    let critical_t = StudentsT::new(0.0, 1.0, (batches - 1) as f64)
        .map_err(|e| stats_err(&e))?
        .inverse_cdf(1.0 - 1e-6 / 2.0);
    let normal = Normal::new(0.0, 1.0).map_err(|e| stats_err(&e))?;
    Ok(SgdVarianceCheck {
        mean_ratio: mean,
        standard_error: se,
        batches,
        critical_t,
        power_at_5_percent: normal.cdf(0.05 / se - critical_t),
    })
}
