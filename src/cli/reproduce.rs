//! `reproduce`: every claim evaluated, the claims table printed and the report written.

use critical_slowing::claims::{self, Verdict};
use critical_slowing::report::{self, text};

use super::args::{Configuration, Format, Output};
use super::{message, observer, render, Failure};

/// The options of `reproduce`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    configuration: Configuration,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    format: Format,
}

/// Runs the reproduction and writes the report; an error names the failed claims.
pub fn run(a: Args) -> Result<String, Failure> {
    let cfg = a.configuration.load()?;
    let out = a.output.out.unwrap_or_else(|| "out".into());
    report::check_output(&out, a.output.force).map_err(message)?;
    let rep = claims::run(&cfg, observer().as_ref()).map_err(message)?;
    let path = report::write(&rep, &out, a.output.force).map_err(message)?;
    let body = render(a.format, &rep.claims, |claims| {
        format!(
            "{}\n{}; report: {} ({:.1} s)\n",
            text::claims_table(claims),
            text::verdict_summary(claims),
            path.display(),
            rep.wall_seconds
        )
    })?;
    failed_or(&rep.claims, body)
}

/// `body`, or — when a claim failed — `body` printed and an error naming the failed claims.
pub(super) fn failed_or(claims: &[claims::ClaimResult], body: String) -> Result<String, Failure> {
    let failed: Vec<&str> = claims
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.spec.id)
        .collect();
    if failed.is_empty() {
        return Ok(body);
    }
    print!("{body}");
    Err(Failure::ClaimsFailed(format!(
        "claims failed: {} (see report.md: each claim names its derivation and tests)",
        failed.join(", ")
    )))
}
