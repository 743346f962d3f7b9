//! Gaussian field sampling from a spectrum (R1.6): per-mode sample variances against χ²
//! confidence intervals.
//!
//! The Fourier amplitudes are computed here by a direct O(V²) DFT, not by the crate's FFT.
//! For a real field with covariance symbol C_k and the unnormalised DFT, E|x̂_k|² = V C_k;
//! over M independent fields, Σ x̂_k²/(V C_k) ~ χ²_M on self-conjugate modes (k ≡ −k) and
//! Σ 2|x̂_k|²/(V C_k) ~ χ²_{2M} on the other modes (one per pair ±k).

use critical_slowing::data::GaussianField;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::Lattice;
use ndarray::IxDyn;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Total false-alarm probability of the test, split over modes (Bonferroni).
const LEVEL: f64 = 1e-6;

#[test]
fn sampled_mode_variances_follow_chi_square() {
    for (d, l, seed) in [(1, 16, 1u64), (2, 8, 2), (3, 4, 3)] {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::large_n(lattice, 0.4).unwrap();
        let sampler = FieldSampler::new(field.spectrum()).unwrap();
        let m = 2000;
        let mut rng = seeded_rng(seed);
        let samples = sampler.sample_many(m, &mut rng);
        let mut modes = Vec::new();
        lattice.for_each_index(|n| {
            let minus: Vec<usize> = n.iter().map(|&k| (l - k) % l).collect();
            if n <= minus.as_slice() {
                modes.push((n.to_vec(), n == minus.as_slice()));
            }
        });
        let sites: Vec<Vec<usize>> = {
            let mut s = Vec::new();
            lattice.for_each_index(|x| s.push(x.to_vec()));
            s
        };
        let v = lattice.volume() as f64;
        let per_mode_level = LEVEL / modes.len() as f64;
        for (n, self_conjugate) in &modes {
            let c = field.spectrum().at(n);
            let mut stat = 0.0;
            for x in &samples {
                let (mut re, mut im) = (0.0, 0.0);
                for s in &sites {
                    let phase: f64 = n
                        .iter()
                        .zip(s)
                        .map(|(&k, &r)| 2.0 * std::f64::consts::PI * (k * r) as f64 / l as f64)
                        .sum();
                    let value = x[IxDyn(s)];
                    re += value * phase.cos();
                    im -= value * phase.sin();
                }
                let power = re * re + im * im;
                stat += if *self_conjugate { power } else { 2.0 * power } / (v * c);
            }
            let dof = if *self_conjugate { m } else { 2 * m } as f64;
            let chi = ChiSquared::new(dof).unwrap();
            let (lo, hi) = (
                chi.inverse_cdf(per_mode_level / 2.0),
                chi.inverse_cdf(1.0 - per_mode_level / 2.0),
            );
            assert!(
                stat >= lo && stat <= hi,
                "d = {d}, mode {n:?}: chi^2 statistic {stat} outside [{lo}, {hi}] (dof {dof})"
            );
        }
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
