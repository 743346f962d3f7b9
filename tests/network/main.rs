//! The nonlinear score network of derivations/11, in one test program: the network and its
//! training against the linear trainer, finite differences and the symmetries (`score.rs`), and
//! the network study against the closed forms (`study.rs`).
//!
//! One program because each test program compiles the framework's generic training code for
//! its backend again (about 70 s of a release build); two programs compiled it twice.

mod score;
mod study;
