//! Claims on a nonlinear, time-conditioned network (C60–C64, derivations/11): the framework
//! network tied to the linear trainer, what its training time does with L, what it
//! generates from 2D Ising data, the sampler's own check on those data, and at which diffusion
//! times the network's error lies.

use super::{exponent, judged, judged_apart, Claim};
use crate::claims::{Check, Evaluation, Studies, StudyId as S};
use crate::error::Result;
use crate::theory::network::massive_free_condition_number;

/// The network claims (C60–C64), in report order.
pub const CLAIMS: &[Claim] = &[
    Claim {
        spec: spec!("C60", "code cross-check: with the identity activation the framework's network is the linear network of §4", ["R11.4"], ["tests/network/score.rs"],
            "none: the crate's hand-differentiated two-layer trainer (whose trajectory is the closed form on its data, C8) is the reference",
            "largest deviation of the burn network's kernels (identity activation, no time input, full kernels, width 1, f64) from the linear trainer's over 40 full-batch GD steps from the same random start on the same 12 fields, d = 2, L = 6, over the largest kernel entry",
            "the same sums in different orders (FFT against shifted products), f64 rounding ~1e-15 per step through a contracting step map: 1e-10. A code cross-check by construction (both sides minimise the same loss over relabelled parameters), not an independent measurement",
            (none), (RelativeError, CrossCheck)),
        studies: &[S::Networks],
        evaluate: c60,
    },
    Claim {
        spec: spec!("C61", "a nonlinear network's relative-excess training time grows at least one power of L slower than κ", ["R11.1", "R11.2", "R11.3"], ["tests/network/study.rs"],
            "exponent of κ = 1 + 8L²/c between the first and last [network] sides (one-layer linear GD: T₁ ∝ κ, R3.3)",
            "largest exponent of the mean training time (first step from which the held-out relative excess stays ≤ ε for 3 checkpoints; SiLU residual network trained by Adam on fresh fields) between the first and last sides consistent with the checkpoint spacing δ: ln((T_last + δ)/(T_first − δ)) / ln(L_last/L_first)",
            "analytic: κ's exponent is 2 less the +1's share, ≥ 1.97 at L ≥ 6: 2 ± 0.05; numeric: ≤ κ's exponent − 1. The training time is known only to one checkpoint spacing, so the numeric value is the steepest growth the measured times allow; with 2–3 seeds the seeds' spread is reported (network.csv) but carries no calibrated level. Measured on L = 6…16, 3 seeds: p = −0.22 ± 0.13, no growth at all",
            (Exponent, ClosedForm), (Exponent, Measurement)),
        studies: &[S::Networks],
        evaluate: c61,
    },
    Claim {
        spec: spec!("C62", "a nonlinear network trained on 2D Ising data at K_c generates non-Gaussian fields", ["R11.6", "R8.3"], ["tests/network_ising.rs"],
            "none: any linear score generates a Gaussian, whose Binder cumulant is 0 (R8.3); the data's is ≈ 0.61",
            "U/σ of the Binder cumulant of the fields generated (reverse SDE, Euler–Maruyama, then one Tweedie step) by a SiLU residual network with a time embedding, trained by Adam on the crate's Wolff configurations at K_c ([network_ising]); σ the jackknife error. network_ising.csv gives U against training steps, and the report the first checkpoint within 2σ of the data's U",
            "≥ 5 standard errors: one-sided level 2.9·10⁻⁷ for a normal z; the estimator's bias on Gaussian fields, 2/N (5·10⁻³ at N = 400, where σ ≈ 0.08; R11.6), is < σ/10. Quick (L = 6, 600 steps): 23σ, U = 0.42 against the data's 0.62: non-Gaussian, not yet the data's",
            (none), (StandardErrors, Measurement)),
        studies: &[S::NetworkIsing],
        evaluate: c62,
    },
    Claim {
        spec: spec!("C63", "the sampler run with the exact score of the Ising training set reproduces its Binder cumulant", ["R11.8"], ["tests/network_ising.rs"],
            "none: the training set's own Binder cumulant U_set is the reference (the sampler, run with the set's exact score, draws from the set)",
            "(U_sampled − U_set)/σ: U_sampled the Binder cumulant of network_ising.sampler_check fields generated on the [network_ising] grid (reverse SDE, Euler–Maruyama, one Tweedie step) with the exact score of the empirical distribution of the training configurations (R11.8), σ its jackknife error",
            "|z| ≤ 4.9: two-sided level 10⁻⁶ for a normal z (U_set is exact for the set, which is what is sampled, so σ is the sampled fields' error alone). No grid allowance: at L = 8 a 400-step grid moves U by 0.0011 ± 0.0045 from the 100-step one. It separates the sampler's error from the network's (C62): a sampler bias of (4.9 + 2.3)σ ≈ 0.025 at L = 8 is caught with power 0.99, a sixth of the network's gap to the data. Measured: L = 8, 1 000 fields, z = −1.2; quick (L = 6, 400 fields, 60 steps), z = +0.4",
            (none), (StandardErrors, Measurement)),
        studies: &[S::NetworkIsing],
        evaluate: c63,
    },
    Claim {
        spec: spec!("C64", "below diffusion time 0.1 the Ising network's score generates the data as well as the exact score: its error lies at larger times", ["R11.8", "R11.9"], ["tests/network_ising.rs"],
            "none: the fields generated with the training set's exact score at every time (C63's) are the reference",
            "(U_h − U_exact)/√(σ_h² + σ_exact²): U_h the Binder cumulant of network_ising.sampler_check fields generated on the [network_ising] grid with the trained network's score at t ≤ t_h and the set's exact score (R11.8) above, at the smallest handover time t_h (0.1 by default; network_ising_handover.csv has every t_h), U_exact C63's; both with jackknife errors, independent generator streams",
            "|z| ≤ 4.9: two-sided level 10⁻⁶ for a normal z; no grid allowance, both runs use one grid. Power: were the network's deficit at t ≤ t_h, U_h would sit at the network's own U, 0.15 below the data at L = 8 (z ≈ 25); a small-t share of (4.9 + 2.3)·0.0051 ≈ 0.037 of it, a quarter, is caught with power 0.99. Measured: L = 4, 6 (quick), 8: z = −0.7, −2.1, +0.6, while handing over at t_h = 1.6 leaves U 0.04, 0.25, 0.20 below the exact score's: the error that matters lies at 0.1 < t < 1.6",
            (none), (StandardErrors, Measurement)),
        studies: &[S::NetworkIsing],
        evaluate: c64,
    },
];

fn c60(s: &Studies) -> Result<Evaluation> {
    judged(
        None,
        Some(s.networks()?.identity_deviation),
        Check::AtMost { limit: 1e-10 },
    )
}

fn c61(s: &Studies) -> Result<Evaluation> {
    let n = s.networks()?;
    let (first, last) = (
        &n.scaling.rows[0],
        &n.scaling.rows[n.scaling.rows.len() - 1],
    );
    let (l0, l1) = (first.l as f64, last.l as f64);
    let kappa = |l: usize| massive_free_condition_number(2, l, 4.0);
    let p_kappa = exponent(&[l0, l1], &[kappa(first.l), kappa(last.l)])?;
    let delta = n.checkpoint as f64;
    let steepest = match (first.steps, last.steps) {
        (Some(t0), Some(t1)) => Some(((t1 + delta) / (t0 - delta).max(1.0)).ln() / (l1 / l0).ln()),
        _ => None,
    };
    judged_apart(
        (
            Some(p_kappa),
            Check::Within {
                expected: 2.0,
                tolerance: 0.05,
            },
        ),
        (
            steepest,
            Check::AtMost {
                limit: p_kappa - 1.0,
            },
        ),
    )
}

fn c62(s: &Studies) -> Result<Evaluation> {
    let u = s.network_ising()?.generated.binder;
    judged(None, Some(u.mean / u.error), Check::AtLeast { limit: 5.0 })
}

fn c63(s: &Studies) -> Result<Evaluation> {
    let r = s.network_ising()?;
    let z = r
        .sampler_check
        .map(|u| (u.binder.mean - r.data.binder.mean) / u.binder.error);
    judged(
        None,
        z,
        Check::Within {
            expected: 0.0,
            tolerance: 4.9,
        },
    )
}

fn c64(s: &Studies) -> Result<Evaluation> {
    let r = s.network_ising()?;
    let z = match (r.handover.first(), r.sampler_check) {
        (Some(h), Some(exact)) => {
            Some((h.binder - exact.binder.mean) / h.binder_error.hypot(exact.binder.error))
        }
        _ => None,
    };
    judged(
        None,
        z,
        Check::Within {
            expected: 0.0,
            tolerance: 4.9,
        },
    )
}
