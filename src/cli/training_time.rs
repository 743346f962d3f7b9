//! `training-time`: closed-form training times T_D(ε) over L and depth, with fits.

use critical_slowing::model::optimizer::OptimizerSpec;
use critical_slowing::model::Protocol;
use critical_slowing::report::text;
use critical_slowing::study;

use super::args::{Format, Optimizer, Rates, Sides};
use super::{message, render};

/// The options of `training-time`.
#[derive(clap::Args)]
pub struct Args {
    /// Depths D, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    depth: Vec<usize>,
    #[command(flatten)]
    sides: Sides,
    /// Diffusion time t at which the score is trained.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    t: f64,
    #[command(flatten)]
    rates: Rates,
    #[command(flatten)]
    optimizer: Optimizer,
    #[command(flatten)]
    format: Format,
}

/// The training-time table (gradient descent), or the optimizer's closed-form rows.
pub fn run(a: Args) -> Result<String, String> {
    let protocol = Protocol::new(1, a.rates.c, a.rates.epsilon).map_err(message)?;
    let (d, sides) = (a.sides.d, a.sides.distinct()?);
    if a.optimizer.optimizer != OptimizerSpec::Gd {
        let rows = study::optimizers::closed_form_rows(
            d,
            sides,
            &a.depth,
            (protocol, a.t),
            &a.optimizer.optimizer,
        )
        .map_err(message)?;
        return render(a.format, &rows, |v| text::optimizer_training(v));
    }
    let table = study::training_table(d, sides, &a.depth, protocol, a.t).map_err(message)?;
    render(a.format, &table, text::training)
}
