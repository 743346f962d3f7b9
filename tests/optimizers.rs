//! Optimizers beyond plain GD (derivations/09): heavy ball, Nesterov, Adam and online SGD,
//! closed forms against independent iterations and against the trainers on sampled fields.

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::fit;
use critical_slowing::optimizer_spec::{Momentum, OptimizerSpec};
use critical_slowing::theory::momentum::{self, Method, ModeDynamics};
use critical_slowing::theory::Protocol;
use critical_slowing::Lattice;
use proptest::prelude::*;

/// The heavy-ball / Nesterov update written out on v itself (not on the error), the
/// independent iteration the closed form R9.2 must reproduce.
fn iterate_updates(method: Method, c: f64, eta: f64, beta: f64, v0: f64, n: usize) -> Vec<f64> {
    let grad = |v: f64| 2.0 * (c * v - 1.0);
    let (mut v, mut prev) = (v0, v0);
    let mut out = vec![v0];
    for _ in 0..n {
        let next = match method {
            Method::HeavyBall => v - eta * grad(v) + beta * (v - prev),
            Method::Nesterov => {
                let y = v + beta * (v - prev);
                y - eta * grad(y)
            }
        };
        prev = v;
        v = next;
        out.push(v);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// R9.1, R9.2: the closed-form trajectory equals the iterated updates. Stable range:
    /// heavy ball needs 0 < ηh < 2(1 + β), Nesterov 0 < ηh < 2(1 + β)/(1 + 2β); we draw
    /// x = ηh ∈ (0, 0.95 × bound). Tolerance 1e-9 × (|v*| + |v_0|) over 400 steps: both sides
    /// round at ~1e-16 per operation; the iteration accumulates ≲ n·G·1e-16 with transient
    /// growth G ≤ 1/sin θ, and near-double roots are drawn (θ small) — 1e-9 leaves a margin of
    /// 10³ over the worst case seen.
    #[test]
    fn closed_form_momentum_equals_iterated_updates(
        nesterov in any::<bool>(),
        c in 0.01f64..10.0,
        beta in 0.0f64..0.99,
        frac in 0.001f64..0.95,
        v0 in -1.0f64..1.0,
    ) {
        let method = if nesterov { Method::Nesterov } else { Method::HeavyBall };
        let bound = match method {
            Method::HeavyBall => 2.0 * (1.0 + beta),
            Method::Nesterov => 2.0 * (1.0 + beta) / (1.0 + 2.0 * beta),
        };
        let eta = frac * bound / (2.0 * c);
        let mode = ModeDynamics::new(method, c, eta, beta, v0);
        let iterated = iterate_updates(method, c, eta, beta, v0, 400);
        let scale = 1.0 / c + v0.abs();
        for (n, want) in iterated.iter().enumerate() {
            let got = mode.symbol(n as u64);
            prop_assert!((got - want).abs() <= 1e-9 * scale, "n = {}: {} vs {}", n, got, want);
        }
    }
}

/// R9.2: the double-root and complex cases of the Lucas sequence against the defining
/// recurrence U_{n+1} = aU_n − bU_{n−1}, U_0 = 0, U_1 = 1 (exact a = 2, b = 1: U_n = n).
#[test]
fn lucas_sequence_special_cases() {
    for n in 0..50u64 {
        assert_eq!(
            momentum::lucas_u(2.0, 1.0, n),
            n as f64,
            "double root r = 1"
        );
    }
    for (a, b) in [
        (1.0, 0.5),
        (-1.0, 0.5),
        (1.5, -0.3),
        (-0.2, 0.0),
        (0.0, 0.25),
    ] {
        let (mut u0, mut u1) = (0.0f64, 1.0f64);
        for n in 1..60u64 {
            let got = momentum::lucas_u(a, b, n);
            assert!(
                (got - u1).abs() <= 1e-12 * (1.0 + u1.abs()),
                "a={a} b={b} n={n}: {got} vs {u1}"
            );
            (u0, u1) = (u1, a * u1 - b * u0);
        }
    }
}

/// R9.3: the training time is the first step after which the error stays below ε v*: check
/// against a brute-force scan of the iterated updates over a horizon far past T (the
/// iteration's error is then below 1e-6 ε v*, so no later exceedance is possible).
#[test]
fn training_time_is_the_last_exceedance_plus_one() {
    for method in [Method::HeavyBall, Method::Nesterov] {
        for (c, eta, beta) in [
            (1.0, 0.05, 0.9),
            (0.3, 0.4, 0.5),
            (2.0, 0.1, 0.95),
            (0.01, 2.0, 0.8),
        ] {
            let eps = 1e-2;
            let mode = ModeDynamics::new(method, c, eta, beta, 0.0);
            let t = momentum::training_steps_above(&mode, eps, 0).unwrap();
            let traj = iterate_updates(method, c, eta, beta, 0.0, 20 * t as usize + 2000);
            let v_star = 1.0 / c;
            let last = traj
                .iter()
                .rposition(|v| (v - v_star).abs() > eps * v_star)
                .map_or(0, |k| k + 1);
            assert_eq!(t, last as u64, "{method:?} C={c} eta={eta} beta={beta}");
            assert!((traj.last().unwrap() - v_star).abs() <= 1e-6 * eps * v_star);
        }
    }
}

const SIDES: [usize; 6] = [8, 16, 32, 64, 128, 256];

fn critical_spectrum(l: usize) -> critical_slowing::Symbol {
    let field = GaussianField::large_n_critical(Lattice::new(3, l).unwrap()).unwrap();
    spectrum_at(field.spectrum(), 0.0).unwrap()
}

fn momentum_exponent(method: Method, beta: Momentum, sides: &[usize]) -> (f64, Vec<u64>) {
    let protocol = Protocol::default();
    let steps: Vec<u64> = sides
        .iter()
        .map(|&l| {
            momentum::training_time(&critical_spectrum(l), method, beta, &protocol)
                .unwrap()
                .steps
        })
        .collect();
    let ls: Vec<f64> = sides.iter().map(|&l| l as f64).collect();
    let ts: Vec<f64> = steps.iter().map(|&s| s as f64).collect();
    (fit::power_law(&ls, &ts).unwrap().slope, steps)
}

/// R9.3, R9.4: d = 3, β_c, t = 0, ε = 1e-2, L = 8…256. Fixed β = 0.9 with η = c(1 − β)/λ*
/// keeps T_1 ∝ κ ∝ L² (exponent 2 ± 0.05: κ/L² drifts by 1.5 % over the range, R1.5);
/// Polyak- and Nesterov-tuned β give T_1 ∝ √κ ∝ L (exponent 1 ± 0.05: the same drift halves,
/// and the double root's polynomial prefactor (1 + 2n/√κ) is L-independent at n ∝ √κ).
#[test]
fn momentum_training_time_exponents() {
    for method in [Method::HeavyBall, Method::Nesterov] {
        let (fixed, fixed_steps) = momentum_exponent(method, Momentum::Fixed(0.9), &SIDES);
        let (tuned, tuned_steps) = momentum_exponent(method, Momentum::Tuned, &SIDES);
        eprintln!("{method:?}: fixed {fixed:.4} {fixed_steps:?}; tuned {tuned:.4} {tuned_steps:?}");
        assert!(
            (fixed - 2.0).abs() <= 0.05,
            "{method:?} fixed beta exponent {fixed}"
        );
        assert!(
            (tuned - 1.0).abs() <= 0.05,
            "{method:?} tuned exponent {tuned}"
        );
    }
}

/// The spec strings round-trip and bad values are named in one-line errors.
#[test]
fn optimizer_spec_round_trips() {
    for s in [
        "gd",
        "momentum:0.9",
        "momentum:tuned",
        "nesterov:0.5",
        "nesterov:tuned",
        "adam:0.001",
        "adam:0.01:0.8:0.99:1e-6",
    ] {
        let spec: OptimizerSpec = s.parse().unwrap();
        let again: OptimizerSpec = spec.to_string().parse().unwrap();
        assert_eq!(spec, again, "{s}");
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<OptimizerSpec>(&json).unwrap(), spec);
    }
    assert_eq!(
        "adam:0.001".parse::<OptimizerSpec>().unwrap().to_string(),
        "adam:0.001"
    );
    for (bad, named) in [
        ("momentum:1.5", "1.5"),
        ("adam:-1", "-1"),
        ("sgd", "sgd"),
        ("nesterov:x", "x"),
        ("adam", "adam"),
    ] {
        let err = bad.parse::<OptimizerSpec>().unwrap_err().to_string();
        assert!(err.contains(named) && !err.contains('\n'), "{bad}: {err}");
    }
}
