//! Statistics of Markov-chain series: integrated autocorrelation time with automatic
//! windowing, error bars, binning and the jackknife (R7.4, R7.5).

use ndarray::Array1;
use ndrustfft::{ndfft, ndifft, Complex};
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
    let handler = critical_slowing_fft_plans::complex_handler(2 * len);
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

/// Unit tests on series small enough to work by hand (R7.4, R7.5, R7.9); the statistical
/// checks on long chains (τ_int of an AR(1) process, the χ² power at large λ) are in
/// `tests/mc.rs`.
#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Γ(t) summed directly, Σ_{chains} Σ_{i<N−t} (x_i − x̄)(x_{i+t} − x̄)/((N − t)·chains):
    /// the O(N²) definition beside the FFT.
    fn direct_autocovariance(chains: &[&[f64]]) -> Vec<f64> {
        let len = chains[0].len();
        let mean = chains.iter().flat_map(|c| c.iter()).sum::<f64>() / (len * chains.len()) as f64;
        (0..len)
            .map(|t| {
                let sum: f64 = chains
                    .iter()
                    .map(|c| {
                        (0..len - t)
                            .map(|i| (c[i] - mean) * (c[i + t] - mean))
                            .sum::<f64>()
                    })
                    .sum();
                sum / ((len - t) * chains.len()) as f64
            })
            .collect()
    }

    /// A deterministic, positively correlated series: a slow cosine plus a fast sign flip.
    fn correlated(len: usize, phase: f64) -> Vec<f64> {
        (0..len)
            .map(|i| (i as f64 * 0.05 + phase).cos() + if i % 3 == 0 { 0.4 } else { -0.2 })
            .collect()
    }

    #[test]
    fn series_checks_refuse_short_ragged_and_non_finite_input() {
        assert_eq!(
            check_series(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]).unwrap(),
            3
        );
        assert!(check_series(&[]).is_err());
        assert!(check_series(&[&[1.0]]).is_err());
        assert!(check_series(&[&[1.0, 2.0], &[1.0, 2.0, 3.0]]).is_err());
        assert!(check_series(&[&[1.0, f64::INFINITY]]).is_err());
        assert!(check_series(&[&[1.0, 2.0], &[f64::NAN, 2.0]]).is_err());
    }

    /// Two chains around their common mean 3: deviations (−2, 0) and (−1, 3), so
    /// Γ(0) = (4 + 0 + 1 + 9)/4 = 3.5 and Γ(1) = (−2·0 + (−1)·3)/2 = −1.5.
    #[test]
    fn autocovariance_by_hand_and_against_the_direct_sum() {
        let gamma = autocovariance(&[&[1.0, 3.0], &[2.0, 6.0]]).unwrap();
        assert_eq!(gamma.len(), 2);
        assert_relative_eq!(gamma[0], 3.5, epsilon = 1e-12);
        assert_relative_eq!(gamma[1], -1.5, epsilon = 1e-12);
        let (a, b) = (correlated(200, 0.0), correlated(200, 1.0));
        let fft = autocovariance(&[&a, &b]).unwrap();
        let direct = direct_autocovariance(&[&a, &b]);
        assert_eq!(fft.len(), direct.len());
        for (t, (f, d)) in fft.iter().zip(&direct).enumerate() {
            assert!((f - d).abs() < 1e-12, "Γ({t}) = {f} against {d}");
        }
    }

    /// The estimate obeys its own definition, recomputed from the direct Γ: W is the first
    /// lag with W ≥ 6 τ(W), τ(W) = 1/2 + Σ_{t ≤ W} Γ(t)/Γ(0), error √(2τΓ(0)/N) and
    /// τ error τ √(2(2W + 1)/N), N = 400 measurements over two chains.
    #[test]
    fn estimate_follows_the_windowing_rule() {
        let (a, b) = (correlated(200, 0.0), correlated(200, 1.0));
        let e = estimate(&[&a, &b]).unwrap();
        let gamma = direct_autocovariance(&[&a, &b]);
        let tau_at = |w: usize| 0.5 + (1..=w).map(|t| gamma[t] / gamma[0]).sum::<f64>();
        assert!(e.window >= 1 && e.window < 199, "W = {}", e.window);
        assert!(e.window as f64 >= WINDOW_CONSTANT * tau_at(e.window));
        for w in 1..e.window {
            assert!(
                (w as f64) < WINDOW_CONSTANT * tau_at(w),
                "W = {w} already qualifies"
            );
        }
        let tau = tau_at(e.window);
        assert!(tau > 1.0, "the series is positively correlated: τ = {tau}");
        assert_relative_eq!(e.tau_int, tau, epsilon = 1e-10);
        let n = 400.0;
        let mean = a.iter().chain(&b).sum::<f64>() / n;
        assert_relative_eq!(e.mean, mean, epsilon = 1e-12);
        assert_relative_eq!(e.error, (2.0 * tau * gamma[0] / n).sqrt(), epsilon = 1e-12);
        let tau_error = tau * (2.0 * (2 * e.window + 1) as f64 / n).sqrt();
        assert_relative_eq!(e.tau_error, tau_error, epsilon = 1e-12);
    }

    /// An alternating series ±1 (N = 100) has Γ(t) = (−1)^t: τ(1) = −1/2 qualifies at W = 1
    /// and is raised to the floor 1/2, so the error is √(2·½·1/100) = 0.1. A constant series
    /// has error 0, τ = 1/2 and W = 0.
    #[test]
    fn estimate_floors_anticorrelated_and_constant_series() {
        let alternating: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let e = estimate(&[&alternating]).unwrap();
        assert_eq!(e.window, 1);
        assert_relative_eq!(e.tau_int, 0.5, epsilon = 1e-12);
        assert_relative_eq!(e.mean, 0.0, epsilon = 1e-12);
        assert_relative_eq!(e.error, 0.1, epsilon = 1e-12);
        assert_relative_eq!(e.tau_error, 0.5 * (6.0f64 / 100.0).sqrt(), epsilon = 1e-12);
        let flat = estimate(&[&[2.5; 10], &[2.5; 10]]).unwrap();
        let expected = Estimate {
            mean: 2.5,
            error: 0.0,
            tau_int: 0.5,
            tau_error: 0.0,
            window: 0,
        };
        assert_eq!(flat, expected);
        assert!(estimate(&[&[1.0]]).is_err());
    }

    /// Two constant chains at +1 and −1 (N = 10 each): Γ(t) = 1 at every lag, τ(W) = ½ + W
    /// never meets W ≥ 6τ(W), so the window is the longest lag, W = N − 1 = 9, with τ = 9.5,
    /// error √(2·9.5/20) and τ error 9.5 √(2·19/20) (cargo-mutants found this case untested).
    #[test]
    fn estimate_without_a_qualifying_window_uses_the_longest_lag() {
        let e = estimate(&[&[1.0; 10], &[-1.0; 10]]).unwrap();
        assert_eq!(e.window, 9);
        assert_relative_eq!(e.tau_int, 9.5, epsilon = 1e-10);
        assert_relative_eq!(e.mean, 0.0, epsilon = 1e-15);
        assert_relative_eq!(e.error, (2.0f64 * 9.5 / 20.0).sqrt(), epsilon = 1e-10);
        assert_relative_eq!(
            e.tau_error,
            9.5 * (2.0f64 * 19.0 / 20.0).sqrt(),
            epsilon = 1e-10
        );
    }

    /// One chain 1…6 in bins of 2: block means 1.5, 3.5, 5.5 (variance 4), so the error is
    /// √(4/3); the measurements' variance is 3.5, so τ = 2·4/(2·3.5) = 8/7. Two chains of 5
    /// in bins of 2 use the first 4 of each: blocks 1.5, 3.5, 10.5, 12.5 (mean 7, variance
    /// (30.25 + 12.25 + 12.25 + 30.25)/3 = 85/3) and measurements 1, 2, 3, 4, 10, 11, 12, 13
    /// (mean 7, variance 172/7).
    #[test]
    fn binning_by_hand() {
        let (error, tau) = binning(&[&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]], 2).unwrap();
        assert_relative_eq!(error, (4.0f64 / 3.0).sqrt(), epsilon = 1e-12);
        assert_relative_eq!(tau, 8.0 / 7.0, epsilon = 1e-12);
        let a = [1.0, 2.0, 3.0, 4.0, 100.0];
        let b = [10.0, 11.0, 12.0, 13.0, -50.0];
        let (error, tau) = binning(&[&a, &b], 2).unwrap();
        let block_var = 85.0 / 3.0;
        assert_relative_eq!(error, (block_var / 4.0f64).sqrt(), epsilon = 1e-12);
        assert_relative_eq!(tau, 2.0 * block_var / (2.0 * 172.0 / 7.0), epsilon = 1e-12);
        let (error, tau) = binning(&[&[3.0; 4]], 2).unwrap();
        assert_eq!((error, tau), (0.0, 0.5));
        assert!(binning(&[&a], 0).is_err());
        assert!(
            binning(&[&a], 3).is_err(),
            "one block of 3 in 5 measurements"
        );
        assert!(binning(&[&a[..4]], 2).is_ok(), "two blocks of 2");
    }

    /// The jackknife of a mean is the standard error of the block means: 1, 2, 3, 4 in four
    /// blocks leave out 3, 8/3, 7/3, 2, so the error is √(3/4 · 5/9) = √(5/12), the sample
    /// standard deviation √(5/3) over √4. A ratio of means with 5 measurements in 2 blocks of
    /// 2 (the fifth unused): x = 1, 3, 5, 7 (means 2 and 6 by block), y = 2, 2, 4, 4; full
    /// ratio 16/12 = 4/3, leaving out block 1 gives 12/8 = 3/2, block 2 gives 4/4 = 1, so
    /// the error is √(1/2 · ((3/2 − 5/4)² + (1 − 5/4)²)) = 1/4.
    #[test]
    fn jackknife_by_hand() {
        let (value, error) = jackknife(&[vec![1.0, 2.0, 3.0, 4.0]], 4, |m| m[0]).unwrap();
        assert_relative_eq!(value, 2.5, epsilon = 1e-12);
        assert_relative_eq!(error, (5.0f64 / 12.0).sqrt(), epsilon = 1e-12);
        let x = vec![1.0, 3.0, 5.0, 7.0, 1000.0];
        let y = vec![2.0, 2.0, 4.0, 4.0, -7.0];
        let (value, error) = jackknife(&[x.clone(), y.clone()], 2, |m| m[0] / m[1]).unwrap();
        assert_relative_eq!(value, 4.0 / 3.0, epsilon = 1e-12);
        assert_relative_eq!(error, 0.25, epsilon = 1e-12);
        assert!(jackknife(std::slice::from_ref(&x), 1, |m| m[0]).is_err());
        assert!(jackknife(std::slice::from_ref(&x), 6, |m| m[0]).is_err());
        assert!(jackknife(&[x.clone(), y[..4].to_vec()], 2, |m| m[0]).is_err());
        assert!(
            jackknife(&[x], 5, |m| m[0]).is_ok(),
            "one measurement per block"
        );
    }

    /// 1, 2, 3: mean 2, Σ(x − x̄)² = 2, error √(2/3 · 2) = √(4/3).
    #[test]
    fn jackknife_error_by_hand() {
        assert_relative_eq!(
            jackknife_error(&[1.0, 2.0, 3.0]),
            (4.0f64 / 3.0).sqrt(),
            epsilon = 1e-12
        );
        assert_eq!(jackknife_error(&[4.0, 4.0]), 0.0);
    }

    /// With one degree of freedom the non-central χ² is (Z + √λ)², so the power at level α is
    /// Φ(√λ − z) + Φ(−√λ − z), z the two-sided normal quantile Φ⁻¹(1 − α/2): a closed form
    /// beside the Poisson mixture, for λ small (the mixture's mode at j = 0), moderate and
    /// large (the downward sum from the mode runs over many terms).
    #[test]
    fn chi_square_power_with_one_degree_of_freedom_is_a_normal_tail() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let normal = Normal::new(0.0, 1.0).unwrap();
        for level in [0.05, 1e-3] {
            let z = normal.inverse_cdf(1.0 - level / 2.0);
            for lambda in [0.0, 0.3, 2.0, 9.0, 30.0, 80.0] {
                let root = f64::sqrt(lambda);
                let exact = normal.cdf(root - z) + normal.cdf(-root - z);
                let power = chi_square_power(1.0, lambda, level).unwrap();
                assert!(
                    (power - exact).abs() < 1e-9,
                    "λ = {lambda}: {power} against {exact}"
                );
            }
        }
        assert_relative_eq!(ln_factorial(4.0), 24.0f64.ln(), epsilon = 1e-12);
        assert_relative_eq!(ln_factorial(0.0), 0.0, epsilon = 1e-12);
    }

    #[test]
    fn chi_square_power_refuses_bad_parameters() {
        assert!(chi_square_power(f64::INFINITY, 1.0, 0.05).is_err());
        assert!(chi_square_power(-1.0, 1.0, 0.05).is_err());
        assert!(chi_square_power(2.0, -0.1, 0.05).is_err());
        assert!(chi_square_power(2.0, 1e6, 0.05).is_err());
        assert!(chi_square_power(2.0, 1e6 - 1.0, 0.05).is_ok());
        assert!(chi_square_power(2.0, 1.0, 0.0).is_err());
        assert!(chi_square_power(2.0, 1.0, 1.0).is_err());
    }
}
