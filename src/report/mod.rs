//! The only place that formats or writes: text tables ([`text`], [`analysis`] for `analyse`), figure builders over named
//! records ([`plots`]) and their renderer ([`figure`]), the report writer ([`writer`]) and its `report.md` ([`markdown`]), the `.npz` exports of generated fields and trained networks
//! ([`export`]), and the
//! terminal progress bars ([`progress`]).

pub mod analysis;
pub mod export;
pub mod figure;
pub mod ising_network_plots;
pub mod ising_sweep;
pub mod markdown;
pub mod network;
pub mod plots;
pub mod progress;
pub mod text;
pub mod writer;

pub use writer::{check_output, write, MANIFEST};
