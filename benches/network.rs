//! Criterion bench of one training step of the default `train-network` network (burn, CPU
//! backend, f32): width 8, one residual block, 3 × 3 periodic kernels, 16 time features,
//! batch 16, d = 2, L = 16 — forward, reverse-mode backward and the Adam update on a fixed
//! batch. The same step in JAX is `benches/peers/jax_network_step.py`.
//! Run with `cargo bench --bench network`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use critical_slowing::data::GaussianField;
use critical_slowing::experiment::score_network::train::{
    FixedBatch, NetworkOptimizer, NetworkTrainer, NoMonitor, NoisedFields,
};
use critical_slowing::experiment::score_network::{ScoreNetwork, TrainF32};
use critical_slowing::model::score_network::{NetworkSpec, Weighting};
use critical_slowing::progress::Silent;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::Lattice;

fn network_step_bench(c: &mut Criterion) {
    let (l, batch) = (16, 16);
    let lattice = Lattice::new(2, l).unwrap();
    let field = GaussianField::massive_free(lattice, 1.0, 4.0 / (l * l) as f64).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let mut rng = seeded_rng(5);
    let clean = sampler.sample_many(batch, &mut rng);
    let times: Vec<f64> = (0..batch)
        .map(|j| 0.02 * 50f64.powf(j as f64 / 15.0))
        .collect();
    let fields = NoisedFields::noise(&clean.iter().collect::<Vec<_>>(), &times, &mut rng).unwrap();
    let spec = NetworkSpec::residual(8, 1, 1);
    let device = Default::default();
    let trainer = NetworkTrainer {
        optimizer: NetworkOptimizer::adam(2e-3),
        weighting: Weighting::Sigma2,
        steps: 10,
        checkpoint_every: 10,
        schedule: Default::default(),
        average: None,
    };
    let mut group = c.benchmark_group("network_step");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10 * (batch * lattice.volume()) as u64));
    group.bench_function("d2_L16_w8_b1_batch16_f32_10_steps", |b| {
        b.iter(|| {
            let net = ScoreNetwork::<TrainF32>::new(&spec, lattice, 1, &device).unwrap();
            let mut source = FixedBatch(fields.clone());
            trainer
                .train(black_box(net), &mut source, &mut NoMonitor, &Silent)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, network_step_bench);
criterion_main!(benches);
