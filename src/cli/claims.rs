//! `claims`: the registry listed, or chosen claims evaluated on only the studies they read.

use critical_slowing::claims::{self, REGISTRY};
use critical_slowing::report::text;

use super::args::{Configuration, Format};
use super::{message, observer, render, Failure};

/// The options of `claims`.
#[derive(clap::Args)]
pub struct Args {
    /// Claim IDs to evaluate (e.g. C9 C12); none lists the registry.
    ids: Vec<String>,
    #[command(flatten)]
    configuration: Configuration,
    #[command(flatten)]
    format: Format,
}

/// Lists the registry, or evaluates the chosen claims.
pub fn run(a: Args) -> Result<String, Failure> {
    if a.ids.is_empty() {
        let specs: Vec<_> = REGISTRY.iter().map(|c| c.spec).collect();
        return Ok(render(a.format, &specs, |_| text::claims_list())?);
    }
    let cfg = a.configuration.load()?;
    let results = claims::evaluate_claims(&cfg, &a.ids, observer().as_ref()).map_err(message)?;
    let body = render(a.format, &results, |r| {
        format!("{}\n{}\n", text::claims_table(r), text::verdict_summary(r))
    })?;
    super::reproduce::failed_or(&results, body)
}
