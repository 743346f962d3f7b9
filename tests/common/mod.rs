//! Test-side references shared by several integration tests. Nothing here calls `src`'s
//! sampler coefficients: these are the independent sides the samplers are compared with. Also
//! the Gaussian test data of the finite-n tests.
// One module of the test program (`tests/suite.rs`); each file uses only part of it.
#![allow(dead_code)]

use critical_slowing::data::{ComponentData, GaussianField};
use critical_slowing::diffusion::grid::TimeGrid;
use critical_slowing::sampling::{seeded_rng, FieldSampler};
use critical_slowing::Lattice;

/// M configurations of n independent massive free fields (β = 0.3, μ = 0.5): Gaussian
/// "finite-n data" whose every observable has a known limit.
pub fn gaussian_configs(lattice: Lattice, n: usize, m: usize, seed: u64) -> ComponentData {
    let field = GaussianField::massive_free(lattice, 0.3, 0.5).unwrap();
    let sampler = FieldSampler::new(field.spectrum()).unwrap();
    let mut rng = seeded_rng(seed);
    let configs = (0..m).map(|_| sampler.sample_many(n, &mut rng)).collect();
    ComponentData::new(lattice, n, configs).unwrap()
}

/// Variance at forward time t of a mode with data variance `c0` under dx = −x dt + √2 dB,
/// written here: C(t) = e^{−2t}(c0 − 1) + 1.
pub fn forward_variance_here(c0: f64, t: f64) -> f64 {
    (-2.0 * t).exp() * (c0 - 1.0) + 1.0
}

/// Euler–Maruyama, derived here: one step y ↦ y + h(y + 2wy) + √(2h)ξ of the reverse SDE
/// dy = (y + 2s)dτ + √2 dB̄, with the score s = w·y frozen at the step's upper time t_{j+1},
/// has Var = (1 + h + 2hw)² P + 2h. Starting from the prior P = 1 at the horizon, this
/// returns the generated variance of one mode whose score symbol at grid time j is `w(j)`.
pub fn euler_maruyama_here(grid: &TimeGrid, w: &dyn Fn(usize) -> f64) -> f64 {
    let t = grid.times();
    let mut p = 1.0;
    for j in (0..grid.steps()).rev() {
        let h = t[j + 1] - t[j];
        let m = 1.0 + h + 2.0 * h * w(j + 1);
        p = m * m * p + 2.0 * h;
    }
    p
}

/// `tests/fixtures/smallest_reproduce.toml`: every study at the smallest sides it accepts
/// (about 16 s; `--quick` takes 73 s), for the tests of the run's machinery (reruns, signals).
pub const SMALLEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/smallest_reproduce.toml"
);

/// Runs `f` in a rayon pool of its own, as wide as the global one. The tests of `tests/suite.rs`
/// run two at a time and share rayon's global pool: a test with long parallel stages (the quick
/// reproduction, the Tweedie check) would make every other test's parallel work queue behind
/// its own. In a pool of its own it shares the cores with them instead (docs/development.md,
/// "CI time").
pub fn in_own_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .build()
        .expect("a rayon pool")
        .install(f)
}
