//! A nonlinear network trained on 2D Ising configurations at K_c generates non-Gaussian
//! fields (issue 21 item 4): its generated Binder cumulant is more than 5 standard errors
//! from the 0 of any linear score (R8.3, R11.6), where the data's is ≈ 0.61.

use critical_slowing::model::score_network::KernelSize;
use critical_slowing::progress::Silent;
use critical_slowing::study::network_ising::{ising_network_study, IsingNetworkConfig};
use critical_slowing::study::network_ising_sweep::{ising_network_sweep, IsingSweepConfig};

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
        handover: vec![],
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
            handover: vec![],
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
/// blocks, 2 000 steps, 1 000 fields on a 100-step grid, Binder at 8 checkpoints), without
/// the handover (each handover time adds one more generation): 22 s on 2 cores (about 2
/// minutes before the fused network operations). Measured: Binder 0.454 ± 0.010 generated
/// against 0.617 ± 0.002 in the data.
#[test]
#[ignore = "about 25 s: cargo test --release --test suite -- --ignored --nocapture network_ising::"]
fn default_network_generates_non_gaussian_ising_fields() {
    report(&IsingNetworkConfig {
        handover: vec![],
        ..IsingNetworkConfig::default()
    });
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
            // below the horizon's t_min = 0.005
            IsingNetworkConfig {
                train_grid: Some("list:0.001,0.5,4".into()),
                ..base.clone()
            },
            "network_ising.train_grid",
        ),
        (
            // beyond its T = 4
            IsingNetworkConfig {
                train_grid: Some("uniform:0.005:5:10".into()),
                ..base.clone()
            },
            "network_ising.train_grid",
        ),
        (
            IsingNetworkConfig {
                train_grid: Some("list:0.5,0.1".into()),
                ..base.clone()
            },
            "network_ising.train_grid",
        ),
        (
            IsingNetworkConfig {
                train_grid: Some("geometric:0.01:4".into()),
                ..base.clone()
            },
            "network_ising.train_grid",
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
        (
            IsingNetworkConfig {
                handover: vec![0.5, 4.5],
                ..base.clone()
            },
            "network_ising.handover",
        ),
        (
            IsingNetworkConfig {
                handover: vec![0.001],
                ..base.clone()
            },
            "network_ising.handover",
        ),
        (
            IsingNetworkConfig {
                handover: vec![f64::NAN],
                ..base.clone()
            },
            "network_ising.handover",
        ),
        (
            IsingNetworkConfig {
                handover: vec![0.5],
                sampler_check: 0,
                ..base.clone()
            },
            "network_ising.handover",
        ),
        (
            IsingNetworkConfig {
                handover: vec![0.4, 0.1, 0.4],
                ..base.clone()
            },
            "network_ising.handover",
        ),
        (
            IsingNetworkConfig {
                excess_fields: 1,
                ..base.clone()
            },
            "network_ising.excess_fields",
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

/// R11.1's Tweedie identity on the exact Ising score (R7.11 with R11.8, weighted): for x₀ from
/// the 4×4 law at K_c and x_t = α x₀ + σ z, E[z | x_t] = −σ s*(x_t), so every function of x_t
/// is uncorrelated with σ s* + z. Checked for f(x) = x and f(x) = x³ (summed over sites, /V) at
/// three times (0.1, 0.3, 0.8; at 0.02 and 2 the wrong law below was not told apart either, so
/// they were dropped for time) with 2 000 fields each: |mean|/SE ≤ 5.6, two-sided 2·10⁻⁸
/// each, 1.3·10⁻⁷ over the six checks (within the crate's 10⁻⁶). Power: the score of the wrong law, K = 0.8 K_c in the
/// weights, gives |z| = 11.2 (x, t = 0.8) here, and the x-statistic at t = 0.3 and 0.8 has mean
/// ≈ 11 and unit spread at any seed, so the wrong law is caught with probability ≈ 1.
#[test]
fn the_exact_ising_score_satisfies_tweedie() {
    // parallel over 2^16 configurations for 13 s: in a pool of its own
    crate::common::in_own_pool(tweedie_on_the_4x4_law);
}

fn tweedie_on_the_4x4_law() {
    use critical_slowing::experiment::score_network::sample::EmpiricalScore;
    use critical_slowing::experiment::score_network::train::NoisedFields;
    use critical_slowing::sampling::seeded_rng;
    use critical_slowing::theory::ising_exact::{ising_2d_critical_coupling, ising_configurations};
    use rand::distr::weighted::WeightedIndex;
    use rand_distr::Distribution;

    let k = ising_2d_critical_coupling();
    let (fields, log_w) = ising_configurations(2, 4, k).unwrap();
    let top = log_w.iter().copied().fold(f64::MIN, f64::max);
    let law = WeightedIndex::new(log_w.iter().map(|w| (w - top).exp())).unwrap();
    let score_k = |kk: f64| {
        let w = log_w.iter().map(|w| w * kk / k).collect();
        EmpiricalScore::weighted(fields.clone(), w).unwrap()
    };
    let mut rng = seeded_rng(11);
    for (kk, must_hold) in [(k, true), (0.8 * k, false)] {
        let exact = score_k(kk);
        let mut largest: f64 = 0.0;
        for t in [0.1, 0.3, 0.8] {
            let clean: Vec<_> = (0..2000).map(|_| &fields[law.sample(&mut rng)]).collect();
            let noised = NoisedFields::noise(&clean, &vec![t; clean.len()], &mut rng).unwrap();
            let s = exact.score(&noised.xt, t).unwrap();
            let sigma = (-(-2.0 * t).exp_m1()).sqrt();
            for power in [1, 3] {
                let terms: Vec<f64> = noised
                    .xt
                    .iter()
                    .zip(&s)
                    .zip(&noised.z)
                    .map(|((x, s), z)| {
                        x.iter()
                            .zip(s)
                            .zip(z)
                            .map(|((x, s), z)| x.powi(power) * (sigma * s + z))
                            .sum::<f64>()
                            / 16.0
                    })
                    .collect();
                let n = terms.len() as f64;
                let mean = terms.iter().sum::<f64>() / n;
                let var = terms.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
                let z = mean / (var / n).sqrt();
                println!("K/K_c = {:.1}, t = {t}, f = x^{power}: z = {z:+.2}", kk / k);
                largest = largest.max(z.abs());
                if must_hold {
                    assert!(z.abs() <= 5.6, "t = {t}, x^{power}: z = {z}");
                }
            }
        }
        if !must_hold {
            assert!(
                largest > 5.6,
                "the wrong law is not told apart: largest |z| {largest}"
            );
        }
    }
}

/// R11.9 and C64: the handover rows and the L = 4 extras, wired (≈ 5 s). Handover rows come
/// sorted; a handover at the grid's last time uses the network at every step and so repeats
/// the network's own fields exactly (same stream, same count); at L = 4 the exact values
/// (R7.11) are reported and the excess loss has one row per training time (here the
/// `train_grid` list), excess ≥ 0 and a finite floor; at L = 5 (not listable) neither is.
#[test]
fn handover_rows_and_the_exact_4x4_extras() {
    use critical_slowing::theory::ising_exact::{
        ising_2d_critical_coupling, ising_magnetisation_moments,
    };
    let cfg = IsingNetworkConfig {
        l: 4,
        configurations: 400,
        width: 4,
        blocks: 1,
        batch: 16,
        steps: 100,
        train_grid: Some("list:0.005, 0.05, 0.3, 0.6, 1.2, 4".into()),
        generation_steps: 30,
        generated: 250,
        sampler_check: 250,
        handover: vec![4.0, 0.005],
        excess_fields: 50,
        checkpoint_every: 0,
        ..IsingNetworkConfig::default()
    };
    let r = ising_network_study(&cfg, &Silent).unwrap();
    let times: Vec<f64> = r.handover.iter().map(|h| h.time).collect();
    assert_eq!(times, [0.005, 4.0]);
    let last = r.handover[1];
    assert_eq!(
        (last.binder, last.m2, last.energy),
        (
            r.generated.binder.mean,
            r.generated.m2.mean,
            r.generated.energy.mean
        )
    );
    assert_ne!(r.handover[0].binder, last.binder);
    let exact = ising_magnetisation_moments(2, 4, ising_2d_critical_coupling()).unwrap();
    assert_eq!(r.exact, Some(exact));
    let rows: Vec<f64> = r.excess.iter().map(|e| e.time).collect();
    assert_eq!(rows, [0.005, 0.05, 0.3, 0.6, 1.2, 4.0]);
    for e in &r.excess {
        assert!(
            e.excess >= 0.0 && e.excess.is_finite() && e.floor.is_finite(),
            "{e:?}"
        );
    }
    let none = ising_network_study(
        &IsingNetworkConfig {
            l: 5,
            ..cfg.clone()
        },
        &Silent,
    )
    .unwrap();
    assert!(none.exact.is_none() && none.excess.is_empty());
}

/// The sweep over sides and seeds (issue 21 item 4) runs, at each side and seed, exactly the
/// single study with that side and seed (same data, weights and generated fields: equal
/// Binder cumulants and checkpoints), and its per-side summary is the mean over seeds
/// recomputed here from the runs, with the error rule of `over_seeds`.
#[test]
fn sweep_runs_the_single_study_at_every_side_and_seed() {
    let cfg = IsingSweepConfig {
        network: IsingNetworkConfig {
            configurations: 300,
            width: 4,
            blocks: 1,
            batch: 8,
            steps: 60,
            train_times: 8,
            generation_steps: 20,
            generated: 60,
            checkpoint_every: 20,
            checkpoint_fields: 30,
            sampler_check: 0,
            handover: vec![],
            excess_fields: 0,
            window: 1,
            ..IsingNetworkConfig::default()
        },
        sides: vec![4, 5],
        seeds: vec![3, 11],
    };
    let sweep = ising_network_sweep(&cfg, &Silent).unwrap();
    assert_eq!(sweep.runs.len(), 4);
    for run in &sweep.runs {
        let single = ising_network_study(&cfg.run(run.l, run.seed), &Silent).unwrap();
        assert_eq!((single.config.l, single.config.seed), (run.l, run.seed));
        assert_eq!(run.generated_binder, single.generated.binder);
        assert_eq!(run.data_binder, single.data.binder);
        assert_eq!(run.steps_to_data, single.steps_to_data);
        let steps: Vec<u64> = run.checkpoints.iter().map(|c| c.step).collect();
        assert_eq!(steps, [20, 40, 60]);
        assert_eq!(
            run.checkpoints.last().unwrap().binder,
            single.generated.binder.mean
        );
    }
    for (side, l) in sweep.sides.iter().zip([4, 5]) {
        let runs: Vec<_> = sweep.runs.iter().filter(|r| r.l == l).collect();
        assert_eq!((side.l, side.runs), (l, 2));
        // each seed has its own Monte Carlo data
        assert_ne!(runs[0].data_binder, runs[1].data_binder);
        let gaps: Vec<f64> = runs
            .iter()
            .map(|r| r.generated_binder.mean - r.data_binder.mean)
            .collect();
        let mean = (gaps[0] + gaps[1]) / 2.0;
        // two values: the standard error of their mean is |a − b|/2
        let spread = (gaps[0] - gaps[1]).abs() / 2.0;
        let own = runs
            .iter()
            .map(|r| r.generated_binder.error.powi(2) + r.data_binder.error.powi(2))
            .sum::<f64>()
            .sqrt()
            / 2.0;
        assert!((side.gap.mean - mean).abs() < 1e-15, "{side:?}");
        assert!((side.gap.error - spread.max(own)).abs() < 1e-15, "{side:?}");
        let reached = runs.iter().filter(|r| r.steps_to_data.is_some()).count();
        assert_eq!(side.reached, reached);
        assert_eq!(side.steps_to_data.is_some(), reached == 2);
    }
    let bad = IsingSweepConfig {
        seeds: vec![3, 3],
        ..cfg.clone()
    };
    assert!(ising_network_sweep(&bad, &Silent)
        .unwrap_err()
        .to_string()
        .contains("3 twice"));
    let none = IsingSweepConfig {
        sides: vec![],
        ..cfg
    };
    assert!(ising_network_sweep(&none, &Silent).is_err());
}

/// The text of `network-ising` for two sides, one reached and one not, against its snapshot:
/// the header spells the options, the run table the values with as many digits as their
/// errors resolve, the side table the means over seeds.
#[test]
fn sweep_text_reads_as_its_snapshot() {
    use critical_slowing::experiment::observables::MeanAndError;
    use critical_slowing::report::ising_sweep::{binder_figure, text};
    use critical_slowing::study::network_ising::BinderCheckpoint;
    use critical_slowing::study::network_ising_sweep::{IsingSweep, IsingSweepRun, IsingSweepSide};
    let u = |mean, error| MeanAndError { mean, error };
    let run = |l, seed, generated, steps: Option<u64>| IsingSweepRun {
        l,
        seed,
        parameters: 57633,
        data_binder: u(0.615, 0.0024),
        generated_binder: u(generated, 0.004),
        sampler_check_binder: Some(u(0.61, 0.0035)),
        data_energy: u(-1.56, 0.011),
        generated_energy: u(-1.49, 0.017),
        steps_to_data: steps,
        seconds_to_data: steps.map(|s| s as f64 / 70.0),
        training_seconds: 115.0,
        seconds: 140.0,
        checkpoints: vec![
            BinderCheckpoint {
                step: 250,
                training_seconds: 3.0,
                binder: -3.0,
                binder_error: 2.0,
                pull: -1.8,
            },
            BinderCheckpoint {
                step: 500,
                training_seconds: 7.0,
                binder: 0.6,
                binder_error: 0.01,
                pull: -1.5,
            },
        ],
    };
    let runs = vec![
        run(4, 1, 0.604, Some(1500)),
        run(4, 2, 0.597, Some(500)),
        run(8, 1, 0.588, None),
        run(8, 2, 0.592, Some(4000)),
    ];
    let sides = vec![
        IsingSweepSide::of(&runs[..2]),
        IsingSweepSide::of(&runs[2..]),
    ];
    let sweep = IsingSweep {
        config: IsingSweepConfig {
            network: IsingNetworkConfig {
                width: 32,
                blocks: 3,
                average: Some(0.999),
                ..IsingNetworkConfig::default()
            },
            sides: vec![4, 8],
            seeds: vec![1, 2],
        },
        runs,
        sides,
    };
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("network_ising_sweep_text", text(&sweep));
    });
    // the figure of a side: one line per seed without the heavy-tailed checkpoint (|U| > 1),
    // then the data's U ± 2 SE: the mean 0.615, SE 0.0024/√2 (the seeds agree, so the runs'
    // own error over √2)
    let figure = binder_figure(&sweep, &sweep.sides[0]);
    assert_eq!(figure.series.len(), 4);
    assert_eq!(figure.series[0].points, [(500.0, 0.6)]);
    assert_eq!(figure.series[0].errors, [(0.59, 0.61)]);
    assert_eq!(figure.series[1].name, "seed 2");
    let band = 2.0 * 0.0024 / 2f64.sqrt();
    for (series, level) in figure.series[2..].iter().zip([0.615 + band, 0.615 - band]) {
        assert!(
            series.points.iter().all(|p| (p.1 - level).abs() < 1e-12),
            "{series:?}"
        );
    }
}
