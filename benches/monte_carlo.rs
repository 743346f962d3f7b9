//! Criterion benches of the Wolff update at the anchored critical couplings (R7.2):
//! throughput in spins added to clusters per second.
//! Run with `cargo bench --bench monte_carlo -- --warm-up-time 1 --measurement-time 3`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use critical_slowing::mc::{critical_coupling, Algorithm, Chain, Geometry};
use critical_slowing::Lattice;

/// One iteration is one sweep-equivalent of the cumulative-size rule (clusters until their
/// total size reaches V, excess carried over), so on average V spins join clusters per
/// iteration: the element count.
fn wolff_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("wolff_critical");
    for (name, n, d, l) in [
        ("ising_2d_L256", 1usize, 2usize, 256usize),
        ("ising_3d_L32", 1, 3, 32),
        ("heisenberg_3d_L32", 3, 3, 32),
    ] {
        let lattice = Lattice::new(d, l).unwrap();
        let geometry = Arc::new(Geometry::new(lattice).unwrap());
        let k = critical_coupling(n, d).unwrap();
        let mut chain = Chain::new(geometry, n, Algorithm::Wolff, k, 11, 0).unwrap();
        for _ in 0..200 {
            chain.sweep();
        }
        group.throughput(Throughput::Elements(lattice.volume() as u64));
        group.bench_function(name, |b| b.iter(|| chain.sweep()));
    }
    group.finish();
}

criterion_group!(benches, wolff_bench);
criterion_main!(benches);
