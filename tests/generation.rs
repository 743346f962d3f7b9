//! Generation (R6.1–R6.4, R6.6–R6.8): samplers on real fields against the closed-form
//! generated spectra, exactness and prior mismatch in continuous time, dense divergences, and
//! what the slowing down of training does to the samples.

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::forward::spectrum_at;
use critical_slowing::diffusion::grid::TimeGrid;
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::divergence::{self, kl_term, w2_term};
use critical_slowing::experiment::estimate::SpectrumEstimate;
use critical_slowing::experiment::sampler::{generate, NetworkScores, SymbolScores};
use critical_slowing::experiment::trainer::{FullBatchGd, StoppingRule};
use critical_slowing::experiment::{ConvNet, DataSet};
use critical_slowing::fourier::RealFft;
use critical_slowing::model::LayerKind;
use critical_slowing::model::Protocol;
use critical_slowing::sampling::seeded_rng;
use critical_slowing::theory::generation::{
    continuous_generated_variance, exact_score_symbols, generated_spectrum,
    generated_variances_half, prior_mismatch_variance, trained_score_symbols,
};
use critical_slowing::{Lattice, Symbol};
use ndarray::{Array2, ArrayD, IxDyn};

/// Joint false-alarm probability of every statistical check in one call (Bonferroni inside).
const LEVEL: f64 = 1e-6;
const SAMPLERS: [Sampler; 3] = [
    Sampler::SdeExponential,
    Sampler::SdeEulerMaruyama,
    Sampler::OdeExponential,
];

/// Samples of `sampler` against the closed-form variances `p_true` (half layout): every P̂_k in
/// its χ² prediction interval, and the plug-in KL and W2² against `target` inside the bounds
/// propagated from those intervals.
fn check_samples(
    lattice: Lattice,
    fields: &[ArrayD<f64>],
    p_true: &ArrayD<f64>,
    target: &ArrayD<f64>,
    what: &str,
) {
    let est = SpectrumEstimate::from_fields(lattice, fields).unwrap();
    let iv = est.prediction_intervals(p_true, LEVEL).unwrap();
    for ((idx, i), &p) in iv.indexed_iter().zip(est.variances().iter()) {
        assert!(
            i.contains(p),
            "{what}: mode {idx:?} P̂ = {p} outside [{}, {}]",
            i.lo,
            i.hi
        );
    }
    let kl = est.propagate(&iv, target, kl_term);
    assert!(
        kl.contains(est.plug_in_kl(target)),
        "{what}: plug-in KL {} outside {kl:?}",
        est.plug_in_kl(target)
    );
    let w2 = est.propagate(&iv, target, w2_term);
    assert!(
        w2.contains(est.plug_in_w2_squared(target)),
        "{what}: plug-in W2² outside {w2:?}"
    );
}

/// R6.1, R6.7: each sampler on real fields (d = 2, 3; M = 2000; exact and partially trained
/// scores) matches the closed-form variance recursion mode by mode.
#[test]
fn samplers_on_fields_match_the_closed_form_variances() {
    for (d, l, seed) in [(2usize, 6usize, 1u64), (3, 4, 2)] {
        let lattice = Lattice::new(d, l).unwrap();
        let field = GaussianField::large_n(lattice, 0.3).unwrap();
        let grid = TimeGrid::uniform(0.0, 3.0, 30).unwrap();
        let target = field.spectrum().to_half();
        let exact = exact_score_symbols(field.spectrum(), &grid).unwrap();
        let trained =
            trained_score_symbols(field.spectrum(), &grid, &Protocol::default(), 10).unwrap();
        for (name, scores) in [("exact", exact), ("one-layer, 10 steps", trained)] {
            for (s, sampler) in SAMPLERS.iter().enumerate() {
                let p = generated_spectrum(*sampler, &grid, &scores)
                    .unwrap()
                    .to_half();
                let mut rng = seeded_rng(seed * 10 + s as u64);
                let fields = generate(
                    *sampler,
                    &grid,
                    &SymbolScores(scores.clone()),
                    2000,
                    &mut rng,
                )
                .unwrap();
                check_samples(
                    lattice,
                    &fields,
                    &p,
                    &target,
                    &format!("{d}d {name} {sampler:?}"),
                );
            }
        }
    }
}

/// R6.1 with trained networks as the score (complex symbols): per grid time a full one-layer
/// network is trained by full-batch GD on sampled fields; the samples follow the closed-form
/// recursion evaluated on the networks' own symbols.
#[test]
fn samplers_with_trained_networks_match_the_closed_form() {
    let lattice = Lattice::new(2, 4).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let grid = TimeGrid::uniform(0.05, 2.0, 6).unwrap();
    let data = DataSet::draw(field.spectrum(), 32, grid.times(), 5).unwrap();
    let fft = RealFft::new(lattice);
    let nets: Vec<ConvNet> = (0..grid.times().len())
        .map(|j| {
            let mut net = ConvNet::balanced(lattice, &[LayerKind::Full], 0.0).unwrap();
            let batch = data.batch(j).unwrap().to_spectral(&fft).unwrap();
            FullBatchGd::new(0.05, 20)
                .unwrap()
                .train(&mut net, &batch, &StoppingRule::Never)
                .unwrap();
            net
        })
        .collect();
    let scores: Vec<ArrayD<_>> = nets.iter().map(|n| -n.symbol()).collect();
    let target = spectrum_at(field.spectrum(), 0.05).unwrap().to_half();
    for (s, sampler) in [Sampler::SdeExponential, Sampler::OdeExponential]
        .iter()
        .enumerate()
    {
        let p = generated_variances_half(*sampler, &grid, &scores).unwrap();
        let fields = generate(
            *sampler,
            &grid,
            &NetworkScores(nets.clone()),
            2000,
            &mut seeded_rng(40 + s as u64),
        )
        .unwrap();
        check_samples(
            lattice,
            &fields,
            &p,
            &target,
            &format!("networks {sampler:?}"),
        );
    }
}

/// Richardson-extrapolated continuous-time variance (midpoint exponential steps are second
/// order, so (4 P(2N) − P(N))/3 removes the h² term).
fn continuous(ode: bool, w: impl Fn(f64) -> f64 + Copy, horizon: f64, prior: f64) -> f64 {
    let n = 20_000;
    let (a, b) = (
        continuous_generated_variance(ode, w, horizon, prior, n),
        continuous_generated_variance(ode, w, horizon, prior, 2 * n),
    );
    (4.0 * b - a) / 3.0
}

/// R6.2: the exact score with the exact prior returns C_k in continuous time (≤ 1e-10
/// relative); R6.3: with prior N(0, 1) the closed-form prior-mismatch variances.
#[test]
fn continuous_time_exactness_and_prior_mismatch() {
    for c0 in [0.05, 0.3, 1.0, 4.0, 60.0] {
        let ct = move |t: f64| (-2.0 * t).exp() * c0 + 1.0 - (-2.0 * t).exp();
        let w = move |t: f64| -1.0 / ct(t);
        for horizon in [0.5, 2.0, 5.0] {
            for ode in [false, true] {
                let p = continuous(ode, w, horizon, ct(horizon));
                assert!(
                    (p / c0 - 1.0).abs() <= 1e-10,
                    "R6.2 ode={ode} C0={c0} T={horizon}: {p}"
                );
                let mismatch = continuous(ode, w, horizon, 1.0);
                let closed = prior_mismatch_variance(ode, c0, horizon).unwrap();
                assert!(
                    (mismatch / closed - 1.0).abs() <= 1e-10,
                    "R6.3 ode={ode} C0={c0} T={horizon}: {mismatch} vs {closed}"
                );
            }
        }
    }
}

/// R6.2 in samples: exact score, long horizon (prior mismatch e^{−2T}C_max < 1e-5) and a fine
/// geometric grid of 1000 steps: the discrete closed form is within 1 % of the target (first-order
/// discretisation error at this grid), and 2000 fields follow it.
#[test]
fn exact_score_reproduces_the_target_in_samples() {
    let lattice = Lattice::new(2, 6).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let grid = TimeGrid::geometric(1e-3, 8.0, 1000).unwrap();
    let scores = exact_score_symbols(field.spectrum(), &grid).unwrap();
    let p = generated_spectrum(Sampler::SdeExponential, &grid, &scores).unwrap();
    let target = spectrum_at(field.spectrum(), 1e-3).unwrap();
    for (a, b) in p.values().iter().zip(target.values()) {
        assert!((a / b - 1.0).abs() <= 0.01, "{a} vs {b}");
    }
    let fields = generate(
        Sampler::SdeExponential,
        &grid,
        &SymbolScores(scores),
        2000,
        &mut seeded_rng(9),
    )
    .unwrap();
    check_samples(
        lattice,
        &fields,
        &p.to_half(),
        &target.to_half(),
        "exact score",
    );
}

fn circulant(lattice: Lattice, symbol: &Symbol) -> Array2<f64> {
    let kernel = RealFft::new(lattice).kernel(symbol).unwrap();
    let l = lattice.side();
    let mut sites = Vec::new();
    lattice.for_each_index(|s| sites.push(s.to_vec()));
    Array2::from_shape_fn((sites.len(), sites.len()), |(i, j)| {
        let r: Vec<usize> = sites[i]
            .iter()
            .zip(&sites[j])
            .map(|(&a, &b)| (a + l - b) % l)
            .collect();
        kernel[IxDyn(&r)]
    })
}

/// R6.4: dense KL (Cholesky log-determinants) and W2 (Bures, symmetric square roots) equal the
/// spectral formulas to 1e-9 relative.
#[test]
fn dense_divergences_equal_spectral_ones() {
    for (d, l) in [(1, 9), (2, 4), (2, 6), (3, 4)] {
        let lattice = Lattice::new(d, l).unwrap();
        let p = GaussianField::massive_free(lattice, 0.9, 0.4)
            .unwrap()
            .spectrum()
            .clone();
        let c = GaussianField::large_n(lattice, 0.3)
            .unwrap()
            .spectrum()
            .clone();
        let (pd, cd) = (circulant(lattice, &p), circulant(lattice, &c));
        for (a, b, ad, bd) in [(&p, &c, &pd, &cd), (&c, &p, &cd, &pd)] {
            let kl = divergence::kl_divergence(a, b).unwrap();
            let kl_d = divergence::kl_dense(ad, bd).unwrap();
            assert!((kl / kl_d - 1.0).abs() <= 1e-9, "KL {kl} vs dense {kl_d}");
            let w2 = divergence::wasserstein2(a, b).unwrap();
            let w2_d = divergence::w2_dense(ad, bd).unwrap();
            assert!((w2 / w2_d - 1.0).abs() <= 1e-9, "W2 {w2} vs dense {w2_d}");
        }
    }
}

/// R6.7: the estimators' two-point function and magnetisation variance equal direct real-space
/// averages over the fields (1e-12 relative).
#[test]
fn observables_equal_direct_averages() {
    let lattice = Lattice::new(2, 5).unwrap();
    let field = GaussianField::large_n(lattice, 0.3).unwrap();
    let grid = TimeGrid::uniform(0.0, 2.0, 10).unwrap();
    let scores = exact_score_symbols(field.spectrum(), &grid).unwrap();
    let fields = generate(
        Sampler::SdeExponential,
        &grid,
        &SymbolScores(scores),
        50,
        &mut seeded_rng(3),
    )
    .unwrap();
    let est = SpectrumEstimate::from_fields(lattice, &fields).unwrap();
    let g = est.two_point_function().unwrap();
    let l = lattice.side();
    let v = lattice.volume() as f64;
    let scale = g[[0, 0]];
    lattice.for_each_index(|r| {
        let mut direct = 0.0;
        for y in &fields {
            lattice.for_each_index(|x| {
                let xr: Vec<usize> = x.iter().zip(r).map(|(&a, &b)| (a + b) % l).collect();
                direct += y[IxDyn(x)] * y[IxDyn(&xr)];
            });
        }
        direct /= fields.len() as f64 * v;
        assert!((g[IxDyn(r)] - direct).abs() <= 1e-12 * scale, "G({r:?})");
    });
    let m2: f64 = fields.iter().map(|y| (y.sum() / v).powi(2)).sum::<f64>() / fields.len() as f64;
    assert!((est.magnetisation_variance() / m2 - 1.0).abs() <= 1e-12);
}
