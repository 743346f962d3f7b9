//! The statistics of src/power.rs (R10.1–R10.4) against independent computations: Monte Carlo
//! draws of χ² variables, closed-form special values, and normal approximations.

use critical_slowing::power::{
    min_samples_for_power, plug_in_kl_null_bias, plug_in_kl_null_moments, plug_in_kl_window,
    plug_in_w2_null_moments, pooled_chi2_test, power_chi2, power_plug_in_kl, trigamma, ModeUnit,
};
use critical_slowing::sampling::seeded_rng;
use rand_distr::{ChiSquared as ChiDraw, Distribution};

/// R10.3: trigamma at special values ψ'(1) = π²/6, ψ'(1/2) = π²/2, ψ'(x) ≈ 1/x + 1/(2x²) at
/// large x (double precision of the asymptotic series: 1e-12 relative).
#[test]
fn trigamma_special_values() {
    let pi2 = std::f64::consts::PI.powi(2);
    assert!((trigamma(1.0) / (pi2 / 6.0) - 1.0).abs() < 1e-12);
    assert!((trigamma(0.5) / (pi2 / 2.0) - 1.0).abs() < 1e-12);
    let x = 1e6;
    assert!((trigamma(x) / (1.0 / x + 0.5 / (x * x)) - 1.0).abs() < 1e-12);
}

/// R10.1: the power formula against the normal approximation of the χ² law at large ν
/// ((S/ν − 1)·√(ν/2) ≈ N(0, 1)), and the level: at δ = 0 the power equals the level
/// (to the accuracy of statrs' far-tail χ² quantiles, 2e-2 relative).
#[test]
fn chi2_power_matches_normal_approximation_and_level() {
    let level = 1e-6;
    let p0 = power_chi2(level, 1e5, 0.0).unwrap();
    assert!((p0 / level - 1.0).abs() < 2e-2, "size {p0}");
    // normal approximation: z_α = 4.8916; shift δ√(ν/2); the skewness of χ²_ν at ν = 1e6
    // moves the answer by < 0.01
    let nu = 1e6;
    let d = 0.01;
    let shift = d * (nu / 2.0f64).sqrt() / (1.0 + d);
    let z = 4.891638;
    let normal = statrs::distribution::Normal::standard();
    use statrs::distribution::ContinuousCDF;
    let approx = normal.cdf(shift - z * 1.0 / (1.0 + d) * 1.0);
    let exact = power_chi2(level, nu, d).unwrap();
    assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
}

/// R10.2: the sample size for power 0.99 against ±10 % at level 1e-6 on a one-dof-per-field
/// statistic lies where the normal approximation puts it, M ≈ 2 (z_α + z_β)²/δ² ≈ 10 400
/// (within 15 %: skewness of χ²_M and the 1/(1 + δ) scaling), and it is the smallest such M.
#[test]
fn zero_mode_sample_size() {
    let m = min_samples_for_power(1e-6, 1.0, 0.1, 0.99).unwrap();
    let approx = 2.0 * (4.8916f64 + 2.3263).powi(2) / 0.01;
    assert!(
        (m as f64 / approx - 1.0).abs() < 0.15,
        "M = {m} vs {approx}"
    );
    let p = |m: usize| {
        power_chi2(1e-6, m as f64, 0.1)
            .unwrap()
            .min(power_chi2(1e-6, m as f64, -0.1).unwrap())
    };
    assert!(p(m) >= 0.99 && p(m - 1) < 0.99);
}

fn units(m: f64) -> Vec<ModeUnit> {
    // a small spectrum: two self-conjugate modes and three pairs, ρ = P/C near and far from 1
    [
        (1.0, 2.0, 2.0),
        (1.0, 0.5, 0.6),
        (2.0, 1.0, 1.0),
        (2.0, 3.0, 2.5),
        (2.0, 0.2, 0.21),
    ]
    .iter()
    .map(|&(w, p, c)| ModeUnit {
        weight: w,
        dof: w * m,
        p_hat: p,
        p_true: p,
        target: c,
    })
    .collect()
}

fn draw(us: &[ModeUnit], rng: &mut critical_slowing::sampling::SeededRng) -> Vec<ModeUnit> {
    us.iter()
        .map(|u| {
            let x: f64 = ChiDraw::new(u.dof).unwrap().sample(rng);
            ModeUnit {
                p_hat: u.p_true * x / u.dof,
                ..*u
            }
        })
        .collect()
}

/// R10.3, R10.4: exact null moments of the plug-in KL and W2² against 200 000 Monte Carlo
/// draws of the χ² variables (tolerance 5 standard errors of the Monte Carlo mean and
/// 5 standard errors of the sample variance, √(2/n) relative for near-normal statistics
/// times a kurtosis margin of 2); the pooled statistic's size; the Chernoff window of R10.3
/// contains the Monte Carlo 1e-4 and 1 − 1e-4 quantiles and is not wider than 2.5 times the
/// normal window at the same level.
#[test]
fn plug_in_moments_and_windows_match_monte_carlo() {
    let us = units(50.0);
    let kl = plug_in_kl_null_moments(&us);
    let w2 = plug_in_w2_null_moments(&us, &|_| 1.0);
    let mut rng = seeded_rng(77);
    let n = 200_000;
    let (mut kls, mut w2s) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let d = draw(&us, &mut rng);
        kls.push(
            d.iter()
                .map(|u| u.weight * critical_slowing::divergence::kl_term(u.p_hat, u.target))
                .sum::<f64>(),
        );
        w2s.push(
            d.iter()
                .map(|u| u.weight * critical_slowing::divergence::w2_term(u.p_hat, u.target))
                .sum::<f64>(),
        );
    }
    for (name, xs, m) in [("KL", &kls, kl), ("W2", &w2s, w2)] {
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (m.variance / n as f64).sqrt();
        assert!(
            (mean - m.mean).abs() < 5.0 * se,
            "{name} mean {mean} vs {}",
            m.mean
        );
        let se_var = 2.0 * (2.0 / n as f64).sqrt();
        assert!(
            (var / m.variance - 1.0).abs() < 5.0 * se_var,
            "{name} var {var} vs {}",
            m.variance
        );
    }
    let (lo, hi) = plug_in_kl_window(&us, 2e-4).unwrap();
    kls.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (q_lo, q_hi) = (kls[n / 10_000], kls[n - n / 10_000]);
    assert!(
        lo <= q_lo && q_hi <= hi,
        "[{lo}, {hi}] vs MC [{q_lo}, {q_hi}]"
    );
    let z = critical_slowing::power::two_sided_z(2e-4).unwrap();
    assert!(
        hi - kl.mean <= 2.5 * z * kl.variance.sqrt(),
        "window too wide: {hi}"
    );
    let pooled = pooled_chi2_test(&us, 1e-6).unwrap();
    assert_eq!(pooled.dof, 8.0 * 50.0);
}

/// R10.3: the KL power bound is ≤ the Monte Carlo rejection rate under the alternative.
#[test]
fn kl_power_bound_is_below_monte_carlo_power() {
    let us = units(2000.0);
    let level = 1e-3;
    let (lo, hi) = plug_in_kl_window(&us, level).unwrap();
    let bound = power_plug_in_kl(&us, level, &|_| 1.02).unwrap();
    let alt: Vec<ModeUnit> = us
        .iter()
        .map(|u| ModeUnit {
            p_true: u.p_true * 1.02,
            ..*u
        })
        .collect();
    let mut rng = seeded_rng(5);
    let n = 20_000;
    let mut rejected = 0;
    for _ in 0..n {
        let d = draw(&alt, &mut rng);
        let kl: f64 = d
            .iter()
            .map(|u| u.weight * critical_slowing::divergence::kl_term(u.p_hat, u.target))
            .sum();
        if kl < lo || kl > hi {
            rejected += 1;
        }
    }
    let rate = rejected as f64 / n as f64;
    // 5 binomial standard errors
    let se = (rate * (1.0 - rate) / n as f64).sqrt().max(1.0 / n as f64);
    assert!(bound <= rate + 5.0 * se, "bound {bound} vs MC {rate}");
    println!("KL power bound {bound}, MC {rate}");
}

/// R10.1–R10.4: the power table of docs/power.md. For each sampled check of the suite (its
/// lattice, per-check level and M), the exact powers of the pooled and zero-mode tests against
/// (a) ±2 % on every mode and (b) ±10 % on the zero mode (asserted ≥ 0.99), and, for the
/// d = 2, L = 6 exact-score SDE setup of tests/generation.rs, the KL (Chernoff bound) and W2
/// (normal approximation) window powers (printed: they are not the checks that carry the
/// power guarantee).
#[test]
fn power_table_for_the_sampled_checks() {
    use critical_slowing::power::{power_plug_in_w2, power_pooled, power_zero_mode};
    // (what, V, per-check level, rounding of M) as chosen by the tests
    let rows = [
        (
            "generation: samplers, d=2 L=6",
            36usize,
            1e-6 / 60.0,
            500usize,
        ),
        ("generation: samplers, d=3 L=4", 64, 1e-6 / 60.0, 500),
        ("generation: networks, d=2 L=4", 16, 1e-6 / 10.0, 500),
        ("generation: exact score, d=2 L=6", 36, 1e-6 / 5.0, 500),
        ("sampling: d=1 L=16", 16, 1e-6 / 9.0, 1),
        ("sampling: d=2 L=8", 64, 1e-6 / 9.0, 1),
        ("sampling: d=3 L=4", 64, 1e-6 / 9.0, 1),
    ];
    for (what, v, level, round) in rows {
        let m = min_samples_for_power(level, 1.0, 0.1, 0.99)
            .unwrap()
            .max(min_samples_for_power(level, v as f64, 0.02, 0.99).unwrap())
            .div_ceil(round)
            * round;
        let pa = power_pooled(level, (m * v) as f64, 0.02)
            .unwrap()
            .min(power_pooled(level, (m * v) as f64, -0.02).unwrap());
        let pb = power_zero_mode(level, m, 0.1)
            .unwrap()
            .min(power_zero_mode(level, m, -0.1).unwrap());
        println!("| {what} | {level:.2e} | {m} | {pa:.6} | {pb:.4} |");
        assert!(pa >= 0.99 && pb >= 0.99, "{what}");
    }
    // the old check (M = 2000, per-mode Bonferroni intervals over the 24 half-spectrum entries
    // of d = 2, L = 6 at 1e-6/12 per call; 16 pairs and 4 self-conjugate modes), against (a)
    let per_mode = 1e-6 / 12.0 / 24.0;
    let miss = (1.0 - power_chi2(per_mode, 4000.0, 0.02).unwrap()).powi(16)
        * (1.0 - power_chi2(per_mode, 2000.0, 0.02).unwrap()).powi(4);
    let old_b = power_chi2(per_mode, 2000.0, 0.1).unwrap();
    println!(
        "old per-mode check, d=2 L=6, M=2000: power (a) {:.4}, (b) {old_b:.4}",
        1.0 - miss
    );
    // KL and W2 windows on the exact-score d = 2, L = 6 setup (ρ = P/C from the generated
    // spectrum of a 10-step uniform grid, SDE exponential integrator)
    use critical_slowing::data::GaussianField;
    use critical_slowing::diffusion::grid::TimeGrid;
    use critical_slowing::diffusion::reverse::Sampler;
    use critical_slowing::experiment::estimate::SpectrumEstimate;
    use critical_slowing::theory::generation::{exact_score_symbols, generated_spectrum};
    let lattice = critical_slowing::Lattice::new(2, 6).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let grid = TimeGrid::uniform(0.0, 3.0, 10).unwrap();
    let scores = exact_score_symbols(field.spectrum(), &grid).unwrap();
    let p = generated_spectrum(Sampler::SdeExponential, &grid, &scores)
        .unwrap()
        .to_half();
    let target = field.spectrum().to_half();
    let one = vec![ndarray::ArrayD::<f64>::zeros(lattice.shape())];
    let est = SpectrumEstimate::from_fields(lattice, &one).unwrap();
    let m = 14_000.0;
    let units: Vec<ModeUnit> = est
        .independent_modes(&p, &target)
        .into_iter()
        .map(|u| ModeUnit {
            dof: u.weight * m,
            ..u
        })
        .collect();
    let level = 1e-6 / 60.0;
    for (name, scale) in [
        ("(a) +2 %", &(|_| 1.02) as &dyn Fn(usize) -> f64),
        ("(a) −2 %", &|_| 0.98),
        ("(b) +10 % zero mode", &|i| if i == 0 { 1.1 } else { 1.0 }),
        ("(b) −10 % zero mode", &|i| if i == 0 { 0.9 } else { 1.0 }),
    ] {
        let kl = power_plug_in_kl(&units, level, scale).unwrap();
        let w2 = power_plug_in_w2(&units, level, scale).unwrap();
        println!(
            "| KL/W2 window, d=2 L=6 exact score, M=14000 | {name} | KL ≥ {kl:.4} | W2 ≈ {w2:.4} |"
        );
    }
}

/// R10.1: the independent modes of an estimate count every lattice mode once: Σ weight = V,
/// Σ ν = MV, self-conjugate modes (2^d for even L, 1 for odd L) have weight 1, and P̂ of a
/// kept unit equals the half-layout entry (odd and even L, d = 1…3).
#[test]
fn independent_modes_count_every_mode_once() {
    use critical_slowing::experiment::estimate::SpectrumEstimate;
    for (d, l) in [(1usize, 7usize), (1, 8), (2, 5), (2, 6), (3, 4), (3, 5)] {
        let lattice = critical_slowing::Lattice::new(d, l).unwrap();
        let mut rng = seeded_rng(1);
        let fields: Vec<ndarray::ArrayD<f64>> = (0..3)
            .map(|_| {
                ndarray::ArrayD::from_shape_simple_fn(lattice.shape(), || {
                    rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, &mut rng)
                })
            })
            .collect();
        let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
        let ones = est.variances().mapv(|_| 1.0);
        let units = est.independent_modes(&ones, &ones);
        let v = lattice.volume() as f64;
        assert_eq!(units.iter().map(|u| u.weight).sum::<f64>(), v);
        assert_eq!(units.iter().map(|u| u.dof).sum::<f64>(), 3.0 * v);
        let self_conj = units.iter().filter(|u| u.weight == 1.0).count();
        assert_eq!(
            self_conj,
            if l % 2 == 0 { 1 << d } else { 1 },
            "d = {d}, L = {l}"
        );
        // Σ_u w_u P̂_u = Σ_k P̂_k = (1/(MV)) Σ_m Σ_k |ŷ_k|² = (1/M) Σ_m Σ_x y(x)² (Parseval)
        let direct: f64 = fields
            .iter()
            .map(|y| y.iter().map(|x| x * x).sum::<f64>())
            .sum::<f64>()
            / 3.0;
        let pooled: f64 = units.iter().map(|u| u.weight * u.p_hat).sum();
        assert!(
            (pooled / direct - 1.0).abs() < 1e-12,
            "{pooled} vs {direct}"
        );
    }
}

/// R10.3: the null bias of the plug-in KL is the ρ-independent part of its exact mean: the
/// mean minus the true KL Σ w/2 (ρ − 1 − ln ρ), the same for any P and C, and ≈ Σ w/(2ν)
/// = U/(2M), U the number of independent units, at large M (the next term is w/(6ν²):
/// ≤ 3.4e-4 relative at M = 1000).
#[test]
fn plug_in_kl_bias_depends_on_the_degrees_of_freedom_only() {
    let us = units(1000.0);
    let true_kl: f64 = us
        .iter()
        .map(|u| {
            let rho = u.p_true / u.target;
            u.weight / 2.0 * (rho - 1.0 - rho.ln())
        })
        .sum();
    let bias = plug_in_kl_null_bias(&us);
    let mean = plug_in_kl_null_moments(&us).mean;
    assert!((mean - true_kl - bias).abs() <= 1e-12 * mean.abs().max(1.0));
    let moved: Vec<ModeUnit> = us
        .iter()
        .map(|u| ModeUnit {
            p_true: 3.0 * u.p_true,
            target: 0.5 * u.target,
            ..*u
        })
        .collect();
    assert_eq!(plug_in_kl_null_bias(&moved), bias);
    let units = us.len() as f64;
    assert!((bias / (units / 2000.0) - 1.0).abs() <= 1e-3, "bias {bias}");
}
