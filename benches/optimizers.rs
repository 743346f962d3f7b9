//! Criterion bench of one optimizer update on the kernels of a one-layer network on a d = 3,
//! L = 32 lattice (32 768 parameters): GD against Adam (and heavy ball), the update alone,
//! given a gradient. Run with `cargo bench --bench optimizers`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use critical_slowing::experiment::optimizer::{Adam, Gd, HeavyBall, UpdateRule};
use critical_slowing::Lattice;
use ndarray::ArrayD;

fn update_bench(c: &mut Criterion) {
    let lattice = Lattice::new(3, 32).unwrap();
    let grads = vec![ArrayD::from_shape_fn(lattice.shape(), |i| {
        1e-3 * (i[0] as f64 - i[1] as f64 + 0.5 * i[2] as f64)
    })];
    let params = vec![ArrayD::<f64>::zeros(lattice.shape())];
    let mut group = c.benchmark_group("optimizer_step");
    group.throughput(Throughput::Elements(lattice.volume() as u64));
    let mut bench = |name: &str, mut rule: Box<dyn UpdateRule>| {
        let mut p = params.clone();
        group.bench_function(name, |b| {
            b.iter(|| rule.update(black_box(&mut p), black_box(&grads)))
        });
    };
    bench("gd_d3_L32", Box::new(Gd { eta: 0.1 }));
    bench("heavy_ball_d3_L32", Box::new(HeavyBall::new(0.01, 0.9)));
    bench("adam_d3_L32", Box::new(Adam::new(1e-3, 0.9, 0.999, 1e-8)));
    group.finish();
}

criterion_group!(benches, update_bench);
criterion_main!(benches);
