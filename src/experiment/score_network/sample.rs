//! Fields generated with a network's score: the reverse-time Ornstein–Uhlenbeck SDE
//! dx = [x + 2 s_θ(x, t)] dt + √2 dB̄ integrated by Euler–Maruyama from the prior N(0, I) at
//! the grid's last time down to its first, then one Tweedie step to t = 0,
//! x̂_0 = (x + σ_t² s_θ(x, t)) / α_t. Real space, the network's own score; no closed form.

use burn::prelude::Backend;
use ndarray::ArrayD;
use rand_distr::{Distribution, StandardNormal};

use super::{fields_tensor, tensor_fields, ScoreNetwork};
use crate::diffusion::forward::{alpha, sigma2};
use crate::error::{Error, Result};
use crate::sampling::seeded_rng;

/// `count` fields generated with `net` on the increasing time grid `times` (≥ 2 times, all
/// > 0), in batches of `chunk` fields, from a generator seeded with `seed`.
pub fn generate<B: Backend>(
    net: &ScoreNetwork<B>,
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
    let lattice = net.lattice();
    let device = B::Device::default();
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
            let s = score(net, &x, t, &device)?;
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
        let s = score(net, &x, t0, &device)?;
        for (xi, si) in x.iter_mut().zip(&s) {
            ndarray::Zip::from(xi)
                .and(si)
                .for_each(|x, &s| *x = (*x + s2 * s) / a);
        }
        out.extend(x);
    }
    Ok(out)
}

fn score<B: Backend>(
    net: &ScoreNetwork<B>,
    x: &[ArrayD<f64>],
    t: f64,
    device: &B::Device,
) -> Result<Vec<ArrayD<f64>>> {
    let lattice = net.lattice();
    let xs = fields_tensor::<B>(&x.iter().collect::<Vec<_>>(), lattice, device)?;
    tensor_fields(net.score(xs, &vec![t; x.len()])?, lattice)
}
