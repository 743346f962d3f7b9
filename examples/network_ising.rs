//! A nonlinear score network trained on 2D Ising configurations at K_c (the crate's Wolff
//! Monte Carlo), fields generated with it, and the generated Binder cumulant, ⟨m²⟩ and energy
//! beside the data's (a linear score generates a Gaussian: Binder 0).
//!
//! `cargo run --release --example network_ising -- [L] [steps]` (defaults 8 and 1500: about
//! 6 minutes on 2 cores).

use critical_slowing::progress::Silent;
use critical_slowing::study::network_ising::{ising_network_study, IsingNetworkConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = IsingNetworkConfig::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(l) = args.first() {
        cfg.l = l.parse()?;
    }
    if let Some(steps) = args.get(1) {
        cfg.steps = steps.parse()?;
    }
    let r = ising_network_study(&cfg, &Silent)?;
    println!(
        "L = {}, {} steps, {} parameters, {:.1} s",
        cfg.l, cfg.steps, r.parameters, r.seconds
    );
    for (name, d, g) in [
        ("Binder cumulant", r.data.binder, r.generated.binder),
        ("⟨|m|⟩", r.data.abs_m, r.generated.abs_m),
        ("⟨m²⟩", r.data.m2, r.generated.m2),
        ("energy per site", r.data.energy, r.generated.energy),
    ] {
        println!(
            "  {name:16} data {:.4} ± {:.4}   generated {:.4} ± {:.4}",
            d.mean, d.error, g.mean, g.error
        );
    }
    println!("  two-point function along an axis (r, data G(r), generated G(r)):");
    for [r, d, g] in &r.two_point {
        println!("    {r:2.0}  {d:.4}  {g:.4}");
    }
    println!("  magnetisation histogram (m, data density, generated density):");
    for [m, d, g] in &r.histogram {
        println!("    {m:+.3}  {d:.3}  {g:.3}");
    }
    Ok(())
}
