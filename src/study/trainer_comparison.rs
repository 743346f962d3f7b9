//! The trainer on sampled fields step by step against the closed form on the data's own
//! statistics (C8: R3.2, R4.2) and the slowest mode's contraction against the population rate
//! (C9: R3.4), with the symbol trajectories the report draws.

use ndarray::{ArrayD, Dimension, IxDyn};
use num_complex::Complex;
use serde::Serialize;

use crate::error::Result;
use crate::experiment::estimate::chi_square_ratio_interval;
use crate::experiment::trainer::{FullBatchGd, StoppingRule};
use crate::experiment::ConvNet;
use crate::model::{LayerKind, Protocol};
use crate::study::training::{SampledProblem, SampledSetup};
use crate::theory::empirical;

/// One point of a symbol trajectory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrajectoryPoint {
    /// Step n.
    pub step: u64,
    /// Re v_k(n) learned by the trainer on sampled fields.
    pub trainer: f64,
    /// Re v_k(n) of the closed form on the data's statistics.
    pub closed_form: f64,
}

/// The trajectory of one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trajectory {
    /// Depth D.
    pub depth: usize,
    /// Which mode: `k = 0` or `slowest` (smallest Ĉ_k).
    pub mode: String,
    /// The points.
    pub points: Vec<TrajectoryPoint>,
}

/// Trainer symbols against the empirical closed form (C8) and the slowest mode's contraction
/// against the population rate (C9).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainerComparison {
    /// Side L and diffusion time t.
    pub l: usize,
    /// Diffusion time.
    pub t: f64,
    /// Steps compared.
    pub steps: u64,
    /// Largest |v_trainer − v_closed| / |T/Ĉ| over modes, steps and D = 1, 2.
    pub worst_relative_deviation: f64,
    /// Measured per-step contraction of the slowest mode's error (D = 1) over 1 − 2η C_min(t).
    pub contraction_ratio: f64,
    /// Tolerance of that ratio from the χ² interval of Ĉ_min (level 1e-6, Bonferroni).
    pub contraction_tolerance: f64,
    /// Trajectories of k = 0 and of the slowest mode, D = 1, 2.
    pub trajectories: Vec<Trajectory>,
}

/// Runs full-batch GD for `steps` steps on M fields at L = `l` (D = 1 and 2) and compares
/// every logged symbol with the closed form on the data's statistics (R3.2, R4.2) and the
/// slowest mode's contraction with the population rate (R3.4).
pub fn compare_trainer_with_closed_form(
    setup: &SampledSetup,
    l: usize,
    steps: u64,
) -> Result<TrainerComparison> {
    let (d, samples, t, protocol) = (setup.d, setup.samples, setup.t, setup.protocol);
    let problem = SampledProblem::draw(d, l, samples, t, setup.seed)?;
    let mut out = TrainerComparison {
        l,
        t,
        steps,
        worst_relative_deviation: 0.0,
        contraction_ratio: f64::NAN,
        contraction_tolerance: f64::NAN,
        trajectories: Vec::new(),
    };
    for depth_n in [1usize, 2] {
        let run = run_logged(&problem, protocol.with_depth(depth_n)?, steps)?;
        let slowest = slowest_mode(&problem.stats.c_hat);
        out.worst_relative_deviation = out.worst_relative_deviation.max(run.worst(&problem));
        if depth_n == 1 {
            let (ratio, tolerance) = run.contraction(&problem, &slowest, samples)?;
            out.contraction_ratio = ratio;
            out.contraction_tolerance = tolerance;
        }
        for (name, idx) in [("k = 0", IxDyn(&vec![0; d])), ("slowest", slowest)] {
            out.trajectories
                .push(run.trajectory(&problem, depth_n, name, &idx));
        }
    }
    Ok(out)
}

/// The half-spectrum index of the smallest Ĉ_k.
fn slowest_mode(c_hat: &ArrayD<f64>) -> IxDyn {
    let (idx, _) = c_hat
        .indexed_iter()
        .fold(None, |best: Option<(IxDyn, f64)>, (i, &c)| match best {
            Some((_, b)) if b <= c => best,
            _ => Some((i, c)),
        })
        .expect("at least one mode");
    idx
}

/// A logged full-batch GD run of one depth.
struct LoggedRun {
    depth: usize,
    eta: f64,
    v0: f64,
    symbols: Vec<ArrayD<Complex<f64>>>,
}

fn run_logged(problem: &SampledProblem, p: Protocol, steps: u64) -> Result<LoggedRun> {
    let spec_t = &problem.spectrum_t;
    let (eta, v0) = (p.learning_rate(spec_t), p.initial_symbol(spec_t));
    let mut net = ConvNet::balanced(spec_t.lattice(), &vec![LayerKind::Full; p.depth], v0)?;
    let mut gd = FullBatchGd::new(eta, steps)?;
    gd.log_every = 1;
    gd.keep_symbols = true;
    let log = gd.train(&mut net, &problem.batch, &StoppingRule::Never)?;
    let symbols = log.logged.into_iter().filter_map(|s| s.symbol).collect();
    Ok(LoggedRun {
        depth: p.depth,
        eta,
        v0,
        symbols,
    })
}

impl LoggedRun {
    fn closed(&self, problem: &SampledProblem, idx: &IxDyn) -> Vec<Complex<f64>> {
        let (c, tk) = (problem.stats.c_hat[idx], problem.stats.target()[idx]);
        let n = self.symbols.len().saturating_sub(1);
        empirical::trajectory(self.depth, c, tk, self.eta, self.v0, n)
    }

    fn worst(&self, problem: &SampledProblem) -> f64 {
        let target = problem.stats.target();
        let mut worst: f64 = 0.0;
        for (idx, &c) in problem.stats.c_hat.indexed_iter() {
            let scale = (target[&idx] / c).norm();
            for (s, want) in self.symbols.iter().zip(self.closed(problem, &idx)) {
                worst = worst.max((s[&idx] - want).norm() / scale);
            }
        }
        worst
    }

    /// Measured contraction of the slowest mode's error over the population rate, and its
    /// tolerance from the χ² interval of Ĉ for that mode (level 1e-6, Bonferroni over modes).
    fn contraction(&self, problem: &SampledProblem, idx: &IxDyn, m: usize) -> Result<(f64, f64)> {
        let optimum = problem.stats.optimum()[idx];
        let n = self.symbols.len() - 1;
        let e = |k: usize| (self.symbols[k][idx] - optimum).norm();
        let measured = (e(n) / e(0)).powf(1.0 / n as f64);
        let c_pop = problem.spectrum_t.to_half()[idx];
        let predicted = 1.0 - 2.0 * self.eta * c_pop;
        let lattice = problem.spectrum_t.lattice();
        let l = lattice.side();
        let self_conjugate = idx.slice().iter().all(|&n| (l - n) % l == n);
        let dof = if self_conjugate { m } else { 2 * m } as f64;
        let level = 1e-6 / problem.stats.c_hat.len() as f64;
        let iv = chi_square_ratio_interval(dof, level)?;
        let half_width = (1.0 / iv.lo - 1.0).max(1.0 - 1.0 / iv.hi);
        Ok((
            measured / predicted,
            half_width * 2.0 * self.eta * c_pop / predicted,
        ))
    }

    fn trajectory(
        &self,
        problem: &SampledProblem,
        depth: usize,
        name: &str,
        idx: &IxDyn,
    ) -> Trajectory {
        let points = self
            .symbols
            .iter()
            .zip(self.closed(problem, idx))
            .enumerate()
            .map(|(n, (s, w))| TrajectoryPoint {
                step: n as u64,
                trainer: s[idx].re,
                closed_form: w.re,
            })
            .collect();
        Trajectory {
            depth,
            mode: name.to_string(),
            points,
        }
    }
}
