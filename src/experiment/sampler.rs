//! Samplers on real-space fields (spec section 6): start from prior fields N(0, I) at T and
//! step down the grid with the score frozen on each step (R6.1).
//!
//! The score enters through its Fourier symbol (a linear translation-invariant score is a
//! convolution): each step applies y ↦ F⁻¹[m_k ŷ_k + √q_k ξ̂_k] with ξ fresh real white noise.
//! The fields stay in Fourier representation between steps and are transformed back at the
//! end. Nothing here evaluates a closed form: the scores are given as symbols by the caller.

use ndarray::{ArrayD, Zip};
use num_complex::Complex;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::diffusion::grid::TimeGrid;
use crate::diffusion::reverse::{step_coefficients, Sampler};
use crate::error::{Error, Result};
use crate::experiment::network::ConvNet;
use crate::fourier::RealFft;
use crate::lattice::Lattice;
use crate::sampling::{split_rngs, SeededRng};
use crate::symbol::Symbol;

/// A linear score model on a time grid: its score symbol w_k at each grid time.
pub trait ScoreModel {
    /// The lattice.
    fn lattice(&self) -> Lattice;
    /// Score symbol w_k at grid time t_j, half-spectrum layout (s(x) = F⁻¹[w_k x̂_k]).
    fn score_symbol(&self, j: usize) -> Result<ArrayD<Complex<f64>>>;
}

/// Scores given as real symbols per grid time (the exact score, or symbols supplied by the
/// caller).
#[derive(Debug, Clone)]
pub struct SymbolScores(pub Vec<Symbol>);

impl ScoreModel for SymbolScores {
    fn lattice(&self) -> Lattice {
        self.0[0].lattice()
    }
    fn score_symbol(&self, j: usize) -> Result<ArrayD<Complex<f64>>> {
        let s = self
            .0
            .get(j)
            .ok_or(Error::Mismatch(format!("no score at grid index {j}")))?;
        Ok(s.to_half().mapv(|w| Complex::new(w, 0.0)))
    }
}

/// Trained networks, one per grid time: score symbol −v_k.
#[derive(Debug, Clone)]
pub struct NetworkScores(pub Vec<ConvNet>);

impl ScoreModel for NetworkScores {
    fn lattice(&self) -> Lattice {
        self.0[0].lattice()
    }
    fn score_symbol(&self, j: usize) -> Result<ArrayD<Complex<f64>>> {
        let n = self
            .0
            .get(j)
            .ok_or(Error::Mismatch(format!("no network at grid index {j}")))?;
        Ok(-n.symbol())
    }
}

/// Scores given as complex symbols per grid time in half-spectrum layout (e.g. the empirical
/// optimum −T_k/Ĉ_k(t) a full one-layer network reaches on a fixed data set).
#[derive(Debug, Clone)]
pub struct HalfSymbolScores {
    /// The lattice.
    pub lattice: Lattice,
    /// Score symbol w_k at each grid time, half-spectrum layout.
    pub symbols: Vec<ArrayD<Complex<f64>>>,
}

impl ScoreModel for HalfSymbolScores {
    fn lattice(&self) -> Lattice {
        self.lattice
    }
    fn score_symbol(&self, j: usize) -> Result<ArrayD<Complex<f64>>> {
        self.symbols
            .get(j)
            .cloned()
            .ok_or(Error::Mismatch(format!("no score at grid index {j}")))
    }
}

fn white_noise_hat(fft: &RealFft, rng: &mut SeededRng) -> ArrayD<Complex<f64>> {
    let w = ArrayD::from_shape_simple_fn(fft.lattice().shape(), || StandardNormal.sample(rng));
    fft.forward(&w).expect("noise has the lattice shape")
}

/// Draws `m` fields with `sampler` on `grid` using `score` (symbols at t_1 … t_N are used).
/// The fields are generated in parallel (rayon), field i with its own generator seeded from
/// the i-th `u64` of `rng` ([`split_rngs`]), so they are the same whatever the number of
/// threads.
pub fn generate(
    sampler: Sampler,
    grid: &TimeGrid,
    score: &dyn ScoreModel,
    m: usize,
    rng: &mut SeededRng,
) -> Result<Vec<ArrayD<f64>>> {
    let lattice = score.lattice();
    let fft = RealFft::new(lattice);
    let t = grid.times();
    // per-step coefficients, computed once for all fields: (m_k, √q_k), steps N−1 … 0
    let mut coefficients = Vec::with_capacity(grid.steps());
    for j in (0..grid.steps()).rev() {
        let h = t[j + 1] - t[j];
        let w = score.score_symbol(j + 1)?;
        let mut mean = ArrayD::<Complex<f64>>::zeros(w.raw_dim());
        let mut amp = ArrayD::<f64>::zeros(w.raw_dim());
        Zip::from(&mut mean)
            .and(&mut amp)
            .and(&w)
            .for_each(|mk, ak, &wk| {
                let (mm, q) = step_coefficients(sampler, wk, h);
                *mk = mm;
                *ak = q.max(0.0).sqrt();
            });
        coefficients.push((mean, amp));
    }
    let stochastic = sampler != Sampler::OdeExponential;
    split_rngs(rng, m)
        .into_par_iter()
        .map(|mut r| {
            let mut y = white_noise_hat(&fft, &mut r);
            let mut xi = ArrayD::<Complex<f64>>::zeros(y.raw_dim());
            let mut w = ArrayD::<f64>::zeros(lattice.shape());
            for (mean, amp) in &coefficients {
                y *= mean;
                if stochastic {
                    w.mapv_inplace(|_| StandardNormal.sample(&mut r));
                    fft.forward_into(&w, &mut xi)?;
                    Zip::from(&mut y)
                        .and(&xi)
                        .and(amp)
                        .for_each(|yk, &xk, &ak| *yk += xk * ak);
                }
            }
            fft.inverse_owned(y)
        })
        .collect()
}
