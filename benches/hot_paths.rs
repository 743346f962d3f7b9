//! Criterion benches of the hot paths: the gap equation and field sampling.
//! Run with `cargo bench --bench hot_paths`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use critical_slowing::data::{critical_coupling, gap_equation, GaussianField};
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::Lattice;

fn gap_equation_bench(c: &mut Criterion) {
    let beta = critical_coupling(3).unwrap();
    let mut group = c.benchmark_group("gap_equation");
    for l in [64usize, 128] {
        let lattice = Lattice::new(3, l).unwrap();
        group.bench_function(format!("d3_L{l}_with_classes"), |b| {
            b.iter(|| gap_equation::solve(&lattice.mode_classes(), black_box(beta)).unwrap())
        });
    }
    group.finish();
}

fn sampling_bench(c: &mut Criterion) {
    let lattice = Lattice::new(3, 32).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let mut group = c.benchmark_group("field_sampling");
    group.throughput(Throughput::Elements((64 * lattice.volume()) as u64));
    group.bench_function("d3_L32_64_samples", |b| {
        let mut rng = seeded_rng(7);
        b.iter(|| sampler.sample_many(black_box(64), &mut rng))
    });
    group.finish();
}

fn training_step_bench(c: &mut Criterion) {
    use critical_slowing::experiment::{ConvNet, NoisedBatch};
    use critical_slowing::fourier::RealFft;
    use critical_slowing::model::LayerKind;
    let lattice = Lattice::new(3, 32).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let fft = RealFft::new(lattice);
    let mut rng = seeded_rng(11);
    let batch = NoisedBatch::draw(&sampler, 0.5, 64, &mut rng).unwrap();
    let spectral = batch.to_spectral(&fft).unwrap();
    let mut net = ConvNet::balanced(lattice, &[LayerKind::Full, LayerKind::Full], 0.1).unwrap();
    let mut group = c.benchmark_group("training_step");
    group.throughput(Throughput::Elements((64 * lattice.volume()) as u64));
    // Full-batch GD step on a prepared (Fourier-transformed) batch: forward, backward, update.
    group.bench_function("two_layer_full_d3_L32_batch64_prepared", |b| {
        b.iter(|| {
            let (_, grads) = net.loss_and_gradient(black_box(&spectral)).unwrap();
            net.descend(&grads, 1e-3);
        })
    });
    // SGD step from real-space fields: transform the batch, then the same.
    group.bench_function("two_layer_full_d3_L32_batch64_from_fields", |b| {
        b.iter(|| {
            let s = black_box(&batch).to_spectral(&fft).unwrap();
            let (_, grads) = net.loss_and_gradient(&s).unwrap();
            net.descend(&grads, 1e-3);
        })
    });
    // SGD step with fresh samples (the numpy peer's `fresh=True`): draw x_0 by FFT sampling,
    // noise it, transform, forward, backward, update.
    group.bench_function("two_layer_full_d3_L32_batch64_fresh_samples", |b| {
        let mut rng = seeded_rng(13);
        b.iter(|| {
            let fresh = NoisedBatch::draw(&sampler, 0.5, black_box(64), &mut rng).unwrap();
            let s = fresh.to_spectral(&fft).unwrap();
            let (_, grads) = net.loss_and_gradient(&s).unwrap();
            net.descend(&grads, 1e-3);
        })
    });
    group.finish();
}

fn sampler_step_bench(c: &mut Criterion) {
    use critical_slowing::diffusion::grid::TimeGrid;
    use critical_slowing::diffusion::reverse::Sampler;
    use critical_slowing::experiment::sampler::{generate, SymbolScores};
    use critical_slowing::theory::generation::exact_score_symbols;
    let lattice = Lattice::new(3, 32).unwrap();
    let field = GaussianField::large_n_critical(lattice).unwrap();
    let mut group = c.benchmark_group("sampler");
    group.throughput(Throughput::Elements((64 * lattice.volume()) as u64));
    // The prior draw and final transform are shared; the difference between 11 and 1 steps is
    // the cost of 10 sampler steps on 64 fields.
    for steps in [1usize, 11] {
        let grid = TimeGrid::uniform(0.1, 1.0, steps).unwrap();
        let scores = SymbolScores(exact_score_symbols(field.spectrum(), &grid).unwrap());
        group.bench_function(format!("sde_exp_d3_L32_64_samples_{steps}_steps"), |b| {
            let mut rng = seeded_rng(5);
            b.iter(|| {
                generate(
                    Sampler::SdeExponential,
                    &grid,
                    &scores,
                    black_box(64),
                    &mut rng,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    gap_equation_bench,
    sampling_bench,
    training_step_bench,
    sampler_step_bench
);
criterion_main!(benches);
