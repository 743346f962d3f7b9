//! `generate`: fields drawn with a sampler, their predicted and measured KL / W2.

use critical_slowing::diffusion::reverse::Sampler;
use critical_slowing::model::Protocol;
use critical_slowing::report::export::{generated_fields, generated_fields_bytes};
use critical_slowing::report::text;
use critical_slowing::study;

use super::args::{Format, Output, Rates, Side};
use super::{message, render};

/// The options of `generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Depth D of the (closed-form, partially trained) score networks; omit for the exact score.
    #[arg(long)]
    depth: Option<usize>,
    /// Training steps per grid time.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// Sampler: sde-exp, sde-em or ode-exp.
    #[arg(long, default_value = "sde-exp")]
    sampler: Sampler,
    /// Time grid: uniform:TMIN:T:N, geometric:TMIN:T:N or list:t0,t1,…
    #[arg(long, default_value = "geometric:0.001:8:40")]
    grid: String,
    #[command(flatten)]
    side: Side,
    /// Fields to draw (at least 8: the comparison rests on per-mode sample variances).
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    rates: Rates,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    format: Format,
}

/// Generates and compares with the closed form.
pub fn run(a: Args) -> Result<String, String> {
    let protocol =
        Protocol::new(a.depth.unwrap_or(1), a.rates.c, a.rates.epsilon).map_err(message)?;
    let config = study::GenerateConfig {
        d: a.side.d,
        l: a.side.l,
        depth: a.depth,
        steps: a.steps,
        protocol,
        sampler: a.sampler,
        grid: study::GridSpec(a.grid),
        samples: a.samples,
        seed: a.seed,
    };
    if let Some(out) = &a.output.out {
        let volume = a.side.l.checked_pow(a.side.d as u32).unwrap_or(usize::MAX);
        super::check_new_file(
            out,
            a.output.force,
            generated_fields_bytes(a.samples, volume),
        )?;
    }
    let (r, fields) = study::generate::generate_fields(config).map_err(message)?;
    if let Some(out) = &a.output.out {
        generated_fields(&r, &fields, out, a.output.force).map_err(message)?;
    }
    render(a.format, &r, text::generate)
}
