//! Sampled generation for the scaling claims C17–C19 (R6.6, R6.8, R10.3): at each sampled side
//! and for each claim's training budget, M fields drawn by the sde-exp sampler with the
//! population-trained score symbols of the closed-form rows (same [`GenerationSetup`], same
//! [`Budget`]), their plug-in KL(gen ‖ data) per site against the noised data spectrum C_k(t_0),
//! bias-corrected by the null bias of the plug-in estimator, and tested against the Chernoff
//! window of the closed-form generated spectrum.
//!
//! M is chosen before any field is drawn, from a stated requirement: the fewest fields on the
//! ladder M_k = ⌈1000·2^{k/2}⌉ for which the row's window test, at the row's level, has power
//! ≥ 0.99 against reference alternative (a) of derivations/10 (every mode's generated variance off by
//! ±2 %), computed by [`power_plug_in_kl_in`].

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{check_memory, Error, Result};
use crate::experiment::estimate::{mode_units, SpectrumEstimate};
use crate::experiment::sampler::{generate, SymbolScores};
use crate::lattice::Lattice;
use crate::power::{
    plug_in_kl_null_bias, plug_in_kl_null_moments, plug_in_kl_test_in, plug_in_kl_window,
    power_plug_in_kl_in, ModeUnit,
};
use crate::sampling::seeded_rng;
use crate::study::generation::{generation_plan, Budget, GenerationPlan, GenerationSetup};
use crate::study::LEVEL;

/// The budgets of the scaling claims: (claim, depth, budget). C17: one layer, N = 200 at every
/// L; C18: one layer, N = round(0.1 κ(t_1)); C19: two layers, N = ⌈2 + ln L/ln(1 + 2η)⌉ — the
/// budgets of the closed-form rows the claims read (R6.8).
pub const SCALING_BUDGETS: [(&str, usize, Budget); 3] = [
    ("C17", 1, Budget::Fixed { steps: 200 }),
    ("C18", 1, Budget::KappaProportional { fraction: 0.1 }),
    ("C19", 2, Budget::Logarithmic { offset: 2.0 }),
];

/// Power each row's window test must reach against reference alternative (a).
pub const POWER_TARGET: f64 = 0.99;

/// Relative error of every mode's variance in reference alternative (a) (derivations/10, R10.1–R10.2).
pub const VARIANCE_ERROR: f64 = 0.02;

/// Relative error of the zero mode's variance in reference alternative (b) (derivations/10, R10.1–R10.2).
pub const ZERO_MODE_ERROR: f64 = 0.10;

/// First rung of the sample-size ladder M_k = ⌈1000·2^{k/2}⌉.
pub const FIRST_SAMPLES: usize = 1000;

/// Largest M the ladder tries before giving up (2^19 fields).
pub const MAX_SAMPLES: usize = 1 << 19;

/// One sampled row: a claim's budget at one side, its fields against the closed form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampledScalingRow {
    /// The claim whose budget the row uses (C17, C18, C19).
    pub claim: &'static str,
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// How N was chosen: `fixed`, `kappa-proportional` or `logarithmic`.
    pub budget_rule: &'static str,
    /// Steps N of training per grid time.
    pub budget: usize,
    /// κ(t_1).
    pub kappa: f64,
    /// N/κ(t_1).
    pub budget_over_kappa: f64,
    /// Fields drawn (the sample-size ladder's first rung with power ≥ [`POWER_TARGET`]).
    pub samples: usize,
    /// Seed of the sampler's noise.
    pub seed: u64,
    /// Level of the row's window test (the family's [`LEVEL`], Bonferroni over the rows).
    pub level: f64,
    /// Closed-form KL(gen ‖ data) per site, data = C_k(t_0) (R6.6): the prediction.
    pub predicted_kl_per_site: f64,
    /// Plug-in KL(gen ‖ data) per site of the samples minus the null bias.
    pub measured_kl_per_site: f64,
    /// The plug-in KL(gen ‖ data) per site as measured, before the bias correction.
    pub plug_in_kl_per_site: f64,
    /// The null bias of the plug-in estimator per site (R10.3; depends on M and V only).
    pub bias_per_site: f64,
    /// Lower end of the prediction window, bias-corrected, per site (R10.3).
    pub window_lo_per_site: f64,
    /// Upper end of the prediction window, bias-corrected, per site.
    pub window_hi_per_site: f64,
    /// Exact null standard deviation of the measured KL per site (R10.3).
    pub standard_deviation_per_site: f64,
    /// Chernoff bound on the two-sided p-value of the measured KL.
    pub p_value: f64,
    /// True when the measured KL lies inside its window.
    pub in_window: bool,
    /// Power of the window test against every mode's variance off by ±2 % (the smaller).
    pub power_2_percent: f64,
    /// Power against the zero mode's variance alone off by ±10 % (the smaller).
    pub power_zero_mode_10_percent: f64,
}

/// The sampled rows of C17–C19.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampledGenerationScaling {
    /// The sampling set-up (that of the closed-form generation rows).
    pub setup: GenerationSetup,
    /// Level of the family of window tests ([`LEVEL`]); each row gets LEVEL/rows.
    pub family_level: f64,
    /// Power each row's test reaches against 2 % on every mode.
    pub power_target: f64,
    /// The rows, budgets in [`SCALING_BUDGETS`] order, sides increasing within a budget.
    pub rows: Vec<SampledScalingRow>,
    /// Wall time of the study in seconds.
    pub seconds: f64,
}

/// A statistic of a claim's rows (a ratio or a spread of KL per site): measured on the
/// bias-corrected samples, predicted by the closed form, the range it takes when every row's KL
/// lies in its window (so it lies there with probability ≥ 1 − Σ row levels), and the
/// acceptance range of the measured value: that range intersected, for each row i, with the
/// values the statistic takes as row i moves over its window while the other rows keep their
/// measured KLs. It contains the measured value when every row lies in its window; a row
/// outside its window leaves the measured value out whenever the statistic is strictly
/// monotone in that row there — always for the ratio of the first and last rows (rows between
/// them do not enter), for the spread when the row is the largest or the smallest and the
/// windows are disjoint, as at L = 4, 8 (R10.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RowStatistic {
    /// From the bias-corrected sampled KLs.
    pub measured: f64,
    /// From the closed-form KLs.
    pub predicted: f64,
    /// Smallest value over the rows' windows.
    pub window_lo: f64,
    /// Largest value over the rows' windows.
    pub window_hi: f64,
    /// Lower end of the acceptance range of `measured`.
    pub accept_lo: f64,
    /// Upper end of the acceptance range of `measured`.
    pub accept_hi: f64,
}

/// KL(last)/KL(first).
fn growth_of(kl: &[f64]) -> f64 {
    kl[kl.len() - 1] / kl[0]
}

/// max/min − 1.
fn spread_of(kl: &[f64]) -> f64 {
    let (lo, hi) = kl
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    hi / lo - 1.0
}

/// The statistic `f` with the measured KLs, its values as row i moves over its window and the
/// others stay as measured: [min, max] over the window ends and the other rows' values inside
/// the window (the breakpoints of the piecewise monotone ratio and spread), intersected over i.
fn acceptance(rows: &[&SampledScalingRow], f: fn(&[f64]) -> f64) -> (f64, f64) {
    let measured: Vec<f64> = rows.iter().map(|r| r.measured_kl_per_site).collect();
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    for (i, r) in rows.iter().enumerate() {
        let (a, b) = (r.window_lo_per_site, r.window_hi_per_site);
        let mut at = measured.clone();
        let (mut row_lo, mut row_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let inside = measured.iter().copied().filter(|&x| a < x && x < b);
        for x in [a, b].into_iter().chain(inside) {
            at[i] = x;
            let v = f(&at);
            (row_lo, row_hi) = (row_lo.min(v), row_hi.max(v));
        }
        (lo, hi) = (lo.max(row_lo), hi.min(row_hi));
    }
    (lo, hi)
}

impl SampledGenerationScaling {
    /// The rows of one claim, sides increasing.
    pub fn claim_rows(&self, claim: &str) -> Vec<&SampledScalingRow> {
        self.rows.iter().filter(|r| r.claim == claim).collect()
    }

    /// KL per site at the last side over the first, for one claim's rows (C17, C19): window
    /// range [lo_last/hi_first, hi_last/lo_first] (R6.8, R10.3).
    pub fn growth(&self, claim: &str) -> Option<RowStatistic> {
        let rows = self.claim_rows(claim);
        let (first, last) = (rows.first()?, rows.last()?);
        let upper = if first.window_lo_per_site > 0.0 {
            last.window_hi_per_site / first.window_lo_per_site
        } else {
            f64::INFINITY
        };
        let window = (last.window_lo_per_site / first.window_hi_per_site, upper);
        Some(statistic(&rows, growth_of, window))
    }

    /// Relative spread max/min − 1 of KL per site over one claim's rows (C18): window range
    /// from max_i lo_i/min_j hi_j − 1 (or 0) to the largest hi_i/lo_j − 1 over i ≠ j (R6.8,
    /// R10.3).
    pub fn spread(&self, claim: &str) -> Option<RowStatistic> {
        let rows = self.claim_rows(claim);
        if rows.len() < 2 {
            return None;
        }
        let max_lo = rows
            .iter()
            .map(|r| r.window_lo_per_site)
            .fold(0.0, f64::max);
        let min_hi = rows
            .iter()
            .map(|r| r.window_hi_per_site)
            .fold(f64::INFINITY, f64::min);
        let mut widest = 0.0f64;
        for (i, a) in rows.iter().enumerate() {
            for (j, b) in rows.iter().enumerate() {
                if i != j {
                    widest = widest.max(a.window_hi_per_site / b.window_lo_per_site.max(0.0));
                }
            }
        }
        let window = ((max_lo / min_hi - 1.0).max(0.0), widest - 1.0);
        Some(statistic(&rows, spread_of, window))
    }
}

/// Measured, predicted, window range and acceptance range of `f` over `rows`.
fn statistic(
    rows: &[&SampledScalingRow],
    f: fn(&[f64]) -> f64,
    (window_lo, window_hi): (f64, f64),
) -> RowStatistic {
    let of = |g: fn(&SampledScalingRow) -> f64| f(&rows.iter().map(|r| g(r)).collect::<Vec<_>>());
    let (lo, hi) = acceptance(rows, f);
    RowStatistic {
        measured: of(|r| r.measured_kl_per_site),
        predicted: of(|r| r.predicted_kl_per_site),
        window_lo,
        window_hi,
        accept_lo: lo.max(window_lo),
        accept_hi: hi.min(window_hi),
    }
}

/// The units of M fields if the closed form is right: P̂ = P = the generated spectrum.
fn predicted_units(plan: &GenerationPlan, samples: usize) -> Vec<ModeUnit> {
    let p = plan.generated.to_half();
    mode_units(
        plan.target.lattice(),
        samples,
        &p,
        &p,
        &plan.target.to_half(),
    )
}

/// The smaller power of a window test against every unit's variance scaled by 1 + δ and 1 − δ
/// (`zero_only`: unit 0, the zero mode, alone) (R10.3).
fn power_against(units: &[ModeUnit], window: (f64, f64), delta: f64, zero_only: bool) -> f64 {
    let scaled = |s: f64| move |i: usize| if zero_only && i != 0 { 1.0 } else { s };
    power_plug_in_kl_in(units, window, &scaled(1.0 + delta)).min(power_plug_in_kl_in(
        units,
        window,
        &scaled(1.0 - delta),
    ))
}

/// The sample size and window of a row: the first rung M_k = ⌈1000·2^{k/2}⌉ whose window test
/// at `level` has power ≥ [`POWER_TARGET`] against ±[`VARIANCE_ERROR`] on every mode (R10.3).
fn size_samples(plan: &GenerationPlan, level: f64) -> Result<(usize, (f64, f64))> {
    for k in 0.. {
        let m = (FIRST_SAMPLES as f64 * 2f64.powf(k as f64 / 2.0)).ceil() as usize;
        if m > MAX_SAMPLES {
            break;
        }
        let units = predicted_units(plan, m);
        let window = plug_in_kl_window(&units, level)?;
        if power_against(&units, window, VARIANCE_ERROR, false) >= POWER_TARGET {
            return Ok((m, window));
        }
    }
    Err(Error::NoConvergence {
        what: "sample size of a sampled generation row",
        detail: format!(
            "power {POWER_TARGET} against {VARIANCE_ERROR} on every mode not reached with {MAX_SAMPLES} fields at L = {}",
            plan.l
        ),
    })
}

/// Draws M fields for a planned row and measures their plug-in KL (R6.6, R10.3).
fn measure(
    plan: &GenerationPlan,
    setup: &GenerationSetup,
    (samples, seed): (usize, u64),
) -> Result<SpectrumEstimate> {
    let lattice: Lattice = plan.target.lattice();
    check_memory(
        format!(
            "sampling M = {samples} fields of L = {} for the C17–C19 rows",
            plan.l
        ),
        8.0 * lattice.volume() as f64 * (samples as f64 + 4.0 * setup.grid_steps as f64),
        "lower the [sampled] generation_sides",
    )?;
    let scores = SymbolScores(plan.scores.clone());
    let fields = generate(
        setup.sampler,
        &plan.grid,
        &scores,
        samples,
        &mut seeded_rng(seed),
    )?;
    SpectrumEstimate::from_fields(lattice, &fields)
}

/// One row: plan (closed form), size M, draw, test (R6.6, R6.8, R10.3).
fn scaling_row(
    setup: &GenerationSetup,
    (claim, depth, budget): (&'static str, usize, Budget),
    l: usize,
    (level, seed): (f64, u64),
) -> Result<SampledScalingRow> {
    let plan = generation_plan(setup, l, depth, budget)?;
    let (samples, window) = size_samples(&plan, level)?;
    let est = measure(&plan, setup, (samples, seed))?;
    let units = est.independent_modes(&plan.generated.to_half(), &plan.target.to_half());
    let test = plug_in_kl_test_in(&units, window, level)?;
    let bias = plug_in_kl_null_bias(&units);
    let null = plug_in_kl_null_moments(&units);
    let v = plan.target.lattice().volume() as f64;
    Ok(SampledScalingRow {
        claim,
        l,
        depth,
        budget_rule: budget.name(),
        budget: plan.budget,
        kappa: plan.kappa,
        budget_over_kappa: plan.budget as f64 / plan.kappa,
        samples,
        seed,
        level,
        predicted_kl_per_site: (null.mean - bias) / v,
        measured_kl_per_site: (test.statistic - bias) / v,
        plug_in_kl_per_site: test.statistic / v,
        bias_per_site: bias / v,
        window_lo_per_site: (window.0 - bias) / v,
        window_hi_per_site: (window.1 - bias) / v,
        standard_deviation_per_site: null.variance.sqrt() / v,
        p_value: test.p_value,
        in_window: test.pass,
        power_2_percent: power_against(&units, window, VARIANCE_ERROR, false),
        power_zero_mode_10_percent: power_against(&units, window, ZERO_MODE_ERROR, true),
    })
}

/// The sampled rows of C17–C19 at `sides` (R6.6, R6.8, R10.3): for each budget of
/// [`SCALING_BUDGETS`] and side, M fields (sized by [`POWER_TARGET`]) with row seed
/// `seed + 100·b + L` (b the budget's index), tested at level [`LEVEL`]/(3·sides). Rows run in
/// parallel; each is deterministic for its seed.
pub fn sampled_generation_scaling(
    setup: &GenerationSetup,
    sides: &[usize],
    seed: u64,
) -> Result<SampledGenerationScaling> {
    let jobs: Vec<(usize, usize)> = (0..SCALING_BUDGETS.len())
        .flat_map(|b| sides.iter().map(move |&l| (b, l)))
        .collect();
    let level = LEVEL / jobs.len().max(1) as f64;
    let start = std::time::Instant::now();
    let rows = jobs
        .par_iter()
        .map(|&(b, l)| {
            let row_seed = seed + 100 * b as u64 + l as u64;
            scaling_row(setup, SCALING_BUDGETS[b], l, (level, row_seed))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SampledGenerationScaling {
        setup: *setup,
        family_level: LEVEL,
        power_target: POWER_TARGET,
        rows,
        seconds: start.elapsed().as_secs_f64(),
    })
}
