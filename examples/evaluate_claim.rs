//! Evaluate one claim of the registry by its ID on the quick configuration, and print its
//! values, check and verdict.
//!
//! `cargo run --release --example evaluate_claim -- C4`

use critical_slowing::claims::{ClaimResult, ReproduceConfig, Studies, QUICK_CONFIG, REGISTRY};
use critical_slowing::progress::Silent;

fn main() -> critical_slowing::Result<()> {
    let id = std::env::args().nth(1).unwrap_or_else(|| "C4".into());
    let Some(claim) = REGISTRY.iter().find(|c| c.spec.id == id) else {
        eprintln!("no claim {id}; the registry has C1…C{}", REGISTRY.len());
        std::process::exit(1);
    };
    let config = ReproduceConfig::from_toml(QUICK_CONFIG)?;
    let studies = Studies::run(&config, &Silent)?;
    let result = ClaimResult::judge(claim.spec, (claim.evaluate)(&studies)?);
    println!("{}: {}", result.spec.id, result.spec.statement);
    println!(
        "  analytic ({}): {:?}",
        result.spec.analytic, result.analytic
    );
    println!("  numeric ({}): {:?}", result.spec.numeric, result.numeric);
    if let Some(check) = result.check {
        println!(
            "  check: {} — {}",
            check.describe(),
            result.spec.justification
        );
    }
    println!("  verdict: {}", result.verdict);
    Ok(())
}
