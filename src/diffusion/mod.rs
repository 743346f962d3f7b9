//! The forward (noising) process and the exact score (derivations/02).

pub mod forward;
pub mod grid;
pub mod reverse;
pub mod score;
