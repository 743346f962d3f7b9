//! Fields generated with a score: the reverse-time Ornstein–Uhlenbeck SDE
//! dx = [x + 2 s(x, t)] dt + √2 dB̄ integrated by Euler–Maruyama from the prior N(0, I) at
//! the grid's last time down to its first, then one Tweedie step to t = 0,
//! x̂_0 = (x + σ_t² s(x, t)) / α_t. Real space; the score is a network's own
//! ([`generate`]) or any other, such as the exact score of a finite set of fields
//! ([`EmpiricalScore`], the sampler's check on non-Gaussian data). No closed form.

use crate::experiment::score_network::NetworkBackend;
use ndarray::{Array1, Array2, ArrayD};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::{fields_tensor, tensor_fields, ScoreNetwork};
use crate::diffusion::forward::{alpha, sigma2};
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::sampling::seeded_rng;

/// `count` fields generated with `net`'s score on the increasing time grid `times` (≥ 2
/// times, all > 0), in batches of `chunk` fields, from a generator seeded with `seed`.
pub fn generate<B: NetworkBackend>(
    net: &ScoreNetwork<B>,
    times: &[f64],
    count: usize,
    chunk: usize,
    seed: u64,
) -> Result<Vec<ArrayD<f64>>> {
    let device = B::Device::default();
    let score = |x: &[ArrayD<f64>], t: f64| network_score(net, x, t, &device);
    generate_with(net.lattice(), score, times, count, chunk, seed)
}

/// `count` fields on `lattice` generated with the score `score(x, t)` (one score field per
/// field of the batch x) on the increasing time grid `times`, in batches of `chunk` fields,
/// from a generator seeded with `seed`.
pub fn generate_with(
    lattice: Lattice,
    mut score: impl FnMut(&[ArrayD<f64>], f64) -> Result<Vec<ArrayD<f64>>>,
    times: &[f64],
    count: usize,
    chunk: usize,
    seed: u64,
) -> Result<Vec<ArrayD<f64>>> {
    if times.len() < 2 || times.windows(2).any(|w| !(w[0] > 0.0 && w[1] > w[0])) || chunk == 0 {
        return Err(Error::Invalid {
            name: "generation grid",
            value: format!("{} times, chunks of {chunk}", times.len()),
            requirement: "needs ≥ 2 increasing times > 0 and a chunk ≥ 1".into(),
        });
    }
    let mut rng = seeded_rng(seed);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let m = chunk.min(count - out.len());
        let mut x: Vec<ArrayD<f64>> = (0..m)
            .map(|_| {
                ArrayD::from_shape_simple_fn(lattice.shape(), || StandardNormal.sample(&mut rng))
            })
            .collect();
        for i in (1..times.len()).rev() {
            let (t, h) = (times[i], times[i] - times[i - 1]);
            let s = score(&x, t)?;
            let noise = (2.0 * h).sqrt();
            for (xi, si) in x.iter_mut().zip(&s) {
                ndarray::Zip::from(xi).and(si).for_each(|x, &s| {
                    let xi: f64 = StandardNormal.sample(&mut rng);
                    *x += h * (*x + 2.0 * s) + noise * xi;
                });
            }
        }
        let t0 = times[0];
        let (a, s2) = (alpha(t0)?, sigma2(t0)?);
        let s = score(&x, t0)?;
        for (xi, si) in x.iter_mut().zip(&s) {
            ndarray::Zip::from(xi)
                .and(si)
                .for_each(|x, &s| *x = (*x + s2 * s) / a);
        }
        out.extend(x);
    }
    Ok(out)
}

/// s_θ(x, t) of `net` for each field of `x` at one time t: the network's score on arrays, for
/// [`generate_with`] when it is combined with another score.
pub fn network_score<B: NetworkBackend>(
    net: &ScoreNetwork<B>,
    x: &[ArrayD<f64>],
    t: f64,
    device: &B::Device,
) -> Result<Vec<ArrayD<f64>>> {
    let lattice = net.lattice();
    let xs = fields_tensor::<B>(&x.iter().collect::<Vec<_>>(), lattice, device)?;
    tensor_fields(net.score(xs, &vec![t; x.len()])?, lattice)
}

/// The exact score of the noised empirical distribution of a finite set of fields c₁…c_N
/// (each with weight 1/N; R11.8): x_t = α_t c + σ_t z is a mixture of N Gaussians, so
/// s(x, t) = (α_t E[c | x] − x)/σ_t², E[c | x] = Σ_j w_j c_j with
/// w_j ∝ exp(−|x − α_t c_j|²/(2σ_t²)) (normalised by the log-sum-exp). It is the score a
/// network that memorised its training set would learn; the sampler run with it draws from
/// the set itself as the grid is refined, whatever the fields' distribution — the sampler's
/// check on non-Gaussian data such as Ising configurations.
///
/// With weights p_j (a discrete law, [`EmpiricalScore::weighted`]) the same holds with
/// w_j ∝ p_j exp(−|x − α_t c_j|²/(2σ_t²)): the exact score of any distribution on finitely
/// many fields, e.g. every Ising configuration of a small torus with its Boltzmann weight.
pub struct EmpiricalScore {
    /// The fields c_j as the rows of an N × V matrix.
    set: Array2<f64>,
    /// The fields' shape.
    shape: Vec<usize>,
    /// ln p_j + const of each field (0 for the empirical distribution).
    log_prior: Array1<f64>,
    /// |c_j|² of each field.
    norms: Array1<f64>,
}

/// Fields scored together by [`EmpiricalScore::score`]: one N-wide row of weights each, so a
/// block holds 16 N values, one block per rayon thread at a time.
pub const SCORE_BLOCK: usize = 16;

impl EmpiricalScore {
    /// The score of the empirical distribution of `fields` (at least one, all of one shape).
    pub fn new(fields: Vec<ArrayD<f64>>) -> Result<Self> {
        let Some(first) = fields.first() else {
            return Err(Error::Invalid {
                name: "empirical score",
                value: "no fields".into(),
                requirement: "needs at least one field".into(),
            });
        };
        let shape = first.shape().to_vec();
        if fields.iter().any(|f| f.shape() != shape) {
            return Err(Error::Mismatch(
                "fields of different shapes in one empirical distribution".into(),
            ));
        }
        let set = rows(&fields, first.len());
        let norms = set.rows().into_iter().map(|c| c.dot(&c)).collect();
        Ok(Self {
            log_prior: Array1::zeros(fields.len()),
            set,
            shape,
            norms,
        })
    }

    /// The score of the law p_j ∝ exp(`log_weights[j]`) on `fields` (one finite log weight per
    /// field; the normalisation is not needed).
    pub fn weighted(fields: Vec<ArrayD<f64>>, log_weights: Vec<f64>) -> Result<Self> {
        if log_weights.len() != fields.len() || log_weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::Invalid {
                name: "empirical score weights",
                value: format!("{} weights for {} fields", log_weights.len(), fields.len()),
                requirement: "one finite log weight per field".into(),
            });
        }
        let top = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        Ok(Self {
            log_prior: log_weights.iter().map(|w| w - top).collect(),
            ..Self::new(fields)?
        })
    }

    /// s(x, t) for each field of `x` (of the set's shape) at time t > 0. The weights use
    /// −|x − α c_j|²/(2σ²) = (α x·c_j − α²|c_j|²/2 − |x|²/2)/σ², whose last term is common to
    /// all j and dropped; the products x·c_j of a block of fields are one matrix product, and
    /// blocks run in parallel.
    pub fn score(&self, x: &[ArrayD<f64>], t: f64) -> Result<Vec<ArrayD<f64>>> {
        // at t = 0 the mixture's components are points and the score is not defined
        let (a, s2) = (alpha(t)?, sigma2(crate::error::positive("t", t)?)?);
        if let Some(bad) = x.iter().find(|x| x.shape() != self.shape) {
            return Err(Error::Mismatch(format!(
                "a field of shape {:?} for a set of shape {:?}",
                bad.shape(),
                self.shape
            )));
        }
        // ln p_j − α²|c_j|²/(2σ²): the part of each log weight that does not depend on x
        let offset = &self.log_prior - &(&self.norms * (0.5 * a * a / s2));
        let blocks: Vec<Vec<ArrayD<f64>>> = x
            .par_chunks(SCORE_BLOCK)
            .map(|block| self.score_block(block, a, s2, &offset))
            .collect::<Result<_>>()?;
        Ok(blocks.into_iter().flatten().collect())
    }

    fn score_block(
        &self,
        block: &[ArrayD<f64>],
        a: f64,
        s2: f64,
        offset: &Array1<f64>,
    ) -> Result<Vec<ArrayD<f64>>> {
        let xs = rows(block, self.set.ncols());
        let mut w = xs.dot(&self.set.t()) * (a / s2) + offset;
        for mut row in w.rows_mut() {
            let top = row.fold(f64::NEG_INFINITY, |m, &l| m.max(l));
            // weights that underflow to 0 add nothing
            row.mapv_inplace(|l| (l - top).exp());
            let total = row.sum();
            row /= total;
        }
        let scores = (w.dot(&self.set) * a - &xs) / s2;
        scores
            .rows()
            .into_iter()
            .map(|s| {
                ArrayD::from_shape_vec(self.shape.clone(), s.to_vec())
                    .map_err(|e| Error::Mismatch(e.to_string()))
            })
            .collect()
    }
}

/// Fields of `len` values each as the rows of a matrix (row-major order of each field).
fn rows(fields: &[ArrayD<f64>], len: usize) -> Array2<f64> {
    let mut m = Array2::zeros((fields.len(), len));
    for (mut row, f) in m.rows_mut().into_iter().zip(fields) {
        row.iter_mut().zip(f.iter()).for_each(|(r, &v)| *r = v);
    }
    m
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use ndarray::{arr1, ArrayD};

    use super::{generate_with, EmpiricalScore};
    use crate::diffusion::forward::{alpha, sigma2};
    use crate::lattice::Lattice;

    /// R11.8. One field c: x_t is the single Gaussian N(α c, σ²), score (α c − x)/σ². Two fields ±c
    /// of equal norm: E[c | x] = tanh(α x·c/σ²) c, by hand from the two weights.
    #[test]
    fn empirical_scores_of_one_and_two_fields() {
        let c = arr1(&[1.0, -1.0, 1.0]).into_dyn();
        let x = arr1(&[0.3, 0.1, -0.7]).into_dyn();
        let t = 0.4;
        let (a, s2) = (alpha(t).unwrap(), sigma2(t).unwrap());
        let one = EmpiricalScore::new(vec![c.clone()]).unwrap();
        let s = &one.score(std::slice::from_ref(&x), t).unwrap()[0];
        let want: ArrayD<f64> = (&c * a - &x) / s2;
        for (s, w) in s.iter().zip(&want) {
            assert_relative_eq!(*s, *w, max_relative = 1e-12);
        }
        let two = EmpiricalScore::new(vec![c.clone(), -&c]).unwrap();
        let s = &two.score(std::slice::from_ref(&x), t).unwrap()[0];
        let mean = &c * (a * (&x * &c).sum() / s2).tanh();
        let want: ArrayD<f64> = (mean * a - &x) / s2;
        for (s, w) in s.iter().zip(&want) {
            assert_relative_eq!(*s, *w, max_relative = 1e-12);
        }
        // weights p and 1 − p on ±c: E[c | x] = c tanh(α x·c/σ² + ½ ln(p/(1 − p))), half the
        // difference of the two log weights (a common shift of the log weights drops out)
        let p: f64 = 0.8;
        let weighted = EmpiricalScore::weighted(
            vec![c.clone(), -&c],
            vec![p.ln() + 3.0, (1.0 - p).ln() + 3.0],
        )
        .unwrap();
        let s = &weighted.score(std::slice::from_ref(&x), t).unwrap()[0];
        let odds = (p / (1.0 - p)).ln();
        let mean = &c * (a * (&x * &c).sum() / s2 + odds / 2.0).tanh();
        let want: ArrayD<f64> = (mean * a - &x) / s2;
        for (s, w) in s.iter().zip(&want) {
            assert_relative_eq!(*s, *w, max_relative = 1e-12);
        }
    }

    #[test]
    fn empirical_scores_refuse_empty_and_mixed_sets_bad_weights_and_times_not_above_0() {
        assert!(EmpiricalScore::new(vec![]).is_err());
        let (a, b) = (ArrayD::zeros(vec![3]), ArrayD::zeros(vec![4]));
        assert!(EmpiricalScore::new(vec![a.clone(), b.clone()]).is_err());
        let one = EmpiricalScore::new(vec![a.clone()]).unwrap();
        assert!(one.score(&[b], 0.5).is_err());
        for weights in [vec![], vec![0.0, 0.0], vec![f64::NAN], vec![f64::INFINITY]] {
            assert!(EmpiricalScore::weighted(vec![a.clone()], weights).is_err());
        }
        assert!(EmpiricalScore::weighted(vec![a.clone()], vec![-3.0]).is_ok());
        for t in [0.0, -1.0, f64::NAN] {
            assert!(one.score(std::slice::from_ref(&a), t).is_err(), "t = {t}");
        }
    }

    /// The grid and the chunk are checked before any field is drawn: each bad grid alone, and a
    /// chunk of 0 alone, is refused; a good one runs.
    #[test]
    fn generation_refuses_bad_grids_and_chunks() {
        let lattice = Lattice::new(1, 4).unwrap();
        let zero = |x: &[ArrayD<f64>], _: f64| Ok(x.iter().map(|f| f * 0.0).collect());
        for (times, chunk) in [
            (vec![0.1], 1),
            (vec![0.5, 0.1], 1),
            (vec![0.1, 0.1], 1),
            (vec![0.0, 0.5], 1),
            (vec![0.1, 0.5], 0),
        ] {
            let run = generate_with(lattice, zero, &times, 3, chunk, 1);
            assert!(run.is_err(), "{times:?}, chunk {chunk}");
        }
        let fields = generate_with(lattice, zero, &[0.1, 0.5], 3, 2, 1).unwrap();
        assert_eq!(fields.len(), 3);
        assert!(fields.iter().all(|f| f.shape() == [4]));
    }

    /// R11.8 at t = 0: with the exact score of one field c the Tweedie step returns
    /// (x + σ²(α c − x)/σ²)/α = c whatever x the steps before it left.
    #[test]
    fn the_exact_score_of_one_field_generates_that_field() {
        let lattice = Lattice::new(1, 5).unwrap();
        let c = arr1(&[0.5, -1.0, 2.0, 0.0, 1.5]).into_dyn();
        let exact = EmpiricalScore::new(vec![c.clone()]).unwrap();
        let score = |x: &[ArrayD<f64>], t: f64| exact.score(x, t);
        for f in generate_with(lattice, score, &[0.05, 0.2, 1.0], 4, 3, 2).unwrap() {
            for (f, c) in f.iter().zip(&c) {
                assert!((f - c).abs() < 1e-12, "{f} against {c}");
            }
        }
    }

    /// The steps without the Tweedie projection: with the score −x of N(0, I) every site is
    /// independent, each Euler–Maruyama step maps the variance v ↦ (1 − h)² v + 2h from v = 1
    /// at the last time, and the Tweedie step multiplies the field by (1 − σ²)/α = α. The
    /// sample variance of 4 000 fields × 8 sites lies within 5 of its standard errors
    /// √(2/(N − 1)) v of that (two-sided level 6e-7).
    #[test]
    fn euler_maruyama_steps_follow_the_variance_recursion() {
        let lattice = Lattice::new(1, 8).unwrap();
        let times = [0.02, 0.1, 0.3, 0.6, 1.0];
        let score = |x: &[ArrayD<f64>], _: f64| Ok(x.iter().map(|f| -f).collect());
        let fields = generate_with(lattice, score, &times, 4000, 500, 3).unwrap();
        let mut v = 1.0;
        for w in times.windows(2).rev() {
            let h = w[1] - w[0];
            v = (1.0 - h) * (1.0 - h) * v + 2.0 * h;
        }
        let want = v * alpha(times[0]).unwrap().powi(2);
        let values: Vec<f64> = fields.iter().flat_map(|f| f.iter().copied()).collect();
        let n = values.len() as f64;
        let got = values.iter().map(|x| x * x).sum::<f64>() / n;
        let se = (2.0 / (n - 1.0)).sqrt() * want;
        assert!((got - want).abs() < 5.0 * se, "{got} against {want} ± {se}");
    }
}
