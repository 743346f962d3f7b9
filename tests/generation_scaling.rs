//! What the slowing down of training does to generation (R6.6, R6.8), from the closed-form
//! generated spectra at β_c, d = 3: geometric grid of 40 steps from t = 1e-3 to T = 8,
//! exponential-integrator SDE, networks trained N steps per grid time under the protocol.

use std::sync::OnceLock;

use critical_slowing::experiment::estimate::mode_units;
use critical_slowing::fit;
use critical_slowing::power::power_plug_in_kl;
use critical_slowing::study::generation::generation_plan;
use critical_slowing::study::sampled_generation::{
    sampled_generation_scaling, SampledGenerationScaling, SCALING_BUDGETS,
};
use critical_slowing::study::{
    generation_rows, horizon_rows, Budget, GenerationRow, GenerationSetup,
};

const SIDES: [usize; 4] = [8, 16, 32, 64];

fn rows(depth: usize, budget: Budget) -> Vec<GenerationRow> {
    generation_rows(&GenerationSetup::default(), &SIDES, depth, budget).unwrap()
}

fn table_text(rows: &[GenerationRow]) -> String {
    rows.iter()
        .map(|r| {
            format!(
                "D={} L={} N={} N/kappa={:.4} KL/site={:.4e} revKL/site={:.4e} W2^2/site={:.4e}\n",
                r.depth,
                r.l,
                r.budget,
                r.budget_over_kappa,
                r.kl_data_gen_per_site,
                r.kl_gen_data_per_site,
                r.w2_squared_per_site
            )
        })
        .collect()
}

/// R6.8(a): one layer, a fixed budget N per grid time: the generated KL per site grows with L;
/// at a fixed ratio N/κ(t_1) it collapses across L = 16…64 within 3 %: the residual spread
/// comes from the finite-size drift of κ/L² (R1.5: 1.5 % over this range, entering through
/// e^{−cN C_k/C_max}) and the rounding of N = round(xκ) (≤ 0.5/(0.02·812) = 3 % of N at
/// L = 16, less above); measured < 2 %. L = 8 is looser (15 %): there κ(t_1) = 205, so
/// N = round(0.02κ) = 4 is rounded by 2.4 %, and the 512 modes sample the density of C_k
/// coarsely (the per-site average is a Riemann sum with O(1/L) steps near k = 0, where the
/// score error concentrates); measured 11 %.
#[test]
fn one_layer_generation_collapses_on_budget_over_kappa() {
    let mut text = String::new();
    for n in [50usize, 200, 1000] {
        let r = rows(1, Budget::Fixed { steps: n });
        for w in r.windows(2) {
            assert!(
                w[1].kl_data_gen_per_site > w[0].kl_data_gen_per_site,
                "N = {n}: KL per site must grow with L"
            );
        }
        text += &table_text(&r);
    }
    for x in [0.02, 0.1, 0.3, 1.0] {
        let r = rows(1, Budget::KappaProportional { fraction: x });
        let (lo, hi) = r.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
            (a.min(r.kl_data_gen_per_site), b.max(r.kl_data_gen_per_site))
        });
        assert!(
            hi / lo - 1.0 <= 0.15,
            "N/kappa = {x}: KL per site spread {lo:e}..{hi:e}"
        );
        let (lo, hi) = r[1..].iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
            (a.min(r.kl_data_gen_per_site), b.max(r.kl_data_gen_per_site))
        });
        assert!(
            hi / lo - 1.0 <= 0.03,
            "N/kappa = {x}: KL per site spread {lo:e}..{hi:e} over L = 16…64"
        );
        text += &table_text(&r);
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("generation_one_layer_d3", text);
    });
}

/// R6.8(b): two layers with N = ⌈a + ln L/ln(1 + 2η)⌉ (the ln κ/(2 ln(1 + 2η)) growth of
/// derivations/04) keep the KL per site bounded: at most ×1.5 from L = 8 to 64 (the ceiling
/// loses up to 0.1 step per doubling), while the one-layer network with the same budgets
/// degrades by more than ×2.
#[test]
fn two_layer_generation_stays_bounded_with_a_logarithmic_budget() {
    let mut text = String::new();
    for a in [0.0f64, 2.0, 5.0] {
        // η = c/4 = 1/8, the protocol's two-layer learning rate (R4.1)
        let budget = Budget::Logarithmic { offset: a };
        let two = rows(2, budget);
        let one = rows(1, budget);
        let ratio2 = two[3].kl_data_gen_per_site / two[0].kl_data_gen_per_site;
        let ratio1 = one[3].kl_data_gen_per_site / one[0].kl_data_gen_per_site;
        assert!(
            ratio2 <= 1.5,
            "a = {a}: two-layer KL per site grew ×{ratio2}"
        );
        assert!(
            ratio1 >= 2.0,
            "a = {a}: one-layer KL per site grew only ×{ratio1}"
        );
        text += &table_text(&two);
        text += &table_text(&one);
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("generation_two_layer_d3", text);
    });
}

/// R6.3, R6.8(c): the horizon T at which KL(p_T ‖ N(0, I)) = 1e-2 grows like ln L: slope
/// 1 ± 0.05 against ln L over L = 8…256 (T − ln L changes by 0.02 over the range).
#[test]
fn horizon_grows_like_log_l() {
    let h = horizon_rows(3, &[8, 16, 32, 64, 128, 256], 1e-2).unwrap();
    let x: Vec<f64> = h.iter().map(|r| (r.l as f64).ln()).collect();
    let y: Vec<f64> = h.iter().map(|r| r.horizon).collect();
    let slope = fit::line(&x, &y).unwrap().slope;
    assert!((slope - 1.0).abs() <= 0.05, "horizon slope {slope}");
    let text: String = h
        .iter()
        .map(|r| {
            format!(
                "L={} T={:.5} T-lnL={:.5}\n",
                r.l, r.horizon, r.horizon_minus_ln_l
            )
        })
        .collect();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("horizon_d3", text);
    });
}

/// R6.8(b), sharper: the two-layer generated KL per site is a function of
/// s = (1 + 2η)^{2N}/κ(t_1) alone (R6.6: the balanced map's late-time solution depends on N
/// and C_max only through (1 + 2η)^{2N}/κ). Budgets are integers, so L and 2L are compared at
/// N and N + 3 (s moves by (1 + 2η)⁶/(κ(2L)/κ(L)) ≈ 0.96) and the L curve is carried to the
/// 2L point by its local slope d ln KL/d ln s (centred difference over N ± 1); the first-order
/// transport leaves O((ln 0.96)²) ≈ 1e-3 relative. Over L = 8…64 and s ∈ [0.05, 0.5] (KL per
/// site between 0.05 and 0.5; the sampler floor 3.5e-4 is < 1 % of that) the 2L value equals
/// the transported one within 1 %: the residual is the finite-N correction of the logistic
/// early phase, largest at L = 8 (measured 0.86 %, 0.51 %, 0.33 % at s ≈ 0.07 for L = 8, 16,
/// 32). At s < 0.03 (N ≤ 4 at L = 8) that correction exceeds 1 % (measured 1.3–2.1 %).
#[test]
fn two_layer_generation_collapses_on_s() {
    let eta: f64 = 0.125;
    let table: Vec<Vec<(f64, f64)>> = (0..24)
        .map(|n| {
            rows(2, Budget::Fixed { steps: n })
                .iter()
                .map(|r| {
                    let s = (1.0 + 2.0 * eta).powi(2 * n as i32) / r.kappa;
                    (s, r.kl_data_gen_per_site)
                })
                .collect()
        })
        .collect();
    let mut checked = 0;
    for i in 0..3 {
        for n in 1..20usize {
            let (s, kl) = table[n][i];
            if !(0.05..=0.5).contains(&s) {
                continue;
            }
            let (lo, hi) = (table[n - 1][i], table[n + 1][i]);
            let slope = (hi.1 / lo.1).ln() / (hi.0 / lo.0).ln();
            let (s2, kl2) = table[n + 3][i + 1];
            let transported = kl * (s2 / s).powf(slope);
            assert!(
                (kl2 / transported - 1.0).abs() <= 0.01,
                "L = {} N = {n}: s = {s:.4e} KL {kl2:.5e} vs collapsed {transported:.5e}",
                SIDES[i + 1]
            );
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} points in the window");
}

/// The sampled rows of C17–C19 at L = 4, 8 with `reproduce`'s seed (configuration seed + 6000),
/// computed once for the tests below.
fn sampled() -> &'static SampledGenerationScaling {
    static ROWS: OnceLock<SampledGenerationScaling> = OnceLock::new();
    ROWS.get_or_init(|| {
        sampled_generation_scaling(&GenerationSetup::default(), &[4, 8], 20_260_523 + 6000).unwrap()
    })
}

/// R6.6, R10.3: for each budget of C17–C19 at L = 4, 8, the bias-corrected plug-in
/// KL(gen ‖ data) per site of M fields (sde-exp, population-trained symbols) lies in the
/// Chernoff window of the closed-form generated spectrum. Level 1e-6 for the six rows
/// (Bonferroni, 1.7e-7 each; the windows hold with probability ≥ 1 − level at every M, R10.3),
/// chosen before M. M per row: the fewest on ⌈1000·2^(k/2)⌉ with power ≥ 0.99 against every
/// mode's generated variance off by ±2 %. Measured: M = 45 255, 1 415 (C17), 8 000, 1 000
/// (C18), 11 314, 1 415 (C19).
///
/// The power is recomputed here from the row's M and level with `power_plug_in_kl` (a lower
/// bound: the Chernoff bound of the alternative's exact CGF) and must be ≥ 0.99 against both
/// +2 % and −2 % on every mode. Against reference alternative (b), 10 % on the zero mode alone,
/// the KL window has no power (one mode of V = 64 or 512 moves the per-site KL by less than its
/// sampling error; recorded per row as `power_zero_mode_10_percent`, ≈ 0): the zero mode is
/// tested with power ≥ 0.99 by C50 (`tests/generation.rs`) and C51 (`tests/zero_mode.rs`).
#[test]
fn sampled_generation_kl_lies_in_its_prediction_window() {
    let s = sampled();
    assert_eq!(s.rows.len(), 6);
    let setup = GenerationSetup::default();
    for r in &s.rows {
        assert!(
            r.in_window,
            "{} L = {} N = {}: KL/site {:.5e} outside [{:.5e}, {:.5e}] (predicted {:.5e}, M = {})",
            r.claim,
            r.l,
            r.budget,
            r.measured_kl_per_site,
            r.window_lo_per_site,
            r.window_hi_per_site,
            r.predicted_kl_per_site,
            r.samples
        );
        let (_, depth, budget) = SCALING_BUDGETS
            .iter()
            .copied()
            .find(|b| b.0 == r.claim)
            .unwrap();
        let plan = generation_plan(&setup, r.l, depth, budget).unwrap();
        let (p, c) = (plan.generated.to_half(), plan.target.to_half());
        let units = mode_units(plan.target.lattice(), r.samples, &p, &p, &c);
        let power = [1.02, 0.98]
            .map(|f| power_plug_in_kl(&units, r.level, &|_| f).unwrap())
            .into_iter()
            .fold(1.0, f64::min);
        assert!(
            power >= 0.99,
            "{} L = {}: power {power} against 2 % on every mode at M = {}",
            r.claim,
            r.l,
            r.samples
        );
        assert_eq!(power, r.power_2_percent);
        assert!(
            (r.plug_in_kl_per_site - r.bias_per_site - r.measured_kl_per_site).abs() <= 1e-12,
            "the measured KL is the plug-in KL minus its null bias"
        );
    }
}

/// R6.8 on samples, L = 4 → 8: (C17) with N = 200 the sampled KL per site grows (closed form
/// ×53.0; measured 51.7); (C18) at N = round(0.1 κ) it collapses to within the closed-form
/// spread of KL(gen ‖ data) at these sides, 25.9 % (2.899 at L = 4 against 2.303 at L = 8;
/// 36 independent modes at L = 4), plus the sampling error: the spread's range over the
/// rows' windows, [0.217, 0.303]; measured 0.260; (C19) with two layers and
/// N = ⌈2 + ln L/ln(1 + 2η)⌉ it stays bounded: ≤ 1.5 (closed form 1.077, measured 1.048).
/// Each statistic must also lie in its acceptance range (every row in its window).
#[test]
fn sampled_generation_scaling_holds_on_samples() {
    let s = sampled();
    let in_range = |x: critical_slowing::study::sampled_generation::RowStatistic| {
        x.accept_lo <= x.measured && x.measured <= x.accept_hi
    };
    let g17 = s.growth("C17").unwrap();
    assert!(g17.measured > 1.0 && in_range(g17), "C17 {g17:?}");
    let s18 = s.spread("C18").unwrap();
    assert!(
        in_range(s18) && s18.measured <= s18.window_hi,
        "C18 {s18:?}"
    );
    // the check separates collapse from its absence: with the same N at both sides (N = 5 or
    // 20, the C18 budgets of L = 4 and 8) the closed-form spread is 3.37 or 6.22, ≫ 0.303
    for steps in [5, 20] {
        let fixed: Vec<f64> = generation_rows(
            &GenerationSetup::default(),
            &[4, 8],
            1,
            Budget::Fixed { steps },
        )
        .unwrap()
        .iter()
        .map(|r| r.kl_gen_data_per_site)
        .collect();
        let spread = fixed[1].max(fixed[0]) / fixed[1].min(fixed[0]) - 1.0;
        assert!(
            spread > 10.0 * s18.window_hi,
            "N = {steps}: spread {spread}"
        );
    }
    let g19 = s.growth("C19").unwrap();
    assert!(g19.measured <= 1.5 && in_range(g19), "C19 {g19:?}");
}

/// The acceptance range of a statistic is empty when one of its rows leaves its window: a
/// wrong sampler or closed form that moves one row fails the claim even if the ratio stays
/// inside the range the windows allow (R10.3).
#[test]
fn a_row_outside_its_window_empties_the_acceptance_range() {
    let mut s = sampled().clone();
    let first = s.rows.iter().position(|r| r.claim == "C19").unwrap();
    let last = first + 1;
    let scale = s.rows[first].window_hi_per_site / s.rows[first].measured_kl_per_site * 1.01;
    for i in [first, last] {
        s.rows[i].measured_kl_per_site *= scale;
    }
    let g = s.growth("C19").unwrap();
    assert!(g.measured >= g.window_lo && g.measured <= g.window_hi);
    assert!(
        !(g.accept_lo <= g.measured && g.measured <= g.accept_hi),
        "{g:?}"
    );
}
