//! `spectrum`: μ, μL², ξ and κ of the large-n O(n) model per side.

use critical_slowing::report::text;
use critical_slowing::study;

use super::args::{Format, Sides};
use super::{message, render};

/// The options of `spectrum`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    sides: Sides,
    /// Coupling β (default: the infinite-volume critical coupling β_c(d)).
    #[arg(long, allow_negative_numbers = true)]
    beta: Option<f64>,
    #[command(flatten)]
    format: Format,
}

/// The spectrum table at each side.
pub fn run(a: Args) -> Result<String, String> {
    let rows = study::spectrum_rows(a.sides.d, a.sides.distinct()?, a.beta).map_err(message)?;
    render(a.format, &rows, |v| text::spectrum(v))
}
