//! Optimizers beyond plain GD (derivations/09): heavy ball, Nesterov, Adam and online SGD,
//! closed forms against independent iterations and against the trainers on sampled fields.

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::experiment::optimizer::{self as opt, Parametrisation, Trainer, UpdateRule};
use critical_slowing::experiment::trainer::StoppingRule;
use critical_slowing::experiment::{ConvNet, DataSet, EmpiricalStatistics, SpectralBatch};
use critical_slowing::fit;
use critical_slowing::fourier::RealFft;
use critical_slowing::model::optimizer::{Momentum, OptimizerSpec};
use critical_slowing::model::LayerKind;
use critical_slowing::model::Protocol;
use critical_slowing::study::optimizers::last_exceedance;
use critical_slowing::theory::adam::{self, AdamConstants};
use critical_slowing::theory::empirical;
use critical_slowing::theory::momentum::{self, Method, ModeDynamics};
use critical_slowing::Lattice;
use critical_slowing::Symbol;
use ndarray::{ArrayD, Dimension};
use num_complex::Complex;
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

fn critical_spectrum(l: usize) -> Symbol {
    let field = GaussianField::large_n_critical(Lattice::new(3, l).unwrap()).unwrap();
    spectrum_at(field.spectrum(), 0.0).unwrap()
}

fn momentum_exponent(
    method: Method,
    beta: Momentum,
    spectra: &[(usize, Symbol)],
) -> (f64, Vec<u64>) {
    let protocol = Protocol::default();
    let steps: Vec<u64> = spectra
        .iter()
        .map(|(_, spec)| {
            momentum::training_time(spec, method, beta, &protocol)
                .unwrap()
                .steps
        })
        .collect();
    let ls: Vec<f64> = spectra.iter().map(|(l, _)| *l as f64).collect();
    let ts: Vec<f64> = steps.iter().map(|&s| s as f64).collect();
    (fit::power_law(&ls, &ts).unwrap().slope, steps)
}

/// R9.3, R9.4: d = 3, β_c, t = 0, ε = 1e-2, L = 8…256. Fixed β = 0.9 with η = c(1 − β)/λ*
/// keeps T_1 ∝ κ ∝ L² (exponent 2 ± 0.05: κ/L² drifts by 1.5 % over the range, R1.5).
/// Tuned: Nesterov T_1 ∝ √κ ∝ L (exponent 1 ± 0.05: the same drift halves, and the
/// double root's prefactor (1 + n/√κ) is L-independent at n ∝ √κ). Polyak's heavy ball has a
/// logarithmic correction (R9.4): its stiffest mode sits at a double root with error factor
/// ≈ 4n rⁿ, so T(−ln r) = ln(4T/ε) + o(1) and T/ln(4T/ε) ∝ √κ: exponent 1 ± 0.05 for that
/// ratio, and the raw exponent lies strictly above 1.05 (the correction is visible).
#[test]
fn momentum_training_time_exponents() {
    let spectra: Vec<(usize, Symbol)> = SIDES.iter().map(|&l| (l, critical_spectrum(l))).collect();
    for method in [Method::HeavyBall, Method::Nesterov] {
        let (fixed, fixed_steps) = momentum_exponent(method, Momentum::Fixed(0.9), &spectra);
        let (tuned, tuned_steps) = momentum_exponent(method, Momentum::Tuned, &spectra);
        eprintln!("{method:?}: fixed {fixed:.4} {fixed_steps:?}; tuned {tuned:.4} {tuned_steps:?}");
        assert!(
            (fixed - 2.0).abs() <= 0.05,
            "{method:?} fixed beta exponent {fixed}"
        );
        match method {
            Method::Nesterov => assert!((tuned - 1.0).abs() <= 0.05, "Nesterov tuned {tuned}"),
            Method::HeavyBall => {
                let ls: Vec<f64> = SIDES.iter().map(|&l| l as f64).collect();
                let ratio: Vec<f64> = tuned_steps
                    .iter()
                    .map(|&t| t as f64 / (4.0 * t as f64 / 1e-2).ln())
                    .collect();
                let p = fit::power_law(&ls, &ratio).unwrap().slope;
                eprintln!("HeavyBall tuned: exponent of T/ln(4T/eps) {p:.4}");
                assert!((p - 1.0).abs() <= 0.05, "log-corrected exponent {p}");
                assert!(tuned > 1.05, "raw exponent {tuned}");
            }
        }
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

fn adam_table(sides: &[usize], depth: usize, real_space: bool, cap: u64) -> Vec<(usize, f64, u64)> {
    let criterion = adam::AdamCriterion {
        epsilon: 1e-2,
        window: 1000,
        max_steps: cap,
    };
    sides
        .iter()
        .map(|&l| {
            let spec = critical_spectrum(l);
            let v0 = Protocol::default()
                .with_depth(depth)
                .unwrap()
                .initial_symbol(&spec);
            let (lr, steps) = adam::fastest_rate(|lr| {
                let consts = AdamConstants::from_spec(&OptimizerSpec::adam(lr))?;
                if real_space {
                    adam::RealSpaceAdam::new(&spec, depth, consts, v0)?.training_steps(&criterion)
                } else {
                    Ok(
                        adam::per_mode_training_time(&spec, depth, &consts, v0, &criterion)
                            .map(|x| x.0),
                    )
                }
            })
            .unwrap()
            .unwrap();
            eprintln!("L={l} D={depth} real_space={real_space}: lr {lr} T {steps}");
            (l, lr, steps)
        })
        .collect()
}

fn adam_exponent(rows: &[(usize, f64, u64)]) -> f64 {
    let ls: Vec<f64> = rows.iter().map(|r| r.0 as f64).collect();
    let ts: Vec<f64> = rows.iter().map(|r| r.2 as f64).collect();
    fit::power_law(&ls, &ts).unwrap().slope
}

fn adam_sweep_cases(cases: &[(usize, bool, &[usize])]) {
    let started = std::time::Instant::now();
    for &(depth, real_space, sides) in cases {
        let rows = adam_table(sides, depth, real_space, 20_000);
        eprintln!(
            "D={depth} real_space={real_space}: exponent {:.3} ({:?} s)",
            adam_exponent(&rows),
            started.elapsed().as_secs()
        );
        assert!(rows.iter().all(|r| r.2 <= 20_000));
    }
}

/// R9.6, R9.7: Adam's training time T(L) at β_c, d = 3, t = 0 (ε = 1e-2 held for the
/// 1000-step window, learning rate: the fastest on the grid 2^{3…−20} (R9.6), step cap
/// 20 000 at every L), Fourier parametrisation, D = 1 and 2, L = 8…64. Measured numbers are
/// in derivations/09 (R9.7). ~10 s.
/// `cargo test --release --test suite -- --ignored --nocapture optimizers::adam_sweep_fourier`
#[test]
#[ignore = "long: Adam learning-rate search at L up to 64"]
fn adam_sweep_fourier() {
    adam_sweep_cases(&[(1, false, &[8, 16, 32, 64]), (2, false, &[8, 16, 32, 64])]);
}

/// R9.7, real-space parametrisation, D = 1 at L = 8, 16, 32. L = 8 and 16 take ~1 min; L = 32
/// did not finish within 30 min on a shared 2-core machine (every grid point that does not
/// train runs the 20 000-step cap at V = 32 768).
#[test]
#[ignore = "very long: real-space Adam learning-rate search"]
fn adam_sweep_real_space_one_layer() {
    adam_sweep_cases(&[(1, true, &[8, 16, 32])]);
}

/// R9.7, real-space parametrisation, D = 2 at L = 4, 8 (13 s), and L = 16 (~5 min).
#[test]
#[ignore = "long: real-space Adam learning-rate search, two layers"]
fn adam_sweep_real_space_two_layers() {
    adam_sweep_cases(&[(2, true, &[4, 8, 16])]);
}

/// A critical d = 3 data set at diffusion time t: population spectrum C_k(t), empirical
/// statistics and the Fourier batch the trainers use.
fn field_data(
    l: usize,
    m: usize,
    t: f64,
    seed: u64,
) -> (Symbol, EmpiricalStatistics, SpectralBatch) {
    let lattice = Lattice::new(3, l).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let data = DataSet::draw(field.spectrum(), m, &[t], seed).unwrap();
    let stats = data.statistics(0).unwrap();
    let spectral = data
        .batch(0)
        .unwrap()
        .to_spectral(&RealFft::new(lattice))
        .unwrap();
    (spec_t, stats, spectral)
}

/// Runs `rule` on a fresh network for `steps` steps, keeping the symbol of every step.
fn run<U: UpdateRule>(
    rule: U,
    param: Parametrisation,
    depth: usize,
    v0: f64,
    batch: &SpectralBatch,
    steps: u64,
) -> Vec<ArrayD<Complex<f64>>> {
    let mut net = ConvNet::balanced(batch.lattice(), &vec![LayerKind::Full; depth], v0).unwrap();
    let mut trainer = Trainer::new(rule, steps);
    trainer.parametrisation = param;
    trainer.log_every = 1;
    trainer.keep_symbols = true;
    let log = trainer
        .train(&mut net, batch, &StoppingRule::Never)
        .unwrap();
    log.logged.into_iter().map(|s| s.symbol.unwrap()).collect()
}

fn method_rule(method: Method, eta: f64, beta: f64) -> Box<dyn UpdateRule> {
    match method {
        Method::HeavyBall => Box::new(opt::HeavyBall::new(eta, beta)),
        Method::Nesterov => Box::new(opt::Nesterov::new(eta, beta)),
    }
}

/// R9.1, R9.2 on fields: the GD, heavy-ball and Nesterov trainers (real-space kernels, sampled
/// fields) follow, at every step and on every mode, the closed form evaluated on the data
/// set's own statistics: v_n = v̂* (1 − f_n), f_n the closed-form error factor of the mode
/// with Hessian 2Ĉ_k (R9.2 is linear in e_0, so a complex v̂* = T_k/Ĉ_k just scales it).
/// Tolerance 1e-9 |v̂*|: FFT rounding (1e-15) accumulated over 80 steps with transient growth
/// ≤ 1/sin θ ~ 10.
#[test]
fn momentum_trainers_follow_the_empirical_closed_form() {
    let (spec_t, stats, batch) = field_data(4, 64, 0.5, 11);
    let target = stats.target();
    let protocol = Protocol::default();
    let steps = 80;
    let gd_eta = protocol.learning_rate(&spec_t);
    let gd = run(
        opt::Gd { eta: gd_eta },
        Parametrisation::RealSpace,
        1,
        0.0,
        &batch,
        steps,
    );
    for (idx, &c) in stats.c_hat.indexed_iter() {
        let want = empirical::trajectory(1, c, target[&idx], gd_eta, 0.0, steps as usize);
        for (n, w) in want.iter().enumerate() {
            assert!(
                (gd[n][&idx] - w).norm() <= 1e-9 * (target[&idx] / c).norm(),
                "GD step {n}"
            );
        }
    }
    for method in [Method::HeavyBall, Method::Nesterov] {
        for beta in [Momentum::Fixed(0.9), Momentum::Tuned] {
            let (eta, b) = momentum::parameters(method, beta, &spec_t, &protocol).unwrap();
            let symbols = run(
                method_rule(method, eta, b),
                Parametrisation::RealSpace,
                1,
                0.0,
                &batch,
                steps,
            );
            for (idx, &c) in stats.c_hat.indexed_iter() {
                let v_hat = target[&idx] / c;
                let mode = ModeDynamics::new(method, c, eta, b, 0.0);
                for (n, got) in symbols.iter().enumerate() {
                    let factor = -mode.error(n as u64) * c;
                    let want = v_hat * (1.0 - factor);
                    assert!(
                        (got[&idx] - want).norm() <= 1e-9 * v_hat.norm(),
                        "{method:?} {beta} mode {idx:?} step {n}: {} vs {want}",
                        got[&idx]
                    );
                }
            }
        }
    }
}

/// R9.3, R9.4 on fields: at β_c, d = 3, t = 1/2, L = 4, 6, 8 (M = 256), the training time
/// measured on the trainers' logged runs (the step after which every mode stays within ε of
/// v̂*) equals the closed-form time on the data set's statistics, max_k T(Ĉ_k), within one
/// step (rounding at the ε boundary), for GD, fixed and tuned heavy ball and Nesterov. The
/// runs are logged for 2T + 50 steps; the closed form guarantees no later exceedance.
#[test]
fn momentum_training_times_on_fields_match_the_empirical_closed_form() {
    let protocol = Protocol::default();
    let eps = protocol.epsilon;
    let mut table = Vec::new();
    for l in [4usize, 6, 8] {
        let (spec_t, stats, batch) = field_data(l, 256, 0.5, 100 + l as u64);
        let optimum = stats.optimum();
        let gd_eta = protocol.learning_rate(&spec_t);
        let mut cases = vec![("gd".to_string(), None, gd_eta, 0.0)];
        for m in [Method::HeavyBall, Method::Nesterov] {
            for b in [Momentum::Fixed(0.9), Momentum::Tuned] {
                let (eta, beta) = momentum::parameters(m, b, &spec_t, &protocol).unwrap();
                cases.push((format!("{m:?}:{b}"), Some(m), eta, beta));
            }
        }
        for (name, method, eta, beta) in cases {
            let closed = stats
                .c_hat
                .iter()
                .map(|&c| match method {
                    Some(m) => momentum::training_steps_above(
                        &ModeDynamics::new(m, c, eta, beta, 0.0),
                        eps,
                        0,
                    )
                    .unwrap(),
                    None => {
                        critical_slowing::theory::one_layer::training_steps(c, eta, eps).unwrap()
                    }
                })
                .max()
                .unwrap();
            let rule: Box<dyn UpdateRule> = match method {
                Some(m) => method_rule(m, eta, beta),
                None => Box::new(opt::Gd { eta }),
            };
            let symbols = run(
                rule,
                Parametrisation::RealSpace,
                1,
                0.0,
                &batch,
                2 * closed + 50,
            );
            let numeric = last_exceedance(&symbols, &optimum, eps);
            eprintln!("L={l} {name}: numeric {numeric} closed form {closed}");
            assert!(
                numeric.abs_diff(closed) <= 1,
                "L={l} {name}: {numeric} vs {closed}"
            );
            table.push((l, name, numeric));
        }
    }
    let _ = table;
}

/// R9.5: the Adam trainer on fields (kernel entries, hand-written backprop, its own Adam)
/// equals the population-side Adam iteration (`theory::adam`, written independently) run on
/// the data set's statistics (Ĉ_k, T_k), at every step and mode, D = 1 and 2, in both
/// parametrisations. Tolerance 1e-8 relative: both compute the same numbers up to FFT
/// rounding (1e-15); Adam divides by √ŝ, which amplifies rounding by |g|_max/|g_coord| — at
/// most 10⁴ on these data (no coordinate's gradient is within 1e-4 of zero).
#[test]
fn adam_trainer_equals_population_adam_on_the_empirical_statistics() {
    let (spec_t, stats, batch) = field_data(4, 64, 0.5, 21);
    let lattice = batch.lattice();
    let target = stats.target();
    let l = lattice.side();
    let steps = 60;
    for depth in [1usize, 2] {
        let v0 = Protocol::default()
            .with_depth(depth)
            .unwrap()
            .initial_symbol(&spec_t);
        let consts = AdamConstants::from_spec(&OptimizerSpec::adam(0.05)).unwrap();
        let rule = || opt::Adam::new(consts.lr, consts.beta1, consts.beta2, consts.eps);
        let fields = run(rule(), Parametrisation::RealSpace, depth, v0, &batch, steps);
        let mut population = adam::RealSpaceAdam::with_statistics(
            lattice,
            stats.c_hat.clone(),
            target.clone(),
            depth,
            consts,
            v0,
        )
        .unwrap();
        let want = population.trajectory(steps as usize).unwrap();
        for (n, (got, want)) in fields.iter().zip(&want).enumerate() {
            for ((idx, g), w) in got.indexed_iter().zip(want) {
                let scale = (target[&idx] / stats.c_hat[&idx]).norm();
                assert!(
                    (g - w).norm() <= 1e-8 * scale,
                    "real space D={depth} step {n} {idx:?}: {g} vs {w}"
                );
            }
        }
        let fourier = run(rule(), Parametrisation::Fourier, depth, v0, &batch, steps);
        for (idx, &c) in stats.c_hat.indexed_iter() {
            let self_conj = idx.slice().iter().all(|&k| (l - k) % l == k);
            let t = if self_conj {
                Complex::new(target[&idx].re, 0.0)
            } else {
                target[&idx]
            };
            let want = adam::per_mode_complex_trajectory(depth, c, t, &consts, v0, steps as usize);
            for (n, w) in want.iter().enumerate() {
                let g = fourier[n][&idx];
                assert!(
                    (g - w).norm() <= 1e-8 * (t / c).norm(),
                    "Fourier D={depth} step {n} {idx:?}: {g} vs {w}"
                );
            }
        }
    }
}

/// R9.5, R9.6, R9.9 against the population: the Adam trainer on M = 1024 fields, run for the
/// population per-mode Adam training time plus the 1000-step window, ends within
/// ε + z s_k + 3 s_k² of the population optimum v*_k on every mode, where
/// s_k = √((C_k/σ² − 1)/M) is the standard deviation of v̂*_k/v*_k − 1 = (T_k − 1) − (Ĉ_k − C_k)/C_k
/// to first order (the per-sample variance of R9.9) and z the two-sided normal quantile at
/// level 1e-6 Bonferroni over the modes; 3 s_k² bounds the second-order terms.
#[test]
fn adam_trainer_on_fields_reaches_the_population_optimum_within_statistical_bounds() {
    let m = 1024;
    let (spec_t, _, batch) = field_data(4, m, 0.5, 77);
    let eps = 1e-2;
    let criterion = adam::AdamCriterion {
        epsilon: eps,
        window: 1000,
        max_steps: 100_000,
    };
    let consts = AdamConstants::from_spec(&OptimizerSpec::adam(0.01)).unwrap();
    let (t_pop, _) = adam::per_mode_training_time(&spec_t, 1, &consts, 0.0, &criterion).unwrap();
    let mut net = ConvNet::balanced(batch.lattice(), &[LayerKind::Full], 0.0).unwrap();
    let rule = opt::Adam::new(consts.lr, consts.beta1, consts.beta2, consts.eps);
    let mut trainer = Trainer::new(rule, t_pop + criterion.window);
    trainer.parametrisation = Parametrisation::Fourier;
    trainer
        .train(&mut net, &batch, &StoppingRule::Never)
        .unwrap();
    let v = net.symbol();
    let c_half = spec_t.to_half();
    let s2 = critical_slowing::diffusion::forward::sigma2(0.5).unwrap();
    let level = 1e-6 / c_half.len() as f64;
    let z = statrs::distribution::ContinuousCDF::inverse_cdf(
        &statrs::distribution::Normal::new(0.0, 1.0).unwrap(),
        1.0 - level / 2.0,
    );
    for (idx, &c) in c_half.indexed_iter() {
        let s = ((c / s2 - 1.0) / m as f64).sqrt();
        let err = (v[&idx] * c - 1.0).norm();
        assert!(
            err <= eps + z * s + 3.0 * s * s,
            "mode {idx:?}: {err} (s = {s})"
        );
    }
}

/// Batch means of a per-step series: (mean, standard error) from K equal batches.
fn batch_means(series: &[f64], k: usize) -> (f64, f64) {
    let len = series.len() / k;
    let means: Vec<f64> = series
        .chunks_exact(len)
        .map(|c| c.iter().sum::<f64>() / len as f64)
        .collect();
    let mean = means.iter().sum::<f64>() / k as f64;
    let var = means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
    (mean, (var / k as f64).sqrt())
}

/// R9.9, R9.10: online SGD (D = 1, B = 16 fresh fields per step, the crate's `Sgd` trainer) on
/// a massive free field (d = 2, L = 8, β = 0.1, μ = 1, t = 1/2, η = 0.2/C_max(t)), started at
/// v* and burnt in for 200 steps (E[A²]^200 < 1e-80), then run 40 000 steps. The
/// per-step ratios q = |e_k|²/S_k (S_k the derived stationary variance) are averaged
/// (a) over all half-spectrum entries and (b) on the zero mode alone; each series' mean is
/// tested against 1 by batch means (K = 200 batches of 200 steps ≫ the correlation time
/// 1/(1 − ρ²) ≤ 3 steps, ρ = 1 − 2ηC ≤ 0.67): |mean − 1| ≤ t_{K−1} SE at level 1e-6/3 each
/// (1e-6 in all, with (c)). (c) R9.11: the excess population loss per step over its derived
/// floor, (1/V)Σ_k C_k|e_k|² / floor, has mean 1 by the same test. Power (SPEC §8), computed from the measured SE with the normal
/// approximation Φ(δ/SE − t): ≥ 0.99 against a uniform 2 % error on every mode's variance
/// (pooled series, δ = 0.02) and a 10 % error on the zero mode (δ = 0.1); both asserted.
#[test]
fn online_sgd_stationary_variance_matches_the_derivation() {
    use critical_slowing::experiment::trainer::Sgd;
    use critical_slowing::sampling::{seeded_rng, FieldSampler};
    use critical_slowing::theory::online_sgd::OnlineSgd;
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    let lattice = Lattice::new(2, 8).unwrap();
    let field = GaussianField::massive_free(lattice, 0.1, 1.0).unwrap();
    let t = 0.5;
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let (eta, b) = (0.2 / spec_t.max(), 16usize);
    let theory = OnlineSgd::new(&spec_t, t, eta, b).unwrap();
    let s_k = theory.stationary_variances().unwrap();
    let c_half = spec_t.to_half();
    let fft = RealFft::new(lattice);
    let mut net = ConvNet::new(lattice, &[LayerKind::Full]).unwrap();
    net.set_kernels(&[fft.kernel(&spec_t.map(|c| 1.0 / c)).unwrap()])
        .unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let sgd = Sgd {
        eta,
        batch_size: b,
        t,
    };
    let mut rng = seeded_rng(2024);
    sgd.train(&mut net, &sampler, 200, &mut rng).unwrap();
    let floor = theory.excess_loss_floor().unwrap();
    let weights = critical_slowing::fourier::half_spectrum_weights(lattice);
    let volume = lattice.volume() as f64;
    let (mut pooled, mut zero, mut excess) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..40 {
        let symbols = sgd.train(&mut net, &sampler, 1000, &mut rng).unwrap();
        for v in &symbols[1..] {
            let q: Vec<f64> = v
                .iter()
                .zip(&c_half)
                .zip(&s_k)
                .map(|((v, &c), &s)| (v - 1.0 / c).norm_sqr() / s)
                .collect();
            pooled.push(q.iter().sum::<f64>() / q.len() as f64);
            zero.push(q[0]);
            let loss: f64 = v
                .iter()
                .zip(&c_half)
                .zip(&weights)
                .map(|((v, &c), &w)| w * c * (v - 1.0 / c).norm_sqr())
                .sum();
            excess.push(loss / volume / floor);
        }
    }
    let k = 200;
    let tq = StudentsT::new(0.0, 1.0, (k - 1) as f64)
        .unwrap()
        .inverse_cdf(1.0 - 1e-6 / 6.0);
    let normal = Normal::new(0.0, 1.0).unwrap();
    for (name, series, delta) in [
        ("pooled", &pooled, 0.02),
        ("zero mode", &zero, 0.1),
        ("excess loss", &excess, 0.02),
    ] {
        let (mean, se) = batch_means(series, k);
        let power = normal.cdf(delta / se - tq);
        eprintln!("{name}: mean q {mean:.4} ± {se:.4}, power vs {delta}: {power:.4}");
        assert!((mean - 1.0).abs() <= tq * se, "{name}: mean {mean} ± {se}");
        assert!(
            power >= 0.99,
            "{name}: power {power} against a {delta} error"
        );
    }
}

/// Largest root r of the linearised growth recurrence of a two-layer mode far below its
/// optimum (u = Cv ≪ 1, layer gradient ≈ −2a): heavy ball r² − (1 + β + 2η)r + β = 0,
/// Nesterov r² − (1 + 2η)(1 + β)r + (1 + 2η)β = 0 (R9.8; GD: r = 1 + 2η, R4.4).
fn growth_root(method: Method, eta: f64, beta: f64) -> f64 {
    let (a, b) = match method {
        Method::HeavyBall => (1.0 + beta + 2.0 * eta, beta),
        Method::Nesterov => ((1.0 + 2.0 * eta) * (1.0 + beta), (1.0 + 2.0 * eta) * beta),
    };
    (a + (a * a - 4.0 * b).sqrt()) / 2.0
}

/// R9.8: two layers stay logarithmic under heavy ball and Nesterov, fixed β = 0.9 and tuned
/// (κ_h = 1 at the balanced optimum, so tuning gives β = 0, η = 1/4). Doubling L quadruples
/// κ, so the slowest mode's layer value a must grow by a factor 2 more, at the growth rate r
/// per step: each doubling adds ln 2/ln r steps. Window ±2: each T is an integer (±1 on the
/// difference) and the approach of the momentum to its asymptotic growth rate from rest
/// shifts the phase by less than one step (checked: the L-independent transient cancels).
#[test]
fn two_layer_stays_logarithmic_under_momentum() {
    let protocol = Protocol::default().with_depth(2).unwrap();
    for method in [Method::HeavyBall, Method::Nesterov] {
        for beta in [Momentum::Fixed(0.9), Momentum::Tuned] {
            let times: Vec<(u64, f64, f64)> = [8usize, 16, 32, 64]
                .iter()
                .map(|&l| {
                    let t = momentum::training_time(&critical_spectrum(l), method, beta, &protocol)
                        .unwrap();
                    (t.steps, t.learning_rate, t.momentum)
                })
                .collect();
            let per_doubling = 2f64.ln() / growth_root(method, times[0].1, times[0].2).ln();
            eprintln!(
                "{method:?}:{beta} D=2: {:?}, predicted increment {per_doubling:.2}",
                times.iter().map(|t| t.0).collect::<Vec<_>>()
            );
            for w in times.windows(2) {
                let inc = w[1].0 as f64 - w[0].0 as f64;
                assert!(
                    (inc - per_doubling).abs() <= 2.0,
                    "{method:?}:{beta} increment {inc} vs {per_doubling}"
                );
            }
        }
    }
}

/// R9.10, R9.11: the expected excess loss of online SGD from v = 0 equals the second-moment
/// recursion S_{n+1} = E[A²]S_n + E|b|² iterated step by step and summed over all V modes of
/// the full spectrum (an independent path: no closed-form power, no half-spectrum weights),
/// to 1e-12 relative (rounding of 200 recursion steps); the training time by the excess-loss
/// criterion is the first step at which the iterated sum is ≤ δ (δ = 3 × the floor), and a δ
/// at or below the floor is refused.
#[test]
fn online_sgd_excess_loss_floor_and_training_time() {
    use critical_slowing::theory::online_sgd::{self, OnlineSgd};
    let lattice = Lattice::new(3, 4).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let t = 0.5;
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let s2 = critical_slowing::diffusion::forward::sigma2(t).unwrap();
    let (eta, b) = (0.25 / spec_t.max(), 4usize);
    let theory = OnlineSgd::new(&spec_t, t, eta, b).unwrap();
    let full = spec_t.to_full();
    let l = lattice.side();
    // from a non-zero constant symbol v0 the start is (1/V) Σ_k C_k (v0 − 1/C_k)², summed here
    // over the full spectrum (a sign error in e0 is invisible from v0 = 0)
    let v0 = 0.3;
    let start: f64 = full
        .iter()
        .map(|&c| c * (v0 - 1.0 / c).powi(2))
        .sum::<f64>()
        / full.len() as f64;
    let closed_start = theory.expected_excess_loss(v0, Some(0)).unwrap();
    assert!(
        (closed_start - start).abs() <= 1e-12 * start,
        "{closed_start} vs {start}"
    );
    let mut s: Vec<f64> = full.iter().map(|&c| 1.0 / (c * c)).collect();
    let floor = theory.excess_loss_floor().unwrap();
    let delta = 3.0 * floor;
    let mut first_below = None;
    for n in 0..=4000u64 {
        let iterated: f64 =
            full.iter().zip(&s).map(|(&c, &sk)| c * sk).sum::<f64>() / full.len() as f64;
        if n <= 200 {
            let closed = theory.expected_excess_loss(0.0, Some(n)).unwrap();
            assert!(
                (closed - iterated).abs() <= 1e-12 * iterated,
                "n={n}: {closed} vs {iterated}"
            );
        }
        if first_below.is_none() && iterated <= delta {
            first_below = Some(n);
        }
        for ((idx, &c), sk) in full.indexed_iter().zip(s.iter_mut()) {
            let sc = idx.slice().iter().all(|&k| (l - k) % l == k);
            let kappa = if sc { 2.0 } else { 1.0 };
            let q = (1.0 - 2.0 * eta * c).powi(2) + 4.0 * eta * eta * kappa * c * c / b as f64;
            *sk = q * *sk + 4.0 * eta * eta * (c / s2 - 1.0) / b as f64;
        }
    }
    assert_eq!(theory.training_steps(delta).unwrap(), first_below.unwrap());
    assert!(theory.training_steps(floor).is_err());
    let _ = online_sgd::self_conjugate_modes(lattice);
}

/// R9.7: which mode limits per-mode Adam (prints the slowest mode's C_k and v*_k = 1/C_k with
/// the smallest and largest v* of the spectrum), at the rates the sweep selected.
/// `cargo test --release --test suite -- --ignored --nocapture optimizers::adam_limiting_modes` (~10 s)
#[test]
#[ignore = "diagnostic for derivations/09 R9.7"]
fn adam_limiting_modes() {
    let criterion = adam::AdamCriterion {
        epsilon: 1e-2,
        window: 1000,
        max_steps: 20_000,
    };
    for (depth, lr) in [(1usize, 0.0625), (2, 4.0)] {
        for l in [8usize, 16, 32, 64] {
            let spec = critical_spectrum(l);
            let v0 = Protocol::default()
                .with_depth(depth)
                .unwrap()
                .initial_symbol(&spec);
            let consts = AdamConstants::from_spec(&OptimizerSpec::adam(lr)).unwrap();
            let (t, c) =
                adam::per_mode_training_time(&spec, depth, &consts, v0, &criterion).unwrap();
            eprintln!(
                "D={depth} L={l} lr={lr}: T={t}, slowest v*={:.4e} (v* range [{:.4e}, {:.4e}])",
                1.0 / c,
                1.0 / spec.max(),
                1.0 / spec.min()
            );
        }
    }
}

/// Bad input gives errors, not panics: momentum outside [0, 1), a non-Adam spec for the Adam
/// constants, lr ≤ 0, t = 0 for online SGD (σ_t = 0), a δ below the SGD floor, the Fourier
/// parametrisation on a local layer, and a diverging learning rate (R9.2: ρ ≥ 1).
#[test]
fn optimizers_refuse_bad_input() {
    use critical_slowing::theory::online_sgd::OnlineSgd;
    let spec = critical_spectrum(8);
    let p = Protocol::default();
    assert!(momentum::training_time(&spec, Method::HeavyBall, Momentum::Fixed(1.5), &p).is_err());
    assert!(AdamConstants::from_spec(&OptimizerSpec::Gd).is_err());
    assert!(AdamConstants::from_spec(&OptimizerSpec::adam(-1.0)).is_err());
    assert!(opt::rule_for(&OptimizerSpec::Gd, -0.1, 0.0).is_err());
    assert!(opt::rule_for(
        &OptimizerSpec::HeavyBall {
            beta: Momentum::Tuned
        },
        0.1,
        1.0
    )
    .is_err());
    assert!(OnlineSgd::new(&spec, 0.0, 0.1, 4).is_err());
    assert!(OnlineSgd::new(&spec, 0.5, 0.1, 0).is_err());
    let diverging = ModeDynamics::new(Method::HeavyBall, 1.0, 5.0, 0.5, 0.0);
    assert!(momentum::training_steps_above(&diverging, 1e-2, 0).is_err());
    let (_, _, batch) = field_data(4, 4, 0.5, 1);
    let mut net = ConvNet::new(batch.lattice(), &[LayerKind::Local { radius: 1 }]).unwrap();
    let mut trainer = Trainer::new(opt::Gd { eta: 0.1 }, 3);
    trainer.parametrisation = Parametrisation::Fourier;
    assert!(trainer
        .train(&mut net, &batch, &StoppingRule::Never)
        .is_err());
}
