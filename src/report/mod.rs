//! The only place that formats or writes: text tables ([`text`]), figure builders over named
//! records ([`plots`]) and their renderer ([`figure`]), the report writer ([`writer`]), and the
//! terminal progress bars ([`progress`]).

pub mod figure;
pub mod plots;
pub mod progress;
pub mod text;
pub mod writer;

pub use writer::{check_output, write};
