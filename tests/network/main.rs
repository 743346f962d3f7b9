//! The nonlinear score network of derivations/11: the network and its training against the
//! linear trainer, finite differences and the symmetries (`score.rs`), and the network study
//! against the closed forms (`study.rs`).
//!
//! Compiled into the library's unit-test program (`src/lib.rs` includes this file), where the
//! framework's generic training code is already compiled for the backend these tests use; as a
//! test program of its own it was compiled again (about 70 s of CPU in a release build). Run
//! with `cargo test --release --lib network_tests::`.

mod score;
mod study;
