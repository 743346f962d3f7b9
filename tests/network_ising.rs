//! A nonlinear network trained on 2D Ising configurations at K_c generates non-Gaussian
//! fields (issue 21 item 4): its generated Binder cumulant is more than 5 standard errors
//! from the 0 of any linear score (R8.3), where the data's is ≈ 0.61.

use critical_slowing::model::score_network::NetworkSpec;
use critical_slowing::progress::Silent;
use critical_slowing::study::network_ising::{ising_network_study, IsingNetworkConfig};

fn report(cfg: &IsingNetworkConfig) {
    let r = ising_network_study(cfg, &Silent).unwrap();
    let (d, g) = (r.data, r.generated);
    println!(
        "L = {}, {} steps, {} parameters, {:.1} s: Binder data {:.4} ± {:.4}, generated {:.4} ± {:.4}; \
         ⟨m²⟩ {:.4} ± {:.4} vs {:.4} ± {:.4}; energy {:.4} ± {:.4} vs {:.4} ± {:.4}",
        cfg.l, cfg.steps, r.parameters, r.seconds,
        d.binder.mean, d.binder.error, g.binder.mean, g.binder.error,
        d.m2.mean, d.m2.error, g.m2.mean, g.m2.error,
        d.energy.mean, d.energy.error, g.energy.mean, g.energy.error,
    );
    // the data: the Monte Carlo's Binder cumulant at K_c is far from 0 (≈ 0.61)
    assert!(
        d.binder.mean > 5.0 * d.binder.error + 0.3,
        "data {:?}",
        d.binder
    );
    // the network: > 5σ from a Gaussian's 0 (one-sided level 3e-7 for a normal z)
    let z = g.binder.mean / g.binder.error;
    assert!(
        z > 5.0,
        "generated Binder {:?} is within 5σ of a Gaussian's 0",
        g.binder
    );
}

/// Small and fast (≈ 10 s): L = 6, width 8, one block, 600 Adam steps, 400 fields generated
/// on a 60-step grid. The 5σ threshold is the issue's, fixed before the run.
#[test]
fn small_network_generates_non_gaussian_ising_fields() {
    report(&IsingNetworkConfig {
        l: 6,
        configurations: 1000,
        spec: NetworkSpec::residual(8, 1, 1),
        batch: 16,
        steps: 600,
        train_times: 16,
        generation_steps: 60,
        generated: 400,
        ..IsingNetworkConfig::default()
    });
}

/// The default configuration (L = 8, width 16, two blocks, 1 500 steps, 1 000 fields on a
/// 100-step grid): about 6 minutes on 2 cores. Measured: Binder 0.519 ± 0.008 generated
/// against 0.617 ± 0.002 in the data.
#[test]
#[ignore = "about 6 minutes: cargo test --release --test network_ising -- --ignored --nocapture"]
fn default_network_generates_non_gaussian_ising_fields() {
    report(&IsingNetworkConfig::default());
}
