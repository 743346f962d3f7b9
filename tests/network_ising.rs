//! A nonlinear network trained on 2D Ising configurations at K_c generates non-Gaussian
//! fields (issue 21 item 4): its generated Binder cumulant is more than 5 standard errors
//! from the 0 of any linear score (R8.3, R11.6), where the data's is ≈ 0.61.

use critical_slowing::model::score_network::KernelSize;
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
    // the checkpoints: every checkpoint_every steps, the last one the final generation, the
    // training time growing, and the pull against the data recomputed here
    let c = &r.checkpoints;
    let every = if cfg.checkpoint_every > 0 {
        cfg.checkpoint_every
    } else {
        cfg.steps
    };
    let want: Vec<u64> = (1..=cfg.steps / every).map(|k| k * every).collect();
    assert_eq!(c.iter().map(|c| c.step).collect::<Vec<_>>(), want);
    assert!(c
        .windows(2)
        .all(|w| w[1].training_seconds > w[0].training_seconds));
    let last = c.last().unwrap();
    assert_eq!(
        (last.binder, last.binder_error),
        (g.binder.mean, g.binder.error)
    );
    for row in c {
        let pull = (row.binder - d.binder.mean)
            / (row.binder_error.powi(2) + d.binder.error.powi(2)).sqrt();
        assert!((row.pull - pull).abs() < 1e-12, "{row:?}");
    }
    let matches: Vec<bool> = c
        .iter()
        .map(|c| c.pull.abs() <= 2.0 && c.binder / c.binder_error >= 5.0)
        .collect();
    let first = (0..c.len())
        .find(|&i| i + cfg.window <= c.len() && matches[i..i + cfg.window].iter().all(|&m| m))
        .map(|i| c[i].step);
    assert_eq!(r.steps_to_data, first);
}

/// Small and fast (≈ 10 s): L = 6, width 8, one block, 600 Adam steps, 400 fields generated
/// on a 60-step grid. The 5σ threshold is the issue's, fixed before the run.
#[test]
fn small_network_generates_non_gaussian_ising_fields() {
    report(&IsingNetworkConfig {
        l: 6,
        configurations: 1000,
        width: 8,
        blocks: 1,
        batch: 16,
        steps: 600,
        train_times: 16,
        generation_steps: 60,
        generated: 400,
        checkpoint_every: 200,
        checkpoint_fields: 100,
        sampler_check: 0,
        ..IsingNetworkConfig::default()
    });
}

/// R11.8, C63: the sampler alone (≈ 20 s): the default L = 8 data and generation grid (100 geometric
/// steps over [0.005, 4], Euler–Maruyama, one Tweedie step), run with the exact score of the
/// training configurations' empirical distribution instead of a network. With the exact score
/// the sampler draws from the set itself up to its discretisation, so the generated Binder
/// cumulant, ⟨m²⟩ and energy must equal the set's: each within 5.1 of the generated fields'
/// standard errors (two-sided level 1e-6 over the three, Bonferroni; the set's values are
/// exact for the set, which is what is sampled). No allowance for the grid: measured at this
/// side, 400 steps instead of 100 move U by 0.0011 ± 0.0045. Power: a sampler bias of
/// (5.1 + 2.3)σ ≈ 0.024 in U is caught with probability 0.99, a sixth of the gap between the
/// default network's fields and the data (0.15).
#[test]
fn the_sampler_with_the_exact_score_reproduces_the_data() {
    let r = ising_network_study(
        &IsingNetworkConfig {
            steps: 1,
            generated: 10,
            checkpoint_every: 0,
            ..IsingNetworkConfig::default()
        },
        &Silent,
    )
    .unwrap();
    let check = r.sampler_check.expect("the default runs the sampler check");
    for (name, set, generated) in [
        ("Binder cumulant", r.data.binder, check.binder),
        ("⟨m²⟩", r.data.m2, check.m2),
        ("energy per site", r.data.energy, check.energy),
    ] {
        let z = (generated.mean - set.mean) / generated.error;
        println!(
            "{name}: set {:.4}, sampled with its exact score {:.4} ± {:.4} (z = {z:+.2})",
            set.mean, generated.mean, generated.error
        );
        assert!(z.abs() <= 5.1, "{name}: z = {z}");
    }
}

/// The default configuration, which the default `reproduce` runs (L = 8, width 8, two
/// blocks, 2 000 steps, 1 000 fields on a 100-step grid, Binder at 8 checkpoints): about
/// 2 minutes on 2 cores. Measured: Binder 0.463 ± 0.010 generated against 0.617 ± 0.002 in
/// the data.
#[test]
#[ignore = "about 2 minutes: cargo test --release --test network_ising -- --ignored --nocapture"]
fn default_network_generates_non_gaussian_ising_fields() {
    report(&IsingNetworkConfig::default());
}

/// Bad `[network_ising]` values are refused before any work, each naming its field.
#[test]
fn bad_configurations_are_refused() {
    let base = IsingNetworkConfig::default();
    assert!(base.validate().is_ok());
    for (bad, field) in [
        (
            IsingNetworkConfig {
                l: 3,
                ..base.clone()
            },
            "network_ising.l",
        ),
        (
            IsingNetworkConfig {
                configurations: 10,
                ..base.clone()
            },
            "network_ising.configurations",
        ),
        (
            IsingNetworkConfig {
                horizon: (0.0, 1.0),
                ..base.clone()
            },
            "network_ising.horizon",
        ),
        (
            IsingNetworkConfig {
                horizon: (0.1, f64::INFINITY),
                ..base.clone()
            },
            "network_ising.horizon",
        ),
        (
            IsingNetworkConfig {
                learning_rate: f64::NAN,
                ..base.clone()
            },
            "network_ising.learning_rate",
        ),
        (
            IsingNetworkConfig {
                generated: 5,
                ..base.clone()
            },
            "network_ising.generated",
        ),
        (
            IsingNetworkConfig {
                generated: usize::MAX,
                ..base.clone()
            },
            "the network_ising fields",
        ),
        (
            IsingNetworkConfig {
                sampler_check: 5,
                ..base.clone()
            },
            "network_ising.generated",
        ),
        (
            IsingNetworkConfig {
                checkpoint_fields: 3,
                ..base.clone()
            },
            "network_ising.generated",
        ),
        (
            IsingNetworkConfig {
                steps: 0,
                ..base.clone()
            },
            "network_ising",
        ),
        (
            IsingNetworkConfig {
                window: 0,
                ..base.clone()
            },
            "network_ising.window",
        ),
        (
            IsingNetworkConfig {
                average: Some(1.0),
                ..base.clone()
            },
            "network_ising.average",
        ),
        (
            IsingNetworkConfig {
                kernel: KernelSize::Radius(4),
                ..base.clone()
            },
            "kernel radius",
        ),
    ] {
        let message = bad.validate().unwrap_err().to_string();
        assert!(message.contains(field), "{message}");
    }
}

/// The table's TOML spellings of the network's shape and averaging reach the network.
#[test]
fn network_options_are_read_from_toml() {
    let cfg: IsingNetworkConfig =
        toml::from_str("kernel = \"full\"\nglobal = true\naverage = 0.999\nwidth = 4").unwrap();
    let spec = cfg.spec();
    assert_eq!(
        (spec.kernel, spec.global, spec.width, cfg.average),
        (KernelSize::Full, true, 4, Some(0.999))
    );
    let cfg: IsingNetworkConfig = toml::from_str("kernel = { radius = 2 }").unwrap();
    assert_eq!(cfg.spec().kernel, KernelSize::Radius(2));
    assert!(cfg.validate().is_ok());
    assert_eq!(
        IsingNetworkConfig::default().spec().kernel,
        KernelSize::Radius(1)
    );
}
