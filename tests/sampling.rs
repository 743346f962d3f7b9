//! Gaussian field sampling from a spectrum (R1.6): per-mode sample variances against χ²
//! confidence intervals, pooled and zero-mode statistics with power (R10.1, R10.2).
//!
//! The Fourier amplitudes are computed here by a direct O(V²) DFT, not by the crate's FFT.
//! For a real field with covariance symbol C_k and the unnormalised DFT, E|x̂_k|² = V C_k;
//! over M independent fields, Σ x̂_k²/(V C_k) ~ χ²_M on self-conjugate modes (k ≡ −k) and
//! Σ 2|x̂_k|²/(V C_k) ~ χ²_{2M} on the other modes (one per pair ±k).

use critical_slowing::data::GaussianField;
use critical_slowing::power::{chi2_test, min_samples_for_power, power_pooled, power_zero_mode};
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::Lattice;
use ndarray::IxDyn;

/// Total false-alarm probability of the test, chosen first and split (Bonferroni) over the
/// 3 lattices × 3 checks: the per-mode intervals (themselves split over modes), the pooled
/// statistic (R10.1) and the zero-mode statistic (R10.2).
const LEVEL: f64 = 1e-6;
const CHECKS: f64 = 9.0;

/// Direct DFT statistics ν_k P̂_k/C_k per independent mode (n ≤ −n), with ν_k.
fn mode_statistics(
    lattice: Lattice,
    samples: &[ndarray::ArrayD<f64>],
    spectrum: &critical_slowing::Symbol,
) -> Vec<(Vec<usize>, f64, f64)> {
    let l = lattice.side();
    let mut modes = Vec::new();
    lattice.for_each_index(|n| {
        let minus: Vec<usize> = n.iter().map(|&k| (l - k) % l).collect();
        if n <= minus.as_slice() {
            modes.push((n.to_vec(), n == minus.as_slice()));
        }
    });
    let mut sites = Vec::new();
    lattice.for_each_index(|x| sites.push(x.to_vec()));
    let v = lattice.volume() as f64;
    let m = samples.len() as f64;
    modes
        .iter()
        .map(|(n, self_conjugate)| {
            let c = spectrum.at(n);
            let phases: Vec<(f64, f64)> = sites
                .iter()
                .map(|s| {
                    let phase: f64 = n
                        .iter()
                        .zip(s)
                        .map(|(&k, &r)| 2.0 * std::f64::consts::PI * (k * r) as f64 / l as f64)
                        .sum();
                    (phase.cos(), phase.sin())
                })
                .collect();
            let mut stat = 0.0;
            for x in samples {
                let (mut re, mut im) = (0.0, 0.0);
                for (s, (cs, sn)) in sites.iter().zip(&phases) {
                    let value = x[IxDyn(s)];
                    re += value * cs;
                    im -= value * sn;
                }
                let power = re * re + im * im;
                stat += if *self_conjugate { power } else { 2.0 * power } / (v * c);
            }
            let dof = if *self_conjugate { m } else { 2.0 * m };
            (n.clone(), stat, dof)
        })
        .collect()
}

/// R1.6, R10.1, R10.2: per-mode χ² statistics of FFT-sampled fields, computed by a direct DFT,
/// inside their Bonferroni intervals; their sum (χ²_{MV}) and the zero mode's (χ²_M) inside
/// their two-sided acceptance regions. M is the smallest number of fields giving power ≥ 0.99
/// at the per-check level against (a) every variance off by ±2 % (pooled) and (b) the zero
/// mode off by ±10 % (zero-mode test), computed and asserted below (M ≈ 13 000–19 000).
#[test]
fn sampled_mode_variances_follow_chi_square() {
    let level = LEVEL / CHECKS;
    for (d, l, seed) in [(1, 16, 1u64), (2, 8, 2), (3, 4, 3)] {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::large_n(lattice, 0.4).unwrap();
        let sampler = FieldSampler::new(field.spectrum()).unwrap();
        let v = lattice.volume();
        let m = min_samples_for_power(level, 1.0, 0.10, 0.99)
            .unwrap()
            .max(min_samples_for_power(level, v as f64, 0.02, 0.99).unwrap());
        for delta in [0.02, -0.02] {
            assert!(power_pooled(level, (m * v) as f64, delta).unwrap() >= 0.99);
        }
        for delta in [0.1, -0.1] {
            assert!(power_zero_mode(level, m, delta).unwrap() >= 0.99);
        }
        let samples = sampler.sample_many(m, &mut seeded_rng(seed));
        let stats = mode_statistics(lattice, &samples, field.spectrum());
        let per_mode_level = level / stats.len() as f64;
        for (n, stat, dof) in &stats {
            let t = chi2_test(*stat, *dof, per_mode_level).unwrap();
            assert!(t.pass, "d = {d}, mode {n:?}: {t:?}");
        }
        let pooled: f64 = stats.iter().map(|s| s.1).sum();
        let dof: f64 = stats.iter().map(|s| s.2).sum();
        assert_eq!(dof, (m * v) as f64, "Σν = MV");
        let t = chi2_test(pooled, dof, level).unwrap();
        assert!(t.pass, "d = {d}: pooled {t:?}");
        let zero = &stats[0];
        assert!(zero.0.iter().all(|&k| k == 0));
        let t = chi2_test(zero.1, zero.2, level).unwrap();
        assert!(t.pass, "d = {d}: zero mode {t:?}");
    }
}

/// Seeds are explicit: the same seed gives bit-identical fields.
#[test]
fn sampling_is_reproducible() {
    let lattice = Lattice::new(2, 8).unwrap();
    let field = GaussianField::massive_free(lattice, 1.0, 0.5).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let a = sampler.sample_many(3, &mut seeded_rng(42));
    let b = sampler.sample_many(3, &mut seeded_rng(42));
    assert_eq!(a, b);
    let c = sampler.sample_many(3, &mut seeded_rng(43));
    assert_ne!(a, c);
}

/// The two d = 1, L = 4 fields of the hand computations below: y₁ = (1, −½, ¼, 2),
/// y₂ = (0, 1, 0, −1).
fn hand_fields() -> Vec<ndarray::ArrayD<f64>> {
    vec![
        ndarray::ArrayD::from_shape_vec(vec![4], vec![1.0, -0.5, 0.25, 2.0]).unwrap(),
        ndarray::ArrayD::from_shape_vec(vec![4], vec![0.0, 1.0, 0.0, -1.0]).unwrap(),
    ]
}

/// The propagated divergence bounds (R6.4, convexity of each mode's term in P): with every
/// interval above its target the lower bound is Σ_k f(lo_k, C_k); with every interval
/// containing its target it is 0; the upper bound is the larger end's term either way. Here
/// d = 1, L = 4 (weights sum to V = 4), C = 1, intervals [2, 3] and [0.5, 2], f the KL term.
#[test]
fn propagated_bounds_use_the_interval_ends() {
    use critical_slowing::divergence::kl_term;
    use critical_slowing::experiment::estimate::{Interval, SpectrumEstimate};
    use ndarray::ArrayD;
    let lattice = Lattice::new(1, 4).unwrap();
    let fields = hand_fields()[..1].to_vec();
    let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
    let shape = est.variances().raw_dim();
    let target = ArrayD::from_elem(shape.clone(), 1.0);
    let above = ArrayD::from_elem(shape.clone(), Interval { lo: 2.0, hi: 3.0 });
    let b = est.propagate(&above, &target, kl_term);
    assert!((b.lo - 4.0 * kl_term(2.0, 1.0)).abs() < 1e-12, "{b:?}");
    assert!((b.hi - 4.0 * kl_term(3.0, 1.0)).abs() < 1e-12, "{b:?}");
    let around = ArrayD::from_elem(shape, Interval { lo: 0.5, hi: 2.0 });
    let b = est.propagate(&around, &target, kl_term);
    assert_eq!(b.lo, 0.0);
    let hi = kl_term(0.5, 1.0).max(kl_term(2.0, 1.0));
    assert!((b.hi - 4.0 * hi).abs() < 1e-12, "{b:?}");
    assert!(Interval { lo: 0.5, hi: 2.0 }.contains(1.0));
    assert!(!Interval { lo: 2.0, hi: 3.0 }.contains(1.0));
}

/// The plug-in divergences sum each mode's term over all V modes of the periodogram
/// P̂_k = |Σ_x y(x) e^{−ik·x}|²/V, here computed by hand for one field on L = 4, d = 1:
/// y = (1, −½, ¼, 2) gives P̂ = (2.75², |0.75 + 2.5i|², 0.25², |0.75 − 2.5i|²)/4 (R6.4, R6.7).
/// Degrees of freedom: M on self-conjugate modes (k ≡ −k: 0 and L/2 on every axis), 2M else.
#[test]
fn plug_in_divergences_and_degrees_of_freedom_by_hand() {
    use critical_slowing::divergence::{kl_term, w2_term};
    use critical_slowing::experiment::estimate::SpectrumEstimate;
    use ndarray::ArrayD;
    let lattice = Lattice::new(1, 4).unwrap();
    let fields = hand_fields()[..1].to_vec();
    let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
    let p = [
        2.75f64.powi(2),
        0.75f64.powi(2) + 2.5f64.powi(2),
        0.0625,
        0.0,
    ];
    let p = [p[0] / 4.0, p[1] / 4.0, p[2] / 4.0, p[1] / 4.0];
    let c = [1.0, 0.5, 2.0, 0.5]; // C_k, symmetric under k → −k
    let c_half = ArrayD::from_shape_vec(vec![3], vec![c[0], c[1], c[2]]).unwrap();
    let kl: f64 = p.iter().zip(&c).map(|(&a, &b)| kl_term(a, b)).sum();
    let w2: f64 = p.iter().zip(&c).map(|(&a, &b)| w2_term(a, b)).sum();
    assert!((est.plug_in_kl(&c_half) - kl).abs() < 1e-12 * kl);
    assert!((est.plug_in_w2_squared(&c_half) - w2).abs() < 1e-12 * w2);
    assert!(
        (est.plug_in(&c_half, |a, b| kl_term(b, a))
            - p.iter().zip(&c).map(|(&a, &b)| kl_term(b, a)).sum::<f64>())
        .abs()
            < 1e-12
    );

    let two_d = Lattice::new(2, 4).unwrap();
    let fields: Vec<_> = (0..3)
        .map(|i| ArrayD::from_shape_fn(vec![4, 4], |ix| (ix[0] * 4 + ix[1] + i) as f64))
        .collect();
    let dof = SpectrumEstimate::from_fields(two_d, &fields)
        .unwrap()
        .degrees_of_freedom();
    for (ix, &d) in dof.indexed_iter() {
        let self_conjugate = ndarray::Dimension::slice(&ix)
            .iter()
            .all(|&n| n == 0 || n == 2);
        assert_eq!(d, if self_conjugate { 3.0 } else { 6.0 }, "{ix:?}");
    }
}

/// The χ² ratio interval against tabulated quantiles (Abramowitz & Stegun, Table 26.8):
/// χ²_10 has 2.5 % and 97.5 % points 3.24697 and 20.4832, so the 95 % interval of P̂/P with
/// 10 degrees of freedom is [0.324697, 2.04832] (to the table's six digits).
#[test]
fn chi_square_ratio_interval_matches_tables() {
    use critical_slowing::experiment::estimate::chi_square_ratio_interval;
    let iv = chi_square_ratio_interval(10.0, 0.05).unwrap();
    assert!((iv.lo - 0.324_697).abs() < 2e-6, "{iv:?}");
    assert!((iv.hi - 2.048_32).abs() < 2e-5, "{iv:?}");
    assert!(chi_square_ratio_interval(0.0, 0.05).is_err());
}

/// Hundreds of thousands to millions of degrees of freedom (a class of modes of a large data
/// set), where statrs's root search is wrong or NaN: the interval ends against the
/// Cornish–Fisher expansion q/k = 1 + z√(2/k) + (2/3)(z² − 1)/k + O(z³ k^{-3/2}), whose
/// remainder is < 1e-7 for these k and z ≤ 5.8; a tolerance of 1e-6 catches any error in the
/// O(1/k) term (2e-5 at k = 10⁶).
#[test]
fn chi_square_ratio_interval_holds_for_millions_of_degrees_of_freedom() {
    use critical_slowing::experiment::estimate::chi_square_ratio_interval;
    use statrs::distribution::{ContinuousCDF, Normal};
    for (k, level) in [(1e6, 1e-8), (9e6, 2e-6), (3e5, 2e-6), (1.5e5, 1e-8)] {
        let iv = chi_square_ratio_interval(k, level).unwrap();
        let z = Normal::standard().inverse_cdf(1.0 - level / 2.0);
        let expansion = |z: f64| 1.0 + z * (2.0 / k).sqrt() + 2.0 / 3.0 * (z * z - 1.0) / k;
        assert!((iv.lo - expansion(-z)).abs() <= 1e-6, "k = {k}: {iv:?}");
        assert!((iv.hi - expansion(z)).abs() <= 1e-6, "k = {k}: {iv:?}");
    }
}

/// Per-mode prediction intervals, against χ² CDFs in closed form: L = 4, d = 1 has K = 3
/// half-spectrum modes, k = 0 and 2 self-conjugate (M = 2 degrees of freedom), k = 1 not
/// (2M = 4). With level 0.03 each mode gets 0.01 (Bonferroni), split 0.005 per tail; the
/// interval ends times dof/P must be the χ² quantiles: for 2 dof F(x) = 1 − e^{−x/2}, for
/// 4 dof F(x) = 1 − e^{−x/2}(1 + x/2). Checked through F to 1e-7: the statrs quantile is a
/// root-find, and a wrong split moves F by ≥ 0.005.
#[test]
fn prediction_intervals_are_bonferroni_chi_square_intervals() {
    use critical_slowing::experiment::estimate::SpectrumEstimate;
    use ndarray::ArrayD;
    let lattice = Lattice::new(1, 4).unwrap();
    let fields = hand_fields();
    let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
    let p_true = ArrayD::from_shape_vec(vec![3], vec![1.0, 2.0, 3.0]).unwrap();
    let iv = est.prediction_intervals(&p_true, 0.03).unwrap();
    let cdf2 = |x: f64| 1.0 - (-x / 2.0).exp();
    let cdf4 = |x: f64| 1.0 - (-x / 2.0).exp() * (1.0 + x / 2.0);
    for (k, (dof, cdf)) in [
        (2.0, &cdf2 as &dyn Fn(f64) -> f64),
        (4.0, &cdf4),
        (2.0, &cdf2),
    ]
    .into_iter()
    .enumerate()
    {
        let p = p_true[k];
        let (lo, hi) = (iv[k].lo * dof / p, iv[k].hi * dof / p);
        assert!(
            (cdf(lo) - 0.005).abs() < 1e-7,
            "mode {k}: F(lo) = {}",
            cdf(lo)
        );
        assert!(
            (cdf(hi) - 0.995).abs() < 1e-7,
            "mode {k}: F(hi) = {}",
            cdf(hi)
        );
    }
}

/// The real-space covariance by direct sums, against a hand computation on L = 4, d = 1 with
/// M = 2 fields y₁ = (1, −½, ¼, 2), y₂ = (0, 1, 0, −1): ĉ(0) = (5.3125 + 2)/8 = 0.9140625,
/// ĉ(1) = (1.875 + 0)/8 = 0.234375; and the estimate counts its M fields.
#[test]
fn real_space_covariance_by_hand() {
    use critical_slowing::experiment::estimate::{real_space_covariance, SpectrumEstimate};
    use ndarray::ArrayD;
    let lattice = Lattice::new(1, 4).unwrap();
    let fields = hand_fields();
    let c = real_space_covariance(lattice, &fields, &[vec![0], vec![1]]).unwrap();
    assert!((c[0] - 0.914_062_5).abs() < 1e-15, "{c:?}");
    assert!((c[1] - 0.234_375).abs() < 1e-15, "{c:?}");
    let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
    assert_eq!(est.samples(), 2);
    // an odd side, where x + r must wrap mod L (not mod 2⁶⁴): y = (1, 2, −1),
    // ĉ(1) = (1·2 + 2·(−1) + (−1)·1)/3 = −1/3
    let odd = Lattice::new(1, 3).unwrap();
    let y = vec![ArrayD::from_shape_vec(vec![3], vec![1.0, 2.0, -1.0]).unwrap()];
    let c = real_space_covariance(odd, &y, &[vec![1]]).unwrap();
    assert!((c[0] + 1.0 / 3.0).abs() < 1e-15, "{c:?}");
}
