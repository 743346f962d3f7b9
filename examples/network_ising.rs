//! A nonlinear score network trained on 2D Ising configurations at K_c (the crate's Wolff
//! Monte Carlo), fields generated with it, and the generated Binder cumulant, ⟨m²⟩ and energy
//! beside the data's (a linear score generates a Gaussian: Binder 0).
//!
//! `cargo run --release --example network_ising -- [key=value …]` with any field of the
//! `[network_ising]` table in TOML spelling, e.g. `l=16 steps=8000 width=16 global=true
//! average=0.999 'kernel="full"' 'schedule={kind="cosine",final_fraction=0}'` (defaults: the
//! default `[network_ising]` of `reproduce`, L = 8 and 2 000 steps, but with handovers at
//! t_h = 0.1, 0.4, 0.8 and 1.6: about 6 minutes on 2 cores, 2 with `'handover=[]'`), with
//! the generated Binder cumulant at 8 checkpoints unless `checkpoint_every` is given.

use critical_slowing::progress::Silent;
use critical_slowing::study::network_ising::{ising_network_study, IsingNetworkConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg: IsingNetworkConfig = toml::from_str(&args.join("\n"))?;
    if !args.iter().any(|a| a.starts_with("checkpoint_every")) {
        cfg.checkpoint_every = (cfg.steps / 8).max(1);
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
    if let Some(e) = r.exact {
        println!(
            "  exact on this torus (enumeration): Binder {:.4}, ⟨|m|⟩ {:.4}, ⟨m²⟩ {:.4}, energy {:.4}",
            e.binder, e.abs_m, e.m2, e.energy
        );
    }
    if let Some(c) = r.sampler_check {
        println!(
            "  the sampler with the exact score of the training set ({} fields): Binder {:.4} ± {:.4}, \
             ⟨m²⟩ {:.4} ± {:.4}, energy {:.4} ± {:.4}",
            cfg.sampler_check,
            c.binder.mean,
            c.binder.error,
            c.m2.mean,
            c.m2.error,
            c.energy.mean,
            c.energy.error
        );
    }
    if !r.handover.is_empty() {
        println!(
            "  network's score at t ≤ t_h, the training set's exact score above (t_h, Binder, ⟨m²⟩, energy):"
        );
    }
    for h in &r.handover {
        println!(
            "    {:8.4}  {:.4} ± {:.4}  {:.4} ± {:.4}  {:.4} ± {:.4}",
            h.time, h.binder, h.binder_error, h.m2, h.m2_error, h.energy, h.energy_error
        );
    }
    if !r.excess.is_empty() {
        println!(
            "  loss at each training time against the exact score (t, excess, floor, relative excess):"
        );
    }
    for e in &r.excess {
        println!(
            "    {:8.4}  {:.5} ± {:.5}  {:.4} ± {:.4}  {:.4}",
            e.time, e.excess, e.excess_error, e.floor, e.floor_error, e.relative
        );
    }
    println!("  two-point function along an axis (r, data G(r), generated G(r)):");
    for row in &r.two_point {
        println!(
            "    {:2}  {:.4} ± {:.4}  {:.4} ± {:.4}",
            row.r, row.data, row.data_error, row.generated, row.generated_error
        );
    }
    println!("  structure factor on the axis modes (n, data S, generated S, generated/data):");
    for row in &r.structure {
        println!(
            "    {:2}  {:8.4} ± {:.4}  {:8.4} ± {:.4}  {:.3} ± {:.3}",
            row.n,
            row.data,
            row.data_error,
            row.generated,
            row.generated_error,
            row.ratio,
            row.ratio_error
        );
    }
    println!("  magnetisation histogram (m, data density, generated density):");
    for b in &r.histogram {
        println!(
            "    {:+.3}  {:.3} ± {:.3}  {:.3} ± {:.3}",
            b.m, b.data, b.data_error, b.generated, b.generated_error
        );
    }
    println!("  generated Binder cumulant during training (step, training s, U, pull):");
    for c in &r.checkpoints {
        println!(
            "    {:6}  {:7.1}  {:.4} ± {:.4}  {:+.1}",
            c.step, c.training_seconds, c.binder, c.binder_error, c.pull
        );
    }
    let w = cfg.window;
    match (r.steps_to_data, r.time_to_data_seconds) {
        (Some(steps), Some(s)) => println!(
            "  within 2σ of the data (and 5σ from 0) from {steps} steps ({s:.1} s) on, \
             for {w} checkpoints in a row"
        ),
        _ => println!("  not within 2σ of the data (and 5σ from 0) at {w} checkpoints in a row"),
    }
    Ok(())
}
