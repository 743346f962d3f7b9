//! Statistics of Markov-chain series: integrated autocorrelation time with automatic
//! windowing, error bars, binning and the jackknife (R7.4, R7.5).

use ndarray::Array1;
use ndrustfft::{ndfft, ndifft, Complex, FftHandler};
use serde::Serialize;

use crate::error::{Error, Result};

/// Window constant c of the automatic windowing rule W ≥ c τ_int(W) (Madras & Sokal 1988).
pub const WINDOW_CONSTANT: f64 = 6.0;

/// Mean of an observable with its error bar and integrated autocorrelation time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Sample mean over all chains.
    pub mean: f64,
    /// Standard error sqrt(2 τ_int σ²/N) (R7.4), N the total number of measurements.
    pub error: f64,
    /// Integrated autocorrelation time in units of the series spacing (for a run: one
    /// measurement per sweep; `McReport::sweep_equivalents_per_measurement` converts), ≥ 1/2.
    pub tau_int: f64,
    /// Statistical error of τ_int, τ_int sqrt(2(2W+1)/N) (R7.4).
    pub tau_error: f64,
    /// Summation window W chosen by the automatic rule.
    pub window: usize,
}

fn check_series(chains: &[&[f64]]) -> Result<usize> {
    let len = chains.first().map_or(0, |c| c.len());
    if len < 2 || chains.iter().any(|c| c.len() != len) {
        return Err(Error::Parameter {
            name: "series length",
            value: len as f64,
            requirement: "autocorrelation needs ≥ 1 chain, all of equal length ≥ 2",
        });
    }
    if chains.iter().flat_map(|c| c.iter()).any(|v| !v.is_finite()) {
        return Err(Error::Parameter {
            name: "series value",
            value: f64::NAN,
            requirement: "every measurement must be finite",
        });
    }
    Ok(len)
}

/// Autocovariance Γ(t) = ⟨(x_i − x̄)(x_{i+t} − x̄)⟩ for t = 0, …, N−1, averaged over chains
/// of equal length N around the common mean x̄, by FFT with zero padding to 2N (R7.4).
pub fn autocovariance(chains: &[&[f64]]) -> Result<Vec<f64>> {
    let len = check_series(chains)?;
    let total = (len * chains.len()) as f64;
    let mean = chains.iter().flat_map(|c| c.iter()).sum::<f64>() / total;
    let handler = FftHandler::<f64>::new(2 * len);
    let mut acc = vec![0.0; len];
    let mut input = Array1::<Complex<f64>>::zeros(2 * len);
    let mut hat = Array1::<Complex<f64>>::zeros(2 * len);
    for chain in chains {
        input.fill(Complex::new(0.0, 0.0));
        for (i, &x) in chain.iter().enumerate() {
            input[i] = Complex::new(x - mean, 0.0);
        }
        ndfft(&input, &mut hat, &handler, 0);
        hat.mapv_inplace(|c| Complex::new(c.norm_sqr(), 0.0));
        ndifft(&hat, &mut input, &handler, 0);
        for (t, a) in acc.iter_mut().enumerate() {
            *a += input[t].re;
        }
    }
    for (t, a) in acc.iter_mut().enumerate() {
        *a /= ((len - t) * chains.len()) as f64;
    }
    Ok(acc)
}

/// τ_int with automatic windowing (R7.4): τ(W) = 1/2 + Σ_{t=1}^W Γ(t)/Γ(0), W the smallest
/// window with W ≥ c τ(W), c = [`WINDOW_CONSTANT`]; mean, error sqrt(2 τ Γ(0)/N) over all
/// N measurements. A constant series has error 0 and τ = 1/2.
pub fn estimate(chains: &[&[f64]]) -> Result<Estimate> {
    let gamma = autocovariance(chains)?;
    let len = gamma.len();
    let total = (len * chains.len()) as f64;
    let mean = chains.iter().flat_map(|c| c.iter()).sum::<f64>() / total;
    if gamma[0] <= 0.0 {
        return Ok(Estimate {
            mean,
            error: 0.0,
            tau_int: 0.5,
            tau_error: 0.0,
            window: 0,
        });
    }
    let mut tau = 0.5;
    let mut window = len - 1;
    for (t, g) in gamma.iter().enumerate().skip(1) {
        tau += g / gamma[0];
        if t as f64 >= WINDOW_CONSTANT * tau {
            window = t;
            break;
        }
    }
    let tau = tau.max(0.5);
    Ok(Estimate {
        mean,
        error: (2.0 * tau * gamma[0] / total).sqrt(),
        tau_int: tau,
        tau_error: tau * (2.0 * (2 * window + 1) as f64 / total).sqrt(),
        window,
    })
}

/// Binning cross-check (R7.4): the series of each chain is cut into blocks of `bin`
/// measurements; returns (error of the mean from the scatter of the block means,
/// implied τ_int = bin·σ²_block/(2σ²)). For bin ≫ τ_int the two agree with [`estimate`].
pub fn binning(chains: &[&[f64]], bin: usize) -> Result<(f64, f64)> {
    let len = check_series(chains)?;
    if bin == 0 || len / bin < 2 {
        return Err(Error::Parameter {
            name: "bin length",
            value: bin as f64,
            requirement: "binning needs ≥ 2 blocks of ≥ 1 measurement per chain",
        });
    }
    let blocks: Vec<f64> = chains
        .iter()
        .flat_map(|c| {
            c.chunks_exact(bin)
                .map(|b| b.iter().sum::<f64>() / bin as f64)
        })
        .collect();
    let all: Vec<f64> = chains
        .iter()
        .flat_map(|c| c[..bin * (len / bin)].iter().copied())
        .collect();
    let var = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
    };
    let vb = var(&blocks);
    let error = (vb / blocks.len() as f64).sqrt();
    let v = var(&all);
    let tau = if v > 0.0 {
        bin as f64 * vb / (2.0 * v)
    } else {
        0.5
    };
    Ok((error, tau))
}

/// Jackknife over `blocks` contiguous blocks of the pooled measurements (R7.5): for a
/// function f of the means of several series, returns (f of the full means, jackknife error
/// sqrt((B−1)/B Σ_b (f_b − f̄)²)).
pub fn jackknife(
    series: &[Vec<f64>],
    blocks: usize,
    f: impl Fn(&[f64]) -> f64,
) -> Result<(f64, f64)> {
    let len = series.first().map_or(0, |s| s.len());
    if blocks < 2 || len < blocks || series.iter().any(|s| s.len() != len) {
        return Err(Error::Parameter {
            name: "jackknife blocks",
            value: blocks as f64,
            requirement: "need ≥ 2 blocks and at least one measurement per block",
        });
    }
    let size = len / blocks;
    let used = size * blocks;
    let totals: Vec<f64> = series.iter().map(|s| s[..used].iter().sum()).collect();
    let full: Vec<f64> = totals.iter().map(|t| t / used as f64).collect();
    let mut leave_out = Vec::with_capacity(blocks);
    let mut means = vec![0.0; series.len()];
    for b in 0..blocks {
        for (m, (s, t)) in means.iter_mut().zip(series.iter().zip(&totals)) {
            let block: f64 = s[b * size..(b + 1) * size].iter().sum();
            *m = (t - block) / (used - size) as f64;
        }
        leave_out.push(f(&means));
    }
    let bar = leave_out.iter().sum::<f64>() / blocks as f64;
    let var = leave_out.iter().map(|v| (v - bar) * (v - bar)).sum::<f64>();
    Ok((f(&full), (var * (blocks - 1) as f64 / blocks as f64).sqrt()))
}

/// The jackknife standard error √((k − 1)/k Σ (xᵢ − x̄)²) of k leave-one-out values xᵢ of a
/// statistic (R7.5).
pub fn jackknife_error(values: &[f64]) -> f64 {
    let k = values.len() as f64;
    let mean = values.iter().sum::<f64>() / k;
    ((k - 1.0) / k * values.iter().map(|x| (x - mean).powi(2)).sum::<f64>()).sqrt()
}

/// Power of a Pearson χ² goodness-of-fit test (R7.9): the probability that a non-central
/// χ² variable with `dof` degrees of freedom and non-centrality `lambda` exceeds the
/// level-`level` critical value of the central χ²_dof. Under an alternative with bin
/// probabilities q_b, the statistic of N samples tested against p_b is approximately
/// χ'²_dof(λ) with λ = N Σ_b (q_b − p_b)²/p_b. Computed as the Poisson(λ/2) mixture
/// Σ_j e^{−λ/2}(λ/2)^j/j! · P(χ²_{dof+2j} > c).
pub fn chi_square_power(dof: f64, lambda: f64, level: f64) -> Result<f64> {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let bad = |name, value, requirement| Error::Parameter {
        name,
        value,
        requirement,
    };
    if !(dof > 0.0 && dof.is_finite()) {
        return Err(bad("dof", dof, "degrees of freedom must be finite and > 0"));
    }
    if !(0.0..1e6).contains(&lambda) {
        return Err(bad("lambda", lambda, "non-centrality must lie in [0, 1e6)"));
    }
    crate::error::unit_open("level", level)?;
    let chi = |k: f64| {
        ChiSquared::new(k).map_err(|e| Error::NoConvergence {
            what: "chi-square distribution",
            detail: e.to_string(),
        })
    };
    let crit = chi(dof)?.inverse_cdf(1.0 - level);
    let half = lambda / 2.0;
    // Sum the Poisson weights from the mode outwards until they are negligible.
    let mode = half.floor();
    let ln_weight = |j: f64| -half + j * half.max(f64::MIN_POSITIVE).ln() - ln_factorial(j);
    let mut total = 0.0;
    let mut j = mode;
    loop {
        let w = if half == 0.0 {
            if j == 0.0 {
                1.0
            } else {
                0.0
            }
        } else {
            ln_weight(j).exp()
        };
        total += w * (1.0 - chi(dof + 2.0 * j)?.cdf(crit));
        if j == 0.0 || (w < 1e-17 && j < mode) {
            break;
        }
        j -= 1.0;
    }
    let mut j = mode + 1.0;
    loop {
        let w = if half == 0.0 { 0.0 } else { ln_weight(j).exp() };
        total += w * (1.0 - chi(dof + 2.0 * j)?.cdf(crit));
        if w < 1e-17 {
            break;
        }
        j += 1.0;
    }
    Ok(total.min(1.0))
}

fn ln_factorial(j: f64) -> f64 {
    statrs::function::gamma::ln_gamma(j + 1.0)
}
