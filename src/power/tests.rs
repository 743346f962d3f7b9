//! Unit tests of the χ² tests, their power and the null laws of the plug-in statistics
//! (R10.1–R10.4, R10.7). Each function is compared with a computation that does not go
//! through it:
//! - closed forms at ν = 2, where χ²₂ is the exponential law of mean 2
//!   (F(x) = 1 − e^{−x/2});
//! - quadrature over the χ² density;
//! - statrs' own quantile and digamma routines;
//! - brute-force searches.
//!
//! They run in milliseconds (`cargo test --release --lib power::`), so that a mutant of
//! `src/power.rs` is caught without the integration tests' Monte Carlo draws.

use approx::assert_relative_eq;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};
use statrs::function::gamma::{digamma, ln_gamma};

use super::*;

/// E g(X) for X ~ χ²_ν (ν ≥ 2), by Simpson's rule in u = √x, where the density
/// 2u·x^{ν/2−1}e^{−x/2}/(2^{ν/2}Γ(ν/2)) is smooth and vanishes at u = 0. The range ends at
/// x = ν + 60√(2ν) + 200, beyond which the χ² mass is below e^{−90}; 40 000 intervals put the
/// rule's error below 1e-10 relative for the smooth g used here.
fn chi2_expectation(nu: f64, g: impl Fn(f64) -> f64) -> f64 {
    let x_max = nu + 60.0 * (2.0 * nu).sqrt() + 200.0;
    let n = 40_000;
    let h = x_max.sqrt() / n as f64;
    let ln_norm = nu / 2.0 * std::f64::consts::LN_2 + ln_gamma(nu / 2.0);
    let integrand = |u: f64| {
        if u == 0.0 {
            return 0.0;
        }
        let x = u * u;
        2.0 * u * ((nu / 2.0 - 1.0) * x.ln() - x / 2.0 - ln_norm).exp() * g(x)
    };
    let inner: f64 = (1..n)
        .map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * integrand(i as f64 * h))
        .sum();
    (integrand(0.0) + inner + integrand(n as f64 * h)) * h / 3.0
}

/// Mean and variance of T(X), X ~ χ²_ν, by quadrature.
fn moments_by_quadrature(nu: f64, t: impl Fn(f64) -> f64) -> Moments {
    let mean = chi2_expectation(nu, &t);
    let second = chi2_expectation(nu, |x| t(x).powi(2));
    Moments {
        mean,
        variance: second - mean * mean,
    }
}

fn add(a: Moments, b: Moments) -> Moments {
    Moments {
        mean: a.mean + b.mean,
        variance: a.variance + b.variance,
    }
}

fn unit(weight: f64, dof: f64, p_true: f64, target: f64) -> ModeUnit {
    ModeUnit {
        weight,
        dof,
        p_hat: p_true,
        p_true,
        target,
    }
}

/// The χ²₂ quantiles q_p = −2 ln(1 − p) and q_{1−p} = −2 ln p.
fn chi2_two_quantiles(p: f64) -> (f64, f64) {
    (-2.0 * (1.0 - p).ln(), -2.0 * p.ln())
}

/// The exact power of the two-sided χ²₂ test at level α against the factor s = 1 + δ:
/// F(q_lo/s) + 1 − F(q_hi/s) = 1 − (1 − α/2)^{1/s} + (α/2)^{1/s} (R10.1).
fn power_at_nu_two(level: f64, s: f64) -> f64 {
    let p = level / 2.0;
    1.0 - (1.0 - p).powf(1.0 / s) + p.powf(1.0 / s)
}

#[test]
fn quadrature_is_normalised() {
    for nu in [2.0, 3.0, 10.0, 400.0] {
        assert_relative_eq!(chi2_expectation(nu, |_| 1.0), 1.0, max_relative = 1e-10);
        assert_relative_eq!(chi2_expectation(nu, |x| x), nu, max_relative = 1e-10);
    }
}

/// The bisection quantiles against the closed form at ν = 2 and statrs' inverse cdf (Newton on
/// the regularised gamma function) at ν = 10 and 137.5, where the latter converges; at
/// ν = 20 000 by their definitions.
#[test]
fn quantiles_match_closed_forms_and_statrs() {
    for p in [1e-9, 1e-4, 0.025, 0.3] {
        let (lo, hi) = chi2_quantiles(&ChiSquared::new(2.0).unwrap(), 2.0, p);
        let (exact_lo, exact_hi) = chi2_two_quantiles(p);
        assert_relative_eq!(lo, exact_lo, max_relative = 1e-10);
        assert_relative_eq!(hi, exact_hi, max_relative = 1e-12);
    }
    for nu in [10.0, 137.5] {
        let chi = ChiSquared::new(nu).unwrap();
        for p in [1e-3, 0.05] {
            let (lo, hi) = chi2_quantiles(&chi, nu, p);
            assert_relative_eq!(lo, chi.inverse_cdf(p), max_relative = 1e-9);
            assert_relative_eq!(hi, chi.inverse_cdf(1.0 - p), max_relative = 1e-9);
        }
    }
    // far tails of a large ν, where q_{1−p} ≈ ν + 4.75·√(2ν) = ν + 950 lies beyond ν + 200: the
    // quantiles satisfy their definitions F(q_p) = p and S(q_{1−p}) = p (the search's bracket
    // must reach them)
    let nu = 20_000.0;
    let chi = ChiSquared::new(nu).unwrap();
    let p = 1e-6;
    let (lo, hi) = chi2_quantiles(&chi, nu, p);
    assert!(hi > nu + 900.0 && lo < nu - 900.0, "{lo} {hi}");
    assert_relative_eq!(chi.cdf(lo), p, max_relative = 1e-8);
    assert_relative_eq!(chi.sf(hi), p, max_relative = 1e-8);
}

/// R10.1: the p-value 2 min(F, 1 − F) with F(x) = 1 − e^{−x/2} at ν = 2, and acceptance
/// exactly between the quantiles q_{α/2} = 0.1026 and q_{1−α/2} = 5.991 at α = 0.1.
#[test]
fn chi2_test_at_nu_two() {
    let level = 0.1;
    let (lo, hi) = chi2_two_quantiles(level / 2.0);
    for x in [0.01, 0.1, 0.11, 2.0 * 2f64.ln(), 2.0, 5.9, 6.1, 30.0] {
        let t = chi2_test(x, 2.0, level).unwrap();
        let f = 1.0 - (-x / 2.0).exp();
        assert_relative_eq!(t.p_value, 2.0 * f.min(1.0 - f), max_relative = 1e-12);
        assert_eq!(t.pass, lo < x && x < hi, "x = {x}");
        assert_eq!((t.statistic, t.dof, t.level), (x, 2.0, level));
    }
    assert!(chi2_test(1.0, 0.0, level).is_err());
    assert!(chi2_test(1.0, f64::NAN, level).is_err());
    for bad in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(chi2_test(1.0, 2.0, bad).is_err(), "level {bad}");
    }
    assert!(chi2_test(1.0, 2.0, 1.0 - 1e-12).is_ok());
    assert!(chi2_test(1.0, 2.0, 1e-300).is_ok());
}

/// R10.1: S = Σ ν_u P̂_u/P_u on Σ ν_u degrees of freedom: 4·1.5 + 6·0.5 = 9 on 10.
#[test]
fn pooled_statistic_by_hand() {
    let units = [
        ModeUnit {
            p_hat: 3.0,
            ..unit(1.0, 4.0, 2.0, 7.0)
        },
        ModeUnit {
            p_hat: 0.25,
            ..unit(2.0, 6.0, 0.5, 7.0)
        },
    ];
    let t = pooled_chi2_test(&units, 0.01).unwrap();
    assert_eq!((t.statistic, t.dof), (9.0, 10.0));
    assert_eq!(t, chi2_test(9.0, 10.0, 0.01).unwrap());
}

/// R10.1, R10.2: the power at ν = 2 against 1 − (1 − α/2)^{1/s} + (α/2)^{1/s}; it equals the
/// level at δ = 0. The pooled and zero-mode powers are the same function of ν.
#[test]
fn power_at_nu_two_matches_the_closed_form() {
    for level in [1e-6, 0.05] {
        for s in [0.2, 0.5, 0.9, 1.0, 1.3, 4.0] {
            let exact = power_at_nu_two(level, s);
            assert_relative_eq!(
                power_chi2(level, 2.0, s - 1.0).unwrap(),
                exact,
                max_relative = 1e-9
            );
            assert_relative_eq!(
                power_pooled(level, 2.0, s - 1.0).unwrap(),
                exact,
                max_relative = 1e-9
            );
            assert_relative_eq!(
                power_zero_mode(level, 2, s - 1.0).unwrap(),
                exact,
                max_relative = 1e-9
            );
        }
    }
    assert!(power_chi2(0.05, 2.0, -0.999).is_ok());
    for bad in [-1.0, -1.5, f64::NAN] {
        assert!(power_chi2(0.05, 2.0, bad).is_err(), "δ = {bad}");
    }
    assert!(power_chi2(0.0, 2.0, 0.1).is_err());
    assert!(power_chi2(0.05, -2.0, 0.1).is_err());
    assert!(power_zero_mode(0.05, 0, 0.1).is_err());
}

/// R10.2: the doubling-and-bisection search returns the first M of a linear scan; M = 1 when
/// one field suffices; δ = 0 (power = level for every M), |δ| ≥ 1 and targets outside (0, 1)
/// are refused.
#[test]
fn sample_size_is_the_first_sufficient_one() {
    let power = |dof: f64, d: f64| {
        power_chi2(0.01, dof, d)
            .unwrap()
            .min(power_chi2(0.01, dof, -d).unwrap())
    };
    for (per_field, delta) in [(2.0, 0.3), (1.0, 0.5), (3.0, 0.25)] {
        let first = (1..10_000)
            .find(|&m| power(per_field * m as f64, delta) >= 0.9)
            .unwrap();
        assert!(first > 4, "a case that needs the bisection");
        assert_eq!(
            min_samples_for_power(0.01, per_field, delta, 0.9).unwrap(),
            first
        );
        assert_eq!(
            min_samples_for_power(0.01, per_field, -delta, 0.9).unwrap(),
            first
        );
    }
    assert_eq!(min_samples_for_power(0.9, 2.0, 0.5, 0.5).unwrap(), 1);
    for (delta, target) in [
        (0.0, 0.5),
        (1.0, 0.5),
        (f64::NAN, 0.5),
        (0.1, 1.0),
        (0.1, 0.0),
    ] {
        assert!(
            matches!(
                min_samples_for_power(0.01, 2.0, delta, target),
                Err(Error::Parameter { .. })
            ),
            "δ = {delta}, target {target}"
        );
    }
    assert_eq!(min_samples_for_power(0.01, 2.0, 0.999, 1e-9).unwrap(), 1);
}

/// R10.3: ψ'(2) = π²/6 − 1, ψ'(3/2) = π²/2 − 4, the recurrence across the switch at x = 20,
/// and ψ' against the central difference of statrs' digamma (step 1e-4: truncation
/// ψ'''h²/6 ≤ 1.1e-7 relative at x = 0.3 and < 1e-9 from x = 3.7 on, rounding
/// 1e-16·ψ/h < 1e-10 relative).
#[test]
fn trigamma_against_special_values_and_digamma() {
    let pi2 = std::f64::consts::PI.powi(2);
    assert_relative_eq!(trigamma(2.0), pi2 / 6.0 - 1.0, max_relative = 1e-13);
    assert_relative_eq!(trigamma(1.5), pi2 / 2.0 - 4.0, max_relative = 1e-13);
    for x in [19.5, 20.0, 20.5] {
        assert_relative_eq!(
            trigamma(x) - trigamma(x + 1.0),
            1.0 / (x * x),
            max_relative = 1e-10
        );
    }
    let h = 1e-4;
    for (x, tolerance) in [
        (0.3, 2e-7),
        (3.7, 1e-8),
        (19.99, 1e-8),
        (20.01, 1e-8),
        (37.3, 1e-8),
        (500.0, 1e-8),
    ] {
        let diff = (digamma(x + h) - digamma(x - h)) / (2.0 * h);
        assert_relative_eq!(trigamma(x), diff, max_relative = tolerance);
    }
}

/// R10.3: a unit's KL term as aX − b ln X + c equals w·½(r − 1 − ln r) with r = P X/(ν C).
#[test]
fn kl_term_coefficients() {
    let u = unit(2.0, 6.0, 1.5, 0.5);
    let t = KlTerm::new(&u, u.p_true);
    for x in [0.3, 6.0, 17.0] {
        let r = u.p_true * x / (u.dof * u.target);
        let direct = u.weight * 0.5 * (r - 1.0 - r.ln());
        assert_relative_eq!(t.a * x - t.b * x.ln() + t.c, direct, max_relative = 1e-13);
    }
    assert_eq!(t.half_nu, 3.0);
}

/// R10.3: the cumulant generating function K(s) = ln E e^{sY} against quadrature, K' against
/// K's central difference, and s_max where 1 − 2sa or ν/2 − sb reaches 0 (the first for
/// ρ = P/C > 1, the second for ρ < 1).
#[test]
fn kl_cgf_against_quadrature() {
    for (rho, binding) in [(3.0, "a"), (0.25, "b")] {
        let u = unit(2.0, 6.0, rho, 1.0);
        let t = KlTerm::new(&u, u.p_true);
        let s_max = t.s_max();
        let (room_a, room_b) = (1.0 - 2.0 * s_max * t.a, t.half_nu - s_max * t.b);
        assert!(room_a >= -1e-12 && room_b >= -1e-12);
        let binds = if room_a.abs() < 1e-12 { "a" } else { "b" };
        assert_eq!(binds, binding, "ρ = {rho}: rooms {room_a}, {room_b}");
        for s in [-0.7, -0.1, 0.2 * s_max, 0.45 * s_max] {
            let e = chi2_expectation(6.0, |x| (s * (t.a * x - t.b * x.ln() + t.c)).exp());
            assert_relative_eq!(t.cgf(s), e.ln(), epsilon = 1e-9, max_relative = 1e-9);
            let h = 1e-5;
            let diff = (t.cgf(s + h) - t.cgf(s - h)) / (2.0 * h);
            assert_relative_eq!(t.cgf_prime(s), diff, epsilon = 1e-7, max_relative = 1e-6);
        }
        assert_eq!(t.cgf(0.0), 0.0);
    }
}

/// inf_s [K(s) − s x] by a grid over s refined around its minimum: a search that does not
/// use K'.
fn brute_chernoff(terms: &[KlTerm], x: f64, (mut lo, mut hi): (f64, f64)) -> f64 {
    let f = |s: f64| terms.iter().map(|t| t.cgf(s)).sum::<f64>() - s * x;
    for _ in 0..8 {
        let step = (hi - lo) / 400.0;
        let best = (0..=400)
            .map(|i| lo + i as f64 * step)
            .min_by(|a, b| f(*a).total_cmp(&f(*b)))
            .unwrap();
        (lo, hi) = ((best - 2.0 * step).max(lo), (best + 2.0 * step).min(hi));
    }
    f(0.5 * (lo + hi)).min(0.0)
}

/// A pair and a self-conjugate unit with ρ = P/C = 1.2 and 0.78, at M = 40 fields.
fn two_units() -> Vec<ModeUnit> {
    vec![unit(1.0, 40.0, 1.2, 1.0), unit(2.0, 80.0, 0.7, 0.9)]
}

/// The same units at M = 400: the window closes on both sides of the mean.
fn many_dof() -> Vec<ModeUnit> {
    vec![unit(1.0, 400.0, 1.2, 1.0), unit(2.0, 800.0, 0.7, 0.9)]
}

/// R10.3: the Chernoff exponent by bisection on K' against the brute-force infimum, on both
/// tails; 0 at the mean.
#[test]
fn chernoff_exponent_against_brute_force() {
    let units = two_units();
    let terms = kl_terms(&units, &|_| 1.0);
    let null = plug_in_kl_null_moments(&units);
    let (mean, sd) = (null.mean, null.variance.sqrt());
    let s_max = joint_s_max(&terms);
    assert_eq!(chernoff_log_tail(&terms, mean), 0.0);
    for z in [0.5, 2.0, 5.0] {
        let above = mean + z * sd;
        let bound = chernoff_log_tail(&terms, above);
        let brute = brute_chernoff(&terms, above, (0.0, s_max * (1.0 - 1e-9)));
        assert_relative_eq!(bound, brute, max_relative = 1e-7);
        let below = mean * (1.0 - z / 6.0);
        let bound = chernoff_log_tail(&terms, below);
        let brute = brute_chernoff(&terms, below, (-50.0 * s_max, 0.0));
        assert_relative_eq!(bound, brute, max_relative = 1e-7);
        assert!(bound < 0.0);
    }
}

/// R10.3: the window's ends are where the Chernoff bound equals α/2, on either side of the
/// mean. With few degrees of freedom the lower bound cannot exclude anything above 0, and
/// the window starts at 0.
#[test]
fn kl_window_ends_where_the_bound_is_half_the_level() {
    let units = many_dof();
    let terms = kl_terms(&units, &|_| 1.0);
    let mean = plug_in_kl_null_moments(&units).mean;
    for level in [1e-6, 0.01] {
        let (lo, hi) = plug_in_kl_window(&units, level).unwrap();
        assert!(0.0 < lo && lo < mean && mean < hi);
        for end in [lo, hi] {
            assert_relative_eq!(
                chernoff_log_tail(&terms, end),
                (level / 2.0).ln(),
                max_relative = 1e-9
            );
        }
    }
    // the lower end below mean − σ, where the doubling's next step, mean − 2σ, is below 0
    let few = two_units();
    let few_m = plug_in_kl_null_moments(&few);
    let (lo, _) = plug_in_kl_window(&few, 1e-3).unwrap();
    assert!(
        0.0 < lo && lo < few_m.mean - few_m.variance.sqrt(),
        "lo = {lo}"
    );
    assert_relative_eq!(
        chernoff_log_tail(&kl_terms(&few, &|_| 1.0), lo),
        (0.5e-3f64).ln(),
        max_relative = 1e-9
    );
    assert!(plug_in_kl_window(&units, 1.0).is_err());
}

/// R10.3: the test's statistic Σ w ½(r − 1 − ln r), r = P̂/C, by hand; acceptance inside the
/// window, ends included; the p-value 2e^{inf_s[K(s) − sx]} from the brute-force infimum,
/// capped at 1.
#[test]
fn kl_test_by_hand() {
    let mut units = two_units();
    units[0].p_hat = 2.0;
    units[1].p_hat = 0.6;
    let r: [f64; 2] = [2.0 / 1.0, 0.6 / 0.9];
    let kl = 0.5 * (r[0] - 1.0 - r[0].ln()) + 2.0 * 0.5 * (r[1] - 1.0 - r[1].ln());
    let t = plug_in_kl_test_in(&units, (kl, kl), 0.01).unwrap();
    assert_relative_eq!(t.statistic, kl, max_relative = 1e-14);
    assert!(t.pass, "the window's ends belong to it");
    assert!(
        !plug_in_kl_test_in(&units, (kl * 1.001, 1.0), 0.01)
            .unwrap()
            .pass
    );
    assert!(
        !plug_in_kl_test_in(&units, (0.0, kl * 0.999), 0.01)
            .unwrap()
            .pass
    );
    let terms = kl_terms(&units, &|_| 1.0);
    let s_max = joint_s_max(&terms);
    let expected = 2.0 * brute_chernoff(&terms, kl, (0.0, s_max * (1.0 - 1e-9))).exp();
    assert!(kl > plug_in_kl_null_moments(&units).mean && expected < 1.0);
    assert_relative_eq!(t.p_value, expected, max_relative = 1e-6);
    assert_eq!((t.dof, t.level), (0.0, 0.01));
    let at_null = plug_in_kl_test_in(&two_units(), (0.0, 1.0), 0.01).unwrap();
    assert_eq!(
        at_null.p_value, 1.0,
        "capped: the statistic is 0, below the mean"
    );
    let windowed = plug_in_kl_test(&units, 0.01).unwrap();
    let window = plug_in_kl_window(&units, 0.01).unwrap();
    assert_eq!(windowed, plug_in_kl_test_in(&units, window, 0.01).unwrap());
    assert!(plug_in_kl_test_in(&units, window, 0.0).is_err());
}

/// R10.3: the power bound is 0 when the alternative's mean stays inside the null window, and
/// 1 − e^{inf_s[K_alt(s) − s·end]} at the window's near end when it leaves it upwards
/// (variances ×1.6, M = 400: bound 0.73) or downwards (P = 2C scaled by ½ to P = C, M = 60:
/// bound 0.76).
#[test]
fn kl_power_bound_at_the_near_end() {
    let units = many_dof();
    let window = plug_in_kl_window(&units, 1e-3).unwrap();
    assert_eq!(power_plug_in_kl_in(&units, window, &|_| 1.0), 0.0);
    let up = kl_terms(&units, &|_| 1.6);
    let s_max = joint_s_max(&up);
    let expected = 1.0 - brute_chernoff(&up, window.1, (-50.0 * s_max, 0.0)).exp();
    let power = power_plug_in_kl_in(&units, window, &|_| 1.6);
    assert!(power > 0.5 && power < 0.99, "a bound that tells: {power}");
    assert_relative_eq!(power, expected, max_relative = 1e-6);
    assert_eq!(power_plug_in_kl(&units, 1e-3, &|_| 1.6).unwrap(), power);

    let far = vec![unit(1.0, 60.0, 2.0, 1.0), unit(2.0, 120.0, 1.0, 0.5)];
    let window = plug_in_kl_window(&far, 1e-3).unwrap();
    let down = kl_terms(&far, &|_| 0.5);
    let s_max = joint_s_max(&down);
    let expected = 1.0 - brute_chernoff(&down, window.0, (0.0, s_max * (1.0 - 1e-9))).exp();
    let power = power_plug_in_kl_in(&far, window, &|_| 0.5);
    assert!(power > 0.5 && power < 0.99, "a bound that tells: {power}");
    assert_relative_eq!(power, expected, max_relative = 1e-6);
}

/// R10.3: the plug-in KL's null mean and variance, unit by unit, against quadrature of
/// w·½(ρX/ν − 1 − ln(ρX/ν)) over χ²_ν; its bias against the quadrature of w·½(−ln(X/ν)).
#[test]
fn kl_null_moments_against_quadrature() {
    let units = [unit(1.0, 3.0, 2.0, 1.0), unit(2.0, 8.0, 0.3, 0.5)];
    let mut expected = Moments::default();
    let mut bias = 0.0;
    for u in &units {
        let (rho, nu, w) = (u.p_true / u.target, u.dof, u.weight);
        expected = add(
            expected,
            moments_by_quadrature(nu, |x| {
                let r = rho * x / nu;
                w * 0.5 * (r - 1.0 - r.ln())
            }),
        );
        bias += chi2_expectation(nu, |x| -w * 0.5 * (x / nu).ln());
    }
    let m = plug_in_kl_null_moments(&units);
    assert_relative_eq!(m.mean, expected.mean, max_relative = 1e-9);
    assert_relative_eq!(m.variance, expected.variance, max_relative = 1e-8);
    assert_relative_eq!(plug_in_kl_null_bias(&units), bias, max_relative = 1e-9);
}

/// R10.7: the reverse plug-in KL's null moments against quadrature of w·½(ρ̂ − 1 − ln ρ̂),
/// ρ̂ = Cν/(P X), at ν = 10 and 13 (ν > 4 for a finite variance).
#[test]
fn reverse_kl_null_moments_against_quadrature() {
    let units = [unit(1.0, 10.0, 2.0, 1.0), unit(2.0, 13.0, 0.3, 0.5)];
    let mut expected = Moments::default();
    for u in &units {
        let (c, p, nu, w) = (u.target, u.p_true, u.dof, u.weight);
        expected = add(
            expected,
            moments_by_quadrature(nu, |x| {
                let r = c * nu / (p * x);
                w * 0.5 * (r - 1.0 - r.ln())
            }),
        );
    }
    let m = reverse_plug_in_kl_null_moments(&units);
    assert_relative_eq!(m.mean, expected.mean, max_relative = 1e-8);
    assert_relative_eq!(m.variance, expected.variance, max_relative = 1e-7);
}

/// R10.4: the plug-in W2²'s mean and variance, with each unit's variance scaled, against
/// quadrature of w(√(sPX/ν) − √C)².
#[test]
fn w2_moments_against_quadrature() {
    let units = [unit(1.0, 3.0, 2.0, 1.0), unit(2.0, 8.0, 0.3, 0.5)];
    let scale = |i: usize| [1.4, 0.8][i];
    let mut expected = Moments::default();
    for (i, u) in units.iter().enumerate() {
        let (p, c, nu, w) = (u.p_true * scale(i), u.target, u.dof, u.weight);
        expected = add(
            expected,
            moments_by_quadrature(nu, |x| w * ((p * x / nu).sqrt() - c.sqrt()).powi(2)),
        );
    }
    let m = plug_in_w2_null_moments(&units, &scale);
    assert_relative_eq!(m.mean, expected.mean, max_relative = 1e-9);
    assert_relative_eq!(m.variance, expected.variance, max_relative = 1e-8);
}

/// The normal quantiles: z = 1.959963984540054 at P(Z > z) = 0.025 and at P(|Z| > z) = 0.05;
/// 4.753424308822899 and 4.891638475698358 at 1e-6.
#[test]
fn normal_quantiles() {
    assert_relative_eq!(
        one_sided_z(0.025).unwrap(),
        1.959963984540054,
        max_relative = 1e-12
    );
    assert_relative_eq!(
        two_sided_z(0.05).unwrap(),
        1.959963984540054,
        max_relative = 1e-12
    );
    assert_relative_eq!(
        one_sided_z(1e-6).unwrap(),
        4.753424308822899,
        max_relative = 1e-10
    );
    assert_relative_eq!(
        two_sided_z(1e-6).unwrap(),
        4.891638475698358,
        max_relative = 1e-10
    );
    for bad in [0.0, 1.0] {
        assert!(one_sided_z(bad).is_err() && two_sided_z(bad).is_err());
    }
}

/// R10.4: the W2² test by hand: the statistic Σ w(√P̂ − √C)², z = (W − mean)/σ of the null
/// moments, p-value 2Φ(−|z|), accepted when |z| ≤ z_{α/2}.
#[test]
fn w2_test_by_hand() {
    // M = 3000: null mean 0.2227, σ = 0.0155; P̂₀ = 2.35 and 1.6 put W2² about ±6σ out
    let mut units = vec![unit(1.0, 3000.0, 2.0, 1.0), unit(2.0, 6000.0, 0.3, 0.5)];
    let null = plug_in_w2_null_moments(&units, &|_| 1.0);
    let sd = null.variance.sqrt();
    let normal = Normal::standard();
    for (p0, accept) in [(2.0, true), (2.35, false), (1.6, false)] {
        units[0].p_hat = p0;
        let w2 = (p0.sqrt() - 1.0).powi(2) + 2.0 * ((0.3f64).sqrt() - (0.5f64).sqrt()).powi(2);
        let z = (w2 - null.mean) / sd;
        let t = plug_in_w2_test(&units, 1e-3).unwrap();
        assert_relative_eq!(t.statistic, w2, max_relative = 1e-14);
        assert_relative_eq!(t.p_value, 2.0 * normal.cdf(-z.abs()), max_relative = 1e-9);
        assert_eq!(t.pass, accept, "P̂₀ = {p0}: z = {z}");
        assert_eq!(t.pass, z.abs() <= 3.2905267314919255);
        assert_eq!((t.dof, t.level), (0.0, 1e-3));
    }
    assert!(plug_in_w2_test(&units, 0.0).is_err());
}

/// R10.4: the W2² window's normal power is the level under the null and
/// Φ((lo − μ₁)/σ₁) + 1 − Φ((hi − μ₁)/σ₁) under variances ×0.9 and ×1.1 (powers 0.36 and
/// 0.64 at M = 3000), μ₁, σ₁ from the alternative's moments.
#[test]
fn w2_power_by_hand() {
    let units = vec![unit(1.0, 3000.0, 2.0, 1.0), unit(2.0, 6000.0, 0.3, 0.5)];
    assert_relative_eq!(
        power_plug_in_w2(&units, 0.01, &|_| 1.0).unwrap(),
        0.01,
        max_relative = 1e-9
    );
    let null = plug_in_w2_null_moments(&units, &|_| 1.0);
    for s in [0.9, 1.1] {
        let alt = plug_in_w2_null_moments(&units, &|_| s);
        let z = two_sided_z(0.01).unwrap();
        let (lo, hi) = (
            null.mean - z * null.variance.sqrt(),
            null.mean + z * null.variance.sqrt(),
        );
        let n = Normal::standard();
        let sd = alt.variance.sqrt();
        let expected = n.cdf((lo - alt.mean) / sd) + n.cdf((alt.mean - hi) / sd);
        let power = power_plug_in_w2(&units, 0.01, &|_| s).unwrap();
        assert!(power > 0.3 && power < 0.7, "a power that tells: {power}");
        assert_relative_eq!(power, expected, max_relative = 1e-9);
    }
    assert!(power_plug_in_w2(&units, 1.0, &|_| 1.0).is_err());
}
