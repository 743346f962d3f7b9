//! Continuous-time generation claims on samples: the Girsanov bound against the KL of fields a
//! fine-grid sampler draws (R6.5, R10.7), and the exact score returning the data when the
//! sampled spectra of refined grids are extrapolated to h → 0 (R6.2, R10.5).

use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::Sampler;
use crate::divergence::{kl_divergence, kl_term};
use crate::error::Result;
use crate::experiment::estimate::SpectrumEstimate;
use crate::experiment::sampler::{generate, SymbolScores};
use crate::lattice::Lattice;
use crate::power::{one_sided_z, reverse_plug_in_kl_null_moments, two_sided_z};
use crate::sampling::seeded_rng;
use crate::study::LEVEL;
use crate::symbol::Symbol;
use crate::theory::generation::{
    continuous_generated_variance, exact_score_symbols, girsanov_bound,
};

/// Fields per random score in the Girsanov check: the plug-in's standard deviation is then
/// 2.4–5.4 % of the bound for |a| ≥ 0.15 (15 % at |a| = 0.05, where bound and KL are ~10⁻²).
pub const GIRSANOV_SAMPLES: usize = 4000;

/// Fields per grid in the extrapolation (d = 3, L = 8): the pooled standard deviation
/// √(10/(MV)) = 1.56·10⁻³, so a sampler whose limit is off by 2 % on every mode is caught with
/// power > 0.99 at level 10⁻⁶ (R10.5).
pub const EXTRAPOLATION_SAMPLES: usize = 8000;

/// Richardson remainders of the 40/80-step geometric grids at d = 3, L = 8 (second-order terms,
/// from R6.1's recursion; they shrink ×4 per doubling of the steps): pooled 4.9·10⁻⁴, zero mode
/// 3.2·10⁻²; the allowances are these rounded up.
pub const EXTRAPOLATION_REMAINDER: [f64; 2] = [6e-4, 4e-2];

/// The data of the Girsanov check: the massive d = 2, L = 4 model at β = 0.4 (R6.5).
pub fn girsanov_data() -> Result<GaussianField> {
    GaussianField::large_n(Lattice::new(2, 4)?, 0.4)
}

/// Amplitude a_s = 0.1(s − 3.5) of the s-th random linear score (s = 0 … 7).
pub fn girsanov_amplitude(s: u32) -> f64 {
    0.1 * (s as f64 - 3.5)
}

/// The s-th time-dependent linear score of the Girsanov check, for mode class i at time t:
/// w_i(t) = −(1 + a_s sin(1 + i) e^{−t})/C_i(t), C the data spectrum (R6.5).
pub fn girsanov_score(spectrum: &Symbol, amplitude: f64, i: usize, t: f64) -> Result<f64> {
    let c = spectrum_at(spectrum, t)?.values()[i];
    Ok(-(1.0 + amplitude * (1.0 + i as f64).sin() * (-t).exp()) / c)
}

/// One random linear score: the Girsanov bound, the continuous-time KL, and the KL of fields
/// drawn on a fine grid (R6.5, R10.7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GirsanovRow {
    /// a_s.
    pub amplitude: f64,
    /// The Girsanov bound on KL(p_data ‖ p_gen) (total).
    pub bound: f64,
    /// KL(p_data ‖ p_gen) of the continuous-time generated spectrum (variance ODE).
    pub kl_continuous: f64,
    /// Plug-in KL(p_data ‖ p̂_gen) of the fields drawn (not bias-corrected: its bias is ≥ 0).
    pub kl_sampled: f64,
    /// Null mean of the plug-in at the continuous-time spectrum (R10.7).
    pub null_mean: f64,
    /// Null variance of the plug-in there (R10.7).
    pub null_variance: f64,
    /// Standard deviation of the plug-in with ρ = C/P̂ (the data alone), R10.7.
    pub standard_deviation: f64,
    /// Fields drawn.
    pub samples: usize,
    /// Uniform grid steps on [0, T].
    pub steps: usize,
}

/// Horizon of the Girsanov check.
const GIRSANOV_HORIZON: f64 = 2.0;

/// The s-th score's symbols at every time of `grid` (R6.5).
fn girsanov_symbols(sp: &Symbol, amplitude: f64, grid: &TimeGrid) -> Result<Vec<Symbol>> {
    grid.times()
        .iter()
        .map(|&t| {
            let values = (0..sp.values().len())
                .map(|i| girsanov_score(sp, amplitude, i, t))
                .collect::<Result<Vec<_>>>()?;
            sp.with_values(values)
        })
        .collect()
}

/// The continuous-time generated spectrum of the s-th score from the prior N(0, 1) at the
/// horizon: the variance ODE of R6.2 on 2000 steps.
fn girsanov_continuous_spectrum(sp: &Symbol, amplitude: f64) -> Result<Symbol> {
    let w = |i: usize, t: f64| girsanov_score(sp, amplitude, i, t).unwrap_or(f64::NAN);
    sp.with_values(
        (0..sp.values().len())
            .map(|i| continuous_generated_variance(false, |t| w(i, t), GIRSANOV_HORIZON, 1.0, 2000))
            .collect(),
    )
}

/// The closed-form side of one Girsanov check: (the bound, KL(p_data ‖ p_gen) of the
/// continuous-time generated spectrum, that spectrum), both integrals on 2000 steps (R6.5).
pub fn girsanov_closed_form(sp: &Symbol, amplitude: f64) -> Result<(f64, f64, Symbol)> {
    let w = |i: usize, t: f64| girsanov_score(sp, amplitude, i, t).unwrap_or(f64::NAN);
    let continuous = girsanov_continuous_spectrum(sp, amplitude)?;
    Ok((
        girsanov_bound(sp, w, GIRSANOV_HORIZON, 2000)?,
        kl_divergence(sp, &continuous)?,
        continuous,
    ))
}

/// Draws `samples` fields with each of `scores` random linear scores (sde-exp, `steps` uniform
/// steps on [0, 2], prior N(0, I), seed `seed + s`) and compares their plug-in KL with the
/// Girsanov bound and the continuous-time KL (R6.5, R10.7).
pub fn girsanov_rows(
    scores: u32,
    samples: usize,
    steps: usize,
    seed: u64,
) -> Result<Vec<GirsanovRow>> {
    let data = girsanov_data()?;
    let sp = data.spectrum();
    let grid = TimeGrid::uniform(0.0, GIRSANOV_HORIZON, steps)?;
    let target = sp.to_half();
    (0..scores)
        .map(|s| {
            let a = girsanov_amplitude(s);
            let symbols = SymbolScores(girsanov_symbols(sp, a, &grid)?);
            let mut rng = seeded_rng(seed + s as u64);
            let fields = generate(Sampler::SdeExponential, &grid, &symbols, samples, &mut rng)?;
            let est = SpectrumEstimate::from_fields(data.lattice(), &fields)?;
            let (bound, kl_continuous, continuous) = girsanov_closed_form(sp, a)?;
            let null = reverse_plug_in_kl_null_moments(
                &est.independent_modes(&continuous.to_half(), &target),
            );
            let observed = est.independent_modes(est.variances(), &target);
            Ok(GirsanovRow {
                amplitude: a,
                bound,
                kl_continuous,
                kl_sampled: est.plug_in(&target, |p, c| kl_term(c, p)),
                null_mean: null.mean,
                null_variance: null.variance,
                standard_deviation: reverse_plug_in_kl_null_moments(&observed).variance.sqrt(),
                samples,
                steps,
            })
        })
        .collect()
}

/// The Girsanov check on samples: min over rows of (bound − KL̂)/σ̂, the margin below the bound
/// in standard deviations of the plug-in (R6.5, R10.7).
pub fn girsanov_margin(rows: &[GirsanovRow]) -> f64 {
    rows.iter()
        .map(|r| (r.bound - r.kl_sampled) / r.standard_deviation)
        .fold(f64::INFINITY, f64::min)
}

/// The one-sided normal quantile z at [`LEVEL`]/rows: a sampler that draws a law obeying the
/// bound has [`girsanov_margin`] ≥ −z with probability ≥ 1 − LEVEL, because the plug-in's bias
/// w(2ρ − 1)/(2ν) + O(ν⁻²) is ≥ 0 for ρ = C/P ≥ ½ and can only lower the margin (R10.7).
pub fn girsanov_margin_limit(rows: &[GirsanovRow]) -> Result<f64> {
    one_sided_z(LEVEL / rows.len().max(1) as f64)
}

/// The exact score's generated spectrum extrapolated to h → 0 from fields (R6.2, R10.5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtrapolationRow {
    /// Dimension d.
    pub d: usize,
    /// Side L.
    pub l: usize,
    /// Steps of the coarse geometric grid (the fine grid has twice as many).
    pub steps: usize,
    /// Fields drawn on each grid (independent draws).
    pub samples: usize,
    /// Mean over the V modes of P̂/C(t₀) − 1 on the coarse grid.
    pub coarse_error: f64,
    /// The same on the fine grid.
    pub fine_error: f64,
    /// Richardson: 2 × fine − coarse (the first-order error cancels).
    pub extrapolated_error: f64,
    /// Its standard deviation under the null, √(5·2/(M V)) (R10.1: ν P̂/P ~ χ²_ν).
    pub standard_deviation: f64,
    /// Zero mode alone: P̂₀/C₀(t₀) − 1 on the coarse grid.
    pub zero_mode_coarse_error: f64,
    /// The same on the fine grid.
    pub zero_mode_fine_error: f64,
    /// Richardson for the zero mode.
    pub zero_mode_extrapolated_error: f64,
    /// Its standard deviation √(5·2/M).
    pub zero_mode_standard_deviation: f64,
}

/// Draws fields with the exact score on a geometric grid t₀ = 10⁻³ … T = 8 of `steps` and
/// 2·`steps` steps (sde-exp) and extrapolates their spectrum to h → 0 (R6.2, R10.5). At T = 8
/// the prior mismatch e^{−16}(C₀ − 1) is below 10⁻⁴ relative for C₀ < 10³.
pub fn extrapolation_row(
    d: usize,
    l: usize,
    steps: usize,
    samples: usize,
    seed: u64,
) -> Result<ExtrapolationRow> {
    let lattice = Lattice::new(d, l)?;
    let field = GaussianField::large_n_critical(lattice)?;
    let t_min = 1e-3;
    let target = spectrum_at(field.spectrum(), t_min)?;
    let errors = |n: usize, s: u64| -> Result<(f64, f64)> {
        let grid = TimeGrid::geometric(t_min, 8.0, n)?;
        let scores = SymbolScores(exact_score_symbols(field.spectrum(), &grid)?);
        let fields = generate(
            Sampler::SdeExponential,
            &grid,
            &scores,
            samples,
            &mut seeded_rng(s),
        )?;
        let est = SpectrumEstimate::from_fields(lattice, &fields)?;
        let ratio = est.plug_in(&target.to_half(), |p, c| p / c);
        let p0 = est
            .variances()
            .first()
            .copied()
            .ok_or_else(|| crate::error::Error::Mismatch("an estimate without modes".into()))?;
        let zero = p0 / target.at(&vec![0; d]);
        Ok((ratio / lattice.volume() as f64 - 1.0, zero - 1.0))
    };
    let (coarse, zero_coarse) = errors(steps, seed)?;
    let (fine, zero_fine) = errors(2 * steps, seed + 1)?;
    let (m, v) = (samples as f64, lattice.volume() as f64);
    Ok(ExtrapolationRow {
        d,
        l,
        steps,
        samples,
        coarse_error: coarse,
        fine_error: fine,
        extrapolated_error: 2.0 * fine - coarse,
        standard_deviation: (10.0 / (m * v)).sqrt(),
        zero_mode_coarse_error: zero_coarse,
        zero_mode_fine_error: zero_fine,
        zero_mode_extrapolated_error: 2.0 * zero_fine - zero_coarse,
        zero_mode_standard_deviation: (10.0 / m).sqrt(),
    })
}

/// The largest of |extrapolated error|/(z σ + r) over the pooled and the zero-mode error, z
/// two-sided at [`LEVEL`]/2 and r the Richardson remainder allowance `remainder`
/// ([`EXTRAPOLATION_REMAINDER`] for the reproduce grids): ≤ 1 with probability ≥ 1 − LEVEL
/// for a sampler that converges to C at first order (R10.5).
pub fn extrapolation_score(row: &ExtrapolationRow, remainder: [f64; 2]) -> Result<f64> {
    let z = two_sided_z(LEVEL / 2.0)?;
    Ok(
        (row.extrapolated_error.abs() / (z * row.standard_deviation + remainder[0])).max(
            row.zero_mode_extrapolated_error.abs()
                / (z * row.zero_mode_standard_deviation + remainder[1]),
        ),
    )
}

/// The horizon on samples: the time the zero mode's excess variance needs to fall to a fixed
/// level, measured on noised data fields (R6.3, R6.8).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SampledHorizonRow {
    /// Side L.
    pub l: usize,
    /// The closed-form horizon T(L) for a total prior KL of 10⁻² (R6.3).
    pub horizon: f64,
    /// The time t_m = max(T(L) − 1, 0) at which the fields were noised.
    pub t_measured: f64,
    /// Measured zero-mode excess P̂₀(t_m) − 1 of M noised fields, P̂₀ = ⟨(Σ_x x)²⟩/V.
    pub excess: f64,
    /// T̂ = t_m + ½ ln(excess/δ₀), δ₀ = [`HORIZON_EXCESS`]: the OU decay e^{−2t} of the
    /// excess (R2.1) carried to the level δ₀.
    pub horizon_estimate: f64,
    /// Standard deviation of T̂: ½ P̂₀ √(2/M)/excess (χ²_M).
    pub standard_deviation: f64,
    /// Fields M.
    pub samples: usize,
}

/// The zero-mode excess δ₀ defining the sampled horizon (any fixed value: it cancels in the
/// slope of T̂ against ln L).
pub const HORIZON_EXCESS: f64 = 0.2;

/// Fields per side in the sampled horizon: σ(T̂) ≈ 1.2/√M = 8.3·10⁻³ per side.
pub const HORIZON_SAMPLES: usize = 20_000;

/// Draws M data fields of the large-n model at β_c(d) per side, noises them in real space to
/// t_m = T(L) − 1 (x_t = e^{−t}x₀ + √(1 − e^{−2t}) ξ, ξ white), and measures the zero-mode
/// excess (R6.3, R6.8). Only the sums Σ_x x_t are kept, so memory stays O(V).
pub fn sampled_horizon_rows(
    d: usize,
    sides: &[usize],
    samples: usize,
    seed: u64,
) -> Result<Vec<SampledHorizonRow>> {
    use crate::sampling::{split_rngs, FieldSampler};
    use crate::theory::generation::horizon_for_kl;
    use rand_distr::{Distribution, StandardNormal};
    use rayon::prelude::*;
    sides
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let lattice = Lattice::new(d, l)?;
            let field = GaussianField::large_n_critical(lattice)?;
            let horizon = horizon_for_kl(field.spectrum(), 1e-2)?;
            let t = (horizon - 1.0).max(0.0);
            let (a, s) = ((-t).exp(), (-(-2.0 * t).exp_m1()).sqrt());
            let sampler = FieldSampler::new(field.spectrum())?;
            // fields run in parallel; their squares are added in field order afterwards (a
            // parallel sum's order depends on scheduling, and so would its last digits)
            let squares: Vec<f64> = split_rngs(&mut seeded_rng(seed + i as u64), samples)
                .into_par_iter()
                .map(|mut r| {
                    let x = sampler.sample(&mut r);
                    let sum: f64 = x
                        .iter()
                        .map(|&v| {
                            let xi: f64 = StandardNormal.sample(&mut r);
                            a * v + s * xi
                        })
                        .sum();
                    sum * sum
                })
                .collect();
            let sum_sq: f64 = squares.iter().sum();
            let p0 = sum_sq / (samples * lattice.volume()) as f64;
            let excess = p0 - 1.0;
            Ok(SampledHorizonRow {
                l,
                horizon,
                t_measured: t,
                excess,
                horizon_estimate: t + 0.5 * (excess / HORIZON_EXCESS).ln(),
                standard_deviation: 0.5 * p0 * (2.0 / samples as f64).sqrt() / excess,
                samples,
            })
        })
        .collect()
}

/// Slope of T̂ against ln L (least squares) and its standard deviation from the rows'
/// independent errors, √(Σ (x − x̄)² σ²)/Σ (x − x̄)² (R6.3).
pub fn sampled_horizon_slope(rows: &[SampledHorizonRow]) -> Result<(f64, f64)> {
    let x: Vec<f64> = rows.iter().map(|r| (r.l as f64).ln()).collect();
    let y: Vec<f64> = rows.iter().map(|r| r.horizon_estimate).collect();
    let slope = crate::fit::line(&x, &y)?.slope;
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let sxx: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    let var: f64 = x
        .iter()
        .zip(rows)
        .map(|(v, r)| (v - mean).powi(2) * r.standard_deviation.powi(2))
        .sum();
    Ok((slope, var.sqrt() / sxx))
}
