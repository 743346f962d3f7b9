//! The estimators of configuration observables (`experiment::observables`) and the data
//! container `ComponentData`, on inputs whose answers are computed by hand or known exactly:
//! means and standard errors, energies and magnetisations by direct loops over sites, the
//! Binder cumulant at its two exact limits and its jackknife written out, histogram densities.

use crate::common;
use common::gaussian_configs;

use critical_slowing::data::ComponentData;
use critical_slowing::experiment::observables::{
    binder, mean_and_error, observables, paired_histogram,
};
use critical_slowing::Lattice;
use ndarray::{ArrayD, IxDyn};

/// x̄ = 2.5 and √(s²/N) = √((5/3)/4) for 1, 2, 3, 4.
#[test]
fn mean_and_standard_error_by_hand() {
    let e = mean_and_error(&[1.0, 2.0, 3.0, 4.0]);
    assert!((e.mean - 2.5).abs() < 1e-15);
    assert!((e.error - (5.0f64 / 12.0).sqrt()).abs() < 1e-15, "{e:?}");
}

/// Energy and magnetisation of hand-made n = 2 configurations on the 3 × 3 torus against
/// direct loops over sites and forward bonds written in the test.
#[test]
fn energy_and_magnetisation_by_direct_loops() {
    let lattice = Lattice::new(2, 3).unwrap();
    let n = 2usize;
    let phi = |c: usize, a: usize| {
        ArrayD::from_shape_fn(IxDyn(&[3, 3]), move |i| {
            let (x, y) = (i[0] as f64, i[1] as f64);
            (x * 0.7 + y * 1.3 + c as f64 + 2.0 * a as f64).sin()
        })
    };
    let configs: Vec<Vec<ArrayD<f64>>> = (0..3)
        .map(|c| (0..n).map(|a| phi(c, a)).collect())
        .collect();
    let data = ComponentData::new(lattice, n, configs.clone()).unwrap();
    let obs = observables(&data);
    let root_n = (n as f64).sqrt();
    for (c, config) in configs.iter().enumerate() {
        let s = |a: usize, x: usize, y: usize| config[a][[x, y]] / root_n;
        let mut bonds = 0.0;
        let mut m = [0.0; 2];
        for x in 0..3 {
            for y in 0..3 {
                for (a, m_a) in m.iter_mut().enumerate() {
                    *m_a += s(a, x, y) / 9.0;
                    bonds += s(a, x, y) * (s(a, (x + 1) % 3, y) + s(a, x, (y + 1) % 3));
                }
            }
        }
        let m2 = m[0] * m[0] + m[1] * m[1];
        assert!((obs.energy[c] + bonds / 9.0).abs() < 1e-14, "config {c}");
        assert!((obs.m2[c] - m2).abs() < 1e-15);
        assert!((obs.m4[c] - m2 * m2).abs() < 1e-15);
        assert!((obs.m1[c] - m[0]).abs() < 1e-15);
    }
}

/// The Binder cumulant's jackknife written out: U from the means of |m|² and |m|⁴, the error
/// √((K − 1)/K Σ (U₍ᵢ₎ − Ū)²) over the K leave-one-out values recomputed from scratch.
#[test]
fn binder_jackknife_by_hand() {
    use critical_slowing::experiment::observables::Observables;
    let m2 = vec![0.2, 0.5, 0.1, 0.4, 0.3];
    let obs = Observables {
        m4: m2.iter().map(|x| x * x * 1.1).collect(),
        m2: m2.clone(),
        energy: vec![0.0; 5],
        m1: vec![0.0; 5],
    };
    let n = 3usize;
    let u_of = |idx: &[usize]| {
        let k = idx.len() as f64;
        let a: f64 = idx.iter().map(|&i| obs.m2[i]).sum::<f64>() / k;
        let b: f64 = idx.iter().map(|&i| obs.m4[i]).sum::<f64>() / k;
        1.0 - (n as f64 / (n as f64 + 2.0)) * b / (a * a)
    };
    let all: Vec<usize> = (0..5).collect();
    let loo: Vec<f64> = (0..5)
        .map(|i| u_of(&all.iter().copied().filter(|&j| j != i).collect::<Vec<_>>()))
        .collect();
    let mean = loo.iter().sum::<f64>() / 5.0;
    let err = (0.8 * loo.iter().map(|u| (u - mean).powi(2)).sum::<f64>()).sqrt();
    let u = binder(&obs, n);
    assert!((u.mean - u_of(&all)).abs() < 1e-14, "{u:?}");
    assert!((u.error - err).abs() < 1e-14, "{u:?} against {err}");
}

/// Densities on two equal bins over [−1, 1]: a = (−1, 0, 1) puts 1/3 and 2/3 (the upper end
/// counts in the last bin), b = (0.5) puts 0 and 1; centres ∓1/2.
#[test]
fn paired_histogram_by_hand() {
    let h = paired_histogram(&[-1.0, 0.0, 1.0], &[0.5], 2);
    let want = [[-0.5, 1.0 / 3.0, 0.0], [0.5, 2.0 / 3.0, 1.0]];
    for (row, w) in h.iter().zip(want) {
        for (x, y) in row.iter().zip(w) {
            assert!((x - y).abs() < 1e-15, "{h:?}");
        }
    }
}

/// `split` keeps the order and `select` keeps exactly the chosen indices; both refuse to leave
/// fewer than two configurations, as `new` does for ragged or empty input.
#[test]
fn component_data_split_select_and_refusals() {
    let lattice = Lattice::new(2, 3).unwrap();
    let config = |v: f64| vec![ArrayD::from_elem(lattice.shape(), v)];
    let data = ComponentData::new(lattice, 1, (0..6).map(|i| config(i as f64)).collect()).unwrap();
    let (a, b) = data.split(4).unwrap();
    assert_eq!((a.len(), b.len()), (4, 2));
    assert_eq!(b.configs()[0][0][[0, 0]], 4.0);
    let odd = data.select(|i| i % 2 == 1).unwrap();
    let kept: Vec<f64> = odd.configs().iter().map(|c| c[0][[0, 0]]).collect();
    assert_eq!(kept, vec![1.0, 3.0, 5.0]);
    assert!(
        data.split(5).is_err(),
        "one held-out configuration is too few"
    );
    assert!(data.select(|i| i == 0).is_err());
    assert!(ComponentData::new(lattice, 2, vec![config(0.0), config(1.0)]).is_err());
    let ragged = vec![config(0.0), vec![ArrayD::zeros(IxDyn(&[3, 4]))]];
    assert!(ComponentData::new(lattice, 1, ragged).is_err());
}

/// R8.3: the Binder cumulant at its two exactly known limits: all-aligned
/// configurations (|m| = 1, U = 1 − n/(n + 2)) and Gaussian fields (U = 0 within 5 jackknife
/// standard errors, a 5.7e-7 two-sided false-alarm probability); the energy of aligned
/// configurations is −d per site.
#[test]
fn binder_and_energy_at_their_exact_limits() {
    let lattice = Lattice::new(2, 4).unwrap();
    for n in [1usize, 2, 3] {
        let aligned: Vec<Vec<ArrayD<f64>>> = (0..8)
            .map(|i| {
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                (0..n)
                    .map(|a| {
                        ArrayD::from_elem(
                            lattice.shape(),
                            if a == 0 {
                                sign * (n as f64).sqrt()
                            } else {
                                0.0
                            },
                        )
                    })
                    .collect()
            })
            .collect();
        let data = ComponentData::new(lattice, n, aligned).unwrap();
        let obs = observables(&data);
        let u = binder(&obs, n);
        assert!(
            (u.mean - (1.0 - n as f64 / (n as f64 + 2.0))).abs() < 1e-12,
            "n = {n}: {u:?}"
        );
        assert!(obs.energy.iter().all(|&e| (e + 2.0).abs() < 1e-12));
        let g = observables(&gaussian_configs(lattice, n, 4000, 11 + n as u64));
        let ug = binder(&g, n);
        assert!(
            ug.mean.abs() <= 5.0 * ug.error,
            "n = {n}: Gaussian Binder {ug:?}"
        );
    }
}
