//! Statistical checks of sampled spectra and their power (derivations/10-test-power.md,
//! R10.1–R10.5).
//!
//! A sampled check draws M fields whose per-mode sample variances P̂_k should follow the
//! scaled χ² laws of R6.7 around predicted variances P_k. Three statistics are used:
//! the pooled χ² statistic S = Σ_u ν_u P̂_u/P_u over independent modes u (R10.1), a per-mode
//! χ² test (used on the zero mode, R10.2), and the plug-in KL and W2² with windows derived from
//! their exact null distributions (R10.3, R10.4). Each comes with its exact (or provably
//! bounded) power against a named alternative: (a) every P_u scaled by 1 + δ, (b) only the
//! zero mode scaled by 1 + δ (derivations/10, R10.1–R10.2).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};
use statrs::function::gamma::{digamma, ln_gamma};

use crate::error::{Error, Result};

/// One independent Fourier mode (a self-conjugate k or a pair ±k) of a sampled spectrum.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ModeUnit {
    /// Number of lattice modes the unit stands for (1 self-conjugate, 2 a pair ±k).
    pub weight: f64,
    /// Degrees of freedom ν of ν P̂/P ~ χ²_ν: M (self-conjugate) or 2M (pair) (R6.7).
    pub dof: f64,
    /// The sample variance P̂.
    pub p_hat: f64,
    /// The variance P the null hypothesis predicts.
    pub p_true: f64,
    /// The target variance C against which KL and W2 are measured.
    pub target: f64,
}

/// Result of a two-sided test at a stated level.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TestOutcome {
    /// Value of the statistic.
    pub statistic: f64,
    /// Degrees of freedom of its null χ² law (0 for non-χ² statistics).
    pub dof: f64,
    /// Two-sided p-value 2 min(F, 1 − F) (for Chernoff windows: a rigorous upper bound, capped at 1).
    pub p_value: f64,
    /// The level α (false-alarm probability) of the test.
    pub level: f64,
    /// True when the statistic lies inside the acceptance region (p-value > α).
    pub pass: bool,
}

fn chi2(dof: f64) -> Result<ChiSquared> {
    ChiSquared::new(dof).map_err(|_| Error::Parameter {
        name: "chi-square degrees of freedom",
        value: dof,
        requirement: "must be a finite number > 0",
    })
}

fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::Parameter {
            name: "level",
            value: level,
            requirement: "a false-alarm probability must lie in (0, 1)",
        })
    }
}

/// The χ²_ν quantiles q_p and q_{1−p} by bisection on the cdf and the survival function (statrs'
/// `inverse_cdf` returns NaN for some ν ~ 10⁵–10⁶; the survival function avoids 1 − p
/// cancellation in the upper tail).
fn chi2_quantiles(chi: &ChiSquared, dof: f64, p: f64) -> (f64, f64) {
    let solve = |f: &dyn Fn(f64) -> bool| {
        // f(x) is false below the quantile and true above it
        let (mut lo, mut hi) = (0.0, dof + 60.0 * (2.0 * dof).sqrt() + 200.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        0.5 * (lo + hi)
    };
    (solve(&|x| chi.cdf(x) >= p), solve(&|x| chi.sf(x) <= p))
}

/// Two-sided χ² test of a statistic with null law χ²_dof at level α: accept when
/// q_{α/2} ≤ S ≤ q_{1−α/2} (R10.1, R10.2).
pub fn chi2_test(statistic: f64, dof: f64, level: f64) -> Result<TestOutcome> {
    check_level(level)?;
    let f = chi2(dof)?.cdf(statistic);
    let p_value = (2.0 * f.min(1.0 - f)).min(1.0);
    Ok(TestOutcome {
        statistic,
        dof,
        p_value,
        level,
        pass: p_value > level,
    })
}

/// Pooled statistic S = Σ_u ν_u P̂_u/P_u ~ χ²_{Σν_u} under the null (independent units, each
/// ν_u P̂_u/P_u ~ χ²_{ν_u}), tested two-sided at `level` (R10.1). Over the independent modes
/// of M fields on V sites, Σ ν_u = MV.
pub fn pooled_chi2_test(units: &[ModeUnit], level: f64) -> Result<TestOutcome> {
    let statistic = units.iter().map(|u| u.dof * u.p_hat / u.p_true).sum();
    let dof = units.iter().map(|u| u.dof).sum();
    chi2_test(statistic, dof, level)
}

/// Exact power of the two-sided χ²_ν test at level α when the true variances are the predicted
/// ones times 1 + δ, so that the statistic is (1 + δ) χ²_ν (R10.1):
/// F_ν(q_{α/2}/(1 + δ)) + 1 − F_ν(q_{1−α/2}/(1 + δ)).
pub fn power_chi2(level: f64, dof: f64, relative_error: f64) -> Result<f64> {
    check_level(level)?;
    if relative_error.is_nan() || relative_error <= -1.0 {
        return Err(Error::Parameter {
            name: "relative error",
            value: relative_error,
            requirement: "a variance error 1 + δ must be > 0",
        });
    }
    let chi = chi2(dof)?;
    let (lo, hi) = chi2_quantiles(&chi, dof, level / 2.0);
    let s = 1.0 + relative_error;
    Ok(chi.cdf(lo / s) + chi.sf(hi / s))
}

/// Power of the pooled test (R10.1) against alternative (a): every mode's variance off by the
/// factor 1 + δ. `dof_total` = Σ ν_u = MV.
pub fn power_pooled(level: f64, dof_total: f64, relative_error: f64) -> Result<f64> {
    power_chi2(level, dof_total, relative_error)
}

/// Power of the zero-mode test M P̂_0/P_0 ~ χ²_M (R10.2) against alternative (b): the zero
/// mode's variance off by 1 + δ. M fields give M degrees of freedom (the zero mode is real).
pub fn power_zero_mode(level: f64, m: usize, relative_error: f64) -> Result<f64> {
    power_chi2(level, m as f64, relative_error)
}

/// Smallest number of fields M such that a χ² test with `dof_per_field`·M degrees of freedom
/// at `level` has power ≥ `target` against both errors +δ and −δ (R10.2). Found by doubling
/// and bisection on the monotone power. Refused before any work: 0 < |δ| < 1 is required
/// (at δ = 0 the power is the level for every M) and a target in (0, 1).
pub fn min_samples_for_power(
    level: f64,
    dof_per_field: f64,
    relative_error: f64,
    target: f64,
) -> Result<usize> {
    let delta = relative_error.abs();
    if !(delta > 0.0 && delta < 1.0) {
        return Err(Error::Parameter {
            name: "relative error",
            value: relative_error,
            requirement: "the error to detect must satisfy 0 < |δ| < 1",
        });
    }
    if !(target > 0.0 && target < 1.0) {
        return Err(Error::Parameter {
            name: "target power",
            value: target,
            requirement: "a power to reach must lie in (0, 1)",
        });
    }
    let ok = |m: usize| -> Result<bool> {
        let dof = dof_per_field * m as f64;
        Ok(power_chi2(level, dof, delta)?.min(power_chi2(level, dof, -delta)?) >= target)
    };
    let mut hi = 1usize;
    while !ok(hi)? {
        hi *= 2;
        if hi > 1 << 40 {
            return Err(Error::NoConvergence {
                what: "sample size for power",
                detail: format!("power {target} not reached for δ = {delta}"),
            });
        }
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if ok(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// Trigamma ψ'(x), x > 0: recurrence ψ'(x) = ψ'(x + 1) + 1/x² up to x ≥ 20, then the
/// asymptotic series 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) (error < 1e-13).
pub fn trigamma(x: f64) -> f64 {
    let mut x = x;
    let mut acc = 0.0;
    while x < 20.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let i = 1.0 / x;
    let i2 = i * i;
    acc + i + i2 / 2.0 + i * i2 * (1.0 / 6.0 - i2 * (1.0 / 30.0 - i2 * (1.0 / 42.0 - i2 / 30.0)))
}

/// One unit's plug-in KL term as a function of X = ν P̂/P ~ χ²_ν:
/// w·½(ρX/ν − 1 − ln ρ − ln(X/ν)) = aX − b ln X + c with ρ = P/C (R10.3).
#[derive(Debug, Clone, Copy)]
struct KlTerm {
    a: f64,
    b: f64,
    c: f64,
    half_nu: f64,
}

impl KlTerm {
    fn new(u: &ModeUnit, p: f64) -> Self {
        let rho = p / u.target;
        Self {
            a: u.weight * rho / (2.0 * u.dof),
            b: u.weight / 2.0,
            c: u.weight / 2.0 * (-1.0 - rho.ln() + u.dof.ln()),
            half_nu: u.dof / 2.0,
        }
    }
    /// Largest s where the CGF is finite: 1 − 2sa > 0 and ν/2 − sb > 0.
    fn s_max(&self) -> f64 {
        (0.5 / self.a).min(self.half_nu / self.b)
    }
    /// Cumulant generating function ln E e^{sY} (R10.3).
    fn cgf(&self, s: f64) -> f64 {
        let k = self.half_nu - s * self.b;
        s * self.c - s * self.b * std::f64::consts::LN_2 + ln_gamma(k)
            - ln_gamma(self.half_nu)
            - k * (1.0 - 2.0 * s * self.a).ln()
    }
    /// Its derivative in s.
    fn cgf_prime(&self, s: f64) -> f64 {
        let k = self.half_nu - s * self.b;
        let e = 1.0 - 2.0 * s * self.a;
        self.c - self.b * std::f64::consts::LN_2 - self.b * digamma(k)
            + self.b * e.ln()
            + 2.0 * self.a * k / e
    }
}

/// Exact mean and variance of a statistic under its null hypothesis (default: both 0, the
/// start of a sum over independent units).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Moments {
    /// Mean.
    pub mean: f64,
    /// Variance.
    pub variance: f64,
}

/// Exact null mean and variance of the plug-in KL Σ_u w_u ½(r_u − 1 − ln r_u),
/// r_u = P̂_u/C_u, with ν_u P̂_u/P_u ~ χ²_{ν_u} independent (R10.3). Per unit, with ρ = P/C:
/// mean w/2 (ρ − 1 − ln ρ − ψ(ν/2) − ln(2/ν)), variance w²/4 (2ρ²/ν + ψ'(ν/2) − 4ρ/ν).
pub fn plug_in_kl_null_moments(units: &[ModeUnit]) -> Moments {
    let mut out = Moments::default();
    for u in units {
        let (rho, nu, w) = (u.p_true / u.target, u.dof, u.weight);
        out.mean += w / 2.0 * (rho - 1.0 - rho.ln()) + null_bias_term(w, nu);
        out.variance += w * w / 4.0 * (2.0 * rho * rho / nu + trigamma(nu / 2.0) - 4.0 * rho / nu);
    }
    out
}

/// One unit's bias w/2 (−ψ(ν/2) − ln(2/ν)) = w/2 (ln(ν/2) − ψ(ν/2)) ≈ w/(2ν) (R10.3).
fn null_bias_term(weight: f64, dof: f64) -> f64 {
    weight / 2.0 * (-digamma(dof / 2.0) - (2.0 / dof).ln())
}

/// Bias of the plug-in KL Σ_u w_u ½(r_u − 1 − ln r_u) over the true Σ_u w_u ½(ρ_u − 1 − ln ρ_u)
/// when ν_u P̂_u/P_u ~ χ²_{ν_u} (R10.3): Σ_u w_u/2 (−ψ(ν_u/2) − ln(2/ν_u)). It depends on the
/// weights and degrees of freedom only, not on P_u or C_u, so subtracting it from a measured
/// plug-in KL needs no closed form (≈ U/(2M) for M fields, U the number of independent units,
/// ≈ V/2 on V sites).
pub fn plug_in_kl_null_bias(units: &[ModeUnit]) -> f64 {
    units.iter().map(|u| null_bias_term(u.weight, u.dof)).sum()
}

fn kl_terms(units: &[ModeUnit], scale: &dyn Fn(usize) -> f64) -> Vec<KlTerm> {
    units
        .iter()
        .enumerate()
        .map(|(i, u)| KlTerm::new(u, u.p_true * scale(i)))
        .collect()
}

/// The largest s where every term's CGF, hence the sum's, is finite: min_u s_max(u).
fn joint_s_max(terms: &[KlTerm]) -> f64 {
    terms
        .iter()
        .map(|t| t.s_max())
        .fold(f64::INFINITY, f64::min)
}

/// ln of the Chernoff bound inf_s [K(s) − s x] on P(KL ≥ x) (x above the mean) or P(KL ≤ x)
/// (x below it), K the exact CGF of the plug-in KL (R10.3). 0 at the mean.
fn chernoff_log_tail(terms: &[KlTerm], x: f64) -> f64 {
    let kp = |s: f64| terms.iter().map(|t| t.cgf_prime(s)).sum::<f64>();
    let k = |s: f64| terms.iter().map(|t| t.cgf(s)).sum::<f64>();
    let mean = kp(0.0);
    let s_max = joint_s_max(terms);
    let (mut lo, mut hi) = if x > mean {
        (0.0, s_max * (1.0 - 1e-12))
    } else if x < mean {
        let mut lo = -s_max;
        while kp(lo) > x && lo > -1e6 * s_max {
            lo *= 2.0;
        }
        (lo, 0.0)
    } else {
        return 0.0;
    };
    // K' increases from K'(lo) to K'(hi): bisection for K'(s) = x
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if kp(mid) < x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let s = 0.5 * (lo + hi);
    (k(s) - s * x).min(0.0)
}

/// Acceptance window of the plug-in KL at level α: the x_lo < mean < x_hi where the Chernoff
/// bounds on both tails equal α/2, so P(KL ∉ [x_lo, x_hi]) ≤ α exactly, not asymptotically
/// (R10.3).
pub fn plug_in_kl_window(units: &[ModeUnit], level: f64) -> Result<(f64, f64)> {
    check_level(level)?;
    let terms = kl_terms(units, &|_| 1.0);
    let m = plug_in_kl_null_moments(units);
    let target = (level / 2.0).ln();
    let side = |dir: f64| {
        let (mut near, mut far) = (m.mean, m.mean + dir * m.variance.sqrt());
        while chernoff_log_tail(&terms, far) > target {
            near = far;
            far = m.mean + 2.0 * (far - m.mean);
            if dir < 0.0 && far <= 0.0 {
                // the KL is > 0 almost surely, so its lower tail bound falls to −∞ at 0: the
                // crossing lies in (0, near), and the bisection below finds it (or keeps 0)
                far = 0.0;
                break;
            }
        }
        for _ in 0..100 {
            let mid = 0.5 * (near + far);
            if chernoff_log_tail(&terms, mid) > target {
                near = mid;
            } else {
                far = mid;
            }
        }
        far
    };
    Ok((side(-1.0), side(1.0)))
}

/// The plug-in KL test: accept when the statistic lies in [`plug_in_kl_window`] (R10.3).
/// `p_value` is the Chernoff bound 2 exp(inf_s[K(s) − s x]) (an upper bound of the exact one).
pub fn plug_in_kl_test(units: &[ModeUnit], level: f64) -> Result<TestOutcome> {
    plug_in_kl_test_in(units, plug_in_kl_window(units, level)?, level)
}

/// The plug-in KL test with its window `(lo, hi)` already computed by [`plug_in_kl_window`] at
/// `level` for the same units (the window depends on ν_u, P_u and C_u, not on P̂_u) (R10.3).
pub fn plug_in_kl_test_in(
    units: &[ModeUnit],
    (lo, hi): (f64, f64),
    level: f64,
) -> Result<TestOutcome> {
    check_level(level)?;
    let kl: f64 = units
        .iter()
        .map(|u| u.weight * crate::divergence::kl_term(u.p_hat, u.target))
        .sum();
    let bound = 2.0 * chernoff_log_tail(&kl_terms(units, &|_| 1.0), kl).exp();
    Ok(TestOutcome {
        statistic: kl,
        dof: 0.0,
        p_value: bound.min(1.0),
        level,
        pass: lo <= kl && kl <= hi,
    })
}

/// Lower bound on the power of the plug-in KL test at level α when unit i's variance is
/// P_i·(1 + δ_i) (`scale(i)` = 1 + δ_i) (R10.3): 1 − P_alt(KL on the near side of the
/// window), the latter bounded by the Chernoff bound of the alternative's exact CGF.
pub fn power_plug_in_kl(
    units: &[ModeUnit],
    level: f64,
    scale: &dyn Fn(usize) -> f64,
) -> Result<f64> {
    Ok(power_plug_in_kl_in(
        units,
        plug_in_kl_window(units, level)?,
        scale,
    ))
}

/// [`power_plug_in_kl`] with the null window `(lo, hi)` already computed by
/// [`plug_in_kl_window`] for the same units (R10.3).
pub fn power_plug_in_kl_in(
    units: &[ModeUnit],
    (lo, hi): (f64, f64),
    scale: &dyn Fn(usize) -> f64,
) -> f64 {
    let alt = kl_terms(units, scale);
    let mean: f64 = alt.iter().map(|t| t.cgf_prime(0.0)).sum();
    let inside = if mean > hi {
        chernoff_log_tail(&alt, hi).exp()
    } else if mean < lo {
        chernoff_log_tail(&alt, lo).exp()
    } else {
        1.0
    };
    1.0 - inside
}

/// Exact mean and variance of the plug-in W2² Σ_u w_u (√P̂_u − √C_u)² (R10.4) when unit u's
/// variance is `scale(u)`·P_u (the null: `scale` ≡ 1), from the χ² moments
/// E X^{1/2} = √2 Γ((ν+1)/2)/Γ(ν/2), E X^{3/2} = 2^{3/2} Γ((ν+3)/2)/Γ(ν/2).
pub fn plug_in_w2_null_moments(units: &[ModeUnit], scale: &dyn Fn(usize) -> f64) -> Moments {
    let mut out = Moments::default();
    for (i, u) in units.iter().enumerate() {
        let (p, c, nu, w) = (u.p_true * scale(i), u.target, u.dof, u.weight);
        let g = |k: f64| (ln_gamma((nu + k) / 2.0) - ln_gamma(nu / 2.0)).exp() * 2f64.powf(k / 2.0);
        let (ex, ex_half, ex_3half) = (nu, g(1.0), g(3.0));
        // term = (p/ν) X − 2√(pc/ν) √X + c
        let (alpha, beta) = (p / nu, 2.0 * (p * c / nu).sqrt());
        out.mean += w * (alpha * ex - beta * ex_half + c);
        let var_x = 2.0 * nu;
        let var_half = ex - ex_half * ex_half;
        let cov = ex_3half - ex * ex_half;
        out.variance +=
            w * w * (alpha * alpha * var_x + beta * beta * var_half - 2.0 * alpha * beta * cov);
    }
    out
}

/// Normal quantile z with P(Z > z) = level.
pub fn one_sided_z(level: f64) -> Result<f64> {
    check_level(level)?;
    Ok(-Normal::standard().inverse_cdf(level))
}

/// Exact mean and variance of the plug-in KL in the data-to-generated direction,
/// Σ_u w_u ½(ρ̂_u − 1 − ln ρ̂_u) with ρ̂_u = C_u/P̂_u and ν_u P̂_u/P_u ~ χ²_{ν_u} independent
/// (R10.7). Per unit, with ρ = C/P (ν > 4):
/// mean w/2 (ρν/(ν − 2) − 1 − ln ρ + ψ(ν/2) + ln(2/ν)),
/// variance w²/4 (2ρ²ν²/((ν − 2)²(ν − 4)) + ψ'(ν/2) − 4ρν/(ν − 2)²).
pub fn reverse_plug_in_kl_null_moments(units: &[ModeUnit]) -> Moments {
    let mut out = Moments::default();
    for u in units {
        let (rho, nu, w) = (u.target / u.p_true, u.dof, u.weight);
        out.mean += w / 2.0
            * (rho * nu / (nu - 2.0) - 1.0 - rho.ln() + digamma(nu / 2.0) + (2.0 / nu).ln());
        out.variance += w * w / 4.0
            * (2.0 * rho * rho * nu * nu / ((nu - 2.0).powi(2) * (nu - 4.0)) + trigamma(nu / 2.0)
                - 4.0 * rho * nu / (nu - 2.0).powi(2));
    }
    out
}

/// Normal quantile z with P(|Z| > z) = level.
pub fn two_sided_z(level: f64) -> Result<f64> {
    check_level(level)?;
    let n = Normal::standard();
    Ok(-n.inverse_cdf(level / 2.0))
}

/// The plug-in W2² test: accept inside mean ± z σ of the exact null moments (R10.4), z the
/// two-sided normal quantile of the level (a second-order window: W2² is a sum of many
/// independent terms, each within O(ν^{-1/2}) of normal).
pub fn plug_in_w2_test(units: &[ModeUnit], level: f64) -> Result<TestOutcome> {
    let m = plug_in_w2_null_moments(units, &|_| 1.0);
    let z = two_sided_z(level)?;
    let w2: f64 = units
        .iter()
        .map(|u| u.weight * crate::divergence::w2_term(u.p_hat, u.target))
        .sum();
    let zs = (w2 - m.mean) / m.variance.sqrt();
    let p_value = 2.0 * Normal::standard().cdf(-zs.abs());
    Ok(TestOutcome {
        statistic: w2,
        dof: 0.0,
        p_value,
        level,
        pass: zs.abs() <= z,
    })
}

/// Normal-approximation power of the W2² window of [`plug_in_w2_test`] when unit i's variance
/// is scaled by `scale(i)` (R10.4).
pub fn power_plug_in_w2(
    units: &[ModeUnit],
    level: f64,
    scale: &dyn Fn(usize) -> f64,
) -> Result<f64> {
    let null = plug_in_w2_null_moments(units, &|_| 1.0);
    let alt = plug_in_w2_null_moments(units, scale);
    let z = two_sided_z(level)?;
    let (lo, hi) = (
        null.mean - z * null.variance.sqrt(),
        null.mean + z * null.variance.sqrt(),
    );
    let n = Normal::new(alt.mean, alt.variance.sqrt()).map_err(|e| Error::NoConvergence {
        what: "W2 power",
        detail: e.to_string(),
    })?;
    Ok(n.cdf(lo) + n.sf(hi))
}

/// Unit tests against closed forms at ν = 2, quadrature and brute-force searches.
#[cfg(test)]
mod tests;
