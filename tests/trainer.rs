//! The numeric trainers against the closed forms (R3.1, R3.2, R3.3, R4.2, R4.4).
//!
//! The trainers see sampled fields only. The closed-form side is either the per-mode map on
//! the data set's empirical statistics (`theory::empirical`, must agree to rounding error) or
//! the population formulas (must agree within χ² / standard-error bounds).

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::experiment::dense::train_dense;
use critical_slowing::experiment::trainer::{
    max_relative_error, max_relative_symbol_error, FullBatchGd, Sgd, StoppingRule,
};
use critical_slowing::experiment::{ConvNet, DataSet, EmpiricalStatistics, NoisedBatch};
use critical_slowing::fourier::RealFft;
use critical_slowing::model::LayerKind;
use critical_slowing::model::Protocol;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::theory::{empirical, one_layer};
use critical_slowing::{fit, Lattice};
use ndarray::{Array2, ArrayD, Dimension, IxDyn};
use num_complex::Complex;
use rand::Rng;
use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

fn random_net(lattice: Lattice, kinds: &[LayerKind], seed: u64) -> ConvNet {
    let mut net = ConvNet::new(lattice, kinds).unwrap();
    let mut rng = seeded_rng(seed);
    for layer in 0..kinds.len() {
        lattice.for_each_index(|r| {
            if let Some(a) = net.kernel_entry_mut(layer, r) {
                *a = rng.random_range(-0.5..0.5);
            }
        });
    }
    net
}

fn small_batch(lattice: Lattice, m: usize, t: f64, seed: u64) -> NoisedBatch {
    let field = GaussianField::massive_free(lattice, 0.8, 0.4).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    NoisedBatch::draw(&sampler, t, m, &mut seeded_rng(seed)).unwrap()
}

const KINDS: [&[LayerKind]; 4] = [
    &[LayerKind::Full],
    &[LayerKind::Local { radius: 1 }],
    &[LayerKind::Full, LayerKind::Full],
    &[
        LayerKind::Local { radius: 1 },
        LayerKind::Full,
        LayerKind::Local { radius: 1 },
    ],
];

/// The FFT convolution path equals the direct loop convolution (1e-12 relative: FFT rounding).
#[test]
fn fft_convolution_equals_direct_loop() {
    for (d, l) in [(1, 7), (2, 4), (2, 5), (3, 4)] {
        let lattice = Lattice::new(d, l).unwrap();
        for (i, kinds) in KINDS.iter().enumerate() {
            let net = random_net(lattice, kinds, 10 + i as u64);
            let x = small_batch(lattice, 1, 0.3, 99).xt.remove(0);
            let fast = net.score(&x).unwrap();
            let slow = net.score_direct(&x).unwrap();
            let scale = slow.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (a, b) in fast.iter().zip(slow.iter()) {
                assert!(
                    (a - b).abs() <= 1e-12 * scale,
                    "{d}d L={l} {kinds:?}: {a} vs {b}"
                );
            }
        }
    }
}

/// The hand-written backward pass equals central finite differences of the direct-loop loss.
/// The loss is a polynomial of degree 2D in the kernels; with h = 1e-5 the central-difference
/// error is ~h² × (third derivative) ≲ 1e-9 of the gradient scale, hence 1e-6.
#[test]
fn backpropagation_matches_finite_differences() {
    let lattice = Lattice::new(2, 4).unwrap();
    let batch = small_batch(lattice, 3, 0.4, 5);
    let spectral = batch.to_spectral(&RealFft::new(lattice)).unwrap();
    for (i, kinds) in KINDS.iter().enumerate() {
        let mut net = random_net(lattice, kinds, 20 + i as u64);
        let (loss, grads) = net.loss_and_gradient(&spectral).unwrap();
        let direct = net.loss_direct(&batch.xt, &batch.z, batch.sigma).unwrap();
        assert!(
            (loss - direct).abs() <= 1e-12 * direct,
            "loss {loss} vs {direct}"
        );
        let scale = grads
            .iter()
            .flat_map(|g| g.iter())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let h = 1e-5;
        for (layer, grad) in grads.iter().enumerate() {
            let mut entries = Vec::new();
            lattice.for_each_index(|r| entries.push(r.to_vec()));
            for r in entries {
                let Some(a) = net.kernel_entry_mut(layer, &r) else {
                    assert_eq!(grad[IxDyn(&r)], 0.0, "gradient off the support");
                    continue;
                };
                *a += h;
                let up = net.loss_direct(&batch.xt, &batch.z, batch.sigma).unwrap();
                *net.kernel_entry_mut(layer, &r).unwrap() -= 2.0 * h;
                let down = net.loss_direct(&batch.xt, &batch.z, batch.sigma).unwrap();
                *net.kernel_entry_mut(layer, &r).unwrap() += h;
                let fd = (up - down) / (2.0 * h);
                let g = grad[IxDyn(&r)];
                assert!(
                    (fd - g).abs() <= 1e-6 * scale,
                    "{kinds:?} layer {layer} r {r:?}: {g} vs {fd}"
                );
            }
        }
    }
}

/// R3.1, R3.2, R4.2: full-batch GD on a fixed data set follows the per-mode map on that data
/// set's empirical statistics to ≤ 1e-9 relative at every step, D = 1 and 2, d = 1, 2, 3.
#[test]
fn full_batch_gd_reproduces_the_empirical_closed_form() {
    for (d, l) in [(1, 16), (2, 6), (3, 4)] {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::large_n(lattice, 0.3).unwrap();
        let t = 0.3;
        let data = DataSet::draw(field.spectrum(), 64, &[t], 7 + d as u64).unwrap();
        let stats = data.statistics(0).unwrap();
        let target = stats.target();
        let spectral = data
            .batch(0)
            .unwrap()
            .to_spectral(&RealFft::new(lattice))
            .unwrap();
        let spec_t = spectrum_at(field.spectrum(), t).unwrap();
        for depth in [1usize, 2] {
            let protocol = Protocol::default().with_depth(depth).unwrap();
            let eta = protocol.learning_rate(&spec_t);
            let v0 = protocol.initial_symbol(&spec_t);
            let kinds = vec![LayerKind::Full; depth];
            let mut net = ConvNet::balanced(lattice, &kinds, v0).unwrap();
            let steps = 60;
            let mut gd = FullBatchGd::new(eta, steps).unwrap();
            gd.log_every = 1;
            gd.keep_symbols = true;
            let log = gd.train(&mut net, &spectral, &StoppingRule::Never).unwrap();
            assert_eq!(log.logged.len(), steps as usize + 1);
            for (idx, &c) in stats.c_hat.indexed_iter() {
                let tk = target[&idx];
                let closed = empirical::trajectory(depth, c, tk, eta, v0, steps as usize);
                let scale = (tk / c).norm();
                for (entry, want) in log.logged.iter().zip(&closed) {
                    let got = entry.symbol.as_ref().unwrap()[&idx];
                    assert!(
                        (got - want).norm() <= 1e-9 * scale,
                        "d={d} D={depth} mode {idx:?} step {}: {got} vs {want}",
                        entry.step
                    );
                }
            }
        }
    }
}

/// Per-mode χ² interval of Ĉ_k (level 1e-6, Bonferroni over the half-spectrum entries):
/// M V Ĉ_k / C_k(t) ~ χ²_M on self-conjugate modes, and 2 M V Ĉ_k / C_k(t) ~ χ²_{2M} elsewhere.
fn chi_square_bounds(
    stats: &EmpiricalStatistics,
    m: usize,
    lattice: Lattice,
) -> Vec<(IxDyn, f64, f64)> {
    let l = lattice.side();
    let n_modes = stats.c_hat.len() as f64;
    let level = 1e-6 / n_modes;
    stats
        .c_hat
        .indexed_iter()
        .map(|(idx, &c)| {
            let self_conj = idx.slice().iter().all(|&n| (l - n) % l == n);
            let dof = if self_conj { m } else { 2 * m } as f64;
            let chi = ChiSquared::new(dof).unwrap();
            let (lo, hi) = (
                chi.inverse_cdf(level / 2.0),
                chi.inverse_cdf(1.0 - level / 2.0),
            );
            // C_k(t) lies in [c·dof/hi, c·dof/lo] at the stated level
            (idx, c * dof / hi, c * dof / lo)
        })
        .collect()
}

/// The empirical Ĉ_k agree with the population C_k(t) within χ² intervals, and so the
/// numeric one-layer training time lies between the population closed forms evaluated at the
/// interval ends (R3.3: T_1 = max_k ⌈ln ε/ln|1 − 2ηC_k|⌉ is monotone in each C_k ≤ 1/(2η)).
#[test]
fn empirical_statistics_agree_with_the_population_within_chi_square_bounds() {
    let lattice = Lattice::new(3, 4).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let t = 0.5;
    let m = 512;
    let data = DataSet::draw(field.spectrum(), m, &[t], 31).unwrap();
    let stats = data.statistics(0).unwrap();
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let full = spec_t.to_half();
    let bounds = chi_square_bounds(&stats, m, lattice);
    for (idx, lo, hi) in &bounds {
        let c = full[idx];
        assert!(
            *lo <= c && c <= *hi,
            "mode {idx:?}: C_k(t) = {c} outside [{lo}, {hi}]"
        );
    }
    let protocol = Protocol::default();
    let eta = protocol.learning_rate(&spec_t);
    let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0).unwrap();
    let rule = StoppingRule::relative_symbol_error(protocol.epsilon, stats.optimum()).unwrap();
    let spectral = data
        .batch(0)
        .unwrap()
        .to_spectral(&RealFft::new(lattice))
        .unwrap();
    let log = FullBatchGd::new(eta, 100_000)
        .unwrap()
        .train(&mut net, &spectral, &rule)
        .unwrap();
    let numeric = log.trained_at.unwrap();
    let steps_at = |pick: fn(&(IxDyn, f64, f64)) -> f64| {
        bounds
            .iter()
            .map(|b| {
                one_layer::training_steps(pick(b).min(0.999 / (2.0 * eta)), eta, protocol.epsilon)
                    .unwrap()
            })
            .max()
            .unwrap()
    };
    let (slow, fast) = (steps_at(|b| b.1), steps_at(|b| b.2));
    assert!(
        fast <= numeric && numeric <= slow,
        "T_1 numeric {numeric} outside [{fast}, {slow}]"
    );
}

/// R3.3, R4.4: measured training times at β_c, d = 3, t = 1/2, L = 4, 6, 8 (M = 2048 fields)
/// equal the closed-form time on each data set's statistics within one step; the one-layer
/// times fit L^p with p = 2 ± 0.2 (κ(t)/L² still drifts at these L); the two-layer time grows
/// by at most ln 2/ln(1 + 2η) + 1 steps from L = 4 to 8. The population table is snapshotted
/// beside the numeric one.
#[test]
fn numeric_training_times_follow_the_scaling_laws() {
    numeric_scaling(&[4, 6, 8], "numeric_training_times_d3");
}

/// The same at L = 12 and 16 (minutes): `cargo test --release -- --ignored`.
#[test]
#[ignore = "long: L = 12, 16"]
fn numeric_training_times_follow_the_scaling_laws_long() {
    numeric_scaling(&[4, 6, 8, 12, 16], "numeric_training_times_d3_long");
}

fn numeric_scaling(sides: &[usize], snapshot: &str) {
    let t = 0.5;
    let m = 2048;
    let protocol = Protocol::default();
    let mut table = String::from("L depth numeric empirical_closed_form population_closed_form\n");
    let mut t1 = Vec::new();
    let mut t2 = Vec::new();
    for &l in sides {
        let lattice = Lattice::new(3, l).unwrap();
        let field = GaussianField::large_n_critical(lattice).unwrap();
        let spec_t = spectrum_at(field.spectrum(), t).unwrap();
        let data = DataSet::draw(field.spectrum(), m, &[t], 1000 + l as u64).unwrap();
        let stats = data.statistics(0).unwrap();
        let spectral = data
            .batch(0)
            .unwrap()
            .to_spectral(&RealFft::new(lattice))
            .unwrap();
        let c_hat: Vec<f64> = stats.c_hat.iter().copied().collect();
        let target: Vec<Complex<f64>> = stats.target().iter().copied().collect();
        for depth in [1usize, 2] {
            let p = protocol.with_depth(depth).unwrap();
            let eta = p.learning_rate(&spec_t);
            let v0 = p.initial_symbol(&spec_t);
            let mut net = ConvNet::balanced(lattice, &vec![LayerKind::Full; depth], v0).unwrap();
            let rule = StoppingRule::relative_symbol_error(p.epsilon, stats.optimum()).unwrap();
            let gd = FullBatchGd::new(eta, 1_000_000).unwrap();
            let numeric = gd
                .train(&mut net, &spectral, &rule)
                .unwrap()
                .trained_at
                .unwrap();
            let closed =
                empirical::training_steps(depth, &c_hat, &target, eta, v0, p.epsilon, 1_000_000)
                    .unwrap();
            assert!(
                numeric.abs_diff(closed) <= 1,
                "L={l} D={depth}: numeric {numeric} vs {closed}"
            );
            let population = critical_slowing::theory::training_time(&spec_t, &p)
                .unwrap()
                .steps;
            table += &format!("{l} {depth} {numeric} {closed} {population}\n");
            if depth == 1 {
                t1.push(numeric as f64)
            } else {
                t2.push((l, numeric as f64, eta))
            }
        }
    }
    let ls: Vec<f64> = sides.iter().map(|&l| l as f64).collect();
    let p = fit::power_law(&ls, &t1).unwrap().slope;
    assert!((p - 2.0).abs() <= 0.2, "numeric T_1 exponent {p}");
    for a in &t2 {
        for b in &t2 {
            if b.0 == 2 * a.0 {
                let bound = 2f64.ln() / (1.0 + 2.0 * a.2).ln() + 1.0;
                assert!(
                    b.1 - a.1 <= bound,
                    "T_2 grows {} from L={} to {}",
                    b.1 - a.1,
                    a.0,
                    b.0
                );
            }
        }
    }
    table += &format!("fitted numeric T_1 exponent {p:.2}\n");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(snapshot, table);
    });
}

/// The dense V × V trainer, on translation-augmented data, learns a circulant matrix
/// (off-circulant part ≤ 1e-8 relative) equal to the convolution trained on the same data,
/// i.e. with the same per-mode rates. Without augmentation it does not (the check can fail).
#[test]
fn dense_trainer_learns_translation_invariance() {
    let lattice = Lattice::new(2, 4).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let t = 0.3;
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let eta = Protocol::default().learning_rate(&spec_t);
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let batch = NoisedBatch::draw(&sampler, t, 16, &mut seeded_rng(3)).unwrap();
    let steps = 40;
    let w = train_dense(&batch, lattice, true, eta, 0.0, steps).unwrap();
    let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0).unwrap();
    let spectral = batch.to_spectral(&RealFft::new(lattice)).unwrap();
    FullBatchGd::new(eta, steps as u64)
        .unwrap()
        .train(&mut net, &spectral, &StoppingRule::Never)
        .unwrap();
    let l = lattice.side();
    let mut sites = Vec::new();
    lattice.for_each_index(|s| sites.push(s.to_vec()));
    let kernel = &net.kernels()[0];
    // s(x) = −W x and s(x) = −a ⊛ x: W_{xy} = a(x − y)
    let circ = Array2::from_shape_fn((sites.len(), sites.len()), |(i, j)| {
        let r: Vec<usize> = sites[i]
            .iter()
            .zip(&sites[j])
            .map(|(&a, &b)| (a + l - b) % l)
            .collect();
        kernel[IxDyn(&r)]
    });
    let scale = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = (&w - &circ).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        diff <= 1e-8 * scale,
        "dense vs convolution: {diff:e} (scale {scale:e})"
    );
    let w_plain = train_dense(&batch, lattice, false, eta, 0.0, steps).unwrap();
    let off = (&w_plain - &circ)
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        off > 1e-3 * scale,
        "unaugmented data should not give a circulant matrix"
    );
}

/// SGD with fresh samples, D = 1: the update is affine in v with a fresh unbiased batch, so
/// E[v_{n+1}] = E[v_n] − 2η(C E[v_n] − 1) exactly; the mean over S = 64 independent seeds of
/// each mode's symbol must lie within a Student-t interval (level 1e-6, Bonferroni over modes
/// and logged steps) of the population trajectory v*(1 − (1 − 2ηC)^n).
#[test]
fn sgd_mean_follows_the_population_trajectory() {
    let lattice = Lattice::new(2, 4).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let t = 0.4;
    let spec_t = spectrum_at(field.spectrum(), t).unwrap();
    let eta = Protocol::default().learning_rate(&spec_t);
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let (seeds, steps) = (64usize, 30usize);
    let sgd = Sgd {
        eta,
        batch_size: 4,
        t,
    };
    let runs: Vec<Vec<ArrayD<Complex<f64>>>> = (0..seeds)
        .map(|s| {
            let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0).unwrap();
            sgd.train(&mut net, &sampler, steps, &mut seeded_rng(500 + s as u64))
                .unwrap()
        })
        .collect();
    let c_half = spec_t.to_half();
    let checks = (c_half.len() * steps) as f64;
    let tq = StudentsT::new(0.0, 1.0, (seeds - 1) as f64)
        .unwrap()
        .inverse_cdf(1.0 - 1e-6 / (2.0 * checks));
    for n in 1..=steps {
        for (idx, &c) in c_half.indexed_iter() {
            let xs: Vec<f64> = runs.iter().map(|r| r[n][&idx].re).collect();
            let mean = xs.iter().sum::<f64>() / seeds as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (seeds - 1) as f64;
            let se = (var / seeds as f64).sqrt();
            let want = one_layer::trajectory(c, eta, n as u64);
            assert!(
                (mean - want).abs() <= tq * se + 1e-12,
                "step {n} mode {idx:?}: {mean} vs {want} (se {se})"
            );
        }
    }
}

/// The stopping rules and the relative-error measures against values worked out by hand.
/// A one-layer `Full` network made by `balanced` has the symbol v_k = v0 = 0.5 on every mode;
/// the optimum is set to v*_k = v0 (1 + a_k) with a_k = 0.3 on one mode, −0.1 on another and
/// 0 elsewhere, so max_k |v_k − v*_k| / |v*_k| = max(0.3/1.3, 0.1/0.9) = 0.3/1.3 = 0.230769…
#[test]
fn stopping_rules_and_relative_errors_by_hand() {
    let lattice = Lattice::new(2, 4).unwrap();
    let net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.5).unwrap();
    let shape = net.symbol().raw_dim();
    let mut optimum = ArrayD::from_elem(shape.clone(), Complex::new(0.5, 0.0));
    optimum[IxDyn(&[1, 2])] = Complex::new(0.5 * 1.3, 0.0);
    optimum[IxDyn(&[3, 0])] = Complex::new(0.5 * 0.9, 0.0);
    let want = 0.3 / 1.3;
    let got = max_relative_symbol_error(&net, &optimum);
    assert!((got - want).abs() < 1e-15, "{got} vs {want}");

    // A complex pair: |(1 + 0i) − (1.1 + 0i)| / 1.1 = 1/11 and |(2 + i) − 2| / 2 = 1/2.
    let v = ArrayD::from_shape_vec(
        IxDyn(&[2]),
        vec![Complex::new(1.0, 0.0), Complex::new(2.0, 1.0)],
    );
    let o = ArrayD::from_shape_vec(
        IxDyn(&[2]),
        vec![Complex::new(1.1, 0.0), Complex::new(2.0, 0.0)],
    );
    assert!((max_relative_error(&v.unwrap(), &o.unwrap()) - 0.5).abs() < 1e-15);

    // ε on either side of 0.2308: met at 0.25, not at 0.2.
    let met = |eps: f64| {
        StoppingRule::relative_symbol_error(eps, optimum.clone())
            .unwrap()
            .is_met(&net, 0.0)
    };
    assert!(met(0.25) && !met(0.2));
    assert!(StoppingRule::relative_symbol_error(0.0, optimum.clone()).is_err());
    assert!(StoppingRule::relative_symbol_error(1.0, optimum).is_err());

    // ℒ − ℒ* ≤ δ with δ = 0.1, ℒ* = 1: met at ℒ = 1.05 and 0.5, not at 1.2.
    let excess = StoppingRule::ExcessLoss {
        delta: 0.1,
        min_loss: 1.0,
    };
    assert!(excess.is_met(&net, 1.05) && excess.is_met(&net, 0.5) && !excess.is_met(&net, 1.2));
    assert!(!StoppingRule::Never.is_met(&net, f64::NEG_INFINITY));
}

/// Full-batch GD stops at the first step whose loss is within δ of the minimum: the step
/// read off an unstopped run's loss log (the first entry within δ of its last), and the
/// network it returns is the one the unstopped run had at that step.
#[test]
fn full_batch_gd_stops_at_the_first_step_that_meets_the_rule() {
    let lattice = Lattice::new(2, 6).unwrap();
    let batch = small_batch(lattice, 32, 0.3, 5)
        .to_spectral(&RealFft::new(lattice))
        .unwrap();
    let mut gd = FullBatchGd::new(0.2, 200).unwrap();
    gd.log_every = 1;
    gd.keep_symbols = true;
    let mut free = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0).unwrap();
    let full = gd.train(&mut free, &batch, &StoppingRule::Never).unwrap();
    assert_eq!(full.trained_at, None);
    assert_eq!(full.steps_taken, 200);
    let losses: Vec<f64> = full.logged.iter().map(|s| s.loss).collect();
    let min_loss = losses[200];
    let delta = 0.05 * (losses[0] - min_loss);
    let first = losses.iter().position(|&l| l - min_loss <= delta).unwrap();
    assert!(first > 1 && first < 200, "first = {first}");
    let rule = StoppingRule::ExcessLoss { delta, min_loss };
    let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0).unwrap();
    let log = gd.train(&mut net, &batch, &rule).unwrap();
    assert_eq!(log.trained_at, Some(first as u64));
    assert_eq!(log.steps_taken, first as u64);
    assert_eq!(log.logged.len(), first + 1);
    let want = full.logged[first].symbol.as_ref().unwrap();
    assert!(max_relative_error(&net.symbol(), want) < 1e-12);
}
