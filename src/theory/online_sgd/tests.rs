//! Unit tests of the online-SGD second moments (R9.9–R9.11) on numbers worked by hand and on
//! the recursion S_{n+1} = E[A²]S_n + E|b|² iterated step by step (`cargo test --release --lib
//! theory::online_sgd::`, milliseconds). The full-spectrum check against the same recursion
//! summed over all V modes is `tests/optimizers.rs::online_sgd_excess_loss_floor_and_training_time`.

use approx::assert_relative_eq;

use super::*;
use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;

/// R9.9 by hand at C = 2, η = 0.1, B = 4, σ² = 0.5:
/// E[A²] = (1 − 0.4)² + 4·0.01·κ·4/4 = 0.36 + 0.04κ, E|b|² = 4·0.01·(2/0.5 − 1)/4 = 0.03;
/// R9.10: S_∞ = 0.03/(1 − E[A²]) = 0.03/0.56 (κ = 2) and 0.03/0.6 (κ = 1).
#[test]
fn one_mode_by_hand() {
    assert_relative_eq!(
        contraction_second_moment(2.0, 0.1, 4, true),
        0.44,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        contraction_second_moment(2.0, 0.1, 4, false),
        0.40,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        noise_second_moment(2.0, 0.5, 0.1, 4),
        0.03,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        stationary_variance(2.0, 0.5, 0.1, 4, true).unwrap(),
        0.03 / 0.56,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        stationary_variance(2.0, 0.5, 0.1, 4, false).unwrap(),
        0.05,
        max_relative = 1e-14
    );
    // E[A²] = 1 exactly (C = 0) and above it (ηC = 1.5: (1 − 3)² = 4) diverge
    assert!(stationary_variance(0.0, 0.5, 0.1, 4, false).is_err());
    assert!(stationary_variance(15.0, 0.5, 0.1, 4, false).is_err());
    assert!(stationary_variance(f64::NAN, 0.5, 0.1, 4, false).is_err());
}

/// R9.10: E|e_n|² = S_∞ + (|e₀|² − S_∞)E[A²]ⁿ equals the recursion iterated n times (to
/// 1e-13 relative: 40 steps of rounding), from above and from below the floor.
#[test]
fn second_moment_is_the_iterated_recursion() {
    let (c, s2, eta, b) = (2.0, 0.5, 0.1, 4);
    for self_conjugate in [true, false] {
        let q = contraction_second_moment(c, eta, b, self_conjugate);
        let noise = noise_second_moment(c, s2, eta, b);
        for e0 in [0.0, 0.7] {
            let mut s = e0;
            for n in 0..40u64 {
                let closed = second_moment(c, s2, eta, b, self_conjugate, e0, n).unwrap();
                assert_relative_eq!(closed, s, max_relative = 1e-13, epsilon = 1e-300);
                s = q * s + noise;
            }
        }
    }
}

/// The self-conjugate entries of the half spectrum: k ≡ −k, i.e. every index 0 or L/2:
/// 2^d of them for even L, the zero mode alone for odd L.
#[test]
fn self_conjugate_entries() {
    for (d, l, count) in [(1usize, 6usize, 2usize), (2, 4, 4), (3, 4, 8), (2, 5, 1)] {
        let lattice = Lattice::new(d, l).unwrap();
        let sc = self_conjugate_modes(lattice);
        assert_eq!(sc.shape(), lattice.half_shape().as_slice());
        assert_eq!(sc.iter().filter(|&&s| s).count(), count, "d = {d}, L = {l}");
        for (idx, &s) in sc.indexed_iter() {
            let by_hand = idx.slice().iter().all(|&n| 2 * n == l || n == 0);
            assert_eq!(s, by_hand);
        }
    }
}

fn small() -> (Symbol, f64, f64) {
    let lattice = Lattice::new(1, 6).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let t = 0.5;
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let eta = 0.25 / spec_t.max();
    (spec_t, t, eta)
}

/// R9.11 on d = 1, L = 6, written out mode by mode over all six modes (k = 0 and 3
/// self-conjugate): (1/6)Σ_k C_k E|e_{k,n}|² from v₀ = 0.3, at n = 0, 5 and ∞.
#[test]
fn excess_loss_summed_over_the_six_modes() {
    let (spec, t, eta) = small();
    let sgd = OnlineSgd::new(&spec, t, eta, 3).unwrap();
    let s2 = sigma2(t).unwrap();
    let full = spec.to_full();
    let by_hand = |n: Option<u64>| -> f64 {
        (0..6)
            .map(|k| {
                let c = full[[k]];
                let sc = k == 0 || k == 3;
                let e0 = (0.3 - 1.0 / c).powi(2);
                let s = match n {
                    Some(n) => second_moment(c, s2, eta, 3, sc, e0, n).unwrap(),
                    None => stationary_variance(c, s2, eta, 3, sc).unwrap(),
                };
                c * s
            })
            .sum::<f64>()
            / 6.0
    };
    for n in [Some(0), Some(5), None] {
        assert_relative_eq!(
            sgd.expected_excess_loss(0.3, n).unwrap(),
            by_hand(n),
            max_relative = 1e-13
        );
    }
    // from any start the stationary second moments give the floor
    assert_relative_eq!(
        sgd.excess_loss_floor().unwrap(),
        by_hand(None),
        max_relative = 1e-13
    );
    let per_entry = sgd.stationary_variances().unwrap();
    for (n, &s) in per_entry.iter().enumerate() {
        let sc = n == 0 || n == 3;
        let expected = stationary_variance(full[[n]], s2, eta, 3, sc).unwrap();
        assert_relative_eq!(s, expected, max_relative = 1e-14);
    }
}

/// R9.11: the training time is the first n of a linear scan with excess loss ≤ δ, for targets
/// reached after 0, a few and many steps; δ at or below the floor is refused.
#[test]
fn training_steps_is_the_first_crossing() {
    let (spec, t, eta) = small();
    let sgd = OnlineSgd::new(&spec, t, eta, 3).unwrap();
    let floor = sgd.excess_loss_floor().unwrap();
    let start = sgd.expected_excess_loss(0.0, Some(0)).unwrap();
    for delta in [start, 0.5 * start, 0.1 * start, 1.5 * floor, 1.01 * floor] {
        let first = (0..100_000u64)
            .find(|&n| sgd.expected_excess_loss(0.0, Some(n)).unwrap() <= delta)
            .unwrap();
        assert_eq!(sgd.training_steps(delta).unwrap(), first, "δ = {delta}");
    }
    assert_eq!(sgd.training_steps(start).unwrap(), 0);
    assert!(sgd.training_steps(floor).is_err());
    assert!(sgd.training_steps(f64::NAN).is_err());
}

/// The search's cap: a crossing between 2⁴⁹ and 2⁵⁰ steps (η = 10⁻¹⁵ C_max⁻¹) is still
/// found; the doubling refuses only beyond 2⁵⁰.
#[test]
fn training_steps_up_to_the_cap() {
    let (spec, t, _) = small();
    let sgd = OnlineSgd::new(&spec, t, 1e-15 / spec.max(), 3).unwrap();
    let target = sgd.expected_excess_loss(0.0, Some(3u64 << 48)).unwrap();
    let n = sgd.training_steps(target).unwrap();
    assert!(n > 1 << 49 && n <= 1 << 50, "n = {n}");
}

/// Refused before work: η ≤ 0, t = 0 (σ_t² = 0), B = 0, and a step whose second moment
/// diverges (η = 1/C_max: E[A²] = 1 + 4κ/B > 1 on the largest mode).
#[test]
fn bad_input_is_refused() {
    let (spec, t, eta) = small();
    assert!(OnlineSgd::new(&spec, t, 0.0, 3).is_err());
    assert!(OnlineSgd::new(&spec, t, -eta, 3).is_err());
    assert!(OnlineSgd::new(&spec, 0.0, eta, 3).is_err());
    assert!(OnlineSgd::new(&spec, t, eta, 0).is_err());
    assert!(OnlineSgd::new(&spec, t, 1.0 / spec.max(), 3).is_err());
    assert!(OnlineSgd::new(&spec, t, eta, 1).is_ok());
}
