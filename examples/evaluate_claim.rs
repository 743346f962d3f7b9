//! Evaluate claims of the registry by their IDs on the quick configuration, building only the
//! studies those claims read, and print their values, checks and verdicts.
//!
//! `cargo run --release --example evaluate_claim -- C4 C9`

use critical_slowing::claims::{evaluate_claims, ReproduceConfig, QUICK_CONFIG};
use critical_slowing::progress::Silent;
use critical_slowing::report::text;

fn main() -> critical_slowing::Result<()> {
    let mut ids: Vec<String> = std::env::args().skip(1).collect();
    if ids.is_empty() {
        ids.push("C4".into());
    }
    let config = ReproduceConfig::from_toml(QUICK_CONFIG)?;
    let results = evaluate_claims(&config, &ids, &Silent)?;
    println!("{}", text::claims_table(&results));
    for r in &results {
        println!("{}: {}", r.spec.id, r.spec.statement);
        println!("  why this check: {}", r.spec.justification);
    }
    println!("{}", text::verdict_summary(&results));
    Ok(())
}
