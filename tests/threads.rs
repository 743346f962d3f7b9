//! Every parallel path gives the same bits on one thread and on two: per-sample generators
//! derived from the seed and reductions over fixed chunks added in a fixed order.

use critical_slowing::data::GaussianField;
use critical_slowing::diffusion::grid::TimeGrid;
use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::experiment::estimate::SpectrumEstimate;
use critical_slowing::experiment::sampler::{generate, SymbolScores};
use critical_slowing::experiment::{ConvNet, DataSet, EmpiricalStatistics, NoisedBatch};
use critical_slowing::fourier::RealFft;
use critical_slowing::model::LayerKind;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::study::sampled_continuous::sampled_horizon_rows;
use critical_slowing::theory::generation::exact_score_symbols;
use critical_slowing::Lattice;
use ndarray::ArrayD;

fn bits(fields: &[ArrayD<f64>]) -> Vec<u64> {
    fields.iter().flatten().map(|x| x.to_bits()).collect()
}

/// Runs `f` in a pool of `n` threads.
fn on<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

/// All the parallel paths on one small lattice, flattened to bit patterns.
fn everything() -> Vec<Vec<u64>> {
    let lattice = Lattice::new(3, 6).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let fft = RealFft::new(lattice);
    let mut rng = seeded_rng(3);
    let many = sampler.sample_many(19, &mut rng);
    let batch = NoisedBatch::draw(&sampler, 0.3, 21, &mut rng).unwrap();
    let spectral = batch.to_spectral(&fft).unwrap();
    let net = ConvNet::balanced(lattice, &[LayerKind::Full, LayerKind::Full], 0.2).unwrap();
    let (loss, grads) = net.loss_and_gradient(&spectral).unwrap();
    let stats = EmpiricalStatistics::of(&spectral).unwrap();
    let data = DataSet::draw(field.spectrum(), 17, &[0.2, 0.6], 9).unwrap();
    let data_batch = data.batch(1).unwrap();
    let grid = TimeGrid::uniform(0.1, 1.0, 4).unwrap();
    let scores = SymbolScores(exact_score_symbols(field.spectrum(), &grid).unwrap());
    let generated = generate(Sampler::SdeExponential, &grid, &scores, 13, &mut rng).unwrap();
    let estimate = SpectrumEstimate::from_fields(lattice, &generated).unwrap();
    // the sampled horizon's zero-mode sums over 4000 fields (a parallel `sum()` here once
    // changed the last digit between runs)
    let horizon = sampled_horizon_rows(3, &[4, 6], 4000, 5).unwrap();
    vec![
        bits(&many),
        bits(&batch.xt),
        bits(&batch.z),
        spectral
            .x_hat()
            .iter()
            .flatten()
            .flat_map(|c| [c.re.to_bits(), c.im.to_bits()])
            .collect(),
        vec![loss.to_bits()],
        bits(&grads),
        stats.c_hat.iter().map(|x| x.to_bits()).collect(),
        stats
            .cross
            .iter()
            .flat_map(|c| [c.re.to_bits(), c.im.to_bits()])
            .collect(),
        bits(data.clean()),
        bits(&data_batch.xt),
        bits(&generated),
        estimate.variances().iter().map(|x| x.to_bits()).collect(),
        horizon
            .iter()
            .flat_map(|r| [r.excess.to_bits(), r.horizon_estimate.to_bits()])
            .collect(),
    ]
}

#[test]
fn one_and_two_threads_give_identical_bits() {
    let one = on(1, everything);
    let two = on(2, everything);
    assert_eq!(one.len(), two.len());
    for (i, (a, b)) in one.iter().zip(&two).enumerate() {
        assert!(!a.is_empty(), "path {i} produced nothing");
        assert!(a == b, "path {i} differs between 1 and 2 threads");
    }
}
