//! Data models: Gaussian lattice fields given by a covariance spectrum C_k.
//!
//! The large-n O(n) model (spectrum fixed by the gap equation), the massive free field, and any
//! user-given positive spectrum (section 2 of the spec; derivations/01); and finite-n data as
//! component fields ([`ComponentData`], derivations/08), read from numpy files by [`mod@file`].

pub mod components;
pub mod critical_coupling;
pub mod file;
pub mod gap_equation;
pub mod model;

pub use components::ComponentData;
pub use critical_coupling::critical_coupling;
pub use model::GaussianField;
