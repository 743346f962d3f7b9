//! Generation side by side: closed-form generated errors of partially trained networks over L
//! and step budgets (R6.6, R6.8), the diffusion horizon (R6.3), continuous-time exactness
//! (R6.2, R6.3) and the Girsanov bound (R6.5).

use serde::Serialize;

use crate::data::GaussianField;
use crate::diffusion::forward::spectrum_at;
use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::Sampler;
use crate::divergence::{kl_divergence, wasserstein2_squared};
use crate::error::Result;
use crate::lattice::Lattice;
use crate::model::Protocol;
use crate::symbol::Symbol;
use crate::theory::generation::{
    continuous_generated_variance, generated_spectrum, horizon_for_kl, trained_score_symbols,
};

/// How the training budget N (steps per grid time) of a generation row was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Budget {
    /// The same N at every L.
    Fixed {
        /// N.
        steps: usize,
    },
    /// N = round(x κ(t_1)): the one-layer slowing down's natural unit.
    KappaProportional {
        /// x = N/κ.
        fraction: f64,
    },
    /// N = ⌈a + ln L / ln(1 + 2η)⌉: the two-layer logarithmic budget (R4.4).
    Logarithmic {
        /// The offset a.
        offset: f64,
    },
}

impl Budget {
    /// N at side L, with κ(t_1) and the depth-2 learning rate η₂.
    pub fn steps(&self, l: usize, kappa: f64, eta2: f64) -> usize {
        match *self {
            Budget::Fixed { steps } => steps,
            Budget::KappaProportional { fraction } => (fraction * kappa).round() as usize,
            Budget::Logarithmic { offset } => {
                (offset + (l as f64).ln() / (1.0 + 2.0 * eta2).ln()).ceil() as usize
            }
        }
    }

    /// The rule's name as it appears in tables: `fixed`, `kappa-proportional`, `logarithmic`.
    pub fn name(&self) -> &'static str {
        match self {
            Budget::Fixed { .. } => "fixed",
            Budget::KappaProportional { .. } => "kappa-proportional",
            Budget::Logarithmic { .. } => "logarithmic",
        }
    }
}

/// One row of the generation tables: a network trained N steps per grid time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenerationRow {
    /// Side L.
    pub l: usize,
    /// Depth D.
    pub depth: usize,
    /// How N was chosen: `fixed`, `kappa-proportional` or `logarithmic`.
    pub budget_rule: &'static str,
    /// Steps N of training per grid time.
    pub budget: usize,
    /// κ(t_1) at the smallest diffusion time whose score the sampler uses.
    pub kappa: f64,
    /// N/κ(t_1).
    pub budget_over_kappa: f64,
    /// KL(p_data ‖ p_gen) per site, p_data the noised data at t_0.
    pub kl_data_gen_per_site: f64,
    /// KL(p_gen ‖ p_data) per site.
    pub kl_gen_data_per_site: f64,
    /// W2²/V.
    pub w2_squared_per_site: f64,
}

/// The sampling set-up of the generation tables.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenerationSetup {
    /// Dimension d (≥ 3, at β_c).
    pub d: usize,
    /// Smallest grid time t_0 > 0 (the target is C_k(t_0)).
    pub t_min: f64,
    /// Horizon T.
    pub horizon: f64,
    /// Geometric grid steps.
    pub grid_steps: usize,
    /// Sampler.
    pub sampler: Sampler,
    /// Learning-rate fraction and ε (depth set per row).
    pub protocol: Protocol,
}

impl Default for GenerationSetup {
    fn default() -> Self {
        Self {
            d: 3,
            t_min: 1e-3,
            horizon: 8.0,
            grid_steps: 40,
            sampler: Sampler::SdeExponential,
            protocol: Protocol::default(),
        }
    }
}

/// One generation row before any divergence: the grid, the target C_k(t_0), the closed-form
/// trained score symbols per grid time and the generated spectrum they give (R6.6, R6.8).
#[derive(Debug, Clone)]
pub struct GenerationPlan {
    /// Side L.
    pub l: usize,
    /// The geometric time grid of the set-up.
    pub grid: TimeGrid,
    /// The noised data spectrum C_k(t_0) at the first grid time (the target).
    pub target: Symbol,
    /// Score symbols −v_N per grid time of networks trained N steps (population closed form).
    pub scores: Vec<Symbol>,
    /// The closed-form generated spectrum P_k at t_0.
    pub generated: Symbol,
    /// N.
    pub budget: usize,
    /// κ(t_1).
    pub kappa: f64,
}

/// The closed-form generation of depth-D networks trained with `budget` steps per grid time at
/// β_c, side `l` (R6.6, R6.8): what [`generation_rows`] tabulates and the sampled studies draw
/// fields from.
pub fn generation_plan(
    setup: &GenerationSetup,
    l: usize,
    depth: usize,
    budget: Budget,
) -> Result<GenerationPlan> {
    let grid = TimeGrid::geometric(setup.t_min, setup.horizon, setup.grid_steps)?;
    let protocol = setup.protocol.with_depth(depth)?;
    let field = GaussianField::large_n_critical(Lattice::new(setup.d, l)?)?;
    let target = spectrum_at(field.spectrum(), setup.t_min)?;
    let at_t1 = spectrum_at(field.spectrum(), grid.times()[1])?;
    let kappa = at_t1.condition_number();
    let eta2 = setup.protocol.with_depth(2)?.learning_rate(&at_t1);
    let n = budget.steps(l, kappa, eta2);
    let scores = trained_score_symbols(field.spectrum(), &grid, &protocol, n)?;
    let generated = generated_spectrum(setup.sampler, &grid, &scores)?;
    Ok(GenerationPlan {
        l,
        grid,
        target,
        scores,
        generated,
        budget: n,
        kappa,
    })
}

/// Closed-form generated errors of depth-D networks trained with `budget` steps per grid time at
/// β_c (R6.6, R6.8).
pub fn generation_rows(
    setup: &GenerationSetup,
    sides: &[usize],
    depth: usize,
    budget: Budget,
) -> Result<Vec<GenerationRow>> {
    let mut rows = Vec::new();
    for &l in sides {
        let plan = generation_plan(setup, l, depth, budget)?;
        let (p, target) = (&plan.generated, &plan.target);
        let v = (l as f64).powi(setup.d as i32);
        rows.push(GenerationRow {
            l,
            depth,
            budget_rule: budget.name(),
            budget: plan.budget,
            kappa: plan.kappa,
            budget_over_kappa: plan.budget as f64 / plan.kappa,
            kl_data_gen_per_site: kl_divergence(target, p)? / v,
            kl_gen_data_per_site: kl_divergence(p, target)? / v,
            w2_squared_per_site: wasserstein2_squared(p, target)? / v,
        });
    }
    Ok(rows)
}

/// The horizon at which the prior mismatch falls to a given KL.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HorizonRow {
    /// Side L.
    pub l: usize,
    /// Horizon T with KL(p_T ‖ N(0, I)) = δ (total over modes).
    pub horizon: f64,
    /// T − ln L (tends to a constant, R6.3).
    pub horizon_minus_ln_l: f64,
}

/// Horizon T(L) at which the prior mismatch KL(p_T ‖ N(0, I)) (total) falls to δ (R6.3, R6.8).
pub fn horizon_rows(d: usize, sides: &[usize], delta: f64) -> Result<Vec<HorizonRow>> {
    sides
        .iter()
        .map(|&l| {
            let field = GaussianField::large_n_critical(Lattice::new(d, l)?)?;
            let horizon = horizon_for_kl(field.spectrum(), delta)?;
            Ok(HorizonRow {
                l,
                horizon,
                horizon_minus_ln_l: horizon - (l as f64).ln(),
            })
        })
        .collect()
}

/// Largest relative error of the continuous-time generated variance with the exact score and
/// the exact prior, over data variances `c0s` (R6.2): the variance ODE integrated on 20 000 and
/// 40 000 steps and Richardson-extrapolated (the integrator's error is O(h²)).
pub fn continuous_time_exactness(c0s: &[f64], horizon: f64) -> f64 {
    c0s.iter()
        .map(|&c0| {
            let ct = move |t: f64| (-2.0 * t).exp() * c0 + 1.0 - (-2.0 * t).exp();
            let run =
                |n| continuous_generated_variance(false, |t| -1.0 / ct(t), horizon, ct(horizon), n);
            let p = (4.0 * run(40_000) - run(20_000)) / 3.0;
            (p / c0 - 1.0).abs()
        })
        .fold(0.0, f64::max)
}

/// Smallest relative slack (bound − KL)/bound of the Girsanov bound (R6.5) over `scores`
/// deterministic time-dependent linear scores w_k(t) = −(1 + a_s sin(1 + k) e^{−t})/C_k(t),
/// a_s = 0.1(s − 3.5) ([`crate::study::sampled_continuous::girsanov_score`]), on the massive
/// d = 2, L = 4 model at β = 0.4, horizon 2, 2000 steps.
pub fn girsanov_slack(scores: u32) -> Result<f64> {
    use crate::study::sampled_continuous::{
        girsanov_amplitude, girsanov_closed_form, girsanov_data,
    };
    let data = girsanov_data()?;
    let mut slack = f64::INFINITY;
    for s in 0..scores {
        let (bound, kl, _) = girsanov_closed_form(data.spectrum(), girsanov_amplitude(s))?;
        slack = slack.min((bound - kl) / bound);
    }
    Ok(slack)
}

/// One-layer generation rows of C17, C18 at every side (R6.6, R6.8): the fixed budgets
/// N = 50, 200, 1000, then the κ-proportional budgets N = fκ, f = 0.02, 0.1, 0.3, 1.
pub fn one_layer_budget_rows(
    setup: &GenerationSetup,
    sides: &[usize],
) -> Result<Vec<GenerationRow>> {
    let fixed = [50usize, 200, 1000].map(|steps| Budget::Fixed { steps });
    let proportional = [0.02, 0.1, 0.3, 1.0].map(|fraction| Budget::KappaProportional { fraction });
    let mut rows = Vec::new();
    for budget in fixed.into_iter().chain(proportional) {
        rows.extend(generation_rows(setup, sides, 1, budget)?);
    }
    Ok(rows)
}

/// Two-layer generation rows of C19 at every side with the logarithmic budget
/// N = ⌈2 + ln L/ln(1 + 2η)⌉ (R6.6, R4.4).
pub fn two_layer_budget_rows(
    setup: &GenerationSetup,
    sides: &[usize],
) -> Result<Vec<GenerationRow>> {
    generation_rows(setup, sides, 2, Budget::Logarithmic { offset: 2.0 })
}
