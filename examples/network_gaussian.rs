//! A nonlinear score network trained on Gaussian critical-like data (d = 2, μ = c/L²), its
//! held-out relative excess loss and zero-mode error against steps.
//!
//! `cargo run --release --example network_gaussian`

use critical_slowing::diffusion::grid::TimeGrid;
use critical_slowing::experiment::score_network::train::NetworkOptimizer;
use critical_slowing::experiment::score_network::FloatType;
use critical_slowing::model::score_network::NetworkSpec;
use critical_slowing::progress::Silent;
use critical_slowing::study::network::{network_study, NetworkStudyConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let l = *args.first().unwrap_or(&8);
    let width = *args.get(1).unwrap_or(&8);
    let cfg = NetworkStudyConfig {
        d: 2,
        sides: vec![l],
        mass_constant: 4.0,
        spec: NetworkSpec::residual(width, 1, 1),
        optimizer: NetworkOptimizer::adam(2e-3),
        schedule: Default::default(),
        average: None,
        batch: 16,
        times: TimeGrid::geometric(0.02, 1.0, 8)?.times().to_vec(),
        max_steps: 2000,
        checkpoint_every: 100,
        epsilon: 0.05,
        window: 3,
        held_out: 16,
        seeds: vec![1],
    };
    let started = std::time::Instant::now();
    let (study, _) = network_study(&cfg, FloatType::F32, &Silent)?;
    for run in &study.runs {
        println!(
            "L = {} κ = {:.0}: {} parameters, {:.1} s",
            run.l, run.kappa, study.parameters, run.seconds
        );
        for c in &run.checkpoints {
            println!(
                "  step {:5}  loss {:.4}  excess {:.4} ± {:.4}  zero mode {:.3}",
                c.step, c.loss, c.relative_excess, c.relative_excess_error, c.zero_mode_error
            );
        }
        let step = |n: Option<u64>| n.map_or("not reached".to_string(), |n| format!("step {n}"));
        println!(
            "  trained at {}, zero mode at {}",
            step(run.trained_at),
            step(run.zero_mode_trained_at)
        );
    }
    println!("{:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
