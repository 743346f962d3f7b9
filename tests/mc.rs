//! Tests of the finite-n Monte Carlo engine (src/mc) against exact and analytic references
//! (derivations/07, R7.1–R7.8).

use critical_slowing::theory::ising_exact::{
    ising_energy_distribution, kaufman_energy_per_site, kaufman_log_partition,
    xy_2x2_energy_per_site,
};

/// Exact ⟨e⟩ by enumeration: Σ_e e P(e).
fn enumerated_energy(d: usize, l: usize, k: f64) -> f64 {
    ising_energy_distribution(d, l, k)
        .unwrap()
        .iter()
        .map(|(e, p)| e * p)
        .sum()
}

/// R7.6 against R7.7: Kaufman's ln Z derivative equals enumeration on 3×3 and 4×4 tori; the
/// tolerance 1e-10 is rounding in sums of ~10⁴ positive terms and the L-fold products.
#[test]
fn kaufman_energy_equals_enumeration() {
    for l in [2, 3, 4] {
        for k in [0.1, 0.3, 0.440_686_793_509_771_5, 0.6, 1.2] {
            let exact = enumerated_energy(2, l, k);
            let kaufman = kaufman_energy_per_site(k, l).unwrap();
            assert!(
                (exact - kaufman).abs() < 1e-10,
                "L = {l}, K = {k}: {exact} vs {kaufman}"
            );
        }
    }
}

use std::sync::Arc;

use critical_slowing::lattice::Lattice;
use critical_slowing::mc::stats::{binning, estimate};
use critical_slowing::mc::{
    run, Algorithm, Chain, Coupling, Geometry, McConfig, NamedCoupling, NoProgress,
};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Statistical level of every goodness-of-fit and agreement test in this file, fixed first.
const LEVEL: f64 = 1e-6;
/// Two-sided normal quantile for LEVEL (Φ⁻¹(1 − 5e-7) = 4.89); "5 standard errors" rounds up.
const Z_LEVEL: f64 = 5.0;
const K_C_2D: f64 = 0.440_686_793_509_771_5;

fn config(n: usize, d: usize, l: usize, k: f64, algorithm: Algorithm) -> McConfig {
    McConfig {
        n,
        d,
        l,
        coupling: Coupling::Value(k),
        algorithm,
        chains: 2,
        thermalization: 1000,
        measurements: 20_000,
        seed: 20_260_514,
        spectrum: false,
    }
}

/// P(χ'²_{dof}(λ) > c) for the non-central χ² as a Poisson mixture of central χ² laws.
fn noncentral_chi2_tail(dof: f64, lambda: f64, c: f64) -> f64 {
    let mut total = 0.0;
    let mut weight = (-lambda / 2.0).exp();
    for j in 0..2000 {
        if j > 0 {
            weight *= lambda / 2.0 / j as f64;
        }
        let tail = 1.0 - ChiSquared::new(dof + 2.0 * j as f64).unwrap().cdf(c);
        total += weight * tail;
        if j as f64 > lambda && weight < 1e-16 {
            break;
        }
    }
    total
}

/// Merges adjacent energy levels until each merged bin expects ≥ 10 counts (keeps the χ²
/// approximation of the Pearson statistic accurate); returns bin index per level.
fn merge_levels(p: &[f64], samples: usize) -> Vec<usize> {
    let mut bin_of = Vec::with_capacity(p.len());
    let (mut bin, mut acc) = (0, 0.0);
    for &pi in p {
        bin_of.push(bin);
        acc += pi * samples as f64;
        if acc >= 10.0 {
            bin += 1;
            acc = 0.0;
        }
    }
    // a light last bin joins its predecessor
    if acc > 0.0 && acc < 10.0 && bin > 0 {
        bin_of
            .iter_mut()
            .filter(|b| **b == bin)
            .for_each(|b| *b = bin - 1);
    }
    bin_of
}

fn binned(p: &[f64], bin_of: &[usize]) -> Vec<f64> {
    let bins = bin_of.iter().max().unwrap() + 1;
    let mut out = vec![0.0; bins];
    for (pi, &b) in p.iter().zip(bin_of) {
        out[b] += pi;
    }
    out
}

/// Histogram test of R7.2/R7.3 against R7.7 on one tiny lattice (power R7.9).
fn histogram_test(d: usize, l: usize, k: f64, algorithm: Algorithm) {
    let exact = ising_energy_distribution(d, l, k).unwrap();
    let p: Vec<f64> = exact.iter().map(|x| x.1).collect();
    // Power (R7.9) against a 2 % error in K: the sample size is chosen so that the Pearson
    // statistic, non-central χ² with λ = N Σ_b (p'_b − p_b)²/p_b under K' = 1.02 K, exceeds
    // the level-1e-6 critical value with probability ≥ 0.99.
    let p_wrong: Vec<f64> = ising_energy_distribution(d, l, 1.02 * k)
        .unwrap()
        .iter()
        .map(|x| x.1)
        .collect();
    let mut samples = 10_000;
    let (bin_of, crit, power) = loop {
        let bin_of = merge_levels(&p, samples);
        let (pb, qb) = (binned(&p, &bin_of), binned(&p_wrong, &bin_of));
        let dof = (pb.len() - 1) as f64;
        let crit = ChiSquared::new(dof).unwrap().inverse_cdf(1.0 - LEVEL);
        let lambda: f64 = samples as f64
            * pb.iter()
                .zip(&qb)
                .map(|(a, b)| (b - a) * (b - a) / a)
                .sum::<f64>();
        let power = noncentral_chi2_tail(dof, lambda, crit);
        if power >= 0.99 || samples > 400_000 {
            break (bin_of, crit, power);
        }
        samples += samples / 4;
    };
    assert!(
        power >= 0.99,
        "d={d} L={l}: power {power} with {samples} samples"
    );
    let lattice = Lattice::new(d, l).unwrap();
    let geometry = Arc::new(Geometry::new(lattice).unwrap());
    let mut chain = Chain::new(geometry.clone(), 1, algorithm, k, 7, 0).unwrap();
    let energy = |c: &Chain| critical_slowing::mc::measure::energy_per_site(&geometry, c.spins());
    for _ in 0..1000 {
        chain.sweep();
    }
    chain.fix_clusters_per_sweep();
    let mut pilot = Vec::with_capacity(5000);
    for _ in 0..5000 {
        chain.sweep();
        pilot.push(energy(&chain));
    }
    // Thinning to independent samples: spacing 20 τ_int leaves correlations ~e^{−20}.
    let tau = estimate(&[&pilot]).unwrap().tau_int;
    let spacing = (20.0 * tau).ceil() as usize;
    let mut counts = vec![0.0; p.len()];
    for _ in 0..samples {
        for _ in 0..spacing {
            chain.sweep();
        }
        let e = energy(&chain);
        let level = exact.iter().position(|x| (x.0 - e).abs() < 1e-9).unwrap();
        counts[level] += 1.0;
    }
    let (cb, pb) = (binned(&counts, &bin_of), binned(&p, &bin_of));
    let n = samples as f64;
    let chi2: f64 = cb
        .iter()
        .zip(&pb)
        .map(|(c, q)| (c - n * q).powi(2) / (n * q))
        .sum();
    assert!(
        chi2 < crit,
        "{algorithm:?} d={d} L={l} K={k}: χ² = {chi2} ≥ {crit} ({} bins, {samples} samples, spacing {spacing})",
        pb.len()
    );
}

/// R7.2, R7.3 vs R7.7 (power R7.9): energy histograms of Wolff and Metropolis equal the
/// exact distributions on 2D 3×3, 4×4 and 3D 2×2×2 (doubled bonds) tori.
#[test]
fn energy_histograms_equal_enumeration() {
    for algorithm in [Algorithm::Wolff, Algorithm::Metropolis] {
        histogram_test(2, 3, 0.35, algorithm);
        histogram_test(2, 4, K_C_2D, algorithm);
        histogram_test(3, 2, 0.221_654_626, algorithm);
    }
}

/// R7.2 vs R7.6, errors by R7.4: mean energy per site on L×L tori equals Kaufman's exact
/// value within Z_LEVEL standard errors (error from τ_int; the τ_int window bias is
/// ~e^{−6}, negligible). The binning error agrees with the τ_int error: with B ≥ 100 blocks
/// the binning estimate has relative spread ≈ 1/√(2B) ≤ 7 %, so 0.6–1.5 is a > 5σ band.
#[test]
fn energy_equals_kaufman() {
    for l in [4, 8, 16] {
        for k in [0.3, K_C_2D, 0.6] {
            let r = run(&config(1, 2, l, k, Algorithm::Wolff), &NoProgress).unwrap();
            let exact = kaufman_energy_per_site(k, l).unwrap();
            let e = r.energy;
            assert!(
                (e.mean - exact).abs() < Z_LEVEL * e.error,
                "L={l} K={k}: {} ± {} vs {exact}",
                e.mean,
                e.error
            );
            let chains: Vec<&[f64]> = r.series.iter().map(|s| s.energy.as_slice()).collect();
            let bin = (50.0 * e.tau_int).ceil() as usize;
            let (err_bin, _) = binning(&chains, bin).unwrap();
            let ratio = err_bin / e.error;
            assert!(
                (0.6..1.5).contains(&ratio),
                "L={l} K={k}: binning/τ error {ratio}"
            );
        }
    }
    // Metropolis on the smallest two tori at K_c (its τ_int grows like L^2.17).
    for l in [4, 8] {
        let r = run(&config(1, 2, l, K_C_2D, Algorithm::Metropolis), &NoProgress).unwrap();
        let exact = kaufman_energy_per_site(K_C_2D, l).unwrap();
        assert!(
            (r.energy.mean - exact).abs() < Z_LEVEL * r.energy.error,
            "Metropolis L={l}"
        );
    }
}

/// R7.2, R7.3 vs R7.8: the XY model on the 2×2 torus has the Bessel-function energy.
#[test]
fn xy_energy_equals_bessel_formula() {
    for k in [0.3, 0.8] {
        let exact = xy_2x2_energy_per_site(k).unwrap();
        for algorithm in [Algorithm::Wolff, Algorithm::Metropolis] {
            let r = run(&config(2, 2, 2, k, algorithm), &NoProgress).unwrap();
            assert!(
                (r.energy.mean - exact).abs() < Z_LEVEL * r.energy.error,
                "{algorithm:?} K={k}: {} ± {} vs {exact}",
                r.energy.mean,
                r.energy.error
            );
        }
    }
}
