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

criterion_group!(benches, gap_equation_bench, sampling_bench);
criterion_main!(benches);
