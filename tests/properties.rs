//! Property tests over random lattices, couplings and times (proptest): positivity, symbol
//! identities, kernel symmetry, closed-form trajectories against iterated updates, and no
//! panic on any input (R2.1, R2.2, R2.5, R3.1, R3.2, R3.3, R4.1, R4.2, R4.3).

use critical_slowing::data::{critical_coupling, GaussianField};
use critical_slowing::diffusion::forward::{condition_number_at, spectrum_at};
use critical_slowing::diffusion::score::{axis_decay_rate, score_kernel, score_symbol};
use critical_slowing::linalg::lapack;
use critical_slowing::model::Protocol;
use critical_slowing::theory::{depth, one_layer, training_time, two_layer};
use critical_slowing::{Lattice, Symbol};
use ndarray::IxDyn;
use proptest::prelude::*;

/// max |s(x − y) + [(α_t² C + σ_t² I)⁻¹]_{xy}| over sites, relative to the largest entry: the
/// covariance kernel C(r) = (1/V) Σ_k C_k cos(k·r) by a direct sum over modes, the matrix
/// inverted densely (ndarray-linalg), against the score kernel of the library (R2.2).
fn dense_score_error(lattice: Lattice, c: &Symbol, t: f64) -> f64 {
    use ndarray_linalg::Inverse;
    let (l, v) = (lattice.side(), lattice.volume());
    let mut sites = Vec::new();
    lattice.for_each_index(|x| sites.push(x.to_vec()));
    let a2 = (-2.0 * t).exp();
    let cov_kernel = |r: &[usize]| -> f64 {
        let mut sum = 0.0;
        lattice.for_each_index(|n| {
            let phase: f64 = n
                .iter()
                .zip(r)
                .map(|(&k, &x)| 2.0 * std::f64::consts::PI * (k * x) as f64 / l as f64)
                .sum();
            sum += c.at(n) * phase.cos();
        });
        sum / v as f64
    };
    let diff = |x: &[usize], y: &[usize]| -> Vec<usize> {
        x.iter().zip(y).map(|(&a, &b)| (a + l - b) % l).collect()
    };
    let sigma = ndarray::Array2::from_shape_fn((v, v), |(i, j)| {
        let r = diff(&sites[i], &sites[j]);
        a2 * cov_kernel(&r) + if i == j { 1.0 - a2 } else { 0.0 }
    });
    let inv = lapack("dense inverse", || sigma.inv()).unwrap();
    let kernel = score_kernel(c, t).unwrap();
    let scale = inv.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut err = 0.0f64;
    for i in 0..v {
        for j in 0..v {
            let r = diff(&sites[i], &sites[j]);
            err = err.max((kernel[IxDyn(&r)] + inv[[i, j]]).abs());
        }
    }
    err / scale
}

fn field_strategy() -> impl Strategy<Value = (usize, usize, f64, f64)> {
    (1usize..=4, 1usize..=7, 0.01f64..5.0, 1e-3f64..5.0)
        .prop_filter("keep V ≤ 4096", |(d, l, _, _)| l.pow(*d as u32) <= 4096)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// R2.1, R2.2, R2.5: C_k(t) is positive and between min(C_k, 1) and max(C_k, 1); the
    /// score kernel equals −(α_t² C + σ_t² I)⁻¹ from a dense inverse of the noised covariance
    /// matrix built by a direct (non-FFT) DFT of C_k (V ≤ 64); κ(t) = (C_max + ρ)/(C_min + ρ)
    /// ≤ κ(0); the kernel is even, s(r) = s(−r).
    #[test]
    fn noised_spectrum_and_score_identities((d, l, beta, mu) in field_strategy(), t in 0.0f64..5.0) {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::massive_free(lattice, beta, mu).unwrap();
        let c = field.spectrum();
        let ct = spectrum_at(c, t).unwrap();
        prop_assert!(ct.is_positive());
        for (&a, &b) in c.values().iter().zip(ct.values()) {
            let (lo, hi) = (a.min(1.0), a.max(1.0));
            prop_assert!(b >= lo * (1.0 - 1e-15) && b <= hi * (1.0 + 1e-15));
        }
        let s = score_symbol(c, t).unwrap();
        if lattice.volume() <= 64 {
            let err = dense_score_error(lattice, c, t);
            prop_assert!(err <= 1e-9, "dense inverse differs by {}", err);
        }
        // R2.5: κ(t) = (C_max + ρ)/(C_min + ρ), ρ = e^{2t} − 1, never above κ(0) and never below 1
        let rho = (2.0 * t).exp_m1();
        let kt = condition_number_at(c, t).unwrap();
        prop_assert!((kt / ((c.max() + rho) / (c.min() + rho)) - 1.0).abs() <= 1e-12);
        prop_assert!(kt <= field.condition_number() * (1.0 + 1e-12) && kt >= 1.0 - 1e-12);
        let kernel = score_kernel(c, t).unwrap();
        let scale = kernel.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut symmetric = true;
        lattice.for_each_index(|r| {
            let minus: Vec<usize> = r.iter().map(|&m| (l - m) % l).collect();
            symmetric &= (kernel[IxDyn(r)] - kernel[IxDyn(&minus)]).abs() <= 1e-12 * scale;
        });
        prop_assert!(symmetric);
        // the kernel at r = 0 is the mode average of the symbol (1/V Σ_k s_k)
        prop_assert!((kernel[IxDyn(&vec![0; d])] - s.mode_mean()).abs() <= 1e-12 * scale);
    }

    /// R3.2: the closed-form one-layer trajectory equals the iterated per-mode GD update
    /// v ← v − 2η(Cv − 1), for any stable η (0 < η < 1/C).
    #[test]
    fn one_layer_closed_form_equals_iterated_update(c in 1e-3f64..1e3, frac in 0.01f64..0.99, n in 0usize..400) {
        let eta = frac / c;
        let iterated = depth::trajectory(1, c, eta, 0.0, n);
        for (k, &v) in iterated.iter().enumerate() {
            let closed = one_layer::trajectory(c, eta, k as u64);
            prop_assert!((v - closed).abs() <= 1e-12 * (1.0 / c), "step {}: {} vs {}", k, v, closed);
        }
    }

    /// R3.3: the closed-form step count is the first n at which the iterated update meets
    /// |v − v*| ≤ ε v*.
    #[test]
    fn one_layer_training_steps_equal_iteration(c in 1e-2f64..1e2, frac in 0.01f64..0.99, eps in 1e-4f64..0.5) {
        let eta = frac / c;
        let n = one_layer::training_steps(c, eta, eps).unwrap();
        let iterated = depth::training_steps(1, c, eta, 0.0, eps, 1_000_000).unwrap();
        // the two sides differ only when r^n lands within rounding of ε
        prop_assert!((n as i64 - iterated as i64).abs() <= 1, "{} vs {}", n, iterated);
    }

    /// R4.2 against R3.4 and R4.3: the quadrature flow time of the general-depth flow equals
    /// the closed forms at D = 1 (exponential) and D = 2 (logistic).
    #[test]
    fn general_depth_flow_time_matches_closed_forms(c in 1e-2f64..1e2, u0 in 1e-6f64..0.9, eps in 1e-6f64..0.5, eta in 1e-3f64..0.4) {
        let v0 = u0 / c;
        let q1 = depth::flow_time(1, c, eta, v0, eps).unwrap();
        let closed1 = one_layer::timescale(c, eta) * ((1.0 - u0) / eps).ln().max(0.0);
        prop_assert!((q1 - closed1).abs() <= 1e-9 * closed1.max(1.0), "{} vs {}", q1, closed1);
        let q2 = depth::flow_time(2, c, eta, v0, eps).unwrap();
        let closed2 = two_layer::flow_time(c, eta, v0, eps);
        prop_assert!((q2 - closed2).abs() <= 1e-9 * closed2.max(1.0), "{} vs {}", q2, closed2);
        // and the logistic solution reaches relative error ε exactly at that time
        if closed2 > 0.0 {
            let v = two_layer::flow(c, eta, v0, closed2);
            prop_assert!(((1.0 / c - v) * c - eps).abs() <= 1e-9);
        }
    }

    /// R4.1: the balanced optimum has Hessian top eigenvalue 2D C^{2/D−1}: the full D×D
    /// Hessian of the per-mode loss f = C v² − 2v in the D layer variables by central finite
    /// differences (diagonal and mixed), its top eigenvalue by ndarray-linalg `eigvalsh`.
    /// Tolerance 1e-5: the difference quotients' truncation error is O(h²) = 1e-8 relative and
    /// their rounding error ~1e-16·|f|/h² ≈ 1e-8·a⁻²·|f|.
    #[test]
    fn hessian_at_the_balanced_optimum(c in 0.05f64..20.0, d in 1usize..=5) {
        use ndarray_linalg::{EigValsh, UPLO};
        let a = (1.0 / c).powf(1.0 / d as f64);
        let f = |x: &[f64]| { let v: f64 = x.iter().product(); c * v * v - 2.0 * v };
        let h = 1e-4 * a;
        let at = |i: usize, di: f64, j: usize, dj: f64| {
            let mut x = vec![a; d];
            x[i] += di;
            x[j] += dj;
            f(&x)
        };
        let hess = ndarray::Array2::from_shape_fn((d, d), |(i, j)| {
            if i == j {
                (at(i, h, i, 0.0) - 2.0 * f(&vec![a; d]) + at(i, -h, i, 0.0)) / (h * h)
            } else {
                (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4.0 * h * h)
            }
        });
        let top = lapack("Hessian eigenvalues", || hess.eigvalsh(UPLO::Lower)).unwrap().iter().fold(f64::MIN, |m, &v| m.max(v));
        let want = depth::hessian_at_optimum(d, c);
        prop_assert!((top / want - 1.0).abs() < 1e-5, "{} vs {}", top, want);
    }

    /// R4.2, R4.6: with the protocol every depth converges, and the balanced map's trajectory
    /// approaches v* monotonically from below for the default c = 1/2.
    #[test]
    fn protocol_trains_every_depth((d, l, beta, mu) in field_strategy(), depth_n in 1usize..=4, t in 0.0f64..2.0) {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::massive_free(lattice, beta, mu.max(0.05)).unwrap();
        let ct = spectrum_at(field.spectrum(), t).unwrap();
        let p = Protocol::default().with_depth(depth_n).unwrap();
        let tt = training_time(&ct, &p).unwrap();
        let eta = tt.learning_rate;
        for &c in ct.values() {
            let traj = depth::trajectory(depth_n, c, eta, tt.initial_symbol, tt.steps as usize);
            let last = *traj.last().unwrap();
            prop_assert!((last * c - 1.0).abs() <= p.epsilon * (1.0 + 1e-12));
            for w in traj.windows(2) {
                prop_assert!(w[1] >= w[0] * (1.0 - 1e-12) && w[1] * c <= 1.0 + 1e-12);
            }
        }
    }

    /// No input panics or produces NaN: every entry point returns a typed error or a finite
    /// value, whatever the numbers (NaN, ±∞, negatives, zero included).
    #[test]
    fn no_panic_on_any_input(d in 0usize..7, l in 0usize..9, beta in any::<f64>(), mu in any::<f64>(),
                             t in any::<f64>(), eps in any::<f64>(), c in any::<f64>(), depth_n in 0usize..20) {
        let _ = critical_coupling(d);
        if let Ok(lattice) = Lattice::new(d, l) {
            if let Ok(f) = GaussianField::massive_free(lattice, beta, mu) {
                prop_assert!(f.spectrum().is_positive());
                prop_assert!(!f.condition_number().is_nan());
                if let Ok(ct) = spectrum_at(f.spectrum(), t) {
                    prop_assert!(ct.is_positive());
                    if let Ok(p) = Protocol::new(depth_n.min(4), c, eps) {
                        if ct.condition_number() < 1e6 {
                            if let Ok(tt) = training_time(&ct, &p) {
                                prop_assert!(tt.flow_time.is_finite() && tt.learning_rate.is_finite());
                            }
                        }
                    }
                }
                if let Ok(k) = score_kernel(f.spectrum(), t) {
                    prop_assert!(k.iter().all(|v| v.is_finite()));
                }
            }
            if let Ok(f) = GaussianField::large_n(lattice, beta) {
                prop_assert!(f.spectrum().is_positive());
            }
            let sym = Symbol::from_laplacian(&lattice.mode_classes(), |x| x + 1.0);
            let _ = GaussianField::user(sym);
        }
        if let Ok(m) = axis_decay_rate(beta, mu, t) {
            // m = 0 only where the true rate is below the smallest double (μ = 0, huge t)
            prop_assert!(m.is_finite() && m >= 0.0);
            if mu / beta > 1e-290 {
                prop_assert!(m > 0.0);
            }
        }
        let _ = Protocol::new(depth_n, c, eps);
    }
}

/// R2.3's decay rate refuses a mass that is negative, infinite or NaN, and t = 0, each by
/// the check that names it; at μ = 0, β = 1, t = ln 2 (α² = 1/4, σ² = 3/4, x = 1/6) it equals
/// acosh(7/6) = ln(7/6 + √(13/36)) = 0.5688…, worked out here by hand.
#[test]
fn axis_decay_rate_by_hand_and_its_refusals() {
    for mu in [-0.5, f64::INFINITY, f64::NAN] {
        let e = axis_decay_rate(1.0, mu, 0.1).unwrap_err().to_string();
        assert!(e.contains("mu"), "{mu}: {e}");
    }
    assert!(axis_decay_rate(1.0, 0.1, 0.0)
        .unwrap_err()
        .to_string()
        .contains("t = 0"));
    let want = (7.0 / 6.0 + (13.0f64 / 36.0).sqrt()).ln();
    let got = axis_decay_rate(1.0, 0.0, std::f64::consts::LN_2).unwrap();
    assert!((got - want).abs() < 1e-14, "{got} vs {want}");
}
