//! Every integration test of the crate, in one test program (`cargo test --release --test suite`;
//! one file with `--test suite <file>::`, e.g. `cargo test --release --test suite generation::`).
//! Each `tests/<file>.rs` is a module of this program. The network's tests (`tests/network/`)
//! are compiled into the library's unit-test program instead (see `src/lib.rs`).
//!
//! One program because each test program links the whole library again and compiles the generic
//! code it calls (ndarray, rustfft, burn) for itself: the thirty-one programs took about 150 s
//! more CPU in a release build than this one and the library's unit tests together
//! (docs/development.md, "CI time"). The shared test references, `tests/common/`, are one module
//! of the program (`crate::common` in the files).

mod common;

#[path = "analyse.rs"]
mod analyse;
#[path = "bad_input.rs"]
mod bad_input;
#[path = "cli_fuzz.rs"]
mod cli_fuzz;
#[path = "continuous_sampled.rs"]
mod continuous_sampled;
#[path = "data_files.rs"]
mod data_files;
#[path = "dense_crosscheck.rs"]
mod dense_crosscheck;
#[path = "derivation_ids.rs"]
mod derivation_ids;
#[path = "finite_n.rs"]
mod finite_n;
#[path = "gap_equation.rs"]
mod gap_equation;
#[path = "generation.rs"]
mod generation;
#[path = "generation_scaling.rs"]
mod generation_scaling;
#[path = "kill.rs"]
mod kill;
#[path = "layout.rs"]
mod layout;
#[path = "local.rs"]
mod local;
#[path = "mc.rs"]
mod mc;
#[path = "mc_cli.rs"]
mod mc_cli;
#[path = "network_ising.rs"]
mod network_ising;
#[path = "observables.rs"]
mod observables;
#[path = "optimizer_cli.rs"]
mod optimizer_cli;
#[path = "optimizers.rs"]
mod optimizers;
#[path = "power.rs"]
mod power;
#[path = "properties.rs"]
mod properties;
#[path = "properties_generation.rs"]
mod properties_generation;
// The quick reproduction runs in name order, near the end. Started first (as `_reproduce`), its
// long parallel studies held rayon's global pool, which every test of the program shares, and
// the other tests waited behind them: the run took minutes longer.
#[path = "reproduce.rs"]
mod reproduce;
#[path = "sampler_reference.rs"]
mod sampler_reference;
#[path = "sampling.rs"]
mod sampling;
#[path = "threads.rs"]
mod threads;
#[path = "trainer.rs"]
mod trainer;
#[path = "training_time_scaling.rs"]
mod training_time_scaling;
#[path = "zero_mode.rs"]
mod zero_mode;
